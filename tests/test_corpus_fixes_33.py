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
        training = step < 2  # D2L asks whether grad is enabled; prediction passes it through
        with tg.set_grad_enabled(training):
            if training:
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


# ---- memory formats (the channels-last tutorial's idioms; PyTorch's own optimizers'
# `torch.zeros_like(p, memory_format=torch.preserve_format)`) ----

def _nchw(lib):
    return lib.tensor(np.arange(120.0).reshape(2, 3, 4, 5), dtype=lib.float64)


def test_channels_last_strides_and_checks() -> None:
    x = _nchw(tg)
    y = x.contiguous(memory_format=tg.channels_last)
    assert y.stride() == (60, 1, 15, 3) and y.tolist() == x.tolist()
    assert y.is_contiguous(memory_format=tg.channels_last) and not y.is_contiguous()
    assert y.contiguous(memory_format=tg.channels_last) is y
    assert y.contiguous().stride() == (60, 20, 5, 1)
    assert x.to(memory_format=tg.channels_last).stride() == (60, 1, 15, 3)
    assert x.clone(memory_format=tg.channels_last).stride() == (60, 1, 15, 3)
    assert (y * 2 + 1).stride() == (60, 1, 15, 3)  # elementwise ops keep the layout
    z = tg.ones(2, 3, 2, 4, 5).contiguous(memory_format=tg.channels_last_3d)
    assert z.stride() == (120, 1, 60, 15, 3)
    assert repr(tg.channels_last) == "torch.channels_last"


def test_channels_last_passes_the_gradient() -> None:
    x = _nchw(tg).requires_grad_()
    (x.contiguous(memory_format=tg.channels_last) * tg.arange(5.0)).sum().backward()
    assert x.grad.tolist() == np.broadcast_to(np.arange(5.0), (2, 3, 4, 5)).tolist()


@needs_torch
def test_memory_formats_as_pytorch() -> None:
    seen = []
    for lib in (tg, torch):
        x = _nchw(lib)
        y = x.contiguous(memory_format=lib.channels_last)
        row_major = lib.empty_like(y, memory_format=lib.contiguous_format)
        seen.append((y.stride(), y.is_contiguous(),
                     y.is_contiguous(memory_format=lib.channels_last),
                     lib.zeros_like(y).stride(), row_major.stride(),
                     lib.randn_like(x, memory_format=lib.channels_last).stride(),
                     lib.ones(1, 3, 1, 1).is_contiguous(memory_format=lib.channels_last),
                     lib.ones(2, 3).is_contiguous(memory_format=lib.channels_last)))
    assert seen[0] == seen[1]
    net_t = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
    net = tg.nn.Sequential(tg.nn.Conv2d(3, 4, 3), tg.nn.BatchNorm2d(4))
    assert net.to(memory_format=tg.channels_last) is net
    net_t.to(memory_format=torch.channels_last)
    assert net[0].weight.stride() == net_t[0].weight.stride() == (27, 1, 9, 3)
    assert net[1].weight.stride() == (1,)


def test_module_to_keeps_the_parameters_and_their_values() -> None:
    conv = tg.nn.Conv2d(2, 3, 3)
    weight, before = conv.weight, conv.weight.tolist()
    conv.to(tg.float64, memory_format=tg.channels_last)
    assert conv.weight is weight and conv.weight.dtype == tg.float64
    assert conv.weight.is_contiguous(memory_format=tg.channels_last)
    np.testing.assert_allclose(np.asarray(conv.weight.tolist()), np.asarray(before), rtol=1e-7)


def test_memory_format_bad_input() -> None:
    with pytest.raises(ValueError, match="channels_last needs a tensor of 4 dimensions"):
        tg.ones(2, 3).contiguous(memory_format=tg.channels_last)
    with pytest.raises(ValueError, match="preserve_format is not supported"):
        tg.ones(2, 3).contiguous(memory_format=tg.preserve_format)
    with pytest.raises(TypeError, match="memory_format must be a tg.memory_format"):
        tg.ones(2, 3).to(memory_format="channels_last")
    with pytest.raises(TypeError, match="memory_format must be"):
        tg.zeros_like(tg.ones(2), memory_format=1)
    with pytest.raises(ValueError, match="no format 'nhwc'"):
        tg.memory_format("nhwc")
