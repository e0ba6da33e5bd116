"""Order statistics and counts as Tensor methods: median, nanmedian, mode, aminmax,
histogram, quantile, nanquantile, and the NaN-ignoring sums nansum and nanmean.

The positions are found on the data and the values taken with gather, so the gradient
goes to the chosen element, as PyTorch's: median(dim) and mode give (values, indices)
named tuples. The median of all elements is the lower median (the ((n - 1) // 2)-th
smallest, no averaging), NaN if any element is NaN; its gradient is split evenly between
the elements equal to it, as PyTorch's: it is the Max of the elements not above it, and
Max's gradient splits between ties. nanmedian is the lower median of the elements that are
not NaN (NaN only where all are); among tied values its index along dim is one of theirs
(which one PyTorch picks depends on its selection algorithm). aminmax is amin and amax
(PyTorch's named tuple min, max); histogram counts on the data and returns tensors without a graph.

quantile(q) along a dim of n sorted values v: the position r = q (n - 1) between v[floor r]
and v[ceil r], interpolated "linear" (v_lo + (r - floor r)(v_hi - v_lo)), "lower", "higher",
"midpoint" or "nearest" (r rounded half to even, as PyTorch); the values are gathered, so
the gradient goes to those (at most two) elements with the interpolation's weights. NaN
in a slice makes its quantile NaN; nanquantile drops NaNs (n counts the others; an
all-NaN slice gives NaN). nansum and nanmean treat NaN as absent (gradient 0 there).
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import is_tensor, new_tensor
from ..errors import ArgumentError, DTypeError, EmptyReductionError, ShapeError
from ..keywords import every_axis_if_empty, normalize_axes, one_axis
from ..ops import ZeroNaN
from .axis_alias import takes_axis
from .elementwise import no_bool
from .movement import stack
from .reduce import floating, floating_mean_input

if TYPE_CHECKING:
    from ..tensor import Tensor


class StatisticsMethods:
    """The mixin of Tensor's median, nanmedian, mode, aminmax, histogram, quantiles and NaN sums."""

    __slots__ = ()

    @takes_axis
    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """With no dim: the lower median of all elements (NaN if any is NaN). With dim:
        PyTorch's named tuple (values, indices) of the lower median along dim (a slice with
        a NaN gives its first NaN)."""
        no_bool("median", self)
        if dim is None:
            return self._global_median()
        d = one_axis("median", max(self.ndim, 1), None, dim)  # 0-d: dim 0 or -1
        x = self if self.ndim else self.reshape(1)
        if x.shape[d] == 0:
            raise EmptyReductionError(f"median: dim {d} of shape {self.shape} has no "
                                      f"elements")
        order = np.argsort(x._data, axis=d, kind="stable")  # NaNs sort last
        index = np.take(order, [(x.shape[d] - 1) // 2], axis=d)
        if x.dtype.kind == "f":
            nan = np.isnan(x._data)
            first_nan = np.argmax(nan, axis=d, keepdims=True)
            index = np.where(nan.any(axis=d, keepdims=True), first_nan, index)
        values = x.gather(d, index)
        if not keepdim or not self.ndim:
            values, index = values.squeeze(d), index.squeeze(d)
        return return_types.median(values, new_tensor(index.astype(np.int64)))

    def _global_median(self) -> Tensor:
        flat = self._data.reshape(-1)
        if not flat.size:  # NaN, in x's dtype (an integer's is NaN cast, as PyTorch's)
            with np.errstate(invalid="ignore"):
                return new_tensor(np.array(np.nan).astype(self.dtype))
        value = np.sort(flat)[(flat.size - 1) // 2]  # NaNs sort last
        if self.dtype.kind != "f":  # no gradient to route
            return new_tensor(np.asarray(value))
        if np.isnan(flat).any():  # the NaNs share the gradient, as PyTorch's
            return self.masked_fill(~np.isnan(self._data), -np.inf).amax()
        return self.masked_fill(self._data > value, -np.inf).amax()

    @takes_axis
    def nanmedian(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """median ignoring NaNs: with no dim the lower median of the elements that are not
        NaN (NaN if all are); with dim the named tuple (values, indices) per slice."""
        no_bool("nanmedian", self)
        if dim is None:
            if self.dtype.kind != "f":
                return self._global_median()
            flat = self._data.reshape(-1)
            present = flat[~np.isnan(flat)]
            if not present.size:  # all NaN (or empty): median's NaN
                return self._global_median()
            value = np.sort(present)[(present.size - 1) // 2]
            return self.masked_fill(~(self._data <= value), -np.inf).amax()
        d = one_axis("nanmedian", max(self.ndim, 1), None, dim)  # 0-d: dim 0 or -1
        x = self if self.ndim else self.reshape(1)
        if x.shape[d] == 0:
            raise EmptyReductionError(f"nanmedian: dim {d} of shape {self.shape} has no "
                                      f"elements")
        order = np.argsort(x._data, axis=d, kind="stable")  # NaNs sort last
        if x.dtype.kind == "f":
            count = (~np.isnan(x._data)).sum(axis=d, keepdims=True)
            index = np.take_along_axis(order, np.maximum(count - 1, 0) // 2, axis=d)
        else:
            index = np.take(order, [(x.shape[d] - 1) // 2], axis=d)
        values = x.gather(d, index)
        if not keepdim or not self.ndim:
            values, index = values.squeeze(d), index.squeeze(d)
        return return_types.nanmedian(values, new_tensor(index.astype(np.int64)))

    @takes_axis
    def mode(self, dim: int = -1, keepdim: bool = False) -> return_types.mode:
        """PyTorch's named tuple (values, indices): the most frequent value along dim (the
        smallest of equally frequent ones) and the index of its last occurrence."""
        d = one_axis("mode", max(self.ndim, 1), None, dim)  # 0-d: dim 0 or -1
        x = self if self.ndim else self.reshape(1)
        n = x.shape[d]
        if n == 0:
            raise EmptyReductionError(f"mode: dim {d} of shape {self.shape} has no "
                                      f"elements")
        rows = np.moveaxis(x._data, d, -1).reshape(-1, n)
        ordered = np.sort(rows, axis=1)
        starts = np.ones(ordered.shape, bool)
        starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
        run_start = np.maximum.accumulate(np.where(starts, np.arange(n), 0), axis=1)
        end = np.argmax(np.arange(n) - run_start, axis=1)  # the first longest run's end
        value = ordered[np.arange(len(rows)), end]
        last = n - 1 - np.argmax((rows == value[:, None])[:, ::-1], axis=1)
        index = np.moveaxis(last.reshape(np.moveaxis(x._data, d, -1).shape[:-1] + (1,)), -1, d)
        values = x.gather(d, index)
        if not keepdim or not self.ndim:
            values, index = values.squeeze(d), index.squeeze(d)
        return return_types.mode(values, new_tensor(index.astype(np.int64)))

    @takes_axis
    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> return_types.aminmax:
        """PyTorch's named tuple (min, max): amin and amax over dim (all elements when
        None); each one's gradient is split evenly between its ties."""
        if dim is not None:
            dim = one_axis("aminmax", max(self.ndim, 1), None, dim)  # 0-d: dim 0 or -1
        if self._data.size == 0 and (dim is None or not self.ndim or self.shape[dim] == 0):
            raise EmptyReductionError(f"aminmax: the tensor (shape {self.shape}) has no "
                                      f"elements "
                                      f"{'' if dim is None else f'along dim {dim}'} to reduce")
        over = () if dim is None or not self.ndim else dim
        return return_types.aminmax(self.amin(over, keepdim), self.amax(over, keepdim))

    def histogram(self, bins: Any = 100, *, range: Any = None,  # noqa: A002
                  weight: Any = None, density: bool = False) -> return_types.histogram:
        """PyTorch's named tuple (hist, bin_edges): counts (or summed weights, or with
        density=True a density) of x's elements in `bins` equal bins over `range` (the
        data's min and max by default), or in the bins between the edges of a 1-D tensor."""
        if self.dtype.kind != "f":
            raise DTypeError(f"histogram: needs a floating tensor, got dtype {self.dtype}")
        if is_tensor(bins) or isinstance(bins, np.ndarray | list | tuple):
            edges = bins._data if is_tensor(bins) else np.asarray(bins)
            if edges.ndim != 1 or edges.size < 2 or (np.diff(edges) < 0).any():
                raise ArgumentError(f"histogram: bin edges must be a 1-D increasing tensor of "
                                    f"at least 2 values, got {edges!r}")
            if range is not None:
                raise ArgumentError("histogram: range is not allowed with bin edges")
            edges = edges.astype(self.dtype)
        elif isinstance(bins, bool) or not isinstance(bins, int | np.integer) or bins < 1:
            raise ArgumentError(f"histogram: bins must be a positive int or a 1-D tensor of "
                                f"edges, got {bins!r}")
        else:
            edges = int(bins)
            if range is not None and (len(range) != 2 or not range[0] <= range[1]):
                raise ArgumentError(f"histogram: range must be (min, max) with min <= max, got "
                                    f"{range!r}")
        w = None if weight is None else (weight._data if is_tensor(weight) else
                                         np.asarray(weight))
        if w is not None and w.shape != self.shape:
            raise ShapeError(f"histogram: weight of shape {w.shape} must have x's shape "
                             f"{self.shape}")
        counts, bin_edges = np.histogram(self._data, edges, range=range, weights=w,
                                         density=density)
        return return_types.histogram(new_tensor(counts.astype(self.dtype)),
                                      new_tensor(bin_edges.astype(self.dtype)))

    @takes_axis
    def nansum(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """sum over dim with every NaN counted as 0; the gradient at a NaN is g * 0 (PyTorch's:
        0, or NaN where g is inf or NaN, as when nanmean divides by a count of 0)."""
        dim = every_axis_if_empty(dim)
        x = self if dtype is None else self.astype(dtype)
        normalize_axes("nansum", dim, x.ndim, scalar_axis=True)  # an error naming nansum
        if x.dtype.kind != "f":
            return x.sum(dim=dim, keepdim=keepdim)
        return ZeroNaN.apply(x).sum(dim=dim, keepdim=keepdim)

    @takes_axis
    def nanmean(self, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
        """nansum / the count of non-NaN elements over dim (NaN where every one is NaN). As
        PyTorch's, the input must be floating, and so must `dtype=` (the input cast to it)."""
        dim = every_axis_if_empty(dim)
        x = floating_mean_input("nanmean", floating(
            "nanmean", self, "expected the input to have a floating dtype"), dtype)
        normalize_axes("nanmean", dim, x.ndim, scalar_axis=True)
        count = new_tensor((~np.isnan(x._data)).astype(x.dtype)).sum(dim=dim, keepdim=keepdim)
        with np.errstate(divide="ignore", invalid="ignore"):  # 0 / 0: NaN, as PyTorch
            return x.nansum(dim, keepdim) / count

    @takes_axis
    def quantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                 interpolation: str = "linear") -> Tensor:
        """The q-th quantiles along dim (of all elements when None); q a number in [0, 1] or
        a 1-d tensor of them (then the output's first dim runs over q)."""
        return _quantile("quantile", self, q, dim, keepdim, interpolation, skip_nan=False)

    @takes_axis
    def nanquantile(self, q: Any, dim: int | None = None, keepdim: bool = False, *,
                    interpolation: str = "linear") -> Tensor:
        """quantile ignoring NaNs: each slice's quantiles of its non-NaN values."""
        return _quantile("nanquantile", self, q, dim, keepdim, interpolation, skip_nan=True)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile_levels(op: str, q: Any) -> tuple[np.ndarray, bool]:
    """q as a 1-d float64 array and whether it was given as a scalar."""
    levels = q._data if is_tensor(q) else np.asarray(q)
    if levels.ndim > 1 or levels.dtype.kind not in "fiu" or levels.dtype == np.bool_:
        raise ArgumentError(f"{op}: q must be a number or a 0-d or 1-d tensor of numbers in "
                            f"[0, 1], got {q!r}")
    if not np.all((levels >= 0) & (levels <= 1)):
        raise ArgumentError(f"{op}: q values must be in the range [0, 1], got {q!r}")
    return levels.astype(np.float64).reshape(-1), levels.ndim == 0


def _quantile(op: str, x: Tensor, q: Any, dim: int | None, keepdim: bool,
              interpolation: str, skip_nan: bool) -> Tensor:
    if x.dtype.kind != "f":
        raise DTypeError(f"{op}: needs a floating input (float32 or float64), got dtype "
                         f"{x.dtype}")
    if interpolation not in _INTERPOLATIONS:
        raise ArgumentError(f"{op}: interpolation must be one of {_INTERPOLATIONS}, got "
                            f"{interpolation!r}")
    levels, scalar = _quantile_levels(op, q)
    if x._data.size == 0:
        raise ShapeError(f"{op}: the input (shape {x.shape}) must be non-empty")
    if dim is None:
        rows = x.reshape(-1)
        out_shape = (1,) * x.ndim if keepdim else ()
    else:
        d = one_axis(op, max(x.ndim, 1), None, dim)  # 0-d: dim 0 or -1
        rows = (x if x.ndim else x.reshape(1)).movedim(d, -1)
        out_shape = list(x.shape)
        if out_shape:
            out_shape[d] = 1
        out_shape = tuple(out_shape) if keepdim else tuple(rows.shape[:-1])
    data = rows._data
    nan = np.isnan(data)
    order = np.argsort(data, axis=-1, kind="stable")  # NaNs sort last
    last = data.shape[-1] - 1
    # PyTorch's ranks: quantile's slices with a NaN take their last sorted value (a NaN, so
    # the result is NaN and its gradient goes there); nanquantile counts the other values
    # and an all-NaN slice takes its first (NaN) value
    top = np.maximum((~nan).sum(axis=-1) - 1, 0) if skip_nan else np.full(data.shape[:-1], last)
    with_nan = None if skip_nan else nan.any(axis=-1)
    # a q that requires grad: the linear weight rank - lo = q * top - lo moves with q
    # (PyTorch's gradient (v_hi - v_lo) * top; the slices ranked at their NaN do not move)
    q_grad = q.reshape(-1).astype(x.dtype) if is_tensor(q) and q.requires_grad and \
        interpolation == "linear" else None
    moves = top > 0 if skip_nan else ~with_nan & (top > 0)
    slope = new_tensor(np.where(moves, top, 0).astype(x.dtype))
    results = []
    for k, level in enumerate(levels):
        rank = level * top if skip_nan else np.where(with_nan, last, level * top)
        lo, hi = np.floor(rank).astype(np.int64), np.ceil(rank).astype(np.int64)
        if interpolation == "nearest":
            lo = hi = np.round(rank).astype(np.int64)  # half to even, as torch.round
        elif interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        v_lo = rows.gather(-1, np.take_along_axis(order, lo[..., None], -1)).squeeze(-1)
        v_hi = rows.gather(-1, np.take_along_axis(order, hi[..., None], -1)).squeeze(-1)
        weight = 0.5 if interpolation == "midpoint" else (rank - lo).astype(x.dtype)
        value = v_lo + (v_hi - v_lo) * new_tensor(np.asarray(weight, dtype=x.dtype)) \
            if interpolation in ("linear", "midpoint") else v_lo
        if q_grad is not None:  # adds 0 (q - q), whose derivative in q is the slope
            gap = v_hi - v_lo  # (an infinite gap too is left out: inf * 0 would be NaN)
            gap = ops.Where.apply(gap, new_tensor(np.zeros((), x.dtype)),
                                  cond=moves & np.isfinite(gap._data))
            value = value + gap * ((q_grad[k] - q_grad[k].detach()) * slope)
        results.append(value.reshape(out_shape))
    if scalar:
        return results[0]
    return stack(results, 0)


def _edges_checked(edges: list[np.ndarray]) -> bool:
    """Whether some dim's edges run backwards (first > last: PyTorch then counts no point,
    every bin is empty); edges that go up and down are refused, as no rule defines them."""
    backwards = False
    for d, e in enumerate(edges):
        if e.ndim != 1 or e.size < 1:
            raise ShapeError(f"histogramdd: the edges of dim {d} must be a 1-D tensor of at "
                             f"least one edge, got shape {e.shape}")
        steps = np.diff(e)
        if e.size > 1 and e[0] > e[-1] and (steps <= 0).all():
            backwards = True
        elif (steps < 0).any():
            raise ArgumentError(f"histogramdd: the bin edges of dim {d} must increase (or all "
                                f"decrease, which counts nothing, as PyTorch), got {e}")
    return backwards


def histogramdd(input: Tensor, bins: Any, *, range: Any = None,  # noqa: A002
                weight: Any = None, density: bool = False) -> return_types.histogramdd:
    """PyTorch's named tuple (hist, bin_edges) of the points in the rows of input (N, D):
    counts (or summed weights, or with density=True a density) in the D-dimensional bins
    given by `bins` (an int for every dim, one int per dim, or one 1-D tensor of edges per
    dim) over `range` ([min_0, max_0, min_1, max_1, ...]; the data's by default)."""
    if not is_tensor(input) or input.dtype.kind != "f" or input.ndim < 1:
        raise DTypeError(f"histogramdd: input must be a floating tensor of points (..., D), "
                         f"got {getattr(input, 'dtype', type(input).__name__)}")
    points = input._data.reshape(-1, input.shape[-1])
    dims = points.shape[1]
    if isinstance(bins, list | tuple) and bins and is_tensor(bins[0]):
        bins = [b._data for b in bins]
    elif isinstance(bins, list | tuple):
        bins = [int(b) for b in bins]
    elif isinstance(bins, bool) or not isinstance(bins, int | np.integer):
        raise ArgumentError(f"histogramdd: bins must be an int, one int per dim or one tensor "
                            f"of edges per dim, got {bins!r}")
    if isinstance(bins, list) and len(bins) != dims:
        raise ArgumentError(f"histogramdd: {len(bins)} bin specifications for {dims}-dimensional "
                            f"points")
    if range is not None:
        range = list(range)
        if len(range) != 2 * dims:
            raise ArgumentError(f"histogramdd: range needs {2 * dims} values (min and max per "
                                f"dim), got {len(range)}")
        range = [(range[2 * d], range[2 * d + 1]) for d in builtins.range(dims)]
    w = None if weight is None else (weight._data if is_tensor(weight) else np.asarray(weight))
    if w is not None and w.shape != input.shape[:-1]:
        raise ShapeError(f"histogramdd: weight of shape {w.shape} must have the shape of the "
                         f"points {input.shape[:-1]}")
    if isinstance(bins, list) and bins and isinstance(bins[0], np.ndarray):
        empty = _edges_checked(bins)
        if empty:  # PyTorch counts a point only between a dim's first and last edge
            shape = tuple(len(e) - 1 for e in bins)
            hist = np.full(shape, np.nan if density else 0.0, input.dtype)
            return return_types.histogramdd(new_tensor(hist), tuple(
                new_tensor(e.astype(input.dtype)) for e in bins))
    counts, edges = np.histogramdd(points, bins, range=range,
                                   weights=None if w is None else w.reshape(-1),
                                   density=density)
    return return_types.histogramdd(new_tensor(counts.astype(input.dtype)),
                                    tuple(new_tensor(e.astype(input.dtype)) for e in edges))
