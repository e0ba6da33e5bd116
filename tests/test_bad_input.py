"""Random calls of the Tensor / ops / functional API, good and bad, against NumPy.

Each example draws an op, tensors of a random dtype (bool, ints, floats) and shape
(zero-size axes included, sometimes shapes that do not fit together) and random
further arguments, some of them invalid (axes out of range, floats for sizes,
strings, None). The call must either

- be accepted and give what the NumPy expression gives (same dtype, same shape,
  values equal, or close for floating results computed another way), or
- raise a `TinygradError` (any other exception fails the test), and then the NumPy
  expression must fail on the same arguments too, unless the refusal is one we chose
  (`chosen=True`: what NumPy accepts and we refuse on purpose, such as
  `reshape(True, 6)`, `reshape(1, -2)`, `pad(1.5)`, `astype(complex)`, `var(ddof=1.5)`).

Outcomes are counted per class (accepted-and-equal, or the error class) and printed
at the end of the module when pytest runs with `-s`.
"""

from __future__ import annotations

import operator
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.lib.array_utils import normalize_axis_index

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor
from tinygrad_bn.dtypes import promote_types, result_type

DTYPES = [np.bool_, np.int8, np.uint8, np.int32, np.int64, np.float16, np.float32,
          np.float64]
EXAMPLES = settings().max_examples * 6  # the ci profile: 25 -> 150 per test
OUTCOMES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    total = sum(OUTCOMES.values())
    print(f"\nbad-input suite: {total} calls: " +
          ", ".join(f"{kind} {n}" for kind, n in OUTCOMES.most_common()))


def _elements(dtype: Any) -> st.SearchStrategy:
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return st.booleans()
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        return st.integers(max(info.min, -100), min(info.max, 100))
    return st.one_of(st.floats(-100, 100, width=dtype.itemsize * 8),
                     st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan]))


SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)


@st.composite
def arrays(draw: st.DrawFn, shape: Any = None, dtype: Any = None) -> np.ndarray:
    dtype = draw(st.sampled_from(DTYPES)) if dtype is None else dtype
    dtype = draw(dtype) if isinstance(dtype, st.SearchStrategy) else dtype
    shape = draw(SHAPES) if shape is None else shape
    return draw(hnp.arrays(dtype, shape, elements=_elements(dtype)))


def _axis(ndim: int) -> st.SearchStrategy:
    """Valid and invalid axis arguments."""
    valid = st.integers(-ndim, ndim - 1) if ndim else st.nothing()
    return st.one_of(st.none(), valid, st.integers(-ndim - 2, ndim + 2),
                     st.lists(st.integers(-ndim - 1, ndim), max_size=3).map(tuple),
                     st.sampled_from(["0", 1.0, [0]]))


