"""Module's members by dotted path (get_submodule, get_parameter, get_buffer, set_submodule),
its state dict as PyTorch's (an OrderedDict with `_metadata` versions, prefix, keep_vars,
assign, extra state), loading batch-norm state dicts saved without `num_batches_tracked`,
and Embedding's max_norm renormalisation counted as an in-place write."""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn
from tinygrad_bn.errors import (
    ArgumentError,
    ArgumentTypeError,
    BackwardError,
    PathLookupError,
    StateDictError,
    TinygradError,
)


def _model(lib):
    """The same small model in either library: a block with a batch norm inside."""
    return lib.nn.Sequential(OrderedDict([
        ("stem", lib.nn.Linear(4, 3)),
        ("block", lib.nn.Sequential(lib.nn.BatchNorm1d(3), lib.nn.ReLU())),
        ("head", lib.nn.Linear(3, 2)),
    ]))


def test_path_lookups_return_the_members_pytorch_returns() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _model(tg), _model(torch)
    for path in ("", "stem", "block", "block.0", "block.1"):
        assert type(ours.get_submodule(path)).__name__ == type(theirs.get_submodule(path)).__name__
    assert ours.get_submodule("") is ours
    assert ours.get_submodule("block.0") is ours.block[0]
    assert ours.get_parameter("head.bias") is ours.head.bias
    assert ours.get_parameter("block.0.weight").shape == tuple(
        theirs.get_parameter("block.0.weight").shape)
    assert ours.get_buffer("block.0.running_var") is ours.block[0].running_var
    assert int(ours.get_buffer("block.0.num_batches_tracked")) == 0


@pytest.mark.parametrize("call, fragments", [
    (lambda m: m.get_submodule("block.7"), ["block.7", "submodule '7'"]),
    (lambda m: m.get_submodule("stem.weight"), ["'weight' is a parameter"]),
    (lambda m: m.get_parameter("block.0.running_mean"), ["no parameter", "is a buffer"]),
    (lambda m: m.get_parameter("nothing.weight"), ["no submodule 'nothing'"]),
    (lambda m: m.get_buffer("stem.weight"), ["no buffer 'weight'", "is a parameter"]),
    (lambda m: m.get_buffer("block"), ["no buffer 'block'"]),
    (lambda m: m.set_submodule("stem.weight", nn.ReLU()), ["'weight' is a parameter"]),
    (lambda m: m.set_submodule("block.tail", nn.ReLU(), strict=True), ["strict=True"]),
    (lambda m: m.set_submodule("gone.head", nn.ReLU()), ["no submodule 'gone'"]),
])
def test_a_bad_path_raises_an_attribute_error_naming_it(call, fragments) -> None:
    torch = pytest.importorskip("torch")
    ours = _model(tg)
    with pytest.raises(PathLookupError) as caught:
        call(ours)
    assert isinstance(caught.value, TinygradError) and isinstance(caught.value, AttributeError)
    for fragment in fragments:
        assert fragment in str(caught.value)
    # PyTorch refuses the same paths with an AttributeError (its module stands in for ours)
    torch_nn = torch.nn
    with pytest.raises(AttributeError):
        call(_TorchProxy(_model(torch), torch_nn))


class _TorchProxy:
    """Hands our nn.ReLU() in a lambda over to PyTorch as torch.nn.ReLU()."""

    def __init__(self, module, torch_nn) -> None:
        self.module, self.torch_nn = module, torch_nn

    def __getattr__(self, name):
        method = getattr(self.module, name)

        def call(target, *args, **kwargs):
            args = tuple(self.torch_nn.ReLU() if isinstance(a, nn.Module) else a for a in args)
            return method(target, *args, **kwargs)
        return call


def test_set_submodule_replaces_and_adds_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _model(tg), _model(torch)
    for lib, model in ((tg, ours), (torch, theirs)):
        model.set_submodule("block.1", lib.nn.Tanh(), strict=True)
        model.set_submodule("block.extra", lib.nn.Linear(3, 3))
        model.set_submodule("head", lib.nn.Linear(3, 5))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert isinstance(ours.block[1], nn.Tanh)
    assert ours(tg.randn(2, 4)).shape == (2, 5)
    with pytest.raises(ArgumentError, match="empty"):
        ours.set_submodule("", nn.ReLU())
    with pytest.raises(ArgumentError, match="Module instance"):  # ValueError, as PyTorch
        ours.set_submodule("head", nn.ReLU)
    with pytest.raises(ArgumentTypeError, match="dotted path"):
        ours.get_submodule(0)


