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
