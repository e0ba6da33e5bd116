"""A differential fuzzer: Hypothesis draws an op from a table and its arguments (shapes with
0-d, empty, broadcastable and non-broadcastable pairs; bool, int32, int64, float32, float64
tensors; Python bools, ints and floats; dims in and out of range), runs the call on PyTorch and
on tinygrad_bn, and asserts that they agree: both raise (ours a TinygradError) or neither does,
the results have one shape, dtype and requires_grad, the values are equal (exactly for integers
and bools, NaN at the same places), and for float64 inputs the gradients of a random upstream
gradient are equal. Each difference it found is pinned below as an explicit regression test.
Skipped when torch is not installed. Over 500 lines: the op table (about 210 ops with their
argument strategies) and the pinned cases are the file's point; the harness is its first 150.

Explore beyond the ci profile's budget with HYPOTHESIS_PROFILE=dev, or more examples per
group: pytest tests/test_differential_fuzz.py --hypothesis-seed=N."""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_bn as tg
from tinygrad_bn.errors import TinygradError

torch = pytest.importorskip("torch")

DTYPES = (np.bool_, np.int32, np.int64, np.float32, np.float64)
SPECIAL_FLOATS = (0.0, -0.0, 1.0, -1.0, 0.5, 2.0, math.inf, -math.inf, math.nan)


@dataclass(frozen=True)
class Arr:
    """A tensor argument: built from `value` on each side; `grad` marks a float64 input whose
    gradient is compared."""

    value: np.ndarray
    grad: bool = False

    def __repr__(self) -> str:
        return (f"Arr({self.value.dtype}{list(self.value.shape)}"
                f"{', grad' if self.grad else ''}: {self.value.tolist()!r})")


def _build(arg: Any, lib: Any) -> Any:
    """The argument as `lib` (torch or tinygrad_bn) takes it: Arr becomes a tensor."""
    if isinstance(arg, Arr):
        if lib is torch:
            return torch.tensor(arg.value, requires_grad=arg.grad)
        return tg.Tensor(arg.value.copy(), requires_grad=arg.grad)
    if isinstance(arg, list):
        return [_build(a, lib) for a in arg]
    if isinstance(arg, tuple):
        return tuple(_build(a, lib) for a in arg)
    if isinstance(arg, dict):
        return {k: _build(v, lib) for k, v in arg.items()}
    return arg


def _leaves(built: Any) -> list:
    """The tensors that require grad, in argument order."""
    if isinstance(built, (list, tuple)):
        return [t for a in built for t in _leaves(a)]
    if isinstance(built, dict):
        return [t for a in built.values() for t in _leaves(a)]
    return [built] if getattr(built, "requires_grad", False) else []


def _tensors(result: Any) -> list:
    """The tensors of a result (one tensor, a tuple or list of them), in order."""
    if isinstance(result, (list, tuple)):
        return [t for r in result for t in _tensors(r)]
    return [result] if isinstance(result, (torch.Tensor, tg.Tensor)) else []


def _dtype_name(t: Any) -> str:
    if isinstance(t, torch.Tensor):
        return str(t.dtype).removeprefix("torch.")
    return np.dtype(t.dtype).name


def _compare_values(ours: Any, theirs: Any, where: str) -> str | None:
    if isinstance(theirs, (list, tuple)):
        if not isinstance(ours, (list, tuple)) or len(ours) != len(theirs):
            return f"{where}: ours {ours!r}, torch {type(theirs).__name__} of {len(theirs)}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            diff = _compare_values(o, t, f"{where}[{i}]")
            if diff:
                return diff
        return None
    if not isinstance(theirs, torch.Tensor):
        both_nan = ours != ours and theirs != theirs
        if type(ours) is not type(theirs) or not (ours == theirs or both_nan):
            return f"{where}: ours {ours!r}, torch {theirs!r}"
        return None
    if not isinstance(ours, tg.Tensor):
        return f"{where}: ours {type(ours).__name__}, torch a Tensor"
    if ours.shape != tuple(theirs.shape):
        return f"{where}: shape ours {ours.shape}, torch {tuple(theirs.shape)}"
    if _dtype_name(ours) != _dtype_name(theirs):
        return f"{where}: dtype ours {_dtype_name(ours)}, torch {_dtype_name(theirs)}"
    if ours.requires_grad != theirs.requires_grad and theirs.dtype.is_floating_point:
        # (PyTorch marks an integer tensor written from a float that requires grad)
        return f"{where}: requires_grad ours {ours.requires_grad}, torch {theirs.requires_grad}"
    return _close(np.asarray(ours.data), theirs.detach().numpy(), where)


def _close(got: np.ndarray, want: np.ndarray, where: str) -> str | None:
    if want.dtype.kind == "f":
        # (float16: PyTorch computes in float32 and rounds once; one unit in the last place)
        tol = {np.float16: 1e-3, np.float32: 1e-5}.get(want.dtype.type, 1e-10)
        try:
            np.testing.assert_allclose(got, want, rtol=tol, atol=tol, equal_nan=True)
        except AssertionError:
            return f"{where}: values ours {got.tolist()!r}, torch {want.tolist()!r}"
    elif not np.array_equal(got, want):
        return f"{where}: values ours {got.tolist()!r}, torch {want.tolist()!r}"
    return None


