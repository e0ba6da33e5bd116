"""The benchmark suite behind `tinygrad-bn bench` (also `python benchmarks/run.py`).

Every workload is measured in one run for up to three implementations of the
same float32 computation: tinygrad_bn, a hand-written NumPy version (no
framework at all: the bound a NumPy-based framework can approach), and
PyTorch CPU eager when `torch` is importable. Measurements are interleaved:
each of `rounds` rounds runs one timed block per implementation, in a rotated
order, and the reported time is the median of all per-call samples. Before a
block whose framework differs from the previous block's (NumPy vs PyTorch)
the suite sleeps `pause` seconds: on 2 cores the BLAS / OpenMP worker threads
of the framework that just ran keep spinning for a while and slow the other
one's block by 1.3-2x. Before the timings, each workload checks that its
implementations compute the same numbers (two steps from identical state).

Workloads: batch-norm fwd+bwd (fused and composite), MLP training steps
(seed-B 784-100-100-100-10 and seed-A 784-100x5-10, with and without BN), a
small CNN training step, engine overhead (µs per recorded op; backward of a
10k-node graph), and the memory one BN2d fwd+bwd keeps for backward. The
targets of issue 7 are evaluated from the ratios of the same run.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn
from tinygrad_bn.tensor import topological_order

DTYPE = np.float32
EPS = 1e-5
MOMENTUM = 0.1
LR = 0.01

TG, NP, TORCH = "tinygrad_bn", "numpy", "torch"

# ---------------------------------------------------------------- measurement


@dataclass
class Impl:
    """One implementation of a workload.

    `step(state)` is timed; `prepare()` (untimed, before every call) builds its
    argument, e.g. a fresh graph whose backward alone is measured. `step`
    returns what the agreement check compares (a loss or a gradient).
    """

    name: str
    framework: str  # "numpy" or "torch": a change of framework triggers the pause
    step: Callable[[Any], Any]
    prepare: Callable[[], Any] | None = None

    def call(self, clock: Callable[[], float] = time.perf_counter) -> float:
        arg = self.prepare() if self.prepare is not None else None
        start = clock()
        self.step(arg)
        return clock() - start

    def result(self) -> np.ndarray:
        arg = self.prepare() if self.prepare is not None else None
        return _to_numpy(self.step(arg))


@dataclass
class Workload:
    """A named computation and its implementations; `group` is bn, mlp, cnn or engine."""

    group: str
    name: str
    impls: list[Impl]
    ops_per_call: int = 1  # engine-overhead workloads report time per op
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Settings:
    """How long and how to measure; `QUICK` runs each implementation once, untimed pauses off."""

    rounds: int = 7
    block_seconds: float = 0.15  # timed time per block (calls per block are calibrated)
    max_calls: int = 200  # 1: no warm-up or calibration (the agreement check ran each once)
    pause: float = 0.2
    # "wall" (perf_counter) or "cpu" (process_time: this process's CPU time, blind to other
    # processes on a shared machine; meaningful with single-threaded BLAS, where it is the
    # work of one core)
    clock: str = "wall"


QUICK = Settings(rounds=1, block_seconds=0.0, max_calls=1, pause=0.0)


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, tg.Tensor):
        return value.data
    if hasattr(value, "detach"):  # a torch tensor
        return value.detach().numpy()
    return np.asarray(value)


class _Switcher:
    """Sleeps `pause` seconds whenever the next block's framework differs from the last one's."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.last: str | None = None

    def enter(self, framework: str) -> None:
        if self.pause and framework != self.last:
            time.sleep(self.pause)
        self.last = framework


def check_agreement(workload: Workload) -> float:
    """Largest difference between implementations' second-step results (so that a training
    step's update is covered too), relative to the reference (the first implementation)."""
    results = []
    for impl in workload.impls:
        impl.result()
        results.append(impl.result())
    ref = results[0].astype(np.float64)
    scale = max(float(np.abs(ref).max()), 1e-12)
    worst = 0.0
    for other in results[1:]:
        if other.shape != ref.shape:
            return math.inf
        worst = max(worst, float(np.abs(other.astype(np.float64) - ref).max()) / scale)
    return worst


