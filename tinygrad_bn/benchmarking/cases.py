"""The workloads of the suite: batch-norm fwd+bwd (fused and composite), MLP training steps
(seed-B 784-100-100-100-10 and seed-A 784-100x5-10, with and without BN), a small CNN
training step, an LSTM and a Conv1d training step (sequence_cases.py) and engine overhead
(µs per recorded op; backward of a 10k-node graph), each for tinygrad_bn, the NumPy bound
and (when importable) PyTorch, from identical state."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn

from . import bound
from .measure import (
    DTYPE,
    EPS,
    LR,
    MOMENTUM,
    NP,
    NP_SLICED,
    TG,
    TG_COMPILED,
    TG_SLICED,
    TORCH,
    Builder,
    Impl,
    Workload,
    torch_sgd_impl,
)
from .sequence_cases import CONV1D_NAME, LSTM_NAME, conv1d_workload, lstm_workload


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
        y, cache = bound.bn_forward(x, gamma, beta, np_rm, np_rv)
        return bound.bn_backward(up, cache)[0]

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
    return Workload("bn", _bn_name(shape), impls, info={"shape": list(shape)})


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



SLICES = 4  # batches in the array the sliced-batch implementation slices from


def _sgd_step_impls(layers: Callable[[Any], list], init: Sequence[np.ndarray], x: np.ndarray,
                    labels: np.ndarray, torch: ModuleType | None,
                    sliced: bool = False) -> list[Impl]:
    """One SGD training step (cross-entropy loss) of `Sequential(*layers(lib))` for
    tinygrad_bn's nn (eager, and the same step under tg.compile) and, when installed,
    torch.nn, all starting from `init`. With `sliced`, also the compiled step called as a
    training loop calls it: `step(Tensor(X[i:i + B]), Y[i:i + B])`, batches sliced from
    one array (each slice holds the same batch, so that all implementations agree)."""
    def tg_sliced() -> Impl:
        model = nn.Sequential(*layers(nn))
        _load(model.parameters(), init, None)
        opt = tg.optim.SGD(model.parameters(), lr=LR)
        data, targets = np.concatenate([x] * SLICES), np.concatenate([labels] * SLICES)
        b, calls = len(x), [0]

        def train_step(x: tg.Tensor, y: np.ndarray) -> tg.Tensor:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        run = tg.compile(train_step)

        def step(_: None) -> tg.Tensor:
            i = calls[0] % SLICES
            calls[0] += 1
            return run(tg.Tensor(data[i * b:(i + 1) * b]), targets[i * b:(i + 1) * b])

        impl = Impl(TG_SLICED, NP, step)
        impl.compiled = run
        return impl

    def tg_impl(compiled: bool) -> Impl:
        model = nn.Sequential(*layers(nn))
        _load(model.parameters(), init, None)
        opt = tg.optim.SGD(model.parameters(), lr=LR)
        xt = tg.Tensor(x)

        def train_step(x: tg.Tensor, y: np.ndarray) -> tg.Tensor:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss

        run = tg.compile(train_step) if compiled else train_step
        impl = Impl(TG_COMPILED if compiled else TG, NP, lambda _: run(xt, labels))
        impl.compiled = run if compiled else None
        return impl

    impls = [tg_impl(False), tg_impl(True)] + ([tg_sliced()] if sliced else [])
    if torch is not None:
        tmodel = torch.nn.Sequential(*layers(torch.nn))
        _load(tmodel.parameters(), init, torch)
        impls.append(torch_sgd_impl(torch, tmodel.parameters(), tmodel, x, labels))
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

    def np_impl(name: str, on_slices: bool) -> Impl:
        """The NumPy bound; `on_slices`: on the batches the sliced tinygrad_bn step takes
        (views of one array, a new one each call: each step reads its batch from memory
        the previous step did not touch, ~30 us per seed-B step here, which the bound on
        one fixed array never pays)."""
        params = [a.copy() for a in init]
        stats = [(np.zeros(n, DTYPE), np.ones(n, DTYPE)) for _, n in pairs[:-1]]
        data, calls = np.concatenate([x] * SLICES), [0]

        def np_step(_: None) -> Any:
            h = x
            if on_slices:
                k = calls[0] % SLICES
                calls[0] += 1
                h = data[k * batch:(k + 1) * batch]
            caches, at = [], 0
            for i in range(len(pairs)):
                w, b = params[at], params[at + 1]
                z = h @ w.T + b
                cache: list = [h, at]
                at += 2
                if i < len(pairs) - 1:
                    if bn:
                        z, bn_cache = bound.bn_forward(z, params[at], params[at + 1], *stats[i])
                        cache.append(bn_cache)
                        at += 2
                    z = bound.activation(z, activation)
                    cache.append(z)
                caches.append(cache)
                h = z
            loss, grad = bound.cross_entropy(h, labels)
            for i in reversed(range(len(pairs))):
                cache = caches[i]
                if i < len(pairs) - 1:
                    grad = bound.activation_backward(grad, cache[-1], activation)
                    if bn:
                        grad, dgamma, dbeta = bound.bn_backward(grad, cache[2])
                        params[cache[1] + 2] -= bound.LR_FACTOR * dgamma
                        params[cache[1] + 3] -= bound.LR_FACTOR * dbeta
                h_in, at = cache[0], cache[1]
                dw, db = grad.T @ h_in, grad.sum(axis=0)
                if i:
                    grad = grad @ params[at]
                params[at] -= bound.LR_FACTOR * dw
                params[at + 1] -= bound.LR_FACTOR * db
            return loss

        return Impl(name, NP, np_step)

    def build(lib: Any) -> list:
        return layers(lib, lib.ReLU if activation == "relu" else lib.Sigmoid,
                      lib.BatchNorm1d if bn else None)

    # the targets' seed-B steps also run compiled on sliced batches
    sliced = sizes == SEED_B and batch == 60 and activation == "relu"
    impls = _sgd_step_impls(build, init, x, labels, torch, sliced)
    impls.insert(1, np_impl(NP, False))
    if sliced:
        impls.insert(2, np_impl(NP_SLICED, True))
    return Workload("mlp", name, impls, info={"sizes": list(sizes), "batch": batch,
                                              "activation": activation, "bn": bn})


CNN_INPUT = (64, 1, 28, 28)
CNN_NAME = f"small CNN {CNN_INPUT} train step"


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
            z, cols = bound.conv3x3(h, w, b)
            z, bn_cache = bound.bn_forward(z, gamma, beta, *stats[block])
            a = bound.relu(z)
            pooled, pool_cache = bound.maxpool2(a)
            caches.append((h.shape, cols, bn_cache, a, pool_cache))
            h = pooled
        flat = h.reshape(len(h), -1)
        loss, grad = bound.cross_entropy(flat @ p[8].T + p[9], labels)
        dw, db = grad.T @ flat, grad.sum(axis=0)
        grad = (grad @ p[8]).reshape(h.shape)
        p[8] -= bound.LR_FACTOR * dw
        p[9] -= bound.LR_FACTOR * db
        for block in (1, 0):
            x_shape, cols, bn_cache, a, pool_cache = caches[block]
            grad = bound.maxpool2_backward(grad, pool_cache) * (a > 0)
            grad, dgamma, dbeta = bound.bn_backward(grad, bn_cache)
            grad, dw, db = bound.conv3x3_backward(grad, p[4 * block], cols, x_shape, block > 0)
            for k, d in enumerate((dw, db, dgamma, dbeta)):
                p[4 * block + k] -= bound.LR_FACTOR * d
        return loss

    impls = _sgd_step_impls(layers, init, x, labels, torch)
    impls.insert(1, Impl(NP, NP, np_step))
    return Workload("cnn", CNN_NAME, impls,
                    info={"input": list(CNN_INPUT)})


# ---------------------------------------------------------------- workloads: engine overhead

OPS_ITERATIONS = 100  # c = c * b + a, two recorded ops per iteration
CHAIN_ITERATIONS = 5000  # the same, 10k nodes, for backward
OPS_NAME = "op on (4,) tensors, recording [per op]"
BACKWARD_NAME = f"backward of a {2 * CHAIN_ITERATIONS}-node graph [per node]"


def _chain(a: Any, b: Any, iterations: int) -> Any:
    """c = c * b + a, `iterations` times from c = a: two recorded ops per iteration."""
    c = a
    for _ in range(iterations):
        c = c * b + a
    return c


def _ops_workload(torch: ModuleType | None) -> Workload:
    """Forward of 200 ops on (4,) tensors that require grad: per-op framework cost."""
    rng = np.random.default_rng(3)
    a0, b0 = rng.random(4, dtype=DTYPE), rng.random(4, dtype=DTYPE)

    def chain(a: Any, b: Any) -> Any:
        return _chain(a, b, OPS_ITERATIONS)

    at, bt = tg.Tensor(a0, requires_grad=True), tg.Tensor(b0, requires_grad=True)
    impls = [Impl(TG, NP, lambda _: chain(at, bt)), Impl(NP, NP, lambda _: chain(a0, b0))]
    if torch is not None:
        aq = torch.tensor(a0, requires_grad=True)
        bq = torch.tensor(b0, requires_grad=True)
        impls.append(Impl(TORCH, TORCH, lambda _: chain(aq, bq)))
    return Workload("engine", OPS_NAME, impls, ops_per_call=2 * OPS_ITERATIONS)


def _backward_workload(torch: ModuleType | None) -> Workload:
    """Backward alone through a 10k-node graph c = c * w + a (graph built untimed)."""
    rng = np.random.default_rng(4)
    a0 = rng.random(4, dtype=DTYPE)
    w0 = (0.9 + 0.1 * rng.random(4)).astype(DTYPE)
    ones = np.ones(4, DTYPE)

    def build(a: Any, w: Any) -> Any:
        return _chain(a, w, CHAIN_ITERATIONS)

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
    return Workload("engine", BACKWARD_NAME, impls, ops_per_call=2 * CHAIN_ITERATIONS)


SEED_B = (784, 100, 100, 100, 10)
SEED_A = (784, 100, 100, 100, 100, 100, 10)
BN_SHAPES = [(32, 16, 28, 28), (64, 64, 16, 16), (128, 32, 32, 32), (60, 100), (256, 1024)]


# (batch, hidden width) of the scaling table; (60, 100) is the seed-B workload itself
SCALING = [(16, 100), (256, 100), (1024, 100), (60, 400), (60, 1600)]


def scaling_name(batch: int, width: int) -> str:
    """The seed-B ReLU step's name at a batch size and hidden width."""
    if (batch, width) == (60, 100):
        return "seed-B MLP relu (batch 60)"
    return f"seed-B MLP relu width {width} (batch {batch})"


