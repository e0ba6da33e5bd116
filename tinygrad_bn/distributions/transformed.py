"""TransformedDistribution(base, transforms): the law of y = t_n(...t_1(x)) for x drawn from
base (PyTorch's `torch.distributions.TransformedDistribution`). By the change of variables,

    log p(y) = log p_base(x) - sum_i log |det J_i(x_{i-1})|,   x_i = t_i(x_{i-1})

each Jacobian term summed over the axes its transform treats as batch but the whole
treats as event. cdf and icdf go through the base's, flipped (1 - cdf) where the
composite map decreases. The base is expanded when a transform broadcasts its parameters
over a larger shape, and wrapped in Independent when the transforms need more event axes
than the base has.
"""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentError, ShapeError
from ..keywords import Size
from ..modes import no_grad
from ..tensor import Tensor
from . import constraints
from .distribution import Distribution, sum_rightmost
from .independent import Independent
from .transform_base import ComposeTransform, Transform

__all__ = ["TransformedDistribution"]


class TransformedDistribution(Distribution):
    """base_distribution pushed through transforms (a Transform or a list of them)."""

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(self, base_distribution: Distribution, transforms: Any,
                 validate_args: bool | None = None) -> None:
        name = type(self).__name__
        if isinstance(transforms, Transform):
            self.transforms = [transforms]
        elif isinstance(transforms, list) and all(isinstance(t, Transform) for t in transforms):
            self.transforms = transforms
        else:
            raise ArgumentError(f"{name}: transforms must be a Transform or a list of "
                                f"Transforms, got {transforms!r}")
        if not isinstance(base_distribution, Distribution):
            raise ArgumentError(f"{name}: base_distribution must be a Distribution, got "
                                f"{type(base_distribution).__name__}")
        base_shape = Size(tuple(base_distribution.batch_shape)
                          + tuple(base_distribution.event_shape))
        base_event_dim = len(base_distribution.event_shape)
        transform = ComposeTransform(self.transforms)
        if len(base_shape) < transform.domain.event_dim:
            raise ShapeError(f"{name}: base_distribution needs a shape of at least "
                             f"{transform.domain.event_dim} dimensions for these transforms, "
                             f"got {tuple(base_shape)}")
        forward_shape = Size(transform.forward_shape(base_shape))
        expanded_base_shape = Size(transform.inverse_shape(forward_shape))
        if tuple(base_shape) != tuple(expanded_base_shape):
            cut = len(expanded_base_shape) - base_event_dim
            base_distribution = base_distribution.expand(expanded_base_shape[:cut])
        reinterpreted = transform.domain.event_dim - base_event_dim
        if reinterpreted > 0:
            base_distribution = Independent(base_distribution, reinterpreted)
        self.base_dist = base_distribution
        change = transform.codomain.event_dim - transform.domain.event_dim
        event_dim = max(transform.codomain.event_dim, base_event_dim + change)
        cut = len(forward_shape) - event_dim
        super().__init__(forward_shape[:cut], forward_shape[cut:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> TransformedDistribution:
        new, shape = self._new_expanded(batch_shape, _instance)
        full = Size(tuple(shape) + tuple(self._event_shape))
        for t in reversed(self.transforms):
            full = Size(t.inverse_shape(full))
        base_batch = full[:len(full) - len(self.base_dist.event_shape)]
        new.base_dist = self.base_dist.expand(base_batch)
        new.transforms = self.transforms
        return self._finish_expanded(new, shape)

    @property
    def support(self) -> constraints.Constraint:
        if not self.transforms:
            return self.base_dist.support
        support = self.transforms[-1].codomain
        if len(self._event_shape) > support.event_dim:
            support = constraints.independent(support,
                                              len(self._event_shape) - support.event_dim)
        return support

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    def sample(self, sample_shape: Any = ()) -> Tensor:
        with no_grad():
            x = self.base_dist.sample(sample_shape)
            for t in self.transforms:
                x = t(x)
            return x

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        x = self.base_dist.rsample(sample_shape)
        for t in self.transforms:
            x = t(x)
        return x

    def log_prob(self, value: Tensor) -> Tensor:
        """The base's log density at the preimage minus each transform's log|J|."""
        value = self._checked(value)
        event_dim = len(self._event_shape)
        total: Any = 0.0
        y = value
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.domain.event_dim - t.codomain.event_dim
            total = total - sum_rightmost(t.log_abs_det_jacobian(x, y),
                                          event_dim - t.domain.event_dim)
            y = x
        return total + sum_rightmost(self.base_dist.log_prob(y),
                                     event_dim - len(self.base_dist.event_shape))

    def _monotonize_cdf(self, value: Tensor) -> Tensor:
        """value, or 1 - value where the composite map decreases (its sign -1)."""
        sign: Any = 1
        for t in self.transforms:
            sign = sign * t.sign
        if isinstance(sign, int) and sign == 1:
            return value
        return sign * (value - 0.5) + 0.5

    def cdf(self, value: Tensor) -> Tensor:
        for t in reversed(self.transforms):
            value = t.inv(value)
        if self._validate_args:
            self.base_dist._validate_sample(value)
        return self._monotonize_cdf(self.base_dist.cdf(value))

    def icdf(self, value: Tensor) -> Tensor:
        value = self.base_dist.icdf(self._monotonize_cdf(value))
        for t in self.transforms:
            value = t(value)
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}()" if type(self) is TransformedDistribution \
            else super().__repr__()
