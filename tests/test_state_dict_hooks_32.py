"""Module state-dict hooks, PyTorch's: register_state_dict_pre_hook / post_hook,
_register_state_dict_hook, register_load_state_dict_pre_hook (and the private spelling),
register_load_state_dict_post_hook: the same calls, in the same order, with the same
arguments as PyTorch's on the same model; their effects (renamed keys, cleared missing
keys, replaced state dicts) and refusals."""

from __future__ import annotations

import numpy as np
import pytest

from tinygrad_bn import nn
from tinygrad_bn.errors import StateDictError, TinygradError


def _model(lib):
    inner = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.ReLU())
    return lib.nn.Sequential(inner, lib.nn.Linear(3, 1))


def _record(lib, model, calls):
    """Every hook kind on every module, appending what it saw to `calls`."""
    names = {id(m): n for n, m in model.named_modules()}
    for module in model.modules():
        name = names[id(module)]
        module.register_state_dict_pre_hook(
            lambda m, prefix, keep_vars, name=name: calls.append(("pre", name, prefix,
                                                                  keep_vars)))
        module.register_state_dict_post_hook(
            lambda m, sd, prefix, meta, name=name: calls.append(
                ("post", name, prefix, sorted(sd), meta.get("version"))))
        module.register_load_state_dict_pre_hook(
            lambda m, sd, prefix, meta, strict, missing, unexpected, errors, name=name:
            calls.append(("load_pre", name, prefix, strict)))
        module.register_load_state_dict_post_hook(
            lambda m, keys, name=name: calls.append(("load_post", name, sorted(keys.missing_keys),
                                                     sorted(keys.unexpected_keys))))


def test_hooks_are_called_as_pytorch_calls_them() -> None:
    torch = pytest.importorskip("torch")
    seen = []
    for lib in (torch, __import__("tinygrad_bn")):
        model, calls = _model(lib), []
        _record(lib, model, calls)
        state = model.state_dict(prefix="top.")
        calls.append(("keys", sorted(state)))
        state = model.state_dict(keep_vars=True)
        plain = {k: np.asarray(v.detach().numpy() if hasattr(v, "detach") else v)
                 for k, v in state.items() if k != "1.bias"}
        plain["extra"] = np.zeros(1)
        if lib is torch:
            plain = {k: torch.tensor(v) for k, v in plain.items()}
        result = model.load_state_dict(plain, strict=False)
        calls.append(("result", sorted(result.missing_keys), sorted(result.unexpected_keys)))
        seen.append(calls)
    theirs, ours = seen
    for kind in ("pre", "post", "keys", "load_pre", "result"):
        assert [c for c in ours if c[0] == kind] == [c for c in theirs if c[0] == kind]
    # load post-hooks: the same modules in the same order (each after its descendants);
    # ours all see the complete key lists, PyTorch's the keys found so far in its walk:
    # the root's, the last, sees the same
    ours_post, theirs_post = ([c for c in calls if c[0] == "load_post"] for calls in seen[::-1])
    assert [c[1] for c in ours_post] == [c[1] for c in theirs_post]
    assert ours_post[-1] == theirs_post[-1]


def test_load_pre_hook_renames_keys_and_post_hook_clears_missing() -> None:
    model = _model(__import__("tinygrad_bn"))
    old = {k.replace("0.0.", "old."): v for k, v in model.state_dict().items()}

    def rename(module, state, prefix, meta, strict, missing, unexpected, errors):
        for key in [k for k in state if k.startswith(prefix + "old.")]:
            state[key.replace("old.", "0.0.")] = state.pop(key)
    handle = model.register_load_state_dict_pre_hook(rename)
    model.load_state_dict(old)  # strict: passes only because the hook renamed
    handle.remove()
    with pytest.raises(StateDictError, match=r"Missing key\(s\)"):
        model.load_state_dict(old)

    partial = {k: v * 0 for k, v in model.state_dict().items() if k != "1.bias"}
    with pytest.raises(StateDictError, match=r'Missing key\(s\) in state_dict: "1.bias"'):
        model.load_state_dict(partial)
    assert (model.state_dict()["1.weight"] != 0).any()  # no post-hook: nothing loaded

    def forgive(module, keys):
        keys.missing_keys.remove("1.bias")
    model.register_load_state_dict_post_hook(forgive)
    assert model.load_state_dict(partial) == ([], [])
    assert (model.state_dict()["1.weight"] == 0).all()


def test_state_dict_hook_results() -> None:
    torch = pytest.importorskip("torch")
    for lib in (torch, __import__("tinygrad_bn")):
        model = _model(lib)
        model._register_state_dict_hook(lambda m, sd, prefix, meta: {"only": 1})
        assert model.state_dict() == {"only": 1}
        model[1]._register_state_dict_hook(lambda m, sd, prefix, meta: {"ignored": 1})
        seen = []
        model[1].register_state_dict_post_hook(lambda m, sd, prefix, meta, seen=seen:
                                               seen.append(sd))
        assert model.state_dict() == {"only": 1}
        assert seen == [{"ignored": 1}]  # the module's later hooks see its hook's dict
        model[0].register_state_dict_post_hook(lambda m, sd, prefix, meta: 5)
        with pytest.raises(RuntimeError, match="must return None"):
            model.state_dict()
        errors = _model(lib)
        errors._register_load_state_dict_pre_hook(
            lambda sd, prefix, meta, strict, missing, unexpected, msgs: msgs.append("bad file"))
        with pytest.raises(RuntimeError, match="bad file"):
            errors.load_state_dict(errors.state_dict())


def test_removed_hooks_and_bad_hooks() -> None:
    layer, calls = nn.Linear(2, 2), []
    handle = layer.register_state_dict_pre_hook(lambda *args: calls.append(args))
    layer.state_dict()
    handle.remove()
    layer.state_dict()
    assert len(calls) == 1
    with pytest.raises(TinygradError, match="register_load_state_dict_post_hook.*callable"):
        layer.register_load_state_dict_post_hook(3)
