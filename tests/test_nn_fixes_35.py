"""nn.functional differences from PyTorch found by its OpInfo database, pinned (each test
failed before its fix): gaussian_nll_loss broadcasts target against input (and takes a
float var), hinge_embedding_loss follows PyTorch's formula for any target value and
broadcasts input and target. Torch-free pins first, then comparisons with torch 2.13.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn.gradcheck import gradcheck, gradgradcheck

# ------------------------------------------------------------------ torch-free pins


def test_gaussian_nll_target_broadcasts_against_input() -> None:
    out = F.gaussian_nll_loss(tg.ones(5), tg.zeros(1), tg.ones(5), reduction="none")
    np.testing.assert_allclose(out.numpy(), np.full(5, 0.5))  # (log 1 + 1 / 1) / 2
    out = F.gaussian_nll_loss(tg.ones(3, 4), tg.zeros(2, 3, 4), tg.ones(3, 1),
                              reduction="none")
    assert out.shape == (2, 3, 4)
    np.testing.assert_allclose(out.numpy(), 0.5)


def test_gaussian_nll_float_var_is_var_everywhere() -> None:
    out = F.gaussian_nll_loss(tg.ones(3, 4), tg.zeros(3, 4), 2.0, reduction="none")
    np.testing.assert_allclose(out.numpy(), 0.5 * (np.log(2.0) + 1 / 2.0))


def test_gaussian_nll_target_that_does_not_broadcast_is_refused() -> None:
    with pytest.raises(tg.ShapeError, match=r"gaussian_nll_loss.*\(3,\), \(4,\)"):
        F.gaussian_nll_loss(tg.ones(3), tg.zeros(4), tg.ones(3))
    with pytest.raises(tg.ShapeError, match="var of shape"):  # var is still checked
        F.gaussian_nll_loss(tg.ones(3, 4), tg.zeros(3, 4), tg.ones(2, 4))


def test_hinge_target_neither_one_nor_minus_one_gets_both_terms() -> None:
    x = tg.tensor([-2.0, 0.5, 3.0])
    out = F.hinge_embedding_loss(x, tg.tensor([1.0, -1.0, 0.0]), reduction="none")
    # 1: x; -1: max(0, 1 - x); 0: x + max(0, 1 - x)
    np.testing.assert_allclose(out.numpy(), [-2.0, 0.5, 3.0])
    out = F.hinge_embedding_loss(x, tg.tensor([2.0, 0.5, 0.0]), margin=2.0, reduction="none")
    np.testing.assert_allclose(out.numpy(), [-2.0 + 4.0, 0.5 + 1.5, 3.0])


def test_hinge_input_and_target_broadcast() -> None:
    x = tg.tensor([-2.0, 0.5, 3.0])
    out = F.hinge_embedding_loss(x, tg.tensor([[1.0], [-1.0]]), reduction="none")
    np.testing.assert_allclose(out.numpy(), [[-2.0, 0.5, 3.0], [3.0, 0.5, 0.0]])
    out = F.hinge_embedding_loss(tg.tensor([[1.0], [-1.0]]), x, reduction="none")
    np.testing.assert_allclose(out.numpy(), [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    with pytest.raises(tg.ShapeError, match=r"hinge_embedding_loss.*\(3,\), \(2,\)"):
        F.hinge_embedding_loss(x, tg.tensor([1.0, -1.0]))


def test_hinge_module_takes_any_target_too() -> None:
    out = tg.nn.HingeEmbeddingLoss(margin=1.0, reduction="sum")(
        tg.tensor([0.25, 0.25]), tg.tensor([0.0, 1.0]))
    np.testing.assert_allclose(out.item(), 0.25 + 0.75 + 0.25)


def test_cosine_embedding_still_refuses_other_labels() -> None:
    with pytest.raises(tg.ArgumentError, match="labels 1 or -1"):
        F.cosine_embedding_loss(tg.ones(2, 3), tg.ones(2, 3), tg.tensor([1.0, 0.0]))


_MARGINS = (-0.5, 1.0, 2.0)
_values = st.floats(-3, 3).filter(lambda v: min(abs(v - m) for m in _MARGINS) > 0.05)  # kinks
_labels = st.sampled_from([1.0, -1.0, 0.0, 2.0, -0.5])


@given(st.lists(_values, min_size=1, max_size=5), st.data())
def test_hinge_gradients_central_differences(xs, data) -> None:
    ys = data.draw(st.lists(_labels, min_size=len(xs), max_size=len(xs)))
    x = tg.tensor(np.array(xs), requires_grad=True)
    y = tg.tensor(np.array(ys)[:, None])  # broadcast to (n, n)

    def loss(a):
        return F.hinge_embedding_loss(a, y, reduction="sum")

    assert gradcheck(loss, (x,))
    assert gradgradcheck(loss, (x,))


@given(st.integers(0, 2 ** 16))
def test_gaussian_gradients_with_broadcast_target(seed) -> None:
    rng = np.random.default_rng(seed)
    x = tg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    y = tg.tensor(rng.standard_normal((2, 1, 4)), requires_grad=True)
    v = tg.tensor(rng.uniform(0.5, 2.0, (3, 1)), requires_grad=True)

    def loss(a, b, c):
        return F.gaussian_nll_loss(a, b, c, reduction="sum")

    assert gradcheck(loss, (x, y, v))
    assert gradgradcheck(loss, (x, y, v))


# ------------------------------------------------------------------ against torch

_CASES = [((5,), (1,), (5,)), ((1,), (5,), (1,)), ((3, 1), (4,), (3, 1)), ((3, 4), (4,), (3,)),
          ((3, 4), (2, 3, 4), (3, 1)), ((), (3,), ()), ((3, 4), (3, 4), None)]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize(("xs", "ys", "vs"), _CASES)
def test_gaussian_nll_matches_torch(xs, ys, vs, reduction) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal(xs), rng.standard_normal(ys)
    v = 1.5 if vs is None else rng.uniform(0.5, 2.0, vs)
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
    gx, gy = tg.tensor(x, requires_grad=True), tg.tensor(y, requires_grad=True)
    tv = v if vs is None else torch.tensor(v, requires_grad=True)
    gv = v if vs is None else tg.tensor(v, requires_grad=True)
    expected = torch.nn.functional.gaussian_nll_loss(tx, ty, tv, reduction=reduction)
    got = F.gaussian_nll_loss(gx, gy, gv, reduction=reduction)
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-12)
    expected.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(gy.grad.numpy(), ty.grad.numpy(), rtol=1e-12)
    if vs is not None:
        np.testing.assert_allclose(gv.grad.numpy(), tv.grad.numpy(), rtol=1e-12)


def test_gaussian_nll_refuses_what_torch_refuses() -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.nn.functional.gaussian_nll_loss(torch.ones(3), torch.zeros(4), torch.ones(3))
    with pytest.raises(RuntimeError):  # ShapeError is a RuntimeError, as torch's
        F.gaussian_nll_loss(tg.ones(3), tg.zeros(4), tg.ones(3))


@given(st.lists(_values, min_size=1, max_size=4), st.data(),
       st.sampled_from(["none", "mean", "sum"]), st.sampled_from(_MARGINS))
def test_hinge_matches_torch(xs, data, reduction, margin) -> None:
    torch = pytest.importorskip("torch")
    ys = np.array(data.draw(st.lists(_labels, min_size=len(xs), max_size=len(xs))))[:, None]
    x = np.array(xs)
    tx, gx = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    expected = torch.nn.functional.hinge_embedding_loss(tx, torch.tensor(ys), margin,
                                                        reduction=reduction)
    got = F.hinge_embedding_loss(gx, tg.tensor(ys), margin, reduction=reduction)
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-12)
    expected.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-12)
