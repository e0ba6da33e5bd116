"""StackDataset as PyTorch's: tuple or dict samples, lengths checked, batches from a
DataLoader collated alike, refusals."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.utils.data import DataLoader, StackDataset, TensorDataset


def test_samples_and_batches_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils import data as TD
    x, y = np.arange(10.0).reshape(5, 2), np.arange(5)
    ours = [TensorDataset(tg.tensor(x)), TensorDataset(tg.tensor(y))]
    theirs = [TD.TensorDataset(torch.tensor(x)), TD.TensorDataset(torch.tensor(y))]
    for args, kwargs in (((0, 1), {}), ((), {"image": 0, "label": 1})):
        mine = StackDataset(*(ours[i] for i in args), **{k: ours[i] for k, i in kwargs.items()})
        ref = TD.StackDataset(*(theirs[i] for i in args),
                              **{k: theirs[i] for k, i in kwargs.items()})
        assert len(mine) == len(ref) == 5
        for a, b in zip(DataLoader(mine, batch_size=2), TD.DataLoader(ref, batch_size=2)):
            pairs = [(a[k], b[k]) for k in b] if isinstance(b, dict) else list(zip(a, b))
            assert type(a) is type(b) or (isinstance(a, list) and isinstance(b, list))
            for mine_part, ref_part in pairs:
                np.testing.assert_array_equal(mine_part[0].numpy(), ref_part[0].numpy())
    assert StackDataset(ours[0], ours[1])[-1][1][0].item() == 4


@pytest.mark.parametrize("make, error, fragment", [
    (lambda d: StackDataset(d, x=d), tg.ArgumentError, "not both"),
    (lambda d: StackDataset(), tg.DataError, "at least one"),
    (lambda d: StackDataset(d, TensorDataset(tg.zeros(4))), tg.ShapeError, "one length"),
    (lambda d: StackDataset(d, iter([1, 2])), tg.ArgumentTypeError, "length"),
    (lambda d: StackDataset(d)[3], tg.IndexOutOfRange, "index 3"),
])
def test_bad_datasets_are_refused_clearly(make, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        make(TensorDataset(tg.zeros(3)))
