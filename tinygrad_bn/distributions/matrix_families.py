"""Distributions over matrices (PyTorch's formulas):

    LKJCholesky(dim, eta)  Cholesky factors L of dim x dim correlation matrices with
                  density proportional to det(L L^T)^(eta - 1):
                  log p(L) = sum_{i>=2} (2 (eta - 1) + dim - i) log L_ii - log Z,
                  log Z = (dim - 1)/2 log pi + mvlgamma(a - 1/2, dim - 1)
                          - (dim - 1) lgamma(a),  a = eta + (dim - 1)/2;
                  draws by the onion method (row i: a Beta(i/2, ...) radius times a
                  uniform direction); no rsample
    Wishart(df, S)  positive definite p x p matrices, S = L L^T (given as covariance,
                  precision or scale_tril):
                  log p(X) = -df (p log 2 / 2 + sum log L_ii) - mvlgamma(df/2, p)
                             + (df - p - 1)/2 log det X - tr(S^-1 X) / 2;
                  H = (p + 1)(p log 2 / 2 + sum log L_ii) + mvlgamma(df/2, p)
                      - (df - p - 1)/2 mvdigamma(df/2, p) + df p / 2;
                  mean df S; draws L A A^T L^T (Bartlett: A lower triangular, A_ii^2 ~
                  Chi2(df - i), A_ij ~ N(0, 1)), reparameterized in df and S
"""

from __future__ import annotations

import math
import warnings
from functools import cached_property
from numbers import Number
from typing import Any

from ..creation import arange, as_tensor, randn
from ..dtypes import finfo
from ..errors import ArgumentError
from ..linalg import slogdet, solve_triangular
from ..method_functions import where
from ..modes import no_grad
from ..tensor import Tensor, concatenate
from . import constraints
from .distribution import Distribution, broadcast_all, broadcast_shapes
from .exp_family import ExponentialFamily
from .gamma_family import Beta, Chi2
from .multivariate import one_matrix_parameter, precision_of_tril, scale_tril_of

__all__ = ["LKJCholesky", "Wishart"]

_LOG_2 = math.log(2.0)


