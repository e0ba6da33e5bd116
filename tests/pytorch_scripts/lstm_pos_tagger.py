"""A part-of-speech tagger with an LSTM, in the style of the PyTorch tutorial on sequence
models: sentences as lists of words with a tag per word, a word-to-index dictionary
built by a loop, `prepare_sequence` turning a sentence into an index tensor, an
`LSTMTagger` (Embedding -> LSTM -> Linear -> log_softmax) trained one sentence at a time
with NLLLoss and SGD, the tag scores looked at under no_grad before and after training;
then the tutorial's warm-up: an LSTM stepped one element at a time with an explicit
(hidden, cell) pair, against the whole sequence at once.

Idioms: `torch.manual_seed(1)`, `nn.LSTM(3, 3)` with `torch.randn(1, 1, 3)` hidden states,
`lstm(i.view(1, 1, -1), hidden)`, `torch.cat(inputs).view(len(inputs), 1, -1)`,
`torch.tensor(idxs, dtype=torch.long)`, `nn.Embedding(vocab_size, embedding_dim)`,
`self.lstm(embeds.view(len(sentence), 1, -1))`, `lstm_out.view(len(sentence), -1)`,
`F.log_softmax(tag_space, dim=1)`, `nn.NLLLoss()`, `optim.SGD(model.parameters(),
lr=0.3)`, `model.zero_grad()` before each sentence, `tag_scores.argmax(dim=1).tolist()`,
`torch.allclose`.

Weights and the hidden states of the warm-up come from the framework's generator:
compared in a band.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from corpus_data import story

torch.manual_seed(1)

lstm = nn.LSTM(3, 3)
inputs = [torch.randn(1, 3) for _ in range(5)]
hidden = (torch.randn(1, 1, 3), torch.randn(1, 1, 3))
for i in inputs:
    out, hidden = lstm(i.view(1, 1, -1), hidden)
stepped = out
inputs = torch.cat(inputs).view(len(inputs), 1, -1)
hidden0 = (torch.randn(1, 1, 3), torch.randn(1, 1, 3))
out, hidden = lstm(inputs, hidden0)
print(out)
print(hidden)
h, c = hidden0
for t in range(inputs.size(0)):
    _, (h, c) = lstm(inputs[t:t + 1], (h, c))
print(f"final stepwise_matches {float(torch.allclose(h, hidden[0]) and torch.allclose(c, hidden[1]))}")
print(tuple(stepped.shape))

TAGS = {"the": "DET", "a": "DET", "my": "DET", "some": "DET",
        "cat": "NN", "dog": "NN", "man": "NN", "friend": "NN", "bird": "NN", "ball": "NN",
        "hat": "NN", "river": "NN", "bread": "NN", "moon": "NN", "morning": "NN", "night": "NN",
        "old": "ADJ", "red": "ADJ",
        "sees": "V", "likes": "V", "finds": "V", "follows": "V", "hears": "V",
        "today": "ADV", "again": "ADV", "slowly": "ADV",
        "at": "P", "in": "P"}
training_data = []
for line in story(20, seed=3).splitlines():
    words = line.rstrip(".").split()
    training_data.append((words, [TAGS[w] for w in words]))
print(training_data[0])

word_to_ix = {}
for sent, tags in training_data:
    for word in sent:
        if word not in word_to_ix:
            word_to_ix[word] = len(word_to_ix)
print(word_to_ix)
tag_to_ix = {"DET": 0, "NN": 1, "V": 2, "ADJ": 3, "ADV": 4, "P": 5}
ix_to_tag = {v: k for k, v in tag_to_ix.items()}


def prepare_sequence(seq, to_ix):
    idxs = [to_ix[w] for w in seq]
    return torch.tensor(idxs, dtype=torch.long)


EMBEDDING_DIM = 6
HIDDEN_DIM = 6


class LSTMTagger(nn.Module):

    def __init__(self, embedding_dim, hidden_dim, vocab_size, tagset_size):
        super(LSTMTagger, self).__init__()
        self.hidden_dim = hidden_dim
        self.word_embeddings = nn.Embedding(vocab_size, embedding_dim)
        # The LSTM takes word embeddings as inputs, and outputs hidden states
        # with dimensionality hidden_dim.
        self.lstm = nn.LSTM(embedding_dim, hidden_dim)
        # The linear layer that maps from hidden state space to tag space
        self.hidden2tag = nn.Linear(hidden_dim, tagset_size)

    def forward(self, sentence):
        embeds = self.word_embeddings(sentence)
        lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
        tag_space = self.hidden2tag(lstm_out.view(len(sentence), -1))
        tag_scores = F.log_softmax(tag_space, dim=1)
        return tag_scores


model = LSTMTagger(EMBEDDING_DIM, HIDDEN_DIM, len(word_to_ix), len(tag_to_ix))
loss_function = nn.NLLLoss()
optimizer = optim.SGD(model.parameters(), lr=0.3)

with torch.no_grad():
    inputs = prepare_sequence(training_data[0][0], word_to_ix)
    tag_scores = model(inputs)
    print(tag_scores)

step = 0
for epoch in range(25):
    total = 0.0
    for sentence, tags in training_data:
        # Clear the gradients accumulated by the previous sentence
        model.zero_grad()
        sentence_in = prepare_sequence(sentence, word_to_ix)
        targets = prepare_sequence(tags, tag_to_ix)
        tag_scores = model(sentence_in)
        loss = loss_function(tag_scores, targets)
        loss.backward()
        optimizer.step()
        total += loss.item()
    print(f"step {step} loss {total / len(training_data):.6f}")
    step += 1

with torch.no_grad():
    correct = 0
    count = 0
    for sentence, tags in training_data:
        tag_scores = model(prepare_sequence(sentence, word_to_ix))
        predicted = tag_scores.argmax(dim=1).tolist()
        correct += sum(int(ix_to_tag[p] == t) for p, t in zip(predicted, tags))
        count += len(tags)
    print([ix_to_tag[p] for p in predicted], tags)
print(f"final tag_accuracy {correct / count:.6f}")
