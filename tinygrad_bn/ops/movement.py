"""Ops that move elements without computing new values: reshape, transpose, expand, pad,
flip, indexing and its adjoint, concatenation.

Each gradient moves g back the way the forward moved x: the inverse permutation, the
interior of a padding, a scatter-add for an index (repeated indices accumulate).
"""

from __future__ import annotations

import warnings

import numpy as np

from ..autograd.primitive import Function, is_tensor, new_tensor, or_zeros
from ..errors import ArgumentError
from .binary import Where


class Reshape(Function):
    """z = x viewed with another shape;  dx = g reshaped back."""

    reads_no_values = True

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, g):
        return Reshape.apply(g, shape=self.parents[0]._data.shape)

    def jvp(self, tx):
        """tz = tx reshaped."""
        return Reshape.apply(tx, shape=self.shape)


class Transpose(Function):
    """z = x with axes permuted;  dx = g with the inverse permutation."""

    reads_no_values = True

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, g):
        return g.transpose(tuple(np.argsort(self.axes)))

    def jvp(self, tx):
        """tz = tx permuted the same way."""
        return Transpose.apply(tx, axes=self.axes)


class Expand(Function):
    """z = x broadcast to `shape`;  dx = g summed back (by the engine's unbroadcast)."""

    reads_no_values = True

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, g):
        return g

    def jvp(self, tx):
        """tz = tx expanded."""
        return Expand.apply(tx, shape=self.shape)


class Pad(Function):
    """z = x padded with a constant;  dx = the interior of g."""

    reads_no_values = True

    def forward(self, x):
        return np.pad(x, self.pad_width, constant_values=self.value)

    def backward(self, g):
        inner = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(self.pad_width))
        return g[inner]

    def jvp(self, tx):  # the padding is constant: its tangent is 0
        """tz = tx padded with 0 (the fill is constant)."""
        return Pad.apply(tx, pad_width=self.pad_width, value=0.0)


class Flip(Function):
    """z = x reversed along `axes` (new memory, as PyTorch's);  dx = g reversed along the
    same axes."""

    reads_no_values = True

    def forward(self, x):
        # a copy, as PyTorch's flip (a write into z must not reach x): NumPy's is a view
        return np.flip(x, self.axes).copy()

    def backward(self, g):
        return Flip.apply(g, axes=self.axes)

    def jvp(self, tx):
        """tz = tx flipped."""
        return Flip.apply(tx, axes=self.axes)


class GetItem(Function):
    """z = x[index];  dx = zeros with g added at index (repeated indices accumulate)."""

    def forward(self, x):
        out = x[self.index]
        if isinstance(out, np.ndarray):
            return out
        # one cell by integers: a 0-d view of x, not NumPy's copy into a scalar, so that a
        # write into it reaches x (as a PyTorch view does)
        index = self.index if isinstance(self.index, tuple) else (self.index,)
        return x[tuple(i for i in index if i is not Ellipsis) + (Ellipsis,)]

    @property
    def reads_no_values(self) -> bool:
        """A basic index (integers, slices) is a constant of the op; an array index is
        saved, as PyTorch's IndexBackward saves its indices."""
        return is_basic_index(self.index)

    def backward(self, g):
        return ScatterAdd.apply(g, index=self.index, shape=self.parents[0].shape)

    def jvp(self, tx):
        """tz = tx[index]."""
        return GetItem.apply(tx, index=self.index)


class StridedView(GetItem):
    """z = x[index], made as window(x), an array sharing x's memory by other strides (a
    diagonal, sliding windows, an as_strided window), `index` the coordinates in x of z's
    elements;  dx = zeros with g added at index (an element read twice gets both).

    Only sizes and coordinates are kept, no value: as PyTorch's DiagonalBackward."""

    reads_no_values = True

    def forward(self, x):
        return self.window(x)

    def jvp(self, tx):
        """tz = tx[index] (a copy: tangents share no memory)."""
        return GetItem.apply(tx, index=self.index)


