"""Fixes the lead made in session 35, each pinned by a test that failed before it."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg


@given(st.floats(-30.0, 30.0, allow_nan=False))
def test_spherical_bessel_j0_of_a_0d_tensor(x: float) -> None:
    """A 0-d input raised TypeError (NumPy's sin(x) / x of a 0-d array is a scalar, which
    the small-|x| series then assigned into)."""
    got = tg.special.spherical_bessel_j0(tg.tensor(x, dtype=tg.float64))
    assert got.shape == ()
    want = 1.0 if x == 0 else math.sin(x) / x
    assert np.isclose(got.item(), want, rtol=1e-15, atol=1e-16)


# ---- error classes as PyTorch's (found by PyTorch's OpInfo error inputs, test_opinfo_errors_35,
# and by tinygrad's test_ops run against this library's PyTorch-style API)

RUNTIME_ERRORS = {  # PyTorch raises RuntimeError for these; ours were ValueError / IndexError only
    "diagonal of one dim twice": lambda: tg.ones(3, 3).diagonal(dim1=0, dim2=0),
    "div rounding_mode typo": lambda: tg.ones(2).div(tg.ones(2), rounding_mode="typo"),
    "conv2d negative stride": lambda: tg.nn.functional.conv2d(tg.ones(1, 1, 4, 4),
                                                              tg.ones(1, 1, 2, 2), stride=-1),
    "unfold negative step": lambda: tg.ones(8).unfold(0, 1, -1),
    "flip of a dim twice": lambda: tg.ones(3, 4).flip((0, 0)),
    "permute of too few dims": lambda: tg.ones(3, 4, 5).permute((0, 2)),
    "gather index out of range": lambda: tg.ones(2, 2).gather(1, tg.tensor([[0, 23], [0, 1]])),
    "narrow past the end": lambda: tg.ones(10).narrow(0, 0, 11),
    "isclose negative rtol": lambda: tg.isclose(tg.ones(2), tg.ones(2), rtol=-0.4),
    "isclose negative atol": lambda: tg.isclose(tg.ones(2), tg.ones(2), atol=-0.4),
    "masked_fill with a 1-d value": lambda: tg.ones(2, 2).masked_fill(tg.ones(2, 2).bool(),
                                                                      tg.ones(1)),
    "cross with a size-1 dim": lambda: tg.linalg.cross(tg.ones(5, 3), tg.ones(5, 1)),
}


@pytest.mark.parametrize("call", RUNTIME_ERRORS.values(), ids=RUNTIME_ERRORS.keys())
def test_refusals_are_runtime_errors_as_pytorchs(call) -> None:
    with pytest.raises(RuntimeError):
        call()


TYPE_ERRORS = {  # PyTorch's bindings take a Tensor there, no Python number
    "maximum(t, 2)": lambda: tg.maximum(tg.ones(3), 2),
    "minimum(2, t)": lambda: tg.minimum(2, tg.ones(3)),
    "fmax(t, 2)": lambda: tg.ones(3).fmax(2),
    "atan2(t, 2)": lambda: tg.atan2(tg.ones(3), 2),
    "gcd(t, 2)": lambda: tg.gcd(tg.ones(3, dtype=tg.int64), 2),
    "logical_and(t, 2)": lambda: tg.logical_and(tg.ones(3), 2),
    "pow(2, 3)": lambda: tg.pow(2, 3),
    "remainder(2, 3)": lambda: tg.remainder(2, 3),
    "rsub(2, t)": lambda: tg.rsub(2, tg.ones(3)),
    "special.zeta(2, 3)": lambda: tg.special.zeta(2, 3),
    "special.xlog1py(2, 3)": lambda: tg.special.xlog1py(2, 3),
    "special.gammainc(t, 2)": lambda: tg.special.gammainc(tg.ones(3), 2),
    "special.chebyshev_polynomial_t(2, 3)": lambda: tg.special.chebyshev_polynomial_t(2, 3),
    "special.bessel_j0(2.0)": lambda: tg.special.bessel_j0(2.0),
    "special.ndtr(2.0)": lambda: tg.special.ndtr(2.0),
    "linspace(0, 3, 1.0)": lambda: tg.linspace(0, 3, 1.0),
}


@pytest.mark.parametrize("call", TYPE_ERRORS.values(), ids=TYPE_ERRORS.keys())
def test_numbers_where_pytorch_takes_tensors_are_type_errors(call) -> None:
    with pytest.raises(TypeError):
        call()


def test_the_number_forms_pytorch_has_still_work() -> None:
    """Numbers where PyTorch has a Scalar overload are kept."""
    assert tg.pow(2, tg.tensor([1.0, 2.0])).tolist() == [2.0, 4.0]
    assert tg.add(2, 3).item() == 5
    assert tg.rsub(tg.tensor([1.0]), 3).tolist() == [2.0]
    assert tg.special.zeta(tg.tensor([2.0]), 1.0).item() == pytest.approx(math.pi ** 2 / 6)
    assert tg.special.xlog1py(2, tg.tensor([0.0])).tolist() == [0.0]
    assert tg.ones(2, 2).masked_fill(tg.ones(2, 2).bool(), tg.tensor(3.0)).sum().item() == 12


@pytest.mark.parametrize("reduce", [lambda x: x.amax(1), lambda x: x.max(1),
                                    lambda x: x.argmax(1), lambda x: x.amin(dim=1),
                                    lambda x: x.median(1), lambda x: x.mode(1),
                                    lambda x: tg.aminmax(x, dim=1)])
def test_an_empty_reduction_is_an_index_error(reduce) -> None:
    """PyTorch: IndexError "Expected reduction dim 1 to have non-zero size"."""
    with pytest.raises(IndexError, match="zero-size|no elements"):
        reduce(tg.zeros(5, 0, 5))


@given(st.floats(1e-300, 1e300), st.floats(1e-300, 1e300), st.booleans(), st.booleans())
def test_hypot_neither_overflows_nor_underflows(a: float, b: float, neg_a: bool,
                                                neg_b: bool) -> None:
    """hypot was sqrt(x * x + y * y): inf for 1e200 and 0 for 1e-200 (found by PyTorch's
    OpInfo reference inputs); now np.hypot, and its gradient x / z, y / z, is exact."""
    x = tg.tensor([-a if neg_a else a], dtype=tg.float64, requires_grad=True)
    y = tg.tensor([-b if neg_b else b], dtype=tg.float64, requires_grad=True)
    z = tg.hypot(x, y)
    assert np.isclose(z.item(), math.hypot(a, b), rtol=1e-15, atol=0)
    gx, gy = tg.autograd.grad(z.sum(), [x, y])
    assert np.isclose(gx.item(), x.item() / math.hypot(a, b), rtol=1e-15, atol=0)
    assert np.isclose(gy.item(), y.item() / math.hypot(a, b), rtol=1e-15, atol=0)


def test_hypot_of_an_infinity_and_a_nan_is_infinite() -> None:
    """C99's (and PyTorch's) hypot(+-inf, NaN) = +inf; the squares' sum gave NaN."""
    out = tg.hypot(tg.tensor([math.inf, math.nan, -math.inf]),
                   tg.tensor([math.nan, -math.inf, 1.0]))
    assert out.tolist() == [math.inf, math.inf, math.inf]


