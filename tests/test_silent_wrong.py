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
    if perm:  # (a 0-d tensor's empty permutation is passed as one: permute() is refused)
        np.testing.assert_array_equal(x.permute(*perm).data, expected)
    np.testing.assert_array_equal(x.permute(perm).data, expected)
    np.testing.assert_array_equal(x.permute(list(perm)).data, expected)
    assert tg.gradcheck(lambda t: t.permute(perm), [x])


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
        out = x.amin(() if axis is None else axis)  # the values (min(dim) is a named tuple)
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
    assert tg.gradcheck(lambda t: t.min(axis=1).values, [x])
    assert tg.gradcheck(lambda t: t.amin(axis=1), [x])
    y = Tensor(np.array([[1.0, 0.0, 5.0], [2.0, 1.0, -3.0]]), requires_grad=True)
    assert tg.gradcheck(lambda a, b: tg.minimum(a, b), [x, y])
    tie = Tensor(np.array([1.0, 1.0, 2.0]), requires_grad=True)
    tie.min().backward()
    np.testing.assert_array_equal(tie.grad.data, [0.5, 0.5, 0.0])


# ------------------------------------------------------------ 4. reductions over an empty axis

F = tg.nn.functional


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy warns on empty means too
@pytest.mark.parametrize("shape, axis", [((0,), None), ((0, 3), 0), ((0, 3), None),
                                         ((2, 0), 1), ((2, 0), 0)])
def test_mean_over_an_empty_axis_is_nan_as_numpy(shape: tuple, axis: int | None) -> None:
    a = np.zeros(shape)
    out = Tensor(a).mean(axis=axis)
    expected = np.mean(a, axis=axis)
    assert out.shape == np.shape(expected)
    np.testing.assert_array_equal(out.data, expected)  # NaN == NaN for assert_array_equal


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("values, axis, ddof", [
    ([1.0, 2.0], None, 2), ([1.0, 2.0], None, 3), ([1.0, 1.0], None, 2), ([5.0], None, 1),
    (np.zeros((0, 3)), 0, 0), (np.zeros((2, 0)), 0, 1), ([[1.0, 2.0], [3.0, 3.0]], 1, 2)])
def test_var_without_degrees_of_freedom_follows_numpy(values, axis, ddof: int) -> None:
    a = np.asarray(values, dtype=np.float64)
    out = Tensor(a).var(axis=axis, ddof=ddof)
    expected = np.var(a, axis=axis, ddof=ddof)
    assert out.shape == np.shape(expected)
    np.testing.assert_array_equal(out.data, expected)  # inf where NumPy divides by 0, NaN 0/0


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("shape, axis", [((3, 0), -1), ((0, 4), 0), ((0, 4), -1), ((2, 0, 3), 1)])
def test_softmax_over_an_empty_tensor_is_the_empty_result(fn, shape: tuple, axis: int) -> None:
    x = Tensor(np.zeros(shape), requires_grad=True)
    out = fn(x, axis=axis)
    assert out.shape == shape
    out.backward(np.zeros(shape))
    assert x.grad.shape == shape


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_losses_of_an_empty_batch_are_nan_under_mean_and_zero_under_sum() -> None:
    x = Tensor(np.zeros((0, 3)), requires_grad=True)
    assert np.isnan(F.mse_loss(x, np.zeros((0, 3))).item())
    assert F.mse_loss(x, np.zeros((0, 3)), reduction="sum").item() == 0.0
    assert np.isnan(F.cross_entropy(x, np.zeros(0, dtype=np.int64)).item())
    assert F.cross_entropy(x, np.zeros(0, dtype=np.int64), reduction="sum").item() == 0.0
    loss = F.cross_entropy(x, np.zeros(0, dtype=np.int64))
    loss.backward()
    assert x.grad.shape == (0, 3)


# ------------------------------------------------------------ 5. flatten


@pytest.mark.parametrize("start, end", [(2, 1), (-1, 0), (1, -3)])
def test_flatten_with_start_after_end_raises(start: int, end: int) -> None:
    with pytest.raises(tg.AxisError, match="flatten"):
        Tensor(np.zeros((2, 3, 4))).flatten(start, end)


def test_flatten_of_a_zero_size_tensor_keeps_the_known_sizes() -> None:
    x = Tensor(np.zeros((0, 3, 4, 5)))
    assert x.flatten(1).shape == (0, 60)
    assert x.flatten(0, 1).shape == (0, 4, 5)
    assert x.flatten().shape == (0,)
    assert Tensor(np.zeros((2, 0, 4))).flatten(1).shape == (2, 0)
    assert tg.nn.Flatten()(x).shape == (0, 60)


# ------------------------------------------------------------ 6. float sizes and odd dtypes


@pytest.mark.parametrize("shape", [(2.5, 3), (2.0, 3), ((2.5, 3),), ("2", 3), (2, "a"),
                                   (None, 3), (True, 6)])
def test_reshape_refuses_sizes_that_are_not_ints(shape: tuple) -> None:
    with pytest.raises(tg.TinygradError, match="reshape") as info:
        Tensor(np.zeros(6)).reshape(*shape)
    assert isinstance(info.value, TypeError)


def test_reshape_accepts_numpy_integers() -> None:
    assert Tensor(np.zeros(6)).reshape(np.int64(2), np.int32(3)).shape == (2, 3)
    assert Tensor(np.zeros(6)).reshape(np.array([3, 2])).shape == (3, 2)


