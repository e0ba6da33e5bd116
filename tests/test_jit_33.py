"""tg.jit: torch.jit's spellings run the decorated code eagerly, with the values PyTorch's
TorchScript gives for the same code; archives are refused."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn


def _gelu_body(lib):
    def gelu(x):
        return 0.5 * x * (1.0 + lib.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
    return gelu


class _Block:
    """The same small module written against either library."""

    @staticmethod
    def build(lib, lib_nn):
        class Block(lib_nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = lib_nn.Linear(3, 4, dtype=lib.float64)

            def forward(self, x):
                y = self.fc(x)
                if lib.jit.is_scripting():
                    return y
                return lib.relu(y)

        return Block()


def test_script_function_gives_torchscript_values():
    torch = pytest.importorskip("torch")
    x = np.linspace(-3, 3, 13)
    with pytest.warns(DeprecationWarning, match="torch.jit.script. is deprecated"):
        scripted = tg.jit.script(_gelu_body(tg))
    ours = scripted(tg.tensor(x))
    theirs = torch.jit.script(_gelu_body(torch))(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-15, atol=0)


def test_script_and_trace_of_a_module_keep_its_parameters_and_gradients():
    torch = pytest.importorskip("torch")
    mine, ref = _Block.build(tg, nn), _Block.build(torch, torch.nn)
    ref.fc.weight.data = torch.tensor(mine.fc.weight.detach().numpy())
    ref.fc.bias.data = torch.tensor(mine.fc.bias.detach().numpy())
    x = np.random.default_rng(0).standard_normal((5, 3))  # float64: equal to rounding
    with pytest.warns(DeprecationWarning):
        scripted = tg.jit.script(mine)
    assert scripted is mine
    with pytest.warns(DeprecationWarning, match="torch.jit.trace. is deprecated"):
        traced = tg.jit.trace(mine, tg.tensor(x))
    ref_traced = torch.jit.trace(ref, torch.tensor(x))
    out, ref_out = traced(tg.tensor(x)), ref_traced(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), ref_out.detach().numpy(), rtol=1e-13)
    out.sum().backward()
    ref_out.sum().backward()
    np.testing.assert_allclose(mine.fc.weight.grad.numpy(), ref.fc.weight.grad.numpy(),
                               rtol=1e-13)


def test_trace_runs_func_once_on_the_examples():
    calls = []

    def f(x, scale=1.0):
        calls.append((x.shape, scale))
        return x * scale

    assert tg.jit.trace(f, (tg.ones(2, 3),)) is f
    assert tg.jit.trace(f, tg.ones(4), example_kwarg_inputs=None) is f
    assert calls == [((2, 3), 1.0), ((4,), 1.0)]
    with pytest.raises(tg.ShapeError):  # the example run's own error surfaces at trace time
        tg.jit.trace(lambda a, b: a @ b, (tg.ones(2, 3), tg.ones(2, 3)))


def test_decorators_and_queries_are_pass_through():
    def f(x):
        return x + 1

    for deco in (tg.jit.ignore, tg.jit.unused, tg.jit.export):
        assert deco(f) is f
    assert tg.jit.is_scripting() is False and tg.jit.is_tracing() is False
    assert tg.jit.annotate(list[int], [1, 2]) == [1, 2]
    m = nn.Linear(2, 2)
    assert tg.jit.freeze(m) is m and tg.jit.optimize_for_inference(m) is m


def test_archives_and_bad_arguments_are_refused_clearly(tmp_path):
    with pytest.raises(tg.UnsupportedError, match="jit.save.*state_dict"):
        tg.jit.save(nn.Linear(2, 2), tmp_path / "m.pt")
    with pytest.raises(tg.UnsupportedError, match="jit.load"):
        tg.jit.load(tmp_path / "m.pt")
    with pytest.raises(tg.UnsupportedError, match="jit.script.*int"):
        tg.jit.script(3)
    with pytest.raises(TypeError, match="jit.trace: give example_inputs"):
        tg.jit.trace(lambda x: x)
    with pytest.raises(tg.TinygradError):
        tg.jit.trace(lambda x: x)