class ScatterAdd(Function):
    """z = zeros(shape) with x added at index (the adjoint of GetItem);  dx = g[index]."""

    def forward(self, x):
        # zeros_like: under tg.compile the result stays traced (np.zeros' would not)
        out = np.zeros_like(x, shape=self.shape)
        if is_basic_index(self.index):
            out[self.index] = x  # a basic index hits each cell once: no accumulation needed
        else:
            np.add.at(out, self.index, x)
        return out

    def backward(self, g):
        return g[self.index]

    def jvp(self, tx):
        """tz = ScatterAdd(tx)."""
        return ScatterAdd.apply(tx, index=self.index, shape=self.shape)


class IndexCopy(Function):
    """z = x with its slice index[i] along `axis` replaced by y's slice i (the last i wins
    where index repeats);  dx = g zeroed at the replaced slices, dy = g's slices index[i]
    for every i, also one a later i overwrote (PyTorch's rule: not the derivative where
    index repeats; there an overwritten slice of y does not reach z).

    tz = tx with the same slices replaced by ty's winners."""

    def forward(self, x, y):
        return np.where(self.hit, y[self.winner], x)

    def backward(self, g):
        x, y = self.parents
        zero = new_tensor(np.zeros((), g.dtype))
        gx = Where.apply(zero, g, cond=self.hit) if x.requires_grad else None
        gy = GetItem.apply(g, index=self.picked) if y.requires_grad else None
        return gx, gy

    def jvp(self, tx, ty):
        """tz = tx where not replaced, ty's winning slices where replaced."""
        tx, ty = or_zeros(self.parents, (tx, ty))
        return Where.apply(GetItem.apply(ty, index=self.winner), tx, cond=self.hit)


class IndexPut(Function):
    """z = x with v written at index (v broadcast to x[index]'s shape);  dx = g with zeros at
    index, dv = g[index] (summed back to v's shape by the engine).

    Item assignment `x[index] = v` and every in-place write recorded in the graph (the
    write into a view's base) are this op; with repeated array indices the last write
    wins, as NumPy's (PyTorch leaves the order undefined)."""

    def forward(self, x, v):
        out = x.copy()
        out[self.index] = v
        return out

    def backward(self, g):
        x, v = self.parents
        gx = IndexPut.apply(g, _zeros_like(v), index=self.index) if x.requires_grad else None
        return gx, (g[self.index] if v.requires_grad else None)

    def jvp(self, tx, tv):
        """tz = tx with tv written at index."""
        tx, tv = or_zeros(self.parents, (tx, tv))
        return IndexPut.apply(tx, tv, index=self.index)


def _zeros_like(t):
    return new_tensor(np.zeros((), dtype=t.dtype))


def array_index(op: str, index: object) -> object:
    """`index` as NumPy takes it: tensors in it become their arrays. A slice with a step
    below 1 is refused, as PyTorch refuses it (ValueError; `x.flip(d)` reverses). A list
    holding a list, a tensor, a slice, None or Ellipsis is a tuple of indices, as PyTorch
    2.13 still reads it (x[[[0, 1]]] is x[[0, 1]]; NumPy 2 reads an array of shape (1, 2)),
    with PyTorch's deprecation warning (a UserWarning; x[[0, 1]] is an integer-array index and
    does not warn) when it has fewer than 32 items (a longer one is an array, as PyTorch's).
    A uint8 tensor is a mask, as PyTorch's deprecated byte masks (`byte_masks`)."""
    if isinstance(index, list) and len(index) < 32 and any(
            isinstance(i, list | tuple | range | slice | np.ndarray) or i is None or
            i is Ellipsis or is_tensor(i) for i in index):
        warnings.warn(f"{op}: using a non-tuple sequence for multidimensional indexing is "
                      f"deprecated (PyTorch warns the same; it reads it as a tuple, as this "
                      f"does); use x[tuple(seq)] instead of x[seq]", UserWarning, stacklevel=3)
        index = tuple(index)
    items = index if isinstance(index, tuple) else (index,)
    for i in items:
        if isinstance(i, slice) and i.step is not None and i.step <= 0:
            raise ArgumentError(f"{op}: slice steps must be positive (as PyTorch), got "
                                f"{i.step} in {i}; use flip() to reverse")
    if is_tensor(index):
        return byte_masks(op, (_tensor_index(index),))[0]
    if isinstance(index, tuple):
        return byte_masks(op, tuple(_tensor_index(i) if is_tensor(i) else i for i in index))
    return index


