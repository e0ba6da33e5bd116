"""Transforms of vectors and matrices, and the joins of transforms (PyTorch's names and
formulas):

    SoftmaxTransform        y = softmax(x) onto the simplex (not bijective; inv = log y)
    StickBreakingTransform  R^(K-1) -> simplex of K: z_i = sigmoid(x_i - log(K - 1 - i)),
                            y_i = z_i prod_{j<i} (1 - z_j), y_K the rest;
                            log|J| = sum_i (-x'_i + log sigmoid(x'_i) + log y_i),
                            x'_i = x_i - log(K - 1 - i)
    LowerCholeskyTransform  square matrices -> lower Cholesky factors: strictly-lower part
                            kept, diagonal exponentiated
    PositiveDefiniteTransform  L L^T for L the lower Cholesky transform of x
    CorrCholeskyTransform   R^(D(D-1)/2) -> Cholesky factors of D x D correlation matrices:
                            r = tanh x laid row by row below the diagonal, each row's
                            entries scaled by the stick left, sqrt(1 - sum of the squares
                            before), the diagonal the last remainder;
                            log|J| = sum 0.5 log(1 - cumsum(y^2)) (below the first
                            subdiagonal) + sum log(1 - tanh^2 x)
    CatTransform(ts, dim, lengths)  ts[i] on the i-th slice along dim
    StackTransform(ts, dim)         ts[i] on the i-th index along dim
    CumulativeDistributionTransform(d)  y = d.cdf(x) onto [0, 1], log|J| = d.log_prob(x)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..creation import arange
from ..errors import ArgumentError, ArgumentTypeError, AxisError, ShapeError
from ..linalg import cholesky
from ..nn import functional as F
from ..tensor import Tensor, concatenate, stack
from . import constraints
from .distribution import Distribution, sum_rightmost
from .transform_base import Transform
from .transforms_elementwise import clipped_sigmoid

__all__ = [
    "CatTransform", "CorrCholeskyTransform", "CumulativeDistributionTransform",
    "LowerCholeskyTransform", "PositiveDefiniteTransform", "SoftmaxTransform",
    "StackTransform", "StickBreakingTransform",
]


def _strict_lower_positions(n: int, below: int) -> np.ndarray:
    """Flat (row * n + col) positions of the entries with col <= row - below, row by row."""
    rows, cols = np.nonzero(np.arange(n)[None, :] <= np.arange(n)[:, None] - below)
    return rows * n + cols


def _matrix_size(op: str, length: int) -> int:
    """D with D (D - 1) / 2 = length, or ShapeError."""
    d = round((0.25 + 2 * length) ** 0.5 + 0.5)
    if d * (d - 1) // 2 != length:
        raise ShapeError(f"{op}: a vector of {length} entries is not the strictly-lower "
                         "triangle of a square matrix (needs D (D - 1) / 2 entries)")
    return d


def vec_to_tril_matrix(vec: Tensor) -> Tensor:
    """The D x D matrix whose strictly-lower entries are vec's, row by row, the rest 0
    (differentiable: a gather from vec with a zero appended)."""
    d = _matrix_size("CorrCholeskyTransform", vec.shape[-1])
    positions = _strict_lower_positions(d, 1)
    index = np.full(d * d, vec.shape[-1])
    index[positions] = np.arange(len(positions))
    padded = concatenate([vec, vec.new_zeros(tuple(vec.shape[:-1]) + (1,))], -1)
    return padded.index_select(-1, Tensor(index)).reshape(tuple(vec.shape[:-1]) + (d, d))


def tril_matrix_to_vec(mat: Tensor, below: int = 1) -> Tensor:
    """The entries of mat with col <= row - below, row by row."""
    n = mat.shape[-1]
    flat = mat.reshape(tuple(mat.shape[:-2]) + (n * n,))
    return flat.index_select(-1, Tensor(_strict_lower_positions(n, below)))


class CorrCholeskyTransform(Transform):
    """Unconstrained vectors of D (D - 1) / 2 entries to Cholesky factors of correlation
    matrices (the LKJ construction; module docstring)."""

    domain = constraints.real_vector
    codomain = constraints.corr_cholesky
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CorrCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        eps = float(np.finfo(x.dtype).eps)
        r = vec_to_tril_matrix(x.tanh().clamp(min=-1 + eps, max=1 - eps))
        stick = (1 - r ** 2).sqrt().cumprod(-1)
        d = r.shape[-1]
        eye = Tensor(np.eye(d, dtype=x.dtype))
        return (r + eye) * F.pad(stick[..., :-1], (1, 0), value=1.0)

    def _inverse(self, y: Tensor) -> Tensor:
        left = 1 - (y * y).cumsum(-1)
        left_before = F.pad(left[..., :-1], (1, 0), value=1.0)
        t = tril_matrix_to_vec(y) / tril_matrix_to_vec(left_before).sqrt()
        return 0.5 * ((t).log1p() - (-t).log1p())

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        left = 1 - (y * y).cumsum(-1)
        stick = 0.5 * tril_matrix_to_vec(left, below=2).log().sum(-1)
        tanh = -2 * (x + F.softplus(-2 * x) - math.log(2.0)).sum(-1)
        return stick + tanh

    def forward_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ShapeError("CorrCholeskyTransform: too few dimensions on input")
        d = _matrix_size("CorrCholeskyTransform", shape[-1])
        return tuple(shape[:-1]) + (d, d)

    def inverse_shape(self, shape: Any) -> Any:
        if len(shape) < 2:
            raise ShapeError("CorrCholeskyTransform: too few dimensions on input")
        if shape[-2] != shape[-1]:
            raise ShapeError(f"CorrCholeskyTransform: input of shape {tuple(shape)} is not "
                             "square")
        d = shape[-1]
        return tuple(shape[:-2]) + (d * (d - 1) // 2,)


class SoftmaxTransform(Transform):
    """y = softmax(x) along the last axis; inv(y) = log y (one of the many preimages)."""

    domain = constraints.real_vector
    codomain = constraints.simplex

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SoftmaxTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        probs = (x - x.max(-1, keepdim=True).values).exp()
        return probs / probs.sum(-1, keepdim=True)

    def _inverse(self, y: Tensor) -> Tensor:
        return y.log()

    def forward_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ShapeError("SoftmaxTransform: too few dimensions on input")
        return shape

    inverse_shape = forward_shape


def _stick_offsets(k: int, dtype: Any) -> Tensor:
    """log(K - 1 - i) for i < K - 1 = k: centres stick breaking at the simplex's middle."""
    return (k - arange(k, dtype=dtype)).log()


