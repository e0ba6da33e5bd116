"""The NumPy bound: hand-written forward and backward of every layer the workloads use,
float32, no graph, no wrappers, with the best plain-NumPy technique known for each piece
(docs/performance.md, "Method"). A NumPy-based framework can approach it, not beat it."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .measure import DTYPE, EPS, LR, MOMENTUM


def factor(value: float) -> np.ndarray:
    """A float32 factor as a 0-d array: the value a Python float would be cast to, but an
    operand NumPy 2 takes without its promotion rules for Python scalars (0.3-0.7 us less
    per use on small arrays). The fused BN op does the same for its factors."""
    return np.array(value, DTYPE)


LR_FACTOR, _KEEP, _TAKE, _EPS = factor(LR), factor(1 - MOMENTUM), factor(MOMENTUM), factor(EPS)


def per_channel(v: np.ndarray, s: int) -> np.ndarray:
    """A (C,) vector as a (C, S) operand against (N, C, S) arrays: NumPy's inner loop over
    two contiguous operands is ~2x faster than one over a broadcast (C, 1) column."""
    return np.repeat(v[:, None], s, axis=1) if s > 1 else v[:, None]


def bn_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, running_mean: np.ndarray,
                   running_var: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Training-mode batch norm over every axis but 1: y = gamma * (x - mu) / sqrt(var + eps)
    + beta, with biased batch variance; running stats get the unbiased one. Arrays are
    viewed as (N, C, S); per-channel sums by einsum (~3x faster than .sum(axis=(0, 2)))."""
    n, c = x.shape[:2]
    x3 = x.reshape(n, c, -1)
    s = x3.shape[2]
    m = n * s
    inv_m = factor(1 / m)
    mean = np.einsum("ncs->c", x3) * inv_m
    xhat = x3 - per_channel(mean, s)
    var = np.einsum("ncs,ncs->c", xhat, xhat) * inv_m
    inv_std = np.reciprocal(np.sqrt(var + _EPS))
    xhat *= per_channel(inv_std, s)
    running_mean *= _KEEP
    running_mean += _TAKE * mean
    running_var *= _KEEP
    running_var += factor(MOMENTUM * m / (m - 1)) * var
    y = xhat * per_channel(gamma, s)
    y += per_channel(beta, s)
    return y.reshape(x.shape), (xhat, inv_std, gamma, inv_m)


def bn_backward(grad: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dx = gamma * inv_std * (g - sum g / m - xhat sum(g xhat) / m); dgamma = sum(g xhat);
    dbeta = sum g (sums over the normalized axes)."""
    xhat, inv_std, gamma, inv_m = cache
    s = xhat.shape[2]
    g3 = grad.reshape(xhat.shape)
    dbeta = np.einsum("ncs->c", g3)
    dgamma = np.einsum("ncs,ncs->c", g3, xhat)
    dx = g3 - per_channel(dbeta * inv_m, s)
    dx -= xhat * per_channel(dgamma * inv_m, s)
    dx *= per_channel(gamma * inv_std, s)
    return dx.reshape(grad.shape), dgamma, dbeta


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[Any, np.ndarray]:
    """Mean of -log softmax(logits)[label] and its gradient (softmax - onehot) / n."""
    n = len(labels)
    rows = np.arange(n)
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    loss = np.mean(np.log(total[:, 0]) - shifted[rows, labels])
    grad = e / total
    grad[rows, labels] -= 1
    grad /= n
    return loss, grad


_ZEROS: dict[tuple, np.ndarray] = {}


def relu(z: np.ndarray) -> np.ndarray:
    """max(z, 0) against an array of zeros made once per shape: NumPy's maximum runs its
    vectorized loop only on two arrays, 2.5x faster than against the scalar 0
    (tinygrad_bn/ops/filled.py, which the eager ReLU uses since stop 34)."""
    zeros = _ZEROS.get((z.shape, z.dtype))
    if zeros is None:
        zeros = _ZEROS[(z.shape, z.dtype)] = np.zeros(z.shape, z.dtype)
    return np.maximum(z, zeros)


def activation(z: np.ndarray, kind: str) -> np.ndarray:
    return relu(z) if kind == "relu" else 1 / (1 + np.exp(-z))


def activation_backward(grad: np.ndarray, a: np.ndarray, kind: str) -> np.ndarray:
    return grad * (a > 0) if kind == "relu" else grad * (a * (1 - a))


def conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """3x3 convolution, stride 1, padding 1: the (N, C*9, H*W) patch matrix (one strided
    view, one copy) times the (O, C*9) weights, one batched GEMM whose result is NCHW."""
    n, c, h, wd = x.shape
    padded = np.zeros((n, c, h + 2, wd + 2), dtype=x.dtype)
    padded[:, :, 1:-1, 1:-1] = x
    cols = sliding_window_view(padded, (3, 3), axis=(2, 3))  # (N, C, H, W, 3, 3), a view
    cols = cols.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * 9, h * wd)
    out = np.matmul(w.reshape(len(w), -1), cols)
    out += b[:, None]
    return out.reshape(n, len(w), h, wd), cols


def conv3x3_backward(grad: np.ndarray, w: np.ndarray, cols: np.ndarray,
                         x_shape: tuple[int, ...], need_dx: bool
                         ) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """dW = sum_n g_n cols_n^T, db = sum g, dx = the 9 shifted slices of W^T g added back
    (col2im)."""
    n, c, h, wd = x_shape
    g3 = grad.reshape(n, len(w), h * wd)
    dw = np.matmul(g3, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    db = g3.sum(axis=(0, 2))
    if not need_dx:
        return None, dw, db
    dcols = np.matmul(w.reshape(len(w), -1).T, g3).reshape(n, c, 3, 3, h, wd)
    dpad = np.zeros((n, c, h + 2, wd + 2), dtype=grad.dtype)
    for i in range(3):
        for j in range(3):
            dpad[:, :, i:i + h, j:j + wd] += dcols[:, :, i, j]
    return dpad[:, :, 1:-1, 1:-1], dw, db


_QUADRANTS = [(i, j) for i in (0, 1) for j in (0, 1)]


def maxpool2(x: np.ndarray) -> tuple[np.ndarray, tuple]:
    """2x2 max pooling, stride 2, as the elementwise max of the four strided quadrant views
    (a reduction over the two size-2 window axes is ~30x slower)."""
    views = [x[:, :, i::2, j::2] for i, j in _QUADRANTS]
    out = np.maximum(np.maximum(views[0], views[1]), np.maximum(views[2], views[3]))
    return out, (views, out, x.shape)


def maxpool2_backward(grad: np.ndarray, cache: tuple) -> np.ndarray:
    # routes g to every maximum of its window; ties only occur among ReLU zeros, whose
    # gradient the ReLU backward zeroes anyway
    views, out, shape = cache
    dx = np.empty(shape, dtype=grad.dtype)
    for (i, j), view in zip(_QUADRANTS, views):
        np.multiply(grad, view == out, out=dx[:, :, i::2, j::2])
    return dx