def _squeezed(a: np.ndarray, axis: Any) -> np.ndarray:
    """PyTorch's squeeze in NumPy: the given axes of size 1 go, the others stay."""
    if axis is None:
        return np.squeeze(a)
    axes = (axis,) if not isinstance(axis, tuple) else axis
    if not all(isinstance(i, int) for i in axes):
        raise TypeError(f"bad axis {axis!r}")
    # a 0-d tensor takes dim 0 or -1 (both its one place), so (0, -1) repeats an axis
    axes = tuple(normalize_axis_index(i, max(a.ndim, 1)) for i in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axis in {axis!r}")
    return np.squeeze(a, tuple(i for i in axes if a.shape[i] == 1)) if a.ndim else a.copy()


def _numpy_axis(axis: Any, ndim: int = 1) -> Any:
    """What NumPy is given for our axis argument (NumPy refuses the same bad ones, except
    that it also takes a list, which we treat as a sequence of axes too). A 0-d array
    takes axis 0 or -1 in np.sum and np.max but not in np.mean or np.var: we take it in
    every reduction (as PyTorch), so the reference gets None for it."""
    if ndim == 0 and axis in (0, -1, (0,), (-1,), [0], [-1]):
        return None
    return tuple(axis) if isinstance(axis, list) else axis


def _close(ours: np.ndarray, expected: np.ndarray) -> None:
    ours, expected = np.asarray(ours), np.asarray(expected)
    assert ours.dtype == expected.dtype, (ours.dtype, expected.dtype)
    assert ours.shape == expected.shape, (ours.shape, expected.shape)
    if expected.dtype.kind == "f":
        rtol = {2: 2e-3, 4: 2e-6, 8: 1e-12}[expected.dtype.itemsize]
        np.testing.assert_allclose(ours, expected, rtol=rtol, atol=rtol, equal_nan=True)
    else:
        np.testing.assert_array_equal(ours, expected)


def check(ours: Callable[[], Any], reference: Callable[[], Any], chosen: bool = False) -> None:
    """Run our call and NumPy's; see the module docstring for what must hold. `chosen`:
    a refusal we made on purpose, so NumPy accepting the same call is no disagreement."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's "Mean of empty slice" ...
        try:
            out = ours()
        except tg.TinygradError as error:
            OUTCOMES[type(error).__name__] += 1
            if not chosen:
                try:
                    value = reference()
                except Exception:  # NumPy refuses too
                    return
                pytest.fail(f"refused with {type(error).__name__} ({error}) although NumPy "
                            f"gives {np.asarray(value).dtype} {np.shape(value)}")
            return
        expected = reference()
    OUTCOMES["accepted and equal"] += 1
    _close(out.data if isinstance(out, Tensor) else out, expected)


def _floating(function: Callable) -> Callable:
    """NumPy's function on integers and bools made float32 first: PyTorch's rule (NumPy's
    own would give float16 for bool and int8, float64 for int64)."""
    return lambda a: function(a if a.dtype.kind == "f" else a.astype(np.float32))


def _no_bool(function: Callable) -> Callable:
    """NumPy's function, refusing bool input as PyTorch does (abs, relu have no bool
    kernel there; we refuse them too)."""
    def reference(a: np.ndarray) -> Any:
        if a.dtype == np.bool_:
            raise TypeError("PyTorch refuses bool input here")
        return function(a)
    return reference


UNARY: dict[str, tuple[Callable, Callable]] = {
    "neg": (operator.neg, np.negative),
    "exp": (Tensor.exp, _floating(np.exp)),
    "log": (Tensor.log, _floating(np.log)),
    "sqrt": (Tensor.sqrt, _floating(np.sqrt)),
    "abs": (Tensor.abs, _no_bool(np.abs)),
    "tanh": (Tensor.tanh, _floating(np.tanh)),
    "relu": (Tensor.relu, _no_bool(lambda a: np.maximum(a, 0))),
    "clip": (lambda t: t.clip(-1.5, 2.0), lambda a: np.clip(a, -1.5, 2.0)),
}


@settings(max_examples=EXAMPLES)
@given(name=st.sampled_from(sorted(UNARY)), a=arrays())
def test_unary_ops(name: str, a: np.ndarray) -> None:
    ours, reference = UNARY[name]
    if name in FLOATING_UNARY and a.dtype.kind != "f":  # PyTorch: in the default float32
        a_ref = a.astype(np.float32)
    else:
        a_ref = a
    check(lambda: ours(Tensor(a)), lambda: reference(a_ref))


FLOATING_UNARY = {"exp", "log", "sqrt", "tanh", "clip"}  # functions of real numbers (and
# clip's float bounds): ints and bools in PyTorch's default dtype


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-a))


@settings(max_examples=EXAMPLES // 4)
@given(a=arrays(dtype=st.sampled_from([np.float32, np.float64])))
def test_sigmoid(a: np.ndarray) -> None:
    check(lambda: Tensor(a).sigmoid(), lambda: _sigmoid(a).astype(a.dtype))


BINARY: dict[str, tuple[Callable, Callable]] = {
    "+": (operator.add, np.add), "-": (operator.sub, np.subtract),
    "*": (operator.mul, np.multiply), "/": (operator.truediv, np.true_divide),
    "**": (operator.pow, np.power), "maximum": (tg.maximum, np.maximum),
    "minimum": (tg.minimum, np.minimum), "<": (operator.lt, np.less),
    "==": (operator.eq, np.equal), ">=": (operator.ge, np.greater_equal),
}


@st.composite
def operand_pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Two arrays whose shapes broadcast (mostly) or do not (sometimes)."""
    if draw(st.booleans()):
        shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, min_side=0,
                                                        max_side=3)).input_shapes
    else:
        shapes = (draw(SHAPES), draw(SHAPES))
    return draw(arrays(shape=shapes[0])), draw(arrays(shape=shapes[1]))


