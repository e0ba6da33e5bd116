"""Discrete families (PyTorch's formulas, parameters and normalization).

    Bernoulli(probs | logits)    log p(x) = x l - softplus(l), l the logits;
                                 probs = sigmoid(l), l = log p - log(1 - p) (p clamped to
                                 [eps, 1 - eps])
    Categorical(probs | logits)  probs normalized to sum 1 along the last axis, logits to
                                 logsumexp 0; log p(k) = logits[k]; draws by multinomial
    OneHotCategorical            the same over one-hot vectors (event_shape (K,))

(The count families, Poisson, Binomial and Geometric, are in counts.py.)

Draws come from the default generator and carry no graph: none of these has rsample.
"""

from __future__ import annotations

import math
from functools import cached_property
from numbers import Number
from typing import Any

from ..creation import arange, full, zeros
from ..dtypes import finfo, int64
from ..errors import ArgumentError, ArgumentTypeError
from ..method_functions import where
from ..nn import functional as F
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, broadcast_all, broadcast_shapes
from .exp_family import ExponentialFamily

__all__ = ["Bernoulli", "Categorical", "CategoricalParams", "OneHotCategorical"]

def _clamp_probs(probs: Tensor) -> Tensor:
    eps = finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def _softplus(x: Tensor) -> Tensor:
    """log(1 + e^x) exactly (no switch to x above a threshold): PyTorch's BCE-with-logits."""
    return F.softplus(x, threshold=math.inf)


def _one_of(name: str, probs: Any, logits: Any) -> None:
    if (probs is None) == (logits is None):
        raise ArgumentError(f"{name}: either probs or logits must be specified, but not both "
                            f"(got {'both' if probs is not None else 'neither'})")


class _BinaryParam(Distribution):
    """probs or logits of one binary trial, each computed from the other on demand
    (Bernoulli, Binomial, Geometric)."""

    @cached_property
    def probs(self) -> Tensor:
        return self.logits.sigmoid()

    @cached_property
    def logits(self) -> Tensor:
        p = _clamp_probs(self.probs)
        return p.log() - (-p).log1p()

    @property
    def param_shape(self) -> tuple[int, ...]:
        return tuple(self._param.shape)

    def _expand_binary(self, batch_shape: Any, instance: Any, extra: tuple[str, ...] = ()
                       ) -> Any:
        new, shape = self._new_expanded(batch_shape, instance)
        name = "probs" if "probs" in self.__dict__ else "logits"
        for attr in (name, *extra):
            setattr(new, attr, getattr(self, attr).expand(tuple(shape)))
        new._param = getattr(new, name)
        return self._finish_expanded(new, shape)


class Bernoulli(ExponentialFamily, _BinaryParam):
    """1 with probability probs (or sigmoid(logits)), else 0."""

    _mean_carrier_measure = 0

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        _one_of("Bernoulli", probs, logits)
        if probs is not None:
            (self.probs,) = broadcast_all("Bernoulli", probs)
            param, self._param = probs, self.probs
        else:
            (self.logits,) = broadcast_all("Bernoulli", logits)
            param, self._param = logits, self.logits
        batch_shape = () if isinstance(param, Number) else tuple(self._param.shape)
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Bernoulli:
        return self._expand_binary(batch_shape, _instance)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        ones = (self.probs >= 0.5).to(self.probs.dtype)
        return where(self.probs == 0.5, math.nan, ones)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        return self.probs.detach().expand(tuple(shape)).bernoulli()

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        logits, value = broadcast_all("Bernoulli.log_prob", self.logits, value)
        return logits * value - _softplus(logits)

    def entropy(self) -> Tensor:
        return _softplus(self.logits) - self.logits * self.probs

    # the exponential-family form (exp_family.py): natural parameters, log normalizer
    @property
    def _natural_params(self) -> tuple[Tensor, ...]:
        return (self.probs.logit(),)

    def _log_normalizer(self, x: Tensor) -> Tensor:  # type: ignore[override]
        return x.exp().log1p()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(2, dtype=self._param.dtype).reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand(2, *self.batch_shape) if expand else values


