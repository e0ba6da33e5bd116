"""nn.functional differences from PyTorch found by its OpInfo database, pinned (each test
failed before its fix): gaussian_nll_loss broadcasts target against input (and takes a
float var), hinge_embedding_loss follows PyTorch's formula for any target value and
broadcasts input and target; grid_sample takes mode="bicubic" (it refused it). Torch-free
pins first, then comparisons with torch 2.13.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from hypothesis import given, settings
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


# ------------------------------------------------------------------ grid_sample bicubic

_PADDINGS = ["zeros", "border", "reflection"]


def _pixel(g: np.ndarray, size: int, corners: bool) -> np.ndarray:
    return (g + 1) * (size - 1) / 2 if corners else ((g + 1) * size - 1) / 2


def _bicubic_case(seed: int, hw: tuple[int, int], corners: bool, spread: float = 1.6,
                  points: tuple[int, int] = (2, 3), channels: int = 2):
    """An input (1, channels, H, W) and a grid (1, *points, 2) whose points are not within 1e-3 of
    a pixel (where the second derivative jumps: the double-backward check's kink)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((1, channels, *hw))
    g = rng.uniform(-spread, spread, (1, *points, 2))
    for axis, size in ((0, hw[1]), (1, hw[0])):
        u = _pixel(g[..., axis], size, corners)
        near = np.abs(u - np.round(u)) < 1e-3
        g[..., axis] += np.where(near, 0.01, 0.0)
    return x, g


def _keys(d: float, a: float = -0.75) -> float:
    """Keys' cubic convolution kernel, written out (not in the module's Horner form)."""
    d = abs(d)
    if d <= 1:
        return (a + 2) * d ** 3 - (a + 3) * d ** 2 + 1
    return a * d ** 3 - 5 * a * d ** 2 + 8 * a * d - 4 * a if d < 2 else 0.0


def test_bicubic_pin_against_cubic_convolution_by_hand() -> None:
    """One point at (u, v) = (1.25, 0.5) in a 4 x 4 ramp image x[i, j] = j (align_corners,
    border padding so the row above is the ramp again): every row gives
    sum_j j k(j - u) = 83 / 64 (A = -0.75 reproduces constants, not lines: not 1.25); and
    at (u, v) = (0.5, 0.5) a single bright pixel at (0, 0) gives k(1/2)^2 = (19 / 32)^2."""
    assert sum(j * _keys(j - 1.25) for j in range(4)) == 83 / 64
    ramp = np.tile(np.arange(4.0), (4, 1))[None, None]
    grid = np.array([[[[1.25 / 1.5 - 1, 0.5 / 1.5 - 1]]]])
    out = F.grid_sample(tg.tensor(ramp), tg.tensor(grid), mode="bicubic",
                        padding_mode="border", align_corners=True)
    np.testing.assert_allclose(out.numpy(), [[[[83 / 64]]]], rtol=1e-12)
    spike = np.zeros((1, 1, 4, 4))
    spike[0, 0, 0, 0] = 1.0
    grid = np.array([[[[0.5 / 1.5 - 1, 0.5 / 1.5 - 1]]]])
    out = F.grid_sample(tg.tensor(spike), tg.tensor(grid), mode="bicubic", align_corners=True)
    assert _keys(0.5) == 19 / 32
    np.testing.assert_allclose(out.numpy(), [[[[(19 / 32) ** 2]]]], rtol=1e-12)


def test_bicubic_border_padding_repeats_the_edge_pixel() -> None:
    """Far outside a constant image every tap clamps onto it: the value is the constant
    (the weights sum to 1); zeros padding reads nothing there."""
    x = tg.full((1, 1, 3, 3), 2.0, dtype=tg.float64)
    grid = tg.tensor(np.array([[[[5.3, -4.2]]]]))
    out = F.grid_sample(x, grid, mode="bicubic", padding_mode="border")
    np.testing.assert_allclose(out.numpy(), [[[[2.0]]]], rtol=1e-12)
    out = F.grid_sample(x, grid, mode="bicubic", padding_mode="zeros")
    assert out.numpy().tolist() == [[[[0.0]]]]


@settings(max_examples=12)  # each example is a double-backward check of 16 gathers
@given(st.integers(0, 2 ** 16), st.sampled_from(_PADDINGS), st.booleans(),
       st.sampled_from([(1, 1), (1, 3), (2, 2), (3, 4)]))
def test_bicubic_gradients_central_differences(seed, padding, corners, hw) -> None:
    x, g = _bicubic_case(seed, hw, corners, points=(1, 2), channels=1)
    xt, gt = tg.tensor(x, requires_grad=True), tg.tensor(g, requires_grad=True)

    def sample(a, b):
        return F.grid_sample(a, b, mode="bicubic", padding_mode=padding, align_corners=corners)

    assert gradcheck(sample, (xt, gt))
    assert gradgradcheck(sample, (xt, gt))


@pytest.mark.parametrize("padding", _PADDINGS)
@pytest.mark.parametrize("corners", [False, True])
@pytest.mark.parametrize("hw", [(1, 1), (1, 4), (3, 2), (4, 5)])
@pytest.mark.parametrize("spread", [1.0, 3.5])
def test_bicubic_matches_torch(padding, corners, hw, spread) -> None:
    torch = pytest.importorskip("torch")
    x, g = _bicubic_case(zlib.crc32(repr((padding, corners, hw, spread)).encode()), hw,
                         corners, spread)
    tx, tgr = torch.tensor(x, requires_grad=True), torch.tensor(g, requires_grad=True)
    ox, og = tg.tensor(x, requires_grad=True), tg.tensor(g, requires_grad=True)
    expected = torch.nn.functional.grid_sample(tx, tgr, mode="bicubic", padding_mode=padding,
                                               align_corners=corners)
    got = F.grid_sample(ox, og, mode="bicubic", padding_mode=padding, align_corners=corners)
    np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = np.random.default_rng(1).standard_normal(expected.shape)
    (expected * torch.tensor(weights)).sum().backward()
    (got * tg.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(og.grad.numpy(), tgr.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_bicubic_float32_matches_torch() -> None:
    torch = pytest.importorskip("torch")
    x, g = _bicubic_case(3, (4, 5), False)
    x, g = x.astype(np.float32), g.astype(np.float32)
    expected = torch.nn.functional.grid_sample(torch.tensor(x), torch.tensor(g), mode="bicubic",
                                               align_corners=False)
    got = F.grid_sample(tg.tensor(x), tg.tensor(g), mode="bicubic", align_corners=False)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
