"""tg.special's scaled functions added by surface31: i0e, i1e (ops/gamma.py) and erfcx
(ops/special.py). Values against PyTorch over the whole range (where the unscaled i0, i1
overflow and erfc underflows), gradients of every order in float64 on Hypothesis values
(reverse, forward mode, double backward), gradients against PyTorch's, and bad input.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
NAMES = ["i0e", "i1e", "erfcx"]
WIDE = np.array([-1e300, -800.0, -35.0, -26.0, -3.0, -0.5, -1e-8, 0.0, 1e-8, 0.7, 1.99, 2.0,
                 5.0, 29.9, 30.0, 31.0, 100.0, 1e5, 1e300, np.inf, -np.inf, np.nan])


@needs_torch
@pytest.mark.parametrize("name", NAMES)
def test_values_match_pytorch_over_the_whole_range(name: str) -> None:
    ours = getattr(tg.special, name)(Tensor(WIDE)).numpy()
    theirs = getattr(torch.special, name)(torch.tensor(WIDE)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=4e-15, atol=0)
    small = getattr(tg.special, name)(Tensor(WIDE[2:-4].astype(np.float32)))
    assert small.dtype == np.float32
    np.testing.assert_allclose(small.numpy(), getattr(torch.special, name)(
        torch.tensor(WIDE[2:-4].astype(np.float32))).numpy(), rtol=2e-6)


def test_known_values() -> None:
    # e^-1 I0(1) = 0.46575960759364043, e^-1 I1(1) = 0.20791041534970844 (A&S tables),
    # erfcx(1) = e erfc(1) = 0.42758357615580705
    x = Tensor(np.array([1.0]))
    assert abs(tg.special.i0e(x).item() - 0.46575960759364043) < 1e-15
    assert abs(tg.special.i1e(x).item() - 0.20791041534970844) < 1e-15
    assert abs(tg.special.erfcx(x).item() - 0.42758357615580705) < 1e-15
    assert tg.special.i1e(Tensor(np.array([-1.0]))).item() < 0  # odd
    assert tg.special.i0e(tg.tensor([1, 2])).dtype == np.float32  # ints: the default float


@settings(max_examples=8, deadline=None)
@given(x=tst.arrays((5,), min_value=-40.0, max_value=40.0, away_from=(0.0,)))
def test_gradients_in_every_order(x) -> None:
    # erfcx only from -2: it grows as 2 e^(x^2) to the left, and the finite differences of
    # a sum holding e^16 (x = -4) carry rounding noise ~1e-3, not the derivative's error
    for name, values in (("i0e", x), ("i1e", x), ("erfcx", np.maximum(x, -2.0))):
        fn = getattr(tg.special, name)
        t = Tensor(values, requires_grad=True)
        assert tg.gradcheck(fn, [t]), name
        assert tg.gradgradcheck(fn, [t]), name


@needs_torch
@pytest.mark.parametrize("name", NAMES)
def test_gradients_match_pytorch(name: str) -> None:
    x = np.array([-35.0, -3.0, -0.4, 0.0, 0.3, 2.0, 2.5, 35.0])
    ours = Tensor(x, requires_grad=True)
    getattr(tg.special, name)(ours).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    getattr(torch.special, name)(theirs).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("name", NAMES)
def test_bad_input_names_the_function(name: str) -> None:
    with pytest.raises(tg.TinygradError, match=name):
        getattr(tg.special, name)("a")
    if torch is not None:
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal of PyTorch's)
            getattr(torch.special, name)("a")


def test_i1e_slope_at_zero_is_one_half_and_finite_beside_it() -> None:
    # i1e'(x) = i0e(x) - i1e(x)/x - sign(x) i1e(x): 0/0 at x = 0, where the limit is 1/2
    x = Tensor(np.array([0.0, -0.0, 1e-300, -2.0]), requires_grad=True)
    (g,) = tg.grad(tg.special.i1e(x).sum(), [x])
    assert g.numpy()[:3].tolist() == [0.5, 0.5, 0.5]
    # at -2 (i0e even, i1e odd): i0e(2) - (-i1e(2))/(-2) - (-1)(-i1e(2))
    i0e2, i1e2 = 0.30850832255367097, 0.21526928924893763
    assert abs(g.numpy()[3] - (i0e2 - i1e2 / 2 - i1e2)) < 1e-15
