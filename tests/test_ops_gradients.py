"""Every differentiable op: forward against NumPy, gradient against central differences.

Each property draws shapes (with broadcasting and axes where the op has them)
and values kept away from the op's ill-posed points, so the tolerances stay
tight. `tg.gradcheck` weights the output with a random upstream gradient, so
ops whose gradient sums to zero are still checked. Smooth ops also pass
`tg.gradgradcheck` (second derivatives through backward-in-Tensor-ops), and a
few a third-derivative check.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_bn as tg
from tests.wrong_gradients import FrozenSquare, HalfSquare
from tinygrad_bn import Tensor
from tinygrad_bn.tensor import normalize_axes
from tinygrad_bn.testing import strategies as tst

SMALL = tst.shapes(max_dims=2, max_side=3)  # for second-order checks: each element costs a backward


def check_op(fn: Callable[..., Tensor], inputs: list, reference: Callable[..., np.ndarray],
             second_order: bool = False) -> None:
    """Forward equals the NumPy reference (dtype kept), then gradcheck (and gradgradcheck)."""
    out = fn(*inputs)
    expected = reference(*[x.data if isinstance(x, Tensor) else x for x in inputs])
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(fn, inputs)
    if second_order:
        assert tg.gradgradcheck(fn, inputs)


# ------------------------------------------------------------------ elementwise, one input

def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


UNARY = {
    # name: (op, NumPy reference, array strategy for a shape, smooth on that domain)
    "neg": (lambda x: -x, np.negative, tst.arrays, True),
    "exp": (Tensor.exp, np.exp, tst.arrays, True),
    "log": (Tensor.log, np.log, tst.positive_arrays, True),
    "sqrt": (Tensor.sqrt, np.sqrt, tst.positive_arrays, True),
    "abs": (Tensor.abs, np.abs, lambda s: tst.arrays(s, away_from=(0.0,)), True),
    "tanh": (Tensor.tanh, np.tanh, tst.arrays, True),
    "sigmoid": (Tensor.sigmoid, _sigmoid, lambda s: tst.arrays(s, min_value=-8, max_value=8),
                True),
    "relu": (Tensor.relu, lambda x: np.maximum(x, 0), lambda s: tst.arrays(s, away_from=(0.0,)),
             True),
    "clip": (lambda x: x.clip(-1.0, 0.5), lambda x: np.clip(x, -1.0, 0.5),
             lambda s: tst.arrays(s, away_from=(-1.0, 0.5)), True),
    "clip_min_only": (lambda x: x.clip(min=0.2), lambda x: np.maximum(x, 0.2),
                      lambda s: tst.arrays(s, away_from=(0.2,)), True),
    "clip_max_only": (lambda x: x.clip(max=-0.3), lambda x: np.minimum(x, -0.3),
                      lambda s: tst.arrays(s, away_from=(-0.3,)), True),
    "astype": (lambda x: x.astype(np.longdouble).astype(np.float64), lambda x: x,
               tst.arrays, True),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_op_matches_numpy_and_gradcheck(name: str, data: st.DataObject) -> None:
    op, reference, values, _ = UNARY[name]
    x = Tensor(data.draw(values(tst.shapes())), requires_grad=True)
    check_op(op, [x], reference)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=10)
@given(data=st.data())
def test_unary_op_second_derivative(name: str, data: st.DataObject) -> None:
    op, _, values, _ = UNARY[name]
    x = Tensor(data.draw(values(SMALL)), requires_grad=True)
    assert tg.gradgradcheck(op, [x])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_astype_gradient_is_upstream_cast_back(dtype: type) -> None:
    x = Tensor(np.linspace(-1, 1, 6), requires_grad=True)
    v = np.random.default_rng(0).standard_normal(6).astype(dtype)
    y = x.astype(dtype)
    assert y.dtype == dtype
    (gx,) = tg.grad(y, x, grad_outputs=Tensor(v))
    assert gx.dtype == np.float64
    np.testing.assert_array_equal(gx.data, v.astype(np.float64))


# ------------------------------------------------------------------ elementwise, two inputs

BINARY = {
    # name: (op, reference, strategy for x of a shape, strategy for y of a shape)
    "add": (lambda x, y: x + y, np.add, tst.arrays, tst.arrays),
    "sub": (lambda x, y: x - y, np.subtract, tst.arrays, tst.arrays),
    "mul": (lambda x, y: x * y, np.multiply, tst.arrays, tst.arrays),
    "div": (lambda x, y: x / y, np.divide, tst.arrays,
            lambda s: tst.arrays(s, away_from=(0.0,), min_distance=0.3)),
    "pow": (lambda x, y: x**y, np.power,
            lambda s: tst.positive_arrays(s, min_value=0.3, max_value=2.0),
            lambda s: tst.arrays(s, min_value=-2.0, max_value=2.0)),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_op_broadcasts_and_gradcheck(name: str, data: st.DataObject) -> None:
    op, reference, x_values, y_values = BINARY[name]
    x_shape, y_shape = data.draw(tst.broadcastable_shapes(2))
    x = Tensor(data.draw(x_values(x_shape)), requires_grad=True)
    y = Tensor(data.draw(y_values(y_shape)), requires_grad=True)
    check_op(op, [x, y], reference)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=10)
@given(data=st.data())
def test_binary_op_second_derivative(name: str, data: st.DataObject) -> None:
    op, _, x_values, y_values = BINARY[name]
    x_shape, y_shape = data.draw(tst.broadcastable_shapes(2, max_dims=2, max_side=3))
    x = Tensor(data.draw(x_values(x_shape)), requires_grad=True)
    y = Tensor(data.draw(y_values(y_shape)), requires_grad=True)
    assert tg.gradgradcheck(op, [x, y])


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_op_gradient_with_one_constant_operand(name: str, data: st.DataObject) -> None:
    """Only one side requires grad: the other gets no gradient and the checked one is right."""
    op, reference, x_values, y_values = BINARY[name]
    x_shape, y_shape = data.draw(tst.broadcastable_shapes(2))
    grad_x = data.draw(st.booleans())
    x = Tensor(data.draw(x_values(x_shape)), requires_grad=grad_x)
    y = Tensor(data.draw(y_values(y_shape)), requires_grad=not grad_x)
    check_op(op, [x, y], reference)


SCALAR_FORMS = {
    # name: (op of a tensor x and a Python float c, reference, x strategy, c strategy)
    "x + c": (lambda x, c: x + c, lambda x, c: x + c, tst.arrays, st.floats(-3, 3)),
    "c + x": (lambda x, c: c + x, lambda x, c: c + x, tst.arrays, st.floats(-3, 3)),
    "c - x": (lambda x, c: c - x, lambda x, c: c - x, tst.arrays, st.floats(-3, 3)),
    "c * x": (lambda x, c: c * x, lambda x, c: c * x, tst.arrays, st.floats(-3, 3)),
    "x / c": (lambda x, c: x / c, lambda x, c: x / c, tst.arrays, st.floats(0.5, 3)),
    "c / x": (lambda x, c: c / x, lambda x, c: c / x,
              lambda s: tst.arrays(s, away_from=(0.0,), min_distance=0.3), st.floats(-3, 3)),
    "x ** int": (lambda x, c: x**c, lambda x, c: x**c,
                 lambda s: tst.arrays(s, away_from=(0.0,), min_distance=0.3),
                 st.sampled_from([-2, -1, 0, 1, 2, 3])),
    "x ** float": (lambda x, c: x**c, lambda x, c: x**c, tst.positive_arrays,
                   st.floats(-2.5, 2.5)),
    "c ** x (rpow)": (lambda x, c: c**x, lambda x, c: c**x, tst.arrays, st.floats(0.3, 3.0)),
    "ndarray - x": (lambda x, c: np.full(x.shape, c) - x, lambda x, c: c - x, tst.arrays,
                    st.floats(-3, 3)),
}


@pytest.mark.parametrize("name", sorted(SCALAR_FORMS))
@given(data=st.data())
def test_op_with_constant_operand(name: str, data: st.DataObject) -> None:
    op, reference, x_values, constants = SCALAR_FORMS[name]
    c = data.draw(constants)
    x = Tensor(data.draw(x_values(SMALL)), requires_grad=True)
    out = op(x, c)
    assert isinstance(out, Tensor)
    np.testing.assert_allclose(out.data, reference(x.data, c), rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(lambda t: op(t, c), [x])
    assert tg.gradgradcheck(lambda t: op(t, c), [x])


def _separated_pair(draw: st.DrawFn, x_shape: tuple, y_shape: tuple) -> tuple:
    """x on the grid 0.25*k, y on 0.25*k + 0.125, each jittered by < 0.04: every x is at least
    0.045 from every y, so maximum/minimum never meet a tie."""
    def grid(shape: tuple, offset: float) -> np.ndarray:
        ks = draw(hnp.arrays(np.int64, shape, elements=st.integers(-10, 10)))
        jitter = draw(hnp.arrays(np.float64, shape, elements=st.floats(-0.04, 0.04)))
        return 0.25 * ks + offset + jitter
    return grid(x_shape, 0.0), grid(y_shape, 0.125)


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@given(data=st.data())
def test_maximum_minimum_broadcast_and_gradcheck(name: str, data: st.DataObject) -> None:
    op, reference = (tg.maximum, np.maximum) if name == "maximum" else (tg.minimum, np.minimum)
    x_shape, y_shape = data.draw(tst.broadcastable_shapes(2))
    xa, ya = _separated_pair(data.draw, x_shape, y_shape)
    if data.draw(st.booleans()):
        xa, ya = ya, xa
    check_op(op, [Tensor(xa, requires_grad=True), Tensor(ya, requires_grad=True)], reference,
             second_order=data.draw(st.booleans()))


@given(data=st.data())
def test_where_routes_gradient_by_condition(data: st.DataObject) -> None:
    c_shape, x_shape, y_shape = data.draw(tst.broadcastable_shapes(3))
    cond = data.draw(hnp.arrays(bool, c_shape))
    x = Tensor(data.draw(tst.arrays(x_shape)), requires_grad=True)
    y = Tensor(data.draw(tst.arrays(y_shape)), requires_grad=True)
    check_op(lambda a, b: tg.where(cond, a, b), [x, y], lambda a, b: np.where(cond, a, b),
             second_order=True)


# ------------------------------------------------------------------ matmul

@st.composite
def matmul_shapes(draw: st.DrawFn, max_side: int = 3) -> tuple[tuple, tuple]:
    """Operand shapes for matmul: 1-D vectors, matrices and broadcast batches of matrices."""
    a_batch, b_batch = draw(tst.broadcastable_shapes(2, max_dims=2, max_side=max_side))
    n, k, m = (draw(st.integers(1, max_side)) for _ in range(3))
    a_shape = (k,) if draw(st.booleans()) else a_batch + (n, k)
    b_shape = (k,) if draw(st.booleans()) else b_batch + (k, m)
    return a_shape, b_shape


@given(shapes=matmul_shapes(), data=st.data())
def test_matmul_batched_broadcast_and_vectors(shapes: tuple, data: st.DataObject) -> None:
    a = Tensor(data.draw(tst.arrays(shapes[0])), requires_grad=True)
    b = Tensor(data.draw(tst.arrays(shapes[1])), requires_grad=True)
    check_op(lambda x, y: x @ y, [a, b], np.matmul)


@settings(max_examples=10)
@given(shapes=matmul_shapes(max_side=2), data=st.data())
def test_matmul_second_derivative(shapes: tuple, data: st.DataObject) -> None:
    a = Tensor(data.draw(tst.arrays(shapes[0])), requires_grad=True)
    b = Tensor(data.draw(tst.arrays(shapes[1])), requires_grad=True)
    assert tg.gradgradcheck(lambda x, y: x.matmul(y), [a, b])


# ------------------------------------------------------------------ reductions

@st.composite
def shape_and_axis(draw: st.DrawFn, max_dims: int = 3, max_side: int = 4) -> tuple:
    shape = draw(tst.shapes(max_dims=max_dims, max_side=max_side))
    return shape, draw(tst.axes(len(shape))), draw(st.booleans())


@pytest.mark.parametrize("name", ["sum", "mean"])
@given(case=shape_and_axis(), data=st.data())
def test_sum_mean_over_drawn_axes(name: str, case: tuple, data: st.DataObject) -> None:
    shape, axis, keepdims = case
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    reference = getattr(np, name)
    check_op(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), [x],
             lambda a: reference(a, axis=axis, keepdims=keepdims), second_order=True)


@given(case=shape_and_axis(max_dims=2, max_side=3), data=st.data())
def test_var_over_drawn_axes_with_ddof(case: tuple, data: st.DataObject) -> None:
    shape, axis, keepdims = case
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    count = int(np.prod([shape[a] for a in normalize_axes("var", axis, len(shape))]))
    ddof = data.draw(st.integers(0, 1 if count > 1 else 0))
    check_op(lambda t: t.var(axis=axis, keepdims=keepdims, ddof=ddof), [x],
             lambda a: np.var(a, axis=axis, keepdims=keepdims, ddof=ddof), second_order=True)


@pytest.mark.parametrize("name", ["max", "min"])
@given(case=shape_and_axis(), data=st.data())
def test_max_min_over_drawn_axes_without_ties(name: str, case: tuple, data: st.DataObject) -> None:
    shape, axis, keepdims = case
    if axis == ():  # PyTorch's amax reduces every axis for (), NumPy's max none: no reference
        return
    x = Tensor(data.draw(tst.unique_extremum_arrays(shape, axis)), requires_grad=True)
    reference = getattr(np, name)
    # NumPy's max is the values: amax (max with one int axis is a (values, indices) tuple)
    check_op(lambda t: getattr(t, "a" + name)(axis=() if axis is None else axis,
                                              keepdims=keepdims), [x],
             lambda a: reference(a, axis=axis, keepdims=keepdims),
             second_order=data.draw(st.booleans()))


# ------------------------------------------------------------------ movement

def _factor(n: int) -> list[int]:
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@st.composite
def reshape_targets(draw: st.DrawFn, shape: tuple) -> tuple:
    """Another shape with as many elements: the prime factors regrouped, 1s inserted,
    and maybe one size written as -1."""
    factors = list(draw(st.permutations(_factor(int(np.prod(shape))))))
    cuts = sorted(draw(st.lists(st.integers(0, len(factors)), max_size=3)))
    bounds = [0, *cuts, len(factors)]
    target = [int(np.prod(factors[a:b])) for a, b in zip(bounds, bounds[1:])]
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return tuple(target)


@given(shape=tst.shapes(), data=st.data())
def test_reshape_to_drawn_compatible_shape(shape: tuple, data: st.DataObject) -> None:
    target = data.draw(reshape_targets(shape))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    as_args = data.draw(st.booleans())  # reshape((2, -1)) and reshape(2, -1) are the same
    check_op(lambda t: t.reshape(*target) if as_args else t.reshape(target), [x],
             lambda a: a.reshape(target), second_order=True)


@given(shape=tst.shapes(max_dims=4, max_side=3), data=st.data())
def test_transpose_by_drawn_permutation(shape: tuple, data: st.DataObject) -> None:
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    check_op(lambda t: t.transpose(perm), [x], lambda a: a.transpose(perm), second_order=True)


@given(shape=tst.shapes(max_dims=4, max_side=3), data=st.data())
def test_T_and_swapaxes(shape: tuple, data: st.DataObject) -> None:
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    check_op(lambda t: t.T, [x], lambda a: a.T)
    if shape:
        a1, a2 = (data.draw(st.integers(-len(shape), len(shape) - 1)) for _ in range(2))
        check_op(lambda t: t.swapaxes(a1, a2), [x], lambda a: a.swapaxes(a1, a2))


@given(shapes=tst.broadcastable_shapes(2), data=st.data())
def test_expand_and_broadcast_to(shapes: tuple, data: st.DataObject) -> None:
    source, other = shapes
    target = np.broadcast_shapes(source, other)
    x = Tensor(data.draw(tst.arrays(source)), requires_grad=True)
    method = data.draw(st.sampled_from(["expand", "broadcast_to"]))
    check_op(lambda t: getattr(t, method)(target), [x],
             lambda a: np.broadcast_to(a, target).copy(), second_order=True)


@given(shape=tst.shapes(max_dims=4, max_side=2), data=st.data())
def test_squeeze_unsqueeze_flatten(shape: tuple, data: st.DataObject) -> None:
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    ones = [i for i, n in enumerate(shape) if n == 1]
    squeeze_axis = data.draw(st.none() | st.lists(st.sampled_from(ones), unique=True)
                             .map(tuple)) if ones else None
    check_op(lambda t: t.squeeze(squeeze_axis), [x], lambda a: np.squeeze(a, squeeze_axis))
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    check_op(lambda t: t.unsqueeze(new_axis), [x], lambda a: np.expand_dims(a, new_axis))
    if shape:
        start = data.draw(st.integers(0, len(shape) - 1))
        end = data.draw(st.integers(start, len(shape) - 1))
        flat = shape[:start] + (int(np.prod(shape[start:end + 1])),) + shape[end + 1:]
        check_op(lambda t: t.flatten(start, end), [x], lambda a: a.reshape(flat))


@given(shape=tst.shapes(min_dims=1, max_side=3), data=st.data())
def test_pad_with_drawn_widths_and_value(shape: tuple, data: st.DataObject) -> None:
    widths = tuple((data.draw(st.integers(0, 2)), data.draw(st.integers(0, 2))) for _ in shape)
    value = data.draw(st.floats(-2, 2))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    check_op(lambda t: t.pad(widths, value=value), [x],
             lambda a: np.pad(a, widths, constant_values=value), second_order=True)


# ------------------------------------------------------------------ indexing, joining

@given(shape=tst.shapes(max_dims=3), data=st.data())
def test_getitem_basic_indices(shape: tuple, data: st.DataObject) -> None:
    index = data.draw(hnp.basic_indices(shape, allow_newaxis=True))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, slice) and i.step is not None and i.step < 0 for i in items):
        with pytest.raises(tg.ArgumentError, match="step"):  # as PyTorch: use flip()
            x[index]
        return
    check_op(lambda t: t[index], [x], lambda a: np.asarray(a[index]), second_order=True)


@given(shape=tst.shapes(min_dims=1, max_dims=3), data=st.data())
def test_getitem_integer_arrays_with_repeats(shape: tuple, data: st.DataObject) -> None:
    """Integer-array indices (repeats likely in small shapes): the scatter-add backward
    must accumulate every repeat."""
    index = data.draw(hnp.integer_array_indices(shape, result_shape=tst.shapes(max_dims=2)))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    check_op(lambda t: t[index], [x], lambda a: a[index], second_order=True)


@given(shape=tst.shapes(min_dims=2, max_dims=3), data=st.data())
def test_getitem_slice_then_integer_list(shape: tuple, data: st.DataObject) -> None:
    picks = data.draw(st.lists(st.integers(-shape[1], shape[1] - 1), min_size=1, max_size=5))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    check_op(lambda t: t[:, picks], [x], lambda a: a[:, picks])


@given(shape=tst.shapes(min_dims=1, max_dims=3), data=st.data())
def test_getitem_boolean_mask(shape: tuple, data: st.DataObject) -> None:
    mask = data.draw(hnp.arrays(bool, shape))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    check_op(lambda t: t[mask], [x], lambda a: a[mask], second_order=True)


def test_getitem_repeated_index_accumulates() -> None:
    x = Tensor(np.arange(4.0), requires_grad=True)
    x[np.array([1, 1, 3, 1])].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 3.0, 0.0, 1.0])


@given(shape=tst.shapes(min_dims=1), data=st.data())
def test_concatenate_along_drawn_axis(shape: tuple, data: st.DataObject) -> None:
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    pieces = []
    for n in sizes:
        piece_shape = list(shape)
        piece_shape[axis] = n
        pieces.append(Tensor(data.draw(tst.arrays(tuple(piece_shape))), requires_grad=True))
    check_op(lambda *ts: tg.concatenate(ts, axis=axis), pieces,
             lambda *arrays: np.concatenate(arrays, axis=axis), second_order=len(sizes) < 3)


@given(shape=tst.shapes(max_dims=2), data=st.data())
def test_stack_along_drawn_axis(shape: tuple, data: st.DataObject) -> None:
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    count = data.draw(st.integers(1, 3))
    pieces = [Tensor(data.draw(tst.arrays(shape)), requires_grad=True) for _ in range(count)]
    check_op(lambda *ts: tg.stack(ts, axis=axis), pieces,
             lambda *arrays: np.stack(arrays, axis=axis))


# ------------------------------------------------------------------ composites and chains

@settings(max_examples=10)
@given(x=tst.tensors(shape=SMALL, min_value=-2, max_value=2))
def test_composite_expression_second_derivative(x: Tensor) -> None:
    """A chain mixing many primitives, checked as a whole to second order."""
    def f(t: Tensor) -> Tensor:
        centred = t - t.mean()
        return (centred.tanh() * t.sigmoid() + (t * t + 1.0).log()).exp() / (1.0 + t * t)
    assert tg.gradgradcheck(f, [x])


THIRD_DERIVATIVES = {
    # name: (f, f''' in NumPy, values)
    "tanh": (Tensor.tanh, lambda x: (1 - np.tanh(x) ** 2) * (6 * np.tanh(x) ** 2 - 2),
             tst.arrays),
    "exp": (Tensor.exp, np.exp, tst.arrays),
    "log": (Tensor.log, lambda x: 2 / x**3, tst.positive_arrays),
    "sigmoid": (Tensor.sigmoid,
                lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 6 * _sigmoid(x)
                                                             + 6 * _sigmoid(x) ** 2),
                tst.arrays),
    "cube": (lambda t: t**3, lambda x: np.full_like(x, 6.0), tst.arrays),
}


@pytest.mark.parametrize("name", sorted(THIRD_DERIVATIVES))
@given(data=st.data())
def test_third_derivative_matches_closed_form(name: str, data: st.DataObject) -> None:
    """Elementwise f: three nested tg.grad(create_graph=True) give f''' exactly."""
    f, third, values = THIRD_DERIVATIVES[name]
    x = Tensor(data.draw(values(SMALL)), requires_grad=True)
    g = f(x)
    for _ in range(3):
        (g,) = tg.grad(g.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.data, third(x.data), rtol=1e-9, atol=1e-9)


@settings(max_examples=5)
@given(x=tst.tensors(shape=tst.shapes(max_dims=1, max_side=3)))
def test_third_derivative_by_gradgradcheck_of_gradient(x: Tensor) -> None:
    """gradgradcheck of x -> d<v, f(x)>/dx checks f's third derivative numerically."""
    v = Tensor(np.random.default_rng(1).standard_normal(x.shape))

    def gradient(t: Tensor) -> Tensor:
        return tg.grad((t.tanh() * t.sigmoid() * v).sum(), t, create_graph=True)[0]
    assert tg.gradgradcheck(gradient, [x])


# ------------------------------------------------------------------ conventions at kinks and ties

def test_subgradients_at_kinks_and_ties() -> None:
    """Documented choices where the derivative does not exist: relu'(0) = abs'(0) = 0, clip
    passes the gradient at its bounds, ties in max and maximum split it evenly."""
    x = Tensor(np.array([0.0, 1.0, 1.0, -2.0]), requires_grad=True)
    assert tg.grad(x.relu().sum(), x)[0].data.tolist() == [0.0, 1.0, 1.0, 0.0]
    assert tg.grad(x.abs().sum(), x)[0].data.tolist() == [0.0, 1.0, 1.0, -1.0]
    assert tg.grad(x.clip(0.0, 1.0).sum(), x)[0].data.tolist() == [1.0, 1.0, 1.0, 0.0]
    assert tg.grad(x.max(), x)[0].data.tolist() == [0.0, 0.5, 0.5, 0.0]
    y = Tensor(np.array([0.0, 2.0, 1.0, -3.0]), requires_grad=True)
    gx, gy = tg.grad(tg.maximum(x, y).sum(), [x, y])
    assert gx.data.tolist() == [0.5, 0.0, 0.5, 1.0]
    assert gy.data.tolist() == [0.5, 1.0, 0.5, 0.0]


# ------------------------------------------------------------------ gradcheck can fail

@given(x=tst.tensors(away_from=(0.0,), min_distance=0.1))
def test_gradcheck_fails_on_wrong_backward(x: Tensor) -> None:
    with pytest.raises(tg.GradcheckError):
        tg.gradcheck(HalfSquare.apply, [x])
    assert tg.gradcheck(HalfSquare.apply, [x], raise_exception=False) is False


@settings(max_examples=10)
@given(x=tst.tensors(shape=SMALL, away_from=(0.0,), min_distance=0.1))
def test_gradgradcheck_fails_on_non_differentiable_backward(x: Tensor) -> None:
    assert tg.gradcheck(FrozenSquare.apply, [x])
    with pytest.raises(tg.GradcheckError):
        tg.gradgradcheck(FrozenSquare.apply, [x])


@given(x=tst.tensors(min_value=0.5, max_value=1.5))
def test_gradcheck_fails_with_too_large_step_on_curved_function(x: Tensor) -> None:
    """For x**3 the central difference is exactly 3x^2 + eps^2: with eps = 0.1 the error is
    0.01 * |v| (v the upstream weight), above the tolerance 1e-5 + 1e-3 * 6.76 * |v| of
    x <= 1.5 unless |v| < 0.004; the default step passes."""
    assert tg.gradcheck(lambda t: t**3, [x])
    with pytest.raises(tg.GradcheckError):
        tg.gradcheck(lambda t: t**3, [x], eps=0.1)
