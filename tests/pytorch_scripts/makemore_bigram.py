"""A character-level bigram language model, counted and then trained, in the style of the
first "makemore" lecture: a count table filled by item assignment, sampling with a seeded
generator, the average negative log likelihood, then a one-layer network on one-hot
inputs trained by plain gradient descent towards the same loss.

Idioms: `chars = sorted(list(set(''.join(words))))`, `stoi`/`itos` dicts,
`N = torch.zeros((27, 27), dtype=torch.int32)`, `N[ix1, ix2] += 1` (item assignment on
an int tensor), `N[0]`, `P = (N+1).float()`, `P /= P.sum(1, keepdims=True)` (in-place
broadcast division), `g = torch.Generator().manual_seed(2147483647)`,
`torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()`, `itos[ix]`
with a Python int, `torch.log(prob)`, `log_likelihood += logprob` on a 0-d tensor,
`f'{nll/n}'`, `torch.tensor(xs)` from Python lists, `xs.nelement()`,
`F.one_hot(xs, num_classes=27).float()`, `torch.randn((27, 27), generator=g,
requires_grad=True)`, `xenc @ W`, `logits.exp()`, `counts / counts.sum(1, keepdims=True)`,
`probs[torch.arange(num), ys]`, `(W**2).mean()`, `W.grad = None`,
`W.data += -50 * W.grad`, `print(loss.item())`.

The counted model is deterministic (its loss must agree closely); the network starts
from the generator's weights, which differ between frameworks, but the problem is convex
and 150 steps bring both runs near the same minimum: compared in a band.
"""
import torch
import torch.nn.functional as F
from corpus_data import names

words = names(400, seed=3)
print(words[:10], len(words))

chars = sorted(list(set(''.join(words))))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi['.'] = 0
itos = {i: s for s, i in stoi.items()}
V = len(stoi)

N = torch.zeros((V, V), dtype=torch.int32)
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        ix1 = stoi[ch1]
        ix2 = stoi[ch2]
        N[ix1, ix2] += 1
print(N[0])

P = (N + 1).float()
P /= P.sum(1, keepdims=True)

g = torch.Generator().manual_seed(2147483647)
for i in range(5):
    out = []
    ix = 0
    while True:
        p = P[ix]
        ix = torch.multinomial(p, num_samples=1, replacement=True, generator=g).item()
        out.append(itos[ix])
        if ix == 0:
            break
    print(''.join(out))

log_likelihood = 0.0
n = 0
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        prob = P[stoi[ch1], stoi[ch2]]
        logprob = torch.log(prob)
        log_likelihood += logprob
        n += 1
nll = -log_likelihood
print(f'{log_likelihood=}')
print(f'{nll/n}')
print(f"final count_nll {(nll / n).item():.8f}")

xs, ys = [], []
for w in words:
    chs = ['.'] + list(w) + ['.']
    for ch1, ch2 in zip(chs, chs[1:]):
        xs.append(stoi[ch1])
        ys.append(stoi[ch2])
xs = torch.tensor(xs)
ys = torch.tensor(ys)
num = xs.nelement()
print('number of examples: ', num)

g = torch.Generator().manual_seed(2147483647)
W = torch.randn((V, V), generator=g, requires_grad=True)
xenc = F.one_hot(xs, num_classes=V).float()
for k in range(150):
    logits = xenc @ W
    counts = logits.exp()
    probs = counts / counts.sum(1, keepdims=True)
    loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
    print(f"step {k} loss {loss.item():.6f}")
    W.grad = None
    loss.backward()
    W.data += -50 * W.grad
print(loss.item())
