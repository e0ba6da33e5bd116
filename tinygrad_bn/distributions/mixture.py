"""MixtureSameFamily(mixture, components) (PyTorch's `torch.distributions.MixtureSameFamily`):
a Categorical over the last batch axis of a component distribution picks which component
a draw comes from.

    log p(x) = logsumexp_k (log w_k + log p_k(x))      cdf(x) = sum_k w_k cdf_k(x)
    mean     = sum_k w_k mu_k,   variance = sum_k w_k var_k + sum_k w_k (mu_k - mean)^2

Draws pick a component index per batch element and gather that component's draw (no
rsample: the choice is discrete).
"""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from ..modes import no_grad
from ..tensor import Tensor
from . import constraints
from .discrete import Categorical
from .distribution import Distribution

__all__ = ["MixtureSameFamily"]


class MixtureSameFamily(Distribution):
    """A mixture of the components along component_distribution's last batch axis, with
    weights mixture_distribution.probs."""

    arg_constraints: dict[str, constraints.Constraint] = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical, component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ArgumentTypeError(f"MixtureSameFamily: mixture_distribution must be a "
                                    f"Categorical, got {type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise ArgumentTypeError(f"MixtureSameFamily: component_distribution must be a "
                                    f"Distribution, got "
                                    f"{type(component_distribution).__name__}")
        mixture_batch = tuple(mixture_distribution.batch_shape)
        component_batch = tuple(component_distribution.batch_shape)
        if not component_batch:
            raise ArgumentError("MixtureSameFamily: component_distribution needs a batch axis "
                                "for the components, got batch_shape ()")
        for m, c in zip(reversed(mixture_batch), reversed(component_batch[:-1])):
            if m != 1 and c != 1 and m != c:
                raise ArgumentError(f"MixtureSameFamily: mixture_distribution.batch_shape "
                                    f"{mixture_batch} is not compatible with "
                                    f"component_distribution.batch_shape[:-1] "
                                    f"{component_batch[:-1]}")
        km, kc = mixture_distribution.logits.shape[-1], component_batch[-1]
        if km != kc:
            raise ArgumentError(f"MixtureSameFamily: mixture_distribution has {km} components "
                                f"but component_distribution.batch_shape[-1] is {kc}")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = km
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(component_batch[:-1], component_distribution.event_shape,
                         validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MixtureSameFamily:
        new, shape = self._new_expanded(batch_shape, _instance)
        new._component_distribution = self._component_distribution.expand(
            (*shape, self._num_component))
        new._mixture_distribution = self._mixture_distribution.expand(shape)
        new._num_component, new._event_ndims = self._num_component, self._event_ndims
        return self._finish_expanded(new, shape)

    @property
    def support(self) -> constraints.Constraint:
        return constraints.MixtureSameFamilyConstraint(self._component_distribution.support)

    @property
    def mixture_distribution(self) -> Categorical:
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        return self._component_distribution

    def _pad(self, x: Tensor) -> Tensor:
        """x with an axis for the components before its event axes."""
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        """The mixture's (..., K) weights shaped to broadcast with the components' moments."""
        batch_ndims = len(self._batch_shape)
        cat_ndims = len(self._mixture_distribution.batch_shape)
        pad = 0 if cat_ndims == 1 else batch_ndims - cat_ndims
        shape = tuple(x.shape)
        return x.reshape(shape[:-1] + (1,) * pad + shape[-1:] + (1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        axis = -1 - self._event_ndims
        mean_cond_var = (probs * self._component_distribution.variance).sum(axis)
        spread = (self._component_distribution.mean - self._pad(self.mean)) ** 2
        return mean_cond_var + (probs * spread).sum(axis)

    def cdf(self, x: Tensor) -> Tensor:
        cdf_x = self._component_distribution.cdf(self._pad(x))
        return (cdf_x * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, x: Tensor) -> Tensor:
        x = self._checked(x)
        log_prob_x = self._component_distribution.log_prob(self._pad(x))
        log_weights = self._mixture_distribution.logits.log_softmax(-1)
        return (log_prob_x + log_weights).logsumexp(-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            self._extended_shape(sample_shape)  # checks sample_shape
            gather_dim = len(tuple(sample_shape)) + len(self._batch_shape)
            event = tuple(self._event_shape)
            which = self._mixture_distribution.sample(sample_shape)
            draws = self._component_distribution.sample(sample_shape)
            index = which.reshape(tuple(which.shape) + (1,) * (len(event) + 1))
            index = index.expand(tuple(which.shape) + (1,) + event)
            return draws.gather(gather_dim, index).squeeze(gather_dim)

    def __repr__(self) -> str:
        return (f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  "
                f"{self._component_distribution!r})")
