"""The multivariate normal (PyTorch's `torch.distributions.MultivariateNormal`), given by
its mean and one of covariance_matrix S, precision_matrix P = S^{-1}, or scale_tril L (S =
L L^T, L lower triangular with a positive diagonal), all on top of tg.linalg's Cholesky
factor and triangular solve, so every result is differentiable in the parameters:

    log p(x) = -(n log(2 pi) + |L^{-1}(x - loc)|^2) / 2 - sum_i log L_ii
    entropy  = n (1 + log(2 pi)) / 2 + sum_i log L_ii
    draw       loc + L eps,  eps ~ N(0, I)
    KL(p||q) = sum log diag L_q - sum log diag L_p
               + (|L_q^{-1} L_p|_F^2 + |L_q^{-1}(loc_q - loc_p)|^2 - n) / 2

From a precision matrix, L comes from the Cholesky factor of P with its rows and columns
reversed (PyTorch's construction): flip(P) = F F^T gives S = L L^T with L = flip(F)^{-T}.
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np

from ..creation import randn
from ..errors import ArgumentError, ShapeError
from ..linalg import cholesky, solve_triangular
from ..tensor import Tensor, as_tensor
from . import constraints
from .distribution import SymmetricAboutLoc, broadcast_shapes

__all__ = ["MultivariateNormal", "one_matrix_parameter", "precision_of_tril", "scale_tril_of"]

_LOG_2PI = math.log(2 * math.pi)


def _solve_lower(l: Tensor, b: Tensor) -> Tensor:
    return solve_triangular(l, b, upper=False)


def _mahalanobis(l: Tensor, diff: Tensor) -> Tensor:
    """|L^{-1} diff|^2 over the last axis, L and diff broadcast over their batches."""
    return (_solve_lower(l, diff.unsqueeze(-1)).squeeze(-1) ** 2).sum(-1)


def _half_log_det(l: Tensor) -> Tensor:
    return l.diagonal(0, -2, -1).log().sum(-1)


def _precision_to_scale_tril(p: Tensor) -> Tensor:
    flipped = cholesky(p.flip((-2, -1)))
    inverse_t = flipped.flip((-2, -1)).mT  # L^{-1}, lower triangular
    eye = Tensor(np.eye(p.shape[-1], dtype=p.dtype))
    return _solve_lower(inverse_t, eye.expand(*inverse_t.shape))


def one_matrix_parameter(name: str, covariance_matrix: Any, precision_matrix: Any,
                         scale_tril: Any) -> tuple[str, Tensor]:
    """(the name, the Tensor) of the one matrix given, checked square, or the error."""
    given = [(k, v) for k, v in (("covariance_matrix", covariance_matrix),
                                 ("precision_matrix", precision_matrix),
                                 ("scale_tril", scale_tril)) if v is not None]
    if len(given) != 1:
        raise ArgumentError(f"{name}: exactly one of covariance_matrix, precision_matrix "
                            f"or scale_tril may be specified, got "
                            f"{[k for k, _ in given] or 'none'}")
    key, matrix = given[0][0], as_tensor(given[0][1])
    if matrix.ndim < 2 or matrix.shape[-1] != matrix.shape[-2]:
        raise ShapeError(f"{name}: {key} must be a square matrix or a batch of them, with "
                         f"optional leading batch dimensions, got shape "
                         f"{tuple(matrix.shape)}")
    return key, matrix


def scale_tril_of(key: str, matrix: Tensor) -> Tensor:
    """The lower Cholesky factor of the covariance given as `key`."""
    if key == "scale_tril":
        return matrix
    if key == "covariance_matrix":
        return cholesky(matrix)
    return _precision_to_scale_tril(matrix)


def precision_of_tril(l: Tensor) -> Tensor:
    """(L L^T)^-1 = L^-T L^-1."""
    inverse = _solve_lower(l, Tensor(np.eye(l.shape[-1], dtype=l.dtype)).expand(*l.shape))
    return inverse.mT @ inverse


class MultivariateNormal(SymmetricAboutLoc):
    """N(loc, S) over vectors of the last axis of loc (event_shape (n,)); the batch is the
    broadcast of loc's leading axes and the matrix's."""

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Any, covariance_matrix: Any = None, precision_matrix: Any = None,
                 scale_tril: Any = None, validate_args: bool | None = None) -> None:
        name = "MultivariateNormal"
        loc = as_tensor(loc)
        if loc.ndim < 1:
            raise ShapeError(f"{name}: loc must be at least one-dimensional, got shape "
                             f"{tuple(loc.shape)}")
        key, matrix = one_matrix_parameter(name, covariance_matrix, precision_matrix,
                                           scale_tril)
        if matrix.shape[-1] != loc.shape[-1]:
            raise ShapeError(f"{name}: loc of shape {tuple(loc.shape)} and {key} of shape "
                             f"{tuple(matrix.shape)} disagree on the event size")
        batch = broadcast_shapes(name, tuple(matrix.shape[:-2]), tuple(loc.shape[:-1]))
        n = loc.shape[-1]
        setattr(self, key, matrix.expand(*batch, n, n))
        self.loc = loc.expand(*batch, n)
        super().__init__(batch, (n,), validate_args=validate_args)
        self._unbroadcasted_scale_tril = scale_tril_of(key, matrix)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        new, shape = self._new_expanded(batch_shape, _instance)
        n = self._event_shape[0]
        new.loc = self.loc.expand(*shape, n)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for key in ("covariance_matrix", "precision_matrix", "scale_tril"):
            if key in self.__dict__:
                setattr(new, key, self.__dict__[key].expand(*shape, n, n))
        return self._finish_expanded(new, shape)

    def _matrix_shape(self) -> tuple[int, ...]:
        return (*self._batch_shape, *self._event_shape, *self._event_shape)

    @cached_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(*self._matrix_shape())

    @cached_property
    def covariance_matrix(self) -> Tensor:
        l = self._unbroadcasted_scale_tril
        return (l @ l.mT).expand(*self._matrix_shape())

    @cached_property
    def precision_matrix(self) -> Tensor:
        return precision_of_tril(self._unbroadcasted_scale_tril).expand(*self._matrix_shape())

    @property
    def variance(self) -> Tensor:
        return (self._unbroadcasted_scale_tril ** 2).sum(-1).expand(*self._batch_shape,
                                                                    *self._event_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        eps = randn(shape, dtype=self.loc.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value: Any) -> Tensor:
        value = self._checked(as_tensor(value))
        m = _mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * _LOG_2PI + m) \
            - _half_log_det(self._unbroadcasted_scale_tril)

    def entropy(self) -> Tensor:
        h = 0.5 * self._event_shape[0] * (1.0 + _LOG_2PI) + \
            _half_log_det(self._unbroadcasted_scale_tril)
        return h.expand(*self._batch_shape) if self._batch_shape else h


def kl_multivariate_normal(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    """KL(p || q) of two multivariate normals of one event size (module docstring)."""
    if p.event_shape != q.event_shape:
        raise ShapeError(f"kl_divergence: MultivariateNormals of different event shapes "
                         f"{tuple(p.event_shape)} and {tuple(q.event_shape)}")
    lp, lq = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    batch = broadcast_shapes("kl_divergence", tuple(lp.shape[:-2]), tuple(lq.shape[:-2]))
    n = p.event_shape[0]
    lq_b, lp_b = lq.expand(*batch, n, n), lp.expand(*batch, n, n)
    trace = (_solve_lower(lq_b, lp_b) ** 2).sum((-2, -1))
    m = _mahalanobis(lq, q.loc - p.loc)
    return _half_log_det(lq) - _half_log_det(lp) + 0.5 * (trace + m - n)
