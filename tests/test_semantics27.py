"""PyTorch's semantics where they had drifted (the debts helper debt27 paid): the vector
products (dot and vdot take two 1-D tensors of one dtype; inner one dtype; outer/ger),
the dtype rules of mean, nanmean, var, std and their `dtype=` (sum and prod too), the
in-place methods that change a tensor's shape (t_, transpose_, swapdims_, swapaxes_,
squeeze_, unsqueeze_, resize_, resize_as_), set_grad_enabled as a statement and with a
bool only, and tg.Size's items; then what a probe of ~220 methods on edge inputs found
(integers into the functions of real numbers, where's promotion, 0-d tensors with dim 0
or -1, empty reductions, unsigned sums, bools where PyTorch refuses them, iteration).

Each behaviour is checked against PyTorch where torch is installed (the twin call must
give the same dtype, shape and values, or fail where ours refuses); the differentiable
ones pass gradcheck (reverse and forward mode) and gradgradcheck in float64 under
Hypothesis-drawn values. Its ROWS of bad calls are graded by the bad-input suites'
`_check` (tests/test_bad_input_surface.py); the rows that count for the coverage of the
public names (tg.vdot, tg.Size, tg.inference_mode, tg.set_grad_enabled) are in
tests/test_bad_input_rows22.py.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tests.test_bad_input_surface import _check
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

try:
    import torch
except ImportError:  # the cross-checks skip; everything else runs
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _v(*values: Any, dtype: Any = np.float32) -> Tensor:
    return Tensor(np.array(values, dtype))


def _tv(*values: Any, dtype: Any = None):
    return torch.tensor(values, dtype=dtype or torch.float32)


def _m(dtype: Any = np.float32) -> Tensor:
    return Tensor(np.arange(6).reshape(2, 3).astype(dtype))


def _tm(dtype: Any = None):
    return torch.arange(6).reshape(2, 3).to(dtype or torch.float32)


# ---------------------------------------------------------------- bad input, graded

# name: (our bad call, project error, message fragments, PyTorch's twin, ours_only or None)
ROWS: dict[str, tuple[Callable[[], Any], type, tuple[str, ...], Callable[[], Any] | None,
                      str | None]] = {
    "dot of matrices": (lambda: tg.dot(_m(), _m()), tg.ShapeError,
                        ("dot", "1D tensors expected", "2D", "(2, 3)"),
                        lambda: torch.dot(_tm(), _tm()), None),
    "Tensor.dot of 0-d": (lambda: Tensor(2.0).dot(Tensor(3.0)), tg.ShapeError,
                          ("dot", "1D tensors expected", "0D"),
                          lambda: torch.tensor(2.0).dot(torch.tensor(3.0)), None),
    "dot mixed dtypes": (lambda: tg.dot(_v(1, 2), _v(1, 2, dtype=np.int64)), tg.DTypeError,
                         ("dot", "same dtype", "float32", "int64"),
                         lambda: torch.dot(_tv(1, 2), _tv(1, 2, dtype=torch.int64)), None),
    "dot of bools": (lambda: tg.dot(_v(1, 0, dtype=bool), _v(1, 1, dtype=bool)),
                     tg.DTypeError, ("dot", "bool"),
                     lambda: torch.dot(_tv(1, 0, dtype=torch.bool), _tv(1, 1, dtype=torch.bool)),
                     None),
    "vdot lengths": (lambda: tg.vdot(_v(1, 2, 3), _v(1, 2)), tg.ShapeError,
                     ("vdot", "(3,)", "(2,)"), lambda: torch.vdot(_tv(1, 2, 3), _tv(1, 2)), None),
    "vdot mixed dtypes": (lambda: _v(1, 2).vdot(_v(1, 2, dtype=np.float64)), tg.DTypeError,
                          ("vdot", "float32", "float64"),
                          lambda: _tv(1, 2).vdot(_tv(1, 2, dtype=torch.float64)), None),
    "inner mixed dtypes": (lambda: tg.inner(_m(), _m(np.float64)), tg.DTypeError,
                           ("inner", "float32", "float64"),
                           lambda: torch.inner(_tm(), _tm(torch.float64)), None),
    "inner of bools": (lambda: tg.inner(_m(bool), _m(bool)), tg.DTypeError, ("inner", "bool"),
                       lambda: torch.inner(_tm(torch.bool), _tm(torch.bool)), None),
    "ger of a matrix": (lambda: tg.ger(_m(), _v(1, 2)), tg.ShapeError, ("outer", "1-D"),
                        lambda: torch.ger(_tm(), _tv(1, 2)), None),
    "mean of ints": (lambda: _m(np.int64).mean(), tg.DTypeError,
                     ("mean", "could not infer the output dtype", "int64", "dtype="),
                     lambda: _tm(torch.int64).mean(), None),
    "tg.mean of bools over a dim": (lambda: tg.mean(_m(bool), 1), tg.DTypeError,
                                    ("mean", "bool"), lambda: torch.mean(_tm(torch.bool), 1),
                                    None),
    "mean with an integer dtype=": (lambda: _m().mean(dtype=tg.int64), tg.DTypeError,
                                    ("mean", "dtype=", "int64"),
                                    lambda: _tm().mean(dtype=torch.int64), None),
    "mean with a dtype name that is none": (lambda: _m().mean(dtype="float33"), tg.DTypeError,
                                            ("mean", "float33"), None, None),
    "nanmean of ints, even with dtype=": (lambda: _m(np.int32).nanmean(dtype=tg.float32),
                                          tg.DTypeError, ("nanmean", "int32"),
                                          lambda: _tm(torch.int32).nanmean(dtype=torch.float32),
                                          None),
    "nanmean with an integer dtype=": (lambda: tg.nanmean(_m(), dtype=tg.int64), tg.DTypeError,
                                       ("nanmean", "dtype=", "int64"),
                                       lambda: torch.nanmean(_tm(), dtype=torch.int64), None),
    "var of ints": (lambda: _m(np.int64).var(), tg.DTypeError, ("var", "floating", "int64"),
                    lambda: _tm(torch.int64).var(), None),
    "tg.std of bools": (lambda: tg.std(_m(bool), 0), tg.DTypeError, ("std", "bool"),
                        lambda: torch.std(_tm(torch.bool), 0), None),
    "var_mean of ints": (lambda: tg.var_mean(_m(np.int64)), tg.DTypeError,
                         ("var_mean", "int64"), lambda: torch.var_mean(_tm(torch.int64)), None),
    "std_mean of ints": (lambda: tg.std_mean(_m(np.int32), 0), tg.DTypeError,
                         ("std_mean", "int32"), lambda: torch.std_mean(_tm(torch.int32), 0),
                         None),
    "sum with a dtype that is none": (lambda: _m().sum(dtype="complex"), tg.DTypeError,
                                      ("sum", "complex"), None, None),
    "set_grad_enabled(None)": (lambda: tg.set_grad_enabled(None), tg.ArgumentTypeError,
                               ("set_grad_enabled", "bool", "NoneType"),
                               lambda: torch.set_grad_enabled(None), None),
    "set_grad_enabled(a tensor)": (lambda: tg.set_grad_enabled(Tensor(True)),
                                   tg.ArgumentTypeError, ("set_grad_enabled", "Tensor"),
                                   lambda: torch.set_grad_enabled(torch.tensor(True)), None),
    "Size of None": (lambda: tg.Size([2, None]), tg.ArgumentTypeError,
                     ("Size", "item 1", "NoneType"), lambda: torch.Size([2, None]), None),
    "Size of a string": (lambda: tg.Size("ab"), tg.ArgumentTypeError, ("Size", "str"),
                         lambda: torch.Size("ab"), None),
    "Size of a number": (lambda: tg.Size(3), tg.ArgumentTypeError, ("Size", "int 3"),
                         lambda: torch.Size(3), None),
}


def _rows_in_place() -> None:
    """The in-place shape methods' bad calls (methods, so not counted by the coverage test,
    but graded the same way)."""
    leaf = (lambda: Tensor(np.ones((2, 1, 3)), requires_grad=True),
            lambda: torch.ones(2, 1, 3, requires_grad=True))
    plain = (lambda: Tensor(np.ones((2, 1, 3))), lambda: torch.ones(2, 1, 3))
    cases = {
        "squeeze_ on a leaf that requires grad": (leaf, lambda t: t.squeeze_(), tg.BackwardError,
                                                  ("squeeze_", "leaf")),
        "unsqueeze_ on a leaf that requires grad": (leaf, lambda t: t.unsqueeze_(0),
                                                    tg.BackwardError, ("unsqueeze_", "leaf")),
        "transpose_ on a leaf that requires grad": (leaf, lambda t: t.transpose_(0, 1),
                                                    tg.BackwardError, ("transpose_", "leaf")),
        "swapdims_ on a leaf that requires grad": (leaf, lambda t: t.swapdims_(0, 1),
                                                   tg.BackwardError, ("swapdims_", "leaf")),
        "resize_ of a tensor that requires grad": (leaf, lambda t: (t * 2).resize_(6),
                                                   tg.BackwardError,
                                                   ("resize_", "requires grad")),
        "squeeze_ dim out of range": (plain, lambda t: t.squeeze_(5), tg.AxisError,
                                      ("squeeze_", "axis 5")),
        "unsqueeze_ dim out of range": (plain, lambda t: t.unsqueeze_(-5), tg.AxisError,
                                        ("unsqueeze_", "axis -5")),
        "transpose_ dim out of range": (plain, lambda t: t.transpose_(0, 3), tg.AxisError,
                                        ("transpose_", "axis 3")),
        "swapaxes_ dim out of range": (plain, lambda t: t.swapaxes_(-4, 0), tg.AxisError,
                                       ("swapaxes_", "axis -4")),
        "t_ of a 3-d tensor": (plain, lambda t: t.t_(), tg.ShapeError, ("t_", "2 dims")),
        "resize_ negative": (plain, lambda t: t.resize_(-1), tg.ShapeError,
                             ("resize_", "(-1,)")),
        "resize_ float": (plain, lambda t: t.resize_(2.5), tg.ArgumentTypeError,
                          ("resize_", "float")),
        "resize_as_ a number": (plain, lambda t: t.resize_as_(3), tg.ArgumentTypeError,
                                ("resize_as_", "Tensor", "int")),
    }
    for name, ((ours, theirs), call, error, fragments) in cases.items():
        ROWS[name] = (lambda ours=ours, call=call: call(ours()), error, fragments,
                      lambda theirs=theirs, call=call: call(theirs()), None)
    ROWS["resize_ of a non-contiguous tensor to another shape"] = (
        lambda: _m().t().resize_(2, 3), tg.UnsupportedError, ("resize_", "contiguous"), None,
        "PyTorch lays the new shape over the memory in storage order, which NumPy views do "
        "not expose; a transposed tensor resized would read its elements in another order")


_rows_in_place()


@pytest.mark.parametrize("name", sorted(ROWS))
def test_bad_calls_are_refused_as_pytorch_refuses(name: str) -> None:
    call, error, fragments, twin, ours_only = ROWS[name]
    builtin = next(b for b in error.__mro__ if b.__module__ == "builtins" and
                   b is not object and not issubclass(b, tg.TinygradError))
    try:
        _check(call, error, builtin, fragments, twin, ours_only)
    finally:
        tg.set_grad_enabled(True)  # a refused call must not leave the mode changed
        if torch is not None:
            torch.set_grad_enabled(True)


# ---------------------------------------------------------------- vector products


@needs_torch
def test_products_give_pytorchs_dtypes_and_values() -> None:
    cases = [
        ("dot int64", lambda m: m.dot(m.tensor([1, 2, 3]), m.tensor([4, 5, 6]))),
        ("dot int32", lambda m: m.dot(m.tensor([1, 2], dtype=m.int32),
                                      m.tensor([3, 4], dtype=m.int32))),
        ("dot float16", lambda m: m.dot(m.ones(3, dtype=m.float16), m.ones(3, dtype=m.float16))),
        ("dot empty", lambda m: m.dot(m.ones(0), m.ones(0))),
        ("vdot", lambda m: m.vdot(m.tensor([1.0, 2.0]), m.tensor([3.0, 4.0]))),
        ("inner 0-d int and float matrix", lambda m: m.inner(m.tensor(2), m.ones(2, 3))),
        ("inner 0-d float64 and float32", lambda m: m.inner(m.tensor(2.0, dtype=m.float64),
                                                            m.ones(2))),
        ("inner int32 matrices", lambda m: m.inner(m.ones(2, 3, dtype=m.int32),
                                                   m.ones(4, 3, dtype=m.int32))),
        ("inner empty last dims", lambda m: m.inner(m.ones(2, 0), m.ones(3, 0))),
        ("outer int and float", lambda m: m.outer(m.tensor([1, 2]), m.tensor([0.5, 1.0]))),
        ("ger bools", lambda m: m.ger(m.tensor([True, False]), m.tensor([True, True]))),
    ]
    for name, case in cases:
        ours, theirs = case(tg), case(torch)
        assert ours.shape == tuple(theirs.shape), name
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)


PRODUCTS: dict[str, tuple[Callable, Callable, tuple[int, ...], tuple[int, ...]]] = {
    "dot": (tg.dot, lambda a, b: torch.dot(a, b), (4,), (4,)),
    "vdot (method)": (lambda a, b: a.vdot(b), lambda a, b: a.vdot(b), (3,), (3,)),
    "inner": (tg.inner, lambda a, b: torch.inner(a, b), (2, 3), (4, 3)),
    "outer": (tg.outer, lambda a, b: torch.outer(a, b), (3,), (2,)),
    "ger (method)": (lambda a, b: a.ger(b), lambda a, b: a.ger(b), (2,), (3,)),
}


@pytest.mark.parametrize("name", sorted(PRODUCTS))
@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_products_have_gradients_of_every_order(name: str, data) -> None:
    ours, theirs, shape_a, shape_b = PRODUCTS[name]
    a, b = data.draw(tst.arrays(shape_a)), data.draw(tst.arrays(shape_b))
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    assert tg.gradcheck(ours, [x, y])  # reverse mode and the jvp
    assert tg.gradgradcheck(ours, [x, y])
    if torch is None:
        return
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    out, expected = ours(x, y), theirs(ta, tb)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-13)
    up = np.cos(np.arange(out.data.size)).reshape(out.shape)
    (out * Tensor(up)).sum().backward()
    (expected * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(x.grad.data, ta.grad.numpy(), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(y.grad.data, tb.grad.numpy(), rtol=1e-12, atol=1e-13)


# ---------------------------------------------------------------- dtypes of reductions


@needs_torch
def test_reductions_with_dtype_follow_pytorch() -> None:
    cases = [
        ("mean of ints, dtype float32", lambda m, i: i.mean(dtype=m.float32)),
        ("mean over a dim, dtype float64", lambda m, i: m.mean(i, 1, True, dtype=m.float64)),
        ("mean of bools, dtype float32", lambda m, i: (i > 2).mean(dtype=m.float32)),
        ("mean of float32 in float64", lambda m, i: i.float().mean(dtype=m.float64)),
        ("mean of float32 in float16", lambda m, i: i.float().mean(0, dtype=m.float16)),
        ("mean of float16", lambda m, i: i.half().mean()),
        ("nanmean of float32 in float64", lambda m, i: i.float().nanmean(dtype=m.float64)),
        ("sum of int32 as int32", lambda m, i: i.int().sum(dtype=m.int32)),
        ("sum of int32", lambda m, i: i.int().sum(1)),
        ("sum of ints as float16", lambda m, i: i.sum(0, dtype=m.float16)),
        ("sum of ints as bool", lambda m, i: i.sum(dtype=m.bool)),
        ("prod of ints as float32", lambda m, i: i.prod(dtype=m.float32)),
        ("prod over a dim as int32", lambda m, i: (i + 1).int().prod(1, True, dtype=m.int32)),
        ("nansum of ints as float32", lambda m, i: i.nansum(dtype=m.float32)),
        ("var of float32", lambda m, i: i.float().var(1)),
        ("std of float64", lambda m, i: i.double().std()),
    ]
    for name, case in cases:
        ours = case(tg, tg.arange(6).reshape(2, 3))
        theirs = case(torch, torch.arange(6).reshape(2, 3))
        assert ours.shape == tuple(theirs.shape), name
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
        np.testing.assert_allclose(ours.numpy().astype(np.float64),
                                   theirs.numpy().astype(np.float64), rtol=1e-6, err_msg=name)


@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_reductions_with_dtype_have_gradients(data) -> None:
    x = Tensor(data.draw(tst.arrays((3, 4))), requires_grad=True)

    def f(t):
        return (t.mean(1, dtype=tg.float64) + t.sum(1, dtype=tg.float64) * t.prod(
            1, dtype=tg.float64) + tg.nanmean(t, 1, dtype=tg.float64))
    assert tg.gradcheck(f, [x])
    assert tg.gradgradcheck(f, [x])
    half = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    half.mean(dtype=tg.float64).backward()  # the gradient comes back in the input's dtype
    assert half.grad.dtype == np.float32
    np.testing.assert_allclose(half.grad.data, np.full((2, 3), 1 / 6), rtol=1e-6)


# ---------------------------------------------------------------- in-place shape changes

SHAPE_METHODS: dict[str, tuple[Callable, tuple[int, ...]]] = {
    "t_": (lambda t: t.t_(), (2, 3)),
    "transpose_": (lambda t: t.transpose_(0, 2), (2, 1, 3)),
    "swapdims_": (lambda t: t.swapdims_(-1, 0), (2, 1, 3)),
    "swapaxes_": (lambda t: t.swapaxes_(1, 2), (2, 1, 3)),
    "squeeze_": (lambda t: t.squeeze_(), (2, 1, 3)),
    "squeeze_ (dim)": (lambda t: t.squeeze_(1), (2, 1, 3)),
    "squeeze_ (dims, one not 1)": (lambda t: t.squeeze_((0, 1)), (2, 1, 3)),
    "unsqueeze_": (lambda t: t.unsqueeze_(-1), (2, 3)),
}


@pytest.mark.parametrize("name", sorted(SHAPE_METHODS))
def test_in_place_shape_methods_change_the_tensor_itself(name: str) -> None:
    method, shape = SHAPE_METHODS[name]
    values = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    x = Tensor(values.copy())
    flat = x.view(-1)  # a view of the memory from before
    assert method(x) is x and x._version == 1 and flat._version == 1
    x.data[...] = -x.data  # the same memory: the earlier view sees the write
    np.testing.assert_array_equal(flat.data, -values.reshape(-1))
    with tg.no_grad():  # a leaf that requires grad: allowed when nothing is recorded
        leaf = Tensor(values.copy(), requires_grad=True)
        assert method(leaf) is leaf and leaf.shape == x.shape and leaf.requires_grad
    if torch is None:
        return
    t = torch.tensor(values)
    method(t)
    assert x.shape == tuple(t.shape) and t._version == 1
    np.testing.assert_array_equal(x.data, -t.numpy())


@pytest.mark.parametrize("name", sorted(SHAPE_METHODS))
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_in_place_shape_methods_have_the_out_of_place_gradients(name: str, data) -> None:
    method, shape = SHAPE_METHODS[name]
    a = data.draw(tst.arrays(shape))
    x = Tensor(a, requires_grad=True)

    def f(t):
        y = t * t  # not a leaf: in-place allowed, and recorded
        method(y)
        return y.exp_() * 2  # a write after the change of shape, recorded as well
    assert tg.gradcheck(f, [x])  # reverse mode and the jvp
    assert tg.gradgradcheck(f, [x])
    if torch is None:
        return
    tx = torch.tensor(a, requires_grad=True)
    out, expected = f(x), f(tx)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12)
    up = np.sin(np.arange(out.data.size)).reshape(out.shape)
    (out * Tensor(up)).sum().backward()
    (expected * torch.tensor(up)).sum().backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)


def test_in_place_shape_change_of_a_saved_output_fails_backward_as_pytorch() -> None:
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = x.exp()  # Exp's backward reads its output, whose metadata the write changes
    y.unsqueeze_(0)
    with pytest.raises(tg.BackwardError, match="modified by an inplace operation"):
        y.sum().backward()
    if torch is not None:
        ty = torch.ones(2, 3, requires_grad=True).exp()
        ty.unsqueeze_(0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            ty.sum().backward()


def test_in_place_shape_change_of_an_indexed_view() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x * 1
    row = y[0]
    row.unsqueeze_(0)  # allowed, as in PyTorch; the gradient flows through the view
    assert row.shape == (1, 3) and y.shape == (2, 3)
    (row * Tensor(np.array([[1.0, 2.0, 3.0]]))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 2, 3], [0, 0, 0]])
    # a later write through it is put back into y's graph at the row's positions
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x * 1
    row = y[1]
    row.t_()
    row.mul_(2)
    (y * Tensor(np.arange(1.0, 7.0).reshape(2, 3))).sum().backward()
    np.testing.assert_array_equal(y.data, [[0, 1, 2], [6, 8, 10]])
    np.testing.assert_array_equal(x.grad.data, [[1, 2, 3], [8, 10, 12]])
    plain = Tensor(np.arange(6.0).reshape(2, 3))  # outside the graph it writes through
    view = plain[1]
    view.unsqueeze_(0).mul_(10)
    np.testing.assert_array_equal(plain.data, [[0, 1, 2], [30, 40, 50]])


def test_resize_keeps_or_grows_the_memory_as_pytorch() -> None:
    x = Tensor(np.arange(6.0))
    before = x.view(2, 3)
    assert x.resize_(2, 2) is x and x.shape == (2, 2) and x._version == 1
    x.data[0, 0] = 100.0  # shrunk: still the same memory
    assert before.data[0, 0] == 100.0
    y = Tensor(np.arange(6.0))
    y.resize_((2, 4))
    assert y.shape == (2, 4) and y._version == 1
    np.testing.assert_array_equal(y.data.reshape(-1)[:6], np.arange(6.0))
    np.testing.assert_array_equal(y.data.reshape(-1)[6:], [0.0, 0.0])  # PyTorch: garbage
    z = Tensor(np.arange(6.0).reshape(2, 3)).t()
    assert z.resize_(3, 2).shape == (3, 2)  # its own shape: a no-op, also when transposed
    assert Tensor(np.ones(6)).resize_as_(Tensor(np.ones((3, 2)))).shape == (3, 2)
    with tg.no_grad():  # PyTorch refuses a tensor that requires grad even here
        with pytest.raises(tg.BackwardError, match="resize_"):
            Tensor(np.ones(2), requires_grad=True).resize_(3)
    if torch is None:
        return
    t = torch.arange(6.0)
    tb = t.view(2, 3)
    t.resize_(2, 2)
    t[0, 0] = 100.0
    assert tb[0, 0] == 100.0 and t._version == 2  # the write counts as one more
    assert tuple(torch.arange(6.0).resize_((2, 4)).shape) == (2, 4)
    with torch.no_grad(), pytest.raises(RuntimeError, match="resize"):
        torch.ones(2, requires_grad=True).resize_(3)


# ---------------------------------------------------------------- modes and Size


def _grad_mode_story(m) -> list[bool]:
    seen = []
    m.set_grad_enabled(False)  # a statement: holds from here on
    seen.append(m.is_grad_enabled())
    with m.set_grad_enabled(True):
        seen.append(m.is_grad_enabled())
    seen.append(m.is_grad_enabled())
    with m.enable_grad():
        seen.append(m.is_grad_enabled())
    seen.append(m.is_grad_enabled())
    m.set_grad_enabled(True)
    with m.no_grad():
        m.set_grad_enabled(True)
        seen.append(m.is_grad_enabled())
    seen.append(m.is_grad_enabled())

    @m.set_grad_enabled(False)
    def inside() -> bool:
        return m.is_grad_enabled()
    seen += [m.is_grad_enabled(), inside(), m.is_grad_enabled()]
    return seen


def test_set_grad_enabled_as_a_statement_a_block_and_a_decorator() -> None:
    try:
        ours = _grad_mode_story(tg)
    finally:
        tg.set_grad_enabled(True)
    assert ours == [False, True, False, True, False, True, True, True, False, True]
    if torch is not None:
        try:
            assert _grad_mode_story(torch) == ours
        finally:
            torch.set_grad_enabled(True)


def test_set_grad_enabled_as_a_statement_is_per_thread() -> None:
    seen = []

    def other() -> None:
        tg.set_grad_enabled(False)
        seen.append(tg.is_grad_enabled())

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == [False] and tg.is_grad_enabled()
    x = Tensor(np.ones(2), requires_grad=True)
    try:
        tg.set_grad_enabled(False)
        assert not (x * 2).requires_grad
    finally:
        tg.set_grad_enabled(True)
    assert (x * 2).requires_grad
    (x * x).sum().backward(create_graph=1)  # backward takes a truthy create_graph, as torch
    assert x.grad.requires_grad


def test_size_takes_what_pytorch_takes() -> None:
    made = tg.Size([True, np.int64(2), Tensor(np.array(3)), -1])
    assert made == (1, 2, 3, -1) and all(type(n) is int for n in made)
    assert tg.Size().numel() == 1 and tg.ones(2, 3).shape.numel() == 6
    assert isinstance(tg.ones(2).shape, tg.Size) and isinstance(tg.ones(2).size(), tg.Size)
    if torch is not None:
        assert tuple(torch.Size([True, np.int64(2), torch.tensor(3), -1])) == made


# ---------------------------------------------------------------- what the probe found
# (a comparison of ~220 methods and functions on 0-d, empty, int, bool, uint8, float16 and
# non-contiguous inputs with PyTorch; the mismatches a user would hit, fixed)

FLOATING_FUNCTIONS = ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "log1p", "expm1",
                      "log2", "log10", "exp2", "tan", "atan", "sinh", "cosh", "asinh", "erf",
                      "rsqrt", "logit"]


@needs_torch
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_functions_of_real_numbers_give_the_default_dtype_for_integers(dtype: str) -> None:
    values = np.array([[0, 1, 2], [3, 1, 0]]).astype(dtype)
    for name in FLOATING_FUNCTIONS:
        ours = getattr(Tensor(values), name)()
        theirs = getattr(torch.tensor(values), name)()
        assert str(ours.dtype) == "float32" == str(theirs.dtype).removeprefix("torch."), name
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-5, err_msg=name)
    pairs = {"atan2": lambda m, x: m.atan2(x, x), "copysign": lambda m, x: m.copysign(x, x),
             "logsumexp": lambda m, x: m.logsumexp(x, 1), "xlogy": lambda m, x: m.xlogy(x, x)}
    for name, call in pairs.items():
        ours, theirs = call(tg, Tensor(values)), call(torch, torch.tensor(values))
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-5, err_msg=name)
    tg.set_default_dtype(tg.float64)
    try:
        assert Tensor(values).exp().dtype == np.float64 and tg.atan2(
            Tensor(values), Tensor(values)).dtype == np.float64
    finally:
        tg.set_default_dtype(tg.float32)
    assert Tensor(values.astype(np.float16)).exp().dtype == np.float16  # floats keep theirs


@needs_torch
def test_where_masked_fill_and_unsigned_reductions_give_pytorchs_dtypes() -> None:
    cases = [
        ("where int tensor and float", lambda m: m.where(m.tensor([True, False]),
                                                         m.tensor([1, 2]), 0.5)),
        ("where int32 and float16", lambda m: m.where(m.tensor([True, False]),
                                                      m.tensor([1, 2], dtype=m.int32),
                                                      m.tensor([0.5, 1.5], dtype=m.float16))),
        ("where 0-d float64 and float32", lambda m: m.where(m.tensor([True, False]),
                                                            m.tensor(2.0, dtype=m.float64),
                                                            m.ones(2))),
        ("masked_fill of bools with 0", lambda m: m.tensor([True, True]).masked_fill(
            m.tensor([True, False]), 0)),
        ("masked_fill of ints with 2.5", lambda m: m.tensor([1, 2]).masked_fill(
            m.tensor([True, False]), 2.5)),
        ("sum of uint8", lambda m: m.tensor([200, 100], dtype=m.uint8).sum()),
        ("prod of uint8", lambda m: m.tensor([200, 100], dtype=m.uint8).prod()),
        ("cumsum of uint8", lambda m: m.tensor([200, 100], dtype=m.uint8).cumsum(0)),
        ("nansum of uint8", lambda m: m.tensor([200, 100], dtype=m.uint8).nansum()),
    ]
    for name, case in cases:
        ours, theirs = case(tg), case(torch)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)


# each with the dim it reduces or moves along: 0 and -1 name the one element of a 0-d tensor
ZERO_D: dict[str, Callable] = {
    "prod": lambda x, d: x.prod(d),
    "prod keepdim": lambda x, d: x.prod(d, keepdim=True),
    "logsumexp": lambda x, d: x.logsumexp(d),
    "transpose": lambda x, d: x.transpose(0, d),
    "swapdims": lambda x, d: x.swapdims(d, -1),
    "flip": lambda x, d: x.flip(d),
    "sort values": lambda x, d: x.sort(d).values,
    "topk values": lambda x, d: x.topk(1, d).values,
    "kthvalue values": lambda x, d: x.kthvalue(1, d).values,
}
ZERO_D_QUERIES: dict[str, Callable] = {
    "argmax": lambda x, d: x.argmax(d),
    "argmin keepdim": lambda x, d: x.argmin(d, keepdim=True),
    "argsort": lambda x, d: x.argsort(d),
    "any": lambda x, d: x.any(d),
    "all": lambda x, d: x.all(d),
    "sort indices": lambda x, d: x.sort(d).indices,
    "topk indices": lambda x, d: x.topk(1, d).indices,
}


@pytest.mark.parametrize("name", sorted(ZERO_D) + sorted(ZERO_D_QUERIES))
def test_a_0d_tensor_takes_dim_0_and_minus_1(name: str) -> None:
    call = {**ZERO_D, **ZERO_D_QUERIES}[name]
    with pytest.raises(tg.AxisError):  # dim 1 names nothing (PyTorch: IndexError)
        call(Tensor(np.array(1.5, np.float32)), 1)
    for d in (0, -1):
        ours = call(Tensor(np.array(1.5, np.float32)), d)
        if name in ZERO_D:  # differentiable: every order, and the jvp
            x = Tensor(np.array(0.7), requires_grad=True)
            assert tg.gradcheck(lambda t, d=d: call(t, d), [x])
            assert tg.gradgradcheck(lambda t, d=d: call(t, d), [x])
        if torch is None:
            continue
        theirs = call(torch.tensor(1.5), d)
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        with pytest.raises(IndexError):
            call(torch.tensor(1.5), 1)


@needs_torch
def test_empty_tensors_reduce_over_their_nonempty_dims_as_pytorch() -> None:
    cases = {"argmax over a full dim": lambda m: m.zeros(0, 3).argmax(-1),
             "argmin keepdim": lambda m: m.zeros(0, 3).argmin(1, keepdim=True),
             "logsumexp over a full dim": lambda m: m.zeros(0, 3).logsumexp(-1),
             "logsumexp over the empty dim": lambda m: m.zeros(0, 3).logsumexp(0),
             "logsumexp of nothing": lambda m: m.zeros(0).logsumexp(0)}
    for name, case in cases.items():
        ours, theirs = case(tg), case(torch)
        assert ours.shape == tuple(theirs.shape), name
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)
    with pytest.raises(tg.ShapeError, match="argmax.*along dim 0"):  # PyTorch refuses too
        tg.zeros(0, 3).argmax(0)
    with pytest.raises(IndexError):
        torch.zeros(0, 3).argmax(0)


PROBE_ROWS: dict[str, tuple[Callable[[], Any], type, tuple[str, ...], Callable[[], Any]]] = {
    "argmax of bools": (lambda: Tensor(np.array([True, False])).argmax(), tg.DTypeError,
                        ("argmax", "bool"), lambda: torch.tensor([True, False]).argmax()),
    "argmin of bools along a dim": (lambda: _m(bool).argmin(1), tg.DTypeError,
                                    ("argmin", "bool"), lambda: _tm(torch.bool).argmin(1)),
    "gcd of bools": (lambda: tg.gcd(_v(1, 0, dtype=bool), _v(1, 1, dtype=bool)), tg.DTypeError,
                     ("gcd", "bool"),
                     lambda: torch.gcd(_tv(1, 0, dtype=torch.bool), _tv(1, 1, dtype=torch.bool))),
    "iterating a 0-d tensor": (lambda: list(iter(Tensor(np.array(1.0)))), tg.ArgumentTypeError,
                               ("iteration over a 0-d tensor",),
                               lambda: list(iter(torch.tensor(1.0)))),
    "len of a 0-d tensor": (lambda: len(Tensor(np.array(1.0))), tg.ArgumentTypeError,
                            ("len()", "0-d"), lambda: len(torch.tensor(1.0))),
}


@pytest.mark.parametrize("name", sorted(PROBE_ROWS))
def test_what_the_probe_found_pytorch_refusing_is_refused(name: str) -> None:
    call, error, fragments, twin = PROBE_ROWS[name]
    builtin = next(b for b in error.__mro__ if b.__module__ == "builtins" and
                   b is not object and not issubclass(b, tg.TinygradError))
    _check(call, error, builtin, fragments, twin, None)


def test_iterating_a_tensor_gives_its_slices() -> None:
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert len(rows) == 3 and all(r.shape == (2,) for r in rows)
    sum(r * (k + 1) for k, r in enumerate(rows)).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[1, 1], [2, 2], [3, 3]])


@needs_torch
def test_joins_clamps_and_fills_follow_pytorchs_dtypes() -> None:
    cases = [
        ("cat int64 and float32", lambda m: m.cat([m.ones(2, dtype=m.int64), m.ones(2)])),
        ("cat bool and int32", lambda m: m.cat([m.ones(1, dtype=m.bool),
                                                m.ones(2, dtype=m.int32)])),
        ("stack int32 and float16", lambda m: m.stack([m.ones(2, dtype=m.int32),
                                                       m.ones(2, dtype=m.float16)])),
        ("clamp ints by floats", lambda m: m.arange(5).clamp(0.5, 2.5)),
        ("clamp ints by a float tensor", lambda m: m.arange(5).clamp(min=m.tensor(1.5))),
        ("clamp ints by ints", lambda m: m.arange(5).clamp(1, 3)),
        ("full 2.7 as int64", lambda m: m.full((2,), 2.7, dtype=m.int64)),
        ("full -2.7 as int32", lambda m: m.full((2,), -2.7, dtype=m.int32)),
        ("full_like an int tensor with 2.5", lambda m: m.full_like(m.ones(2, dtype=m.int64),
                                                                   2.5)),
        ("integer division of nothing by 0", lambda m: m.ones(0, dtype=m.int64) // 0),
        ("diff with prepend", lambda m: m.tensor([1, 3, 6]).diff(prepend=m.tensor([0]))),
        ("diff with append along dim 0", lambda m: m.diff(m.ones(2, 3), dim=0,
                                                          append=m.zeros(1, 3))),
        ("diff of order 2 with both", lambda m: m.tensor([1.0, 4.0]).diff(
            2, prepend=m.tensor([0.0]), append=m.tensor([9.0]))),
    ]
    for name, case in cases:
        ours, theirs = case(tg), case(torch)
        assert ours.shape == tuple(theirs.shape), name
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)
    x = Tensor(np.ones(2, np.float32), requires_grad=True)
    joined = tg.cat([x, Tensor(np.ones(2))])  # float64: x's gradient comes back float32
    (joined * 2).sum().backward()
    assert joined.dtype == np.float64 and x.grad.dtype == np.float32


@settings(max_examples=4, deadline=None)
@given(data=st.data())
def test_diff_with_prepend_and_append_has_gradients(data) -> None:
    x, before, after = (Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
                        for shape in ((3, 4), (3, 1), (3, 2)))

    def f(x, before, after):
        return x.diff(2, -1, prepend=before, append=after) * 1.5
    assert tg.gradcheck(f, [x, before, after])
    assert tg.gradgradcheck(f, [x, before, after])


MORE_ROWS: dict[str, tuple[Callable[[], Any], type, tuple[str, ...], Callable[[], Any]]] = {
    "int // 0": (lambda: Tensor(np.array([1, 2])) // 0, tg.ArgumentError,
                 ("div", "division by zero"), lambda: torch.tensor([1, 2]) // 0),
    "int % a tensor with a 0": (lambda: Tensor(np.array([1, 2])) % Tensor(np.array([1, 0])),
                                tg.ArgumentError, ("remainder", "division by zero", "(2,)"),
                                lambda: torch.tensor([1, 2]) % torch.tensor([1, 0])),
    "fmod of ints by 0": (lambda: tg.fmod(Tensor(np.array([3])), 0), tg.ArgumentError,
                          ("fmod", "division by zero"), lambda: torch.fmod(torch.tensor([3]), 0)),
    "div trunc of ints by 0": (lambda: Tensor(np.array([3])).div(0, rounding_mode="trunc"),
                               tg.ArgumentError, ("div", "zero"),
                               lambda: torch.tensor([3]).div(0, rounding_mode="trunc")),
    "matmul float32 @ float64": (lambda: _m() @ _m(np.float64).T, tg.DTypeError,
                                 ("matmul", "same dtype", "float32", "float64"),
                                 lambda: _tm() @ _tm(torch.float64).T),
    "mm int64 and float32": (lambda: tg.mm(_m(np.int64), _m().T), tg.DTypeError,
                             ("mm", "int64", "float32"),
                             lambda: torch.mm(_tm(torch.int64), _tm().T)),
    "mm of bools": (lambda: tg.mm(_m(bool), _m(bool).T), tg.DTypeError, ("mm", "bool"),
                    lambda: torch.mm(_tm(torch.bool), _tm(torch.bool).T)),
    "clamp_ of ints by floats": (lambda: tg.arange(5).clamp_(0.5, 2.5), tg.DTypeError,
                                 ("clamp_", "float32", "int64"),
                                 lambda: torch.arange(5).clamp_(0.5, 2.5)),
    "full inf as int32": (lambda: tg.full((2,), float("inf"), dtype=tg.int32),
                          tg.ArgumentError, ("full", "inf", "int32"),
                          lambda: torch.full((2,), float("inf"), dtype=torch.int32)),
    "diff with a prepend of another rank": (
        lambda: Tensor(np.array([1, 2])).diff(prepend=Tensor(np.ones((2, 2)))), tg.ShapeError,
        ("diff", "(2, 2)"), lambda: torch.tensor([1, 2]).diff(prepend=torch.ones(2, 2))),
}


@pytest.mark.parametrize("name", sorted(MORE_ROWS))
def test_more_that_pytorch_refuses_is_refused(name: str) -> None:
    call, error, fragments, twin = MORE_ROWS[name]
    builtin = next(b for b in error.__mro__ if b.__module__ == "builtins" and
                   b is not object and not issubclass(b, tg.TinygradError))
    _check(call, error, builtin, fragments, twin, None)


@needs_torch
def test_tensor_of_a_list_of_tensors_and_bincount_keep_pytorchs_dtypes() -> None:
    cases = [
        ("float64 tensors and a float", lambda m: m.tensor([m.tensor(1.0, dtype=m.float64),
                                                            2.0])),
        ("an int tensor and a float", lambda m: m.tensor([m.tensor(1), 2.5])),
        ("int32 tensors", lambda m: m.tensor([m.tensor(1, dtype=m.int32),
                                              m.tensor(2, dtype=m.int32)])),
        ("NumPy float64 and a float", lambda m: m.tensor([np.float64(1.0), 2.0])),
        ("nested NumPy int32", lambda m: m.tensor([[np.int32(1)], [np.int32(2)]])),
        ("a bool and an int8", lambda m: m.tensor([True, np.int8(2)])),
        ("plain floats", lambda m: m.tensor([[1.5, 2]])),
        ("bincount with float32 weights", lambda m: m.bincount(
            m.tensor([0, 1, 1]), weights=m.tensor([0.5, 1.0, 1.0]))),
        ("bincount with int weights", lambda m: m.bincount(m.tensor([0, 1]),
                                                           weights=m.tensor([1, 2]))),
    ]
    for name, case in cases:
        ours, theirs = case(tg), case(torch)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch."), name
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy(), err_msg=name)


@pytest.mark.parametrize("case", ["t() flattened", "t() as is", "a column slice flattened",
                                  "a column slice split", "t() with a new axis", "empty"])
def test_view_shares_the_memory_or_refuses_as_pytorch(case: str) -> None:
    make = {"t() flattened": lambda m, x: x.t().view(-1),
            "t() as is": lambda m, x: x.t().view(3, 2),
            "a column slice flattened": lambda m, x: x[:, :2].view(4),
            "a column slice split": lambda m, x: x[:, :2].view(2, 1, 2),
            "t() with a new axis": lambda m, x: x.t()[None].view(1, 3, 2),
            "empty": lambda m, x: m.zeros(0, 3).t().view(-1)}[case]
    x = tg.arange(6.0).reshape(2, 3)
    refused = case in ("t() flattened", "a column slice flattened")
    if refused:
        with pytest.raises(tg.ShapeError, match="view: .* non-contiguous .* reshape"):
            make(tg, x)
    else:
        out = make(tg, x)
        if out.numel():  # a view: a write shows in x
            out.data[(0,) * out.ndim] = 100.0
            assert 100.0 in x.data
    if torch is not None:
        if refused:
            with pytest.raises(RuntimeError, match="view size is not compatible"):
                make(torch, torch.arange(6.0).reshape(2, 3))
        else:
            assert tuple(make(torch, torch.arange(6.0).reshape(2, 3)).shape) == out.shape


@needs_torch
def test_square_of_bools_and_alpha_with_integers_follow_pytorch() -> None:
    for case in (lambda m: m.square(m.tensor([True, False])),
                 lambda m: m.add(m.tensor([1]), m.tensor([2.0]), alpha=0.5),
                 lambda m: m.sub(m.tensor([5]), m.tensor([2]), alpha=2)):
        ours, theirs = case(tg), case(torch)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    for name, op in (("add", tg.add), ("sub", tg.sub)):
        _check(lambda op=op: op(Tensor(np.array([1])), 2, alpha=0.5), tg.ArgumentError,
               ValueError, (name, "alpha", "0.5"),
               lambda name=name: getattr(torch, name)(torch.tensor([1]), 2, alpha=0.5), None)


@needs_torch
def test_cat_leaves_out_an_empty_1d_start_as_pytorch() -> None:
    cases = [lambda m: m.cat([m.tensor([]), m.ones(2, 3)]),
             lambda m: m.cat([m.ones(2, 3), m.tensor([]), m.ones(1, 3)]),
             lambda m: m.cat([m.tensor([]), m.ones(2, 3, dtype=m.int64)], 1),
             lambda m: m.cat([m.tensor([]), m.tensor([])])]
    for case in cases:
        ours, theirs = case(tg), case(torch)
        assert ours.shape == tuple(theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    total = tg.tensor([])  # the accumulating loop of PyTorch scripts
    for _ in range(2):
        total = tg.cat([total, x * 2])
    total.sum().backward()
    assert total.shape == (4, 3) and total.dtype == np.float64
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 4.0))
    with pytest.raises(tg.ShapeError, match="concatenate"):  # (0, 3) is not left out
        tg.cat([tg.zeros(0, 3), tg.ones(2, 4)])
