"""Numerical calculus on sampled values, as PyTorch's functions: trapezoid (trapz) and
cumulative_trapezoid integrate y along one axis by the trapezoidal rule, gradient
estimates derivatives by central differences.

With sample points x (or a spacing dx):
    trapezoid(y)            = sum_i (x[i+1] - x[i]) (y[i] + y[i+1]) / 2
    cumulative_trapezoid(y) = the running sums of those terms (one fewer than y)
    gradient(f)[i]          = the second-order central difference at the interior points,
                              first- or second-order one-sided differences at the edges

Each is slicing, arithmetic and a sum or cumsum of Tensors, so the gradients of every
order (in y, and in x where x is a tensor) are those of the composite; the formulas are
PyTorch's own, term for term, so the values agree to rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.primitive import as_tensor, is_tensor
from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from ..keywords import one_axis
from .axis_alias import takes_axis
from .elementwise import floating
from .movement import concatenate

if TYPE_CHECKING:
    from ..tensor import Tensor


def _along(x: Tensor, axis: int, start: int | None, stop: int | None) -> Tensor:
    """x[..., start:stop, ...] on `axis`."""
    return x[(slice(None),) * axis + (slice(start, stop),)]


def _number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and \
        not isinstance(value, bool)


def _spacing_as_samples(name: str, y: Tensor, x: Any, axis: int) -> Tensor:
    """The differences x[i+1] - x[i] along `axis`, shaped to broadcast with y's slices: a
    1-d x lies along the axis (one point per sample), a tensor of fewer dims is padded in
    front with 1s."""
    if _number(x):
        raise ArgumentTypeError(f"{name}: x must be a tensor of sample points, got the number "
                                f"{x!r}; pass a constant spacing as dx=")
    x = as_tensor(x)
    if x.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise ShapeError(f"{name}: there must be one x value for each sample point: x has "
                             f"{x.shape[0]}, y (shape {y.shape}) has {y.shape[axis]} along "
                             f"dim {axis}")
        x = x.reshape((1,) * axis + (-1,) + (1,) * (y.ndim - axis - 1))
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + x.shape)
    elif x.ndim > y.ndim:
        raise ShapeError(f"{name}: x of shape {x.shape} has more dims than y of shape "
                         f"{y.shape}")
    if x.shape[axis] not in (1, y.shape[axis]):
        raise ShapeError(f"{name}: x of shape {x.shape} does not match y of shape {y.shape} "
                         f"along dim {axis}")
    return _along(x, axis, 1, None) - _along(x, axis, None, -1)


def _setup(name: str, y: Any, x: Any, dx: Any, dim: Any) -> tuple[Tensor, int, Any]:
    if not is_tensor(y):
        raise ArgumentTypeError(f"{name}: y must be a Tensor, got {type(y).__name__}")
    if y.ndim == 0:
        raise ShapeError(f"{name}: y must have at least 1 dim, got a 0-d tensor")
    axis = one_axis(name, y.ndim, None, dim)
    y = floating(y)
    if x is not None and dx is not None:
        raise ArgumentError(f"{name}: pass the sample points x or the spacing dx, not both")
    if x is not None:
        return y, axis, _spacing_as_samples(name, y, x, axis)
    dx = 1 if dx is None else dx
    if not _number(dx):
        raise ArgumentTypeError(f"{name}: dx must be a number, got {type(dx).__name__}; pass "
                                f"sample points as x")
    return y, axis, dx


@takes_axis
def trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """The integral of y along dim by the trapezoidal rule, at sample points x (a 1-d
    tensor along dim, or one that broadcasts with y) or at a constant spacing dx (default
    1); 0 where dim has fewer than 2 samples."""
    return _trapezoid("trapezoid", y, x, dx, dim)


def _trapezoid(name: str, y: Tensor, x: Any, dx: Any, dim: Any) -> Tensor:
    y, axis, step = _setup(name, y, x, dx, dim)
    if y.shape[axis] == 0:
        return y.sum(axis) * 0
    if is_tensor(step):
        return (step * (_along(y, axis, 1, None) + _along(y, axis, None, -1))).sum(axis) / 2
    ends = y.select(axis, 0) + y.select(axis, -1)
    return (y.sum(axis) - ends * 0.5) * step


@takes_axis
def trapz(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1) -> Tensor:
    """trapezoid's older name."""
    return _trapezoid("trapz", y, x, dx, dim)


@takes_axis
def cumulative_trapezoid(y: Tensor, x: Any = None, *, dx: Any = None, dim: int = -1
                         ) -> Tensor:
    """The running integral of y along dim by the trapezoidal rule: element i is the
    integral from the first sample to sample i + 1 (one fewer element than y along dim)."""
    y, axis, step = _setup("cumulative_trapezoid", y, x, dx, dim)
    pairs = _along(y, axis, 1, None) + _along(y, axis, None, -1)
    if is_tensor(step):
        return (step * pairs / 2).cumsum(axis)
    return (pairs * (step / 2)).cumsum(axis)


