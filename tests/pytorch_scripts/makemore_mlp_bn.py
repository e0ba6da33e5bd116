"""A character-level MLP language model with a hand-written batch normalization layer,
in the style of the "makemore" lectures on activations and BatchNorm: parameters as loose
tensors drawn from a seeded generator, a context window of three characters, running
statistics kept by hand under no_grad, mini-batches drawn with torch.randint, a
hand-written SGD update with a step-decayed learning rate, then the same network again
as small layer classes with `__call__` and `parameters()`, evaluated per split.

Idioms: `torch.Generator().manual_seed(2147483647)`, `torch.randn((a, b), generator=g) *
(5/3)/(fan_in**0.5)`, `torch.ones((1, n))`, `torch.zeros((1, n))`, `sum(p.nelement() for p
in parameters)`, `for p in parameters: p.requires_grad = True`, `torch.randint(0,
Xtr.shape[0], (batch_size,), generator=g)`, `emb = C[Xb]` (integer-array indexing of an
embedding table), `emb.view(emb.shape[0], -1)`, `hpreact.mean(0, keepdim=True)`,
`hpreact.std(0, keepdim=True)` (unbiased by default), `torch.tanh`, `F.cross_entropy`,
`with torch.no_grad(): bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani`,
`p.grad = None`, `lr = 0.1 if i < 150 else 0.01`, `p.data += -lr * p.grad`,
`lossi.append(loss.log10().item())`, `@torch.no_grad()` decorating a function,
`{'train': (Xtr, Ytr), ...}[split]`, `x.var(0, keepdim=True)` (unbiased) in a layer
class with `self.training`, `layer.out.std()`, `(h.abs() > 0.97).float().mean()`,
`out[:5].tolist()`, `print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')`.

The weights and the mini-batches come from the framework's generator, which differs
between PyTorch and tinygrad_bn: compared in a band.
"""
import random

import torch
import torch.nn.functional as F
from corpus_data import names

