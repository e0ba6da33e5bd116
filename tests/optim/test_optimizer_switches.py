"""PyTorch's shared optimizer options (maximize, foreach, fused, capturable, differentiable,
decoupled_weight_decay), RMSprop(centered=True) and the optimizers Rprop and ASGD: 100 steps
beside torch.optim in float64, parameters equal to 1e-10; their signatures and defaults are
PyTorch's; a parameter whose .data changed shape gets a clear error. The torch comparisons
skip without torch."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn, optim
from tinygrad_bn.errors import ShapeError, TinygradError

STEPS = 100
NAMES = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta", "Adamax", "NAdam", "RAdam",
         "Rprop", "ASGD"]


@pytest.fixture
def torch():
    torch = pytest.importorskip("torch")
    previous, ours = torch.get_default_dtype(), tg.get_default_dtype()
    # the scalar state (ASGD's eta, NAdam's mu_product) in float64 on both sides: each
    # keeps it in its default dtype's scalar dtype
    torch.set_default_dtype(torch.float64)
    tg.set_default_dtype(tg.float64)
    yield torch
    torch.set_default_dtype(previous)
    tg.set_default_dtype(ours)


def _run(lib, make, sign: float = 1.0, convex: bool = False,
         steps: int = STEPS) -> list[np.ndarray]:
    """`steps` steps on sign * L for a nonconvex L of x (5,) and W (3, 5) bounded below,
    from a fixed start (sign -1 for the maximizing cases: -L is bounded above). With
    `convex`, a strongly convex L: centered RMSprop's sqrt(a - m^2) cancels, which magnifies
    last-bit differences from PyTorch's fused kernels, and on the nonconvex L they then
    grow chaotically (4e-16 at step 40, 1e-6 at step 80; 2e-13 at step 100 here)."""
    rng = np.random.default_rng(1)
    a, start = rng.normal(size=(5, 5)), [rng.normal(size=5), rng.normal(size=(3, 5))]
    if convex:
        a = np.eye(5) + 0.3 * a
    if lib is tg:
        params = [nn.Parameter(tg.tensor(s.copy())) for s in start]
    else:
        params = [lib.tensor(s.copy(), requires_grad=True) for s in start]
    opt = make(params)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        x, w = params
        if convex:
            loss = ((lib.tensor(a) @ x - 1.0) ** 2).sum() + ((w - 0.5) ** 2).sum() \
                + (x ** 4).sum() * 0.01
        else:
            loss = (lib.tensor(a) @ x).tanh().sum() + ((w @ x) ** 2).sum() * 0.1 \
                + (x ** 4).sum() * 0.01
        (loss * sign).backward()
        opt.step()
        history.append([np.array(p.detach().numpy() if lib is not tg else p.data)
                        for p in params])
    return history


CASES = [
    ("SGD", dict(lr=0.05, momentum=0.9, maximize=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, foreach=True, fused=False)),
    ("Adam", dict(lr=0.01, maximize=True, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01, maximize=True, capturable=False)),
    ("Adagrad", dict(lr=0.05, maximize=True, lr_decay=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1, maximize=True)),
    ("Adadelta", dict(maximize=True, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, maximize=True)),
    ("NAdam", dict(lr=0.01, maximize=True)),
    ("RAdam", dict(lr=0.01, maximize=True, weight_decay=0.1)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=1e-2, alpha=0.5, t0=20, weight_decay=0.1, maximize=True)),
]


@pytest.mark.parametrize("name, options", CASES, ids=[f"{n}-{i}" for i, (n, _) in
                                                      enumerate(CASES)])
def test_matches_pytorch_over_100_steps(torch, name: str, options: dict) -> None:
    sign = -1.0 if options.get("maximize") else 1.0
    convex = options.get("centered", False)
    ours = _run(tg, lambda ps: getattr(optim, name)(ps, **options), sign, convex)
    theirs = _run(torch, lambda ps: getattr(torch.optim, name)(ps, **options), sign, convex)
    for step, (a, b) in enumerate(zip(ours, theirs)):
        for p, q in zip(a, b):
            np.testing.assert_allclose(p, q, rtol=0, atol=1e-10, err_msg=f"step {step}")


def test_state_names_are_pytorchs(torch) -> None:
    for name, options in CASES:
        x, y = nn.Parameter(tg.ones(3)), torch.ones(3, requires_grad=True)
        ours, theirs = getattr(optim, name)([x], **options), \
            getattr(torch.optim, name)([y], **options)
        x.grad, y.grad = tg.ones(3), torch.ones(3)
        ours.step()
        theirs.step()
        assert set(ours.state_dict()["state"].get(0, {})) == \
            set(theirs.state_dict()["state"].get(0, {})), name
        assert ours.state_dict()["param_groups"][0].keys() == \
            theirs.state_dict()["param_groups"][0].keys(), name


@pytest.mark.parametrize("name", NAMES)
def test_signature_and_defaults_are_pytorchs(torch, name: str) -> None:
    ours = inspect.signature(getattr(optim, name).__init__).parameters
    theirs = inspect.signature(getattr(torch.optim, name).__init__).parameters
    # the project contract orders SGD's and RMSprop's options its own way (keywords agree),
    # and SGD's lr has no default
    contract = name in ("SGD", "RMSprop")
    if not contract:
        assert list(ours) == list(theirs)
    assert set(ours) == set(theirs)
    for key, p in theirs.items():
        assert ours[key].kind == p.kind or contract, key
        if p.default is not inspect.Parameter.empty and (name, key) != ("SGD", "lr"):
            assert ours[key].default == p.default, key
    x, y = nn.Parameter(tg.ones(2)), torch.ones(2, requires_grad=True)
    assert getattr(optim, name)([x], lr=0.5).defaults == \
        getattr(torch.optim, name)([y], lr=0.5).defaults


def test_maximize_ascends_where_the_default_descends() -> None:
    for maximize, sign in ((False, -1.0), (True, 1.0)):
        p = nn.Parameter(tg.zeros(2))
        opt = optim.SGD([p], lr=0.5, maximize=maximize)
        p.grad = tg.tensor([1.0, -2.0])
        opt.step()
        np.testing.assert_array_equal(p.data, sign * np.array([0.5, -1.0], np.float32))
        np.testing.assert_array_equal(p.grad.data, [1.0, -2.0])  # the gradient is untouched


def test_maximize_per_group() -> None:
    a, b = nn.Parameter(tg.zeros(1)), nn.Parameter(tg.zeros(1))
    opt = optim.Adam([{"params": [a]}, {"params": [b], "maximize": True}], lr=0.1)
    a.grad, b.grad = tg.ones(1), tg.ones(1)
    opt.step()
    assert a.data[0] < 0 < b.data[0]


@pytest.mark.parametrize("name", NAMES)
def test_differentiable_true_and_non_bool_maximize_are_refused(name: str) -> None:
    p = nn.Parameter(tg.ones(2))
    with pytest.raises(TinygradError, match=f"{name}: differentiable=True"):
        getattr(optim, name)([p], lr=0.1, differentiable=True)
    with pytest.raises(TypeError, match=f"{name}: maximize must be True or False"):
        getattr(optim, name)([p], lr=0.1, maximize="yes")


@pytest.mark.parametrize("bad", [dict(etas=(1.0, 1.2)), dict(etas=(0.5, 0.9)),
                                 dict(etas=(0.5,)), dict(step_sizes=(-1, 1)), dict(lr=-1.0)])
def test_rprop_refuses_bad_options(bad: dict) -> None:
    with pytest.raises(ValueError, match="Rprop"):
        optim.Rprop([nn.Parameter(tg.ones(2))], **bad)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop", "Rprop", "ASGD", "Adadelta"])
def test_state_of_another_shape_gives_a_clear_error(name: str) -> None:
    p = nn.Parameter(tg.ones(3))
    opt = getattr(optim, name)([p], lr=0.1, **({"momentum": 0.9} if name == "SGD" else {}))
    p.grad = tg.ones(3)
    opt.step()
    p.data = np.ones((2, 2), np.float32)
    p.grad = tg.ones(2, 2)
    with pytest.raises(ShapeError, match=rf"{name}.step: .*\(2, 2\).*\(3,\)"):
        opt.step()
