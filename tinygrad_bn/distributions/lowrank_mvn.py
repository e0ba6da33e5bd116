"""The multivariate normal with a low-rank-plus-diagonal covariance S = W W^T + D
(PyTorch's `torch.distributions.LowRankMultivariateNormal`; W of shape (n, m), D the
positive diagonal cov_diag). Everything goes through the m x m capacitance matrix
K = I + W^T D^-1 W and its Cholesky factor C (Woodbury), never an n x n factorization:

    log det S  = 2 sum log diag C + sum log D
    x^T S^-1 x = sum x^2 / D - |C^-1 W^T D^-1 x|^2
    log p(x)   = -(n log 2 pi + log det S + (x - loc)^T S^-1 (x - loc)) / 2
    entropy    = (n (1 + log 2 pi) + log det S) / 2
    draw         loc + W eps_W + sqrt(D) eps_D
    KL(p || q) = (log det S_q - log det S_p + tr(S_q^-1 S_p)
                  + (loc_q - loc_p)^T S_q^-1 (loc_q - loc_p) - n) / 2, with S_q^-1 =
                 D_q^-1 - A^T A, A = C_q^-1 W_q^T D_q^-1 (also against a full-rank
                 MultivariateNormal on either side)
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any

import numpy as np

from ..creation import as_tensor, randn
from ..errors import ShapeError
from ..linalg import cholesky, solve_triangular
from ..tensor import Tensor
from . import constraints
from .distribution import SymmetricAboutLoc, broadcast_shapes
from .multivariate import MultivariateNormal, _half_log_det, _mahalanobis

__all__ = ["LowRankMultivariateNormal", "kl_lowrank_lowrank", "kl_lowrank_mvn",
           "kl_mvn_lowrank"]

_LOG_2PI = math.log(2 * math.pi)


def _eye(n: int, like: Tensor) -> Tensor:
    return Tensor(np.eye(n, dtype=like.dtype))


def _capacitance_tril(w: Tensor, d: Tensor) -> Tensor:
    """The Cholesky factor of I + W^T D^-1 W."""
    wt_dinv = w.mT / d.unsqueeze(-2)
    return cholesky(wt_dinv @ w + _eye(w.shape[-1], w))


def _lowrank_logdet(d: Tensor, cap_tril: Tensor) -> Tensor:
    return 2 * _half_log_det(cap_tril) + d.log().sum(-1)


def _lowrank_mahalanobis(w: Tensor, d: Tensor, x: Tensor, cap_tril: Tensor) -> Tensor:
    wt_dinv_x = ((w.mT / d.unsqueeze(-2)) @ x.unsqueeze(-1)).squeeze(-1)
    return (x ** 2 / d).sum(-1) - _mahalanobis(cap_tril, wt_dinv_x)


def _trace_xxt(x: Tensor) -> Tensor:
    return (x ** 2).sum((-2, -1))


class LowRankMultivariateNormal(SymmetricAboutLoc):
    """N(loc, cov_factor cov_factor^T + diag(cov_diag)) over the last axis of loc."""

    arg_constraints = {"loc": constraints.real_vector,
                       "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Any, cov_factor: Any, cov_diag: Any,
                 validate_args: bool | None = None) -> None:
        name = "LowRankMultivariateNormal"
        loc, cov_factor, cov_diag = as_tensor(loc), as_tensor(cov_factor), as_tensor(cov_diag)
        if loc.ndim < 1:
            raise ShapeError(f"{name}: loc must be at least one-dimensional, got shape "
                             f"{tuple(loc.shape)}")
        n = loc.shape[-1]
        if cov_factor.ndim < 2 or cov_factor.shape[-2] != n:
            raise ShapeError(f"{name}: cov_factor must be a batch of {n} x m matrices, got "
                             f"shape {tuple(cov_factor.shape)}")
        if cov_diag.ndim < 1 or cov_diag.shape[-1] != n:
            raise ShapeError(f"{name}: cov_diag must be a batch of vectors of shape ({n},), "
                             f"got shape {tuple(cov_diag.shape)}")
        batch = broadcast_shapes(name, tuple(loc.shape[:-1]), tuple(cov_factor.shape[:-2]),
                                 tuple(cov_diag.shape[:-1]))
        m = cov_factor.shape[-1]
        self.loc = loc.expand((*batch, n))
        self.cov_factor = cov_factor.expand((*batch, n, m))
        self.cov_diag = cov_diag.expand((*batch, n))
        self._unbroadcasted_cov_factor = cov_factor
        self._unbroadcasted_cov_diag = cov_diag
        self._capacitance_tril = _capacitance_tril(cov_factor, cov_diag)
        super().__init__(batch, (n,), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LowRankMultivariateNormal:
        new, shape = self._new_expanded(batch_shape, _instance)
        n, m = self._event_shape[0], self.cov_factor.shape[-1]
        new.loc = self.loc.expand((*shape, n))
        new.cov_diag = self.cov_diag.expand((*shape, n))
        new.cov_factor = self.cov_factor.expand((*shape, n, m))
        new._unbroadcasted_cov_factor = self._unbroadcasted_cov_factor
        new._unbroadcasted_cov_diag = self._unbroadcasted_cov_diag
        new._capacitance_tril = self._capacitance_tril
        return self._finish_expanded(new, shape)

    def _matrix_shape(self) -> tuple[int, ...]:
        return (*self._batch_shape, *self._event_shape, *self._event_shape)

    @cached_property
    def variance(self) -> Tensor:  # type: ignore[override]
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return ((w ** 2).sum(-1) + d).expand((*self._batch_shape, *self._event_shape))

    @cached_property
    def scale_tril(self) -> Tensor:
        """sqrt(D) chol(I + D^-1/2 W W^T D^-1/2): the Cholesky factor of S."""
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        root = d.sqrt().unsqueeze(-1)
        scaled = w / root
        factor = root * cholesky(scaled @ scaled.mT + _eye(w.shape[-2], w))
        return factor.expand(self._matrix_shape())

    @cached_property
    def covariance_matrix(self) -> Tensor:
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return (w @ w.mT + d.diag_embed()).expand(self._matrix_shape())

    @cached_property
    def precision_matrix(self) -> Tensor:
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        a = _solve_capacitance(self._capacitance_tril, w.mT / d.unsqueeze(-2))
        return (d.reciprocal().diag_embed() - a.mT @ a).expand(self._matrix_shape())

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        eps_w = randn(shape[:-1] + (self.cov_factor.shape[-1],), dtype=self.loc.dtype)
        eps_d = randn(shape, dtype=self.loc.dtype)
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        return self.loc + (w @ eps_w.unsqueeze(-1)).squeeze(-1) + d.sqrt() * eps_d

    def _logdet(self) -> Tensor:
        return _lowrank_logdet(self._unbroadcasted_cov_diag, self._capacitance_tril)

    def log_prob(self, value: Any) -> Tensor:
        value = self._checked(as_tensor(value))
        m = _lowrank_mahalanobis(self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag,
                                 value - self.loc, self._capacitance_tril)
        return -0.5 * (self._event_shape[0] * _LOG_2PI + self._logdet() + m)

    def entropy(self) -> Tensor:
        h = 0.5 * (self._event_shape[0] * (1.0 + _LOG_2PI) + self._logdet())
        return h.expand(tuple(self._batch_shape)) if self._batch_shape else h


def _solve_capacitance(cap_tril: Tensor, rhs: Tensor) -> Tensor:
    """C^-1 rhs, the two broadcast over their batches."""
    batch = broadcast_shapes("kl_divergence", tuple(cap_tril.shape[:-2]),
                             tuple(rhs.shape[:-2]))
    m = cap_tril.shape[-1]
    return solve_triangular(cap_tril.expand((*batch, m, m)),
                            rhs.expand((*batch, *rhs.shape[-2:])), upper=False)


def _check_events(p: Any, q: Any) -> None:
    if tuple(p.event_shape) != tuple(q.event_shape):
        raise ShapeError(f"kl_divergence: {type(p).__name__} and {type(q).__name__} of "
                         f"different event shapes {tuple(p.event_shape)} and "
                         f"{tuple(q.event_shape)}")


def _q_terms(p: Any, q: LowRankMultivariateNormal) -> tuple[Tensor, Tensor]:
    """q's Mahalanobis term at loc_q - loc_p and A = C_q^-1 W_q^T D_q^-1."""
    wq, dq = q._unbroadcasted_cov_factor, q._unbroadcasted_cov_diag
    mahalanobis = _lowrank_mahalanobis(wq, dq, q.loc - p.loc, q._capacitance_tril)
    return mahalanobis, _solve_capacitance(q._capacitance_tril, wq.mT / dq.unsqueeze(-2))


