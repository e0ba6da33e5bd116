"""The older upsampling spellings (UpsamplingNearest2d, UpsamplingBilinear2d, F.upsample,
F.upsample_nearest, F.upsample_bilinear) and channel shuffle: values, gradients, reprs and
warnings as PyTorch's; refusals."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn


def _both(torch, ours, theirs, x: np.ndarray) -> None:
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(a), theirs(b)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(1).standard_normal(ref.shape)
    out.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_upsampling_layers_and_functions_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    for ours, theirs in ((nn.UpsamplingNearest2d(scale_factor=2),
                          torch.nn.UpsamplingNearest2d(scale_factor=2)),
                         (nn.UpsamplingBilinear2d(size=(5, 7)),
                          torch.nn.UpsamplingBilinear2d(size=(5, 7))),
                         (nn.Upsample(scale_factor=(2, 3)),
                          torch.nn.Upsample(scale_factor=(2, 3)))):
        assert repr(ours) == repr(theirs)
        _both(torch, ours, theirs, x)
    for name, kwargs in (("upsample", {"scale_factor": 2, "mode": "bilinear"}),
                         ("upsample_nearest", {"size": (4, 6)}),
                         ("upsample_bilinear", {"scale_factor": 2})):
        with pytest.warns(UserWarning, match=f"{name} is deprecated"):
            out = getattr(F, name)(tg.tensor(x), **kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = getattr(torch.nn.functional, name)(torch.tensor(x), **kwargs)
        np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


def test_channel_shuffle_matches_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for shape, groups in (((2, 6, 3), 3), ((1, 4, 2, 2), 2), ((1, 6, 1, 1, 2), 6)):
        x = np.random.default_rng(len(shape)).standard_normal(shape)
        ours, theirs = nn.ChannelShuffle(groups), torch.nn.ChannelShuffle(groups)
        assert repr(ours) == repr(theirs)
        _both(torch, ours, theirs, x)
        np.testing.assert_array_equal(F.native_channel_shuffle(tg.tensor(x), groups).numpy(),
                                      torch.nn.functional.channel_shuffle(torch.tensor(x),
                                                                          groups).numpy())


@pytest.mark.parametrize("call, error, fragment", [
    (lambda: F.channel_shuffle(tg.ones(1, 4, 2), 3), tg.ShapeError, "divisible by groups"),
    (lambda: F.channel_shuffle(tg.ones(4), 2), tg.ShapeError, "> 2 dims"),
    (lambda: nn.ChannelShuffle(0), tg.ArgumentError, "groups"),
])
def test_bad_input_is_refused_clearly(call, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        call()
