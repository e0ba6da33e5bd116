"""PyTorch's legacy `torch.Tensor(2, 3)` sizes constructor (old tutorials' `torch.Tensor(5, 3)`):
it made a scalar 2.0 that required grad here, silently wrong."""

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor


@pytest.mark.parametrize("sizes", [(2, 3), (2, 3, 4), (1, 2, 3, 4, 5), (0, 3)])
def test_tensor_of_two_or_more_ints_is_a_zeroed_tensor_of_that_shape(sizes: tuple) -> None:
    t = Tensor(*sizes)
    assert t.shape == sizes and t.dtype == np.float32 and not t.requires_grad
    assert not t.numpy().any()


def test_tensor_of_sizes_matches_pytorch_shape_and_dtype() -> None:
    torch = pytest.importorskip("torch")
    assert tuple(torch.Tensor(2, 3).shape) == Tensor(2, 3).shape
    assert str(torch.Tensor(2, 3).dtype) == f"torch.{Tensor(2, 3).dtype}"


def test_the_documented_constructor_is_unchanged() -> None:
    assert Tensor(3).shape == () and Tensor(3).item() == 3.0  # design.md: data, not a size
    assert Tensor([1.0, 2.0], True).requires_grad
    assert Tensor(np.ones(2), requires_grad=True, dtype=np.float64).dtype == np.float64


@pytest.mark.parametrize("sizes", [(2, 3.0), (2, -1), (2, 3, "x")])
def test_bad_sizes_are_refused_naming_the_constructor(sizes: tuple) -> None:
    with pytest.raises(tg.TinygradError, match="Tensor"):
        Tensor(*sizes)
