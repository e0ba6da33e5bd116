"""PyTorch's `out=` argument of its module-level functions: `tg.add(a, b, out=c)` computes
`a + b` and writes it into c, which it returns.

PyTorch's rules, followed here:
- dtype: the ops PyTorch computes with its TensorIterator (elementwise math, comparisons,
  the sum-like reductions and scans, cat/stack) cast their result into out when the cast
  keeps the kind or widens it (no float into an integer tensor, no number into a bool
  one); every other op (indexing, sorting, matrix products, the ops giving values and
  indices ...) requires out to have the result's exact dtype;
- memory: out may not write one element twice (an expanded tensor: a stride of 0 over
  more than one element); the elementwise ops take an input itself as out (in place) but
  refuse an out overlapping an input partly; the gathers and joins (cat, index_select,
  take, gather, masked_select, kthvalue ...) refuse any out sharing memory with an input.
  PyTorch checks only dense tensors against each other (so does this);
- out takes the result's shape: resized when it differs (with PyTorch's deprecation
  warning when out had elements);
- out= does not record for autograd: refused while grad mode is on and an argument
  requires grad;
- a function with several results (values and indices) takes a tuple of tensors.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.array_utils import byte_bounds

from .autograd.primitive import is_tensor
from .dtypes import can_cast
from .errors import ArgumentTypeError, BackwardError, DTypeError, UnsupportedError
from .tensor import is_grad_enabled, no_grad

_ELEMENTWISE = frozenset("""
    abs absolute acos acosh add addcdiv addcmul arccos arccosh arcsin arcsinh arctan arctan2
    arctanh asin asinh atan atan2 atanh bitwise_and bitwise_left_shift bitwise_not
    bitwise_or bitwise_right_shift bitwise_xor ceil clamp clamp_max clamp_min clip copysign
    cos cosh deg2rad digamma div divide eq erf erfc erfinv exp exp2 expm1 fix float_power
    floor floor_divide fmax fmin fmod frac gcd ge greater greater_equal gt heaviside hypot i0
    igamma igammac lcm ldexp le lerp less less_equal lgamma log log10 log1p log2 logaddexp
    logaddexp2 logical_and logical_not logical_or logical_xor logit lt maximum minimum mul
    multiply mvlgamma nan_to_num ne neg negative nextafter not_equal polygamma pow
    rad2deg reciprocal remainder round rsqrt sgn sigmoid sign signbit sin sinc sinh sqrt
    square sub subtract tan tanh true_divide trunc xlogy
