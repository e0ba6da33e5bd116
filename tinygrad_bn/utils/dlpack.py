"""PyTorch's torch.utils.dlpack: exchange tensors with other libraries through DLPack,
sharing memory (tinygrad_bn/memory_creation.py has `from_dlpack`)."""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentTypeError
from ..memory_creation import from_dlpack
from ..tensor import Tensor

__all__ = ["from_dlpack", "to_dlpack"]


def to_dlpack(tensor: Tensor) -> Any:
    """A DLPack capsule over the tensor's memory (a versioned one, so that the memory
    stays writable for the library that takes it)."""
    if not isinstance(tensor, Tensor):
        raise ArgumentTypeError(f"to_dlpack: expects a Tensor, got {type(tensor).__name__}")
    return tensor.__dlpack__(max_version=(1, 0))
