"""`tg.backends.mps`: Apple's Metal backend is not available here."""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_bn computes with NumPy on the CPU."""
    return False


def is_built() -> bool:
    """False: not built with Metal."""
    return False
