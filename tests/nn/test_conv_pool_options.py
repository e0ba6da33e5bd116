"""PyTorch's further conv/pool arguments: conv2d padding="same"/"valid" and unbatched
input; max_pool2d dilation, ceil_mode, return_indices; avg_pool2d ceil_mode,
count_include_pad=False, divisor_override. Gradcheck on Hypothesis-drawn geometries (inputs
with distinct values, so max pooling has no ties), and forward, indices and gradients equal
to PyTorch's in float64 (skipped without torch)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.testing import strategies as tst


@st.composite
def pool_cases(draw: st.DrawFn) -> dict:
    k = draw(st.integers(1, 3))
    case = {"kernel_size": k, "stride": draw(st.integers(1, 3)),
            "padding": draw(st.integers(0, k // 2)), "ceil_mode": draw(st.booleans())}
    dilation = draw(st.integers(1, 2))
    reach = dilation * (k - 1) + 1
    h, w = draw(st.integers(reach, 6)), draw(st.integers(reach, 6))
    batched = draw(st.booleans())
    shape = (2, 2, h, w) if batched else (2, h, w)
    return {**case, "dilation": dilation,
            "x": draw(tst.distinct_arrays(shape)), "count_include_pad": draw(st.booleans())}


def _torch_check(torch, fn, torch_fn, x: np.ndarray, upstream_seed: int = 0) -> None:
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = fn(ours), torch_fn(theirs)
    upstream = np.random.default_rng(upstream_seed).normal(size=out.shape)
    (out * Tensor(upstream)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


@given(pool_cases())
def test_max_pool_options_gradcheck_and_match_pytorch(case) -> None:
    x, args = case["x"], (case["kernel_size"], case["stride"], case["padding"],
                          case["dilation"], case["ceil_mode"])

    def fn(t):
        return F.max_pool2d(t, *args)

    assert tg.gradcheck(fn, [Tensor(x, requires_grad=True)])
    torch = pytest.importorskip("torch")
    _torch_check(torch, fn, lambda t: torch.nn.functional.max_pool2d(t, *args), x)
    _, indices = F.max_pool2d(x, *args, return_indices=True)
    _, expected = torch.nn.functional.max_pool2d(torch.tensor(x), *args, return_indices=True)
    np.testing.assert_array_equal(indices.data, expected.numpy())


@given(pool_cases())
def test_avg_pool_options_gradcheck_and_match_pytorch(case) -> None:
    x = case["x"]
    args = (case["kernel_size"], case["stride"], case["padding"], case["ceil_mode"],
            case["count_include_pad"])

    def fn(t):
        return F.avg_pool2d(t, *args)

    assert tg.gradcheck(fn, [Tensor(x, requires_grad=True)])
    torch = pytest.importorskip("torch")
    _torch_check(torch, fn, lambda t: torch.nn.functional.avg_pool2d(t, *args), x)
    _torch_check(torch, lambda t: F.avg_pool2d(t, *args, divisor_override=3),
                 lambda t: torch.nn.functional.avg_pool2d(t, *args, divisor_override=3), x)


@given(st.data())
def test_conv2d_same_valid_and_unbatched_gradcheck_and_match_pytorch(data) -> None:
    k, d = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 2))
    padding = data.draw(st.sampled_from(["same", "valid"]))
    side = d * (k - 1) + 1
    shape = data.draw(st.sampled_from([(1, 2), (2,)])) + (data.draw(st.integers(side, 6)),
                                                           data.draw(st.integers(side, 6)))
    x = data.draw(tst.arrays(shape if len(shape) == 4 else (2,) + shape[1:]))
    w = data.draw(tst.arrays((3, 2, k, data.draw(st.integers(1, k)))))

    def fn(t, u):
        return F.conv2d(t, u, padding=padding, dilation=d)

    out = fn(Tensor(x), Tensor(w))
    if padding == "same":
        assert out.shape[-2:] == x.shape[-2:]
    assert tg.gradcheck(fn, [Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)])
    torch = pytest.importorskip("torch")
    import warnings

    with warnings.catch_warnings():  # torch warns that 'same' with even kernels copies x
        warnings.simplefilter("ignore")
        _torch_check(torch, lambda t: fn(t, Tensor(w)),
                     lambda t: torch.nn.functional.conv2d(t, torch.tensor(w), padding=padding,
                                                          dilation=d), x)


def test_layers_take_the_options_and_refuse_bad_ones() -> None:
    x = np.random.default_rng(0).normal(size=(1, 2, 5, 5))
    pooled, indices = nn.MaxPool2d(2, ceil_mode=True, return_indices=True)(x)
    assert pooled.shape == (1, 2, 3, 3) and indices.dtype == np.int64
    assert nn.AvgPool2d(3, 2, 1, count_include_pad=False)(x).shape == (1, 2, 3, 3)
    assert nn.Conv2d(2, 3, 4, padding="same")(x.astype(np.float32)).shape == (1, 3, 5, 5)
    assert nn.Conv2d(2, 3, 3, padding="valid")(x[0].astype(np.float32)).shape == (3, 3, 3)
    with pytest.raises(tg.ArgumentError, match="padding='same' needs stride 1"):
        nn.Conv2d(2, 3, 3, stride=2, padding="same")
    with pytest.raises(tg.ArgumentError, match="padding must be an int, a pair, 'valid' or"):
        F.conv2d(x, np.ones((1, 2, 3, 3)), padding="full")
    with pytest.raises(tg.ArgumentError, match="divisor_override must be a nonzero int"):
        F.avg_pool2d(x, 2, divisor_override=0)
