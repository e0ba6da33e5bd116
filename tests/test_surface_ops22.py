"""The reductions, scans, indexing and shape ops added by issue 22's second part, op by
op (tg.linalg and the norms: tests/test_linalg.py, with this file's checks): every
differentiable one under Hypothesis-drawn values passes gradcheck (reverse mode and the
forward-mode jvp) and gradgradcheck, and agrees with PyTorch in float64 in values and
gradients; integer and bool inputs give PyTorch's values and dtypes; the named-tuple
results are tg.return_types' (PyTorch's names); each new callable refuses bad input with
a project error naming the op (these rows count for the bad-input coverage of
tests/test_bad_input_surface.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

torch = pytest.importorskip("torch")


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable  # fn(lib, *tensors) with lib tg or torch
    shapes: tuple[tuple[int, ...], ...]
    # "real", "distinct" (no ties), "apart" (no ties of |x|), "zeros" (some exact zeros)
    # or "matrix" (well conditioned, distinct eigenvalues and singular values)
    values: str = "real"


def _idx(lib, rows):
    return lib.tensor(rows)


IDX = [[0, 1, 0, 2], [1, 1, 1, 0], [2, 0, 0, 0]]  # repeated targets, a cell left alone
MASK = [[True, False, True, True], [False, False, True, False], [True, True, False, True]]


def _scatter_reduce(reduce: str, include_self: bool, dim: int = 0) -> Case:
    return Case(f"scatter_reduce {reduce} include_self={include_self} dim={dim}",
                lambda lib, x, s: x.scatter_reduce(dim, _idx(lib, IDX), s, reduce,
                                                   include_self=include_self),
                ((3, 4), (3, 4)), "distinct" if reduce in ("amax", "amin") else "zeros")


CASES = [
    Case("cumprod dim 1", lambda lib, x: x.cumprod(1), ((3, 4),), "zeros"),
    Case("cumprod dim 0", lambda lib, x: lib.cumprod(x, dim=0), ((4, 2),), "zeros"),
    Case("cumprod_ (in place)", lambda lib, x: (x * 1).cumprod_(-1), ((2, 5),), "zeros"),
    *[_scatter_reduce(r, inc) for r in ("sum", "prod", "mean", "amax", "amin")
      for inc in (True, False)],
    _scatter_reduce("prod", False, 1),
    Case("scatter_reduce_ (in place)",
         lambda lib, x, s: (x * 1).scatter_reduce_(1, _idx(lib, IDX), s, "mean"),
         ((3, 4), (3, 4))),
    Case("scatter_ (in place)", lambda lib, x, s: (x * 1).scatter_(0, _idx(lib, [[2, 0, 1, 1]]),
                                                                   s), ((3, 4), (1, 4))),
    Case("scatter_add_ (in place)",
         lambda lib, x, s: (x * 1).scatter_add_(1, _idx(lib, IDX), s), ((3, 4), (3, 4))),
    Case("index_add_ (in place)",
         lambda lib, x, s: (x * 1).index_add_(0, _idx(lib, [2, 0, 2]), s, alpha=2),
         ((3, 4), (3, 4))),
    Case("index_fill_ (in place)", lambda lib, x: (x * 1).index_fill_(1, _idx(lib, [1, 3]), 2.0),
         ((3, 4),)),
    Case("index_copy", lambda lib, x, s: x.index_copy(1, _idx(lib, [3, 0]), s),
         ((3, 4), (3, 2))),
    Case("index_copy_ (in place)",
         lambda lib, x, s: (x * 1).index_copy_(0, _idx(lib, [1]), s), ((3, 4), (1, 4))),
    Case("masked_scatter", lambda lib, x, s: x.masked_scatter(lib.tensor(MASK), s),
         ((3, 4), (9,))),
    Case("masked_scatter (broadcast mask)",
         lambda lib, x, s: x.masked_scatter(lib.tensor(MASK[0]), s), ((3, 4), (2, 5))),
    Case("masked_scatter_ (in place)",
         lambda lib, x, s: (x * 1).masked_scatter_(lib.tensor(MASK), s), ((3, 4), (7,))),
    Case("median", lambda lib, x: x.median(), ((3, 4),), "distinct"),
    Case("median (even count)", lambda lib, x: lib.median(x), ((2, 3),), "distinct"),
    Case("median dim", lambda lib, x: x.median(1).values, ((3, 4),), "distinct"),
    Case("median dim keepdim", lambda lib, x: lib.median(x, 0, True).values, ((3, 4),),
         "distinct"),
    Case("mode", lambda lib, x: x.mode(0).values, ((3, 4),), "distinct"),
    Case("aminmax", lambda lib, x: lib.aminmax(x, dim=1).min * lib.aminmax(x, dim=1).max,
         ((3, 4),), "distinct"),
    Case("aminmax (all)", lambda lib, x: x.aminmax().max - 2 * x.aminmax().min, ((3, 4),),
         "distinct"),
    Case("rot90", lambda lib, x: x.rot90(1, (1, 2)), ((2, 3, 4),)),
    Case("rot90 (k=-1)", lambda lib, x: lib.rot90(x, -1, (0, 1)), ((3, 4),)),
    Case("rot90 (k=2)", lambda lib, x: x.rot90(2, (1, 0)), ((3, 4),)),
    Case("diag_embed", lambda lib, x: x.diag_embed(), ((2, 3),)),
    Case("diag_embed (offset, dims)", lambda lib, x: lib.diag_embed(x, -1, 0, 2), ((2, 3),)),
    Case("block_diag", lambda lib, a, b, c: lib.block_diag(a, b, c), ((2, 3), (3,), ())),
    Case("cartesian_prod", lambda lib, a, b: lib.cartesian_prod(a, b), ((3,), (2,))),
    Case("meshgrid ij", lambda lib, a, b: _weighted(lib, lib.meshgrid(a, b, indexing="ij")),
         ((3,), (2,))),
    Case("meshgrid xy", lambda lib, a, b, c: _weighted(lib, lib.meshgrid(a, b, c,
                                                                          indexing="xy")),
         ((3,), (2,), (4,))),
    Case("einsum diagonal", lambda lib, x: lib.einsum("ii->i", x), ((3, 3),)),
    Case("einsum trace", lambda lib, x: lib.einsum("ii->", x), ((3, 3),)),
    Case("einsum batch diagonal", lambda lib, x: lib.einsum("bii->bi", x), ((2, 3, 3),)),
    Case("einsum diagonal times matrix", lambda lib, x, y: lib.einsum("iij,jk->ik", x, y),
         ((3, 3, 2), (2, 4))),
    Case("einsum broadcast size-1 letters", lambda lib, x, y: lib.einsum("ij,ij->ij", x, y),
         ((3, 1), (1, 4))),
]


def _weighted(lib, grids):
    """A sum of the grids with different weights: each grid's gradient is checked."""
    return sum(g * (k + 1) for k, g in enumerate(grids))


