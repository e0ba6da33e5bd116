"""Loss reprs as PyTorch's (no arguments shown), triplet_margin_with_distance_loss and its
module (values and gradients equal PyTorch's, gradients of every order by central
differences), and feature_alpha_dropout / FeatureAlphaDropout (one alpha-dropout mask entry
per channel)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import nn
from tinygrad_bn.errors import TinygradError
from tinygrad_bn.gradcheck import gradcheck, gradgradcheck

F = nn.functional


def test_loss_reprs_equal_pytorch_with_any_arguments() -> None:
    torch = pytest.importorskip("torch")
    # layers with a loss need their sizes (their reprs: tests/test_moduleinfo_fixes_35.py)
    names = [n for n in dir(torch.nn) if n.endswith("Loss") and hasattr(nn, n)
             and n not in ("AdaptiveLogSoftmaxWithLoss", "LinearCrossEntropyLoss")]
    assert len(names) >= 20
    for name in names:
        assert repr(getattr(nn, name)(reduction="sum")) == \
            repr(getattr(torch.nn, name)(reduction="sum")), name
    assert repr(nn.HuberLoss(delta=2.0)) == repr(torch.nn.HuberLoss(delta=2.0))


def _cosine_distance(lib):
    return lambda a, b: 1.0 - lib.nn.functional.cosine_similarity(a, b, dim=-1)


@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("distance", [None, "cosine"])
def test_triplet_margin_with_distance_loss_equals_pytorch(swap, reduction, distance) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((5, 4)) for _ in range(3)]
    results = []
    for lib in (tg, torch):
        inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
        fn = None if distance is None else _cosine_distance(lib)
        loss = lib.nn.TripletMarginWithDistanceLoss(distance_function=fn, margin=0.7, swap=swap,
                                                    reduction=reduction)(*inputs)
        loss.sum().backward()
        results.append([loss.detach().numpy()] + [t.grad.numpy() for t in inputs])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.integers(1, 4), st.booleans(), st.integers(0, 2**16))
def test_triplet_margin_with_distance_loss_gradients_of_every_order(n, d, swap, seed) -> None:
    rng = np.random.default_rng(seed)
    a, p, q = (tg.tensor(rng.standard_normal((n, d)), requires_grad=True) for _ in range(3))

    def fn(a, p, q):
        return F.triplet_margin_with_distance_loss(
            a, p, q, distance_function=lambda u, v: ((u - v) ** 2).sum(-1), margin=2.0,
            swap=swap, reduction="none")
    # away from the kink of max(0, .) and from distance ties of swap
    values = fn(a, p, q).numpy()
    d_ap = ((a.numpy() - q.numpy()) ** 2).sum(-1)
    d_pn = ((p.numpy() - q.numpy()) ** 2).sum(-1)
    margins = 2.0 + ((a.numpy() - p.numpy()) ** 2).sum(-1) - np.minimum(d_ap, d_pn) * swap \
        - d_ap * (not swap)
    if np.any(np.abs(margins) < 1e-3) or (swap and np.any(np.abs(d_ap - d_pn) < 1e-3)):
        return
    assert values.shape == (n,)
    assert gradcheck(fn, [a, p, q])
    assert gradgradcheck(fn, [a, p, q])


def test_triplet_margin_with_distance_loss_refusals() -> None:
    x = tg.randn(2, 3)
    with pytest.raises(TinygradError, match="margin must be greater than 0"):
        F.triplet_margin_with_distance_loss(x, x, x, margin=0.0)
    with pytest.raises(TinygradError, match="same number of dims"):
        F.triplet_margin_with_distance_loss(x, x, tg.randn(3))
    with pytest.raises(TinygradError, match="callable"):
        nn.TripletMarginWithDistanceLoss(distance_function=3)


def test_feature_alpha_dropout_drops_whole_channels() -> None:
    x = tg.tensor(np.random.default_rng(0).standard_normal((64, 8, 5, 5)))
    y = F.feature_alpha_dropout(x, 0.3, training=True).numpy()
    saturation = -1.0507009873554805 * 1.6732632423543772
    a = ((1 - 0.3) * (1 + 0.3 * saturation ** 2)) ** -0.5
    b = -a * saturation * 0.3
    kept = np.isclose(y, a * x.numpy() + b)
    dropped = np.isclose(y, a * saturation + b)
    assert np.all(kept | dropped)
    per_channel = kept.reshape(64, 8, -1)
    assert np.all(per_channel.all(-1) | ~per_channel.any(-1))  # one decision per channel
    assert 0.2 < 1 - per_channel.all(-1).mean() < 0.4
    np.testing.assert_array_equal(F.feature_alpha_dropout(x, 0.3).numpy(), x.numpy())
    layer = nn.FeatureAlphaDropout(0.3)
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    layer.train()
    assert not np.allclose(layer(x).numpy(), x.numpy())
    with pytest.raises(TinygradError, match="feature_alpha_dropout"):
        F.feature_alpha_dropout(tg.randn(3), 0.5, training=True)


def test_feature_alpha_dropout_gradients_and_pytorch_repr() -> None:
    x = tg.tensor(np.random.default_rng(1).standard_normal((2, 3, 2)), requires_grad=True)

    def fn(t):
        generator = tg.Generator()
        generator.manual_seed(5)
        return F.feature_alpha_dropout(t, 0.4, training=True, generator=generator)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])
    torch = pytest.importorskip("torch")
    assert repr(nn.FeatureAlphaDropout(0.2)) == repr(torch.nn.FeatureAlphaDropout(0.2))