def measure(workload: Workload, settings: Settings, switcher: _Switcher) -> dict[str, Any]:
    """Interleaved medians (seconds per call) of every implementation of `workload`."""
    calls = {impl.name: 1 for impl in workload.impls}
    for impl in workload.impls if settings.max_calls > 1 else ():
        switcher.enter(impl.framework)  # warm up (allocations, BLAS threads) and calibrate
        impl.call()
        wanted = math.ceil(settings.block_seconds / max(impl.call(), 1e-9))
        calls[impl.name] = max(1, min(settings.max_calls, wanted))
    samples: dict[str, list[float]] = {impl.name: [] for impl in workload.impls}
    clock = time.process_time if settings.clock == "cpu" else time.perf_counter
    k = len(workload.impls)
    for r in range(settings.rounds):
        for impl in workload.impls[r % k:] + workload.impls[:r % k]:
            switcher.enter(impl.framework)
            if settings.pause:
                impl.call()  # wakes the BLAS threads the pause put to sleep; untimed
            gc.collect()
            collecting = gc.isenabled()
            gc.disable()  # as timeit does: no collector pauses inside the samples
            try:
                samples[impl.name].extend(impl.call(clock) for _ in range(calls[impl.name]))
            finally:
                if collecting:
                    gc.enable()
    per_op = workload.ops_per_call
    return {
        name: {
            "median_s": statistics.median(s) / per_op,
            "min_s": min(s) / per_op,  # the fastest call: what a noisy neighbour cannot inflate
            "q1_s": float(np.percentile(s, 25)) / per_op,
            "q3_s": float(np.percentile(s, 75)) / per_op,
            "samples": len(s),
        }
        for name, s in samples.items()
    }


# ---------------------------------------------------------------- the NumPy bound: hand-written
# forward and backward of every layer, float32, no graph, no wrappers.


def _factor(value: float) -> np.ndarray:
    """A float32 factor as a 0-d array: the value a Python float would be cast to, but an
    operand NumPy 2 takes without its promotion rules for Python scalars (0.3-0.7 us less
    per use on small arrays). The fused BN op does the same for its factors."""
    return np.array(value, DTYPE)


_LR, _KEEP, _TAKE, _EPS = _factor(LR), _factor(1 - MOMENTUM), _factor(MOMENTUM), _factor(EPS)


def _np_per_channel(v: np.ndarray, s: int) -> np.ndarray:
    """A (C,) vector as a (C, S) operand against (N, C, S) arrays: NumPy's inner loop over
    two contiguous operands is ~2x faster than one over a broadcast (C, 1) column."""
    return np.repeat(v[:, None], s, axis=1) if s > 1 else v[:, None]


