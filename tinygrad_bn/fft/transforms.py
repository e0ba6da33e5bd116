"""torch.fft's transforms, PyTorch 2.13's signatures and semantics: fft, ifft, fft2, ifft2,
fftn, ifftn (complex -> complex), rfft, rfft2, rfftn (real -> the one-sided half spectrum),
irfft, irfft2, irfftn (half spectrum -> real), hfft, hfft2, hfftn (Hermitian half -> real)
and ihfft, ihfft2, ihfftn (real -> Hermitian half).

`n` / `s` set the signal length along each transformed dim (the input is zero-padded or
cropped to it first; -1 keeps a dim's length); `norm` scales the forward transform by 1
("backward", the default), 1/n ("forward") or 1/sqrt(n) ("ortho"), and the inverse by the
reciprocal convention, n the product of the signal lengths. A real input to a complex
transform is taken as complex with zero imaginary parts; integer inputs as the default
float dtype (as PyTorch's). The results are ComplexTensors (complex_tensors/), real ones
for irfft and hfft; the gradients are those of the ops in ops.py.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..complex_tensors import ComplexTensor
from ..dtypes import get_default_dtype
from ..errors import ArgumentError, ArgumentTypeError, AxisError, DTypeError
from ..tensor import Tensor, as_tensor
from .ops import FFT, RFFT, RFFTAdjoint

__all__ = ["fft", "fft2", "fftn", "hfft", "hfft2", "hfftn", "ifft", "ifft2", "ifftn", "ihfft",
           "ihfft2", "ihfftn", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftn"]

_NORMS = ("backward", "forward", "ortho")
_SWAPPED = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


# ---------------------------------------------------------------- arguments


def _norm(op: str, norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ArgumentError(f"{op}: invalid normalization mode {norm!r} (expected "
                            f"'backward', 'forward' or 'ortho')")
    return norm


def _scale(norm: str, n: int, inverse: bool) -> float:
    """The factor of a transform of n points: 1, 1/n or 1/sqrt(n) by norm and direction."""
    if norm == "ortho":
        return 1.0 / math.sqrt(n)
    return 1.0 / n if (norm == "forward") != inverse else 1.0


def _real_input(op: str, x: Any) -> Tensor:
    """A real Tensor of float32 / float64 (integers and bools as the default float)."""
    if isinstance(x, ComplexTensor):
        raise DTypeError(f"{op} expects a real input tensor, but got {x.dtype}")
    x = as_tensor(x)
    if x.dtype.kind in "biu":
        x = x.astype(get_default_dtype())
    if x.dtype not in (np.float32, np.float64):
        raise DTypeError(f"{op}: unsupported dtype {x.dtype} (float32 or float64, as "
                         f"PyTorch's FFTs on the CPU)")
    return x


def _complex_input(op: str, x: Any) -> ComplexTensor:
    if isinstance(x, ComplexTensor):
        return x
    x = _real_input(op, x)
    return ComplexTensor.from_parts(x, x.new_zeros(x.shape))  # imaginary parts 0


def _dims(op: str, ndim: int, s: Any, dim: Any, all_by_default: bool
          ) -> tuple[tuple[int, ...], tuple[int, ...] | None]:
    """(dims, sizes): the transformed dims, non-negative and unique, and the requested
    signal lengths (None entries: keep), by PyTorch's rules for s and dim."""
    if s is not None:
        s = (s,) if isinstance(s, numbers.Integral) else tuple(s)
    if dim is not None:
        dim = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    if s is not None and dim is not None and len(s) != len(dim):
        raise ArgumentError(f"{op}: when given, dim and shape arguments must have the same "
                            f"length, got s={s} and dim={dim}")
    if dim is None:
        if s is not None:
            if len(s) > ndim:
                raise ArgumentError(f"{op}: got shape with {len(s)} values but input tensor "
                                    f"only has {ndim} dimensions")
            dim = tuple(range(ndim - len(s), ndim))
        else:
            dim = tuple(range(ndim)) if all_by_default else (-2, -1)
    axes = []
    for d in dim:
        if isinstance(d, bool) or not isinstance(d, numbers.Integral):
            raise ArgumentTypeError(f"{op}: dim must be an int, got {type(d).__name__}")
        if not -ndim <= d < ndim:
            raise AxisError(f"{op}: dimension {d} is out of range for a tensor of {ndim} "
                            f"dims (expected [{-ndim}, {ndim - 1}])")
        axes.append(int(d) % ndim)
    if len(set(axes)) != len(axes):
        raise ArgumentError(f"{op}: FFT dims must be unique, got {dim}")
    if s is not None:
        for n in s:
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or (n < 1 and
                                                                              n != -1):
                raise ArgumentError(f"{op}: invalid number of data points ({n}) specified")
        s = tuple(None if n == -1 else int(n) for n in s)
    return tuple(axes), s


