"""tinygrad_bn.utils.data as PyTorch's torch.utils.data: the submodule paths, the samplers
(consumed lazily), the datasets that cut and join, random_split, and the DataLoader's
arguments and rules, each compared with torch where it is installed."""

from __future__ import annotations

import importlib
import math
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn.utils import data as tud
from tinygrad_bn.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    random_split,
)


def rows(n: int) -> TensorDataset:
    """Row i of x holds i, so batches reveal their indices."""
    return TensorDataset(np.arange(n, dtype=np.float32)[:, None], np.arange(n))


class Counting(IterableDataset):
    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def test_pytorch_submodule_paths_import() -> None:
    for path, names in [
        ("dataloader", ["DataLoader", "default_collate", "default_convert", "get_worker_info"]),
        ("dataset", ["Dataset", "IterableDataset", "TensorDataset", "Subset",
                     "ConcatDataset", "ChainDataset", "random_split"]),
        ("sampler", ["Sampler", "SequentialSampler", "RandomSampler", "BatchSampler",
                     "SubsetRandomSampler", "WeightedRandomSampler"]),
    ]:
        module = importlib.import_module(f"tinygrad_bn.utils.data.{path}")
        for name in names:
            assert getattr(module, name) is getattr(tud, name)
    from tinygrad_bn.data import DataLoader as ArrayLoader
    assert issubclass(DataLoader, tud.dataloader.BatchLoader) and \
        issubclass(ArrayLoader, tud.dataloader.BatchLoader)  # one batching engine


