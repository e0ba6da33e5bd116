"""max_pool2d and avg_pool2d: forward against naive loops, gradients, tie rule, input errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import ArgumentError, DTypeError, ShapeError, Tensor
from tinygrad_bn.nn.convolution import avg_pool2d, max_pool2d
from tinygrad_bn.testing import strategies as tst


def naive_pool(x, reduce, kernel, stride, padding, fill):
    """One window at a time: `reduce` over each window of x padded with `fill`."""
    (kh, kw), (sh, sw), (ph, pw) = kernel, stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=fill)
    oh = (xp.shape[2] - kh) // sh + 1
    ow = (xp.shape[3] - kw) // sw + 1
    out = np.zeros(x.shape[:2] + (oh, ow))
    for r in range(oh):
        for c in range(ow):
            out[:, :, r, c] = reduce(xp[:, :, r * sh:r * sh + kh, c * sw:c * sw + kw], axis=(2, 3))
    return out


@st.composite
def pool_configs(draw, max_kernel=3, max_stride=3, max_extra_side=3):
    """A valid pooling geometry (padding at most half the kernel; stride None or drawn)."""
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(2))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    stride = draw(st.none() | st.tuples(*(st.integers(1, max_stride),) * 2))
    side = tuple(max(1, k - 2 * p) + draw(st.integers(0, max_extra_side))
                 for k, p in zip(kernel, padding))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 3))) + side
    return {"shape": shape, "kernel": kernel, "stride": stride, "padding": padding}


def _call(pool, x, cfg):
    kernel, stride, padding = cfg["kernel"], cfg["stride"], cfg["padding"]
    return pool(x, kernel[0] if kernel[0] == kernel[1] else kernel, stride,
                padding[0] if padding[0] == padding[1] else padding)


def _reference(pool, x, cfg):
    stride = cfg["kernel"] if cfg["stride"] is None else cfg["stride"]
    if pool is max_pool2d:
        return naive_pool(x, np.max, cfg["kernel"], stride, cfg["padding"], -np.inf)
    return naive_pool(x, np.mean, cfg["kernel"], stride, cfg["padding"], 0.0)


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
@given(data=st.data())
def test_forward_matches_naive_loops(pool, data):
    cfg = data.draw(pool_configs(max_extra_side=5))
    x = data.draw(tst.arrays(cfg["shape"]))
    y = _call(pool, Tensor(x), cfg)
    expected = _reference(pool, x, cfg)
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
@given(data=st.data())
def test_gradients_match_central_differences(pool, data):
    cfg = data.draw(pool_configs())
    # distinct values (>= 0.1 apart): every window's maximum is unique, max is smooth there
    x = Tensor(data.draw(tst.distinct_arrays(cfg["shape"])), requires_grad=True)
    assert tg.gradcheck(lambda t: _call(pool, t, cfg), [x])


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
def test_second_derivatives_match_central_differences(pool):
    """Both backward ops are linear in the upstream gradient; this checks their adjoints."""
    x = Tensor(np.random.default_rng(0).permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) * 0.1,
               requires_grad=True)
    assert tg.gradgradcheck(lambda t: pool(t, 3, stride=2, padding=1), [x])


def test_max_pool_tie_sends_the_gradient_to_the_first_maximum():
    """Rule (PyTorch's CPU kernel): on ties the first maximum in row-major window order
    wins, and overlapping windows sharing one argmax add up there."""
    x = Tensor(np.array([[[[1.0, 5.0, 5.0],
                           [5.0, 5.0, 0.0],
                           [2.0, 0.0, 0.0]]]]), requires_grad=True)
    y = max_pool2d(x, 2, stride=1)
    np.testing.assert_array_equal(y.data, [[[[5.0, 5.0], [5.0, 5.0]]]])
    y.backward(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]]))
    np.testing.assert_array_equal(x.grad.data, [[[[0.0, 11.0, 0.0],
                                                  [100.0, 1000.0, 0.0],
                                                  [0.0, 0.0, 0.0]]]])


def test_max_pool_padding_never_wins_and_gets_no_gradient():
    x = Tensor(-np.arange(1.0, 5.0).reshape(1, 1, 2, 2), requires_grad=True)
    y = max_pool2d(x, 2, stride=1, padding=1)
    np.testing.assert_array_equal(y.data, [[[[-1, -1, -2], [-1, -1, -2], [-3, -3, -4]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[[[4, 2], [2, 1]]]])


def test_avg_pool_counts_padded_cells():
    x = Tensor(np.ones((1, 1, 2, 2)), requires_grad=True)
    y = avg_pool2d(x, 2, stride=1, padding=1)
    np.testing.assert_array_equal(y.data, [[[[0.25, 0.5, 0.25], [0.5, 1, 0.5],
                                             [0.25, 0.5, 0.25]]]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.ones((1, 1, 2, 2)))


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
def test_float32_stays_float32(pool):
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3, 6, 6)).astype(np.float32),
               requires_grad=True)
    y = pool(x, 2)
    y.sum().backward()
    assert y.dtype == x.grad.dtype == np.float32


@pytest.mark.parametrize("pool", [max_pool2d, avg_pool2d])
@pytest.mark.parametrize("kind, shape, kwargs, match", [
    (ShapeError, (4, 4), {"kernel_size": 2}, r"input must be 4-D.*or 3-D.*\(4, 4\)"),
    (ShapeError, (1, 1, 3, 3), {"kernel_size": 6, "padding": 1},
     r"kernel \(6, 6\) .*larger than the padded input 5x5"),
    (ArgumentError, (1, 1, 4, 4), {"kernel_size": 2, "padding": 2},
     r"padding \(2, 2\) must be at most half of kernel_size \(2, 2\)"),
    (ArgumentError, (1, 1, 4, 4), {"kernel_size": 0}, r"kernel_size must be an int >= 1"),
    (ArgumentError, (1, 1, 4, 4), {"kernel_size": 2, "stride": (0, 1)},
     r"stride must be an int >= 1"),
    (ArgumentError, (1, 1, 4, 4), {"kernel_size": 2, "padding": -1},
     r"padding must be an int >= 0"),
])
def test_bad_input_raises_a_clear_error(pool, kind, shape, kwargs, match):
    with pytest.raises(kind, match=f"{pool.__name__}: {match}"):
        pool(Tensor(np.zeros(shape)), **kwargs)


def test_avg_pool_of_integers_is_refused():
    with pytest.raises(DTypeError, match="avg_pool2d: needs a floating input"):
        avg_pool2d(Tensor(np.zeros((1, 1, 2, 2), dtype=np.int64)), 2)


def test_max_pool_propagates_nan():
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    x[0, 0, 1, 2] = np.nan
    y = max_pool2d(Tensor(x), 2)
    np.testing.assert_array_equal(y.data, [[[[5.0, np.nan], [13.0, 15.0]]]])
