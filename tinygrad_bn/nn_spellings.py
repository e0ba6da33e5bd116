"""PyTorch's top-level spellings of nn.functional: `torch.conv2d(x, w)`,
`torch.dropout(x, p, train)`, `torch.layer_norm(x, shape)` ... as scripts and exported
models call them. Each is the nn.functional function itself where PyTorch's top-level
signature is its signature; dropout, alpha_dropout, layer_norm and group_norm have their
own top-level signatures (`train` for `training`, a trailing cudnn switch), given here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import names_errors
from .nn import functional as F
from .tensor import Tensor

__all__ = ["adaptive_avg_pool1d", "alpha_dropout", "avg_pool1d", "bilinear", "celu", "conv1d",
           "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "cosine_similarity",
           "dropout", "group_norm", "hardshrink", "layer_norm", "max_pool1d", "max_pool2d",
           "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "prelu", "selu",
           "threshold"]

adaptive_avg_pool1d = F.adaptive_avg_pool1d
avg_pool1d = F.avg_pool1d
bilinear = F.bilinear
celu = F.celu
conv1d, conv2d, conv3d = F.conv1d, F.conv2d, F.conv3d
conv_transpose1d, conv_transpose2d = F.conv_transpose1d, F.conv_transpose2d
cosine_similarity = F.cosine_similarity
hardshrink = F.hardshrink
max_pool1d, max_pool2d = F.max_pool1d, F.max_pool2d
pairwise_distance = F.pairwise_distance
pixel_shuffle, pixel_unshuffle = F.pixel_shuffle, F.pixel_unshuffle
prelu = F.prelu
selu = F.selu
threshold = F.threshold


@names_errors("dropout")
def dropout(input: Any, p: float, train: bool) -> Tensor:  # noqa: A002 (PyTorch's name)
    """F.dropout(input, p, training=train)."""
    return F.dropout(input, p, train)


@names_errors("alpha_dropout")
def alpha_dropout(input: Any, p: float, train: bool) -> Tensor:  # noqa: A002
    """F.alpha_dropout(input, p, training=train)."""
    return F.alpha_dropout(input, p, train)


@names_errors("layer_norm")
def layer_norm(input: Any, normalized_shape: int | Sequence[int],  # noqa: A002
               weight: Any = None, bias: Any = None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """F.layer_norm (cudnn_enable has no effect on the CPU)."""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


@names_errors("group_norm")
def group_norm(input: Any, num_groups: int, weight: Any = None, bias: Any = None,  # noqa: A002
               eps: float = 1e-5, cudnn_enabled: bool = True) -> Tensor:
    """F.group_norm (cudnn_enabled has no effect on the CPU)."""
    return F.group_norm(input, num_groups, weight, bias, eps)
