"""RMS normalisation (Zhang & Sennrich 2019), PyTorch's F.rms_norm and nn.RMSNorm: each sample
divided by the root mean square of its trailing `normalized_shape` axes,

    y = x / sqrt(mean(x^2) + eps) * weight,

eps None meaning the machine epsilon of x's dtype, as PyTorch's; with a weight of another
dtype the result keeps x's dtype, as PyTorch's (which warns it cannot use its fused kernel).
A composite of Tensor ops: autograd derives every derivative. Unlike layer norm there is no
centring and no bias.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError, names_errors
from ..tensor import Tensor
from .arguments import factory_dtype, layer_input, sizes, state_dtype
from .module import Module, Parameter

__all__ = ["RMSNorm", "rms_norm"]


def _shape(op: str, normalized_shape: Any) -> tuple[int, ...]:
    shape = (normalized_shape,) if not isinstance(normalized_shape, Sequence) \
        else tuple(normalized_shape)
    sizes(op, **{f"normalized_shape[{i}]": n for i, n in enumerate(shape)})
    if not shape:
        raise ArgumentError(f"{op}: normalized_shape must have at least one dim")
    return tuple(int(n) for n in shape)


@names_errors("rms_norm")
def rms_norm(input: Any, normalized_shape: int | Sequence[int],  # noqa: A002
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """y = x / sqrt(mean(x^2) + eps) * weight over the trailing normalized_shape axes."""
    x = input if isinstance(input, Tensor) else layer_input(input, state_dtype(weight))
    shape = _shape("rms_norm", normalized_shape)
    k = len(shape)
    if x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise ShapeError(f"rms_norm: input of shape {x.shape} must end with normalized_shape "
                         f"{shape} (expected (*, {', '.join(map(str, shape))}))")
    if x.dtype.kind != "f":
        raise ArgumentError(f"rms_norm: needs a floating input, got dtype {x.dtype}")
    if weight is not None:
        if weight.shape != shape:
            raise ShapeError(f"rms_norm: weight of shape {weight.shape} must have "
                             f"normalized_shape {shape}")
    if eps is None:
        eps = float(np.finfo(x.dtype).eps)
    elif isinstance(eps, bool) or not isinstance(eps, int | float):  # PyTorch: any number
        raise ArgumentError(f"rms_norm: eps must be a number or None, got {eps!r}")
    axes = tuple(range(x.ndim - k, x.ndim))
    y = x * ((x * x).mean(axis=axes, keepdims=True) + eps).rsqrt()
    if weight is None:
        return y
    y = y * weight
    return y if y.dtype == x.dtype else y.astype(x.dtype)


class RMSNorm(Module):
    """RMS normalisation over the trailing `normalized_shape` axes, with a learned `weight`
    (ones) of that shape when elementwise_affine; eps None: the input dtype's epsilon."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dtype = factory_dtype("RMSNorm", device, dtype)
        self.normalized_shape = _shape("RMSNorm", normalized_shape)
        if eps is not None and (isinstance(eps, bool) or not isinstance(eps, int | float)
                                or eps < 0):
            raise ArgumentError(f"RMSNorm: eps must be a number >= 0 or None, got {eps!r}")
        self.eps, self.elementwise_affine = eps, bool(elementwise_affine)
        self.register_parameter("weight", Parameter(np.ones(self.normalized_shape, dtype))
                                if self.elementwise_affine else None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            self.weight._data[...] = 1

    def forward(self, x: Any) -> Tensor:
        return rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
