"""PyTorch's `torch.utils` counterpart: `tinygrad_bn.utils.data` (Dataset, TensorDataset,
DataLoader yielding Tensors)."""

from . import data

__all__ = ["data"]
