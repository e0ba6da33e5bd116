"""What PyTorch's module databases (tests/test_moduleinfo_35.py) found wrong, each pinned
on its own and compared with torch 2.13 where it is installed: batch norm of an empty
batch, gaussian_nll_loss's var with one dim of 1 anywhere. Each failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn.errors import ShapeError

try:
    import torch
except ImportError:  # the cross-checks skip; the checks of our own still run
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")


# ---- batch norm of an empty batch ----
@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(0, 3), (0, 3, 4), (2, 3, 0, 2)])
def test_batch_norm_of_an_empty_batch_is_empty_and_keeps_the_statistics(
        shape: tuple[int, ...], training: bool) -> None:
    layer = {2: tg.nn.BatchNorm1d, 3: tg.nn.BatchNorm1d, 4: tg.nn.BatchNorm2d}[len(shape)](3)
    layer.train(training)
    layer.running_mean[:] = [1.0, 2.0, 3.0]
    x = tg.zeros(shape, requires_grad=True)
    out = layer(x)
    assert out.shape == shape
    out.sum().backward()
    assert x.grad.shape == shape
    np.testing.assert_array_equal(layer.weight.grad.numpy(), np.zeros(3, np.float32))
    np.testing.assert_array_equal(layer.bias.grad.numpy(), np.zeros(3, np.float32))
    np.testing.assert_array_equal(np.asarray(layer.running_mean), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(layer.running_var), np.ones(3))
    assert int(np.asarray(layer.num_batches_tracked)) == int(training)


def test_batch_norm_of_one_value_per_channel_is_still_refused() -> None:
    with pytest.raises(ShapeError, match="more than 1 value per channel"):
        tg.nn.BatchNorm1d(3)(tg.zeros(1, 3))


@needs_torch
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_of_an_empty_batch_is_torchs(training: bool) -> None:
    theirs = torch.nn.BatchNorm2d(4).double().train(training)
    ours = tg.nn.BatchNorm2d(4).to(tg.float64).train(training)
    theirs.running_mean.fill_(0.5)
    ours.load_state_dict({k: tg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = torch.zeros(0, 4, 3, 3, dtype=torch.float64, requires_grad=True)
    y = tg.zeros((0, 4, 3, 3), dtype=tg.float64, requires_grad=True)
    theirs(x).sum().backward()
    ours(y).sum().backward()
    for name, value in theirs.state_dict().items():
        np.testing.assert_array_equal(np.asarray(ours.state_dict()[name]), value.numpy())
    np.testing.assert_array_equal(ours.weight.grad.numpy(), theirs.weight.grad.numpy())


# ---- gaussian_nll_loss: var with one dim of 1 ----
@given(st.lists(st.integers(2, 4), min_size=1, max_size=4), st.data())
def test_gaussian_nll_loss_takes_a_var_with_one_dim_of_one(shape: list[int],
                                                            data: st.DataObject) -> None:
    at = data.draw(st.integers(0, len(shape) - 1))
    var_shape = [1 if k == at else n for k, n in enumerate(shape)]
    rng = np.random.default_rng(len(shape) * 10 + at)
    x, y = rng.standard_normal(shape), rng.standard_normal(shape)
    v = rng.uniform(0.5, 2.0, var_shape)
    got = tg.nn.functional.gaussian_nll_loss(tg.tensor(x), tg.tensor(y), tg.tensor(v),
                                             reduction="none").numpy()
    want = 0.5 * (np.log(v) + (x - y) ** 2 / v)  # the variance shared along dim `at`
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_gaussian_nll_loss_still_refuses_a_var_of_another_shape() -> None:
    x = tg.zeros(4, 3)
    with pytest.raises(ShapeError, match="var of shape"):
        tg.nn.functional.gaussian_nll_loss(x, x, tg.ones(2, 3))
    with pytest.raises(ShapeError, match="var of shape"):
        tg.nn.functional.gaussian_nll_loss(x, x, tg.ones(1, 1))


@needs_torch
def test_gaussian_nll_loss_var_of_one_row_is_torchs() -> None:
    rng = np.random.default_rng(3)
    x, y, v = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), \
        rng.uniform(0.5, 2, (1, 3))
    want = torch.nn.GaussianNLLLoss()(*(torch.tensor(a) for a in (x, y, v)))
    got = tg.nn.GaussianNLLLoss()(*(tg.tensor(a) for a in (x, y, v)))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


# ---- fractional max pooling: _random_samples with more rows than the batch ----
@pytest.mark.parametrize("dims", [2, 3])
def test_fractional_max_pool_uses_the_first_rows_of_longer_samples(dims: int) -> None:
    pool = getattr(tg.nn.functional, f"fractional_max_pool{dims}d")
    rng = np.random.default_rng(dims)
    x = rng.standard_normal((2, 3) + (7,) * dims)
    samples = rng.uniform(size=(4, 3, dims))
    want = pool(tg.tensor(x), 2, output_ratio=0.5, _random_samples=samples[:2]).numpy()
    got = pool(tg.tensor(x), 2, output_ratio=0.5, _random_samples=samples).numpy()
    np.testing.assert_array_equal(got, want)
    unbatched = pool(tg.tensor(x[1]), 2, output_ratio=0.5, _random_samples=samples[1:])
    np.testing.assert_array_equal(unbatched.numpy(), want[1])
    with pytest.raises(ShapeError, match=r"M >= 2"):
        pool(tg.tensor(x), 2, output_ratio=0.5, _random_samples=samples[:1])


@needs_torch
def test_fractional_max_pool3d_module_of_an_unbatched_input_is_torchs() -> None:
    samples = torch.rand(2, 4, 3, dtype=torch.float64)
    x = torch.randn(4, 5, 5, 5, dtype=torch.float64)
    want = torch.nn.FractionalMaxPool3d(2, output_ratio=0.5, _random_samples=samples)(x)
    got = tg.nn.FractionalMaxPool3d(2, output_ratio=0.5,
                                    _random_samples=tg.tensor(samples.numpy()))(
        tg.tensor(x.numpy()))
    np.testing.assert_array_equal(got.numpy(), want.numpy())


# ---- forward's parameter is named as PyTorch's: layer(input=x) ----
# forwards whose names are not torch's on purpose: generic ones (*args, **kwargs: Module,
# the containers, the Lazy modules before their first call) and the RNN base's
SIGNATURES_OWN = {"Module", "ModuleDict", "ModuleList", "ParameterDict", "ParameterList",
                  "RNNBase", "RNNCellBase", "AdaptiveLogSoftmaxWithLoss"}


@needs_torch
def test_every_forward_names_its_parameters_as_torch() -> None:
    import inspect

    differ = []
    for name in sorted(dir(tg.nn)):
        ours, theirs = getattr(tg.nn, name), getattr(torch.nn, name, None)
        if not (isinstance(ours, type) and issubclass(ours, tg.nn.Module) and
                isinstance(theirs, type) and issubclass(theirs, torch.nn.Module)) or \
                name in SIGNATURES_OWN or name.startswith("Lazy"):
            continue
        mine = list(inspect.signature(ours.forward).parameters)
        want = list(inspect.signature(theirs.forward).parameters)
        if mine != want:
            differ.append(f"{name}: {mine}, torch {want}")
    assert not differ, differ


@pytest.mark.parametrize("layer", [
    lambda: tg.nn.Linear(3, 2), lambda: tg.nn.ReLU(), lambda: tg.nn.BatchNorm1d(3),
    lambda: tg.nn.LayerNorm(3), lambda: tg.nn.Softmax(-1), lambda: tg.nn.Dropout(0.0),
    lambda: tg.nn.Sequential(tg.nn.Linear(3, 3), tg.nn.Tanh()), lambda: tg.nn.LazyLinear(2),
    lambda: tg.nn.Identity(), lambda: tg.nn.Flatten()])
def test_a_layer_takes_its_input_by_keyword(layer) -> None:
    x = tg.randn(4, 3)
    module = layer()
    positional = module(x).numpy()
    np.testing.assert_array_equal(module(input=x).numpy(), positional)


# ---- ConstantPadNd keeps its value as given ----
@pytest.mark.parametrize("value", [2, 2.5, -1])
def test_constant_pad_keeps_its_value_as_given(value: float) -> None:
    layer = tg.nn.ConstantPad2d(1, value)
    assert layer.value == value and type(layer.value) is type(value)
    assert repr(layer) == f"ConstantPad2d(padding=(1, 1, 1, 1), value={value})"
    if torch is not None:
        assert repr(layer) == repr(torch.nn.ConstantPad2d(1, value))


# ---- HuberLoss / huber_loss / smooth_l1_loss: a non-number delta or beta ----
@pytest.mark.parametrize("bad", [1 + 0j, "1", None])
def test_huber_and_smooth_l1_refuse_a_non_number_threshold(bad) -> None:
    with pytest.raises(TypeError, match=r"HuberLoss: delta must be a float or int"):
        tg.nn.HuberLoss(delta=bad)
    x = tg.ones(2)
    with pytest.raises(tg.ArgumentTypeError, match=r"huber_loss: delta must be a float"):
        tg.nn.functional.huber_loss(x, x, delta=bad)
    with pytest.raises(tg.ArgumentTypeError, match=r"smooth_l1_loss: beta must be a float"):
        tg.nn.functional.smooth_l1_loss(x, x, beta=bad)
    if torch is not None:
        with pytest.raises(TypeError):
            torch.nn.HuberLoss(delta=bad)


def test_huber_loss_takes_an_int_or_bool_delta_as_torch() -> None:
    x, y = tg.tensor([0.0, 3.0]), tg.tensor([0.5, 0.0])
    for delta in (2, True):
        got = tg.nn.HuberLoss(delta=delta, reduction="none")(x, y).numpy()
        np.testing.assert_allclose(got, [0.125, delta * (3.0 - delta / 2)])
