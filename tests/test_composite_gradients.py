"""The ops added for the PyTorch surface: forward against NumPy, gradient against central
differences (and second derivatives where the op is smooth), on Hypothesis-drawn inputs
kept away from each op's kinks and ties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_bn as tg
from tests.test_ops_gradients import SMALL, _separated_pair, check_op
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

UNARY = {
    # name: (op, NumPy reference, array strategy for a shape)
    "sin": (Tensor.sin, np.sin, tst.arrays),
    "cos": (Tensor.cos, np.cos, tst.arrays),
    "sign": (Tensor.sign, np.sign, lambda s: tst.arrays(s, away_from=(0.0,))),
    "clone": (Tensor.clone, lambda a: a.copy(), tst.arrays),
    "t": (Tensor.t, lambda a: a.T, tst.shapes(max_dims=2).flatmap(tst.arrays)),
    "clamp (numbers)": (lambda x: x.clamp(-1.0, 0.5), lambda a: np.clip(a, -1.0, 0.5),
                        lambda s: tst.arrays(s, away_from=(-1.0, 0.5))),
    "clamp (min only)": (lambda x: x.clamp(min=0.2), lambda a: np.maximum(a, 0.2),
                         lambda s: tst.arrays(s, away_from=(0.2,))),
    "logsumexp (all)": (Tensor.logsumexp, lambda a: np.log(np.exp(a).sum()), tst.arrays),
    "norm (2)": (Tensor.norm, lambda a: np.sqrt((a * a).sum()),
                 lambda s: tst.arrays(s, away_from=(0.0,), min_distance=0.3)),
    "norm (1)": (lambda x: x.norm(1), lambda a: np.abs(a).sum(),
                 lambda s: tst.arrays(s, away_from=(0.0,))),
    "norm (3)": (lambda x: x.norm(3), lambda a: (np.abs(a) ** 3).sum() ** (1 / 3),
                 lambda s: tst.arrays(s, away_from=(0.0,), min_distance=0.3)),
    "prod (all)": (Tensor.prod, np.prod, tst.arrays),
}


def _values(strategy, shape_strategy):
    return strategy if isinstance(strategy, st.SearchStrategy) else strategy(shape_strategy)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_op_matches_numpy_and_gradcheck(name: str, data: st.DataObject) -> None:
    op, reference, values = UNARY[name]
    x = Tensor(data.draw(_values(values, tst.shapes())), requires_grad=True)
    check_op(op, [x], reference)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=10)
@given(data=st.data())
def test_unary_op_second_derivative(name: str, data: st.DataObject) -> None:
    op, _, values = UNARY[name]
    x = Tensor(data.draw(_values(values, SMALL)), requires_grad=True)
    assert tg.gradgradcheck(op, [x])


def test_float_conversions_are_differentiable_and_integer_ones_are_not() -> None:
    x = Tensor(np.array([0.5, -1.25, 2.0]), requires_grad=True)
    v = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    (gx,) = tg.grad(x.float(), x, grad_outputs=Tensor(v))
    assert x.float().dtype == np.float32 and gx.dtype == np.float64
    np.testing.assert_array_equal(gx.data, v)
    assert x.double() is x and x.to(tg.float64) is x
    as_long = x.long()
    assert as_long.dtype == np.int64 and not as_long.requires_grad and as_long.grad_fn is None
    np.testing.assert_array_equal(as_long.data, [0, -1, 2])  # truncation toward zero
    assert x.int().dtype == np.int32 and x.bool().dtype == np.bool_ and x.half().dtype == np.float16


@st.composite
def shape_and_one_axis(draw: st.DrawFn, max_dims: int = 3, max_side: int = 4) -> tuple:
    shape = draw(tst.shapes(min_dims=1, max_dims=max_dims, max_side=max_side))
    return shape, draw(st.integers(-len(shape), len(shape) - 1)), draw(st.booleans())


def _with_zeros(shape: tuple) -> st.SearchStrategy[np.ndarray]:
    """Values in [-2, 2] with exact zeros among them: prod's backward has a path for those."""
    return hnp.arrays(np.float64, shape, elements=st.one_of(
        st.just(0.0), st.floats(-2.0, 2.0, allow_nan=False)))


@given(case=shape_and_one_axis(), data=st.data())
def test_prod_along_an_axis_with_and_without_zeros(case: tuple, data: st.DataObject) -> None:
    shape, axis, keepdims = case
    values = data.draw(st.sampled_from([tst.arrays, _with_zeros]))(shape)
    x = Tensor(data.draw(values), requires_grad=True)
    check_op(lambda t: t.prod(dim=axis, keepdim=keepdims), [x],
             lambda a: np.prod(a, axis=axis, keepdims=keepdims),
             second_order=data.draw(st.booleans()))


def test_prod_gradient_at_zeros_is_the_product_of_the_others() -> None:
    x = Tensor(np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0]]), requires_grad=True)
    x.prod(axis=1).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0]])


@given(case=shape_and_one_axis(), data=st.data())
def test_cumsum_and_flip_along_drawn_axes(case: tuple, data: st.DataObject) -> None:
    shape, axis, _ = case
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    check_op(lambda t: t.cumsum(dim=axis), [x], lambda a: np.cumsum(a, axis=axis),
             second_order=True)
    axes = data.draw(tst.axes(len(shape), allow_none=False))
    check_op(lambda t: t.flip(axes), [x], lambda a: np.flip(a, axes))


