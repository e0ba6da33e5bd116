"""Every convolution layer (1-, 2- and 3-D: one class, _ConvNd) checks its input's rank,
channels and spatial sizes and names itself in the error, as Conv2d always did; PyTorch
refuses the same inputs."""

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn

LAYERS = {1: (nn.Conv1d, "L"), 2: (nn.Conv2d, "H, W"), 3: (nn.Conv3d, "D, H, W")}


def _torch_refuses(dims, shape, **options):
    torch = pytest.importorskip("torch")
    layer = getattr(torch.nn, f"Conv{dims}d")(2, 3, 3, **options)
    with pytest.raises(RuntimeError):
        layer(torch.zeros(shape))


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("case", ["channels", "rank"])
def test_conv_layer_names_itself_for_a_wrong_rank_or_channel_count(dims, case):
    cls, spatial = LAYERS[dims]
    shape = (1, 4, *[5] * dims) if case == "channels" else (1, 1, 2, *[5] * dims)
    with pytest.raises(tg.ShapeError) as info:
        cls(2, 3, 3)(tg.zeros(*shape))
    message = str(info.value)
    assert message.startswith(f"Conv{dims}d(2, 3, kernel_size=")
    assert f"expected input of shape (N, 2, {spatial}) or (2, {spatial}), got {shape}" in message
    _torch_refuses(dims, shape)


@pytest.mark.parametrize("dims", [1, 2, 3])
def test_conv_layer_names_the_axis_smaller_than_its_dilated_kernel(dims):
    cls, _ = LAYERS[dims]
    shape = (1, 2, *[6] * (dims - 1), 2)  # the last axis: 2 + 2 * 1 padding < 5
    with pytest.raises(tg.ShapeError) as info:
        cls(2, 3, 3, padding=1, dilation=2)(tg.zeros(*shape))
    side = "length" if dims == 1 else "width"
    assert f"input {side} 2 (padded: 4) is smaller than the dilated kernel (5)" in str(info.value)
    _torch_refuses(dims, shape, padding=1, dilation=2)


@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("mode", ["zeros", "reflect", "circular"])
def test_conv_layer_agrees_with_its_functional_form_in_every_padding_mode(dims, mode):
    cls, _ = LAYERS[dims]
    tg.manual_seed(0)
    layer = cls(2, 3, 3, padding=1, padding_mode=mode).to(tg.float64)
    x = tg.tensor(np.random.default_rng(dims).normal(size=(2, 2, *[4] * dims)))
    padded = x if mode == "zeros" else nn.functional.pad(x, (1, 1) * dims, mode=mode)
    expected = layer.function(padded, layer.weight, layer.bias, 1, 1 if mode == "zeros" else 0)
    np.testing.assert_array_equal(layer(x).data, expected.data)
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, f"Conv{dims}d")(2, 3, 3, padding=1, padding_mode=mode).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(layer.weight.data))
        theirs.bias.copy_(torch.tensor(layer.bias.data))
    np.testing.assert_allclose(layer(x).data, theirs(torch.tensor(x.data)).detach().numpy(),
                               rtol=1e-12, atol=1e-12)
