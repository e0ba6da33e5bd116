"""A Module's state dict holds Tensors, as PyTorch's: detached tensors sharing the
parameters' and buffers' memory (and version counters), `keep_vars=True` the live ones,
`load_state_dict` returning PyTorch's `_IncompatibleKeys`, and `save`/`load` giving back
Tensors for Tensors and ndarrays for ndarrays. Each idiom of a PyTorch script is run on
both libraries and must give the same answers."""

from __future__ import annotations

import copy
import io
import re
import zipfile

import numpy as np
import pytest

import tinygrad_bn as tg

torch = pytest.importorskip("torch")


def _conv_net(lib):
    return lib.nn.Sequential(lib.nn.Conv2d(2, 3, 3), lib.nn.BatchNorm2d(3), lib.nn.ReLU(),
                             lib.nn.Flatten(), lib.nn.Linear(12, 2))


def _lstm(lib):
    return lib.nn.LSTM(4, 5, num_layers=2)


BUILDERS = {"conv+bn+linear": _conv_net, "lstm": _lstm}


def _twins(name):
    """The model in both libraries with PyTorch's values (loaded here as ndarrays)."""
    torch.manual_seed(0)
    theirs = BUILDERS[name](torch)
    if name == "conv+bn+linear":
        theirs(torch.randn(2, 2, 4, 4))  # a training forward: BN's statistics move
    ours = BUILDERS[name](tg)
    result = ours.load_state_dict({k: v.detach().numpy() for k, v in
                                   theirs.state_dict().items()})
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    return ours, theirs


def _lib(model):
    return torch if isinstance(model, torch.nn.Module) else tg


def _numpy(value):
    return value.detach().numpy() if isinstance(value, torch.Tensor) else value.numpy()


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_keys_types_shapes_dtypes_and_values_equal_pytorch(name) -> None:
    ours, theirs = _twins(name)
    mine, reference = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(reference)
    for key, value in reference.items():
        got = mine[key]
        assert type(got) is tg.Tensor and type(value) is torch.Tensor, key
        assert got.requires_grad is value.requires_grad is False, key
        assert tuple(got.size()) == tuple(value.size()) and got.numel() == value.numel(), key
        assert str(got.dtype) == str(value.dtype).removeprefix("torch."), key
        np.testing.assert_array_equal(got.cpu().numpy(), value.cpu().numpy(), err_msg=key)
    kept_ours, kept_theirs = ours.state_dict(keep_vars=True), theirs.state_dict(keep_vars=True)
    for model, kept in ((ours, kept_ours), (theirs, kept_theirs)):
        for key, param in model.named_parameters():
            assert kept[key] is param, key  # keep_vars: the Parameters themselves
        for key, buffer in model.named_buffers():
            assert kept[key] is buffer, key


def _idioms(model):
    """What PyTorch scripts do with a state dict, answered as plain Python values."""
    lib, out = _lib(model), {}
    sd = model.state_dict()
    first = next(iter(sd))
    param = dict(model.named_parameters())[first]
    out["equal to the parameter"] = bool(lib.equal(sd[first], param.detach()))
    out["allclose"] = bool(lib.allclose(sd[first], param.detach()))
    # deepcopy and clone: snapshots that a later write to the model does not change
    deep = copy.deepcopy(sd)
    cloned = {k: v.clone() for k, v in sd.items()}
    before = _numpy(sd[first]).copy()
    version = param._version
    with lib.no_grad():
        sd[first].copy_(lib.zeros_like(sd[first]))  # through the state dict into the model
    out["copy_ reaches the model"] = bool((_numpy(param) == 0).all())
    out["copy_ counts as a write of the parameter"] = param._version - version
    out["deepcopy kept the old values"] = bool(np.array_equal(_numpy(deep[first]), before))
    out["clone kept the old values"] = bool(np.array_equal(_numpy(cloned[first]), before))
    out["clone types"] = sorted({type(v).__name__ for v in cloned.values()})
    # load the snapshot back: the model's values return, the objects stay
    result = model.load_state_dict(deep)
    out["load result"] = (list(result.missing_keys), list(result.unexpected_keys))
    out["load result printed"] = str(result)
    out["loaded values back"] = bool(np.array_equal(_numpy(param), before))
    out["the parameter object stays"] = dict(model.named_parameters())[first] is param
    partial = {k: v for k, v in cloned.items() if k != first}
    partial["extra"] = cloned[first]
    result = model.load_state_dict(partial, strict=False)
    out["strict=False"] = (type(result).__name__, list(result.missing_keys),
                           list(result.unexpected_keys), tuple(result) == (result[0], result[1]))
    out["strict=False printed"] = repr(result)
    return out


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_pytorch_state_dict_idioms_give_the_same_answers(name) -> None:
    ours, theirs = _twins(name)
    assert _idioms(ours) == _idioms(theirs)


