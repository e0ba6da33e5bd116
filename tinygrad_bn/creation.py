"""Creation functions with PyTorch's signatures: `tg.tensor`, `tg.zeros(2, 3)`, `tg.randn(...)`.

Sizes are given as varargs (`zeros(2, 3)`) or one tuple (`zeros((2, 3))`).
Every function takes `dtype=` (a NumPy dtype or a name of tinygrad_bn.dtypes),
`device=` ("cpu" only) and `requires_grad=`. Default dtypes follow PyTorch:
float32 for floating values, int64 for integers (`arange(5)`, `full(s, 7)`,
`tensor([1, 2])`), bool for booleans. Sizes may also be passed as `size=`
(`zeros(size=(2, 3))`). Random functions draw from the `generator=` given (a
`tg.Generator` or a `np.random.Generator`), else from `tg.default_generator`
(tinygrad_bn/seeding.py), which `tg.manual_seed` seeds.
"""

from __future__ import annotations

import builtins
import functools
import math
import numbers
from typing import Any

import numpy as np

from .allocation import allocating
from .device import check_device
from .dtypes import as_dtype, fits, get_default_dtype, promote_types, python_array
from .errors import (
    ArgumentError,
    ArgumentTypeError,
    DTypeError,
    ShapeError,
    UnsupportedError,
)
from .fused_arithmetic import linspace_values
from .keywords import parse_size
from .memory_format import (
    array_in_format,
    channels_last,
    channels_last_3d,
    checked_format,
    contiguous_format,
    laid_out,
    preserve_format,
)
from .out_argument import write_out
from .seeding import generator as chosen_generator
from .tensor import Tensor

__all__ = [
    "arange", "as_tensor", "empty", "empty_like", "eye", "from_numpy", "full", "full_like",
    "linspace", "ones", "ones_like", "rand", "rand_like", "randint", "randint_like", "randn",
    "randn_like", "randperm", "tensor", "zeros", "zeros_like",
]


def _shape(op: str, args: tuple[Any, ...], size: Any) -> tuple[int, ...]:
    """The size given as varargs, one sequence, or the keyword `size=` (not two of them);
    none at all is refused, as PyTorch's `zeros()` refuses it (`zeros(())` is 0-d)."""
    if size is None and not args:
        raise ArgumentTypeError(f"{op}() missing its size (as PyTorch); a 0-d tensor is "
                                f"{op}(())")
    if size is not None:
        if args:
            raise ArgumentError(f"{op}: size given twice, as {args!r} and size={size!r}")
        args = (size,)
    return parse_size(op, args)


def _made(op: str, array: np.ndarray, device: Any, requires_grad: bool) -> Tensor:
    check_device(op, device)
    return Tensor(array, requires_grad=requires_grad)


def _dtype(op: str, dtype: Any, default: Any = None) -> np.dtype:
    """`dtype` checked, or `default` when None (itself None: the default float dtype)."""
    if dtype is not None:
        return as_dtype(op, dtype)
    return get_default_dtype() if default is None else np.dtype(default)


def _value_dtype(value: Any) -> np.dtype:
    """PyTorch's default dtype for a Python value: bool, int64 or float32."""
    array = np.asarray(value)
    if array.dtype.kind == "b":
        return np.dtype(np.bool_)
    if array.dtype.kind in "iu":
        return np.dtype(np.int64)
    return get_default_dtype()


def tensor(data: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False
           ) -> Tensor:
    """A new tensor holding a copy of `data` (PyTorch's `torch.tensor`): an ndarray or Tensor
    keeps its dtype; Python floats become float32, ints int64, bools bool."""
    source = data.data if isinstance(data, Tensor) else data
    if dtype is not None and not isinstance(source, np.ndarray | np.generic):
        array = python_array("tensor", source, as_dtype("tensor", dtype))
    elif dtype is not None:
        array = np.array(source, dtype=as_dtype("tensor", dtype))
    elif isinstance(source, np.ndarray | np.generic):
        array = np.array(source)
    else:
        try:
            array = np.array(source)
        except ValueError as error:  # ragged nesting
            raise ShapeError(f"tensor: cannot make an array of {data!r}: {error}") from error
        if array.dtype.kind in "biuf":
            array = array.astype(_nested_dtype(source) or _value_dtype(array))
    return _made("tensor", array, device, requires_grad)


