"""Adadelta, Adamax, NAdam, RAdam, Adam/AdamW(amsgrad=True), SGD(dampening=), LBFGS (with and
without the strong-Wolfe line search) and the schedules LinearLR, ConstantLR, PolynomialLR,
CosineAnnealingWarmRestarts, CyclicLR, ReduceLROnPlateau, SequentialLR, ChainedScheduler:
100 steps each beside torch.optim in float64 (PyTorch's scalar state in float64 too), the
parameters, lrs and momenta equal to 1e-10. Skipped without torch."""

from __future__ import annotations

import contextlib
import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn, optim

torch = pytest.importorskip("torch")

STEPS = 100


@pytest.fixture(autouse=True)
def _float64_torch():
    """NAdam keeps its momentum product as a tensor of the default dtype's scalar dtype
    (tinygrad_bn's as PyTorch's): float64 here on both sides, so both round alike."""
    previous, ours = torch.get_default_dtype(), tg.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    tg.set_default_dtype(tg.float64)
    yield
    torch.set_default_dtype(previous)
    tg.set_default_dtype(ours)


def _problem(seed: int = 0, convex: bool = False):
    """Two parameters x (5,) and W (3, 5) and a loss of both, for us and for PyTorch. With
    `convex`, a strongly convex one (L-BFGS's history amplifies rounding in flat directions:
    there the two libraries' different summation orders drift apart)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(5, 5)) * (0.3 if convex else 1.0) + (np.eye(5) if convex else 0.0)
    c = rng.normal(size=(3, 5))
    start = [rng.normal(size=(5,)), rng.normal(size=(3, 5))]
    ours = [nn.Parameter(s.copy()) for s in start]
    theirs = [torch.tensor(s.copy(), requires_grad=True) for s in start]

    def loss(lib, x, w):
        a_, c_ = lib.tensor(a), lib.tensor(c)
        if convex:
            return ((a_ @ x - 1.0) ** 2).sum() + (x**4).sum() * 0.01 + ((w - c_) ** 2).sum() \
                + ((w @ x) ** 2).sum() * 0.1
        return (a_ @ x).tanh().sum() + ((w @ x) ** 2).sum() * 0.1 + (x**4).sum() * 0.01

    return ours, theirs, lambda: loss(tg, *ours), lambda: loss(torch, *theirs)


def _assert_same(ours, theirs) -> None:
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=0, atol=1e-10)


OPTIMIZERS = [
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.5, dampening=1.0)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("Adadelta", dict(weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True,
                   momentum_decay=0.01)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, betas=(0.9, 0.9), weight_decay=0.1, decoupled_weight_decay=True)),
]


@pytest.mark.parametrize("name, options", OPTIMIZERS,
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_optimizers_match_pytorch_over_100_steps(name: str, options: dict) -> None:
    ours, theirs, loss_ours, loss_theirs = _problem()
    opt_ours = getattr(optim, name)(ours, **options)
    opt_theirs = getattr(torch.optim, name)(theirs, **options)
    for _ in range(STEPS):
        opt_ours.zero_grad()
        loss_ours().backward()
        opt_ours.step()
        opt_theirs.zero_grad()
        loss_theirs().backward()
        opt_theirs.step()
        _assert_same(ours, theirs)
    ours_state = opt_ours.state_dict()["state"][0]
    theirs_state = opt_theirs.state_dict()["state"][0]
    assert set(ours_state) == set(theirs_state)
    for key, value in theirs_state.items():
        np.testing.assert_allclose(np.asarray(ours_state[key], dtype=np.float64),
                                   np.asarray(value, dtype=np.float64), rtol=1e-10,
                                   atol=1e-12, err_msg=key)


@pytest.mark.parametrize("options", [dict(lr=0.1, max_iter=5, history_size=10),
                                     dict(lr=0.5, max_iter=4),
                                     dict(lr=1, line_search_fn="strong_wolfe", history_size=5),
                                     dict(line_search_fn="strong_wolfe", max_iter=3)])
def test_lbfgs_matches_pytorch(options: dict) -> None:
    ours, theirs, loss_ours, loss_theirs = _problem(1, convex=True)
    opt_ours, opt_theirs = optim.LBFGS(ours, **options), torch.optim.LBFGS(theirs, **options)

    def closure_ours():
        opt_ours.zero_grad()
        loss = loss_ours()
        loss.backward()
        return loss

    def closure_theirs():
        opt_theirs.zero_grad()
        loss = loss_theirs()
        loss.backward()
        return loss

    for k in range(20):
        first_ours, first_theirs = opt_ours.step(closure_ours), opt_theirs.step(closure_theirs)
        assert abs(first_ours.item() - first_theirs.item()) < 1e-10
        if k < 10:
            _assert_same(ours, theirs)
        else:  # near the minimum the pairs (s, y) are tiny and the two-loop recursion
            # amplifies the libraries' different dot-product rounding: ~1e-10 drift
            for a, b in zip(ours, theirs):
                np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=0, atol=1e-8)
    state_ours = opt_ours.state[ours[0]]
    state_theirs = opt_theirs.state[theirs[0]]
    assert state_ours["func_evals"] == state_theirs["func_evals"]
    assert state_ours["n_iter"] == state_theirs["n_iter"]


def test_lbfgs_refuses_bad_arguments() -> None:
    p = [nn.Parameter(np.ones(2))]
    with pytest.raises(tg.ArgumentError, match="line_search_fn"):
        optim.LBFGS(p, line_search_fn="armijo")
    with pytest.raises(tg.ArgumentError, match="history_size"):
        optim.LBFGS(p, history_size=0)
    with pytest.raises(tg.ArgumentTypeError, match="closure"):
        optim.LBFGS(p).step()
    with pytest.raises(tg.ArgumentError, match="nesterov"):
        optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, dampening=0.1)


SCHEDULES = {
    "LinearLR": (lambda m, o: m.LinearLR(o, 0.2, 0.9, 30), {}),
    "ConstantLR": (lambda m, o: m.ConstantLR(o, 0.3, 17), {}),
    "PolynomialLR": (lambda m, o: m.PolynomialLR(o, 40, 2.0), {}),
    "CosineAnnealingWarmRestarts": (lambda m, o: m.CosineAnnealingWarmRestarts(o, 7, 2, 1e-3),
                                    {}),
    "CosineAnnealingWarmRestarts-1": (lambda m, o: m.CosineAnnealingWarmRestarts(o, 9), {}),
    "CyclicLR-triangular2": (lambda m, o: m.CyclicLR(o, 0.01, [0.1, 0.2], 5, 8, "triangular2"),
                             {}),
    "CyclicLR-exp_range": (lambda m, o: m.CyclicLR(o, 0.01, 0.1, 6, mode="exp_range",
                                                   gamma=0.98), {}),
    "CyclicLR-Adam": (lambda m, o: m.CyclicLR(o, 0.01, 0.1, 6), {"name": "Adam",
                                                                 "options": {"lr": 0.1}}),
    "ReduceLROnPlateau": (lambda m, o: m.ReduceLROnPlateau(o, patience=3, cooldown=2,
                                                           factor=0.5,
                                                           min_lr=[1e-3, 1e-4]),
                          {"metric": True}),
    "ReduceLROnPlateau-max-abs": (lambda m, o: m.ReduceLROnPlateau(
        o, "max", patience=2, threshold=0.1, threshold_mode="abs"), {"metric": True}),
    "SequentialLR": (lambda m, o: m.SequentialLR(o, [m.LinearLR(o, 0.1, 1.0, 10),
                                                     m.ExponentialLR(o, 0.97),
                                                     m.ConstantLR(o, 0.5, 10)], [15, 60]), {}),
    "ChainedScheduler": (lambda m, o: m.ChainedScheduler([m.ConstantLR(o, 0.1, 10),
                                                          m.ExponentialLR(o, 0.97),
                                                          m.StepLR(o, 7, 0.8)]), {}),
    "ChainedScheduler-2": (lambda m, o: m.ChainedScheduler([m.LinearLR(o, 0.5, 1.0, 20),
                                                            m.PolynomialLR(o, 80, 0.5)]), {}),
}


@pytest.mark.parametrize("key", sorted(SCHEDULES))
def test_schedules_match_pytorch_over_100_steps(key: str) -> None:
    make, how = SCHEDULES[key]
    name, options = how.get("name", "SGD"), how.get("options", {"lr": 0.1, "momentum": 0.5})
    ours = [nn.Parameter(np.ones(2)), nn.Parameter(np.ones(3))]
    theirs = [torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)]
    opt_ours = getattr(optim, name)([{"params": [ours[0]]}, {"params": [ours[1]], "lr": 0.05}],
                                    **options)
    opt_theirs = getattr(torch.optim, name)([{"params": [theirs[0]]},
                                             {"params": [theirs[1]], "lr": 0.05}], **options)
    sched_ours = make(optim.lr_scheduler, opt_ours)
    with _quiet():
        sched_theirs = make(torch.optim.lr_scheduler, opt_theirs)
    rng = np.random.default_rng(0)
    for i in range(STEPS):
        for p, q in zip(ours, theirs):
            g = rng.normal(size=p.shape)
            p.grad, q.grad = tg.tensor(g), torch.tensor(g)
        opt_ours.step()
        opt_theirs.step()
        with _quiet():
            if how.get("metric"):
                metric = float(np.sin(i / 7.0) + i // 30)
                sched_ours.step(metric)
                sched_theirs.step(metric)
            else:
                sched_ours.step()
                sched_theirs.step()
        np.testing.assert_allclose(sched_ours.get_last_lr(), sched_theirs.get_last_lr(),
                                   rtol=0, atol=1e-10)
        for g, h in zip(opt_ours.param_groups, opt_theirs.param_groups):
            assert abs(g["lr"] - h["lr"]) < 1e-10
            for momentum in ("momentum", "betas"):
                if momentum in h:
                    np.testing.assert_allclose(g[momentum], h[momentum], rtol=0, atol=1e-10)
        _assert_same(ours, theirs)


@contextlib.contextmanager
def _quiet():
    """PyTorch warns about its own deprecations (SequentialLR's step(0)); not our concern."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def test_schedule_arguments_are_checked() -> None:
    p = [nn.Parameter(np.ones(2))]
    opt = optim.SGD(p, lr=0.1)
    with pytest.raises(tg.ArgumentError, match="start_factor"):
        optim.lr_scheduler.LinearLR(opt, start_factor=0.0)
    with pytest.raises(tg.ArgumentError, match="factor must be < 1"):
        optim.lr_scheduler.ReduceLROnPlateau(opt, factor=1.0)
    with pytest.raises(tg.ArgumentError, match="milestones"):
        optim.lr_scheduler.SequentialLR(opt, [optim.lr_scheduler.ConstantLR(opt)], [3])
    with pytest.raises(tg.ArgumentTypeError, match="list of LRSchedulers"):  # as PyTorch
        optim.lr_scheduler.ChainedScheduler([optim.lr_scheduler.ReduceLROnPlateau(opt)])
    with pytest.raises(tg.ArgumentError, match="momentum"):
        optim.lr_scheduler.CyclicLR(optim.Adadelta(p), 0.1, 1.0)
