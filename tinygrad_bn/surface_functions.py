"""More of PyTorch's module-level functions (surface31), beside method_functions.py: the
function forms of Tensor methods (`tg.fmax(x, y)` is `x.fmax(y)`), the in-place function
forms (`tg.relu_(x)` is `x.relu_()`), and the functions without a method: the joining
functions of tensor_methods/stacking.py, the numerical calculus of calculus.py,
combinations, pdist, unravel_index, isin; dtype questions (result_type, promote_types,
can_cast); scalar_tensor, rsub, fill, logspace and the window functions (hann, hamming,
blackman, bartlett, kaiser).

    hann_window(N)[n]    = sin^2(pi n / M)                       M = N (periodic) or N - 1
    hamming_window(N)[n] = alpha - beta cos(2 pi n / M)
    blackman_window(N)[n] = 0.42 - 0.5 cos(2 pi n / M) + 0.08 cos(4 pi n / M)
    bartlett_window(N)[n] = 1 - |2 n / M - 1|
    kaiser_window(N)[n]  = I0(beta sqrt(1 - (2 n / M - 1)^2)) / I0(beta)
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from . import dtypes
from .autograd.primitive import as_tensor, is_tensor
from .creation import full_like, linspace
from .errors import ArgumentError, ArgumentTypeError, names_errors
from .method_functions import _function, tensor_input
from .tensor import Tensor, concatenate
from .tensor_methods.calculus import cumulative_trapezoid, gradient, trapezoid, trapz
from .tensor_methods.choosing import isin
from .tensor_methods.elementwise import constant_in_graph
from .tensor_methods.pairs import combinations, pdist
from .tensor_methods.positions import unravel_index
from .tensor_methods.stacking import column_stack, dstack, hstack, row_stack, vstack

# function forms of Tensor methods (the methods' arguments and semantics)
_METHODS = """adjoint amax amin angle as_strided conj conj_physical detach diagonal_scatter
    dsplit fmax fmin hsplit index_put index_reduce is_conj is_inference is_neg is_nonzero
    is_same_size is_signed isneginf isposinf isreal put renorm resolve_conj resolve_neg
    select_scatter slice_scatter split_with_sizes swapaxes unsafe_chunk unsafe_split
    unsafe_split_with_sizes vsplit""".split()
# PyTorch's in-place function forms: `tg.NAME_(x, ...)` is `x.NAME_(...)`
_INPLACE = """abs_ acos_ acosh_ arccos_ arccosh_ arcsin_ arcsinh_ arctan_ arctanh_ as_strided_ asin_
    asinh_ atan_ atanh_ ceil_ clamp_ clamp_max_ clamp_min_ clip_ conj_physical_ cos_ cosh_
    deg2rad_ erf_ erfc_ exp2_ exp_ expm1_ fill_ fix_ floor_ frac_ gcd_ i0_ index_put_ lcm_
    ldexp_ log10_
    log1p_ log2_ log_ logit_ nan_to_num_ neg_ negative_ rad2deg_ reciprocal_ relu_ round_
    resize_as_ rsqrt_ sigmoid_ sin_ sinc_ sinh_ sqrt_ square_ tan_ tanh_ trunc_ xlogy_
    zero_""".split()

__all__ = _METHODS + _INPLACE + [
    "bartlett_window", "blackman_window", "can_cast", "column_stack", "combinations",
    "concat", "cumulative_trapezoid", "dstack", "fill", "gradient", "hamming_window",
    "hann_window", "hstack", "imag", "isin", "kaiser_window", "logspace", "pdist",
    "promote_types", "real", "result_type", "row_stack", "rsub", "scalar_tensor", "trapezoid",
    "trapz", "unravel_index", "vstack"]

for _name in _METHODS:
    globals()[_name] = _function(_name)


def _inplace_function(name: str) -> Any:
    method = getattr(Tensor, name)

    def function(input: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: A002 (PyTorch's)
        if not is_tensor(input):
            raise ArgumentTypeError(f"{name}: writes into its input, which must be a Tensor, "
                                    f"got {type(input).__name__}")
        return method(input, *args, **kwargs)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`tg.{name}(x, ...)` is `x.{name}(...)`, in place. " + \
        (method.__doc__ or "")
    return names_errors(name)(function)


for _name in _INPLACE:
    globals()[_name] = _inplace_function(_name)

concat = concatenate  # PyTorch's third name of cat


@names_errors("real")
def real(input: Any) -> Tensor:  # noqa: A002
    """The real part: x itself for a real tensor."""
    if hasattr(input, "__tg_function__"):
        return input.__tg_function__("real", (), {})  # a ComplexTensor's
    return as_tensor(input).real


@names_errors("imag")
def imag(input: Any) -> Tensor:  # noqa: A002
    """The imaginary part: refused for a real tensor, as PyTorch's."""
    if hasattr(input, "__tg_function__"):
        return input.__tg_function__("imag", (), {})  # a ComplexTensor's
    return as_tensor(input).imag


