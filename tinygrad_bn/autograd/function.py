"""PyTorch's `torch.autograd.function` module: the custom-op class `Function` (custom.py),
its context `FunctionCtx` and `once_differentiable`, under PyTorch's import path, so that
`from torch.autograd.function import Function` gives the same class as
`torch.autograd.Function`. The engine's own op class is autograd/primitive.py's."""

from .custom import Function, FunctionCtx
from .once import once_differentiable

__all__ = ["Function", "FunctionCtx", "once_differentiable"]
