"""detect_anomaly explains a NaN gradient that comes from a branch nobody selected: five
classic cases where the forward is finite, the mask (where, clamp, abs, boolean indexing)
discards the op's value, and its backward still computes 0 * inf."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor

X = np.array([0.0, 1.0, 4.0])  # the 0 is where each op's local derivative is infinite


def where_sqrt(x):
    return tg.where(x > 0, x.sqrt(), 0.0)


def where_pow_in_the_else_branch(x):
    return tg.where(x <= 0, 0.0, x ** 0.5)


def clamped_sqrt(x):
    return x.sqrt().clamp(min=1.0)


def abs_of_sqrt(x):
    return x.sqrt().abs()


def indexed_sqrt(x):
    return x.sqrt()[x.data > 0]


CASES = {  # function -> (op with the infinite derivative, masking op, what the mask says)
    where_sqrt: ("Sqrt", "Where", "its condition is False there, so it selected the other "
                 "input"),
    where_pow_in_the_else_branch: ("Pow", "Where", "its condition is True there, so it "
                                   "selected the other input"),
    clamped_sqrt: ("Sqrt", "Clip", "the value was clamped there"),
    abs_of_sqrt: ("Sqrt", "Abs", "its derivative sign(x) is 0 at x = 0"),
    indexed_sqrt: ("Sqrt", "GetItem", "the index did not select those elements"),
}


@pytest.mark.parametrize("fn", list(CASES), ids=lambda f: f.__name__)
def test_the_nan_really_happens_without_anomaly_mode(fn) -> None:
    x = Tensor(X.copy(), requires_grad=True)
    with np.errstate(all="ignore"):  # NumPy's warnings: the point is the NaN
        out = fn(x)
        assert np.isfinite(out.data).all()  # the forward is fine
        out.sum().backward()
    assert np.isnan(x.grad.data[0]) and np.isfinite(x.grad.data[1:]).all()


@pytest.mark.parametrize("fn", list(CASES), ids=lambda f: f.__name__)
def test_anomaly_error_names_the_op_the_mask_and_the_fix(fn) -> None:
    op, mask, reason = CASES[fn]
    x = Tensor(X.copy(), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(tg.AnomalyError) as caught:
        fn(x).sum().backward()
    message = str(caught.value)
    assert message.startswith(f"{op} backward produced ")  # NaN, or the inf inside it
    assert "0 * inf" in message
    assert f"because {mask} used none of {op}'s value there ({reason})" in message
    assert f"The {mask} was created at:" in message
    assert message.count(f"in {fn.__name__}") == 2  # the lines that made the op and the mask
    assert "where its input is 0," in message  # where the derivative is infinite
    assert "double where" in message


def test_the_double_where_fix_gives_finite_gradients() -> None:
    x = Tensor(X.copy(), requires_grad=True)
    with tg.detect_anomaly():
        safe = tg.where(x > 0, x, 1.0)  # keep sqrt away from 0 where its value is not used
        tg.where(x > 0, safe.sqrt(), 0.0).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.5, 0.25])


def test_a_nan_without_a_mask_keeps_the_plain_message() -> None:
    x = Tensor(np.zeros(3), requires_grad=True)
    with tg.detect_anomaly(), pytest.raises(tg.AnomalyError) as caught:
        (x * x).sum().sqrt().backward()
    message = str(caught.value)
    assert message.startswith("Sqrt backward produced inf")
    assert "double where" not in message
