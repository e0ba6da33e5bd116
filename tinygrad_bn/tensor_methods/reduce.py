"""Reductions as Tensor methods: sum, mean, var, std, max, min, prod, cumsum, logsumexp,
norm, and the queries argmax, argmin, any, all.

Every axis argument takes NumPy's `axis=`/`keepdims=` and PyTorch's `dim=`/`keepdim=`
(tinygrad_bn/keywords.py). Sum, max, min, prod and cumsum are primitive ops
(tinygrad_bn/ops/reduce.py); mean, var, std, logsumexp and norm are composites of them,
so their gradients follow. The queries return tensors without a graph, as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.function import is_tensor, new_tensor
from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from ..keywords import axis_keywords, correction_of, dim_keywords, normalize_axes, one_axis
from .elementwise import where

if TYPE_CHECKING:
    from ..tensor import Tensor

Axis = int | Sequence[int] | None


class ReduceMethods:
    """The mixin of Tensor's reductions."""

    __slots__ = ()

    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("sum", axis, keepdims, dim, keepdim)
        axes = normalize_axes("sum", axis, self.ndim, scalar_axis=True)
        return ops.Sum.apply(self, axes=axes, keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
             keepdim: bool | None = None) -> Tensor:
        """sum / n over the axes: a composite, its gradient g/n follows from Sum and Mul.
        Over an empty axis (n = 0) the mean is NaN, as in NumPy and PyTorch. As NumPy,
        integers and bools are averaged in float64 (their sum could wrap around) and
        float16 is summed in float32 (its sum overflows past 65504), the result cast back."""
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("mean", axis, keepdims, dim, keepdim)
        axes = normalize_axes("mean", axis, self.ndim, scalar_axis=True)
        count = math.prod([self.shape[a] for a in axes])
        factor = 1.0 / count if count else math.nan
        kind = self._data.dtype.kind
        if kind == "f" and self._data.dtype.itemsize > 2:  # float32/64: the common case
            return self.sum(axes, keepdims) * factor
        if kind == "f":
            return (self.astype(np.float32).sum(axes, keepdims) * factor).astype(self.dtype)
        return self.astype(np.float64).sum(axes, keepdims) * factor

    def var(self, dim: Axis = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None, axis: Axis = None, keepdims: bool | None = None,
            ddof: float | None = None) -> Tensor:
        """sum((x - mean)^2) / (n - correction) over the axes: a composite. The correction is
        1 by default (the unbiased estimate, as PyTorch; `correction=0` divides by n), may
        be a float, and is also given as `unbiased=` or NumPy's `ddof=`. With no degrees of
        freedom left (n <= correction) it divides by 0 as PyTorch does: NaN where the squared
        deviations sum to 0, inf elsewhere."""
        return self._variance("var", dim, unbiased, keepdim, correction, axis, keepdims, ddof)

    def std(self, dim: Axis = None, unbiased: bool | None = None, keepdim: bool = False, *,
            correction: float | None = None, axis: Axis = None, keepdims: bool | None = None,
            ddof: float | None = None) -> Tensor:
        """sqrt(var) over the axes, with var's correction (1 by default)."""
        return _root(self._variance("std", dim, unbiased, keepdim, correction, axis,
                                    keepdims, ddof))

    def _variance(self, op: str, dim: Axis, unbiased: Any, keepdim: Any, correction: Any,
                  axis: Axis, keepdims: Any, ddof: Any) -> Tensor:
        if isinstance(unbiased, int | tuple | list) and not isinstance(unbiased, bool):
            raise ArgumentTypeError(f"{op}: unbiased must be True or False, got {unbiased!r} "
                                    f"(axes go first: {op}(dim, unbiased, keepdim))")
        dim, keepdim = dim_keywords(op, dim, keepdim, axis, keepdims)
        correction = correction_of(op, correction, unbiased, ddof)
        axes = normalize_axes(op, dim, self.ndim, scalar_axis=True)
        count = math.prod([self.shape[a] for a in axes])
        centered = self - self.mean(axes, keepdims=True)
        factor = 1.0 / (count - correction) if count > correction else math.inf
        return (centered * centered).sum(axes, keepdim) * factor

    def _check_nonempty(self, op: str, axes: tuple[int, ...]) -> None:
        if any(self.shape[a] == 0 for a in axes):  # an empty axis has no max; other axes may
            raise ShapeError(f"{op}: zero-size reduction over axes {axes} of shape {self.shape}")

    def max(self, dim: Any = None, keepdim: bool = False, *, axis: Axis = None,
            keepdims: bool | None = None) -> Any:
        """With no axis: the largest value (its gradient split evenly between ties). With one
        axis (an int): PyTorch's named tuple `(values, indices)`, the first maximum's index,
        which alone receives the gradient. With a tensor: the elementwise maximum. A tuple
        of axes gives the values only (as `amax`)."""
        return self._extremum("max", return_types.max, ops.Max, np.argmax, dim, keepdim, axis,
                              keepdims)

    def min(self, dim: Any = None, keepdim: bool = False, *, axis: Axis = None,
            keepdims: bool | None = None) -> Any:
        """As `max`, for the smallest value."""
        return self._extremum("min", return_types.min, ops.Min, np.argmin, dim, keepdim, axis,
                              keepdims)

    def amax(self, dim: Axis = (), keepdim: bool = False, *, axis: Axis = None,
             keepdims: bool | None = None) -> Tensor:
        """The largest values over `dim` (all axes when empty); the gradient is split evenly
        between ties."""
        return self._reduce_extremum("amax", ops.Max, dim, keepdim, axis, keepdims)

    def amin(self, dim: Axis = (), keepdim: bool = False, *, axis: Axis = None,
             keepdims: bool | None = None) -> Tensor:
        """The smallest values over `dim` (all axes when empty), as `amax`."""
        return self._reduce_extremum("amin", ops.Min, dim, keepdim, axis, keepdims)

    def _reduce_extremum(self, op: str, kind: type, dim: Axis, keepdim: Any, axis: Axis,
                         keepdims: Any) -> Tensor:
        dim, keepdim = dim_keywords(op, None if isinstance(dim, tuple) and not dim else dim,
                                    keepdim, axis, keepdims)
        axes = normalize_axes(op, None if dim == () else dim, self.ndim, scalar_axis=True)
        self._check_nonempty(op, axes)
        return kind.apply(self, axes=axes, keepdims=bool(keepdim))

    def _extremum(self, op: str, result: type, kind: type, pick: Any, dim: Any, keepdim: Any,
                  axis: Axis, keepdims: Any) -> Any:
        if is_tensor(dim) or isinstance(dim, np.ndarray):  # x.max(y): elementwise
            return (ops.Maximum if op == "max" else ops.Minimum).apply(self, self._coerce(dim))
        dim, keepdim = dim_keywords(op, dim, keepdim, axis, keepdims)
        if dim is None or not isinstance(dim, int | np.integer):
            return self._reduce_extremum(op, kind, dim, keepdim, None, None)
        (axis,) = normalize_axes(op, dim, self.ndim, scalar_axis=True) or (None,)
        if axis is None:  # a 0-d tensor: dim 0 names no axis
            return result(self * 1, new_tensor(np.zeros((), dtype=np.int64)))
        self._check_nonempty(op, (axis,))
        indices = np.expand_dims(pick(self._data, axis=axis), axis)
        values = self.gather(axis, indices)  # the gradient goes to the chosen index alone
        if not keepdim:
            indices = indices.squeeze(axis)
            values = values.squeeze(axis)
        return result(values, new_tensor(indices.astype(np.int64)))

    def prod(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
             keepdim: bool | None = None) -> Tensor:
        """Product of the values along one axis, or of all of them when no axis is given."""
        axis, keepdims = axis_keywords("prod", axis, keepdims or None, dim, keepdim)
        if axis is None:
            flat = ops.Prod.apply(self.reshape(-1), axis=0, keepdims=False)
            return flat.reshape((1,) * self.ndim) if keepdims else flat
        return ops.Prod.apply(self, axis=one_axis("prod", self.ndim, axis, None),
                              keepdims=keepdims)

    def cumsum(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """Running sums along `dim` (required, as in PyTorch; a 0-d tensor takes 0 or -1)."""
        if self.ndim == 0:
            one_axis("cumsum", 1, dim, axis)  # checks the axis as for one element
            return self.reshape(1).cumsum(0).reshape(())
        return ops.Cumsum.apply(self, axis=one_axis("cumsum", self.ndim, dim, axis))

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
                  keepdim: bool | None = None) -> Tensor:
        """log sum_i e^(x_i) = m + log sum_i e^(x_i - m), m = max x (a constant: no exponent
        is positive, so no overflow); the gradient is softmax(x)."""
        axis, keepdims = axis_keywords("logsumexp", axis, keepdims or None, dim, keepdim)
        axes = normalize_axes("logsumexp", axis, self.ndim)
        if self._data.size == 0:
            raise ShapeError(f"logsumexp: the tensor (shape {self.shape}) has no elements")
        m = np.max(self._data, axis=axes, keepdims=True)
        m = new_tensor(np.where(np.isfinite(m), m, 0).astype(self.dtype))
        out = (self - m).exp().sum(axes, keepdims=True).log() + m
        return out if keepdims else out.squeeze(axes)

    def norm(self, p: Any = "fro", axis: Axis = None, keepdims: bool = False, *,
             dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """The vector p-norm over the axes (all by default): (sum |x|^p)^(1/p); "fro" and 2
        are sqrt(sum x^2), 1 is sum |x|, inf max |x|, -inf min |x|."""
        axis, keepdims = axis_keywords("norm", axis, keepdims or None, dim, keepdim)
        if p in ("fro", 2, 2.0):
            return _root((self * self).sum(axis, keepdims))
        if p == 1:
            return self.abs().sum(axis, keepdims)
        if p == math.inf:
            return self.abs().amax(() if axis is None else axis, keepdims)
        if p == -math.inf:
            return self.abs().amin(() if axis is None else axis, keepdims)
        if not isinstance(p, int | float) or p <= 0:
            raise ArgumentError(f"norm: p must be 'fro', inf, -inf or a number > 0, got {p!r}")
        return (self.abs() ** float(p)).sum(axis, keepdims) ** (1.0 / p)

    # ---- queries: no gradient ----
    def argmax(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None, keepdim: bool | None = None) -> Tensor:
        """Index (int64) of the largest value along `axis`, the first one on ties; of the
        flattened tensor when no axis is given."""
        return self._arg_extremum("argmax", np.argmax, axis, keepdims, dim, keepdim)

    def argmin(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None, keepdim: bool | None = None) -> Tensor:
        """Index (int64) of the smallest value along `axis`, the first one on ties."""
        return self._arg_extremum("argmin", np.argmin, axis, keepdims, dim, keepdim)

    def _arg_extremum(self, op: str, pick: Any, axis: Any, keepdims: Any, dim: Any,
                      keepdim: Any) -> Tensor:
        axis, keepdims = axis_keywords(op, axis, keepdims or None, dim, keepdim)
        if self._data.size == 0:
            raise ShapeError(f"{op}: the tensor (shape {self.shape}) has no elements")
        if axis is not None:
            axis = one_axis(op, self.ndim, axis, None)
        return new_tensor(np.asarray(pick(self._data, axis=axis, keepdims=bool(keepdims)))
                          .astype(np.int64))

    def any(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        """True where any value along `axis` (all axes by default) is nonzero (a bool
        tensor)."""
        return self._logical("any", np.logical_or.reduce, axis, keepdims, dim, keepdim)

    def all(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        """True where every value along `axis` (all axes by default) is nonzero (a bool
        tensor)."""
        return self._logical("all", np.logical_and.reduce, axis, keepdims, dim, keepdim)

    def _logical(self, op: str, reduce: Any, axis: Axis, keepdims: Any, dim: Axis,
                 keepdim: Any) -> Tensor:
        axis, keepdims = axis_keywords(op, axis, keepdims or None, dim, keepdim)
        axes = normalize_axes(op, axis, self.ndim)
        return new_tensor(np.asarray(reduce(self._data.astype(bool, copy=False), axis=axes,
                                            keepdims=bool(keepdims))))


def _root(v: Tensor) -> Tensor:
    """sqrt(v) for std and the 2-norm, with PyTorch's gradient 0 where v = 0 (a constant
    vector, the zero vector): there d sqrt = inf meets an inner derivative 0, which would
    give NaN. Elsewhere (NaN included) it is sqrt itself."""
    nonzero = v._data != 0
    return where(nonzero, where(nonzero, v, 1.0).sqrt(), 0.0)
