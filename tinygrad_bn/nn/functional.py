"""Composite functions on Tensors: linear, dropout and scaled dot-product attention here,
and (re-exported from their own files) activations and softmax, losses, convolution,
pooling and normalization.

Each function is built from primitive ops, so its gradient (and second
derivative) follows from theirs; the docstrings state the math.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import threads
from ..autograd.primitive import sum_tangents, wrap_grads
from ..errors import ArgumentError, DTypeError, ShapeError, names_errors
from ..tensor import Function, Tensor, as_tensor, is_grad_enabled
from .activations import (
    elu,
    erf,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from .activations_extra import (
    celu,
    glu,
    gumbel_softmax,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    logsigmoid,
    mish,
    one_hot,
    prelu,
    relu6,
    selu,
    softshrink,
    softsign,
    tanhshrink,
    threshold,
)
from .activations_inplace import (
    celu_,
    elu_,
    hardtanh_,
    leaky_relu_,
    relu_,
    rrelu,
    rrelu_,
    selu_,
    softmin,
    threshold_,
)
from .arguments import layer_input, probability, same_dtype
from .channel_dropout import (
    alpha_dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from .conv_layers import conv1d, conv3d, conv_transpose1d, conv_transpose2d, conv_transpose3d
from .conv_tbc import conv_tbc
from .convolution import conv2d
from .ctc_loss import ctc_loss
from .distances import (
    cosine_similarity,
    huber_loss,
    kl_div,
    normalize,
    pairwise_distance,
    pdist,
    smooth_l1_loss,
)
from .embedding import embedding
from .embedding_bag import embedding_bag
from .folding import fold, unfold
from .fractional_pooling import fractional_max_pool2d, fractional_max_pool2d_with_indices
from .fractional_pooling3d import fractional_max_pool3d, fractional_max_pool3d_with_indices
from .grid_sampling import affine_grid, grid_sample
from .init import random
from .instance_norm import instance_norm
from .local_response_norm import local_response_norm
from .losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .losses_extra import (
    cosine_embedding_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    margin_ranking_loss,
    multilabel_soft_margin_loss,
    poisson_nll_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from .lp_pooling import lp_pool1d, lp_pool2d, lp_pool3d
from .margin_losses import multi_margin_loss, multilabel_margin_loss
from .normalization import batch_norm, group_norm, layer_norm
from .padding import pad
from .pooling import adaptive_avg_pool2d, avg_pool2d, max_pool2d
from .pooling3d import adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d, max_pool3d
from .pooling_extra import (
    adaptive_avg_pool1d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    max_pool1d,
)
from .pooling_indices import (
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d_with_indices,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
    max_pool3d_with_indices,
)
from .rms_norm import rms_norm
from .shape_layers import bilinear, interpolate, pixel_shuffle, pixel_unshuffle
from .shape_layers_extra import (
    channel_shuffle,
    native_channel_shuffle,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from .unpooling import max_unpool1d, max_unpool2d, max_unpool3d

# issue 22 (fn22): folding and the Gumbel-softmax
__all__ = ["affine_grid", "fold", "grid_sample", "gumbel_softmax", "unfold"]
__all__ += [
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
    "avg_pool1d", "avg_pool2d", "batch_norm", "bilinear", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "celu", "conv1d", "conv2d", "conv3d",
    "conv_transpose1d", "conv_transpose2d", "cosine_similarity", "cross_entropy", "dropout",
    "elu", "embedding", "erf", "gelu", "glu", "group_norm", "hardshrink", "hardsigmoid",
    "hardswish", "hardtanh", "huber_loss", "interpolate", "kl_div", "l1_loss", "layer_norm",
    "leaky_relu", "linear", "log_softmax", "logsigmoid", "max_pool1d", "max_pool2d", "mish",
    "mse_loss", "nll_loss", "normalize", "one_hot", "pad", "pairwise_distance",
    "pixel_shuffle", "pixel_unshuffle", "relu", "relu6", "scaled_dot_product_attention",
    "selu", "sigmoid", "silu", "smooth_l1_loss", "softmax", "softplus", "softshrink",
    "softsign", "tanh", "tanhshrink", "threshold",
    # issue 22: channel dropout, instance norm, prelu, the margin and likelihood losses
    "alpha_dropout", "cosine_embedding_loss", "dropout1d", "dropout2d", "dropout3d",
    "gaussian_nll_loss", "hinge_embedding_loss", "instance_norm", "margin_ranking_loss",
    "multilabel_soft_margin_loss", "poisson_nll_loss", "prelu", "soft_margin_loss",
    "triplet_margin_loss",
]
__all__ += ["celu_", "channel_shuffle", "elu_", "hardtanh_", "leaky_relu_",
            "local_response_norm", "multi_margin_loss", "multilabel_margin_loss",
            "native_channel_shuffle", "relu_", "rms_norm", "rrelu", "rrelu_", "selu_",
            "softmin", "threshold_", "upsample", "upsample_bilinear", "upsample_nearest"]  # nn31
__all__ += ["adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "conv_transpose3d",
            "embedding_bag", "lp_pool1d", "lp_pool2d", "lp_pool3d", "max_pool3d",
            "max_unpool1d", "max_unpool2d", "max_unpool3d", "pdist",
            "feature_alpha_dropout", "triplet_margin_with_distance_loss", "ctc_loss"]  # nn32
__all__ += ["fractional_max_pool2d", "fractional_max_pool2d_with_indices",
            "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
            "adaptive_max_pool3d_with_indices", "max_pool1d_with_indices",
            "max_pool2d_with_indices", "max_pool3d_with_indices"]  # nnapi33
# surface34 (multi_head_attention_forward joins this module in nn/__init__.py)
__all__ += ["conv_tbc", "fractional_max_pool3d", "fractional_max_pool3d_with_indices"]


def linear(x: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x W^T + b for x of shape (..., in), W (out, in), b (out,), all of one dtype (as
    PyTorch's, which does not promote: a DTypeMismatchError names both dtypes); an ndarray
    or list x is a constant of the weight's dtype."""
    if not isinstance(x, Tensor):
        x = layer_input(x, weight._data.dtype)
    data, w = x._data, weight._data  # the arrays' dtypes and shapes: no property calls
    dtype, x_shape, w_shape = data.dtype, data.shape, w.shape
    # `is not`: equal dtypes that are not one object only cost same_dtype's test
    if w.dtype is not dtype or (bias is not None and bias._data.dtype is not dtype):
        same_dtype("linear", dtype, weight=weight, bias=bias)
    if len(w_shape) != 2 or not x_shape or x_shape[-1] != w_shape[1]:
        raise ShapeError(f"linear: input of shape {x_shape} needs last dim equal to the "
                         f"weight's in_features; weight has shape {w_shape} (out, in)")
    if bias is None:
        if len(x_shape) == 2:
            return Affine.apply(x, weight)
        return Affine.apply(x.reshape(-1, x_shape[-1]), weight).reshape(x_shape[:-1] +
                                                                       w_shape[:1])
    if bias._data.shape != w_shape[:1]:
        raise ShapeError(f"linear: bias of shape {bias.shape}, expected ({w_shape[0]},)")
    if len(x_shape) == 2:
        return Affine.apply(x, weight, bias)
    return Affine.apply(x.reshape(-1, x_shape[-1]), weight, bias).reshape(x_shape[:-1] +
                                                                         w_shape[:1])


