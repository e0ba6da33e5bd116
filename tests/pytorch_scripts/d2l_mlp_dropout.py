"""Multilayer perceptrons from scratch, dropout and initialisation, in the idiom of Dive
into Deep Learning's chapters on MLPs, dropout and numerical stability: ReLU written as
`torch.max(X, zeros)`, hidden layers as `nn.Parameter(torch.randn(...) * sigma)` inside an
`nn.Module`, a dropout layer that keeps each unit where `torch.rand(X.shape) > dropout`
and rescales by 1 / (1 - p), applied only `if self.training`; then the concise MLP with
`nn.LazyLinear` / `nn.Dropout`, Xavier initialisation written by hand next to
`nn.init.xavier_uniform_`, and the vanishing sigmoid gradient and exploding matrix
products that motivate it.

Idioms: `torch.randn(n, m) * sigma` in `nn.Parameter`, `torch.zeros_like`,
`torch.max(X, a)`, `(torch.rand(X.shape) > dropout).float()`, `mask * X / (1.0 -
dropout)`, `self.training`, `model.train()` / `model.eval()`, `nn.Sequential(nn.Flatten(),
nn.LazyLinear(256), nn.ReLU(), nn.Dropout(0.5), ...)`, `net.apply(init_xavier)` with
`type(module) == nn.Linear`, `nn.init.xavier_uniform_`, `nn.init.zeros_`,
`torch.arange(-8.0, 8.0, 0.1, requires_grad=True)`, `y.backward(torch.ones_like(x))`,
`torch.manual_seed`, `DataLoader(..., shuffle=True)`.

Initial weights, dropout masks and batch order come from the framework's generator:
compared in a band (measured across seeds on PyTorch).
"""
import math

import numpy as np
import torch
from corpus_data import digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
x_train, y_train, x_test, y_test = digits(1000, 300)
train_data = TensorDataset(torch.from_numpy(x_train).reshape(-1, 1, 28, 28),
                           torch.from_numpy(y_train))
X_val, y_val = torch.from_numpy(x_test).reshape(-1, 1, 28, 28), torch.from_numpy(y_test)


def relu(X):
    a = torch.zeros_like(X)
    return torch.max(X, a)


def dropout_layer(X, dropout):
    assert 0 <= dropout <= 1
    if dropout == 1:
        return torch.zeros_like(X)
    mask = (torch.rand(X.shape) > dropout).float()
    return mask * X / (1.0 - dropout)


X = torch.arange(16, dtype=torch.float32).reshape((2, 8))
print('dropout_p = 0:', dropout_layer(X, 0))
print('dropout_p = 1:', dropout_layer(X, 1))
print(f"final kept_fraction {(dropout_layer(torch.ones(200, 100), 0.5) > 0).float().mean().item():.2f}")


class DropoutMLPScratch(nn.Module):
    def __init__(self, num_inputs, num_outputs, num_hiddens_1, num_hiddens_2,
                 dropout_1, dropout_2, sigma=0.01):
        super().__init__()
        self.num_inputs = num_inputs
        self.W1 = nn.Parameter(torch.randn(num_inputs, num_hiddens_1) * sigma)
        self.b1 = nn.Parameter(torch.zeros(num_hiddens_1))
        self.W2 = nn.Parameter(torch.randn(num_hiddens_1, num_hiddens_2) * sigma)
        self.b2 = nn.Parameter(torch.zeros(num_hiddens_2))
        self.W3 = nn.Parameter(torch.randn(num_hiddens_2, num_outputs) * sigma)
        self.b3 = nn.Parameter(torch.zeros(num_outputs))
        self.dropout_1, self.dropout_2 = dropout_1, dropout_2

    def forward(self, X):
        X = X.reshape((-1, self.num_inputs))
        H1 = relu(torch.matmul(X, self.W1) + self.b1)
        if self.training:
            H1 = dropout_layer(H1, self.dropout_1)
        H2 = relu(torch.matmul(H1, self.W2) + self.b2)
        if self.training:
            H2 = dropout_layer(H2, self.dropout_2)
        return torch.matmul(H2, self.W3) + self.b3


step = 0


def fit(model, lr, max_epochs):
    global step
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    for epoch in range(max_epochs):
        model.train()
        for X, y in DataLoader(train_data, batch_size=64, shuffle=True):
            l = loss(model(X), y)
            optimizer.zero_grad()
            l.backward()
            optimizer.step()
            print(f"step {step} loss {l.item():.8f}")
            step += 1
        model.eval()
        with torch.no_grad():
            val_loss = loss(model(X_val), y_val).item()
            acc = (model(X_val).argmax(dim=1) == y_val).float().mean().item()
        print(f"epoch {epoch + 1}: val loss {val_loss:.4f}, val acc {acc:.4f}")
    return val_loss, acc


hparams = {'num_outputs': 10, 'num_hiddens_1': 128, 'num_hiddens_2': 64,
           'dropout_1': 0.5, 'dropout_2': 0.5}
model = DropoutMLPScratch(num_inputs=784, sigma=0.1, **hparams)
val_loss, acc = fit(model, lr=0.5, max_epochs=5)
print(f"final scratch_val_loss {val_loss:.6f}")
print(f"final scratch_val_acc {acc:.6f}")


def init_xavier(module):
    if type(module) == nn.Linear:
        nn.init.xavier_uniform_(module.weight)
        nn.init.zeros_(module.bias)


net = nn.Sequential(nn.Flatten(), nn.LazyLinear(128), nn.ReLU(), nn.Dropout(0.5),
                    nn.LazyLinear(64), nn.ReLU(), nn.Dropout(0.5), nn.LazyLinear(10))
net(X_val[:2])
net.apply(init_xavier)
bound = math.sqrt(6 / (784 + 128))
print(f"final xavier_within_bound {float(net[1].weight.abs().max().item() <= bound)}")
val_loss, acc = fit(net, lr=0.2, max_epochs=5)
print(f"final concise_val_loss {val_loss:.6f}")
print(f"final concise_val_acc {acc:.6f}")

# Vanishing gradients: the sigmoid's derivative is at most 1/4 and tiny away from 0.
x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
y = torch.sigmoid(x)
y.backward(torch.ones_like(x))
print(f"final sigmoid_grad_max {x.grad.max().item():.7f}")
print(f"final sigmoid_grad_edge {x.grad[0].item():.9f}")

# Exploding products of random matrices (NumPy draws: deterministic), and Xavier's fix.
rng = np.random.default_rng(0)
M = torch.from_numpy(rng.normal(0, 1, (4, 4)))
for _ in range(100):
    M = M @ torch.from_numpy(rng.normal(0, 1, (4, 4)))
print(f"final log10_product_norm {math.log10(torch.linalg.norm(M).item()):.6f}")
fan_in = fan_out = 64
scale = math.sqrt(6 / (fan_in + fan_out))
H = torch.from_numpy(rng.normal(0, 1, (256, fan_in)))
for _ in range(10):
    W = torch.from_numpy(rng.uniform(-scale, scale, (fan_in, fan_out)))
    H = H @ W
print(f"final xavier_activation_std {H.std().item():.6f}")
