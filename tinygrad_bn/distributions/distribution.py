"""The base class of every distribution (PyTorch's `torch.distributions.Distribution`)
and the helpers the families share.

Shapes: a draw of `sample(sample_shape)` has shape sample_shape + batch_shape +
event_shape; `log_prob(value)` reduces the event axes, so it has value's leading shape
(broadcast with batch_shape). Validation (on unless `validate_args=False` or
`Distribution.set_default_validate_args(False)`, as PyTorch's default under `__debug__`)
checks each parameter against `arg_constraints` at construction and each value given to
log_prob/cdf/icdf against `support`, raising ArgumentError (a ValueError) that names the
distribution, the parameter and the bad values.
"""

from __future__ import annotations

import threading
from functools import cached_property
from numbers import Number
from typing import Any

from ..creation import as_tensor
from ..dtypes import get_default_dtype
from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from ..keywords import Size
from ..modes import no_grad
from ..tensor import Tensor
from . import constraints

__all__ = ["Distribution", "SymmetricAboutLoc", "broadcast_all", "broadcast_shapes",
           "sum_rightmost"]


class _Defaults(threading.local):
    """The process-wide default of validate_args, per thread (PyTorch's is a class attribute;
    a thread turning validation off for speed should not turn it off for the others)."""

    validate_args = __debug__


_DEFAULTS = _Defaults()


def broadcast_shapes(op: str, *shapes: tuple[int, ...]) -> Size:
    """The broadcast of `shapes` (NumPy's rules), or ShapeError naming `op` and them all."""
    ndim = max((len(s) for s in shapes), default=0)
    out = []
    for axis in range(-ndim, 0):
        sides = {s[axis] for s in shapes if len(s) >= -axis} - {1}
        if len(sides) > 1:
            raise ShapeError(f"{op}: shapes {', '.join(str(tuple(s)) for s in shapes)} do not "
                             "broadcast")
        out.append(sides.pop() if sides else 1)
    return Size(out)


def broadcast_all(op: str, *values: Any) -> tuple[Tensor, ...]:
    """Tensors of one broadcast shape from Tensors and Python numbers (PyTorch's
    `broadcast_all`): numbers take the dtype of the first floating Tensor given, else the
    default dtype."""
    tensors = [v for v in values if isinstance(v, Tensor)]
    for v in values:
        if not isinstance(v, Tensor | Number) or isinstance(v, bool):
            raise ArgumentTypeError(f"{op}: parameters must be Tensors or numbers, got "
                                    f"{type(v).__name__} {v!r}")
    floating = [t.dtype for t in tensors if t.dtype.kind == "f"]
    dtype = floating[0] if floating else get_default_dtype()
    as_tensors = [v if isinstance(v, Tensor) else as_tensor(float(v), dtype=dtype) for v in values]
    shape = broadcast_shapes(op, *(tuple(t.shape) for t in as_tensors))
    return tuple(t if tuple(t.shape) == shape else t.expand(tuple(shape)) for t in as_tensors)


def sum_rightmost(value: Tensor, dim: int) -> Tensor:
    """value summed over its `dim` rightmost axes."""
    return value.sum(tuple(range(-dim, 0))) if dim > 0 else value


def _values_text(value: Tensor) -> str:
    return str(value.detach().tolist())