@takes_axis
def gradient(input: Tensor, *, spacing: Any = 1, dim: Any = None,  # noqa: A002
             edge_order: int = 1) -> tuple[Tensor, ...]:
    """The derivative of the sampled function along each dim of `dim` (default every dim),
    one tensor per dim: central differences inside, one-sided ones of order edge_order (1
    or 2) at the two edges. `spacing`: one number for every dim, one number per dim, or
    one 1-d tensor of coordinates per dim (unevenly spaced samples); None is 1, as
    PyTorch's."""
    if not is_tensor(input):
        raise ArgumentTypeError(f"gradient: input must be a Tensor, got {type(input).__name__}")
    if input.ndim == 0:
        raise ShapeError("gradient: input must have at least 1 dim, got a 0-d tensor")
    if edge_order not in (1, 2) or isinstance(edge_order, bool):
        raise ArgumentError(f"gradient: edge_order must be 1 or 2, got {edge_order!r}")
    dims = list(range(input.ndim)) if dim is None else \
        [dim] if isinstance(dim, int | np.integer) else list(dim)
    axes = [one_axis("gradient", input.ndim, None, d) for d in dims]
    if len(set(axes)) != len(axes):
        raise ArgumentError(f"gradient: dim {dims} names an axis twice")
    if spacing is None or _number(spacing):
        spacings = [1 if spacing is None else spacing] * len(axes)
    elif isinstance(spacing, Sequence) and not isinstance(spacing, str) or is_tensor(spacing) \
            and spacing.ndim == 1 and len(axes) == 1:
        spacings = [spacing] if is_tensor(spacing) else list(spacing)
    else:
        raise ArgumentTypeError(f"gradient: spacing must be a number, or a list of numbers or "
                                f"of 1-d coordinate tensors (one per dim), got "
                                f"{type(spacing).__name__}")
    if len(spacings) != len(axes):
        raise ArgumentError(f"gradient: spacing has {len(spacings)} entries but there are "
                            f"{len(axes)} dims to differentiate along ({axes}); give one per "
                            f"dim, or a single number")
    f = floating(input)
    out = []
    for axis, step in zip(axes, spacings):
        if f.shape[axis] < edge_order + 1:
            raise ShapeError(f"gradient: each dim must have at least edge_order + 1 = "
                             f"{edge_order + 1} samples, dim {axis} of shape {f.shape} has "
                             f"{f.shape[axis]}")
        if _number(step):
            out.append(_uniform(f, axis, step, edge_order))
        else:
            out.append(_coordinates(f, axis, step, edge_order))
    return tuple(out)


def _uniform(f: Tensor, axis: int, h: Any, edge_order: int) -> Tensor:
    """The differences at a constant spacing h."""
    def s(start: int | None, stop: int | None) -> Tensor:
        return _along(f, axis, start, stop)
    center = (s(2, None) - s(None, -2)) / h / 2
    if edge_order == 1:
        first, last = (s(1, 2) - s(0, 1)) / h, (s(-1, None) - s(-2, -1)) / h
    else:
        first = (s(0, 1) * -1.5 + s(1, 2) * 2 - s(2, 3) * 0.5) / h
        last = (s(-3, -2) * 0.5 - s(-2, -1) * 2 + s(-1, None) * 1.5) / h
    return concatenate([first, center, last], axis)


def _coordinates(f: Tensor, axis: int, coordinates: Any, edge_order: int) -> Tensor:
    """The differences at samples placed at `coordinates` (a 1-d tensor along axis)."""
    x = as_tensor(coordinates)
    if x.ndim != 1 or x.shape[0] != f.shape[axis]:
        raise ShapeError(f"gradient: the coordinates along dim {axis} must be a 1-d tensor of "
                         f"{f.shape[axis]} points (the input's shape is {f.shape}), got shape "
                         f"{x.shape}")
    shape = (1,) * axis + (-1,) + (1,) * (f.ndim - axis - 1)
    d = x[1:] - x[:-1]
    d1, d2 = d[:-1], d[1:]

    def s(start: int | None, stop: int | None) -> Tensor:
        return _along(f, axis, start, stop)
    a = (-d2 / (d1 * (d1 + d2))).reshape(shape)
    b = ((d2 - d1) / (d1 * d2)).reshape(shape)
    c = (d1 / (d2 * (d1 + d2))).reshape(shape)
    center = a * s(None, -2) + b * s(1, -1) + c * s(2, None)
    if edge_order == 1:
        first, last = (s(1, 2) - s(0, 1)) / d[0], (s(-1, None) - s(-2, -1)) / d[-1]
    else:
        h0, h1 = d[0], d[1]
        first = -(h0 * 2 + h1) / (h0 * (h0 + h1)) * s(0, 1) + (h0 + h1) / (h0 * h1) * s(1, 2) \
            - h0 / (h1 * (h0 + h1)) * s(2, 3)
        h0, h1 = d[-2], d[-1]
        last = h1 / (h0 * (h1 + h0)) * s(-3, -2) - (h1 + h0) / (h1 * h0) * s(-2, -1) \
            + (h1 * 2 + h0) / (h1 * (h1 + h0)) * s(-1, None)
    return concatenate([first, center, last], axis)
