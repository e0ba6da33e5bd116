"""EmbeddingBag, PyTorch's: the rows of each bag of indices looked up and reduced (sum, mean
or max) without materialising the (bag, index, dim) tensor of nn.Embedding.

Bags come as a 2-d input (B, L): each row one bag; or as a 1-d input with `offsets`, bag b
holding input[offsets[b]:offsets[b + 1]] and the last bag running to the end of the input
(include_last_offset: offsets holds B + 1 entries, CSR-like, the last one not starting a
bag; the last bag still runs to the input's end, as PyTorch's). For the looked-up
rows e_l = weight[input[l]] (F.embedding: max_norm and scale_grad_by_freq as there), the
indices equal to padding_idx left out:

    sum:  y[b] = sum_{l in b} w_l e_l      (w: per_sample_weights, else 1)
    mean: y[b] = sum_{l in b} e_l / |b|
    max:  y[b, d] = max_{l in b} e_l[d]    (the gradient to the first maximum)

An empty bag gives zeros. sum and mean are one index_add over the bags (gradient: each
row receives its bag's upstream gradient); max gathers the per-column argmax.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, DTypeError, ShapeError, UnsupportedError, names_errors
from ..tensor import Tensor, as_tensor, concatenate
from . import init
from .arguments import factory_dtype, sizes
from .embedding import _check_norm, _padding_index, embedding
from .module import Module, Parameter

MODES = ("sum", "mean", "max")


def _integers(name: str, value: Any) -> np.ndarray:
    array = value._data if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind not in "iu":
        raise DTypeError(f"embedding_bag: {name} must be integers, got dtype {array.dtype}")
    return array.astype(np.int64, copy=False)


def _bags(indices: np.ndarray, offsets: Any, include_last_offset: bool
          ) -> tuple[np.ndarray, np.ndarray, int]:
    """(flat indices, the bag of each, the number of bags)."""
    if indices.ndim == 2:
        if offsets is not None:
            raise ArgumentError("embedding_bag: offsets must be None when input is 2-d "
                                "(each row is a bag)")
        count, length = indices.shape
        return indices.reshape(-1), np.repeat(np.arange(count), length), count
    if indices.ndim != 1:
        raise ShapeError(f"embedding_bag: input must be 1-d (with offsets) or 2-d (bags as "
                         f"rows), got shape {indices.shape}")
    if offsets is None:
        raise ArgumentError("embedding_bag: a 1-d input needs offsets (the start of each bag)")
    starts = _integers("offsets", offsets)
    if starts.ndim != 1 or starts.size == 0:
        raise ShapeError(f"embedding_bag: offsets must be a non-empty 1-d tensor, got shape "
                         f"{starts.shape}")
    n = indices.size
    if starts[0] != 0 or np.any(np.diff(starts) < 0) or starts[-1] > n:
        raise ArgumentError(f"embedding_bag: offsets must start at 0, never decrease and not "
                            f"exceed the input's length {n}, got {starts.tolist()}")
    if include_last_offset:  # the last offset closes no bag: PyTorch's last bag still runs
        starts = starts[:-1]  # to the input's end
    count = starts.size
    bag = np.repeat(np.arange(count), np.diff(np.append(starts, n)))
    return indices[:bag.size], bag, count  # no bag at all: nothing is looked up


@names_errors("embedding_bag")
def embedding_bag(input: Any, weight: Any, offsets: Any = None,  # noqa: A002
                  max_norm: float | None = None, norm_type: float = 2.0,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Any = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The reduced rows of each bag, (B, embedding_dim); see the module docstring."""
    if mode not in MODES:
        raise ArgumentError(f"embedding_bag: mode must be one of {MODES}, got {mode!r}")
    weight = as_tensor(weight)
    if weight.ndim != 2:
        raise ShapeError(f"embedding_bag: weight must have shape (num_embeddings, "
                         f"embedding_dim), got {weight.shape}")
    indices = _integers("input", input)
    flat, bag, count = _bags(indices, offsets, include_last_offset)
    if per_sample_weights is not None:
        if mode != "sum":
            raise UnsupportedError(f"embedding_bag: per_sample_weights is only supported for "
                                   f"mode='sum' (as in PyTorch), got mode={mode!r}")
        per_sample_weights = as_tensor(per_sample_weights)
        if per_sample_weights.shape != indices.shape:
            raise ShapeError(f"embedding_bag: per_sample_weights must have the input's shape "
                             f"{indices.shape}, got {per_sample_weights.shape}")
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    keep = np.ones(flat.size, dtype=bool)
    padding_idx = _padding_index("embedding_bag", padding_idx, weight.shape[0])
    if padding_idx is not None:
        keep &= flat != padding_idx
    kept = np.flatnonzero(keep)
    dim = weight.shape[1]
    if mode == "max":
        order = kept[np.argsort(bag[kept], kind="stable")]
        position = np.full((count, dim), rows.shape[0], dtype=np.int64)  # empty: a zero row
        starts = np.searchsorted(bag[order], np.arange(count + 1))
        values = rows._data
        for b in range(count):
            members = order[starts[b]:starts[b + 1]]
            if members.size:
                position[b] = members[np.argmax(values[members], axis=0)]
        padded = concatenate([rows, Tensor(np.zeros((1, dim), dtype=rows.dtype))])
        return padded.gather(0, position)
    picked = rows[kept] if kept.size != flat.size else rows
    if per_sample_weights is not None:
        picked = picked * per_sample_weights.reshape(-1)[kept].unsqueeze(-1)
    total = Tensor(np.zeros((count, dim), dtype=rows.dtype)).index_add(0, bag[kept], picked)
    if mode == "sum":
        return total
    sizes = np.bincount(bag[kept], minlength=count).astype(rows.dtype)
    return total / Tensor(np.maximum(sizes, 1)[:, None])