def test_state_dict_is_an_ordered_dict_with_pytorch_metadata_prefix_and_keep_vars() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _model(tg), _model(torch)
    mine, reference = ours.state_dict(), theirs.state_dict()
    assert isinstance(mine, OrderedDict) and list(mine) == list(reference)
    assert mine._metadata == reference._metadata  # batch norm at version 2, the rest at 1
    mine, reference = ours.state_dict(prefix="net."), theirs.state_dict(prefix="net.")
    assert list(mine) == list(reference) and mine._metadata == reference._metadata
    kept = ours.state_dict(keep_vars=True)
    assert kept["stem.weight"] is ours.stem.weight
    # as PyTorch's param.detach(): a plain Tensor over the parameter's memory, no gradient
    detached, reference = ours.state_dict()["stem.weight"], theirs.state_dict()["stem.weight"]
    assert type(detached) is tg.Tensor and type(reference) is torch.Tensor
    assert np.shares_memory(detached._data, ours.stem.weight._data)
    assert reference.data_ptr() == theirs.stem.weight.data_ptr()
    assert detached.requires_grad is reference.requires_grad is False
    into: dict = {}
    assert ours.state_dict(destination=into) is into
    assert list(into) == list(theirs.state_dict())


def test_batch_norm_without_num_batches_tracked_loads_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    ours.num_batches_tracked[...] = 5
    theirs.num_batches_tracked += 5
    values = {"weight": np.arange(3.0), "bias": np.ones(3), "running_mean": np.full(3, 0.5),
              "running_var": np.full(3, 2.0)}
    # a plain dict carries no version: the counter is kept and not reported missing
    assert ours.load_state_dict(values) == ([], [])
    result = theirs.load_state_dict({k: torch.tensor(v) for k, v in values.items()})
    assert (list(result.missing_keys), list(result.unexpected_keys)) == ([], [])
    assert int(ours.num_batches_tracked) == int(theirs.num_batches_tracked) == 5
    np.testing.assert_array_equal(ours.running_var._data if isinstance(ours.running_var, tg.Tensor)
                                  else ours.running_var, theirs.running_var.numpy())
    # a version-2 state dict (our own, PyTorch's) lacking the key is missing it
    for model in (ours, theirs):
        state = model.state_dict()
        del state["num_batches_tracked"]
        assert list(model.load_state_dict(state, strict=False).missing_keys) == [
            "num_batches_tracked"]
        with pytest.raises(RuntimeError, match="num_batches_tracked"):
            model.load_state_dict(state)
        state._metadata[""]["version"] = 1  # PyTorch's own test of an old state dict
        assert list(model.load_state_dict(state).missing_keys) == []


def test_old_state_dicts_load_into_nested_norm_layers_that_track_statistics() -> None:
    model = nn.Sequential(nn.Linear(3, 3), nn.InstanceNorm1d(3, track_running_stats=True),
                          nn.BatchNorm1d(3, track_running_stats=False))
    state = {k: v for k, v in model.state_dict().items() if "num_batches" not in k}
    assert model.load_state_dict(state) == ([], [])
    # a layer without running statistics has no counter to fill: nothing is invented
    assert "2.num_batches_tracked" not in model.state_dict()
    with pytest.raises(StateDictError, match=r'Missing key\(s\) in state_dict: "0.bias"'):
        model.load_state_dict({k: v for k, v in state.items() if k != "0.bias"})


