"""What the corpus34 scripts (tests/pytorch_scripts/) found wrong, pinned.

spatial_transformer: a spatial transformer starts from the identity transform, so every
point of F.affine_grid's grid sits on a pixel centre, where bilinear sampling has a kink
and its gradient in the grid is the difference towards the neighbour that floor picks.
Which neighbour follows the last bit of the grid coordinate, and tinygrad_bn's rounded
differently from PyTorch's in three places: its linspace (NumPy's, not PyTorch's kernel
with a fused multiply-add), the grid's product with theta (a BLAS matmul, not
(x a + y b) + c) and grid_sample's unnormalization (((x + 1) W - 1) / 2, not PyTorch's
fused (x + 1) (W / 2) - 0.5). The theta gradient of the first step differed by 1e-5
relative and the run drifted. Now bit-equal grids and gradients equal to 1e-12.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.fused_arithmetic import fma

torch = pytest.importorskip("torch")

_DTYPES = [(np.float64, torch.float64, tg.float64), (np.float32, torch.float32, tg.float32)]


def test_fma_is_rounded_once() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=3000) * 10.0 ** rng.integers(-6, 6, 3000)
    b, c = rng.normal(size=3000), rng.normal(size=3000) * 10.0 ** rng.integers(-9, 3, 3000)
    exact = np.array([float(Fraction(x) * Fraction(y) + Fraction(z)) for x, y, z in zip(a, b, c)])
    assert np.array_equal(fma(a, b, c), exact)
    assert not np.array_equal(a * b + c, exact)  # (the two roundings differ here)
    a32, b32, c32 = (v.astype(np.float32) for v in (a, b, c))
    exact32 = np.array([np.float32(Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)))
                        for x, y, z in zip(a32, b32, c32)])
    assert fma(a32, b32, c32).dtype == np.float32
    # (a Fraction to float32 goes through float64: one case in ~1e9 double-rounds; none here)
    assert np.array_equal(fma(a32, b32, c32), exact32)
    special = fma(np.array([np.inf, 1.0, np.nan]), np.array([1.0, 2.0, 1.0]),
                  np.array([1.0, np.inf, 0.0]))
    assert special[0] == np.inf and special[1] == np.inf and np.isnan(special[2])


@pytest.mark.parametrize("np_dtype, torch_dtype, tg_dtype", _DTYPES)
def test_linspace_is_pytorchs_bit_for_bit(np_dtype, torch_dtype, tg_dtype) -> None:
    for start, end in ((-1, 1), (0, 1), (-3.7, 12.25), (2, -7)):
        for steps in range(0, 120):
            ours = tg.linspace(start, end, steps, dtype=tg_dtype).numpy()
            theirs = torch.linspace(start, end, steps, dtype=torch_dtype).numpy()
            assert ours.dtype == np_dtype
            assert np.array_equal(ours, theirs), (start, end, steps)


@pytest.mark.filterwarnings("ignore:Since version 1.3.0")  # (torch's, on the 1-pixel grid)
@pytest.mark.parametrize("np_dtype, torch_dtype, tg_dtype", _DTYPES)
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_is_pytorchs_bit_for_bit(np_dtype, torch_dtype, tg_dtype,
                                            align_corners) -> None:
    theta = np.random.default_rng(1).normal(size=(6, 2, 3)).astype(np_dtype)
    for size in ((6, 1, 28, 28), (6, 2, 7, 13), (6, 1, 1, 5)):
        ours = tg.nn.functional.affine_grid(tg.tensor(theta), size, align_corners=align_corners)
        theirs = torch.nn.functional.affine_grid(torch.tensor(theta), size,
                                                 align_corners=align_corners)
        assert np.array_equal(ours.numpy(), theirs.numpy()), size


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
def test_identity_transform_gradient_is_pytorchs(align_corners, padding_mode) -> None:
    """Every grid point on a pixel centre: the one-sided differences PyTorch takes."""
    rng = np.random.default_rng(2)
    for h, w in ((28, 28), (5, 7), (13, 24)):
        image = rng.random((2, 3, h, w))
        upstream = rng.normal(size=(2, 3, h, w))
        grads = []
        for lib in (torch, tg):
            theta = lib.tensor(np.tile(np.array([[1.0, 0, 0], [0, 1, 0]]), (2, 1, 1)),
                               requires_grad=True)
            grid = lib.nn.functional.affine_grid(theta, (2, 3, h, w),
                                                 align_corners=align_corners)
            out = lib.nn.functional.grid_sample(lib.tensor(image), grid,
                                                padding_mode=padding_mode,
                                                align_corners=align_corners)
            (out * lib.tensor(upstream)).sum().backward()
            grads.append(theta.grad.numpy())
        np.testing.assert_allclose(grads[1], grads[0], rtol=1e-12, atol=1e-12)


def test_repeat_owns_its_memory() -> None:
    """fast_neural_style: `style.repeat(n, 1, 1, 1)` then `batch.div_(255)` failed (the
    repeat was a read-only view of an expand), and `x.repeat(1, 1)` was x's own memory:
    an in-place write to it changed x. PyTorch's repeat always copies."""
    for lib in (torch, tg):
        x = lib.ones(3, 4)
        y = x.repeat(8, 1, 1)
        y.div_(2)
        assert y.sum().item() == 48.0 and x.sum().item() == 12.0
        z = x.repeat(1, 1)
        z.mul_(3)
        assert z.sum().item() == 36.0 and x.sum().item() == 12.0
    w = tg.ones(2, requires_grad=True)
    (w.repeat(1) * 2).sum().backward()  # the cloned path keeps the gradient
    assert w.grad.tolist() == [2.0, 2.0]
    v = tg.ones(2, requires_grad=True)
    v.repeat(4, 3).sum().backward()
    assert v.grad.tolist() == [12.0, 12.0]