def differences(call: Callable, args: tuple) -> str | None:
    """Runs `call(lib, *args)` on both libraries; None when they agree, else what differs."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs_in, ours_in = _build(args, torch), _build(args, tg)
        try:
            theirs = call(torch, *theirs_in)
        except Exception as e:  # noqa: BLE001 - any torch error means "this input raises"
            theirs, their_error = None, e
        else:
            their_error = None
        try:
            ours = call(tg, *ours_in)
        except TinygradError as e:
            if their_error is None and not _checked_where_torch_is_not(e, theirs):
                return f"ours raised {type(e).__name__}: {e}; torch gave {theirs!r}"
            return None
        except Exception as e:  # noqa: BLE001 - any other error is a finding
            return f"ours raised a raw {type(e).__name__}: {e} (torch: {their_error!r})"
        if their_error is not None:
            return f"torch raised {type(their_error).__name__}: {their_error}; ours gave {ours!r}"
        diff = _compare_values(ours, theirs, "result")
        if diff:
            return diff
        return _gradient_differences(ours, theirs, ours_in, theirs_in)


def _checked_where_torch_is_not(error: Exception, theirs: Any) -> bool:
    """Ours refuses an out-of-range dim or index also where nothing is selected; PyTorch
    skips the check when the result is empty (x[:0, [5]], an empty tensor rolled along dim
    7). A deliberate difference (docs/coming-from-pytorch.md)."""
    results = _tensors(theirs)
    return isinstance(error, (tg.AxisError, tg.IndexOutOfRange)) and bool(results) and \
        all(t.numel() == 0 for t in results)


def _gradient_differences(ours: Any, theirs: Any, ours_in: tuple, theirs_in: tuple) -> str | None:
    """The gradients of sum_i <v_i, out_i> over the float outputs that require grad."""
    their_leaves, our_leaves = _leaves(theirs_in), _leaves(ours_in)
    pairs = [(o, t) for o, t in zip(_tensors(ours), _tensors(theirs))
             if t.requires_grad and t.dtype.is_floating_point]
    if not their_leaves or not pairs:
        return None
    rng = np.random.default_rng(0)
    vs = [rng.standard_normal(t.shape) for _, t in pairs]
    their_loss = sum((t * torch.tensor(v, dtype=t.dtype)).sum() for (_, t), v in zip(pairs, vs))
    our_loss = sum((o * tg.Tensor(v.astype(o.dtype))).sum() for (o, _), v in zip(pairs, vs))
    try:
        want = torch.autograd.grad(their_loss, their_leaves, allow_unused=True)
    except RuntimeError:  # a derivative PyTorch does not implement (remainder's divisor)
        return None
    try:
        got = tg.grad(our_loss, our_leaves)
    except Exception as e:  # noqa: BLE001 - a failing backward is a finding
        return f"ours backward raised {type(e).__name__}: {e}"
    for i, (g, w, leaf) in enumerate(zip(got, want, their_leaves)):
        w = np.zeros(tuple(leaf.shape)) if w is None else w.detach().numpy()
        g = np.zeros(w.shape) if g is None else np.asarray(g.data)
        if g.shape != w.shape:
            return f"grad {i}: shape ours {g.shape}, torch {w.shape}"
        diff = _close(g, w, f"grad {i}")
        if diff:
            return diff
    return None


# ---- argument strategies ----------------------------------------------------------------------

def shapes(min_dims: int = 0, max_dims: int = 3) -> st.SearchStrategy[tuple[int, ...]]:
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=3)


def _elements(dtype: type, finite: bool) -> st.SearchStrategy:
    if dtype is np.bool_:
        return st.booleans()
    if np.issubdtype(dtype, np.integer):
        return st.integers(-6, 6)
    plain = st.floats(-4, 4, width=32, allow_subnormal=False)
    if finite:
        return plain
    return st.one_of(plain, plain, st.sampled_from(SPECIAL_FLOATS))


@st.composite
def arrays(draw: st.DrawFn, dtypes: tuple = DTYPES, shape: Any = None,
           finite: bool | None = None) -> Arr:
    """A tensor argument; float64 ones with finite values may ask for their gradient."""
    dtype = draw(st.sampled_from(dtypes))
    shape = draw(shapes()) if shape is None else shape
    shape = draw(shape) if isinstance(shape, st.SearchStrategy) else shape
    if finite is None:
        finite = draw(st.integers(0, 3)) > 0
    value = draw(hnp.arrays(dtype, shape, elements=_elements(dtype, finite)))
    grad = dtype is np.float64 and finite and draw(st.booleans())
    return Arr(value, grad)


def scalars(finite: bool = False) -> st.SearchStrategy:
    # no subnormals: PyTorch computes with a Python float in double precision (x ** 1e-300
    # is 1 in float32, NaN for x < 0 in PyTorch), which no float32 tensor can mirror
    plain = st.floats(-3, 3).filter(lambda v: v == 0 or abs(v) > 1e-30)
    floats = plain if finite else st.one_of(plain, st.sampled_from(SPECIAL_FLOATS))
    return st.one_of(st.booleans(), st.integers(-4, 4), floats)


@st.composite
def shape_pairs(draw: st.DrawFn) -> tuple:
    """Two shapes: equal, broadcastable (either side shorter or with 1s), or unrelated."""
    a = draw(shapes())
    kind = draw(st.sampled_from(["same", "broadcast", "broadcast", "any"]))
    if kind == "same":
        return a, a
    if kind == "any":
        return a, draw(shapes())
    b = tuple(1 if draw(st.booleans()) else n for n in a[draw(st.integers(0, len(a))):])
    return (a, b) if draw(st.booleans()) else (b, a)


@st.composite
def operand_pairs(draw: st.DrawFn, dtypes: tuple = DTYPES, scalar_first: bool = True) -> tuple:
    """Two operands of a binary op: two tensors, or a tensor and a Python scalar (first
    too, where PyTorch takes that)."""
    sa, sb = draw(shape_pairs())
    a, b = draw(arrays(dtypes, sa)), draw(arrays(dtypes, sb))
    kind = draw(st.sampled_from(["tt", "tt", "ts", "st"] if scalar_first else ["tt", "ts"]))
    if kind == "ts":
        b = draw(scalars())
    elif kind == "st":
        a = draw(scalars())
    return a, b


def dims(ndim: int) -> st.SearchStrategy[int]:
    """A dim, out of range now and then."""
    n = max(ndim, 1)
    return st.one_of(st.integers(-n, n - 1), st.integers(-n, n - 1), st.integers(-n - 1, n))


@st.composite
def tensor_and_dim(draw: st.DrawFn, dtypes: tuple = DTYPES, min_dims: int = 0) -> tuple:
    x = draw(arrays(dtypes, shapes(min_dims=min_dims)))
    return x, draw(dims(x.value.ndim)), draw(st.booleans())


# ---- the op table -------------------------------------------------------------------------

@dataclass(frozen=True)
class Op:
    args: st.SearchStrategy[tuple]
    call: Callable[..., Any]


def _binary(call: Callable, scalar_first: bool = True) -> Op:
    return Op(operand_pairs(scalar_first=scalar_first), call)


def _both_tensors(call: Callable, dtypes: tuple = DTYPES) -> Op:
    return Op(shape_pairs().flatmap(
        lambda s: st.tuples(arrays(dtypes, s[0]), arrays(dtypes, s[1]))), call)


def _unary(call: Callable, dtypes: tuple = DTYPES) -> Op:
    return Op(st.tuples(arrays(dtypes)), call)


def _reduction(call: Callable, dtypes: tuple = DTYPES) -> Op:
    return Op(tensor_and_dim(dtypes), call)


FLOATS = (np.float32, np.float64)

BINARY = {
    "add": _binary(lambda m, a, b: a + b),
    "sub": _binary(lambda m, a, b: a - b),
    "mul": _binary(lambda m, a, b: a * b),
    "truediv": _binary(lambda m, a, b: a / b),
    "floordiv": _binary(lambda m, a, b: a // b),
    "mod": _binary(lambda m, a, b: a % b),
    "pow": _binary(lambda m, a, b: a ** b),
    "eq": _binary(lambda m, a, b: a == b),
    "ne": _binary(lambda m, a, b: a != b),
    "lt": _binary(lambda m, a, b: a < b),
    "le": _binary(lambda m, a, b: a <= b),
    "gt": _binary(lambda m, a, b: a > b),
    "ge": _binary(lambda m, a, b: a >= b),
    "and": _binary(lambda m, a, b: a & b),
    "or": _binary(lambda m, a, b: a | b),
    "xor": _binary(lambda m, a, b: a ^ b),
    "div floor": _binary(lambda m, a, b: m.div(a, b, rounding_mode="floor")),
    "div trunc": _binary(lambda m, a, b: m.div(a, b, rounding_mode="trunc")),
    "remainder": _binary(lambda m, a, b: m.remainder(a, b)),
    "fmod": _binary(lambda m, a, b: m.fmod(a, b), scalar_first=False),
    "maximum": _both_tensors(lambda m, a, b: m.maximum(a, b)),
    "minimum": _both_tensors(lambda m, a, b: m.minimum(a, b)),
    "atan2": _both_tensors(lambda m, a, b: m.atan2(a, b)),
    "logical_and": _both_tensors(lambda m, a, b: m.logical_and(a, b)),
    "logical_or": _both_tensors(lambda m, a, b: m.logical_or(a, b)),
    "logical_xor": _both_tensors(lambda m, a, b: m.logical_xor(a, b)),
    "bitwise_and": _both_tensors(lambda m, a, b: m.bitwise_and(a, b)),
    "add alpha": _both_tensors(lambda m, a, b: m.add(a, b, alpha=2)),
    "mul method scalar": _binary(lambda m, a, b: (a if hasattr(a, "shape") else b).mul(
        b if hasattr(a, "shape") else a)),
    "pow method": _binary(lambda m, a, b: (a if hasattr(a, "shape") else b).pow(
        b if hasattr(a, "shape") else a)),
}

UNARY = {name: _unary(lambda m, x, method=name: getattr(x, method)()) for name in (
    "abs sign sqrt exp log sin tanh sigmoid relu floor ceil round trunc frac reciprocal rsqrt "
    "square expm1 log1p log2 erf logical_not isnan isinf isfinite asin atanh nan_to_num clone "
    "float long bool double int").split()}
UNARY.update({"neg": _unary(lambda m, x: -x), "invert": _unary(lambda m, x: ~x),
              "round decimals": _unary(lambda m, x: x.round(decimals=1))})

REDUCE = {
    "sum": _unary(lambda m, x: x.sum()),
    "sum dim": _reduction(lambda m, x, d, k: x.sum(d, keepdim=k)),
    "sum dim dtype": _reduction(lambda m, x, d, k: x.sum(d, keepdim=k, dtype=m.float64)),
    "sum dims": _reduction(lambda m, x, d, k: x.sum((d, 0), keepdim=k)),
    "mean": _unary(lambda m, x: x.mean()),
    "mean dim": _reduction(lambda m, x, d, k: x.mean(d, keepdim=k)),
    "mean dtype": _reduction(lambda m, x, d, k: x.mean(d, keepdim=k, dtype=m.float64)),
    "prod": _unary(lambda m, x: x.prod()),
    "prod dim": _reduction(lambda m, x, d, k: x.prod(d, keepdim=k)),
    "max": _unary(lambda m, x: x.max()),
    "max dim": _reduction(lambda m, x, d, k: x.max(d, keepdim=k)),
    "min dim": _reduction(lambda m, x, d, k: x.min(d, keepdim=k)),
    "argmax": _unary(lambda m, x: x.argmax()),
    "argmax dim": _reduction(lambda m, x, d, k: x.argmax(d, keepdim=k)),
    "argmin dim": _reduction(lambda m, x, d, k: x.argmin(d, keepdim=k)),
    "amax dim": _reduction(lambda m, x, d, k: x.amax(d, keepdim=k)),
    "amin dims": _reduction(lambda m, x, d, k: x.amin((d,), keepdim=k)),
    "std": _unary(lambda m, x: x.std()),
    "std dim": _reduction(lambda m, x, d, k: x.std(d, keepdim=k)),
    "var dim correction": _reduction(lambda m, x, d, k: x.var(d, keepdim=k, correction=0)),
    "logsumexp": _reduction(lambda m, x, d, k: x.logsumexp(d, keepdim=k)),
    "all": _unary(lambda m, x: x.all()),
    "all dim": _reduction(lambda m, x, d, k: x.all(d, keepdim=k)),
    "any dim": _reduction(lambda m, x, d, k: x.any(d, keepdim=k)),
    "cumsum": _reduction(lambda m, x, d, k: x.cumsum(d)),
    "cumsum dtype": _reduction(lambda m, x, d, k: x.cumsum(d, dtype=m.float64)),
    "cumprod": _reduction(lambda m, x, d, k: x.cumprod(d)),
    "count_nonzero": _reduction(lambda m, x, d, k: x.count_nonzero(d)),
    "norm": _unary(lambda m, x: x.norm()),
}


@st.composite
def _reshape_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays())
    n = x.value.size
    target = list(draw(shapes()))
    if draw(st.integers(0, 2)) and math.prod(target) != n:  # mostly a fitting shape
        target = [n] if n else [0]
        if draw(st.booleans()) and n:
            target = [1, n, 1]
    if target and draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    return x, tuple(target)


@st.composite
def _permutation_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays())
    perm = draw(st.permutations(range(x.value.ndim)))
    perm = [p - x.value.ndim if draw(st.booleans()) else p for p in perm]
    if draw(st.integers(0, 4)) == 0:
        perm = perm[:-1] if perm else [0]
    return x, tuple(perm)


@st.composite
def _two_dims(draw: st.DrawFn) -> tuple:
    x = draw(arrays())
    return x, draw(dims(x.value.ndim)), draw(dims(x.value.ndim))


@st.composite
def _expand_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays())
    lead = draw(st.lists(st.integers(0, 3), max_size=2))
    target = [n if n != 1 or draw(st.booleans()) else draw(st.integers(0, 3))
              for n in x.value.shape]
    target = [-1 if draw(st.integers(0, 3)) == 0 else n for n in target]
    return x, tuple(lead + target)


@st.composite
def _tensor_lists(draw: st.DrawFn) -> tuple:
    """Tensors for cat/stack: one shape but the cat dim, now and then another one or a 1-d
    empty tensor; dtypes mixed at times."""
    base = list(draw(shapes(min_dims=1)))
    dim = draw(dims(len(base)))
    one_dtype = draw(st.sampled_from(DTYPES))
    items = []
    for _ in range(draw(st.integers(1, 3))):
        shape = list(base)
        roll = draw(st.integers(0, 5))
        if roll == 0:
            shape = list(draw(shapes()))
        elif roll == 1:
            shape = [0]
        elif roll == 2 and -len(shape) <= dim < len(shape):
            shape[dim] = draw(st.integers(0, 3))
        dtypes = DTYPES if draw(st.integers(0, 3)) == 0 else (one_dtype,)
        items.append(draw(arrays(dtypes, tuple(shape))))
    return items, dim


@st.composite
def _split_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=1)))
    dim = draw(dims(x.value.ndim))
    size = x.value.shape[dim] if -x.value.ndim <= dim < x.value.ndim else 2
    sizes = draw(st.one_of(st.integers(1, 3), st.lists(st.integers(0, 3), max_size=3).map(
        lambda s: [*s, max(size - sum(s), 0)]) if size else st.just([0])))
    return x, sizes, dim


@st.composite
def _gather_args(draw: st.DrawFn, in_range: bool = False) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=1)))
    dim = draw(dims(x.value.ndim))
    shape = tuple(draw(st.integers(0, n)) for n in x.value.shape)
    size = x.value.shape[dim] if -x.value.ndim <= dim < x.value.ndim else 1
    hi = size - 1 if in_range or draw(st.integers(0, 5)) else size + 1
    index = draw(hnp.arrays(np.int64, shape, elements=st.integers(-size if draw(
        st.booleans()) else 0, max(hi, 0))))
    return x, dim, Arr(index)


@st.composite
def _index_select_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=0)))
    dim = draw(dims(x.value.ndim))
    size = x.value.shape[dim] if -x.value.ndim <= dim < x.value.ndim else 1
    index = draw(st.lists(st.integers(0, max(size - (1 if draw(st.integers(0, 5)) else 0), 0)),
                          max_size=4))
    return x, dim, Arr(np.array(index, dtype=np.int64))


@st.composite
def _narrow_args(draw: st.DrawFn) -> tuple:
    x, d, _ = draw(tensor_and_dim(min_dims=1))
    return x, d, draw(st.integers(-3, 3)), draw(st.integers(0, 3))


MOVEMENT = {
    "reshape": Op(_reshape_args(), lambda m, x, s: x.reshape(s)),
    "view": Op(_reshape_args(), lambda m, x, s: x.view(*s) if s else x.view(s)),
    "permute": Op(_permutation_args(), lambda m, x, p: x.permute(*p) if p else x.permute(p)),
    "transpose": Op(_two_dims(), lambda m, x, a, b: x.transpose(a, b)),
    "squeeze": _unary(lambda m, x: x.squeeze()),
    "squeeze dim": _reduction(lambda m, x, d, k: x.squeeze(d)),
    "squeeze dims": Op(_two_dims(), lambda m, x, a, b: x.squeeze((a, b))),
    "unsqueeze": Op(arrays().flatmap(lambda x: st.tuples(
        st.just(x), st.integers(-x.value.ndim - 2, x.value.ndim + 1))),
        lambda m, x, d: x.unsqueeze(d)),
    "flatten": Op(_two_dims(), lambda m, x, a, b: x.flatten(a, b)),
    "expand": Op(_expand_args(), lambda m, x, s: x.expand(*s) if s else x.expand(s)),
    "repeat": Op(arrays().flatmap(lambda x: st.tuples(st.just(x), st.lists(
        st.integers(0, 2), min_size=max(x.value.ndim - 1, 0), max_size=x.value.ndim + 1))),
        lambda m, x, r: x.repeat(*r) if r else x.repeat(r)),
    "cat": Op(_tensor_lists(), lambda m, xs, d: m.cat(xs, d)),
    "stack": Op(_tensor_lists(), lambda m, xs, d: m.stack(xs, d)),
    "split": Op(_split_args(), lambda m, x, s, d: x.split(s, d)),
    "chunk": Op(_split_args(), lambda m, x, s, d: x.chunk(s if isinstance(s, int) else 3, d)),
    "gather": Op(_gather_args(), lambda m, x, d, i: x.gather(d, i)),
    "index_select": Op(_index_select_args(), lambda m, x, d, i: x.index_select(d, i)),
    "narrow": Op(_narrow_args(), lambda m, x, d, s, n: x.narrow(d, s, n)),
    "roll": Op(tensor_and_dim(), lambda m, x, d, k: x.roll(2 if k else -1, d)),
    "roll flat": _unary(lambda m, x: x.roll(1)),
    "flip": Op(_two_dims(), lambda m, x, a, b: x.flip((a,))),
    "tril": Op(st.tuples(arrays(), st.integers(-2, 2)), lambda m, x, k: x.tril(k)),
    "triu": Op(st.tuples(arrays(), st.integers(-2, 2)), lambda m, x, k: x.triu(k)),
    "t": _unary(lambda m, x: x.t()),
    "movedim": Op(_two_dims(), lambda m, x, a, b: x.movedim(a, b)),
}


@st.composite
def _index(draw: st.DrawFn, shape: tuple) -> Any:
    """An index of `shape`: ints, slices, None, Ellipsis, int lists or tensors, bool masks."""
    if draw(st.integers(0, 5)) == 0:  # a boolean mask of the leading dims
        k = draw(st.integers(0, len(shape)))
        return Arr(draw(hnp.arrays(np.bool_, shape[:k])))
    parts: list = []
    for n in shape[:draw(st.integers(0, len(shape)))]:
        kind = draw(st.integers(0, 6))
        if kind == 0:
            parts.append(draw(st.integers(-n - 1 if n else -1, n)))
        elif kind <= 2:
            parts.append(slice(draw(st.none() | st.integers(-4, 4)),
                               draw(st.none() | st.integers(-4, 4)),
                               draw(st.none() | st.integers(1, 2))))
        elif kind == 3:
            parts.append(None)
        elif kind == 4:
            parts.append(draw(st.lists(st.integers(-n, n - 1), max_size=3)) if n else [])
        elif kind == 5:
            parts.append(Arr(np.array(draw(st.lists(st.integers(-n, n - 1), max_size=3))
                                      if n else [], dtype=np.int64)))
        else:
            parts.append(Ellipsis if Ellipsis not in parts else None)
    if len(parts) == 1 and draw(st.booleans()):
        return parts[0]
    return tuple(parts)


@st.composite
def _getitem_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays())
    return x, draw(_index(x.value.shape))


@st.composite
def _setitem_args(draw: st.DrawFn) -> tuple:
    x, index = draw(_getitem_args())
    value = draw(st.one_of(scalars(finite=True), arrays(shape=shapes(max_dims=1).map(
        lambda s: s if draw(st.booleans()) else ()))))
    return x, index, value


def _setitem(m: Any, x: Any, index: Any, value: Any) -> Any:
    y = x.clone()
    y[index] = value
    return y


def _iadd_item(m: Any, x: Any, index: Any, value: Any) -> Any:
    y = x.clone()
    y[index] += value
    return y


@st.composite
def _where_args(draw: st.DrawFn) -> tuple:
    (sa, sb), sc = draw(shape_pairs()), draw(shapes())
    cond = Arr(draw(hnp.arrays(np.bool_, sc)))
    a = draw(st.one_of(arrays(shape=sa), scalars()))
    b = draw(st.one_of(arrays(shape=sb), scalars()))
    return cond, a, b


@st.composite
def _clamp_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays())
    # PyTorch takes two numbers or two tensors (either may be None), not one of each
    bound = draw(st.sampled_from([scalars(), arrays(shape=shapes(max_dims=1))]))
    return x, draw(st.none() | bound), draw(st.none() | bound)


@st.composite
def _masked_fill_args(draw: st.DrawFn) -> tuple:
    sx, sm = draw(shape_pairs())
    value = draw(st.one_of(scalars(), arrays(shape=())))
    return draw(arrays(shape=sx)), Arr(draw(hnp.arrays(np.bool_, sm))), value


SELECT = {
    "getitem": Op(_getitem_args(), lambda m, x, i: x[i]),
    "setitem": Op(_setitem_args(), _setitem),
    "setitem add": Op(_setitem_args(), _iadd_item),
    "where": Op(_where_args(), lambda m, c, a, b: m.where(c, a, b)),
    "clamp": Op(_clamp_args(), lambda m, x, lo, hi: x.clamp(lo, hi)),
    "clamp function": Op(_clamp_args(), lambda m, x, lo, hi: m.clamp(x, min=lo, max=hi)),
    "masked_fill": Op(_masked_fill_args(), lambda m, x, k, v: x.masked_fill(k, v)),
}

@st.composite
def _matmul_args(draw: st.DrawFn) -> tuple:
    n, k, m = (draw(st.integers(0, 3)) for _ in range(3))
    dtype = draw(st.sampled_from(DTYPES[1:]))  # (PyTorch multiplies bools when k = 0 only)
    left = draw(st.sampled_from([(k,), (n, k), (2, n, k), (1, n, k)]))
    right = draw(st.sampled_from([(k,), (k, m), (2, k, m), (3, k, m)]))
    if draw(st.integers(0, 5)) == 0:
        right = draw(shapes())
    other = dtype if draw(st.integers(0, 5)) or not n * k * m else \
        draw(st.sampled_from(DTYPES[1:]))
    return draw(arrays((dtype,), left)), draw(arrays((other,), right))


@st.composite
def _index_args(draw: st.DrawFn, valued: bool = False) -> tuple:
    x, d, _ = draw(tensor_and_dim(min_dims=1))
    size = x.value.shape[d] if -x.value.ndim <= d < x.value.ndim else 1
    top = size - 1 if draw(st.integers(0, 6)) else size
    index = Arr(np.array(draw(st.lists(st.integers(-size if draw(st.booleans()) else 0,
                                                   max(top, 0)), max_size=3)), np.int64))
    if not valued:
        return x, d, index
    shape = list(x.value.shape)
    if -len(shape) <= d < len(shape):
        shape[d] = index.value.size
    src = draw(st.one_of(arrays(shape=tuple(shape)), arrays(shape=shapes())))
    return x, d, index, src


@st.composite
def _scatter_args(draw: st.DrawFn) -> tuple:
    x, d, index = draw(_gather_args())
    src = draw(st.one_of(arrays(shape=index.value.shape),
                         arrays(shape=tuple(n + 1 for n in index.value.shape))))
    return x, d, index, src


@st.composite
def _index_put_args(draw: st.DrawFn) -> tuple:
    x = draw(arrays(shape=shapes(min_dims=1)))
    count = draw(st.integers(1, x.value.ndim))
    if draw(st.integers(0, 3)) == 0:
        indices = (Arr(draw(hnp.arrays(np.bool_, x.value.shape[:count]))),)
    else:
        length = draw(st.integers(0, 3))
        indices = tuple(Arr(np.array(draw(st.lists(st.integers(-n, n - 1), min_size=length,
                                                   max_size=length)) if n else [], np.int64))
                        for n in x.value.shape[:count])
    value = draw(arrays(dtypes=(x.value.dtype.type,) if draw(st.integers(0, 3)) else DTYPES,
                        shape=shapes(max_dims=1)))
    return x, indices, value, draw(st.booleans())


@st.composite
def _inplace_args(draw: st.DrawFn) -> tuple:
    a, b = draw(operand_pairs(scalar_first=False))
    # no gradient for the operand: PyTorch computes x op= y in the promoted dtype, its
    # gradient too, before the cast back into x's (float32 x, float64 y)
    return a, Arr(b.value) if isinstance(b, Arr) else b


def _inplace(method: str) -> Callable:
    def call(m: Any, a: Any, b: Any) -> Any:
        y = a.clone()
        before = y._version
        out = getattr(y, method)(b)
        return out is y, y, y._version - before
    return call


def _augmented(op: Callable) -> Callable:
    """`y op= b` (operator.iadd ...): whether y itself changed (PyTorch writes in place),
    and its value."""
    def call(m: Any, a: Any, b: Any) -> Any:
        y = a.clone()
        z = op(y, b)
        return z is y, z
    return call


def _through_view(view: Callable) -> Callable:
    """A write through a view: the base's values and version counter afterwards (PyTorch's
    views share the base's counter)."""
    def call(m: Any, x: Any) -> Any:
        base = x.detach().clone()  # (outside the graph: some views refuse, documented)
        before = base._version
        view(base).mul_(2)
        return base, base._version - before
    return call


