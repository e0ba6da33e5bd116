"""The differential fuzzer, fifth round: what the earlier rounds (tests/test_differential_fuzz.py,
whose harness `differences` is reused, and tests/test_differential_fuzz_32.py) do not draw.
Type promotion over all nine dtypes (bool, uint8, int8, int16, int32, int64, float16,
float32, float64) with n-d and 0-d tensors and Python scalars on either side (PyTorch's
category rule), integer quotients and remainders, shifts, in-place ops whose promoted dtype
x cannot hold; indexing (several advanced indices that broadcast, apart or together, next to
slices, None and Ellipsis; setitem with broadcast values; index_put_ accumulating repeated
indices; scatter_reduce, masked_scatter, put_, take and friends, with their gradients);
reductions over dim tuples, negative dims and empty tensors, with dtype= and integer inputs,
and the shape ops' edge cases; creation functions' dtype inference. Each difference found is
pinned at the end. Skipped without torch. Over 500 lines: the op tables are the file's point.

More examples: HYPOTHESIS_PROFILE=dev, or --hypothesis-seed=N."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")

from tests.test_differential_fuzz import (  # noqa: E402 (after the skip)
    Arr,
    Op,
    _groups,
    _iadd_item,
    _setitem,
    differences,
)

B, U8, I8, I16, I32, I64 = np.bool_, np.uint8, np.int8, np.int16, np.int32, np.int64
F16, F32, F64 = np.float16, np.float32, np.float64
ALL = (B, U8, I8, I16, I32, I64, F16, F32, F64)
INTS = (U8, I8, I16, I32, I64)
FLOATS = (F16, F32, F64)
SPECIAL = (0.0, -0.0, 1.0, -1.0, 0.5, math.inf, -math.inf, math.nan)


def _a(values: Any, dtype: Any, grad: bool = False) -> Arr:
    return Arr(np.array(values, dtype=dtype), grad)


# ---- strategies ---------------------------------------------------------------------------

def shapes(min_dims: int = 0, max_dims: int = 3, max_side: int = 3) -> st.SearchStrategy:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0,
                            max_side=max_side)


def _elements(dtype: type, finite: bool) -> st.SearchStrategy:
    if dtype is B:
        return st.booleans()
    if dtype is U8:
        return st.integers(0, 9)
    if np.issubdtype(dtype, np.integer):
        return st.integers(-6, 6)
    width = 16 if dtype is F16 else 32
    plain = st.floats(-4, 4, width=width, allow_subnormal=False)
    return plain if finite else st.one_of(plain, plain, st.sampled_from(SPECIAL))


@st.composite
def arrays(draw: st.DrawFn, dtypes: tuple = ALL, shape: Any = None,
           finite: bool | None = None, grad: bool = True) -> Arr:
    """A tensor of one of `dtypes`; float64 ones with finite values may ask for their
    gradient."""
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(shapes()) if shape is None else shape
    shape = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    if finite is None:
        finite = draw(st.integers(0, 3)) > 0
    value = draw(hnp.arrays(dtype, shape, elements=_elements(dtype, finite)))
    return Arr(value, grad and dtype is F64 and finite and draw(st.booleans()))


def scalars() -> st.SearchStrategy:
    floats = st.one_of(st.floats(-3, 3).filter(lambda v: v == 0 or abs(v) > 1e-30),
                       st.sampled_from(SPECIAL))
    return st.one_of(st.booleans(), st.integers(-4, 4), floats)


@st.composite
def operands(draw: st.DrawFn, dtypes: tuple = ALL, scalar_first: bool = True,
             scalar_second: bool = True) -> tuple:
    """Two operands: n-d and n-d (broadcastable mostly), n-d and 0-d, either one a Python
    scalar."""
    a = draw(shapes(min_dims=1))
    kinds = ["nn", "nn", "n0", "0n", "00"] + ["ns"] * scalar_second + ["sn"] * scalar_first
    kind = draw(st.sampled_from(kinds))
    b = a[draw(st.integers(0, len(a))):] if draw(st.integers(0, 4)) else draw(shapes())
    first = draw(arrays(dtypes, () if kind[0] == "0" else a)) if kind[0] != "s" \
        else draw(scalars())
    second = draw(arrays(dtypes, () if kind[1] == "0" else b)) if kind[1] != "s" \
        else draw(scalars())
    return first, second


def _binary(call: Callable, dtypes: tuple = ALL, scalar_first: bool = True,
            scalar_second: bool = True) -> Op:
    return Op(operands(dtypes, scalar_first, scalar_second), call)


def _tensor_first(call: Callable, dtypes: tuple = ALL, scalar_second: bool = True) -> Op:
    return _binary(call, dtypes, scalar_first=False, scalar_second=scalar_second)


# ---- type promotion: binary ops, Tensor methods, in place ---------------------------------

PROMOTION = {
    "add": _binary(lambda m, a, b, f=operator.add: f(a, b)),
    "sub": _binary(lambda m, a, b, f=operator.sub: f(a, b)),
    "mul": _binary(lambda m, a, b, f=operator.mul: f(a, b)),
    "truediv": _binary(lambda m, a, b, f=operator.truediv: f(a, b)),
    "floordiv": _binary(lambda m, a, b, f=operator.floordiv: f(a, b)),
    "mod": _binary(lambda m, a, b, f=operator.mod: f(a, b)),
    "pow": _binary(lambda m, a, b, f=operator.pow: f(a, b)),
    "eq": _binary(lambda m, a, b, f=operator.eq: f(a, b)),
    "lt": _binary(lambda m, a, b, f=operator.lt: f(a, b)),
    "ge": _binary(lambda m, a, b, f=operator.ge: f(a, b)),
    "and": _binary(lambda m, a, b, f=operator.and_: f(a, b)),
    "or": _binary(lambda m, a, b, f=operator.or_: f(a, b)),
    "xor": _binary(lambda m, a, b, f=operator.xor: f(a, b)),
    "lshift": _binary(lambda m, a, b, f=operator.lshift: f(a, b)),
    "rshift": _binary(lambda m, a, b, f=operator.rshift: f(a, b)),
    "true_divide": _tensor_first(lambda m, a, b: m.true_divide(a, b)),
    "floor_divide": _tensor_first(lambda m, a, b: m.floor_divide(a, b)),
    "div floor": _tensor_first(lambda m, a, b: m.div(a, b, rounding_mode="floor")),
    "div trunc": _tensor_first(lambda m, a, b: m.div(a, b, rounding_mode="trunc")),
    "remainder": _tensor_first(lambda m, a, b: m.remainder(a, b)),
    "fmod": _tensor_first(lambda m, a, b: m.fmod(a, b)),
    "sub alpha": _tensor_first(lambda m, a, b: m.sub(a, b, alpha=2)),
    "add float alpha": _tensor_first(lambda m, a, b: m.add(a, b, alpha=0.5)),
    "maximum": _tensor_first(lambda m, a, b: m.maximum(a, b), scalar_second=False),
    "fmin": _tensor_first(lambda m, a, b: m.fmin(a, b), scalar_second=False),
    "atan2": _tensor_first(lambda m, a, b: m.atan2(a, b), scalar_second=False),
    "hypot": _tensor_first(lambda m, a, b: m.hypot(a, b), FLOATS, scalar_second=False),
    "copysign": _tensor_first(lambda m, a, b: m.copysign(a, b)),
    "float_power": _tensor_first(lambda m, a, b: m.float_power(a, b)),
    "bitwise_left_shift": _tensor_first(lambda m, a, b: m.bitwise_left_shift(a, b), INTS),
    "bitwise_or": _tensor_first(lambda m, a, b: m.bitwise_or(a, b)),
    "logical_xor": _tensor_first(lambda m, a, b: m.logical_xor(a, b), scalar_second=False),
    "ne method": _tensor_first(lambda m, a, b: a.ne(b)),
    "le method": _tensor_first(lambda m, a, b: a.le(b)),
    "mul method": _tensor_first(lambda m, a, b: a.mul(b)),
    "div method": _tensor_first(lambda m, a, b: a.div(b)),
    "pow method": _tensor_first(lambda m, a, b: a.pow(b)),
    "xlogy": _tensor_first(lambda m, a, b: m.xlogy(a, b)),
    "where": Op(st.tuples(arrays((B,), shapes()), arrays(), arrays()),
                lambda m, c, a, b: m.where(c, a, b)),
    "where scalars": Op(st.tuples(arrays((B,), shapes()), arrays(), scalars()),
                        lambda m, c, a, b: m.where(c, a, b)),
    "result_type": _tensor_first(lambda m, a, b: m.zeros(0, dtype=m.result_type(a, b))),
    "clamp numbers": Op(st.tuples(arrays(), st.none() | scalars(), st.none() | scalars()),
                        lambda m, x, lo, hi: x.clamp(lo, hi)),
    "lerp": Op(st.tuples(arrays(FLOATS, (2,)), arrays(FLOATS, (2,)), scalars()),
               lambda m, a, b, w: m.lerp(a, b, w)),
    "isclose": _tensor_first(lambda m, a, b: m.isclose(a, b), scalar_second=False),
}


def _inplace(method: str, **kw: Any) -> Callable:
    """y = x.clone(); y.method(b): whether it wrote into y, y's value, dtype and version."""
    def call(m: Any, a: Any, b: Any) -> Any:
        y = a.clone()
        before = y._version
        out = getattr(y, method)(b, **kw)
        return out is y, y, y._version - before
    return call