def _np_bn_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, running_mean: np.ndarray,
                   running_var: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Training-mode batch norm over every axis but 1: y = gamma * (x - mu) / sqrt(var + eps)
    + beta, with biased batch variance; running stats get the unbiased one. Arrays are
    viewed as (N, C, S); per-channel sums by einsum (~3x faster than .sum(axis=(0, 2)))."""
    n, c = x.shape[:2]
    x3 = x.reshape(n, c, -1)
    s = x3.shape[2]
    m = n * s
    inv_m = _factor(1 / m)
    mean = np.einsum("ncs->c", x3) * inv_m
    xhat = x3 - _np_per_channel(mean, s)
    var = np.einsum("ncs,ncs->c", xhat, xhat) * inv_m
    inv_std = np.reciprocal(np.sqrt(var + _EPS))
    xhat *= _np_per_channel(inv_std, s)
    running_mean *= _KEEP
    running_mean += _TAKE * mean
    running_var *= _KEEP
    running_var += _factor(MOMENTUM * m / (m - 1)) * var
    y = xhat * _np_per_channel(gamma, s)
    y += _np_per_channel(beta, s)
    return y.reshape(x.shape), (xhat, inv_std, gamma, inv_m)


def _np_bn_backward(grad: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """dx = gamma * inv_std * (g - sum g / m - xhat sum(g xhat) / m); dgamma = sum(g xhat);
    dbeta = sum g (sums over the normalized axes)."""
    xhat, inv_std, gamma, inv_m = cache
    s = xhat.shape[2]
    g3 = grad.reshape(xhat.shape)
    dbeta = np.einsum("ncs->c", g3)
    dgamma = np.einsum("ncs,ncs->c", g3, xhat)
    dx = g3 - _np_per_channel(dbeta * inv_m, s)
    dx -= xhat * _np_per_channel(dgamma * inv_m, s)
    dx *= _np_per_channel(gamma * inv_std, s)
    return dx.reshape(grad.shape), dgamma, dbeta


def _np_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[Any, np.ndarray]:
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


def _np_activation(z: np.ndarray, kind: str) -> np.ndarray:
    return np.maximum(z, 0) if kind == "relu" else 1 / (1 + np.exp(-z))


def _np_activation_backward(grad: np.ndarray, a: np.ndarray, kind: str) -> np.ndarray:
    return grad * (a > 0) if kind == "relu" else grad * (a * (1 - a))


def _np_conv3x3(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _np_conv3x3_backward(grad: np.ndarray, w: np.ndarray, cols: np.ndarray,
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


def _np_maxpool2(x: np.ndarray) -> tuple[np.ndarray, tuple]:
    """2x2 max pooling, stride 2, as the elementwise max of the four strided quadrant views
    (a reduction over the two size-2 window axes is ~30x slower)."""
    views = [x[:, :, i::2, j::2] for i, j in _QUADRANTS]
    out = np.maximum(np.maximum(views[0], views[1]), np.maximum(views[2], views[3]))
    return out, (views, out, x.shape)


def _np_maxpool2_backward(grad: np.ndarray, cache: tuple) -> np.ndarray:
    # routes g to every maximum of its window; ties only occur among ReLU zeros, whose
    # gradient the ReLU backward zeroes anyway
    views, out, shape = cache
    dx = np.empty(shape, dtype=grad.dtype)
    for (i, j), view in zip(_QUADRANTS, views):
        np.multiply(grad, view == out, out=dx[:, :, i::2, j::2])
    return dx


# ---------------------------------------------------------------- workloads: batch norm


def _bn_workload(shape: tuple[int, ...], torch: ModuleType | None) -> Workload:
    rng = np.random.default_rng(0)
    channels = shape[1]
    x = rng.standard_normal(shape).astype(DTYPE) * 2 + 0.5
    up = rng.standard_normal(shape).astype(DTYPE)
    gamma = (1 + 0.1 * rng.standard_normal(channels)).astype(DTYPE)
    beta = (0.1 * rng.standard_normal(channels)).astype(DTYPE)

    def tg_impl(impl: str) -> Impl:
        xt = tg.Tensor(x.copy(), requires_grad=True)
        wt = tg.Tensor(gamma.copy(), requires_grad=True)
        bt = tg.Tensor(beta.copy(), requires_grad=True)
        gt = tg.Tensor(up)
        rm, rv = np.zeros(channels, DTYPE), np.ones(channels, DTYPE)

        def step(_: None) -> tg.Tensor:
            xt.grad = wt.grad = bt.grad = None
            F.batch_norm(xt, rm, rv, wt, bt, training=True, momentum=MOMENTUM, eps=EPS,
                         impl=impl).backward(gt)
            return xt.grad

        return Impl(f"{TG} {impl}", NP, step)

    def np_step(_: None) -> np.ndarray:
        y, cache = _np_bn_forward(x, gamma, beta, np_rm, np_rv)
        return _np_bn_backward(up, cache)[0]

    np_rm, np_rv = np.zeros(channels, DTYPE), np.ones(channels, DTYPE)
    impls = [tg_impl("fused"), tg_impl("composite"), Impl(NP, NP, np_step)]
    if torch is not None:
        xq = torch.tensor(x, requires_grad=True)
        wq = torch.tensor(gamma, requires_grad=True)
        bq = torch.tensor(beta, requires_grad=True)
        gq = torch.tensor(up)
        rmq, rvq = torch.zeros(channels), torch.ones(channels)

        def torch_step(_: None) -> Any:
            xq.grad = wq.grad = bq.grad = None
            torch.nn.functional.batch_norm(xq, rmq, rvq, wq, bq, training=True,
                                           momentum=MOMENTUM, eps=EPS).backward(gq)
            return xq.grad

        impls.append(Impl(TORCH, TORCH, torch_step))
    kind = "BatchNorm1d" if len(shape) == 2 else "BatchNorm2d"
    return Workload("bn", f"{kind} {shape} fwd+bwd", impls, info={"shape": list(shape)})


# ---------------------------------------------------------------- workloads: MLPs and the CNN


def _init_arrays(rng: np.random.Generator, shapes: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
    """PyTorch-like uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) weights and biases."""
    arrays = []
    for shape in shapes:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
        bound = 1 / math.sqrt(fan_in)
        arrays.append(rng.uniform(-bound, bound, shape).astype(DTYPE))
    return arrays


def _load(params: Sequence[Any], arrays: Sequence[np.ndarray], torch: ModuleType | None) -> None:
    params = list(params)
    if [tuple(p.shape) for p in params] != [a.shape for a in arrays]:
        raise tg.ShapeError(f"bench: parameter shapes {[tuple(p.shape) for p in params]} differ "
                         f"from the benchmark's {[a.shape for a in arrays]}")
    for p, a in zip(params, arrays):
        if torch is not None:
            with torch.no_grad():
                p.copy_(torch.from_numpy(a))
        else:
            p.data[...] = a



def _sgd_step_impls(layers: Callable[[Any], list], init: Sequence[np.ndarray], x: np.ndarray,
                    labels: np.ndarray, torch: ModuleType | None) -> list[Impl]:
    """One SGD training step (cross-entropy loss) of `Sequential(*layers(lib))` for
    tinygrad_bn's nn and, when installed, torch.nn, both starting from `init`."""
    model = nn.Sequential(*layers(nn))
    _load(model.parameters(), init, None)
    opt = tg.optim.SGD(model.parameters(), lr=LR)
    xt = tg.Tensor(x)

    def tg_step(_: None) -> tg.Tensor:
        opt.zero_grad()
        loss = F.cross_entropy(model(xt), labels)
        loss.backward()
        opt.step()
        return loss

    impls = [Impl(TG, NP, tg_step)]
    if torch is not None:
        tmodel = torch.nn.Sequential(*layers(torch.nn))
        _load(tmodel.parameters(), init, torch)
        topt = torch.optim.SGD(tmodel.parameters(), lr=LR)
        xq, yq = torch.from_numpy(x), torch.from_numpy(labels)

        def torch_step(_: None) -> Any:
            topt.zero_grad()
            loss = torch.nn.functional.cross_entropy(tmodel(xq), yq)
            loss.backward()
            topt.step()
            return loss

        impls.append(Impl(TORCH, TORCH, torch_step))
    return impls

