"""`tg.cuda`: there is no GPU here; PyTorch code that asks gets a clear no."""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_bn computes with NumPy on the CPU."""
    return False


def device_count() -> int:
    """0 GPUs."""
    return 0