class Affine(Function):
    """y = x W^T + b for x (N, in), W (out, in), b (out,);  dx = g W, dW = g^T x, db = sum_n g.

    The rules autograd derives for the composite x @ W.T + b. One graph node instead of
    three: small models are dominated by per-op overhead. A plain backward evaluates the
    three products on ndarrays; under create_graph (grad mode on inside backward) they are
    Tensor ops, differentiable."""

    saves_inputs = (0, 1)
    fresh_grads = True  # the ndarray backward returns three new products
    # x (N, in), W (out, in), b (out,): the products have their shapes, and their dtype
    # when the inputs share one (forward says where they do not)
    exact_grads = True

    def forward(self, x, w, b=None):
        y = threads.matmul(x, w.T)  # large products in row blocks on the pool
        if x.dtype is not w.dtype:  # (`is`: equal dtypes that are not one object only
            self.exact_grads = False  # cost the engine's fitting)
        if b is None:
            return y
        if y.dtype == b.dtype:
            y += b  # in place: no second (N, out) array
            return y
        self.exact_grads = False
        return y + b

    def backward(self, g):
        if not is_grad_enabled():
            return wrap_grads(self.backward_arrays(g._data))
        x, w = self.parents[0], self.parents[1]
        gx = g @ w if x.requires_grad else None
        gw = g.T @ x if w.requires_grad else None
        if len(self.parents) == 2:
            return gx, gw
        return gx, gw, g.sum(axis=0) if self.parents[2].requires_grad else None

    def backward_arrays(self, g):
        """The plain rule: the three products on ndarrays."""
        parents = self.parents
        x, w = parents[0], parents[1]
        gx = threads.matmul(g, w._data) if x.requires_grad else None
        gw = threads.matmul(g.T, x._data) if w.requires_grad else None
        if len(parents) == 2:
            return gx, gw
        return gx, gw, np.add.reduce(g, axis=0) if parents[2].requires_grad else None

    def pytorch_grad_inputs(self, grads: tuple) -> tuple:
        """The gradients as PyTorch's node of x @ W.T + b gives them to a legacy module
        backward hook (nn/hooks.py): AddmmBackward's (db, dx, dW^T), MmBackward's (dx, dW^T)
        without b."""
        gx, gw = grads[0], grads[1]
        gwt = None if gw is None else gw.T
        return (gx, gwt) if len(grads) == 2 else (grads[2], gx, gwt)

    def from_pytorch_grad_inputs(self, grads: tuple) -> tuple:
        """The inverse of pytorch_grad_inputs: a hook's replacement in this node's order."""
        if len(self.parents) == 2:
            gx, gwt = grads
            return gx, None if gwt is None else gwt.T
        gb, gx, gwt = grads
        return gx, None if gwt is None else gwt.T, gb

    def jvp(self, tx, tw, tb=None):
        """Bilinear in (x, W) plus b: t_y = t_x W^T + x t_W^T + t_b."""
        x, w = self.parents[0], self.parents[1]
        return sum_tangents(Affine.apply(tx, w) if tx is not None else None,
                            Affine.apply(x, tw) if tw is not None else None, tb)


