"""Datasets as PyTorch's `torch.utils.data`: map-style (`__getitem__`, `__len__`) and
iterable-style (`__iter__`), with the wrappers that cut and join them.

    TensorDataset(*tensors)      sample i = (t[i] for each tensor), one first dimension
    Subset(ds, indices)          sample i = ds[indices[i]]
    ConcatDataset(datasets)      the samples of each dataset in turn; ds1 + ds2 makes one
    ChainDataset(datasets)       the same for iterable datasets
    StackDataset(*ds, **named)   sample i = (d[i] for each d), or {name: d[i]} by keyword
    random_split(ds, lengths)    disjoint Subsets of a random permutation of ds, of the given
                                 lengths or fractions of len(ds)
"""

from __future__ import annotations

import bisect
import itertools
import math
import numbers
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from ..errors import (
    ArgumentError,
    ArgumentTypeError,
    DataError,
    IndexOutOfRange,
    ShapeError,
    short_repr,
)
from ..seeding import generator as numpy_generator
from ..tensor import Tensor

__all__ = [
    "ChainDataset", "ConcatDataset", "Dataset", "IterableDataset", "StackDataset", "Subset",
    "TensorDataset", "random_split",
]


class Dataset:
    """Base class of map-style datasets: define `__getitem__(index)` and usually `__len__()`
    (PyTorch's base defines no `__len__`: samplers that need one ask the subclass)."""

    def __getitem__(self, index: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Base class of iterable-style datasets: define `__iter__`; a DataLoader batches the
    samples in the order the iterator gives them (no sampler, no shuffle)."""

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")

    def __add__(self, other: Dataset) -> ChainDataset:  # type: ignore[override]
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the rows of equal-length Tensors (or arrays): `ds[i]` is
    `tuple(t[i] for t in tensors)`."""

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise DataError("TensorDataset: needs at least one tensor")
        self.tensors = tuple(t if isinstance(t, Tensor) else Tensor(np.asarray(t))
                             for t in tensors)
        lengths = [t.data.shape[0] if t.data.ndim else None for t in self.tensors]
        if None in lengths or len(set(lengths)) != 1:
            raise ShapeError(f"TensorDataset: tensors need one first dimension, got shapes "
                             f"{[tuple(t.shape) for t in self.tensors]}")

    def __getitem__(self, index: Any) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].data.shape[0]


class StackDataset(Dataset):
    """Datasets of one length side by side: `ds[i]` is `tuple(d[i] for d in args)`, or with
    keyword datasets `{name: d[i]}` (one form or the other, as PyTorch's)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args and kwargs:
            raise ArgumentError("StackDataset: give datasets as positional arguments (tuple "
                                "samples) or as keywords (dict samples), not both")
        if not args and not kwargs:
            raise DataError("StackDataset: needs at least one dataset")
        self.datasets: tuple[Any, ...] | dict[str, Any] = args or dict(kwargs)
        parts = args or tuple(kwargs.values())
        unsized = [type(d).__name__ for d in parts if not isinstance(d, Sized)]
        if unsized:
            raise ArgumentTypeError(f"StackDataset: every dataset needs a length, got a "
                                    f"{unsized[0]}")
        lengths = [len(d) for d in parts]
        if len(set(lengths)) != 1:
            raise ShapeError(f"StackDataset: the datasets must have one length, got {lengths}")
        self._length = lengths[0]

    def __getitem__(self, index: Any) -> Any:
        if not -self._length <= index < self._length:
            raise IndexOutOfRange(f"StackDataset: index {index} is out of range for "
                                  f"{self._length} samples")
        if isinstance(self.datasets, dict):
            return {name: d[index] for name, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class Subset(Dataset):
    """The samples of `dataset` at `indices`, in that order: `subset[i]` is
    `dataset[indices[i]]`."""

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        if isinstance(dataset, Sized) and len(indices):  # a bad index fails now, not mid-epoch
            n, found = len(dataset), np.asarray(indices)
            if found.dtype.kind not in "iu":
                raise ArgumentTypeError(f"Subset: indices must be ints, got "
                                        f"{short_repr(indices)}")
            if found.min() < -n or found.max() >= n:
                raise IndexOutOfRange(f"Subset: indices must be ints in [{-n}, {n}) for a "
                                      f"dataset of {n} samples, got {short_repr(indices)}")
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index: Any) -> Any:
        n = len(self.indices)
        for i in index if isinstance(index, list) else [index]:
            if not -n <= i < n:
                raise IndexOutOfRange(f"Subset: index {i} is out of range for {n} samples")
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of every dataset in `datasets`, one dataset after another; a negative
    index counts from the end."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise DataError("ConcatDataset: datasets should not be an empty iterable")
        for i, ds in enumerate(self.datasets):
            if isinstance(ds, IterableDataset):
                raise DataError(f"ConcatDataset: dataset {i} is an IterableDataset, which has "
                                f"no indices (use ChainDataset)")
        self.cumulative_sizes = list(itertools.accumulate(len(ds) for ds in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        n = len(self)
        if not -n <= index < n:
            raise IndexOutOfRange(f"ConcatDataset: index {index} is out of range for {n} "
                                  f"samples")
        index = index + n if index < 0 else index
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """The samples of every iterable dataset in `datasets`, one after another."""

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for i, ds in enumerate(self.datasets):
            if not isinstance(ds, Iterable):
                raise ArgumentTypeError(f"ChainDataset: dataset {i} is {type(ds).__name__} "
                                        f"{ds!r}, not an iterable dataset")
            yield from ds

    def __len__(self) -> int:
        return sum(len(ds) for ds in self.datasets)


def _split_lengths(n: int, lengths: Sequence[float]) -> list[int]:
    """Lengths given as counts summing to n, or as fractions summing to 1: floor(n * f)
    each, the remainder handed out one by one from the first (PyTorch's rule)."""
    total = sum(lengths)
    if math.isclose(total, 1) and total <= 1:
        counts = [math.floor(n * f) for f in lengths]
        if any(not 0 <= f <= 1 for f in lengths):
            raise ArgumentError(f"random_split: fractions must be in [0, 1], got "
                                f"{list(lengths)}")
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        return counts
    if any(isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0
           for k in lengths):
        raise ArgumentError(f"random_split: lengths must be non-negative ints summing to "
                            f"len(dataset) = {n}, or fractions summing to 1; got "
                            f"{list(lengths)}")
    if total != n:
        raise ArgumentError(f"random_split: sum of input lengths ({total}) does not equal the "
                            f"length of the input dataset ({n})")
    return [int(k) for k in lengths]


def random_split(dataset: Any, lengths: Sequence[float], generator: Any = None
                 ) -> list[Subset]:
    """Disjoint Subsets of `dataset` that together cover it, cut from one random
    permutation in order: `lengths` are counts summing to len(dataset) or fractions summing
    to 1. Draws from `generator` (default: `tg.default_generator`)."""
    counts = _split_lengths(len(dataset), lengths)
    order = numpy_generator(generator, "random_split").permutation(sum(counts)).tolist()
    bounds = list(itertools.accumulate(counts, initial=0))
    return [Subset(dataset, order[a:b]) for a, b in itertools.pairwise(bounds)]
