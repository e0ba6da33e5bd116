"""Continuous relaxations of the discrete families (Concrete / Gumbel-softmax; PyTorch's
formulas), reparameterized so a loss through a draw has a gradient in the parameters:

    LogitRelaxedBernoulli(t, probs | logits)  (logit u + l) / t, u ~ U(0, 1) clamped to
                      [eps, 1 - eps], l the logits; log p(x) = log t + d - 2 log(1 + e^d),
                      d = l - t x
    RelaxedBernoulli  sigmoid of that, on [0, 1]
    ExpRelaxedCategorical(t, probs | logits)  log-softmax((l + g) / t), g = -log(-log u)
                      Gumbel noise; log p(x) = lgamma(K) + (K - 1) log t
                      + sum_k (l_k - t x_k) - K logsumexp(l - t x)
    RelaxedOneHotCategorical  exp of that, on the simplex
    OneHotCategoricalStraightThrough  one-hot draws whose gradient is that of the
                      probabilities: draw + (probs - probs.detach())
"""

from __future__ import annotations

from numbers import Number
from typing import Any

from ..creation import as_tensor, full_like, rand
from ..tensor import Tensor
from . import constraints
from .discrete import (
    Categorical,
    CategoricalParams,
    OneHotCategorical,
    _BinaryParam,
    _clamp_probs,
    _one_of,
)
from .distribution import Distribution, broadcast_all
from .transformed import TransformedDistribution
from .transforms_elementwise import ExpTransform, SigmoidTransform

__all__ = ["ExpRelaxedCategorical", "LogitRelaxedBernoulli", "OneHotCategoricalStraightThrough",
           "RelaxedBernoulli", "RelaxedOneHotCategorical"]


def _temperature(temperature: Any, like: Tensor) -> Tensor:
    return temperature if isinstance(temperature, Tensor) else \
        as_tensor(float(temperature), dtype=like.dtype)


class LogitRelaxedBernoulli(_BinaryParam):
    """The logit of a RelaxedBernoulli draw: a logistic variable of location l / t."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of(type(self).__name__, probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all(type(self).__name__, probs)
            param, self._param = probs, self.probs
        else:
            (self.logits,) = broadcast_all(type(self).__name__, logits)
            param, self._param = logits, self.logits
        self.temperature = _temperature(temperature, self._param)
        batch_shape = () if isinstance(param, Number) else tuple(self._param.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogitRelaxedBernoulli:
        new = self._expand_binary(batch_shape, _instance)
        new.temperature = self.temperature
        return new

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        probs = _clamp_probs(self.probs.expand(shape))
        u = _clamp_probs(rand(shape, dtype=probs.dtype))
        return (u.log() - (-u).log1p() + probs.log() - (-probs).log1p()) / self.temperature

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        logits, value = broadcast_all(f"{type(self).__name__}.log_prob", self.logits, value)
        diff = logits - value * self.temperature
        return self.temperature.log() + diff - 2 * diff.exp().log1p()


class _RelaxedParams:
    """temperature, logits and probs read from the base (the relaxed distributions)."""

    base_dist: Any

    @property
    def temperature(self) -> Tensor:
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        return self.base_dist.probs


class RelaxedBernoulli(_RelaxedParams, TransformedDistribution):
    """The Concrete relaxation of Bernoulli(probs | logits) at temperature t, on [0, 1]."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = LogitRelaxedBernoulli(temperature, probs, logits)
        super().__init__(base, SigmoidTransform(), validate_args=validate_args)



class ExpRelaxedCategorical(CategoricalParams, Distribution):
    """The log of a RelaxedOneHotCategorical draw (its support: real vectors whose
    exponentials sum to 1)."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = _temperature(temperature, self._categorical._param)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ExpRelaxedCategorical:
        new, shape = self._new_expanded(batch_shape, _instance)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(shape)
        return self._finish_expanded(new, shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        u = _clamp_probs(rand(shape, dtype=self.logits.dtype))
        gumbels = -(-u.log()).log()
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        k = self._categorical._num_events
        logits, value = broadcast_all(f"{type(self).__name__}.log_prob", self.logits, value)
        log_scale = full_like(self.temperature, float(k)).lgamma() \
            + (k - 1) * self.temperature.log()
        score = logits - value * self.temperature
        return (score - score.logsumexp(-1, keepdim=True)).sum(-1) + log_scale


class RelaxedOneHotCategorical(_RelaxedParams, TransformedDistribution):
    """The Concrete (Gumbel-softmax) relaxation of OneHotCategorical at temperature t."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, temperature: Any, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args=validate_args)
        super().__init__(base, ExpTransform(), validate_args=validate_args)



class OneHotCategoricalStraightThrough(OneHotCategorical):
    """OneHotCategorical whose rsample passes the gradient of probs straight through the
    draw (Bengio et al. 2013): the value is the one-hot draw."""

    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        draws = self.sample(sample_shape)
        probs = self._categorical.probs
        return draws + (probs - probs.detach())
