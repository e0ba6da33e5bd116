"""F.pad with PyTorch's argument order and modes.

`pad` lists (before, after) widths starting from the LAST axis: (left, right) pads the last
axis, (left, right, top, bottom) the last two, and so on. The modes, for an axis of length n
and an output position i counted from the first padded cell (source index j = i - before):

    constant   the value (default 0)
    reflect    j mirrored at the edges without repeating them: -1 -> 1, n -> n - 2 (width < n)
    replicate  j clamped to [0, n - 1]
    circular   j mod n (width <= n)

Negative widths crop in every mode (j starts past the edge; circular crops first and wraps
what is left, as PyTorch). The non-constant modes are a
gather x[..., index] along each padded axis, so the gradient is
the scatter-add of the upstream gradient onto the source cells (a cell copied k times gets k
contributions), and higher derivatives follow from indexing's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from ..tensor import Tensor, as_tensor

MODES = ("constant", "reflect", "replicate", "circular")


def _source_index(mode: str, n: int, before: int, after: int) -> np.ndarray:
    j = np.arange(-before, n + after)
    if mode == "reflect":  # n > 1 here: the widths are < n
        j = np.abs(j) % (2 * (n - 1))
        return np.where(j >= n, 2 * (n - 1) - j, j)
    if mode == "replicate":
        return np.clip(j, 0, n - 1)
    return j % n


def pad(input: Any, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Pad (or, in constant mode, crop with negative widths) the trailing len(pad) / 2 axes;
    see the module docstring for the modes."""
    x = as_tensor(input)
    if mode not in MODES:
        raise ArgumentError(f"pad: mode must be one of {MODES}, got {mode!r}")
    widths = list(pad) if isinstance(pad, Sequence) else None
    if widths is None or len(widths) % 2 or not all(
            isinstance(w, int | np.integer) and not isinstance(w, bool) for w in widths):
        raise ArgumentTypeError(f"pad: pad must be a sequence of ints of even length, got "
                                f"{pad!r}")
    axes = len(widths) // 2
    if axes > x.ndim:
        raise ShapeError(f"pad: {len(widths)} pad widths pad {axes} axes, but the input has "
                         f"shape {x.shape}")
    if value is not None and mode != "constant":
        raise ArgumentError(f"pad: value is for mode='constant' only (got mode={mode!r})")
    pairs = [(int(widths[2 * k]), int(widths[2 * k + 1])) for k in range(axes)]
    if mode == "constant":
        crop = tuple([slice(None)] * (x.ndim - axes) + [
            slice(max(-lo, 0), x.shape[x.ndim - 1 - k] - max(-hi, 0))
            for k, (lo, hi) in reversed(list(enumerate(pairs)))])
        if any(lo < 0 or hi < 0 for lo, hi in pairs):
            if any(s.start > s.stop for s in crop[x.ndim - axes:]):  # (to empty is fine)
                raise ShapeError(f"pad: widths {tuple(widths)} crop shape {x.shape} below "
                                 f"nothing")
            x = x[crop]
        full = [(0, 0)] * (x.ndim - axes) + [(max(lo, 0), max(hi, 0))
                                             for lo, hi in reversed(pairs)]
        if any(lo or hi for lo, hi in full):
            x = x.pad(full, value=0.0 if value is None else value)
        return x
    if axes not in (x.ndim - 2, x.ndim - 1) or not 1 <= axes <= 3:
        raise ShapeError(f"pad: mode={mode!r} pads the last 1, 2 or 3 axes of a batched or "
                         f"unbatched input (2 widths for 2-d or 3-d input, 4 for 3-d or 4-d, "
                         f"6 for 4-d or 5-d, as PyTorch); got {len(widths)} widths for shape "
                         f"{x.shape}")
    for k, (lo, hi) in enumerate(pairs):
        axis = x.ndim - 1 - k
        n = x.shape[axis]
        if n + lo + hi < (mode != "circular"):  # (reflect, replicate: one cell at least)
            raise ShapeError(f"pad: widths {(lo, hi)} leave nothing of axis {axis} of length "
                             f"{n} (input shape {x.shape}, mode={mode!r})")
        if mode == "circular" and (lo < 0 or hi < 0):
            # PyTorch crops first and wraps what is left: (-1, 2) of [a b c d] is b c d b c
            x = x[(slice(None),) * axis + (slice(max(-lo, 0), n - max(-hi, 0)),)]
            n, lo, hi = x.shape[axis], max(lo, 0), max(hi, 0)
        limit = {"reflect": n - 1, "replicate": None, "circular": n}[mode]
        if (lo or hi) and (n == 0 or (limit is not None and max(lo, hi) > limit)):
            raise ShapeError(f"pad: mode={mode!r} needs widths {'<' if mode == 'reflect' else '<='}"
                             f" the axis length; widths {(lo, hi)} for axis {axis} of length "
                             f"{n} (input shape {x.shape})")
        if lo or hi:
            x = x[(slice(None),) * axis + (_source_index(mode, n, lo, hi),)]
    return x
