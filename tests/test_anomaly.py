"""detect_anomaly: a NaN/inf from a forward or a backward is reported with the op and the line."""

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.modes import is_anomaly_enabled


def test_log_of_a_negative_number_names_log_the_shapes_and_the_line():
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(tg.AnomalyError) as info:
        x.log()  # the creation site the error must quote
    message = str(info.value)
    assert message.startswith("Log produced NaN in forward")
    assert "(3,) float64" in message
    assert __file__ in message and "x.log()  # the creation site" in message


def backward_anomaly(x: Tensor, build: Callable[[Tensor], Tensor]) -> str:
    """The AnomalyError message of `build(x).backward()`, graph built and run in anomaly mode."""
    with tg.detect_anomaly():
        out = build(x)
        with pytest.raises(tg.AnomalyError) as info:
            out.backward()
    return str(info.value)


def test_zero_over_zero_in_backward_names_the_op_whose_backward_failed():
    # sqrt(0) * 0 is a finite 0, but d sqrt/dx = g / (2 sqrt x) = 0 / 0 at x = 0
    def build(x):
        root = x.sqrt()  # the creation site the error must quote
        return (root * 0.0).sum()

    message = backward_anomaly(Tensor(np.zeros((2, 2)), requires_grad=True), build)
    assert message.startswith("Sqrt backward produced NaN")
    assert "(2, 2) float64" in message
    assert "root = x.sqrt()" in message


def test_norm_at_zero_inf_in_backward_is_blamed_on_sqrt_not_on_its_internal_div():
    message = backward_anomaly(Tensor(np.zeros(3), requires_grad=True),
                               lambda x: (x * x).sum().sqrt())
    assert message.startswith("Sqrt backward produced inf")
    assert "internal Div" in message
    assert "lambda x: (x * x).sum().sqrt()" in message


def test_anomaly_error_is_a_project_error_and_a_floating_point_error():
    assert issubclass(tg.AnomalyError, tg.TinygradError)
    assert issubclass(tg.AnomalyError, FloatingPointError)


def test_overflow_to_inf_in_forward_is_reported():
    x = Tensor(np.array([1000.0]), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(tg.AnomalyError, match="Exp produced inf"):
        x.exp()


def test_nan_input_is_reported_as_already_non_finite():
    x = Tensor(np.array([np.nan, 1.0]), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(tg.AnomalyError, match="input 0 already holds"):
        x * 2.0


def test_without_detect_anomaly_nan_propagates_silently():
    x = Tensor(np.array([-1.0]), requires_grad=True)
    with np.errstate(invalid="ignore"):
        y = x.log()
    assert np.isnan(y.data).all()


def test_mode_is_restored_after_the_block_even_on_error():
    assert not is_anomaly_enabled()
    with pytest.raises(tg.AnomalyError), tg.detect_anomaly():
        Tensor(np.array([-1.0]), requires_grad=True).log()
    assert not is_anomaly_enabled()


@given(st.lists(st.floats(0.5, 4.0), min_size=1, max_size=6))
def test_finite_computations_give_the_same_values_and_gradients_in_anomaly_mode(values):
    def run():
        x = Tensor(np.array(values), requires_grad=True)
        y = (x.log() * x.sqrt() + x.exp() / x).sum()
        y.backward()
        return y.item(), x.grad.data

    plain_value, plain_grad = run()
    with tg.detect_anomaly():
        checked_value, checked_grad = run()
    assert checked_value == plain_value
    np.testing.assert_array_equal(checked_grad, plain_grad)


def test_anomaly_mode_respects_no_grad():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with tg.detect_anomaly(), tg.no_grad():
        y = x * 2.0
    assert y.grad_fn is None and not y.requires_grad


def test_shape_errors_keep_their_project_error_in_anomaly_mode():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(tg.ShapeError, match="Add"):
        a + Tensor(np.ones((4, 5)))
