"""PyTorch's optimizer database (OptimizerInfo, torch.testing._internal.common_optimizers
.optim_db) as a differential test: every entry's optimizer inputs (the constructor keyword
arguments PyTorch's own optimizer tests use) run on torch and on tinygrad_bn, and the
parameters, states and state dicts compared.

Which inputs: an entry's `optim_inputs_func("cpu")` (it leaves out what runs on CUDA only,
capturable=True) with PyTorch's global switches added as its test suite adds them
(`_get_optim_inputs_including_global_cliquey_kwargs`): each input once with every switch of
the entry's `supported_impls` False, then once per switch True. foreach is left out on the
CPU (PyTorch's foreach kernels are for accelerators) and fused where the entry's
`supports_fused_on` does not name "cpu", as PyTorch's suite does. SGD's lr, which the
project's contract makes required, is given as PyTorch's default 1e-3 where an input omits
it.

How one input runs: float64 parameters of several shapes (a matrix, a vector, a 0-d one,
and one whose .grad stays None; Muon takes matrices only) are made alike on both sides;
5 steps with the same drawn gradients (LBFGS, whose step needs a closure, minimises a
drawn quadratic instead), the parameters compared after each step, then the optimizer's
`state` (per parameter: its names and values) and `state_dict()` (state and param_groups:
keys and values). Then a fresh optimizer over copies of the parameters loads the state
dict, on both sides, and runs 3 more steps, compared as before; so does one of ours that
loads torch's state dict (a PyTorch checkpoint), beside torch's. differentiable=True needs
parameters that are not leaves on torch (its step is recorded; a leaf would be changed in
place): torch's then are clones of leaves.

Values agree to 1e-10 relative to the largest (float64), 1e-6 for float32 values (torch
keeps the step counts and a tensor lr in float32). A Python number agrees with a 0-d
tensor of the same value only where torch keeps a number too: the kinds must match.
"""

from __future__ import annotations

import contextlib
import copy
import math
import types
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

import tinygrad_bn as tg
from tests.opinfo_harness import Unconvertible, to_tg

STEPS, MORE_STEPS = 5, 3
SHAPES = ((3, 4), (5,), (), (2, 3))  # the last one's .grad stays None
MATRIX_SHAPES = ((3, 4), (4, 2), (2, 5))  # Muon's: matrices only
NO_GRAD = -1  # index of the parameter whose .grad stays None


def optimizer_inputs(info: Any, torch: Any) -> list[Any]:
    """The entry's inputs on the CPU as PyTorch's optimizer tests take them."""
    from torch.testing._internal.common_optimizers import (
        _get_optim_inputs_including_global_cliquey_kwargs,
    )
    return _get_optim_inputs_including_global_cliquey_kwargs("cpu", torch.float64, info)


def input_name(info: Any, optim_input: Any) -> str:
    return f"{info.optim_cls.__name__}:{optim_input.desc}"


def _shapes(info: Any) -> tuple[tuple[int, ...], ...]:
    return MATRIX_SHAPES if info.optim_cls.__name__ == "Muon" else SHAPES


