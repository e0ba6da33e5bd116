"""The core's known debts of session 35, each as PyTorch 2.13 has it: `.grad` of a non-leaf
warns, `.grad =` checks what it is given, Tensor's operators hand an operand they do not
know to its reflected operator, inference tensors. Each test failed before its fix."""

from __future__ import annotations

import operator
import re
import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn, optim


def _caught(read):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = read()
    return value, [w for w in caught if "not a leaf" in str(w.message)]


# ---- 1. .grad of a non-leaf -------------------------------------------------------------

def test_the_grad_of_a_non_leaf_warns_as_pytorch_and_points_at_the_caller() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    value, caught = _caught(lambda: y.grad)
    assert value is None
    assert [w.category for w in caught] == [UserWarning]
    assert ".retain_grad()" in str(caught[0].message)
    assert caught[0].filename == __file__  # the line that read it, not the library's


def test_no_warning_for_leaves_retained_or_assigned_grads() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y, z, w = x * 2, x * 3, x * 4
    y.retain_grad()
    with tg.no_grad():
        constant = x * 5  # a leaf: made without recording
    (y + z + w).sum().backward()
    w.grad = tg.ones(2)  # PyTorch takes a .grad assigned to a non-leaf, and then is quiet
    for tensor, expected in [(x, [9.0, 9.0]), (y, [1.0, 1.0]), (w, [1.0, 1.0]),
                             (constant, None), (tg.ones(2), None)]:
        value, caught = _caught(lambda t=tensor: t.grad)
        assert caught == []
        assert (value if value is None else value.tolist()) == expected


def test_the_warning_matches_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    t = torch.ones(2, requires_grad=True) * 2
    _, theirs = _caught(lambda: t.grad)
    _, ours = _caught(lambda: (tg.ones(2, requires_grad=True) * 2).grad)
    assert [w.category for w in ours] == [w.category for w in theirs] == [UserWarning]
    assert str(ours[0].message) in str(theirs[0].message)


# ---- 2. assigning .grad -----------------------------------------------------------------

@pytest.mark.parametrize(("value", "error", "words"), [
    (lambda: tg.ones(2, dtype=tg.float64), tg.ShapeError, "different size.*(2,).*(3,)"),
    (lambda: tg.ones(3, dtype=tg.float32), tg.DTypeError, "different type.*float32.*float64"),
    (lambda: tg.ones(3, dtype=tg.int64), tg.DTypeError, "different type"),
    (lambda: np.ones(3), tg.ArgumentTypeError, "Tensor or None.*ndarray"),
    (lambda: [1.0, 2.0, 3.0], tg.ArgumentTypeError, "Tensor or None.*list"),
    (lambda: "a", tg.ArgumentTypeError, "Tensor or None.*str"),
])
def test_assigning_a_grad_that_does_not_fit_is_refused(value, error, words) -> None:
    x = tg.tensor([1.0, 2.0, 3.0], dtype=tg.float64, requires_grad=True)
    x.grad = tg.zeros(3, dtype=tg.float64)
    kept = x.grad
    with pytest.raises(error, match=words):
        x.grad = value()
    assert x.grad is kept


def test_the_refusals_are_pytorchs_classes() -> None:
    torch = pytest.importorskip("torch")
    cases = [(tg.ones(2, dtype=tg.float64), torch.ones(2, dtype=torch.float64)),
             (tg.ones(3), torch.ones(3)), ("a", "a"), (3, 3)]
    for ours, theirs in cases:
        t = torch.ones(3, dtype=torch.float64, requires_grad=True)
        x = tg.ones(3, dtype=tg.float64, requires_grad=True)
        with pytest.raises(Exception) as expected:
            t.grad = theirs
        with pytest.raises(type(expected.value)):
            x.grad = ours


