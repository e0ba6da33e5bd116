"""Cross entropy of the logits a linear map makes: `F.linear_cross_entropy`,
`nn.LinearCrossEntropyLoss` and `nn.LinearCrossEntropyOptions` (PyTorch 2.13).

With input x of shape (in,) or (N, in), a linear weight W of shape (C, d1, ..., dK, in) and
an optional bias b of shape (C, d1, ..., dK), the logits are

    z[n, c, i1, ..., iK] = sum_k x[n, k] W[c, i1, ..., iK, k] + b[c, i1, ..., iK]

and the loss is F.cross_entropy(z, target, ...) (class indices or class probabilities,
class weights, ignore_index, label smoothing, reduction: see F.cross_entropy). PyTorch's
`options` choose a chunked kernel that never holds all N x C logits at once (for
vocabularies much larger than in_features); it computes the same loss, so here options
are validated and accepted, and the logits are always made whole.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from ..tensor import Tensor, as_tensor
from . import functional as F
from .arguments import factory_dtype
from .layers import Linear
from .loss_modules import _WeightedLoss
from .losses import _check_smoothing, cross_entropy

__all__ = ["LinearCrossEntropyLoss", "LinearCrossEntropyOptions", "linear_cross_entropy"]

_POLICIES = ("auto", "accurate", "balanced", "compact")


@dataclasses.dataclass(slots=True, frozen=True)
class LinearCrossEntropyOptions:
    """PyTorch's settings of the chunked linear_cross_entropy (how many batch rows a chunk
    takes, the accumulation policy and dtype). Checked as PyTorch checks them; the loss
    here is computed whole whatever they say (the same values)."""

    allow_retain_graph: bool = False
    batch_chunk_size: int | None = None
    chunking_method: str | None = "auto"
    acc_policy: str = "auto"
    acc_dtype: Any = None

    def __post_init__(self) -> None:
        op = "LinearCrossEntropyOptions"
        if self.acc_policy not in _POLICIES:
            raise ArgumentError(f"{op}: invalid acc_policy {self.acc_policy!r} (one of "
                                f"{_POLICIES})")
        if self.chunking_method not in (None, "auto"):
            name, sep, factor = str(self.chunking_method).partition(":")
            factor = factor if sep else "1"
            if name != "aspect_ratio" or not factor.isdigit() or int(factor) < 1:
                raise ArgumentError(f"{op}: invalid chunking_method {self.chunking_method!r} "
                                    f"(None, 'auto', 'aspect_ratio' or 'aspect_ratio:K')")
        size = self.batch_chunk_size
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or
                                 size < 1):
            raise ArgumentError(f"{op}: batch_chunk_size must be a positive int or None, "
                                f"got {size!r}")
        if self.acc_dtype is not None and str(factory_dtype(op, None, self.acc_dtype)) not in \
                ("float16", "float32", "float64"):
            raise ArgumentError(f"{op}: acc_dtype must be None or a floating dtype, got "
                                f"{self.acc_dtype!r}")


def linear_cross_entropy(input: Any, linear_weight: Any, target: Any, *,  # noqa: A002
                         linear_bias: Any = None, weight: Any = None, reduction: str = "mean",
                         ignore_index: int | None = None, label_smoothing: float = 0.0,
                         options: LinearCrossEntropyOptions | None = None) -> Tensor:
    """F.cross_entropy(z, target, ...) of the logits z = x W^T + b (module docstring): W of
    shape (C, *out_features, in_features); ignore_index None means -100 for class indices
    and must stay None for class probabilities."""
    op = "linear_cross_entropy"
    x, w = as_tensor(input), as_tensor(linear_weight)
    if options is not None and not isinstance(options, LinearCrossEntropyOptions):
        raise ArgumentTypeError(f"{op}: options must be a LinearCrossEntropyOptions or None, "
                                f"got {type(options).__name__}")
    if x.ndim not in (1, 2):
        raise ShapeError(f"{op}: expected input with dimensionality 1 or 2, got {x.ndim} "
                         f"(shape {x.shape})")
    if w.ndim < 2:
        raise ShapeError(f"{op}: expected linear_weight with dimensionality at least 2, got "
                         f"{w.ndim} (shape {w.shape})")
    batch, features = x.shape[:-1], x.shape[-1]
    if features != w.shape[-1]:
        raise ShapeError(f"{op}: expected equal input and linear_weight last dimensions "
                         f"(in_features), got {features} and {w.shape[-1]}")
    classes, out_features = w.shape[0], w.shape[1:-1]
    if linear_bias is not None:
        linear_bias = as_tensor(linear_bias)
        if linear_bias.shape != (classes, *out_features):
            raise ShapeError(f"{op}: expected linear_bias shape {(classes, *out_features)}, "
                             f"got {linear_bias.shape}")
    if out_features and not batch:
        raise ShapeError(f"{op}: K-dimensional loss defined by linear_weight shape {w.shape} "
                         f"requires batched input (N, {features}), got unbatched input of "
                         f"shape {x.shape}")
    logits_shape = (*batch, classes, *out_features)
    probabilities = tuple(as_tensor(target).shape) == logits_shape
    if probabilities and ignore_index is not None:
        raise ArgumentError(f"{op}: ignore_index cannot be specified when target contains "
                            f"probabilities (target of the logits' shape {logits_shape})")
    width = math.prod(out_features, start=classes)
    flat_bias = None if linear_bias is None else linear_bias.reshape(width)
    logits = F.linear(x, w.reshape(width, features), flat_bias).reshape(logits_shape)
    return cross_entropy(logits, target, weight,
                         ignore_index=-100 if ignore_index is None else ignore_index,
                         reduction=reduction, label_smoothing=label_smoothing)


class LinearCrossEntropyLoss(_WeightedLoss):
    """A Linear(in_features, C * prod(out_features)) layer (`self.linear`, its weight kept
    flat as PyTorch's) and linear_cross_entropy of its logits against a target."""

    def __init__(self, in_features: int, num_classes: int, *,
                 out_features: tuple[int, ...] = (), bias: bool = False, device: Any = None,
                 dtype: Any = None, reduction: str = "mean", weight: Any = None,
                 ignore_index: int | None = None, label_smoothing: float = 0.0,
                 options: LinearCrossEntropyOptions | None = None) -> None:
        op = "LinearCrossEntropyLoss"
        if weight is not None and tuple(as_tensor(weight).shape) != (num_classes,):
            raise ShapeError(f"{op}: expected weight shape to be {(num_classes,)}, got "
                             f"{tuple(as_tensor(weight).shape)}")
        _check_smoothing(op, label_smoothing)
        super().__init__(weight=weight, reduction=reduction)
        self.num_classes, self.out_features = num_classes, out_features
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing
        self.linear = Linear(in_features, math.prod(out_features, start=num_classes),
                             bias=bias, device=device, dtype=dtype)
        self.options = options

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        layer = self.linear
        weight = layer.weight.reshape((self.num_classes, *self.out_features,
                                       layer.in_features))
        bias = None if layer.bias is None else \
            layer.bias.reshape((self.num_classes, *self.out_features))
        return linear_cross_entropy(input, weight, target, linear_bias=bias,
                                    weight=self.weight, reduction=self.reduction,
                                    ignore_index=self.ignore_index,
                                    label_smoothing=self.label_smoothing, options=self.options)

    def extra_repr(self) -> str:
        return (f"in_features={self.linear.in_features}, num_classes={self.num_classes}, "
                f"out_features={self.out_features}, bias={self.linear.bias is not None}, "
                f"reduction={self.reduction}, ignore_index={self.ignore_index}, "
                f"label_smoothing={self.label_smoothing}, options={self.options}")
