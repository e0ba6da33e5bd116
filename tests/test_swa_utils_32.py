"""optim.swa_utils (AveragedModel with the swa mean, EMA by avg_fn or multi_avg_fn and
use_buffers; SWALR; update_bn): after a few training steps the averaged models' state dicts
and the annealed lrs equal torch.optim.swa_utils' on the same model and data."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.errors import TinygradError
from tinygrad_bn.optim import swa_utils


def _numpy_state(module) -> dict[str, np.ndarray]:
    return {k: np.array(v.detach().numpy() if hasattr(v, "detach") else v)
            for k, v in module.state_dict().items()}


@pytest.mark.parametrize("strategy, anneal", [("cos", 3), ("linear", 2), ("cos", 0)])
def test_averaged_models_swalr_and_update_bn_equal_pytorch(strategy, anneal) -> None:
    torch = pytest.importorskip("torch")
    from torch.optim import swa_utils as theirs_swa
    x = np.random.default_rng(0).standard_normal((8, 3))
    results = []
    for lib, swa in ((tg, swa_utils), (torch, theirs_swa)):
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4),
                                  lib.nn.Linear(4, 1)).double()
        if lib is torch:
            model.load_state_dict({k: torch.tensor(v) for k, v in results[0][0].items()})
        start = _numpy_state(model)
        averages = [swa.AveragedModel(model),
                    swa.AveragedModel(model, multi_avg_fn=swa.get_ema_multi_avg_fn(0.9)),
                    swa.AveragedModel(model, avg_fn=swa.get_ema_avg_fn(0.8), use_buffers=True),
                    swa.AveragedModel(model, avg_fn=swa.get_swa_avg_fn()),
                    swa.AveragedModel(model, multi_avg_fn=swa.get_swa_multi_avg_fn())]
        opt = lib.optim.SGD([{"params": model[0].parameters()},
                             {"params": model[2].parameters(), "lr": 0.2}], lr=0.5)
        schedule = swa.SWALR(opt, swa_lr=[0.05, 0.01], anneal_epochs=anneal,
                             anneal_strategy=strategy)
        lrs = []
        rng = np.random.default_rng(1)  # the same weights in both: a step's new weights
        for _ in range(5):
            model.load_state_dict({k: lib.tensor(v + rng.standard_normal(v.shape)
                                                 if v.dtype.kind == "f" else v)
                                   for k, v in start.items()})
            schedule.step()
            lrs.append(schedule.get_last_lr())
            for average in averages:
                average.update_parameters(model)
        swa.update_bn([lib.tensor(x[:4]), (lib.tensor(x[4:]), None)], averages[0])
        results.append((start, lrs, [_numpy_state(a) for a in averages]))
    (_, our_lrs, ours), (_, their_lrs, theirs) = results
    np.testing.assert_allclose(our_lrs, their_lrs, rtol=1e-12)
    for k, (mine, ref) in enumerate(zip(ours, theirs)):
        assert list(mine) == list(ref)
        # PyTorch's default and multi swa rules weigh by 1 / (n + 1) computed in float32 (a
        # long count divided): ours in the parameter's dtype, so those agree to float32
        rtol, atol = (1e-6, 1e-7) if k in (0, 4) else (1e-12, 1e-14)
        for key in mine:
            np.testing.assert_allclose(mine[key], ref[key], rtol=rtol, atol=atol,
                                       err_msg=f"average {k}: {key}")


def test_averaged_model_forward_and_state_dict_round_trip() -> None:
    model = tg.nn.Linear(2, 1)
    average = swa_utils.AveragedModel(model)
    average.update_parameters(model)
    x = tg.randn(3, 2)
    np.testing.assert_allclose(average(x).numpy(), model(x).numpy())
    copy = swa_utils.AveragedModel(tg.nn.Linear(2, 1))
    copy.load_state_dict(average.state_dict())
    assert int(copy.n_averaged) == 1
    np.testing.assert_allclose(copy(x).numpy(), model(x).numpy())
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    swa_utils.SWALR(opt, swa_lr=0.01)
    fresh = tg.optim.SGD(model.parameters(), lr=0.1)
    fresh.load_state_dict(opt.state_dict())  # a group holding swa_lr loads
    assert fresh.param_groups[0]["swa_lr"] == 0.01


@pytest.mark.parametrize("call, match", [
    (lambda: swa_utils.AveragedModel(3), "Module"),
    (lambda: swa_utils.AveragedModel(tg.nn.Linear(1, 1), avg_fn=1), "avg_fn"),
    (lambda: swa_utils.SWALR(tg.optim.SGD([tg.zeros(1, requires_grad=True)], lr=1), 0.1,
                             anneal_strategy="exp"), "anneal_strategy"),
    (lambda: swa_utils.SWALR(tg.optim.SGD([tg.zeros(1, requires_grad=True)], lr=1),
                             [0.1, 0.2]), "one per parameter group"),
    (lambda: swa_utils.get_ema_multi_avg_fn(1.5), "decay"),
])
def test_bad_input_is_refused_clearly(call, match) -> None:
    with pytest.raises(TinygradError, match=match):
        call()