def _resized(t: Tensor, axis: int, n: int) -> Tensor:
    """t (a real Tensor, or a layout: axis is then not its last) cropped or zero-padded
    to n along axis."""
    size = t.shape[axis]
    if n == size:
        return t
    if n < size:
        index = [slice(None)] * t.ndim
        index[axis] = slice(0, n)
        return t[tuple(index)]
    widths = [(0, 0)] * t.ndim
    widths[axis] = (0, n - size)
    return t.pad(widths, value=0.0)


def _plan(op: str, ndim: int, s: Any, dim: Any, norm: str | None, all_by_default: bool
          ) -> tuple[str, tuple[int, ...], list[int | None]]:
    """(norm, dims, sizes) of a transform of an ndim-dim input, checked (sizes None: keep)."""
    norm = _norm(op, norm)
    if ndim == 0:
        raise AxisError(f"{op}: a 0-d tensor has no dimension to transform")
    axes, sizes = _dims(op, ndim, s, dim, all_by_default)
    return norm, axes, list(sizes or (None,) * len(axes))


def _resized_all(t: Tensor, axes: Sequence[int], sizes: Sequence[int | None]) -> Tensor:
    for axis, n in zip(axes, sizes):
        if n is not None:
            t = _resized(t, axis, n)
    return t


def _check_points(op: str, n: int) -> None:
    if n < 1:
        raise ArgumentError(f"{op}: invalid number of data points ({n}) specified")


# ---------------------------------------------------------------- complex -> complex


def _c2c(op: str, input: Any, s: Any, dim: Any, norm: str | None, inverse: bool,  # noqa: A002
         all_by_default: bool = True) -> ComplexTensor:
    z = _complex_input(op, input)
    norm, axes, sizes = _plan(op, z.ndim, s, dim, norm, all_by_default)
    ri = _resized_all(z._ri, axes, sizes)
    for axis in axes:
        _check_points(op, ri.shape[axis])
    points = math.prod(ri.shape[a] for a in axes)
    return ComplexTensor(FFT.apply(ri, axes=axes, inverse=inverse,
                                   scale=_scale(norm, points, inverse)))


def fft(input: Any, n: int | None = None, dim: int = -1,  # noqa: A002
        norm: str | None = None) -> ComplexTensor:
    """X_k = sum_j x_j e^{-2 pi i jk/n} along dim (scaled by norm)."""
    return _c2c("fft", input, None if n is None else (n,), (dim,), norm, inverse=False)


def ifft(input: Any, n: int | None = None, dim: int = -1,  # noqa: A002
         norm: str | None = None) -> ComplexTensor:
    """x_j = (1/n) sum_k X_k e^{+2 pi i jk/n} along dim (the 1/n by norm)."""
    return _c2c("ifft", input, None if n is None else (n,), (dim,), norm, inverse=True)


