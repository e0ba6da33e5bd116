"""tg.gradcheck / tg.gradgradcheck themselves: what they report, refuse and leave behind."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given

import tinygrad_bn as tg
from tests.wrong_gradients import FrozenSquare, HalfSquare
from tinygrad_bn import Tensor
from tinygrad_bn.tensor import Function
from tinygrad_bn.testing import strategies as tst

REPORT = re.compile(r"input (\d+) \(shape (.*?)\) at element (\(.*?\)): analytic (\S+), "
                    r"numerical (\S+), error (\S+) >")


class WrongAtOneElement(Function):
    """3x whose backward is right except at element (1, 2)."""

    def forward(self, x):
        return 3 * x

    def backward(self, g):
        bump = np.zeros(self.parents[0].shape)
        bump[1, 2] = 1.0
        return g * 3.0 + g * Tensor(bump)

    def jvp(self, tx):
        return tx * 3.0


def _parse(message: str) -> tuple[int, str, str, float, float, float]:
    match = REPORT.search(message)
    assert match, f"unexpected GradcheckError message: {message!r}"
    i, shape, element, analytic, numerical, error = match.groups()
    return int(i), shape, element, float(analytic), float(numerical), float(error)


def test_error_names_input_element_analytic_numerical_and_error() -> None:
    x = Tensor(np.array([1.0, 2.0]))  # not checked: it does not require grad
    y = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda a, b: HalfSquare.apply(b).sum() * a.sum(), [x, y])
    i, shape, element, analytic, numerical, error = _parse(str(info.value))
    assert (i, shape, element) == (1, "(3,)", "(0,)")
    # d/dy0 of w * 3 * y0^2 is 6 w y0; the wrong rule gives half of it
    assert analytic == pytest.approx(numerical / 2, rel=1e-6)
    assert error == pytest.approx(abs(analytic - numerical), rel=1e-2)
    assert isinstance(info.value, AssertionError) and isinstance(info.value, tg.TinygradError)


def test_error_points_at_the_one_wrong_element() -> None:
    x = Tensor(np.linspace(-1, 1, 12).reshape(3, 4), requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(WrongAtOneElement.apply, [x])
    assert _parse(str(info.value))[:3] == (0, "(3, 4)", "(1, 2)")


def test_detached_computation_fails_with_zero_analytic_gradient() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda t: Tensor(t.data * 2.0) + t * 0.0, [x])
    assert _parse(str(info.value))[3] == 0.0


def test_raise_exception_false_returns_false_and_true_on_success() -> None:
    x = Tensor(np.array([0.5, -1.5]), requires_grad=True)
    assert tg.gradcheck(HalfSquare.apply, [x], raise_exception=False) is False
    assert tg.gradgradcheck(FrozenSquare.apply, [x], raise_exception=False) is False
    assert tg.gradcheck(lambda t: t * t, [x]) is True
    assert tg.gradgradcheck(lambda t: t * t, [x], raise_exception=False) is True


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("check", [tg.gradcheck, tg.gradgradcheck])
def test_low_precision_inputs_are_refused(dtype: type, check) -> None:
    x = Tensor(np.ones(3, dtype), requires_grad=True)
    with pytest.raises(tg.DTypeError, match=str(np.dtype(dtype))):
        check(lambda t: t * t, [x])


@given(x=tst.tensors(), y=tst.tensors())
def test_inputs_are_restored_after_the_check(x: Tensor, y: Tensor) -> None:
    before = x.data.copy()
    tg.gradcheck(lambda a: a.tanh(), [x])
    np.testing.assert_array_equal(x.data, before)
    before = y.data.copy()
    tg.gradgradcheck(lambda a: a.sigmoid(), [y])
    np.testing.assert_array_equal(y.data, before)


def test_multiple_outputs_and_non_tensor_arguments() -> None:
    x = Tensor(np.array([0.3, 0.7]), requires_grad=True)
    y = Tensor(np.array([[1.0], [2.0]]), requires_grad=True)

    def fn(a: Tensor, power: int, b: Tensor) -> tuple[Tensor, Tensor]:
        return (a**power * b, (a + b).exp())

    assert tg.gradcheck(fn, [x, 3, y])
    assert tg.gradgradcheck(fn, [x, 3, y])


def test_single_tensor_input_and_read_only_array() -> None:
    data = np.array([0.1, 0.2, 0.3])
    data.flags.writeable = False
    assert tg.gradcheck(Tensor.exp, Tensor(data, requires_grad=True))


def test_gradcheck_leaves_dot_grad_untouched() -> None:
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    tg.gradcheck(lambda t: t.log(), [x])
    assert x.grad is None
