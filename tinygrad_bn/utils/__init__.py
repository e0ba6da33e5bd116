"""PyTorch's `torch.utils` counterpart: `tinygrad_bn.utils.data` (datasets, samplers and a
DataLoader yielding Tensors, under PyTorch's submodule paths)."""

from . import data

__all__ = ["data"]
