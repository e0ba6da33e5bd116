"""Norm layers at the edges of floating point: float16 input (statistics accumulated in
float32, result float16) against a float64 reference, and batch norm whose variance
overflows (fused and composite agree with each other and with PyTorch: xhat = 0)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn

EPS = 1e-5
# float16 output rounding is half an ulp, 2**-11 relative; allow one ulp, and an absolute
# floor at float16's smallest normal for results near 0
HALF_RTOL, HALF_ATOL = 2.0**-10, 2.0**-14


def reference(x: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """(x - mean) / sqrt(var + eps) over `axes`, biased var, in float64."""
    x = x.astype(np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(x.var(axis=axes, keepdims=True) + EPS)


# name: (function of a Tensor, the axes its statistics are taken over, for an (N, C) input
# laid out as the function expects: batch norm over N; layer and group norm get x.T, one
# sample per channel, normalized over the former N)
NORMS: dict[str, tuple[Callable[[Tensor], Tensor], bool]] = {
    "batch_norm fused": (lambda t: F.batch_norm(t, None, None, training=True), False),
    "batch_norm composite": (lambda t: F.batch_norm(t, None, None, training=True,
                                                    impl="composite"), False),
    "layer_norm": (lambda t: F.layer_norm(t, t.shape[-1]), True),
    "group_norm": (lambda t: F.group_norm(t.reshape(t.shape[0], 1, t.shape[1]), 1)
                   .reshape(t.shape), True),
}


def normalize_half(name: str, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The float16 result of NORMS[name] on the (N, C) float16 batch x, and the float64
    reference on the same (float16-rounded) values, both as (N, C)."""
    fn, per_sample = NORMS[name]
    arg = x.T.copy() if per_sample else x
    y = fn(Tensor(arg)).data
    assert y.dtype == np.float16
    expected = reference(arg, (1,) if per_sample else (0,))
    return (y.T if per_sample else y), (expected.T if per_sample else expected)


@pytest.mark.parametrize("name", sorted(NORMS))
@pytest.mark.parametrize("count, loc, scale", [(1024, 0.0, 10.0), (64, 2000.0, 1.0)])
def test_float16_statistics_do_not_overflow_or_lose_the_variance(name, count, loc, scale):
    # the cases: in float16 arithmetic the first had error 3.2, the second was all inf
    rng = np.random.default_rng(count)
    x = (loc + scale * rng.normal(size=(count, 3))).astype(np.float16)
    y, expected = normalize_half(name, x)
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y, expected, rtol=HALF_RTOL, atol=HALF_ATOL)


@given(name=st.sampled_from(sorted(NORMS)), count=st.integers(2, 2048),
       loc=st.floats(-4000.0, 4000.0), scale=st.floats(0.5, 60.0), seed=st.integers(0, 2**16))
def test_float16_norms_match_a_float64_reference(name, count, loc, scale, seed):
    rng = np.random.default_rng(seed)
    x = (loc + scale * rng.normal(size=(count, 2))).astype(np.float16)
    y, expected = normalize_half(name, x)
    np.testing.assert_allclose(y, expected, rtol=HALF_RTOL, atol=HALF_ATOL)


@pytest.mark.parametrize("impl", ["fused", "composite"])
@pytest.mark.parametrize("half_params", [False, True])
def test_float16_batchnorm_layer_trains_in_float16(impl, half_params):
    """Gradients flow back through the float32 computation: x.grad is float16, each
    parameter's grad has the parameter's dtype, and all agree with float64."""
    rng = np.random.default_rng(1)
    x = (2000.0 + rng.normal(size=(64, 3, 2))).astype(np.float16)
    g = rng.normal(size=x.shape).astype(np.float16)
    grads = {}
    for dtype in (np.float16, np.float64):
        layer = nn.BatchNorm1d(3, impl=impl)
        if half_params or dtype == np.float64:
            layer.to(dtype)
        xt = Tensor(x.astype(dtype), requires_grad=True)
        y = layer(xt)
        y.backward(Tensor(g.astype(dtype)))
        grads[dtype] = (y.data, xt.grad.data, layer.weight.grad.data, layer.running_var)
        if dtype == np.float16:
            assert y.dtype == xt.grad.dtype == np.float16
            assert layer.weight.grad.dtype == layer.weight.dtype
    for half, full in zip(grads[np.float16], grads[np.float64]):
        assert np.isfinite(half).all()
        scale = np.abs(full).max()
        np.testing.assert_allclose(half, full, rtol=2.0**-9, atol=2.0**-10 * scale)


