"""Two sequence workloads of the suite, each one SGD training step for tinygrad_bn, a
hand-written NumPy bound and (when importable) PyTorch, from identical float32 state:

- LSTM: LSTM(32 -> 64) over (T=16, N=32, 32) sequences, the last hidden state through
  Linear(64 -> 10), cross-entropy. The bound runs the LSTM equations (nn/recurrent.py)
  forward, keeps the gates, and back-propagates through time by hand.
- Conv1d: Conv1d(16 -> 32, k=5, padding=2) over (N=32, 16, L=128), ReLU, the mean over
  the length, Linear(32 -> 10), cross-entropy. The bound gathers the k windows into one
  matrix (im2col) for one product forward and two backward.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn

from . import bound
from .measure import DTYPE, LR, NP, TG, Impl, Workload, torch_sgd_impl

LSTM_NAME = "LSTM step (T 16, batch 32, 32->64)"
CONV1D_NAME = "Conv1d step (batch 32, 16x128, k 5)"
LSTM_SHAPE = (16, 32, 32, 64)  # T, N, input, hidden
CONV1D_SHAPE = (32, 16, 128, 32, 5)  # N, C_in, L, C_out, k


def _uniform(rng: np.random.Generator, bound_: float, *shape: int) -> np.ndarray:
    return rng.uniform(-bound_, bound_, shape).astype(DTYPE)


def _copy_into(params: list, arrays: list[np.ndarray], torch: ModuleType | None) -> None:
    for p, a in zip(params, arrays):
        if torch is not None:
            with torch.no_grad():
                p.copy_(torch.from_numpy(a))
        else:
            p.data[...] = a


def _sgd_impls(model_tg: nn.Module, forward_tg: Any, model_torch: Any, forward_torch: Any,
               x: np.ndarray, labels: np.ndarray, torch: ModuleType | None) -> list[Impl]:
    opt = tg.optim.SGD(model_tg.parameters(), lr=LR)
    xt = tg.Tensor(x)

    def tg_step(_: None) -> tg.Tensor:
        opt.zero_grad()
        loss = F.cross_entropy(forward_tg(xt), labels)
        loss.backward()
        opt.step()
        return loss

    impls = [Impl(TG, NP, tg_step)]
    if torch is not None:
        impls.append(torch_sgd_impl(torch, model_torch.parameters(), forward_torch, x, labels))
    return impls


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def lstm_workload(torch: ModuleType | None) -> Workload:
    t_len, n, i_size, h_size = LSTM_SHAPE
    rng = np.random.default_rng(3)
    x = rng.standard_normal((t_len, n, i_size)).astype(DTYPE)
    labels = rng.integers(0, 10, n)
    b = 1 / np.sqrt(h_size)
    init = [_uniform(rng, b, 4 * h_size, i_size), _uniform(rng, b, 4 * h_size, h_size),
            _uniform(rng, b, 4 * h_size), _uniform(rng, b, 4 * h_size),
            _uniform(rng, b, 10, h_size), _uniform(rng, b, 10)]
    p = [a.copy() for a in init]

    def np_step(_: None) -> Any:
        w_ih, w_hh, b_ih, b_hh, w_out, b_out = p
        xw = (x.reshape(-1, i_size) @ w_ih.T + (b_ih + b_hh)).reshape(t_len, n, 4 * h_size)
        h, c = np.zeros((n, h_size), DTYPE), np.zeros((n, h_size), DTYPE)
        saved = []
        for t in range(t_len):
            a = xw[t] + h @ w_hh.T
            i, f, o = _sigmoid(a[:, :h_size]), _sigmoid(a[:, h_size:2 * h_size]), \
                _sigmoid(a[:, 3 * h_size:])
            g = np.tanh(a[:, 2 * h_size:3 * h_size])
            c_prev, h_prev = c, h
            c = f * c + i * g
            tc = np.tanh(c)
            h = o * tc
            saved.append((i, f, g, o, c_prev, h_prev, tc))
        loss, dlogits = bound.cross_entropy(h @ w_out.T + b_out, labels)
        grads = [np.zeros_like(a) for a in p]
        grads[4], grads[5] = dlogits.T @ h, dlogits.sum(0)
        dh, dc = dlogits @ w_out, np.zeros((n, h_size), DTYPE)
        da_all = np.empty_like(xw)
        for t in range(t_len - 1, -1, -1):
            i, f, g, o, c_prev, h_prev, tc = saved[t]
            dc = dc + dh * o * (1 - tc * tc)
            da = da_all[t]
            da[:, :h_size] = dc * g * i * (1 - i)
            da[:, h_size:2 * h_size] = dc * c_prev * f * (1 - f)
            da[:, 2 * h_size:3 * h_size] = dc * i * (1 - g * g)
            da[:, 3 * h_size:] = dh * tc * o * (1 - o)
            grads[1] += da.T @ h_prev
            dh = da @ w_hh
            dc = dc * f
        flat = da_all.reshape(-1, 4 * h_size)
        grads[0] = flat.T @ x.reshape(-1, i_size)
        grads[2] = grads[3] = flat.sum(0)
        for param, grad in zip(p, grads):
            param -= bound.LR_FACTOR * grad
        return loss

    lstm, head = nn.LSTM(i_size, h_size), nn.Linear(h_size, 10)
    model = nn.ModuleList([lstm, head])
    _copy_into(list(model.parameters()), init, None)
    model_torch = forward_torch = None
    if torch is not None:
        t_lstm, t_head = torch.nn.LSTM(i_size, h_size), torch.nn.Linear(h_size, 10)
        model_torch = torch.nn.ModuleList([t_lstm, t_head])
        _copy_into(list(model_torch.parameters()), init, torch)

        def forward_torch(xq: Any) -> Any:
            return t_head(t_lstm(xq)[1][0][0])

    impls = _sgd_impls(model, lambda xt: head(lstm(xt)[1][0][0]), model_torch, forward_torch,
                       x, labels, torch)
    impls.insert(1, Impl(NP, NP, np_step))
    return Workload("sequence", LSTM_NAME, impls, info={"shape": list(LSTM_SHAPE)})


def conv1d_workload(torch: ModuleType | None) -> Workload:
    n, c_in, length, c_out, k = CONV1D_SHAPE
    rng = np.random.default_rng(4)
    x = rng.standard_normal((n, c_in, length)).astype(DTYPE)
    labels = rng.integers(0, 10, n)
    init = [_uniform(rng, 1 / np.sqrt(c_in * k), c_out, c_in, k),
            _uniform(rng, 1 / np.sqrt(c_in * k), c_out),
            _uniform(rng, 1 / np.sqrt(c_out), 10, c_out), _uniform(rng, 1 / np.sqrt(c_out), 10)]
    p = [a.copy() for a in init]
    pad = k // 2
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad)))
    # (C_in k, N L): every window of the padded input as a column
    cols = np.ascontiguousarray(sliding_window_view(xp, k, axis=2).transpose(1, 3, 0, 2)) \
        .reshape(c_in * k, n * length)

    def np_step(_: None) -> Any:
        w, b, w_out, b_out = p
        z = (w.reshape(c_out, -1) @ cols).reshape(c_out, n, length) + b[:, None, None]
        a = bound.relu(z)
        pooled = a.mean(axis=2).T  # (N, C_out)
        loss, dlogits = bound.cross_entropy(pooled @ w_out.T + b_out, labels)
        dw_out, db_out = dlogits.T @ pooled, dlogits.sum(0)
        dz = np.broadcast_to((dlogits @ w_out).T[:, :, None] / length, a.shape) * (z > 0)
        dz = dz.reshape(c_out, -1)
        dw, db = (dz @ cols.T).reshape(w.shape), dz.sum(1)
        for param, grad in zip(p, (dw, db, dw_out, db_out)):
            param -= bound.LR_FACTOR * grad
        return loss

    conv, head = nn.Conv1d(c_in, c_out, k, padding=pad), nn.Linear(c_out, 10)
    model = nn.ModuleList([conv, head])
    _copy_into(list(model.parameters()), init, None)
    model_torch = forward_torch = None
    if torch is not None:
        t_conv = torch.nn.Conv1d(c_in, c_out, k, padding=pad)
        t_head = torch.nn.Linear(c_out, 10)
        model_torch = torch.nn.ModuleList([t_conv, t_head])
        _copy_into(list(model_torch.parameters()), init, torch)

        def forward_torch(xq: Any) -> Any:
            return t_head(torch.relu(t_conv(xq)).mean(2))

    impls = _sgd_impls(model, lambda xt: head(conv(xt).relu().mean(2)), model_torch,
                       forward_torch, x, labels, torch)
    impls.insert(1, Impl(NP, NP, np_step))
    return Workload("sequence", CONV1D_NAME, impls, info={"shape": list(CONV1D_SHAPE)})
