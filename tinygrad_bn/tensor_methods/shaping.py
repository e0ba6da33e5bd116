"""Building shapes from tensors: the methods rot90, diag_embed, tensor_split and kron, the
functions of several tensors block_diag, cartesian_prod, meshgrid, atleast_1d/2d/3d, and
the index builders tril_indices, triu_indices.

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
from ..autograd.primitive import as_tensor, is_tensor, new_tensor
from ..dtypes import as_dtype
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from ..keywords import one_axis
from .axis_alias import takes_axis
from .movement import concatenate, stack

if TYPE_CHECKING:
    from ..tensor import Tensor


class ShapingMethods:
    """The mixin of Tensor's rot90, diag_embed, tensor_split and kron."""

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
        if isinstance(offset, bool) or not isinstance(offset, int | np.integer):
            raise ArgumentTypeError(f"diag_embed: offset must be an int, got {offset!r}")
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

    @takes_axis
    def tensor_split(self, indices_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
        """Views along dim: an int n gives n pieces as equal as can be (the first n mod len
        one longer, as NumPy's array_split); a list (or 1-d int tensor) of indices cuts before
        each of them (clipped to the axis, so pieces may be empty); a 0-d int tensor is n."""
        if self.ndim == 0:
            raise ShapeError("tensor_split: expected at least a 1-dimensional tensor, got a "
                             "0-d tensor")
        axis = one_axis("tensor_split", self.ndim, None, dim)
        cuts = indices_or_sections
        if is_tensor(cuts):
            if cuts.ndim > 1:
                raise ShapeError(f"tensor_split: indices_or_sections must be a 0-d or 1-d "
                                 f"tensor, got shape {cuts.shape}")
            if cuts.dtype != np.int64:
                raise DTypeError(f"tensor_split: indices_or_sections must have dtype int64, "
                                 f"got {cuts.dtype}")
            cuts = int(cuts._data) if cuts.ndim == 0 else [int(i) for i in cuts._data]
        n = self.shape[axis]
        if isinstance(cuts, int | np.integer) and not isinstance(cuts, bool):
            if cuts <= 0:
                raise ArgumentError(f"tensor_split: number of sections must be larger than 0, "
                                    f"got {cuts}")
            size, extra = divmod(n, int(cuts))
            bounds = np.cumsum([0] + [size + (k < extra) for k in range(int(cuts))])
        elif isinstance(cuts, Sequence) and not isinstance(cuts, str) and all(
                isinstance(i, int | np.integer) and not isinstance(i, bool) for i in cuts):
            # negative indices count from the end; every bound clipped to [0, n]
            bounds = [0] + [min(max(int(i) + n if i < 0 else int(i), 0), n) for i in cuts] + [n]
        else:
            raise ArgumentTypeError(f"tensor_split: indices_or_sections must be an int, a "
                                    f"sequence of ints or an int64 tensor, got {cuts!r}")
        head = (slice(None),) * axis
        return tuple(self[head + (slice(int(a), max(int(a), int(b))),)]
                     for a, b in zip(bounds[:-1], bounds[1:]))

    def kron(self, other: Any) -> Tensor:
        """The Kronecker product: out[i0 m0 + j0, i1 m1 + j1, ...] = x[i0, i1, ...] y[j0,
        j1, ...] (m the shape of y; the fewer axes padded in front with 1s), a product of
        two broadcast reshapes, so its gradients follow."""
        y = self._coerce(other, "kron")
        n = max(self.ndim, y.ndim)
        a = (1,) * (n - self.ndim) + self.shape
        b = (1,) * (n - y.ndim) + y.shape
        left = self.reshape([k for m in a for k in (m, 1)])
        right = y.reshape([k for m in b for k in (1, m)])
        return (left * right).reshape(tuple(m * k for m, k in zip(a, b)))


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


def _atleast(name: str, ndim: int, tensors: tuple[Any, ...]) -> Any:
    """The tensors with at least ndim axes: one tensor for one, a tuple for several or for
    one list or tuple (PyTorch's atleast_1d/2d/3d)."""
    single = len(tensors) == 1 and not isinstance(tensors[0], list | tuple)
    items = tensors[0] if len(tensors) == 1 and not single else tensors
    out = []
    for t in items:
        if not is_tensor(t):
            raise ArgumentTypeError(f"{name}: expects tensors, got {type(t).__name__} {t!r}")
        if t.ndim >= ndim:
            out.append(t)
        elif ndim == 3 and t.ndim == 2:  # (m, n) -> (m, n, 1), as NumPy's and PyTorch's
            out.append(t.unsqueeze(-1))
        elif ndim == 3 and t.ndim == 1:  # (n,) -> (1, n, 1)
            out.append(t.reshape(1, -1, 1))
        else:  # 0-d -> (1,)*ndim; 1-d -> (1, n) for 2-d
            out.append(t.reshape((1,) * (ndim - t.ndim) + t.shape))
    return out[0] if single else tuple(out)


def atleast_1d(*tensors: Any) -> Any:
    """Each tensor with at least 1 axis (a 0-d one as shape (1,))."""
    return _atleast("atleast_1d", 1, tensors)


def atleast_2d(*tensors: Any) -> Any:
    """Each tensor with at least 2 axes: 0-d as (1, 1), (n,) as (1, n)."""
    return _atleast("atleast_2d", 2, tensors)


def atleast_3d(*tensors: Any) -> Any:
    """Each tensor with at least 3 axes: 0-d as (1, 1, 1), (n,) as (1, n, 1), (m, n) as
    (m, n, 1)."""
    return _atleast("atleast_3d", 3, tensors)


def _triangle_indices(name: str, row: int, col: int, offset: int, dtype: Any,
                      lower: bool) -> Tensor:
    for what, value in (("row", row), ("col", col), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise ArgumentTypeError(f"{name}: {what} must be an int, got {value!r}")
    if row < 0 or col < 0:
        raise ArgumentError(f"{name}: row and col must be non-negative, got {row}, {col}")
    kind = as_dtype(name, dtype) if dtype is not None else np.dtype(np.int64)
    if kind not in (np.int32, np.int64):
        raise DTypeError(f"{name}: dtype must be int32 or int64 (PyTorch's long or int), got "
                         f"{kind}")
    i, j = np.indices((int(row), int(col))).reshape(2, -1)  # row-major: PyTorch's order
    keep = (j - i <= offset) if lower else (j - i >= offset)
    return new_tensor(np.stack([i[keep], j[keep]]).astype(kind))


def tril_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The (2, N) coordinates of the lower triangle (j - i <= offset) of a row x col
    matrix, row by row (PyTorch's order); int64 unless dtype says int32."""
    return _triangle_indices("tril_indices", row, col, offset, dtype, lower=True)


def triu_indices(row: int, col: int, offset: int = 0, *, dtype: Any = None,
                 device: Any = None, layout: Any = None) -> Tensor:
    """The (2, N) coordinates of the upper triangle (j - i >= offset), row by row."""
    return _triangle_indices("triu_indices", row, col, offset, dtype, lower=False)