def _mlp_workload(name: str, sizes: Sequence[int], batch: int, activation: str, bn: bool,
                  torch: ModuleType | None) -> Workload:
    """One SGD training step (forward, cross-entropy, backward, update) of
    Linear -> [BatchNorm1d] -> activation blocks and a final Linear."""
    rng = np.random.default_rng(1)
    x = rng.random((batch, sizes[0]), dtype=DTYPE)
    labels = rng.integers(0, sizes[-1], batch)
    pairs = list(zip(sizes[:-1], sizes[1:]))
    shapes: list[tuple[int, ...]] = []
    for i, (fan_in, fan_out) in enumerate(pairs):
        shapes += [(fan_out, fan_in), (fan_out,)]
        if bn and i < len(pairs) - 1:
            shapes += [(fan_out,), (fan_out,)]
    init = _init_arrays(rng, shapes)
    if bn:  # gamma = 1, beta = 0
        at = 0
        for _, fan_out in pairs[:-1]:
            at += 2
            init[at], init[at + 1] = np.ones(fan_out, DTYPE), np.zeros(fan_out, DTYPE)
            at += 2

    def layers(lib: Any, act: type, norm: type | None) -> list:
        mods: list = []
        for i, (fan_in, fan_out) in enumerate(pairs):
            mods.append(lib.Linear(fan_in, fan_out))
            if i < len(pairs) - 1:
                if norm is not None:
                    mods.append(norm(fan_out))
                mods.append(act())
        return mods

    params = [a.copy() for a in init]
    stats = [(np.zeros(n, DTYPE), np.ones(n, DTYPE)) for _, n in pairs[:-1]]

    def np_step(_: None) -> Any:
        h, caches, at = x, [], 0
        for i in range(len(pairs)):
            w, b = params[at], params[at + 1]
            z = h @ w.T + b
            cache: list = [h, at]
            at += 2
            if i < len(pairs) - 1:
                if bn:
                    z, bn_cache = _np_bn_forward(z, params[at], params[at + 1], *stats[i])
                    cache.append(bn_cache)
                    at += 2
                z = _np_activation(z, activation)
                cache.append(z)
            caches.append(cache)
            h = z
        loss, grad = _np_cross_entropy(h, labels)
        for i in reversed(range(len(pairs))):
            cache = caches[i]
            if i < len(pairs) - 1:
                grad = _np_activation_backward(grad, cache[-1], activation)
                if bn:
                    grad, dgamma, dbeta = _np_bn_backward(grad, cache[2])
                    params[cache[1] + 2] -= _LR * dgamma
                    params[cache[1] + 3] -= _LR * dbeta
            h_in, at = cache[0], cache[1]
            dw, db = grad.T @ h_in, grad.sum(axis=0)
            if i:
                grad = grad @ params[at]
            params[at] -= _LR * dw
            params[at + 1] -= _LR * db
        return loss

    def build(lib: Any) -> list:
        return layers(lib, lib.ReLU if activation == "relu" else lib.Sigmoid,
                      lib.BatchNorm1d if bn else None)

    impls = _sgd_step_impls(build, init, x, labels, torch)
    impls.insert(1, Impl(NP, NP, np_step))
    return Workload("mlp", name, impls, info={"sizes": list(sizes), "batch": batch,
                                              "activation": activation, "bn": bn})


CNN_INPUT = (64, 1, 28, 28)


