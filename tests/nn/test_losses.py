"""softmax, log_softmax, cross_entropy and mse_loss: NumPy references, stability at +-1000,
gradients (first and second order), and bad targets."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst


def reference_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    """log softmax by the log-sum-exp identity, in float64."""
    x = x.astype(np.float64)
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


@st.composite
def arrays_and_axis(draw: st.DrawFn, max_value: float = 3.0) -> tuple[np.ndarray, int]:
    x = draw(tst.arrays(tst.shapes(min_dims=1, max_dims=3), min_value=-max_value,
                        max_value=max_value))
    return x, draw(st.integers(-x.ndim, x.ndim - 1))


@st.composite
def logits_and_targets(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    logits = draw(tst.arrays((n, c)))
    target = draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n))
    return logits, np.array(target, dtype=np.int64)


@given(arrays_and_axis(max_value=50.0))
def test_log_softmax_and_softmax_match_numpy(case) -> None:
    x, axis = case
    expected = reference_log_softmax(x, axis)
    np.testing.assert_allclose(F.log_softmax(Tensor(x), axis).data, expected, rtol=1e-12,
                               atol=1e-12)
    probabilities = F.softmax(Tensor(x), axis).data
    np.testing.assert_allclose(probabilities, np.exp(expected), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(probabilities.sum(axis=axis), 1.0, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_logits_of_plus_minus_1000(dtype) -> None:
    x = Tensor(np.array([[1000.0, -1000.0, 0.0], [1000.0, 999.0, -1000.0],
                         [-1000.0, -1000.0, -999.0]], dtype=dtype), requires_grad=True)
    log_p = F.log_softmax(x)
    assert log_p.dtype == dtype and np.all(np.isfinite(log_p.data))
    softplus = np.log1p(np.exp(-1.0))  # log(1 + e^-1)
    two = np.log1p(2 * np.exp(-1.0))  # log(1 + 2 e^-1)
    expected = np.array([[0.0, -2000.0, -1000.0], [-softplus, -1.0 - softplus, -2000.0 - softplus],
                         [-1.0 - two, -1.0 - two, -two]])
    rtol = 1e-6 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(log_p.data, expected, rtol=rtol, atol=rtol)
    p = F.softmax(x)
    np.testing.assert_allclose(p.data, np.exp(expected), rtol=rtol, atol=1e-30)
    # the gradient of the NLL is softmax - onehot: finite and exact
    loss = F.cross_entropy(x, np.array([1, 0, 2]), reduction="sum")
    loss.backward()
    onehot = np.eye(3)[[1, 0, 2]]
    np.testing.assert_allclose(x.grad.data, np.exp(expected) - onehot, rtol=rtol, atol=rtol)
    assert np.isclose(loss.item(), 2000.0 + softplus + two, rtol=rtol)


@given(arrays_and_axis())
def test_log_softmax_first_and_second_derivatives(case) -> None:
    x, axis = case
    assert tg.gradcheck(lambda t: F.log_softmax(t, axis), [Tensor(x, requires_grad=True)])
    assert tg.gradgradcheck(lambda t: F.log_softmax(t, axis), [Tensor(x, requires_grad=True)])


@given(arrays_and_axis())
def test_softmax_first_and_second_derivatives(case) -> None:
    x, axis = case
    assert tg.gradcheck(lambda t: F.softmax(t, axis), [Tensor(x, requires_grad=True)])
    assert tg.gradgradcheck(lambda t: F.softmax(t, axis), [Tensor(x, requires_grad=True)])


def test_softmax_of_zero_d_input_is_pytorchs_and_a_bad_axis_is_refused() -> None:
    # PyTorch: the one element of a 0-d tensor has softmax 1 and log_softmax 0 (dim 0 or -1)
    assert F.softmax(Tensor(1.5)).item() == 1.0 and F.log_softmax(Tensor(1.5), 0).item() == 0.0
    with pytest.raises(tg.AxisError, match="softmax"):
        F.softmax(Tensor(1.0), dim=1)
    with pytest.raises(tg.AxisError):
        F.log_softmax(Tensor(np.zeros((2, 3))), axis=2)


@given(logits_and_targets(), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_matches_numpy(case, reduction) -> None:
    logits, target = case
    per_sample = -reference_log_softmax(logits, 1)[np.arange(len(target)), target]
    expected = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}
    loss = F.cross_entropy(Tensor(logits), target, reduction=reduction)
    np.testing.assert_allclose(loss.data, expected[reduction], rtol=1e-12, atol=1e-12)


@given(logits_and_targets())
def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n(case) -> None:
    logits, target = case
    x = Tensor(logits, requires_grad=True)
    F.cross_entropy(x, target).backward()
    n, c = logits.shape
    probabilities = np.exp(reference_log_softmax(logits, 1))
    np.testing.assert_allclose(x.grad.data, (probabilities - np.eye(c)[target]) / n,
                               rtol=1e-10, atol=1e-12)


@given(logits_and_targets(), st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy_first_and_second_derivatives(case, reduction) -> None:
    logits, target = case

    def loss(x: Tensor) -> Tensor:
        return F.cross_entropy(x, target, reduction=reduction)

    assert tg.gradcheck(loss, [Tensor(logits, requires_grad=True)])
    assert tg.gradgradcheck(loss, [Tensor(logits, requires_grad=True)])


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int32, np.int64])
def test_cross_entropy_accepts_integer_arrays_and_tensors(dtype) -> None:
    logits = Tensor(np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]]))
    target = np.array([2, 0], dtype=dtype)
    expected = F.cross_entropy(logits, np.array([2, 0])).item()
    assert F.cross_entropy(logits, target).item() == expected
    assert F.cross_entropy(logits, Tensor(target)).item() == expected


@pytest.mark.parametrize("target, error, message", [
    (np.array([0, 3]), tg.IndexOutOfRange, "target class 3 is out of range for 3 classes"),
    (np.array([-1, 0]), tg.IndexOutOfRange, "target class -1 is out of range"),
    (np.array([0.0, 1.0]), tg.DTypeError, "integer class indices, got dtype float64"),
    (Tensor(np.array([0.0, 1.0], dtype=np.float32)), tg.DTypeError, "got dtype float32"),
    (np.array([True, False]), tg.DTypeError, "got dtype bool"),
    (np.array([0, 1, 2]), tg.ShapeError, r"target of shape \(3,\) does not fit"),
    (np.array([[0], [1]]), tg.ShapeError, r"expected shape \(2,\)"),
])
def test_cross_entropy_rejects_bad_targets(target, error, message) -> None:
    logits = Tensor(np.zeros((2, 3)))
    with pytest.raises(error, match=message):
        F.cross_entropy(logits, target)


def test_cross_entropy_rejects_bad_logits_and_reduction() -> None:
    with pytest.raises(tg.ShapeError, match=r"input must have shape \(C,\), \(N, C\)"):
        F.cross_entropy(Tensor(np.array(1.0)), np.array(0))
    with pytest.raises(tg.ShapeError, match=r"unbatched input of shape \(3,\) needs a 0-d"):
        F.cross_entropy(Tensor(np.zeros(3)), np.array([0]))
    with pytest.raises(tg.ArgumentError, match="reduction must be one of"):
        F.cross_entropy(Tensor(np.zeros((1, 3))), np.array([0]), reduction="avg")
    with pytest.raises(tg.ArgumentTypeError, match="pass reduction='sum' by keyword"):
        F.cross_entropy(Tensor(np.zeros((1, 3))), np.array([0]), "sum")


@given(st.data(), st.sampled_from(["mean", "sum", "none"]))
def test_mse_loss_matches_numpy_and_gradchecks(data, reduction) -> None:
    shape = data.draw(tst.shapes(min_dims=1))
    x, y = data.draw(tst.arrays(shape)), data.draw(tst.arrays(shape))
    squared = (x - y) ** 2
    expected = {"mean": squared.mean(), "sum": squared.sum(), "none": squared}[reduction]
    np.testing.assert_allclose(F.mse_loss(Tensor(x), y, reduction=reduction).data, expected,
                               rtol=1e-12, atol=1e-12)
    inputs = [Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)]
    assert tg.gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), inputs)


def test_mse_loss_rejects_mismatched_shapes_and_bad_reduction() -> None:
    with pytest.raises(tg.ShapeError, match=r"input of shape \(3, 1\) and target of shape \(3,\)"):
        F.mse_loss(Tensor(np.zeros((3, 1))), np.zeros(3))
    with pytest.raises(tg.ArgumentError, match="mse_loss: reduction"):
        F.mse_loss(Tensor(np.zeros(3)), np.zeros(3), reduction="max")
