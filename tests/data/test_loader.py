"""DataLoader: each sample once per epoch, batch sizes, seeding, fast and slow paths, errors."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_bn.data import DataLoader
from tinygrad_bn.errors import DataError


def indexed_arrays(n):
    """x row i holds i in both columns and y[i] = 10 * i, so batches reveal their indices."""
    return np.repeat(np.arange(n, dtype=np.float32)[:, None], 2, axis=1), np.arange(n) * 10


class SampleDataset:
    """A dataset with only __len__/__getitem__, to exercise the stacking path."""

    def __init__(self, n):
        self.x, self.y = indexed_arrays(n)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], int(self.y[i])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 40),
    batch_size=st.integers(1, 12),
    shuffle=st.booleans(),
    drop_last=st.booleans(),
    via_samples=st.booleans(),
)
def test_each_epoch_yields_every_sample_at_most_once(
    n, batch_size, shuffle, drop_last, via_samples
):
    dataset = SampleDataset(n) if via_samples else indexed_arrays(n)
    loader = DataLoader(dataset, batch_size, shuffle=shuffle, drop_last=drop_last, seed=1)
    for _ in range(2):
        batches = list(loader)
        expected_batches = n // batch_size if drop_last else math.ceil(n / batch_size)
        assert len(batches) == len(loader) == expected_batches
        seen = []
        for k, (x, y) in enumerate(batches):
            assert len(x) == len(y)
            assert len(x) == batch_size or (k == len(batches) - 1 and not drop_last)
            np.testing.assert_array_equal(x[:, 0] * 10, y)  # rows stay paired
            seen.extend(y // 10)
        assert len(set(seen)) == len(seen)
        if drop_last:
            assert len(seen) == n - n % batch_size
        else:
            assert sorted(seen) == list(range(n))


def test_drop_last_counts():
    data = indexed_arrays(10)
    assert [len(y) for _, y in DataLoader(data, 3)] == [3, 3, 3, 1]
    assert [len(y) for _, y in DataLoader(data, 3, drop_last=True)] == [3, 3, 3]
    assert len(DataLoader(data, 3)) == 4 and len(DataLoader(data, 3, drop_last=True)) == 3
    assert len(DataLoader(data, 20, drop_last=True)) == 0


def test_without_shuffle_order_is_the_dataset_order():
    y = np.concatenate([b for _, b in DataLoader(indexed_arrays(11), 4)])
    assert y.tolist() == list(range(0, 110, 10))


def epochs(loader, count):
    return [np.concatenate([y for _, y in loader]) for _ in range(count)]


def test_same_seed_reproduces_every_epoch():
    a = epochs(DataLoader(indexed_arrays(100), 8, shuffle=True, seed=7), 3)
    b = epochs(DataLoader(indexed_arrays(100), 8, shuffle=True, seed=7), 3)
    for ea, eb in zip(a, b, strict=True):
        np.testing.assert_array_equal(ea, eb)


def test_epochs_differ_and_seeds_differ():
    first, second = epochs(DataLoader(indexed_arrays(100), 8, shuffle=True, seed=7), 2)
    assert not np.array_equal(first, second)
    (other,) = epochs(DataLoader(indexed_arrays(100), 8, shuffle=True, seed=8), 1)
    assert not np.array_equal(first, other)


def test_stacking_path_matches_array_path_batch_for_batch():
    fast = DataLoader(indexed_arrays(23), 5, shuffle=True, seed=3)
    slow = DataLoader(SampleDataset(23), 5, shuffle=True, seed=3)
    for (xf, yf), (xs, ys) in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(xf, xs)
        np.testing.assert_array_equal(yf, ys)
        assert xs.dtype == np.float32 and xs.shape == (len(ys), 2)


def test_images_labels_attributes_are_used_without_getitem():
    class WholeArrays:
        images, labels = indexed_arrays(9)

        def __len__(self):
            return 9

        def __getitem__(self, i):
            raise AssertionError("per-sample path used although images/labels exist")

    (x, y), *_ = DataLoader(WholeArrays(), 4)
    assert y.tolist() == [0, 10, 20, 30] and x.shape == (4, 2)


def test_batches_are_copies():
    x, y = indexed_arrays(4)
    for xb, _ in DataLoader((x, y), 2):
        xb[...] = -1
    assert x.min() >= 0


def test_list_of_samples_is_a_dataset():
    samples = [(np.full(3, i), i) for i in range(5)]
    (x, y), *_ = DataLoader(samples, 5)
    assert x.shape == (5, 3) and y.tolist() == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("batch_size", [0, -2, 2.0, True, "3", None])
def test_bad_batch_size(batch_size):
    with pytest.raises(DataError, match="batch_size"):
        DataLoader(indexed_arrays(3), batch_size)


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"shuffle": "yes"}, "shuffle"),
        ({"drop_last": 1}, "drop_last"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_flags_and_seed(kwargs, fragment):
    with pytest.raises(DataError, match=fragment):
        DataLoader(indexed_arrays(3), 2, **kwargs)


@pytest.mark.parametrize(
    "dataset, fragment",
    [
        (5, "__len__"),
        ((), "empty"),
        ((np.zeros(3), np.zeros(4)), "different lengths"),
        ((np.zeros(3), np.float64(1.0)), "scalar"),
    ],
)
def test_bad_datasets(dataset, fragment):
    with pytest.raises(DataError, match=fragment):
        DataLoader(dataset)


def test_samples_that_are_not_tuples_are_rejected():
    with pytest.raises(DataError, match="tuple"):
        list(DataLoader([np.zeros(2), np.zeros(2)], 2))


class ListSampler:
    """A fixed index order, re-iterable, with a length: the smallest sampler."""

    def __init__(self, indices):
        self.indices = list(indices)

    def __iter__(self):
        return iter(self.indices)

    def __len__(self):
        return len(self.indices)


@pytest.mark.parametrize("via_samples", [False, True])
def test_sampler_gives_the_order_and_the_length(via_samples):
    dataset = SampleDataset(10) if via_samples else indexed_arrays(10)
    loader = DataLoader(dataset, 3, sampler=ListSampler([7, 2, 9, 0, 4]))
    assert len(loader) == 2
    for _ in range(2):  # every epoch iterates the sampler again
        assert [(y // 10).tolist() for _, y in loader] == [[7, 2, 9], [0, 4]]
    dropped = DataLoader(dataset, 3, sampler=ListSampler([7, 2, 9, 0, 4]), drop_last=True)
    assert len(dropped) == 1 and [(y // 10).tolist() for _, y in dropped] == [[7, 2, 9]]


def test_sampler_is_iterated_once_per_epoch():
    class EpochSampler(ListSampler):
        def __init__(self):
            super().__init__([0, 1])
            self.epochs = 0

        def __iter__(self):
            self.epochs += 1
            return iter([self.epochs % 3, 0])

    sampler = EpochSampler()
    loader = DataLoader(indexed_arrays(3), 2, sampler=sampler)
    assert [y.tolist() for _, y in loader] == [[10, 0]]
    assert [y.tolist() for _, y in loader] == [[20, 0]]
    assert sampler.epochs == 2


@pytest.mark.parametrize(
    "sampler, kwargs, fragment",
    [
        (ListSampler([0]), {"shuffle": True}, "mutually exclusive"),
        (iter([0, 1]), {}, "__len__"),
    ],
)
def test_bad_sampler_arguments(sampler, kwargs, fragment):
    with pytest.raises(DataError, match=fragment):
        DataLoader(indexed_arrays(3), 2, sampler=sampler, **kwargs)


def test_sampler_index_out_of_range_and_wrong_length():
    with pytest.raises(DataError, match=r"index 3, out of range for a dataset of 3"):
        list(DataLoader(indexed_arrays(3), 2, sampler=ListSampler([0, 3])))

    class Liar(ListSampler):
        def __len__(self):
            return 5

    with pytest.raises(DataError, match=r"gave 1 batch\(es\) but its len\(\) promises 3"):
        list(DataLoader(indexed_arrays(3), 2, sampler=Liar([0, 1])))