@settings(max_examples=EXAMPLES)
@given(name=st.sampled_from(sorted(BINARY)), pair=operand_pairs())
def test_binary_ops_between_tensors(name: str, pair: tuple) -> None:
    ours, reference = BINARY[name]
    a, b = pair
    if name == "-" and np.bool_ in (a.dtype, b.dtype):  # PyTorch refuses; NumPy, two bools
        _refused_bool_subtraction(lambda: ours(Tensor(a), Tensor(b)))
        return
    if name == "**" and a.dtype == b.dtype == np.bool_:  # PyTorch refuses; NumPy gives int8
        with pytest.raises(tg.DTypeError, match=r"\*\*: pow is not implemented for two bool"):
            ours(Tensor(a), Tensor(b))
        OUTCOMES["DTypeError"] += 1
        return
    if name in PROMOTED:  # NumPy's op in PyTorch's result dtype
        dtype = _true_division(name, result_type(a.dtype, a.ndim > 0, b.dtype, b.ndim > 0))
        check(lambda: ours(Tensor(a), Tensor(b)),
              lambda: reference(a.astype(dtype), b.astype(dtype)))
        return
    check(lambda: ours(Tensor(a), Tensor(b)), lambda: reference(a, b))


# arithmetic promotes as PyTorch does (tinygrad_bn/dtypes.py, compared with PyTorch in
# tests/test_pytorch_semantics.py); comparisons, maximum and minimum as NumPy
PROMOTED = {"+", "-", "*", "/", "**", "maximum", "minimum"}
FLOAT32 = np.dtype(np.float32)


