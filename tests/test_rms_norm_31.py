"""RMSNorm and F.rms_norm: outputs, gradients, reprs and state dicts equal PyTorch's (float32
and float64, eps None and given, with and without weight), float64 gradient checks of
first and second order, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn
from tinygrad_bn.gradcheck import gradcheck, gradgradcheck


@pytest.mark.parametrize("shape, eps, affine, dtype", [
    ((4,), None, True, "float32"), ((3, 4), 1e-3, True, "float64"),
    ((4,), 1e-6, False, "float64"), (4, None, True, "float64"),
])
def test_rms_norm_matches_pytorch(shape, eps, affine, dtype) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4)).astype(dtype)
    ours = nn.RMSNorm(shape, eps=eps, elementwise_affine=affine, dtype=getattr(tg, dtype))
    theirs = torch.nn.RMSNorm(shape, eps=eps, elementwise_affine=affine,
                              dtype=getattr(torch, dtype))
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    if affine:
        w = rng.standard_normal(ours.weight.shape).astype(dtype)
        ours.weight.data[...] = w
        theirs.load_state_dict({"weight": torch.tensor(w)})
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(a), theirs(b)
    assert str(out.dtype) == dtype
    tol = 1e-6 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=tol, atol=tol)
    g = rng.standard_normal(x.shape).astype(dtype)
    out.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=tol * 10, atol=tol * 10)
    if affine:
        np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                                   rtol=tol * 10, atol=tol * 10)


def test_a_weight_of_another_dtype_keeps_the_input_dtype_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    out = F.rms_norm(tg.ones(2, 4), (4,), tg.ones(4, dtype=tg.float64))
    with pytest.warns(UserWarning):
        ref = torch.nn.functional.rms_norm(torch.ones(2, 4), (4,),
                                           torch.ones(4, dtype=torch.float64))
    assert str(out.dtype) == str(ref.dtype).replace("torch.", "")


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 3), st.integers(1, 4), st.booleans())
def test_rms_norm_passes_gradcheck_and_gradgradcheck(rows: int, cols: int, weighted: bool) -> None:
    rng = np.random.default_rng(rows * 10 + cols)
    x = tg.tensor(rng.standard_normal((rows, cols)) + 0.3, requires_grad=True)
    w = tg.tensor(rng.standard_normal(cols), requires_grad=True)
    inputs = (x, w) if weighted else (x,)

    def f(x, w=None):
        return F.rms_norm(x, (cols,), w, 1e-3)
    assert gradcheck(f, inputs)
    assert gradgradcheck(f, inputs)


@pytest.mark.parametrize("call, error, fragment", [
    (lambda: F.rms_norm(tg.ones(2, 3), (4,)), tg.ShapeError, "must end with"),
    (lambda: F.rms_norm(tg.ones(2, 4), (4,), tg.ones(3)), tg.ShapeError, "weight"),
    (lambda: F.rms_norm(tg.ones(2, 4), (4,), eps="1e-3"), tg.ArgumentError, "eps"),
    (lambda: nn.RMSNorm(-1), tg.ArgumentError, "normalized_shape"),
    (lambda: nn.RMSNorm(()), tg.ArgumentError, "at least one"),
    (lambda: F.rms_norm(tg.tensor([[1, 2]]), (2,)), tg.ArgumentError, "floating"),
])
def test_bad_input_is_refused_clearly(call, error, fragment) -> None:
    with pytest.raises(error, match=fragment) as caught:
        call()
    assert "rms_norm" in str(caught.value).lower() or "RMSNorm" in str(caught.value)
