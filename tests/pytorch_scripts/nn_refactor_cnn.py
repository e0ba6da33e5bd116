"""The second half of the "What is torch.nn really?" tutorial: after the logistic
regression has become nn.Linear + optim + DataLoader, the training loop is factored
into get_data / loss_batch / fit, then the model becomes a CNN, first as an nn.Module
with F.avg_pool2d, then as nn.Sequential with a Lambda layer, then with the
preprocessing moved into a WrappedDataLoader and nn.AdaptiveAvgPool2d so that any input
size works; validation runs on a doubled batch size without shuffling.

Idioms: `def get_data(train_ds, valid_ds, bs): return (DataLoader(train_ds,
batch_size=bs, sampler=order), DataLoader(valid_ds, batch_size=bs * 2))`,
`def loss_batch(model, loss_func, xb, yb, opt=None)` returning `loss.item(), len(xb)`,
`losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])`,
`val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)`,
`class Mnist_CNN(nn.Module)` with three `nn.Conv2d(..., kernel_size=3, stride=2,
padding=1)`, `xb.view(-1, 1, 28, 28)`, `F.avg_pool2d(xb, 4)`, `xb.view(-1,
xb.size(1))`, `class Lambda(nn.Module)` holding a function, `nn.Sequential(Lambda(
preprocess), nn.Conv2d(...), nn.ReLU(), ..., nn.AvgPool2d(4), Lambda(lambda x:
x.view(x.size(0), -1)))`, `class WrappedDataLoader` with `__len__` and `__iter__`
yielding `self.func(*b)`, `nn.AdaptiveAvgPool2d(1)`, `optim.SGD(model.parameters(),
lr=lr, momentum=0.9)`, `model.train()` / `model.eval()` around `with torch.no_grad()`.

The tutorial's default initialisation and shuffle=True are replaced by weights drawn with
NumPy (`init_from_numpy`, float64) and a fixed NumPy permutation as the loader's sampler,
so that both frameworks take the same path and the losses are compared step by step
(with the framework's generator the runs spread too much across seeds to compare).
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from corpus_data import digits
from torch import nn, optim
from torch.utils.data import DataLoader, TensorDataset

x_train, y_train, x_valid, y_valid = digits(640, 320)
x_train, x_valid = x_train.astype(np.float64), x_valid.astype(np.float64)
order = np.random.default_rng(0).permutation(len(x_train)).tolist()
x_train, y_train, x_valid, y_valid = map(torch.tensor, (x_train, y_train, x_valid, y_valid))
x_train, x_valid = (x_train - 0.1307) / 0.3081, (x_valid - 0.1307) / 0.3081  # MNIST's mean, std
train_ds = TensorDataset(x_train, y_train)
valid_ds = TensorDataset(x_valid, y_valid)
bs = 32
lr = 0.2
loss_func = F.cross_entropy
step = 0


def get_data(train_ds, valid_ds, bs):
    return (
        DataLoader(train_ds, batch_size=bs, sampler=order),
        DataLoader(valid_ds, batch_size=bs * 2),
    )


def loss_batch(model, loss_func, xb, yb, opt=None):
    global step
    loss = loss_func(model(xb), yb)
    if opt is not None:
        loss.backward()
        opt.step()
        opt.zero_grad()
        print(f"step {step} loss {loss.item():.15e}")
        step += 1
    return loss.item(), len(xb)


def fit(epochs, model, loss_func, opt, train_dl, valid_dl, name):
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            loss_batch(model, loss_func, xb, yb, opt)
        model.eval()
        with torch.no_grad():
            losses, nums = zip(*[loss_batch(model, loss_func, xb, yb) for xb, yb in valid_dl])
        val_loss = np.sum(np.multiply(losses, nums)) / np.sum(nums)
        print(epoch, val_loss)
    print(f"final {name}_val_loss {val_loss:.6f}")


def init_from_numpy(model, seed):
    rng = np.random.default_rng(seed)
    model.double()
    with torch.no_grad():
        for p in model.parameters():
            bound = 1 / math.sqrt(p[0].numel()) if p.dim() > 1 else 0.0
            p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape))))
    return model


class Mnist_CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1)
        self.conv3 = nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1)

    def forward(self, xb):
        xb = xb.view(-1, 1, 28, 28)
        xb = F.relu(self.conv1(xb))
        xb = F.relu(self.conv2(xb))
        xb = F.relu(self.conv3(xb))
        xb = F.avg_pool2d(xb, 4)
        return xb.view(-1, xb.size(1))


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
model = init_from_numpy(Mnist_CNN(), 1)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
fit(4, model, loss_func, opt, train_dl, valid_dl, "module")


class Lambda(nn.Module):
    def __init__(self, func):
        super().__init__()
        self.func = func

    def forward(self, x):
        return self.func(x)


def preprocess(x):
    return x.view(-1, 1, 28, 28)


model = nn.Sequential(
    Lambda(preprocess),
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AvgPool2d(4),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
init_from_numpy(model, 2)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
fit(4, model, loss_func, opt, train_dl, valid_dl, "sequential")


def preprocess(x, y):
    return x.view(-1, 1, 28, 28), y


class WrappedDataLoader:
    def __init__(self, dl, func):
        self.dl = dl
        self.func = func

    def __len__(self):
        return len(self.dl)

    def __iter__(self):
        for b in self.dl:
            yield (self.func(*b))


train_dl, valid_dl = get_data(train_ds, valid_ds, bs)
train_dl = WrappedDataLoader(train_dl, preprocess)
valid_dl = WrappedDataLoader(valid_dl, preprocess)
print(len(train_dl), len(valid_dl))
model = nn.Sequential(
    nn.Conv2d(1, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 16, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.Conv2d(16, 10, kernel_size=3, stride=2, padding=1),
    nn.ReLU(),
    nn.AdaptiveAvgPool2d(1),
    Lambda(lambda x: x.view(x.size(0), -1)),
)
init_from_numpy(model, 3)
opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
fit(4, model, loss_func, opt, train_dl, valid_dl, "adaptive")
model.eval()
with torch.no_grad():
    correct = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in valid_dl)
print(f"final adaptive_accuracy {correct / len(valid_ds):.6f}")
