"""Tuples of elements and of rows, and norms of slices: combinations (the r-element
combinations of a vector's elements), pdist (the distance of every pair of rows) and renorm
(each slice scaled down to a maximum norm).

    combinations(x, r)[k] = (x[i_1], ..., x[i_r]) for the k-th i_1 < ... < i_r (<= with
                            replacement), in lexicographic order
    pdist(x, p)[k]        = ||x[i] - x[j]||_p for the k-th pair i < j, row-major
    renorm(x, p, dim, m)  = each x.select(dim, i) times m / (||.||_p + 1e-7) where its norm
                            exceeds m (PyTorch's constant)

Each is indexing, differences, vector_norm and a `where`, so the gradients of every order
follow (vector_norm's gradient is 0 at a zero difference, as PyTorch's pdist's).
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd.primitive import is_tensor
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from ..keywords import one_axis
from .axis_alias import takes_axis
from .elementwise import where
from .reduce import vector_norm

if TYPE_CHECKING:
    from ..tensor import Tensor


def _norm_order(op: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating) or \
            math.isnan(p):
        raise ArgumentTypeError(f"{op}: p must be a number, got {p!r}")
    return float(p)


class PairMethods:
    """The mixin of Tensor's renorm and renorm_."""

    __slots__ = ()

    @takes_axis
    def renorm(self, p: Any, dim: int, maxnorm: Any) -> Tensor:
        """x with each slice along dim whose p-norm exceeds maxnorm scaled by maxnorm /
        (norm + 1e-7); other slices unchanged."""
        order = _norm_order("renorm", p)
        if order <= 0:
            raise ArgumentError(f"renorm: the norm order p must be positive, got {p}")
        if isinstance(maxnorm, bool) or not isinstance(maxnorm, int | float | np.integer |
                                                       np.floating) or not maxnorm >= 0:
            raise ArgumentError(f"renorm: expected maxnorm to be a number >= 0, got "
                                f"{maxnorm!r}")
        if self.ndim < 2:
            raise ShapeError(f"renorm: needs at least 2 dims, got shape {self.shape}")
        if self.dtype.kind != "f":
            raise DTypeError(f"renorm: expected a floating tensor, got dtype {self.dtype}")
        d = one_axis("renorm", self.ndim, None, dim)
        others = tuple(a for a in range(self.ndim) if a != d)
        norm = vector_norm(self, order, others, keepdim=True)
        over = norm._data > maxnorm
        if not over.any():
            return self * 1
        factor = where(over, float(maxnorm) / (norm + 1e-7), 1.0).astype(self.dtype)
        return self * factor

    @takes_axis
    def renorm_(self, p: Any, dim: int, maxnorm: Any) -> Tensor:
        """renorm in place."""
        return self._write("renorm_", lambda t: t.renorm(p, dim, maxnorm))


def combinations(input: Tensor, r: int = 2, with_replacement: bool = False  # noqa: A002
                 ) -> Tensor:
    """The r-element combinations of a 1-d tensor's elements, one per row (shape
    (count, r)), in lexicographic order of positions; r = 0 gives an empty 1-d tensor."""
    if not is_tensor(input):
        raise ArgumentTypeError(f"combinations: input must be a Tensor, got "
                                f"{type(input).__name__}")
    if input.ndim != 1:
        raise ShapeError(f"combinations: expected a 1-d tensor, got shape {input.shape}")
    if isinstance(r, bool) or not isinstance(r, int | np.integer) or r < 0:
        raise ArgumentError(f"combinations: r must be a non-negative int, got {r!r}")
    if r == 0:
        return input[np.zeros(0, np.int64)]
    choose = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = list(choose(range(input.shape[0]), int(r)))
    index = np.array(rows, np.int64).reshape(len(rows), int(r))
    return input[index]


def pdist(input: Tensor, p: Any = 2) -> Tensor:  # noqa: A002
    """The p-norm distance between every pair of rows i < j of an (N, M) tensor, in
    row-major order of pairs: N (N - 1) / 2 distances (the upper triangle of cdist)."""
    if not is_tensor(input):
        raise ArgumentTypeError(f"pdist: input must be a Tensor, got {type(input).__name__}")
    if input.ndim != 2:
        raise ShapeError(f"pdist: expected a 2-d tensor (N rows of M features), got shape "
                         f"{input.shape}")
    if input.dtype.kind != "f":
        raise DTypeError(f"pdist: expected a floating tensor, got dtype {input.dtype}")
    order = _norm_order("pdist", p)
    if order < 0:
        raise ArgumentError(f"pdist: p must be non-negative, got {p}")
    i, j = np.triu_indices(input.shape[0], 1)
    return vector_norm(input[i] - input[j], order, 1)
