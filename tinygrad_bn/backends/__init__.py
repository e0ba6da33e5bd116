"""`tg.backends`: the flags reproducibility preambles set (`tg.backends.cudnn.deterministic
= True`, `.benchmark = False`) and the availability checks device selection asks
(`tg.backends.mps.is_available()`). No such backend exists here: the flags are stored and
change nothing, the checks answer False. `use_deterministic_algorithms` (also `tg.`) is
recorded the same way: every op here is deterministic already (NumPy on one device, no
atomics), so the flag has nothing to switch."""

from __future__ import annotations

from ..errors import ArgumentTypeError
from . import cudnn, mps

__all__ = [
    "are_deterministic_algorithms_enabled", "cudnn",
    "is_deterministic_algorithms_warn_only_enabled", "mps", "use_deterministic_algorithms",
]

_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record PyTorch's determinism flag (see the module doc: it changes nothing here)."""
    for name, value in (("mode", mode), ("warn_only", warn_only)):
        if not isinstance(value, bool):
            raise ArgumentTypeError(f"use_deterministic_algorithms: {name} must be a bool, "
                                    f"got {type(value).__name__} {value!r}")
    _deterministic.update(mode=mode, warn_only=warn_only)


def are_deterministic_algorithms_enabled() -> bool:
    """The flag `use_deterministic_algorithms` last recorded (False at start, as PyTorch)."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The `warn_only` flag `use_deterministic_algorithms` last recorded."""
    return _deterministic["warn_only"]
