"""PyTorch's rearrangements and small products (tinygrad_bn/tensor_methods/arrangements.py):
x.broadcast_to, ravel, flipud, fliplr, diagflat, unfold, addr, addbmm, dist, cov,
corrcoef and tg.tensordot, broadcast_tensors, broadcast_shapes, vander: each passes
gradcheck (reverse mode and the jvp) and gradgradcheck on Hypothesis-drawn float64 values
and agrees with PyTorch in values and gradients; then dtypes, shapes and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tests.test_linalg_decompositions import Case, R, _draw
from tests.test_surface_ops22 import check_arrays, check_refusal
from tinygrad_bn import Tensor

torch = pytest.importorskip("torch")

CASES = [
    Case("broadcast_to", lambda lib, x: x.broadcast_to(2, 3, 4) * 2, (((3, 1), R),)),
    Case("broadcast_to -1", lambda lib, x: lib.broadcast_to(x, (2, -1)), (((3,), R),)),
    Case("ravel (of a transpose)", lambda lib, x: x.mT.ravel(), (((2, 3), R),)),
    Case("flipud fliplr", lambda lib, x: x.flipud() * 2 + lib.fliplr(x), (((3, 2, 2), R),)),
    Case("diagflat", lambda lib, x: x.diagflat(), (((2, 2), R),)),
    Case("diagflat offset", lambda lib, x: lib.diagflat(x, -1), (((3,), R),)),
    Case("unfold (overlapping)", lambda lib, x: x.unfold(1, 3, 2), (((2, 7), R),)),
    Case("unfold (gaps, last dim)", lambda lib, x: x.unfold(-1, 2, 3), (((2, 2, 8), R),)),
    Case("unfold 0-d", lambda lib, x: x.sum().unfold(0, 1, 1), (((2,), R),)),
    Case("addr", lambda lib, m, a, b: m.addr(a, b, beta=0.5, alpha=2.0),
         (((3, 1), R), ((3,), R), ((4,), R))),
    Case("addbmm", lambda lib, m, a, b: lib.addbmm(m, a, b, alpha=-1.5),
         (((2, 4), R), ((3, 2, 5), R), ((3, 5, 4), R))),
    # (b moved away from a: the norm is not differentiable where a = b, nor p=inf at ties)
    Case("dist", lambda lib, a, b: a.dist(b + 5), (((2, 3), R), ((3,), R))),
    Case("dist p=3", lambda lib, a, b: lib.dist(a, b + 5, 3), (((4,), R), ((4,), R))),
    Case("dist p=inf", lambda lib, a, b: a.dist(b * 0.1 + lib.arange(5) + 5, float("inf")),
         (((5,), R), ((5,), R))),
    Case("cov", lambda lib, x: x.cov(), (((3, 5), R),)),
    Case("cov correction=0 (1-D)", lambda lib, x: lib.cov(x, correction=0), (((6,), R),)),
    Case("cov weights", lambda lib, x, a: x.cov(
        fweights=lib.tensor([1, 2, 1, 3]), aweights=a * a + 0.5), (((2, 4), R), ((4,), R))),
    # (rows kept apart from constants, where the coefficients are 0 / 0)
    Case("corrcoef", lambda lib, x: (x * 0.1 + lib.arange(18, dtype=lib.float64).reshape(
        3, 6).sin()).corrcoef(), (((3, 6), R),)),
    Case("tensordot 2", lambda lib, a, b: lib.tensordot(a, b), (((2, 3, 4), R), ((3, 4, 2), R))),
    Case("tensordot pairs", lambda lib, a, b: lib.tensordot(a, b, dims=([0, 2], [2, 1])),
         (((2, 3, 4), R), ((5, 4, 2), R))),
    Case("tensordot 0 (outer)", lambda lib, a, b: lib.tensordot(a, b, 0), (((2,), R), ((3,), R))),
    Case("broadcast_tensors", lambda lib, a, b: lib.stack(lib.broadcast_tensors(a, b)),
         (((2, 1), R), ((3,), R))),
    # PyTorch's backward of vander fails (an in-place write to a saved tensor): ours is
    # checked numerically
    Case("vander", lambda lib, x: lib.vander(x), (((4,), R),), False),
    Case("vander increasing N", lambda lib, x: lib.vander(x * 0, N=3, increasing=True),
         (((3,), R),), False),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(max_examples=4)
@given(data=st.data())
def test_gradients_and_pytorch_agree(case: Case, data) -> None:
    check_arrays(case.fn, _draw(data, case), case.torch_gradients)


def test_float32_values_dtypes_and_shapes_as_pytorch() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 8)).astype(np.float32)
    calls = [lambda lib, t: t.unfold(1, 4, 1), lambda lib, t: t.cov(),
             lambda lib, t: t.corrcoef(), lambda lib, t: t[0].dist(t[1]),
             lambda lib, t: lib.tensordot(t, t.mT, 1), lambda lib, t: t.ravel(),
             lambda lib, t: lib.vander(t[0, :3]), lambda lib, t: t[:, :2].diagflat(1),
             lambda lib, t: lib.broadcast_to(t[:1], (2, 3, 8)),
             lambda lib, t: lib.arange(6).unfold(0, 2, 2),
             lambda lib, t: lib.vander(lib.arange(3), 2)]
    for k, call in enumerate(calls):
        ours, theirs = call(tg, Tensor(x)), call(torch, torch.tensor(x))
        assert ours.shape == tuple(theirs.shape) and ours.dtype == theirs.numpy().dtype, k
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-5, atol=1e-6, err_msg=k)
    assert tg.broadcast_shapes((2, 1), (3,), 1) == tuple(torch.broadcast_shapes((2, 1), (3,), 1))
    a, b = tg.broadcast_tensors(tg.ones(2, 1), tg.ones(3))
    assert a.shape == b.shape == (2, 3)
    assert tg.tensor(5.0).unfold(0, 1, 1).shape == (1,)
    assert np.isnan(tg.corrcoef(tg.ones(2, 3)).data).all()


REFUSALS = [
    ("unfold size too large", lambda: tg.ones(2, 3).unfold(1, 4, 1), tg.ShapeError,
     ("unfold", "size 4")),
    ("unfold step 0", lambda: tg.ones(5).unfold(0, 2, 0), tg.ArgumentError, ("unfold", "step")),
    ("unfold bad dim", lambda: tg.ones(5).unfold(1, 2, 1), tg.AxisError, ("unfold",)),
    ("fliplr of a vector", lambda: tg.ones(3).fliplr(), tg.ShapeError, ("fliplr", "(3,)")),
    ("flipud of a scalar", lambda: tg.tensor(1.0).flipud(), tg.ShapeError, ("flipud",)),
    ("broadcast_to smaller", lambda: tg.ones(3).broadcast_to(2), tg.ShapeError, ("expand",)),
    ("broadcast_shapes clash", lambda: tg.broadcast_shapes((2,), (3,)), tg.ShapeError,
     ("broadcast_shapes", "(2,)")),
    ("broadcast_tensors clash", lambda: tg.broadcast_tensors(tg.ones(2), tg.ones(3)),
     tg.ShapeError, ("broadcast_shapes",)),
    ("tensordot sizes", lambda: tg.tensordot(tg.ones(2, 3), tg.ones(2, 3), 1), tg.ShapeError,
     ("tensordot", "(2, 3)")),
    ("tensordot dims too many", lambda: tg.tensordot(tg.ones(2), tg.ones(2), 2),
     tg.ArgumentError, ("tensordot", "dims=2")),
    ("tensordot dims type", lambda: tg.tensordot(tg.ones(2), tg.ones(2), "x"),
     tg.ArgumentTypeError, ("tensordot",)),
    ("cov of 3-d", lambda: tg.ones(2, 2, 2).cov(), tg.ShapeError, ("cov", "(2, 2, 2)")),
    ("cov float fweights", lambda: tg.ones(2, 3).cov(fweights=tg.ones(3)), tg.ShapeError,
     ("cov", "fweights")),
    ("cov negative aweights", lambda: tg.ones(2, 3).cov(aweights=-tg.ones(3)),
     tg.ArgumentError, ("cov", "aweights")),
    ("vander of a matrix", lambda: tg.vander(tg.ones(2, 2)), tg.ShapeError, ("vander",)),
    ("vander negative N", lambda: tg.vander(tg.ones(2), -1), tg.ArgumentError, ("vander",)),
    ("addbmm mixed dtypes", lambda: tg.ones(2, 2).addbmm(tg.ones(1, 2, 2, dtype=tg.float64),
                                                         tg.ones(1, 2, 2, dtype=tg.float64)),
     tg.DTypeMismatchError, ("addbmm", "float64")),
    ("addr of matrices", lambda: tg.ones(2, 2).addr(tg.ones(2, 2), tg.ones(2)), tg.ShapeError,
     ("outer",)),
    ("dist shapes", lambda: tg.ones(2).dist(tg.ones(3)), tg.ShapeError, ()),
    ("diagflat offset type", lambda: tg.ones(2).diagflat(1.5), tg.ArgumentTypeError,
     ("offset", "1.5")),
    ("ravel extra arg", lambda: tg.ravel(tg.ones(2), 1), TypeError, ()),
    ("corrcoef of 3-d", lambda: tg.corrcoef(tg.ones(2, 2, 2)), tg.ShapeError, ("cov",)),
]


@pytest.mark.parametrize("call,error,fragments", [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_bad_input_is_refused_with_a_clear_error(call, error, fragments) -> None:
    check_refusal(call, error, fragments)