def test_load_state_dict_assign_puts_the_arrays_in_place_keeping_requires_grad() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    ours[0].bias.requires_grad_(False)
    state = {k: np.asarray(v, np.float64) if v.dtype.kind == "f" else v
             for k, v in ours.state_dict().items()}
    before = ours[0].weight
    ours.load_state_dict(state, assign=True)
    weight = ours[0].weight
    assert weight is not before and isinstance(weight, nn.Parameter)
    assert weight.dtype == np.float64 and weight.requires_grad  # the state's dtype, as PyTorch
    assert not ours[0].bias.requires_grad
    assert np.shares_memory(weight._data, state["0.weight"])
    theirs = torch.nn.Linear(2, 2)
    theirs.load_state_dict({k: torch.tensor(v, dtype=torch.float64) for k, v in
                            theirs.state_dict().items()}, assign=True)
    assert theirs.weight.dtype == torch.float64 and theirs.weight.requires_grad
    # without assign the Parameter objects stay (optimizers keep them) and keep their dtype
    ours = nn.Linear(2, 2)
    before = ours.weight
    ours.load_state_dict({k: np.asarray(v, np.float64) for k, v in ours.state_dict().items()})
    assert ours.weight is before and ours.weight.dtype == np.float32


def test_pytorch_tensors_load_directly() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _model(tg), _model(torch)
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


class _Counter(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 2)
        self.calls = 0

    def get_extra_state(self):
        return {"calls": self.calls}

    def set_extra_state(self, state) -> None:
        self.calls = state["calls"]


def test_extra_state_is_saved_and_restored_as_pytorch() -> None:
    torch = pytest.importorskip("torch")

    class TorchCounter(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.linear = torch.nn.Linear(2, 2)

        def get_extra_state(self):
            return {"calls": 0}

        def set_extra_state(self, state) -> None:
            pass

    model = nn.Sequential(_Counter(), nn.ReLU())
    reference = torch.nn.Sequential(TorchCounter(), torch.nn.ReLU())
    assert list(model.state_dict()) == list(reference.state_dict())
    model[0].calls = 7
    state = model.state_dict()
    assert state["0._extra_state"] == {"calls": 7}
    model[0].calls = 0
    model.load_state_dict(state)
    assert model[0].calls == 7
    del state["0._extra_state"]
    with pytest.raises(StateDictError, match="0._extra_state"):
        model.load_state_dict(state)
    with pytest.raises(RuntimeError):
        nn.Linear(1, 1).get_extra_state()


def test_embedding_max_norm_renormalisation_moves_the_weight_version() -> None:
    torch = pytest.importorskip("torch")
    for lib in (tg, torch):
        table = lib.nn.Embedding(5, 3, max_norm=0.5)
        version = table.weight._version
        table(lib.tensor([1, 2]))
        assert table.weight._version == version + 1
        roomy = lib.nn.Embedding(5, 3, max_norm=1e6)  # no row changes: still one write
        version = roomy.weight._version
        roomy(lib.tensor([0]))
        assert roomy.weight._version == version + 1
    table = nn.Embedding(5, 3, max_norm=0.5)
    saved = (table.weight * table.weight).sum()  # Mul saved the weight before the rescale
    table(tg.tensor([3]))
    with pytest.raises(BackwardError, match="modified by an inplace operation"):
        saved.backward()


def test_a_module_reached_twice_is_in_the_state_dict_under_each_path_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    shared, their_shared = nn.Linear(1, 1), torch.nn.Linear(1, 1)
    ours, theirs = nn.Sequential(shared, shared), torch.nn.Sequential(their_shared, their_shared)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "0.weight", "0.bias", "1.weight", "1.bias"]
    assert [n for n, _ in ours.named_parameters()] == ["0.weight", "0.bias"]
    for remove in (True, False):
        assert ([n for n, _ in ours.named_parameters(remove_duplicate=remove)]
                == [n for n, _ in theirs.named_parameters(remove_duplicate=remove)])
        assert ([n for n, _ in ours.named_modules(remove_duplicate=remove)]
                == [n for n, _ in theirs.named_modules(remove_duplicate=remove)])
    assert [n for n, _ in ours.named_parameters(prefix="m")] == ["m.0.weight", "m.0.bias"]
    state = {"0.weight": np.ones((1, 1)), "0.bias": np.ones(1), "1.weight": np.zeros((1, 1)),
             "1.bias": np.ones(1)}
    ours.load_state_dict(state)
    theirs.load_state_dict({k: torch.tensor(v, dtype=torch.float32) for k, v in state.items()})
    assert float(shared.weight) == float(their_shared.weight) == 0.0  # the last path wins
    cycle = nn.Sequential(nn.Linear(1, 1))
    cycle.add_module("again", cycle)  # a module inside itself: no endless walk
    assert list(cycle.state_dict()) == ["0.weight", "0.bias"]