def _draw(data, case: Case) -> list[np.ndarray]:
    if case.values in ("distinct", "apart"):  # no ties within or across the inputs
        sizes = [int(np.prod(shape)) for shape in case.shapes]
        ladder = data.draw(tst.distinct_arrays((sum(sizes),)))
        if case.values == "apart":  # no ties of |x| either: a ladder of signed magnitudes
            signs = np.where(data.draw(tst.arrays((sum(sizes),), min_value=0, max_value=1))
                             < 0.5, -1.0, 1.0)
            ladder = signs * (ladder - ladder.min() + 0.3)
        parts = np.split(ladder, np.cumsum(sizes)[:-1])
        return [p.reshape(shape) for p, shape in zip(parts, case.shapes)]
    out = []
    for shape in case.shapes:
        if case.values == "matrix":  # a small perturbation of diag(3, 2, 1, ...)
            x = 0.2 * data.draw(tst.arrays(shape, min_value=-1.0, max_value=1.0))
            k = min(shape[-2:]) if len(shape) >= 2 else 0
            x[..., range(k), range(k)] += np.arange(k, 0, -1) + 0.5
            out.append(x)
            continue
        x = data.draw(tst.arrays(shape, min_value=-2.0, max_value=2.0, away_from=[0.0],
                                 min_distance=0.1))  # |x| has a kink at 0
        if case.values == "zeros":  # exact zeros: where dividing by x would fail
            x = np.where(data.draw(tst.arrays(shape, min_value=0, max_value=1)) < 0.3, 0.0, x)
        out.append(x)
    return out


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(max_examples=3)
@given(data=st.data())
def test_gradients_and_pytorch_agree(case: Case, data) -> None:
    check_case(case, data)


