"""PyTorch's top-level spellings of nn.functional: `torch.conv2d(x, w)`,
`torch.dropout(x, p, train)`, `torch.layer_norm(x, shape)` ... as scripts and exported
models call them. Each is the nn.functional function itself where PyTorch's top-level
signature is its signature; the others have their own top-level signatures, given here:
`train` for `training`, a trailing cudnn switch, `torch.embedding(weight, indices)` with
the weight first, losses whose `reduction` is an int (0 'none', 1 'mean', 2 'sum'; left
out it is 0, no reduction, as PyTorch 2.13's top-level losses behave, unlike their
nn.functional forms), pools that always return their indices, and in-place forms
(`dropout_`, `celu_` ...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .errors import ArgumentError, names_errors
from .nn import functional as F
from .tensor import Tensor

__all__ = ["adaptive_avg_pool1d", "alpha_dropout", "avg_pool1d", "bilinear", "celu", "conv1d",
           "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "cosine_similarity",
           "dropout", "group_norm", "hardshrink", "layer_norm", "max_pool1d", "max_pool2d",
           "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "prelu", "selu",
           "threshold",
           "adaptive_max_pool1d", "alpha_dropout_", "batch_norm",
           "binary_cross_entropy_with_logits", "celu_", "channel_shuffle", "constant_pad_nd",
           "cosine_embedding_loss", "dropout_",
           "embedding", "hinge_embedding_loss", "instance_norm", "kl_div", "margin_ranking_loss",
           "max_pool1d_with_indices", "poisson_nll_loss", "rms_norm", "rrelu", "rrelu_",
           "selu_", "threshold_", "triplet_margin_loss"]

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
celu_, selu_, threshold_, rrelu_ = F.celu_, F.selu_, F.threshold_, F.rrelu_
channel_shuffle = F.channel_shuffle
rms_norm = F.rms_norm


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


@names_errors("dropout_")
def dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """dropout(input, p, train) written into input (a new version of it), returned."""
    return _in_place(input, F.dropout(input, p, train))


@names_errors("alpha_dropout_")
def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:  # noqa: A002
    """alpha_dropout(input, p, train) written into input, returned."""
    return _in_place(input, F.alpha_dropout(input, p, train))


def _in_place(target: Tensor, result: Tensor) -> Tensor:
    if result is not target:  # not training, p = 0: dropout returns its input itself
        target.copy_(result)
    return target


@names_errors("rrelu")
def rrelu(input: Any, lower: float = 1.0 / 8, upper: float = 1.0 / 3,  # noqa: A002
          training: bool = False, generator: Any = None) -> Tensor:
    """F.rrelu(input, lower, upper, training)."""
    if generator is not None:
        raise ArgumentError("rrelu: a generator= is not supported here; seed "
                            "tg.default_generator (tg.manual_seed) instead")
    return F.rrelu(input, lower, upper, training)


@names_errors("batch_norm")
def batch_norm(input: Any, weight: Any, bias: Any, running_mean: Any,  # noqa: A002
               running_var: Any, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool) -> Tensor:
    """F.batch_norm with PyTorch's top-level argument order (weight, bias first)."""
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum,
                        eps)


@names_errors("instance_norm")
def instance_norm(input: Any, weight: Any, bias: Any, running_mean: Any,  # noqa: A002
                  running_var: Any, use_input_stats: bool, momentum: float, eps: float,
                  cudnn_enabled: bool) -> Tensor:
    """F.instance_norm with PyTorch's top-level argument order."""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats,
                           momentum, eps)