@names_errors("dropout")
def dropout(input: Any, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False, *, generator: Any = None) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the rest by
    1 / (1 - p), so the expectation is unchanged and eval needs no rescaling.
    Identity when not training or p = 0. The mask comes from `generator` (our addition
    to PyTorch's signature), else `tg.default_generator`. `inplace` is accepted as PyTorch's
    flag of the same name and the result is returned out of place, as the activations do."""
    p = probability("dropout", p)
    x = as_tensor(input)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    draws = random(x.shape, generator, "dropout")
    mask = (draws >= p).astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)


def additive_mask(op: str, mask: Any, dtype: np.dtype, true_means: str) -> Tensor | None:
    """A mask as a float Tensor to add to the scores: float masks as given, boolean ones as
    -inf where the position is excluded (`true_means` "masked": True excludes; "attend":
    False excludes)."""
    if mask is None:
        return None
    m = mask._data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype == np.bool_:
        excluded = m if true_means == "masked" else ~m
        return Tensor(np.where(excluded, -np.inf, 0.0).astype(dtype))
    if m.dtype.kind != "f":
        raise DTypeError(f"{op}: a mask must be boolean or floating, got dtype {m.dtype}")
    return mask if isinstance(mask, Tensor) else Tensor(m.astype(dtype, copy=False))


def scaled_dot_product_attention(query: Any, key: Any, value: Any, attn_mask: Any = None,
                                 dropout_p: float = 0.0, is_causal: bool = False,
                                 scale: float | None = None, enable_gqa: bool = False
                                 ) -> Tensor:
    """A = softmax(Q K^T scale + M), out = A V for queries Q (..., L, E), keys K (..., S, E)
    and values V (..., S, Ev), scale 1 / sqrt(E) by default. The mask M is added: a float
    mask as it is, a boolean one as 0 where True (attend) and -inf where False (PyTorch's
    convention here); is_causal masks every key after its query (then attn_mask must be
    None); dropout_p drops attention weights (always, as PyTorch's function: pass 0 in
    eval). A row with every key masked gives NaN, as in PyTorch."""
    op = "scaled_dot_product_attention"
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2 or q.shape[-1] != k.shape[-1] \
            or k.shape[-2] != v.shape[-2]:
        raise ShapeError(f"{op}: expected query (..., L, E), key (..., S, E) and value "
                         f"(..., S, Ev), got {q.shape}, {k.shape}, {v.shape}")
    if enable_gqa:
        raise ArgumentError(f"{op}: enable_gqa=True is not supported")
    factor = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = q @ k.transpose(-2, -1) * factor
    if is_causal:
        if attn_mask is not None:
            raise ArgumentError(f"{op}: give attn_mask or is_causal=True, not both")
        length, source = q.shape[-2], k.shape[-2]
        attn_mask = np.tril(np.ones((length, source), dtype=np.bool_))
    mask = additive_mask(op, attn_mask, scores.dtype, "attend")
    if mask is not None:
        scores = scores + mask
    weights = softmax(scores, -1)
    if dropout_p:
        weights = dropout(weights, probability(op, dropout_p), True)
    return weights @ v
