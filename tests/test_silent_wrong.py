"""Places where the library once returned a wrong answer without a word (issue 12, items
1-8 and 10): each test states the right answer, from NumPy or PyTorch's definition."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst


def _arange(shape: tuple) -> np.ndarray:
    return np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)


# ------------------------------------------------------------ 1. transpose and permute


@given(shape=tst.shapes(min_dims=2, max_dims=4, max_side=3), data=st.data())
def test_transpose_of_two_ints_swaps_those_axes_at_every_rank(shape: tuple,
                                                             data: st.DataObject) -> None:
    ndim = len(shape)
    a = data.draw(st.integers(-ndim, ndim - 1))
    b = data.draw(st.integers(-ndim, ndim - 1))
    x = Tensor(_arange(shape), requires_grad=True)
    np.testing.assert_array_equal(x.transpose(a, b).data, np.swapaxes(x.data, a, b))
    assert tg.gradcheck(lambda t: t.transpose(a, b), [x])


def test_transpose_of_a_2d_tensor_with_two_ints_is_the_matrix_transpose() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.transpose(0, 1).shape == (3, 2)
    assert x.transpose(-2, -1).shape == (3, 2)
    np.testing.assert_array_equal(x.transpose(0, 1).data, x.data.T)
    assert x.transpose(1, 1).shape == (2, 3)  # swapping an axis with itself: unchanged


def test_transpose_of_one_tuple_is_a_numpy_permutation_and_none_reverses() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    x = Tensor(a)
    np.testing.assert_array_equal(x.transpose((2, 0, 1)).data, a.transpose(2, 0, 1))
    np.testing.assert_array_equal(x.transpose([1, 0, 2]).data, a.transpose(1, 0, 2))
    np.testing.assert_array_equal(x.transpose().data, a.transpose())
    m = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(m.transpose((0, 1)).data, m.data)  # identity permutation


@given(shape=tst.shapes(min_dims=0, max_dims=4, max_side=3), data=st.data())
def test_permute_takes_ints_or_one_sequence_and_matches_numpy(shape: tuple,
                                                              data: st.DataObject) -> None:
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    perm = tuple(p - len(shape) if data.draw(st.booleans()) else p for p in perm)  # negatives
    x = Tensor(_arange(shape), requires_grad=True)
    expected = np.transpose(x.data, perm)
    np.testing.assert_array_equal(x.permute(*perm).data, expected)
    np.testing.assert_array_equal(x.permute(perm).data, expected)
    np.testing.assert_array_equal(x.permute(list(perm)).data, expected)
    assert tg.gradcheck(lambda t: t.permute(*perm), [x])


@pytest.mark.parametrize("dims", [(0,), (0, 0, 1), (0, 1, 3), (0, 1, 2, 3), ("a", 1, 2)])
def test_permute_refuses_what_is_not_a_permutation(dims: tuple) -> None:
    x = Tensor(np.zeros((2, 3, 4)))
    with pytest.raises(tg.TinygradError, match="permute"):
        x.permute(*dims)


# ------------------------------------------------------------ 2. pow at base 0


def test_gradient_of_x_to_the_zero_at_zero_is_zero() -> None:
    x = Tensor(np.array([0.0, 0.0, 1.5]), requires_grad=True)
    (x ** 0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])


def test_gradient_of_pow_in_the_exponent_at_base_zero_is_zero() -> None:
    x = Tensor(np.array([0.0, 0.0, 2.0]), requires_grad=True)
    y = Tensor(np.array([0.0, 2.0, 0.0]), requires_grad=True)
    (x ** y).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])
    np.testing.assert_allclose(y.grad.data, [0.0, 0.0, np.log(2.0)])  # PyTorch's values


def test_gradient_of_x_to_the_x_at_zero_is_zero() -> None:
    x = Tensor(np.array([0.0]), requires_grad=True)
    (x ** x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0])


def test_pow_at_base_zero_keeps_the_infinite_gradients_pytorch_gives() -> None:
    x = Tensor(np.array([0.0]), requires_grad=True)
    y = Tensor(np.array([-1.0]), requires_grad=True)
    with np.errstate(all="ignore"):
        (x ** y).sum().backward()
    assert x.grad.data[0] == -np.inf and y.grad.data[0] == -np.inf
    z = Tensor(np.array([0.0]), requires_grad=True)
    with np.errstate(all="ignore"):
        (z ** 0.5).sum().backward()
    assert z.grad.data[0] == np.inf


@given(x=tst.tensors(shape=tst.shapes(max_dims=2, max_side=3), min_value=0.5, max_value=2.0),
       c=st.sampled_from([0.0, 1.0, 2.0, 3.0]))
def test_pow_gradients_stay_second_order_correct_away_from_zero(x: Tensor, c: float) -> None:
    assert tg.gradgradcheck(lambda t: t ** c, [x])
    y = Tensor(np.full(x.shape, c), requires_grad=True)
    assert tg.gradgradcheck(lambda a, b: a ** b, [x, y])


# ------------------------------------------------------------ 3. integer and bool min


@pytest.mark.parametrize("values", [
    np.array([0, -2**31], dtype=np.int32),
    np.array([[0, 1, 2], [3, 4, 5]], dtype=np.uint8),
    np.array([255, 7, 0], dtype=np.uint8),
    np.array([np.iinfo(np.int64).min, 3], dtype=np.int64),
    np.array([[True, False], [True, True]]),
])
def test_min_of_integer_and_bool_tensors_is_numpys(values: np.ndarray) -> None:
    x = Tensor(values)
    for axis in [None, 0, -1]:
        out = x.min(axis=axis)
        expected = values.min(axis=axis)
        assert out.dtype == expected.dtype
        np.testing.assert_array_equal(out.data, expected)


def test_minimum_of_integer_and_bool_tensors_is_numpys() -> None:
    a = np.array([0, -2**31, 5], dtype=np.int32)
    b = np.array([-2**31, 0, 5], dtype=np.int32)
    np.testing.assert_array_equal(tg.minimum(Tensor(a), Tensor(b)).data, np.minimum(a, b))
    u = np.array([0, 200, 3], dtype=np.uint8)
    v = np.array([1, 100, 3], dtype=np.uint8)
    np.testing.assert_array_equal(tg.minimum(Tensor(u), Tensor(v)).data, np.minimum(u, v))
    p, q = np.array([True, False]), np.array([True, True])
    out = tg.minimum(Tensor(p), Tensor(q))
    assert out.dtype == np.bool_
    np.testing.assert_array_equal(out.data, np.minimum(p, q))


def test_float_min_and_minimum_keep_their_gradients() -> None:
    x = Tensor(np.array([[3.0, -1.0, 2.0], [0.5, 4.0, -2.0]]), requires_grad=True)
    assert tg.gradcheck(lambda t: t.min(axis=1), [x])
    y = Tensor(np.array([[1.0, 0.0, 5.0], [2.0, 1.0, -3.0]]), requires_grad=True)
    assert tg.gradcheck(lambda a, b: tg.minimum(a, b), [x, y])
    tie = Tensor(np.array([1.0, 1.0, 2.0]), requires_grad=True)
    tie.min().backward()
    np.testing.assert_array_equal(tie.grad.data, [0.5, 0.5, 0.0])
