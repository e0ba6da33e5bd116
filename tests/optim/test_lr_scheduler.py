"""Learning-rate schedulers: 100 steps against the closed-form formulas of PyTorch's
documentation (always), and against PyTorch's own schedulers (skipped without torch);
get_last_lr, state_dict round trips, OneCycleLR's momentum, bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn, optim
from tinygrad_bn.optim import lr_scheduler

STEPS = 100


def _groups(module) -> list[dict]:
    """Two parameter groups with base lrs 0.1 and 0.05."""
    a, b = nn.Parameter(np.zeros(2)), nn.Parameter(np.zeros(3))
    return [{"params": [a]}, {"params": [b], "lr": 0.05}]


def _one_cycle_reference(t: int, top: float, total: int, pct: float = 0.3,
                         div: float = 25.0, final_div: float = 1e4) -> float:
    """The 1cycle policy, two cosine phases (initial -> max -> min)."""
    initial, end_up = top / div, pct * total - 1
    low = initial / final_div

    def cos(start, end, p):
        return end + (start - end) / 2 * (math.cos(math.pi * p) + 1)

    if t <= end_up:
        return cos(initial, top, t / end_up)
    return cos(top, low, (t - end_up) / (total - 1 - end_up))


# name: (our scheduler from an optimizer, the same in torch, the formula lr(t, base, group))
SCHEDULES = {
    "StepLR": (lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
               lambda s, o: s.StepLR(o, step_size=7, gamma=0.5),
               lambda t, base, i: base * 0.5 ** (t // 7)),
    "MultiStepLR": (lambda o: lr_scheduler.MultiStepLR(o, milestones=[30, 10, 80], gamma=0.3),
                    lambda s, o: s.MultiStepLR(o, milestones=[30, 10, 80], gamma=0.3),
                    lambda t, base, i: base * 0.3 ** sum(t >= m for m in (10, 30, 80))),
    "ExponentialLR": (lambda o: lr_scheduler.ExponentialLR(o, gamma=0.97),
                      lambda s, o: s.ExponentialLR(o, gamma=0.97),
                      lambda t, base, i: base * 0.97 ** t),
    "CosineAnnealingLR": (lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
                          lambda s, o: s.CosineAnnealingLR(o, T_max=30, eta_min=0.001),
                          lambda t, base, i: 0.001 + (base - 0.001) * (1 + math.cos(
                              math.pi * t / 30)) / 2),
    "LambdaLR": (lambda o: lr_scheduler.LambdaLR(o, [lambda t: 1 / (1 + t), lambda t: 0.9 ** t]),
                 lambda s, o: s.LambdaLR(o, [lambda t: 1 / (1 + t), lambda t: 0.9 ** t]),
                 lambda t, base, i: base * (1 / (1 + t) if i == 0 else 0.9 ** t)),
    "OneCycleLR": (lambda o: lr_scheduler.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS + 1),
                   lambda s, o: s.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=STEPS + 1),
                   lambda t, base, i: _one_cycle_reference(t, [1.0, 0.5][i], STEPS + 1)),
}


def _sequence(make, opt) -> list[list[float]]:
    scheduler = make(opt)
    lrs = [scheduler.get_last_lr()]
    for _ in range(STEPS):
        opt.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in opt.param_groups]
    return lrs


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_follows_its_closed_form_for_100_steps(name) -> None:
    make, _, formula = SCHEDULES[name]
    lrs = _sequence(make, optim.SGD(_groups(nn), lr=0.1, momentum=0.9))
    expected = [[formula(t, base, i) for i, base in enumerate((0.1, 0.05))]
                for t in range(STEPS + 1)]
    np.testing.assert_allclose(lrs, expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedule_equals_pytorchs_for_100_steps(name) -> None:
    torch = pytest.importorskip("torch")
    make, make_torch, _ = SCHEDULES[name]
    ours = _sequence(make, optim.SGD(_groups(nn), lr=0.1, momentum=0.9))
    a, b = torch.zeros(2, requires_grad=True), torch.zeros(3, requires_grad=True)
    topt = torch.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.05}], lr=0.1,
                           momentum=0.9)
    scheduler = make_torch(torch.optim.lr_scheduler, topt)
    theirs = [scheduler.get_last_lr()]
    for _ in range(STEPS):
        topt.step()
        scheduler.step()
        theirs.append(scheduler.get_last_lr())
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-15)
    if name == "OneCycleLR":
        assert [g["momentum"] for g in topt.param_groups] == pytest.approx(
            [g["momentum"] for g in scheduler.optimizer.param_groups])


def test_one_cycle_cycles_momentum_and_adams_beta1_against_the_lr() -> None:
    p = nn.Parameter(np.zeros(2))
    opt = optim.Adam([p])
    scheduler = lr_scheduler.OneCycleLR(opt, max_lr=0.01, epochs=2, steps_per_epoch=5,
                                        anneal_strategy="linear", three_phase=True)
    betas = [opt.param_groups[0]["betas"][0]]
    for _ in range(9):
        scheduler.step()
        betas.append(opt.param_groups[0]["betas"][0])
    assert betas[0] == 0.95 and min(betas) == pytest.approx(0.85)
    assert opt.param_groups[0]["betas"][1] == 0.999
    scheduler.step()
    with pytest.raises(tg.TinygradError, match="stepped 11 times, more than total_steps=10"):
        scheduler.step()
    torch = pytest.importorskip("torch")
    topt = torch.optim.Adam([torch.zeros(2, requires_grad=True)])
    theirs = torch.optim.lr_scheduler.OneCycleLR(topt, max_lr=0.01, epochs=2, steps_per_epoch=5,
                                                 anneal_strategy="linear", three_phase=True)
    expected = [topt.param_groups[0]["betas"][0]]
    for _ in range(9):
        topt.step()
        theirs.step()
        expected.append(topt.param_groups[0]["betas"][0])
    np.testing.assert_allclose(betas, expected, rtol=1e-12)


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_state_dict_round_trip_resumes_the_schedule(name) -> None:
    make = SCHEDULES[name][0]
    opt = optim.SGD(_groups(nn), lr=0.1, momentum=0.9)
    scheduler = make(opt)
    for _ in range(12):
        scheduler.step()
    saved = scheduler.state_dict()
    assert "optimizer" not in saved and saved["last_epoch"] == 12
    fresh_opt = optim.SGD(_groups(nn), lr=0.1, momentum=0.9)
    resumed = make(fresh_opt)
    # the optimizer's state too, as with PyTorch: the recursive schedules (StepLR, ...)
    # go on from the lr its groups hold
    fresh_opt.load_state_dict(opt.state_dict())
    resumed.load_state_dict(saved)
    scheduler.step()
    resumed.step()
    assert resumed.get_last_lr() == scheduler.get_last_lr()


def test_scheduler_arguments_are_checked() -> None:
    opt = optim.SGD([nn.Parameter(np.zeros(1))], lr=0.1)
    with pytest.raises(tg.ArgumentError, match="step_size must be a positive int, got 0"):
        lr_scheduler.StepLR(opt, step_size=0)
    with pytest.raises(tg.ArgumentError, match="give total_steps, or epochs and steps_per_epoch"):
        lr_scheduler.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(tg.ArgumentError, match="cycle_momentum=True needs an optimizer with"):
        lr_scheduler.OneCycleLR(optim.AdaGrad([nn.Parameter(np.zeros(1))]), 0.1, total_steps=5)
    with pytest.raises(tg.ArgumentError, match="a list of 1 functions"):
        lr_scheduler.LambdaLR(opt, [lambda t: 1.0, lambda t: 2.0])
    with pytest.raises(tg.ArgumentTypeError, match="needs an Optimizer"):
        lr_scheduler.ExponentialLR(object(), gamma=0.9)
