"""The attention mechanisms of Dive into Deep Learning's attention chapter, written the way
the chapter writes them: Nadaraya-Watson kernel regression, first with a fixed Gaussian
kernel (`repeat_interleave` the test inputs against the training inputs), then with a
learnable bandwidth `w` trained by SGD on leave-one-out keys picked with a boolean mask of
`1 - torch.eye(n)`; a masked softmax that fills the positions past each valid length with
-1e6 through a sequence mask (`X[~mask] = value`), valid lengths given per batch row or
per query; additive attention (`queries.unsqueeze(2) + keys.unsqueeze(1)` through tanh and
a vector); scaled dot-product attention with `torch.bmm`; multi-head attention whose heads
are folded into the batch axis by `transpose_qkv` (reshape, permute, reshape) and unfolded
by `transpose_output`; sinusoidal positional encoding written into a buffer with
`P[:, :, 0::2] = torch.sin(X)`. A small model of positional encoding, multi-head
self-attention and additive-attention pooling is then trained to report the mean of the
valid entries of a variable-length sequence.

Idioms: `x.repeat_interleave(n)`, `X_tile = x_train.repeat((n_train, 1))`,
`X_tile[(1 - torch.eye(n_train)).type(torch.bool)]`, `torch.arange(maxlen,
dtype=torch.float32)[None, :] < valid_len[:, None]`, `X[~mask] = value`,
`torch.repeat_interleave(valid_lens, shape[1])`, `nn.functional.softmax(X.reshape(shape),
dim=-1)`, `self.w_v(features).squeeze(-1)`, `torch.bmm(queries, keys.transpose(1, 2)) /
math.sqrt(d)`, `nn.Dropout` in eval mode, `nn.LazyLinear(num_hiddens, bias=False)`,
`X.permute(0, 2, 1, 3)`, `torch.repeat_interleave(valid_lens, repeats=num_heads, dim=0)`,
`torch.pow(10000, torch.arange(0, d, 2) / d)`, `self.P[:, :X.shape[1], :].to(X.device)`,
`nn.MSELoss(reduction='none')` then `l.sum().backward()`.

Data and weights from NumPy (fixed seed), float64, no dropout in training: both frameworks
take the same path.
"""
import math

import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(6)


def f(x):
    return 2 * torch.sin(x) + x ** 0.8


n_train = 50
x_train, _ = torch.sort(torch.from_numpy(rng.random(n_train)) * 5)
y_train = f(x_train) + torch.from_numpy(rng.normal(0.0, 0.5, (n_train,)))
x_test = torch.arange(0, 5, 0.1)
y_truth = f(x_test)
n_test = len(x_test)

# Nonparametric attention pooling: a Gaussian kernel over the distance to each key.
X_repeat = x_test.repeat_interleave(n_train).reshape((-1, n_train))
attention_weights = nn.functional.softmax(-(X_repeat - x_train) ** 2 / 2, dim=1)
y_hat = torch.matmul(attention_weights, y_train)
print(f"final nonparametric_mse {((y_hat - y_truth) ** 2).mean().item():.12f}")


class NWKernelRegression(nn.Module):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.w = nn.Parameter(torch.from_numpy(rng.random((1,))), requires_grad=True)

    def forward(self, queries, keys, values):
        # queries and attention_weights: (no. of queries, no. of key-value pairs)
        queries = queries.repeat_interleave(keys.shape[1]).reshape((-1, keys.shape[1]))
        self.attention_weights = nn.functional.softmax(
            -((queries - keys) * self.w) ** 2 / 2, dim=1)
        return torch.bmm(self.attention_weights.unsqueeze(1),
                         values.unsqueeze(-1)).reshape(-1)


X_tile = x_train.repeat((n_train, 1))
Y_tile = y_train.repeat((n_train, 1))
# Leave one out: each training input is a query against the other n_train - 1 pairs
keys = X_tile[(1 - torch.eye(n_train)).type(torch.bool)].reshape((n_train, -1))
values = Y_tile[(1 - torch.eye(n_train)).type(torch.bool)].reshape((n_train, -1))

