"""Samplers: the order in which a DataLoader visits a dataset, as PyTorch's `torch.utils.data`.

A sampler is an iterable of dataset indices, iterated afresh every epoch and consumed
lazily: `RandomSampler(ds, replacement=True, num_samples=10**10)` yields its first index
at once, drawing 32 at a time, and a DataLoader over it yields its first batch at once.
`BatchSampler` groups another sampler's indices into lists of `batch_size`.

Randomness comes from the `generator=` given (a `tg.Generator` or a `np.random.Generator`)
or, without one, from `tg.default_generator`, read when an epoch starts (so
`tg.manual_seed` after building a loader still decides its next epoch):

    RandomSampler            rng.permutation(n) per pass (num_samples > n: several passes,
                             the last one cut); with replacement, rng.integers(0, n) drawn
                             32 at a time
    SubsetRandomSampler      indices[i] for i in rng.permutation(len(indices))
    WeightedRandomSampler    index i with probability w_i / sum(w): with replacement by
                             inverse CDF on blocks of uniform draws; without, NumPy's
                             weighted choice without replacement

The numbers are NumPy's, not torch's: the same distributions, different streams.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ..seeding import generator as numpy_generator

__all__ = [
    "BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler",
    "WeightedRandomSampler",
]

_REPLACEMENT_BLOCK = 32  # indices drawn per call when sampling with replacement (PyTorch's 32)


def _positive_int(op: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ArgumentError(f"{op}: {name} should be a positive integer value, but got "
                            f"{name}={value!r}")
    return int(value)


def _sized(op: str, name: str, value: Any) -> None:
    """A wrong type fails when the sampler is made, not at the first epoch's len()."""
    if not isinstance(value, Sized):
        raise ArgumentTypeError(f"{op}: {name} must have a length (a dataset or a sequence), "
                                f"got {type(value).__name__} {value!r}")


def _flag(op: str, name: str, value: Any, error: type[Exception] = ArgumentError) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise error(f"{op}: {name} should be a boolean value, but got {name}={value!r}")
    return bool(value)


class Sampler:
    """Base class of samplers: subclasses define `__iter__` (indices) and, when they know
    it, `__len__`. `data_source` is accepted and ignored, as in PyTorch."""

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} does not define __iter__")


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1."""

    def __init__(self, data_source: Sized) -> None:
        _sized("SequentialSampler", "data_source", data_source)
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Random indices of `data_source`: a fresh permutation per epoch, or `num_samples`
    independent uniform draws when `replacement` (see the module doc)."""

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Any = None) -> None:
        self.data_source = data_source
        self.replacement = _flag("RandomSampler", "replacement", replacement,
                                 ArgumentTypeError)
        self._num_samples = num_samples
        self.generator = generator
        numpy_generator(generator, "RandomSampler")  # a wrong type fails here, not mid-epoch
        _positive_int("RandomSampler", "num_samples", self.num_samples)

    @property
    def num_samples(self) -> int:
        """`num_samples` if given, else the dataset's length (read now: it may grow)."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n, count = len(self.data_source), self.num_samples
        if n == 0:
            raise ArgumentError(f"RandomSampler: cannot draw {count} indices from an empty "
                                f"dataset")
        rng = numpy_generator(self.generator, "RandomSampler")
        if self.replacement:
            return itertools.chain.from_iterable(
                rng.integers(0, n, min(_REPLACEMENT_BLOCK, count - start)).tolist()
                for start in range(0, count, _REPLACEMENT_BLOCK))
        # whole passes, then the head of one more; each drawn when the iteration reaches it
        passes = [n] * (count // n) + ([count % n] if count % n else [])
        return itertools.chain.from_iterable(rng.permutation(n)[:k].tolist() for k in passes)

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given `indices` in a random order, a fresh one every epoch."""

    def __init__(self, indices: Sequence[int], generator: Any = None) -> None:
        _sized("SubsetRandomSampler", "indices", indices)
        self.indices = indices
        self.generator = generator
        numpy_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        order = numpy_generator(self.generator, "SubsetRandomSampler").permutation(
            len(self.indices))
        for i in order.tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices in [0, len(weights)), index i drawn with probability
    w_i / sum(w) (weights need not sum to one); with `replacement=False` each index at
    most once, so num_samples <= len(weights)."""

    def __init__(self, weights: Sequence[float], num_samples: int, replacement: bool = True,
                 generator: Any = None) -> None:
        op = "WeightedRandomSampler"
        self.num_samples = _positive_int(op, "num_samples", num_samples)
        self.replacement = _flag(op, "replacement", replacement)
        source = weights.detach().numpy() if hasattr(weights, "detach") else weights
        try:
            array = np.asarray(source, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise ArgumentError(f"{op}: weights must be a 1d sequence of numbers ({error})"
                                ) from None
        if array.ndim != 1:
            raise ArgumentError(f"{op}: weights should be a 1d sequence but given weights have "
                                f"shape {array.shape}")
        if not np.all(np.isfinite(array)) or np.any(array < 0):
            raise ArgumentError(f"{op}: weights must be finite and >= 0, got {array.tolist()}")
        if array.sum() <= 0:
            raise ArgumentError(f"{op}: the weights sum to {array.sum()}; at least one must be "
                                f"positive")
        if not self.replacement and self.num_samples > np.count_nonzero(array):
            raise ArgumentError(f"{op}: cannot draw num_samples={self.num_samples} indices "
                                f"without replacement from {np.count_nonzero(array)} "
                                f"nonzero weights")
        self.weights = array
        self.generator = generator
        numpy_generator(generator, op)

    def __iter__(self) -> Iterator[int]:
        rng = numpy_generator(self.generator, "WeightedRandomSampler")
        p = self.weights / self.weights.sum()
        if not self.replacement:
            return iter(rng.choice(len(p), self.num_samples, replace=False, p=p).tolist())
        cdf = np.cumsum(p)
        cdf[-1] = 1.0  # rounding must not leave uniform draws above the last bucket
        return itertools.chain.from_iterable(
            np.searchsorted(cdf, rng.random(min(_REPLACEMENT_BLOCK, self.num_samples - start)),
                            side="right").tolist()
            for start in range(0, self.num_samples, _REPLACEMENT_BLOCK))

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Lists of `batch_size` consecutive indices of `sampler` (any iterable of indices);
    the last, shorter list is dropped when `drop_last`."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        self.sampler = sampler
        self.batch_size = _positive_int("BatchSampler", "batch_size", batch_size)
        self.drop_last = _flag("BatchSampler", "drop_last", drop_last)

    def __iter__(self) -> Iterator[list[int]]:
        indices = iter(self.sampler)
        while batch := list(itertools.islice(indices, self.batch_size)):
            if len(batch) < self.batch_size and self.drop_last:
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