@names_errors("embedding")
def embedding(weight: Tensor, indices: Any, padding_idx: int = -1,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """F.embedding(indices, weight, ...): the weight first; padding_idx -1 means none, as
    in PyTorch's top-level function (any other value keeps that row's gradient at 0)."""
    return F.embedding(indices, weight, None if padding_idx == -1 else padding_idx,
                       scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)


@names_errors("constant_pad_nd")
def constant_pad_nd(input: Any, pad: Sequence[int], value: float = 0) -> Tensor:  # noqa: A002
    """F.pad(input, pad, 'constant', value)."""
    return F.pad(input, pad, "constant", value)


@names_errors("adaptive_max_pool1d")
def adaptive_max_pool1d(input: Any, output_size: Any) -> tuple[Tensor, Tensor]:  # noqa: A002
    """F.adaptive_max_pool1d(input, output_size, return_indices=True)."""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


@names_errors("max_pool1d_with_indices")
def max_pool1d_with_indices(input: Any, kernel_size: Any, stride: Any = (),  # noqa: A002
                            padding: Any = 0, dilation: Any = 1,
                            ceil_mode: bool = False) -> tuple[Tensor, Tensor]:
    """F.max_pool1d(..., return_indices=True); an empty stride means the kernel size."""
    return F.max_pool1d(input, kernel_size, stride if stride not in ((), []) else None,
                        padding, dilation, ceil_mode, return_indices=True)


_REDUCTIONS = ("none", "mean", "sum")


def _reduction(op: str, reduction: Any) -> str:
    """PyTorch's top-level losses take the reduction as an int enum: 0, 1, 2."""
    if isinstance(reduction, bool) or reduction not in (0, 1, 2):
        raise ArgumentError(f"{op}: reduction is an int here (0 'none', 1 'mean', 2 'sum'), "
                            f"as in torch.{op}; got {reduction!r}")
    return _REDUCTIONS[reduction]


@names_errors("binary_cross_entropy_with_logits")
def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,  # noqa: A002
                                     pos_weight: Any = None, reduction: int = 0) -> Tensor:
    """F.binary_cross_entropy_with_logits with an int reduction."""
    return F.binary_cross_entropy_with_logits(
        input, target, weight,
        reduction=_reduction("binary_cross_entropy_with_logits", reduction),
        pos_weight=pos_weight)


@names_errors("kl_div")
def kl_div(input: Any, target: Any, reduction: int = 0, *,  # noqa: A002
           log_target: bool = False) -> Tensor:
    """F.kl_div with an int reduction (1, 'mean', averages over every element)."""
    return F.kl_div(input, target, reduction=_reduction("kl_div", reduction),
                    log_target=log_target)


@names_errors("cosine_embedding_loss")
def cosine_embedding_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:
    """F.cosine_embedding_loss with an int reduction."""
    return F.cosine_embedding_loss(input1, input2, target, margin,
                                   reduction=_reduction("cosine_embedding_loss", reduction))


@names_errors("hinge_embedding_loss")
def hinge_embedding_loss(input: Any, target: Any, margin: float = 1.0,  # noqa: A002
                         reduction: int = 0) -> Tensor:
    """F.hinge_embedding_loss with an int reduction."""
    return F.hinge_embedding_loss(input, target, margin,
                                  reduction=_reduction("hinge_embedding_loss", reduction))


@names_errors("margin_ranking_loss")
def margin_ranking_loss(input1: Any, input2: Any, target: Any, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:
    """F.margin_ranking_loss with an int reduction."""
    return F.margin_ranking_loss(input1, input2, target, margin,
                                 reduction=_reduction("margin_ranking_loss", reduction))


@names_errors("poisson_nll_loss")
def poisson_nll_loss(input: Any, target: Any, log_input: bool, full: bool,  # noqa: A002
                     eps: float, reduction: int) -> Tensor:
    """F.poisson_nll_loss with every argument required and an int reduction."""
    return F.poisson_nll_loss(input, target, log_input, full, eps=eps,
                              reduction=_reduction("poisson_nll_loss", reduction))


@names_errors("triplet_margin_loss")
def triplet_margin_loss(anchor: Any, positive: Any, negative: Any, margin: float = 1.0,
                        p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                        reduction: int = 0) -> Tensor:
    """F.triplet_margin_loss with an int reduction."""
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                                 reduction=_reduction("triplet_margin_loss", reduction))