def _cnn_workload(torch: ModuleType | None) -> Workload:
    """conv3x3(1->16, pad 1)-BN2d-ReLU-maxpool2, conv3x3(16->32, pad 1)-BN2d-ReLU-maxpool2,
    Linear(32*7*7 -> 10): one SGD training step on a (64, 1, 28, 28) batch."""
    rng = np.random.default_rng(2)
    x = rng.random(CNN_INPUT, dtype=DTYPE)
    labels = rng.integers(0, 10, CNN_INPUT[0])
    init = _init_arrays(rng, [(16, 1, 3, 3), (16,)])
    init += [np.ones(16, DTYPE), np.zeros(16, DTYPE)]
    init += _init_arrays(rng, [(32, 16, 3, 3), (32,)])
    init += [np.ones(32, DTYPE), np.zeros(32, DTYPE)]
    init += _init_arrays(rng, [(10, 32 * 7 * 7), (10,)])

    def layers(lib: Any) -> list:
        return [lib.Conv2d(1, 16, 3, padding=1), lib.BatchNorm2d(16), lib.ReLU(), lib.MaxPool2d(2),
                lib.Conv2d(16, 32, 3, padding=1), lib.BatchNorm2d(32), lib.ReLU(),
                lib.MaxPool2d(2), lib.Flatten(), lib.Linear(32 * 7 * 7, 10)]

    p = [a.copy() for a in init]
    stats = [(np.zeros(16, DTYPE), np.ones(16, DTYPE)), (np.zeros(32, DTYPE), np.ones(32, DTYPE))]

    def np_step(_: None) -> Any:
        h, caches = x, []
        for block in range(2):
            w, b, gamma, beta = p[4 * block:4 * block + 4]
            z, cols = _np_conv3x3(h, w, b)
            z, bn_cache = _np_bn_forward(z, gamma, beta, *stats[block])
            a = np.maximum(z, 0)
            pooled, pool_cache = _np_maxpool2(a)
            caches.append((h.shape, cols, bn_cache, a, pool_cache))
            h = pooled
        flat = h.reshape(len(h), -1)
        loss, grad = _np_cross_entropy(flat @ p[8].T + p[9], labels)
        dw, db = grad.T @ flat, grad.sum(axis=0)
        grad = (grad @ p[8]).reshape(h.shape)
        p[8] -= _LR * dw
        p[9] -= _LR * db
        for block in (1, 0):
            x_shape, cols, bn_cache, a, pool_cache = caches[block]
            grad = _np_maxpool2_backward(grad, pool_cache) * (a > 0)
            grad, dgamma, dbeta = _np_bn_backward(grad, bn_cache)
            grad, dw, db = _np_conv3x3_backward(grad, p[4 * block], cols, x_shape, block > 0)
            for k, d in enumerate((dw, db, dgamma, dbeta)):
                p[4 * block + k] -= _LR * d
        return loss

    impls = _sgd_step_impls(layers, init, x, labels, torch)
    impls.insert(1, Impl(NP, NP, np_step))
    return Workload("cnn", f"small CNN {CNN_INPUT} train step", impls,
                    info={"input": list(CNN_INPUT)})


# ---------------------------------------------------------------- workloads: engine overhead

OPS_ITERATIONS = 100  # c = c * b + a, two recorded ops per iteration
CHAIN_ITERATIONS = 5000  # the same, 10k nodes, for backward


def _ops_workload(torch: ModuleType | None) -> Workload:
    """Forward of 200 ops on (4,) tensors that require grad: per-op framework cost."""
    rng = np.random.default_rng(3)
    a0, b0 = rng.random(4, dtype=DTYPE), rng.random(4, dtype=DTYPE)

    def chain(a: Any, b: Any) -> Any:
        c = a
        for _ in range(OPS_ITERATIONS):
            c = c * b + a
        return c

    at, bt = tg.Tensor(a0, requires_grad=True), tg.Tensor(b0, requires_grad=True)
    impls = [Impl(TG, NP, lambda _: chain(at, bt)), Impl(NP, NP, lambda _: chain(a0, b0))]
    if torch is not None:
        aq = torch.tensor(a0, requires_grad=True)
        bq = torch.tensor(b0, requires_grad=True)
        impls.append(Impl(TORCH, TORCH, lambda _: chain(aq, bq)))
    return Workload("engine", "op on (4,) tensors, recording [per op]", impls,
                    ops_per_call=2 * OPS_ITERATIONS)


def _backward_workload(torch: ModuleType | None) -> Workload:
    """Backward alone through a 10k-node graph c = c * w + a (graph built untimed)."""
    rng = np.random.default_rng(4)
    a0 = rng.random(4, dtype=DTYPE)
    w0 = (0.9 + 0.1 * rng.random(4)).astype(DTYPE)
    ones = np.ones(4, DTYPE)

    def build(a: Any, w: Any) -> Any:
        c = a
        for _ in range(CHAIN_ITERATIONS):
            c = c * w + a
        return c

    at, wt = tg.Tensor(a0, requires_grad=True), tg.Tensor(w0, requires_grad=True)

    def tg_step(out: tg.Tensor) -> tg.Tensor:
        at.grad = wt.grad = None
        out.backward(ones)
        return wt.grad

    def np_prepare() -> list[np.ndarray]:
        values, c = [], a0
        for _ in range(CHAIN_ITERATIONS):
            values.append(c)
            c = c * w0 + a0
        return values

    def np_step(values: list[np.ndarray]) -> np.ndarray:
        # the chain rule by hand: d/dc_k of c_{k+1} = w, d/dw += g c_k, d/da += g
        g, ga, gw = ones, np.zeros(4, DTYPE), np.zeros(4, DTYPE)
        for c in reversed(values):
            ga += g
            gw += g * c
            g = g * w0
        return gw

    impls = [Impl(TG, NP, tg_step, lambda: build(at, wt)), Impl(NP, NP, np_step, np_prepare)]
    if torch is not None:
        aq = torch.tensor(a0, requires_grad=True)
        wq = torch.tensor(w0, requires_grad=True)
        onesq = torch.from_numpy(ones)

        def torch_step(out: Any) -> Any:
            aq.grad = wq.grad = None
            out.backward(onesq)
            return wq.grad

        impls.append(Impl(TORCH, TORCH, torch_step, lambda: build(aq, wq)))
    return Workload("engine", f"backward of a {2 * CHAIN_ITERATIONS}-node graph [per node]",
                    impls, ops_per_call=2 * CHAIN_ITERATIONS)


