"""Batching a dataset: `BatchLoader`, what both DataLoaders share, and the NumPy `DataLoader`.

A loader walks a batch sampler (tinygrad_bn/data/sampler.py) lazily: every epoch it
iterates the sampler afresh and turns each list of indices into a batch as it is asked
for, so a sampler of 1e10 indices yields its first batch at once. How a list of indices
becomes a batch is the subclass's `_fetch`: here a tuple of NumPy arrays; in
`tinygrad_bn.utils.data.DataLoader` (PyTorch's) Tensors through `collate_fn`. Datasets
held as whole arrays (a tuple of arrays, MNIST, a TensorDataset) are batched by one fancy
index per array instead of sample by sample: same values, much faster.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from tinygrad_bn.data.sampler import BatchSampler, RandomSampler, SequentialSampler
from tinygrad_bn.errors import DataError

__all__ = ["BatchLoader", "DataLoader"]


def _as_array(value: Any, what: str) -> np.ndarray:
    """np.asarray(value), or a DataError naming `what` (ragged nesting, mixed types)."""
    try:
        array = np.asarray(value)
    except ValueError as error:
        raise DataError(f"{what} is not a rectangular array ({error})") from error
    if array.dtype == object:
        raise DataError(f"{what} holds Python objects (dtype object), not numbers")
    return array


class _ArrayDataset:
    """A tuple of equal-length arrays seen as a dataset; ``ds[i]`` is one row of each."""

    def __init__(self, arrays: Sequence[Any]) -> None:
        if len(arrays) == 0:
            raise DataError("DataLoader got an empty tuple of arrays")
        self.arrays = tuple(_as_array(a, f"DataLoader array {i}") for i, a in enumerate(arrays))
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise DataError(f"DataLoader array {i} is a scalar; need one row per sample")
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) != 1:
            raise DataError(f"DataLoader arrays have different lengths {lengths}")

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index: int) -> tuple[np.ndarray, ...]:
        return tuple(a[index] for a in self.arrays)


def default_sampler(dataset: Any, shuffle: bool, generator: Any) -> Any:
    """PyTorch's choice when no sampler is given: a RandomSampler drawing from `generator`
    when shuffling a non-empty dataset, else the dataset's order."""
    if shuffle and len(dataset):
        return RandomSampler(dataset, generator=generator)
    return SequentialSampler(dataset)


class BatchLoader:
    """Iterates `batch_sampler` (lists of indices) lazily, one `_fetch(indices)` per batch;
    `len()` is the batch sampler's. A sampler whose iteration disagrees with its `len()`
    (which sizes progress bars and LR schedules) is reported at the end of the epoch."""

    dataset: Any
    batch_sampler: Iterable[Any]

    def __len__(self) -> int:
        if not hasattr(self.batch_sampler, "__len__"):
            raise TypeError(f"{type(self).__name__}: its sampler "
                            f"({type(self.batch_sampler).__name__}) has no len()")
        return len(self.batch_sampler)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator[Any]:
        return self._epoch(self.batch_sampler)

    def _epoch(self, batches: Iterable[Any]) -> Iterator[Any]:
        arrays = self._whole_arrays()  # read once per epoch, not per batch
        count = 0
        for indices in batches:
            count += 1
            yield self._fetch(indices, arrays)
        if hasattr(batches, "__len__") and count != len(batches):  # type: ignore[arg-type]
            raise DataError(f"{type(self).__name__}: the sampler gave {count} batch(es) but "
                            f"its len() promises {len(batches)}")  # type: ignore[arg-type]

    def _whole_arrays(self) -> Sequence[np.ndarray] | None:
        """The dataset's arrays when batches can be cut from them by fancy indexing."""
        return None

    def _fetch(self, indices: Any, arrays: Sequence[np.ndarray] | None) -> Any:
        """One batch from its list of indices (`arrays`: what `_whole_arrays` gave)."""
        raise NotImplementedError

    def _index_array(self, indices: Any, n: int) -> np.ndarray:
        """A batch's indices as an intp array, each checked to be an int in [0, n)."""
        order = np.asarray(indices).reshape(-1)
        if order.size and (order.dtype.kind not in "iu"):  # 0.5 must not become row 0
            bad = next(i for i in order.tolist() if isinstance(i, bool) or
                       not isinstance(i, numbers.Integral))
            raise DataError(f"{type(self).__name__}: a sampler must yield int indices, got "
                            f"{type(bad).__name__} {bad!r}")
        order = order.astype(np.intp, copy=False)
        if order.size and (order.min() < 0 or order.max() >= n):
            bad = order[(order < 0) | (order >= n)]
            raise DataError(f"{type(self).__name__}: the sampler gave index {int(bad[0])}, "
                            f"out of range for a dataset of {n} samples (expected "
                            f"0 <= index < {n})")
        return order


