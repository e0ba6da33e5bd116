"""Run under `mpiexec -n N python sync_bn_worker.py` (N = 1, 2, 3, 4): every check of
SyncBatchNorm and the collectives that needs several ranks, in one launch.

Every rank draws the same global batch from one seed, keeps its slice, and compares
with single-process BatchNorm on the whole batch, which every rank also computes.
A failed assertion raises: the process group's excepthook prints the rank and the
traceback and aborts the job, so mpiexec exits non-zero. Rank 0 prints "ok" last.
"""

from __future__ import annotations

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.distributed as dist
from tinygrad_bn import Tensor, nn

RANK, SIZE = dist.rank(), dist.world_size()
TOL = {"rtol": 1e-12, "atol": 1e-12}
C = 3
# per-rank batch sizes of a global batch of 12: equal, and unequal with an empty rank
SPLITS = {
    "equal": [12 // SIZE] * SIZE,
    "unequal": {1: [12], 2: [9, 3], 3: [7, 0, 5], 4: [0, 5, 1, 6]}[SIZE],
}
LAYOUTS = {"BN1d (N,C)": (C,), "BN1d (N,C,L)": (C, 4), "BN2d (N,C,H,W)": (C, 2, 3)}


def my_slice(sizes: list[int]) -> slice:
    start = sum(sizes[:RANK])
    return slice(start, start + sizes[RANK])


def plain_bn(tail: tuple[int, ...], impl: str = "fused") -> nn.Module:
    layer = (nn.BatchNorm2d if len(tail) == 3 else nn.BatchNorm1d)(C, impl=impl)
    return layer.to(np.float64)


def setup(layer: nn.Module, rng: np.random.Generator) -> None:
    """The same random affine parameters and running statistics on every rank."""
    layer.weight.data[...] = rng.uniform(0.5, 1.5, C)
    layer.bias.data[...] = rng.normal(size=C)
    layer.running_mean[...] = rng.normal(size=C)
    layer.running_var[...] = rng.uniform(0.5, 2.0, C)


def run(layer: nn.Module, x: np.ndarray, g: np.ndarray) -> dict[str, np.ndarray]:
    xt = Tensor(x.copy(), requires_grad=True)
    y = layer(xt)
    y.backward(Tensor(g))
    return {"y": y.data, "dx": xt.grad.data, "dw": layer.weight.grad.data.copy(),
            "db": layer.bias.grad.data.copy(), "running_mean": layer.running_mean.copy(),
            "running_var": layer.running_var.copy()}


def check_against_whole_batch() -> int:
    checks = 0
    for name, tail in LAYOUTS.items():
        rng = np.random.default_rng(len(tail))
        x = rng.normal(1.5, 2.0, (12,) + tail)
        g = rng.normal(size=x.shape)
        reference_layer = plain_bn(tail)
        setup(reference_layer, np.random.default_rng(7))
        ref = run(reference_layer, x, g)
        for split, sizes in SPLITS.items():
            part = my_slice(sizes)
            for impl in ("fused", "composite"):
                layer = nn.SyncBatchNorm(C, impl=impl).to(np.float64)
                setup(layer, np.random.default_rng(7))
                got = run(layer, x[part], g[part])
                where = f"{name} {split} {impl} rank {RANK}/{SIZE}"
                np.testing.assert_allclose(got["y"], ref["y"][part], **TOL, err_msg=where)
                np.testing.assert_allclose(got["dx"], ref["dx"][part], **TOL, err_msg=where)
                # weight and bias are replicated: each rank holds its share of the gradient
                for key in ("dw", "db"):
                    total = dist.all_reduce(got[key].copy())
                    np.testing.assert_allclose(total, ref[key], **TOL, err_msg=f"{where} {key}")
                for key in ("running_mean", "running_var"):
                    np.testing.assert_allclose(got[key], ref[key], **TOL, err_msg=where)
                    every = dist.all_gather(got[key])
                    assert (every == every[0]).all(), f"{where}: {key} differs between ranks"
                # eval mode: the running statistics, no communication
                layer.eval()
                with dist.count_collectives() as counts:
                    y_eval = layer(Tensor(x[part]))
                reference_layer.eval()
                np.testing.assert_allclose(y_eval.data, reference_layer(Tensor(x[part])).data,
                                           **TOL, err_msg=f"{where} eval")
                reference_layer.train()
                assert counts["all_reduce"] == 0, counts
                checks += 1
        if SIZE >= 2:  # the control: ghost batch norm (plain BN per rank) must differ
            part = my_slice(SPLITS["equal"])
            ghost = plain_bn(tail)
            setup(ghost, np.random.default_rng(7))
            got = run(ghost, x[part], g[part])
            dw = dist.all_reduce(got["dw"].copy())
            assert np.abs(got["y"] - ref["y"][part]).max() > 1e-3, f"{name}: ghost BN y"
            assert np.abs(got["dx"] - ref["dx"][part]).max() > 1e-3, f"{name}: ghost BN dx"
            assert np.abs(dw - ref["dw"]).max() > 1e-3, f"{name}: ghost BN dw"
            checks += 1
    return checks


def check_double_backward() -> int:
    """d/dx and d/dgamma of <h, dL/dx> with L = <g, y>: both impls against plain BN."""
    checks = 0
    for name, tail in LAYOUTS.items():
        rng = np.random.default_rng(10 + len(tail))
        x = rng.normal(size=(12,) + tail)
        g, h = rng.normal(size=x.shape), rng.normal(size=x.shape)

        def second(layer: nn.Module, xs: np.ndarray, gs: np.ndarray, hs: np.ndarray):
            xt = Tensor(xs.copy(), requires_grad=True)
            loss = (layer(xt) * Tensor(gs)).sum()
            (dx,) = tg.grad(loss, [xt], create_graph=True)
            ddx, ddw = tg.grad((dx * Tensor(hs)).sum(), [xt, layer.weight])
            return dx.data, ddx.data, ddw.data

        reference = plain_bn(tail, impl="composite")
        setup(reference, np.random.default_rng(3))
        ref = second(reference, x, g, h)
        part = my_slice(SPLITS["unequal"])
        for impl in ("fused", "composite"):
            layer = nn.SyncBatchNorm(C, impl=impl).to(np.float64)
            setup(layer, np.random.default_rng(3))
            dx, ddx, ddw = second(layer, x[part], g[part], h[part])
            where = f"double backward {name} {impl} rank {RANK}/{SIZE}"
            np.testing.assert_allclose(dx, ref[0][part], **TOL, err_msg=where)
            np.testing.assert_allclose(ddx, ref[1][part], **TOL, err_msg=where)
            np.testing.assert_allclose(dist.all_reduce(ddw.copy()), ref[2], **TOL, err_msg=where)
            checks += 1
    return checks


def check_fused_communication() -> int:
    """One all-reduce forward and one backward per fused SyncBatchNorm layer."""
    model = nn.Sequential(nn.Linear(4, 3), nn.SyncBatchNorm(3), nn.ReLU(), nn.Linear(3, 3),
                          nn.SyncBatchNorm(3)).to(np.float64)
    x = Tensor(np.random.default_rng(RANK).normal(size=(5, 4)))
    with dist.count_collectives() as forward:
        y = model(x)
    with dist.count_collectives() as backward:
        (y * y).sum().backward()
    assert forward["all_reduce"] == 2 and backward["all_reduce"] == 2, (forward, backward)
    assert forward["broadcast"] == forward["all_gather"] == 0
    assert forward["bytes"] == 2 * (1 + 2 * 3) * 8, forward  # [m, sum, sum sq], float64
    return 1


def check_all_reduce_gradient() -> int:
    """Central differences of the global loss L = sum_r <w_r, f(all_reduce(x_r))> with
    respect to each rank's x_q, against the backward of rank q (float64)."""
    checks = 0
    for op, f in (("sum", lambda t: t * t), ("mean", lambda t: t.tanh())):
        rng = np.random.default_rng(100 + RANK)
        x = rng.normal(size=(2, 3))
        w = rng.normal(size=(2, 3))

        def global_loss(xs: np.ndarray, f=f, op=op, w=w) -> float:
            local = (f(dist.all_reduce(Tensor(xs), op=op)) * Tensor(w)).sum().item()
            return float(dist.all_reduce(np.array([local]))[0])

        xt = Tensor(x.copy(), requires_grad=True)
        (f(dist.all_reduce(xt, op=op)) * Tensor(w)).sum().backward()
        eps = 1e-6
        for q in range(SIZE):
            for i in np.ndindex(x.shape):
                plus, minus = x.copy(), x.copy()
                if RANK == q:
                    plus[i] += eps
                    minus[i] -= eps
                numerical = (global_loss(plus) - global_loss(minus)) / (2 * eps)
                if RANK == q:
                    assert abs(numerical - xt.grad.data[i]) < 1e-7 * (1 + abs(numerical)), \
                        (op, q, i, numerical, xt.grad.data[i])
        checks += 1
    # all_gather of a Tensor: dx_r = sum over ranks of g[r]
    xt = Tensor(np.full(2, float(RANK)), requires_grad=True)
    gathered = dist.all_gather(xt)
    np.testing.assert_array_equal(gathered.data,
                                  np.repeat(np.arange(SIZE, dtype=np.float64)[:, None], 2, 1))
    weights = np.arange(SIZE * 2, dtype=np.float64).reshape(SIZE, 2) * (RANK + 1)
    (gathered * Tensor(weights)).sum().backward()
    expected = np.arange(SIZE * 2, dtype=np.float64).reshape(SIZE, 2)[RANK] \
        * sum(r + 1 for r in range(SIZE))
    np.testing.assert_allclose(xt.grad.data, expected, **TOL)
    return checks + 1


def check_disagreement_is_an_error() -> int:
    """Ranks that disagree get the same clear error on every rank; the group still works."""
    if SIZE == 1:
        return 0
    cases = [
        (lambda: dist.all_reduce(np.zeros(3 + RANK)), tg.ShapeError, "shape"),
        (lambda: dist.all_reduce(np.zeros((2, 3)) if RANK else np.zeros((3, 2))),
         tg.ShapeError, "shape"),
        (lambda: dist.all_gather(np.zeros(2, np.float32 if RANK else np.float64)),
         tg.DTypeError, "dtype"),
        (lambda: dist.broadcast(np.zeros(2)) if RANK else dist.all_reduce(np.zeros(2)),
         tg.DistributedError, "collective"),
        (lambda: dist.broadcast(np.zeros(2), root=RANK % 2), tg.DistributedError, "root"),
        (lambda: dist.barrier() if RANK else dist.all_reduce(np.zeros(1)),
         tg.DistributedError, "collective"),
    ]
    for call, error, word in cases:
        try:
            call()
        except error as caught:
            text = str(caught)
            assert word in text and "rank 0:" in text and f"rank {SIZE - 1}:" in text, text
        else:
            raise AssertionError(f"rank {RANK}: no {error.__name__} for a {word} mismatch")
    # a SyncBatchNorm whose ranks disagree on the channel count
    try:
        nn.SyncBatchNorm(2 + RANK % 2).to(np.float64)(Tensor(np.ones((4, 2 + RANK % 2))))
    except tg.ShapeError as caught:
        assert "shape" in str(caught), caught
    else:
        raise AssertionError("SyncBatchNorm with different channel counts did not raise")
    total = dist.all_reduce(np.array([1.0]))
    assert total[0] == SIZE, total
    return len(cases) + 1


def check_global_count() -> None:
    """M counts every rank: one value per rank is fine for SyncBN with >= 2 ranks, one
    value in all ranks together is an error on every rank."""
    if SIZE >= 2:
        y = nn.SyncBatchNorm(2).to(np.float64)(Tensor(np.ones((1, 2)) * RANK))
        expected = (RANK - (SIZE - 1) / 2) / np.sqrt(np.var(np.arange(SIZE)) + 1e-5)
        np.testing.assert_allclose(y.data, expected, **TOL)
    try:
        nn.SyncBatchNorm(2).to(np.float64)(Tensor(np.ones((1 if RANK == 0 else 0, 2))))
    except tg.ShapeError as caught:
        assert "more than 1 value per channel over all ranks" in str(caught), caught
    else:
        raise AssertionError("a global batch of one value did not raise")


def check_float32_far_from_zero() -> int:
    """float32 batches with |mean| = 1000 std: the packed sums (float64, squares about
    each rank's own mean) keep y and the running variance at float32 accuracy; raw
    float32 sums of x^2 would lose the variance (error ~1e6 * 6e-8 per value)."""
    rng = np.random.default_rng(5)
    x = rng.normal(1000.0, 1.0, (12, C))
    reference = plain_bn((C,))
    y_ref = reference(Tensor(x)).data
    part = my_slice(SPLITS["unequal"])
    for impl in ("fused", "composite"):
        layer = nn.SyncBatchNorm(C, impl=impl)
        y = layer(Tensor(x[part].astype(np.float32)))
        assert y.dtype == np.float32
        np.testing.assert_allclose(y.data, y_ref[part], atol=1e-3, err_msg=impl)
        np.testing.assert_allclose(layer.running_var, reference.running_var, rtol=1e-3,
                                   err_msg=impl)
    return 1


if __name__ == "__main__":
    done = check_against_whole_batch()
    done += check_double_backward()
    done += check_fused_communication()
    done += check_all_reduce_gradient()
    done += check_disagreement_is_an_error()
    done += check_float32_far_from_zero()
    check_global_count()
    dist.barrier()
    if RANK == 0:
        print(f"ok {SIZE} ranks, {done} checks")