def _bn_name(shape: tuple[int, ...]) -> str:
    return f"{'BatchNorm1d' if len(shape) == 2 else 'BatchNorm2d'} {shape} fwd+bwd"


def workloads(torch: ModuleType | None) -> list[Builder]:
    """Every timed workload, named but not built yet, in the order the table shows them."""
    built = [Builder(_bn_name(s), lambda s=s: _bn_workload(s, torch)) for s in BN_SHAPES]
    for act in ("relu", "sigmoid"):
        for bn in (False, True):
            name = f"seed-B MLP {act}{' +BN' if bn else ''} (batch 60)"
            built.append(Builder(name, lambda n=name, a=act, b=bn:
                                 _mlp_workload(n, SEED_B, 60, a, b, torch)))
    for bn in (False, True):
        name = f"seed-A MLP 784-100x5-10 relu{' +BN' if bn else ''} (batch 100)"
        built.append(Builder(name, lambda n=name, b=bn:
                             _mlp_workload(n, SEED_A, 100, "relu", b, torch)))
    for batch, width in SCALING:  # the scaling table: ReLU, no BN
        name = scaling_name(batch, width)
        sizes = (784, width, width, width, 10)
        built.append(Builder(name, lambda n=name, s=sizes, b=batch:
                             _mlp_workload(n, s, b, "relu", False, torch)))
    built += [Builder(CNN_NAME, lambda: _cnn_workload(torch)),
              Builder(LSTM_NAME, lambda: lstm_workload(torch)),
              Builder(CONV1D_NAME, lambda: conv1d_workload(torch)),
              Builder(OPS_NAME, lambda: _ops_workload(torch)),
              Builder(BACKWARD_NAME, lambda: _backward_workload(torch))]
    return built
