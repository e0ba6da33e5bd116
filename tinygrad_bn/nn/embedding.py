"""Embedding: a lookup table of rows, trained by the scatter-add gradient of indexing."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.versions import record_write
from ..errors import ArgumentError, DTypeError, IndexOutOfRange, ShapeError
from ..tensor import Tensor, where
from . import init
from .arguments import factory_dtype, sizes
from .module import Module, Parameter


def _padding_index(op: str, padding_idx: int | None, num_embeddings: int) -> int | None:
    if padding_idx is None:
        return None
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise IndexOutOfRange(f"{op}: padding_idx {padding_idx} is out of range for "
                              f"{num_embeddings} embeddings")
    return padding_idx % num_embeddings


def embedding(input: Any, weight: Tensor, padding_idx: int | None = None,  # noqa: A002
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """out[..., :] = weight[input[...], :] for integer indices of any shape; the gradient of
    weight row r is the sum of the upstream rows at every position holding r (scatter-add),
    and zero for r = padding_idx (its row is returned but never trained), as PyTorch.
    max_norm: each row looked up whose norm_type-norm exceeds max_norm is first rescaled
    in place to max_norm (weight changes, as PyTorch's); scale_grad_by_freq: each
    position's gradient is divided by the count of its index in `input`; sparse is
    accepted, the gradient being the dense array of the same values."""
    indices = input._data if isinstance(input, Tensor) else np.asarray(input)
    if indices.dtype.kind not in "iu":
        raise DTypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    if weight.ndim != 2:
        raise ShapeError(f"embedding: weight must have shape (num_embeddings, embedding_dim), "
                         f"got {weight.shape}")
    n = weight.shape[0]
    if indices.size and (indices.min() < 0 or indices.max() >= n):
        bad = indices[(indices < 0) | (indices >= n)].flat[0]
        raise IndexOutOfRange(f"embedding: index {bad} is out of range for {n} embeddings "
                              f"(valid: 0..{n - 1})")
    if max_norm is not None:
        _renorm(weight, indices, max_norm, norm_type)
    rows = weight[indices]
    if scale_grad_by_freq and indices.size:
        _, inverse, counts = np.unique(indices, return_inverse=True, return_counts=True)
        share = (1.0 / counts[inverse]).reshape(*indices.shape, 1).astype(rows.dtype)
        constant = rows.detach()
        rows = constant + (rows - constant) * share  # the values exactly; gradient g / count
    padding_idx = _padding_index("embedding", padding_idx, n)
    if padding_idx is None:
        return rows
    trained = (indices != padding_idx)[..., None]
    return where(trained, rows, Tensor(rows._data))  # same values; no gradient at padding


def _check_norm(op: str, max_norm: Any, norm_type: Any) -> None:
    for name, value in (("max_norm", max_norm), ("norm_type", norm_type)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ArgumentError(f"{op}: {name} must be a positive number, got {value!r}")


def _renorm(weight: Tensor, indices: np.ndarray, max_norm: Any, norm_type: Any) -> None:
    """PyTorch's embedding_renorm_: the rows of `indices` with norm above max_norm scaled
    in place to max_norm (by max_norm / (norm + 1e-7)), outside the graph. The write counts
    as one in-place write of weight even when no row changes (its version moves, as
    PyTorch's), so a backward that saved weight before it refuses to run."""
    _check_norm("embedding", max_norm, norm_type)
    rows = np.unique(indices)
    table = weight._data
    norms = np.linalg.norm(table[rows], ord=norm_type, axis=1)
    large = norms > max_norm
    table[rows[large]] *= (max_norm / (norms[large] + 1e-7))[:, None].astype(table.dtype)
    record_write(weight)


class Embedding(Module):
    """A table of num_embeddings vectors of size embedding_dim, drawn from N(0, 1) (the row
    padding_idx, if given, starts at zero), looked up by integer indices."""

    def __init__(self, num_embeddings: int, embedding_dim: int,
                 padding_idx: int | None = None, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                 sparse: bool = False, *, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        sizes("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        dtype = factory_dtype("Embedding", device, dtype)
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.padding_idx = _padding_index("Embedding", padding_idx, self.num_embeddings)
        if max_norm is not None:
            _check_norm("Embedding", max_norm, norm_type)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = bool(scale_grad_by_freq), bool(sparse)
        self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
        self.reset_parameters()

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding whose table is a copy of the 2-d `embeddings` (num_embeddings,
        embedding_dim), not trained when `freeze` (its weight has requires_grad False)."""
        table = embeddings._data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if table.ndim != 2:
            raise ShapeError(f"Embedding.from_pretrained: embeddings must be 2-d "
                             f"(num_embeddings, embedding_dim), got shape {table.shape}")
        if table.dtype.kind != "f":
            raise DTypeError(f"Embedding.from_pretrained: embeddings must be floating, got "
                             f"dtype {table.dtype}")
        if max_norm is not None:
            _check_norm("Embedding.from_pretrained", max_norm, norm_type)
        module = cls(table.shape[0], table.shape[1], padding_idx, max_norm, norm_type,
                     scale_grad_by_freq, sparse, dtype=table.dtype)
        module.weight._data[...] = table  # the padding row too: PyTorch keeps it as given
        module.weight.requires_grad = not freeze
        return module

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        return text + (", sparse=True" if self.sparse else "")
