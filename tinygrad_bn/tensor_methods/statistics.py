"""Order statistics and counts as Tensor methods: median, mode, aminmax, histogram.

The positions are found on the data and the values taken with gather, so the gradient
goes to the chosen element, as PyTorch's: median(dim) and mode give (values, indices)
named tuples. The median of all elements is the lower median (the ((n - 1) // 2)-th
smallest, no averaging), NaN if any element is NaN; its gradient is split evenly between
the elements equal to it, as PyTorch's: it is the Max of the elements not above it, and
Max's gradient splits between ties. aminmax is amin and amax (PyTorch's named tuple min,
max); histogram counts on the data and returns tensors without a graph.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import return_types
from ..autograd.function import is_tensor, new_tensor
from ..errors import ArgumentError, DTypeError, ShapeError
from ..keywords import one_axis

if TYPE_CHECKING:
    from ..tensor import Tensor


class StatisticsMethods:
    """The mixin of Tensor's median, mode, aminmax and histogram."""

    __slots__ = ()

    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """With no dim: the lower median of all elements (NaN if any is NaN). With dim:
        PyTorch's named tuple (values, indices) of the lower median along dim (a slice with
        a NaN gives its first NaN)."""
        if dim is None:
            return self._global_median()
        d = one_axis("median", self.ndim, None, dim) if self.ndim else 0
        x = self if self.ndim else self.reshape(1)
        if x.shape[d] == 0:
            raise ShapeError(f"median: dim {d} of shape {self.shape} has no elements")
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
        if not flat.size:
            return new_tensor(np.array(np.nan, dtype=self.dtype if self.dtype.kind == "f"
                                       else np.float32))
        value = np.sort(flat)[(flat.size - 1) // 2]  # NaNs sort last
        if self.dtype.kind != "f":  # no gradient to route
            return new_tensor(np.asarray(value))
        if np.isnan(flat).any():  # the NaNs share the gradient, as PyTorch's
            return self.masked_fill(~np.isnan(self._data), -np.inf).amax()
        return self.masked_fill(self._data > value, -np.inf).amax()

    def mode(self, dim: int = -1, keepdim: bool = False) -> return_types.mode:
        """PyTorch's named tuple (values, indices): the most frequent value along dim (the
        smallest of equally frequent ones) and the index of its last occurrence."""
        d = one_axis("mode", self.ndim, None, dim) if self.ndim else 0
        x = self if self.ndim else self.reshape(1)
        n = x.shape[d]
        if n == 0:
            raise ShapeError(f"mode: dim {d} of shape {self.shape} has no elements")
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

    def aminmax(self, *, dim: int | None = None, keepdim: bool = False) -> return_types.aminmax:
        """PyTorch's named tuple (min, max): amin and amax over dim (all elements when
        None); each one's gradient is split evenly between its ties."""
        if dim is not None:
            dim = one_axis("aminmax", self.ndim, None, dim) if self.ndim else dim
        if self._data.size == 0:
            raise ShapeError(f"aminmax: the tensor (shape {self.shape}) has no elements")
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
