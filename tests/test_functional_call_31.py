"""functional_call (tg.func.functional_call, nn.utils.stateless): outputs and gradients equal
PyTorch's torch.func.functional_call, the module's own tensors untouched and back after the
call (also after an error), tied weights, strict, refusals."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn
from tinygrad_bn.nn.utils.stateless import functional_call


def _model(lib):
    return lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.BatchNorm1d(4), lib.nn.Tanh(),
                             lib.nn.Linear(4, 2))


def test_outputs_and_gradients_equal_pytorch_and_the_module_is_untouched() -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = _model(tg).double(), _model(torch).double()
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(0)
    replaced = {"0.weight": rng.standard_normal((4, 3)), "3.bias": rng.standard_normal(2),
                "1.running_mean": rng.standard_normal(4)}
    mine = {k: tg.tensor(v, requires_grad=k != "1.running_mean") for k, v in replaced.items()}
    reference = {k: torch.tensor(v, requires_grad=k != "1.running_mean")
                 for k, v in replaced.items()}
    x = rng.standard_normal((5, 3))
    before = {k: np.array(v) for k, v in ours.state_dict().items()}
    for mode in ("train", "eval"):
        getattr(ours, mode)(), getattr(theirs, mode)()
        out = tg.func.functional_call(ours, mine, (tg.tensor(x),))
        ref = torch.func.functional_call(theirs, reference, (torch.tensor(x),))
        np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=1e-12)
        out.sum().backward()
        ref.sum().backward()
        for k in ("0.weight", "3.bias"):
            np.testing.assert_allclose(mine[k].grad.numpy(), reference[k].grad.numpy(),
                                       rtol=1e-10)
    assert ours[0].weight.grad is None  # the module's own parameter saw nothing
    after = ours.state_dict()
    for k in before:
        if k not in ("1.running_mean", "1.running_var", "1.num_batches_tracked"):
            np.testing.assert_array_equal(after[k], before[k])
    # the running mean given was updated in training mode, in place, as PyTorch's
    np.testing.assert_allclose(mine["1.running_mean"].numpy(),
                               reference["1.running_mean"].numpy(), rtol=1e-12)


def test_tied_weights_strict_and_the_restore_after_an_error() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tg, torch):
        model = lib.nn.Sequential(lib.nn.Linear(2, 2, bias=False), lib.nn.Linear(2, 2, bias=False))
        model[0].weight = lib.nn.Parameter(lib.tensor([[0.5, -1.0], [2.0, 0.25]]))
        model[1].weight = model[0].weight  # tied
        weight = lib.ones(2, 2, dtype=lib.float64)
        x = lib.tensor([[1.0, 2.0]], dtype=lib.float64)
        call = tg.func.functional_call if lib is tg else torch.func.functional_call
        tied = call(model.double(), {"0.weight": weight}, x)
        untied = call(model, {"0.weight": weight}, x, tie_weights=False)
        results.append((tied.detach().numpy(), untied.detach().numpy()))
    for mine, theirs in zip(results[0], results[1]):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)
    model = nn.Linear(2, 2)
    weight = model.weight
    with pytest.raises(tg.ShapeError):
        functional_call(model, {"weight": tg.ones(3, 3)}, tg.ones(1, 2))
    assert model.weight is weight and list(model.state_dict()) == ["weight", "bias"]
    with pytest.raises(RuntimeError, match="strict=True: missing"):  # PyTorch's class
        functional_call(model, {"weight": tg.ones(2, 2)}, tg.ones(1, 2), strict=True)
    # another name is a plain attribute for the call, as PyTorch's (tests/test_ptauto36.py)
    functional_call(model, {"wieght": tg.ones(2, 2)}, tg.ones(1, 2))
    assert not hasattr(model, "wieght")
    with pytest.raises(tg.ArgumentTypeError, match="must be a Tensor"):
        functional_call(model, {"weight": [[1.0, 2.0]]}, tg.ones(1, 2))
    out = functional_call(model, ({"weight": tg.zeros(2, 2)}, {"bias": tg.ones(2)}),
                          args=(tg.ones(1, 2),))
    np.testing.assert_array_equal(out.numpy(), [[1.0, 1.0]])