def test_margin_ranking_loss_broadcasts_as_pytorchs() -> None:
    """(5, 2), (5, 1) and (1, 2) broadcast (PyTorch's loss is elementwise arithmetic); it
    was refused as 'must have one shape'. Found by PyTorch's OpInfo reference inputs."""
    rng = np.random.default_rng(0)
    a, b, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1)), np.sign(rng.normal(size=(1, 2)))
    x1 = tg.tensor(a, requires_grad=True)
    out = tg.nn.functional.margin_ranking_loss(x1, tg.tensor(b), tg.tensor(y), margin=0.1,
                                               reduction="none")
    np.testing.assert_allclose(out.numpy(), np.maximum(0.0, -y * (a - b) + 0.1))
    out.sum().backward()
    np.testing.assert_allclose(x1.grad.numpy(), np.where(-y * (a - b) + 0.1 > 0, -y, 0.0)
                               * np.ones((5, 2)))
    with pytest.raises(RuntimeError, match="one number of dims"):
        tg.nn.functional.margin_ranking_loss(x1, tg.tensor(b[:, 0]), tg.tensor(y))


def test_argsort_and_sort_take_axis_alone() -> None:
    """axis= with dim left at its default -1 raised 'got both axis=0 and dim=-1' (found by
    optinfo35 through PyTorch's autograd.Function database: SortGenVmap)."""
    x = tg.tensor([[3.0, 1.0], [0.0, 2.0]])
    assert tg.argsort(x, axis=0).tolist() == [[1, 0], [0, 1]]
    assert x.sort(axis=0).values.tolist() == [[0.0, 1.0], [3.0, 2.0]]
    assert x.sort(axis=0).indices.tolist() == [[1, 0], [0, 1]]
