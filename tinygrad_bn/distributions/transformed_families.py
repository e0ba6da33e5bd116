"""Families PyTorch builds as TransformedDistributions, built the same way here (so draws,
cdf and icdf come from the base and the transforms), with PyTorch's closed forms where it
has them (gamma_e = Euler's constant):

    Gumbel(loc, s)        -log(-log u) moved and scaled, u ~ U(tiny, 1 - eps);
                          log p = z - e^z - log s, z = (loc - x) / s; mean loc + s gamma_e,
                          variance (pi s)^2 / 6, H = log s + 1 + gamma_e
    HalfNormal(s)         |X|, X ~ N(0, s^2): log p = N log p + log 2 on x >= 0;
                          mean s sqrt(2/pi), variance s^2 (1 - 2/pi), cdf 2 Phi - 1
    HalfCauchy(s)         |X|, X ~ Cauchy(0, s): mean inf, variance inf
    Pareto(scale, alpha)  scale e^E, E ~ Exp(alpha), on x >= scale; mean alpha scale /
                          (alpha - 1) (alpha clamped to >= 1: inf below), H = log(scale /
                          alpha) + 1 + 1 / alpha
    Weibull(s, k)         s E^(1/k), E ~ Exp(1); mean s Gamma(1 + 1/k), H = gamma_e (1 - 1/k)
                          + log(s / k) + 1
    InverseGamma(a, b)    1 / G, G ~ Gamma(a, b); mean b / (a - 1) (a > 1, else inf),
                          H = a + log b + lgamma(a) - (1 + a) psi(a)
    Kumaraswamy(a, b)     (1 - U^(1/b))^(1/a) on [0, 1]; E X^n = b B(1 + n/a, b),
                          H = (1 - 1/b) + (1 - 1/a)(psi(b + 1) + gamma_e) - log a - log b
    LogisticNormal(loc, s)  stick breaking of N(loc, s^2) (event K + 1 for K normals)
"""

from __future__ import annotations

import math
from typing import Any

from ..creation import as_tensor, full_like, ones_like, zeros_like
from ..dtypes import finfo
from ..method_functions import where
from ..tensor import Tensor
from . import constraints
from .cauchy import Cauchy
from .continuous import Exponential, Normal, Uniform
from .distribution import broadcast_all
from .gamma_family import Gamma
from .transformed import TransformedDistribution
from .transforms_elementwise import AbsTransform, AffineTransform, ExpTransform, PowerTransform
from .transforms_vector import StickBreakingTransform

__all__ = ["Gumbel", "HalfCauchy", "HalfNormal", "InverseGamma", "Kumaraswamy",
           "LogisticNormal", "Pareto", "Weibull"]

EULER = 0.57721566490153286061


def _expand_attrs(dist: TransformedDistribution, names: tuple[str, ...], batch_shape: Any,
                  instance: Any) -> Any:
    """An instance for TransformedDistribution.expand with `names` expanded to the batch."""
    new, shape = dist._new_expanded(batch_shape, instance)
    for name in names:
        setattr(new, name, getattr(dist, name).expand(tuple(shape)))
    return new


