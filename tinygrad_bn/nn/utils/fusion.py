"""Folding an eval-mode batch norm into the convolution or linear layer before it, PyTorch's
`nn.utils.fuse_conv_bn_eval`, `fuse_conv_bn_weights`, `fuse_linear_bn_eval` and
`fuse_linear_bn_weights`: with s = bn.weight / sqrt(running_var + eps) per channel,

    W' = W s (along the output channels),   b' = (b - running_mean) s + bn.bias,

so that layer'(x) = bn(layer(x)) in eval mode with one layer fewer. The functions return
new layers or Parameters; the originals are unchanged.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ...errors import ArgumentError, ShapeError
from ...tensor import Tensor
from ..module import Module, Parameter

__all__ = ["fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights"]


def _array(value: Any) -> np.ndarray | None:
    if value is None:
        return None
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _scale(op: str, channels: int, bn_rm: Any, bn_rv: Any, bn_eps: float, bn_w: Any,
           bn_b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s, running mean, bn bias) per channel, the missing affine parts as PyTorch's (1, 0)."""
    mean, var = _array(bn_rm), _array(bn_rv)
    if mean is None or var is None:
        raise ArgumentError(f"{op}: the batch norm needs running statistics "
                            f"(track_running_stats=True)")
    if mean.shape != (channels,):
        raise ShapeError(f"{op}: the batch norm has {mean.shape} channels, the layer "
                         f"{channels} outputs")
    weight = np.ones_like(mean) if bn_w is None else _array(bn_w)
    bias = np.zeros_like(mean) if bn_b is None else _array(bn_b)
    return weight / np.sqrt(var + bn_eps), mean, bias


def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Any, bn_rv: Any,
                         bn_eps: float, bn_w: Any, bn_b: Any, transpose: bool = False
                         ) -> tuple[Parameter, Parameter]:
    """The fused (weight, bias) Parameters of a convolution followed by a batch norm (the
    output channels are axis 0 of the weight, axis 1 for a transposed convolution)."""
    w = _array(conv_w)
    axis = 1 if transpose else 0
    s, mean, bias = _scale("fuse_conv_bn_weights", w.shape[axis], bn_rm, bn_rv, bn_eps, bn_w,
                           bn_b)
    shape = [1] * w.ndim
    shape[axis] = -1
    b = np.zeros(w.shape[axis], w.dtype) if conv_b is None else _array(conv_b)
    fused_w = (w * s.reshape(shape)).astype(w.dtype)
    fused_b = ((b - mean) * s + bias).astype(w.dtype)
    return (Parameter(fused_w, getattr(conv_w, "requires_grad", True)),
            Parameter(fused_b, getattr(conv_b, "requires_grad", True)))


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Any, bn_rv: Any,
                           bn_eps: float, bn_w: Any, bn_b: Any) -> tuple[Parameter, Parameter]:
    """The fused (weight, bias) Parameters of a linear layer followed by a batch norm."""
    return fuse_conv_bn_weights(linear_w, linear_b, bn_rm, bn_rv, bn_eps, bn_w, bn_b)


def _check_eval(op: str, layer: Module, bn: Module) -> None:
    if layer.training or bn.training:
        raise ArgumentError(f"{op}: fusion is for eval mode only (call .eval() on both "
                            f"modules first)")


def fuse_conv_bn_eval(conv: Module, bn: Module, transpose: bool = False) -> Module:
    """A copy of `conv` that computes bn(conv(x)) in eval mode."""
    _check_eval("fuse_conv_bn_eval", conv, bn)
    fused = copy.deepcopy(conv)
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_linear_bn_eval(linear: Module, bn: Module) -> Module:
    """A copy of `linear` that computes bn(linear(x)) in eval mode."""
    _check_eval("fuse_linear_bn_eval", linear, bn)
    if linear.out_features != bn.num_features:
        raise ShapeError(f"fuse_linear_bn_eval: the linear layer has {linear.out_features} "
                         f"outputs, the batch norm {bn.num_features} features")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused
