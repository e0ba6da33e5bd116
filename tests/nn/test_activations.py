"""Activations: forward against NumPy formulas, gradcheck and gradgradcheck on Hypothesis-drawn
inputs away from kinks, PyTorch cross-checks (float64, forward and gradient; skipped
without torch), modules equal to their functions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.testing import strategies as tst

_erf = np.vectorize(math.erf)


def _softplus(x: np.ndarray, beta: float, threshold: float) -> np.ndarray:
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


# name: (function of a Tensor, NumPy reference, points to stay away from, smooth)
CASES = {
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), lambda x: np.where(x > 0, x, 0.2 * x),
                   (0.0,)),
    "elu": (lambda x: F.elu(x, 1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(x)), (0.0,)),
    "gelu": (F.gelu, lambda x: x * 0.5 * (1 + _erf(x / math.sqrt(2))), ()),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi)
                                                   * (x + 0.044715 * x ** 3))), ()),
    "silu": (F.silu, lambda x: x / (1 + np.exp(-x)), ()),
    "softplus": (lambda x: F.softplus(x, beta=2.0, threshold=3.0),
                 lambda x: _softplus(x, 2.0, 3.0), (1.5,)),
    "erf": (F.erf, _erf, ()),
    "softmax_dim0": (lambda x: F.softmax(x, dim=0),
                     lambda x: np.exp(x) / np.exp(x).sum(0, keepdims=True), ()),
    "log_softmax_dim_last": (lambda x: F.log_softmax(x, dim=-1),
                             lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True)), ()),
}


def _inputs(data: st.DataObject, name: str, max_side: int = 4) -> np.ndarray:
    away = CASES[name][2]
    return data.draw(tst.arrays(tst.shapes(min_dims=1, max_side=max_side), min_value=-4,
                                max_value=4, away_from=away, min_distance=0.05))


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_activation_matches_numpy_and_gradcheck(name: str, data: st.DataObject) -> None:
    fn, reference, _ = CASES[name]
    x = _inputs(data, name)
    np.testing.assert_allclose(fn(Tensor(x)).data, reference(x), rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(fn, [Tensor(x, requires_grad=True)])


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=8)
@given(data=st.data())
def test_activation_second_derivatives(name: str, data: st.DataObject) -> None:
    fn = CASES[name][0]
    x = data.draw(tst.arrays(tst.shapes(min_dims=1, max_dims=2, max_side=3), min_value=-4,
                             max_value=4, away_from=CASES[name][2], min_distance=0.05))
    assert tg.gradgradcheck(fn, [Tensor(x, requires_grad=True)])


TORCH = {
    "leaky_relu": lambda t, x: t.nn.functional.leaky_relu(x, 0.2),
    "elu": lambda t, x: t.nn.functional.elu(x, 1.5),
    "gelu": lambda t, x: t.nn.functional.gelu(x),
    "gelu_tanh": lambda t, x: t.nn.functional.gelu(x, approximate="tanh"),
    "silu": lambda t, x: t.nn.functional.silu(x),
    "softplus": lambda t, x: t.nn.functional.softplus(x, beta=2.0, threshold=3.0),
    "erf": lambda t, x: t.erf(x),
    "softmax_dim0": lambda t, x: t.softmax(x, dim=0),
    "log_softmax_dim_last": lambda t, x: t.log_softmax(x, dim=-1),
}


@pytest.mark.parametrize("name", sorted(TORCH))
@given(data=st.data())
def test_activation_matches_pytorch_in_float64(name: str, data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    x = _inputs(data, name)
    upstream = data.draw(tst.arrays(x.shape))
    ours = Tensor(x, requires_grad=True)
    out = CASES[name][0](ours)
    (out * Tensor(upstream)).sum().backward()
    theirs = torch.tensor(x, requires_grad=True)
    expected = TORCH[name](torch, theirs)
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


MODULES = [
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2)),
    (nn.ELU(alpha=1.5), lambda x: F.elu(x, 1.5)),
    (nn.GELU(), F.gelu),
    (nn.GELU(approximate="tanh"), lambda x: F.gelu(x, approximate="tanh")),
    (nn.SiLU(), F.silu),
    (nn.Softplus(beta=2.0, threshold=3.0), lambda x: F.softplus(x, 2.0, 3.0)),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, axis=1)),
    (nn.LogSoftmax(dim=0), lambda x: F.log_softmax(x, axis=0)),
    (nn.ReLU(inplace=True), F.relu),
    (nn.Identity(54, unused="argument"), lambda x: x),
]


@pytest.mark.parametrize("module, fn", MODULES, ids=[repr(m) for m, _ in MODULES])
def test_activation_module_equals_its_function(module, fn) -> None:
    x = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_array_equal(module(Tensor(x)).data, fn(Tensor(x)).data)


def test_softmax_module_without_dim_follows_pytorchs_legacy_axis() -> None:
    x = np.random.default_rng(1).normal(size=(2, 3, 4))
    np.testing.assert_allclose(nn.Softmax()(x).data.sum(axis=0), 1.0)  # 3-d: axis 0
    np.testing.assert_allclose(nn.LogSoftmax()(x[0]).data, F.log_softmax(x[0], axis=1).data)


def test_softplus_and_elu_do_not_overflow_in_the_unused_branch() -> None:
    x = Tensor(np.array([800.0, -800.0, 0.0]), requires_grad=True)
    (F.softplus(x) + F.elu(x)).sum().backward()
    assert np.all(np.isfinite(x.grad.data))
    np.testing.assert_allclose(x.grad.data, [2.0, np.exp(-800.0), 1.5])


def test_softmax_refuses_axis_and_dim_together_and_bad_approximation() -> None:
    with pytest.raises(tg.ArgumentError, match="got both axis=0 and dim=1"):
        F.softmax(Tensor(np.zeros((2, 2))), axis=0, dim=1)
    with pytest.raises(tg.ArgumentError, match="approximate must be 'none' or 'tanh'"):
        nn.GELU("erf")
    with pytest.raises(tg.ArgumentError, match="beta must be nonzero"):
        F.softplus(Tensor(np.zeros(2)), beta=0)


def test_erf_keeps_float32_and_promotes_integers() -> None:
    assert F.erf(Tensor(np.zeros(3, np.float32))).dtype == np.float32
    assert F.erf(np.arange(3)).dtype == np.float32
