"""interpolate(..., antialias=True) for "bilinear" and "bicubic": PyTorch's (and PIL's)
separable filter, whose support widens with the downscaling factor so that every input cell
contributes to some output. For output index i of an axis of length n resampled to m, with
scale s (1 / scale_factor, or n / m; (n - 1) / (m - 1) with align_corners):

    center  = s (i + 0.5)
    support = r max(s, 1)           r = 1 (bilinear) or 2 (bicubic)
    cells   j = trunc(center - support + 0.5) .. trunc(center + support + 0.5) - 1, within [0, n)
    w_j     = f((j - center + 0.5) / max(s, 1)), normalised to sum 1

with f the triangle max(0, 1 - |t|) (bilinear) or Keys' cubic with a = -0.5 (bicubic).
The (index, weight) taps feed the same per-axis matrix product as the other modes.
"""

from __future__ import annotations

import numpy as np


def _triangle(t: np.ndarray) -> np.ndarray:
    return np.maximum(0.0, 1.0 - np.abs(t))


def _cubic(t: np.ndarray) -> np.ndarray:
    """Keys' cubic convolution kernel with a = -0.5 (PIL's, which PyTorch follows here)."""
    a, t = -0.5, np.abs(t)
    near = ((a + 2) * t - (a + 3)) * t * t + 1
    far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return np.where(t < 1, near, np.where(t < 2, far, 0.0))


def antialias_taps(mode: str, n: int, m: int, scale: float | None, align_corners: bool
                   ) -> list[tuple[np.ndarray, np.ndarray]]:
    """(index, weight) pairs, one per tap (taps past a row's cells weigh 0), for an axis
    of length n resampled to m; see the module docstring."""
    if align_corners:
        s = (n - 1) / (m - 1) if m > 1 else 0.0
    else:
        s = n / m if scale is None else scale
    radius = 1.0 if mode == "bilinear" else 2.0
    kernel = _triangle if mode == "bilinear" else _cubic
    stretch = max(s, 1.0)
    support = radius * stretch
    center = s * (np.arange(m) + 0.5)
    # (C's cast to int64 truncates toward zero: trunc, not floor)
    lo = np.maximum(np.trunc(center - support + 0.5).astype(np.int64), 0)
    hi = np.minimum(np.trunc(center + support + 0.5).astype(np.int64), n)
    width = int(max((hi - lo).max(initial=0), 1))
    cells = lo[:, None] + np.arange(width)
    inside = cells < hi[:, None]
    weights = np.where(inside, kernel((cells - center[:, None] + 0.5) / stretch), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    weights = weights / np.where(total == 0, 1.0, total)
    index = np.clip(cells, 0, n - 1)
    return [(index[:, k], weights[:, k]) for k in range(width)]