def check_case(case: Case, data) -> None:
    """gradcheck (with the jvp) and gradgradcheck on drawn inputs, then values and
    gradients against PyTorch's in float64."""
    check_arrays(case.fn, _draw(data, case))


def check_arrays(fn: Callable, arrays: list[np.ndarray], torch_gradients: bool = True) -> None:
    """check_case's checks of fn(lib, *tensors) at these float64 arrays (without PyTorch's
    gradients when PyTorch refuses to differentiate fn: ours are checked numerically)."""
    ours = [Tensor(a, requires_grad=True) for a in arrays]
    assert tg.gradcheck(lambda *xs: fn(tg, *xs), ours)  # reverse mode and the jvp
    assert tg.gradgradcheck(lambda *xs: fn(tg, *xs), ours)
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    for x in ours:
        x.grad = None
    out, expected = fn(tg, *ours), fn(torch, *theirs)
    assert out.shape == tuple(expected.shape) and out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    up = np.random.default_rng(0).normal(size=out.shape)
    (out * Tensor(up)).sum().backward()
    if not torch_gradients:
        return
    (expected * torch.tensor(up)).sum().backward()
    for x, y in zip(ours, theirs):  # no gradient (None) where PyTorch gives zeros
        got = np.zeros(x.shape) if x.grad is None else x.grad.data
        want = np.zeros(x.shape) if y.grad is None else y.grad.numpy()
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_cumprod_gradient_is_exact_at_zeros() -> None:
    """One zero, two zeros, a zero first and last: the divide-by-x trick gives NaN or 0."""
    for row in ([2.0, 0.0, 3.0, 0.5], [0.0, 1.5, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0],
                [3.0, -1.0, 2.0, 0.0]):
        x, t = Tensor(np.array(row), requires_grad=True), torch.tensor(row, requires_grad=True)
        x.cumprod(0).sum().backward()
        t.cumprod(0).sum().backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-14)
        assert np.isfinite(x.grad.data).all()
        assert tg.gradgradcheck(lambda v: v.cumprod(0), [Tensor(np.array(row),
                                                                requires_grad=True)])


def test_ties_split_the_gradient_as_pytorch() -> None:
    """median's global gradient is split between the elements equal to it; amax/amin of
    scatter_reduce split between the tied contributors; mode's goes to its last
    occurrence; median(dim)'s to the index it returns."""
    x = np.array([[1.0, 2.0, 2.0, 3.0], [2.0, 0.5, 2.0, 2.0]])
    calls = [lambda lib, t: t.median(), lambda lib, t: t.median(1).values,
             lambda lib, t: t.mode(1).values, lambda lib, t: t.aminmax().max,
             lambda lib, t: t.scatter_reduce(0, lib.tensor([[0, 0, 0, 0], [0, 0, 0, 0]]),
                                             t * 1, "amax"),
             lambda lib, t: t.scatter_reduce(1, lib.tensor([[0, 0, 0, 1], [1, 1, 1, 1]]),
                                             lib.ones(2, 4, dtype=lib.float64) * 2, "amin")]
    for k, call in enumerate(calls):
        ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        call(tg, ours).sum().backward()
        call(torch, theirs).sum().backward()
        np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), err_msg=str(k))


def test_scatter_reduce_amax_without_self_splits_between_the_values_reduced() -> None:
    """include_self=False: x's own value takes no part in a cell that receives src values,
    so it takes no share of the gradient either; PyTorch still counts it among the ties
    when it equals the result, and its src gradients sum to less than 1 per cell (here
    0.5 for src[0, 1], the one maximum of its cell). Ours is checked numerically."""
    x = np.array([[1.0, 2.0, 2.0], [2.0, 0.5, 2.0]])
    src = Tensor(np.array([[2.0, 2.0, 1.0]]), requires_grad=True)
    out = Tensor(x).scatter_reduce(0, tg.tensor([[0, 0, 0]]), src, "amax", include_self=False)
    out.sum().backward()
    np.testing.assert_array_equal(src.grad.data, [[1.0, 1.0, 1.0]])
    assert tg.gradcheck(lambda s: Tensor(x).scatter_reduce(0, tg.tensor([[0, 0, 0]]), s, "amax",
                                                           include_self=False), [src])
    theirs = torch.tensor([[2.0, 2.0, 1.0]], dtype=torch.float64, requires_grad=True)
    torch.tensor(x).scatter_reduce(0, torch.tensor([[0, 0, 0]]), theirs, "amax",
                                   include_self=False).sum().backward()
    assert theirs.grad[0, 1] == 0.5  # PyTorch's count includes the excluded x[0, 1] = 2