def fftn(input: Any, s: Sequence[int] | None = None, dim: Any = None,  # noqa: A002
         norm: str | None = None) -> ComplexTensor:
    """The DFT over several dims (all by default; the last len(s) when only s is given)."""
    return _c2c("fftn", input, s, dim, norm, inverse=False)


def ifftn(input: Any, s: Sequence[int] | None = None, dim: Any = None,  # noqa: A002
          norm: str | None = None) -> ComplexTensor:
    """The inverse DFT over several dims."""
    return _c2c("ifftn", input, s, dim, norm, inverse=True)


def fft2(input: Any, s: Sequence[int] | None = None, dim: Any = (-2, -1),  # noqa: A002
         norm: str | None = None) -> ComplexTensor:
    """fftn over the last two dims."""
    return _c2c("fft2", input, s, dim, norm, inverse=False)


def ifft2(input: Any, s: Sequence[int] | None = None, dim: Any = (-2, -1),  # noqa: A002
          norm: str | None = None) -> ComplexTensor:
    """ifftn over the last two dims."""
    return _c2c("ifft2", input, s, dim, norm, inverse=True)


# ---------------------------------------------------------------- real <-> half spectrum


def _r2c(op: str, input: Any, s: Any, dim: Any, norm: str | None,  # noqa: A002
         all_by_default: bool = True) -> ComplexTensor:
    """rfftn: the real DFT along the last of dims (one-sided), then the DFT over the rest."""
    x = _real_input(op, input)
    norm, axes, sizes = _plan(op, x.ndim, s, dim, norm, all_by_default)
    x = _resized_all(x, axes, sizes)
    for axis in axes:
        _check_points(op, x.shape[axis])
    scale = _scale(norm, math.prod(x.shape[a] for a in axes), inverse=False)
    ri = RFFT.apply(x, axis=axes[-1], scale=scale)
    if len(axes) > 1:
        ri = FFT.apply(ri, axes=axes[:-1], inverse=False, scale=1.0)
    return ComplexTensor(ri)