def _tensor_index(t: object) -> object:
    """A tensor in an index: its array; a 0-d integer tensor is its int, as PyTorch's (so
    `x[torch.tensor(0)]` selects, a view, as `x[0]`; uint8 and bool stay masks)."""
    data = t._data
    if data.ndim == 0 and data.dtype.kind in "iu" and data.dtype != np.uint8:
        return int(data)
    return data


def index_array(index: object) -> np.ndarray:
    """One index (a tensor, an array, a list) as an array."""
    return index._data if is_tensor(index) else np.asarray(index)


def byte_masks(op: str, index: tuple) -> tuple:
    """The uint8 arrays in `index` as boolean masks: PyTorch reads a uint8 index tensor as
    a mask (deprecated, with a warning), NumPy as integer positions."""
    if not any(isinstance(i, np.ndarray) and i.dtype == np.uint8 for i in index):
        return index
    warnings.warn(f"{op}: indexing with dtype uint8 is deprecated (as in PyTorch, it is read "
                  f"as a boolean mask); use a bool tensor", UserWarning, stacklevel=4)
    return tuple(i.astype(bool) if isinstance(i, np.ndarray) and i.dtype == np.uint8 else i
                 for i in index)


def ints_first(index: object, ndim: int) -> tuple[tuple, tuple] | None:
    """PyTorch applies an index's integers (and 0-d integer tensors) first, as selects,
    then its arrays: the integers do not count as advanced indices, so they neither keep
    two arrays apart nor move the arrays' dims to the front (x[0, None, []] of a (1, 0)
    tensor is (1, 0) in PyTorch, (0, 1) in NumPy). For an index that mixes integers with
    arrays: (the basic index of the integers, None, slices and Ellipsis; the rest, the
    arrays at the dims left), to apply one after the other; None for any other index."""
    items = index if isinstance(index, tuple) else (index,)

    def is_int(i: object) -> bool:
        return isinstance(i, int | np.integer) and not isinstance(i, bool | np.bool_) or \
            isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu"

    def is_array(i: object) -> bool:
        return isinstance(i, list) or isinstance(i, np.ndarray) and i.ndim > 0

    if not any(map(is_int, items)) or not any(map(is_array, items)):
        return None
    width = [np.asarray(i).ndim if isinstance(i, np.ndarray) and i.dtype.kind == "b" else
             0 if i is None or i is Ellipsis or isinstance(i, bool | np.bool_) else 1
             for i in items]
    basic: list = []
    rest: list = []
    for i, n in zip(items, width):
        if i is Ellipsis:
            basic += [slice(None)] * (ndim - sum(width))
            rest += [slice(None)] * (ndim - sum(width))
        elif is_int(i):
            basic.append(int(i))
        elif is_array(i):
            basic += [slice(None)] * n
            rest.append(i)
        elif isinstance(i, bool | np.bool_):  # PyTorch's: a new dim, indexed by [0] or []
            basic.append(None)
            rest.append(np.zeros(1 if i else 0, np.int64))
        else:  # None or a slice: applied in the first step, kept whole in the second
            basic.append(i)
            rest.append(slice(None))
    return tuple(basic), tuple(rest)


def is_basic_index(index: object) -> bool:
    """Whether NumPy indexes with `index` by slicing (a view, each cell once), not by arrays."""
    items = index if isinstance(index, tuple) else (index,)
    return not any(isinstance(i, np.ndarray | list) or is_tensor(i) for i in items)


class Concatenate(Function):
    """z = inputs joined along `axis`;  dx_k = the slice of g that x_k filled."""

    reads_no_values = True

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, g):
        grads, start = [], 0
        for x in self.parents:
            stop = start + x.shape[self.axis]
            index = (slice(None),) * self.axis + (slice(start, stop),)
            grads.append(g[index] if x.requires_grad else None)
            start = stop
        return tuple(grads)

    def jvp(self, *tangents):
        """tz = the tangents joined (zeros for none)."""
        return Concatenate.apply(*or_zeros(self.parents, tangents), axis=self.axis)
