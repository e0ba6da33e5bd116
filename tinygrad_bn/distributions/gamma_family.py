"""The families built on Gamma draws (PyTorch's formulas and defaults), psi = digamma:

    Gamma(concentration a, rate b)  log p = a log b + (a - 1) log x - b x - lgamma(a), x >= 0
                                    H = a - log b + lgamma(a) + (1 - a) psi(a)
                                    mean a / b, variance a / b^2, mode max(a - 1, 0) / b,
                                    cdf P(a, b x) (special.gammainc)
    Chi2(df)                        Gamma(df / 2, 1 / 2)
    Dirichlet(concentration a)      on the simplex of the last axis (event_shape (k,)):
                                    log p = sum (a_i - 1) log x_i + lgamma(a0) - sum lgamma(a_i)
                                    H = sum lgamma(a_i) - lgamma(a0) - (k - a0) psi(a0)
                                        - sum (a_i - 1) psi(a_i),  a0 = sum a_i
                                    draw g / sum g, g_i ~ Gamma(a_i, 1)
    Beta(concentration1 a, concentration0 b)  the first coordinate of Dirichlet([a, b])
    StudentT(df, loc, scale)        log p = -(df + 1)/2 log(1 + y^2 / df) - log scale
                                        - log(df pi)/2 - lgamma(df/2) + lgamma((df + 1)/2),
                                    y = (x - loc) / scale; draw loc + scale z / sqrt(c / df),
                                    z ~ N(0, 1), c ~ Chi2(df); mean loc (df > 1, else NaN),
                                    variance scale^2 df / (df - 2) (df > 2; inf for
                                    1 < df <= 2; NaN for df <= 1)

Every rsample is reparameterized: the Gamma draws are differentiable in the
concentration by implicit reparameterization (gamma_draws.py), rate, loc and scale enter
by ordinary ops. Beta's and Dirichlet's rsample differentiate the normalized gammas (a
valid reparameterization with the same expected gradient as PyTorch's, which
differentiates each coordinate's Beta marginal instead; one draw's gradient differs).
"""

from __future__ import annotations

import math
from typing import Any

from ..creation import arange, randn
from ..dtypes import finfo
from ..errors import ShapeError
from ..method_functions import where
from ..special import gammainc
from ..tensor import Tensor, as_tensor, stack
from . import constraints
from .continuous import _batch_shape, _expand_params
from .distribution import Distribution, broadcast_all
from .exp_family import ExponentialFamily
from .gamma_draws import standard_gamma

__all__ = ["Beta", "Chi2", "Dirichlet", "Gamma", "StudentT"]