SEED_B = (784, 100, 100, 100, 10)
SEED_A = (784, 100, 100, 100, 100, 100, 10)
BN_SHAPES = [(32, 16, 28, 28), (64, 64, 16, 16), (128, 32, 32, 32), (60, 100), (256, 1024)]


def workloads(torch: ModuleType | None) -> list[Callable[[], Workload]]:
    """Builders of every timed workload, in the order the table shows them."""
    built: list[Callable[[], Workload]] = [
        lambda s=s: _bn_workload(s, torch) for s in BN_SHAPES]
    for act in ("relu", "sigmoid"):
        for bn in (False, True):
            name = f"seed-B MLP {act}{' +BN' if bn else ''} (batch 60)"
            built.append(lambda n=name, a=act, b=bn: _mlp_workload(n, SEED_B, 60, a, b, torch))
    for bn in (False, True):
        name = f"seed-A MLP 784-100x5-10 relu{' +BN' if bn else ''} (batch 100)"
        built.append(lambda n=name, b=bn: _mlp_workload(n, SEED_A, 100, "relu", b, torch))
    built += [lambda: _cnn_workload(torch), lambda: _ops_workload(torch),
              lambda: _backward_workload(torch)]
    return built


# ---------------------------------------------------------------- memory of one BN2d fwd+bwd


def graph_saved_bytes(output: tg.Tensor, exclude: Sequence[np.ndarray] = ()) -> int:
    """Bytes of the distinct buffers the graph below `output` keeps alive for backward:
    every op's inputs, saved items and (if it uses it) output, views counted once by
    their base buffer, the buffers of `exclude` (the user's own arrays) not counted."""
    def root(a: np.ndarray) -> np.ndarray:
        while isinstance(a.base, np.ndarray):
            a = a.base
        return a

    seen = {id(root(a)) for a in (*exclude, output.data)}
    total = 0
    for tensor in topological_order([output]):
        ctx = tensor._ctx
        if ctx is None:
            continue
        held = [p.data for p in ctx.parents] + list(ctx.saved) + list(vars(ctx).values())
        if ctx.uses_output:
            held.append(ctx.output.data)
        for item in held:
            array = item.data if isinstance(item, tg.Tensor) else item
            if isinstance(array, np.ndarray) and id(root(array)) not in seen:
                seen.add(id(root(array)))
                total += root(array).nbytes
    return total


def bn_memory(shape: tuple[int, ...], torch: ModuleType | None) -> dict[str, Any]:
    """Saved bytes (beyond the inputs) and tracemalloc peak of one BN2d fwd+bwd per impl."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(DTYPE)
    up = rng.standard_normal(shape).astype(DTYPE)
    channels = shape[1]
    report: dict[str, Any] = {"shape": list(shape), "input_bytes": x.nbytes}
    for impl in ("fused", "composite"):
        xt = tg.Tensor(x, requires_grad=True)
        wt = tg.Tensor(np.ones(channels, DTYPE), requires_grad=True)
        bt = tg.Tensor(np.zeros(channels, DTYPE), requires_grad=True)
        rm, rv = np.zeros(channels, DTYPE), np.ones(channels, DTYPE)
        gt = tg.Tensor(up)
        out = F.batch_norm(xt, rm, rv, wt, bt, training=True, impl=impl)
        saved = graph_saved_bytes(out, exclude=[x, wt.data, bt.data, rm, rv])
        with_inputs = graph_saved_bytes(out)
        del out
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            F.batch_norm(xt, rm, rv, wt, bt, training=True, impl=impl).backward(gt)
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
        report[f"{TG} {impl}"] = {"saved_bytes": saved, "saved_bytes_with_inputs": with_inputs,
                                  "peak_bytes": peak}
    if torch is not None:
        held: dict[int, int] = {}
        xq = torch.tensor(x, requires_grad=True)
        wq = torch.ones(channels, requires_grad=True)
        bq = torch.zeros(channels, requires_grad=True)
        inputs = {xq.data_ptr(), wq.data_ptr(), bq.data_ptr()}

        def pack(t: Any) -> Any:
            if t.data_ptr() not in inputs:
                held[t.data_ptr()] = t.untyped_storage().nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            torch.nn.functional.batch_norm(xq, torch.zeros(channels), torch.ones(channels),
                                           wq, bq, training=True).backward(torch.from_numpy(up))
        report[TORCH] = {"saved_bytes": sum(held.values())}
    return report


# ---------------------------------------------------------------- targets and report


def _time(results: dict[str, Any], name: str, impl: str, statistic: str) -> float | None:
    entry = results.get(name, {}).get("times", {}).get(impl)
    return entry.get(statistic) if entry else None


def _target(description: str, value: float | None, op: str, threshold: float,
            note: str = "") -> dict[str, Any]:
    met = None if value is None else (value <= threshold if op == "<=" else value >= threshold)
    return {"target": description, "value": value, "op": op, "threshold": threshold, "met": met,
            "note": note}


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a / b


def evaluate_targets(results: dict[str, Any], memory: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 7's targets, from the ratios of this run's medians (None where a number is
    missing); each also carries the same ratio of the fastest calls (`fastest`), which is
    steadier on a shared machine. Whether a target is met is decided by the medians."""
    targets = _targets(results, memory, "median_s")
    for target, fastest in zip(targets, _targets(results, memory, "min_s")):
        target["fastest"] = fastest["value"]
    return targets