class Side:
    """One library's parameters and optimizer for one input."""

    def __init__(self, lib: str, cls: Any, kwargs: dict[str, Any], values: list[np.ndarray],
                 torch: Any) -> None:
        self.lib, self.torch = lib, torch
        if lib == "torch":
            leaves = [torch.tensor(v.copy(), requires_grad=True) for v in values]
            # differentiable=True: torch records the step, which needs non-leaf parameters
            self.params = [p.clone() for p in leaves] if kwargs.get("differentiable") \
                else leaves
            for p in self.params:
                p.retain_grad()
        else:
            self.params = [tg.tensor(v.copy(), requires_grad=True) for v in values]
        self.optimizer = cls(self.params, **kwargs)
        # SparseAdam takes sparse gradients only (torch refuses dense ones): torch's are the
        # drawn gradients made sparse, ours dense (tinygrad_bn has no sparse layout)
        self.sparse = lib == "torch" and getattr(cls, "__name__", "") == "SparseAdam"

    def set_grads(self, grads: list[np.ndarray | None]) -> None:
        for p, g in zip(self.params, grads, strict=True):
            if g is not None and self.lib == "torch":
                p.grad = self.torch.tensor(g.copy())
                if self.sparse:
                    p.grad = p.grad.to_sparse()
            elif g is not None:
                p.grad = tg.tensor(g.copy())

    def closure_step(self, targets: list[np.ndarray], weights: list[np.ndarray]) -> Any:
        """LBFGS: minimise sum_i w_i (p_i - c_i)^2 over every parameter with a gradient."""
        lib = self.torch if self.lib == "torch" else tg

        def closure() -> Any:
            self.optimizer.zero_grad()
            loss = lib.tensor(0.0, dtype=lib.float64)
            for p, c, w in zip(self.params[:NO_GRAD], targets, weights, strict=True):
                loss = loss + (lib.tensor(w) * (p - lib.tensor(c)) ** 2).sum()
            loss.backward()
            return loss
        return self.optimizer.step(closure)

    def values(self) -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in self.params]


def _lbfgs(info: Any) -> bool:
    return bool(info.step_requires_closure)


def run_input(info: Any, optim_input: Any, torch: Any, ours_cls: Any,
              seed: int = 0) -> str | None:
    """How tinygrad_bn differs from torch on one optimizer input, or None."""
    rng = np.random.default_rng(seed)
    values = [rng.standard_normal(s) for s in _shapes(info)]
    kwargs = optim_input.kwargs
    try:
        ours_kwargs = _ours_kwargs(info, kwargs, torch)
    except TypeError as error:
        return f"unconvertible kwargs: {error}"
    theirs = Side("torch", info.optim_cls, copy.deepcopy(kwargs), values, torch)
    try:
        mine = Side("tg", ours_cls, copy.deepcopy(ours_kwargs), values, torch)
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return f"constructor raises {type(error).__name__}: {str(error)[:160]}"
    problem = _steps(info, theirs, mine, rng, STEPS, "")
    if problem is not None:
        return problem
    if (why := compare_state(theirs, mine)) is not None:
        return f"after {STEPS} steps: {why}"
    if (why := compare_state_dict(theirs.optimizer.state_dict(), mine.optimizer.state_dict(),
                                  torch)) is not None:
        return f"after {STEPS} steps: state_dict {why}"
    # a fresh optimizer over copies of the parameters loads the state dict
    reloaded_theirs = Side("torch", info.optim_cls, copy.deepcopy(kwargs), theirs.values(),
                           torch)
    reloaded_mine = Side("tg", ours_cls, copy.deepcopy(ours_kwargs), mine.values(), torch)
    reloaded_theirs.optimizer.load_state_dict(copy.deepcopy(theirs.optimizer.state_dict()))
    try:
        reloaded_mine.optimizer.load_state_dict(copy.deepcopy(mine.optimizer.state_dict()))
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return f"load_state_dict raises {type(error).__name__}: {str(error)[:160]}"
    # and ours loading torch's own state dict (a PyTorch checkpoint), beside torch's
    twin_theirs = Side("torch", info.optim_cls, copy.deepcopy(kwargs), theirs.values(), torch)
    twin_theirs.optimizer.load_state_dict(copy.deepcopy(theirs.optimizer.state_dict()))
    crossed = Side("tg", ours_cls, copy.deepcopy(ours_kwargs), theirs.values(), torch)
    try:
        crossed.optimizer.load_state_dict(copy.deepcopy(theirs.optimizer.state_dict()))
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return f"loading torch's state_dict raises {type(error).__name__}: {str(error)[:160]}"
    same_draws = copy.deepcopy(rng)
    problem = _steps(info, reloaded_theirs, reloaded_mine, rng, MORE_STEPS, "reloaded ")
    if problem is not None:
        return problem
    if (why := compare_state_dict(reloaded_theirs.optimizer.state_dict(),
                                  reloaded_mine.optimizer.state_dict(), torch)) is not None:
        return f"reloaded: state_dict {why}"
    return _steps(info, twin_theirs, crossed, same_draws, MORE_STEPS, "torch's state loaded, ")


