"""cross_entropy with label smoothing when every target is ignored: the mean's 0 / 0 makes the
loss NaN and the gradient 0, as PyTorch's (the smoothing term's division by 0 gave a NaN
gradient: tinygrad_bn/nn/losses.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg

X = np.random.default_rng(32).standard_normal((3, 4))


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 1.0])
def test_loss_is_nan_and_gradient_zero(smoothing: float) -> None:
    x = tg.tensor(X, requires_grad=True)
    loss = tg.nn.functional.cross_entropy(x, tg.tensor([-100, -100, -100]),
                                          label_smoothing=smoothing)
    loss.backward()
    assert np.isnan(loss.item())
    assert np.array_equal(x.grad.numpy(), np.zeros_like(X))


def test_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    a = torch.tensor(X, requires_grad=True)
    torch.nn.functional.cross_entropy(a, torch.tensor([-100, -100, -100]),
                                      label_smoothing=0.1).backward()
    x = tg.tensor(X, requires_grad=True)
    tg.nn.functional.cross_entropy(x, tg.tensor([-100, -100, -100]),
                                   label_smoothing=0.1).backward()
    np.testing.assert_array_equal(x.grad.numpy(), a.grad.numpy())