def test_assigning_none_a_fitting_grad_or_del_is_accepted() -> None:
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    g = tg.tensor([0.5, 0.5])
    x.grad = g
    (x * 3).sum().backward()
    assert x.grad is g and g.tolist() == [3.5, 3.5]  # the engine adds into it in place
    x.grad = None
    assert x.grad is None
    x.grad = g
    del x.grad
    assert x.grad is None
    plain, ints = tg.ones(2), tg.tensor([1, 2])  # no requires_grad: PyTorch takes them too
    plain.grad, ints.grad = tg.zeros(2), tg.tensor([3, 4])
    assert plain.grad.tolist() == [0.0, 0.0] and ints.grad.tolist() == [3, 4]
    p = nn.Parameter(np.ones(2, np.float32))
    p.grad = nn.Parameter(np.ones(2, np.float32))  # a Tensor subclass is a Tensor
    assert type(p.grad) is nn.Parameter


# ---- Adam's betas (found by tests/test_bad_input_nn.py once its draws changed) ---------

@pytest.mark.parametrize("cls", [optim.Adam, optim.AdamW])
def test_adam_takes_betas_as_floats_as_pytorch(cls) -> None:
    torch = pytest.importorskip("torch")
    for betas in [(0.0, 0), (0, 0.5)]:
        with pytest.raises(ValueError, match="both floats"):
            getattr(torch.optim, cls.__name__)([torch.ones(1, requires_grad=True)],
                                                betas=betas)
        with pytest.raises(tg.ArgumentError, match="both floats"):
            cls([nn.Parameter(np.ones(1))], betas=betas)
    cls([nn.Parameter(np.ones(1))], betas=[0.5, np.float64(0.9)])  # floats in a list: fine
    optim.NAdam([nn.Parameter(np.ones(1))], betas=(0, 0.5))  # NAdam takes ints, as PyTorch


# ---- 3. an operand of a class Tensor's operators do not know ---------------------------

OPERATORS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
             "==": operator.eq, "<": operator.lt}


def _complex(m, real, imag):
    dtype = m.float64
    return m.complex(m.tensor(real, dtype=dtype), m.tensor(imag, dtype=dtype))


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "=="])
def test_a_real_tensor_on_the_left_of_a_complex_one_as_pytorch(op) -> None:
    torch = pytest.importorskip("torch")
    results = []
    for m in (tg, torch):
        x = m.tensor([1.0, 2.0, -0.5], dtype=m.float64)
        z = _complex(m, [1.0, -1.0, 0.0], [0.5, 2.0, -3.0])
        results.append(np.asarray(OPERATORS[op](x, z)))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-15)
    assert results[0].dtype == results[1].dtype


def test_the_gradient_reaches_the_real_tensor_on_the_left() -> None:
    torch = pytest.importorskip("torch")
    grads = []
    for m in (tg, torch):
        x = m.tensor([1.0, 2.0], dtype=m.float64, requires_grad=True)
        z = _complex(m, [1.0, -1.0], [0.5, 2.0])
        (x * z - x / z).abs().sum().backward()
        grads.append(np.asarray(x.grad))
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-13)


class _Quantity:
    """A user's class that takes some operations over from the right."""

    def __radd__(self, other):
        return ("radd", other)

    def __rmul__(self, other):
        return ("rmul", other)

    def __gt__(self, other):
        return ("gt", other)


def test_any_class_with_the_reflected_operator_takes_the_operation_over() -> None:
    x, q = tg.ones(2), _Quantity()
    assert (x + q)[0] == "radd" and (x * q)[0] == "rmul" and (x < q)[0] == "gt"
    assert (x + q)[1] is x
    with pytest.raises(tg.DTypeError, match=r"-: cannot use _Quantity"):
        x - q  # no __rsub__: Tensor's own clear error


@pytest.mark.parametrize("other", ["a", ["a", "b"], {"a": 1}, None, object(), b"ab"])
@pytest.mark.parametrize("op", ["+", "*", "-", "/", "<"])
def test_bad_operands_keep_their_clear_error(op, other) -> None:
    for x in (tg.ones(2), tg.tensor([2])):  # str * int tensor must not repeat the string
        with pytest.raises(tg.TinygradError, match=f"{re.escape(op)}: cannot use"):
            OPERATORS[op](x, other)