def _ours_kwargs(info: Any, kwargs: dict[str, Any], torch: Any) -> dict[str, Any]:
    """The input's keyword arguments for tinygrad_bn. The project's contract (design.md)
    makes SGD's lr required, where PyTorch's defaults to 1e-3: ours is given that lr."""
    ours = to_tg(kwargs, torch)
    if info.optim_cls.__name__ == "SGD" and "lr" not in ours:
        ours["lr"] = 1e-3
    return ours


def _steps(info: Any, theirs: Side, mine: Side, rng: np.random.Generator, steps: int,
           what: str) -> str | None:
    shapes = _shapes(info)
    targets = [rng.standard_normal(s) for s in shapes[:NO_GRAD]]
    weights = [rng.uniform(0.5, 2.0, s) for s in shapes[:NO_GRAD]]
    for step in range(steps):
        grads: list[np.ndarray | None] = [rng.standard_normal(s) for s in shapes]
        grads[NO_GRAD] = None
        if _lbfgs(info):
            expected = theirs.closure_step(targets, weights)
        else:
            theirs.set_grads(grads)
            theirs.optimizer.step()
        try:
            if _lbfgs(info):
                got = mine.closure_step(targets, weights)
            else:
                mine.set_grads(grads)
                mine.optimizer.step()
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return f"{what}step {step} raises {type(error).__name__}: {str(error)[:160]}"
        if _lbfgs(info) and (why := value_difference(expected, got)) is not None:
            return f"{what}step {step}: the closure's loss {why}"
        for i, (want, have) in enumerate(zip(theirs.values(), mine.values(), strict=True)):
            if (why := array_difference(want, have)) is not None:
                return f"{what}step {step}: parameter {i} {tuple(want.shape)} {why}"
    return None


def array_difference(want: np.ndarray, have: np.ndarray) -> str | None:
    if want.shape != have.shape:
        return f"shape {have.shape}, torch {want.shape}"
    if want.dtype != have.dtype:
        return f"dtype {have.dtype}, torch {want.dtype}"
    if want.dtype.kind not in "fc":
        return None if np.array_equal(want, have) else f"values {have}, torch {want}"
    rtol = 1e-10 if want.dtype == np.float64 else 1e-6
    scale = float(np.abs(want[np.isfinite(want)]).max(initial=1.0))
    if np.allclose(have, want, rtol=rtol, atol=rtol * scale, equal_nan=True):
        return None
    worst = float(np.nanmax(np.abs(have - want)))
    return f"values differ by up to {worst:.3g}"


def value_difference(want: Any, have: Any) -> str | None:
    """How a state value differs: tensors by shape, dtype and values; a Python number
    against a number of the same kind; lists and tuples element by element."""
    if type(want).__name__ == "Tensor":
        if not isinstance(have, tg.Tensor):
            return f"a {type(have).__name__} {have!r:.40}, torch a Tensor"
        return array_difference(want.detach().numpy(), have.detach().numpy())
    if isinstance(want, np.ndarray):
        return array_difference(want, np.asarray(have))
    if isinstance(want, list | tuple):
        if not isinstance(have, list | tuple) or len(have) != len(want):
            return f"{have!r:.60}, torch {want!r:.60}"
        for k, (w, h) in enumerate(zip(want, have, strict=True)):
            if (why := value_difference(w, h)) is not None:
                return f"[{k}]: {why}"
        return None
    if isinstance(want, bool) or want is None or isinstance(want, str):
        return None if want == have and type(want) is type(have) else \
            f"{have!r:.60}, torch {want!r:.60}"
    if isinstance(want, int | float):
        if isinstance(have, tg.Tensor) or isinstance(have, bool) or \
                not isinstance(have, int | float | np.number):
            return f"{type(have).__name__} {have!r:.40}, torch {type(want).__name__} {want!r}"
        if isinstance(want, int) != isinstance(have, int | np.integer):
            return f"{type(have).__name__} {have!r}, torch {type(want).__name__} {want!r}"
        return None if math.isclose(want, float(have), rel_tol=1e-10) or want == have else \
            f"{have!r}, torch {want!r}"
    return None if want == have else f"{have!r:.60}, torch {want!r:.60}"


