"""Channel-wise and self-normalizing dropout, as functions and Modules, with PyTorch's
names, arguments and defaults:

    dropout1d/2d/3d(x)[n, c, ...] = x[n, c, ...] m[n, c] / (1 - p),  m[n, c] ~ Bernoulli(1 - p)
        (whole channels are zeroed; the layout is (N, C, *spatial) or unbatched (C, *spatial))
    alpha_dropout(x) = a (x m + alpha' (1 - m)) + b,  m ~ Bernoulli(1 - p) per element,
        alpha' = -SELU_SCALE SELU_ALPHA, a = ((1 - p)(1 + p alpha'^2))^(-1/2), b = -a alpha' p
        (keeps zero mean and unit variance of SELU activations)
    feature_alpha_dropout(x): alpha_dropout with one m per channel, m[n, c] (N, C, *spatial)

Each is the identity when not training or p = 0; p = 1 gives zeros. The masks come from
`generator` (our addition to PyTorch's signature), else `tg.default_generator`; the mask is
a constant, so gradients of every order and forward mode follow from the product.
"""

from __future__ import annotations

from typing import Any

from ..errors import ShapeError
from ..tensor import Tensor, as_tensor
from .activations_extra import SELU_ALPHA, SELU_SCALE
from .arguments import probability
from .init import random
from .module import Module

__all__ = ["AlphaDropout", "Dropout1d", "Dropout2d", "Dropout3d", "FeatureAlphaDropout",
           "alpha_dropout", "dropout1d", "dropout2d", "dropout3d", "feature_alpha_dropout"]


def _feature_dropout(op: str, x: Any, p: float, training: bool, spatial: int,
                     generator: Any) -> Tensor:
    """Zero whole channels of x with `spatial` trailing spatial dims, batched or not."""
    p = probability(op, p)
    x = as_tensor(x)
    if x.ndim not in (spatial + 1, spatial + 2):
        raise ShapeError(f"{op}: expected input of shape (N, C, {spatial} spatial dims) or "
                         f"(C, {spatial} spatial dims), i.e. {spatial + 2}-d or "
                         f"{spatial + 1}-d, got shape {x.shape}")
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    # the mask's leading dims: (N, C), or (C,) unbatched; PyTorch's dropout2d reads a 3-d
    # input as (N, C, L) (with a warning), so its mask keeps two dims there too
    kept = 2 if spatial == 2 else x.ndim - spatial
    mask_shape = x.shape[:kept] + (1,) * (x.ndim - kept)
    draws = random(mask_shape, generator, op)
    mask = (draws >= p).astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
    return x * Tensor(mask)


def dropout1d(input: Any, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False, *, generator: Any = None) -> Tensor:
    """Zero each channel of (N, C, L) or (C, L) with probability p, scale the rest by
    1 / (1 - p). `inplace` is accepted; the result is returned out of place."""
    return _feature_dropout("dropout1d", input, p, training, 1, generator)


def dropout2d(input: Any, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False, *, generator: Any = None) -> Tensor:
    """Zero each channel of (N, C, H, W) with probability p, scale the rest by 1 / (1 - p);
    a 3-d input is read as (N, C, L), as PyTorch does."""
    return _feature_dropout("dropout2d", input, p, training, 2, generator)


def dropout3d(input: Any, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False, *, generator: Any = None) -> Tensor:
    """Zero each channel of (N, C, D, H, W) or (C, D, H, W) with probability p, scale the
    rest by 1 / (1 - p)."""
    return _feature_dropout("dropout3d", input, p, training, 3, generator)


def alpha_dropout(input: Any, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False, *, generator: Any = None) -> Tensor:
    """Set each element to SELU's saturation value -SELU_SCALE SELU_ALPHA with probability
    p, then a (.) + b restores zero mean and unit variance (PyTorch's training default is
    False here, as its F.alpha_dropout)."""
    x = as_tensor(input)
    return _alpha_dropout("alpha_dropout", x, p, training, x.shape, generator)


def feature_alpha_dropout(input: Any, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False, *, generator: Any = None) -> Tensor:
    """alpha_dropout of whole channels of (N, C, *spatial) input: one mask entry per
    (sample, channel). Outside training (or with p = 0) any input passes through
    unchanged, as PyTorch's, which checks the rank only when it draws a mask."""
    x = as_tensor(input)
    if not training or probability("feature_alpha_dropout", p) == 0.0:
        return x
    if x.ndim < 2:
        raise ShapeError(f"feature_alpha_dropout: expected input of shape (N, C, ...), got "
                         f"{x.shape}")
    return _alpha_dropout("feature_alpha_dropout", x, p, training,
                          x.shape[:2] + (1,) * (x.ndim - 2), generator)


def _alpha_dropout(op: str, x: Tensor, p: float, training: bool, mask_shape: tuple[int, ...],
                   generator: Any) -> Tensor:
    p = probability(op, p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * 0.0
    saturation = -SELU_SCALE * SELU_ALPHA
    a = ((1.0 - p) * (1.0 + p * saturation ** 2)) ** -0.5
    keep = (random(mask_shape, generator, op) >= p).astype(x.dtype)
    offset = (a * saturation * (1.0 - keep) - a * saturation * p).astype(x.dtype)
    return x * Tensor((a * keep).astype(x.dtype)) + Tensor(offset)


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = probability(type(self).__name__, p)
        self.inplace = inplace  # PyTorch's flag; the result is computed out of place

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout1d(_DropoutNd):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return dropout1d(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return dropout2d(input, self.p, self.training)


class Dropout3d(_DropoutNd):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return dropout3d(input, self.p, self.training)


class AlphaDropout(_DropoutNd):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return alpha_dropout(input, self.p, self.training)


class FeatureAlphaDropout(_DropoutNd):
    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return feature_alpha_dropout(input, self.p, self.training)
