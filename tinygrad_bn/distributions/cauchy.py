"""The Cauchy distribution (PyTorch's `torch.distributions.Cauchy`): the ratio of two
independent standard normals, moved and scaled.

    log p(x) = -log pi - log scale - log(1 + ((x - loc) / scale)^2)
    cdf      = atan((x - loc) / scale) / pi + 1/2,   icdf(q) = loc + scale tan(pi (q - 1/2))
    entropy  = log(4 pi scale);  mean NaN, variance inf (neither exists), mode loc
    draw       loc + scale tan(pi (u - 1/2)), u ~ U[0, 1): reparameterized
"""

from __future__ import annotations

import math
from typing import Any

from ..creation import full, rand
from ..tensor import Tensor
from . import constraints
from .continuous import _batch_shape, _expand_params
from .distribution import Distribution, broadcast_all

__all__ = ["Cauchy"]


class Cauchy(Distribution):
    """The Cauchy (Lorentz) distribution with median loc and half width scale."""

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        self.loc, self.scale = broadcast_all("Cauchy", loc, scale)
        super().__init__(_batch_shape((loc, scale), (self.loc,)), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        return _expand_params(self, ("loc", "scale"), batch_shape, _instance)

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self.loc.dtype)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        u = rand(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + self.scale * (math.pi * (u - 0.5)).tan()

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        return -math.log(math.pi) - self.scale.log() \
            - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        return ((value - self.loc) / self.scale).atan() / math.pi + 0.5

    def icdf(self, value: Tensor) -> Tensor:
        return (math.pi * (value - 0.5)).tan() * self.scale + self.loc

    def entropy(self) -> Tensor:
        return math.log(4 * math.pi) + self.scale.log()