def _targets(results: dict[str, Any], memory: dict[str, Any],
             statistic: str) -> list[dict[str, Any]]:
    t = lambda name, impl: _time(results, name, impl, statistic)  # noqa: E731
    mlp_b, mlp_b_bn = "seed-B MLP relu (batch 60)", "seed-B MLP relu +BN (batch 60)"
    bn = "BatchNorm2d (64, 64, 16, 16) fwd+bwd"
    targets = [
        _target("seed-B MLP: tinygrad_bn steps/s / PyTorch's",
                _ratio(t(mlp_b, TORCH), t(mlp_b, TG)), ">=", 1.5),
        _target("seed-B MLP +BN: tinygrad_bn steps/s / PyTorch's",
                _ratio(t(mlp_b_bn, TORCH), t(mlp_b_bn, TG)), ">=", 1.5),
        _target("seed-B MLP: BN's cost per batch (time with BN / without)",
                _ratio(t(mlp_b_bn, TG), t(mlp_b, TG)), "<=", 1.3,
                note=", ".join(f"{impl} {r:.2f}" for impl in (NP, TORCH)
                               if (r := _ratio(t(mlp_b_bn, impl), t(mlp_b, impl))) is not None)),
    ]
    for name, entry in results.items():
        if entry["group"] in ("mlp", "cnn"):
            targets.append(_target(f"{name}: tinygrad_bn time / NumPy bound",
                                   _ratio(t(name, TG), t(name, NP)), "<=", 1.3))
    targets += [
        _target("BN2d (64,64,16,16) fused fwd+bwd: time / PyTorch's",
                _ratio(t(bn, f"{TG} fused"), t(bn, TORCH)), "<=", 1.2),
        _target("BN2d (64,64,16,16): composite time / fused time",
                _ratio(t(bn, f"{TG} composite"), t(bn, f"{TG} fused")), ">=", 2.5),
    ]
    fused, composite = memory.get(f"{TG} fused"), memory.get(f"{TG} composite")
    targets.append(_target(  # counting x, which both keep: the stricter reading
        "BN2d fwd+bwd bytes kept for backward (with the input): fused / composite",
        _ratio(fused["saved_bytes_with_inputs"], composite["saved_bytes_with_inputs"])
        if fused and composite else None, "<=", 1 / 3))
    cnn = f"small CNN {CNN_INPUT} train step"
    targets.append(_target("small CNN train step: time / PyTorch's",
                           _ratio(t(cnn, TG), t(cnn, TORCH)), "<=", 2.5))
    return targets


def machine_info(torch: ModuleType | None) -> dict[str, Any]:
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas = f"{blas.get('name')} {blas.get('version')}"
    except (TypeError, KeyError):
        blas = "unknown"
    info = {
        "cpus": os.cpu_count(), "cpu_model": cpu, "python": platform.python_version(),
        "numpy": np.__version__, "blas": blas,
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
    }
    if torch is not None:
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    return info


def _fmt_time(seconds: float | None, unit: str) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e6:.2f} µs" if unit == "us" else f"{seconds * 1e3:.3f} ms"


def _fmt_bytes(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / 2**20:.2f} MiB" if n >= 2**20 else f"{n / 2**10:.1f} KiB"


