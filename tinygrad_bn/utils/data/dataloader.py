"""PyTorch's `DataLoader`, yielding Tensors, and the functions that turn samples into them.

`DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, ...)`
has PyTorch's signature and argument rules: `sampler` excludes `shuffle`; `batch_sampler`
excludes `batch_size`, `shuffle`, `sampler` and `drop_last`; `batch_size=None` turns
batching off (each sample goes through `default_convert`); an `IterableDataset` is read
in its own order and takes no sampler and no shuffle. Unknown keywords raise a TypeError.
Without a sampler, `shuffle=True` means `RandomSampler(dataset, generator=generator)`.
Samplers are consumed lazily (tinygrad_bn/data/loader.py).

`default_collate` merges a batch's samples with PyTorch's rule, applied recursively:
Tensors and ndarrays are stacked into one Tensor along a new first axis, Python floats
become a float64 Tensor, ints an int64 Tensor, bools a bool Tensor; dicts are collated
per key, tuples and lists per position (a list of the results, a namedtuple of its own
type; other mappings and lists keep their type where it can be rebuilt), strings are kept as
the batch holds them. A ragged batch is a CollateError (a RuntimeError, as PyTorch's), a
sample of another type a CollateTypeError (a TypeError); both are DataErrors. A `TensorDataset` and
`tinygrad_bn.data.MNIST` are batched by one fancy index per array instead (same values, much
faster).

Loading happens in the calling thread: `num_workers > 0` runs no worker processes (so
`worker_init_fn` is never called, as with PyTorch's `num_workers=0`), and `pin_memory`
has nothing to pin. Both are still checked as PyTorch checks them.
"""

from __future__ import annotations

import collections.abc
import math
import numbers
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ...data import MNIST
from ...data.dataset import IterableDataset, TensorDataset
from ...data.loader import BatchLoader, default_sampler
from ...data.sampler import BatchSampler
from ...errors import ArgumentError, ArgumentTypeError, DataError, ShapeError
from ...seeding import generator as numpy_generator
from ...tensor import Tensor, stack

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

_FIXED_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset",
                     "persistent_workers")


class CollateError(DataError, RuntimeError):
    """A ragged batch (samples of different lengths): PyTorch raises RuntimeError."""


class CollateTypeError(DataError, TypeError):
    """A sample default_collate cannot batch (None, an object, an array of strings):
    PyTorch raises TypeError."""


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
        return batch  # as PyTorch: the batch itself (a list from a loader, a tuple inside)
    if isinstance(elem, collections.abc.Mapping):
        merged = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        return _same_kind(elem, merged)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise CollateError(f"default_collate: each element in list of batch should be of "
                               f"equal size (samples of a batch must have one length), got "
                               f"{sorted({len(s) for s in batch})}")
        fields = [default_collate(field) for field in zip(*batch)]
        return fields if isinstance(elem, tuple) else _same_kind(elem, fields)
    raise CollateTypeError(f"default_collate: batch must contain tensors, numpy arrays, "
                           f"numbers, dicts or lists: cannot batch samples of type "
                           f"{type(elem).__name__} (pass a collate_fn)")


def _same_kind(elem: Any, merged: Any) -> Any:
    """`merged` in the container type of the sample `elem` (an OrderedDict stays one), or
    the plain dict / list where that type cannot be built from it, as PyTorch's."""
    try:
        return type(elem)(merged)
    except TypeError:
        return merged


def default_convert(data: Any) -> Any:
    """One sample as Tensors without batching (what `batch_size=None` yields): ndarrays and
    NumPy scalars become Tensors, containers are converted element by element (a tuple
    becomes a list, as in PyTorch), anything else is returned as is."""
    if isinstance(data, np.ndarray | np.generic) and data.dtype.kind not in "OSU":
        return Tensor(np.asarray(data))
    if isinstance(data, str | bytes | Tensor):
        return data
    if isinstance(data, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple | list):
        return [default_convert(d) for d in data]
    return data


def get_worker_info() -> None:
    """None: every sample is loaded in the main process (PyTorch's answer there)."""
    return None