""".split())
# TensorIterator ops whose result is cast into out (a same-kind or widening cast); the
# unary ops that keep their input's dtype (abs, neg, round, sign ...), nan_to_num,
# heaviside, float_power and signbit check out's dtype exactly
_CASTS = _ELEMENTWISE - frozenset("""
    abs absolute ceil fix floor frac heaviside float_power nan_to_num neg negative round
    sgn sign signbit trunc""".split()) | frozenset("""
    addr cat concat concatenate cholesky cholesky_inverse cholesky_solve cumprod cumsum ger
    kron logsumexp max mean min nanmean nansum outer prod stack std sum var""".split())
# out of any dtype takes the result (bernoulli's draws are 0 and 1, as in bernoulli_)
_ANY_DTYPE = frozenset({"bernoulli"})
# the clamps are TensorIterator ops only with a tensor bound (number bounds: exact dtype)
_CLAMPS = frozenset("clamp clamp_max clamp_min clip".split())
# any memory shared between out and an input refused
_DISJOINT = frozenset("""
    cat concat concatenate cross gather index_select kthvalue masked_select stack take
    take_along_dim""".split())
# out overlapping an input partly refused (besides the elementwise ops)
_NO_PARTIAL = _ELEMENTWISE | frozenset("""
    cummax cummin cumprod cumsum index_add index_copy kron lerp logcumsumexp max median min
    mode msort nanmedian scatter scatter_add sort topk""".split())
# no check of out's memory at all (PyTorch's reductions over dims, tril and triu)
_UNCHECKED = frozenset("amax amin mean nanmean nansum prod std sum tril triu var".split())


def _exact_dtype(op: str, result: Any, inputs: tuple[Any, ...]) -> bool:
    if op in _CLAMPS:
        return not any(is_tensor(t) for t in inputs[1:])
    return op not in _CASTS


def _tensors(values: Any) -> list[Any]:
    """The tensors among values, one level into lists and tuples (cat's sequence)."""
    found = []
    for v in values:
        if is_tensor(v):
            found.append(v)
        elif isinstance(v, list | tuple):
            found.extend(t for t in v if is_tensor(t))
    return found


def _dense(a: np.ndarray) -> bool:
    """a covers a contiguous block of memory, each element once, in some axis order."""
    expected = a.itemsize
    for stride, size in sorted((s, n) for s, n in zip(a.strides, a.shape) if n != 1):
        if stride != expected:
            return False
        expected *= size
    return True


def _overlap(out: Any, x: Any) -> str:
    """"full", "partial" or "" (none, or not decidable cheaply): PyTorch's memory
    overlap of two tensors."""
    if out is x:
        return "full"
    a, b = out._data, x._data
    if a.size == 0 or b.size == 0 or not (_dense(a) and _dense(b)):
        return ""
    (a_low, a_high), (b_low, b_high) = byte_bounds(a), byte_bounds(b)
    if a_low == b_low and a_high == b_high:
        return "full"
    return "partial" if a_low < b_high and b_low < a_high else ""


def _check_memory(op: str, out: Any, inputs: tuple[Any, ...]) -> None:
    if op in _UNCHECKED:
        return
    if any(s == 0 and n > 1 for s, n in zip(out._data.strides, out.shape)):
        raise UnsupportedError(f"{op}: unsupported operation: more than one element of the "
                               f"written-to tensor (out=, shape {tuple(out.shape)}, strides "
                               f"{out.stride()}) refers to a single memory location; clone() "
                               f"it first")
    refused = ("full", "partial") if op in _DISJOINT else \
        ("partial",) if op in _NO_PARTIAL else ()
    for x in _tensors(inputs) if refused else ():
        if _overlap(out, x) in refused:
            raise UnsupportedError(f"{op}: unsupported operation: some elements of the input "
                                   f"tensor (shape {tuple(x.shape)}) and the written-to tensor "
                                   f"(out=) refer to a single memory location; clone() one")


def write_out(op: str, result: Any, out: Any, inputs: tuple[Any, ...] = ()) -> Any:
    """Write result (a Tensor or a tuple of them) into out and return out; inputs are the
    op's arguments (their memory is checked against out's)."""
    if isinstance(result, tuple):
        if not isinstance(out, tuple | list) or len(out) != len(result):
            raise ArgumentTypeError(f"{op}: out must be a tuple of {len(result)} tensors (one "
                                    f"per result), got {type(out).__name__}")
        written = [_write_one(op, r, o, inputs, exact=True)
                   for r, o in zip(result, out, strict=True)]
        return type(result)(*written) if hasattr(result, "_fields") else tuple(written)
    return _write_one(op, result, out, inputs, _exact_dtype(op, result, inputs))


def _write_one(op: str, result: Any, out: Any, inputs: tuple[Any, ...], exact: bool) -> Any:
    if not is_tensor(out):
        raise ArgumentTypeError(f"{op}: out must be a Tensor, got {type(out).__name__}")
    if not is_tensor(result):
        raise ArgumentTypeError(f"{op}: gives a {type(result).__name__}, which has no out=")
    if result.requires_grad and is_grad_enabled():
        raise BackwardError(f"{op}(): functions with out=... arguments don't support "
                            f"automatic differentiation, but one of the arguments requires "
                            f"grad")
    if op in _ANY_DTYPE:
        result = result.to(out.dtype)
    if exact and result.dtype != out.dtype:
        raise DTypeError(f"{op}: expected the out tensor to have dtype {result.dtype} (the "
                         f"result's), but got {out.dtype} instead")
    if not can_cast(result.dtype, out.dtype, "same_kind"):
        raise DTypeError(f"{op}: result type {result.dtype} can't be cast to the desired "
                         f"output type {out.dtype} (out=)")
    _check_memory(op, out, inputs)
    if tuple(out.shape) != tuple(result.shape):
        if out.numel():
            warnings.warn(f"{op}: an output with one or more elements was resized since it had "
                          f"shape {list(out.shape)}, which does not match the required output "
                          f"shape {list(result.shape)}. This behavior is deprecated, and in a "
                          f"future PyTorch release outputs will not be resized unless they "
                          f"have zero elements.", UserWarning, stacklevel=5)
        out.resize_(tuple(result.shape))
    with no_grad():
        out.copy_(result.detach())
    return out


def accepts_out(op: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """function with PyTorch's keyword `out=` (see the module docstring)."""

    @functools.wraps(function)
    def with_out(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        return result if out is None else write_out(op, result, out,
                                                    (*args, *kwargs.values()))

    return with_out


def refuses_out(op: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """function refusing `out=` with PyTorch's TypeError: for the functions whose PyTorch
    binding has no out (the views, flatten, clone, isnan ...)."""

    @functools.wraps(function)
    def without_out(*args: Any, **kwargs: Any) -> Any:
        if "out" in kwargs:
            raise ArgumentTypeError(f"{op}() got an unexpected keyword argument 'out' "
                                    f"(PyTorch's {op} takes no out=)")
        return function(*args, **kwargs)

    return without_out