def _in_place_operands() -> st.SearchStrategy:
    # (no gradient for the second operand: PyTorch computes in the promoted dtype)
    return operands(scalar_first=False).filter(lambda ab: isinstance(ab[0], Arr)).map(
        lambda ab: (ab[0], Arr(ab[1].value) if isinstance(ab[1], Arr) else ab[1]))


INPLACE = {name: Op(_in_place_operands(), _inplace(name)) for name in (
    "add_ sub_ mul_ div_ floor_divide_ remainder_ fmod_ pow_ bitwise_and_ bitwise_xor_ "
    "bitwise_left_shift_ copy_ eq_ lt_ true_divide_ clamp_min_ xlogy_ copysign_").split()}
# (PyTorch takes only a tensor for these)
INPLACE.update({name: Op(_in_place_operands().filter(lambda ab: isinstance(ab[1], Arr)),
                         _inplace(name)) for name in ("atan2_", "hypot_")})
# (no gradient: PyTorch's logical_or_ on a float tensor passes the upstream gradient on)
INPLACE["logical_or_"] = Op(_in_place_operands().filter(lambda ab: isinstance(ab[1], Arr)).map(
    lambda ab: (Arr(ab[0].value), ab[1])), _inplace("logical_or_"))
INPLACE["lerp_"] = Op(_in_place_operands().filter(lambda ab: isinstance(ab[1], Arr)),
                      _inplace("lerp_", weight=0.5))
INPLACE["div_ floor"] = Op(_in_place_operands(), _inplace("div_", rounding_mode="floor"))
INPLACE["masked_fill_"] = Op(st.tuples(arrays(), st.one_of(scalars(), arrays(shape=()))),
                             lambda m, x, v: x.clone().masked_fill_(x.clone().bool(), v))
INPLACE["fill_"] = Op(st.tuples(arrays(), st.one_of(scalars(), arrays(shape=()))),
                      lambda m, x, v: x.clone().fill_(v))
for name, op in (("iadd", operator.iadd), ("imul", operator.imul), ("itruediv",
                 operator.itruediv), ("ilshift", operator.ilshift), ("ipow", operator.ipow)):
    INPLACE[f"augmented {name}"] = Op(_in_place_operands(), lambda m, a, b, op=op: (
        lambda y: (op(y, b) is y, y))(a.clone()))


UNARY_NAMES = ("abs neg sign sgn sqrt exp exp2 log log10 sin cos tanh sigmoid floor ceil round "
               "trunc frac reciprocal rsqrt square expm1 log1p erf bitwise_not logical_not "
               "isnan isinf isfinite isneginf signbit nan_to_num positive deg2rad relu "
               "half byte char short int long float double bool clone abs_ neg_ sqrt_ floor_ "
               "sigmoid_ exp_ reciprocal_ bitwise_not_ logical_not_ sign_ trunc_").split()
UNARY = {name: Op(st.tuples(arrays()), lambda m, x, n=name: getattr(
    x.clone() if n.endswith("_") else x, n)()) for name in UNARY_NAMES}
# (no gradient: PyTorch's sgn of an empty tensor has a ZeroTensor gradient, and its
# logical_not_ on a float tensor passes the upstream gradient through)
for name in ("sgn", "logical_not_"):
    UNARY[name] = Op(st.tuples(arrays()), lambda m, x, n=name: getattr(x.detach().clone(), n)())
UNARY["to uint8 of nonnegatives"] = Op(st.tuples(arrays(shape=shapes(), finite=True)),
                                       lambda m, x: x.abs().to(m.uint8))
UNARY["to int8"] = Op(st.tuples(arrays(shape=shapes(), finite=True)),
                      lambda m, x: x.to(m.int8))
UNARY["type_as"] = Op(st.tuples(arrays(finite=True), arrays()),
                      lambda m, x, y: x.type_as(y))
UNARY["round decimals"] = Op(st.tuples(arrays()), lambda m, x: x.round(decimals=1))
UNARY["clamp dtype"] = Op(st.tuples(arrays(), scalars()), lambda m, x, v: m.clamp(x, min=v))


# ---- indexing --------------------------------------------------------------------------------