@given(case=shape_and_one_axis(), data=st.data())
def test_std_logsumexp_norm_over_an_axis(case: tuple, data: st.DataObject) -> None:
    shape, axis, keepdims = case
    if shape[axis] >= 2:
        spread = Tensor(data.draw(tst.spread_arrays(shape, axis)), requires_grad=True)
        ddof = data.draw(st.integers(0, 1))
        check_op(lambda t: t.std(dim=axis, keepdim=keepdims, correction=ddof), [spread],
                 lambda a: np.std(a, axis=axis, keepdims=keepdims, ddof=ddof),
                 second_order=True)
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    check_op(lambda t: t.logsumexp(dim=axis, keepdim=keepdims), [x],
             lambda a: np.log(np.exp(a).sum(axis=axis, keepdims=keepdims)), second_order=True)
    y = Tensor(data.draw(tst.arrays(shape, away_from=(0.0,), min_distance=0.3)),
               requires_grad=True)
    check_op(lambda t: t.norm(dim=axis, keepdim=keepdims), [y],
             lambda a: np.sqrt((a * a).sum(axis=axis, keepdims=keepdims)))


def test_logsumexp_of_huge_values_does_not_overflow() -> None:
    x = Tensor(np.array([1000.0, 1000.0]), requires_grad=True)
    out = x.logsumexp()
    np.testing.assert_allclose(out.item(), 1000.0 + np.log(2.0), rtol=1e-15)
    out.backward()
    np.testing.assert_allclose(x.grad.data, [0.5, 0.5])


@given(shapes=tst.broadcastable_shapes(3, max_dims=3), data=st.data())
def test_clamp_with_tensor_bounds_routes_gradients(shapes: tuple, data: st.DataObject) -> None:
    """x on a grid, the bounds half a step off it: no ties; the bounds may cross (min > max)."""
    x_shape, low_shape, high_shape = shapes
    xa, low = _separated_pair(data.draw, x_shape, low_shape)
    _, high = _separated_pair(data.draw, x_shape, high_shape)
    high = high + 0.5
    x, lo, hi = (Tensor(a, requires_grad=True) for a in (xa, low, high))
    check_op(lambda a, b, c: a.clamp(b, c), [x, lo, hi],
             lambda a, b, c: np.minimum(np.maximum(a, b), c), second_order=True)


@given(shape=tst.shapes(min_dims=1), data=st.data())
def test_masked_fill_with_a_tensor_value(shape: tuple, data: st.DataObject) -> None:
    kept = shape[data.draw(st.integers(0, len(shape))):]  # a trailing part, some sizes 1
    mask_shape = tuple(n if data.draw(st.booleans()) else 1 for n in kept)
    mask = data.draw(hnp.arrays(np.bool_, mask_shape))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    value = Tensor(np.array(data.draw(st.floats(-2, 2))), requires_grad=True)
    check_op(lambda a, v: a.masked_fill(Tensor(mask), v), [x, value],
             lambda a, v: np.where(mask, v, a), second_order=True)


@given(case=shape_and_one_axis(), data=st.data())
def test_gather_with_repeated_indices_scatter_adds(case: tuple, data: st.DataObject) -> None:
    shape, axis, _ = case
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    index_shape = tuple(data.draw(st.integers(1, n)) if d != axis % len(shape)
                        else data.draw(st.integers(1, 5)) for d, n in enumerate(shape))
    index = data.draw(hnp.arrays(np.int64, index_shape,
                                 elements=st.integers(0, shape[axis] - 1)))
    check_op(lambda t: t.gather(axis, Tensor(index)), [x],
             lambda a: np.take_along_axis(a[tuple(slice(n) if d != axis % len(shape) else
                                                  slice(None) for d, n in
                                                  enumerate(index_shape))], index, axis),
             second_order=True)


@given(case=shape_and_one_axis(), data=st.data())
def test_split_chunk_pieces_rejoin_and_gradcheck(case: tuple, data: st.DataObject) -> None:
    shape, axis, _ = case
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    n = shape[axis]
    size = data.draw(st.integers(1, n + 1))
    cuts = sorted(data.draw(st.lists(st.integers(0, n), max_size=3)))
    sections = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
    chunks = data.draw(st.integers(1, n + 1))
    for pieces_of in (lambda t: t.split(size, dim=axis), lambda t: t.split(sections, axis),
                      lambda t: t.chunk(chunks, dim=axis)):
        pieces = pieces_of(x)
        np.testing.assert_array_equal(tg.cat(pieces, dim=axis).data, x.data)
        weights = [Tensor(np.full(p.shape, k + 1.0)) for k, p in enumerate(pieces)]
        assert tg.gradcheck(lambda t, f=pieces_of, w=weights: sum(
            (p * v).sum() for p, v in zip(f(t), w)), [x])
    assert [p.shape[axis] for p in x.split(sections, axis)] == sections
    assert [p.shape[axis] for p in x.split(size, axis)][:-1] == [size] * (-(-n // size) - 1)
    assert max(p.shape[axis] for p in x.chunk(chunks, axis)) <= -(-n // chunks)


@given(shape=tst.shapes(max_dims=3, max_side=3), data=st.data())
def test_repeat_tiles_like_numpy(shape: tuple, data: st.DataObject) -> None:
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=len(shape),
                                    max_size=len(shape) + 1)))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    # (no sizes at all, for a 0-d tensor, are passed as one empty tuple: repeat() is refused)
    check_op(lambda t: t.repeat(*reps) if reps else t.repeat(reps), [x],
             lambda a: np.tile(a, reps), second_order=True)