def kl_lowrank_lowrank(p: LowRankMultivariateNormal, q: LowRankMultivariateNormal) -> Tensor:
    _check_events(p, q)
    mahalanobis, a = _q_terms(p, q)
    wp, dp = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    dq = q._unbroadcasted_cov_diag
    trace = (dp / dq).sum(-1) + _trace_xxt(wp * dq.rsqrt().unsqueeze(-1)) \
        - _trace_xxt(a * dp.sqrt().unsqueeze(-2)) - _trace_xxt(a @ wp)
    return 0.5 * (q._logdet() - p._logdet() + trace + mahalanobis - p.event_shape[0])


def kl_mvn_lowrank(p: MultivariateNormal, q: LowRankMultivariateNormal) -> Tensor:
    _check_events(p, q)
    mahalanobis, a = _q_terms(p, q)
    lp = p._unbroadcasted_scale_tril
    dq = q._unbroadcasted_cov_diag
    trace = _trace_xxt(lp * dq.rsqrt().unsqueeze(-1)) - _trace_xxt(a @ lp)
    logdet = q._logdet() - 2 * _half_log_det(lp)
    return 0.5 * (logdet + trace + mahalanobis - p.event_shape[0])


def kl_lowrank_mvn(p: LowRankMultivariateNormal, q: MultivariateNormal) -> Tensor:
    _check_events(p, q)
    lq = q._unbroadcasted_scale_tril
    wp, dp = p._unbroadcasted_cov_factor, p._unbroadcasted_cov_diag
    n, m = p.event_shape[0], wp.shape[-1]
    batch = broadcast_shapes("kl_divergence", tuple(lq.shape[:-2]), tuple(wp.shape[:-2]),
                             tuple(dp.shape[:-1]))
    lq_b = lq.expand((*batch, n, n))
    trace = _trace_xxt(solve_triangular(lq_b, wp.expand((*batch, n, m)), upper=False)) \
        + _trace_xxt(solve_triangular(lq_b, dp.sqrt().diag_embed().expand((*batch, n, n)),
                                      upper=False))
    logdet = 2 * _half_log_det(lq) - p._logdet()
    return 0.5 * (logdet + trace + _mahalanobis(lq, q.loc - p.loc) - n)