class DataLoader(BatchLoader):
    """Iterate over a dataset in batches of NumPy arrays (wrap them in Tensor yourself;
    `tinygrad_bn.utils.data.DataLoader` is PyTorch's, yielding Tensors).

    ``dataset`` is either an object with ``__len__`` and ``__getitem__``
    returning a tuple such as ``(image, label)``, or a tuple of equal-length
    arrays such as ``(x, y)``. Datasets with ``images`` and ``labels`` array
    attributes (like :class:`MNIST`) are batched by fancy indexing, which is
    much faster than stacking samples one by one.

    With ``shuffle=True`` each epoch draws a fresh permutation from one
    ``np.random.Generator`` seeded with ``seed``: epochs differ from each other,
    and two loaders with the same seed give the same sequence of epochs. Without a
    ``seed`` the permutations come from ``tg.default_generator`` (``tg.manual_seed``).
    ``len(loader)`` is the number of batches per epoch.

    ``sampler`` (PyTorch's argument) is an iterable of dataset indices with a
    ``__len__``, such as :class:`tinygrad_bn.distributed.DistributedSampler` or
    :class:`tinygrad_bn.utils.data.RandomSampler`; each epoch iterates it afresh,
    lazily, and batches the indices in its order. It replaces ``shuffle`` (passing
    both raises), as in PyTorch.
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int | None = None,
        sampler: Any = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise DataError(f"batch_size must be a positive int, got {batch_size!r}")
        if batch_size <= 0:
            raise DataError(f"batch_size must be a positive int, got {batch_size}")
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, (bool, np.bool_)):
                raise DataError(f"{name} must be a bool, got {flag!r}")
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0
        ):
            raise DataError(f"seed must be None or a non-negative int, got {seed!r}")
        if sampler is not None:
            if shuffle:
                raise DataError("DataLoader: sampler and shuffle=True are mutually exclusive")
            if not (hasattr(sampler, "__iter__") and hasattr(sampler, "__len__")):
                raise DataError(
                    "DataLoader: sampler must be an iterable of indices with __len__, "
                    f"got {type(sampler).__name__}"
                )
        # Only a tuple means "arrays": a list may be a dataset of (x, y) samples.
        if isinstance(dataset, tuple):
            dataset = _ArrayDataset(dataset)
        elif not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise DataError(
                "dataset must define __len__ and __getitem__, or be a tuple of arrays (x, y); "
                f"got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        # one generator for every epoch: epochs differ, and the same seed repeats them all
        rng = None if seed is None else np.random.default_rng(seed)
        self.sampler = sampler if sampler is not None else default_sampler(dataset, shuffle, rng)
        self.batch_sampler = BatchSampler(self.sampler, self.batch_size, self.drop_last)

    def _whole_arrays(self) -> tuple[np.ndarray, ...] | None:
        """The dataset's arrays when batches can be cut by fancy indexing, else None."""
        ds = self.dataset
        if isinstance(ds, _ArrayDataset):
            return ds.arrays
        images, labels = getattr(ds, "images", None), getattr(ds, "labels", None)
        if (
            isinstance(images, np.ndarray)
            and isinstance(labels, np.ndarray)
            and len(images) == len(labels) == len(ds)
        ):
            return images, labels
        return None

    def _fetch(self, indices: Any, arrays: Sequence[np.ndarray] | None
               ) -> tuple[np.ndarray, ...]:
        order = self._index_array(indices, len(self.dataset))
        if arrays is not None:
            # Fancy indexing copies, so a caller mutating a batch never touches the dataset.
            return tuple(a[order] for a in arrays)
        return self._stack(order)

    def _stack(self, indices: np.ndarray) -> tuple[np.ndarray, ...]:
        """One batch from per-sample tuples: field k of every sample stacked along a new axis 0.
        Every sample must be a tuple of the first one's length, and field k must have one
        shape across the batch (a DataError names the two samples that differ)."""
        samples = [self.dataset[int(i)] for i in indices]
        for i, sample in zip(indices, samples):
            if not isinstance(sample, tuple):
                raise DataError(f"dataset[{int(i)}] must return a tuple such as (x, y), got "
                                f"{type(sample).__name__}")
            if len(sample) != len(samples[0]):
                raise DataError(f"dataset[{int(i)}] has {len(sample)} fields but "
                                f"dataset[{int(indices[0])}] has {len(samples[0])}")
        fields = []
        for k in range(len(samples[0])):
            arrays = [_as_array(s[k], f"field {k} of dataset[{int(i)}]")
                      for i, s in zip(indices, samples)]
            for i, a in zip(indices, arrays):
                if a.shape != arrays[0].shape:
                    raise DataError(
                        f"DataLoader: field {k} of dataset[{int(i)}] has shape {a.shape} but "
                        f"dataset[{int(indices[0])}] has {arrays[0].shape}; samples of a batch "
                        f"must have one shape (pad them, or use batch_size=1)")
            fields.append(np.stack(arrays))
        return tuple(fields)

    def __repr__(self) -> str:
        return (
            f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})"
        )