@st.composite
def _index_arrays(draw: st.DrawFn, sizes: list[int]) -> list:
    """One advanced index per entry of `sizes` (the dims they index), of shapes that
    broadcast together: ints lists, int64/int32 tensors, negative and repeated entries."""
    common = draw(shapes(max_dims=2))
    out = []
    for n in sizes:
        shape = tuple(1 if draw(st.integers(0, 2)) == 0 else s for s in common)
        shape = shape[draw(st.integers(0, len(shape))):] if draw(st.booleans()) else shape
        hi = n - 1 if draw(st.integers(0, 7)) else n  # out of range now and then
        elements = st.integers(-n, hi) if n else st.just(0)
        value = draw(hnp.arrays(np.int64, shape, elements=elements))
        if n == 0 and value.size:
            value = value.reshape(-1)[:0]
        kind = draw(st.integers(0, 3))
        if kind == 0:
            out.append(value.tolist())
        else:
            out.append(Arr(value.astype(np.int32 if kind == 1 else np.int64)))
    return out


@st.composite
def _rich_index(draw: st.DrawFn, shape: tuple) -> Any:
    """An index of `shape`: ints, slices (negative bounds, steps), None, Ellipsis, bool masks
    over one or more dims, Python bools, and advanced indices together or apart."""
    parts: list = []
    advanced_at: list[int] = []
    dim = 0
    while dim < len(shape) and draw(st.integers(0, 4)):
        n = shape[dim]
        kind = draw(st.integers(0, 9))
        if kind == 0:
            parts.append(draw(st.integers(-n - 1 if n else -1, n)))
        elif kind <= 2:
            parts.append(slice(draw(st.none() | st.integers(-4, 4)),
                               draw(st.none() | st.integers(-4, 4)),
                               draw(st.none() | st.integers(1, 3))))
        elif kind == 3:
            parts.append(None)
            continue
        elif kind == 4 and Ellipsis not in parts:
            parts.append(Ellipsis)
            dim = len(shape) - sum(1 for p in parts if p is not None and p is not Ellipsis)
            continue
        elif kind == 5:
            k = draw(st.integers(1, len(shape) - dim))
            parts.append(Arr(draw(hnp.arrays(B, shape[dim:dim + k]))))
            dim += k
            continue
        elif kind == 6:
            parts.append(draw(st.booleans()))
            continue
        else:
            advanced_at.append(len(parts))
            parts.append(n)  # replaced below, once all sizes are known
        dim += 1
    indices = draw(_index_arrays([parts[i] for i in advanced_at]))
    for i, index in zip(advanced_at, indices):
        parts[i] = index
    if len(parts) == 1 and draw(st.booleans()):
        return parts[0]
    return tuple(parts)


@st.composite
def _getitem_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(max_side=4)))
    return x, draw(_rich_index(x.value.shape))


@st.composite
def _setitem_args(draw: st.DrawFn) -> tuple:
    x, index = draw(_getitem_args())
    try:
        target = np.empty(x.value.shape)[_numpy_index(index)].shape
    except (IndexError, ValueError, TypeError):
        target = draw(shapes(max_dims=2))
    kind = draw(st.integers(0, 3))
    if kind == 0:
        return x, index, draw(scalars())
    shape = target[draw(st.integers(0, len(target))):]
    shape = tuple(1 if draw(st.integers(0, 3)) == 0 else s for s in shape)
    dtypes = (x.value.dtype.type,) if kind > 1 else ALL
    return x, index, draw(arrays(dtypes, shape))


def _numpy_index(index: Any) -> Any:
    if isinstance(index, tuple):
        return tuple(_numpy_index(i) for i in index)
    if isinstance(index, Arr):
        return index.value
    if isinstance(index, list):
        return np.array(index, dtype=np.int64)
    return index


@st.composite
def _index_put_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=1)))
    sizes = list(x.value.shape[:draw(st.integers(1, x.value.ndim))])
    indices = tuple(i if isinstance(i, Arr) else Arr(np.array(i, np.int64))
                    for i in draw(_index_arrays(sizes)))
    value = draw(arrays((x.value.dtype.type,), shapes(max_dims=1)))
    return x, indices, value, draw(st.booleans())


@st.composite
def _dim_index(draw: st.DrawFn, x: Arr, same_rank: bool) -> tuple:
    """A dim of x (now and then out of range) and an index along it: of x's rank with
    sizes up to x's (gather, scatter) or 1-d (index_select, index_add)."""
    nd = max(x.value.ndim, 1)
    dim = draw(st.integers(-nd, nd - 1) | st.integers(-nd, nd - 1) | st.integers(-nd - 1, nd))
    size = x.value.shape[dim] if -x.value.ndim <= dim < x.value.ndim else 1
    hi = size - 1 if draw(st.integers(0, 7)) else size
    elements = st.integers(-size if draw(st.booleans()) else 0, max(hi, 0))
    if same_rank:
        shape = tuple(draw(st.integers(0, n)) for n in x.value.shape)
    else:
        shape = (draw(st.integers(0, 4)),)
    index = draw(hnp.arrays(np.int64, shape, elements=elements))
    return dim, Arr(index)


@st.composite
def _scatter_args(draw: st.DrawFn, dtypes: tuple = ALL, exact: bool = False) -> tuple:
    """x, dim, index and src (of index's shape, or larger unless `exact`)."""
    x = draw(arrays(dtypes, shapes(min_dims=1)))
    dim, index = draw(_dim_index(x, True))
    src_shape = tuple(n + (0 if exact else draw(st.integers(0, 1)))
                      for n in index.value.shape)
    other = (x.value.dtype.type,) if draw(st.integers(0, 5)) else ALL
    return x, dim, index, draw(arrays(other, src_shape))


@st.composite
def _index_along_args(draw: st.DrawFn, valued: bool) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=0)))
    dim, index = draw(_dim_index(x, False))
    if not valued:
        return x, dim, index
    shape = list(x.value.shape)
    if -len(shape) <= dim < len(shape):
        shape[dim] = index.value.size
    other = (x.value.dtype.type,) if draw(st.integers(0, 5)) else ALL
    return x, dim, index, draw(arrays(other, tuple(shape)))


@st.composite
def _masked_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=0)))
    shape = x.value.shape[draw(st.integers(0, x.value.ndim)):]
    mask = Arr(draw(hnp.arrays(B, tuple(1 if draw(st.booleans()) else n for n in shape))))
    count = int(np.broadcast_to(mask.value, x.value.shape).sum()) if \
        np.broadcast_shapes(mask.value.shape, x.value.shape) == x.value.shape else 2
    source = draw(arrays((x.value.dtype.type,), (count + draw(st.integers(0, 2)),)))
    return x, mask, source


@st.composite
def _put_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes()))
    n = x.value.size
    index = draw(hnp.arrays(np.int64, shapes(max_dims=2), elements=st.integers(
        -n, n if draw(st.integers(0, 7)) == 0 else max(n - 1, 0)) if n else st.just(0)))
    if not n:
        index = index.reshape(-1)[:0]
    source = draw(arrays((x.value.dtype.type,), index.shape if draw(st.integers(0, 5))
                         else (index.size + 1,)))
    return x, Arr(index), source, draw(st.booleans())