def _true_division(name: str, dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if name == "/" and dtype.kind != "f" else dtype


def _scalar_dtype(array: np.ndarray, scalar: Any) -> np.dtype:
    """PyTorch's result dtype of a tensor with a Python number (a weak scalar)."""
    if isinstance(scalar, float) and array.dtype.kind != "f":
        return np.dtype(np.float32)
    if type(scalar) is int and array.dtype.kind == "b":
        return np.dtype(np.int64)
    return array.dtype


@settings(max_examples=EXAMPLES)
@given(name=st.sampled_from(sorted(BINARY)), a=arrays(),
       other=st.one_of(st.integers(-300, 300), st.floats(-3, 3), st.booleans(),
                       st.sampled_from([None, "a", [1, 2], {"a": 1}, object()])),
       reflected=st.booleans())
def test_binary_ops_with_python_operands(name: str, a: np.ndarray, other: Any,
                                         reflected: bool) -> None:
    ours, reference = BINARY[name]
    if name in ("maximum", "minimum") and type(other) in (bool, int, float):
        # PyTorch's take no Python number (clamp takes one); arrays and lists are welcome
        with pytest.raises(tg.ArgumentTypeError, match=f"{name}: .* must be a tensor"):
            ours(other, Tensor(a)) if reflected else ours(Tensor(a), other)
        OUTCOMES["ArgumentTypeError"] += 1
        return
    if name == "-" and (a.dtype == np.bool_ or isinstance(other, bool)):
        _refused_bool_subtraction(lambda: ours(other, Tensor(a)) if reflected else
                                  ours(Tensor(a), other))
        return
    if name == "==" and other is None:  # PyTorch's answer (since transformer30): False
        assert (other == Tensor(a) if reflected else Tensor(a) == other) is False
        OUTCOMES["accepted and equal"] += 1
        return
    if name == "**" and a.dtype == np.bool_ and isinstance(other, bool):
        _bool_power_of_python_bool(a, other, reflected)
        return
    if name == "**" and not reflected and a.dtype.kind in "biu" and type(other) is int and \
            other < 0:  # PyTorch refuses it, empty tensors too (NumPy refuses it unless empty)
        with pytest.raises(tg.ArgumentError, match="integers to negative integer powers"):
            Tensor(a) ** other
        OUTCOMES["ArgumentError"] += 1
        return
    if name == "**" and reflected and a.dtype.kind in "iu" and isinstance(other, int) and \
            (a < 0).any():  # NumPy refuses; PyTorch's integer power truncates (0 ** -n: 0)
        negative = np.vectorize(lambda e: int(other ** float(e)) if other else 0)(
            np.minimum(a, -1))
        expected = np.where(a >= 0, np.power(np.asarray(other, a.dtype), np.maximum(a, 0)),
                            negative).astype(a.dtype)
        check(lambda: other ** Tensor(a), lambda: expected)
        return
    if name in PROMOTED and isinstance(other, int | float):
        a_ref = a.astype(_true_division(name, _scalar_dtype(a, other)))
    elif name in PROMOTED and isinstance(other, list):  # a float32 tensor with dims
        a_ref = a.astype(_true_division(name, result_type(a.dtype, a.ndim > 0, FLOAT32,
                                                          True)))
    else:
        a_ref = a
    if reflected:
        check(lambda: ours(other, Tensor(a)), lambda: _python_reference(reference, other, a_ref))
    else:
        check(lambda: ours(Tensor(a), other), lambda: _python_reference(reference, a_ref, other))


def _bool_power_of_python_bool(a: np.ndarray, other: bool, reflected: bool) -> None:
    """PyTorch's bool ** bool: a bool tensor to True is itself, to False all True (NumPy:
    int8); True or False to a bool tensor is refused, as two bool tensors are."""
    if reflected:
        with pytest.raises(tg.DTypeError, match=r"\*\*: pow is not implemented for two bool"):
            other ** Tensor(a)
        OUTCOMES["DTypeError"] += 1
        return
    out = Tensor(a) ** other
    assert out.dtype == np.bool_ and np.array_equal(out.data, a if other else np.ones_like(a))
    OUTCOMES["accepted and equal"] += 1


def _refused_bool_subtraction(call: Callable[[], Any]) -> None:
    """`-` with a bool operand: PyTorch refuses it (NumPy computes it on integers), so must
    we (a chosen refusal); two bool tensors meet NumPy's own refusal in the op Sub."""
    with pytest.raises(tg.DTypeError, match="subtract"):
        call()
    OUTCOMES["DTypeError"] += 1


def _python_reference(reference: Callable, x: Any, y: Any) -> np.ndarray:
    """NumPy on a tensor and a Python operand: a list becomes float32 data, as
    `Tensor([1, 2])` does; anything else NumPy cannot make a number of is refused."""
    x, y = (np.asarray(v, dtype=np.float32) if isinstance(v, list) else v for v in (x, y))
    for v in (x, y):
        if not isinstance(v, np.ndarray | int | float | bool):
            raise TypeError(f"not a number: {type(v).__name__}")
    return reference(x, y)


REDUCTIONS: dict[str, tuple[Callable, Callable]] = {
    "sum": (Tensor.sum, np.sum), "mean": (Tensor.mean, np.mean),
    "max": (lambda t, **kw: _values(t.max(**kw)), np.max),
    "min": (lambda t, **kw: _values(t.min(**kw)), np.min),
}


def _values(out: Any) -> Any:
    """max/min with one axis are (values, indices), PyTorch's named tuple: the values."""
    return out.values if isinstance(out, tuple) else out


@settings(max_examples=EXAMPLES)
@given(name=st.sampled_from(sorted(REDUCTIONS)), a=arrays(), keepdims=st.booleans(),
       data=st.data())
def test_reductions(name: str, a: np.ndarray, keepdims: bool, data: st.DataObject) -> None:
    ours, reference = REDUCTIONS[name]
    axis = data.draw(_axis(a.ndim))
    numpy_axis = _numpy_axis(axis, a.ndim)
    if name in ("max", "min") and numpy_axis == ():  # PyTorch's max(()) reduces every axis
        numpy_axis = None
    a_ref = a.astype(np.int64) if name == "sum" and a.dtype.kind == "u" else a  # PyTorch's
    check(lambda: ours(Tensor(a), axis=axis, keepdims=keepdims),
          lambda: np.asarray(reference(a_ref, axis=numpy_axis, keepdims=keepdims)),
          chosen=name == "mean" and a.dtype.kind != "f")  # PyTorch's refusal, not NumPy's


@settings(max_examples=EXAMPLES // 2)
@given(a=arrays(dtype=st.sampled_from([np.float32, np.float64, np.int32])),
       ddof=st.one_of(st.integers(0, 3), st.sampled_from([1.5, "1"])), data=st.data())
def test_var(a: np.ndarray, ddof: Any, data: st.DataObject) -> None:
    axis = data.draw(_axis(a.ndim))
    check(lambda: Tensor(a).var(axis=axis, ddof=ddof),
          lambda: np.asarray(np.var(a, axis=_numpy_axis(axis, a.ndim), ddof=ddof)),
          chosen=not isinstance(ddof, int) or a.dtype.kind != "f")  # int32: PyTorch refuses


def _sizes(total: int) -> st.SearchStrategy:
    """Reshape targets for `total` elements: fitting ones (with a -1 sometimes) and not."""
    factors = [d for d in range(1, max(total, 1) + 1) if total % d == 0] or [1]
    fitting = st.sampled_from(factors).map(lambda d: (d, total // d))
    return st.one_of(fitting, fitting.map(lambda s: (-1, s[1])), st.just((total,)),
                     st.tuples(st.integers(-2, 6), st.integers(-2, 6)),
                     st.sampled_from([(2.5, 2), (2.0, 3), ("2", 3), (None,), (True, total)]))


@settings(max_examples=EXAMPLES)
@given(a=arrays(), data=st.data())
def test_reshape(a: np.ndarray, data: st.DataObject) -> None:
    shape = data.draw(_sizes(a.size))
    # NumPy takes True as 1 and any negative size as "unknown"; we (and PyTorch) do not
    chosen = any(isinstance(n, bool) or isinstance(n, int) and n < -1 for n in shape)
    # (no sizes at all is refused, as PyTorch refuses it: an empty shape is passed as one)
    check(lambda: Tensor(a).reshape(*shape) if shape else Tensor(a).reshape(shape),
          lambda: a.reshape(shape), chosen=chosen)


@settings(max_examples=EXAMPLES)
@given(a=arrays(), data=st.data())
def test_axis_moves(a: np.ndarray, data: st.DataObject) -> None:
    n = a.ndim
    kind = data.draw(st.sampled_from(["transpose2", "permute", "squeeze", "unsqueeze",
                                      "flatten", "swapaxes"]))
    if kind == "transpose2":
        i, j = data.draw(st.integers(-n - 1, n)), data.draw(st.integers(-n - 1, n))
        check(lambda: Tensor(a).transpose(i, j), lambda: _numpy_swap(a, i, j))
    elif kind == "swapaxes":
        i, j = data.draw(st.integers(-n - 1, n)), data.draw(st.integers(-n - 1, n))
        check(lambda: Tensor(a).swapaxes(i, j), lambda: _numpy_swap(a, i, j))
    elif kind == "permute":
        dims = data.draw(st.one_of(st.permutations(range(n)).map(tuple),
                                   st.lists(st.integers(-n - 1, n), max_size=4).map(tuple)))
        check(lambda: Tensor(a).permute(*dims) if dims else Tensor(a).permute(dims),
              lambda: np.transpose(a, dims))
    elif kind == "squeeze":
        axis = data.draw(_axis(n))
        check(lambda: Tensor(a).squeeze(axis), lambda: _squeezed(a, _numpy_axis(axis, n)))
    elif kind == "unsqueeze":
        axis = data.draw(st.integers(-n - 2, n + 1))
        check(lambda: Tensor(a).unsqueeze(axis), lambda: np.expand_dims(a, axis))
    else:
        start, end = data.draw(st.integers(-n - 1, n)), data.draw(st.integers(-n - 1, n))
        check(lambda: Tensor(a).flatten(start, end), lambda: _numpy_flatten(a, start, end))


def _numpy_swap(a: np.ndarray, i: int, j: int) -> np.ndarray:
    """PyTorch's transpose(i, j) in NumPy terms: a 0-d tensor takes dims 0 and -1."""
    if a.ndim == 0:
        if i not in (0, -1) or j not in (0, -1):
            raise ValueError("axis out of range")
        return a
    return np.swapaxes(a, i, j)


def _numpy_flatten(a: np.ndarray, start: int, end: int) -> np.ndarray:
    """PyTorch's flatten in NumPy terms: axes start..end merged, start <= end required."""
    if a.ndim == 0:
        if start not in (0, -1) or end not in (0, -1):
            raise ValueError("axis out of range")
        return a.reshape(1)
    s, e = (normalize_axis_index(x, a.ndim) for x in (start, end))
    if s > e:
        raise ValueError("start after end")
    return a.reshape(a.shape[:s] + (int(np.prod(a.shape[s:e + 1])),) + a.shape[e + 1:])


@settings(max_examples=EXAMPLES // 2)
@given(a=arrays(), data=st.data())
def test_expand(a: np.ndarray, data: st.DataObject) -> None:
    extra = data.draw(st.lists(st.integers(0, 3), max_size=2))
    shape = tuple(extra) + tuple(data.draw(st.sampled_from([n, 1, 2, 3] if n == 1 else [n, 2]))
                                 for n in a.shape)
    check(lambda: Tensor(a).expand(*shape) if shape else Tensor(a).expand(shape),
          lambda: np.broadcast_to(a, shape))


@settings(max_examples=EXAMPLES // 2)
@given(a=arrays(), width=st.one_of(st.integers(-1, 2), st.tuples(st.integers(0, 2),
                                                                 st.integers(0, 2)),
                                   st.sampled_from([1.5, "1", (1, 2, 3), [[0, 1]]])))
def test_pad(a: np.ndarray, width: Any) -> None:
    chosen = a.ndim == 0 or isinstance(width, float)  # NumPy pads 0-d arrays (a no-op)
    check(lambda: Tensor(a).pad(width, value=0),
          lambda: np.pad(a, width, constant_values=0), chosen=chosen)


@settings(max_examples=EXAMPLES // 2)
@given(a=arrays(), dtype=st.sampled_from(DTYPES + ["nonsense", np.complex64, object, "U2"]))
def test_astype(a: np.ndarray, dtype: Any) -> None:
    chosen = dtype in (np.complex64, object, "U2")  # NumPy converts; no op here would take it
    check(lambda: Tensor(a).astype(dtype), lambda: a.astype(dtype), chosen=chosen)


@settings(max_examples=EXAMPLES // 2)
@given(a=arrays(shape=hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=4)),
       data=st.data())
def test_indexing(a: np.ndarray, data: st.DataObject) -> None:
    n0 = a.shape[0]
    index = data.draw(st.one_of(
        st.integers(-n0 - 1, n0), st.slices(max(n0, 1)),
        st.lists(st.integers(-n0 - 1, n0), max_size=4).map(np.array),
        st.tuples(st.integers(-n0, max(n0 - 1, 0)), st.just(Ellipsis))))
    if isinstance(index, np.ndarray) and index.size == 0:
        index = index.astype(np.intp)  # an empty list would be a float array
    # a negative step is refused on purpose, as PyTorch refuses it (NumPy takes it)
    reversing = isinstance(index, slice) and index.step is not None and index.step < 0
    check(lambda: Tensor(a)[index], lambda: a[index], chosen=reversing)


@settings(max_examples=EXAMPLES // 2)
@given(pair=operand_pairs(), axis=st.integers(-3, 3), join=st.sampled_from(["cat", "stack"]))
def test_concatenate_and_stack(pair: tuple, axis: int, join: str) -> None:
    a, b = pair
    dtype = promote_types(a.dtype, b.dtype)  # PyTorch's promotion, not NumPy's
    if join == "cat":  # PyTorch leaves out an empty 1-D operand beside other shapes
        kept = [x.astype(dtype) for x in (a, b) if x.shape != (0,)] or [a.astype(dtype)]
        check(lambda: tg.concatenate([Tensor(a), Tensor(b)], axis=axis),
              lambda: np.concatenate(kept, axis=axis))
    else:
        check(lambda: tg.stack([Tensor(a), Tensor(b)], axis=axis),
              lambda: np.stack([a.astype(dtype), b.astype(dtype)], axis=axis))


@settings(max_examples=EXAMPLES // 2)
@given(pair=operand_pairs(), cond=arrays(dtype=np.bool_))
def test_where(pair: tuple, cond: np.ndarray) -> None:
    a, b = pair
    dtype = result_type(a.dtype, a.ndim > 0, b.dtype, b.ndim > 0)  # PyTorch's promotion
    check(lambda: tg.where(cond, Tensor(a), Tensor(b)),
          lambda: np.where(cond, a.astype(dtype), b.astype(dtype)))


@settings(max_examples=EXAMPLES // 2)
@given(pair=operand_pairs())
def test_matmul(pair: tuple) -> None:
    a, b = pair
    # 0-d: np.matmul refuses too; mixed dtypes and bools: PyTorch refuses, NumPy promotes
    chosen = a.ndim == 0 or b.ndim == 0 or a.dtype != b.dtype or a.dtype == np.bool_
    check(lambda: Tensor(a) @ Tensor(b), lambda: np.matmul(a, b), chosen=chosen)


def _numpy_softmax(a: np.ndarray, axis: int, log: bool) -> np.ndarray:
    if a.ndim == 0:  # PyTorch's rule: over its one element (axis 0 or -1)
        normalize_axis_index(axis, 1)
        return _numpy_softmax(a.reshape(1), 0, log).reshape(())
    normalize_axis_index(axis, a.ndim)
    if a.size == 0:
        return np.exp(a)
    z = a - np.max(a, axis=axis, keepdims=True)
    s = np.exp(z).sum(axis=axis, keepdims=True)
    return z - np.log(s) if log else np.exp(z) / s


@settings(max_examples=EXAMPLES // 2)
@given(a=arrays(dtype=st.sampled_from([np.float32, np.float64])), log=st.booleans(),
       data=st.data())
def test_softmax(a: np.ndarray, log: bool, data: st.DataObject) -> None:
    axis = data.draw(st.integers(-a.ndim - 1, a.ndim))
    fn = F.log_softmax if log else F.softmax
    check(lambda: fn(Tensor(a), axis=axis), lambda: _numpy_softmax(a, axis, log))


@settings(max_examples=EXAMPLES // 2)
@given(pair=operand_pairs(), reduction=st.sampled_from(["mean", "sum", "none", "avg"]))
def test_mse_loss(pair: tuple, reduction: str) -> None:
    a, b = pair
    a = a.astype(np.float64)

    def reference() -> np.ndarray:
        if a.shape != b.shape or reduction == "avg":
            raise ValueError("no silent broadcasting; unknown reduction")
        squared = (a - b.astype(a.dtype)) ** 2
        return {"mean": np.mean, "sum": np.sum, "none": np.asarray}[reduction](squared)

    check(lambda: F.mse_loss(Tensor(a), Tensor(b.astype(a.dtype)), reduction=reduction),
          reference)
