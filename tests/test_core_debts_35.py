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


# ---- 4. inference tensors ---------------------------------------------------------------

def _outcome(call):
    try:
        return call()
    except RuntimeError as error:
        return ("RuntimeError", str(error).split(".")[0].split(": ")[-1])


def _inference_story(m):
    x = m.ones(3, requires_grad=True)
    with m.inference_mode():
        y = x * x
        a = m.ones(3)
        a.add_(1)  # inside the mode: allowed
        made_inside = [t.is_inference() for t in (y, a, a.view(3), x)]
    normal = m.ones(3)
    with m.inference_mode():
        normal.add_(1)  # a normal tensor written inside: counted
        view_of_normal = normal.view(3)
    return (y.requires_grad, made_inside, view_of_normal.is_inference(), normal._version,
            [t.is_inference() for t in (a * 2, a.clone(), a[0], a.view(3))],
            [_outcome(f) for f in (lambda: y._version, lambda: a.add_(1),
                                   lambda: a.__setitem__(0, 5.0), lambda: a.view(3).mul_(2),
                                   lambda: a.copy_(m.zeros(3)), lambda: a.zero_(),
                                   lambda: a.requires_grad_())]), a.tolist()


def test_inference_tensors_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    (ours, values), (theirs, _) = _inference_story(tg), _inference_story(torch)
    assert ours == theirs
    assert values == [2.0, 2.0, 2.0]  # refused before writing (PyTorch writes, then raises)
    assert ours[5][0] == ("RuntimeError", "Inference tensors do not track version counter")
    assert ours[5][1] == ("RuntimeError",
                          "Inplace update to inference tensor outside InferenceMode is not "
                          "allowed")


def test_inplace_writes_into_inference_tensors_are_refused_under_no_grad_too() -> None:
    with tg.inference_mode():
        a = tg.ones(2)
    with tg.no_grad(), pytest.raises(tg.BackwardError, match="add_: Inplace update"):
        a.add_(1)
    with pytest.raises(tg.BackwardError, match="t_: Inplace update"):
        a.t_()
    a.data.add_(1)  # through .data: allowed, as PyTorch
    assert a.tolist() == [2.0, 2.0]
    with tg.inference_mode():
        a.add_(1)  # and inside the mode again
    assert a.tolist() == [3.0, 3.0]


def test_inference_mode_false_records_and_makes_normal_tensors_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for m in (tg, torch):
        row, x = [], m.ones(1, requires_grad=True)
        with m.inference_mode():
            with m.inference_mode(False):
                row += [m.is_inference_mode_enabled(), m.is_grad_enabled(),
                        m.ones(1).is_inference(), (x * 2).requires_grad]
            with m.enable_grad():  # grad modes leave inference mode on: nothing recorded
                row += [m.is_inference_mode_enabled(), m.ones(1).is_inference(),
                        m.is_grad_enabled(), (x * 2).requires_grad]
            row += [m.is_inference_mode_enabled(), m.is_grad_enabled()]
        with m.no_grad(), m.inference_mode(False):
            row.append(m.is_grad_enabled())
        row.append(m.is_inference_mode_enabled())
        results.append(row)
    assert results[0] == results[1]


def test_inference_mode_is_per_thread() -> None:
    import threading

    seen = {}
    entered, done = threading.Event(), threading.Event()

    def other() -> None:
        entered.wait()
        seen["other"] = tg.ones(1).is_inference()
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with tg.inference_mode():
        entered.set()
        done.wait()
        seen["here"] = tg.ones(1).is_inference()
    thread.join()
    assert seen == {"other": False, "here": True}
    assert not tg.ones(1).is_inference()


# ---- 5. a post-accumulate hook returning its tensor (PyTorch's docstring example) --------

def test_a_post_accumulate_hook_may_return_its_tensor_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for m in (tg, torch):
        v = m.tensor([0.0, 0.0, 0.0], requires_grad=True)
        v.register_post_accumulate_grad_hook(lambda p: p.add_(p.grad, alpha=-0.5))
        v.backward(m.tensor([1.0, 2.0, 3.0]))
        assert v.tolist() == [-0.5, -1.0, -1.5]
        w = m.tensor([0.0, 0.0, 0.0], requires_grad=True)
        w.register_post_accumulate_grad_hook(lambda p: p.grad * 1)  # another tensor: refused
        with pytest.raises(RuntimeError, match="should return None" if m is torch else
                           "must return None"):
            w.backward(m.tensor([1.0, 2.0, 3.0]))


# ---- 5. grad_dtype (PyTorch 2.13) -------------------------------------------------------

def _grad_dtype_story(m):
    def attempt(call):
        try:
            call()
            return "ok"
        except (RuntimeError, TypeError):
            return "refused"

    x = m.tensor([1.0, 2.0], requires_grad=True)
    seen = [str(x.grad_dtype)]
    x.grad_dtype = m.float16
    seen.append(str(x.grad_dtype))
    seen += [attempt(lambda: setattr(x, "grad", m.ones(2, dtype=m.float16))),
             attempt(lambda: setattr(x, "grad", m.ones(2))),
             attempt(lambda: setattr(x, "grad_dtype", m.float64))]  # a float16 .grad is there
    x.grad = None
    x.grad_dtype = None
    seen += [str(x.grad_dtype), attempt(lambda: setattr(x, "grad", m.ones(2, dtype=m.float64)))]
    (x * 2).sum().backward()  # added into the float64 .grad
    seen.append(f"{x.grad.dtype} {x.grad.tolist()}")
    y = m.tensor([1.0, 2.0], requires_grad=True)
    y.grad_dtype = m.float64
    for create_graph in (False, True):
        (y * 2).sum().backward(create_graph=create_graph)
        seen.append(f"{y.grad.dtype} {y.grad.tolist()}")
    z = m.tensor([1.0, 2.0], requires_grad=True)
    z.grad_dtype = None
    (z * 3).sum().backward()
    seen.append(str(z.grad.dtype))
    seen += [attempt(lambda: setattr(z * 2, "grad_dtype", m.float64)),
             attempt(lambda: setattr(m.ones(2), "grad_dtype", m.float64))]
    return [s.replace("torch.", "") for s in seen]


def test_grad_dtype_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours = _grad_dtype_story(tg)
    with warnings.catch_warnings():  # PyTorch's about backward(create_graph=True)
        warnings.simplefilter("ignore")
        theirs = _grad_dtype_story(torch)
    assert ours == theirs
    assert "float64 [4.0, 4.0]" in ours


def test_grad_dtype_refuses_what_is_no_dtype() -> None:
    x = tg.ones(2, requires_grad=True)
    with pytest.raises(tg.DTypeError, match="grad_dtype must be a dtype or None"):
        x.grad_dtype = "float64"
    with pytest.raises(tg.DTypeError, match="grad_dtype: 3 is not a dtype"):
        x.grad_dtype = 3
    assert x.grad_dtype == np.float32 and not x._hooks


def test_an_inference_tensor_is_not_saved_for_backward() -> None:
    # PyTorch refuses to save it at the forward, and so does tinygrad_bn since session 36
    # (this test once checked that a write into it was caught at the backward instead)
    w = tg.ones(3, requires_grad=True)
    with tg.inference_mode():
        a = tg.ones(3)
    with pytest.raises(tg.BackwardError, match="Inference tensors cannot be saved"):
        (w * a).sum()