def _c2r(op: str, input: Any, s: Any, dim: Any, norm: str | None,  # noqa: A002
         all_by_default: bool = True) -> Tensor:
    """irfftn: the inverse DFT over all but the last of dims, then the Hermitian inverse
    along the last (output length s[-1], default 2 (m - 1) for m input points)."""
    z = _complex_input(op, input)
    norm, axes, sizes = _plan(op, z.ndim, s, dim, norm, all_by_default)
    ri = _resized_all(z._ri, axes[:-1], sizes[:-1])
    last = axes[-1]
    n = sizes[-1] if sizes[-1] is not None else 2 * (ri.shape[last] - 1)
    _check_points(op, n)
    for axis in axes[:-1]:
        _check_points(op, ri.shape[axis])
    ri = _resized(ri, last, n // 2 + 1)
    if len(axes) > 1:
        ri = FFT.apply(ri, axes=axes[:-1], inverse=True, scale=1.0)
    weights = np.full(n // 2 + 1, 2.0)  # the Hermitian half counts twice, but for
    weights[0] = 1.0  # the zero frequency and, for even n, the Nyquist one
    if n % 2 == 0:
        weights[-1] = 1.0
    shape = [1] * ri.ndim
    shape[last] = n // 2 + 1
    ri = ri * Tensor(weights.reshape(shape).astype(ri.dtype))
    points = n * math.prod(ri.shape[a] for a in axes[:-1])
    return RFFTAdjoint.apply(ri, axis=last, n=n, scale=_scale(norm, points, inverse=True))


def rfft(input: Any, n: int | None = None, dim: int = -1,  # noqa: A002
         norm: str | None = None) -> ComplexTensor:
    """The DFT of a real signal along dim, its n // 2 + 1 non-negative frequencies."""
    return _r2c("rfft", input, None if n is None else (n,), (dim,), norm)


def irfft(input: Any, n: int | None = None, dim: int = -1,  # noqa: A002
          norm: str | None = None) -> Tensor:
    """The real signal of length n (default 2 (m - 1)) whose rfft is the input's Hermitian
    half spectrum (the imaginary parts of its zero and Nyquist terms are ignored)."""
    return _c2r("irfft", input, None if n is None else (n,), (dim,), norm)


def rfftn(input: Any, s: Sequence[int] | None = None, dim: Any = None,  # noqa: A002
          norm: str | None = None) -> ComplexTensor:
    """rfft along the last of dims, then the DFT over the others."""
    return _r2c("rfftn", input, s, dim, norm)


def irfftn(input: Any, s: Sequence[int] | None = None, dim: Any = None,  # noqa: A002
           norm: str | None = None) -> Tensor:
    """The inverse of rfftn."""
    return _c2r("irfftn", input, s, dim, norm)


def rfft2(input: Any, s: Sequence[int] | None = None, dim: Any = (-2, -1),  # noqa: A002
          norm: str | None = None) -> ComplexTensor:
    """rfftn over the last two dims."""
    return _r2c("rfft2", input, s, dim, norm)


def irfft2(input: Any, s: Sequence[int] | None = None, dim: Any = (-2, -1),  # noqa: A002
           norm: str | None = None) -> Tensor:
    """irfftn over the last two dims."""
    return _c2r("irfft2", input, s, dim, norm)


def _hermitian(op: str, input: Any, s: Any, dim: Any, norm: str | None,  # noqa: A002
               all_by_default: bool = True) -> Tensor:
    """hfftn: irfftn of the conjugate with the scaling's direction swapped."""
    z = _complex_input(op, input)
    return _c2r(op, z.conj(), s, dim, _SWAPPED[_norm(op, norm)], all_by_default)


def _inverse_hermitian(op: str, input: Any, s: Any, dim: Any, norm: str | None,  # noqa: A002
                       all_by_default: bool = True) -> ComplexTensor:
    """ihfftn: the conjugate of rfftn with the scaling's direction swapped."""
    x = _real_input(op, input)
    return _r2c(op, x, s, dim, _SWAPPED[_norm(op, norm)], all_by_default).conj()


def hfft(input: Any, n: int | None = None, dim: int = -1,  # noqa: A002
         norm: str | None = None) -> Tensor:
    """The real DFT of a signal with Hermitian symmetry given by its first half:
    irfft(conj(input)) with the forward transform's scaling (norm "backward": none)."""
    return _hermitian("hfft", input, None if n is None else (n,), (dim,), norm)


def ihfft(input: Any, n: int | None = None, dim: int = -1,  # noqa: A002
          norm: str | None = None) -> ComplexTensor:
    """The inverse of hfft: conj(rfft(input)) with the inverse's scaling (1/n by
    default)."""
    return _inverse_hermitian("ihfft", input, None if n is None else (n,), (dim,), norm)


def hfftn(input: Any, s: Sequence[int] | None = None, dim: Any = None,  # noqa: A002
          norm: str | None = None) -> Tensor:
    """hfft over several dims: irfftn(conj(input)) with the forward scaling."""
    return _hermitian("hfftn", input, s, dim, norm)


def ihfftn(input: Any, s: Sequence[int] | None = None, dim: Any = None,  # noqa: A002
           norm: str | None = None) -> ComplexTensor:
    """The inverse of hfftn: conj(rfftn(input)) with the inverse scaling."""
    return _inverse_hermitian("ihfftn", input, s, dim, norm)


def hfft2(input: Any, s: Sequence[int] | None = None, dim: Any = (-2, -1),  # noqa: A002
          norm: str | None = None) -> Tensor:
    """hfftn over the last two dims."""
    return _hermitian("hfft2", input, s, dim, norm)


def ihfft2(input: Any, s: Sequence[int] | None = None, dim: Any = (-2, -1),  # noqa: A002
           norm: str | None = None) -> ComplexTensor:
    """ihfftn over the last two dims."""
    return _inverse_hermitian("ihfft2", input, s, dim, norm)
