"""Reductions and scans: sum, max, min, product over axes; running sums and products
along one axis.

A reduction's gradient broadcasts g back over the reduced axes (`_kept_shape` puts them
back as size-1 axes first); max and min send it to the cells that were the extremum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd.primitive import Function, new_tensor
from ..modes import is_grad_enabled
from .binary import Where
from .movement import Concatenate, Expand, Flip, Reshape
from .quiet import quiet

if TYPE_CHECKING:
    from ..tensor import Tensor


class Sum(Function):
    """z = sum of x over `axes`;  dx = g broadcast back over the summed axes."""

    reads_no_values = True

    def forward(self, x):
        # the ufunc's reduce directly: ndarray.sum adds a Python-level wrapper per call
        return np.add.reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        shape = self.parents[0]._data.shape
        if not self.keepdims:
            g = Reshape.apply(g, shape=_kept_shape(shape, self.axes))
        return Expand.apply(g, shape=shape)

    def jvp(self, tx):
        """tz = sum of tx over the same axes."""
        return Sum.apply(tx, axes=self.axes, keepdims=self.keepdims)


class Max(Function):
    """z = max of x over `axes`;  dx = g at the maxima, split evenly between ties."""

    uses_output = True
    saves_inputs = (0,)

    def forward(self, x):
        return np.maximum.reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        x = self.parents[0]
        return g.reshape(_kept_shape(x.shape, self.axes)) * self._share(g.dtype)

    def jvp(self, tx):
        """tz = sum of tx times each maximum's share (the maxima's average)."""
        return Sum.apply(tx * self._share(tx.dtype), axes=self.axes, keepdims=self.keepdims)

    def _share(self, dtype) -> np.ndarray:
        """1 / (number of maxima) at each maximum of its slice, 0 elsewhere."""
        x = self.parents[0]
        out = self.output._data.reshape(_kept_shape(x.shape, self.axes))
        is_max = x._data == out
        if x._data.dtype.kind in "fc":  # a NaN result came from the NaNs: they share g
            is_max |= np.isnan(x._data) & np.isnan(out)
        return (is_max / is_max.sum(axis=self.axes, keepdims=True)).astype(dtype)


class Min(Max):
    """z = min of x over `axes`;  dx = g at the minima, split evenly between ties.

    Max's backward: it finds the cells equal to the output. Exact for integers and bools,
    where -max(-x) would overflow.

    tz = sum of tx times each minimum's share (the minima's average)."""

    def forward(self, x):
        return np.minimum.reduce(x, axis=self.axes, keepdims=self.keepdims)


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


@quiet
class VarianceWithoutFreedom(Function):
    """z = sum((x - mean)^2) / 0 over `axes` (a variance whose correction leaves no degree
    of freedom: inf, NaN where x is constant);  dx = g slope (x - mean), slope = 2 / (n -
    correction) along given dims (finite when n < correction), else (over all axes)
    dx = g inf, NaN where x = mean: PyTorch's rules.

    tz = sum of tx times the same factor."""

    saves_inputs = (0,)

    def forward(self, x):
        centered = x - _mean(x, self.axes)
        return np.add.reduce(centered * centered, axis=self.axes, keepdims=self.keepdims) \
            * x.dtype.type(np.inf)

    def backward(self, g):
        x = self.parents[0]
        return Reshape.apply(g, shape=_kept_shape(x.shape, self.axes)) * self._factor()

    def jvp(self, tx):
        return Sum.apply(tx * self._factor(), axes=self.axes, keepdims=self.keepdims)

    def _factor(self) -> np.ndarray:
        x = self.parents[0]._data
        centered = x - _mean(x, self.axes)
        if self.slope is None:
            return np.where(centered == 0, np.nan, np.inf).astype(x.dtype)
        return (x.dtype.type(self.slope) * centered).astype(x.dtype)


def _mean(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """x's mean over axes, kept as size-1 axes (NaN over none, without NumPy's warning)."""
    count = np.prod([x.shape[a] for a in axes], dtype=np.int64)
    return np.add.reduce(x, axis=axes, keepdims=True) / x.dtype.type(count)


class Prod(Function):
    """z = product of x along `axis`;  dx_i = g * prod_{j != i} x_j.

    Not g * z / x_i, which
    divides by zero at zeros and loses all precision near them. The products of the others
    are, in a plain backward, the exclusive running products from the left times those from
    the right (ndarrays); under create_graph, one Prod per i of x without its i-th slice
    (Tensor ops, so differentiable again; n Prods, only when higher derivatives are wanted)."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.multiply.reduce(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g):
        x, axis = self.parents[0], self.axis
        return g.reshape(x.shape[:axis] + (1,) + x.shape[axis + 1:]) * self._others()

    def jvp(self, tx):
        """tz = sum_i tx_i prod_{j != i} x_j."""
        return (tx * self._others()).sum(axis=self.axis, keepdims=self.keepdims)

    def _others(self) -> Tensor:
        x = self.parents[0]
        if is_grad_enabled():
            return _products_of_others(x, self.axis)
        return new_tensor(_exclusive_products(x._data, self.axis))