class LKJCholesky(Distribution):
    """The LKJ distribution over Cholesky factors of correlation matrices, of dimension
    `dim` and concentration eta (eta = 1: uniform over correlation matrices)."""

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration: Any = 1.0,
                 validate_args: bool | None = None) -> None:
        if not isinstance(dim, int) or isinstance(dim, bool) or dim < 2:
            raise ArgumentError(f"LKJCholesky: expected dim to be an integer >= 2, got "
                                f"dim={dim!r}")
        self.dim = dim
        (self.concentration,) = broadcast_all("LKJCholesky", concentration)
        marginal = self.concentration + 0.5 * (dim - 2)
        offset = arange(dim - 1, dtype=self.concentration.dtype)
        offset = concatenate([offset.new_zeros((1,)), offset])
        self._beta = Beta(offset + 0.5, marginal.unsqueeze(-1) - 0.5 * offset,
                          validate_args=False)
        super().__init__(tuple(self.concentration.shape), (dim, dim),
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LKJCholesky:
        new, shape = self._new_expanded(batch_shape, _instance)
        new.dim = self.dim
        new.concentration = self.concentration.expand(tuple(shape))
        new._beta = self._beta.expand((*shape, self.dim))
        return self._finish_expanded(new, shape)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            normal = randn(tuple(self._extended_shape(sample_shape)), dtype=y.dtype).tril(-1)
            norms = (normal ** 2).sum(-1, keepdim=True).sqrt()
            first_row = (arange(self.dim) == 0).reshape(-1, 1)
            direction = where(first_row, 0.0, normal / where(first_row, 1.0, norms))
            w = y.sqrt() * direction
            diag = (1 - (w ** 2).sum(-1)).clamp(min=finfo(w.dtype).tiny).sqrt()
            return w + diag.diag_embed()

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        diag = value.diagonal(0, -2, -1)[..., 1:]
        order = arange(2, self.dim + 1, dtype=self.concentration.dtype)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = (order * diag.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalizer = 0.5 * dm1 * math.log(math.pi) + (alpha - 0.5).mvlgamma(dm1) \
            - alpha.lgamma() * dm1
        return unnormalized - normalizer


def _mvdigamma(x: Tensor, p: int) -> Tensor:
    """sum_{i<p} psi(x - i/2)."""
    return (x.unsqueeze(-1) - arange(p, dtype=x.dtype) / 2).digamma().sum(-1)


class Wishart(ExponentialFamily):
    """The Wishart distribution of df degrees of freedom and scale matrix S."""

    support = constraints.positive_definite
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:  # type: ignore[override]
        return {"covariance_matrix": constraints.positive_definite,
                "precision_matrix": constraints.positive_definite,
                "scale_tril": constraints.lower_cholesky,
                "df": constraints.greater_than(self._event_shape[-1] - 1)}

    def __init__(self, df: Any, covariance_matrix: Any = None, precision_matrix: Any = None,
                 scale_tril: Any = None, validate_args: bool | None = None) -> None:
        key, param = one_matrix_parameter("Wishart", covariance_matrix, precision_matrix,
                                          scale_tril)
        p = param.shape[-1]
        if isinstance(df, Number):
            batch = tuple(param.shape[:-2])
            self.df = as_tensor(float(df), dtype=param.dtype)
        else:
            df = as_tensor(df)
            batch = tuple(broadcast_shapes("Wishart", tuple(param.shape[:-2]), tuple(df.shape)))
            self.df = df.expand(batch)
        if bool((self.df <= p - 1).any()):
            raise ArgumentError(f"Wishart: df={self.df.detach().tolist()} must be greater "
                                f"than ndim - 1 = {p - 1}")
        setattr(self, key, param.expand((*batch, p, p)))
        if bool((self.df < p).any()):
            warnings.warn("Low df values detected. Singular samples are highly likely to "
                          "occur for ndim - 1 < df < ndim.", stacklevel=2)
        self._event_shape = (p, p)  # arg_constraints reads it during the checks
        super().__init__(batch, (p, p), validate_args=validate_args)
        self._unbroadcasted_scale_tril = scale_tril_of(key, param)
        self._dist_chi2 = self._chi2()

    def _chi2(self) -> Chi2:
        p = self._event_shape[-1]
        offsets = arange(p, dtype=self._unbroadcasted_scale_tril.dtype)
        return Chi2(self.df.unsqueeze(-1) - offsets.expand((*self._batch_shape, p)),
                    validate_args=False)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Wishart:
        new, shape = self._new_expanded(batch_shape, _instance)
        matrix = (*shape, *self._event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril.expand(matrix)
        new.df = self.df.expand(tuple(shape))
        for key in ("covariance_matrix", "precision_matrix", "scale_tril"):
            if key in self.__dict__:
                setattr(new, key, self.__dict__[key].expand(matrix))
        new = self._finish_expanded(new, shape)
        new._dist_chi2 = new._chi2()
        return new

    def _matrix_shape(self) -> tuple[int, ...]:
        return (*self._batch_shape, *self._event_shape)

    @cached_property
    def scale_tril(self) -> Tensor:
        return self._unbroadcasted_scale_tril.expand(self._matrix_shape())

    @cached_property
    def covariance_matrix(self) -> Tensor:
        l = self._unbroadcasted_scale_tril
        return (l @ l.mT).expand(self._matrix_shape())

    @cached_property
    def precision_matrix(self) -> Tensor:
        return precision_of_tril(self._unbroadcasted_scale_tril).expand(self._matrix_shape())

    def _df_matrix(self, df: Tensor | None = None) -> Tensor:
        """df (a number's df broadcast to the batch) with two axes for the matrix."""
        df = self.df if df is None else df
        return df.expand(tuple(self._batch_shape)).reshape(tuple(self._batch_shape) + (1, 1))

    @property
    def mean(self) -> Tensor:
        return self._df_matrix() * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        factor = self.df - self._event_shape[-1] - 1
        factor = where(factor <= 0, math.nan, factor)
        return self._df_matrix(factor) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        v = self.covariance_matrix
        d = v.diagonal(0, -2, -1)
        return self._df_matrix() * (v ** 2 + d.unsqueeze(-1) * d.unsqueeze(-2))

    def _bartlett_sampling(self, sample_shape: Any) -> Tensor:
        p = self._event_shape[-1]
        eps = finfo(self._unbroadcasted_scale_tril.dtype).eps
        diag = self._dist_chi2.rsample(sample_shape).sqrt().clamp(min=eps).diag_embed()
        shape = (*tuple(sample_shape), *self._batch_shape, p, p)
        noise = diag + randn(shape, dtype=diag.dtype).tril(-1)
        chol = self._unbroadcasted_scale_tril @ noise
        return chol @ chol.mT

    def rsample(self, sample_shape: Any = (), max_try_correction: int | None = None) -> Tensor:
        """Bartlett draws; a singular draw (possible for df < p) is drawn again, up to
        max_try_correction (10) times, as PyTorch does."""
        self._extended_shape(sample_shape)
        sample = self._bartlett_sampling(sample_shape)
        tries = 10 if max_try_correction is None else max_try_correction
        singular = ~self.support.check(sample.detach())
        if bool(singular.any()):
            warnings.warn("Singular sample detected.", stacklevel=2)
            for _ in range(tries):
                fresh = self._bartlett_sampling(sample_shape)
                sample = where(singular.unsqueeze(-1).unsqueeze(-1), fresh, sample)
                singular = ~self.support.check(sample.detach())
                if not bool(singular.any()):
                    break
        return sample

    def _log_det_scale(self) -> Tensor:
        return self._unbroadcasted_scale_tril.diagonal(0, -2, -1).log().sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        nu, p = self.df, self._event_shape[-1]
        l = self._unbroadcasted_scale_tril
        batch = broadcast_shapes("Wishart.log_prob", tuple(l.shape[:-2]),
                                 tuple(value.shape[:-2]))
        l_b = l.expand((*batch, p, p))
        half = solve_triangular(l_b, value.expand((*batch, p, p)), upper=False)
        trace = solve_triangular(l_b.mT, half, upper=True).diagonal(0, -2, -1).sum(-1)
        return -nu * (p * _LOG_2 / 2 + self._log_det_scale()) - (nu / 2).mvlgamma(p) \
            + (nu - p - 1) / 2 * slogdet(value).logabsdet - trace / 2

    def entropy(self) -> Tensor:
        nu, p = self.df, self._event_shape[-1]
        return (p + 1) * (p * _LOG_2 / 2 + self._log_det_scale()) + (nu / 2).mvlgamma(p) \
            - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        p = self._event_shape[-1]
        return -self.precision_matrix / 2, (self.df - p - 1) / 2

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:  # type: ignore[override]
        p = self._event_shape[-1]
        return (y + (p + 1) / 2) * (-slogdet(-2 * x).logabsdet + _LOG_2 * p) \
            + (y + (p + 1) / 2).mvlgamma(p)
