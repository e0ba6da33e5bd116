"""torch.fft's helpers: the sample frequencies of a transform (fftfreq, rfftfreq) and the
shifts that put the zero frequency in the middle (fftshift) and back (ifftshift)."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from ..complex_tensors import ComplexTensor
from ..dtypes import as_dtype, get_default_dtype
from ..errors import ArgumentError, ArgumentTypeError, AxisError, DTypeError
from ..tensor import Tensor, as_tensor

__all__ = ["fftfreq", "fftshift", "ifftshift", "rfftfreq"]


def _frequencies(op: str, values: np.ndarray, n: Any, d: float, dtype: Any,
                 requires_grad: bool) -> Tensor:
    chosen = get_default_dtype() if dtype is None else as_dtype(op, dtype)
    if chosen.kind != "f":
        raise DTypeError(f"{op}: dtype must be floating, got {chosen}")
    with np.errstate(divide="ignore", invalid="ignore"):  # n = 0: rfftfreq is [nan]
        values = values / (n * d)
    return Tensor(values.astype(chosen), requires_grad=requires_grad)


def _count(op: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise ArgumentTypeError(f"{op}: n must be an int, got {type(n).__name__}")
    if n < 0:
        raise ArgumentError(f"{op}: n must be non-negative, got {n}")
    return int(n)


def fftfreq(n: int, d: float = 1.0, *, out: None = None, dtype: Any = None,
            layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The frequencies of fft's n outputs for sample spacing d: [0, 1, ..., ceil(n/2) - 1,
    -floor(n/2), ..., -1] / (n d)."""
    n = _count("fftfreq", n)
    k = np.arange(n, dtype=np.float64)
    k[(n + 1) // 2:] -= n
    return _frequencies("fftfreq", k, n, d, dtype, requires_grad)


def rfftfreq(n: int, d: float = 1.0, *, out: None = None, dtype: Any = None,
             layout: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
    """The frequencies of rfft's n // 2 + 1 outputs: [0, 1, ..., n // 2] / (n d)."""
    n = _count("rfftfreq", n)
    return _frequencies("rfftfreq", np.arange(n // 2 + 1, dtype=np.float64), n, d, dtype,
                        requires_grad)


def _shift(op: str, input: Any, dim: Any, sign: int) -> Any:  # noqa: A002
    x = input if isinstance(input, ComplexTensor) else as_tensor(input)
    ndim = x.ndim
    if dim is None:
        dims = tuple(range(ndim))
    else:
        dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
        for d in dims:
            if isinstance(d, bool) or not isinstance(d, numbers.Integral):
                raise ArgumentTypeError(f"{op}: dim must be an int, got {type(d).__name__}")
            if not -max(ndim, 1) <= d < max(ndim, 1):
                raise AxisError(f"{op}: dimension {d} is out of range for a tensor of {ndim} "
                                f"dims")
        dims = tuple(int(d) % max(ndim, 1) for d in dims)
    if not dims or ndim == 0:
        return x
    shifts = tuple(sign * (x.shape[d] // 2) for d in dims)
    return x.roll(shifts, dims)


def fftshift(input: Any, dim: Any = None) -> Any:  # noqa: A002
    """The zero frequency moved to the middle: a roll by n // 2 along each of dim (all by
    default)."""
    return _shift("fftshift", input, dim, 1)


def ifftshift(input: Any, dim: Any = None) -> Any:  # noqa: A002
    """fftshift undone: a roll by -(n // 2)."""
    return _shift("ifftshift", input, dim, -1)
