"""DistributedSampler: each rank its own shard of a dataset, reshuffled identically per epoch.

With N ranks and a dataset of n samples every epoch is one permutation of
range(n), drawn from ``np.random.default_rng(seed + epoch)`` on every rank
alike (no communication: the same seed gives the same permutation), then cut
round-robin: rank r takes positions r, r + N, r + 2N, ... Each rank gets
``num_samples`` indices:

    drop_last=False:  num_samples = ceil(n / N); the permutation is padded to
                      N * num_samples by repeating its first indices (so a few
                      samples are seen twice per epoch), as PyTorch does;
    drop_last=True:   num_samples = floor(n / N); the permutation's tail of
                      n mod N indices is dropped (each sample at most once).

The shards of one epoch are disjoint (drop_last=True or n divisible by N) and
together cover every sample. Call ``set_epoch(e)`` before each epoch, or every
epoch has the same order. The permutations are NumPy's, not torch's: the same
semantics, different numbers.

    sampler = DistributedSampler(dataset, shuffle=True, seed=0)
    loader = DataLoader(dataset, batch_size=8, sampler=sampler)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader: ...
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import ArgumentError, DataError
from .process_group import rank as _rank
from .process_group import world_size as _world_size

__all__ = ["DistributedSampler"]


def _int_arg(name: str, value: Any, low: int, high: int | None = None) -> int:
    """`value` as an int in [low, high), or an ArgumentError naming the argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentError(f"DistributedSampler: {name} must be an int, got {value!r}")
    if value < low or (high is not None and value >= high):
        bound = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ArgumentError(f"DistributedSampler: {name} must be {bound}, got {value}")
    return int(value)


def _length(dataset: Any) -> int:
    """len(dataset); a tuple of arrays counts the rows of its first array (DataLoader's rule)."""
    if isinstance(dataset, tuple) and dataset and hasattr(dataset[0], "__len__"):
        return len(dataset[0])
    return len(dataset)


class DistributedSampler:
    """Indices of this rank's shard of ``dataset`` (PyTorch's arguments and padding).

    ``dataset``: anything with ``__len__``, or (as the DataLoader takes it) a tuple
    of equal-length arrays ``(x, y)``, whose length is that of its arrays.
    ``num_replicas`` and ``rank`` default to the MPI world size and this process's
    rank. ``len(sampler)`` is ``num_samples``, the same on every rank.
    """

    def __init__(self, dataset: Any, num_replicas: int | None = None, rank: int | None = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False) -> None:
        if not hasattr(dataset, "__len__"):
            raise DataError(f"DistributedSampler: the dataset must define __len__, got "
                            f"{type(dataset).__name__}")
        self.num_replicas = _int_arg(
            "num_replicas", _world_size() if num_replicas is None else num_replicas, 1)
        self.rank = _int_arg("rank", _rank() if rank is None else rank, 0, self.num_replicas)
        for name, flag in (("shuffle", shuffle), ("drop_last", drop_last)):
            if not isinstance(flag, bool | np.bool_):
                raise ArgumentError(f"DistributedSampler: {name} must be a bool, got {flag!r}")
        self.seed = _int_arg("seed", seed, 0)
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        n = self._length = _length(dataset)
        self.num_samples = n // self.num_replicas if self.drop_last \
            else math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch: int) -> None:
        """Choose the epoch whose permutation the next iteration uses (same on every rank)."""
        self.epoch = _int_arg("epoch", epoch, 0)

    def epoch_order(self) -> np.ndarray:
        """The whole epoch's index order before sharding: the permutation, padded (by
        repeating it from its start) or cut to ``total_size``."""
        n = self._length
        order = np.random.default_rng(self.seed + self.epoch).permutation(n) if self.shuffle \
            else np.arange(n)
        if self.total_size <= n:
            return order[:self.total_size]
        return np.resize(order, self.total_size)  # repeats order cyclically to the length

    def __iter__(self) -> Iterator[int]:
        if _length(self.dataset) != self._length:
            raise DataError(f"DistributedSampler: the dataset has {_length(self.dataset)} samples "
                            f"now but had {self._length} when the sampler was made")
        shard = self.epoch_order()[self.rank:self.total_size:self.num_replicas]
        return iter(shard.tolist())

    def __len__(self) -> int:
        return self.num_samples

    def __repr__(self) -> str:
        return (f"DistributedSampler({self._length} samples, rank {self.rank} of "
                f"{self.num_replicas}, num_samples={self.num_samples}, shuffle={self.shuffle}, "
                f"seed={self.seed}, epoch={self.epoch}, drop_last={self.drop_last})")