REDUCES = ("sum", "prod", "mean", "amax", "amin")

INDEXING = {
    "getitem": Op(_getitem_args(), lambda m, x, i: x[i]),
    "getitem of a view": Op(_getitem_args(), lambda m, x, i: x.t()[i] if x.ndim == 2 else x[i]),
    "setitem": Op(_setitem_args(), _setitem),
    "setitem add": Op(_setitem_args(), _iadd_item),
    "index_put_": Op(_index_put_args(), lambda m, x, i, v, a: x.clone().index_put_(
        i, v, accumulate=a)),
    "index_put": Op(_index_put_args(), lambda m, x, i, v, a: x.index_put(i, v, accumulate=a)),
    "gather": Op(_scatter_args(), lambda m, x, d, i, s: x.gather(d, i)),
    "scatter": Op(_scatter_args(), lambda m, x, d, i, s: x.scatter(d, i, s)),
    "scatter_add": Op(_scatter_args(), lambda m, x, d, i, s: x.scatter_add(d, i, s)),
    # (src of index's shape: PyTorch's prod gradient reaches src elements index leaves out)
    **{f"scatter_reduce {r}": Op(
        st.tuples(_scatter_args(exact=True), st.booleans()),
        lambda m, a, inc, r=r: a[0].scatter_reduce(a[1], a[2], a[3], r, include_self=inc))
       for r in REDUCES},
    "scatter reduce=add": Op(_scatter_args(), lambda m, x, d, i, s: x.scatter(
        d, i, s, reduce="add")),
    "scatter value reduce=multiply": Op(_scatter_args(), lambda m, x, d, i, s: x.scatter(
        d, i, 2, reduce="multiply")),
    "index_select": Op(_index_along_args(False), lambda m, x, d, i: x.index_select(d, i)),
    "index_add alpha": Op(_index_along_args(True), lambda m, x, d, i, s: x.index_add(
        d, i, s, alpha=2)),
    "index_copy": Op(_index_along_args(True), lambda m, x, d, i, s: x.index_copy(d, i, s)),
    "index_fill float": Op(_index_along_args(False), lambda m, x, d, i: x.index_fill(
        d, i, 1.5)),
    "index_fill tensor": Op(st.tuples(_index_along_args(False), arrays(shape=())),
                            lambda m, a, v: a[0].index_fill(a[1], a[2], v)),
    "index_reduce": Op(st.tuples(_index_along_args(True), st.sampled_from(
        ["prod", "mean", "amax", "amin"]), st.booleans()), lambda m, a, r, inc: a[0].index_reduce(
        a[1], a[2], a[3], r, include_self=inc)),
    "masked_fill": Op(_masked_args(), lambda m, x, k, s: x.masked_fill(k, 2.5)),
    "masked_scatter": Op(_masked_args(), lambda m, x, k, s: x.masked_scatter(k, s)),
    "masked_select": Op(_masked_args(), lambda m, x, k, s: x.masked_select(k)),
    "take": Op(_put_args(), lambda m, x, i, s, a: x.take(i)),
    "take_along_dim flat": Op(_put_args(), lambda m, x, i, s, a: m.take_along_dim(
        x, i.reshape(-1))),
    "put_": Op(_put_args(), lambda m, x, i, s, a: x.clone().put_(i, s, accumulate=a)),
    "put": Op(_put_args(), lambda m, x, i, s, a: x.put(i, s, accumulate=a)),
    "nonzero as_tuple": Op(st.tuples(arrays()), lambda m, x: x.nonzero(as_tuple=True)),
    "argwhere": Op(st.tuples(arrays()), lambda m, x: m.argwhere(x)),
}


# ---- reductions and shape ops ---------------------------------------------------------------

@st.composite
def _reduce_args(draw: st.DrawFn, dtypes: tuple = ALL, finite: bool | None = None) -> tuple:
    """x, dims (an int, a tuple of distinct ones, negative, now and then repeated or out of
    range, or None), keepdim."""
    x = draw(arrays(dtypes, shapes(), finite))
    nd = max(x.value.ndim, 1)
    kind = draw(st.integers(0, 5))
    if kind == 0:
        dim: Any = None
    elif kind == 1:
        dim = draw(st.integers(-nd - 1, nd))
    elif kind == 2:
        dim = tuple(draw(st.lists(st.integers(-nd, nd - 1), max_size=3)))
    else:
        picked = draw(st.lists(st.integers(0, nd - 1), unique=True, min_size=1, max_size=nd))
        dim = tuple(d - nd if draw(st.booleans()) else d for d in picked)
    return x, dim, draw(st.booleans())


def _keyed(method: str, **kw: Any) -> Callable:
    """x.method(dim, keepdim) where dim None means the whole tensor (no dim argument)."""
    def call(m: Any, x: Any, d: Any, k: bool) -> Any:
        kwargs = {k: getattr(m, v) if k == "dtype" else v for k, v in kw.items()}
        if d is not None:
            kwargs["dim"] = d
            kwargs["keepdim"] = k
        return getattr(x, method)(**kwargs)
    return call


def _one_dim(method: str, **kws: Any) -> Callable:
    def call(m: Any, x: Any, d: Any, k: bool) -> Any:
        if isinstance(d, tuple):
            d = d[0] if d else 0
        kw = {k: getattr(m, v) if k == "dtype" else v for k, v in kws.items()}
        return getattr(x, method)() if d is None else getattr(x, method)(d, keepdim=k, **kw)
    return call


