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

from .. import ops
from ..autograd.function import new_tensor
from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from ..keywords import axis_keywords, normalize_axes, one_axis, variance_ddof
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
        kind = self.data.dtype.kind
        if kind == "f" and self.data.dtype.itemsize > 2:  # float32/64: the common case
            return self.sum(axes, keepdims) * factor
        if kind == "f":
            return (self.astype(np.float32).sum(axes, keepdims) * factor).astype(self.dtype)
        return self.astype(np.float64).sum(axes, keepdims) * factor

    def var(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0, *,
            dim: Axis = None, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None) -> Tensor:
        """mean of squared deviations, sum((x - mean)^2) / (n - ddof): a composite. With no
        degrees of freedom (n <= ddof) it divides by 0 as NumPy does: NaN where the squared
        deviations sum to 0, inf elsewhere. PyTorch's `correction=` is `ddof`,
        `unbiased=True` is ddof=1 (the default stays 0)."""
        return self._variance("var", axis, keepdims, ddof, dim, keepdim, correction, unbiased)

    def _variance(self, op: str, axis: Axis, keepdims: bool, ddof: int, dim: Axis,
                  keepdim: bool | None, correction: float | None, unbiased: bool | None
                  ) -> Tensor:
        """var's work, its errors naming `op` (var or std). NumPy's `ddof` is an int; a
        PyTorch `correction` may be fractional."""
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords(op, axis, keepdims, dim, keepdim)
        if not isinstance(ddof, int | np.integer) or isinstance(ddof, bool):
            raise ArgumentTypeError(f"{op}: ddof must be an int, got {type(ddof).__name__} "
                                    f"{ddof!r}")
        if correction is not None or unbiased is not None:
            ddof = variance_ddof(op, ddof, correction, unbiased)
        axes = normalize_axes(op, axis, self.ndim, scalar_axis=True)
        count = math.prod([self.shape[a] for a in axes])
        centered = self - self.mean(axes, keepdims=True)
        factor = 1.0 / (count - ddof) if count > ddof else math.inf
        return (centered * centered).sum(axes, keepdims) * factor

    def std(self, axis: Axis = None, keepdims: bool = False, ddof: int = 0, *,
            dim: Axis = None, keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None) -> Tensor:
        """sqrt(var) over the axes; ddof (PyTorch: `correction`, `unbiased`) as `var`: 0 unless
        given, so x.std()**2 == x.var()."""
        return _root(self._variance("std", axis, keepdims, ddof, dim, keepdim, correction,
                                    unbiased))

    def _check_nonempty(self, op: str, axes: tuple[int, ...]) -> None:
        if any(self.shape[a] == 0 for a in axes):  # an empty axis has no max; other axes may
            raise ShapeError(f"{op}: zero-size reduction over axes {axes} of shape {self.shape}")

    def max(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("max", axis, keepdims, dim, keepdim)
        axes = normalize_axes("max", axis, self.ndim, scalar_axis=True)
        self._check_nonempty("max", axes)
        return ops.Max.apply(self, axes=axes, keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("min", axis, keepdims, dim, keepdim)
        axes = normalize_axes("min", axis, self.ndim, scalar_axis=True)
        self._check_nonempty("min", axes)
        return ops.Min.apply(self, axes=axes, keepdims=keepdims)

    def prod(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
             keepdim: bool | None = None) -> Tensor:
        """Product of the values along one axis, or of all of them when no axis is given."""
        axis, keepdims = axis_keywords("prod", axis, keepdims or None, dim, keepdim)
        if axis is None:
            flat = ops.Prod.apply(self.reshape(-1), axis=0, keepdims=False)
            return flat.reshape((1,) * self.ndim) if keepdims else flat
        return ops.Prod.apply(self, axis=one_axis("prod", self.ndim, axis, None),
                              keepdims=keepdims)

    def cumsum(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Running sums along `axis` (required, as in PyTorch)."""
        return ops.Cumsum.apply(self, axis=one_axis("cumsum", self.ndim, axis, dim))

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
                  keepdim: bool | None = None) -> Tensor:
        """log sum_i e^(x_i) = m + log sum_i e^(x_i - m), m = max x (a constant: no exponent
        is positive, so no overflow); the gradient is softmax(x)."""
        axis, keepdims = axis_keywords("logsumexp", axis, keepdims or None, dim, keepdim)
        axes = normalize_axes("logsumexp", axis, self.ndim)
        if self.data.size == 0:
            raise ShapeError(f"logsumexp: the tensor (shape {self.shape}) has no elements")
        m = np.max(self.data, axis=axes, keepdims=True)
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
            return self.abs().max(axis, keepdims)
        if p == -math.inf:
            return self.abs().min(axis, keepdims)
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
        if self.data.size == 0:
            raise ShapeError(f"{op}: the tensor (shape {self.shape}) has no elements")
        if axis is not None:
            axis = one_axis(op, self.ndim, axis, None)
        return new_tensor(np.asarray(pick(self.data, axis=axis, keepdims=bool(keepdims)))
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
        return new_tensor(np.asarray(reduce(self.data.astype(bool, copy=False), axis=axes,
                                            keepdims=bool(keepdims))))


def _root(v: Tensor) -> Tensor:
    """sqrt(v) for std and the 2-norm, with PyTorch's gradient 0 where v = 0 (a constant
    vector, the zero vector): there d sqrt = inf meets an inner derivative 0, which would
    give NaN. Elsewhere (NaN included) it is sqrt itself."""
    nonzero = v.data != 0
    return where(nonzero, where(nonzero, v, 1.0).sqrt(), 0.0)