def _event_param(name: str, which: str, value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise ArgumentTypeError(f"{name}: {which} must be a Tensor, got {type(value).__name__}")
    if value.dim() < 1:
        raise ArgumentError(f"{name}: {which} must be at least one-dimensional, got shape "
                            f"{tuple(value.shape)}")
    if value.dtype.kind != "f":
        raise ArgumentTypeError(f"{name}: {which} must be floating, got dtype {value.dtype}")
    return value


class Categorical(Distribution):
    """One of K categories (indices 0..K-1) with probabilities along the last axis of probs
    (normalized to sum 1) or softmax(logits); the other axes are the batch."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        name = type(self).__name__
        _one_of(name, probs, logits)
        if probs is not None:
            probs = _event_param(name, "probs", probs)
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            logits = _event_param(name, "logits", logits)
            self.logits = logits - logits.logsumexp(-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.shape[-1]
        batch_shape = tuple(self._param.shape[:-1])
        super().__init__(batch_shape, validate_args=validate_args)

    @cached_property
    def probs(self) -> Tensor:
        return self.logits.softmax(-1)

    @cached_property
    def logits(self) -> Tensor:
        return _clamp_probs(self.probs).log()

    @property
    def param_shape(self) -> tuple[int, ...]:
        return tuple(self._param.shape)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Categorical:
        new, shape = self._new_expanded(batch_shape, _instance)
        name = "probs" if "probs" in self.__dict__ else "logits"
        setattr(new, name, getattr(self, name).expand(*shape, self._num_events))
        new._param, new._num_events = getattr(new, name), self._num_events
        return self._finish_expanded(new, shape)

    @property
    def mean(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self._param.dtype)

    @property
    def mode(self) -> Tensor:
        return self.probs.argmax(-1)

    @property
    def variance(self) -> Tensor:
        return full(self._extended_shape(), math.nan, dtype=self._param.dtype)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        draws = math.prod(shape[:len(shape) - len(self.batch_shape)])
        rows = self.probs.detach().reshape(-1, self._num_events)
        if draws == 0 or rows.shape[0] == 0:
            return zeros(shape, dtype=int64)
        return rows.multinomial(draws, True).T.reshape(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        if not isinstance(value, Tensor):
            raise ArgumentTypeError(f"{type(self).__name__}.log_prob: value must be a Tensor, "
                                    f"got {type(value).__name__}")
        index = value.long().unsqueeze(-1)
        shape = broadcast_shapes(f"{type(self).__name__}.log_prob", tuple(index.shape),
                                 tuple(self.logits.shape))
        index = index.expand(*shape[:-1], 1)
        return self.logits.expand(tuple(shape)).gather(-1, index).squeeze(-1)

    def entropy(self) -> Tensor:
        logits = self.logits.clamp(min=finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        values = arange(self._num_events, dtype=int64)
        values = values.reshape((-1,) + (1,) * len(self.batch_shape))
        return values.expand(self._num_events, *self.batch_shape) if expand else values


class CategoricalParams:
    """probs, logits and param_shape read from the Categorical a distribution wraps
    (`self._categorical`: OneHotCategorical, Multinomial, ExpRelaxedCategorical)."""

    _categorical: Categorical

    @property
    def probs(self) -> Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> tuple[int, ...]:
        return self._categorical.param_shape


class OneHotCategorical(CategoricalParams, Distribution):
    """Categorical over one-hot vectors: a draw is a (..., K) vector with one 1."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None,
                 validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args=False)
        super().__init__(self._categorical.batch_shape, self._categorical.param_shape[-1:],
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> OneHotCategorical:
        new, shape = self._new_expanded(batch_shape, _instance)
        new._categorical = self._categorical.expand(shape)
        return self._finish_expanded(new, shape)

    @property
    def mean(self) -> Tensor:
        return self.probs

    @property
    def mode(self) -> Tensor:
        k = self._categorical._num_events
        return F.one_hot(self.probs.argmax(-1), k).to(self.probs.dtype)

    @property
    def variance(self) -> Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        indices = self._categorical.sample(sample_shape)
        return F.one_hot(indices, self._categorical._num_events).to(self._categorical._param.dtype)

    def log_prob(self, value: Tensor) -> Tensor:
        value = self._checked(value)
        return self._categorical.log_prob(value.argmax(-1))

    def entropy(self) -> Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> Tensor:
        k = self._categorical._num_events
        values = F.one_hot(arange(k, dtype=int64), k).to(self._categorical._param.dtype)
        values = values.reshape((k,) + (1,) * len(self.batch_shape) + (k,))
        return values.expand(k, *self.batch_shape, k) if expand else values

    def __repr__(self) -> str:
        return repr(self._categorical).replace("Categorical", type(self).__name__, 1)