class Distribution:
    """A batch of probability distributions with PyTorch's interface: subclasses give
    `arg_constraints`, `support`, the moments, `log_prob` and `sample`/`rsample`."""

    has_rsample = False
    has_enumerate_support = False
    arg_constraints: dict[str, constraints.Constraint] = {}

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Turn argument validation on or off for distributions built later without
        `validate_args=` (in this thread)."""
        if value not in (True, False):
            raise ArgumentError(f"Distribution.set_default_validate_args: expected True or "
                                f"False, got {value!r}")
        _DEFAULTS.validate_args = bool(value)

    def __init__(self, batch_shape: Any = (), event_shape: Any = (),
                 validate_args: bool | None = None) -> None:
        self._batch_shape, self._event_shape = Size(batch_shape), Size(event_shape)
        if validate_args is not None and validate_args not in (True, False):
            raise ArgumentError(f"{type(self).__name__}: validate_args must be True, False or "
                                f"None, got {validate_args!r}")
        self._validate_args = _DEFAULTS.validate_args if validate_args is None else validate_args
        if not self._validate_args:
            return
        for param, constraint in self.arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue  # a bound given by other parameters: not checkable
            if param not in self.__dict__ and isinstance(getattr(type(self), param, None),
                                                         cached_property):
                continue  # computed from the parameter given, which is checked
            value = getattr(self, param)
            if not bool(constraint.check(value).all()):
                raise ArgumentError(
                    f"{type(self).__name__}: expected parameter {param} (Tensor of shape "
                    f"{tuple(value.shape)}) to satisfy the constraint {constraint!r}, but found "
                    f"invalid values: {_values_text(value)}")

    @property
    def batch_shape(self) -> Size:
        return self._batch_shape

    @property
    def event_shape(self) -> Size:
        return self._event_shape

    @property
    def support(self) -> constraints.Constraint:
        raise NotImplementedError

    @property
    def mean(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no mean")

    @property
    def mode(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no mode")

    @property
    def variance(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no variance")

    @property
    def stddev(self) -> Tensor:
        return self.variance.sqrt()

    def expand(self, batch_shape: Any, _instance: Any = None) -> Distribution:
        raise NotImplementedError(f"{type(self).__name__} has no expand")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """A draw of shape sample_shape + batch_shape + event_shape, outside the graph."""
        with no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """A reparameterized draw: differentiable with respect to the parameters."""
        raise NotImplementedError(f"{type(self).__name__} has no rsample (has_rsample is "
                                  "False): use sample()")

    def sample_n(self, n: int) -> Tensor:
        return self.sample((n,))

    def log_prob(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no log_prob")

    def cdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no cdf")

    def icdf(self, value: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no icdf")

    def entropy(self) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no entropy")

    def enumerate_support(self, expand: bool = True) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} has no enumerate_support")

    def perplexity(self) -> Tensor:
        return self.entropy().exp()

    def _extended_shape(self, sample_shape: Any = ()) -> Size:
        if isinstance(sample_shape, int) or not isinstance(sample_shape, tuple | list | Size) \
                or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0
                           for n in sample_shape):
            raise ArgumentTypeError(f"{type(self).__name__}.sample: sample_shape must be a "
                                    f"tuple or torch.Size of non-negative ints, got "
                                    f"{sample_shape!r}")
        return Size(tuple(sample_shape) + tuple(self._batch_shape) + tuple(self._event_shape))

    def _validate_sample(self, value: Any) -> None:
        """Refuse a value whose shape does not broadcast with batch_shape + event_shape,
        or that lies outside the support (PyTorch's checks)."""
        name = type(self).__name__
        if not isinstance(value, Tensor):
            raise ArgumentTypeError(f"{name}: the value argument to log_prob must be a Tensor, "
                                    f"got {type(value).__name__}")
        shape, event = tuple(value.shape), tuple(self._event_shape)
        if event and shape[len(shape) - len(event):] != event:
            raise ShapeError(f"{name}: the right-most size of value must match event_shape: "
                             f"{shape} vs {event}")
        expected = tuple(self._batch_shape) + event
        for i, j in zip(reversed(shape), reversed(expected)):
            if i != 1 and j != 1 and i != j:
                raise ShapeError(f"{name}: value of shape {shape} is not broadcastable with "
                                 f"batch_shape + event_shape {expected}")
        if not bool(self.support.check(value).all()):
            raise ArgumentError(f"{name}: expected value argument (Tensor of shape {shape}) to "
                                f"be within the support ({self.support!r}), but found invalid "
                                f"values: {_values_text(value)}")

    def _checked(self, value: Any) -> Any:
        if self._validate_args:
            self._validate_sample(value)
        return value

    def _new_expanded(self, batch_shape: Any, instance: Any) -> tuple[Any, Size]:
        """An empty instance for expand() and the checked new batch shape."""
        shape = Size(batch_shape)
        try:
            broadcast_shapes(f"{type(self).__name__}.expand", tuple(self._batch_shape), shape)
        except ShapeError:
            raise ShapeError(f"{type(self).__name__}.expand: batch_shape {tuple(shape)} does not "
                             f"extend {tuple(self._batch_shape)}") from None
        new = type(self).__new__(type(self)) if instance is None else instance
        return new, shape

    def _finish_expanded(self, new: Distribution, batch_shape: Size) -> Distribution:
        Distribution.__init__(new, batch_shape, self._event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def __repr__(self) -> str:
        values = [(p, self.__dict__[p]) for p in self.arg_constraints if p in self.__dict__]
        text = ", ".join(f"{p}: {v.item() if v.numel() == 1 else tuple(v.shape)}"
                         for p, v in values)
        return f"{type(self).__name__}({text})"


class SymmetricAboutLoc(Distribution):
    """A distribution symmetric and unimodal about its parameter `loc` (Normal, Laplace,
    MultivariateNormal): loc is both its mean and its mode."""

    loc: Tensor

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc
