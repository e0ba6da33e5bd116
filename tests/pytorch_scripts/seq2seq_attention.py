"""Sequence to sequence with attention, in the style of the PyTorch tutorial "NLP From
Scratch: Translation with a Sequence to Sequence Network and Attention": a `Lang` that
counts words (SOS/EOS tokens), sentence pairs normalised and filtered by length, a GRU
encoder and a GRU decoder with Bahdanau (additive) attention over the encoder outputs,
batches of padded id tensors, teacher forcing decided per batch by `random.random() <
teacher_forcing_ratio` (the tutorial's earlier version) and greedy decoding otherwise;
then `evaluate` turns sentences into words until `<EOS>` and the attention weights are
summarised. The "translation": each word spelt backwards, the sentence reversed.

Idioms: `SOS_token = 0`, `EOS_token = 1`, `self.word2index`/`word2count`/`index2word`,
`unicodedata.normalize('NFD', s)`, `re.sub(r"([.!?])", r" \1", s)`,
`nn.GRU(hidden_size, hidden_size, batch_first=True)`, `self.Va(torch.tanh(self.Wa(query) +
self.Ua(keys)))`, `scores.squeeze(2).unsqueeze(1)`, `torch.bmm(weights, keys)`,
`torch.cat((embedded, context), dim=2)`, `torch.empty(batch_size, 1, dtype=torch.long,
device=device).fill_(SOS_token)`, `target_tensor[:, i].unsqueeze(1)`,
`decoder_output.topk(1)`, `topi.squeeze(-1).detach()`, `F.log_softmax(decoder_outputs,
dim=-1)`, `np.zeros((n, MAX_LENGTH), dtype=np.int32)`, `torch.LongTensor(input_ids)`,
`nn.NLLLoss()` on `decoder_outputs.view(-1, decoder_outputs.size(-1))`,
`encoder_optimizer`/`decoder_optimizer`, `time.time()` in `timeSince`.

The tutorial's dropout is left out, the weights come from NumPy, batches in a fixed order
and Python's `random` seeded: float64, both frameworks take the same path.
"""
import random
import re
import time
import unicodedata

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from corpus_data import story
from torch import optim
from torch.utils.data import DataLoader, SequentialSampler, TensorDataset

device = torch.device("cpu")
random.seed(11)
rng = np.random.default_rng(11)
SOS_token = 0
EOS_token = 1
MAX_LENGTH = 8
teacher_forcing_ratio = 0.5


class Lang:
    def __init__(self, name):
        self.name = name
        self.word2index = {}
        self.word2count = {}
        self.index2word = {0: "SOS", 1: "EOS"}
        self.n_words = 2  # Count SOS and EOS

    def addSentence(self, sentence):
        for word in sentence.split(' '):
            self.addWord(word)

    def addWord(self, word):
        if word not in self.word2index:
            self.word2index[word] = self.n_words
            self.word2count[word] = 1
            self.index2word[self.n_words] = word
            self.n_words += 1
        else:
            self.word2count[word] += 1


def unicodeToAscii(s):
    return ''.join(
        c for c in unicodedata.normalize('NFD', s)
        if unicodedata.category(c) != 'Mn'
    )


def normalizeString(s):
    s = unicodeToAscii(s.lower().strip())
    s = re.sub(r"([.!?])", r" \1", s)
    s = re.sub(r"[^a-zA-Z!?]+", r" ", s)
    return s.strip()


def make_pairs(text):
    pairs = []
    for line in text.splitlines():
        source = normalizeString(line)
        target = ' '.join(word[::-1] for word in reversed(source.split(' ')))
        pairs.append([source, target])
    return pairs


def filterPairs(pairs):
    return [p for p in pairs if len(p[0].split(' ')) < MAX_LENGTH and
            len(p[1].split(' ')) < MAX_LENGTH]


def prepareData(text):
    input_lang, output_lang = Lang("eng"), Lang("gne")
    pairs = filterPairs(make_pairs(text))
    print("Trimmed to %s sentence pairs" % len(pairs))
    for pair in pairs:
        input_lang.addSentence(pair[0])
        output_lang.addSentence(pair[1])
    print("Counted words:", input_lang.name, input_lang.n_words, output_lang.name,
          output_lang.n_words)
    return input_lang, output_lang, pairs