def _save_load(model, tmp_path):
    lib, out = _lib(model), {}
    path = tmp_path / f"{lib.__name__}.ckpt"
    lib.save({"model": model.state_dict(), "epoch": 3, "plain": model.state_dict()}, path)
    loaded = lib.load(path, map_location="cpu", weights_only=True)
    out["nested types"] = sorted({type(v).__name__ for v in loaded["model"].values()})
    out["epoch"] = loaded["epoch"]
    lib.save(model.state_dict(), path)  # a flat state dict
    flat = lib.load(path)
    out["flat types"] = sorted({type(v).__name__ for v in flat.values()})
    out["flat keys"] = list(flat)
    out["requires_grad"] = sorted({v.requires_grad for v in flat.values()})
    out["values"] = {k: _numpy(v).tolist() for k, v in flat.items()}
    out["load"] = str(model.load_state_dict(flat))
    return out


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_save_load_round_trip_gives_tensors_as_pytorch(name, tmp_path) -> None:
    ours, theirs = _twins(name)
    assert _save_load(ours, tmp_path) == _save_load(theirs, tmp_path)


def test_a_batch_norm_buffer_is_shared_through_the_state_dict_as_pytorch() -> None:
    for lib in (torch, tg):
        bn = lib.nn.BatchNorm1d(3)
        sd = bn.state_dict()
        bn(lib.ones(4, 3) * lib.arange(4.0).reshape(4, 1))  # a training forward: new stats
        # the state dict sees the running statistics the forward wrote (shared memory)
        np.testing.assert_allclose(_numpy(sd["running_mean"]), [0.15, 0.15, 0.15], rtol=1e-6)
        assert int(sd["num_batches_tracked"]) == 1
        sd["running_var"].fill_(4.0)
        np.testing.assert_array_equal(_numpy(bn.running_var) if lib is torch
                                      else np.asarray(bn.running_var), [4.0, 4.0, 4.0])


def test_saved_tensors_and_arrays_come_back_as_they_went() -> None:
    state = {"w": tg.ones(2, 2), "g": tg.ones(3, requires_grad=True),
             "n": np.arange(3, dtype=np.int16), "step": tg.tensor(5.0)}
    for obj in (state, {"model": state, "epoch": 1, "scalar": np.float32(2.5)}):
        buffer = io.BytesIO()
        tg.save(obj, buffer)
        buffer.seek(0)
        loaded = tg.load(buffer)
        flat = loaded if obj is state else loaded["model"]
        assert [type(v) for v in flat.values()] == [tg.Tensor, tg.Tensor, np.ndarray, tg.Tensor]
        assert [getattr(v, "requires_grad", None) for v in flat.values()] == [
            False, True, None, False]
        for key, value in state.items():
            assert flat[key].dtype == value.dtype and flat[key].shape == value.shape
            np.testing.assert_array_equal(np.asarray(flat[key]), np.asarray(value))
        if obj is not state:
            assert type(loaded["scalar"]) is np.float32 and loaded["scalar"] == 2.5