def compare_state(theirs: Side, mine: Side) -> str | None:
    """Each parameter's `optimizer.state` entry: the same names, equal values (ours keeps
    arrays and Python numbers: compared by value only; the state dict's types are compared
    by `compare_state_dict`)."""
    for i, (p, q) in enumerate(zip(theirs.params, mine.params, strict=True)):
        want, have = theirs.optimizer.state.get(p, {}), mine.optimizer.state.get(q, {})
        if set(want) != set(have):
            return f"state of parameter {i}: keys {sorted(have)}, torch {sorted(want)}"
        for key, value in want.items():
            if (why := value_difference(_plain(value), _plain(have[key]))) is not None:
                return f"state of parameter {i}['{key}']: {why}"
    return None


def _plain(value: Any) -> Any:
    """A state value compared by value alone: tensors, arrays and numbers as float64
    arrays (inside lists too); the rest as it is."""
    if hasattr(value, "detach"):
        value = value.detach().numpy()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray | np.number | int | float) and not isinstance(value, bool):
        return np.asarray(value, dtype=np.float64)
    return value


def compare_state_dict(want: dict[str, Any], have: dict[str, Any], torch: Any) -> str | None:
    if set(want) != set(have):
        return f"keys {sorted(have)}, torch {sorted(want)}"
    if set(want["state"]) != set(have["state"]):
        return f"state indices {sorted(have['state'])}, torch {sorted(want['state'])}"
    for index, entries in want["state"].items():
        mine = have["state"][index]
        if set(entries) != set(mine):
            return f"state[{index}] keys {sorted(mine)}, torch {sorted(entries)}"
        for key, value in entries.items():
            if (why := value_difference(value, mine[key])) is not None:
                return f"state[{index}]['{key}']: {why}"
    if len(want["param_groups"]) != len(have["param_groups"]):
        return "a different number of param_groups"
    for k, (group, mine) in enumerate(zip(want["param_groups"], have["param_groups"],
                                          strict=True)):
        if set(group) != set(mine):
            return f"param_groups[{k}] keys: ours lacks {sorted(set(group) - set(mine))}, " \
                   f"has more {sorted(set(mine) - set(group))}"
        for key, value in group.items():
            if (why := value_difference(value, mine[key])) is not None:
                return f"param_groups[{k}]['{key}']: {why}"
    return None


# ---- learning-rate schedulers ----

@contextlib.contextmanager
def bound_to_tg(function: Any) -> Iterator[None]:
    """The scheduler names in a lambda's module bound to tinygrad_bn's while it runs."""
    names = function.__globals__
    saved = {k: v for k, v in names.items() if isinstance(v, type)
             and getattr(v, "__module__", "") == "torch.optim.lr_scheduler"}
    names.update({k: getattr(tg.optim.lr_scheduler, k) for k in saved})
    try:
        yield
    finally:
        names.update(saved)


