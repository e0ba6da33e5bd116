"""`tg.cuda`: there is no GPU here; PyTorch code that asks gets a clear no, and the
seeding calls scripts make for every device are accepted and do nothing (PyTorch ignores
them too when CUDA is not available)."""

from __future__ import annotations


def is_available() -> bool:
    """False: tinygrad_bn computes with NumPy on the CPU."""
    return False


def device_count() -> int:
    """0 GPUs."""
    return 0


def manual_seed(seed: int) -> None:
    """No GPU generator to seed: a no-op (`tg.manual_seed` seeds the CPU one)."""


def manual_seed_all(seed: int) -> None:
    """No GPU generators to seed: a no-op."""