def test_forward_mode_follows_in_place_writes() -> None:
    """An in-place write keeps the tensor's identity, by which tangents are kept: the
    tensor takes the result's tangent, and a write through a view made by basic indexing
    updates its base's (with and without a recorded graph). Before, the tangent stayed
    the one from before the write."""
    x = np.random.default_rng(5).normal(size=(2, 5))

    def through_a_view(v):
        y = v * 1
        y[0].mul_(v[1])
        y[1, 1:3].exp_()
        return (y * 1).cumprod_(1)

    assert tg.gradcheck(through_a_view, [Tensor(x, requires_grad=True)])
    tangent = np.arange(10.0).reshape(2, 5)
    for requires_grad in (False, True):
        _, ours = tg.jvp(through_a_view, Tensor(x, requires_grad=requires_grad),
                         Tensor(tangent))
        _, theirs = torch.func.jvp(through_a_view, (torch.tensor(x),),
                                   (torch.tensor(tangent),))
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-12)


INT_CASES = [
    ("cumprod int32", lambda lib, x, y: x.to(lib.int32).cumprod(1)),
    ("cumprod bool", lambda lib, x, y: (x > 0).cumprod(0)),
    ("cumprod dtype=", lambda lib, x, y: x.cumprod(1, dtype=lib.float64)),
    *[(f"scatter_reduce {r} {inc}", lambda lib, x, y, r=r, inc=inc: x.scatter_reduce(
        0, lib.tensor(IDX), y[:3, :4], r, include_self=inc))
      for r in ("sum", "prod", "mean", "amax", "amin") for inc in (True, False)],
    ("scatter_reduce negative mean", lambda lib, x, y: (x - 9).scatter_reduce(
        1, lib.tensor(IDX), y[:3, :4], "mean")),
    ("median", lambda lib, x, y: x.median()),
    ("median dim values", lambda lib, x, y: x.median(0).values),
    ("mode", lambda lib, x, y: x.mode(1).values), ("mode indices", lambda lib, x, y: x.mode(0)
                                                     .indices),
    ("aminmax", lambda lib, x, y: lib.stack(list(x.aminmax(dim=0)))),
    ("rot90", lambda lib, x, y: x.rot90(3)), ("diag_embed bool", lambda lib, x, y:
                                             (x > 1).diag_embed(1)),
    ("block_diag", lambda lib, x, y: lib.block_diag(x, y.to(lib.int32))),
    ("cartesian_prod", lambda lib, x, y: lib.cartesian_prod(x[0], y[1])),
    ("meshgrid", lambda lib, x, y: lib.stack(lib.meshgrid(x[0], y[0], indexing="xy"))),
    ("masked_scatter", lambda lib, x, y: x.masked_scatter(x > 1, y)),
    ("index_copy", lambda lib, x, y: x.index_copy(0, lib.tensor([2, 0]), y[:2])),
    ("einsum trace", lambda lib, x, y: lib.einsum("ii", x[:4, :4])),
]


@pytest.mark.parametrize("name, fn", INT_CASES, ids=[n for n, _ in INT_CASES])
def test_integer_and_bool_results_match_pytorch(name: str, fn) -> None:
    rng = np.random.default_rng(3)
    x, y = rng.integers(-3, 4, (5, 6)), rng.integers(-3, 4, (5, 6))  # ties, zeros, negatives
    ours, theirs = fn(tg, Tensor(x), Tensor(y)), fn(torch, torch.tensor(x), torch.tensor(y))
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.data.dtype == theirs.numpy().dtype, (ours.data.dtype, theirs.dtype)


