"""BatchNorm1d/BatchNorm2d modules: running statistics, train/eval, buffers, repr, errors.

PyTorch's semantics, checked against closed forms written with NumPy.
"""

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import ArgumentError, ShapeError, Tensor, nn
from tinygrad_bn.nn.norm_layers import BatchNorm1d, BatchNorm2d

IMPLS = ("fused", "composite")


def batches(shape, steps, seed=0):
    """Batches whose channel means and spreads differ from step to step."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) * rng.uniform(0.5, 3) + rng.uniform(-2, 2)
            for _ in range(steps)]


def channel_moments(x):
    axes = (0,) + tuple(range(2, x.ndim))
    return x.mean(axis=axes), x.var(axis=axes, ddof=1)


def closed_form_running(stats, momentum, initial):
    """running_T for batch statistics b_1..b_T, not by the recursion: with a constant
    momentum m, (1-m)^T r_0 + sum_t m (1-m)^(T-t) b_t; with momentum None, the plain
    average of b_1..b_T (factor 1/t at step t)."""
    stats = np.asarray(stats)
    steps = len(stats)
    if momentum is None:
        return stats.mean(axis=0)
    weights = momentum * (1 - momentum) ** np.arange(steps - 1, -1, -1)
    return (1 - momentum) ** steps * initial + (weights[:, None] * stats).sum(axis=0)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("layer, shape", [(BatchNorm1d, (8, 3)), (BatchNorm1d, (4, 3, 5)),
                                          (BatchNorm2d, (4, 3, 2, 3))])
def test_running_stats_over_several_steps_match_closed_form(impl, momentum, layer, shape):
    bn = layer(3, momentum=momentum, impl=impl).to(np.float64)
    xs = batches(shape, steps=5)
    for x in xs:
        bn(Tensor(x, requires_grad=True))
    means, variances = zip(*(channel_moments(x) for x in xs))
    np.testing.assert_allclose(bn.running_mean, closed_form_running(means, momentum, 0.0),
                               rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(bn.running_var, closed_form_running(variances, momentum, 1.0),
                               rtol=1e-12)
    assert bn.num_batches_tracked == 5
    assert bn.num_batches_tracked.dtype == np.int64


@pytest.mark.parametrize("impl", IMPLS)
def test_training_normalizes_with_biased_batch_variance(impl):
    bn = BatchNorm1d(3, impl=impl).to(np.float64)
    x = batches((6, 3), 1)[0]
    y = bn(Tensor(x)).data
    expected = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    np.testing.assert_allclose(y, expected, rtol=1e-10)


@pytest.mark.parametrize("impl", IMPLS)
def test_eval_uses_running_stats_and_leaves_them(impl):
    bn = BatchNorm2d(2, impl=impl).to(np.float64)
    for x in batches((3, 2, 2, 2), 3):
        bn(Tensor(x))
    bn.weight.data[...] = [2.0, -1.0]
    bn.bias.data[...] = [0.5, 0.0]
    state = {k: v.clone().numpy() for k, v in bn.state_dict().items()}
    bn.eval()
    x = batches((1, 2, 3, 3), 1, seed=9)[0]  # one sample is fine in eval mode
    y = bn(Tensor(x)).data
    shape = (1, 2, 1, 1)
    expected = (x - state["running_mean"].reshape(shape)) \
        / np.sqrt(state["running_var"].reshape(shape) + 1e-5) \
        * np.array([2.0, -1.0]).reshape(shape) + np.array([0.5, 0.0]).reshape(shape)
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    for key, value in bn.state_dict().items():
        np.testing.assert_array_equal(value, state[key])


@pytest.mark.parametrize("impl", IMPLS)
def test_eval_mode_gradcheck(impl):
    bn = BatchNorm1d(2, impl=impl).to(np.float64)
    for x in batches((5, 2), 2):
        bn(Tensor(x))
    bn.eval()
    rng = np.random.default_rng(1)
    bn.weight.data[...] = rng.uniform(0.5, 2, 2)
    bn.bias.data[...] = rng.standard_normal(2)

    def f(x, w, b):
        bn.weight, bn.bias = w, b
        return bn(x)

    inputs = [Tensor(rng.standard_normal((3, 2)), requires_grad=True),
              nn.Parameter(bn.weight.data.copy()), nn.Parameter(bn.bias.data.copy())]
    assert tg.gradcheck(f, inputs)
    assert tg.gradgradcheck(f, inputs)


@pytest.mark.parametrize("impl", IMPLS)
def test_track_running_stats_false_always_uses_batch_stats(impl):
    bn = BatchNorm1d(3, track_running_stats=False, impl=impl).to(np.float64)
    assert bn.running_mean is None and bn.running_var is None
    assert bn.num_batches_tracked is None
    assert set(bn.state_dict()) == {"weight", "bias"}
    x = batches((5, 3), 1)[0]
    expected = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    np.testing.assert_allclose(bn(Tensor(x)).data, expected, rtol=1e-10)
    bn.eval()
    np.testing.assert_allclose(bn(Tensor(x)).data, expected, rtol=1e-10)


def test_affine_false_has_no_parameters():
    bn = BatchNorm2d(4, affine=False)
    assert bn.weight is None and bn.bias is None
    assert list(bn.parameters()) == []
    assert list(bn.state_dict()) == ["running_mean", "running_var", "num_batches_tracked"]


def test_buffers_and_state_dict():
    bn = BatchNorm2d(3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                     "num_batches_tracked"]
    assert [name for name, _ in bn.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(bn.running_mean, np.zeros(3))
    np.testing.assert_array_equal(bn.running_var, np.ones(3))
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float32
    assert bn.num_batches_tracked.shape == () and bn.num_batches_tracked == 0
    np.testing.assert_array_equal(bn.weight.data, np.ones(3))
    np.testing.assert_array_equal(bn.bias.data, np.zeros(3))


@pytest.mark.parametrize("impl", IMPLS)
def test_running_stats_are_not_trained_and_not_in_the_graph(impl):
    bn = BatchNorm1d(2, impl=impl)
    x = Tensor(batches((4, 2), 1)[0].astype(np.float32), requires_grad=True)
    (bn(x) * Tensor(np.arange(8.0, dtype=np.float32).reshape(4, 2))).sum().backward()
    assert isinstance(bn.running_mean, np.ndarray) and isinstance(bn.running_var, np.ndarray)
    assert bn.weight.grad is not None and bn.bias.grad is not None
    assert all(p is bn.weight or p is bn.bias for p in bn.parameters())


@pytest.mark.parametrize("impl", IMPLS)
def test_state_dict_round_trip_restores_running_stats(impl):
    bn = BatchNorm2d(2, impl=impl)
    for x in batches((2, 2, 3, 3), 3):
        bn(Tensor(x.astype(np.float32)))
    other = BatchNorm2d(2, impl=impl)
    other.load_state_dict(bn.state_dict())
    for key, value in bn.state_dict().items():
        np.testing.assert_array_equal(other.state_dict()[key], value)
    bn.eval()
    other.eval()
    x = Tensor(batches((2, 2, 3, 3), 1, seed=3)[0].astype(np.float32))
    np.testing.assert_array_equal(bn(x).data, other(x).data)


def test_momentum_none_ignores_initial_running_values():
    bn = BatchNorm1d(2, momentum=None).to(np.float64)
    bn.running_mean[...] = 100.0
    x = batches((5, 2), 1)[0]
    bn(Tensor(x))
    np.testing.assert_allclose(bn.running_mean, x.mean(axis=0), rtol=1e-12)


def test_rejected_input_leaves_counters_and_stats_unchanged():
    bn = BatchNorm1d(3)
    with pytest.raises(ShapeError, match="more than 1 value per channel"):
        bn(Tensor(np.ones((1, 3), np.float32)))
    assert bn.num_batches_tracked == 0
    np.testing.assert_array_equal(bn.running_mean, np.zeros(3))


@pytest.mark.parametrize("layer, shape, match", [
    (BatchNorm1d, (2, 3, 4, 5), r"\(N, C\) or \(N, C, L\)"),
    (BatchNorm1d, (5,), r"\(N, C\) or \(N, C, L\)"),
    (BatchNorm2d, (4, 3, 5), r"\(N, C, H, W\)"),
    (BatchNorm2d, (4, 2, 5, 5), r"C = 3, got \(4, 2, 5, 5\)"),
    (BatchNorm1d, (4, 5), r"C = 3, got \(4, 5\)"),
])
def test_wrong_rank_or_channel_count_names_expected_shape(layer, shape, match):
    with pytest.raises(ShapeError, match=match) as info:
        layer(3)(Tensor(np.ones(shape, np.float32)))
    assert isinstance(info.value, ValueError)


def test_extra_repr_like_pytorch():
    assert repr(BatchNorm2d(16)) == \
        "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, bias=True, " \
        "track_running_stats=True)"
    assert repr(BatchNorm1d(4, eps=1e-3, momentum=None, affine=False,
                            track_running_stats=False)) == \
        "BatchNorm1d(4, eps=0.001, momentum=None, affine=False, bias=False, " \
        "track_running_stats=False)"
    assert repr(BatchNorm1d(4, impl="composite")).endswith("impl='composite')")


@pytest.mark.parametrize("kwargs", [{"num_features": -1}, {"num_features": 2.5},
                                    {"num_features": 2, "momentum": 1.5},
                                    {"num_features": 2, "eps": -1.0},
                                    {"num_features": 2, "impl": "fast"}])
def test_bad_constructor_arguments(kwargs):
    with pytest.raises(ArgumentError):
        BatchNorm2d(**kwargs)


def test_to_float64_converts_buffers_but_not_counter():
    bn = BatchNorm2d(2).to(np.float64)
    assert bn.running_mean.dtype == bn.running_var.dtype == bn.weight.dtype == np.float64
    assert bn.num_batches_tracked.dtype == np.int64


def test_reset_running_stats():
    bn = BatchNorm1d(2)
    bn(Tensor(batches((4, 2), 1)[0].astype(np.float32)))
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean, [0, 0])
    np.testing.assert_array_equal(bn.running_var, [1, 1])
    assert bn.num_batches_tracked == 0


def test_fused_and_composite_modules_train_identically():
    layers = {impl: BatchNorm2d(3, impl=impl).to(np.float64) for impl in IMPLS}
    upstream = batches((4, 3, 2, 2), 3, seed=7)
    for x, g in zip(batches((4, 3, 2, 2), 3), upstream):
        grads = {}
        for impl, bn in layers.items():
            bn.zero_grad()
            xt = Tensor(x, requires_grad=True)
            bn(xt).backward(g)
            grads[impl] = (xt.grad.data, bn.weight.grad.data, bn.bias.grad.data)
        for f, c in zip(grads["fused"], grads["composite"]):
            np.testing.assert_allclose(f, c, rtol=1e-10, atol=1e-12)
    for key, value in layers["fused"].state_dict().items():
        np.testing.assert_allclose(value, layers["composite"].state_dict()[key], rtol=1e-12)
