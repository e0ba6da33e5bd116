"""nn.Module, Parameter and Sequential: registration, traversal, modes, state dicts, dtype."""

import copy

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn


class Block(nn.Module):
    """A parameter, an optional parameter left as None, two buffers and a child."""

    def __init__(self, features: int = 3) -> None:
        super().__init__()
        self.scale = nn.Parameter(np.arange(features, dtype=np.float32))
        self.register_parameter("shift", None)
        self.register_buffer("running", np.zeros(features, dtype=np.float32))
        self.register_buffer("count", np.array(0, dtype=np.int64))
        self.inner = nn.Linear(features, 2)
        self.note = "plain attribute"

    def forward(self, x: Tensor) -> Tensor:
        return self.inner(x * self.scale)


def make_model() -> nn.Sequential:
    return nn.Sequential(Block(), nn.ReLU(), nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)))


def test_parameter_wraps_arrays_and_tensors() -> None:
    array = np.ones((2, 3))
    p = nn.Parameter(array)
    assert p.requires_grad and p.dtype == np.float64 and p.numpy() is array
    t = Tensor(np.zeros(3, dtype=np.float32))
    q = nn.Parameter(t)
    assert q.requires_grad and q.numpy() is t.numpy()
    assert isinstance(q, Tensor) and "Parameter containing" in repr(q)
    with pytest.raises(tg.DTypeError):
        nn.Parameter(np.arange(3))


def test_named_parameters_use_dotted_names_in_registration_order() -> None:
    model = make_model()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["0.scale", "0.inner.weight", "0.inner.bias", "2.0.weight", "2.0.bias"]
    assert [id(p) for p in model.parameters()] == [id(p) for _, p in model.named_parameters()]
    assert [name for name, _ in model.named_buffers()] == ["0.running", "0.count"]
    own = [name for name, _ in model[0].named_parameters(recurse=False)]
    assert own == ["scale"]


def test_none_parameter_and_plain_attributes_are_not_registered() -> None:
    block = Block()
    assert block.shift is None
    assert "shift" not in dict(block.named_parameters())
    assert block.note == "plain attribute"
    assert "note" not in block.state_dict()


def test_assignment_replaces_registration_and_checks_types() -> None:
    block = Block()
    block.shift = nn.Parameter(np.zeros(3, dtype=np.float32))
    assert "shift" in dict(block.named_parameters())
    block.shift = None
    assert "shift" not in dict(block.named_parameters())
    block.running = np.ones(3, dtype=np.float32)
    assert block.state_dict()["running"].tolist() == [1, 1, 1]
    with pytest.raises(TypeError, match="parameter 'scale'"):
        block.scale = Tensor(np.zeros(3, dtype=np.float32))
    with pytest.raises(TypeError, match="buffer 'running'"):
        block.running = [0.0, 0.0, 0.0]
    with pytest.raises(TypeError, match="submodule 'inner'"):
        block.inner = 3
    del block.inner
    assert not hasattr(block, "inner")
    assert list(block.children()) == []


def test_assigning_before_super_init_is_a_clear_error() -> None:
    class Broken(nn.Module):
        def __init__(self) -> None:
            self.weight = nn.Parameter(np.zeros(2))

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Broken()


def test_shared_parameter_is_listed_once() -> None:
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3


def test_children_and_modules() -> None:
    model = make_model()
    assert [type(m).__name__ for m in model.children()] == ["Block", "ReLU", "Sequential"]
    assert [name for name, _ in model.named_modules()] == ["", "0", "0.inner", "1", "2", "2.0",
                                                          "2.1"]


def test_train_and_eval_propagate_to_every_submodule() -> None:
    model = make_model()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    model.train(False)
    assert not model[2][1].training


def test_zero_grad_clears_every_gradient() -> None:
    model = make_model()
    x = Tensor(np.ones((4, 3), dtype=np.float32))
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_holds_detached_tensors_sharing_memory_in_order_with_buffers() -> None:
    # PyTorch's state dict holds param.detach(): a write into it is a write into the model
    model = make_model()
    state = model.state_dict()
    assert list(state) == ["0.scale", "0.running", "0.count", "0.inner.weight", "0.inner.bias",
                           "2.0.weight", "2.0.bias"]
    assert all(type(v) is Tensor and not v.requires_grad for v in state.values())
    assert state["0.count"].dtype == np.int64 and state["0.count"].shape == ()
    state["0.scale"][...] = 42
    assert np.all(model[0].scale.data == 42)
    state["0.running"].fill_(5.0)
    assert np.all(np.asarray(model[0].running) == 5.0)


