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
SIGNATURES_OWN = set("""Module ModuleDict ModuleList ParameterDict ParameterList RNNBase
    RNNCellBase AdaptiveLogSoftmaxWithLoss""".split())


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
    lambda: tg.nn.Flatten()])
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


# ---- F.linear_cross_entropy, nn.LinearCrossEntropyLoss, nn.LinearCrossEntropyOptions ----
def _lce_case(rng: np.random.Generator, n: int | None, classes: int, out: tuple[int, ...],
              features: int, probabilities: bool) -> tuple:
    x = rng.standard_normal((features,) if n is None else (n, features))
    w = rng.standard_normal((classes, *out, features))
    b = rng.standard_normal((classes, *out))
    batch = () if n is None else (n,)
    if probabilities:
        t = rng.uniform(0.1, 1.0, (*batch, classes, *out))
        t = t / t.sum(axis=len(batch), keepdims=True)
    else:
        t = rng.integers(0, classes, (*batch, *out))
    return x, w, b, t


@given(st.sampled_from([None, 1, 3]), st.integers(2, 4), st.sampled_from([(), (2,), (2, 1)]),
       st.integers(1, 3), st.booleans(), st.sampled_from(["mean", "sum", "none"]),
       st.sampled_from([0.0, 0.2]), st.integers(0, 2**16))
def test_linear_cross_entropy_is_cross_entropy_of_the_linear_logits(
        n, classes, out, features, probabilities, reduction, smoothing, seed) -> None:
    if out and n is None:
        return  # a K-dimensional loss needs a batch (refused, below)
    rng = np.random.default_rng(seed)
    x, w, b, t = _lce_case(rng, n, classes, out, features, probabilities)
    target = tg.tensor(t)
    got = tg.nn.functional.linear_cross_entropy(
        tg.tensor(x), tg.tensor(w), target, linear_bias=tg.tensor(b), reduction=reduction,
        label_smoothing=smoothing)
    logits = np.tensordot(x, np.moveaxis(w, -1, 0), axes=1) + b  # (N, C, *out) or (C,)
    want = tg.nn.functional.cross_entropy(tg.tensor(logits), target, reduction=reduction,
                                          label_smoothing=smoothing)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


@given(st.integers(2, 3), st.booleans(), st.integers(0, 2**16))
def test_linear_cross_entropy_gradients_are_central_differences(classes, probabilities,
                                                                seed) -> None:
    rng = np.random.default_rng(seed)
    x, w, b, t = _lce_case(rng, 2, classes, (2,), 3, probabilities)
    inputs = [tg.tensor(a, requires_grad=True) for a in (x, w, b)]
    target = tg.tensor(t)

    def loss(x: tg.Tensor, w: tg.Tensor, b: tg.Tensor) -> tg.Tensor:
        return tg.nn.functional.linear_cross_entropy(x, w, target, linear_bias=b,
                                                     label_smoothing=0.1)
    assert tg.autograd.gradcheck(loss, inputs, eps=1e-6, atol=1e-7)
    assert tg.autograd.gradgradcheck(loss, inputs, eps=1e-6, atol=1e-6)


