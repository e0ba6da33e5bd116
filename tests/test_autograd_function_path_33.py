"""`from torch.autograd.function import Function` is PyTorch's custom-op class there too: the
same class as tg.autograd.Function (it was the engine's ndarray-level op class, and a
PyTorch-style subclass of it failed at apply with a message about a missing argument)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.autograd import function as public


def _exp_function(base):
    class Exp(base):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * result

    return Exp


def test_the_public_module_holds_pytorchs_classes():
    assert public.Function is tg.autograd.Function
    assert public.FunctionCtx is tg.autograd.FunctionCtx
    assert public.once_differentiable is tg.autograd.once_differentiable


def test_a_custom_function_from_the_module_path_matches_pytorch():
    x = np.array([-1.5, 0.25, 2.0])
    ours = tg.tensor(x, requires_grad=True)
    y = _exp_function(public.Function).apply(ours)
    (y * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), np.exp(x), rtol=1e-15)
    np.testing.assert_allclose(ours.grad.numpy(), np.exp(x) * [1.0, 2.0, 3.0], rtol=1e-15)
    torch = pytest.importorskip("torch")
    theirs = torch.tensor(x, requires_grad=True)
    from torch.autograd.function import Function as TorchFunction
    z = _exp_function(TorchFunction).apply(theirs)
    (z * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-15)


def test_the_module_is_an_attribute_after_importing_the_package_alone():
    """As torch.autograd.function after `import torch` (an order-dependent failure of the
    suite: a test that named tg.autograd.function passed only after another imported it)."""
    code = ("import tinygrad_bn as tg; "
            "assert tg.autograd.function.Function is tg.autograd.Function")
    subprocess.run([sys.executable, "-c", code], check=True)
