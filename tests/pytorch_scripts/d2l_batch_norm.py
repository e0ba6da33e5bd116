"""Batch normalization from scratch, then the concise layers, on LeNet, in the style of
Dive into Deep Learning's chapter on batch normalization: a `batch_norm` function that
uses the moving statistics when gradients are off (prediction) and the batch's when on
(training), a `BatchNorm` module holding gamma/beta as parameters and the moving
statistics as plain tensor attributes, LeNet with it after every convolution and linear
layer, trained with SGD at learning rate 1.0, then the same LeNet with nn.BatchNorm2d /
nn.BatchNorm1d.

Idioms: `torch.set_default_dtype(torch.float64)`, `torch.is_grad_enabled()`,
`X.mean(dim=(0, 2, 3), keepdim=True)`, `((X - mean) ** 2).mean(dim=0)` (biased
variance), `moving_mean.data` returned from a function, `nn.Parameter(torch.ones(shape))`,
tuple-unpacking assignment of three attributes in `forward`, `self.moving_mean.device !=
X.device` and `.to(X.device)`, `nn.Sequential` LeNet with `nn.Sigmoid()`,
`nn.AvgPool2d(kernel_size=2, stride=2)`, `nn.Flatten()`, `net.apply(init_weights)` with
`type(m) == nn.Linear or type(m) == nn.Conv2d`, `with torch.no_grad(): m.weight.copy_(...)`,
`nn.init.zeros_`, `nn.CrossEntropyLoss(reduction='none')` then `l.mean().backward()`,
`torch.optim.SGD(net.parameters(), lr=lr)`, an `Accumulator` class summing `float(...)`
values, `y_hat.argmax(axis=1)`, `cmp = y_hat.type(y.dtype) == y`, `float(cmp.type(y.dtype).sum())`,
`net.eval()` / `net.train()` around an accuracy under `torch.no_grad()`,
`isinstance(net, torch.nn.Module)`, `net[1].gamma.reshape((-1,))`,
`nn.BatchNorm2d(6)`, `nn.BatchNorm1d(120)`, `net[1].running_var.sum()`.

Weights from NumPy, biases zero, batches in a fixed order, no dropout, float64: both
frameworks take the same path (in float32 the sigmoid LeNet at learning rate 1.0
amplifies rounding too much to tell it from a semantic difference).
"""
import numpy as np
import torch
from corpus_data import digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)


def batch_norm(X, gamma, beta, moving_mean, moving_var, eps, momentum):
    # Prediction mode: the moving statistics; training mode: the batch's
    if not torch.is_grad_enabled():
        X_hat = (X - moving_mean) / torch.sqrt(moving_var + eps)
    else:
        assert len(X.shape) in (2, 4)
        if len(X.shape) == 2:
            mean = X.mean(dim=0)
            var = ((X - mean) ** 2).mean(dim=0)
        else:
            mean = X.mean(dim=(0, 2, 3), keepdim=True)
            var = ((X - mean) ** 2).mean(dim=(0, 2, 3), keepdim=True)
        X_hat = (X - mean) / torch.sqrt(var + eps)
        moving_mean = (1.0 - momentum) * moving_mean + momentum * mean
        moving_var = (1.0 - momentum) * moving_var + momentum * var
    Y = gamma * X_hat + beta
    return Y, moving_mean.data, moving_var.data


class BatchNorm(nn.Module):
    def __init__(self, num_features, num_dims):
        super().__init__()
        if num_dims == 2:
            shape = (1, num_features)
        else:
            shape = (1, num_features, 1, 1)
        self.gamma = nn.Parameter(torch.ones(shape))
        self.beta = nn.Parameter(torch.zeros(shape))
        self.moving_mean = torch.zeros(shape)
        self.moving_var = torch.ones(shape)

    def forward(self, X):
        if self.moving_mean.device != X.device:
            self.moving_mean = self.moving_mean.to(X.device)
            self.moving_var = self.moving_var.to(X.device)
        Y, self.moving_mean, self.moving_var = batch_norm(
            X, self.gamma, self.beta, self.moving_mean, self.moving_var,
            eps=1e-5, momentum=0.1)
        return Y