def _nested_dtype(data: Any) -> np.dtype | None:
    """PyTorch's dtype for a (nested) list holding tensors or NumPy numbers: theirs,
    promoted (tinygrad_bn/dtypes.py), unless a Python number of a higher category is
    among them (a float beside int tensors: the default float dtype); None without any."""
    typed: list[np.dtype] = []
    loose = 0  # the highest category of the Python numbers: 1 bool, 2 int, 3 float
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, Tensor | np.ndarray | np.generic):
            typed.append(np.asarray(item).dtype)
        elif isinstance(item, bool | int | float):
            loose = max(loose, 1 if isinstance(item, bool) else 2 if isinstance(item, int) else 3)
    if not typed:
        return None
    dtype = functools.reduce(promote_types, typed)
    category = {"b": 1, "i": 2, "u": 2, "f": 3}.get(dtype.kind, 0)
    if loose > category:
        return get_default_dtype() if loose == 3 else np.dtype(np.int64)
    return dtype


def as_tensor(data: Any, dtype: Any = None, device: Any = None) -> Tensor:
    """PyTorch's `torch.as_tensor`: `data` without a copy where it can be: a Tensor of the
    dtype asked for is returned itself, an ndarray of that dtype shared (writes show in
    both); otherwise a new tensor, as `tensor(data, dtype)` makes (a Tensor cast keeps
    its graph)."""
    check_device("as_tensor", device)
    if isinstance(data, str | bytes):
        raise DTypeError(f"as_tensor: cannot make a Tensor of the {type(data).__name__} "
                         f"{data!r}; expected numbers, (nested) lists of numbers or an ndarray")
    wanted = None if dtype is None else as_dtype("as_tensor", dtype)
    if isinstance(data, Tensor):
        return data if wanted is None or wanted == data.dtype else data.to(wanted)
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf" and (
            wanted is None or wanted == data.dtype):
        return Tensor(data)
    return tensor(data, dtype=wanted)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing `array`'s memory and dtype (writes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected an np.ndarray, got {type(array).__name__}")
    return Tensor(array)