REDUCTION = {
    "sum": Op(_reduce_args(), _keyed("sum")),
    "sum dtype float64": Op(_reduce_args(), _keyed("sum", dtype="float64")),
    "sum dtype int16": Op(_reduce_args(INTS + (B,)), _keyed("sum", dtype="int16")),
    "mean": Op(_reduce_args(), _keyed("mean")),
    "mean dtype": Op(_reduce_args(), _keyed("mean", dtype="float32")),
    "nansum": Op(_reduce_args(), _keyed("nansum")),
    "nanmean": Op(_reduce_args(FLOATS), _keyed("nanmean")),
    "prod": Op(_reduce_args(), _one_dim("prod")),
    "prod dtype": Op(_reduce_args(), _one_dim("prod", dtype="float64")),
    "amax": Op(_reduce_args(), _keyed("amax")),
    "amin": Op(_reduce_args(), _keyed("amin")),
    "aminmax": Op(_reduce_args(), lambda m, x, d, k: x.aminmax() if d is None or d == () else
                  x.aminmax(dim=d[0] if isinstance(d, tuple) else d, keepdim=k)),
    "max": Op(_reduce_args(), _one_dim("max")),
    "min": Op(_reduce_args(), _one_dim("min")),
    "argmax": Op(_reduce_args(), _one_dim("argmax")),
    "argmin": Op(_reduce_args(), _one_dim("argmin")),
    "std": Op(_reduce_args(), _keyed("std")),
    "var correction": Op(_reduce_args(), _keyed("var", correction=0)),
    # (no gradient with dim=(): PyTorch's backward counts one element there, +-inf)
    "std_mean": Op(_reduce_args(FLOATS, finite=True), lambda m, x, d, k: m.std_mean(
        x.detach() if d == () else x, d, keepdim=k)),
    "var_mean": Op(_reduce_args(FLOATS, finite=True), lambda m, x, d, k: m.var_mean(
        x.detach() if d == () else x, d, keepdim=k)),
    # (integers and float16 over every dim: PyTorch 2.13 fails to write its result)
    "logsumexp": Op(_reduce_args().filter(lambda a: a[1] is not None and a[1] != () or
                                          a[0].value.dtype in (F32, F64)),
                    lambda m, x, d, k: x.logsumexp(() if d is None else d, keepdim=k)),
    "norm": Op(_reduce_args(), lambda m, x, d, k: x.norm(2, d, keepdim=k)),
    "norm p=1": Op(_reduce_args(), lambda m, x, d, k: x.norm(1, d, keepdim=k)),
    "vector_norm": Op(st.tuples(_reduce_args(FLOATS), st.sampled_from([0, 1, 2, 3.5, math.inf,
                                                                        -math.inf, -1])),
                      lambda m, a, o: m.linalg.vector_norm(a[0], o, a[1], a[2])),
    "all": Op(_reduce_args(), _keyed("all")),
    "any": Op(_reduce_args(), _keyed("any")),
    "count_nonzero": Op(_reduce_args(), lambda m, x, d, k: x.count_nonzero(d)),
    # (no bools: PyTorch refuses them, but gives True for an empty one)
    "median": Op(_reduce_args(ALL[1:]), _one_dim("median")),
    "mode": Op(_reduce_args(), _one_dim("mode")),
    "cumsum": Op(_reduce_args(), lambda m, x, d, k: x.cumsum(
        d[0] if isinstance(d, tuple) and d else 0 if d in (None, ()) else d)),
}


@st.composite
def _view_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(max_side=4)))
    n = x.value.size
    factors = [f for f in range(1, n + 1) if n % f == 0] or [0]
    f = draw(st.sampled_from(factors))
    target = draw(st.sampled_from([[f, n // f if f else 0], [1, n], [n, 1, 1], [2, -1],
                                   [-1], [-1, f], [0, -1], [f, -1, 1]]))
    return x, tuple(target)


@st.composite
def _movedim_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays())
    nd = max(x.value.ndim, 1)
    k = draw(st.integers(0, nd))
    src = draw(st.lists(st.integers(-nd, nd - 1), min_size=k, max_size=k))
    dst = draw(st.lists(st.integers(-nd, nd - 1), min_size=k, max_size=k))
    return x, tuple(src), tuple(dst)


@st.composite
def _split_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=1, max_side=5)))
    nd = x.value.ndim
    dim = draw(st.integers(-nd, nd - 1))
    size = x.value.shape[dim]
    kind = draw(st.integers(0, 3))
    if kind == 0:
        what: Any = draw(st.integers(0, 4))
    elif kind == 1:
        what = draw(st.lists(st.integers(-1, size + 1), max_size=3))
    elif kind == 2:
        what = Arr(np.array(draw(st.lists(st.integers(0, size + 1), max_size=3)), np.int64))
    else:
        what = Arr(np.array(draw(st.integers(0, 4)), np.int64))
    return x, what, dim


@st.composite
def _unflatten_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=1, max_side=4)))
    dim = draw(st.integers(-x.value.ndim, x.value.ndim - 1))
    n = x.value.shape[dim]
    sizes = draw(st.sampled_from([(n,), (1, n), (-1,), (-1, 1), (2, -1), (n, 1, -1), (2, 2),
                                  (0, -1), (-1, -1)]))
    return x, dim, sizes


@st.composite
def _narrow_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=1)))
    nd = x.value.ndim
    start = draw(st.integers(-4, 4))
    return x, draw(st.integers(-nd, nd - 1)), \
        Arr(np.array(start, np.int64)) if draw(st.booleans()) else start, \
        draw(st.integers(-1, 4))


SHAPES = {
    "view": Op(_view_args(), lambda m, x, s: x.view(s)),
    "view of a transpose": Op(_view_args(), lambda m, x, s: x.mT.view(s) if x.ndim >= 2
                              else x.view(s)),
    "reshape": Op(_view_args(), lambda m, x, s: x.reshape(*s)),
    "flatten": Op(st.tuples(arrays(), st.integers(-4, 3), st.integers(-4, 3)),
                  lambda m, x, a, b: m.flatten(x, a, b)),
    "unflatten": Op(_unflatten_args(), lambda m, x, d, s: x.unflatten(d, s)),
    "movedim tuples": Op(_movedim_args(), lambda m, x, s, d: x.movedim(s, d)),
    "moveaxis": Op(_movedim_args(), lambda m, x, s, d: m.moveaxis(x, s, d)),
    "permute": Op(_movedim_args(), lambda m, x, s, d: x.permute(s + d)),
    # (no -1 for a new leading dim: PyTorch 2.13 makes a tensor of size -1 there)
    "expand": Op(st.tuples(arrays(), st.lists(st.integers(-1, 3), max_size=4)).filter(
        lambda a: -1 not in a[1][:len(a[1]) - a[0].value.ndim]),
                 lambda m, x, s: x.expand(tuple(s))),
    "expand_as": Op(st.tuples(arrays(), arrays()), lambda m, x, y: x.expand_as(y)),
    "repeat": Op(st.tuples(arrays(), st.lists(st.integers(0, 2), min_size=1, max_size=4)),
                 lambda m, x, r: x.repeat(tuple(r))),
    "tile": Op(st.tuples(arrays(), st.lists(st.integers(0, 2), max_size=4)),
               lambda m, x, r: m.tile(x, tuple(r))),
    "narrow": Op(_narrow_args(), lambda m, x, d, s, n: x.narrow(d, s, n)),
    "unbind": Op(st.tuples(arrays(), st.integers(-4, 3)), lambda m, x, d: m.unbind(x, d)),
    "split": Op(_split_args(), lambda m, x, w, d: x.split(w if isinstance(w, int) else
                                                          w.tolist() if hasattr(w, "tolist")
                                                          else w, d)),
    "chunk": Op(_split_args(), lambda m, x, w, d: x.chunk(w if isinstance(w, int) else 3, d)),
    "tensor_split": Op(_split_args(), lambda m, x, w, d: x.tensor_split(w, d)),
    "hsplit": Op(_split_args(), lambda m, x, w, d: m.hsplit(x, w if isinstance(w, int)
                                                             else 2)),
    "squeeze tuple": Op(st.tuples(arrays(), st.lists(st.integers(-3, 2), max_size=3)),
                        lambda m, x, d: x.squeeze(tuple(d))),
    "swapaxes": Op(st.tuples(arrays(), st.integers(-3, 2), st.integers(-3, 2)),
                   lambda m, x, a, b: x.swapaxes(a, b)),
    "atleast_2d": Op(st.tuples(arrays()), lambda m, x: m.atleast_2d(x)),
    "ravel": Op(st.tuples(arrays()), lambda m, x: x.ravel()),
    "flip dims": Op(st.tuples(arrays(), st.lists(st.integers(-3, 2), max_size=3)),
                    lambda m, x, d: x.flip(tuple(d))),
    "roll dims": Op(st.tuples(arrays(), st.lists(st.integers(-3, 2), min_size=1, max_size=2)),
                    lambda m, x, d: x.roll(tuple(range(1, len(d) + 1)), tuple(d))),
}