@needs_torch
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("probabilities", [False, True])
def test_linear_cross_entropy_loss_module_is_torchs(reduction: str,
                                                    probabilities: bool) -> None:
    rng = np.random.default_rng(5)
    x, _, _, t = _lce_case(rng, 4, 3, (2,), 5, probabilities)
    weight = rng.uniform(0.5, 2.0, 3)
    theirs = torch.nn.LinearCrossEntropyLoss(
        5, 3, out_features=(2,), bias=True, reduction=reduction,
        weight=torch.tensor(weight), label_smoothing=0.1,
        ignore_index=None if probabilities else 1,
        options=torch.nn.LinearCrossEntropyOptions(batch_chunk_size=2)).double()
    ours = tg.nn.LinearCrossEntropyLoss(
        5, 3, out_features=(2,), bias=True, reduction=reduction, weight=tg.tensor(weight),
        label_smoothing=0.1, ignore_index=None if probabilities else 1,
        options=tg.nn.LinearCrossEntropyOptions(batch_chunk_size=2)).to(tg.float64)
    ours.load_state_dict({k: tg.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert repr(ours) == repr(theirs)
    a, b = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    want, got = theirs(a, torch.tensor(t)), ours(b, tg.tensor(t))
    np.testing.assert_allclose(got.numpy(), want.detach().numpy(), rtol=1e-10)
    want.sum().backward()
    got.sum().backward()
    np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.linear.weight.grad.numpy(),
                               theirs.linear.weight.grad.numpy(), rtol=1e-9, atol=1e-12)


LCE_BAD_INPUT = {
    "input of 3 dims": (
        lambda m: m.nn.functional.linear_cross_entropy(m.zeros(2, 2, 3), m.zeros(4, 3),
                                                       m.zeros(2, dtype=m.int64)),
        ShapeError, "dimensionality 1 or 2"),
    "weight of 1 dim": (
        lambda m: m.nn.functional.linear_cross_entropy(m.zeros(2, 3), m.zeros(3),
                                                       m.zeros(2, dtype=m.int64)),
        ShapeError, "at least 2"),
    "in_features differ": (
        lambda m: m.nn.functional.linear_cross_entropy(m.zeros(2, 3), m.zeros(4, 5),
                                                       m.zeros(2, dtype=m.int64)),
        ShapeError, "got 3 and 5"),
    "bias of another shape": (
        lambda m: m.nn.functional.linear_cross_entropy(
            m.zeros(2, 3), m.zeros(4, 3), m.zeros(2, dtype=m.int64),
            linear_bias=m.zeros(3)),
        ShapeError, r"linear_bias shape \(4,\)"),
    "K-dimensional without a batch": (
        lambda m: m.nn.functional.linear_cross_entropy(m.zeros(3), m.zeros(4, 2, 3),
                                                       m.zeros(2, dtype=m.int64)),
        ShapeError, "requires batched input"),
    "ignore_index with probabilities": (
        lambda m: m.nn.functional.linear_cross_entropy(m.zeros(2, 3), m.zeros(4, 3),
                                                       m.ones(2, 4) / 4, ignore_index=0),
        tg.ArgumentError, "ignore_index cannot be specified"),
    "module weight of another size": (
        lambda m: m.nn.LinearCrossEntropyLoss(3, 4, weight=m.ones(3)),
        ShapeError, r"expected weight shape to be \(4,\)"),
    "module label_smoothing above 1": (
        lambda m: m.nn.LinearCrossEntropyLoss(3, 4, label_smoothing=2.0),
        tg.ArgumentError, r"label_smoothing must be in \[0, 1\]"),
    "options acc_policy": (
        lambda m: m.nn.LinearCrossEntropyOptions(acc_policy="fast"),
        tg.ArgumentError, "invalid acc_policy"),
    "options chunking_method": (
        lambda m: m.nn.LinearCrossEntropyOptions(chunking_method="rows:2"),
        tg.ArgumentError, "invalid chunking_method"),
    "options batch_chunk_size": (
        lambda m: m.nn.LinearCrossEntropyOptions(batch_chunk_size=0),
        tg.ArgumentError, "batch_chunk_size must be a positive int"),
}


@pytest.mark.parametrize("name", sorted(LCE_BAD_INPUT))
def test_linear_cross_entropy_refuses_bad_input_as_torch(name: str) -> None:
    call, error, match = LCE_BAD_INPUT[name]
    with pytest.raises(error, match=match) as info:
        call(tg)
    assert isinstance(info.value, tg.TinygradError)
    assert any(op in str(info.value) for op in ("linear_cross_entropy", "LinearCrossEntropy"))
    if torch is not None:
        with pytest.raises((ValueError, RuntimeError, TypeError)):
            call(torch)


def test_linear_cross_entropy_refuses_foreign_options() -> None:
    x = tg.zeros(2, 3)
    with pytest.raises(tg.ArgumentTypeError, match="options must be a "
                                                   "LinearCrossEntropyOptions"):
        tg.nn.functional.linear_cross_entropy(x, tg.zeros(4, 3), tg.zeros(2, dtype=tg.int64),
                                              options={"batch_chunk_size": 2})
