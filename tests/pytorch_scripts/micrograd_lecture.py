"""The tensor checks and small networks of the "micrograd" and "makemore part 2"
lectures: a single tanh neuron differentiated by torch next to the hand computation,
a micrograd-style MLP of Neuron/Layer classes built from 0-d tensors trained on four
examples, then a character-level MLP (embedding table, hidden tanh layer, softmax
output) trained full-batch with a learning-rate sweep, evaluated in float64 and in
half precision, and sampled from with a seeded generator.

Idioms: `torch.Tensor([2.0]).double()`, `x1.requires_grad = True`, `o.data.item()`,
`x2.grad.item()`, `torch.tensor(random.uniform(-1, 1), requires_grad=True)` weights,
`sum((wi * xi for wi, xi in zip(self.w, x)), self.b)` (Python's sum over 0-d tensors
with a tensor start), `act.tanh()`, `sum((yout - ygt) ** 2 for ygt, yout in zip(ys,
ypred))`, `p.grad = None`, `p.data += -0.05 * p.grad`, `[y.item() for y in ypred]`,
`torch.tensor(X)` of nested lists, `C[X]` indexing a table with a (N, 3) index tensor,
`torch.cat(torch.unbind(emb, 1), 1)` and `emb.view(-1, 6)` compared with `==` and
`.all()`, `emb.view(emb.shape[0], -1) @ W1 + b1`, `torch.tanh`, `F.cross_entropy`,
kaiming initialisation by hand (`* (5/3) / (fan_in ** 0.5)`), `lre = torch.linspace(-2,
1, n)`, `lrs = 10 ** lre`, `lrs[i]`, `lossi.append(loss.log10().item())`,
`torch.tensor(lossi).argmin()`, `p.data += -lr * p.grad` with a 0-d tensor lr,
`.half()` evaluation and `.double()`, `.float()`, `torch.float16` dtypes,
`@torch.no_grad()` on an evaluation function, `torch.Generator().manual_seed(2147483647
+ 10)`, `F.softmax(logits, dim=1)`, `torch.multinomial(probs, num_samples=1,
generator=g).item()`, `''.join(itos[i] for i in out)`, `.tolist()`.

Weights come from Python's random and NumPy; float64; only the final sampling draws
from the framework's generator (its names are printed, not compared).
"""
import math
import random

import numpy as np
import torch
import torch.nn.functional as F
from corpus_data import names

# One neuron, checked by hand.
x1 = torch.Tensor([2.0]).double(); x1.requires_grad = True
x2 = torch.Tensor([0.0]).double(); x2.requires_grad = True
w1 = torch.Tensor([-3.0]).double(); w1.requires_grad = True
w2 = torch.Tensor([1.0]).double(); w2.requires_grad = True
b = torch.Tensor([6.8813735870195432]).double(); b.requires_grad = True
n = x1 * w1 + x2 * w2 + b
o = torch.tanh(n)
print(o.data.item())
o.backward()
print('---')
print('x2', x2.grad.item())
print('w2', w2.grad.item())
print('x1', x1.grad.item())
print('w1', w1.grad.item())
assert abs(x1.grad.item() - w1.item() * (1 - o.item() ** 2)) < 1e-12
print(f"final neuron_w1_grad {w1.grad.item():.15e}")

# A micrograd-style MLP of scalar tensors.
random.seed(1337)


class Neuron:
    def __init__(self, nin):
        self.w = [torch.tensor(random.uniform(-1, 1), dtype=torch.float64, requires_grad=True)
                  for _ in range(nin)]
        self.b = torch.tensor(random.uniform(-1, 1), dtype=torch.float64, requires_grad=True)

    def __call__(self, x):
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.tanh()

    def parameters(self):
        return self.w + [self.b]


class Layer:
    def __init__(self, nin, nout):
        self.neurons = [Neuron(nin) for _ in range(nout)]

    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for neuron in self.neurons for p in neuron.parameters()]