def format_report(report: dict[str, Any]) -> str:
    """The results as Markdown tables (workloads, memory, targets)."""
    lines = ["| workload | impl | median | IQR | fastest | vs NumPy bound | vs PyTorch |",
             "|---|---|---|---|---|---|---|"]
    for name, entry in report["results"].items():
        times = entry["times"]
        unit = "us" if entry["group"] == "engine" else "ms"
        np_t = times.get(NP, {}).get("median_s")
        torch_t = times.get(TORCH, {}).get("median_s")
        for impl, m in times.items():
            vs_np = f"{m['median_s'] / np_t:.2f}x" if np_t and impl != NP else ""
            vs_torch = f"{m['median_s'] / torch_t:.2f}x" if torch_t and impl != TORCH else ""
            iqr = f"{_fmt_time(m['q1_s'], unit)} – {_fmt_time(m['q3_s'], unit)}"
            lines.append(f"| {name} | {impl} | {_fmt_time(m['median_s'], unit)} | {iqr} | "
                         f"{_fmt_time(m.get('min_s'), unit)} | {vs_np} | {vs_torch} |")
        if entry["max_rel_diff"] > 1e-3:
            lines.append(f"| {name} | **results disagree** (max rel diff "
                         f"{entry['max_rel_diff']:.2g}) | | | | |")
    memory = report["memory"]
    lines += ["", f"BN2d {tuple(memory['shape'])} fwd+bwd memory (input "
              f"{_fmt_bytes(memory['input_bytes'])}):", "",
              "| impl | kept for backward, beyond the inputs | with the inputs | "
              "tracemalloc peak of fwd+bwd |", "|---|---|---|---|"]
    for impl in (f"{TG} fused", f"{TG} composite", TORCH):
        if impl in memory:
            m = memory[impl]
            lines.append(f"| {impl} | {_fmt_bytes(m['saved_bytes'])} | "
                         f"{_fmt_bytes(m.get('saved_bytes_with_inputs'))} | "
                         f"{_fmt_bytes(m.get('peak_bytes'))} |")
    lines += ["", "Targets (time ratios are of medians: < 1 means tinygrad_bn is faster):", "",
              "| target | measured | wanted | met | of the fastest calls | the same ratio for |",
              "|---|---|---|---|---|---|"]
    for t in report["targets"]:
        value, fastest = ("-" if v is None else f"{v:.2f}"
                          for v in (t["value"], t.get("fastest")))
        met = {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
        lines.append(f"| {t['target']} | {value} | {t['op']} {t['threshold']:.2f} | {met} | "
                     f"{fastest} | {t.get('note', '')} |")
    return "\n".join(lines)


def _import_torch(enabled: bool) -> ModuleType | None:
    if not enabled:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


def run(quick: bool = False, only: str | None = None, use_torch: bool = True,
        settings: Settings | None = None, log: Callable[[str], None] | None = None
        ) -> dict[str, Any]:
    """Run the suite; returns the JSON-able report (results, memory, targets, machine)."""
    torch = _import_torch(use_torch)
    load_before = list(os.getloadavg())
    settings = settings or (QUICK if quick else Settings())
    switcher = _Switcher(settings.pause)
    results: dict[str, Any] = {}
    for build in workloads(torch):
        workload = build()
        if only and only.lower() not in workload.name.lower():
            continue
        diff = check_agreement(workload)
        times = measure(workload, settings, switcher)
        results[workload.name] = {"group": workload.group, "times": times,
                                  "max_rel_diff": diff, **workload.info}
        if log is not None:
            summary = ", ".join(f"{k} {v['median_s'] * 1e3:.4g} ms" for k, v in times.items())
            log(f"{workload.name}: {summary}")
    memory = bn_memory((64, 64, 16, 16), torch)
    return {
        "settings": vars(settings), "machine": machine_info(torch),
        "results": results, "memory": memory, "targets": evaluate_targets(results, memory),
        "load_average": {"before": load_before, "after": list(os.getloadavg())},
    }


def main(argv: list[str] | None = None) -> int:
    """`tinygrad-bn bench [--quick] [--out FILE.json] [--only TEXT] [--no-torch] [--rounds N]
    [--clock wall|cpu]`; prints the Markdown report, returns the exit status."""
    parser = argparse.ArgumentParser(prog="tinygrad-bn bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="run every workload once, no pauses (a smoke test, not a measurement)")
    parser.add_argument("--out", help="write the full report as JSON to this file")
    parser.add_argument("--only", help="run only workloads whose name contains this text")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 7)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time (default) or this process's CPU time (for a shared "
                             "machine; use with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1)")
    args = parser.parse_args(argv)
    settings = Settings(**{**vars(QUICK if args.quick else Settings()), "clock": args.clock})
    if args.rounds is not None:
        if args.rounds < 1:
            parser.error(f"--rounds must be at least 1, got {args.rounds}")
        settings = Settings(**{**vars(settings), "rounds": args.rounds})
    report = run(quick=args.quick, only=args.only, use_torch=not args.no_torch,
                 settings=settings, log=lambda s: print(s, file=sys.stderr, flush=True))
    report["command"] = " ".join(["tinygrad-bn bench", *(argv if argv is not None
                                                          else sys.argv[1:])])
    print(format_report(report))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    return 0