def test_histogram_agrees_with_pytorch() -> None:
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(4, 5)), rng.random((4, 5))
    edges = np.array([-1.0, 0.0, 0.3, 2.0])
    for ours, theirs in [
        (tg.histogram(Tensor(x), 6), torch.histogram(torch.tensor(x), 6)),
        (Tensor(x).histogram(4, range=(-1.0, 1.0), weight=Tensor(w)),
         torch.tensor(x).histogram(4, range=(-1.0, 1.0), weight=torch.tensor(w))),
        (Tensor(x).histogram(Tensor(edges), density=True),
         torch.tensor(x).histogram(torch.tensor(edges), density=True)),
        (Tensor(np.full(3, 2.0)).histogram(4), torch.tensor(np.full(3, 2.0)).histogram(4)),
        (Tensor(x.astype(np.float32)).histogram(3),
         torch.tensor(x.astype(np.float32)).histogram(3)),
    ]:
        assert type(ours) is tg.return_types.histogram
        for a, b in ((ours.hist, theirs.hist), (ours.bin_edges, theirs.bin_edges)):
            assert a.dtype == b.numpy().dtype
            np.testing.assert_allclose(a.data, b.numpy(), rtol=1e-6)


def test_median_with_nan_and_empty_as_pytorch() -> None:
    x = np.array([[1.0, np.nan, 0.0, np.nan], [3.0, 2.0, 1.0, 0.0]])
    assert np.isnan(Tensor(x).median().item()) and np.isnan(torch.tensor(x).median().item())
    ours, theirs = Tensor(x).median(1), torch.tensor(x).median(1)
    np.testing.assert_array_equal(ours.values.data, theirs.values.numpy())
    np.testing.assert_array_equal(ours.indices.data, theirs.indices.numpy())
    assert np.isnan(Tensor(np.zeros(0)).median().item())
    ours = Tensor(x, requires_grad=True)
    ours.median().backward()  # the NaNs share the gradient, as PyTorch's
    theirs = torch.tensor(x, requires_grad=True)
    theirs.median().backward()
    np.testing.assert_array_equal(ours.grad.data, theirs.grad.numpy())


def test_named_tuples_are_tg_return_types_with_pytorchs_names() -> None:
    x = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    a, b = Tensor(x), torch.tensor(x)
    for call in [lambda t: t.sort(), lambda t: t.topk(2), lambda t: t.kthvalue(2),
                 lambda t: t.median(1), lambda t: t.mode(), lambda t: t.aminmax(dim=0),
                 lambda t: t.cummax(1), lambda t: t.cummin(0), lambda t: t.max(1),
                 lambda t: t.min(0), lambda t: t.histogram(3)]:
        ours, theirs = call(a), call(b)
        assert type(ours) is getattr(tg.return_types, type(theirs).__name__)
        for field, value in zip(ours._fields, ours):
            np.testing.assert_allclose(value.data, getattr(theirs, field).numpy())
    values, indices = a.sort(1)  # unpacks as a tuple
    assert isinstance(values, Tensor) and indices.dtype == np.int64
    assert not hasattr(tg.tensor_methods, "SortResult")


def test_unique_and_unique_consecutive_along_a_dim_match_pytorch() -> None:
    x = np.array([[1, 2, 1, 1], [0, 5, 0, 0], [1, 2, 1, 1], [1, 2, 1, 3]])
    calls = [lambda t, d: t.unique(dim=d, return_inverse=True, return_counts=True),
             lambda t, d: t.unique_consecutive(dim=d, return_inverse=True, return_counts=True),
             lambda t, d: t.unique_consecutive(return_inverse=True, return_counts=True),
             lambda t, d: (t.float().unique(dim=d),)]
    for call in calls:
        for d in (0, 1, -1):
            for ours, theirs in zip(call(Tensor(x), d), call(torch.tensor(x), d)):
                np.testing.assert_array_equal(ours.data, theirs.numpy())
                assert ours.dtype == theirs.numpy().dtype
    with pytest.raises(tg.AxisError, match="unique"):
        Tensor(x).unique(dim=2)