class Accumulator:
    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [a + float(b) for a, b in zip(self.data, args)]

    def __getitem__(self, idx):
        return self.data[idx]


def accuracy(y_hat, y):
    if len(y_hat.shape) > 1 and y_hat.shape[1] > 1:
        y_hat = y_hat.argmax(axis=1)
    cmp = y_hat.type(y.dtype) == y
    return float(cmp.type(y.dtype).sum())


def evaluate_accuracy(net, data_iter):
    if isinstance(net, torch.nn.Module):
        net.eval()
    metric = Accumulator(2)
    with torch.no_grad():
        for X, y in data_iter:
            metric.add(accuracy(net(X), y), y.numel())
    return metric[0] / metric[1]


rng = np.random.default_rng(7)


def init_weights(m):
    if type(m) == nn.Linear or type(m) == nn.Conv2d:
        fan_in = m.weight[0].numel()
        fan_out = m.weight.shape[0] * (m.weight[0, 0].numel() if m.weight.dim() > 2 else 1)
        a = (6.0 / (fan_in + fan_out)) ** 0.5
        with torch.no_grad():
            m.weight.copy_(torch.from_numpy(rng.uniform(-a, a, tuple(m.weight.shape))))
        nn.init.zeros_(m.bias)


step = 0


def train(net, train_iter, test_iter, num_epochs, lr):
    global step
    net.apply(init_weights)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss(reduction='none')
    for epoch in range(num_epochs):
        metric = Accumulator(3)
        net.train()
        for X, y in train_iter:
            optimizer.zero_grad()
            y_hat = net(X)
            l = loss(y_hat, y)
            l.mean().backward()
            optimizer.step()
            with torch.no_grad():
                metric.add(l.sum(), accuracy(y_hat, y), X.shape[0])
            print(f"step {step} loss {l.mean().item():.10f}")
            step += 1
        test_acc = evaluate_accuracy(net, test_iter)
        print(f'epoch {epoch + 1}, loss {metric[0] / metric[2]:.3f}, '
              f'train acc {metric[1] / metric[2]:.3f}, test acc {test_acc:.3f}')
    return test_acc


x_train, y_train, x_test, y_test = digits(600, 200)
train_iter = DataLoader(TensorDataset(torch.from_numpy(x_train).double().reshape(-1, 1, 28, 28),
                                      torch.from_numpy(y_train)), batch_size=50, shuffle=False)
test_iter = DataLoader(TensorDataset(torch.from_numpy(x_test).double().reshape(-1, 1, 28, 28),
                                     torch.from_numpy(y_test)), batch_size=100)

net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5), BatchNorm(6, num_dims=4), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), BatchNorm(16, num_dims=4), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(16 * 4 * 4, 120), BatchNorm(120, num_dims=2), nn.Sigmoid(),
    nn.Linear(120, 84), BatchNorm(84, num_dims=2), nn.Sigmoid(),
    nn.Linear(84, 10))
lr, num_epochs = 1.0, 2
print(f"final scratch_test_acc {train(net, train_iter, test_iter, num_epochs, lr):.6f}")
print(net[1].gamma.reshape((-1,)), net[1].beta.reshape((-1,)))
print(f"final scratch_gamma_sum {net[1].gamma.sum().item():.12f}")
print(f"final scratch_moving_var_sum {net[5].moving_var.sum().item():.12f}")

net = nn.Sequential(
    nn.Conv2d(1, 6, kernel_size=5), nn.BatchNorm2d(6), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(6, 16, kernel_size=5), nn.BatchNorm2d(16), nn.Sigmoid(),
    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(),
    nn.Linear(256, 120), nn.BatchNorm1d(120), nn.Sigmoid(),
    nn.Linear(120, 84), nn.BatchNorm1d(84), nn.Sigmoid(),
    nn.Linear(84, 10))
print(f"final concise_test_acc {train(net, train_iter, test_iter, num_epochs, lr):.6f}")
print(f"final concise_gamma_sum {net[1].weight.sum().item():.12f}")
print(f"final concise_running_var_sum {net[5].running_var.sum().item():.12f}")
