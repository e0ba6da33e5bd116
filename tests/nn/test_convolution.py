"""conv2d: forward against a naive loop, gradients by central differences, input errors."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import ArgumentError, ShapeError, Tensor
from tinygrad_bn.nn.convolution import conv2d
from tinygrad_bn.testing import strategies as tst


def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """One output cell at a time: the definition of PyTorch's conv2d, written as loops."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n, _, h, wd = x.shape
    o, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, oh, ow))
    per_group = o // groups
    for i in range(n):
        for oc in range(o):
            first = oc // per_group * cg
            for r in range(oh):
                for c in range(ow):
                    patch = xp[i, first:first + cg, r * sh:r * sh + dh * (kh - 1) + 1:dh,
                               c * sw:c * sw + dw * (kw - 1) + 1:dw]
                    out[i, oc, r, c] = np.sum(patch * w[oc]) + (0.0 if b is None else b[oc])
    return out


def _as_arg(pair):
    """Pass a pair as an int when both sides agree, to exercise both forms."""
    return pair[0] if pair[0] == pair[1] else pair


@st.composite
def conv_configs(draw, max_batch=2, max_group_channels=2, max_groups=3, max_kernel=3,
                 max_stride=3, max_dilation=2, max_padding=2, max_extra_side=3):
    """A valid conv2d geometry: shapes of x and w, stride, padding, dilation, groups, bias."""
    groups = draw(st.integers(1, max_groups))
    cg = draw(st.integers(1, max_group_channels))
    og = draw(st.integers(1, max_group_channels))
    kernel = tuple(draw(st.integers(1, max_kernel)) for _ in range(2))
    stride = tuple(draw(st.integers(1, max_stride)) for _ in range(2))
    dilation = tuple(draw(st.integers(1, max_dilation)) for _ in range(2))
    padding = tuple(draw(st.integers(0, max_padding)) for _ in range(2))
    # the smallest side whose padded size still holds the dilated kernel, plus a little
    side = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, max_extra_side))
                 for d, k, p in zip(dilation, kernel, padding))
    n = draw(st.integers(1, max_batch))
    return {"x": (n, groups * cg) + side, "w": (groups * og, cg) + kernel,
            "stride": stride, "padding": padding, "dilation": dilation, "groups": groups,
            "bias": draw(st.booleans())}


def _arrays(draw, cfg):
    x = draw(tst.arrays(cfg["x"]))
    w = draw(tst.arrays(cfg["w"]))
    b = draw(tst.arrays((cfg["w"][0],))) if cfg["bias"] else None
    return x, w, b


def _kwargs(cfg):
    return {k: _as_arg(cfg[k]) for k in ("stride", "padding", "dilation")} | {
        "groups": cfg["groups"]}


@given(st.data())
def test_forward_matches_naive_loops(data):
    cfg = data.draw(conv_configs(max_extra_side=5))
    x, w, b = _arrays(data.draw, cfg)
    if data.draw(st.booleans()):  # a non-contiguous input (a transposed view) reads the same
        x = np.ascontiguousarray(x.swapaxes(2, 3)).swapaxes(2, 3)
    y = conv2d(Tensor(x), Tensor(w), None if b is None else Tensor(b), **_kwargs(cfg))
    expected = naive_conv2d(x, w, b, cfg["stride"], cfg["padding"], cfg["dilation"],
                            cfg["groups"])
    assert y.shape == expected.shape
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)


def test_forward_keeps_float32():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 9, 8)).astype(np.float32)
    w = rng.standard_normal((6, 2, 3, 3)).astype(np.float32)
    b = rng.standard_normal(6).astype(np.float32)
    xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, w, b))
    y = conv2d(xt, wt, bt, stride=(1, 2), padding=1, groups=2)
    y.sum().backward()
    assert y.dtype == xt.grad.dtype == wt.grad.dtype == bt.grad.dtype == np.float32
    expected = naive_conv2d(x.astype(np.float64), w.astype(np.float64), b.astype(np.float64),
                            (1, 2), (1, 1), (1, 1), 2)
    np.testing.assert_allclose(y.data, expected, rtol=1e-4, atol=1e-4)


@given(st.data())
def test_gradients_match_central_differences(data):
    cfg = data.draw(conv_configs(max_groups=2))
    x, w, b = _arrays(data.draw, cfg)
    inputs = [Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)]
    if b is not None:
        inputs.append(Tensor(b, requires_grad=True))
    kwargs = _kwargs(cfg)
    assert tg.gradcheck(lambda *args: conv2d(*args, **kwargs), inputs)