def test_archives_without_tensor_marks_load_as_before() -> None:
    # what np.savez writes, and what earlier versions wrote for a state dict: ndarrays
    model = tg.nn.Linear(3, 2)
    buffer = io.BytesIO()
    np.savez(buffer, **{k: v.numpy() for k, v in model.state_dict().items()})
    buffer.seek(0)
    loaded = tg.load(buffer)
    assert [type(v) for v in loaded.values()] == [np.ndarray, np.ndarray]
    fresh = tg.nn.Linear(3, 2)
    assert str(fresh.load_state_dict(loaded)) == "<All keys matched successfully>"
    np.testing.assert_array_equal(fresh.weight.numpy(), model.weight.numpy())
    # a flat archive of Tensors stays a plain .npz: np.load reads the same members
    buffer = io.BytesIO()
    tg.save(model.state_dict(), buffer)
    buffer.seek(0)
    with np.load(buffer) as archive:
        assert sorted(archive.files) == ["bias", "weight"]
        np.testing.assert_array_equal(archive["weight"], model.weight.numpy())
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as archive:  # the mark is a member comment
        assert {info.comment for info in archive.infolist()} == {b"tinygrad_bn:tensor"}


def test_load_state_dict_takes_tensors_arrays_and_pytorch_tensors_and_refuses_the_rest() -> None:
    model = tg.nn.Linear(2, 2)
    weight = model.weight
    for value in (tg.full((2, 2), 1.0), np.full((2, 2), 2.0, np.float32),
                  torch.full((2, 2), 3.0), tg.full((2, 2), 4.0, requires_grad=True)):
        result = model.load_state_dict({"weight": value}, strict=False)
        assert result.missing_keys == ["bias"] and model.weight is weight
        assert float(np.asarray(value.detach() if hasattr(value, "detach") else value)[0, 0]) \
            == float(weight[0, 0])
    with pytest.raises(tg.StateDictError, match='"weight", expected a Tensor or an ndarray '
                                                'from checkpoint but received list'):
        model.load_state_dict({"weight": [[0.0, 0.0], [0.0, 0.0]], "bias": tg.zeros(2)})
    with pytest.raises(tg.StateDictError, match=r"size mismatch for weight: copying a param "
                                                r"with shape \(3,\) from checkpoint"):
        model.load_state_dict({"weight": tg.zeros(3), "bias": tg.zeros(2)})
    with pytest.raises(tg.StateDictError, match='"bias": dtype float64 cannot be stored in '
                                                'int64'):
        model.bias.data = np.zeros(2, np.int64)
        model.load_state_dict({"weight": tg.zeros(2, 2), "bias": tg.zeros(2, dtype=np.float64)})


def test_the_incompatible_keys_type_is_pytorchs() -> None:
    from torch.nn.modules.module import _IncompatibleKeys as Theirs

    from tinygrad_bn.nn.modules.module import _IncompatibleKeys
    for keys in (([], []), (["a"], []), ([], ["b", "c"])):
        assert repr(_IncompatibleKeys(*keys)) == repr(Theirs(*keys))
        assert str(_IncompatibleKeys(*keys)) == str(Theirs(*keys))
        assert _IncompatibleKeys(*keys) == keys and Theirs(*keys) == keys
        assert _IncompatibleKeys(*keys)._fields == Theirs(*keys)._fields


def test_saving_a_whole_model_is_refused_with_the_state_dict_way() -> None:
    model = tg.nn.Linear(2, 2)
    for obj, where in ((model, "checkpoint"), ({"model": model}, "checkpoint['model']")):
        with pytest.raises(tg.DataError, match=rf"save: {re.escape(where)} is a Linear; .*never "
                                                r"pickle\); save its \.state_dict\(\) instead"):
            tg.save(obj, io.BytesIO())