def zeros(*args: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size (default dtype float32); a size is required, as
    PyTorch's (zeros(()) is 0-d)."""
    return _made("zeros", np.zeros(_shape("zeros", args, size), _dtype("zeros", dtype)), device,
                 requires_grad)


def ones(*args: Any, size: Any = None, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size (default dtype float32)."""
    return _made("ones", np.ones(_shape("ones", args, size), _dtype("ones", dtype)), device,
                 requires_grad)


def empty(*args: Any, size: Any = None, dtype: Any = None, device: Any = None,
          requires_grad: bool = False, memory_format: Any = contiguous_format) -> Tensor:
    """PyTorch's uninitialised tensor; here zero-filled, so no garbage can leak into results
    (laid out in memory_format, e.g. tg.channels_last)."""
    array = np.zeros(_shape("empty", args, size), _dtype("empty", dtype))
    fmt = checked_format("empty", memory_format, preserve=False)
    return _made("empty", array_in_format("empty", array, fmt), device, requires_grad)


def full(size: Any, fill_value: Any, dtype: Any = None, device: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of `size` filled with `fill_value`; the dtype defaults to the value's
    (int64 for an int, bool for a bool, float32 for a float)."""
    shape = parse_size("full", (size,))
    if isinstance(fill_value, Tensor) and fill_value.ndim == 0 and \
            not fill_value.requires_grad:  # PyTorch reads it as a number
        fill_value = fill_value.item()
    if not isinstance(fill_value, numbers.Number | np.generic) or isinstance(fill_value, str):
        raise ArgumentTypeError(f"full: fill_value must be a number, got "
                                f"{type(fill_value).__name__} {fill_value!r}")
    dtype = _value_dtype(fill_value) if dtype is None else as_dtype("full", dtype)
    if dtype.kind in "iu" and not fits(fill_value, dtype):
        raise ArgumentError(f"full: fill_value {fill_value!r} cannot be converted to {dtype} "
                            f"without overflow (as PyTorch)")
    value = np.asarray(fill_value).astype(dtype) if dtype.kind in "iu" else fill_value
    return _made("full", np.full(shape, value, dtype), device, requires_grad)


def arange(start: float = 0, end: float | None = None, step: float = 1, dtype: Any = None,
           device: Any = None, requires_grad: bool = False, *, out: Any = None) -> Tensor:
    """Values from `start` up to `end` (excluded) by `step`; `arange(end)` and
    `arange(end=n)` start at 0. int64 when all three are ints, else float32. As PyTorch's,
    an integer dtype takes start and step truncated to ints (arange(0.5, 3, 1.5, dtype=
    tg.int32) is [0, 1, 2]), int64 its end too, counting its length from those (a step
    that truncates to 0 is refused there), the other dtypes from the numbers given. A
    step of 0, or an end on the wrong side of start for the step's sign, is refused.
    With out=, the values are computed in out's dtype (which dtype, if given, must be) and
    written into out (resized), as PyTorch's."""
    if out is not None:
        return _arange_into(out, start, end, step, dtype, device, requires_grad)
    if end is None:
        start, end = 0, start
    for name, v in (("start", start), ("end", end), ("step", step)):
        if not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise ArgumentError(f"arange: {name} must be a finite number, got {v!r}")
    integral = all(isinstance(v, int | np.integer) for v in (start, end, step))
    chosen = _dtype("arange", dtype, np.int64 if integral else None)
    if chosen.kind == "b":
        raise UnsupportedError("arange: not implemented for dtype bool (as PyTorch)")
    if step == 0:
        raise ArgumentError("arange: step must be nonzero")
    if not (step > 0 and end >= start or step < 0 and end <= start):
        raise ArgumentError(f"arange: upper bound and lower bound inconsistent with step "
                            f"sign (start {start!r}, end {end!r}, step {step!r}), as PyTorch")
    length = math.ceil((end - start) / step)  # (in doubles, as PyTorch's)
    if chosen.kind in "iu":
        given, start, step = step, int(start), int(step)
        if chosen == np.int64:
            end = int(end)
            if step == 0:
                raise ArgumentError(f"arange: step must be nonzero, and {given!r} truncates "
                                    f"to 0 for dtype int64 (as PyTorch)")
            span = end - start + step - (1 if step > 0 else -1)  # (C's integer division)
            length = abs(span) // abs(step) * (1 if (span >= 0) == (step > 0) else -1)
    length = max(length, 0)
    exact = chosen.kind in "iu" or integral
    with allocating("arange", (length,), np.int64 if exact else np.float64):
        array = start + np.arange(length, dtype=np.int64 if exact else np.float64) * step
    return _made("arange", array.astype(chosen), device, requires_grad)


def _arange_into(out: Any, start: float, end: float | None, step: float, dtype: Any,
                 device: Any, requires_grad: bool) -> Tensor:
    """arange(..., out=out): PyTorch computes the values in out's dtype."""
    if not isinstance(out, Tensor):
        raise ArgumentTypeError(f"arange: out must be a Tensor, got {type(out).__name__}")
    if dtype is not None and _dtype("arange", dtype) != out.dtype:
        raise DTypeError(f"arange: dtype {_dtype('arange', dtype)} does not match the dtype "
                         f"of the out parameter ({out.dtype})")
    values = arange(start, end, step, dtype=out.dtype, device=device)
    write_out("arange", values, out)
    return out.requires_grad_() if requires_grad else out


def _number_of(op: str, name: str, value: Any) -> Any:
    """A 0-d tensor's value (PyTorch's tensor overloads of linspace and logspace), else
    value itself."""
    if not isinstance(value, Tensor):
        return value
    if value.ndim:
        raise ShapeError(f"{op}: {name} must be a number or a 0-d tensor, got a tensor of "
                         f"shape {value.shape}")
    return value.item()


def linspace(start: float, end: float, steps: int, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from `start` to `end`, both included (float32). An
    integer dtype takes start and end truncated to ints first and the values truncated
    (PyTorch's: linspace(1, 2.5, 5, dtype=tg.int32) is [1, 1, 1, 1, 2]); bool is refused.
    start and end may be 0-d tensors (PyTorch's tensor overload: their values)."""
    if not isinstance(steps, int | np.integer):
        raise ArgumentTypeError(f"linspace: steps must be an int, got {steps!r}")
    if steps < 0:
        raise ArgumentError(f"linspace: steps must be a non-negative int, got {steps!r}")
    start, end = (_number_of("linspace", name, v) for name, v in (("start", start),
                                                                  ("end", end)))
    chosen = _dtype("linspace", dtype)
    if chosen.kind == "b" and steps > 1:
        raise UnsupportedError("linspace: not implemented for dtype bool (as PyTorch)")
    if chosen.kind in "iu":  # start and end converted first (uint8: -5 is 251)
        for v in (start, end):
            if not fits(v, chosen):
                raise ArgumentError(f"linspace: {v!r} cannot be converted to {chosen} "
                                    f"without overflow (as PyTorch)")
        start, end = (int(np.asarray(int(v)).astype(chosen)) for v in (start, end))
    if chosen in (np.float32, np.float64):  # PyTorch's kernel, bit for bit (fused_arithmetic)
        return _made("linspace", linspace_values(start, end, steps, chosen), device,
                     requires_grad)
    if chosen.kind not in "iu" or steps < 2:
        values = np.linspace(start, end, steps) if chosen.kind == "f" else \
            np.full(steps, start)  # (one value: start itself, as PyTorch's)
        return _made("linspace", values.astype(chosen), device, requires_grad)
    # PyTorch's integer kernel: the first half counted from start, the second from end
    step = (end - start) / (steps - 1) if steps > 1 else 0.0
    i = np.arange(steps)
    values = np.where(i < steps // 2, start + step * i, end - step * (steps - 1 - i))
    return _made("linspace", values.astype(chosen), device, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, device: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The n x m (default n x n) matrix with ones on the diagonal."""
    parse_size("eye", (n,) if m is None else (n, m))
    return _made("eye", np.eye(n, m, dtype=_dtype("eye", dtype)), device, requires_grad)


def _random(op: str, draw: str, shape: tuple[int, ...], dtype: Any, device: Any,
            requires_grad: bool, generator: Any) -> Tensor:
    """Draw U[0, 1) ("random") or N(0, 1) ("standard_normal") in float64 (float32 when asked
    for float32), then cast: one stream of numbers per generator state."""
    dtype = _dtype(op, dtype)
    if dtype.kind != "f":
        raise ArgumentError(f"{op}: needs a floating dtype, got {dtype}")
    rng = chosen_generator(generator, op)
    native = dtype if dtype in (np.float32, np.float64) else np.dtype(np.float64)
    array = getattr(rng, draw)(shape, dtype=native).astype(dtype, copy=False)
    return _made(op, array, device, requires_grad)


def rand(*args: Any, size: Any = None, generator: Any = None, dtype: Any = None,
         device: Any = None, requires_grad: bool = False) -> Tensor:
    """Uniform draws from [0, 1)."""
    return _random("rand", "random", _shape("rand", args, size), dtype, device,
                   requires_grad, generator)


def randn(*args: Any, size: Any = None, generator: Any = None, dtype: Any = None,
          device: Any = None, requires_grad: bool = False) -> Tensor:
    """Standard normal draws."""
    return _random("randn", "standard_normal", _shape("randn", args, size), dtype, device,
                   requires_grad, generator)


def randint(low: int = 0, high: Any = None, size: Any = None, *, generator: Any = None,
            dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """Integers drawn uniformly from [low, high), int64 by default. PyTorch's forms:
    `randint(high, size)`, `randint(high, size=s)`, `randint(low, high, size)`,
    `randint(high=h, size=s)`; `size` is a tuple."""
    if size is None and high is not None and not isinstance(high, int | np.integer):
        low, high, size = 0, low, high  # randint(high, size)
    elif high is None:
        low, high = 0, low  # randint(high, size=s)
    if size is None:
        raise ArgumentError("randint: needs a size, e.g. randint(10, (3,)) or "
                            "randint(0, 10, size=(3,))")
    for name, bound in (("low", low), ("high", high)):
        if isinstance(bound, builtins.bool) or not isinstance(bound, int | np.integer):
            raise ArgumentError(f"randint: {name} must be an int, got {bound!r}")
    if not low < high:
        raise ArgumentError(f"randint: needs low < high, got low={low}, high={high}")
    shape = parse_size("randint", (size,))
    array = chosen_generator(generator, "randint").integers(low, high, shape, dtype=np.int64)
    return _made("randint", array.astype(_dtype("randint", dtype, np.int64)), device,
                 requires_grad)


def randperm(n: int, *, generator: Any = None, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """A random permutation of 0, 1, ..., n - 1 (int64 by default)."""
    if isinstance(n, builtins.bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ArgumentError(f"randperm: n must be a non-negative int, got {n!r}")
    array = chosen_generator(generator, "randperm").permutation(int(n))
    return _made("randperm", array.astype(_dtype("randperm", dtype, np.int64)), device,
                 requires_grad)


def _like_dtype(like: Tensor, dtype: Any) -> Any:
    return like.dtype if dtype is None else dtype


def _like(op: str, like: Any) -> Tensor:
    if not isinstance(like, Tensor):
        raise ArgumentTypeError(f"{op}: expected a Tensor, got {type(like).__name__}")
    return like


def _laid_out_like(op: str, out: Tensor, like: Tensor, memory_format: Any) -> Tensor:
    """`out` in `memory_format`; preserve_format (the default) keeps a channels-last
    input's layout, as PyTorch does for a dense input."""
    fmt = checked_format(op, memory_format)
    if fmt is preserve_format:
        fmt = next((f for f in (channels_last, channels_last_3d)
                    if not like._data.flags.c_contiguous and laid_out(like._data, f)),
                   contiguous_format)
    out._data = array_in_format(op, out._data, fmt)
    return out


def zeros_like(input: Tensor, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False,
               *, memory_format: Any = preserve_format) -> Tensor:
    """Zeros of `input`'s shape and (unless given) dtype."""
    x = _like("zeros_like", input)
    out = zeros(x.shape, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)
    return _laid_out_like("zeros_like", out, x, memory_format)


def ones_like(input: Tensor, dtype: Any = None, device: Any = None,  # noqa: A002
              requires_grad: bool = False,
              *, memory_format: Any = preserve_format) -> Tensor:
    """Ones of `input`'s shape and (unless given) dtype."""
    x = _like("ones_like", input)
    out = ones(x.shape, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)
    return _laid_out_like("ones_like", out, x, memory_format)


def empty_like(input: Tensor, dtype: Any = None, device: Any = None,  # noqa: A002
               requires_grad: bool = False,
               *, memory_format: Any = preserve_format) -> Tensor:
    """`empty` of `input`'s shape and (unless given) dtype."""
    x = _like("empty_like", input)
    out = empty(x.shape, dtype=_like_dtype(x, dtype), device=device, requires_grad=requires_grad)
    return _laid_out_like("empty_like", out, x, memory_format)


def full_like(input: Tensor, fill_value: Any, dtype: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False,
              *, memory_format: Any = preserve_format) -> Tensor:
    """`fill_value` in `input`'s shape and (unless given) dtype."""
    x = _like("full_like", input)
    out = full(x.shape, fill_value, dtype=_like_dtype(x, dtype), device=device,
               requires_grad=requires_grad)
    return _laid_out_like("full_like", out, x, memory_format)


def rand_like(input: Tensor, *, generator: Any = None, dtype: Any = None,  # noqa: A002
              device: Any = None, requires_grad: bool = False,
              memory_format: Any = preserve_format) -> Tensor:
    """`rand` of `input`'s shape and (unless given) dtype."""
    x = _like("rand_like", input)
    out = rand(x.shape, dtype=_like_dtype(x, dtype), device=device,
               requires_grad=requires_grad, generator=generator)
    return _laid_out_like("rand_like", out, x, memory_format)


def randn_like(input: Tensor, *, generator: Any = None, dtype: Any = None,  # noqa: A002
               device: Any = None, requires_grad: bool = False,
               memory_format: Any = preserve_format) -> Tensor:
    """`randn` of `input`'s shape and (unless given) dtype."""
    x = _like("randn_like", input)
    out = randn(x.shape, dtype=_like_dtype(x, dtype), device=device,
                requires_grad=requires_grad, generator=generator)
    return _laid_out_like("randn_like", out, x, memory_format)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,  # noqa: A002
                 generator: Any = None, dtype: Any = None, device: Any = None,
                 requires_grad: bool = False,
                 memory_format: Any = preserve_format) -> Tensor:
    """`randint` of `input`'s shape and (unless given) dtype; `randint_like(x, high)` and
    `randint_like(x, high=h)` draw from [0, high)."""
    x = _like("randint_like", input)
    low, high = (0, low) if high is None else (low, high)
    out = randint(low, high, x.shape, dtype=_like_dtype(x, dtype), device=device,
                  requires_grad=requires_grad, generator=generator)
    return _laid_out_like("randint_like", out, x, memory_format)
