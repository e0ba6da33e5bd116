"""Fused multiply-add on NumPy arrays, and PyTorch's CPU linspace kernel built on it.

PyTorch's CPU kernels are compiled with contraction on, so `start + step * idx` in its
linspace kernel is one fused multiply-add: fma(a, b, c) = a b + c rounded once. NumPy has
no fma; rounding a b first and then the sum differs from it in the last bit for about one
value in ten, and where a value feeds a floor (F.affine_grid's base grid, read by
F.grid_sample's bilinear weights) that last bit picks which neighbour a gradient sees.

fma here is exact (correctly rounded), from error-free transformations:
- float64: a b = p + e exactly (Dekker's product, Veltkamp's split), c + p = h + l exactly
  (Knuth's two-sum); then fma = RN(h + RO(l + e)), RO rounding to odd (Boldo and
  Melquiond's emulated FMA; exact barring overflow and underflow).
- float32: a b is exact in float64; h + l = p + c exactly there, and RO(h + l) rounded to
  float32 is the single rounding (round-to-odd in 53 bits is innocuous for 24).

PyTorch's linspace kernel: step = (end - start) / (steps - 1) in the dtype, the first
half start + step i, the second end - step (steps - 1 - i), each one fma.
"""

from __future__ import annotations

import numpy as np

_SPLITTER = 134217729.0  # 2^27 + 1: Veltkamp's split of a float64 into two 26-bit halves


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """s = RN(a + b) and the exact error: s + err = a + b."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_product(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p = RN(a b) and the exact error: p + err = a b (float64)."""
    p = a * b
    ca, cb = _SPLITTER * a, _SPLITTER * b
    a_hi, b_hi = ca - (ca - a), cb - (cb - b)
    a_lo, b_lo = a - a_hi, b - b_hi
    return p, ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo


def _round_to_odd(s: np.ndarray, err: np.ndarray) -> np.ndarray:
    """The sum s + err (s = RN of it) rounded to odd: the neighbour with an odd last bit
    when the sum is not exact."""
    even = (s.view(np.int64) & 1) == 0
    toward = np.nextafter(s, np.where(err > 0, np.inf, -np.inf))
    return np.where((err != 0) & even, toward, s)


def fma(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a * b + c rounded once, float32 or float64 (the arrays' common float dtype)."""
    dtype = np.result_type(a, b, c)
    with np.errstate(over="ignore", invalid="ignore"):
        if dtype == np.float32:
            a64, b64, c64 = (np.asarray(v, np.float64) for v in (a, b, c))
            h, l = _two_sum(a64 * b64, c64)
            return _round_to_odd(h, l).astype(np.float32)
        a, b, c = (np.asarray(v, np.float64) for v in (a, b, c))
        p, e = _two_product(a, b)
        h, l = _two_sum(c, p)
        lo, lo_err = _two_sum(l, e)
        out = h + _round_to_odd(lo, lo_err)
    # inf, nan and overflow: the plain expression (the transformations give nan there)
    return np.where(np.isfinite(out), out, a * b + c)


def linspace_values(start: float, end: float, steps: int, dtype: np.dtype) -> np.ndarray:
    """PyTorch's CPU linspace in a float32 or float64 dtype (see the module); other float
    dtypes through float64."""
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):  # (float16: computed in float64, then cast)
        return linspace_values(start, end, steps, np.float64).astype(dtype)
    if steps == 1:
        return np.full(1, start, dtype)
    first, last = dtype.type(start), dtype.type(end)
    step = (last - first) / dtype.type(steps - 1) if steps > 1 else dtype.type(0)
    i = np.arange(steps)
    low = i < steps // 2
    count = np.where(low, i, steps - 1 - i).astype(dtype)
    return fma(np.where(low, step, -step).astype(dtype), count,
               np.where(low, first, last).astype(dtype))
