"""An optimizer's state dict as PyTorch 2.13 lays it out: the per-parameter buffers as
Tensors (the optimizer's own, sharing memory), the step counts as 0-d Tensors of the
scalar dtype, param_groups as before; load_state_dict takes that layout, the one of
earlier versions (ndarrays, Python ints) and a PyTorch optimizer's own. Each idiom runs
on both libraries."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import tinygrad_bn as tg

torch = pytest.importorskip("torch")

OPTIMIZERS = {
    "SGD": {"lr": 0.1, "momentum": 0.9},
    "Adam": {"lr": 0.01},
    "AdamW": {"lr": 0.01, "amsgrad": True},
    "RMSprop": {"lr": 0.01, "momentum": 0.5, "centered": True},
    "NAdam": {"lr": 0.01},
    "ASGD": {"lr": 0.01},
    "Adagrad": {"lr": 0.1},
}
X = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
Y = np.random.default_rng(1).normal(size=(5, 2)).astype(np.float32)


def _setup(lib, name):
    """A Linear layer (PyTorch's initial values in both) and its optimizer."""
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    if lib is tg:
        values = {k: v.detach().numpy() for k, v in model.state_dict().items()}
        model = tg.nn.Linear(3, 2)
        model.load_state_dict(values)
    return model, getattr(lib.optim, name)(model.parameters(), **OPTIMIZERS[name])


def _steps(lib, model, opt, n):
    x, y = lib.tensor(X), lib.tensor(Y)
    for _ in range(n):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        opt.step()


def _numpy(value):
    return value.detach().numpy() if isinstance(value, torch.Tensor) else value.numpy()


def _layout(sd):
    """Types, shapes and dtypes of a state dict's per-parameter state."""
    return {i: {k: (type(v).__name__, tuple(v.shape), str(v.dtype).removeprefix("torch."))
                for k, v in entry.items()} for i, entry in sd["state"].items()}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_state_dict_layout_and_values_equal_pytorch(name) -> None:
    (tm, topt), (om, oopt) = _setup(torch, name), _setup(tg, name)
    _steps(torch, tm, topt, 3)
    _steps(tg, om, oopt, 3)
    theirs, ours = topt.state_dict(), oopt.state_dict()
    assert _layout(ours) == _layout(theirs)
    for i, entry in theirs["state"].items():
        for key, value in entry.items():
            np.testing.assert_allclose(_numpy(ours["state"][i][key]), _numpy(value),
                                       rtol=1e-5, atol=1e-7, err_msg=f"{name} {i} {key}")
            assert ours["state"][i][key].requires_grad is value.requires_grad is False
    assert ours["param_groups"] == theirs["param_groups"]


def _idioms(lib, name, tmp_path):
    out = {}
    model, opt = _setup(lib, name)
    _steps(lib, model, opt, 2)
    sd = opt.state_dict()
    snapshot = copy.deepcopy(sd)
    _steps(lib, model, opt, 1)
    buffers = [k for k, v in sd["state"][0].items() if v.ndim]
    # the state dict holds the optimizer's own buffers: the step changed them, not the copy
    out["shared"] = all(np.array_equal(_numpy(sd["state"][0][k]),
                                       _numpy(opt.state_dict()["state"][0][k])) for k in buffers)
    out["snapshot kept"] = all(not np.array_equal(_numpy(snapshot["state"][0][k]),
                                                  _numpy(sd["state"][0][k])) for k in buffers)
    path = tmp_path / f"{lib.__name__}.ckpt"
    lib.save({"optimizer": opt.state_dict(), "epoch": 3}, path)
    loaded = lib.load(path)["optimizer"]
    out["loaded types"] = {i: {k: v[:2] for k, v in entry.items()}  # dtypes: the test above
                           for i, entry in _layout(loaded).items()}
    out["loaded step"] = float(loaded["state"][0]["step"]) if "step" in loaded["state"][0] \
        else None
    # resume from the file: the same parameters as going on without stopping
    twin_model, twin = _setup(lib, name)
    twin_model.load_state_dict(model.state_dict())
    twin.load_state_dict(loaded)
    _steps(lib, model, opt, 2)
    _steps(lib, twin_model, twin, 2)
    out["resumed equals uninterrupted"] = all(
        np.array_equal(_numpy(a), _numpy(b)) for a, b in zip(model.parameters(),
                                                              twin_model.parameters()))
    return out


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_snapshot_save_load_and_resume_give_the_same_answers_as_pytorch(name, tmp_path) -> None:
    assert _idioms(tg, name, tmp_path) == _idioms(torch, name, tmp_path)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop"])
def test_a_pytorch_optimizer_state_and_the_old_layout_load_and_continue_alike(name) -> None:
    (tm, topt), (om, oopt) = _setup(torch, name), _setup(tg, name)
    _steps(torch, tm, topt, 2)
    _steps(tg, om, oopt, 2)
    layouts = {
        "pytorch's own tensors": copy.deepcopy(topt.state_dict()),  # its steps go on
        # what earlier versions saved: ndarrays and Python int steps
        "ndarrays and ints": {"param_groups": oopt.state_dict()["param_groups"], "state": {
            i: {k: (int(v) if k == "step" else v.numpy().copy()) for k, v in entry.items()}
            for i, entry in oopt.state_dict()["state"].items()}},
    }
    _steps(torch, tm, topt, 2)
    expected = [p.detach().numpy().copy() for p in tm.parameters()]
    for what, sd in layouts.items():
        model, opt = _setup(tg, name)
        _steps(tg, model, opt, 2)  # the same two steps, then the loaded state takes over
        opt.load_state_dict(sd)
        assert [type(v) for v in opt.state_dict()["state"][0].values()] == \
            [tg.Tensor] * len(sd["state"][0]), what
        _steps(tg, model, opt, 2)
        for p, q in zip(model.parameters(), expected):
            np.testing.assert_allclose(p.numpy(), q, rtol=1e-5, atol=1e-6, err_msg=what)


def test_the_step_count_follows_the_default_dtype_as_pytorchs() -> None:
    for lib in (torch, tg):
        lib.set_default_dtype(lib.float64)
        try:
            w = lib.ones(3, requires_grad=True)
            opt = lib.optim.Adam([w])
            (w * w).sum().backward()
            opt.step()
            step = opt.state_dict()["state"][0]["step"]
            assert str(step.dtype).removeprefix("torch.") == "float64" and float(step) == 1.0
        finally:
            lib.set_default_dtype(lib.float32)


def test_a_malformed_step_is_refused_with_a_clear_error() -> None:
    model, opt = _setup(tg, "Adam")
    _steps(tg, model, opt, 1)
    sd = opt.state_dict()
    sd["state"][0]["step"] = tg.tensor([1.0, 2.0])
    with pytest.raises(tg.DataError, match="state 'step' must be a number or a 0-d tensor"):
        opt.load_state_dict(sd)
    sd["state"][0]["step"] = tg.tensor(1.5)
    with pytest.raises(tg.DataError, match="state 'step' counts steps"):
        opt.load_state_dict(sd)
