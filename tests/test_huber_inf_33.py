"""smooth_l1_loss and huber_loss at an infinite difference: PyTorch's gradient is the linear
branch's slope (+-1, or +-delta), not NaN (the quadratic branch's 0 * inf, reported by
fuzz33: it gave NaN before)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F

VALUES = [np.inf, -np.inf, 0.25, -3.0]


@pytest.mark.parametrize("name, kwargs", [("smooth_l1_loss", {"beta": 1.0}),
                                          ("smooth_l1_loss", {"beta": 0.5}),
                                          ("huber_loss", {"delta": 1.0}),
                                          ("huber_loss", {"delta": 2.0})])
def test_gradient_at_an_infinite_difference_is_the_slope(name, kwargs):
    x = tg.tensor(VALUES, dtype=tg.float64, requires_grad=True)
    loss = getattr(F, name)(x, tg.zeros(4, dtype=tg.float64), reduction="none", **kwargs)
    loss.sum().backward()
    slope = kwargs.get("delta", 1.0)  # the linear branch's slope (smooth_l1: 1)
    np.testing.assert_array_equal(x.grad.numpy()[:2], [slope, -slope])
    assert np.isfinite(x.grad.numpy()).all()
    torch = pytest.importorskip("torch")
    t = torch.tensor(VALUES, dtype=torch.float64, requires_grad=True)
    getattr(torch.nn.functional, name)(t, torch.zeros(4, dtype=torch.float64),
                                       reduction="none", **kwargs).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    np.testing.assert_array_equal(loss.detach().numpy(), getattr(torch.nn.functional, name)(
        t.detach(), torch.zeros(4, dtype=torch.float64), reduction="none", **kwargs).numpy())