def test_distributed_sampler_is_reached_lazily() -> None:
    """utils.data and utils.data.distributed import without mpi4py; the name itself then
    raises the DependencyError naming the extra (with mpi4py: our DistributedSampler)."""
    code = textwrap.dedent("""
        import sys
        sys.modules["mpi4py"] = None
        import tinygrad_bn
        import tinygrad_bn.utils.data.distributed as distributed
        from tinygrad_bn.utils.data import DataLoader
        assert not any(m.startswith("tinygrad_bn.distributed") for m in sys.modules)
        for owner in (distributed, tinygrad_bn.utils.data):
            try:
                owner.DistributedSampler
            except tinygrad_bn.DependencyError as error:
                assert "tinygrad_bn[mpi]" in str(error), error
            else:
                raise AssertionError("no DependencyError")
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr
    pytest.importorskip("mpi4py")
    from tinygrad_bn.distributed import DistributedSampler
    from tinygrad_bn.utils.data import distributed
    assert distributed.DistributedSampler is DistributedSampler is tud.DistributedSampler


def test_a_sampler_of_ten_billion_samples_yields_its_first_batch_at_once() -> None:
    ds = rows(100)
    start = time.perf_counter()
    loader = DataLoader(ds, batch_size=4,
                        sampler=RandomSampler(ds, replacement=True, num_samples=10**10))
    x, y = next(iter(loader))
    assert time.perf_counter() - start < 5.0  # eager would run out of memory, not time
    assert tuple(x.shape) == (4, 1) and len(loader) == 10**10 // 4
    weighted = WeightedRandomSampler(np.ones(100), num_samples=10**10)
    assert len(next(iter(DataLoader(ds, batch_size=3, sampler=weighted)))[1]) == 3


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), batch_size=st.integers(1, 8), drop_last=st.booleans())
def test_sequential_and_batch_samplers_equal_pytorchs(n, batch_size, drop_last) -> None:
    torch = pytest.importorskip("torch")
    tu = torch.utils.data
    ours = list(BatchSampler(SequentialSampler(range(n)), batch_size, drop_last))
    theirs = list(tu.BatchSampler(tu.SequentialSampler(range(n)), batch_size, drop_last))
    assert ours == theirs
    assert len(BatchSampler(range(n), batch_size, drop_last)) == len(theirs)
    loader = DataLoader(rows(n), batch_size=batch_size, drop_last=drop_last)
    batches = [y.tolist() for _, y in loader]
    reference = [y.tolist() for _, y in tu.DataLoader(
        tu.TensorDataset(torch.arange(n, dtype=torch.float32)[:, None], torch.arange(n)),
        batch_size=batch_size, drop_last=drop_last)]
    assert batches == reference and len(loader) == len(reference)


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 20), num_samples=st.one_of(st.none(), st.integers(1, 50)),
       replacement=st.booleans())
def test_random_sampler_counts_like_pytorch(n, num_samples, replacement) -> None:
    torch = pytest.importorskip("torch")
    ours = RandomSampler(range(n), replacement, num_samples, tg.Generator().manual_seed(0))
    theirs = torch.utils.data.RandomSampler(range(n), replacement, num_samples)
    drawn = list(ours)
    assert len(drawn) == len(ours) == len(theirs) == len(list(theirs))
    assert all(0 <= i < n for i in drawn) and all(type(i) is int for i in drawn)
    if not replacement:  # each full pass is a permutation
        for start in range(0, len(drawn) - n + 1, n):
            assert sorted(drawn[start:start + n]) == list(range(n))


def test_random_sampler_reshuffles_each_epoch_and_follows_manual_seed() -> None:
    sampler = RandomSampler(range(50))
    tg.manual_seed(3)
    first, second = list(sampler), list(sampler)
    assert first != second and sorted(first) == list(range(50))
    tg.manual_seed(3)  # read when the epoch starts, not when the sampler was built
    assert list(sampler) == first
    g = tg.Generator().manual_seed(1)
    assert list(RandomSampler(range(50), generator=g)) == \
        list(RandomSampler(range(50), generator=tg.Generator().manual_seed(1)))


def test_subset_random_and_weighted_samplers() -> None:
    g = tg.Generator().manual_seed(0)
    picked = list(SubsetRandomSampler([10, 20, 30, 40], generator=g))
    assert sorted(picked) == [10, 20, 30, 40] and len(SubsetRandomSampler([1, 2])) == 2
    weights = [0.0, 1.0, 3.0]
    counts = np.bincount(list(WeightedRandomSampler(weights, 40_000, generator=g)),
                         minlength=3)
    assert counts[0] == 0 and abs(counts[2] / counts.sum() - 0.75) < 0.01
    once = list(WeightedRandomSampler([1.0, 1.0, 5.0, 0.0], 3, replacement=False, generator=g))
    assert sorted(once) == [0, 1, 2]
    torch = pytest.importorskip("torch")
    assert len(WeightedRandomSampler(weights, 7)) == \
        len(torch.utils.data.WeightedRandomSampler(weights, 7))


@pytest.mark.parametrize("make, ours, pytorch", [
    (lambda m: m.RandomSampler(range(3), replacement=1), tg.ArgumentTypeError, TypeError),
    (lambda m: m.RandomSampler(range(0)), tg.ArgumentError, ValueError),
    (lambda m: m.RandomSampler(range(3), num_samples=0), tg.ArgumentError, ValueError),
    (lambda m: m.BatchSampler(range(3), 0, False), tg.ArgumentError, ValueError),
    (lambda m: m.BatchSampler(range(3), True, False), tg.ArgumentError, ValueError),
    (lambda m: m.BatchSampler(range(3), 2, 1), tg.ArgumentError, ValueError),
    (lambda m: m.WeightedRandomSampler([[1.0, 2.0]], 2), tg.ArgumentError, ValueError),
    (lambda m: m.WeightedRandomSampler([1.0, 2.0], 0), tg.ArgumentError, ValueError),
    (lambda m: m.WeightedRandomSampler([1.0, 2.0], 2, replacement=1), tg.ArgumentError,
     ValueError),
])
def test_sampler_argument_errors_match_pytorchs(make, ours, pytorch) -> None:
    with pytest.raises(ours):
        make(tud)
    torch = pytest.importorskip("torch")
    with pytest.raises(pytorch):
        make(torch.utils.data)


@pytest.mark.parametrize("weights, num_samples, replacement, fragment", [
    ([-1.0, 2.0], 2, True, ">= 0"), ([0.0, 0.0], 2, True, "sum to 0"),
    ([1.0, float("nan")], 1, True, "finite"), ([1.0, 2.0], 3, False, "without replacement"),
])
def test_weighted_sampler_refuses_impossible_weights_when_built(weights, num_samples,
                                                                 replacement, fragment) -> None:
    with pytest.raises(tg.ArgumentError, match=fragment):
        WeightedRandomSampler(weights, num_samples, replacement)


def test_subset_concat_and_random_split_match_pytorch() -> None:
    ds = rows(10)
    sub = Subset(ds, [7, 2])
    assert len(sub) == 2 and sub[0][1].item() == 7 and sub[1][1].item() == 2
    joined = ConcatDataset([Subset(ds, [1, 2]), Subset(ds, [5])])
    assert len(joined) == 3 and [joined[i][1].item() for i in (0, 2, -1, -3)] == [1, 5, 5, 1]
    with pytest.raises(tg.IndexOutOfRange):
        joined[3]
    assert isinstance(sub + sub, ConcatDataset) and len(sub + sub) == 4
    parts = random_split(ds, [0.5, 0.3, 0.2], generator=tg.Generator().manual_seed(0))
    indices = [i for part in parts for i in part.indices]
    assert [len(p) for p in parts] == [5, 3, 2] and sorted(indices) == list(range(10))
    torch = pytest.importorskip("torch")
    for lengths in ([0.33, 0.33, 0.34], [0.5, 0.5], [3, 7], [0.1] * 10, [1.0]):
        theirs = torch.utils.data.random_split(range(10), lengths)
        assert [len(p) for p in random_split(range(10), lengths)] == [len(p) for p in theirs]
    with pytest.raises(ValueError):
        torch.utils.data.random_split(range(10), [3, 3])
    with pytest.raises(tg.ArgumentError, match="sum of input lengths"):
        random_split(range(10), [3, 3])


def test_iterable_dataset_batches_in_its_own_order_like_pytorch() -> None:
    batches = [b.tolist() for b in DataLoader(Counting(7), batch_size=3)]
    assert batches == [[0, 1, 2], [3, 4, 5], [6]]
    assert [b.tolist() for b in DataLoader(Counting(7), batch_size=3, drop_last=True)] == \
        [[0, 1, 2], [3, 4, 5]]
    assert list(DataLoader(Counting(3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(TypeError):
        len(DataLoader(Counting(3)))
    torch = pytest.importorskip("torch")

    class TorchCounting(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(range(7))

    assert batches == [b.tolist() for b in torch.utils.data.DataLoader(TorchCounting(), 3)]


def test_batch_size_none_converts_each_sample_without_batching() -> None:
    samples = [(np.ones(2), 3)]
    (converted,) = list(DataLoader(samples, batch_size=None))
    assert isinstance(converted, list) and isinstance(converted[0], tg.Tensor)
    assert converted[1] == 3  # numbers stay numbers, as in PyTorch's default_convert
    assert len(DataLoader(rows(5), batch_size=None)) == 5


def test_batch_sampler_argument_gives_the_batches() -> None:
    loader = DataLoader(rows(10), batch_sampler=[[3, 1], [7]])
    assert [y.tolist() for _, y in loader] == [[3, 1], [7]] and len(loader) == 2
    assert loader.batch_size is None and loader.drop_last is False


def test_shuffle_uses_the_generator_and_visits_every_sample() -> None:
    def order(seed):
        loader = DataLoader(rows(30), batch_size=7, shuffle=True,
                            generator=tg.Generator().manual_seed(seed))
        return [i for _, y in loader for i in y.tolist()]

    assert order(1) == order(1) != order(2) and sorted(order(1)) == list(range(30))
    assert isinstance(DataLoader(rows(3), shuffle=True).sampler, RandomSampler)
    assert isinstance(DataLoader(rows(3)).sampler, SequentialSampler)


TORCH_SAMPLER = object()  # stands for "a sampler" in the table below


@pytest.mark.parametrize("kwargs", [
    {"sampler": TORCH_SAMPLER, "shuffle": True},
    {"batch_sampler": [[0]], "batch_size": 2},
    {"batch_sampler": [[0]], "shuffle": True},
    {"batch_sampler": [[0]], "sampler": TORCH_SAMPLER},
    {"batch_sampler": [[0]], "drop_last": True},
    {"num_workers": -1},
    {"batch_size": None, "drop_last": True},
    {"batch_size": 0},
    {"batch_size": -3},
    {"timeout": -1},
    {"prefetch_factor": 2},
    {"persistent_workers": True},
])
def test_dataloader_argument_rules_match_pytorchs(kwargs) -> None:
    ours = {k: SequentialSampler(range(3)) if v is TORCH_SAMPLER else v
            for k, v in kwargs.items()}
    with pytest.raises(tg.ArgumentError):
        DataLoader(rows(3), **ours)
    torch = pytest.importorskip("torch")
    tu = torch.utils.data
    theirs = {k: tu.SequentialSampler(range(3)) if v is TORCH_SAMPLER else v
              for k, v in kwargs.items()}
    with pytest.raises(ValueError):
        tu.DataLoader(tu.TensorDataset(torch.arange(3)), **theirs)


@pytest.mark.parametrize("kwargs", [{"shuffle": True}, {"sampler": [0]},
                                    {"batch_sampler": [[0]]}])
def test_iterable_dataset_refuses_order_arguments(kwargs) -> None:
    with pytest.raises(tg.ArgumentError, match="IterableDataset"):
        DataLoader(Counting(3), **kwargs)


def test_unknown_keywords_and_late_changes_are_refused() -> None:
    with pytest.raises(TypeError, match="shufle"):
        DataLoader(rows(3), shufle=True)
    loader = DataLoader(rows(3))
    with pytest.raises(tg.ArgumentError, match="should not be set after"):
        loader.batch_size = 2
    loader.num_workers = 2  # the others stay settable, as in PyTorch
    with pytest.raises(tg.ArgumentTypeError, match="DataLoader: generator"):
        DataLoader(rows(3), generator=3)


def test_pytorch_only_options_are_accepted() -> None:
    loader = DataLoader(rows(6), batch_size=2, num_workers=2, pin_memory=True,
                        worker_init_fn=lambda i: None, prefetch_factor=2,
                        persistent_workers=True, timeout=5)
    assert len(list(loader)) == 3 and tud.get_worker_info() is None


def test_loader_len_counts_batches_of_the_sampler() -> None:
    ds = rows(10)
    assert len(DataLoader(ds, batch_size=3, sampler=[1, 2, 3, 4])) == 2
    assert len(DataLoader(ds, batch_size=3, sampler=[1, 2, 3, 4], drop_last=True)) == 1
    assert math.ceil(10 / 4) == len(DataLoader(ds, batch_size=4))
