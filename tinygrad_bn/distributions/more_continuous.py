"""ContinuousBernoulli, FisherSnedecor and GeneralizedPareto (PyTorch's formulas):

    ContinuousBernoulli(p | l)  on [0, 1], density C(p) p^x (1 - p)^(1 - x),
                   log C(p) = log |log(1 - p) - log p| - log |1 - 2p| (Taylor series in
                   (p - 1/2)^2 on PyTorch's unstable band lims = (0.499, 0.501), where the
                   closed forms cancel); cdf (p^x (1-p)^(1-x) + p - 1) / (2p - 1); draws
                   through icdf (reparameterized)
    FisherSnedecor(d1, d2)  (G1 / G2), G_i ~ Gamma(d_i / 2, d_i): log p = lgamma((d1+d2)/2)
                   - lgamma(d1/2) - lgamma(d2/2) + d1/2 log(d1/d2) + (d1/2 - 1) log x
                   - (d1+d2)/2 log(1 + d1 x / d2)
    GeneralizedPareto(loc, s, xi)  z = (x - loc) / s; log p = -log s - (1/xi + 1)
                   log(1 + xi z) (xi != 0), -log s - z (xi = 0, |xi| <= 1e-8); icdf
                   loc + s ((1 - u)^-xi - 1) / xi; support [loc, loc - s / xi] for xi < 0
"""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

from ..creation import rand
from ..dtypes import finfo
from ..errors import ArgumentError
from ..method_functions import where
from ..modes import no_grad
from ..nn import functional as F
from ..tensor import Tensor
from . import constraints
from .continuous import _batch_shape, _expand_params
from .discrete import _BinaryParam, _clamp_probs, _one_of
from .distribution import Distribution, broadcast_all
from .exp_family import ExponentialFamily
from .gamma_family import Gamma

__all__ = ["ContinuousBernoulli", "FisherSnedecor", "GeneralizedPareto"]