class StickBreakingTransform(Transform):
    """R^(K-1) onto the K-simplex by breaking off sigmoid fractions of what is left."""

    domain = constraints.real_vector
    codomain = constraints.simplex
    bijective = True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StickBreakingTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        z = clipped_sigmoid(x - _stick_offsets(x.shape[-1], x.dtype))
        left = (1 - z).cumprod(-1)
        return F.pad(z, (0, 1), value=1.0) * F.pad(left, (1, 0), value=1.0)

    def _inverse(self, y: Tensor) -> Tensor:
        head = y[..., :-1]
        rest = (1 - head.cumsum(-1)).clamp(min=float(np.finfo(y.dtype).tiny))
        return head.log() - rest.log() + _stick_offsets(head.shape[-1], y.dtype)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        shifted = x - _stick_offsets(x.shape[-1], x.dtype)
        return (-shifted + F.logsigmoid(shifted) + y[..., :-1].log()).sum(-1)

    def forward_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ShapeError("StickBreakingTransform: too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] + 1,)

    def inverse_shape(self, shape: Any) -> Any:
        if len(shape) < 1:
            raise ShapeError("StickBreakingTransform: too few dimensions on input")
        return tuple(shape[:-1]) + (shape[-1] - 1,)


def _check_square(op: str, value: Tensor) -> None:
    if value.ndim < 2 or value.shape[-1] != value.shape[-2]:
        raise ShapeError(f"{op}: expected a square matrix or a batch of them, got shape "
                         f"{tuple(value.shape)}")


class LowerCholeskyTransform(Transform):
    """Square matrices to lower triangular ones with a positive diagonal: the strictly
    lower part kept, the diagonal exponentiated (the upper part dropped)."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.lower_cholesky

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LowerCholeskyTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        _check_square("LowerCholeskyTransform", x)
        return x.tril(-1) + x.diagonal(0, -2, -1).exp().diag_embed()

    def _inverse(self, y: Tensor) -> Tensor:
        _check_square("LowerCholeskyTransform.inv", y)
        return y.tril(-1) + y.diagonal(0, -2, -1).log().diag_embed()


class PositiveDefiniteTransform(Transform):
    """Square matrices to positive definite ones: L L^T, L the lower Cholesky transform."""

    domain = constraints.independent(constraints.real, 2)
    codomain = constraints.positive_definite

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PositiveDefiniteTransform)

    __hash__ = object.__hash__

    def _call(self, x: Tensor) -> Tensor:
        factor = LowerCholeskyTransform()(x)
        return factor @ factor.mT

    def _inverse(self, y: Tensor) -> Tensor:
        _check_square("PositiveDefiniteTransform.inv", y)
        return LowerCholeskyTransform().inv(cholesky(y))


def _transforms(op: str, tseq: Any, cache_size: int) -> list[Transform]:
    tseq = list(tseq)
    for t in tseq:
        if not isinstance(t, Transform):
            raise ArgumentTypeError(f"{op}: tseq must hold Transforms, got {type(t).__name__}")
    return [t.with_cache(cache_size) for t in tseq]


def _check_dim(op: str, dim: int, value: Tensor) -> None:
    if not -value.ndim <= dim < value.ndim:
        raise AxisError(f"{op}: dim {dim} is out of range for a value of shape "
                         f"{tuple(value.shape)}")


class CatTransform(Transform):
    """tseq[i] on the i-th slice along dim, of lengths[i] entries (each 1 by default)."""

    def __init__(self, tseq: Any, dim: int = 0, lengths: Any = None,
                 cache_size: int = 0) -> None:
        self.transforms = _transforms("CatTransform", tseq, cache_size)
        super().__init__(cache_size=cache_size)
        self.lengths = [1] * len(self.transforms) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.transforms):
            raise ArgumentError(f"CatTransform: {len(self.lengths)} lengths for "
                             f"{len(self.transforms)} transforms")
        self.dim = dim

    @property
    def event_dim(self) -> int:
        return max(t.event_dim for t in self.transforms)

    @property
    def length(self) -> int:
        return sum(self.lengths)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CatTransform(self.transforms, self.dim, self.lengths, cache_size)

    def _map(self, value: Tensor, inverse: bool) -> Tensor:
        _check_dim("CatTransform", self.dim, value)
        if value.shape[self.dim] != self.length:
            raise ShapeError(f"CatTransform: value of shape {tuple(value.shape)} has "
                             f"{value.shape[self.dim]} entries along dim {self.dim}, the "
                             f"lengths sum to {self.length}")
        parts, start = [], 0
        for t, length in zip(self.transforms, self.lengths):
            piece = value.narrow(self.dim, start, length)
            parts.append(t.inv(piece) if inverse else t(piece))
            start += length
        return concatenate(parts, self.dim)

    def _call(self, x: Tensor) -> Tensor:
        return self._map(x, inverse=False)

    def _inverse(self, y: Tensor) -> Tensor:
        return self._map(y, inverse=True)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        _check_dim("CatTransform", self.dim, x)
        terms, start = [], 0
        for t, length in zip(self.transforms, self.lengths):
            term = t.log_abs_det_jacobian(x.narrow(self.dim, start, length),
                                          y.narrow(self.dim, start, length))
            terms.append(sum_rightmost(term, self.event_dim - t.event_dim))
            start += length
        dim = (self.dim - x.ndim if self.dim >= 0 else self.dim) + self.event_dim
        if dim < 0:  # dim is a batch axis of the Jacobian terms: they join along it
            return concatenate(terms, dim)
        return sum(terms[1:], terms[0])

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.cat([t.domain for t in self.transforms], self.dim, self.lengths)

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.cat([t.codomain for t in self.transforms], self.dim, self.lengths)


class StackTransform(Transform):
    """tseq[i] on the i-th index along dim."""

    def __init__(self, tseq: Any, dim: int = 0, cache_size: int = 0) -> None:
        self.transforms = _transforms("StackTransform", tseq, cache_size)
        super().__init__(cache_size=cache_size)
        self.dim = dim

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return StackTransform(self.transforms, self.dim, cache_size)

    def _slices(self, value: Tensor) -> list[Tensor]:
        _check_dim("StackTransform", self.dim, value)
        if value.shape[self.dim] != len(self.transforms):
            raise ShapeError(f"StackTransform: value of shape {tuple(value.shape)} has "
                             f"{value.shape[self.dim]} entries along dim {self.dim}, expected "
                             f"{len(self.transforms)} (one per transform)")
        return [value.select(self.dim, i) for i in range(value.shape[self.dim])]

    def _call(self, x: Tensor) -> Tensor:
        return stack([t(v) for t, v in zip(self.transforms, self._slices(x))], self.dim)

    def _inverse(self, y: Tensor) -> Tensor:
        return stack([t.inv(v) for t, v in zip(self.transforms, self._slices(y))], self.dim)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        terms = [t.log_abs_det_jacobian(a, b)
                 for t, a, b in zip(self.transforms, self._slices(x), self._slices(y))]
        return stack(terms, self.dim)

    @property
    def bijective(self) -> bool:  # type: ignore[override]
        return all(t.bijective for t in self.transforms)

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.stack([t.domain for t in self.transforms], self.dim)

    @property
    def codomain(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.stack([t.codomain for t in self.transforms], self.dim)


class CumulativeDistributionTransform(Transform):
    """y = distribution.cdf(x): a univariate distribution's support onto [0, 1]."""

    bijective = True
    codomain = constraints.unit_interval
    sign = +1

    def __init__(self, distribution: Distribution, cache_size: int = 0) -> None:
        if not isinstance(distribution, Distribution):
            raise ArgumentTypeError(f"CumulativeDistributionTransform: distribution must be a "
                            f"Distribution, got {type(distribution).__name__}")
        super().__init__(cache_size=cache_size)
        self.distribution = distribution

    @property
    def domain(self) -> constraints.Constraint:  # type: ignore[override]
        return self.distribution.support

    def _call(self, x: Tensor) -> Tensor:
        return self.distribution.cdf(x)

    def _inverse(self, y: Tensor) -> Tensor:
        return self.distribution.icdf(y)

    def log_abs_det_jacobian(self, x: Tensor, y: Tensor) -> Tensor:
        return self.distribution.log_prob(x)

    def with_cache(self, cache_size: int = 1) -> Transform:
        if self._cache_size == cache_size:
            return self
        return CumulativeDistributionTransform(self.distribution, cache_size=cache_size)
