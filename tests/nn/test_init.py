"""nn.init: fans, gains, and the moments of every initialiser; in place, no graph."""

import math

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn
from tinygrad_bn.nn import init

# 40,000 draws: a sample std is within ~0.4% of the true one (1 sigma), 2% is > 5 sigma
LARGE = (200, 200)


def parameter(shape: tuple[int, ...], dtype=np.float32) -> nn.Parameter:
    return nn.Parameter(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("std", [1.0, 1e-1, 1e-2, 1e-3, 1e-4])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_normal_has_the_requested_moments_in_place(std, dtype) -> None:
    p = parameter(LARGE, dtype)
    array = p.numpy()
    assert init.normal_(p, mean=0.5, std=std, generator=np.random.default_rng(0)) is p
    assert p.numpy() is array and p.dtype == dtype
    assert p.is_leaf and p.grad is None
    np.testing.assert_allclose(p.data.std(), std, rtol=0.02)
    assert abs(p.data.mean() - 0.5) < 5 * std / math.sqrt(p.numel())


def test_uniform_zeros_ones() -> None:
    p = parameter(LARGE)
    init.uniform_(p, -2.0, 3.0, generator=np.random.default_rng(1))
    assert p.data.min() >= -2.0 and p.data.max() <= 3.0
    np.testing.assert_allclose(p.data.var(), 25 / 12, rtol=0.02)
    init.zeros_(p)
    assert not p.data.any()
    init.ones_(p)
    assert np.all(p.data == 1)


@pytest.mark.parametrize("shape, fan_in, fan_out", [
    ((30, 20), 20, 30), ((8, 3, 5, 5), 75, 200), ((4, 2, 3), 6, 12)])
def test_fans_of_linear_and_conv_weights(shape, fan_in, fan_out) -> None:
    assert init.fans(shape) == (fan_in, fan_out)


def test_gains() -> None:
    assert init.calculate_gain("linear") == init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)


@pytest.mark.parametrize("shape", [(400, 100), (64, 16, 5, 5)])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_variance_is_gain_squared_over_fan(shape, mode) -> None:
    fan = dict(zip(("fan_in", "fan_out"), init.fans(shape)))[mode]
    expected_std = math.sqrt(2.0 / fan)  # relu gain sqrt(2)
    p = parameter(shape)
    init.kaiming_normal_(p, mode=mode, nonlinearity="relu", generator=np.random.default_rng(2))
    np.testing.assert_allclose(p.data.std(), expected_std, rtol=0.02)
    init.kaiming_uniform_(p, mode=mode, nonlinearity="relu", generator=np.random.default_rng(3))
    np.testing.assert_allclose(p.data.std(), expected_std, rtol=0.02)
    assert np.abs(p.data).max() <= math.sqrt(3) * expected_std


@pytest.mark.parametrize("shape", [(400, 100), (64, 16, 5, 5)])
def test_xavier_variance_is_two_over_fan_sum(shape) -> None:
    fan_in, fan_out = init.fans(shape)
    expected_std = 0.5 * math.sqrt(2.0 / (fan_in + fan_out))
    p = parameter(shape)
    init.xavier_normal_(p, gain=0.5, generator=np.random.default_rng(4))
    np.testing.assert_allclose(p.data.std(), expected_std, rtol=0.02)
    init.xavier_uniform_(p, gain=0.5, generator=np.random.default_rng(5))
    np.testing.assert_allclose(p.data.std(), expected_std, rtol=0.02)
    assert np.abs(p.data).max() <= math.sqrt(3) * expected_std


def test_same_rng_seed_gives_the_same_values() -> None:
    a, b = parameter((5, 4)), parameter((5, 4))
    init.xavier_uniform_(a, generator=np.random.default_rng(7))
    init.xavier_uniform_(b, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a.data, b.data)
    tg.manual_seed(7)
    init.normal_(a)
    tg.manual_seed(7)
    init.normal_(b)
    np.testing.assert_array_equal(a.data, b.data)


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(tg.ShapeError, match="at least 2 dims"):
        init.kaiming_uniform_(parameter((5,)))
    with pytest.warns(UserWarning, match="zero-element tensors is a no-op"):
        init.kaiming_normal_(parameter((3, 0)))  # (PyTorch's no-op, not an error)
    with pytest.raises(tg.ArgumentError, match="std must be >= 0"):
        init.normal_(parameter((2, 2)), std=-1.0)
    with pytest.raises(tg.ArgumentError, match="a <= b"):
        init.uniform_(parameter((2, 2)), 1.0, 0.0)
    with pytest.raises(tg.ArgumentError, match="mode must be"):
        init.kaiming_uniform_(parameter((2, 2)), mode="fan_avg")
    with pytest.raises(tg.ArgumentError, match="unknown nonlinearity"):
        init.calculate_gain("gelu")
    with pytest.raises(tg.DTypeError, match="floating"):
        init.zeros_(Tensor(np.arange(4)))
    with pytest.raises(TypeError, match="expects a Tensor"):
        init.ones_(np.zeros(3))


@pytest.mark.parametrize("shape", [(4, 4), (3, 7), (7, 3), (4, 2, 3)])
def test_orthogonal_rows_or_columns_are_orthonormal(shape) -> None:
    w = init.orthogonal_(Tensor(np.zeros(shape)), gain=2.0, generator=np.random.default_rng(0))
    flat = w.data.reshape(shape[0], -1) / 2.0
    small = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(small, np.eye(len(small)), atol=1e-12)


def test_trunc_normal_stays_inside_and_constant_fills() -> None:
    w = init.trunc_normal_(Tensor(np.zeros((200, 50))), mean=1.0, std=2.0, a=0.0, b=1.5,
                           generator=np.random.default_rng(1))
    assert w.data.min() >= 0.0 and w.data.max() <= 1.5 and w.data.std() > 0.1
    assert np.all(init.constant_(Tensor(np.zeros(3)), 0.25).data == 0.25)
    with pytest.raises(tg.ArgumentError, match="trunc_normal_"):
        init.trunc_normal_(Tensor(np.zeros(3)), mean=0.0, std=1.0, a=10.0, b=11.0)


def test_initialisers_take_a_tensors_data_as_pytorch_code_passes_it() -> None:
    p = nn.Parameter(np.zeros((3, 4), np.float32))
    assert init.normal_(p.data, 0.0, 0.02) is p.data  # DCGAN's weights_init idiom
    assert p.data.std() > 0
    init.constant_(p.data, 0.5) if hasattr(init, "constant_") else init.ones_(p.data)
    assert np.all(p.numpy() != 0)