def _dtype_of(op: str, value: Any) -> np.dtype:
    if isinstance(value, np.dtype) or isinstance(value, type) and issubclass(value, np.generic):
        return dtypes.as_dtype(op, value)
    raise ArgumentTypeError(f"{op}: expected a dtype (tg.float32, tg.int64, ...), got "
                            f"{type(value).__name__} {value!r}")


def promote_types(type1: Any, type2: Any) -> np.dtype:
    """The smallest dtype both convert to, PyTorch's table (int64 with float32: float32)."""
    return dtypes.promote_types(_dtype_of("promote_types", type1),
                                _dtype_of("promote_types", type2))


def can_cast(from_: Any, to: Any) -> bool:
    """Whether PyTorch's type promotion allows a cast from_ -> to: never to a lower kind
    (float to int, int to bool), any size or signedness within a kind."""
    a, b = _dtype_of("can_cast", from_), _dtype_of("can_cast", to)
    rank = {"b": 0, "u": 1, "i": 1, "f": 2}  # signed and unsigned ints are one kind here
    return rank.get(a.kind, 3) <= rank.get(b.kind, 3)


def result_type(tensor1: Any, tensor2: Any) -> np.dtype:
    """The dtype of an arithmetic op on the two (tensors or numbers): PyTorch's promotion, in
    which a number or a 0-d tensor only raises the kind (int tensor + 1.0: float32)."""
    for name, v in (("tensor1", tensor1), ("tensor2", tensor2)):
        if not is_tensor(v) and (isinstance(v, str) or not isinstance(
                v, builtins.bool | int | float | np.number | np.bool_)):
            raise ArgumentTypeError(f"result_type: {name} must be a Tensor or a number, got "
                                    f"{type(v).__name__}")
    # PyTorch's three ranks: tensors with axes, then 0-d tensors, then numbers (whose
    # dtypes are bool, int64 and the default float), each promoted within itself; a lower
    # rank counts only where its category is higher (int32 matrix, 0-d int64: int32)
    ranks: dict[int, np.dtype] = {}
    for v in (tensor1, tensor2):
        rank = (2 if v.ndim else 1) if is_tensor(v) else 0
        dtype = v.dtype if is_tensor(v) else dtypes.scalar_dtype(
            v.item() if isinstance(v, np.generic) else v)  # (NumPy's scalars: numbers)
        ranks[rank] = dtypes.promote_types(ranks.get(rank, dtype), np.dtype(dtype))
    result = None
    for rank in sorted(ranks):  # numbers first: each higher rank over what is below it
        result = ranks[rank] if result is None else dtypes.result_type(
            ranks[rank], True, result, False)
    return result


def scalar_tensor(s: Any, *, dtype: Any = None, device: Any = None,
                  requires_grad: bool = False) -> Tensor:
    """A 0-d tensor holding the number s, in the default float dtype unless dtype= says."""
    if isinstance(s, str) or not isinstance(s, builtins.bool | int | float | np.number):
        raise ArgumentTypeError(f"scalar_tensor: expects a number, got {type(s).__name__}")
    kind = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype("scalar_tensor",
                                                                             dtype)
    return Tensor(np.asarray(s, kind), requires_grad=requires_grad)


@names_errors("rsub")
def rsub(input: Any, other: Any, *, alpha: Any = 1) -> Tensor:  # noqa: A002
    """other - alpha * input (`sub` with its operands swapped); input is a tensor (a
    number is PyTorch's TypeError)."""
    x = tensor_input("rsub", input)
    return x._coerce(other, "rsub").sub(x, alpha=alpha)


@names_errors("fill")
def fill(input: Any, value: Any) -> Tensor:  # noqa: A002
    """A new tensor of input's shape, dtype and layout holding value (a number or a 0-d
    tensor) everywhere; as PyTorch's, a result of input (zero gradient) and of value (the
    gradient summed) for autograd."""
    x = as_tensor(input)
    if is_tensor(value) and value.ndim:
        raise ArgumentError(f"fill: only a 0-d value tensor fills, got a value of shape "
                            f"{tuple(value.shape)}")
    filled = full_like(x, value.item() if is_tensor(value) else value)
    if is_tensor(value) and value.requires_grad:
        return constant_in_graph(value, x)
    return constant_in_graph(filled, x) if x.requires_grad else filled