def run_schedulers(info: Any, makers: list[Any], torch: Any, steps: int = 12) -> str | None:
    """An entry's paired schedulers (its `scheduler_inputs`) on its first input: each step
    the optimizer steps, then every scheduler (ReduceLROnPlateau on a drawn metric); the
    parameters, the groups' lr and each scheduler's get_last_lr() compared."""
    rng = np.random.default_rng(1)
    values = [rng.standard_normal(s) for s in _shapes(info)]
    kwargs = optimizer_inputs(info, torch)[0].kwargs
    theirs = Side("torch", info.optim_cls, copy.deepcopy(kwargs), values, torch)
    their_scheds = [make(theirs.optimizer) for make in makers]
    try:
        mine = Side("tg", getattr(tg.optim, info.optim_cls.__name__),
                    _ours_kwargs(info, kwargs, torch), values, torch)
        my_scheds = []
        for make in makers:
            with bound_to_tg(make):
                my_scheds.append(make(mine.optimizer))
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return f"constructing raises {type(error).__name__}: {str(error)[:160]}"
    for step in range(steps):
        metric = PLATEAU_METRICS[step]
        if _lbfgs(info):
            targets = [rng.standard_normal(s) for s in _shapes(info)[:NO_GRAD]]
            weights = [np.ones(s) for s in _shapes(info)[:NO_GRAD]]
            theirs.closure_step(targets, weights)
        else:
            grads: list[Any] = [rng.standard_normal(s) for s in _shapes(info)]
            grads[NO_GRAD] = None
            theirs.set_grads(grads)
            theirs.optimizer.step()
        for a in their_scheds:
            a.step(metric) if type(a).__name__ == "ReduceLROnPlateau" else a.step()
        try:
            if _lbfgs(info):
                mine.closure_step(targets, weights)
            else:
                mine.set_grads(grads)
                mine.optimizer.step()
            for b in my_scheds:
                b.step(metric) if type(b).__name__ == "ReduceLROnPlateau" else b.step()
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return f"step {step} raises {type(error).__name__}: {str(error)[:160]}"
        for a, b in zip(their_scheds, my_scheds, strict=True):
            if (why := value_difference(a.get_last_lr(), b.get_last_lr())) is not None:
                return f"step {step}: {type(a).__name__}.get_last_lr() {why}"
        for g, h in zip(theirs.optimizer.param_groups, mine.optimizer.param_groups,
                        strict=True):
            if (why := value_difference(g["lr"], h["lr"])) is not None:
                return f"step {step}: the group's lr {why}"
        for i, (want, have) in enumerate(zip(theirs.values(), mine.values(), strict=True)):
            if (why := array_difference(want, have)) is not None:
                return f"step {step}: parameter {i} {why}"
    return None


# The schedulers of torch.optim.lr_scheduler, each in a few settings: m is the module
# (torch's or tinygrad_bn's lr_scheduler), o the optimizer (SGD, lr 0.1, momentum 0.9;
# Adam for the momentum-cycling ones' betas); the same lambda serves both sides.
SCHEDULES: dict[str, Any] = {
    "StepLR": lambda m, o: m.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 9], gamma=0.3),
    "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.9),
    "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
    "CosineAnnealingLR.no_floor": lambda m, o: m.CosineAnnealingLR(o, T_max=7),
    "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=31),
    "OneCycleLR.linear_three_phase": lambda m, o: m.OneCycleLR(
        o, max_lr=0.5, total_steps=31, anneal_strategy="linear", three_phase=True),
    "OneCycleLR.epochs": lambda m, o: m.OneCycleLR(o, max_lr=[0.4], epochs=4,
                                                   steps_per_epoch=8, pct_start=0.2),
    "CyclicLR": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=4),
    "CyclicLR.triangular2": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                    step_size_up=3, step_size_down=5,
                                                    mode="triangular2"),
    "CyclicLR.exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1,
                                                  step_size_up=4, mode="exp_range",
                                                  gamma=0.9, base_momentum=0.7),
    "ReduceLROnPlateau": lambda m, o: m.ReduceLROnPlateau(o, patience=2, factor=0.5),
    "ReduceLROnPlateau.max_abs_cooldown": lambda m, o: m.ReduceLROnPlateau(
        o, mode="max", threshold_mode="abs", threshold=0.01, cooldown=1, patience=1,
        min_lr=0.02),
    "LambdaLR": lambda m, o: m.LambdaLR(o, lr_lambda=lambda e: 0.95 ** e),
    "MultiplicativeLR": lambda m, o: m.MultiplicativeLR(o, lr_lambda=lambda e: 0.9),
    "SequentialLR": lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=3), m.ExponentialLR(o, gamma=0.9)],
        milestones=[5]),
    "ChainedScheduler": lambda m, o: m.ChainedScheduler(
        [m.ConstantLR(o, factor=0.5, total_iters=4), m.ExponentialLR(o, gamma=0.9)]),
    "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=10, power=2.0),
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.25, total_iters=8),
    "LinearLR.down": lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.1,
                                             total_iters=20),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=6),
    "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=5, T_mult=2, eta_min=0.01),
    # two schedulers on one optimizer, both stepped (PyTorch's chainable forms compose)
    "stacked.Constant_Exponential": lambda m, o: [m.ConstantLR(o, factor=0.4, total_iters=4),
                                                  m.ExponentialLR(o, gamma=0.9)],
    "stacked.Linear_Step": lambda m, o: [m.LinearLR(o, start_factor=0.1, total_iters=5),
                                         m.StepLR(o, step_size=4, gamma=0.5)],
}
SCHEDULES["swa_utils.SWALR"] = lambda m, o: m.SWALR(o, swa_lr=0.05, anneal_epochs=4)
SCHEDULES["swa_utils.SWALR.linear"] = lambda m, o: m.SWALR(o, swa_lr=[0.2], anneal_epochs=3,
                                                          anneal_strategy="linear")