@pytest.mark.parametrize("width", [1.5, (1.0, 2), [[0, 1], [0.5, 0]], "1"])
def test_pad_refuses_widths_that_are_not_ints(width) -> None:
    with pytest.raises(tg.TinygradError, match="pad") as info:
        Tensor(np.zeros((2, 3))).pad(width)
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize("dtype", [np.complex128, object, str, "U3", "S2", "V8", "M8[s]"])
def test_astype_refuses_the_dtypes_tensor_refuses(dtype) -> None:
    with pytest.raises(tg.DTypeError, match="astype"):
        Tensor(np.zeros(3)).astype(dtype)


@pytest.mark.parametrize("dtype", ["nonsense", 5.5, [1]])
def test_astype_of_an_unknown_dtype_is_a_project_error(dtype) -> None:
    with pytest.raises(tg.DTypeError, match="astype"):
        Tensor(np.zeros(3)).astype(dtype)


# ------------------------------------------------------------ 7. hooks that change the gradient


def test_a_hook_returning_another_shape_raises() -> None:
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    x.register_hook(lambda g: g.sum())
    with pytest.raises(tg.BackwardError, match="hook has changed the size"):
        (x * 2).sum().backward()


def test_a_hook_returning_an_ndarray_or_another_dtype_raises() -> None:
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    x.register_hook(lambda g: np.ones(3))
    with pytest.raises(tg.BackwardError, match="hook.*Tensor.*ndarray"):
        (x * 2).sum().backward()
    y = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    y.register_hook(lambda g: g.astype(np.float64))
    with pytest.raises(tg.BackwardError, match="hook has changed the dtype"):
        (y * 2).sum().backward()
    h = Tensor(np.ones(3, dtype=np.float32), requires_grad=True) * 1
    h.register_hook(lambda g: g[:2])
    with pytest.raises(tg.BackwardError, match="hook has changed the size"):
        h.sum().backward()


@pytest.mark.parametrize("hook", [5, "fn", None])
def test_register_hook_refuses_what_cannot_be_called(hook) -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(tg.ArgumentTypeError, match="register_hook"):
        x.register_hook(hook)


# ------------------------------------------------------------ 8. tg.grad with repeated or no inputs


def test_grad_with_an_input_given_twice_returns_its_gradient_twice() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    w = Tensor(np.array([3.0, 4.0]), requires_grad=True)
    y = (x * x * w).sum()
    gx, gw, gx2 = tg.grad(y, [x, w, x], retain_graph=True)
    np.testing.assert_array_equal(gx.data, 2 * x.data * w.data)
    np.testing.assert_array_equal(gx2.data, gx.data)
    assert gx is not gx2  # two results, not one array twice
    h = x * 3  # a non-leaf input
    a, b = tg.grad((h * h).sum(), [h, h])
    np.testing.assert_array_equal(a.data, 2 * h.data)
    np.testing.assert_array_equal(b.data, 2 * h.data)


def test_grad_with_no_inputs_or_a_non_tensor_output_raises() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(tg.TinygradError, match="grad.*no inputs"):
        tg.grad((x * x).sum(), [])
    with pytest.raises(tg.ArgumentTypeError, match="grad.*float"):
        tg.grad(3.0, [x])
    with pytest.raises(tg.ArgumentTypeError, match="grad.*list"):
        tg.grad([(x * x).sum(), [1]], [x])


# ------------------------------------------------------------ 10. gradcheck that checks nothing


def test_gradcheck_fails_when_the_output_is_not_a_tensor() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(tg.GradcheckError, match="not a Tensor"):
        tg.gradcheck(lambda t: 3.0, [x])
    assert tg.gradcheck(lambda t: 3.0, [x], raise_exception=False) is False


def test_gradcheck_fails_when_the_output_does_not_depend_on_the_inputs() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    c = Tensor(np.array([5.0, 6.0]))
    with pytest.raises(tg.GradcheckError, match="does not depend"):
        tg.gradcheck(lambda t: c * 2, [x])
    with pytest.raises(tg.GradcheckError, match="does not depend"):
        tg.gradcheck(lambda t: t.detach() * 2, [x])
    with pytest.raises(tg.GradcheckError, match="does not depend"):
        tg.gradgradcheck(lambda t: c * 2, [x])


# ------------------------------------------------------------ 4b. mean accumulates safely


def test_mean_of_integers_needs_a_float_dtype_and_is_computed_in_it() -> None:
    a = np.array([2**62, 2**62, 2**62], dtype=np.int64)  # the int64 sum wraps around
    with pytest.raises(tg.DTypeError, match="mean: could not infer"):  # PyTorch's refusal
        Tensor(a).mean()
    out = Tensor(a).mean(dtype=tg.float64)  # cast first, then summed: no wrap-around
    assert out.dtype == np.float64
    assert out.item() == np.mean(a) == 2.0**62
    b = np.array([[100, 100], [50, 100]], dtype=np.int8)
    np.testing.assert_array_equal(Tensor(b).mean(axis=1, dtype=tg.float64).data,
                                  np.mean(b, axis=1))


def test_mean_of_float16_accumulates_in_float32_as_numpy() -> None:
    a = np.full(8, 60000.0, dtype=np.float16)  # the float16 sum overflows to inf
    out = Tensor(a).mean()
    assert out.dtype == np.float16
    assert out.item() == np.mean(a) == 60000.0
    x = Tensor(np.full((4, 2), 30000.0, dtype=np.float16), requires_grad=True)
    x.mean(axis=0).sum().backward()
    assert x.grad.dtype == np.float16
    np.testing.assert_array_equal(x.grad.data, np.full((4, 2), 0.25, dtype=np.float16))