def test_meshgrid_and_block_diag_edges_match_pytorch() -> None:
    a, b = np.arange(3), np.arange(4) * 10
    for ours, theirs in zip(tg.meshgrid([Tensor(a), Tensor(b)]),
                            torch.meshgrid([torch.tensor(a), torch.tensor(b)], indexing="ij")):
        np.testing.assert_array_equal(ours.data, theirs.numpy())
    ours, theirs = tg.meshgrid(Tensor(a), indexing="xy"), torch.meshgrid(torch.tensor(a),
                                                                          indexing="xy")
    np.testing.assert_array_equal(ours[0].data, theirs[0].numpy())
    np.testing.assert_array_equal(tg.cartesian_prod(Tensor(a)).data,
                                  torch.cartesian_prod(torch.tensor(a)).numpy())
    got = tg.block_diag(Tensor([[1, 2]]), Tensor(np.zeros((0, 3), np.int64)), Tensor(7))
    want = torch.block_diag(torch.tensor([[1, 2]]), torch.zeros(0, 3, dtype=torch.int64),
                            torch.tensor(7))
    np.testing.assert_array_equal(got.data, want.numpy())


# ---- bad input: every new callable refuses with a project error naming the op
def _m() -> Tensor:
    return Tensor(np.ones((3, 4)))