class MLP:
    def __init__(self, nin, nouts):
        sz = [nin] + nouts
        self.layers = [Layer(sz[i], sz[i + 1]) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
ys = [1.0, -1.0, -1.0, 1.0]
net = MLP(3, [4, 4, 1])
print("parameters:", len(net.parameters()))
for k in range(30):
    ypred = [net(x) for x in xs]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))
    for p in net.parameters():
        p.grad = None
    loss.backward()
    for p in net.parameters():
        p.data += -0.1 * p.grad
    print(f"mlp {k} loss {loss.item():.15e}")
print([round(y.item(), 4) for y in ypred])
print(f"final mlp_loss {loss.item():.15e}")

# The character-level MLP.
words = names(400, seed=3)
chars = sorted(list(set(''.join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}
block_size = 3
X, Y = [], []
for w in words:
    context = [0] * block_size
    for ch in w + '.':
        ix = stoi[ch]
        X.append(context)
        Y.append(ix)
        context = context[1:] + [ix]
X = torch.tensor(X)
Y = torch.tensor(Y)
print(X.shape, X.dtype, Y.shape, Y.dtype)

rng = np.random.default_rng(2147483647)
vocab, n_embd, n_hidden = len(itos), 2, 64
C = torch.from_numpy(rng.standard_normal((vocab, n_embd)))
emb = C[X]
print(emb.shape)
print((torch.cat(torch.unbind(emb, 1), 1) == emb.view(-1, 6)).all().item())
W1 = torch.from_numpy(rng.standard_normal((n_embd * block_size, n_hidden))) \
    * (5 / 3) / ((n_embd * block_size) ** 0.5)
b1 = torch.from_numpy(rng.standard_normal(n_hidden)) * 0.01
W2 = torch.from_numpy(rng.standard_normal((n_hidden, vocab))) * 0.01
b2 = torch.zeros(vocab, dtype=torch.float64)
parameters = [C, W1, b1, W2, b2]
print("parameters:", sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True
start = [p.detach().clone() for p in parameters]
step = 0


def forward(X):
    emb = C[X]
    h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
    return h @ W2 + b2


lre = torch.linspace(-2, 1, 40, dtype=torch.float64)
lrs = 10 ** lre
lossi = []
for i in range(40):
    loss = F.cross_entropy(forward(X), Y)
    for p in parameters:
        p.grad = None
    loss.backward()
    for p in parameters:
        p.data += -lrs[i] * p.grad
    lossi.append(loss.log10().item())
    print(f"step {step} loss {loss.item():.15e}")
    step += 1
best = lre[torch.tensor(lossi).argmin()].item()
print(f"final best_lre {best:.6f}")

with torch.no_grad():
    for p, s in zip(parameters, start):
        p.copy_(s)
for i in range(60):
    loss = F.cross_entropy(forward(X), Y)
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 1.0 if i < 40 else 0.1
    for p in parameters:
        p.data += -lr * p.grad
    print(f"step {step} loss {loss.item():.15e}")
    step += 1


@torch.no_grad()
def split_loss(dtype):
    emb = C.to(dtype)[X]
    h = torch.tanh(emb.view(emb.shape[0], -1) @ W1.to(dtype) + b1.to(dtype))
    logits = h @ W2.to(dtype) + b2.to(dtype)
    return F.cross_entropy(logits.float(), Y).item(), logits.dtype


full, full_dtype = split_loss(torch.float64)
half, half_dtype = split_loss(torch.float16)
print(full_dtype, half_dtype, abs(full - half) < 1e-2)
print(f"final full_loss {full:.12e}")
print(math.isclose(full, F.cross_entropy(forward(X).double(), Y).item(), rel_tol=1e-6))

g = torch.Generator().manual_seed(2147483647 + 10)
samples = []
for _ in range(5):
    out = []
    context = [0] * block_size
    while True:
        logits = forward(torch.tensor([context]))
        probs = F.softmax(logits, dim=1)
        ix = torch.multinomial(probs, num_samples=1, generator=g).item()
        context = context[1:] + [ix]
        out.append(ix)
        if ix == 0 or len(out) > 20:
            break
    samples.append(''.join(itos[i] for i in out))
print(samples, all(isinstance(i, int) for i in torch.tensor(out).tolist()))
