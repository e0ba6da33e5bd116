"""Logistic regression on MNIST digits written from scratch and then refactored step by
step towards torch.nn, the way the "What is torch.nn really?" tutorial proceeds.

Idioms: `x_train, y_train, x_valid, y_valid = map(torch.tensor, (...))`,
`n, c = x_train.shape`, `weights = torch.zeros(784, 10) / math.sqrt(784)` then
`weights.requires_grad_()`, `torch.zeros(10, requires_grad=True)`, a hand-written
`log_softmax` (`x - x.exp().sum(-1).log().unsqueeze(-1)`), negative log likelihood by
integer-array indexing `-input[range(target.shape[0]), target].mean()`, accuracy
`(torch.argmax(out, dim=1) == yb).float().mean()`, mini-batches by slicing
`x_train[start_i:end_i]`, the manual update `with torch.no_grad(): weights -=
weights.grad * lr; weights.grad.zero_()`, then `F.cross_entropy`, an `nn.Module` with
`nn.Parameter`s and `for p in model.parameters(): p -= p.grad * lr` plus
`model.zero_grad()`, then `nn.Linear` whose parameters are zeroed in place
(`model.lin.weight.zero_()` under no_grad), `optim.SGD`, `TensorDataset` + `DataLoader`
(no shuffling), `model.eval()` with `torch.no_grad()` validation,
`sum(...) / len(...)` of `.item()` losses, `xb.view(-1, 784)`.

Zero initial weights and unshuffled batches: both frameworks follow the same path.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from corpus_data import digits
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

x_train, y_train, x_valid, y_valid = map(torch.tensor, digits(1000, 500))
n, c = x_train.shape
print(x_train.shape, y_train.min(), y_train.max())

weights = torch.zeros(784, 10) / math.sqrt(784)
weights.requires_grad_()
bias = torch.zeros(10, requires_grad=True)


def log_softmax(x):
    return x - x.exp().sum(-1).log().unsqueeze(-1)


def model(xb):
    return log_softmax(xb @ weights + bias)


def nll(input, target):
    return -input[range(target.shape[0]), target].mean()


def accuracy(out, yb):
    preds = torch.argmax(out, dim=1)
    return (preds == yb).float().mean()


bs = 64
lr = 0.5
epochs = 2
step = 0
loss_func = nll
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        start_i = i * bs
        end_i = start_i + bs
        xb = x_train[start_i:end_i]
        yb = y_train[start_i:end_i]
        pred = model(xb)
        loss = loss_func(pred, yb)
        print(f"step {step} loss {loss.item():.8f}")
        step += 1
        loss.backward()
        with torch.no_grad():
            weights -= weights.grad * lr
            bias -= bias.grad * lr
            weights.grad.zero_()
            bias.grad.zero_()
print("scratch", loss_func(model(x_valid), y_valid).item(), accuracy(model(x_valid), y_valid))


class MnistLogistic(nn.Module):
    def __init__(self):
        super().__init__()
        self.weights = nn.Parameter(torch.zeros(784, 10))
        self.bias = nn.Parameter(torch.zeros(10))

    def forward(self, xb):
        return xb @ self.weights + self.bias


net = MnistLogistic()
for epoch in range(epochs):
    for i in range((n - 1) // bs + 1):
        xb = x_train[i * bs:i * bs + bs]
        yb = y_train[i * bs:i * bs + bs]
        loss = F.cross_entropy(net(xb), yb)
        print(f"step {step} loss {loss.item():.8f}")
        step += 1
        loss.backward()
        with torch.no_grad():
            for p in net.parameters():
                p -= p.grad * lr
            net.zero_grad()


class MnistLinear(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(784, 10)
        with torch.no_grad():
            self.lin.weight.zero_()
            self.lin.bias.zero_()

    def forward(self, xb):
        return self.lin(xb.view(-1, 784))


train_dl = DataLoader(TensorDataset(x_train, y_train), batch_size=bs)
valid_dl = DataLoader(TensorDataset(x_valid, y_valid), batch_size=bs * 2)
net = MnistLinear()
opt = optim.SGD(net.parameters(), lr=lr)
for epoch in range(epochs):
    net.train()
    for xb, yb in train_dl:
        loss = F.cross_entropy(net(xb), yb)
        print(f"step {step} loss {loss.item():.8f}")
        step += 1
        loss.backward()
        opt.step()
        opt.zero_grad()
    net.eval()
    with torch.no_grad():
        valid_loss = sum(F.cross_entropy(net(xb), yb) for xb, yb in valid_dl)
    print(epoch, valid_loss / len(valid_dl))
    print(f"final valid_loss_{epoch} {float(valid_loss / len(valid_dl)):.8f}")
print(f"final valid_acc {accuracy(net(x_valid), y_valid).item():.8f}")
print(np.round(net.lin.bias.detach().numpy(), 3))
