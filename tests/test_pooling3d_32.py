"""3-D pooling, max unpooling, power-average pooling, ConvTranspose3d and F.pdist: values,
indices, gradients and reprs equal PyTorch's; gradients of every order by central
differences in float64 on Hypothesis-drawn shapes; bad input refused clearly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import nn
from tinygrad_bn.errors import TinygradError
from tinygrad_bn.gradcheck import gradcheck, gradgradcheck
from tinygrad_bn.testing.strategies import distinct_arrays

F = nn.functional

POOL_CASES = [
    ((2, 3, 7, 6, 5), dict(kernel_size=3, stride=2, padding=1)),
    ((3, 5, 6, 7), dict(kernel_size=(2, 3, 2), stride=(1, 2, 3), padding=(1, 1, 0),
                        ceil_mode=True)),
    ((1, 2, 5, 5, 5), dict(kernel_size=2, ceil_mode=True)),
    ((1, 1, 4, 5, 6), dict(kernel_size=(1, 2, 3), stride=1)),
]


def _torch_and_input(shape: tuple[int, ...], seed: int = 0):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(seed).standard_normal(shape)
    return torch, x


def _both(torch, x: np.ndarray):
    return tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


@pytest.mark.parametrize("shape, args", POOL_CASES)
@pytest.mark.parametrize("dilation", [1, (2, 1, 2)])
def test_max_pool3d_values_indices_and_gradient_equal_pytorch(shape, args, dilation) -> None:
    torch, x = _torch_and_input(shape)
    ours, theirs = _both(torch, x)
    try:
        ref, ref_index = torch.nn.functional.max_pool3d(theirs, dilation=dilation,
                                                        return_indices=True, **args)
    except RuntimeError:  # the dilated kernel does not fit: ours must refuse too
        with pytest.raises(TinygradError):
            F.max_pool3d(ours, dilation=dilation, **args)
        return
    y, index = F.max_pool3d(ours, dilation=dilation, return_indices=True, **args)
    np.testing.assert_array_equal(y.numpy(), ref.detach().numpy())
    np.testing.assert_array_equal(index.numpy(), ref_index.numpy())
    assert index.dtype == np.int64
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
    layer = nn.MaxPool3d(dilation=dilation, **args)
    np.testing.assert_array_equal(layer(tg.tensor(x)).numpy(), ref.detach().numpy())
    assert repr(layer) == repr(torch.nn.MaxPool3d(dilation=dilation, **args))


@pytest.mark.parametrize("shape, args", POOL_CASES)
@pytest.mark.parametrize("count_include_pad", [True, False])
@pytest.mark.parametrize("divisor_override", [None, 5])
def test_avg_pool3d_equals_pytorch(shape, args, count_include_pad, divisor_override) -> None:
    torch, x = _torch_and_input(shape)
    ours, theirs = _both(torch, x)
    kwargs = dict(count_include_pad=count_include_pad, divisor_override=divisor_override, **args)
    y, ref = F.avg_pool3d(ours, **kwargs), torch.nn.functional.avg_pool3d(theirs, **kwargs)
    np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-12, atol=1e-15)
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12, atol=1e-15)
    layer, ref_layer = nn.AvgPool3d(**kwargs), torch.nn.AvgPool3d(**kwargs)
    np.testing.assert_allclose(layer(tg.tensor(x)).numpy(), ref.detach().numpy(), rtol=1e-12)
    assert repr(layer) == repr(ref_layer)


@pytest.mark.parametrize("output_size", [(2, 3, None), 1, (4, 5, 3), 3])
def test_adaptive_pool3d_equals_pytorch(output_size) -> None:
    torch, x = _torch_and_input((2, 3, 7, 6, 5))
    for name, layer in (("adaptive_avg_pool3d", "AdaptiveAvgPool3d"),
                        ("adaptive_max_pool3d", "AdaptiveMaxPool3d")):
        ours, theirs = _both(torch, x)
        y = getattr(F, name)(ours, output_size)
        ref = getattr(torch.nn.functional, name)(theirs, output_size)
        np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-12)
        g = np.random.default_rng(1).standard_normal(y.shape)
        y.backward(tg.tensor(g))
        ref.backward(torch.tensor(g))
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)
        assert repr(getattr(nn, layer)(output_size)) == \
            repr(getattr(torch.nn, layer)(output_size))
    _, index = F.adaptive_max_pool3d(tg.tensor(x[0]), output_size, return_indices=True)
    _, ref_index = torch.nn.functional.adaptive_max_pool3d(torch.tensor(x[0]), output_size,
                                                           return_indices=True)
    np.testing.assert_array_equal(index.numpy(), ref_index.numpy())


@settings(max_examples=12, deadline=None)
@given(st.data(), st.integers(1, 2), st.sampled_from(["max", "avg", "adaptive_max",
                                                      "adaptive_avg", "lp"]))
def test_pool3d_gradients_of_every_order(data, channels, kind) -> None:
    shape = (1, channels) + tuple(data.draw(st.integers(2, 4), label=f"side{i}")
                                  for i in range(3))
    x = tg.tensor(data.draw(distinct_arrays(shape, gap=0.05)), requires_grad=True)
    if kind == "max":
        def fn(t):
            return F.max_pool3d(t, 2, stride=1, padding=1)
    elif kind == "avg":
        def fn(t):
            return F.avg_pool3d(t, 2, stride=1, padding=1, count_include_pad=False,
                                ceil_mode=True)
    elif kind == "adaptive_max":
        def fn(t):
            return F.adaptive_max_pool3d(t, (2, 1, 2))
    elif kind == "adaptive_avg":
        def fn(t):
            return F.adaptive_avg_pool3d(t, (2, 3, 1))
    else:
        x = tg.tensor(np.abs(x.numpy()) + 0.5, requires_grad=True)

        def fn(t):
            return F.lp_pool3d(t, 3.0, 2, stride=1)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_max_unpool_inverts_max_pool_as_pytorch(dims) -> None:
    shape = (2, 3) + (6, 4, 4)[:dims]
    torch, x = _torch_and_input(shape)
    pool = getattr(torch.nn.functional, f"max_pool{dims}d")
    ref_pooled, ref_index = pool(torch.tensor(x), 2, stride=2, return_indices=True)
    ours_pool = getattr(F, f"max_pool{dims}d")
    pooled, index = ours_pool(tg.tensor(x), 2, stride=2, return_indices=True)
    np.testing.assert_array_equal(index.numpy(), ref_index.numpy())
    unpool, ref_unpool = getattr(F, f"max_unpool{dims}d"), \
        getattr(torch.nn.functional, f"max_unpool{dims}d")
    for output_size in (None, shape[2:], shape):
        values = pooled.detach().requires_grad_()
        ref_values = ref_pooled.detach().requires_grad_()
        y = unpool(values, index, 2, 2, output_size=output_size)
        ref = ref_unpool(ref_values, ref_index, 2, 2, output_size=output_size)
        np.testing.assert_array_equal(y.numpy(), ref.detach().numpy())
        g = np.random.default_rng(1).standard_normal(y.shape)
        y.backward(tg.tensor(g))
        ref.backward(torch.tensor(g))
        np.testing.assert_array_equal(values.grad.numpy(), ref_values.grad.numpy())
    layer, ref_layer = getattr(nn, f"MaxUnpool{dims}d")(2), getattr(torch.nn,
                                                                   f"MaxUnpool{dims}d")(2)
    assert repr(layer) == repr(ref_layer)
    np.testing.assert_array_equal(layer(pooled[0], index[0]).numpy(),
                                  ref_layer(ref_pooled[0], ref_index[0]).numpy())
    assert gradcheck(lambda v: unpool(v, index, 2), [tg.tensor(pooled.numpy(),
                                                                requires_grad=True)])


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("norm_type, ceil_mode", [(2.0, False), (3, True), (1.5, False)])
def test_lp_pool_equals_pytorch(dims, norm_type, ceil_mode) -> None:
    torch, x = _torch_and_input((2, 3) + (7, 6, 5)[:dims])
    x = np.abs(x) + 0.1  # PyTorch's formula has no gradient where a window sums to 0
    ours, theirs = _both(torch, x)
    kwargs = dict(norm_type=norm_type, kernel_size=3, stride=2, ceil_mode=ceil_mode)
    y = getattr(F, f"lp_pool{dims}d")(ours, **kwargs)
    ref = getattr(torch.nn.functional, f"lp_pool{dims}d")(theirs, **kwargs)
    np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10)
    layer, ref_layer = getattr(nn, f"LPPool{dims}d")(**kwargs), \
        getattr(torch.nn, f"LPPool{dims}d")(**kwargs)
    assert repr(layer) == repr(ref_layer)
    np.testing.assert_allclose(layer(tg.tensor(x)).numpy(), ref.detach().numpy(), rtol=1e-12)


@pytest.mark.parametrize("args", [dict(stride=2), dict(stride=(1, 2, 2), padding=1,
                                                       output_padding=(0, 1, 1)),
                                  dict(groups=2, dilation=(2, 1, 1), bias=False)])
def test_conv_transpose3d_equals_pytorch(args) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.ConvTranspose3d(4, 6, (2, 3, 2), **args).double(), \
        torch.nn.ConvTranspose3d(4, 6, (2, 3, 2), **args).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal((2, 4, 3, 4, 3))
    a, b = _both(torch, x)
    y, ref = ours(a), theirs(b)
    np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    y.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-10, atol=1e-12)
    single = ours(tg.tensor(x[0]), output_size=ref.shape[1:])
    np.testing.assert_allclose(single.numpy(), ref[0].detach().numpy(), rtol=1e-10, atol=1e-12)


def test_conv_transpose3d_gradients_of_every_order() -> None:
    rng = np.random.default_rng(4)
    x = tg.tensor(rng.standard_normal((1, 2, 2, 2, 3)), requires_grad=True)
    w = tg.tensor(rng.standard_normal((2, 1, 2, 1, 2)), requires_grad=True)
    b = tg.tensor(rng.standard_normal(1), requires_grad=True)

    def fn(x, w, b):
        return F.conv_transpose3d(x, w, b, stride=(2, 1, 1), padding=(0, 0, 1))
    assert gradcheck(fn, [x, w, b])
    assert gradgradcheck(fn, [x, w, b])


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 5), st.integers(1, 4), st.sampled_from([1.0, 2.0, 3.0, 0.5, np.inf]),
       st.integers(0, 2**16))
def test_pdist_equals_cdist_upper_triangle_and_gradcheck(n, m, p, seed) -> None:
    x = np.random.default_rng(seed).standard_normal((n, m))
    y = F.pdist(tg.tensor(x), p)
    full = np.linalg.norm(x[:, None] - x[None], ord=p, axis=-1) if m else np.zeros((n, n))
    np.testing.assert_allclose(y.numpy(), full[np.triu_indices(n, 1)], rtol=1e-12)
    if n > 1 and p != np.inf:
        t = tg.tensor(x, requires_grad=True)
        assert gradcheck(lambda a: F.pdist(a, p), [t])
        if p >= 1:
            assert gradgradcheck(lambda a: F.pdist(a, p), [t])


def test_pdist_equals_pytorch_with_equal_rows() -> None:
    torch, x = _torch_and_input((4, 3))
    x[2] = x[0]  # a zero distance: PyTorch's gradient there is 0
    for p in (1.0, 2.0, 3.0, 0.0, float("inf")):
        ours, theirs = _both(torch, x)
        y, ref = F.pdist(ours, p), torch.nn.functional.pdist(theirs, p)
        np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-12)
        y.sum().backward()
        ref.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12,
                                   atol=1e-12)


def test_batch_norm_reads_a_parametrized_weight() -> None:
    from tinygrad_bn.nn.utils import parametrize

    class Double(nn.Module):
        def forward(self, w):
            return w * 2

    bn = nn.BatchNorm1d(3).double()
    parametrize.register_parametrization(bn, "weight", Double())
    x = tg.tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    y = bn(x)
    plain = F.batch_norm(x, None, None, bn.weight, bn.bias, training=True)
    np.testing.assert_allclose(y.numpy(), plain.numpy(), rtol=1e-12)
    y.sum().backward()
    assert bn.parametrizations.weight.original.grad is not None
    assert "parametrizations.weight.original" in bn.state_dict()


@pytest.mark.parametrize("call, match", [
    (lambda: F.max_pool3d(tg.randn(2, 3, 4), 2), "max_pool3d.*shape"),
    (lambda: F.max_pool3d(tg.randn(1, 1, 4, 4, 4), 2, padding=2), "padding"),
    (lambda: F.max_pool3d(tg.randn(1, 1, 2, 4, 4), 3), "larger"),
    (lambda: F.avg_pool3d(tg.ones(1, 1, 2, 2, 2, dtype=tg.int32), 2), "floating"),
    (lambda: F.avg_pool3d(tg.randn(1, 1, 2, 2, 2), (2, 2)), "kernel_size"),
    (lambda: F.avg_pool3d(tg.randn(1, 1, 2, 2, 2), 2, divisor_override=0), "divisor"),
    (lambda: F.adaptive_avg_pool3d(tg.randn(1, 0, 2, 2), 1), "D, H, W > 0"),
    (lambda: F.adaptive_max_pool3d(tg.randn(1, 2, 2, 2), (1, 1)), "output_size"),
    (lambda: F.max_unpool2d(tg.randn(1, 1, 2, 2), tg.zeros(1, 1, 2, 3, dtype=tg.int64), 2),
     "indices"),
    (lambda: F.max_unpool2d(tg.randn(1, 1, 2, 2), tg.full((1, 1, 2, 2), 16), 2), r"\[0, 16\)"),
    (lambda: F.max_unpool2d(tg.randn(1, 1, 2, 2), tg.zeros(1, 1, 2, 2), 2), "integers"),
    (lambda: F.max_unpool1d(tg.randn(1, 1, 2), tg.zeros(1, 1, 2, dtype=tg.int64), 2,
                            output_size=(9,)), "not reachable"),
    (lambda: F.lp_pool2d(tg.randn(1, 1, 4, 4), "two", 2), "norm_type"),
    (lambda: F.pdist(tg.randn(2, 3, 4)), "2-D"),
    (lambda: F.pdist(tg.randn(3, 4), -1), "non-negative"),
    (lambda: F.conv_transpose3d(tg.randn(1, 2, 2, 2, 2), tg.randn(3, 1, 2, 2, 2)), "channels"),
])
def test_bad_input_is_refused_clearly(call, match) -> None:
    with pytest.raises(TinygradError, match=match):
        call()
