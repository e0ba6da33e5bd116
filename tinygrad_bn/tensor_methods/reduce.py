"""Reductions as Tensor methods: sum, mean, var, std, max, min, prod, cumsum, logsumexp,
norm, and the queries argmax, argmin, any, all; the norms of tg.linalg (vector_norm,
matrix_norm, norm).

Every axis argument takes NumPy's `axis=`/`keepdims=` and PyTorch's `dim=`/`keepdim=`
(tinygrad_bn/keywords.py). Sum, max, min, prod and cumsum are primitive ops
(tinygrad_bn/ops/reduce.py); mean, var, std, logsumexp and the norms are composites of
them, so their gradients follow. vector_norm(x, p) = (sum |x|^p)^(1/p) (inf: max |x|,
-inf: min |x|, 0: the count of nonzeros, without a gradient), the 2-norm with PyTorch's
gradient 0 at the zero vector; matrix_norm's 1 and inf are the largest column and row
sums of |A|, 2 and -2 the largest and smallest singular values (ops.SingularValues),
"nuc" their sum. The queries return tensors without a graph, as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import as_tensor, is_tensor, new_tensor
from ..dtypes import as_dtype
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, EmptyReductionError, ShapeError
from ..keywords import (
    axis_keywords,
    correction_of,
    dim_keywords,
    every_axis_if_empty,
    normalize_axes,
    one_axis,
    unbiased_overload,
)
from ..modes import is_grad_enabled
from .elementwise import floating as to_floating
from .elementwise import where

if TYPE_CHECKING:
    from ..tensor import Tensor

Axis = int | Sequence[int] | None


class ReduceMethods:
    """The mixin of Tensor's reductions."""

    __slots__ = ()

    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None, dtype: Any = None) -> Tensor:
        """The sum over the axes (all by default); ints and bools sum in int64, as PyTorch's;
        `dtype=` casts first."""
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("sum", axis, keepdims, every_axis_if_empty(dim),
                                           keepdim)
        x = _signed(self) if dtype is None else _cast_first("sum", self, dtype)
        axes = normalize_axes("sum", axis, x.ndim, scalar_axis=True)
        return _in_dtype(ops.Sum.apply(x, axes=axes, keepdims=keepdims), dtype, x.dtype)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
             keepdim: bool | None = None, dtype: Any = None) -> Tensor:
        """sum / n over the axes: a composite, its gradient g/n follows from Sum and Mul.
        Over an empty axis (n = 0) the mean is NaN, as in NumPy and PyTorch. As PyTorch,
        the input must be floating unless `dtype=` (a floating dtype, the input cast to it
        first) is given: the mean of ints has no dtype to infer. float16 is summed in
        float32 (its sum overflows past 65504), the result cast back."""
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("mean", axis, keepdims, every_axis_if_empty(dim),
                                           keepdim)
        x = floating_mean_input("mean", self, dtype)
        axes = normalize_axes("mean", axis, x.ndim, scalar_axis=True)
        count = math.prod([x.shape[a] for a in axes])
        factor = 1.0 / count if count else math.nan
        if x.dtype.itemsize > 2:  # float32/64: the common case
            return _scaled_by_constant(x.sum(axes, keepdims) * factor)
        return _scaled_by_constant(x.astype(np.float32).sum(axes, keepdims) * factor
                                   ).astype(x.dtype)

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
        dim, unbiased = unbiased_overload(op, dim, unbiased)
        if isinstance(unbiased, int | tuple | list) and not isinstance(unbiased, bool):
            raise ArgumentTypeError(f"{op}: unbiased must be True or False, got {unbiased!r} "
                                    f"(axes go first: {op}(dim, unbiased, keepdim))")
        dim, keepdim = dim_keywords(op, every_axis_if_empty(dim), keepdim, axis, keepdims)
        correction = correction_of(op, correction, unbiased, ddof)
        floating(op, self, "std and var only support floating tensors")
        axes = normalize_axes(op, dim, self.ndim, scalar_axis=True)
        count = math.prod([self.shape[a] for a in axes])
        if count <= correction:  # dividing by 0: PyTorch's gradient, not inf - inf
            slope = None if dim is None or not self.ndim else \
                2.0 / (count - correction) if count != correction else math.inf
            return ops.VarianceWithoutFreedom.apply(self, axes=axes, keepdims=keepdim,
                                                    slope=slope)
        centered = self - self.mean(axes, keepdims=True)
        return (centered * centered).sum(axes, keepdim) * (1.0 / (count - correction))

    def _check_nonempty(self, op: str, axes: tuple[int, ...]) -> None:
        if any(self.shape[a] == 0 for a in axes):  # an empty axis has no max; other axes may
            raise EmptyReductionError(f"{op}: zero-size reduction over axes {axes} of shape "
                                      f"{self.shape}")

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
            return (ops.Maximum if op == "max" else ops.Minimum).apply(*self._operands(dim, op))
        dim, keepdim = dim_keywords(op, dim, keepdim, axis, keepdims)
        if dim is None or not isinstance(dim, int | np.integer):
            return self._reduce_extremum(op, kind, dim, keepdim, None, None)
        (axis,) = normalize_axes(op, dim, self.ndim, scalar_axis=True) or (None,)
        if axis is None:  # a 0-d tensor: dim 0 names no axis
            return result(self.clone(), new_tensor(np.zeros((), dtype=np.int64)))
        self._check_nonempty(op, (axis,))
        indices = np.expand_dims(pick(self._data, axis=axis), axis)
        values = self.gather(axis, indices)  # the gradient goes to the chosen index alone
        if not keepdim:
            indices = indices.squeeze(axis)
            values = values.squeeze(axis)
        return result(values, new_tensor(indices.astype(np.int64)))

    def prod(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
             keepdim: bool | None = None, dtype: Any = None) -> Tensor:
        """Product of the values along one axis, or of all of them when no axis is given
        (`dtype=` casts first)."""
        axis, keepdims = axis_keywords("prod", axis, keepdims or None, dim, keepdim)
        x = _signed(self) if dtype is None else _cast_first("prod", self, dtype)
        if axis is not None and x.ndim == 0:  # dim 0 or -1 of a 0-d tensor: all of it
            one_axis("prod", 1, axis, None)
            axis = None
        if axis is None:
            flat = ops.Prod.apply(x.reshape(-1), axis=0, keepdims=False)
            return _in_dtype(flat.reshape((1,) * x.ndim) if keepdims else flat, dtype, x.dtype)
        return _in_dtype(ops.Prod.apply(x, axis=one_axis("prod", x.ndim, axis, None),
                                        keepdims=keepdims), dtype, x.dtype)

    def cumsum(self, dim: int | None = None, *, axis: int | None = None,
               dtype: Any = None) -> Tensor:
        """Running sums along `dim` (required, as in PyTorch; a 0-d tensor takes 0 or -1);
        `dtype=` casts first."""
        x = self if dtype is None else _cast_first("cumsum", self, dtype)
        if x.ndim == 0:
            one_axis("cumsum", 1, dim, axis)  # checks the axis as for one element
            return x.reshape(1).cumsum(0).reshape(())
        return ops.Cumsum.apply(_signed(x), axis=one_axis("cumsum", x.ndim, dim, axis))

    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
                  keepdim: bool | None = None) -> Tensor:
        """log sum_i e^(x_i) = m + log sum_i e^(x_i - m), m = max x (a constant: no exponent
        is positive, so no overflow); the gradient is softmax(x). Integers in the default
        dtype; over no elements -inf, as PyTorch."""
        axis, keepdims = axis_keywords("logsumexp", axis, keepdims or None, dim, keepdim)
        axis = every_axis_if_empty(axis)  # (PyTorch's signature: no NumPy reading of ())
        x = to_floating(self)
        axes = normalize_axes("logsumexp", axis, x.ndim, scalar_axis=True)
        if x._data.size == 0:  # nothing to shift: an empty sum is 0, its log -inf
            out = x.exp().sum(axes, keepdims=True).log()
            return out if keepdims else out.squeeze(axes)
        m = np.max(x._data, axis=axes, keepdims=True)
        m = new_tensor(np.where(np.isfinite(m), m, 0).astype(x.dtype))
        out = (x - m).exp().sum(axes, keepdims=True).log() + m
        return out if keepdims else out.squeeze(axes)

    def norm(self, p: Any = "fro", dim: Axis = None, keepdim: bool = False, dtype: Any = None,
             *, axis: Axis = None, keepdims: bool | None = None) -> Tensor:
        """PyTorch's Tensor.norm: "fro" (and 2) sqrt(sum x^2) over dim (all axes by
        default, or a pair); "nuc" the nuclear norm of a matrix (dim: its two axes); a
        number p the vector p-norm (sum |x|^p)^(1/p) over dim, inf max |x|, -inf min |x|,
        0 the count of nonzeros, None the 2-norm (tensor_methods/matrix.py: vector_norm,
        matrix_norm)."""
        dim, keepdim = dim_keywords("norm", dim, keepdim, axis, keepdims)
        if p is None:  # PyTorch's torch.norm: the 2-norm over dim (any number of dims)
            p = 2
        if p == "nuc":
            return matrix_norm(self, "nuc", (0, 1) if dim is None else dim, keepdim,
                               dtype=dtype)
        if p == "fro":
            if dim is not None and not isinstance(dim, int) and len(dim) > 2:
                raise ArgumentError(f"norm: p='fro' takes at most 2 dims, got {dim!r}")
            p = 2
        if isinstance(p, str):
            raise ArgumentError(f"norm: p must be 'fro', 'nuc' or a number, got {p!r}")
        return vector_norm(self, p, dim, keepdim, dtype=dtype)

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
        if self.dtype == np.bool_:
            raise DTypeError(f"{op}: does not support bool input (shape {self.shape}); cast "
                             f"it with .int() or .float() first")
        if axis is not None and self.ndim == 0:  # dim 0 or -1: the one element's index
            one_axis(op, 1, axis, None)
            return new_tensor(np.zeros((), np.int64))
        if axis is not None:
            axis = one_axis(op, self.ndim, axis, None)
        if self._data.size == 0 and (axis is None or self.shape[axis] == 0):
            raise EmptyReductionError(f"{op}: the tensor (shape {self.shape}) has no "
                                      f"elements "
                                      f"{'' if axis is None else f'along dim {axis}'}")
        return new_tensor(np.asarray(pick(self._data, axis=axis, keepdims=bool(keepdims)))
                          .astype(np.int64))

    def any(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        """True where any value along `axis` (all axes by default) is nonzero (a bool
        tensor; uint8 1/0 for uint8 input, as PyTorch's)."""
        return self._logical("any", np.logical_or.reduce, axis, keepdims, dim, keepdim)

    def all(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        """True where every value along `axis` (all axes by default) is nonzero (a bool
        tensor; uint8 1/0 for uint8 input, as PyTorch's)."""
        return self._logical("all", np.logical_and.reduce, axis, keepdims, dim, keepdim)

    def _logical(self, op: str, reduce: Any, axis: Axis, keepdims: Any, dim: Axis,
                 keepdim: Any) -> Tensor:
        axis, keepdims = axis_keywords(op, axis, keepdims or None, dim, keepdim)
        axes = normalize_axes(op, axis, self.ndim, scalar_axis=True)
        out = np.asarray(reduce(self._data.astype(bool, copy=False), axis=axes,
                                keepdims=bool(keepdims)))
        # PyTorch keeps uint8 for uint8 input (its legacy masks); every other dtype gives bool
        return new_tensor(out.astype(np.uint8) if self._data.dtype == np.uint8 else out)


def _scaled_by_constant(out: Tensor) -> Tensor:
    """`out`, a sum times 1/n: its node reads only that constant, as PyTorch's MeanBackward
    saves only sizes, so a second backward runs through it (Function.release)."""
    if out._ctx is not None:
        out._ctx.reads_no_values = True
    return out


def _signed(x: Tensor) -> Tensor:
    """x, unsigned integers as int64: PyTorch sums and multiplies every integer dtype in
    int64 (NumPy would give uint64)."""
    return x.astype(np.int64) if x._data.dtype.kind == "u" else x


def _cast_first(op: str, x: Tensor, dtype: Any) -> Tensor:
    """x cast to a reduction's dtype=: an integer or bool one is refused for a tensor that
    requires grad (no gradient flows into integers; PyTorch refuses it too)."""
    wanted = as_dtype(op, dtype)
    if wanted.kind != "f" and x.requires_grad and is_grad_enabled():
        raise DTypeError(f"{op}: dtype={wanted} for a tensor that requires grad: no gradient "
                         f"flows through integers (as PyTorch); detach() it first")
    return x.astype(wanted)


def _in_dtype(out: Tensor, dtype: Any, wanted: np.dtype) -> Tensor:
    """A sum's or product's result in the dtype= asked for (the ops widen ints to int64, as
    PyTorch does when no dtype is given)."""
    return out if dtype is None or out.dtype == wanted else out.astype(wanted)


def _root(v: Tensor) -> Tensor:
    """sqrt(v) for std and the 2-norm, with PyTorch's gradient 0 where v = 0 (a constant
    vector, the zero vector): there d sqrt = inf meets an inner derivative 0, which would
    give NaN. Elsewhere (NaN included) it is sqrt itself."""
    nonzero = v._data != 0
    return where(nonzero, where(nonzero, v, 1.0).sqrt(), 0.0)


def vector_norm(x: Any, ord: Any = 2, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """(sum |x|^ord)^(1/ord) over dim (all axes when None): ord inf is max |x|, -inf min
    |x|, 0 the number of nonzero elements; negative ord as the formula (0 if an element is)."""
    op = "linalg.vector_norm"
    x = floating(op, as_tensor(x))
    if dtype is not None:
        x = x.to(_widened(op, x, dtype))
    if isinstance(ord, bool) or not isinstance(ord, int | float | np.number):
        raise ArgumentTypeError(f"{op}: ord must be a number, got {ord!r}")
    # an empty dim reduces every axis, as PyTorch's vector_norm
    axes = normalize_axes(op, None if dim == () or dim == [] else dim, x.ndim, scalar_axis=True)
    keepdim = bool(keepdim)
    if (ord < 0 or ord == math.inf) and any(x.shape[a] == 0 for a in axes):
        raise ShapeError(f"{op}: ord={ord} over an empty dim of shape {x.shape} (no "
                         f"identity for it, as PyTorch)")
    if ord in (math.inf, -math.inf):
        return (x.abs().amax if ord > 0 else x.abs().amin)(axes, keepdim)
    if ord == 0:  # (a step function of x: in the graph with a zero gradient, as PyTorch's)
        return ops.Stepwise.apply(x, value=np.count_nonzero(x._data, axis=axes,
                                                            keepdims=keepdim).astype(x.dtype))
    if x.dtype == np.float16:  # PyTorch accumulates half in float: [300, 400] is 500, not
        # inf, and 6e-5 is no 0 (its square underflows in float16)
        return vector_norm(x.float(), ord, dim, keepdim).half()
    if ord == 1:
        return x.abs().sum(axes, keepdim)
    if ord == 2:
        return _root((x * x).sum(axes, keepdim))
    return _pth_root((_pth_power(x, float(ord))).sum(axes, keepdim), float(ord))


def _pth_power(x: Tensor, p: float) -> Tensor:
    """|x|^p with PyTorch's gradient 0 at x = 0, where the power's derivative is 0 * inf
    (p < 1) or NaN; 0^p is inf for p < 0."""
    nonzero = x._data != 0
    return where(nonzero, where(nonzero, x, 1.0).abs() ** p, 0.0 if p > 0 else math.inf)


def _pth_root(s: Tensor, p: float) -> Tensor:
    """s^(1/p) for the p-norm, with PyTorch's gradient 0 where s is 0 (the zero vector) or
    inf (p < 0 and a zero element: the norm is 0), where the root's derivative is inf or
    NaN; the value there (0, or inf for an inf input) is the root's own."""
    regular = (s._data != 0) & (s._data != math.inf)
    with np.errstate(divide="ignore"):
        edge = s._data ** (1.0 / p)
    return where(regular, where(regular, s, 1.0) ** (1.0 / p), edge)


def _two_axes(op: str, dim: Any, ndim: int) -> tuple[int, int]:
    if not isinstance(dim, Sequence) or len(dim) != 2:
        raise ArgumentError(f"{op}: dim must be a pair of axes, got {dim!r}")
    a, b = (normalize_axes(op, d, ndim)[0] for d in dim)
    if a == b:
        raise ArgumentError(f"{op}: the two dims must differ, got {tuple(dim)}")
    return a, b


def matrix_norm(a: Any, ord: Any = "fro", dim: Any = (-2, -1), keepdim: bool = False, *,  # noqa: A002
                dtype: Any = None) -> Tensor:
    """The matrix norm over the two axes dim: "fro" sqrt(sum a_ij^2), "nuc" the sum of the
    singular values, 2 / -2 the largest / smallest singular value, 1 / -1 the largest /
    smallest column sum of |a|, inf / -inf the largest / smallest row sum."""
    op = "linalg.matrix_norm"
    a = floating(op, as_tensor(a))
    if dtype is not None:
        a = a.to(_widened(op, a, dtype))
    if a.ndim < 2:
        raise ShapeError(f"{op}: needs at least 2 dims, got shape {a.shape}")
    rows, cols = _two_axes(op, dim, a.ndim)
    if ord == "fro":
        return vector_norm(a, 2, (rows, cols), keepdim)
    if ord in ("nuc", 2, -2):
        s = ops.SingularValues.apply(a.movedim((rows, cols), (-2, -1)))
        if ord == -2 and s.shape[-1] == 0:
            raise ShapeError(f"{op}: ord=-2 of matrices without elements (shape {a.shape})")
        if ord == "nuc" or s.shape[-1] == 0:  # no singular values: the norm is 0
            out = s.sum(-1)
        else:
            # amax / amin: tied singular values share the gradient, as PyTorch's
            out = s.amax(-1) if ord == 2 else s.amin(-1)
        for axis in sorted((rows, cols)) if keepdim else ():
            out = out.unsqueeze(axis)
        return out
    if ord in (1, -1, math.inf, -math.inf):
        summed, picked = (rows, cols) if abs(ord) == 1 else (cols, rows)
        sums = a.abs().sum(summed, True)
        if sums.shape[picked] == 0 and ord < 0:
            raise ShapeError(f"{op}: ord={ord} needs a nonempty dim {picked}, got shape "
                             f"{a.shape}")
        if sums.shape[picked] == 0:  # the largest of no sums: 0, as PyTorch's
            out = sums.sum(picked, True)
        else:
            out = (sums.amax if ord > 0 else sums.amin)(picked, True)
        return out if keepdim else out.squeeze((rows, cols))
    raise ArgumentError(f"{op}: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf or -inf, got "
                        f"{ord!r}")


def norm(a: Any, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """vector_norm or matrix_norm as PyTorch's torch.linalg.norm picks: an int dim, or no
    ord and no dim (a flattened), a vector norm; a pair of dims, or ord with a 2-d a,
    a matrix norm."""
    a = as_tensor(a)
    if dim is None and ord is None:
        return vector_norm(a, 2, None, keepdim, dtype=dtype)
    if isinstance(dim, Sequence) and len(dim) == 2 or (dim is None and a.ndim == 2):
        return matrix_norm(a, "fro" if ord is None else ord, (-2, -1) if dim is None else dim,
                           keepdim, dtype=dtype)
    if dim is None and a.ndim != 1:
        raise ShapeError(f"linalg.norm: with ord={ord!r} and no dim the input must be 1-D or "
                         f"2-D, got shape {a.shape}")
    if isinstance(ord, str):
        raise ArgumentError(f"linalg.norm: ord {ord!r} is a matrix norm; give two dims")
    return vector_norm(a, 2 if ord is None else ord, dim, keepdim, dtype=dtype)


def floating(op: str, x: Tensor, why: str = "expected a floating tensor") -> Tensor:
    """x, if its dtype is floating (the norms, statistics and matrix functions need one, as
    PyTorch's); `why` starts the refusal's message."""
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: {why}, got dtype {x.dtype} (shape {x.shape}); cast it with "
                         f".float() or .double() first")
    return x


def floating_mean_input(op: str, x: Tensor, dtype: Any) -> Tensor:
    """x as mean and nanmean average it: cast to `dtype` when given (PyTorch requires a
    floating one), else x itself, which must then be floating (PyTorch cannot infer the
    mean's dtype from an integer or bool input)."""
    if dtype is None:
        if x.dtype.kind != "f":
            raise DTypeError(f"{op}: could not infer the output dtype: the input must be "
                             f"floating, got dtype {x.dtype} (shape {x.shape}); pass a "
                             f"floating dtype= (e.g. dtype=tg.float32) or cast with .float()")
        return x
    wanted = as_dtype(op, dtype)
    if wanted.kind != "f":
        raise DTypeError(f"{op}: could not infer the output dtype: dtype= must be a floating "
                         f"dtype, got {wanted}")
    return x.astype(wanted)


def _widened(op: str, x: Tensor, dtype: Any) -> np.dtype:
    """The dtype= of a norm: PyTorch computes in it, and refuses one narrower than x's."""
    wanted = np.dtype(dtype)
    if not np.can_cast(x.dtype, wanted, "safe"):
        raise DTypeError(f"{op}: dtype={wanted} would narrow the input's dtype {x.dtype}")
    return wanted
