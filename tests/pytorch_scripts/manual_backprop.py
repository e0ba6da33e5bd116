"""Backpropagation written out by hand for a two-layer character MLP with batch
normalization, checked against autograd tensor by tensor, then used to train, in the
style of the "makemore: becoming a backprop ninja" lecture (here in float64).

Idioms: the forward pass broken into small named steps (`logit_maxes = logits.max(1,
keepdim=True).values`, `norm_logits = logits - logit_maxes`, `counts_sum**-1`,
`logprobs[range(n), Yb]`, `bnvar = 1/(n-1)*(bndiff2).sum(0, keepdim=True)` with
Bessel's correction, `(bnvar + 1e-5)**-0.5`), `for t in [...]: t.retain_grad()`,
`torch.zeros_like(logprobs)` then `dlogprobs[range(n), Yb] = -1.0/n` (item assignment
with index lists), `dlogits = F.softmax(logits, 1); dlogits[range(n), Yb] -= 1;
dlogits /= n` (in-place through an index and on a whole tensor),
`F.one_hot(logits.max(1).indices, num_classes=logits.shape[1])`, `.sum(0,
keepdim=True)` to undo broadcasting, `torch.zeros_like(C)` with `dC[ix] += demb[k, j]`
in a Python loop over a 0-d index tensor, a `cmp` helper printing `torch.all(dt ==
t.grad).item()`, `torch.allclose(dt, t.grad)` and `(dt - t.grad).abs().max().item()`
with `f'{s:15s} | exact: {str(ex):5s}'`, `torch.no_grad()` as a context around a whole
training loop, `p.data += -lr * grad` over `zip(parameters, grads)`,
`torch.set_default_dtype(torch.float64)`, `torch.tensor(np_array)` inputs.

Weights and batch indices come from NumPy and everything is float64: both frameworks
take the same path, so the losses agree to rounding and every hand-written gradient
matches autograd to ~1e-15 on both.
"""
import numpy as np
import torch
import torch.nn.functional as F
from corpus_data import names

torch.set_default_dtype(torch.float64)
words = names(600, seed=2)
chars = sorted(list(set(''.join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
vocab_size = len(stoi)
block_size = 3
X, Y = [], []
for w in words:
    context = [0] * block_size
    for ch in w + '.':
        X.append(context)
        Y.append(stoi[ch])
        context = context[1:] + [stoi[ch]]
Xtr, Ytr = torch.tensor(X), torch.tensor(Y)

rng = np.random.default_rng(0)
n_embd, n_hidden = 10, 64
C = torch.tensor(rng.standard_normal((vocab_size, n_embd)))
W1 = torch.tensor(rng.standard_normal((n_embd * block_size, n_hidden))) * (5 / 3) / ((n_embd * block_size) ** 0.5)
b1 = torch.tensor(rng.standard_normal(n_hidden)) * 0.1
W2 = torch.tensor(rng.standard_normal((n_hidden, vocab_size))) * 0.1
b2 = torch.tensor(rng.standard_normal(vocab_size)) * 0.1
bngain = torch.tensor(rng.standard_normal((1, n_hidden))) * 0.1 + 1.0
bnbias = torch.tensor(rng.standard_normal((1, n_hidden))) * 0.1
parameters = [C, W1, b1, W2, b2, bngain, bnbias]
print(sum(p.nelement() for p in parameters))
for p in parameters:
    p.requires_grad = True

batch_size = 32
n = batch_size


def cmp(s, dt, t):
    ex = torch.all(dt == t.grad).item()
    app = torch.allclose(dt, t.grad)
    maxdiff = (dt - t.grad).abs().max().item()
    print(f'{s:15s} | exact: {str(ex):5s} | approximate: {str(app):5s} | maxdiff: {maxdiff}')
    print(f"final maxdiff_{s} {maxdiff:.3e}")


ix = torch.tensor(rng.integers(0, Xtr.shape[0], batch_size))
Xb, Yb = Xtr[ix], Ytr[ix]

emb = C[Xb]
embcat = emb.view(emb.shape[0], -1)
hprebn = embcat @ W1 + b1
bnmeani = 1 / n * hprebn.sum(0, keepdim=True)
bndiff = hprebn - bnmeani
bndiff2 = bndiff ** 2
bnvar = 1 / (n - 1) * (bndiff2).sum(0, keepdim=True)
bnvar_inv = (bnvar + 1e-5) ** -0.5
bnraw = bndiff * bnvar_inv
hpreact = bngain * bnraw + bnbias
h = torch.tanh(hpreact)
logits = h @ W2 + b2
logit_maxes = logits.max(1, keepdim=True).values
norm_logits = logits - logit_maxes
counts = norm_logits.exp()
counts_sum = counts.sum(1, keepdims=True)
counts_sum_inv = counts_sum ** -1
probs = counts * counts_sum_inv
logprobs = probs.log()
loss = -logprobs[range(n), Yb].mean()

for p in parameters:
    p.grad = None
for t in [logprobs, probs, counts, counts_sum, counts_sum_inv, norm_logits, logit_maxes,
          logits, h, hpreact, bnraw, bnvar_inv, bnvar, bndiff2, bndiff, hprebn, bnmeani,
          embcat, emb]:
    t.retain_grad()
loss.backward()
print(f"final first_loss {loss.item():.12f}")

dlogprobs = torch.zeros_like(logprobs)
dlogprobs[range(n), Yb] = -1.0 / n
dprobs = (1.0 / probs) * dlogprobs
dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)
dcounts = counts_sum_inv * dprobs
dcounts_sum = (-counts_sum ** -2) * dcounts_sum_inv
dcounts += torch.ones_like(counts) * dcounts_sum
dnorm_logits = counts * dcounts
dlogits = dnorm_logits.clone()
dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)
dlogits += F.one_hot(logits.max(1).indices, num_classes=logits.shape[1]) * dlogit_maxes
dh = dlogits @ W2.T
dW2 = h.T @ dlogits
db2 = dlogits.sum(0)
dhpreact = (1.0 - h ** 2) * dh
dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
dbnraw = bngain * dhpreact
dbnbias = dhpreact.sum(0, keepdim=True)
dbndiff = bnvar_inv * dbnraw
dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)
dbnvar = (-0.5 * (bnvar + 1e-5) ** -1.5) * dbnvar_inv
dbndiff2 = (1.0 / (n - 1)) * torch.ones_like(bndiff2) * dbnvar
dbndiff += (2 * bndiff) * dbndiff2
dhprebn = dbndiff.clone()
dbnmeani = (-dbndiff).sum(0)
dhprebn += 1.0 / n * (torch.ones_like(hprebn) * dbnmeani)
dembcat = dhprebn @ W1.T
dW1 = embcat.T @ dhprebn
db1 = dhprebn.sum(0)
demb = dembcat.view(emb.shape)
dC = torch.zeros_like(C)
for k in range(Xb.shape[0]):
    for j in range(Xb.shape[1]):
        ix = Xb[k, j]
        dC[ix] += demb[k, j]

