"""From unconstrained reals to a constraint's set (PyTorch's
`torch.distributions.constraint_registry`): `biject_to(c)` is a bijective Transform from
the reals onto c (what an HMC sampler needs), `transform_to(c)` any Transform onto c (what
an optimizer over a constrained parameter needs). Their choices are PyTorch's:

    real                         identity (biject_to and transform_to)
    independent(c, n)            IndependentTransform(the one for c, n)
    greater_than(a) (positive,   exp then x + a         greater_than_eq likewise
      nonnegative)
    less_than(b)                 exp then b - x
    interval(a, b) (and half-    sigmoid, then a + (b - a) x unless (a, b) = (0, 1)
      open)
    simplex                      biject_to: stick breaking; transform_to: softmax
    corr_cholesky                CorrCholeskyTransform
    lower_cholesky               transform_to: LowerCholeskyTransform
    positive_definite,           transform_to: PositiveDefiniteTransform
      positive_semidefinite
    cat / stack                  CatTransform / StackTransform of the parts'

`register(constraint, factory)` adds a rule for a constraint's class (a factory taking
the constraint and returning a Transform); usable as a decorator.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Number
from typing import Any

from ..errors import ArgumentTypeError, UnsupportedError
from . import constraints
from .transform_base import ComposeTransform, IndependentTransform, Transform, identity_transform
from .transforms_elementwise import AffineTransform, ExpTransform, SigmoidTransform
from .transforms_vector import (
    CatTransform,
    CorrCholeskyTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SoftmaxTransform,
    StackTransform,
    StickBreakingTransform,
)

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]

Factory = Callable[[Any], Transform]


class ConstraintRegistry:
    """A table from constraint classes to factories of Transforms onto them."""

    def __init__(self) -> None:
        self._registry: dict[type, Factory] = {}

    def register(self, constraint: Any, factory: Factory | None = None) -> Any:
        """Register factory for constraint (an instance: its class) or, with no factory,
        return a decorator that does."""
        if factory is None:
            return lambda f: self.register(constraint, f)
        if isinstance(constraint, constraints.Constraint):
            constraint = type(constraint)
        if not (isinstance(constraint, type) and issubclass(constraint, constraints.Constraint)):
            raise ArgumentTypeError(f"register: expected a Constraint subclass or instance, got "
                            f"{constraint!r}")
        self._registry[constraint] = factory
        return factory

    def __call__(self, constraint: constraints.Constraint) -> Transform:
        factory = self._registry.get(type(constraint))
        if factory is None:
            raise UnsupportedError(f"Cannot transform {type(constraint).__name__} "
                                      "constraints")
        return factory(constraint)


biject_to = ConstraintRegistry()
transform_to = ConstraintRegistry()


def _both(constraint: Any) -> Callable[[Factory], Factory]:
    def decorator(factory: Factory) -> Factory:
        biject_to.register(constraint, factory)
        transform_to.register(constraint, factory)
        return factory
    return decorator


@_both(constraints.real)
def _to_real(constraint: Any) -> Transform:
    return identity_transform


@biject_to.register(constraints.independent)
def _biject_to_independent(constraint: Any) -> Transform:
    return IndependentTransform(biject_to(constraint.base_constraint),
                                constraint.reinterpreted_batch_ndims)


@transform_to.register(constraints.independent)
def _transform_to_independent(constraint: Any) -> Transform:
    return IndependentTransform(transform_to(constraint.base_constraint),
                                constraint.reinterpreted_batch_ndims)


@_both(constraints.greater_than)
@_both(constraints.greater_than_eq)
def _to_greater_than(constraint: Any) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.lower_bound, 1)])


@_both(constraints.less_than)
def _to_less_than(constraint: Any) -> Transform:
    return ComposeTransform([ExpTransform(), AffineTransform(constraint.upper_bound, -1)])


@_both(constraints.interval)
@_both(constraints.half_open_interval)
def _to_interval(constraint: Any) -> Transform:
    low, high = constraint.lower_bound, constraint.upper_bound
    if isinstance(low, Number) and isinstance(high, Number) and low == 0 and high == 1:
        return SigmoidTransform()
    return ComposeTransform([SigmoidTransform(), AffineTransform(low, high - low)])


biject_to.register(constraints.simplex, lambda c: StickBreakingTransform())
transform_to.register(constraints.simplex, lambda c: SoftmaxTransform())
_both(constraints.corr_cholesky)(lambda c: CorrCholeskyTransform())
transform_to.register(constraints.lower_cholesky, lambda c: LowerCholeskyTransform())
transform_to.register(constraints.positive_definite, lambda c: PositiveDefiniteTransform())
transform_to.register(constraints.positive_semidefinite, lambda c: PositiveDefiniteTransform())


@biject_to.register(constraints.cat)
def _biject_to_cat(constraint: Any) -> Transform:
    return CatTransform([biject_to(c) for c in constraint.cseq], constraint.dim,
                        constraint.lengths)


@transform_to.register(constraints.cat)
def _transform_to_cat(constraint: Any) -> Transform:
    return CatTransform([transform_to(c) for c in constraint.cseq], constraint.dim,
                        constraint.lengths)


@biject_to.register(constraints.stack)
def _biject_to_stack(constraint: Any) -> Transform:
    return StackTransform([biject_to(c) for c in constraint.cseq], constraint.dim)


@transform_to.register(constraints.stack)
def _transform_to_stack(constraint: Any) -> Transform:
    return StackTransform([transform_to(c) for c in constraint.cseq], constraint.dim)
