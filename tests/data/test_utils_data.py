"""tinygrad_bn.utils.data: Dataset, TensorDataset, DataLoader yielding Tensors through
PyTorch's default_collate (recursively) or a collate_fn; tg.manual_seed seeds shuffling
(of both DataLoaders), initialisation and dropout; `import tinygrad_bn as torch` reaches
torch.nn, torch.nn.functional, torch.optim and torch.utils.data."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn
from tinygrad_bn.data import MNIST
from tinygrad_bn.data import DataLoader as ArrayLoader
from tinygrad_bn.utils.data import DataLoader, Dataset, TensorDataset, default_collate


class Squares(Dataset):
    """Samples (x, x^2, "name") with x = index as a float array."""

    def __len__(self) -> int:
        return 10

    def __getitem__(self, i):
        return np.array([float(i)]), i * i, f"s{i}"


def test_default_collate_stacks_like_pytorch() -> None:
    x, y, names = default_collate([Squares()[i] for i in range(3)])
    assert isinstance(x, Tensor) and x.shape == (3, 1) and x.dtype == np.float64
    assert isinstance(y, Tensor) and y.dtype == np.int64 and y.tolist() == [0, 1, 4]
    assert names == ("s0", "s1", "s2")  # the transposed tuple, as PyTorch gives it
    batch = default_collate([{"a": 1.5, "b": [True, 2]}, {"a": 2.5, "b": [False, 3]}])
    assert batch["a"].dtype == np.float64 and batch["a"].tolist() == [1.5, 2.5]
    flag, count = batch["b"]
    assert flag.dtype == bool and count.tolist() == [2, 3]
    Point = namedtuple("Point", "x y")
    point = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(point, Point) and point.x.tolist() == [1, 3]
    stacked = default_collate([Tensor(np.ones(2, np.float32)), Tensor(np.zeros(2, np.float32))])
    assert stacked.shape == (2, 2) and stacked.dtype == np.float32
    with pytest.raises(tg.DataError, match="samples of a batch must have one length"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(tg.DataError, match="cannot batch samples of type object"):
        default_collate([object()])


def test_loader_visits_every_sample_once_per_epoch_in_batches() -> None:
    loader = DataLoader(Squares(), batch_size=4, shuffle=True)
    assert len(loader) == 3
    seen = []
    for x, y, _ in loader:
        assert isinstance(x, Tensor) and len(x) <= 4
        np.testing.assert_array_equal(x.data[:, 0] ** 2, y.data)
        seen += x.data[:, 0].tolist()
    assert sorted(seen) == list(range(10))
    assert len(DataLoader(Squares(), batch_size=4, drop_last=True)) == 2


def test_collate_fn_receives_the_list_of_samples() -> None:
    loader = DataLoader(Squares(), batch_size=3, collate_fn=lambda samples: len(samples))
    assert list(loader) == [3, 3, 3, 1]


def test_tensor_dataset_rows_and_fast_batches_equal_the_per_sample_ones() -> None:
    x, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    ds = TensorDataset(Tensor(x), y)
    row = ds[2]
    assert len(ds) == 6 and row[0].tolist() == [4.0, 5.0] and row[1].item() == 2
    tg.manual_seed(3)
    fast = [[t.data for t in batch] for batch in DataLoader(ds, batch_size=4, shuffle=True)]
    tg.manual_seed(3)
    slow = [[t.data for t in batch] for batch in
            DataLoader(ds, batch_size=4, shuffle=True, collate_fn=default_collate)]
    for a, b in zip(fast, slow, strict=True):
        for u, v in zip(a, b, strict=True):
            np.testing.assert_array_equal(u, v)
    with pytest.raises(tg.ShapeError, match="one first dimension"):
        TensorDataset(np.zeros(3), np.zeros(4))


def test_mnist_batches_as_tensors() -> None:
    images, labels = next(iter(DataLoader(MNIST(train=False), batch_size=8)))
    data = MNIST(train=False)
    np.testing.assert_array_equal(images.data, data.images[:8])
    assert labels.dtype == np.int64 and labels.tolist() == data.labels[:8].tolist()


def test_manual_seed_seeds_the_shuffling_of_both_loaders() -> None:
    def orders():
        first = [b[0].data.tolist() for b in DataLoader(Squares(), batch_size=10,
                                                          shuffle=True)]
        second = [b[0].tolist() for b in ArrayLoader((np.arange(10),), 10, shuffle=True)]
        return first, second

    tg.manual_seed(11)
    a = orders()
    tg.manual_seed(11)
    assert orders() == a
    tg.manual_seed(12)
    assert orders() != a


def test_manual_seed_makes_init_dropout_and_shuffling_reproducible() -> None:
    def losses():
        tg.manual_seed(5)
        model = nn.Sequential(nn.Linear(1, 4), nn.Dropout(0.5), nn.Linear(4, 1))
        opt = tg.optim.SGD(model.parameters(), lr=0.01)
        out = []
        for x, y, _ in DataLoader(Squares(), batch_size=3, shuffle=True):
            opt.zero_grad()
            loss = tg.nn.functional.mse_loss(model(x.astype(np.float32)),
                                             y.astype(np.float32).reshape(-1, 1))
            loss.backward()
            opt.step()
            out.append(loss.item())
        return out

    assert losses() == losses()


def test_pytorch_style_aliasing_reaches_every_submodule() -> None:
    import tinygrad_bn as torch

    assert torch.nn.functional.relu is tg.nn.functional.relu
    assert torch.optim.lr_scheduler.StepLR is tg.optim.lr_scheduler.StepLR
    assert torch.utils.data.DataLoader is DataLoader
    assert torch.nn.utils.clip_grad_norm_ is tg.nn.utils.clip_grad_norm_
    assert torch.nn.CrossEntropyLoss and torch.optim.AdamW
