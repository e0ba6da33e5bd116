"""PyTorch's `torch.utils` counterpart: `tinygrad_bn.utils.data` (datasets, samplers and a
DataLoader yielding Tensors, under PyTorch's submodule paths) and
`tinygrad_bn.utils.checkpoint` (gradient checkpointing under PyTorch's names) and
`tinygrad_bn.utils.dlpack` (memory shared with other libraries)."""

from . import checkpoint, data, dlpack

__all__ = ["checkpoint", "data", "dlpack"]
