"""`tg.accelerator`: PyTorch's device-agnostic accelerator queries; there is none here, so
`device = tg.accelerator.current_accelerator() or "cpu"` picks the CPU."""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_bn computes with NumPy on the CPU."""
    return False


def current_accelerator(check_available: bool = False) -> None:
    """None: no accelerator."""
    return None


def device_count() -> int:
    """0 accelerators."""
    return 0