MORE = {
    "write through view": _unary(_through_view(lambda t: t.view(-1))),
    "write through reshape": _unary(_through_view(lambda t: t.reshape(-1))),
    "write through transpose": _unary(_through_view(lambda t: t.t() if t.ndim <= 2 else
                                                    t.transpose(0, 1))),
    "write through getitem": _unary(_through_view(lambda t: t[..., :1])),
    "write through squeeze": _unary(_through_view(lambda t: t.squeeze())),
    "write through unsqueeze": _unary(_through_view(lambda t: t.unsqueeze(0))),
    "write through detach": _unary(_through_view(lambda t: t.detach())),
    "write through select": Op(st.tuples(arrays(shape=shapes(min_dims=1).filter(
        lambda s: s[0] > 0))), _through_view(lambda t: t[0])),
    "matmul": Op(_matmul_args(), lambda m, a, b: a @ b),
    "hypot": _both_tensors(lambda m, a, b: m.hypot(a, b)),
    # (other gets no gradient here, PyTorch's a zero one: a documented difference)
    "copysign": _both_tensors(lambda m, a, b: m.copysign(a, b.detach())),
    "logaddexp": _both_tensors(lambda m, a, b: m.logaddexp(a, b)),
    # (y's gradient x / y is NaN at x = y = 0 in PyTorch, 0 here: y is not differentiated)
    "xlogy": _both_tensors(lambda m, a, b: m.xlogy(a, b.detach())),
    "float_power": _binary(lambda m, a, b: m.float_power(a, b), scalar_first=False),
    "lshift": Op(st.tuples(arrays((np.int32, np.int64, np.bool_)), st.integers(0, 3)),
                 lambda m, a, b: a << b),
    "rshift": Op(st.tuples(arrays((np.int32, np.int64)), arrays((np.int64,), shape=())),
                 lambda m, a, b: a >> b.abs()),
    "isclose": _both_tensors(lambda m, a, b: m.isclose(a, b)),
    "lerp": Op(st.tuples(arrays(FLOATS), arrays(FLOATS), scalars(finite=True)),
               lambda m, a, b, w: m.lerp(a, b, w)),
    "var correction 0.5": _reduction(lambda m, x, d, k: x.var(d, keepdim=k, correction=0.5)),
    "std unbiased False": _reduction(lambda m, x, d, k: x.std(d, unbiased=False, keepdim=k)),
    "var all": _unary(lambda m, x: x.var()),
    "sum dtype int32": _reduction(lambda m, x, d, k: x.sum(d, keepdim=k, dtype=m.int32)),
    "prod dtype": _reduction(lambda m, x, d, k: x.prod(d, keepdim=k, dtype=m.float64)),
    "nansum": _reduction(lambda m, x, d, k: x.nansum(d, keepdim=k)),
    "nanmean": _reduction(lambda m, x, d, k: x.nanmean(d, keepdim=k)),
    # the index of a tie is PyTorch's choice (its docs: not necessarily the first)
    "median dim": _reduction(lambda m, x, d, k: x.detach().median(d, keepdim=k).values),
    "median": Op(st.tuples(arrays(shape=shapes().filter(lambda s: math.prod(s) > 0))),
                 lambda m, x: x.median()),
    "sort": _reduction(lambda m, x, d, k: x.sort(d, descending=k)),
    "argsort": _reduction(lambda m, x, d, k: x.argsort(d, descending=k)),
    "topk": _reduction(lambda m, x, d, k: x.topk(1, d, largest=k)),
    # (PyTorch takes a 0-d bool tensor, no other bool one: not drawn)
    "kthvalue": Op(tensor_and_dim(DTYPES[1:]),
                   lambda m, x, d, k: x.detach().kthvalue(1, d, keepdim=k).values),
    "cumprod dtype": _reduction(lambda m, x, d, k: x.cumprod(d, dtype=m.float64)),
    "cummax": _reduction(lambda m, x, d, k: x.cummax(d)),
    "logcumsumexp": _reduction(lambda m, x, d, k: x.logcumsumexp(d)),
    "max other": _both_tensors(lambda m, a, b: a.max(b)),
    "norm p=1 dim": _reduction(lambda m, x, d, k: x.norm(1, d, keepdim=k)),
    "norm inf dim": _reduction(lambda m, x, d, k: x.norm(float("inf"), d, keepdim=k)),
    "amax all": _unary(lambda m, x: x.amax()),
    "any": _unary(lambda m, x: x.any()),
    "mean dims": _reduction(lambda m, x, d, k: x.mean((d, -1), keepdim=k)),
    "unbind": _reduction(lambda m, x, d, k: x.unbind(d)),
    "tile": Op(st.tuples(arrays(), st.lists(st.integers(0, 2), max_size=4)),
               lambda m, x, r: x.tile(r)),
    "repeat_interleave": _reduction(lambda m, x, d, k: x.repeat_interleave(2, d)),
    "repeat_interleave flat": _unary(lambda m, x: x.repeat_interleave(2)),
    "take": Op(st.tuples(arrays(), arrays((np.int64,), shapes(max_dims=2))),
               lambda m, x, i: x.take(i)),
    # (in range only: PyTorch reads past the axis without an error)
    "take_along_dim": Op(_gather_args(in_range=True),
                         lambda m, x, d, i: x.take_along_dim(i, d)),
    "scatter": Op(_scatter_args(), lambda m, x, d, i, s: x.scatter(d, i, s)),
    "scatter_add": Op(_scatter_args(), lambda m, x, d, i, s: x.scatter_add(d, i, s)),
    "index_add": Op(_index_args(valued=True), lambda m, x, d, i, s: x.index_add(d, i, s)),
    "index_fill": Op(_index_args(), lambda m, x, d, i: x.index_fill(d, i, -1)),
    "index_copy": Op(_index_args(valued=True), lambda m, x, d, i, s: x.index_copy(d, i, s)),
    "masked_select": Op(_masked_fill_args(), lambda m, x, k, v: x.masked_select(k)),
    "diagonal": Op(_two_dims(), lambda m, x, a, b: x.diagonal(0, a, b)),
    "diagonal offset": Op(_two_dims(), lambda m, x, a, b: x.diagonal(1, a, b)),
    "diag": Op(st.tuples(arrays(shape=shapes(max_dims=2)), st.integers(-2, 2)),
               lambda m, x, k: x.diag(k)),
    "unflatten": _reduction(lambda m, x, d, k: x.unflatten(d, (1, -1))),
    "broadcast_to": Op(_expand_args(), lambda m, x, s: x.broadcast_to(s)),
    "swapdims": Op(_two_dims(), lambda m, x, a, b: x.swapdims(a, b)),
    "mT": _unary(lambda m, x: x.mT),
    "T": _unary(lambda m, x: x.T),
    "nonzero": _unary(lambda m, x: x.nonzero()),
    "split sections": Op(_split_args(), lambda m, x, s, d: m.split(x, s, d)),
    "add_": Op(_inplace_args(), _inplace("add_")),
    "mul_": Op(_inplace_args(), _inplace("mul_")),
    "div_": Op(_inplace_args(), _inplace("div_")),
    "sub_": Op(_inplace_args(), _inplace("sub_")),
    "pow_": Op(_inplace_args(), _inplace("pow_")),
    "remainder_": Op(_inplace_args(), _inplace("remainder_")),
    "copy_": Op(_inplace_args(), _inplace("copy_")),
    "fill_": Op(st.tuples(arrays(), scalars()), _inplace("fill_")),
    "clamp_min_": Op(st.tuples(arrays(), scalars()), _inplace("clamp_min_")),
    **{f"augmented {name}": Op(_inplace_args(), _augmented(getattr(operator, name)))
       for name in ("iadd", "isub", "imul", "itruediv", "ifloordiv", "imod", "ipow", "iand",
                    "ior", "ixor")},
    "neg_": _unary(lambda m, x: x.clone().neg_()),
    "abs_": _unary(lambda m, x: x.clone().abs_()),
    "floor_": _unary(lambda m, x: x.clone().floor_()),
    "sqrt_": _unary(lambda m, x: x.clone().sqrt_()),
    "relu_": _unary(lambda m, x: x.clone().relu_()),
    "zero_": _unary(lambda m, x: x.clone().zero_()),
    "scatter value": Op(_gather_args().flatmap(lambda a: st.tuples(*map(st.just, a),
                                                                    scalars())),
                        lambda m, x, d, i, v: x.scatter(d, i, value=v)),
    "index_put_": Op(_index_put_args(), lambda m, x, i, v, a: x.clone().index_put_(
        i, v, accumulate=a)),
}

