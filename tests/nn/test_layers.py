"""Layers: forward against NumPy, gradients, PyTorch's default init, input checks, repr."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.testing import strategies as tst


@st.composite
def linear_cases(draw: st.DrawFn) -> tuple[np.ndarray, int, bool]:
    """An input of shape (*batch, in_features), out_features and whether there is a bias."""
    batch = draw(tst.shapes(min_dims=0, max_dims=2, max_side=3))
    in_features = draw(st.integers(1, 4))
    x = draw(tst.arrays(batch + (in_features,)))
    return x, draw(st.integers(1, 4)), draw(st.booleans())


@given(linear_cases())
def test_linear_forward_is_x_times_weight_transposed_plus_bias(case) -> None:
    x, out_features, bias = case
    layer = nn.Linear(x.shape[-1], out_features, bias=bias).to(np.float64)
    expected = x @ layer.weight.data.T + (layer.bias.data if bias else 0.0)
    y = layer(Tensor(x))
    assert y.shape == x.shape[:-1] + (out_features,)
    np.testing.assert_allclose(y.data, expected, rtol=1e-12, atol=1e-12)


@given(linear_cases())
def test_linear_gradients_match_central_differences(case) -> None:
    x, out_features, bias = case
    layer = nn.Linear(x.shape[-1], out_features, bias=bias).to(np.float64)
    params = list(layer.parameters())
    assert tg.gradcheck(lambda x, *_: layer(x), [Tensor(x, requires_grad=True), *params])


@given(linear_cases())
def test_functional_linear_second_derivatives(case) -> None:
    x, out_features, _ = case
    w = Tensor(np.linspace(-1, 1, out_features * x.shape[-1]).reshape(out_features, -1),
               requires_grad=True)
    b = Tensor(np.linspace(0, 1, out_features), requires_grad=True)
    assert tg.gradgradcheck(F.linear, [Tensor(x, requires_grad=True), w, b])


def test_linear_default_init_is_pytorch_uniform() -> None:
    tg.manual_seed(0)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert p.dtype == np.float32
        assert np.abs(p.data).max() <= bound
        assert np.abs(p.data).max() > 0.95 * bound  # uses the whole interval
    # the variance of U(-b, b) is b^2 / 3
    np.testing.assert_allclose(layer.weight.data.var(), bound**2 / 3, rtol=0.02)
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)


def test_manual_seed_makes_init_reproducible() -> None:
    tg.manual_seed(123)
    a = nn.Linear(5, 4).weight.data.copy()
    tg.manual_seed(123)
    b = nn.Linear(5, 4).weight.data.copy()
    c = nn.Linear(5, 4).weight.data.copy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(b, c)


def test_linear_without_bias() -> None:
    layer = nn.Linear(3, 2, bias=False)
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False)"


@pytest.mark.parametrize("shape", [(4, 5), (5,), (2, 3, 2)])
def test_linear_rejects_wrong_feature_count_naming_the_layer(shape) -> None:
    layer = nn.Linear(3, 2)
    with pytest.raises(tg.ShapeError) as info:
        layer(Tensor(np.zeros(shape, dtype=np.float32)))
    assert "Linear(in_features=3, out_features=2" in str(info.value)
    assert f"expected input of shape (..., 3), got {shape}" in str(info.value)


def test_linear_rejects_zero_d_input_and_bad_sizes() -> None:
    with pytest.raises(tg.ShapeError, match="Linear"):
        nn.Linear(3, 2)(Tensor(1.0))
    with pytest.raises(tg.ArgumentError, match="in_features must be an int >= 0"):
        nn.Linear(-1, 2)  # (0 is allowed, as PyTorch: a zero-size layer)
    with pytest.raises(tg.ShapeError, match="linear: input of shape"):
        F.linear(Tensor(np.zeros((2, 3))), Tensor(np.zeros((4, 2))))


def test_conv2d_weight_layout_init_and_repr() -> None:
    tg.manual_seed(1)
    layer = nn.Conv2d(4, 6, (3, 2), stride=2, padding=1, groups=2)
    assert layer.weight.shape == (6, 2, 3, 2) and layer.bias.shape == (6,)
    bound = 1 / math.sqrt(2 * 3 * 2)  # fan_in = in_channels / groups * kh * kw
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert repr(layer) == ("Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), "
                           "groups=2)")
    plain = nn.Conv2d(1, 2, 3, bias=False, dilation=2)
    assert plain.bias is None
    assert repr(plain) == "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), dilation=(2, 2), " \
                          "bias=False)"


def test_conv2d_forward_passes_its_configuration_to_functional_conv2d() -> None:
    layer = nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2)
    x = Tensor(np.random.default_rng(0).normal(size=(2, 4, 7, 6)).astype(np.float32))
    expected = F.conv2d(x, layer.weight, layer.bias, stride=(2, 1), padding=(1, 0),
                        dilation=(1, 2), groups=2)
    np.testing.assert_array_equal(layer(x).data, expected.data)


def test_conv2d_gradients_reach_weight_and_bias() -> None:
    layer = nn.Conv2d(2, 3, 2, padding=1).to(np.float64)
    x = Tensor(np.random.default_rng(1).normal(size=(1, 2, 3, 3)), requires_grad=True)
    assert tg.gradcheck(lambda x, *_: layer(x), [x, *layer.parameters()])


@pytest.mark.parametrize("shape", [(2, 3, 5, 5), (3, 5, 5), (1, 2, 3, 5, 5), (5, 5)])
def test_conv2d_rejects_wrong_rank_or_channels(shape) -> None:
    layer = nn.Conv2d(2, 4, 3)
    with pytest.raises(tg.ShapeError) as info:
        layer(Tensor(np.zeros(shape, dtype=np.float32)))
    message = str(info.value)
    assert message.startswith("Conv2d(2, 4, kernel_size=(3, 3)")
    assert f"expected input of shape (N, 2, H, W) or (2, H, W), got {shape}" in message


def test_conv2d_rejects_kernel_larger_than_padded_input() -> None:
    layer = nn.Conv2d(1, 1, (3, 5), padding=(0, 1))
    layer(Tensor(np.zeros((1, 1, 3, 3), dtype=np.float32)))  # 3 + 2 * 1 = 5 still fits
    with pytest.raises(tg.ShapeError, match=r"input width 2 \(padded: 4\) is smaller than "
                                            r"the dilated kernel \(5\)"):
        layer(Tensor(np.zeros((1, 1, 3, 2), dtype=np.float32)))


@pytest.mark.parametrize("in_channels, out_channels, groups", [(3, 4, 2), (4, 3, 2), (4, 4, 3)])
def test_conv2d_groups_must_divide_channels(in_channels, out_channels, groups) -> None:
    with pytest.raises(tg.ArgumentError, match=f"groups={groups} must divide"):
        nn.Conv2d(in_channels, out_channels, 1, groups=groups)


@pytest.mark.parametrize("kwargs", [dict(kernel_size=0), dict(kernel_size=3, stride=0),
                                    dict(kernel_size=3, padding=-1), dict(kernel_size=(1, 2, 3))])
def test_conv2d_rejects_bad_hyperparameters(kwargs) -> None:
    with pytest.raises(tg.ArgumentError, match="Conv2d"):
        nn.Conv2d(1, 1, **kwargs)


@pytest.mark.parametrize("layer_type, function", [(nn.MaxPool2d, F.max_pool2d),
                                                  (nn.AvgPool2d, F.avg_pool2d)])
def test_pooling_layers_default_stride_to_kernel(layer_type, function) -> None:
    x = Tensor(np.random.default_rng(2).normal(size=(2, 3, 6, 6)))
    layer = layer_type(3, padding=1)
    assert repr(layer).startswith(f"{layer_type.__name__}(kernel_size=3, stride=3, padding=1")
    y = layer(x)
    assert y.shape == (2, 3, 2, 2)
    np.testing.assert_array_equal(y.data, function(x, 3, 3, 1).data)
    np.testing.assert_array_equal(layer_type(2, stride=1)(x).data, function(x, 2, 1).data)
    with pytest.raises(tg.ShapeError, match=layer_type.__name__):
        layer(Tensor(np.zeros((6, 6))))
    np.testing.assert_array_equal(layer(x.data[0]).data, y.data[0])  # unbatched (C, H, W)


def test_flatten_merges_the_given_axes() -> None:
    x = Tensor(np.arange(120.0).reshape(2, 3, 4, 5))
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    np.testing.assert_array_equal(nn.Flatten()(x).data, x.data.reshape(2, 60))
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"  # PyTorch's
    layer = nn.Flatten(start_dim=2, end_dim=3)  # PyTorch's keywords and attributes
    assert layer(x).shape == (2, 3, 20) and (layer.start_dim, layer.end_dim) == (2, 3)


@given(tst.tensors(shape=tst.shapes(min_dims=1)))
def test_activation_layers_match_numpy(x) -> None:
    np.testing.assert_allclose(nn.ReLU()(x).data, np.maximum(x.data, 0))
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x.data)), rtol=1e-12)
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x.data), rtol=1e-12)


@given(tst.tensors(shape=tst.shapes(min_dims=1), away_from=(0.0,)))
def test_functional_activations_gradcheck(x) -> None:
    for activation in (F.relu, F.sigmoid, F.tanh):
        assert tg.gradcheck(activation, [x])


def test_dropout_is_the_identity_in_eval_mode() -> None:
    layer = nn.Dropout(0.9).eval()
    x = Tensor(np.ones((50, 50), dtype=np.float32))
    np.testing.assert_array_equal(layer(x).data, x.data)


def test_dropout_in_training_zeroes_a_fraction_p_and_scales_the_rest() -> None:
    tg.manual_seed(0)
    p = 0.3
    x = Tensor(np.ones((200, 100), dtype=np.float32))
    y = nn.Dropout(p)(x).data
    assert y.dtype == np.float32
    kept = y != 0
    np.testing.assert_allclose(y[kept], 1 / (1 - p), rtol=1e-6)
    # 20,000 Bernoulli draws: the dropped fraction has std ~0.003
    assert abs((~kept).mean() - p) < 0.015
    # the expectation is unchanged
    assert abs(y.mean() - 1.0) < 0.03


def test_dropout_masks_are_reproducible_with_manual_seed_or_rng() -> None:
    x = Tensor(np.ones(100))
    tg.manual_seed(5)
    a = F.dropout(x, 0.5).data
    tg.manual_seed(5)
    b = F.dropout(x, 0.5).data
    np.testing.assert_array_equal(a, b)
    c = F.dropout(x, 0.5, generator=np.random.default_rng(9)).data
    d = F.dropout(x, 0.5, generator=np.random.default_rng(9)).data
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(a, c)


def test_dropout_edge_probabilities_and_bad_p() -> None:
    x = Tensor(np.arange(1.0, 5.0))
    assert F.dropout(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, np.zeros(4))
    for p in (-0.1, 1.5):
        with pytest.raises(tg.ArgumentError, match="p must be a probability"):
            F.dropout(x, p)
        with pytest.raises(tg.ArgumentError, match="Dropout"):
            nn.Dropout(p)


@given(tst.tensors(shape=tst.shapes(min_dims=1)), st.floats(0.05, 0.95), st.integers(0, 100))
def test_dropout_gradient_with_a_fixed_mask(x, p, seed) -> None:
    # a fresh generator with the same seed on every call: the same mask each time
    assert tg.gradcheck(lambda x: F.dropout(x, p, generator=np.random.default_rng(seed)), [x])