def logspace(start: float, end: float, steps: int, base: float = 10.0, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """base ** linspace(start, end, steps): `steps` values evenly spaced in the exponent."""
    if isinstance(base, str) or not isinstance(base, int | float | np.number):
        raise ArgumentTypeError(f"logspace: base must be a number, got {base!r}")
    kind = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype("logspace", dtype)
    if kind.kind in "iu" and steps != 1:  # PyTorch's: the bounds truncated to ints first
        start, end = int(start), int(end)
    exponents = linspace(start, end, steps, dtype=np.float64)._data
    return Tensor((float(base) ** exponents).astype(kind), requires_grad=requires_grad)


def _window(op: str, length: Any, periodic: Any, dtype: Any) -> tuple[np.ndarray, int, Any]:
    """The sample numbers n, the denominator M and the dtype of a window of `length`."""
    if isinstance(length, builtins.bool) or not isinstance(length, int | np.integer) or \
            length < 0:
        raise ArgumentError(f"{op}: window_length must be a non-negative int, got {length!r}")
    if not isinstance(periodic, builtins.bool):
        raise ArgumentTypeError(f"{op}: periodic must be a bool, got {periodic!r}")
    kind = dtypes.get_default_dtype() if dtype is None else dtypes.as_dtype(op, dtype)
    if kind.kind != "f":
        raise ArgumentError(f"{op}: expected a floating dtype, got {kind}")
    # M = 0 for a window of one sample, whose value is 1 (the formulas would give 0 or 0/0)
    m = 0 if length <= 1 else int(length) if periodic else int(length) - 1
    return np.arange(int(length), dtype=np.float64), m, kind


def _made(values: np.ndarray, kind: Any, requires_grad: bool) -> Tensor:
    return Tensor(values.astype(kind), requires_grad=requires_grad)


def hann_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                device: Any = None, requires_grad: bool = False) -> Tensor:
    """sin^2(pi n / M), n < N (M = N periodic, N - 1 symmetric); [1] for N = 1."""
    n, m, kind = _window("hann_window", window_length, periodic, dtype)
    values = np.sin(np.pi * n / m) ** 2 if m > 0 else np.ones_like(n)
    return _made(values, kind, requires_grad)


def hamming_window(window_length: int, periodic: bool = True, alpha: float = 0.54,
                   beta: float = 0.46, *, dtype: Any = None, device: Any = None,
                   requires_grad: bool = False) -> Tensor:
    """alpha - beta cos(2 pi n / M); [1] for N = 1."""
    n, m, kind = _window("hamming_window", window_length, periodic, dtype)
    values = alpha - beta * np.cos(2 * np.pi * n / m) if m > 0 else np.ones_like(n)
    return _made(values, kind, requires_grad)


def blackman_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """0.42 - 0.5 cos(2 pi n / M) + 0.08 cos(4 pi n / M); [1] for N = 1."""
    n, m, kind = _window("blackman_window", window_length, periodic, dtype)
    values = 0.42 - 0.5 * np.cos(2 * np.pi * n / m) + 0.08 * np.cos(4 * np.pi * n / m) \
        if m > 0 else np.ones_like(n)
    return _made(values, kind, requires_grad)


def bartlett_window(window_length: int, periodic: bool = True, *, dtype: Any = None,
                    device: Any = None, requires_grad: bool = False) -> Tensor:
    """The triangle 1 - |2 n / M - 1|; [1] for N = 1."""
    n, m, kind = _window("bartlett_window", window_length, periodic, dtype)
    values = 1 - np.abs(2 * n / m - 1) if m > 0 else np.ones_like(n)
    return _made(values, kind, requires_grad)


def kaiser_window(window_length: int, periodic: bool = True, beta: float = 12.0, *,
                  dtype: Any = None, device: Any = None, requires_grad: bool = False
                  ) -> Tensor:
    """I0(beta sqrt(1 - (2 n / M - 1)^2)) / I0(beta); [1] for N = 1."""
    n, m, kind = _window("kaiser_window", window_length, periodic, dtype)
    if m > 0:
        ratio = np.clip(1 - (2 * n / m - 1) ** 2, 0, None)
        values = np.i0(beta * np.sqrt(ratio)) / np.i0(beta)
    else:
        values = np.ones_like(n)
    return _made(values, kind, requires_grad)
