"""A hook registered or removed after tg.compile recorded a step changes what the step
computes: the compiled function must see it (it records again, with a CompileWarning),
never replay the old hooks. Before the hook clock, both cases below replayed silently."""

import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn
from tinygrad_bn.compiler import CompileWarning


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CompileWarning)
        yield


def _model():
    tg.manual_seed(0)
    return nn.Linear(3, 2).to(tg.float64), tg.tensor(np.arange(12.0).reshape(4, 3))


def test_module_forward_hook_added_and_removed_after_recording():
    m, x = _model()

    def f(x):
        return m(x).sum()

    run = tg.compile(f)
    for _ in range(3):
        run(x)
    handle = m.register_forward_hook(lambda mod, args, out: out * 2)
    for _ in range(4):  # records again, then replays with the hook
        assert run(x).item() == f(x).item()
    handle.remove()
    for _ in range(4):
        assert run(x).item() == f(x).item()
    assert run.stats["replayed"] == 5  # 1 before the hook, 2 with it, 2 after


def test_tensor_hook_added_and_removed_after_recording():
    m, x = _model()

    def step(x):
        m.zero_grad()
        m(x).sum().backward()
        return m.weight.grad

    run = tg.compile(step)
    for _ in range(3):
        run(x)
    handle = m.weight.register_hook(lambda g: g * 0)
    for _ in range(3):
        np.testing.assert_array_equal(run(x).data, step(x).data)
    assert not run(x).data.any()
    handle.remove()
    for _ in range(3):
        np.testing.assert_array_equal(run(x).data, step(x).data)
    assert run(x).data.any()


def test_hook_change_says_so():
    m, x = _model()
    run = tg.compile(lambda x: m(x).sum())
    for _ in range(3):
        run(x)
    m.register_forward_pre_hook(lambda mod, args: None)
    with pytest.warns(CompileWarning, match="a hook was registered or removed"):
        run(x)
