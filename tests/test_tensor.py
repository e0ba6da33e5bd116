"""The Tensor surface from design.md: construction, properties, conversions, operators,
comparisons and the argument forms of the shape methods."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst


def test_properties_mirror_the_array() -> None:
    a = np.arange(6.0).reshape(2, 3)
    t = Tensor(a, requires_grad=True)
    assert t.numpy() is a and np.shares_memory(t.data, a)
    assert t.shape == (2, 3) and t.ndim == 2 and t.dtype == np.float64
    assert t.size() == (2, 3) and t.numel() == 6 and isinstance(t.numel(), int) and len(t) == 2
    assert t.grad is None and t.requires_grad and t.is_leaf and t.grad_fn is None
    assert t.numpy() is a and t.tolist() == a.tolist() and np.asarray(t) is a


def test_data_is_writable_and_shared_in_place() -> None:
    t = Tensor(np.zeros((2, 2)), requires_grad=True)
    t.data[...] = np.eye(2)
    assert t.numpy().tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_item_detach_and_astype() -> None:
    t = Tensor(np.array([[2.5]]), requires_grad=True)
    assert t.item() == 2.5 and isinstance(t.item(), float)
    y = t * 2.0
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and np.shares_memory(d.data, y.data)
    assert t.astype(np.float64) is t  # no-op cast records nothing
    c = t.astype(np.float32)
    assert c.dtype == np.float32 and c.grad_fn is not None


def test_op_output_records_its_function() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    y = x * 2.0
    assert not y.is_leaf and y.grad_fn.name == "Mul" and y.requires_grad
    assert "grad_fn=<Mul>" in repr(y) and "requires_grad=True" in repr(x)
    assert not (Tensor(np.ones(2)) * 2.0).requires_grad


def test_requires_grad_toggle() -> None:
    x = Tensor(np.ones(2)).requires_grad_()
    assert x.requires_grad
    assert not x.requires_grad_(False).requires_grad
    with pytest.raises(tg.BackwardError, match="detach"):
        (Tensor(np.ones(2), requires_grad=True) * 2.0).requires_grad_(False)


@given(shapes=tst.broadcastable_shapes(2), data=st.data())
def test_operators_match_numpy_with_arrays_and_scalars_on_either_side(
        shapes: tuple, data: st.DataObject) -> None:
    a = data.draw(tst.arrays(shapes[0]))
    b = data.draw(tst.positive_arrays(shapes[1]))
    x, y = Tensor(a), Tensor(b)
    pairs = [(x + y, a + b), (x - y, a - b), (x * y, a * b), (x / y, a / b),
             (y ** x, b ** a), (-x, -a), (a + y, a + b), (b - x, b - a), (a * y, a * b),
             (a / y, a / b), (2.0 * x, 2.0 * a), (1.5 - x, 1.5 - a), (2.0 / y, 2.0 / b),
             (2.0 ** x, 2.0 ** a)]
    for got, expected in pairs:
        assert isinstance(got, Tensor)
        np.testing.assert_allclose(got.data, expected, rtol=1e-12)


def test_matmul_operator_forms() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    for got in (Tensor(a) @ Tensor(b), Tensor(a) @ b, a @ Tensor(b), Tensor(a).matmul(b)):
        np.testing.assert_array_equal(got.data, a @ b)


def test_comparisons_give_bool_tensors_without_grad() -> None:
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    cases = {"<": (x < 2, [True, False, False]), "<=": (x <= 2, [True, True, False]),
             ">": (x > 2, [False, False, True]), ">=": (x >= 2, [False, True, True]),
             "==": (x == 2, [False, True, False]), "!=": (x != 2, [True, False, True]),
             "tensor": (x < Tensor(np.array([3.0, 2.0, 1.0])), [True, False, False])}
    for name, (got, expected) in cases.items():
        assert got.dtype == np.bool_ and not got.requires_grad, name
        assert got.data.tolist() == expected, name


def test_truth_value_only_for_one_element() -> None:
    assert bool(Tensor(np.array([3.0])) > 2)
    with pytest.raises(tg.ShapeError, match="ambiguous"):
        bool(Tensor(np.ones(2)))


def test_reshape_argument_forms() -> None:
    x = Tensor(np.arange(12.0))
    for form in ((3, 4), ((3, 4),), ([3, 4],), (3, -1), ((-1, 4),)):
        assert x.reshape(*form).shape == (3, 4), form
    assert x.view(2, 6).shape == (2, 6)
    assert x.reshape(12) is x  # same shape: no op recorded


def test_transpose_argument_forms() -> None:
    x = Tensor(np.zeros((2, 3, 4)))
    assert x.transpose().shape == (4, 3, 2) and x.T.shape == (4, 3, 2)
    assert x.transpose(2, 0, 1).shape == (4, 2, 3) and x.transpose((2, 0, 1)).shape == (4, 2, 3)
    assert x.transpose(0, 2).shape == (4, 3, 2)  # two axes on a 3-d tensor: swap them
    assert x.swapaxes(-1, 0).shape == (4, 3, 2)
    assert Tensor(np.zeros((2, 3))).transpose(1, 0).shape == (3, 2)


def test_expand_squeeze_unsqueeze_flatten_forms() -> None:
    x = Tensor(np.zeros((1, 3)))
    assert x.expand(4, 3).shape == (4, 3) and x.expand((2, 4, 3)).shape == (2, 4, 3)
    assert x.expand(5, -1, -1).shape == (5, 1, 3) and x.broadcast_to((2, 3)).shape == (2, 3)
    y = Tensor(np.zeros((1, 3, 1)))
    assert y.squeeze().shape == (3,) and y.squeeze(0).shape == (3, 1)
    assert y.squeeze((0, -1)).shape == (3,) and y.unsqueeze(-1).shape == (1, 3, 1, 1)
    z = Tensor(np.zeros((2, 3, 4, 5)))
    assert z.flatten().shape == (120,) and z.flatten(1).shape == (2, 60)
    assert z.flatten(1, 2).shape == (2, 12, 5) and Tensor(np.float64(1.0)).flatten().shape == (1,)


def test_pad_width_forms() -> None:
    x = Tensor(np.ones((2, 3)))
    assert x.pad(1).shape == (4, 5) and x.pad((1, 2)).shape == (5, 6)
    assert x.pad(((0, 0), (2, 1)), value=-1.0).data[0].tolist() == [-1, -1, 1, 1, 1, -1]


def test_free_functions_accept_arrays_and_scalars() -> None:
    x = Tensor(np.array([1.0, -2.0]))
    zero = Tensor(np.zeros(2))
    assert tg.maximum(x, zero).data.tolist() == [1.0, 0.0]
    assert tg.maximum(zero, x).data.tolist() == [1.0, 0.0]
    assert tg.minimum(x, zero).data.tolist() == [0.0, -2.0]
    with pytest.raises(TypeError, match="maximum: argument 2 must be a tensor"):
        tg.maximum(x, 0.0)  # as PyTorch's (no Scalar overload; clamp takes one)
    assert tg.where(x > 0, x, 0.0).data.tolist() == [1.0, 0.0]
    assert tg.where(np.array([False, True]), 5.0, x).data.tolist() == [1.0, 5.0]
    assert tg.concatenate([x, np.array([3.0])]).data.tolist() == [1.0, -2.0, 3.0]
    assert tg.stack([x, x], axis=1).shape == (2, 2)


def test_getitem_accepts_tensor_indices() -> None:
    x = Tensor(np.arange(5.0))
    assert x[Tensor(np.array([4, 0]))].data.tolist() == [4.0, 0.0]
    assert x[x > 2].data.tolist() == [3.0, 4.0]
