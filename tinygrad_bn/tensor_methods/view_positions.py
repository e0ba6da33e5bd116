"""Where a view's elements sit in the tensor that owns its memory, for an in-place write
through any kind of view (PyTorch's CopySlices through an as_strided view).

A write through a view made by basic indexing knows its index (`_view_of`). A view made
by reshape, transpose, permute, flip, squeeze, diagonal, unfold ... does not, but it
shares the owner's memory: element `k` of the view is at byte address `a(k)`, and the
owner's element `j` is at `b(j)`. Matching the two address sets gives an integer-array
index `P` (one array per owner axis, each of the view's shape) with `owner[P] is view`
element by element, so the write is recorded on the owner as `IndexPut(owner, view, P)`,
the same node a basic-indexing view uses.

The view must also be a differentiable view of the owner in the graph: following the
node that made it (before any in-place write moved it) to its one input sharing the
owner's memory, and so on, leads to the owner itself. A
`detach()` (no node) or a dtype-reinterpreting `view` (a leaf) is not, and stays refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd import versions
from ..autograd.primitive import is_tensor
from ..errors import BackwardError

if TYPE_CHECKING:
    from ..tensor import Tensor

_MAX_VIEW_DEPTH = 256  # view-of-view chains longer than this are refused, not walked


def _addresses(a: np.ndarray) -> np.ndarray:
    """The byte address of every element of `a` (int64, a's shape)."""
    out = np.full(a.shape, a.__array_interface__["data"][0], dtype=np.int64)
    for axis, (size, stride) in enumerate(zip(a.shape, a.strides)):
        shape = [1] * a.ndim
        shape[axis] = size
        out = out + (np.arange(size, dtype=np.int64) * stride).reshape(shape)
    return out


def positions(view: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, ...] | None:
    """An integer-array index P with owner[P] at the same addresses as view (None when an
    element of view is not an element of owner: another dtype, or not its memory)."""
    if view.dtype.itemsize != owner.dtype.itemsize:
        return None
    wanted = _addresses(view).reshape(-1)
    if owner.flags.c_contiguous:  # the usual owner: an element's offset is its flat index
        offset = wanted - owner.__array_interface__["data"][0]
        flat, rest = np.divmod(offset, owner.dtype.itemsize)
        if flat.size and (flat.min() < 0 or flat.max() >= owner.size or rest.any()):
            return None
        return () if owner.ndim == 0 else tuple(np.unravel_index(flat.reshape(view.shape),
                                                                 owner.shape))
    ours = _addresses(owner).reshape(-1)
    order = np.argsort(ours, kind="stable")
    ordered = ours[order]
    found = np.searchsorted(ordered, wanted)
    if found.size and (found.max() >= ordered.size or
                       not np.array_equal(ordered[found], wanted)):
        return None
    if owner.ndim == 0:
        return ()
    return tuple(np.unravel_index(order[found].reshape(view.shape), owner.shape))


def is_differentiable_view(view: Tensor, owner: Tensor) -> bool:
    """Whether view's node chain leads to owner through tensors sharing its memory."""
    t = view
    for _ in range(_MAX_VIEW_DEPTH):
        if t is owner:
            return True
        record = getattr(t, "_inplace", None)
        if record is not None and record.identities:  # written: the node that made it
            t = record.identities[0][1]
        if t._ctx is None:
            return False
        inside = [p for p in t._ctx.parents if is_tensor(p) and versions.root(p) is owner]
        if len(inside) != 1:
            return False
        t = inside[0]
    return False


def owner_index(op: str, view: Tensor, owner: Tensor) -> tuple[np.ndarray, ...]:
    """The index at which a write through `view` lands in `owner`, the tensor owning its
    memory; refused for a view of a leaf (as PyTorch), and for a view of a tensor outside
    the graph or one that is not differentiable (a detach: PyTorch records the write on
    the detached tensor alone), which this cannot tell apart."""
    if owner.requires_grad and owner._ctx is None:
        raise BackwardError(
            f"{op}: a view (shape {view.shape}) of a leaf tensor that requires grad (shape "
            f"{owner.shape}) is being used in an in-place operation; do it inside "
            f"`with tg.no_grad():`, or on a clone")
    where = positions(view._data, owner._data) if is_differentiable_view(view, owner) \
        else None
    if where is not None and where and np.unique(np.ravel_multi_index(
            where, owner.shape)).size != view._data.size:
        # PyTorch refuses a write into memory that several elements share: one value per
        # element cannot follow two positions' gradients
        raise BackwardError(
            f"{op}: an in-place write through a view (shape {view.shape}) whose elements "
            f"overlap in memory (overlapping windows: unfold, as_strided) of a tensor in the "
            f"graph is not supported; write into the base tensor, or clone() the view")
    if where is None:
        raise BackwardError(
            f"{op}: an in-place write bringing a gradient into a view (shape {view.shape}) of "
            f"a tensor (shape {owner.shape}) outside the graph, or through a detach() or "
            f"view(dtype) of one in it (not a differentiable view), is not supported; write "
            f"into the base tensor, or clone() the view")
    return where
