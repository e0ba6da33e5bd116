"""DistributedSampler in one process: the ranks are simulated by passing `rank=` and
`num_replicas=` (the sampler needs no communication: every rank draws the same
permutation from the same seed). Under mpiexec, workers/data_parallel.py checks that
real ranks agree."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

pytest.importorskip("mpi4py")
from tinygrad_bn.data import DataLoader  # noqa: E402
from tinygrad_bn.distributed import DistributedSampler  # noqa: E402
from tinygrad_bn.errors import ArgumentError, DataError  # noqa: E402


def shards(n, replicas, **kwargs):
    return [list(DistributedSampler(range(n), replicas, r, **kwargs)) for r in range(replicas)]


@given(n=st.integers(0, 50), replicas=st.integers(1, 6), shuffle=st.booleans(),
       seed=st.integers(0, 5), epoch=st.integers(0, 5))
def test_shards_partition_the_dataset_with_drop_last(n, replicas, shuffle, seed, epoch):
    parts = []
    for r in range(replicas):
        sampler = DistributedSampler(range(n), replicas, r, shuffle=shuffle, seed=seed,
                                     drop_last=True)
        sampler.set_epoch(epoch)
        parts.append(list(sampler))
        assert len(parts[-1]) == len(sampler) == n // replicas
    flat = [i for part in parts for i in part]
    assert len(set(flat)) == len(flat)  # disjoint
    assert len(flat) == n - n % replicas and set(flat) <= set(range(n))


@given(n=st.integers(1, 50), replicas=st.integers(1, 6), shuffle=st.booleans())
def test_shards_cover_the_dataset_padded_like_pytorch(n, replicas, shuffle):
    parts = shards(n, replicas, shuffle=shuffle)
    per_rank = math.ceil(n / replicas)
    assert all(len(p) == per_rank for p in parts)
    # round robin over the epoch order, padded by repeating the order from its start
    order = DistributedSampler(range(n), replicas, 0, shuffle=shuffle).epoch_order()
    expected = [order[(np.arange(per_rank * replicas) % n)][r::replicas].tolist()
                for r in range(replicas)]
    assert parts == expected
    flat = [i for p in parts for i in p]
    assert sorted(set(flat)) == list(range(n))
    assert len(flat) - n == per_rank * replicas - n  # only the padding repeats


def test_padding_example_from_pytorch_semantics():
    assert shards(10, 3, shuffle=False) == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    assert shards(10, 3, shuffle=False, drop_last=True) == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    assert shards(2, 5, shuffle=False) == [[0], [1], [0], [1], [0]]


def test_epochs_reshuffle_identically_on_every_rank():
    first = [DistributedSampler(range(40), 4, r, seed=3) for r in range(4)]
    again = [DistributedSampler(range(40), 4, r, seed=3) for r in range(4)]
    orders = []
    for epoch in range(3):
        for s in first + again:
            s.set_epoch(epoch)
        assert [list(s) for s in first] == [list(s) for s in again]
        orders.append(first[0].epoch_order())
    assert not np.array_equal(orders[0], orders[1])
    assert not np.array_equal(orders[1], orders[2])
    # without set_epoch the order repeats; another seed gives another order
    s = DistributedSampler(range(40), 4, 1, seed=3)
    assert list(s) == list(s)
    assert list(DistributedSampler(range(40), 4, 1, seed=4)) != list(s)


def test_without_shuffle_the_order_is_the_dataset_order():
    assert DistributedSampler(range(7), 1, 0, shuffle=False).epoch_order().tolist() == \
        list(range(7))


def test_defaults_come_from_the_world():
    sampler = DistributedSampler(range(5))
    assert (sampler.num_replicas, sampler.rank) == (1, 0)
    assert sorted(sampler) == list(range(5))


def test_with_the_dataloader_each_rank_batches_its_shard():
    x = np.arange(24, dtype=np.float64)[:, None]
    y = np.arange(24)
    seen = []
    for r in range(3):
        sampler = DistributedSampler((x, y), 3, r, seed=1)
        sampler.set_epoch(2)
        loader = DataLoader((x, y), batch_size=3, sampler=sampler)
        batches = [yb.tolist() for _, yb in loader]
        assert len(loader) == len(batches) == 3
        assert [i for b in batches for i in b] == list(sampler)
        seen += [i for b in batches for i in b]
    assert sorted(seen) == list(range(24))


@pytest.mark.parametrize(
    "kwargs, error, fragment",
    [
        ({"num_replicas": 0}, ArgumentError, r"num_replicas must be >= 1, got 0"),
        ({"num_replicas": 2, "rank": 2}, ArgumentError, r"rank must be in \[0, 2\), got 2"),
        ({"num_replicas": 2, "rank": -1}, ArgumentError, r"rank must be in \[0, 2\)"),
        ({"num_replicas": 2.0}, ArgumentError, "num_replicas must be an int"),
        ({"seed": -1}, ArgumentError, "seed must be >= 0"),
        ({"shuffle": 1}, ArgumentError, "shuffle must be a bool"),
        ({"drop_last": "no"}, ArgumentError, "drop_last must be a bool"),
    ],
)
def test_bad_arguments_are_named(kwargs, error, fragment):
    with pytest.raises(error, match=fragment):
        DistributedSampler(range(4), **kwargs)


def test_dataset_without_len_and_changed_length():
    with pytest.raises(DataError, match="must define __len__"):
        DistributedSampler(iter(range(3)))
    data = list(range(6))
    sampler = DistributedSampler(data, 2, 0)
    data.append(6)
    with pytest.raises(DataError, match="has 7 samples now but had 6"):
        list(sampler)
    with pytest.raises(ArgumentError, match="epoch must be >= 0"):
        sampler.set_epoch(-1)
