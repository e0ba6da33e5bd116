"""`tg.cuda`: there is no GPU here; PyTorch code that asks gets a clear no, and the
seeding calls scripts make for every device are accepted and do nothing (PyTorch ignores
them too when CUDA is not available), as are the memory calls of training loops
(empty_cache; memory_allocated and the like answer 0, as PyTorch's without CUDA)."""

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


def empty_cache() -> None:
    """No GPU memory cache to release: a no-op, as PyTorch's when CUDA is not in use
    (training loops call it unconditionally)."""


def memory_allocated(device: object = None) -> int:
    """0 bytes of GPU memory held by tensors (there is no GPU), as PyTorch without CUDA."""
    return 0


def max_memory_allocated(device: object = None) -> int:
    """0: the peak of memory_allocated."""
    return 0


def memory_reserved(device: object = None) -> int:
    """0 bytes reserved by a GPU caching allocator (there is none)."""
    return 0
