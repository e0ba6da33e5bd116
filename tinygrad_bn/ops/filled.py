"""Read-only zeros in the shape of an operand, for ufuncs whose loop is slow on a scalar.

NumPy 2.4's `maximum` / `minimum` (and `fmax` / `fmin`) run their vectorized loop only when
both operands are contiguous arrays; with a scalar or 0-d second operand they take a
per-element loop that is 2.5-3x slower at every size measured on this project's machine
(float32, one thread, fastest of 7 interleaved rounds: (6000,) 2.67 us against 1.08 us
with a contiguous array of zeros, (64000,) 24.0 against 7.8 us, (800000,) 295 against
124 us; float64 (6000,) 3.14 against 1.70 us; docs/performance.md, "Stop 34"). Arithmetic
ufuncs with a scalar run as fast as with an array, so only these need it.

`zeros_as(x)` is an array of zeros with x's shape and dtype, C-contiguous, that nobody may
write: a view of one shared zero buffer, kept per (shape, dtype) so that a training step
asking for the same shapes pays one dictionary lookup. max(x, 0) elementwise is the same
value whichever loop computes it (NaN propagates from x with its payload; max(-0.0, 0.0)
is +0.0 in both loops: tests/test_relu_zeros_34.py compares the bits).
"""

from __future__ import annotations

import threading

import numpy as np

_LOCK = threading.Lock()
_buffer = np.zeros(0, np.uint8)
_views: dict[tuple, np.ndarray] = {}
_MAX_VIEWS = 256  # distinct (shape, dtype) kept; past that the cache starts again


def zeros_as(x: np.ndarray) -> np.ndarray:
    """A read-only C-contiguous array of zeros of x's shape and dtype (see the module doc)."""
    key = (x.shape, x.dtype)
    view = _views.get(key)
    if view is None:
        view = _make(key, x.nbytes)
    return view


def _make(key: tuple, nbytes: int) -> np.ndarray:
    global _buffer
    with _LOCK:
        if nbytes > _buffer.nbytes:
            # calloc'ed: pages nobody reads stay unbacked (large ones are the kernel's zero
            # page until read); views of the old buffer keep it alive, still all zeros
            _buffer = np.zeros(max(nbytes, 2 * _buffer.nbytes), np.uint8)
            _buffer.flags.writeable = False
            _views.clear()
        if len(_views) >= _MAX_VIEWS:
            _views.clear()
        shape, dtype = key
        view = np.ndarray(shape, dtype, buffer=_buffer.data, offset=0)
        view.flags.writeable = False
        _views[key] = view
        return view