OPS = {**BINARY, **UNARY, **REDUCE, **MOVEMENT, **SELECT, **MORE}


@st.composite
def cases(draw: st.DrawFn, table: dict[str, Op]) -> tuple[str, tuple]:
    name = draw(st.sampled_from(sorted(table)))
    return name, draw(table[name].args)


def _groups(family: str, table: dict[str, Op], size: int) -> dict[str, dict[str, Op]]:
    """The table cut into groups of about `size` ops: each group is one Hypothesis test of
    the ci profile's 25 examples, so every op is drawn a few times per run."""
    names = sorted(table)
    count = max(1, round(len(names) / size))
    return {f"{family} {i + 1}/{count}": {n: table[n] for n in names[i::count]}
            for i in range(count)}


GROUPS = {**_groups("binary", BINARY, 10), **_groups("unary", UNARY, 18),
          **_groups("reduce", REDUCE, 10), **_groups("movement", MOVEMENT, 9),
          **_groups("select", SELECT, 7), **_groups("more", MORE, 12)}


@pytest.mark.parametrize("group", sorted(GROUPS))
@settings(max_examples=25)
@given(data=st.data())
def test_ops_agree_with_pytorch(group: str, data: st.DataObject) -> None:
    name, args = data.draw(cases(GROUPS[group]), label="case")
    diff = differences(OPS[name].call, args)
    assert diff is None, f"{name}{args!r}: {diff}"