class EmbeddingBag(Module):
    """A table of num_embeddings vectors of size embedding_dim, drawn from N(0, 1) (the row
    padding_idx starts at zero), whose bags of rows are summed, averaged or maxed;
    forward(input, offsets=None, per_sample_weights=None)."""

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Any = None, include_last_offset: bool = False,
                 padding_idx: int | None = None, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        sizes("EmbeddingBag", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        if mode not in MODES:
            raise ArgumentError(f"EmbeddingBag: mode must be one of {MODES}, got {mode!r}")
        if max_norm is not None:
            _check_norm("EmbeddingBag", max_norm, norm_type)
        dtype = factory_dtype("EmbeddingBag", device, dtype)
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.mode, self.sparse = scale_grad_by_freq, mode, sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = _padding_index("EmbeddingBag", padding_idx, self.num_embeddings)
        if _weight is None:
            self.weight = Parameter(np.empty((num_embeddings, embedding_dim), dtype=dtype))
            self.reset_parameters()
        else:
            table = _weight._data if isinstance(_weight, Tensor) else np.asarray(_weight)
            if table.shape != (num_embeddings, embedding_dim):
                raise ShapeError(f"EmbeddingBag: _weight must have shape ({num_embeddings}, "
                                 f"{embedding_dim}), got {table.shape}")
            self.weight = Parameter(np.array(table))

    @classmethod
    def from_pretrained(cls, embeddings: Any, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag whose table is a copy of the 2-d `embeddings`, not trained when
        `freeze`."""
        table = embeddings._data if isinstance(embeddings, Tensor) else np.asarray(embeddings)
        if table.ndim != 2:
            raise ShapeError(f"EmbeddingBag.from_pretrained: embeddings must be 2-d, got "
                             f"shape {table.shape}")
        module = cls(table.shape[0], table.shape[1], max_norm, norm_type, scale_grad_by_freq,
                     mode, sparse, table, include_last_offset, padding_idx)
        module.weight.requires_grad = not freeze
        return module

    def reset_parameters(self) -> None:
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight._data[self.padding_idx] = 0

    def forward(self, input: Any, offsets: Any = None,  # noqa: A002
                per_sample_weights: Any = None) -> Tensor:
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                             self.scale_grad_by_freq, self.mode, self.sparse,
                             per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            text += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            text += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq:
            text += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        text += f", mode={self.mode!r}"
        if self.padding_idx is not None:
            text += f", padding_idx={self.padding_idx}"
        return text
