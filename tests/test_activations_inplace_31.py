"""The in-place activation functions (F.relu_ ... F.rrelu_), F.softmin and rrelu/RReLU: values,
gradients through the in-place write and the written input equal PyTorch's; a leaf that
requires grad is refused; rrelu's slopes; float64 gradient checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn
from tinygrad_bn.gradcheck import gradcheck, gradgradcheck

CASES = [("relu_", ()), ("elu_", (0.5,)), ("leaky_relu_", (0.2,)), ("hardtanh_", (-0.5, 0.5)),
         ("threshold_", (0.1, 7.0)), ("celu_", (0.7,)), ("selu_", ())]


@pytest.mark.parametrize("name, args", CASES)
def test_in_place_functions_write_their_input_and_differentiate_as_pytorch(name, args) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(len(name)).standard_normal(6)
    leaf, their_leaf = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    mine, theirs = leaf * 2.0, their_leaf * 2.0  # non-leaves may be written in place
    out = getattr(F, name)(mine, *args)
    ref = getattr(torch.nn.functional, name)(theirs, *args)
    assert out is mine and ref is theirs
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(1).standard_normal(6)
    out.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    # PyTorch's in-place celu differentiates from its output with 1 / alpha in single
    # precision (1e-8 apart); ours from the input
    rtol = 1e-7 if name == "celu_" else 1e-12
    np.testing.assert_allclose(leaf.grad.numpy(), their_leaf.grad.numpy(), rtol=rtol)
    with pytest.raises(tg.BackwardError):  # a leaf that requires grad, as PyTorch refuses
        getattr(F, name)(tg.tensor(x, requires_grad=True), *args)
    with pytest.raises(tg.ArgumentTypeError, match=f"{name}: writes its input"):
        getattr(F, name)(list(x), *args)


def test_softmin_matches_pytorch_with_an_implicit_dim_and_a_dtype() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, 3, 4))
    for dim in (None, 0, -1):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = F.softmin(tg.tensor(x), dim)
        assert (dim is None) == any("Implicit dimension" in str(w.message) for w in caught)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = torch.nn.functional.softmin(torch.tensor(x), dim)
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)
    out = F.softmin(tg.tensor(x, dtype=tg.float32), 1, dtype=tg.float64)
    assert out.dtype == np.float64


def test_rrelu_in_eval_mode_and_training_slopes_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(F.rrelu(tg.tensor(x), 0.1, 0.3).numpy(),
                               torch.nn.functional.rrelu(torch.tensor(x), 0.1, 0.3).numpy(),
                               rtol=1e-12)
    layer = nn.RReLU(0.1, 0.3)
    assert repr(layer) == repr(torch.nn.RReLU(0.1, 0.3))
    tg.manual_seed(0)
    xt = tg.tensor(np.full(1000, -1.0), requires_grad=True)
    y = layer(xt)
    slopes = -y.detach().numpy()
    assert 0.1 <= slopes.min() and slopes.max() <= 0.3 and slopes.std() > 0.03
    y.sum().backward()
    np.testing.assert_allclose(xt.grad.numpy(), slopes)  # the gradient is the slope drawn
    np.testing.assert_array_equal(layer(tg.tensor([2.0])).numpy(), [2.0])
    layer.eval()
    np.testing.assert_allclose(layer(tg.tensor([-1.0])).numpy(), [-0.2])
    with pytest.raises(tg.ArgumentError, match="lower"):
        nn.RReLU(0.5, 0.1)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(-3, 3).filter(lambda v: abs(v) > 1e-3), min_size=1, max_size=6),
       st.floats(0.0, 0.5), st.floats(0.0, 0.5))
def test_rrelu_eval_and_softmin_pass_gradcheck_in_float64(values, a, b) -> None:
    lower, upper = min(a, b), max(a, b)
    x = tg.tensor(np.array(values), requires_grad=True)
    assert gradcheck(lambda t: F.rrelu(t, lower, upper), (x,))
    assert gradcheck(lambda t: F.softmin(t, 0), (x,))
    assert gradgradcheck(lambda t: F.softmin(t, 0), (x,))