def _schedules_of(lib: Any) -> Any:
    """A library's lr_scheduler names with swa_utils' SWALR beside them."""
    return types.SimpleNamespace(**{k: getattr(lib.optim.lr_scheduler, k)
                                    for k in dir(lib.optim.lr_scheduler)
                                    if not k.startswith("_")},
                                 SWALR=lib.optim.swa_utils.SWALR)


PLATEAU_METRICS = [1.0, 0.9, 0.9, 0.95, 0.9, 0.9, 0.91, 0.9, 0.9, 0.9, 0.92, 0.9, 0.8, 0.8, 0.8,
                   0.85, 0.8, 0.8, 0.8, 0.8, 0.7, 0.71, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7]


class _Schedule:
    """One library's SGD over one parameter, and its schedulers."""

    def __init__(self, lib: Any, module: Any, make: Any, name: str) -> None:
        self.p = lib.tensor(np.linspace(-1.0, 1.0, 4), requires_grad=True)
        optim = lib.optim
        self.optimizer = optim.Adam([self.p], lr=0.1) if "betas" in name else \
            optim.SGD([self.p], lr=0.1, momentum=0.9)
        made = make(module, self.optimizer)
        self.schedulers = made if isinstance(made, list) else [made]
        self.lib = lib

    def step(self, k: int) -> None:
        self.p.grad = self.lib.tensor(np.full(4, 0.1 * (k % 3 - 1)))
        self.optimizer.step()
        for s in self.schedulers:
            if type(s).__name__ == "ReduceLROnPlateau":
                s.step(PLATEAU_METRICS[k])
            else:
                s.step()


def run_schedule(name: str, torch: Any, steps: int = 30, resume_at: int = 15) -> str | None:
    """How tinygrad_bn's scheduler differs from torch's over `steps` steps: each step the
    lrs (get_last_lr(), the groups' lr, momentum, betas) and the parameter; at `resume_at`,
    a fresh optimizer and scheduler on each side load the state dicts and go on."""
    make = SCHEDULES[name]
    theirs = _Schedule(torch, _schedules_of(torch), make, name)
    try:
        mine = _Schedule(tg, _schedules_of(tg), make, name)
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return f"constructor raises {type(error).__name__}: {str(error)[:160]}"
    if (why := _schedule_difference(theirs, mine, "construction")) is not None:
        return why
    for k in range(steps):
        if k == resume_at:
            saved_theirs = (theirs.optimizer.state_dict(),
                            [s.state_dict() for s in theirs.schedulers])
            saved_mine = (mine.optimizer.state_dict(), [s.state_dict() for s in mine.schedulers])
            for key, value in saved_theirs[1][0].items():
                if key not in ("optimizer", "lr_lambdas", "_schedulers") and \
                        (why := value_difference(value, saved_mine[1][0].get(key))) is not None:
                    return f"state_dict()['{key}'] at step {k}: {why}"
            theirs = _resume(torch, _schedules_of(torch), make, name, saved_theirs,
                             theirs.p.detach().numpy().copy())
            try:
                mine = _resume(tg, _schedules_of(tg), make, name, saved_mine,
                               mine.p.detach().numpy().copy())
            except Exception as error:  # noqa: BLE001 (the difference we report)
                return f"resuming raises {type(error).__name__}: {str(error)[:160]}"
        try:
            mine.step(k)
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return f"step {k} raises {type(error).__name__}: {str(error)[:160]}"
        theirs.step(k)
        if (why := _schedule_difference(theirs, mine, f"step {k}")) is not None:
            return why
    return None