class ContinuousBernoulli(ExponentialFamily, _BinaryParam):
    """The continuous Bernoulli distribution on [0, 1] (Loaiza-Ganem and Cunningham 2019)."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    _mean_carrier_measure = 0
    has_rsample = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 lims: tuple[float, float] = (0.499, 0.501),
                 validate_args: bool | None = None) -> None:
        _one_of("ContinuousBernoulli", probs, logits)
        if probs is not None:
            (given,) = broadcast_all("ContinuousBernoulli", probs)
            # PyTorch checks the probs given only when validate_args is given (either
            # way), before clamping them into (0, 1)
            if validate_args is not None and not bool(constraints.unit_interval.check(given)
                                                      .all()):
                raise ArgumentError(f"ContinuousBernoulli: the parameter probs has invalid "
                                    f"values: {given.detach().tolist()}")
            self.probs = _clamp_probs(given)
            param, self._param = probs, self.probs
        else:
            (self.logits,) = broadcast_all("ContinuousBernoulli", logits)
            param, self._param = logits, self.logits
        self._lims = lims
        batch_shape = () if isinstance(param, Number) else tuple(self._param.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ContinuousBernoulli:
        new = self._expand_binary(batch_shape, _instance)
        new._lims = self._lims
        return new

    @property
    def probs(self) -> Tensor:  # type: ignore[override]
        if "probs" not in self.__dict__:
            self.__dict__["probs"] = _clamp_probs(self.logits.sigmoid())
        return self.__dict__["probs"]

    @probs.setter
    def probs(self, value: Tensor) -> None:
        self.__dict__["probs"] = value

    def _outside_unstable_region(self) -> Tensor:
        return (self.probs <= self._lims[0]) | (self.probs > self._lims[1])

    def _cut_probs(self) -> Tensor:
        return where(self._outside_unstable_region(), self.probs, self._lims[0])

    def _cont_bern_log_norm(self) -> Tensor:
        cut = self._cut_probs()
        below = where(cut <= 0.5, cut, 0.0)
        above = where(cut >= 0.5, cut, 1.0)
        log_norm = ((-cut).log1p() - cut.log()).abs().log() \
            - where(cut <= 0.5, (-2.0 * below).log1p(), (2.0 * above - 1.0).log())
        x = (self.probs - 0.5) ** 2
        taylor = math.log(2.0) + (4.0 / 3.0 + 104.0 / 45.0 * x) * x
        return where(self._outside_unstable_region(), log_norm, taylor)

    @property
    def mean(self) -> Tensor:
        cut = self._cut_probs()
        mus = cut / (2.0 * cut - 1.0) + 1.0 / ((-cut).log1p() - cut.log())
        x = self.probs - 0.5
        taylor = 0.5 + (1.0 / 3.0 + 16.0 / 45.0 * x ** 2) * x
        return where(self._outside_unstable_region(), mus, taylor)

    @property
    def variance(self) -> Tensor:
        cut = self._cut_probs()
        exact = cut * (cut - 1.0) / (1.0 - 2.0 * cut) ** 2 \
            + 1.0 / ((-cut).log1p() - cut.log()) ** 2
        x = (self.probs - 0.5) ** 2
        taylor = 1.0 / 12.0 - (1.0 / 15.0 - 128.0 / 945.0 * x) * x
        return where(self._outside_unstable_region(), exact, taylor)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = rand(self._extended_shape(sample_shape), dtype=self.probs.dtype)
        return self.icdf(u)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        logits, value = broadcast_all("ContinuousBernoulli.log_prob", self.logits, value)
        bce = F.binary_cross_entropy_with_logits(logits, value, reduction="none")
        return -bce + self._cont_bern_log_norm()

    def cdf(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        cut = self._cut_probs()
        cdfs = (cut ** value * (1.0 - cut) ** (1.0 - value) + cut - 1.0) / (2.0 * cut - 1.0)
        inside = where(self._outside_unstable_region(), cdfs, value)
        return where(value <= 0.0, 0.0, where(value >= 1.0, 1.0, inside))

    def icdf(self, value: Tensor) -> Tensor:
        cut = self._cut_probs()
        exact = ((-cut + value * (2.0 * cut - 1.0)).log1p() - (-cut).log1p()) \
            / (cut.log() - (-cut).log1p())
        return where(self._outside_unstable_region(), exact, value)

    def entropy(self) -> Tensor:
        log_p0, log_p1 = (-self.probs).log1p(), self.probs.log()
        return self.mean * (log_p0 - log_p1) - self._cont_bern_log_norm() - log_p0

    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.logits,)

    def _log_normalizer(self, x: Tensor) -> Tensor:  # type: ignore[override]
        """log((e^x - 1) / x), its Taylor series x/2 + x^2/24 - x^4/2880 near 0."""
        outside = (x <= self._lims[0] - 0.5) | (x > self._lims[1] - 0.5)
        cut = where(outside, x, self._lims[0] - 0.5)
        log_norm = cut.expm1().abs().log() - cut.abs().log()
        taylor = 0.5 * x + x ** 2 / 24.0 - x ** 4 / 2880.0
        return where(outside, log_norm, taylor)


class FisherSnedecor(Distribution):
    """Snedecor's F distribution with df1 and df2 degrees of freedom."""

    arg_constraints = {"df1": constraints.positive, "df2": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, df1: Any, df2: Any, validate_args: bool | None = None) -> None:
        self.df1, self.df2 = broadcast_all("FisherSnedecor", df1, df2)
        self._gamma1 = Gamma(self.df1 * 0.5, self.df1, validate_args=False)
        self._gamma2 = Gamma(self.df2 * 0.5, self.df2, validate_args=False)
        super().__init__(_batch_shape((df1, df2), (self.df1,)), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> FisherSnedecor:
        new = _expand_params(self, ("df1", "df2"), batch_shape, _instance)
        new._gamma1 = self._gamma1.expand(new.batch_shape)
        new._gamma2 = self._gamma2.expand(new.batch_shape)
        return new  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        df2 = self.df2
        return where(df2 > 2, df2 / (df2 - 2), math.nan)

    @property
    def mode(self) -> Tensor:
        d1, d2 = self.df1, self.df2
        return where(d1 > 2, (d1 - 2) / d1 * d2 / (d2 + 2), math.nan)

    @property
    def variance(self) -> Tensor:
        d1, d2 = self.df1, self.df2
        finite = 2 * d2 ** 2 * (d1 + d2 - 2) / (d1 * (d2 - 2) ** 2 * (d2 - 4))
        return where(d2 > 4, finite, math.nan)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        tiny = finfo(self.df1.dtype).tiny
        x1 = self._gamma1.rsample(sample_shape).reshape(shape)
        x2 = self._gamma2.rsample(sample_shape).reshape(shape)
        return (x1 / x2.clamp(min=tiny)).clamp(min=tiny)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        h1, h2 = self.df1 * 0.5, self.df2 * 0.5
        ratio = self.df1 / self.df2
        t1 = (h1 + h2).lgamma() - h1.lgamma() - h2.lgamma()
        t2 = h1 * ratio.log() + (h1 - 1) * value.log()
        return t1 + t2 - (h1 + h2) * (ratio * value).log1p()


class GeneralizedPareto(Distribution):
    """The generalized Pareto distribution of location loc, scale and shape concentration."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive,
                       "concentration": constraints.real}
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, concentration: Any,
                 validate_args: bool | None = None) -> None:
        self.loc, self.scale, self.concentration = broadcast_all(
            "GeneralizedPareto", loc, scale, concentration)
        super().__init__(_batch_shape((loc, scale, concentration), (self.loc,)),
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return _expand_params(self, ("loc", "scale", "concentration"), batch_shape, _instance)

    def _safe_concentration(self) -> tuple[Tensor, Tensor]:
        """(xi == 0 to PyTorch's isclose tolerance, xi with 1 there)."""
        zero = self.concentration.abs() <= 1e-8
        return zero, where(zero, 1.0, self.concentration)

    def _z(self, value: Tensor) -> Tensor:
        return (value - self.loc) / self.scale

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        return self.icdf(rand(self._extended_shape(sample_shape), dtype=self.loc.dtype))

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        z = self._z(value)
        zero, xi = self._safe_concentration()
        y = 1 / xi + 1
        nonzero = where(y == 0, y, y * (xi * z).log1p())
        return -self.scale.log() - where(zero, z, nonzero)

    def log_survival_function(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        z = self._z(value)
        zero, xi = self._safe_concentration()
        return where(zero, -z, -(xi * z).log1p() / xi)

    def log_cdf(self, value: Tensor) -> Tensor:
        return (-self.log_survival_function(value).exp()).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        return self.log_cdf(value).exp()

    def icdf(self, value: Tensor) -> Tensor:
        zero, xi = self._safe_concentration()
        log_u = (-value).log1p()
        return where(zero, self.loc - self.scale * log_u,
                     self.loc + self.scale / xi * (-xi * log_u).expm1())

    @property
    def mean(self) -> Tensor:
        valid = self.concentration < 1
        xi = where(valid, self.concentration, 0.5)
        return where(valid, self.loc + self.scale / (1 - xi), math.nan)

    @property
    def variance(self) -> Tensor:
        valid = self.concentration < 0.5
        xi = where(valid, self.concentration, 0.25)
        return where(valid, self.scale ** 2 / ((1 - xi) ** 2 * (1 - 2 * xi)), math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    def entropy(self) -> Tensor:
        h = self.scale.log() + self.concentration + 1
        return h.expand(tuple(self._batch_shape))

    @property
    def support(self) -> constraints.Constraint:
        upper = where(self.concentration < 0, self.loc - self.scale / self.concentration,
                      math.inf)
        return constraints.interval(self.loc, upper)