net = NWKernelRegression()
loss = nn.MSELoss(reduction='none')
trainer = torch.optim.SGD(net.parameters(), lr=0.5)
step = 0
for epoch in range(15):
    trainer.zero_grad()
    l = loss(net(x_train, keys, values), y_train)
    l.sum().backward()
    trainer.step()
    print(f"step {step} loss {float(l.sum()):.10f}")
    step += 1
with torch.no_grad():
    y_hat = net(x_test, x_train.repeat((n_test, 1)), y_train.repeat((n_test, 1)))
print(f"final kernel_w {net.w.item():.10f}")
print(f"final parametric_mse {((y_hat - y_truth) ** 2).mean().item():.10f}")


def masked_softmax(X, valid_lens):
    """Softmax over the last axis, ignoring the entries past each valid length."""
    def _sequence_mask(X, valid_len, value=0):
        maxlen = X.size(1)
        mask = torch.arange((maxlen), dtype=torch.float32,
                            device=X.device)[None, :] < valid_len[:, None]
        X[~mask] = value
        return X

    if valid_lens is None:
        return nn.functional.softmax(X, dim=-1)
    shape = X.shape
    if valid_lens.dim() == 1:
        valid_lens = torch.repeat_interleave(valid_lens, shape[1])
    else:
        valid_lens = valid_lens.reshape(-1)
    # Masked elements on the last axis get a large negative value: exp gives 0
    X = _sequence_mask(X.reshape(-1, shape[-1]), valid_lens, value=-1e6)
    return nn.functional.softmax(X.reshape(shape), dim=-1)


scores = torch.from_numpy(rng.random((2, 2, 4)))
print(masked_softmax(scores, torch.tensor([2, 3])))
per_query = masked_softmax(scores, torch.tensor([[1, 3], [2, 4]]))
print(f"final masked_zero_count {int((per_query == 0).sum())}")
print(f"final masked_row_sum {per_query.sum().item():.12f}")


class AdditiveAttention(nn.Module):
    def __init__(self, num_hiddens, dropout, **kwargs):
        super(AdditiveAttention, self).__init__(**kwargs)
        self.W_k = nn.LazyLinear(num_hiddens, bias=False)
        self.W_q = nn.LazyLinear(num_hiddens, bias=False)
        self.w_v = nn.LazyLinear(1, bias=False)
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens):
        queries, keys = self.W_q(queries), self.W_k(keys)
        # queries: (batch, no. of queries, 1, h); keys: (batch, 1, no. of keys, h),
        # summed with broadcasting
        features = queries.unsqueeze(2) + keys.unsqueeze(1)
        features = torch.tanh(features)
        # One output of self.w_v: drop the last axis
        scores = self.w_v(features).squeeze(-1)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


class DotProductAttention(nn.Module):
    def __init__(self, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)

    def forward(self, queries, keys, values, valid_lens=None):
        d = queries.shape[-1]
        # Swap the last two axes of keys with keys.transpose(1, 2)
        scores = torch.bmm(queries, keys.transpose(1, 2)) / math.sqrt(d)
        self.attention_weights = masked_softmax(scores, valid_lens)
        return torch.bmm(self.dropout(self.attention_weights), values)