def _resume(lib: Any, module: Any, make: Any, name: str, saved: Any,
            value: np.ndarray) -> _Schedule:
    side = _Schedule(lib, module, make, name)
    side.p.data = lib.tensor(value)
    side.optimizer.load_state_dict(copy.deepcopy(saved[0]))
    for s, state in zip(side.schedulers, saved[1], strict=True):
        s.load_state_dict(copy.deepcopy(state))
    return side


def _schedule_difference(theirs: _Schedule, mine: _Schedule, when: str) -> str | None:
    for a, b in zip(theirs.schedulers, mine.schedulers, strict=True):
        if type(a).__name__ != "ReduceLROnPlateau" or hasattr(a, "_last_lr"):
            if (why := value_difference(a.get_last_lr(), b.get_last_lr())) is not None:
                return f"{when}: {type(a).__name__}.get_last_lr() {why}"
    for key in ("lr", "momentum", "betas", "initial_lr", "max_lr", "min_lr"):
        want = theirs.optimizer.param_groups[0].get(key)
        have = mine.optimizer.param_groups[0].get(key)
        if (why := value_difference(want, have)) is not None:
            return f"{when}: the group's {key} {why}"
    return None


# ---- PyTorch's error inputs (an entry's optim_error_inputs_func) ----

def error_inputs(info: Any, torch: Any) -> list[Any]:
    """The entry's error inputs on the CPU (those of complex parameters, which tinygrad_bn
    has no Tensor of, left out)."""
    if info.optim_error_inputs_func is None:
        return []
    out = []
    for error in info.optim_error_inputs_func(device="cpu", dtype=torch.float64):
        try:
            _params_to_tg(error.optimizer_error_input.params, torch, {})
        except Unconvertible:
            continue
        out.append(error)
    return out


def _params_to_tg(value: Any, torch: Any, seen: dict[int, Any]) -> Any:
    """PyTorch's parameters (in lists, groups and (name, parameter) pairs) as ours, the
    same torch tensor as the same Tensor of ours (duplicates stay duplicates)."""
    if isinstance(value, torch.Tensor):
        if id(value) not in seen:
            seen[id(value)] = to_tg(value, torch)
        return seen[id(value)]
    if isinstance(value, list | tuple):
        return type(value)(_params_to_tg(v, torch, seen) for v in value)
    if isinstance(value, dict):
        return {k: _params_to_tg(v, torch, seen) for k, v in value.items()}
    return to_tg(value, torch)


def run_error_input(info: Any, error: Any, torch: Any, ours_cls: Any) -> str | None:
    """How tinygrad_bn's constructor differs from torch's on one error input: torch raises
    error.error_type (or warns, for a Warning), ours must raise an exception of that type
    (ours derive from ValueError, TypeError, RuntimeError as PyTorch's) or warn alike."""
    optim_input = error.optimizer_error_input
    params = optim_input.params if optim_input.params is not None else \
        [torch.randn(2, 3, dtype=torch.float64, requires_grad=True)]
    ours_params = _params_to_tg(params, torch, {})
    kwargs = _ours_kwargs(info, optim_input.kwargs, torch)
    wanted = error.error_type
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            ours_cls(ours_params, **kwargs)
        except Exception as raised:  # noqa: BLE001 (compared with torch's)
            if issubclass(wanted, Warning):
                return f"raises {type(raised).__name__} where torch warns ({wanted.__name__})"
            if not isinstance(raised, wanted):
                return f"raises {type(raised).__name__}, not a {wanted.__name__}: " \
                       f"{str(raised)[:120]}"
            return None
    if issubclass(wanted, Warning) and any(issubclass(w.category, wanted) for w in caught):
        return None
    return f"no {wanted.__name__} (torch: {error.error_regex[:80]})"
