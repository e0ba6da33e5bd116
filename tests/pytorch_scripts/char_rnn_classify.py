"""Classify names by language with a character-level recurrent network built from
nn.Linear layers, in the style of PyTorch's "NLP from scratch" tutorial: one-hot letter
tensors filled by item assignment, a hidden state carried across letters, NLLLoss on
LogSoftmax outputs, a hand-written SGD update through `p.data.add_`, and prediction with
topk.

Idioms: `all_letters = string.ascii_letters + " .,;'"`, `torch.zeros(1, n_letters)`,
`tensor[li][0][letterToIndex(letter)] = 1` (chained indexing then item assignment),
`torch.zeros(len(line), 1, n_letters)`, a Module with `nn.Linear(input_size +
hidden_size, hidden_size)`, `torch.cat((input, hidden), 1)`, `nn.LogSoftmax(dim=1)`,
`self.initHidden()` returning `torch.zeros(1, self.hidden_size)`, `nn.NLLLoss()`,
`rnn.zero_grad()`, `for i in range(line_tensor.size()[0])`, `for p in
rnn.parameters(): p.data.add_(p.grad.data, alpha=-learning_rate)`, `top_n, top_i =
output.topk(1)`, `top_i[0].item()`, `torch.tensor([all_categories.index(category)],
dtype=torch.long)`, `random.choice` with a seeded `random`, `current_loss += loss`
(float), `output.data`, `for p in rnn.parameters(): p.data.copy_(...)` to load weights,
a confusion matrix `confusion[i][j] += 1` and `confusion[i] = confusion[i] /
confusion[i].sum()`, `torch.set_default_dtype(torch.float64)`.

Weights are copied in from NumPy and the training order comes from a seeded Python
`random`: both frameworks take the same path in float64.
"""
import random
import string

import numpy as np
import torch
import torch.nn as nn
from corpus_data import languages

torch.set_default_dtype(torch.float64)
all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)
category_lines = languages(seed=0)
all_categories = list(category_lines)
n_categories = len(all_categories)


def letterToIndex(letter):
    return all_letters.find(letter)


def letterToTensor(letter):
    tensor = torch.zeros(1, n_letters)
    tensor[0][letterToIndex(letter)] = 1
    return tensor


def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor


print(letterToTensor('J').sum(), lineToTensor('Jones').size())


class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()
        self.hidden_size = hidden_size
        self.i2h = nn.Linear(input_size + hidden_size, hidden_size)
        self.i2o = nn.Linear(input_size + hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        combined = torch.cat((input, hidden), 1)
        hidden = torch.tanh(self.i2h(combined))
        output = self.i2o(combined)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)


n_hidden = 32
rnn = RNN(n_letters, n_hidden, n_categories)
rng = np.random.default_rng(0)
for p in rnn.parameters():
    p.data.copy_(torch.from_numpy(rng.uniform(-0.15, 0.15, tuple(p.shape))))


def categoryFromOutput(output):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i


random.seed(0)


def randomTrainingExample():
    category = random.choice(all_categories)
    line = random.choice(category_lines[category])
    category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
    line_tensor = lineToTensor(line)
    return category, line, category_tensor, line_tensor


criterion = nn.NLLLoss()
learning_rate = 0.01


def train(category_tensor, line_tensor):
    hidden = rnn.initHidden()
    rnn.zero_grad()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    loss = criterion(output, category_tensor)
    loss.backward()
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)
    return output, loss.item()


current_loss = 0
n_iters = 400
for iter in range(n_iters):
    category, line, category_tensor, line_tensor = randomTrainingExample()
    output, loss = train(category_tensor, line_tensor)
    current_loss += loss
    print(f"step {iter} loss {loss:.12f}")
    if iter % 100 == 99:
        guess, guess_i = categoryFromOutput(output)
        correct = '✓' if guess == category else '✗ (%s)' % category
        print('%d %d%% %.4f %s / %s %s' % (iter, iter / n_iters * 100, current_loss / 100,
                                            line, guess, correct))
        current_loss = 0


def evaluate(line_tensor):
    hidden = rnn.initHidden()
    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)
    return output


confusion = torch.zeros(n_categories, n_categories)
with torch.no_grad():
    for category in all_categories:
        for line in category_lines[category]:
            output = evaluate(lineToTensor(line))
            guess, guess_i = categoryFromOutput(output)
            category_i = all_categories.index(category)
            confusion[category_i][guess_i] += 1
for i in range(n_categories):
    confusion[i] = confusion[i] / confusion[i].sum()
print(confusion)
print(f"final accuracy {confusion.diagonal().mean().item():.8f}")
