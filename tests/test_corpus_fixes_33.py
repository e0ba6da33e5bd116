"""What the corpus33 scripts (tests/pytorch_scripts/) found missing or wrong, pinned:
`Module.apply` visited the modules in reversed pre-order (the last child first), so an
initialisation drawing from one generator gave each layer another layer's numbers;
`x.data.data` was NumPy's memoryview (Dive into Deep Learning's from-scratch BatchNorm
keeps `moving_mean.data` of a `.data` and then asks its `.device`).
Against PyTorch where it matters (skipped without it).
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn as nn

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _visit_order(lib, nn_module) -> list[str]:
    net = nn_module.Sequential(
        nn_module.Linear(2, 3),
        nn_module.Sequential(nn_module.Tanh(), nn_module.Linear(3, 3)),
        nn_module.ReLU(),
        nn_module.Linear(3, 1),
    )
    seen: list[str] = []

    def record(m) -> None:
        shape = tuple(m.weight.shape) if hasattr(m, "weight") else ()
        seen.append(f"{type(m).__name__}{shape}")

    assert net.apply(record) is net
    return seen


def test_apply_visits_children_first_in_registration_order() -> None:
    assert _visit_order(tg, nn) == [
        "Linear(3, 2)", "Tanh()", "Linear(3, 3)", "Sequential()", "ReLU()", "Linear(1, 3)",
        "Sequential()"]


@needs_torch
def test_apply_order_is_pytorchs() -> None:
    assert _visit_order(tg, nn) == _visit_order(torch, torch.nn)


def test_apply_visits_a_shared_child_under_each_parent() -> None:
    shared = nn.Linear(1, 1)
    net = nn.Sequential(nn.Sequential(shared), nn.Sequential(shared))
    seen: list[nn.Module] = []
    net.apply(seen.append)
    assert [m is shared for m in seen] == [True, False, True, False, False]


def test_data_of_data_is_the_same_memory() -> None:
    x = tg.tensor([1.0, 2.0])
    again = x.data.data
    assert isinstance(again, np.ndarray) and not isinstance(again, memoryview)
    again[0] = 5.0
    assert x.tolist() == [5.0, 2.0]
    assert again.device == x.device


def test_a_from_scratch_batch_norm_keeps_data_of_data() -> None:
    """D2L's idiom: the moving mean is returned as `.data` and may already be a `.data`
    (prediction mode passes it through), then `.device` and `.to` are asked of it."""
    moving = tg.zeros((1, 3))
    for step in range(3):
        with tg.set_grad_enabled(step < 2):
            if tg.is_grad_enabled():
                moving = 0.9 * moving + 0.1 * tg.ones((2, 3)).mean(dim=0)
            moving = moving.data
    assert moving.device == tg.ones(1).device
    np.testing.assert_allclose(np.asarray(moving.to(tg.ones(1).device).tolist()),
                               [[0.19] * 3], rtol=1e-6)


def _step_lrs(lib, step_size) -> list[float]:
    weight = lib.nn.Parameter(lib.zeros(1))
    optimizer = lib.optim.SGD([weight], lr=5.0)
    scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size, gamma=0.5)
    lrs = []
    for _ in range(5):
        lrs.append(scheduler.get_last_lr()[0])
        optimizer.step()
        scheduler.step()
    return lrs


def test_step_lr_takes_an_integral_float_step_size() -> None:
    """The transformer language-model tutorial writes StepLR(optimizer, 1.0, gamma=0.95)."""
    assert _step_lrs(tg, 1.0) == [5.0, 2.5, 1.25, 0.625, 0.3125]
    assert _step_lrs(tg, 2.0) == _step_lrs(tg, 2) == [5.0, 5.0, 2.5, 2.5, 1.25]


@needs_torch
def test_step_lr_float_step_size_as_pytorch() -> None:
    assert _step_lrs(tg, 1.0) == _step_lrs(torch, 1.0)
    assert _step_lrs(tg, 3.0) == _step_lrs(torch, 3.0)


@pytest.mark.parametrize("step_size", [1.5, 0.0, -2.0, 0, True, "2"])
def test_step_lr_refuses_a_step_size_that_is_no_positive_integer(step_size) -> None:
    weight = tg.nn.Parameter(tg.zeros(1))
    with pytest.raises((tg.errors.ArgumentError, TypeError, ValueError), match="step_size"):
        tg.optim.lr_scheduler.StepLR(tg.optim.SGD([weight], lr=1.0), step_size)
