"""Sequence-to-sequence learning with an RNN encoder-decoder, in the idiom of Dive into
Deep Learning's machine-translation chapters, on a made-up language pair (each source
word has one target word, and the target reverses the word order): sentences truncated
or padded to a fixed number of steps with `<pad>`, `<eos>` appended, the decoder fed
`<bos>` then the shifted target (teacher forcing); a GRU encoder whose last-layer final
state is the context concatenated to every decoder input embedding; a loss masked by the
valid lengths, in the book's two spellings (a `MaskedSoftmaxCELoss` subclass of
`nn.CrossEntropyLoss` over `pred.permute(0, 2, 1)` with a weight tensor zeroed by a
sequence mask; and a flat cross-entropy times `(Y != pad)`); gradient clipping; greedy
decoding token by token until `<eos>`; BLEU of the predictions.

Idioms: `nn.Embedding`, `X.t().type(torch.int64)`, `nn.GRU(embed_size + num_hiddens,
num_hiddens, num_layers)`, `enc_output[-1]`, `context.repeat(embs.shape[0], 1, 1)`,
`torch.cat((embs, context), -1)`, `self.dense(outputs).swapaxes(0, 1)`,
`module._flat_weights_names` and `module._parameters[param]` in an init function applied
with `self.apply`, `nn.LazyLinear`, `class MaskedSoftmaxCELoss(nn.CrossEntropyLoss)` with
`self.reduction = 'none'` and `super(MaskedSoftmaxCELoss, self).forward(...)`,
`torch.ones_like(label)`, `X[~mask] = value` on a tensor outside the graph,
`(src != pad).type(torch.int32).sum(1)`, `torch.tensor([tgt_vocab['<bos>']] *
Y.shape[0]).reshape(-1, 1)`, `torch.cat([bos, Y[:, :-1]], 1)`,
`nn.utils.clip_grad_norm_`, `Y.argmax(dim=2)`, `dec_X.squeeze(dim=0).type(torch.int32).item()`,
`collections.defaultdict(int)`.

Weights from NumPy (Xavier-uniform bounds, as the book's init), batches in a fixed order,
float64, no dropout: both frameworks take the same path.
"""
import collections
import math
import random

import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(12)
words = random.Random(5)
lexicon = {s: t for s, t in zip(
    ["go", "run", "see", "the", "big", "small", "dog", "cat", "now", "here", "red", "tree"],
    ["va", "kur", "vid", "le", "gran", "pet", "hun", "kat", "nu", "ici", "rog", "bom"])}
pairs = []
for _ in range(240):
    src = [words.choice(sorted(lexicon)) for _ in range(words.randint(2, 5))]
    pairs.append((src, [lexicon[w] for w in reversed(src)]))


def make_vocab(sentences):
    tokens = sorted({w for s in sentences for w in s})
    itos = ['<pad>', '<bos>', '<eos>'] + tokens
    return {t: i for i, t in enumerate(itos)}, itos


src_vocab, src_itos = make_vocab([p[0] for p in pairs])
tgt_vocab, tgt_itos = make_vocab([p[1] for p in pairs])
num_steps = 7


def build_array(sentences, vocab):
    def pad_or_trim(seq):
        seq = seq[:num_steps]
        return seq + [vocab['<pad>']] * (num_steps - len(seq))
    array = torch.tensor([pad_or_trim([vocab[w] for w in s] + [vocab['<eos>']])
                          for s in sentences])
    valid_len = (array != vocab['<pad>']).type(torch.int32).sum(1)
    return array, valid_len


src_array, src_valid_len = build_array([p[0] for p in pairs[:200]], src_vocab)
tgt_array, tgt_valid_len = build_array([p[1] for p in pairs[:200]], tgt_vocab)
print(src_array[:2], src_valid_len[:2])


def xavier(shape):
    fan_out, fan_in = shape[0], shape[1] if len(shape) > 1 else 1
    bound = math.sqrt(6.0 / (fan_in + fan_out))
    return torch.from_numpy(rng.uniform(-bound, bound, shape))


def init_seq2seq(module):
    """Xavier-uniform weights for the linear and GRU layers (drawn by NumPy); the biases
    zero (the book keeps their default draw, which comes from the framework's generator)."""
    with torch.no_grad():
        if type(module) == nn.Linear:
            module.weight.copy_(xavier(tuple(module.weight.shape)))
            module.bias.zero_()
        if type(module) == nn.GRU:
            for param in module._flat_weights_names:
                p = module._parameters[param]
                if "weight" in param:
                    p.copy_(xavier(tuple(p.shape)))
                else:
                    p.zero_()
        if type(module) == nn.Embedding:
            module.weight.copy_(torch.from_numpy(rng.normal(0, 1, tuple(module.weight.shape))))


class Seq2SeqEncoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout)
        self.apply(init_seq2seq)

    def forward(self, X, *args):
        # X shape: (batch_size, num_steps); embs: (num_steps, batch_size, embed_size)
        embs = self.embedding(X.t().type(torch.int64))
        outputs, state = self.rnn(embs)
        return outputs, state


class Seq2SeqDecoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.LazyLinear(vocab_size)
        self.apply(init_seq2seq)

    def init_state(self, enc_all_outputs, *args):
        return enc_all_outputs

    def forward(self, X, state):
        embs = self.embedding(X.t().type(torch.int32))
        enc_output, hidden_state = state
        context = enc_output[-1]  # the encoder's top layer at its last step
        context = context.repeat(embs.shape[0], 1, 1)
        embs_and_context = torch.cat((embs, context), -1)
        outputs, hidden_state = self.rnn(embs_and_context, hidden_state)
        outputs = self.dense(outputs).swapaxes(0, 1)
        return outputs, [enc_output, hidden_state]


