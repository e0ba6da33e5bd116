"""An optimizer keeps scratch arrays per parameter; when a parameter's `.data` is replaced
by an array of another shape or dtype, the next step must compute as a fresh optimizer
would (before: a raw NumPy broadcast error for a new shape, and the update rounded through
float32 for a float32 -> float64 change)."""

import numpy as np
import pytest

import tinygrad_bn as tg

OPTIONS = [{"lr": 0.1, "weight_decay": 0.1}, {"lr": 0.05, "weight_decay": 0.01}]


def _after_replace(options, new):
    p = tg.nn.Parameter(tg.ones(3))
    opt = tg.optim.SGD([p], **options)
    p.grad = tg.ones(3)
    opt.step()
    p.data = new.copy()
    p.grad = tg.tensor(np.full(new.shape, 1 / 3, new.dtype))
    opt.step()
    return p.data


def _fresh(options, new):
    p = tg.nn.Parameter(tg.tensor(new.copy()))
    opt = tg.optim.SGD([p], **options)
    p.grad = tg.tensor(np.full(new.shape, 1 / 3, new.dtype))
    opt.step()
    return p.data


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("new", [np.full((2, 2), 0.5, np.float32), np.full(3, 1 / 3),
                                 np.full((4,), 2.0, np.float16)])
def test_sgd_after_data_replaced_matches_a_fresh_optimizer(options, new):
    got, want = _after_replace(options, new), _fresh(options, new)
    assert got.dtype == want.dtype == new.dtype
    np.testing.assert_array_equal(got, want)
