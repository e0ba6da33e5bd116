"""F.affine_grid and F.grid_sample (2-D): values and gradients against PyTorch, central
differences with forward mode and double backward (float64, sampling points kept away from
the kinks: integer pixels, the clamps and the reflection edges), and bad input."""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F

COMBOS = list(itertools.product(["bilinear", "nearest"], ["zeros", "border", "reflection"],
                                [False, True]))


def _normalized(pixel: np.ndarray, size: int, align_corners: bool) -> np.ndarray:
    """The grid value that unnormalizes to `pixel` (the inverse of grid_sample's map)."""
    return pixel * 2 / (size - 1) - 1 if align_corners else (pixel * 2 + 1) / size - 1


@st.composite
def smooth_cases(draw: st.DrawFn) -> tuple:
    """(x, grid, padding_mode, align_corners) with every sampling point inside a smooth
    piece: pixel coordinates k + f, f in [0.15, 0.35] or [0.65, 0.85] (away from integers
    and the half-pixel reflection edges), inside the image unless padding is zeros."""
    padding = draw(st.sampled_from(["zeros", "border", "reflection"]))
    corners = draw(st.booleans())
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    h, w = draw(st.integers(2, 4)), draw(st.integers(2, 4))
    ho, wo = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    coords = []
    for size in (w, h):
        low, high = (-1, size) if padding == "zeros" else (0, size - 1)
        k = rng.integers(low, high, size=(n, ho, wo))
        f = rng.uniform(0.15, 0.35, size=k.shape) + 0.5 * rng.integers(0, 2, size=k.shape)
        coords.append(_normalized(k + f, size, corners))
    grid = np.stack(coords, axis=-1)
    return rng.normal(size=(n, c, h, w)), grid, padding, corners


@settings(max_examples=12)
@given(case=smooth_cases())
def test_bilinear_gradients_by_central_differences(case: tuple) -> None:
    x, grid, padding, corners = case

    def sample(x: tg.Tensor, grid: tg.Tensor) -> tg.Tensor:
        return F.grid_sample(x, grid, padding_mode=padding, align_corners=corners)
    inputs = [tg.tensor(x, requires_grad=True), tg.tensor(grid, requires_grad=True)]
    assert tg.gradcheck(sample, inputs)
    assert tg.gradgradcheck(sample, inputs)


@settings(max_examples=8)
@given(theta=st.integers(0, 2**16).map(lambda s: np.random.default_rng(s).normal(size=(2, 2, 3))),
       corners=st.booleans())
def test_affine_grid_gradients_by_central_differences(theta: np.ndarray, corners: bool) -> None:
    def grid(t: tg.Tensor) -> tg.Tensor:
        return F.affine_grid(t, (2, 1, 3, 4), align_corners=corners)
    assert tg.gradcheck(grid, [tg.tensor(theta, requires_grad=True)])
    assert tg.gradgradcheck(grid, [tg.tensor(theta, requires_grad=True)])


@pytest.mark.parametrize("mode, padding, corners", COMBOS)
@settings(max_examples=6)
@given(seed=st.integers(0, 2**16), h=st.integers(1, 5), w=st.integers(1, 5))
def test_values_and_gradients_match_pytorch(mode: str, padding: str, corners: bool, seed: int,
                                            h: int, w: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x, grid = rng.normal(size=(2, 3, h, w)), rng.uniform(-1.7, 1.7, size=(2, 3, 4, 2))
    tx, tgrid = torch.tensor(x, requires_grad=True), torch.tensor(grid, requires_grad=True)
    want = torch.nn.functional.grid_sample(tx, tgrid, mode=mode, padding_mode=padding,
                                           align_corners=corners)
    up = rng.normal(size=tuple(want.shape))
    want.backward(torch.tensor(up))
    ox, ogrid = tg.tensor(x, requires_grad=True), tg.tensor(grid, requires_grad=True)
    got = F.grid_sample(ox, ogrid, mode=mode, padding_mode=padding, align_corners=corners)
    got.backward(tg.tensor(up))
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-12, atol=1e-12)
    grid_grad = ogrid.grad.numpy() if ogrid.grad is not None else np.zeros_like(grid)
    np.testing.assert_allclose(grid_grad, tgrid.grad.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("corners", [False, True])
def test_affine_grid_matches_pytorch(corners: bool) -> None:
    torch = pytest.importorskip("torch")
    theta = np.random.default_rng(3).normal(size=(2, 2, 3))
    got = F.affine_grid(tg.tensor(theta), (2, 3, 4, 5), align_corners=corners).numpy()
    want = torch.nn.functional.affine_grid(torch.tensor(theta), (2, 3, 4, 5),
                                           align_corners=corners).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)


def test_identity_theta_samples_the_image_itself() -> None:
    """A spatial transformer's starting point: the identity transform reproduces x."""
    x = tg.tensor(np.random.default_rng(0).normal(size=(1, 2, 4, 5)).astype(np.float32))
    theta = tg.tensor(np.array([[[1, 0, 0], [0, 1, 0]]], np.float32))
    out = F.grid_sample(x, F.affine_grid(theta, x.shape, align_corners=False),
                        align_corners=False)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), x.numpy(), rtol=1e-6, atol=1e-6)


def test_an_inf_outside_the_sampled_taps_stays_out() -> None:
    x = np.zeros((1, 1, 2, 2))
    x[0, 0, 0, 0] = np.inf
    out = F.grid_sample(tg.tensor(x), tg.tensor(np.array([[[[5.0, 5.0]]]])))
    assert out.numpy().tolist() == [[[[0.0]]]]


BAD = [
    (lambda: F.grid_sample(tg.ones(1, 1, 2, 2), tg.ones(1, 2, 2, 2), mode="cubic"),
     tg.ArgumentError, "mode"),
    (lambda: F.grid_sample(tg.ones(1, 1, 2, 2), tg.ones(1, 2, 2, 2), padding_mode="wrap"),
     tg.ArgumentError, "padding_mode"),
    (lambda: F.grid_sample(tg.ones(1, 1, 2, 2), tg.ones(1, 2, 2, 3)), tg.ShapeError, "grid"),
    (lambda: F.grid_sample(tg.ones(2, 1, 2, 2), tg.ones(1, 2, 2, 2)), tg.ShapeError, "same N"),
    (lambda: F.grid_sample(tg.ones(1, 1, 2, 2, 2), tg.ones(1, 2, 2, 2, 3)), tg.UnsupportedError,
     "5-D"),
    (lambda: F.grid_sample(np.ones((1, 1, 2, 2)), tg.ones(1, 2, 2, 2)), tg.ArgumentTypeError,
     "input"),
    (lambda: F.grid_sample(tg.ones(1, 1, 2, 2), tg.ones(1, 2, 2, 2, dtype=tg.float64)),
     tg.DTypeMismatchError, "grid_sample"),
    (lambda: F.affine_grid(tg.ones(1, 2, 3), (2, 1, 3, 3)), tg.ShapeError, "theta"),
    (lambda: F.affine_grid(tg.ones(1, 2, 3), (1, 1, 3)), tg.ShapeError, "size"),
    (lambda: F.affine_grid(tg.ones(1, 3, 4), (1, 1, 2, 3, 3)), tg.UnsupportedError, "3-D"),
    (lambda: F.affine_grid([[1, 0, 0]], (1, 1, 2, 2)), tg.ArgumentTypeError, "theta"),
]


@pytest.mark.parametrize("call, error, words", BAD)
def test_bad_input_is_refused_naming_the_op(call, error: type, words: str) -> None:
    with pytest.raises(error, match=words):
        call()
