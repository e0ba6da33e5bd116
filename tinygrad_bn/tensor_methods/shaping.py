"""Building shapes from tensors: the methods rot90 and diag_embed, and the functions of
several tensors block_diag, cartesian_prod, meshgrid.

All are composites of movement ops (Flip, Transpose, Pad, Concatenate, Expand, Reshape)
and ScatterAdd, so gradients of every order follow: each output element is one input
element, and the gradient goes back to it (summed where an input is repeated, as meshgrid's
expand repeats it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd.function import as_tensor
from ..errors import ArgumentError, DTypeError, ShapeError
from ..keywords import one_axis
from .movement import concatenate, stack

if TYPE_CHECKING:
    from ..tensor import Tensor


class ShapingMethods:
    """The mixin of Tensor's rot90 and diag_embed."""

    __slots__ = ()

    def rot90(self, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
        """x rotated by k quarter turns in the plane dims, from the first axis towards the
        second (k < 0: the other way)."""
        if len(dims) != 2:
            raise ArgumentError(f"rot90: dims must be two axes, got {dims!r}")
        if self.ndim < 2:
            raise ShapeError(f"rot90: needs at least 2 dims, got shape {self.shape}")
        a, b = (one_axis("rot90", self.ndim, None, d) for d in dims)
        if a == b:
            raise ArgumentError(f"rot90: the two dims must differ, got {tuple(dims)}")
        turns = int(k) % 4
        if turns == 0:
            return self * 1
        if turns == 2:
            return self.flip((a, b))
        return (self.flip(b) if turns == 1 else self.flip(a)).transpose(a, b)

    def diag_embed(self, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
        """A tensor whose planes (dim1, dim2) hold x's last axis on their offset-th
        diagonal, zeros elsewhere (the inverse of diagonal)."""
        if self.ndim == 0:
            raise ShapeError("diag_embed: needs at least 1 dim, got a 0-d tensor")
        a = one_axis("diag_embed", self.ndim + 1, None, dim1)
        b = one_axis("diag_embed", self.ndim + 1, None, dim2)
        if a == b:
            raise ArgumentError(f"diag_embed: dim1 and dim2 must differ, got {dim1}, {dim2}")
        n = self.shape[-1]
        m = n + abs(int(offset))
        rows = np.arange(n) + max(0, -int(offset))
        planes = ops.ScatterAdd.apply(self, index=(Ellipsis, rows, rows + int(offset)),
                                      shape=self.shape[:-1] + (m, m))
        # the plane's axes are last; put them at dim1 and dim2, the others in order
        order = list(range(self.ndim - 1))
        for axis, source in sorted([(a, self.ndim - 1), (b, self.ndim)]):
            order.insert(axis, source)
        return planes.permute(*order)


def block_diag(*tensors: Any) -> Tensor:
    """The tensors (0-d, 1-d as a row, or 2-d) as the blocks of a block-diagonal matrix,
    zeros elsewhere (their dtypes promoted, as PyTorch's)."""
    blocks = [as_tensor(t) for t in tensors]
    for k, t in enumerate(blocks):
        if t.ndim > 2:
            raise ShapeError(f"block_diag: tensors must have 2 or fewer dims, tensor {k} has "
                             f"shape {t.shape}")
    if not blocks:
        return as_tensor(np.zeros((1, 0), np.float32))
    dtype = np.result_type(*(t.dtype for t in blocks))
    blocks = [(t if t.dtype == dtype else t.astype(dtype)).reshape(
        (1, 1) if t.ndim == 0 else (1, -1) if t.ndim == 1 else t.shape) for t in blocks]
    width = sum(t.shape[1] for t in blocks)
    rows, before = [], 0
    for t in blocks:
        rows.append(t.pad(((0, 0), (before, width - before - t.shape[1]))))
        before += t.shape[1]
    return concatenate(rows, 0)


def meshgrid(*tensors: Any, indexing: str | None = None) -> tuple[Tensor, ...]:
    """Coordinate grids: for 1-d tensors (of one dtype) t_0 ... t_{n-1}, n tensors of
    shape (len t_0, ..., len t_{n-1}) ("ij", the default), the k-th repeating t_k along
    axis k; "xy" swaps the first two axes (Cartesian, NumPy's default). Tensors may be
    given as one list."""
    if len(tensors) == 1 and isinstance(tensors[0], list | tuple):
        tensors = tuple(tensors[0])
    if indexing is None:
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ArgumentError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    vectors = [as_tensor(t) for t in tensors]
    for k, t in enumerate(vectors):
        if t.ndim > 1:
            raise ShapeError(f"meshgrid: expects 0-d or 1-d tensors, tensor {k} has shape "
                             f"{t.shape}")
    if len({t.dtype for t in vectors}) > 1:
        raise DTypeError(f"meshgrid: expects tensors of one dtype, got "
                         f"{', '.join(str(t.dtype) for t in vectors)}")
    vectors = [t.reshape(-1) for t in vectors]
    axes = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(vectors)
    for t, axis in zip(vectors, axes):
        shape[axis] = t.shape[0]
    return tuple(t.reshape([-1 if k == axis else 1 for k in range(len(shape))]).expand(*shape)
                 for t, axis in zip(vectors, axes))


def cartesian_prod(*tensors: Any) -> Tensor:
    """The Cartesian product of 1-d tensors of one dtype: a row (a_i, b_j, ...) for every
    combination, in the order of nested loops (the last tensor fastest); one tensor is
    returned as is."""
    vectors = [as_tensor(t) for t in tensors]
    if not vectors:
        raise ArgumentError("cartesian_prod: needs at least one tensor")
    for k, t in enumerate(vectors):
        if t.ndim != 1:
            raise ShapeError(f"cartesian_prod: expects 1-d tensors, tensor {k} has shape "
                             f"{t.shape}")
    if len(vectors) == 1:
        return vectors[0]
    grids = meshgrid(*vectors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)
