"""optim.Adafactor: parameters and state (PyTorch's names and shapes) equal
torch.optim.Adafactor's after several steps, for vectors, matrices, batches of matrices and
0-d parameters, with each option; state dicts round-trip."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.errors import TinygradError

SHAPES = [(4, 3), (5,), (2, 3, 4), ()]


@pytest.mark.parametrize("options", [{}, {"lr": 0.1, "weight_decay": 0.1, "maximize": True},
                                     {"eps": (1e-6, 1e-3), "d": 2.0, "beta2_decay": -0.5},
                                     {"lr": 1.0, "eps": (None, 0.0)}])
def test_adafactor_equals_pytorch(options) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    start = [rng.standard_normal(s) for s in SHAPES]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    ours = [tg.tensor(a.copy(), requires_grad=True) for a in start]
    their_opt, our_opt = torch.optim.Adafactor(theirs, **options), \
        tg.optim.Adafactor(ours, **options)
    for _ in range(6):
        for t, o in zip(theirs, ours):
            g = rng.standard_normal(t.shape)
            t.grad, o.grad = torch.tensor(g), tg.tensor(g)
        their_opt.step()
        our_opt.step()
    for t, o in zip(theirs, ours):
        np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-15)
    their_state, our_state = their_opt.state_dict()["state"], our_opt.state_dict()["state"]
    assert list(their_state) == list(our_state)
    for index, entries in their_state.items():
        assert set(entries) == set(our_state[index])
        for key, value in entries.items():
            np.testing.assert_allclose(np.asarray(our_state[index][key]), value.numpy(),
                                       rtol=1e-12)
    fresh = tg.optim.Adafactor([tg.tensor(a, requires_grad=True) for a in start], **options)
    fresh.load_state_dict(our_opt.state_dict())
    assert fresh.state_dict()["param_groups"] == our_opt.state_dict()["param_groups"]


def test_adafactor_trains_a_float32_model() -> None:
    tg.manual_seed(0)
    model = tg.nn.Sequential(tg.nn.Linear(3, 8), tg.nn.Tanh(), tg.nn.Linear(8, 1))
    opt = tg.optim.Adafactor(model.parameters(), lr=0.05)
    x = tg.randn(32, 3)
    y = x.sum(1, keepdim=True)
    first = None
    for _ in range(60):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        first = first if first is not None else loss.item()
        loss.backward()
        opt.step()
    assert loss.item() < 0.3 * first


@pytest.mark.parametrize("options, match", [({"beta2_decay": 0.5}, "beta2_decay"),
                                            ({"d": 0.5}, "d must be >= 1"),
                                            ({"eps": 1e-3}, "eps must be a pair"),
                                            ({"lr": -1.0}, "lr"),
                                            ({"eps": (-1.0, 1e-3)}, "eps1")])
def test_adafactor_refuses_bad_options(options, match) -> None:
    with pytest.raises(TinygradError, match=match):
        tg.optim.Adafactor([tg.zeros(2, requires_grad=True)], **options)