class Gumbel(TransformedDistribution):
    """The Gumbel (type I extreme value) distribution of location loc and scale."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all("Gumbel", loc, scale)
        info = finfo(self.loc.dtype)
        if isinstance(loc, Tensor) or isinstance(scale, Tensor):
            base = Uniform(full_like(self.loc, info.tiny), full_like(self.loc, 1 - info.eps),
                           validate_args=validate_args)
        else:
            base = Uniform(info.tiny, 1 - info.eps, validate_args=validate_args)
        transforms = [ExpTransform().inv, AffineTransform(0, -ones_like(self.scale)),
                      ExpTransform().inv, AffineTransform(self.loc, -self.scale)]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gumbel:
        new = _expand_attrs(self, ("loc", "scale"), batch_shape, _instance)
        return super().expand(batch_shape, new)  # type: ignore[return-value]

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        z = (self.loc - value) / self.scale
        return z - z.exp() - self.scale.log()

    @property
    def mean(self) -> Tensor:
        return self.loc + self.scale * EULER

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def stddev(self) -> Tensor:
        return (math.pi / math.sqrt(6)) * self.scale

    @property
    def variance(self) -> Tensor:
        return self.stddev ** 2

    def entropy(self) -> Tensor:
        return self.scale.log() + (1 + EULER)


class _Folded(TransformedDistribution):
    """|X| for X symmetric about 0 with scale `scale` (HalfNormal, HalfCauchy): twice the
    base's density on x >= 0."""

    arg_constraints = {"scale": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    @property
    def scale(self) -> Tensor:
        return self.base_dist.scale

    @property
    def mode(self) -> Tensor:
        return zeros_like(self.scale)

    def log_prob(self, value: Tensor) -> Tensor:
        value = as_tensor(self._checked(value), dtype=self.scale.dtype)
        inside = self.base_dist.log_prob(value) + math.log(2)
        return where(value >= 0, inside, -math.inf)

    def cdf(self, value: Tensor) -> Tensor:
        return 2 * self.base_dist.cdf(self._checked(value)) - 1

    def icdf(self, value: Tensor) -> Tensor:
        return self.base_dist.icdf((value + 1) / 2)

    def entropy(self) -> Tensor:
        return self.base_dist.entropy() - math.log(2)


class HalfNormal(_Folded):
    """|X| for X ~ Normal(0, scale)."""

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__(Normal(0, scale, validate_args=False), AbsTransform(),
                         validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def variance(self) -> Tensor:
        return self.scale ** 2 * (1 - 2 / math.pi)


class HalfCauchy(_Folded):
    """|X| for X ~ Cauchy(0, scale)."""

    def __init__(self, scale: Any, validate_args: bool | None = None) -> None:
        super().__init__(Cauchy(0, scale, validate_args=False), AbsTransform(),
                         validate_args=validate_args)

    @property
    def mean(self) -> Tensor:
        return full_like(self.scale, math.inf).expand(tuple(self._extended_shape()))

    @property
    def variance(self) -> Tensor:
        return self.base_dist.variance


class Pareto(TransformedDistribution):
    """The Pareto (type I) distribution on [scale, inf) with tail index alpha."""

    arg_constraints = {"alpha": constraints.positive, "scale": constraints.positive}

    def __init__(self, scale: Any, alpha: Any, validate_args: bool | None = None) -> None:
        self.scale, self.alpha = broadcast_all("Pareto", scale, alpha)
        # the base unchecked: Pareto's own check names its parameters
        super().__init__(Exponential(self.alpha, validate_args=False),
                         [ExpTransform(), AffineTransform(0, self.scale)],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Pareto:
        new = _expand_attrs(self, ("scale", "alpha"), batch_shape, _instance)
        return super().expand(batch_shape, new)  # type: ignore[return-value]

    @property
    def support(self) -> constraints.Constraint:  # type: ignore[override]
        return constraints.greater_than_eq(self.scale)

    @property
    def mean(self) -> Tensor:
        a = self.alpha.clamp(min=1)
        return a * self.scale / (a - 1)

    @property
    def mode(self) -> Tensor:
        return self.scale

    @property
    def variance(self) -> Tensor:
        a = self.alpha.clamp(min=2)
        return self.scale ** 2 * a / ((a - 1) ** 2 * (a - 2))

    def entropy(self) -> Tensor:
        return (self.scale / self.alpha).log() + (1 + self.alpha.reciprocal())


class Weibull(TransformedDistribution):
    """The Weibull distribution of scale `scale` and shape `concentration`."""

    arg_constraints = {"scale": constraints.positive, "concentration": constraints.positive}
    support = constraints.positive

    def __init__(self, scale: Any, concentration: Any,
                 validate_args: bool | None = None) -> None:
        self.scale, self.concentration = broadcast_all("Weibull", scale, concentration)
        self.concentration_reciprocal = self.concentration.reciprocal()
        super().__init__(Exponential(ones_like(self.scale), validate_args=validate_args),
                         self._transforms(), validate_args=validate_args)

    def _transforms(self) -> list:
        return [PowerTransform(self.concentration_reciprocal), AffineTransform(0, self.scale)]

    def expand(self, batch_shape: Any, _instance: Any = None) -> Weibull:
        new = _expand_attrs(self, ("scale", "concentration"), batch_shape, _instance)
        new.concentration_reciprocal = new.concentration.reciprocal()
        new = super().expand(batch_shape, new)
        new.transforms = new._transforms()
        return new  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        return self.scale * (1 + self.concentration_reciprocal).lgamma().exp()

    @property
    def mode(self) -> Tensor:
        k = self.concentration
        return self.scale * ((k - 1) / k) ** k.reciprocal()

    @property
    def variance(self) -> Tensor:
        r = self.concentration_reciprocal
        return self.scale ** 2 * ((1 + 2 * r).lgamma().exp() - (2 * (1 + r).lgamma()).exp())

    def entropy(self) -> Tensor:
        r = self.concentration_reciprocal
        return EULER * (1 - r) + (self.scale * r).log() + 1


class InverseGamma(TransformedDistribution):
    """1 / G for G ~ Gamma(concentration, rate)."""

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive
    has_rsample = True

    def __init__(self, concentration: Any, rate: Any,
                 validate_args: bool | None = None) -> None:
        base = Gamma(concentration, rate, validate_args=False)  # checked as InverseGamma's
        super().__init__(base, PowerTransform(-base.rate.new_ones(())),
                         validate_args=validate_args)

    @property
    def concentration(self) -> Tensor:
        return self.base_dist.concentration

    @property
    def rate(self) -> Tensor:
        return self.base_dist.rate

    @property
    def mean(self) -> Tensor:
        a = self.concentration
        return where(a > 1, self.rate / (a - 1), math.inf)

    @property
    def mode(self) -> Tensor:
        return self.rate / (self.concentration + 1)

    @property
    def variance(self) -> Tensor:
        a = self.concentration
        return where(a > 2, self.rate ** 2 / ((a - 1) ** 2 * (a - 2)), math.inf)

    def entropy(self) -> Tensor:
        a = self.concentration
        return a + self.rate.log() + a.lgamma() - (1 + a) * a.digamma()


def _kumaraswamy_moment(a: Tensor, b: Tensor, n: int) -> Tensor:
    """E X^n = b B(1 + n / a, b)."""
    first = 1 + n / a
    return b * (first.lgamma() + b.lgamma() - (first + b).lgamma()).exp()


class Kumaraswamy(TransformedDistribution):
    """The Kumaraswamy distribution on [0, 1]: density a b x^(a-1) (1 - x^a)^(b-1), a =
    concentration1, b = concentration0."""

    arg_constraints = {"concentration1": constraints.positive,
                       "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any,
                 validate_args: bool | None = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(
            "Kumaraswamy", concentration1, concentration0)
        base = Uniform(full_like(self.concentration0, 0), full_like(self.concentration0, 1))
        transforms = [PowerTransform(self.concentration0.reciprocal()),
                      AffineTransform(1.0, -1.0),
                      PowerTransform(self.concentration1.reciprocal())]
        super().__init__(base, transforms, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Kumaraswamy:
        new = _expand_attrs(self, ("concentration1", "concentration0"), batch_shape, _instance)
        return super().expand(batch_shape, new)  # type: ignore[return-value]

    @property
    def mean(self) -> Tensor:
        return _kumaraswamy_moment(self.concentration1, self.concentration0, 1)

    @property
    def mode(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        log_mode = b.reciprocal() * (-b).log1p() - (-b * a).log1p()
        return where((b < 1) | (a < 1), math.nan, log_mode).exp()

    @property
    def variance(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        return _kumaraswamy_moment(a, b, 2) - self.mean ** 2

    def entropy(self) -> Tensor:
        a, b = self.concentration1, self.concentration0
        t1, t0 = 1 - a.reciprocal(), 1 - b.reciprocal()
        return t0 + t1 * ((b + 1).digamma() + EULER) - a.log() - b.log()


class LogisticNormal(TransformedDistribution):
    """Stick breaking of Normal(loc, scale) draws: a distribution on the simplex whose
    event has one entry more than loc's last axis."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base = Normal(loc, scale, validate_args=validate_args)
        if not base.batch_shape:
            base = base.expand((1,))
        super().__init__(base, StickBreakingTransform(), validate_args=validate_args)

    @property
    def loc(self) -> Tensor:
        return self.base_dist.base_dist.loc

    @property
    def scale(self) -> Tensor:
        return self.base_dist.base_dist.scale