# ---- creation ---------------------------------------------------------------------------------

NUMBERS = st.one_of(st.integers(-5, 5), st.sampled_from([0.0, 1.0, 0.3, -2.5, 2.5, 1e-3]),
                    st.booleans())
DTYPE_NAMES = st.sampled_from([None, None, "int64", "int32", "uint8", "int8", "float16",
                               "float32", "float64", "bool"])


def _dtype(m: Any, name: str | None) -> Any:
    return None if name is None else getattr(m, name)


def _nested(draw: st.DrawFn, depth: int) -> Any:
    """Nested lists of one shape, of numbers of mixed kinds."""
    shape = draw(shapes(max_dims=depth))
    return np.array(draw(st.lists(NUMBERS, min_size=math.prod(shape), max_size=math.prod(
        shape))), dtype=object).reshape(shape).tolist()


@st.composite
def _nested_lists(draw: st.DrawFn) -> tuple:
    # (not ragged: PyTorch reads some ragged lists, [[], [1]], by their first element; ours
    # refuses every one, naming the op)
    return _nested(draw, draw(st.integers(0, 3))), draw(DTYPE_NAMES)


@st.composite
def _numpy_arrays(draw: st.DrawFn) -> tuple:
    dtype = draw(st.sampled_from(ALL))
    value = draw(hnp.arrays(dtype, shapes(), elements=_elements(dtype, True)))
    return value, draw(DTYPE_NAMES)


CREATION = {
    "arange": Op(st.tuples(NUMBERS, st.none() | NUMBERS, st.none() | st.sampled_from(
        [1, 2, -1, 0.3, 0.5, -0.7, 0]), DTYPE_NAMES),
        lambda m, a, b, s, d: m.arange(a, dtype=_dtype(m, d)) if b is None else
        m.arange(a, b, dtype=_dtype(m, d)) if s is None else m.arange(a, b, s, dtype=_dtype(m, d))),
    "linspace": Op(st.tuples(NUMBERS, NUMBERS, st.integers(0, 5), DTYPE_NAMES),
                   lambda m, a, b, n, d: m.linspace(a, b, n, dtype=_dtype(m, d))),
    "logspace": Op(st.tuples(NUMBERS, NUMBERS, st.integers(0, 4), st.sampled_from([10.0, 2, 0.5]),
                             st.sampled_from([None, "float64", "float32", "int64"])),
                   lambda m, a, b, n, base, d: m.logspace(a, b, n, base, dtype=_dtype(m, d))),
    "full": Op(st.tuples(shapes(max_dims=2), NUMBERS, DTYPE_NAMES),
               lambda m, s, v, d: m.full(s, v, dtype=_dtype(m, d))),
    "full 0-d tensor value": Op(st.tuples(shapes(max_dims=2), arrays(shape=())),
                                lambda m, s, v: m.full(s, v)),
    "eye": Op(st.tuples(st.integers(0, 3), st.none() | st.integers(0, 3), DTYPE_NAMES),
              lambda m, n, k, d: m.eye(n, dtype=_dtype(m, d)) if k is None else
              m.eye(n, k, dtype=_dtype(m, d))),
    "zeros": Op(st.tuples(shapes(max_dims=2), DTYPE_NAMES),
                lambda m, s, d: m.zeros(*s, dtype=_dtype(m, d))),
    "ones_like": Op(st.tuples(arrays(), DTYPE_NAMES),
                    lambda m, x, d: m.ones_like(x, dtype=_dtype(m, d))),
    "full_like": Op(st.tuples(arrays(), NUMBERS, DTYPE_NAMES),
                    lambda m, x, v, d: m.full_like(x, v, dtype=_dtype(m, d))),
    "new_full": Op(st.tuples(arrays(), shapes(max_dims=2), NUMBERS),
                   lambda m, x, s, v: x.new_full(s, v)),
    "new_tensor": Op(st.tuples(arrays(), _nested_lists()),
                     lambda m, x, v: x.new_tensor(v[0])),
    "tensor nested": Op(_nested_lists(), lambda m, v, d: m.tensor(v, dtype=_dtype(m, d))),
    "tensor of numpy": Op(_numpy_arrays(), lambda m, v, d: m.tensor(v, dtype=_dtype(m, d))),
    "as_tensor of numpy": Op(_numpy_arrays(), lambda m, v, d: m.as_tensor(v, dtype=_dtype(m, d))),
    "from_numpy": Op(_numpy_arrays(), lambda m, v, d: m.from_numpy(v)),
    "tensor of a numpy scalar": Op(_numpy_arrays(), lambda m, v, d: m.tensor(
        v.reshape(-1)[0] if v.size else v.dtype.type(0))),
    "tensor of 0-d tensors": Op(st.tuples(st.lists(arrays(shape=()), min_size=1, max_size=3)),
                                lambda m, xs: m.tensor([x.item() for x in xs])),
    "stack mixed": Op(st.tuples(st.lists(arrays(shape=(2,)), min_size=1, max_size=3)),
                      lambda m, xs: m.stack(xs)),
    "cat mixed": Op(st.tuples(st.lists(arrays(shape=shapes(min_dims=1, max_dims=1)),
                                       min_size=1, max_size=3)), lambda m, xs: m.cat(xs)),
}


OPS = {**PROMOTION, **INPLACE, **UNARY, **INDEXING, **REDUCTION, **SHAPES, **CREATION}


GROUPS = {**_groups("promotion", PROMOTION, 9), **_groups("in place", INPLACE, 10),
          **_groups("unary", UNARY, 16), **_groups("indexing", INDEXING, 8),
          **_groups("reduction", REDUCTION, 9), **_groups("shapes", SHAPES, 9),
          **_groups("creation", CREATION, 10)}


def wraps_uint8(args: Any) -> bool:
    """Whether a uint8 tensor meets a negative integer (a number or a 0-d integer tensor):
    PyTorch wraps it to 256 - n, ours refuses the number or compares the value (a
    deliberate difference, docs/coming-from-pytorch.md)."""
    flat = list(_flat(args))
    if not any(isinstance(a, Arr) and a.value.dtype == U8 for a in flat):
        return False
    return any(isinstance(a, int) and not isinstance(a, bool) and a < 0 or
               isinstance(a, float) and a < 0 or
               isinstance(a, Arr) and a.value.dtype.kind in "iu" and a.value.ndim == 0 and
               a.value < 0 for a in flat)