class EncoderRNN(nn.Module):
    def __init__(self, input_size, hidden_size):
        super(EncoderRNN, self).__init__()
        self.hidden_size = hidden_size
        self.embedding = nn.Embedding(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)

    def forward(self, input):
        embedded = self.embedding(input)
        output, hidden = self.gru(embedded)
        return output, hidden


class BahdanauAttention(nn.Module):
    def __init__(self, hidden_size):
        super(BahdanauAttention, self).__init__()
        self.Wa = nn.Linear(hidden_size, hidden_size)
        self.Ua = nn.Linear(hidden_size, hidden_size)
        self.Va = nn.Linear(hidden_size, 1)

    def forward(self, query, keys):
        scores = self.Va(torch.tanh(self.Wa(query) + self.Ua(keys)))
        scores = scores.squeeze(2).unsqueeze(1)

        weights = F.softmax(scores, dim=-1)
        context = torch.bmm(weights, keys)

        return context, weights


class AttnDecoderRNN(nn.Module):
    def __init__(self, hidden_size, output_size):
        super(AttnDecoderRNN, self).__init__()
        self.embedding = nn.Embedding(output_size, hidden_size)
        self.attention = BahdanauAttention(hidden_size)
        self.gru = nn.GRU(2 * hidden_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, output_size)

    def forward(self, encoder_outputs, encoder_hidden, target_tensor=None):
        batch_size = encoder_outputs.size(0)
        decoder_input = torch.empty(batch_size, 1, dtype=torch.long,
                                    device=device).fill_(SOS_token)
        decoder_hidden = encoder_hidden
        decoder_outputs = []
        attentions = []

        for i in range(MAX_LENGTH):
            decoder_output, decoder_hidden, attn_weights = self.forward_step(
                decoder_input, decoder_hidden, encoder_outputs
            )
            decoder_outputs.append(decoder_output)
            attentions.append(attn_weights)

            if target_tensor is not None:
                # Teacher forcing: Feed the target as the next input
                decoder_input = target_tensor[:, i].unsqueeze(1)  # Teacher forcing
            else:
                # Without teacher forcing: use its own predictions as the next input
                _, topi = decoder_output.topk(1)
                decoder_input = topi.squeeze(-1).detach()  # detach from history as input

        decoder_outputs = torch.cat(decoder_outputs, dim=1)
        decoder_outputs = F.log_softmax(decoder_outputs, dim=-1)
        attentions = torch.cat(attentions, dim=1)

        return decoder_outputs, decoder_hidden, attentions

    def forward_step(self, input, hidden, encoder_outputs):
        embedded = self.embedding(input)

        query = hidden.permute(1, 0, 2)
        context, attn_weights = self.attention(query, encoder_outputs)
        input_gru = torch.cat((embedded, context), dim=2)

        output, hidden = self.gru(input_gru, hidden)
        output = self.out(output)

        return output, hidden, attn_weights


def indexesFromSentence(lang, sentence):
    return [lang.word2index[word] for word in sentence.split(' ')]


def tensorFromSentence(lang, sentence):
    indexes = indexesFromSentence(lang, sentence)
    indexes.append(EOS_token)
    return torch.tensor(indexes, dtype=torch.long, device=device).view(1, -1)


def get_dataloader(batch_size, input_lang, output_lang, pairs):
    n = len(pairs)
    input_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)
    target_ids = np.zeros((n, MAX_LENGTH), dtype=np.int32)

    for idx, (inp, tgt) in enumerate(pairs):
        inp_ids = indexesFromSentence(input_lang, inp)
        tgt_ids = indexesFromSentence(output_lang, tgt)
        inp_ids.append(EOS_token)
        tgt_ids.append(EOS_token)
        input_ids[idx, :len(inp_ids)] = inp_ids
        target_ids[idx, :len(tgt_ids)] = tgt_ids

    train_data = TensorDataset(torch.LongTensor(input_ids).to(device),
                               torch.LongTensor(target_ids).to(device))

    train_sampler = SequentialSampler(train_data)
    train_dataloader = DataLoader(train_data, sampler=train_sampler, batch_size=batch_size)
    return train_dataloader


