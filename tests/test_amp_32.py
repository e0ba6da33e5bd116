"""tg.amp (tinygrad_bn/amp.py): GradScaler's loss scaling against PyTorch's CPU scaler step
by step, the disabled scalers and autocast regions PyTorch makes on a machine without CUDA,
and tg.dtype for isinstance checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn.errors import (
    ArgumentError,
    CallOrderError,
    StateDictError,
    TinygradError,
    UnsupportedError,
)

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _train(lib, w0: np.ndarray, poison: list[bool], init_scale: float, interval: int):
    """A few scaled SGD steps; a poisoned step's loss is inf, so its gradients are too."""
    w = lib.nn.Parameter(lib.tensor(w0))
    opt = lib.optim.SGD([w], lr=0.1, momentum=0.5)
    scaler = lib.amp.GradScaler("cpu", init_scale=init_scale, growth_interval=interval)
    scales, weights, results = [], [], []
    for bad in poison:
        opt.zero_grad()
        loss = (w * w).sum() * (float("inf") if bad else 1.0)
        scaler.scale(loss).backward()
        results.append(scaler.step(opt))
        scaler.update()
        scales.append(scaler.get_scale())
        weights.append(w.detach().numpy().copy())
    return scales, weights, results, scaler.state_dict()


@needs_torch
@settings(max_examples=10)
@given(st.lists(st.booleans(), min_size=1, max_size=8), st.sampled_from([1.0, 4.0, 2.0 ** 16]),
       st.integers(1, 3))
def test_scaled_training_matches_pytorchs_cpu_scaler(poison, init_scale, interval):
    w0 = np.array([1.0, -2.0, 0.5])
    ours = _train(tg, w0, poison, init_scale, interval)
    theirs = _train(torch, w0, poison, init_scale, interval)
    assert ours[0] == theirs[0]  # the scale after each update
    # the unscaled gradients are exact (powers of two); the optimizers' rounding differs
    # by an ulp a step (PyTorch's foreach update), hence the tolerance
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    before = [w0, *ours[1][:-1]]
    for bad, w, previous in zip(poison, ours[1], before):
        assert np.array_equal(w, previous) == bad  # a step with inf gradients is skipped
    assert ours[2] == theirs[2]
    state, theirs_state = ours[3], dict(theirs[3])
    theirs_state["_growth_tracker"] = int(theirs_state["_growth_tracker"])
    assert state == theirs_state


def test_the_rules_by_hand() -> None:
    w = tg.nn.Parameter(tg.tensor([1.0, 2.0]))
    opt = tg.optim.SGD([w], lr=0.1)
    scaler = tg.amp.GradScaler("cpu", init_scale=4.0, growth_interval=2)
    scaled = scaler.scale((w * w).sum())
    assert scaled.item() == 20.0
    scaler.scale([scaled, (scaled,)])  # nested lists/tuples are scaled too
    scaled.backward()
    assert w.grad.tolist() == [8.0, 16.0]
    scaler.unscale_(opt)
    assert w.grad.tolist() == [2.0, 4.0]
    with pytest.raises(CallOrderError, match="already called"):
        scaler.unscale_(opt)
    scaler.step(opt)
    with pytest.raises(CallOrderError, match="step: already called"):
        scaler.step(opt)
    scaler.update()
    assert scaler.get_scale() == 4.0  # one clean step of the two growth waits for
    with pytest.raises(CallOrderError, match="no inf checks"):
        scaler.update()
    with pytest.raises(UnsupportedError, match="closure"):
        scaler.step(opt, closure=lambda: 0.0)
    scaler.update(new_scale=tg.tensor(8.0))
    assert scaler.get_scale() == 8.0
    with pytest.raises(ArgumentError, match="growth_factor"):
        tg.amp.GradScaler("cpu", growth_factor=0.5)
    for bad_device in (lambda: tg.amp.GradScaler("gpu0"), lambda: tg.autocast("gpu0"),
                       lambda: tg.is_autocast_enabled("gpu0")):
        with pytest.raises(ArgumentError, match="device type.*'gpu0'"):
            bad_device()
    with pytest.raises(StateDictError, match="empty"):
        scaler.load_state_dict({})
    other = tg.amp.GradScaler("cpu")
    other.load_state_dict(scaler.state_dict())
    assert other.state_dict() == scaler.state_dict()


def test_cuda_scalers_and_autocast_disable_themselves_as_pytorchs_do() -> None:
    w = tg.nn.Parameter(tg.tensor([1.0]))
    opt = tg.optim.SGD([w], lr=0.5)
    for make in (lambda: tg.amp.GradScaler(), lambda: tg.cuda.amp.GradScaler()):
        with pytest.warns(UserWarning, match="Disabling"):
            scaler = make()
        assert not scaler.is_enabled() and scaler.get_scale() == 1.0
        loss = (w * w).sum()
        assert scaler.scale(loss) is loss
        opt.zero_grad()
        loss.backward()
        scaler.step(opt)
        scaler.update()
        assert scaler.state_dict() == {}
    assert w.item() == 0.0  # both plain steps ran: 1 - 0.5 * 2 = 0, then 0
    with pytest.warns(UserWarning, match="Disabling autocast"):
        region = tg.autocast("cuda")
    with region:
        assert not tg.is_autocast_enabled()
    with tg.autocast(device_type="cpu", enabled=False):
        assert (tg.ones(2, 2) @ tg.ones(2, 2)).dtype == tg.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.amp.GradScaler("cuda", enabled=False)  # disabled by the caller: no warning

        @tg.autocast("cpu", enabled=False)
        def f(x):
            return x * 2

        assert f(tg.tensor([1.0])).tolist() == [2.0]
    with pytest.raises(UnsupportedError, match="lower precision") as caught:
        with tg.autocast("cpu", dtype=tg.float16):
            pass
    assert isinstance(caught.value, TinygradError)
    assert tg.amp.custom_fwd(f) is f and tg.amp.custom_fwd(device_type="cuda")(f) is f


def test_dtype_isinstance() -> None:
    assert isinstance(tg.float32, tg.dtype) and isinstance(tg.tensor([1]).dtype, tg.dtype)
    assert not isinstance("float32", tg.dtype) and not isinstance(float, tg.dtype)
    assert not isinstance(tg.tensor([1.0]), tg.dtype)
    with pytest.raises(TinygradError, match="cannot be constructed"):
        tg.dtype()