cmp('logprobs', dlogprobs, logprobs)
cmp('probs', dprobs, probs)
cmp('counts_sum_inv', dcounts_sum_inv, counts_sum_inv)
cmp('logits', dlogits, logits)
cmp('h', dh, h)
cmp('W2', dW2, W2)
cmp('b2', db2, b2)
cmp('hpreact', dhpreact, hpreact)
cmp('bngain', dbngain, bngain)
cmp('bnvar', dbnvar, bnvar)
cmp('hprebn', dhprebn, hprebn)
cmp('W1', dW1, W1)
cmp('b1', db1, b1)
cmp('C', dC, C)

# The short form of the same gradients, as used for training.
dlogits = F.softmax(logits, 1)
dlogits[range(n), Yb] -= 1
dlogits /= n
cmp('logits_fast', dlogits, logits)
dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
cmp('hprebn_fast', dhprebn, hprebn)

with torch.no_grad():
    for i in range(150):
        ix = torch.tensor(rng.integers(0, Xtr.shape[0], batch_size))
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        hprebn = embcat @ W1 + b1
        bnmean = hprebn.mean(0, keepdim=True)
        bnvar = hprebn.var(0, keepdim=True, unbiased=True)
        bnvar_inv = (bnvar + 1e-5) ** -0.5
        bnraw = (hprebn - bnmean) * bnvar_inv
        hpreact = bngain * bnraw + bnbias
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)
        print(f"step {i} loss {loss.item():.12f}")

        dlogits = F.softmax(logits, 1)
        dlogits[range(n), Yb] -= 1
        dlogits /= n
        dh = dlogits @ W2.T
        dW2 = h.T @ dlogits
        db2 = dlogits.sum(0)
        dhpreact = (1.0 - h ** 2) * dh
        dbngain = (bnraw * dhpreact).sum(0, keepdim=True)
        dbnbias = dhpreact.sum(0, keepdim=True)
        dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))
        dembcat = dhprebn @ W1.T
        dW1 = embcat.T @ dhprebn
        db1 = dhprebn.sum(0)
        demb = dembcat.view(emb.shape)
        dC = torch.zeros_like(C)
        for k in range(Xb.shape[0]):
            for j in range(Xb.shape[1]):
                dC[Xb[k, j]] += demb[k, j]
        grads = [dC, dW1, db1, dW2, db2, dbngain, dbnbias]
        lr = 0.1 if i < 100 else 0.05
        for p, grad in zip(parameters, grads):
            p.data += -lr * grad