class DataLoader(BatchLoader):
    """Batches of a dataset as Tensors, with PyTorch's signature and rules (see the module
    doc); `len(loader)` is the number of batches per epoch, and every iteration is a new
    epoch (a new permutation when shuffling)."""

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Any = None, *,
                 prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True,
                 **unexpected: Any) -> None:
        if unexpected:  # a typo (shufle=True) must not be swallowed; named as PyTorch does
            raise ArgumentTypeError(f"DataLoader: unexpected keyword arguments "
                                    f"{sorted(unexpected)}")
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        numpy_generator(generator, "DataLoader")  # a wrong type fails here
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            for name, value in (("shuffle", shuffle), ("sampler", sampler),
                                ("batch_sampler", batch_sampler)):
                if value not in (None, False):
                    raise ArgumentError(f"DataLoader with IterableDataset: expected "
                                        f"unspecified {name} option, but got {name}={value!r}")
        elif not hasattr(dataset, "__getitem__"):
            raise DataError(f"DataLoader: dataset must define __getitem__ (map-style) or be "
                            f"an IterableDataset, got {type(dataset).__name__}")
        if sampler is not None and shuffle:
            raise ArgumentError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ArgumentError("DataLoader: batch_sampler option is mutually exclusive "
                                    "with batch_size, shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ArgumentError("DataLoader: batch_size=None option disables auto-batching "
                                "and is mutually exclusive with drop_last")
        if sampler is None and not iterable:
            sampler = default_sampler(dataset, bool(shuffle), generator)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None:  # an IterableDataset: BatchSampler's checks, own batches
            BatchSampler([], batch_size, drop_last)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, bool(drop_last)
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.num_workers, self.pin_memory, self.timeout = num_workers, pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, \
            multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        # the whole-array fast path stands in for default_collate only when none was passed
        self._fast = collate_fn is None
        if collate_fn is None:
            batching = batch_size is not None or batch_sampler is not None
            collate_fn = default_collate if batching else default_convert
        self.collate_fn = collate_fn
        self._initialized = True

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FIXED_AFTER_INIT and self.__dict__.get("_initialized"):
            raise ArgumentError(f"DataLoader: {name} attribute should not be set after "
                                f"DataLoader is initialized")
        object.__setattr__(self, name, value)

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        if self.batch_sampler is None:
            return len(self.sampler)
        return super().__len__()

    def __iter__(self) -> Iterator[Any]:
        if isinstance(self.dataset, IterableDataset):
            return self._iterable_epoch()
        if self.batch_sampler is None:  # batch_size=None: one converted sample at a time
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        return self._epoch(self.batch_sampler)

    def _iterable_epoch(self) -> Iterator[Any]:
        if self.batch_size is None:
            for sample in self.dataset:
                yield self.collate_fn(sample)
            return
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def _fetch(self, indices: Any, arrays: Sequence[np.ndarray] | None) -> Any:
        if arrays is not None:
            order = self._index_array(indices, len(arrays[0]))
            return [Tensor(a[order]) for a in arrays]
        for i in indices:  # any key a dataset takes, but a float must not become a row
            if isinstance(i, bool | float | np.floating):
                raise DataError(f"DataLoader: a sampler must yield int indices (or the keys "
                                f"the dataset takes), got {type(i).__name__} {i!r}")
        return self.collate_fn([self.dataset[i] for i in indices])

    def _whole_arrays(self) -> list[np.ndarray] | None:
        """The arrays of a TensorDataset or an MNIST, which fancy indexing batches at once
        (exact types: a subclass may transform its samples), unless a collate_fn was
        passed."""
        ds = self.dataset
        if not self._fast:
            return None
        if type(ds) is TensorDataset and not any(t.requires_grad for t in ds.tensors):
            return [t.data for t in ds.tensors]
        if type(ds) is MNIST:
            return [ds.images, ds.labels]
        return None

    def __repr__(self) -> str:
        size = len(self.dataset) if hasattr(self.dataset, "__len__") else "?"
        return f"DataLoader({size} samples, batch_size={self.batch_size})"


def _check_workers(num_workers: Any, timeout: Any, prefetch_factor: Any,
                   persistent_workers: Any) -> None:
    """PyTorch's checks of the multiprocessing options (accepted, then unused: see the
    module doc)."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral) \
            or num_workers < 0:
        raise ArgumentError(f"DataLoader: num_workers option should be a non-negative int, got "
                            f"{num_workers!r}; use num_workers=0 to disable multiprocessing")
    if not isinstance(timeout, numbers.Real) or timeout < 0:
        raise ArgumentError(f"DataLoader: timeout option should be non-negative, got "
                            f"{timeout!r}")
    if num_workers == 0 and prefetch_factor is not None:
        raise ArgumentError("DataLoader: prefetch_factor option could only be specified with "
                            "num_workers > 0; otherwise set prefetch_factor to None")
    if persistent_workers and num_workers == 0:
        raise ArgumentError("DataLoader: persistent_workers option needs num_workers > 0")
