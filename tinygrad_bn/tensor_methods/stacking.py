"""Joining and cutting along a named direction, NumPy's way: the functions hstack, vstack
(row_stack), dstack and column_stack, and the methods hsplit, vsplit, dsplit and
split_with_sizes (and PyTorch's unsafe_ spellings of split, chunk and split_with_sizes,
which differ from them only in PyTorch's view bookkeeping).

Each is atleast_1d/2d/3d, a reshape, then concatenate, or a tensor_split / split, so the
gradients of every order are those of concatenation and slicing: each output element is
one input element, and its gradient goes back to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.primitive import is_tensor
from ..errors import ArgumentError, ArgumentTypeError, ShapeError
from .axis_alias import takes_axis
from .movement import concatenate
from .shaping import atleast_1d, atleast_2d, atleast_3d

if TYPE_CHECKING:
    from ..tensor import Tensor


class StackingMethods:
    """The mixin of Tensor's hsplit, vsplit, dsplit, split_with_sizes and the unsafe_
    splits."""

    __slots__ = ()

    def hsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """Pieces along the columns: axis 1, or axis 0 of a 1-d tensor (NumPy's hsplit)."""
        return _directional_split(self, "hsplit", 1, 1 if self.ndim > 1 else 0,
                                  indices_or_sections)

    def vsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """Pieces along the rows: axis 0 of a tensor of at least 2 dims."""
        return _directional_split(self, "vsplit", 2, 0, indices_or_sections)

    def dsplit(self, indices_or_sections: Any) -> tuple[Tensor, ...]:
        """Pieces along the depth: axis 2 of a tensor of at least 3 dims."""
        return _directional_split(self, "dsplit", 3, 2, indices_or_sections)

    def split_with_sizes(self, split_sizes: Sequence[int], dim: int = 0) -> tuple[Tensor, ...]:
        """Pieces of the listed sizes along dim; the sizes must add up to its length."""
        if is_tensor(split_sizes) or not isinstance(split_sizes, Sequence) or \
                isinstance(split_sizes, str):
            raise ArgumentTypeError(f"split_with_sizes: split_sizes must be a sequence of "
                                    f"ints, got {type(split_sizes).__name__}")
        return self.split(list(split_sizes), dim)

    @takes_axis
    def unsafe_split(self, split_size: int, dim: int = 0) -> tuple[Tensor, ...]:
        """split (PyTorch's unsafe_ marks pieces that are not tracked as views)."""
        return self.split(split_size, dim)

    @takes_axis
    def unsafe_chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """chunk (see unsafe_split)."""
        return self.chunk(chunks, dim)

    def unsafe_split_with_sizes(self, split_sizes: Sequence[int], dim: int = 0
                                ) -> tuple[Tensor, ...]:
        """split_with_sizes (see unsafe_split)."""
        return self.split_with_sizes(split_sizes, dim)


def _directional_split(x: Tensor, name: str, least: int, axis: int,
                       sections: Any) -> tuple[Tensor, ...]:
    """tensor_split along `axis`, but an int count must divide the axis evenly, as
    NumPy's and PyTorch's hsplit/vsplit/dsplit require."""
    if x.ndim < least:
        raise ShapeError(f"{name}: needs a tensor of at least {least} dims, got shape "
                         f"{x.shape}")
    if isinstance(sections, int | np.integer) and not isinstance(sections, bool):
        if sections <= 0 or x.shape[axis] % sections:
            raise ArgumentError(f"{name}: cannot split dimension {axis} of size "
                                f"{x.shape[axis]} (shape {x.shape}) into {sections} equal "
                                f"parts; pass a count that divides it, or a list of indices")
    elif is_tensor(sections) or not isinstance(sections, Sequence) or \
            isinstance(sections, str):
        raise ArgumentTypeError(f"{name}: indices_or_sections must be an int or a list of "
                                f"ints, got {type(sections).__name__}")
    return x.tensor_split(sections, axis)


def _tensors(name: str, tensors: Any) -> list[Tensor]:
    if is_tensor(tensors) or not isinstance(tensors, Sequence) or isinstance(tensors, str):
        raise ArgumentTypeError(f"{name}: expects a list or tuple of tensors, got "
                                f"{type(tensors).__name__}")
    if not tensors:
        raise ShapeError(f"{name}: expects a non-empty list of tensors")
    bad = [type(t).__name__ for t in tensors if not is_tensor(t)]
    if bad:
        raise ArgumentTypeError(f"{name}: expects tensors, got {', '.join(bad)}")
    return list(tensors)


def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the columns: 1-d tensors (and 0-d, as length 1) end to end, others along
    axis 1."""
    items = list(atleast_1d(_tensors("hstack", tensors)))
    return concatenate(items, 0 if items[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the rows: each tensor as at least 2-d ((n,) as (1, n)), along axis 0."""
    return concatenate(list(atleast_2d(_tensors("vstack", tensors))), 0)


def row_stack(tensors: Sequence[Tensor]) -> Tensor:
    """vstack's other name."""
    return concatenate(list(atleast_2d(_tensors("row_stack", tensors))), 0)


def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Join along the depth: each tensor as at least 3-d ((n,) as (1, n, 1), (m, n) as
    (m, n, 1)), along axis 2."""
    return concatenate(list(atleast_3d(_tensors("dstack", tensors))), 2)


def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Join as columns: 0-d and 1-d tensors become columns (n, 1), others are kept, all
    joined along axis 1."""
    items = [t.reshape(-1, 1) if t.ndim <= 1 else t for t in _tensors("column_stack", tensors)]
    return concatenate(items, 1)