class Gamma(ExponentialFamily):
    """The gamma distribution of shape `concentration` and inverse scale `rate`."""

    _mean_carrier_measure = 0

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(type(self).__name__, concentration, rate)
        super().__init__(_batch_shape((concentration, rate), (self.rate,)),
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return _expand_params(self, ("concentration", "rate"), batch_shape, _instance)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate ** 2

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        draws = standard_gamma(self.concentration, shape, f"{type(self).__name__}.rsample")
        value = draws / self.rate
        # at least the smallest normal number, as PyTorch, by a constant shift: the
        # gradient stays the draw's
        floor = value.detach().clamp(min=finfo(value.dtype).tiny)
        return value + (floor - value.detach())

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(as_tensor(value))
        a, b = self.concentration, self.rate
        return a.xlogy(b) + (a - 1).xlogy(value) - b * value - a.lgamma()

    def cdf(self, value: Tensor) -> Tensor:
        """P(concentration, rate x), the regularized lower incomplete gamma function
        (differentiable in x and rate, not in the concentration, as PyTorch's)."""
        value = self._checked(as_tensor(value))
        return gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()

    # the exponential-family form (exp_family.py): natural parameters, log normalizer
    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:  # type: ignore[override]
        return (x + 1).lgamma() + (x + 1) * (-y.reciprocal()).log()


class Chi2(Gamma):
    """The chi-squared distribution of `df` degrees of freedom: Gamma(df / 2, 1 / 2)."""

    arg_constraints = {"df": constraints.positive}

    def __init__(self, df: Any, validate_args: bool | None = None) -> None:
        (df_tensor,) = broadcast_all("Chi2", df)
        super().__init__(0.5 * df_tensor, 0.5, validate_args=validate_args)

    @property
    def df(self) -> Tensor:
        return self.concentration * 2


class Dirichlet(ExponentialFamily):
    """The Dirichlet distribution on the probability simplex of the last axis of
    `concentration` (its batch: the leading axes)."""

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Any, validate_args: bool | None = None) -> None:
        concentration = as_tensor(concentration)
        if concentration.ndim < 1:
            raise ShapeError(f"Dirichlet: concentration must be at least one-dimensional, "
                             f"got shape {tuple(concentration.shape)}")
        self.concentration = concentration
        shape = tuple(concentration.shape)
        super().__init__(shape[:-1], shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        new, shape = self._new_expanded(batch_shape, _instance)
        new.concentration = self.concentration.expand(*shape, *self._event_shape)
        return self._finish_expanded(new, shape)

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(a - 1)^+ normalized. Where every a_i < 1 the density is unbounded at each
        vertex: PyTorch's answer then is the first vertex (its argmax of a NaN row)."""
        excess = (self.concentration - 1).clamp(min=0)
        interior = excess / excess.sum(-1, keepdim=True)
        first_vertex = (arange(self._event_shape[0]) == 0).astype(interior.dtype)
        return where((self.concentration < 1).all(-1, keepdim=True), first_vertex, interior)

    @property
    def variance(self) -> Tensor:
        a = self.concentration
        a0 = a.sum(-1, keepdim=True)
        return a * (a0 - a) / (a0 ** 2 * (a0 + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        gammas = standard_gamma(self.concentration, shape, f"{type(self).__name__}.rsample")
        return gammas / gammas.sum(-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(as_tensor(value))
        a = self.concentration
        return ((a - 1).xlogy(value)).sum(-1) + a.sum(-1).lgamma() - a.lgamma().sum(-1)

    def entropy(self) -> Tensor:
        a = self.concentration
        k = self._event_shape[0]
        a0 = a.sum(-1)
        return a.lgamma().sum(-1) - a0.lgamma() - (k - a0) * a0.digamma() \
            - ((a - 1.0) * a.digamma()).sum(-1)

    # the exponential-family form (exp_family.py): natural parameters, log normalizer
    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.concentration,)

    def _log_normalizer(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return x.lgamma().sum(-1) - x.sum(-1).lgamma()


class Beta(ExponentialFamily):
    """The beta distribution on [0, 1], density proportional to
    x^(concentration1 - 1) (1 - x)^(concentration0 - 1)."""

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        c1, c0 = broadcast_all("Beta", concentration1, concentration0)
        # Beta checks its own parameters and values (the messages name them)
        self._dirichlet = Dirichlet(stack([c1, c0], -1), validate_args=False)
        super().__init__(_batch_shape((concentration1, concentration0), (c1,)),
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Beta:
        new, shape = self._new_expanded(batch_shape, _instance)
        new._dirichlet = self._dirichlet.expand(shape)
        return self._finish_expanded(new, shape)

    @property
    def concentration1(self) -> Tensor:
        return self._dirichlet.concentration[..., 0]

    @property
    def concentration0(self) -> Tensor:
        return self._dirichlet.concentration[..., 1]

    @property
    def mean(self) -> Tensor:
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def mode(self) -> Tensor:
        return self._dirichlet.mode[..., 0]

    @property
    def variance(self) -> Tensor:
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total ** 2 * (total + 1))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self._dirichlet.rsample(sample_shape)[..., 0]

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(as_tensor(value))
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self) -> Tensor:
        return self._dirichlet.entropy()

    # the exponential-family form (exp_family.py): natural parameters, log normalizer
    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.concentration1, self.concentration0)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:  # type: ignore[override]
        return x.lgamma() + y.lgamma() - (x + y).lgamma()


class StudentT(Distribution):
    """Student's t distribution with `df` degrees of freedom, location loc and scale."""

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0,
                 validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all("StudentT", df, loc, scale)
        self._chi2 = Chi2(self.df, validate_args=False)
        super().__init__(_batch_shape((df, loc, scale), (self.df,)), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> StudentT:
        new = _expand_params(self, ("df", "loc", "scale"), batch_shape, _instance)
        new._chi2 = self._chi2.expand(new.batch_shape)
        return new

    @property
    def mean(self) -> Tensor:
        return where(self.df > 1, self.loc, math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        df = self.df
        finite = self.scale ** 2 * df / (df - 2)
        return where(df > 2, finite, where(df > 1, math.inf, math.nan))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        z = randn(shape, dtype=self.df.dtype)
        chi2 = self._chi2.rsample(sample_shape)
        return self.loc + self.scale * z * (chi2 / self.df).rsqrt()

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(as_tensor(value))
        df = self.df
        y = (value - self.loc) / self.scale
        normalizer = self.scale.log() + 0.5 * df.log() + 0.5 * math.log(math.pi) \
            + (0.5 * df).lgamma() - (0.5 * (df + 1.0)).lgamma()
        return -0.5 * (df + 1.0) * (y ** 2 / df).log1p() - normalizer

    def entropy(self) -> Tensor:
        df = self.df
        half = 0.5 * df
        log_beta = half.lgamma() + math.lgamma(0.5) - (half + 0.5).lgamma()
        return self.scale.log() + (half + 0.5) * ((half + 0.5).digamma() - half.digamma()) \
            + 0.5 * df.log() + log_beta
