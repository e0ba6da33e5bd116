"""Lazy modules (nn.LazyLinear, LazyConv*, LazyConvTranspose*, LazyBatchNorm*,
LazyInstanceNorm*): the size comes from the first input or from a loaded state dict; the
module then is its eager class, with the same Parameter objects, the dtype and training mode
set before, and outputs, gradients, reprs and state-dict keys equal to PyTorch's."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn
from tinygrad_bn.nn.lazy import LazyModuleMixin

CASES = [
    ("LazyLinear", (3,), (2, 5)),
    ("LazyConv1d", (4, 3), (2, 2, 7)),
    ("LazyConv2d", (4, 3), (2, 6, 5, 5)),
    ("LazyConv2d", (4, 3), (6, 5, 5)),
    ("LazyConv3d", (2, 2), (1, 3, 4, 4, 4)),
    ("LazyConvTranspose1d", (4, 3), (2, 2, 5)),
    ("LazyConvTranspose2d", (4, 3), (3, 5, 5)),
    ("LazyConvTranspose3d", (2, 2), (1, 3, 3, 3, 3)),
    ("LazyBatchNorm1d", (), (4, 3)),
    ("LazyBatchNorm2d", (), (4, 3, 2, 2)),
    ("LazyBatchNorm3d", (), (4, 3, 2, 2, 2)),
    ("LazyInstanceNorm1d", (), (2, 3, 5)),
    ("LazyInstanceNorm2d", (), (2, 3, 4, 4)),
    ("LazyInstanceNorm3d", (), (2, 3, 2, 2, 2)),
]


@pytest.mark.parametrize("name, args, shape", CASES)
def test_first_call_builds_the_eager_layer_as_pytorch(name, args, shape) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert ours.has_uninitialized_params()
    assert isinstance(ours.weight, nn.UninitializedParameter)
    before = ours.weight
    ours.double()
    theirs.double()
    x = np.random.default_rng(0).standard_normal(shape)
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y = ours(a)
    theirs(b)  # materializes PyTorch's; then the same state in both
    eager = getattr(nn, name[4:])
    assert type(ours) is eager and not isinstance(ours, LazyModuleMixin)
    assert ours.weight is before and type(before) is nn.Parameter
    assert ours.weight.dtype == np.float64 and y.dtype == np.float64
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for key, value in ours.state_dict().items():
        assert value.shape == tuple(theirs.state_dict()[key].shape), key
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    y, ref = ours(a), theirs(b)
    np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-10, atol=1e-12)
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-9,
                               atol=1e-12)
    if "Norm" not in name:  # PyTorch 2.13's norm reprs show a bias= flag ours lack
        assert repr(ours) == repr(theirs)


def test_reprs_before_the_first_call_equal_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for name, args in [("LazyLinear", (3,)), ("LazyConv2d", (4, 3)),
                       ("LazyConvTranspose3d", (2, (1, 2, 3))), ("LazyConv1d", (4, 3))]:
        kwargs = {"groups": 2} if name == "LazyConv1d" else {}
        assert repr(getattr(nn, name)(*args, **kwargs)) == \
            repr(getattr(torch.nn, name)(*args, **kwargs))


def test_eval_mode_and_training_step_through_an_optimizer() -> None:
    model = nn.Sequential(nn.LazyConv2d(4, 3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(),
                          nn.Flatten(), nn.LazyLinear(2))
    model.eval()
    x = tg.randn(3, 2, 5, 5)
    model(x)  # the dry run
    assert [type(m).__name__ for m in model] == ["Conv2d", "BatchNorm2d", "ReLU", "Flatten",
                                                 "Linear"]
    assert not model[1].training and model[4].in_features == 100
    assert np.all(model[1].running_mean == 0)  # eval: no running update on the dry run
    model.train()
    opt = tg.optim.SGD(model.parameters(), lr=0.01)
    loss = model(x).pow(2).mean()
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    opt.step()
    assert model(x).pow(2).mean().item() < loss.item()


def test_loading_a_state_dict_materializes_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    for lazy, eager in [(nn.LazyLinear(2), nn.Linear(7, 2)),
                        (nn.LazyConv2d(4, 3, groups=2), nn.Conv2d(6, 4, 3, groups=2)),
                        (nn.LazyConvTranspose2d(4, 3), nn.ConvTranspose2d(5, 4, 3)),
                        (nn.LazyBatchNorm1d(), nn.BatchNorm1d(3))]:
        state = eager.state_dict()
        lazy.load_state_dict(state)
        assert type(lazy) is type(eager)
        for key, value in lazy.state_dict().items():
            np.testing.assert_array_equal(value, state[key])
    twin = torch.nn.LazyLinear(2)
    twin.load_state_dict({k: torch.tensor(v.numpy())
                          for k, v in nn.Linear(7, 2).state_dict().items()})
    assert twin.weight.shape == (2, 7)


def test_uninitialized_parameter() -> None:
    p = nn.UninitializedParameter(dtype=tg.float64)
    assert p.shape == (0,) and p.dtype == np.float64 and p.requires_grad
    p.materialize((2, 3))
    assert type(p) is nn.Parameter and p.shape == (2, 3) and p.dtype == np.float64


def test_unbatched_instance_norm_input_gives_its_channels() -> None:
    # PyTorch's LazyInstanceNorm1d reads shape[1] even of unbatched (C, L) input and then
    # refuses it; the channels of unbatched input are its first axis
    norm = nn.LazyInstanceNorm1d()
    y = norm(tg.randn(3, 5))
    assert norm.num_features == 3 and y.shape == (3, 5)