# ---------------------------------------------------------------- overflowing variance


def run_bn(impl: str, x: np.ndarray, g: np.ndarray, create_graph: bool = False):
    """y, dx, dgamma, dbeta and the running variance of one training step."""
    channels = x.shape[1]
    xt = Tensor(x, requires_grad=True)
    weight = Tensor(np.full(channels, 1.5, x.dtype), requires_grad=True)
    bias = Tensor(np.arange(channels, dtype=x.dtype), requires_grad=True)
    running_mean, running_var = np.zeros(channels, x.dtype), np.ones(channels, x.dtype)
    with np.errstate(over="ignore", invalid="ignore"):
        y = F.batch_norm(xt, running_mean, running_var, weight, bias, training=True,
                         impl=impl)
        y.backward(Tensor(g), create_graph=create_graph)
    return y.data, xt.grad.data, weight.grad.data, bias.grad.data, running_var


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 2, 2)])
@pytest.mark.parametrize("create_graph", [False, True])
def test_overflowing_variance_gives_xhat_zero_in_both_impls(shape, create_graph):
    # channel 0 and 2 at ~1e30: sum((x - mean)^2) overflows float32 while the mean does not;
    # channel 1 is ordinary and must be unaffected
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype(np.float32)
    x[:, [0, 2]] *= np.float32(1e30)
    g = rng.normal(size=shape).astype(np.float32)
    fused = run_bn("fused", x, g, create_graph)
    composite = run_bn("composite", x, g, create_graph)
    y, dx, dgamma, dbeta, running_var = fused
    channel_axes = (0,) + tuple(range(2, x.ndim))
    for c in (0, 2):
        assert np.all(y[:, c] == c)  # y = beta: xhat = 0
        assert np.all(dx[:, c] == 0) and dgamma[c] == 0
        assert running_var[c] == np.inf
    np.testing.assert_allclose(dbeta, g.sum(axis=channel_axes), rtol=1e-5)
    for a, b in zip(fused, composite):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


def test_overflowing_variance_matches_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    x = (rng.normal(size=(16, 4)) * 1e30).astype(np.float32)
    g = rng.normal(size=x.shape).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.full((4,), 1.5, requires_grad=True)
    tb = torch.arange(4, dtype=torch.float32, requires_grad=True)
    ty = torch.nn.functional.batch_norm(tx, None, None, tw, tb, training=True)
    ty.backward(torch.tensor(g))
    expected = [t.detach().numpy() for t in (ty, tx.grad, tw.grad, tb.grad)]
    for got, want in zip(run_bn("fused", x, g)[:4], expected):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_nan_input_still_gives_nan_in_the_fused_op():
    # the overflow rule must not turn NaN statistics into "infinite variance"
    x = np.ones((4, 2), np.float32)
    x[1, 0] = np.nan
    x[:, 1] = [1, 2, 3, 4]
    y, dx, *_ = run_bn("fused", x, np.ones_like(x))
    assert np.isnan(y[:, 0]).all() and np.isnan(dx[:, 0]).all()
    assert np.isfinite(y[:, 1]).all()


@pytest.mark.parametrize("impl", ["fused", "composite"])
def test_batch_norm_takes_eps_zero_on_batch_statistics(impl):
    # PyTorch refuses eps=0 in training; we take any eps >= 0 (docs/autograd.md section 8)
    x = np.array([[1.0, 5.0], [3.0, 5.0]])
    with np.errstate(invalid="ignore"):
        y = F.batch_norm(Tensor(x), None, None, training=True, eps=0.0, impl=impl).data
    np.testing.assert_allclose(y[:, 0], [-1.0, 1.0])
    assert np.isnan(y[:, 1]).all()  # a constant channel: 0 / 0
