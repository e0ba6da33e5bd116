"""Count families (PyTorch's formulas, parameters and normalization).

    Poisson(rate)                  log p(k) = k log rate - rate - log k!
    Binomial(total_count, probs | logits)
                                   log p(k) = k l - n softplus(l) + log C(n, k), l the logits
    Geometric(probs | logits)      failures before the first success:
                                   log p(k) = k log(1 - p) + log p

log k! and log C(n, k) come from Lanczos' series for log Gamma. Draws come from the
default generator and carry no graph: none of these has rsample.
"""

from __future__ import annotations

import math
from numbers import Number
from typing import Any

from ..creation import arange, rand
from ..dtypes import finfo
from ..errors import ArgumentError, UnsupportedError
from ..method_functions import where
from ..sampling import poisson
from ..tensor import Tensor
from . import constraints
from .discrete import _BinaryParam, _one_of, _softplus
from .distribution import broadcast_all
from .exp_family import ExponentialFamily

__all__ = ["Binomial", "Geometric", "Poisson"]

# Lanczos' approximation of the gamma function (g = 7, nine terms; relative error ~1e-15)
_LANCZOS_G = 7.0
_LANCZOS = (0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
            -176.61502916214059, 12.507343278686905, -0.13857109526572012,
            9.9843695780195716e-6, 1.5056327351493116e-7)


def _lgamma(x: Tensor) -> Tensor:
    """log Gamma(x) for x >= 1/2 by Lanczos' series (NaN below, where the series does
    not hold): log Gamma(x) = log sqrt(2 pi) + (x - 1/2) log t - t + log A(x - 1),
    t = x + g - 1/2. Differentiable, so d/dx is digamma to the same accuracy."""
    safe = where(x >= 0.5, x, 1.0)
    z = safe - 1
    series = _LANCZOS[0] + sum(c / (z + i) for i, c in enumerate(_LANCZOS[1:], start=1))
    t = z + _LANCZOS_G + 0.5
    out = 0.5 * math.log(2 * math.pi) + (z + 0.5) * t.log() - t + series.log()
    return where(x >= 0.5, out, math.nan)


class Poisson(ExponentialFamily):
    """Counts k = 0, 1, 2, ... with mean rate: p(k) = rate^k e^-rate / k!."""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all("Poisson", rate)
        batch_shape = () if isinstance(rate, Number) else tuple(self.rate.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        new, shape = self._new_expanded(batch_shape, _instance)
        new.rate = self.rate.expand(tuple(shape))
        return self._finish_expanded(new, shape)

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        # drawn flat: tg.poisson of a 0-d tensor fails in tinygrad_bn/sampling.py
        return poisson(self.rate.detach().expand(tuple(shape)).reshape(-1)).reshape(tuple(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        rate, value = broadcast_all("Poisson.log_prob", self.rate, value)
        return value.xlogy(rate) - rate - _lgamma(value + 1)

    # the exponential-family form (exp_family.py): natural parameters, log normalizer
    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.rate.log(),)

    def _log_normalizer(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return x.exp()


class Binomial(_BinaryParam):
    """Successes in total_count independent trials of probability probs (or sigmoid(logits))."""

    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count: Any = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of("Binomial", probs, logits)
        if probs is not None:
            self.total_count, self.probs = broadcast_all("Binomial", total_count, probs)
            self._param = self.probs
        else:
            self.total_count, self.logits = broadcast_all("Binomial", total_count, logits)
            self._param = self.logits
        self.total_count = self.total_count.type_as(self._param)
        super().__init__(tuple(self._param.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Binomial:
        return self._expand_binary(batch_shape, _instance, ("total_count",))

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """The number of n_max uniform draws below probs, counting only the first
        total_count (n_max the largest total_count): O(n_max) draws per element."""
        shape = self._extended_shape(sample_shape)
        n = self.total_count.detach().expand(tuple(shape)).unsqueeze(-1)
        p = self.probs.detach().expand(tuple(shape)).unsqueeze(-1)
        n_max = int(self.total_count.max().item()) if self.total_count.numel() else 0
        trials = arange(n_max, dtype=p.dtype)
        hits = (rand(tuple(shape) + (n_max,), dtype=p.dtype) < p) & (trials < n)
        return hits.to(p.dtype).sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        n, logits = self.total_count, self.logits
        log_choose = _lgamma(n + 1) - _lgamma(value + 1) - _lgamma(n - value + 1)
        return value * logits - n * _softplus(logits) + log_choose

    def _homogeneous_count(self, what: str) -> int:
        top = int(self.total_count.max().item())
        if int(self.total_count.min().item()) != top:
            raise UnsupportedError(f"Binomial.{what}: inhomogeneous total_count is not "
                                   "supported (as PyTorch)")
        return top

    def entropy(self) -> Tensor:
        self._homogeneous_count("entropy")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(log_prob.exp() * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        top = self._homogeneous_count("enumerate_support")
        values = arange(top + 1, dtype=self._param.dtype)
        values = values.reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand(top + 1, *self.batch_shape) if expand else values


class Geometric(_BinaryParam):
    """The number of failures before the first success in trials of probability probs."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of("Geometric", probs, logits)
        param = probs if probs is not None else logits
        if probs is not None:
            (self.probs,) = broadcast_all("Geometric", probs)
            self._param = self.probs
        else:
            (self.logits,) = broadcast_all("Geometric", logits)
            self._param = self.logits
        batch_shape = () if isinstance(param, Number) else tuple(self._param.shape)
        super().__init__(batch_shape, validate_args=validate_args)
        if self._validate_args and probs is not None and not bool((self.probs > 0).all()):
            raise ArgumentError(f"Geometric: expected parameter probs to be positive, but found "
                                f"invalid values: {self.probs.detach().tolist()}")

    def expand(self, batch_shape: Any, _instance: Any = None) -> Geometric:
        return self._expand_binary(batch_shape, _instance)

    @property
    def mean(self) -> Tensor:
        return 1.0 / self.probs - 1.0

    @property
    def mode(self) -> Tensor:
        return self.probs * 0

    @property
    def variance(self) -> Tensor:
        return (1.0 / self.probs - 1.0) / self.probs

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """floor(log u / log(1 - p)), u ~ U(tiny, 1): the inverse cdf at a uniform draw."""
        shape = self._extended_shape(sample_shape)
        p = self.probs.detach()
        u = rand(shape, dtype=p.dtype).clamp(min=finfo(p.dtype).tiny)
        return (u.log() / (-p).log1p()).floor()

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        value, probs = broadcast_all("Geometric.log_prob", value, self.probs)
        # p = 1 puts all mass on k = 0: 0 * log(0) there is 0, not NaN
        probs = where((probs == 1) & (value == 0), 0.0, probs)
        return value * (-probs).log1p() + self.probs.log()

    def entropy(self) -> Tensor:
        return (_softplus(self.logits) - self.logits * self.probs) / self.probs