def _flat(args: Any) -> Any:
    if isinstance(args, list | tuple):
        for a in args:
            yield from _flat(a)
    else:
        yield args


@pytest.mark.parametrize("group", sorted(GROUPS))
@settings(max_examples=25)
@given(data=st.data())
def test_ops_agree_with_pytorch(group: str, data: st.DataObject) -> None:
    table = GROUPS[group]
    name = data.draw(st.sampled_from(sorted(table)), label="op")
    args = data.draw(table[name].args, label="args")
    assume(not wraps_uint8(args))
    diff = differences(OPS[name].call, args)
    assert diff is None, f"{name}{args!r}: {diff}"


# ---- the differences found, pinned: each failed before its fix ---------------------------

def _op(name: str) -> Callable:
    return OPS[name].call


PINNED: dict[str, tuple[Callable, tuple]] = {
    # type promotion
    "uint8 += int32 in place (any integer width, as PyTorch)": (
        _op("add_"), (_a([3, 5], U8), _a([2, 1], I32))),
    "uint8 *= int8 (the promoted int16 written back)": (
        _op("augmented imul"), (_a([9, 5, 8], U8), _a([-6, -6, 2], I16))),
    "uint8 //= int8 0-d": (_op("floor_divide_"), (_a(7, U8), _a(-3, I16))),
    "float16 += float64 in place (a guard)": (_op("add_"), (_a([1.5], F16), _a([2.25], F64))),
    "int64 += float in place is refused (a guard)": (_op("add_"), (_a([1], I64), 0.5)),
    "bool << bool is refused": (_op("lshift"), (_a([True], B), _a([False], B))),
    "bool >> uint8 is uint8 (a guard)": (_op("rshift"), (_a([True], B), _a([1], U8))),
    "a number << a tensor": (_op("lshift"), (3, _a([0, 2], I32))),
    "a number >> a tensor": (_op("rshift"), (-16, _a([1, 3], I8))),
    "a float << a tensor is refused": (_op("lshift"), (2.5, _a([1], I64))),
    "sub with alpha and a bool tensor is refused": (
        _op("sub alpha"), (_a([1, 4], I32), _a([True, False], B))),
    "atan2 of uint8 and a 0-d int8: from -3.0, not 253.0": (
        _op("atan2"), (_a([3, 5], U8), _a(-3, I8))),
    "copysign of uint8 and a 0-d int8 takes its sign": (
        _op("copysign"), (_a([3, 5], U8), _a(-3, I8))),
    "copysign of uint8 and a negative number": (_op("copysign"), (_a([3, 5], U8), -2)),
    "xlogy of uint8 and a 0-d int8: log(-3) is NaN": (
        _op("xlogy"), (_a([0, 4], U8), _a(-3, I8))),
    "xlog1py of float32 and float16 computes in float32": (
        lambda m, x, y: m.special.xlog1py(x, y), (_a([3.0, 5.0], F32), _a([2.0, 1.0], F16))),
    "xlog1py of a number and a tensor (a guard)": (
        lambda m, y: m.special.xlog1py(2, y), (_a([1.0, 0.5], F64, True),)),
    "ldexp of bool and float16 is float16": (
        lambda m, x, y: m.ldexp(x, y), (_a([True, False], B), _a([2.0, 1.0], F16))),
    "ldexp of float16 and uint8 is float16 (a guard)": (
        lambda m, x, y: m.ldexp(x, y), (_a([3.0, 5.0], F16), _a([2, 1], U8))),
    "ldexp of bool and a 0-d float64 is float64": (
        lambda m, x, y: m.ldexp(x, y), (_a([True, True], B), _a(2.0, F64))),
    "ldexp of a float and a bool exponent is refused": (
        lambda m, x, y: m.ldexp(x, y), (_a([3.0], F32), _a([True], B))),
    "gcd of uint8 and a 0-d int8 stays uint8": (
        lambda m, x, y: m.gcd(x, y), (_a([3, 6], U8), _a(2, I8))),
    "gcd of bool and uint8 is uint8": (
        lambda m, x, y: m.gcd(x, y), (_a([True, True], B), _a([2, 1], U8))),
    "result_type of a bool matrix and a 0-d int8": (
        _op("result_type"), (Arr(np.zeros((0,), B)), _a(0, I8))),
    "result_type of a 0-d int16 and an int64 matrix": (
        _op("result_type"), (_a(0, I16), Arr(np.zeros((1, 2), I64)))),
    # reductions: an empty dim list is every axis, as PyTorch's
    "sum(dim=()) sums everything": (_op("sum"), (_a([[-3, 5], [0, 4]], I64), (), False)),
    "sum(dim=(), keepdim=True)": (_op("sum dtype float64"), (Arr(np.zeros((0, 2), F32)),
                                                              (), True)),
    "mean(dim=())": (_op("mean"), (_a([0.0, -3.75], F64, True), (), False)),
    "var(dim=())": (_op("var correction"), (Arr(np.zeros((2, 0), F32)), (), False)),
    "std_mean(dim=())": (_op("std_mean"), (_a([[0.5], [1.5]], F64, True), (), False)),
    "var_mean(dim=(), keepdim=True)": (_op("var_mean"), (_a([1.0, 2.5], F64, True), (), True)),
    "nansum(dim=(), keepdim=True)": (_op("nansum"), (Arr(np.zeros((1, 0, 3), U8)), (), True)),
    "nanmean(dim=())": (_op("nanmean"), (_a([0.0, math.nan, 2.0], F32), (), False)),
    "logsumexp(())": (_op("logsumexp"), (_a([0, 9, 0], U8), (), True)),
    "count_nonzero(())": (_op("count_nonzero"), (_a([0.0, 1.5], F64), (), True)),
    "median of an empty int8 tensor is int8": (_op("median"), (Arr(np.zeros((0,), I8)), None,
                                                              False)),
    "aminmax along a non-empty dim of an empty tensor": (
        _op("aminmax"), (Arr(np.zeros((0, 3, 2), B)), (-1,), False)),
    "aminmax of a 0-d tensor checks its dim": (_op("aminmax"), (_a(0, I64), 1, False)),
    # indexing and placing
    "scatter_reduce sum of int8 stays int8": (
        _op("scatter_reduce sum"), ((_a([0, 2, 2], I8), 0, _a([1, 1], I64), _a([5, 6], I8)),
                                    True)),
    "scatter_reduce prod of bools stays bool": (
        _op("scatter_reduce prod"), ((_a([True, False], B), 0, _a([0], I64),
                                      _a([False], B)), False)),
    "scatter_reduce mean of bools is refused": (
        _op("scatter_reduce mean"), ((_a([True], B), 0, _a([0], I64), _a([True], B)), True)),
    "index_reduce prod of uint8 stays uint8": (
        _op("index_reduce"), ((_a([3, 4, 5], U8), 0, _a([0, 0], I64), _a([2, 3], U8)),
                              "prod", False)),
    "index_add of bools with alpha stays bool": (
        _op("index_add alpha"), (_a([False, True], B), 0, _a([0], I64), _a([True], B))),
    "index_fill of a 0-d tensor along dim 0": (
        _op("index_fill float"), (_a(2, I8), 0, Arr(np.zeros((0,), I64)))),
    "masked_scatter of bools with nothing selected stays bool": (
        _op("masked_scatter"), (Arr(np.zeros((0,), B)), Arr(np.zeros((0,), B)),
                                Arr(np.zeros((0,), B)))),
    "masked_scatter with nothing selected keeps the source in the graph": (
        _op("masked_scatter"), (Arr(np.zeros((2, 0, 1))), Arr(np.zeros((0, 1), B)),
                                Arr(np.zeros((0,)), True))),
    "put_ accumulating into a 0-d int tensor": (
        _op("put_"), (_a(2, I32), _a(0, I64), _a(5, I32), True)),
    "put with an empty index keeps the source in the graph": (
        _op("put"), (_a([2.5], F64), Arr(np.zeros((0,), I64)), Arr(np.zeros((0,)), True),
                     True)),
    "scatter(reduce='multiply') of a value": (
        _op("scatter value reduce=multiply"), (_a([1.5, 2.0, 3.0], F64), 0, _a([0, 0], I64),
                                               _a([0.0, 0.0], F64))),
    "x[[[0, 1]]] is x[[0, 1]] (a list of lists is a tuple)": (
        _op("getitem"), (_a([[1, 2], [3, 4], [5, 6]], I64), [[0, 1]])),
    "x[[[0, 1], 1]] picks elements": (_op("getitem"), (_a([[1, 2], [3, 4]], I64), [[0, 1], 1])),
    "x[[[0, 1]]] = 5 writes rows (a guard)": (_op("setitem"), (_a([[1, 2], [3, 4], [5, 6]], I64),
                                                     [[0, 1]], 5)),
    # integers are selects, applied before the arrays (they keep no arrays apart)
    "x[0, None, []]: the int is no advanced index": (
        _op("getitem"), (Arr(np.zeros((1, 0), U8)), (0, None, []))),
    "x[:, [0, 1], 0, [0, 1]]: the arrays stay in place (a guard)": (
        _op("getitem"), (Arr(np.arange(24.0).reshape(2, 3, 2, 2), True),
                         (slice(None), [0, 1], 0, [0, 1]))),
    "x[None, mask, ::2, 0-d tensor]": (
        _op("getitem"), (Arr(np.arange(12).reshape(3, 4, 1).astype(I16)),
                         (None, _a([True, True, False], B), slice(None, None, 2), _a(-1, I64)))),
    "x[[], None, True, None, ..., -1]: True a new dim indexed by [0] (a guard)": (
        _op("getitem"), (Arr(np.zeros((0, 2, 1), I16)), ([], None, True, None, Ellipsis, -1))),
    "x[1, ..., [[0], [1]], None]: the arrays' dims where the int was": (
        _op("getitem"), (Arr(np.arange(24.0).reshape(2, 3, 4), True),
                         (1, Ellipsis, [[0], [1]], None))),
    "x[i] = -inf into integers is refused": (_op("setitem"), (_a([5, -1, 3], I64), -1,
                                                              -math.inf)),
    "index_put_ does not drop a value's leading 1": (
        _op("index_put_"), (_a([4, 2], I64), (_a(0, I32),), _a([4], I64), True)),
    # shape ops
    "movedim with a repeated destination is refused": (
        _op("movedim tuples"), (_a([[1, 2]], I32), (0, 1), (1, 1))),
    "moveaxis with a repeated source is refused (a guard)": (
        _op("moveaxis"), (_a([[1, 2]], I32), (1, -1), (0, 1))),
    "unflatten's sizes must multiply up also for an empty dim": (
        _op("unflatten"), (Arr(np.zeros((3, 0), I8)), 0, (2, 2))),
    "split(0) of an empty dim": (_op("split"), (Arr(np.zeros((0,), B)), 0, 0)),
    "split(0) of a non-empty dim is refused (a guard)": (_op("split"), (_a([1, 2], I8), 0, 0)),
    "tile(()) of a 0-d tensor": (_op("tile"), (_a(3, I32), [])),
    # creation
    "arange with a step against the bounds is refused": (_op("arange"), (0, 5, -1, None)),
    "arange of bools is refused": (_op("arange"), (4, 4, None, "bool")),
    "arange int64 truncates start, end and step": (_op("arange"), (-2.5, 2, 1.5, "int64")),
    "arange int32 counts in doubles, steps by the truncated step": (
        _op("arange"), (0.5, 3.7, 1.5, "int32")),
    "arange int64 with a step truncating to 0 is refused (a guard)": (
        _op("arange"), (0, 2, 0.5, "int64")),
    "arange's int64 length by integer division": (_op("arange"), (-4, 0.3, 2, "int64")),
    "arange of bools as numbers": (_op("arange"), (True, 3, 0.5, None)),
    "linspace int32 truncates its bounds first": (_op("linspace"), (True, 2.5, 5, "int32")),
    "linspace uint8 wraps a negative bound first": (_op("linspace"), (3, -5, 3, "uint8")),
    "linspace of one step is start (a guard)": (_op("linspace"), (1, -2, 1, "int32")),
    "linspace of bools is refused": (_op("linspace"), (-1, -4, 4, "bool")),
    "logspace int64 truncates its bounds": (_op("logspace"), (5, -2.5, 4, 2, "int64")),
    "logspace of one step is base ** start (a guard)": (
        _op("logspace"), (2.5, False, 1, 10.0, "int64")),
    "full with a 0-d tensor value": (_op("full 0-d tensor value"), ((2,), _a(3, I8))),
    "full with a 0-d tensor that requires grad is refused (a guard)": (
        _op("full 0-d tensor value"), ((1,), _a(3.0, F64, True))),
    "full wraps a negative int into uint8": (_op("full"), ((2,), -5, "uint8")),
    "full refuses 300 into uint8 (a guard)": (_op("full"), ((2,), 300, "uint8")),
    "zeros() without a size is refused": (_op("zeros"), ((), None)),
    "tensor(-4, dtype=uint8) wraps": (_op("tensor nested"), (-4, "uint8")),
    "tensor of a negative float into uint8 is refused": (_op("tensor nested"), ([-2.5], "uint8")),
    "new_tensor of an int out of uint8's range is refused": (
        _op("new_tensor"), (_a([1], U8), ([300], None))),
}


@pytest.mark.parametrize("case", sorted(PINNED))
def test_pinned_difference_is_gone(case: str) -> None:
    call, args = PINNED[case]
    diff = differences(call, args)
    assert diff is None, f"{case} {args!r}: {diff}"