step = 0


def train_epoch(dataloader, encoder, decoder, encoder_optimizer,
                decoder_optimizer, criterion):
    global step
    total_loss = 0
    for data in dataloader:
        input_tensor, target_tensor = data

        encoder_optimizer.zero_grad()
        decoder_optimizer.zero_grad()

        use_teacher_forcing = True if random.random() < teacher_forcing_ratio else False
        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, _, _ = decoder(encoder_outputs, encoder_hidden,
                                        target_tensor if use_teacher_forcing else None)

        loss = criterion(
            decoder_outputs.view(-1, decoder_outputs.size(-1)),
            target_tensor.view(-1)
        )
        loss.backward()

        encoder_optimizer.step()
        decoder_optimizer.step()

        total_loss += loss.item()
        print(f"step {step} loss {loss.item():.12f}")
        step += 1

    return total_loss / len(dataloader)


def timeSince(since):
    s = time.time() - since
    return '%dm %ds' % (s // 60, s % 60)


def train(train_dataloader, encoder, decoder, n_epochs, learning_rate=0.001,
          print_every=2):
    start = time.time()
    print_loss_total = 0  # Reset every print_every

    encoder_optimizer = optim.Adam(encoder.parameters(), lr=learning_rate)
    decoder_optimizer = optim.Adam(decoder.parameters(), lr=learning_rate)
    criterion = nn.NLLLoss()

    for epoch in range(1, n_epochs + 1):
        loss = train_epoch(train_dataloader, encoder, decoder, encoder_optimizer,
                           decoder_optimizer, criterion)
        print_loss_total += loss

        if epoch % print_every == 0:
            print_loss_avg = print_loss_total / print_every
            print_loss_total = 0
            print('%s (%d %d%%) %.4f' % (timeSince(start), epoch, epoch / n_epochs * 100,
                                         print_loss_avg))


def evaluate(encoder, decoder, sentence, input_lang, output_lang):
    with torch.no_grad():
        input_tensor = tensorFromSentence(input_lang, sentence)

        encoder_outputs, encoder_hidden = encoder(input_tensor)
        decoder_outputs, decoder_hidden, decoder_attn = decoder(encoder_outputs,
                                                                encoder_hidden)

        _, topi = decoder_outputs.topk(1)
        decoded_ids = topi.squeeze()

        decoded_words = []
        for idx in decoded_ids:
            if idx.item() == EOS_token:
                decoded_words.append('<EOS>')
                break
            decoded_words.append(output_lang.index2word[idx.item()])
    return decoded_words, decoder_attn


def numpy_init(model):
    with torch.no_grad():
        for p in model.parameters():
            bound = 1.0 / p.shape[-1] ** 0.5
            p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape))))
    return model


hidden_size = 24
batch_size = 16
input_lang, output_lang, pairs = prepareData(story(160, seed=4))
train_dataloader = get_dataloader(batch_size, input_lang, output_lang, pairs)
encoder = numpy_init(EncoderRNN(input_lang.n_words, hidden_size).to(device).double())
decoder = numpy_init(AttnDecoderRNN(hidden_size, output_lang.n_words).to(device).double())
train(train_dataloader, encoder, decoder, 14, learning_rate=0.01)

encoder.eval()
decoder.eval()
correct = 0
attention_peak = 0.0
for pair in pairs[:40]:
    output_words, attentions = evaluate(encoder, decoder, pair[0], input_lang, output_lang)
    output_sentence = ' '.join(output_words)
    correct += int(output_sentence == pair[1] + ' <EOS>')
    attention_peak += attentions[0].max(dim=-1).values.mean().item()
for pair in pairs[:3]:
    output_words, _ = evaluate(encoder, decoder, pair[0], input_lang, output_lang)
    print('>', pair[0])
    print('=', pair[1])
    print('<', ' '.join(output_words))
print(f"final exact_translations {correct}")
print(f"final attention_peak {attention_peak / 40:.10f}")
