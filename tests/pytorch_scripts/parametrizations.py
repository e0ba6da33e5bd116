"""Parametrizations the way the parametrizations tutorial introduces them: a symmetric and
a skew-symmetric weight by torch.nn.utils.parametrize, an orthogonal one by the matrix
exponential of a skew-symmetric matrix, parametrizations chained on one tensor, caching,
right_inverse for assignment, removal with and without keeping the value; then the
library's own nn.utils.parametrizations (orthogonal, weight_norm, spectral_norm) and a
small recurrent network on digit rows whose hidden-to-hidden matrix stays orthogonal
through training.

Idioms: `import torch.nn.utils.parametrize as parametrize`, `class Symmetric(nn.Module)`
with `forward(self, X): return X.triu() + X.triu(1).transpose(-1, -2)`,
`parametrize.register_parametrization(layer, "weight", Symmetric())`,
`layer.parametrizations.weight.original`, `parametrize.is_parametrized(layer)` and
`is_parametrized(layer, "weight")`, `type(layer).__name__` (ParametrizedLinear),
`with parametrize.cached():`, `def right_inverse(self, X): return X.triu()`,
`layer.weight = X` through right_inverse, `torch.matrix_exp`, `layer.parametrizations.
weight[0]` in a chain, `parametrize.remove_parametrizations(layer, "weight",
leave_parametrized=False)`, `from torch.nn.utils.parametrizations import orthogonal,
weight_norm, spectral_norm`, `orthogonal(nn.Linear(8, 8), orthogonal_map="cayley")`,
`weight_norm(layer)` with `parametrizations.weight.original0` / `original1`,
`spectral_norm(layer)` and `torch.linalg.matrix_norm(W, 2)`, `torch.linalg.eigvalsh`,
`nn.RNNCell`-free recurrence written with `torch.tanh(x @ W_in.T + h @ W_hh.T)`.

Weights and data come from NumPy, float64; spectral_norm's power iteration starts from
the framework's generator, so only its converged norm is compared: the losses are
compared step by step.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.parametrize as parametrize
from corpus_data import digits
from torch.nn.utils.parametrizations import orthogonal, spectral_norm, weight_norm

rng = np.random.default_rng(0)


def set_weight(layer, array):
    with torch.no_grad():
        layer.weight.copy_(torch.tensor(array))


class Symmetric(nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class Skew(nn.Module):
    def forward(self, X):
        A = X.triu(1)
        return A - A.transpose(-1, -2)


class MatrixExponential(nn.Module):
    def forward(self, X):
        return torch.matrix_exp(X)


layer = nn.Linear(3, 3).double()
set_weight(layer, rng.standard_normal((3, 3)))
parametrize.register_parametrization(layer, "weight", Symmetric())
A = layer.weight
print(type(layer).__name__, parametrize.is_parametrized(layer),
      parametrize.is_parametrized(layer, "weight"), parametrize.is_parametrized(layer, "bias"))
assert torch.allclose(A, A.T)
assert torch.equal(layer.parametrizations.weight.original.triu(), A.triu())
with parametrize.cached():
    assert layer.weight is layer.weight
target = torch.tensor([[2.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 1.0]], dtype=torch.float64)
layer.weight = target
assert torch.allclose(layer.weight, target)
parametrize.remove_parametrizations(layer, "weight", leave_parametrized=True)
assert not parametrize.is_parametrized(layer) and torch.allclose(layer.weight, target)

layer = nn.Linear(4, 4).double()
set_weight(layer, rng.standard_normal((4, 4)))
parametrize.register_parametrization(layer, "weight", Skew())
parametrize.register_parametrization(layer, "weight", MatrixExponential())
Q = layer.weight
print("chain:", [type(p).__name__ for p in layer.parametrizations.weight])
assert torch.allclose(Q.T @ Q, torch.eye(4, dtype=torch.float64))
original = layer.parametrizations.weight.original.clone()
parametrize.remove_parametrizations(layer, "weight", leave_parametrized=False)
assert torch.equal(layer.weight, original)

# The library's parametrizations.
ortho = orthogonal(nn.Linear(6, 6).double(), orthogonal_map="cayley")
W = ortho.weight
print("orthogonal error", (W.T @ W - torch.eye(6, dtype=torch.float64)).abs().max().item())
assert torch.allclose(W.T @ W, torch.eye(6, dtype=torch.float64))

wn = nn.Linear(5, 3).double()
set_weight(wn, rng.standard_normal((3, 5)))
before = wn.weight.detach().clone()
wn = weight_norm(wn)
g, v = wn.parametrizations.weight.original0, wn.parametrizations.weight.original1
print("weight_norm shapes", tuple(g.shape), tuple(v.shape))
assert torch.allclose(wn.weight, before)
assert torch.allclose(g.squeeze(1), before.norm(dim=1))
print(f"final g_sum {g.sum().item():.12e}")

sn = nn.Linear(5, 4).double()
set_weight(sn, rng.standard_normal((4, 5)))
sn = spectral_norm(sn, n_power_iterations=30)
sn.train()
for _ in range(5):
    sn(torch.zeros(1, 5, dtype=torch.float64))
sn.eval()
sigma = torch.linalg.matrix_norm(sn.weight.detach(), 2).item()
print(f"final spectral_sigma {sigma:.9f}")

# An RNN over the rows of a digit whose recurrent matrix stays orthogonal.
x_train, y_train, _, _ = digits(192, 0)
images = torch.tensor(x_train, dtype=torch.float64).reshape(-1, 28, 28)[:, ::2, ::2]
labels = torch.tensor(y_train)


class OrthoRNN(nn.Module):
    def __init__(self, hidden=24):
        super().__init__()
        self.inp = nn.Linear(14, hidden)
        self.rec = nn.Linear(hidden, hidden, bias=False)
        self.out = nn.Linear(hidden, 10)
        init = np.random.default_rng(1)
        for lin in (self.inp, self.rec, self.out):
            shape = tuple(lin.weight.shape)
            set_weight(lin, init.uniform(-1, 1, shape) / np.sqrt(shape[1]))
            if lin.bias is not None:
                nn.init.zeros_(lin.bias)
        parametrize.register_parametrization(self.rec, "weight", Skew())
        parametrize.register_parametrization(self.rec, "weight", MatrixExponential())

    def forward(self, x):
        h = torch.zeros(x.shape[0], self.rec.weight.shape[0], dtype=x.dtype)
        for t in range(x.shape[1]):
            h = torch.tanh(self.inp(x[:, t]) + self.rec(h))
        return self.out(h)


model = OrthoRNN().double()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
print([name for name, _ in model.named_parameters()])
for step in range(30):
    start = (step * 48) % 192
    xb, yb = images[start:start + 48], labels[start:start + 48]
    with parametrize.cached():
        loss = F.cross_entropy(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.15e}")
W = model.rec.weight.detach()
eig = torch.linalg.eigvalsh(W.T @ W)
print(f"final orth_eig_min {eig.min().item():.12f}")
print(f"final orth_eig_max {eig.max().item():.12f}")