def numpy_init(module):
    """The book leaves the layers' own initialisation; here NumPy draws them."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.from_numpy(rng.normal(0.0, 0.3, tuple(p.shape))))


queries = torch.from_numpy(rng.normal(0, 1, (2, 1, 20)))
keys = torch.ones((2, 10, 2))
values = torch.arange(40, dtype=torch.float64).reshape(1, 10, 4).repeat(2, 1, 1)
valid_lens = torch.tensor([2, 6])
attention = AdditiveAttention(num_hiddens=8, dropout=0.1)
attention(queries, keys, values, valid_lens)  # materialise the lazy layers
numpy_init(attention)
attention.eval()
out = attention(queries, keys, values, valid_lens)
print(f"final additive_out_sum {out.sum().item():.10f}")

queries = torch.from_numpy(rng.normal(0, 1, (2, 1, 2)))
attention = DotProductAttention(dropout=0.5)
attention.eval()
out = attention(queries, keys, values, valid_lens)
print(f"final dot_out_sum {out.sum().item():.10f}")


class MultiHeadAttention(nn.Module):
    def __init__(self, num_hiddens, num_heads, dropout, bias=False, **kwargs):
        super().__init__()
        self.num_heads = num_heads
        self.attention = DotProductAttention(dropout)
        self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_o = nn.LazyLinear(num_hiddens, bias=bias)

    def forward(self, queries, keys, values, valid_lens):
        # After transposing: (batch * num_heads, no. of queries or pairs,
        # num_hiddens / num_heads)
        queries = self.transpose_qkv(self.W_q(queries))
        keys = self.transpose_qkv(self.W_k(keys))
        values = self.transpose_qkv(self.W_v(values))
        if valid_lens is not None:
            # Repeat each valid length num_heads times along axis 0
            valid_lens = torch.repeat_interleave(valid_lens, repeats=self.num_heads, dim=0)
        output = self.attention(queries, keys, values, valid_lens)
        output_concat = self.transpose_output(output)
        return self.W_o(output_concat)

    def transpose_qkv(self, X):
        X = X.reshape(X.shape[0], X.shape[1], self.num_heads, -1)
        X = X.permute(0, 2, 1, 3)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def transpose_output(self, X):
        X = X.reshape(-1, self.num_heads, X.shape[1], X.shape[2])
        X = X.permute(0, 2, 1, 3)
        return X.reshape(X.shape[0], X.shape[1], -1)


class PositionalEncoding(nn.Module):
    def __init__(self, num_hiddens, dropout, max_len=1000):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.P = torch.zeros((1, max_len, num_hiddens))
        X = torch.arange(max_len, dtype=torch.float64).reshape(-1, 1) / torch.pow(
            10000, torch.arange(0, num_hiddens, 2, dtype=torch.float64) / num_hiddens)
        self.P[:, :, 0::2] = torch.sin(X)
        self.P[:, :, 1::2] = torch.cos(X)

    def forward(self, X):
        X = X + self.P[:, :X.shape[1], :].to(X.device)
        return self.dropout(X)


encoding = PositionalEncoding(16, 0)
print(f"final pos_encoding_sum {encoding.P[0, :60, :].sum().item():.10f}")
print(f"final pos_encoding_unit {(encoding.P[0, :, 0::2] ** 2 + encoding.P[0, :, 1::2] ** 2).mean().item():.12f}")


class MeanOfValid(nn.Module):
    """Embed, add positions, self-attend over the valid positions, pool with a query."""

    def __init__(self, num_hiddens=16, num_heads=4):
        super().__init__()
        self.embed = nn.Linear(1, num_hiddens)
        self.pos = PositionalEncoding(num_hiddens, 0.0, max_len=20)
        self.mha = MultiHeadAttention(num_hiddens, num_heads, 0.0)
        self.pool = AdditiveAttention(num_hiddens, 0.0)
        self.query = nn.Parameter(torch.zeros(1, 1, num_hiddens))
        self.head = nn.Linear(num_hiddens, 1)

    def forward(self, X, valid_lens):
        H = self.pos(self.embed(X.unsqueeze(-1)))
        H = H + self.mha(H, H, H, valid_lens)
        pooled = self.pool(self.query.repeat(X.shape[0], 1, 1), H, H, valid_lens)
        return self.head(pooled).reshape(-1)


model = MeanOfValid()
batch_X = torch.from_numpy(rng.normal(0, 1, (32, 12)))
batch_lens = torch.from_numpy(rng.integers(2, 13, (32,)))
model(batch_X, batch_lens)
numpy_init(model)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
for i in range(60):
    X = torch.from_numpy(rng.normal(0, 1, (32, 12)))
    lens = torch.from_numpy(rng.integers(2, 13, (32,)))
    mask = torch.arange(12)[None, :] < lens[:, None]
    target = (X * mask).sum(dim=1) / lens
    l = loss(model(X, lens), target).mean()
    optimizer.zero_grad()
    l.backward()
    optimizer.step()
    print(f"step {step} loss {l.item():.10f}")
    step += 1
print(f"final mha_weights_shape {model.mha.attention.attention_weights.shape[0]}")
print(f"final pooled_weight_zeros {int((model.pool.attention_weights == 0).sum())}")