class EncoderDecoder(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def forward(self, enc_X, dec_X, *args):
        enc_all_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_all_outputs, *args)
        return self.decoder(dec_X, dec_state)[0]


def sequence_mask(X, valid_len, value=0):
    maxlen = X.size(1)
    mask = torch.arange((maxlen), dtype=torch.float32,
                        device=X.device)[None, :] < valid_len[:, None]
    X[~mask] = value
    return X


class MaskedSoftmaxCELoss(nn.CrossEntropyLoss):
    """Cross-entropy over the valid positions only."""

    def forward(self, pred, label, valid_len):
        weights = torch.ones_like(label)
        weights = sequence_mask(weights, valid_len)
        self.reduction = 'none'
        unweighted_loss = super(MaskedSoftmaxCELoss, self).forward(
            pred.permute(0, 2, 1), label)
        weighted_loss = (unweighted_loss * weights).mean(dim=1)
        return weighted_loss


loss = MaskedSoftmaxCELoss()
print(loss(torch.ones(3, 4, 10), torch.ones((3, 4), dtype=torch.long),
           torch.tensor([4, 2, 0])))

encoder = Seq2SeqEncoder(len(src_vocab), embed_size=16, num_hiddens=32, num_layers=2)
decoder = Seq2SeqDecoder(len(tgt_vocab), embed_size=16, num_hiddens=32, num_layers=2)
decoder(torch.zeros((1, 1), dtype=torch.long), encoder(torch.zeros((1, 1), dtype=torch.long)))
init_seq2seq(decoder.dense)  # the lazy layer exists only now
net = EncoderDecoder(encoder, decoder)
optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
pad = tgt_vocab['<pad>']
step = 0
for epoch in range(6):
    for i in range(0, len(src_array), 25):
        X, X_valid_len = src_array[i:i + 25], src_valid_len[i:i + 25]
        Y, Y_valid_len = tgt_array[i:i + 25], tgt_valid_len[i:i + 25]
        bos = torch.tensor([tgt_vocab['<bos>']] * Y.shape[0]).reshape(-1, 1)
        dec_input = torch.cat([bos, Y[:, :-1]], 1)  # teacher forcing
        Y_hat = net(X, dec_input, X_valid_len)
        if epoch % 2 == 0:
            l = loss(Y_hat, Y, Y_valid_len).sum() * num_steps / Y_valid_len.sum()
        else:  # the book's newer spelling: a flat cross-entropy masked by (Y != pad)
            flat = nn.functional.cross_entropy(Y_hat.reshape(-1, Y_hat.shape[-1]),
                                               Y.reshape(-1), reduction='none')
            mask = (Y.reshape(-1) != pad).type(torch.float64)
            l = (flat * mask).sum() / mask.sum()
        optimizer.zero_grad()
        l.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        optimizer.step()
        print(f"step {step} loss {l.item():.10f}")
        step += 1


def predict_seq2seq(net, src_sentence, num_steps):
    net.eval()
    src_tokens = [src_vocab[w] for w in src_sentence.split(' ')] + [src_vocab['<eos>']]
    src_tokens = src_tokens[:num_steps] + [src_vocab['<pad>']] * (num_steps - len(src_tokens))
    enc_X = torch.unsqueeze(torch.tensor(src_tokens, dtype=torch.long), dim=0)
    enc_outputs = net.encoder(enc_X)
    dec_state = net.decoder.init_state(enc_outputs)
    dec_X = torch.unsqueeze(torch.tensor([tgt_vocab['<bos>']], dtype=torch.long), dim=0)
    output_seq = []
    for _ in range(num_steps):
        Y, dec_state = net.decoder(dec_X, dec_state)
        dec_X = Y.argmax(dim=2)  # the most likely token is the next input
        pred = dec_X.squeeze(dim=0).type(torch.int32).item()
        if pred == tgt_vocab['<eos>']:
            break
        output_seq.append(pred)
    return ' '.join(tgt_itos[i] for i in output_seq)


def bleu(pred_seq, label_seq, k):
    """Geometric mean of n-gram precisions (n <= k, weight 2^-n) with a brevity penalty."""
    pred, label = pred_seq.split(' '), label_seq.split(' ')
    score = math.exp(min(0.0, 1.0 - len(label) / len(pred)))
    for n in range(1, min(k, len(pred)) + 1):
        available = collections.defaultdict(int)
        for i in range(len(label) - n + 1):
            available[' '.join(label[i:i + n])] += 1
        matched = 0
        for i in range(len(pred) - n + 1):
            gram = ' '.join(pred[i:i + n])
            if available[gram] > 0:
                matched += 1
                available[gram] -= 1
        score *= math.pow(matched / (len(pred) - n + 1), math.pow(0.5, n))
    return score


scores, exact = [], 0
with torch.no_grad():
    for src, tgt in pairs[200:]:
        translation = predict_seq2seq(net, ' '.join(src), num_steps)
        exact += translation == ' '.join(tgt)
        scores.append(bleu(translation, ' '.join(tgt), k=2) if translation else 0.0)
print(f"{' '.join(pairs[200][0])} => {predict_seq2seq(net, ' '.join(pairs[200][0]), num_steps)}")
print(f"final exact_translations {exact}")
print(f"final mean_bleu {sum(scores) / len(scores):.10f}")