def test_load_state_dict_round_trip_copies_in_place() -> None:
    source, target = make_model(), make_model()
    source[0].running[...] = [1, 2, 3]
    source[0].count[...] = 7
    weight = target[0].inner.weight
    weight_array, running_array = weight.numpy(), target[0].running
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    for (name, a), b in zip(source.state_dict().items(), target.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=name)
    # same objects: an optimizer holding the Parameter sees the loaded values
    assert target[0].inner.weight is weight and weight.numpy() is weight_array
    assert target[0].running is running_array and int(target[0].count) == 7


def test_load_state_dict_names_missing_unexpected_and_mismatched_keys() -> None:
    model = make_model()
    state = model.state_dict()
    del state["0.inner.bias"]
    state["extra.weight"] = np.zeros(2)
    state["2.0.weight"] = np.zeros((3, 2), dtype=np.float32)
    before = copy.deepcopy(model.state_dict())  # a snapshot (the tensors share memory)
    with pytest.raises(tg.DataError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert message.startswith("Error(s) in loading state_dict for Sequential:\n\t")
    assert 'Missing key(s) in state_dict: "0.inner.bias"' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in message
    assert ("size mismatch for 2.0.weight: copying a param with shape (3, 2) from checkpoint, "
            "the shape in current model is (2, 2)") in message
    # nothing was copied
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_load_state_dict_non_strict_reports_keys_but_still_rejects_shapes() -> None:
    model = make_model()
    state = model.state_dict()
    del state["0.scale"]
    state["bogus"] = np.zeros(1)
    state["0.running"] = np.full(3, 5.0, dtype=np.float32)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["0.scale"] and result.unexpected_keys == ["bogus"]
    assert model[0].running.tolist() == [5, 5, 5]
    state["0.running"] = np.zeros(4, dtype=np.float32)
    with pytest.raises(tg.DataError, match="0.running"):
        model.load_state_dict(state, strict=False)


def test_load_state_dict_rejects_non_arrays_and_unsafe_casts() -> None:
    model = make_model()
    state = model.state_dict()
    state["0.scale"] = [0.0, 1.0, 2.0]
    with pytest.raises(tg.DataError, match='named "0.scale", expected a Tensor or an ndarray '
                                           'from checkpoint but received list'):
        model.load_state_dict(state)
    state = model.state_dict()
    state["0.count"] = np.array(1.5)
    with pytest.raises(tg.DataError, match='"0.count": dtype float64 cannot be stored in int64'):
        model.load_state_dict(state)


def test_to_converts_floats_in_place_and_keeps_integer_buffers() -> None:
    model = make_model()
    params = list(model.parameters())
    model(Tensor(np.ones((2, 3), dtype=np.float32))).sum().backward()
    assert model.to(np.float64) is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    assert all(p.dtype == np.float64 and p.grad.dtype == np.float64 for p in params)
    assert model[0].running.dtype == np.float64
    assert model[0].count.dtype == np.int64
    out = model(Tensor(np.ones((2, 3))))
    assert out.dtype == np.float64
    with pytest.raises(tg.DTypeError):
        model.to(np.int32)


def test_repr_is_nested_like_pytorch() -> None:
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Sequential(nn.Dropout(0.25)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.25, inplace=False)\n"
        "  )\n"
        ")")


def test_sequential_indexing_length_and_forward() -> None:
    a, b, c = nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)
    model = nn.Sequential(a, b, c)
    assert len(model) == 3 and model[0] is a and model[-1] is c and list(model) == [a, b, c]
    sub = model[1:]
    assert isinstance(sub, nn.Sequential) and list(sub) == [b, c]
    x = Tensor(np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32))
    np.testing.assert_allclose(model(x).data, c(b(a(x))).data)
    with pytest.raises(tg.IndexOutOfRange):
        model[3]
    with pytest.raises(TypeError, match="argument 1"):
        nn.Sequential(a, "relu")


def test_forward_must_be_defined() -> None:
    with pytest.raises(NotImplementedError, match="Module"):
        nn.Module()(1)


def test_apply_visits_children_before_parent() -> None:
    model = make_model()
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    assert visited[-1] == "Sequential" and visited.index("Linear") < visited.index("Block")


def test_deepcopy_gives_an_independent_module() -> None:
    model = make_model()
    clone = copy.deepcopy(model)
    clone[0].scale.data[...] = -1
    assert not np.any(model[0].scale.data == -1)
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in model.named_parameters()]