BAD = [
    ("cumprod", lambda: _m().cumprod(2), tg.AxisError, ("cumprod", "2")),
    ("cumprod_", lambda: _m().cumprod_(), TypeError, ("dim",)),
    ("scatter_reduce reduce", lambda: _m().scatter_reduce(0, [[0]], _m(), "max"),
     tg.ArgumentError, ("scatter_reduce", "'max'")),
    ("scatter_reduce dtype",
     lambda: _m().scatter_reduce(0, tg.tensor([[0]]), tg.tensor([[1]]), "sum"), tg.DTypeError,
     ("scatter_reduce", "int64", "float")),
    ("scatter_reduce index range", lambda: tg.scatter_reduce(_m(), 0, tg.tensor([[3]]), _m(),
                                                             "sum"),
     tg.IndexOutOfRange, ("scatter_reduce", "[0, 3)")),
    ("scatter_reduce index rank", lambda: _m().scatter_reduce(1, tg.tensor([0]), _m(), "prod"),
     tg.ShapeError, ("scatter_reduce", "(1,)", "(3, 4)")),
    ("scatter_reduce_", lambda: _m().scatter_reduce_(0, tg.tensor([[0]]), 1.0, "sum"),
     tg.ArgumentError, ("scatter_reduce", "src must be a tensor")),
    ("scatter_", lambda: _m().scatter_(0, tg.tensor([[5]]), _m()), tg.IndexOutOfRange,
     ("scatter",)),
    ("scatter_add_", lambda: _m().scatter_add_(0, Tensor([[0.5]]), _m()), tg.DTypeError,
     ("scatter_add", "integers")),
    ("index_add_", lambda: _m().index_add_(0, tg.tensor([4]), _m()), tg.IndexOutOfRange,
     ("index_add",)),
    ("index_fill_", lambda: _m().index_fill_(3, tg.tensor([0]), 1.0), tg.AxisError,
     ("index_fill",)),
    ("index_copy", lambda: tg.index_copy(_m(), 1, tg.tensor([0]), _m()), tg.ShapeError,
     ("index_copy", "(3, 4)", "(3, 1)")),
    ("index_copy_", lambda: _m().index_copy_(0, tg.tensor([3]), Tensor(np.ones((1, 4)))),
     tg.IndexOutOfRange, ("index_copy",)),
    ("masked_scatter dtype", lambda: _m().masked_scatter(Tensor([1, 0, 1, 0]), _m()),
     tg.DTypeError, ("masked_scatter", "bool")),
    ("masked_scatter short", lambda: tg.masked_scatter(_m(), Tensor(np.ones(4, bool)),
                                                       Tensor(np.ones(5))),
     tg.ShapeError, ("masked_scatter", "12", "5")),
    ("masked_scatter broadcast", lambda: _m().masked_scatter(Tensor(np.ones(3, bool)), _m()),
     tg.ShapeError, ("masked_scatter", "(3,)", "(3, 4)")),
    ("masked_scatter_", lambda: _m().masked_scatter_(Tensor(np.ones(4, bool)),
                                                     Tensor(np.ones(12, np.int64))),
     tg.DTypeError, ("masked_scatter", "int64", "float64")),
    ("median", lambda: tg.median(_m(), 2), tg.AxisError, ("median",)),
    ("unique_consecutive dim", lambda: tg.unique_consecutive(_m(), dim=-3), tg.AxisError,
     ("unique_consecutive",)),
    ("median empty dim", lambda: Tensor(np.ones((0, 2))).median(0), tg.ShapeError,
     ("median", "(0, 2)")),
    ("mode", lambda: tg.mode(_m(), 4), tg.AxisError, ("mode",)),
    ("mode empty", lambda: Tensor(np.ones((2, 0))).mode(), tg.ShapeError, ("mode", "(2, 0)")),
    ("aminmax", lambda: tg.aminmax(Tensor(np.ones(0))), tg.ShapeError, ("aminmax", "(0,)")),
    ("aminmax dim", lambda: _m().aminmax(dim=5), tg.AxisError, ("aminmax",)),
    ("histogram int", lambda: tg.histogram(tg.tensor([1, 2]), 2), tg.DTypeError,
     ("histogram", "int64")),
    ("histogram bins", lambda: _m().histogram(0), tg.ArgumentError, ("histogram", "bins")),
    ("histogram edges", lambda: _m().histogram(Tensor([2.0, 1.0])), tg.ArgumentError,
     ("histogram", "increasing")),
    ("histogram range", lambda: _m().histogram(3, range=(2.0, 1.0)), tg.ArgumentError,
     ("histogram", "range")),
    ("histogram weight", lambda: _m().histogram(3, weight=Tensor(np.ones(3))), tg.ShapeError,
     ("histogram", "weight", "(3,)")),
    ("rot90 dims", lambda: tg.rot90(_m(), 1, (0, 0)), tg.ArgumentError, ("rot90", "differ")),
    ("rot90 1-d", lambda: Tensor(np.ones(3)).rot90(), tg.ShapeError, ("rot90", "(3,)")),
    ("rot90 three dims", lambda: _m().rot90(1, (0, 1, 2)), tg.ArgumentError, ("rot90",)),
    ("diag_embed", lambda: tg.diag_embed(_m(), 0, 1, -2), tg.ArgumentError,
     ("diag_embed", "differ")),
    ("diag_embed 0-d", lambda: Tensor(1.0).diag_embed(), tg.ShapeError, ("diag_embed", "0-d")),
    ("block_diag", lambda: tg.block_diag(Tensor(np.ones((2, 2, 2)))), tg.ShapeError,
     ("block_diag", "(2, 2, 2)")),
    ("cartesian_prod", lambda: tg.cartesian_prod(_m()), tg.ShapeError,
     ("cartesian_prod", "(3, 4)")),
    ("cartesian_prod dtypes",
     lambda: tg.cartesian_prod(tg.tensor([1]), tg.tensor([1.0], dtype=tg.float64)),
     tg.DTypeError, ("meshgrid", "int64", "float64")),
    ("meshgrid indexing", lambda: tg.meshgrid(Tensor([1]), indexing="ji"), tg.ArgumentError,
     ("meshgrid", "'ji'")),
    ("meshgrid 2-d", lambda: tg.meshgrid(Tensor([1]), _m()), tg.ShapeError,
     ("meshgrid", "(3, 4)")),
    ("einsum repeated output", lambda: tg.einsum("ii->ii", Tensor(np.eye(2))),
     tg.ArgumentError, ("einsum", "'ii'")),
    ("einsum non-square diagonal", lambda: tg.einsum("ii->i", _m()), tg.ShapeError,
     ("einsum", "'i'")),
]


@pytest.mark.parametrize("call, error, fragments", [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_input_raises_a_project_error_naming_the_op(call, error, fragments) -> None:
    check_refusal(call, error, fragments)


def check_refusal(call, error, fragments) -> None:
    """call() raises error, a project error (TypeError: Python's own, for a missing
    argument), whose message holds every fragment."""
    with pytest.raises(error) as info:
        call()
    assert isinstance(info.value, tg.TinygradError) or error is TypeError
    missing = [f for f in fragments if f not in str(info.value)]
    assert not missing, f"{info.value} lacks {missing}"
