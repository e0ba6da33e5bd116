"""Multinomial and NegativeBinomial (PyTorch's formulas, parameters and normalization).

    Multinomial(n, probs | logits)  counts of n categorical draws over K categories:
                                 log p(x) = lgamma(sum x + 1) - sum lgamma(x_k + 1)
                                            + sum x_k l_k  (l the normalized logits; a
                                            0 * -inf term is 0)
                                 H = n H_cat - lgamma(n + 1)
                                     + sum_k sum_{j=1..n} Binomial(n, p_k)(j) lgamma(j + 1)
    NegativeBinomial(r, probs | logits)  successes of probability p before the r-th
                                 failure (PyTorch's reading),
                                 log p(k) = r log sigmoid(-l) + k log sigmoid(l)
                                            + lgamma(r + k) - lgamma(k + 1) - lgamma(r)
                                 (0 where r + k = 0); mean r e^l, variance mean / sigmoid(-l);
                                 draws Poisson(Gamma(r, e^-l))

Neither has rsample: the draws carry no graph.
"""

from __future__ import annotations

import math
from typing import Any

from ..creation import zeros
from ..errors import UnsupportedError
from ..method_functions import where
from ..modes import no_grad
from ..nn import functional as F
from ..sampling import poisson
from ..tensor import Tensor
from . import constraints
from .counts import Binomial
from .discrete import Categorical, CategoricalParams, _BinaryParam, _one_of
from .distribution import Distribution, broadcast_all
from .gamma_family import Gamma

__all__ = ["Multinomial", "NegativeBinomial"]


class Multinomial(CategoricalParams, Distribution):
    """Counts of total_count draws from Categorical(probs | logits) (event_shape (K,))."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}

    def __init__(self, total_count: int = 1, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int) or isinstance(total_count, bool):
            raise UnsupportedError(f"Multinomial: inhomogeneous total_count is not supported "
                                   f"(expected an int, got {type(total_count).__name__}), as "
                                   "PyTorch")
        self.total_count = total_count
        self._categorical = Categorical(probs, logits)
        self._binomial = Binomial(total_count, probs=self.probs)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Multinomial:
        new, shape = self._new_expanded(batch_shape, _instance)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(shape)
        new._binomial = Binomial(self.total_count, probs=new._categorical.probs)
        return self._finish_expanded(new, shape)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        draws = self._categorical.sample((self.total_count, *tuple(sample_shape)))
        draws = draws.movedim(0, -1)  # (..., batch, n): each row's n category indices
        counts = zeros(shape, dtype=draws.dtype).scatter_add(-1, draws, draws.new_ones(
            tuple(draws.shape)))
        return counts.type_as(self.probs)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        logits, value = broadcast_all("Multinomial.log_prob", self.logits, value)
        log_factorial_n = (value.sum(-1) + 1).lgamma()
        log_factorial_xs = (value + 1).lgamma().sum(-1)
        logits = where((value == 0) & (logits == -float("inf")), 0.0, logits)
        return log_factorial_n - log_factorial_xs + (logits * value).sum(-1)

    def entropy(self) -> Tensor:
        n = self.total_count
        term1 = n * self._categorical.entropy() - math.lgamma(n + 1)
        support = self._binomial.enumerate_support(expand=False)[1:]
        binomial_probs = self._binomial.log_prob(support).exp()
        weights = (support + 1).lgamma()
        return term1 + (binomial_probs * weights).sum((0, -1))


class NegativeBinomial(_BinaryParam):
    """Successes (of probability probs, or sigmoid(logits)) before total_count failures."""

    arg_constraints = {"total_count": constraints.greater_than_eq(0),
                       "probs": constraints.half_open_interval(0.0, 1.0),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of("NegativeBinomial", probs, logits)
        if probs is not None:
            self.total_count, self.probs = broadcast_all("NegativeBinomial", total_count, probs)
            self._param = self.probs
        else:
            self.total_count, self.logits = broadcast_all("NegativeBinomial", total_count,
                                                          logits)
            self._param = self.logits
        self.total_count = self.total_count.type_as(self._param)
        super().__init__(tuple(self._param.shape), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> NegativeBinomial:
        return self._expand_binary(batch_shape, _instance, ("total_count",))

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.logits.exp()

    @property
    def mode(self) -> Tensor:
        return ((self.total_count - 1) * self.logits.exp()).floor().clamp(min=0.0)

    @property
    def variance(self) -> Tensor:
        return self.mean / (-self.logits).sigmoid()

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            rate = Gamma(self.total_count, (-self.logits).exp(),
                         validate_args=False).sample(sample_shape)
            # drawn flat: tg.poisson of a 0-d tensor fails in tinygrad_bn/sampling.py
            return poisson(rate.reshape(-1)).reshape(tuple(rate.shape))

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        r, logits = self.total_count, self.logits
        unnormalized = r * F.logsigmoid(-logits) + value * F.logsigmoid(logits)
        normalization = -(r + value).lgamma() + (1.0 + value).lgamma() + r.lgamma()
        return unnormalized - where(r + value == 0.0, 0.0, normalization)
