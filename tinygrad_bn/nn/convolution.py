"""2-D convolution and pooling on NCHW tensors (work in progress: signatures first)."""

from __future__ import annotations

from ..tensor import Tensor

IntPair = int | tuple[int, int]


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
           padding: IntPair = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of an NCHW input with OIHW weights, as PyTorch's conv2d."""
    raise NotImplementedError("conv2d: being implemented")


def max_pool2d(x: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0) -> Tensor:
    """Maximum over each window of the -inf padded NCHW input."""
    raise NotImplementedError("max_pool2d: being implemented")


def avg_pool2d(x: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0) -> Tensor:
    """Mean over each window of the zero-padded NCHW input (padded cells counted)."""
    raise NotImplementedError("avg_pool2d: being implemented")
