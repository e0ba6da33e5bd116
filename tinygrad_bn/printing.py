"""How tensors print: `tg.set_printoptions`, PyTorch's function with its arguments.

One setting for the whole process, as PyTorch's: a new set of options replaces the old
one as a whole under a lock, and a repr reads one consistent set (`current()`).

The defaults are this project's (4 digits, at most 20 elements before the summary, 2 at
each edge, NumPy's 75 columns), shorter than PyTorch's (4, 1000, 3, 80) because tensors
here print in notebooks and error messages next to their shape; `profile="default"`
restores them, `"short"` and `"full"` are PyTorch's profiles.
"""

from __future__ import annotations

import math
import numbers
import sys
import threading
from typing import Any, NamedTuple

import numpy as np

from .errors import ArgumentError, ArgumentTypeError


class PrintOptions(NamedTuple):
    precision: int = 4  # digits after the decimal point
    threshold: float = 20  # more elements than this: a summary with edgeitems per edge
    edgeitems: int = 2
    linewidth: int = 75  # characters per line
    sci_mode: bool | None = None  # True: always scientific; False: never; None: as needed


_PROFILES = {"default": PrintOptions(),
             "short": PrintOptions(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             "full": PrintOptions(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}
_options = [PrintOptions()]
_lock = threading.Lock()


def current() -> PrintOptions:
    """The options in force (one consistent set)."""
    return _options[0]


def _count(name: str, value: Any, allow_inf: bool = False) -> Any:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ArgumentTypeError(f"set_printoptions: {name} must be a number, got "
                                f"{type(value).__name__} {value!r}")
    if value < 0 or (not allow_inf and not math.isfinite(value)):
        raise ArgumentError(f"set_printoptions: {name} must be a non-negative "
                            f"{'number' if allow_inf else 'finite number'}, got {value!r}")
    return value if allow_inf and math.isinf(value) else int(value)


def set_printoptions(precision: int | None = None, threshold: float | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """Set how Tensor reprs print, process-wide (PyTorch's torch.set_printoptions): a
    `profile` ("default", "short", "full") first, then each option given; `sci_mode` is
    always set (None: scientific notation only when the values need it)."""
    if profile is not None and profile not in _PROFILES:
        raise ArgumentError(f"set_printoptions: profile must be one of "
                            f"{', '.join(map(repr, _PROFILES))}, got {profile!r}")
    if sci_mode is not None and not isinstance(sci_mode, bool):
        raise ArgumentTypeError(f"set_printoptions: sci_mode must be True, False or None, got "
                                f"{type(sci_mode).__name__} {sci_mode!r}")
    given = {name: _count(name, value, allow_inf=name == "threshold") for name, value in
             (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
              ("linewidth", linewidth)) if value is not None}
    with _lock:
        base = _PROFILES[profile] if profile is not None else _options[0]
        _options[0] = base._replace(sci_mode=sci_mode, **given)


def tensor_repr(data: np.ndarray, shape: Any, ctx: Any, requires_grad: bool) -> str:
    """A Tensor's repr under the options in force: its values (a summary past `threshold`
    elements, then with the shape), dtype, and grad_fn or requires_grad."""
    options = current()
    threshold = sys.maxsize if math.isinf(options.threshold) else int(options.threshold)
    scientific = {"float_kind": lambda v: f"{v:.{options.precision}e}"} \
        if options.sci_mode else None
    body = np.array2string(data, precision=options.precision, threshold=threshold,
                           edgeitems=options.edgeitems, max_line_width=options.linewidth,
                           suppress_small=options.sci_mode is False,
                           formatter=scientific, prefix="Tensor(")
    extra = f", dtype={data.dtype}"
    if data.size > threshold:  # the summary elides values: say what the shape is
        extra = f", shape={shape}{extra}"
    if ctx is not None:
        extra += f", grad_fn=<{ctx.name}>"
    elif requires_grad:
        extra += ", requires_grad=True"
    return f"Tensor({body}{extra})"
