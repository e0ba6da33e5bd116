"""Differences found by PyTorch's OpInfo database (tests/test_opinfo_34.py), fixed and
pinned here against torch 2.13: each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg

torch = pytest.importorskip("torch")


def _same(got: tg.Tensor, want: torch.Tensor) -> None:
    assert tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype) == str(want.dtype).rsplit(".", 1)[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


DATA = np.arange(20.0).reshape(4, 5) ** 1.5


# ---- var/std(x, True): PyTorch's overload var(input, unbiased) ----
@pytest.mark.parametrize("unbiased", [True, False])
@pytest.mark.parametrize("name", ["var", "std"])
def test_a_bool_in_the_dims_place_is_unbiased(name: str, unbiased: bool) -> None:
    x, t = tg.tensor(DATA), torch.tensor(DATA)
    _same(getattr(x, name)(unbiased), getattr(t, name)(unbiased))
    _same(getattr(tg, name)(x, unbiased), getattr(torch, name)(t, unbiased))


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_var_mean_std_mean_read_a_bool_as_unbiased(name: str) -> None:
    got = getattr(tg, name)(tg.tensor(DATA), False)
    want = getattr(torch, name)(torch.tensor(DATA), False)
    for g, w in zip(got, want, strict=True):
        _same(g, w)


def test_a_bool_dim_with_unbiased_too_is_refused() -> None:
    with pytest.raises(TypeError, match="var"):
        tg.tensor(DATA).var(True, True)


# ---- the dtype casts take memory_format= ----
@pytest.mark.parametrize("name", ["float", "double", "half", "int", "long", "bool", "byte",
                                  "char", "short"])
def test_the_casts_take_memory_format(name: str) -> None:
    data = np.arange(120).reshape(2, 3, 4, 5) % 7
    x, t = tg.tensor(data), torch.tensor(data)
    got = getattr(x, name)(memory_format=tg.channels_last)
    want = getattr(t, name)(memory_format=torch.channels_last)
    assert str(got.dtype) == str(want.dtype).rsplit(".", 1)[-1]
    assert got.stride() == want.stride()
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert getattr(x, name)(memory_format=tg.preserve_format).stride() == \
        getattr(t, name)(memory_format=torch.preserve_format).stride()


# ---- Tensor.to(device, dtype, non_blocking, copy) positionally ----
def test_to_reads_positional_non_blocking_and_copy() -> None:
    x = tg.tensor(DATA)
    same = x.to("cpu", tg.float64, False, False)
    copied = x.to("cpu", tg.float64, False, True)
    assert same is x
    assert copied is not x and copied.dtype == np.float64
    assert x.to(tg.float64, True, True) is not x
    assert x.to(x, False, False) is x
    want = torch.tensor(DATA)
    assert want.to("cpu", torch.float64, False, True) is not want  # the same reading
    assert want.to("cpu", torch.float64, False, False) is want