def _exclusive_products(x: np.ndarray, axis: int) -> np.ndarray:
    """out_i = prod_{j != i} x_j along `axis`: prod_{j < i} x_j * prod_{j > i} x_j."""
    if x.shape[axis] == 0:
        return np.ones_like(x)
    ones = np.ones_like(np.take(x, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, np.take(x, range(x.shape[axis] - 1), axis=axis)],
                                     axis=axis), axis=axis)
    flipped = np.flip(x, axis)
    right = np.cumprod(np.concatenate([ones, np.take(flipped, range(x.shape[axis] - 1),
                                                     axis=axis)], axis=axis), axis=axis)
    return left * np.flip(right, axis)


def _products_of_others(x: Tensor, axis: int) -> Tensor:
    """out_i = prod_{j != i} x_j along `axis`, one Prod per i of x without its i-th slice."""
    if x.shape[axis] == 0:  # no elements: nothing to differentiate
        return new_tensor(np.ones_like(x._data))

    def part(start: int, stop: int | None) -> Tensor:
        return x[(slice(None),) * axis + (slice(start, stop),)]
    others = [Prod.apply(Concatenate.apply(part(0, i), part(i + 1, None), axis=axis), axis=axis,
                         keepdims=True) for i in range(x.shape[axis])]
    return Concatenate.apply(*others, axis=axis)


class Cumsum(Function):
    """z_i = sum_{j <= i} x_j along `axis`;  dx_i = sum_{j >= i} g_j (a reversed cumsum).

    float16 and float32 are summed in float64 and rounded once: a running float32 sum of
    1e6 values drifts by ~1e-5 relative (PyTorch's stays near 1e-7)."""

    reads_no_values = True

    def forward(self, x):
        if x.dtype.kind != "f":
            return np.cumsum(x, axis=self.axis)
        wide = np.float64 if x.dtype.itemsize < 8 else x.dtype
        return np.cumsum(x, axis=self.axis, dtype=wide).astype(x.dtype, copy=False)

    def backward(self, g):
        flipped = Flip.apply(g, axes=(self.axis,))
        return Flip.apply(Cumsum.apply(flipped, axis=self.axis), axes=(self.axis,))

    def jvp(self, tx):
        """tz = cumsum of tx along the same axis."""
        return Cumsum.apply(tx, axis=self.axis)


class Cumprod(Function):
    """z_j = prod_{k <= j} x_k along `axis`;  dx_i = L_i sum_{j >= i} g_j prod_{i < k <= j} x_k,
    L_i = prod_{k < i} x_k.

    Not sum_j g_j z_j / x_i, which divides by zero at zeros. The sum S_i obeys
    S_i = g_i + x_{i+1} S_{i+1}: a plain backward runs that recurrence on ndarrays, one
    pass along the axis. Under create_graph (and in jvp) the products prod_{i < k <= j} x_k
    are an (n, n) matrix M, the running product of x placed above the diagonal: a Cumprod
    again, so derivatives of every order follow (n^2 memory, only then)."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.cumprod(x, axis=self.axis)

    def backward(self, g):
        x, axis = self.parents[0], self.axis
        if not is_grad_enabled():
            return new_tensor(_cumprod_grad(x._data, g._data, axis))
        spans, left = _spans(x, axis)
        running = (spans * g.movedim(axis, -1).unsqueeze(-2)).sum(-1)  # S_i = sum_j M_ij g_j
        return (left * running).movedim(-1, axis)

    def jvp(self, tx):
        """tz_j = sum_{i <= j} M_ij L_i tx_i."""
        spans, left = _spans(self.parents[0], self.axis)
        return ((left * tx.movedim(self.axis, -1)).unsqueeze(-1) * spans).sum(-2) \
            .movedim(-1, self.axis)


def _spans(x: Tensor, axis: int) -> tuple[Tensor, Tensor]:
    """M[..., i, j] = prod_{i < k <= j} x_k (0 below the diagonal, 1 on it) and the exclusive
    running products L_i = prod_{k < i} x_k, x's axis moved last; differentiable in x."""
    moved = x.movedim(axis, -1)
    n = moved.shape[-1]
    one = new_tensor(np.ones((), dtype=x.dtype))
    rows = moved.unsqueeze(-2).expand(*moved.shape[:-1], n, n)
    above = Where.apply(rows, one, cond=np.triu(np.ones((n, n), dtype=bool), 1))
    spans = Where.apply(Cumprod.apply(above, axis=moved.ndim), one * 0,
                        cond=np.triu(np.ones((n, n), dtype=bool)))
    shifted = Concatenate.apply(one.expand(*moved.shape[:-1], 1), moved[..., :n - 1],
                                axis=moved.ndim - 1)
    return spans, Cumprod.apply(shifted, axis=moved.ndim - 1)


def _cumprod_grad(x: np.ndarray, g: np.ndarray, axis: int) -> np.ndarray:
    """dx_i = L_i S_i with S_i = g_i + x_{i+1} S_{i+1} (Cumprod's backward on ndarrays)."""
    xm, gm = np.moveaxis(x, axis, -1), np.moveaxis(g, axis, -1)
    n = xm.shape[-1]
    running = np.array(gm, dtype=np.result_type(x, g))
    for i in range(n - 2, -1, -1):
        running[..., i] += xm[..., i + 1] * running[..., i + 1]
    left = np.cumprod(np.concatenate([np.ones_like(xm[..., :1]), xm[..., :n - 1]], axis=-1),
                      axis=-1)
    return np.moveaxis(left * running, -1, axis)