words = names(1500, seed=1)
chars = sorted(list(set(''.join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}
vocab_size = len(itos)
block_size = 3


def build_dataset(words):
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
    print(X.shape, Y.shape)
    return X, Y


random.seed(42)
random.shuffle(words)
n1 = int(0.8 * len(words))
n2 = int(0.9 * len(words))
Xtr, Ytr = build_dataset(words[:n1])
Xdev, Ydev = build_dataset(words[n1:n2])
Xte, Yte = build_dataset(words[n2:])

n_embd = 10
n_hidden = 100
g = torch.Generator().manual_seed(2147483647)
C = torch.randn((vocab_size, n_embd), generator=g)
W1 = torch.randn((n_embd * block_size, n_hidden), generator=g) * (5 / 3) / ((n_embd * block_size) ** 0.5)
W2 = torch.randn((n_hidden, vocab_size), generator=g) * 0.01
b2 = torch.randn(vocab_size, generator=g) * 0
bngain = torch.ones((1, n_hidden))
bnbias = torch.zeros((1, n_hidden))
bnmean_running = torch.zeros((1, n_hidden))
bnstd_running = torch.ones((1, n_hidden))
parameters = [C, W1, W2, b2, bngain, bnbias]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

max_steps = 200
batch_size = 32
lossi = []
for i in range(max_steps):
    ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
    Xb, Yb = Xtr[ix], Ytr[ix]
    emb = C[Xb]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1
    bnmeani = hpreact.mean(0, keepdim=True)
    bnstdi = hpreact.std(0, keepdim=True)
    hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
    with torch.no_grad():
        bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
        bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, Yb)
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 150 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    if i % 50 == 0:
        print(f'{i:7d}/{max_steps:7d}: {loss.item():.4f}')
    print(f"step {i} loss {loss.item():.6f}")
    lossi.append(loss.log10().item())


@torch.no_grad()
def split_loss(split):
    x, y = {
        'train': (Xtr, Ytr),
        'val': (Xdev, Ydev),
        'test': (Xte, Yte),
    }[split]
    emb = C[x]
    embcat = emb.view(emb.shape[0], -1)
    hpreact = embcat @ W1
    hpreact = bngain * (hpreact - bnmean_running) / bnstd_running + bnbias
    h = torch.tanh(hpreact)
    logits = h @ W2 + b2
    loss = F.cross_entropy(logits, y)
    print(split, loss.item())
    return loss.item()


print(f"final train_running {split_loss('train'):.6f}")

# The same network again as layer classes, BatchNorm with unbiased var() statistics.


class Linear:
    def __init__(self, fan_in, fan_out, bias=True):
        self.weight = torch.randn((fan_in, fan_out), generator=g) / fan_in ** 0.5
        self.bias = torch.zeros(fan_out) if bias else None

    def __call__(self, x):
        self.out = x @ self.weight
        if self.bias is not None:
            self.out += self.bias
        return self.out

    def parameters(self):
        return [self.weight] + ([] if self.bias is None else [self.bias])


class BatchNorm1d:
    def __init__(self, dim, eps=1e-5, momentum=0.1):
        self.eps = eps
        self.momentum = momentum
        self.training = True
        self.gamma = torch.ones(dim)
        self.beta = torch.zeros(dim)
        self.running_mean = torch.zeros(dim)
        self.running_var = torch.ones(dim)

    def __call__(self, x):
        if self.training:
            xmean = x.mean(0, keepdim=True)
            xvar = x.var(0, keepdim=True)
        else:
            xmean = self.running_mean
            xvar = self.running_var
        xhat = (x - xmean) / torch.sqrt(xvar + self.eps)
        self.out = self.gamma * xhat + self.beta
        if self.training:
            with torch.no_grad():
                self.running_mean = (1 - self.momentum) * self.running_mean + self.momentum * xmean
                self.running_var = (1 - self.momentum) * self.running_var + self.momentum * xvar
        return self.out

    def parameters(self):
        return [self.gamma, self.beta]


class Tanh:
    def __call__(self, x):
        self.out = torch.tanh(x)
        return self.out

    def parameters(self):
        return []


C = torch.randn((vocab_size, n_embd), generator=g)
layers = [
    Linear(n_embd * block_size, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, n_hidden, bias=False), BatchNorm1d(n_hidden), Tanh(),
    Linear(n_hidden, vocab_size),
]
with torch.no_grad():
    layers[-1].weight *= 0.1
    for layer in layers[:-1]:
        if isinstance(layer, Linear):
            layer.weight *= 5 / 3
parameters = [C] + [p for layer in layers for p in layer.parameters()]
for p in parameters:
    p.requires_grad = True
for i in range(max_steps):
    ix = torch.randint(0, Xtr.shape[0], (batch_size,), generator=g)
    x = C[Xtr[ix]].view(batch_size, -1)
    for layer in layers:
        x = layer(x)
    loss = F.cross_entropy(x, Ytr[ix])
    for p in parameters:
        p.grad = None
    loss.backward()
    lr = 0.1 if i < 150 else 0.01
    for p in parameters:
        p.data += -lr * p.grad
    print(f"step {max_steps + i} loss {loss.item():.6f}")
for layer in layers[:-1]:
    if isinstance(layer, Tanh):
        t = layer.out
        print(f'mean {t.mean():+.2f}, std {t.std():.2f}, saturated: '
              f'{(t.abs() > 0.97).float().mean() * 100:.2f}%')
for layer in layers:
    if isinstance(layer, BatchNorm1d):
        layer.training = False
with torch.no_grad():
    x = C[Xdev].view(Xdev.shape[0], -1)
    for layer in layers:
        x = layer(x)
    print(f"final val_layers {F.cross_entropy(x, Ydev).item():.6f}")
print(x[:2, :5].tolist())
