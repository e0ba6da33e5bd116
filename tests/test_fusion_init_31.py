"""Folding batch norm into the layer before it (nn.utils.fuse_*), nn.init.sparse_ and the
deprecated initialiser names, Module.share_memory / to_empty: as PyTorch's."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn
from tinygrad_bn.nn.utils import (
    fuse_conv_bn_eval,
    fuse_conv_bn_weights,
    fuse_linear_bn_eval,
    fuse_linear_bn_weights,
)


def _trained_bn(lib, bn, rng) -> None:
    """Running statistics and affine parameters away from their defaults."""
    state = {"weight": rng.uniform(0.5, 2, bn.num_features),
             "bias": rng.standard_normal(bn.num_features),
             "running_mean": rng.standard_normal(bn.num_features),
             "running_var": rng.uniform(0.5, 2, bn.num_features)}
    if lib is tg:
        bn.load_state_dict({**state, "num_batches_tracked": np.array(3)})
    else:
        bn.load_state_dict({**{k: lib.tensor(v) for k, v in state.items()},
                            "num_batches_tracked": lib.tensor(3)})


@pytest.mark.parametrize("kind", ["conv", "transposed", "linear"])
def test_fused_layers_equal_the_pair_and_pytorch(kind: str) -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tg, torch):
        if kind == "conv":
            layer, bn, x = lib.nn.Conv2d(3, 4, 3), lib.nn.BatchNorm2d(4), (2, 3, 5, 5)
        elif kind == "transposed":
            layer, bn, x = lib.nn.ConvTranspose2d(3, 4, 3, bias=False), lib.nn.BatchNorm2d(4), \
                (2, 3, 5, 5)
        else:
            layer, bn, x = lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), (5, 3)
        layer.double(), bn.double()
        if lib is torch:  # the same layer weights in both
            layer.load_state_dict({k: torch.tensor(v) for k, v in results[0][0].items()})
        _trained_bn(lib, bn, np.random.default_rng(1))
        layer.eval(), bn.eval()
        fuse = getattr(lib.nn.utils, "fuse_linear_bn_eval" if kind == "linear" else
                       "fuse_conv_bn_eval")
        fused = fuse(layer, bn) if kind != "transposed" else fuse(layer, bn, transpose=True)
        inputs = lib.tensor(np.random.default_rng(2).standard_normal(x))
        pair = bn(layer(inputs)).detach().numpy()
        results.append(({k: np.asarray(v) for k, v in layer.state_dict().items()},
                        fused(inputs).detach().numpy(), pair))
        assert fused is not layer and fused.weight.requires_grad
    (_, ours, our_pair), (_, theirs, _) = results
    np.testing.assert_allclose(ours, our_pair, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_fuse_weights_functions_and_refusals() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    w, b = rng.standard_normal((4, 3)), rng.standard_normal(4)
    mean, var, gamma, beta = rng.standard_normal(4), rng.uniform(1, 2, 4), \
        rng.standard_normal(4), rng.standard_normal(4)
    ours = fuse_linear_bn_weights(tg.tensor(w), tg.tensor(b), tg.tensor(mean), tg.tensor(var),
                                  1e-5, tg.tensor(gamma), tg.tensor(beta))
    theirs = torch.nn.utils.fuse_linear_bn_weights(*(torch.tensor(a) for a in (w, b, mean, var)),
                                                   1e-5, torch.tensor(gamma), torch.tensor(beta))
    for mine, ref in zip(ours, theirs):
        assert isinstance(mine, nn.Parameter)
        np.testing.assert_allclose(mine.numpy(), ref.detach().numpy(), rtol=1e-12)
    conv_w = rng.standard_normal((4, 2, 3, 3))
    ours = fuse_conv_bn_weights(tg.tensor(conv_w), None, tg.tensor(mean), tg.tensor(var), 1e-5,
                                None, None)
    theirs = torch.nn.utils.fuse_conv_bn_weights(torch.tensor(conv_w), None, torch.tensor(mean),
                                                 torch.tensor(var), 1e-5, None, None)
    for mine, ref in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), ref.detach().numpy(), rtol=1e-12)
    with pytest.raises(tg.ArgumentError, match="eval mode only"):
        fuse_conv_bn_eval(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2))
    with pytest.raises(tg.ShapeError, match="3 outputs"):
        fuse_linear_bn_eval(nn.Linear(2, 3).eval(), nn.BatchNorm1d(4).eval())
    with pytest.raises(tg.ArgumentError, match="running statistics"):
        fuse_conv_bn_eval(nn.Conv2d(1, 2, 1).eval(),
                          nn.BatchNorm2d(2, track_running_stats=False).eval())


def test_sparse_init_and_the_deprecated_names() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = tg.empty(10, 6), torch.empty(10, 6)
    nn.init.sparse_(ours, 0.25, std=0.5)
    torch.nn.init.sparse_(theirs, 0.25, std=0.5)
    assert ((ours.numpy() == 0).sum(0) == (theirs.numpy() == 0).sum(0)).all()
    assert 0.1 < ours.numpy()[ours.numpy() != 0].std() < 1.5
    with pytest.raises(tg.ShapeError, match="2 dimensions"):
        nn.init.sparse_(tg.empty(2, 2, 2), 0.1)
    for name in ("uniform", "normal", "xavier_uniform", "xavier_normal", "kaiming_uniform",
                 "kaiming_normal", "orthogonal", "eye", "sparse", "constant", "dirac"):
        args = {"sparse": (0.5,), "constant": (0.3,)}.get(name, ())
        shape = (2, 2, 3) if name == "dirac" else (3, 3)
        with pytest.warns(FutureWarning, match=f"nn.init.{name}_"):
            result = getattr(nn.init, name)(tg.empty(*shape), *args)
        assert result.shape == shape
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            getattr(torch.nn.init, name)(torch.empty(*shape), *args)


def test_share_memory_and_to_empty_keep_the_module() -> None:
    layer = nn.Linear(2, 2)
    weight = layer.weight.numpy().copy()
    assert layer.share_memory() is layer and layer.to_empty(device="cpu") is layer
    np.testing.assert_array_equal(layer.weight.numpy(), weight)
    with pytest.raises(tg.ArgumentError, match="to_empty"):
        layer.to_empty(device="cuda")
