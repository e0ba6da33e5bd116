"""The sets a distribution's parameters and values live in (PyTorch's
`torch.distributions.constraints`): `constraint.check(value)` is a bool Tensor, True
where value lies in the set, reduced over the constraint's `event_dim` rightmost axes.

    real                     (-inf, inf), NaN excluded (x == x)
    positive / nonnegative   x > 0 / x >= 0
    greater_than(a)          x > a (a may be a Tensor); greater_than_eq(a), less_than(b)
    interval(a, b)           a <= x <= b; half_open_interval(a, b): a <= x < b
    unit_interval            interval(0, 1)
    boolean                  x == 0 or x == 1
    nonnegative_integer      x >= 0 and integral; integer_interval(a, b) a <= x <= b, integral
    simplex                  x >= 0 along the last axis and |sum - 1| < 1e-6
    one_hot                  0/1 entries along the last axis summing to 1
    independent(c, n)        c reduced (all) over n more rightmost axes
    positive_definite        square matrices, symmetric (to 1e-6) with a Cholesky factor
    lower_cholesky           lower triangular matrices with a positive diagonal
    lower_triangular         lower triangular matrices; square / symmetric (to 1e-6)
    positive_semidefinite    symmetric with eigenvalues >= 0
    corr_cholesky            lower Cholesky factors whose rows have norm 1 (to 10 n eps)
    positive_integer         integral x >= 1; multinomial(n): x >= 0, sum x <= n (last axis)
    cat(cs, dim, lengths)    cs[i] on the i-th slice (of lengths[i]) along dim
    stack(cs, dim)           cs[i] on the i-th index along dim
    dependent                not checkable (its bounds are other parameters);
                             dependent_property: a property giving such a constraint
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, AxisError
from ..linalg import cholesky_ex
from ..tensor import Tensor, concatenate
from ..tensor import stack as _stack_tensors

__all__ = [
    "Constraint", "MixtureSameFamilyConstraint", "boolean", "cat", "corr_cholesky", "dependent",
    "greater_than", "greater_than_eq", "half_open_interval", "independent", "integer_interval",
    "interval", "is_dependent", "less_than", "lower_cholesky", "lower_triangular", "multinomial",
    "nonnegative", "nonnegative_integer", "one_hot", "positive", "positive_definite",
    "positive_integer", "positive_semidefinite", "real", "real_vector", "simplex", "square",
    "stack", "symmetric", "unit_interval",
]


class Constraint:
    """A set of valid values: `check(value)` is True where value belongs to it."""

    is_discrete = False
    event_dim = 0

    def check(self, value: Tensor) -> Tensor:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__[1:]}()"


class _Dependent(Constraint):
    """A placeholder for a set given by other parameters: never checked."""

    def __init__(self, *, is_discrete: bool = False, event_dim: int = 0) -> None:
        self.is_discrete, self.event_dim = is_discrete, event_dim

    def check(self, value: Tensor) -> Tensor:
        raise ValueError("Cannot determine validity of dependent constraint")


def is_dependent(constraint: Any) -> bool:
    return isinstance(constraint, _Dependent)


class _DependentProperty(property, _Dependent):
    """A property whose value is a constraint given by the instance's parameters (PyTorch's
    `constraints.dependent_property`): `@dependent_property` or
    `@dependent_property(is_discrete=..., event_dim=...)` over a method."""

    def __init__(self, fn: Any = None, *, is_discrete: bool = False, event_dim: int = 0) -> None:
        property.__init__(self, fn)
        _Dependent.__init__(self, is_discrete=is_discrete, event_dim=event_dim)

    def __call__(self, fn: Any) -> _DependentProperty:
        return _DependentProperty(fn, is_discrete=self.is_discrete, event_dim=self.event_dim)


class _Real(Constraint):
    def check(self, value: Tensor) -> Tensor:
        return value == value  # False only at NaN


class _Boolean(Constraint):
    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        return (value == 0) | (value == 1)


class _GreaterThan(Constraint):
    def __init__(self, lower_bound: Any) -> None:
        self.lower_bound = lower_bound

    def check(self, value: Tensor) -> Tensor:
        return value > self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThan(lower_bound={self.lower_bound})"


class _GreaterThanEq(_GreaterThan):
    def check(self, value: Tensor) -> Tensor:
        return value >= self.lower_bound

    def __repr__(self) -> str:
        return f"GreaterThanEq(lower_bound={self.lower_bound})"


class _LessThan(Constraint):
    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        return value < self.upper_bound

    def __repr__(self) -> str:
        return f"LessThan(upper_bound={self.upper_bound})"


class _Interval(Constraint):
    def __init__(self, lower_bound: Any, upper_bound: Any) -> None:
        self.lower_bound, self.upper_bound = lower_bound, upper_bound

    def check(self, value: Tensor) -> Tensor:
        return (value >= self.lower_bound) & (value <= self.upper_bound)

    def __repr__(self) -> str:
        return (f"{type(self).__name__[1:]}(lower_bound={self.lower_bound}, "
                f"upper_bound={self.upper_bound})")


class _HalfOpenInterval(_Interval):
    def check(self, value: Tensor) -> Tensor:
        return (value >= self.lower_bound) & (value < self.upper_bound)


class _IntegerInterval(_Interval):
    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        return (value % 1 == 0) & super().check(value)


class _IntegerGreaterThan(_GreaterThanEq):
    is_discrete = True

    def check(self, value: Tensor) -> Tensor:
        return (value % 1 == 0) & (value >= self.lower_bound)

    def __repr__(self) -> str:
        return f"IntegerGreaterThan(lower_bound={self.lower_bound})"


class _Simplex(Constraint):
    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        return (value >= 0).all(-1) & ((value.sum(-1) - 1).abs() < 1e-6)


class _OneHot(Constraint):
    is_discrete = True
    event_dim = 1

    def check(self, value: Tensor) -> Tensor:
        return ((value == 0) | (value == 1)).all(-1) & (value.sum(-1) == 1)


class _Independent(Constraint):
    """`base` checked elementwise and required to hold over `reinterpreted_batch_ndims`
    more rightmost axes."""

    def __init__(self, base: Constraint, reinterpreted_batch_ndims: int) -> None:
        self.base_constraint, self.reinterpreted_batch_ndims = base, reinterpreted_batch_ndims
        self.is_discrete = base.is_discrete
        self.event_dim = base.event_dim + reinterpreted_batch_ndims

    def check(self, value: Tensor) -> Tensor:
        result = self.base_constraint.check(value)
        for _ in range(self.reinterpreted_batch_ndims):
            result = result.all(-1)
        return result

    def __repr__(self) -> str:
        return f"IndependentConstraint({self.base_constraint!r}, {self.reinterpreted_batch_ndims})"


class _PositiveDefinite(Constraint):
    event_dim = 2

    def check(self, value: Tensor) -> Tensor:
        a = value.detach().numpy()
        symmetric = (np.abs(a - np.swapaxes(a, -1, -2)) <= 1e-6).all((-2, -1))
        return Tensor(symmetric & (cholesky_ex(value.detach()).info.numpy() == 0))


class _LowerCholesky(Constraint):
    event_dim = 2

    def check(self, value: Tensor) -> Tensor:
        a = value.detach().numpy()
        lower = (np.triu(a, 1) == 0).all((-2, -1))
        return Tensor(lower & (np.diagonal(a, 0, -2, -1) > 0).all(-1))


class _LowerTriangular(Constraint):
    event_dim = 2

    def check(self, value: Tensor) -> Tensor:
        a = value.detach().numpy()
        return Tensor((np.triu(a, 1) == 0).all((-2, -1)))


class _Square(Constraint):
    event_dim = 2

    def check(self, value: Tensor) -> Tensor:
        shape = tuple(value.shape)
        return Tensor(np.full(shape[:-2], shape[-1] == shape[-2], dtype=bool))


class _Symmetric(_Square):
    def check(self, value: Tensor) -> Tensor:
        square = super().check(value)
        if not bool(square.all()):
            return square
        a = value.detach().numpy()
        return Tensor(np.isclose(a, np.swapaxes(a, -1, -2), atol=1e-6).all((-2, -1)))


class _PositiveSemidefinite(_Symmetric):
    def check(self, value: Tensor) -> Tensor:
        symmetric = super().check(value)
        if not bool(symmetric.all()):
            return symmetric
        return Tensor((np.linalg.eigvalsh(value.detach().numpy()) >= 0).all(-1))


class _CorrCholesky(Constraint):
    """Cholesky factors of correlation matrices: lower triangular, positive diagonal, rows
    of unit norm (to 10 n eps, PyTorch's tolerance)."""

    event_dim = 2

    def check(self, value: Tensor) -> Tensor:
        a = value.detach().numpy()
        tol = np.finfo(a.dtype).eps * a.shape[-1] * 10
        unit_rows = (np.abs(np.linalg.norm(a, axis=-1) - 1.0) <= tol).all(-1)
        return _LowerCholesky().check(value) & Tensor(unit_rows)


class _Multinomial(Constraint):
    """Nonnegative counts along the last axis summing to at most upper_bound (PyTorch's
    weaker check)."""

    is_discrete = True
    event_dim = 1

    def __init__(self, upper_bound: Any) -> None:
        self.upper_bound = upper_bound

    def check(self, value: Tensor) -> Tensor:
        return (value >= 0).all(-1) & (value.sum(-1) <= self.upper_bound)


def _check_dim(name: str, dim: int, value: Tensor) -> None:
    if not -value.ndim <= dim < value.ndim:
        raise AxisError(f"constraints.{name}: dim {dim} is out of range for a value of "
                         f"shape {tuple(value.shape)}")


class _Cat(Constraint):
    """cseq[i] on the i-th slice, of lengths[i] entries, along dim (as torch.cat joins)."""

    def __init__(self, cseq: Any, dim: int = 0, lengths: Any = None) -> None:
        self.cseq = list(cseq)
        if not all(isinstance(c, Constraint) for c in self.cseq):
            raise ArgumentTypeError("constraints.cat: every element of cseq must be a Constraint")
        self.lengths = [1] * len(self.cseq) if lengths is None else list(lengths)
        if len(self.lengths) != len(self.cseq):
            raise ArgumentError(f"constraints.cat: {len(self.lengths)} lengths for "
                             f"{len(self.cseq)} constraints")
        self.dim = dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return max(c.event_dim for c in self.cseq)

    def check(self, value: Tensor) -> Tensor:
        _check_dim("cat", self.dim, value)
        checks, start = [], 0
        for c, length in zip(self.cseq, self.lengths):
            checks.append(c.check(value.narrow(self.dim, start, length)))
            start += length
        return concatenate(checks, self.dim)


class _Stack(Constraint):
    """cseq[i] on the i-th index along dim (as torch.stack joins)."""

    def __init__(self, cseq: Any, dim: int = 0) -> None:
        self.cseq = list(cseq)
        if not all(isinstance(c, Constraint) for c in self.cseq):
            raise ArgumentTypeError("constraints.stack: every element of cseq must be a Constraint")
        self.dim = dim

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return any(c.is_discrete for c in self.cseq)

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        dim = max(c.event_dim for c in self.cseq)
        return dim + 1 if self.dim + dim < 0 else dim

    def check(self, value: Tensor) -> Tensor:
        _check_dim("stack", self.dim, value)
        parts = [value.select(self.dim, i) for i in range(value.shape[self.dim])]
        return _stack_tensors([c.check(v) for v, c in zip(parts, self.cseq)], self.dim)


class MixtureSameFamilyConstraint(Constraint):
    """A mixture's support: base (the components' support) holding for the value against
    every component."""

    def __init__(self, base_constraint: Constraint) -> None:
        self.base_constraint = base_constraint

    @property
    def is_discrete(self) -> bool:  # type: ignore[override]
        return self.base_constraint.is_discrete

    @property
    def event_dim(self) -> int:  # type: ignore[override]
        return self.base_constraint.event_dim

    def check(self, value: Tensor) -> Tensor:
        if value.ndim < self.event_dim:
            raise ArgumentError(f"MixtureSameFamilyConstraint: value of shape "
                                f"{tuple(value.shape)} has fewer than event_dim = "
                                f"{self.event_dim} dimensions")
        result = self.base_constraint.check(value.unsqueeze(-1 - self.event_dim))
        keep = value.ndim - self.event_dim
        return result.reshape(tuple(result.shape[:keep]) + (-1,)).all(-1)

    def __repr__(self) -> str:
        return f"MixtureSameFamilyConstraint({self.base_constraint!r})"


# PyTorch's public names: instances for the fixed sets, the classes for the parameterized
dependent = _Dependent()
dependent_property = _DependentProperty
real = _Real()
boolean = _Boolean()
positive = _GreaterThan(0.0)
nonnegative = _GreaterThanEq(0.0)
unit_interval = _Interval(0.0, 1.0)
nonnegative_integer = _IntegerGreaterThan(0)
simplex = _Simplex()
one_hot = _OneHot()
greater_than = _GreaterThan
greater_than_eq = _GreaterThanEq
less_than = _LessThan
interval = _Interval
half_open_interval = _HalfOpenInterval
integer_interval = _IntegerInterval
independent = _Independent
real_vector = _Independent(real, 1)
positive_definite = _PositiveDefinite()
lower_cholesky = _LowerCholesky()
lower_triangular = _LowerTriangular()
square = _Square()
symmetric = _Symmetric()
positive_semidefinite = _PositiveSemidefinite()
corr_cholesky = _CorrCholesky()
positive_integer = _IntegerGreaterThan(1)
multinomial = _Multinomial
cat = _Cat
stack = _Stack
