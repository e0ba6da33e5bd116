"""Datasets and a DataLoader that yields Tensors, as `torch.utils.data`.

`DataLoader` batches any map-style dataset (`__len__` and `__getitem__`) and merges each
batch's samples with `collate_fn`, by default `default_collate`: PyTorch's rule, applied
recursively. Tensors and ndarrays are stacked into one Tensor along a new first axis,
Python floats become a float64 Tensor, ints an int64 Tensor, bools a bool Tensor;
dicts are collated per key, tuples and lists per position (a list of the results, a
namedtuple of its own type), strings are kept as a list. The order of indices comes from
the NumPy DataLoader of `tinygrad_bn.data` (shuffle, seed, sampler, drop_last), whose
shuffling draws from the generator `tg.manual_seed` seeds when no seed is given.

A `TensorDataset`, and the `tinygrad_bn.data.MNIST` dataset itself, are batched by one
fancy index per array instead of sample by sample (same values, much faster).
`num_workers`, `pin_memory` and the like are accepted and ignored: loading happens in
the calling thread.
"""

from __future__ import annotations

import collections.abc
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..data import MNIST
from ..data import DataLoader as _IndexLoader
from ..errors import ArgumentError, ArgumentTypeError, DataError, ShapeError
from ..tensor import Tensor, stack

__all__ = ["DataLoader", "Dataset", "TensorDataset", "default_collate"]


class Dataset:
    """Base class of map-style datasets: define `__getitem__(index)` and `__len__()`."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not define __len__")


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
                             f"{[t.shape for t in self.tensors]}")

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].data.shape[0]


def default_collate(batch: Sequence[Any]) -> Any:
    """Merge a list of samples into a batch (PyTorch's default_collate, see the module doc)."""
    elem = batch[0]
    if isinstance(elem, Tensor | np.ndarray | np.generic):
        shapes = {tuple(np.shape(a.data if isinstance(a, Tensor) else a)) for a in batch}
        if len(shapes) > 1:
            raise ShapeError(f"default_collate: the samples of a batch must have one shape, "
                             f"got {sorted(shapes)}")
    if isinstance(elem, Tensor):
        if any(t.requires_grad for t in batch):
            return stack(list(batch))
        return Tensor(np.stack([t.data for t in batch]))
    if isinstance(elem, np.ndarray | np.generic) and elem.dtype.kind not in "OSU":
        return Tensor(np.stack([np.asarray(a) for a in batch]))
    if isinstance(elem, bool):
        return Tensor(np.array(batch, dtype=bool))
    if isinstance(elem, numbers.Integral):
        if not all(isinstance(v, numbers.Integral) for v in batch):  # [1, 2.5]: as PyTorch
            return Tensor(np.array(batch, dtype=np.float32))
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(elem, numbers.Real):
        return Tensor(np.array(batch, dtype=np.float64))
    if isinstance(elem, str | bytes):
        return list(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise DataError(f"default_collate: samples of a batch must have one length, got "
                            f"{sorted({len(sample) for sample in batch})}")
        return [default_collate(list(field)) for field in zip(*batch)]
    raise DataError(f"default_collate: cannot batch samples of type {type(elem).__name__} "
                    f"(Tensors, ndarrays, numbers, strings, dicts, tuples or lists); pass a "
                    f"collate_fn")


# PyTorch DataLoader options that change nothing here (loading happens in this process)
_IGNORED_OPTIONS = {"timeout", "worker_init_fn", "multiprocessing_context",
                    "generator", "prefetch_factor", "persistent_workers", "pin_memory_device",
                    "in_order"}


class DataLoader:
    """Batches of a map-style dataset as Tensors (see the module doc); `len(loader)` is the
    number of batches per epoch, and every iteration is a new epoch (a new permutation when
    shuffling)."""

    def __init__(self, dataset: Any, batch_size: int = 1, shuffle: bool = False,
                 sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, seed: int | None = None,
                 **ignored: Any) -> None:
        unknown = sorted(set(ignored) - _IGNORED_OPTIONS)
        if unknown:  # a typo (shufle=True) must not be swallowed
            raise ArgumentTypeError(f"DataLoader: unexpected keyword arguments {unknown} (it "
                                    f"takes PyTorch's: {sorted(_IGNORED_OPTIONS)} are "
                                    f"accepted and ignored)")
        if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
                or num_workers < 0:
            raise ArgumentError(f"DataLoader: num_workers must be an int >= 0, got "
                                f"{num_workers!r}")
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise DataError(f"DataLoader: dataset must define __len__ and __getitem__, got "
                            f"{type(dataset).__name__}")
        self.dataset, self.collate_fn = dataset, collate_fn
        self.num_workers, self.pin_memory = num_workers, pin_memory
        self.batch_size = batch_size
        # the NumPy loader over the indices 0..n-1 gives the order and the batch boundaries
        self._indices = _IndexLoader((np.arange(len(dataset)),), batch_size, shuffle=shuffle,
                                     drop_last=drop_last, seed=seed, sampler=sampler)

    def __len__(self) -> int:
        return len(self._indices)

    def __iter__(self) -> Iterator[Any]:
        arrays = self._whole_arrays()
        for (indices,) in self._indices:
            if arrays is not None and self.collate_fn is None:
                yield [Tensor(a[indices]) for a in arrays]
            else:
                samples = [self.dataset[int(i)] for i in indices]
                yield (self.collate_fn or default_collate)(samples)

    def _whole_arrays(self) -> list[np.ndarray] | None:
        """The arrays of a TensorDataset or an MNIST, which fancy indexing batches at once."""
        ds = self.dataset
        if type(ds) is TensorDataset and not any(t.requires_grad for t in ds.tensors):
            return [t.data for t in ds.tensors]
        if type(ds) is MNIST:
            return [ds.images, ds.labels]
        return None

    def __repr__(self) -> str:
        return f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size})"