@pytest.mark.parametrize("kwargs, bias", [
    ({"stride": 2, "padding": 1, "dilation": (1, 2), "groups": 2}, False),
    ({"stride": (1, 2), "padding": (2, 0), "dilation": 1, "groups": 1}, True),
])
def test_second_derivatives_match_central_differences(kwargs, bias):
    rng = np.random.default_rng(1)
    c, o = (2, 4) if kwargs["groups"] == 2 else (1, 2)
    inputs = [Tensor(rng.standard_normal((2, c, 4, 5)), requires_grad=True),
              Tensor(rng.standard_normal((o, 1, 2, 2)), requires_grad=True)]
    if bias:
        inputs.append(Tensor(rng.standard_normal(o), requires_grad=True))
    assert tg.gradgradcheck(lambda *args: conv2d(*args, **kwargs), inputs)


def test_gradcheck_catches_a_wrong_weight_gradient():
    """The checks above can fail: a conv whose weight gradient is off by 1% is caught."""
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((1, 1, 4, 4)))
    w = Tensor(rng.standard_normal((1, 1, 2, 2)), requires_grad=True)

    def skewed(weight):
        y = conv2d(x, weight)
        return y + 0.01 * (y - y.detach())  # same value, gradient scaled by 1.01

    assert not tg.gradcheck(skewed, [w], raise_exception=False)


def _error(match, **overrides):
    args = {"x": np.zeros((2, 4, 5, 5)), "weight": np.zeros((6, 4, 3, 3))} | overrides
    return args, match


@pytest.mark.parametrize("kind, args, match", [
    (ShapeError, *_error(r"conv2d: input must be 4-D.*or 3-D.*\(5, 5\)", x=np.zeros((5, 5)))),
    (ShapeError, *_error(r"conv2d: weight must be 4-D.*\(6, 4, 3\)",
                         weight=np.zeros((6, 4, 3)))),
    (ShapeError, *_error(r"conv2d: input \(2, 3, 5, 5\) has 3 channels but weight "
                         r"\(6, 4, 3, 3\) with groups=1 expects.* 4", x=np.zeros((2, 3, 5, 5)))),
    (ShapeError, *_error(r"conv2d: input \(2, 4, 5, 5\) has 4 channels but weight "
                         r"\(6, 1, 3, 3\) with groups=2 expects.* 2",
                         weight=np.zeros((6, 1, 3, 3)), groups=2)),
    (ShapeError, *_error(r"conv2d: groups=3 must divide.*input channels \(4\).*output "
                         r"channels \(6\)", weight=np.zeros((6, 1, 3, 3)), groups=3)),
    (ShapeError, *_error(r"conv2d: groups=4 must divide.*output channels \(6\)",
                         weight=np.zeros((6, 1, 3, 3)), groups=4)),
    (ShapeError, *_error(r"conv2d: kernel \(8, 8\) .*larger than the padded input 7x7",
                         weight=np.zeros((6, 4, 8, 8)), padding=1)),
    (ShapeError, *_error(r"conv2d: kernel \(3, 3\), dilation \(3, 3\) \(effective 7x7\) is "
                         r"larger than the padded input 5x5", dilation=3)),
    (ArgumentError, *_error(r"conv2d: stride must be an int >= 1.*\(1, 0\)", stride=(1, 0))),
    (ArgumentError, *_error(r"conv2d: dilation must be an int >= 1.*0", dilation=0)),
    (ArgumentError, *_error(r"conv2d: padding must be an int >= 0.*-1", padding=-1)),
    (ArgumentError, *_error(r"conv2d: padding must be an int >= 0.*1.5", padding=1.5)),
    (ArgumentError, *_error(r"conv2d: stride must be an int >= 1.*\(1, 1, 1\)",
                            stride=(1, 1, 1))),
    (ArgumentError, *_error(r"conv2d: groups must be a positive int, got 0", groups=0)),
    (ShapeError, *_error(r"conv2d: bias must have shape \(6,\).*got \(4,\)", bias=np.zeros(4))),
])
def test_bad_input_raises_a_clear_error(kind, args, match):
    with pytest.raises(kind, match=match):
        conv2d(**args)