# ---- the differences the fuzzer found, pinned: each failed before its fix, but the guards,
# which keep a fix from refusing more than PyTorch refuses ---------------------------------

def _a(values: Any, dtype: Any, grad: bool = False) -> Arr:
    return Arr(np.array(values, dtype=dtype), grad)


F32, F64, I32, I64, B = np.float32, np.float64, np.int32, np.int64, np.bool_
EMPTY = np.zeros((0,))

PINNED = {
    # rounded quotients and remainders: own ops (values and gradients as PyTorch's)
    "x % 0.0 and x % False: gradient 1, not NaN": (
        "remainder", (_a([2.5, -0.0], F64, True), False)),
    "fmod's divisor gradient -trunc(x / 0) = -inf": (
        "fmod", (_a([6, -3], I32), _a([1.5, 0.0], F64, True))),
    "-5 % inf is inf, 5 % inf is 5": ("mod", (_a([-5.0, 5.0], F64), math.inf)),
    "3 // -inf is -1, 5 // -0.0 is -inf": (
        "floordiv", (_a([5, 5, 3], I64), _a([4.0, -0.0, -math.inf], F64))),
    "inf // -1 is NaN": ("div floor", (_a([-3.9, 2.0, math.inf], F32), _a([0, 3, -1], I32))),
    "trunc division's gradient is 0 also at 0 / 0": (
        "div trunc", (_a([2.5, 0.0], F64, True), _a([2.5, 0.0], F64, True))),
    "bool // bool is refused": ("floordiv", (_a([True], B), _a([True], B))),
    "bool % bool is refused": ("mod", (_a(True, B), _a(True, B))),
    "bool % 2.0 is float": ("remainder", (_a(True, B), 2.0)),
    "int32 % 0-d int64 stays int32": ("remainder", (_a(2, I64), _a([[1, 3]], I32))),
    "a number before a tensor is a weak scalar": ("remainder", (-4, _a([3, 5], I32))),
    "integer division by 0 after a number is refused": ("div floor", (-1, _a(0, I64))),
    "integer quotients name the op when shapes do not broadcast": (
        "div floor", (Arr(EMPTY.astype(I64)), Arr(np.zeros((3, 0, 3), I32)))),
    # powers
    "bool ** bool tensors are refused": ("pow", (_a([False, False], B), _a(False, B))),
    "bool ** False is all True, a bool tensor": ("pow", (_a([True, False], B), False)),
    "integers to negative tensor powers: 1, +-1 or 0": (
        "pow", (_a([-3, 1, -1, -1, 2, 0], I64), _a([-5, -2, -3, -2, -1, -1], I64))),
    "bool ** negative int tensor": ("pow method", (_a([True, False], B), _a([-6, 4], I64))),
    # bitwise and alpha promotion
    "bitwise ops promote as PyTorch": ("xor", (_a(0, I64), _a([0, 5], I32))),
    "bitwise shape errors name the op": (
        "or", (Arr(np.zeros((1, 2, 0), I32)), Arr(np.zeros((1, 3, 0), I32)))),
    "bool + 2 * bool is bool": ("add alpha", (_a([[False, True]], B), _a([[True, False]], B))),
    "int32 + 2 * bool is int32": ("add alpha", (_a([1, 2], I32), _a([True, False], B))),
    # where, clamp, masked_fill, sign, atan2
    "where of two Python ints is int64": ("where", (_a([True, False], B), 0, -4)),
    "where of two Python bools is bool (a guard)": (
        "where", (_a([True, False], B), True, False)),
    "clamp of bools by bools is refused": ("clamp", (_a([False, True], B), False, True)),
    "clamp of bools by an int is int64 (a guard)": ("clamp", (_a([False, True], B), 2, None)),
    "clamp of bools by a bool tensor min (a guard)": (
        "clamp function", (_a([[False, True]], B), _a(True, B), None)),
    "clamp's bound shapes name the op": (
        "clamp", (_a([-3.0, 0.75], F64, True), None, _a([False, True, True], B))),
    "a NaN bound gives NaN even where max < x": (
        "clamp", (_a(1.68, F32), _a([-0.6, math.nan], F64), _a([-1], I32))),
    "0-d bounds of a higher kind promote together": (
        "clamp", (Arr(np.zeros((1, 2, 0), B)), _a(-3.2, F32), _a(-0.5, F64))),
    "masked_fill broadcasts x to the mask": (
        "masked_fill", (_a(3.9, F32), _a([False, True, False], B), -1.5)),
    "masked_fill of NaN into integers is refused": (
        "masked_fill", (_a(3, I64), _a(True, B), math.nan)),
    "masked_fill of a value that requires grad into integers is refused": (
        "masked_fill", (_a([0], I64), _a([True], B), _a(-1.5, F64, True))),
    "sign of NaN is 0": ("sign", (_a([-1.25, math.nan, 0.0], F32),)),
    "atan2's gradient at the origin is 0": ("atan2", (_a(0.0, F64, True), _a(0.0, F32))),
    "atan2 of float64 and int64 computes in float64": (
        "atan2", (_a(-0.5667891502380371, F64, True), _a([-6, 3, -1], I64))),
    # reductions
    "max(dim) of a 0-d bool tensor is bool": ("max dim", (_a(False, B), 0, False)),
    "min(dim) of a 0-d bool tensor is bool": ("min dim", (_a(True, B), -1, True)),
    "count_nonzero of a 0-d tensor takes dim -1": ("count_nonzero", (_a(0.5, F32), -1, True)),
    "cumsum takes dtype=": ("cumsum dtype", (_a([[2], [-2], [4]], I32), 0, False)),
    # movement and indexing
    "cat keeps the graph of an empty 1-d tensor": (
        "cat", ([Arr(EMPTY, True), _a([True, True], B), _a([True, False], B)], -1)),
    "flatten of a 0-d tensor checks its dims": ("flatten", (_a(1.5, F32), -2, 0)),
    "x[int list] = value of another dtype is refused": (
        "setitem", (_a([0.0, 1.0], F32), [0], _a(1, I32))),
    "x[0-d mask] = value of another dtype is refused": (
        "setitem", (_a(-3.8, F32), _a(False, B), _a(0, I32))),
    "x[mask] = one value of another dtype is cast (a guard)": (
        "setitem", (_a([[[False]]], B), _a([[[True]]], B), _a(1.06, F32))),
    "x[mask] = several values of another dtype is refused": (
        "setitem", (Arr(np.zeros((0, 2, 2), F32)), Arr(np.zeros((0, 2, 2), B)),
                    Arr(EMPTY.astype(I64)))),
    "a value's leading 1-axes are dropped": ("setitem", (_a(6, I32), (), _a([True], B))),
    # the second round
    "x //= 2 writes into x": ("augmented ifloordiv", (_a([5, 6], I64), 2)),
    "x %= 2 writes into x": ("augmented imod", (_a([5.5, 6.0], F32), 2)),
    "x &= y writes into x": ("augmented iand", (_a([True, False], B), _a([True, True], B))),
    "sum(dtype=int32) of a tensor that requires grad is refused": (
        "sum dtype int32", (_a([1.5, 2.5], F64, True), 0, False)),
    "max(other) promotes as PyTorch": ("max other", (_a(-3, I64), _a([[1, 2]], I32))),
    "copysign of 0-d float32 and float64 is float64": (
        "copysign", (_a(-0.5, F32), _a(2.1, F64))),
    "hypot of an int and a float": ("hypot", (_a([3, -2], I32), _a([1.0, 1.0], F64))),
    "logaddexp of a float and an int": ("logaddexp", (_a([0.5], F64, True), _a(-2, I32))),
    "xlogy of an int computes in float64": (
        "xlogy", (_a([-2.9, -3.3, 1.0], F64, True), _a([5, 0, 3], I32))),
    "xlogy of a 0-d float64 and bools is float64": ("xlogy", (_a(-3.3, F64), _a([True], B))),
    "lerp past weight 1/2 as PyTorch (inf - inf)": (
        "lerp", (_a([math.inf, 0.5], F64), _a(-0.25, F64, True), 2.5)),
    "index_copy of bools with an empty index stays bool": (
        "index_copy", (Arr(np.zeros((3, 0, 1), B)), 0, Arr(EMPTY.astype(I64)),
                       Arr(np.zeros((0, 0, 1), B)))),
    "index_copy of another dtype is refused": (
        "index_copy", (_a([0.0, 0.0], F32), 0, _a([0], I64), _a([1], I64))),
    "index_add of another dtype is refused": (
        "index_add", (_a([1.0, 2.0], F64), 0, _a([0], I64), _a([5], I64))),
    "index_add's source must have x's shape but along dim": (
        "index_add", (_a([1], I64), 0, _a([0, 0, 0], I64), _a(6, I64))),
    "index_fill counts negative indices from the end": (
        "index_fill", (_a([[0.0, 2.0, 2.0]], F64), 1, _a([-1, -1], I64))),
    "scatter of a number keeps x's dtype": (
        "scatter value", (_a([True, False, False], B), 0, _a([0, 2], I64), -4)),
    "scatter with an empty index is x": (
        "scatter value", (Arr(np.ones((2, 1, 3), B)), 0, Arr(np.zeros((1, 0, 1), I64)), False)),
    "scatter of another dtype is refused": (
        "scatter", (_a([1.0, 2.0], F32), 0, _a([0], I64), _a([5], I64))),
    "scatter_add of another dtype is refused": (
        "scatter_add", (_a([1.0, 2.0], F32), 0, _a([0], I64), _a([5], I64))),
    "take_along_dim's broadcast error names the op": (
        "take_along_dim", (Arr(np.zeros((2, 2, 2), B)), -3, Arr(np.zeros((1, 0, 0), I64)))),
    "take_along_dim counts negative indices from the end": (
        "take_along_dim", (_a([[[5, -6]]], I64), -1, _a([[[-2, -1]]], I64))),
    "unflatten's -1 of an empty dim": ("unflatten", (Arr(np.zeros((0, 3, 0), I32)), 0, False)),
    "cummax of a 0-d tensor checks its dim": ("cummax", (_a(2.5, F32), 1, False)),
    "median of a 0-d tensor checks its dim": ("median dim", (_a(-1.25, F32), 1, False)),
    "logcumsumexp of bools is refused": ("logcumsumexp", (_a(False, B), 0, False)),
    "isclose of two dtypes is refused": ("isclose", (_a(1.1, F32), _a(3.2, F64))),
    "index_put_ of another dtype is refused": (
        "index_put_", (_a([1.0, 2.0], F64), (_a([0], I64),), _a([5], I64), False)),
    "index_put_ accumulating refuses another dtype also through a mask": (
        "index_put_", (_a([1.0, 2.0], F64), (_a([True, False], B),), _a(5, I64), True)),
    "index_put_ of one value through a mask casts (a guard)": (
        "index_put_", (_a([1.0, 2.0], F64), (_a([True, False], B),), _a([5], I64), False)),
    "fill_ of inf into integers is refused": ("fill_", (_a([1, 2], I64), math.inf)),
    # the third round
    "float32 ** float64 0-d: the exponent's gradient in float64": (
        "pow method", (_a(1.100000023841858, F32), _a(7.2e-33, F64, True))),
    "masked_fill converts a Python float once (2.9999999999999996 into int32: 2)": (
        "masked_fill", (_a(4, I32), _a(True, B), 2.9999999999999996)),
}


@pytest.mark.parametrize("case", sorted(PINNED))
def test_pinned_difference_is_gone(case: str) -> None:
    name, args = PINNED[case]
    diff = differences(OPS[name].call, args)
    assert diff is None, f"{name}{args!r}: {diff}"
