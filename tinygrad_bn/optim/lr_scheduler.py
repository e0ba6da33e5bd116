"""Learning-rate schedules with PyTorch's names, arguments and step protocol.

A scheduler owns an optimizer; `step()` (once per epoch, or per batch for OneCycleLR)
advances the step count t = `last_epoch` and writes each group's new "lr". Construction
takes step 0, so the lr is the schedule's first value right away.

As PyTorch's, the multiplicative schedules (Step, MultiStep, Exponential, Constant, Linear,
Polynomial, and CosineAnnealingLR) step recursively: each step multiplies (or moves) the lr
the group holds now (`_chained`), so two schedulers stepping one optimizer compose (a
warm-up and a decay). Each also has its closed form in t and the group's base lr, its
"initial_lr" (`_lr_at`), used by `step(epoch)` and by SequentialLR's hand-overs, as
PyTorch's `_get_closed_form_lr`. The others (LambdaLR, OneCycleLR, CyclicLR,
CosineAnnealingWarmRestarts) compute the closed form at every step, as PyTorch's.

`get_last_lr()` returns the lrs the last step set; `state_dict()` / `load_state_dict()`
save and restore everything but the optimizer (and, as PyTorch, LambdaLR's functions).

Combinators: SequentialLR hands over from one schedule to the next at milestones (each
restarting at its step 0); ChainedScheduler steps several at once, one after the other, so
their recursive forms compose. ReduceLROnPlateau is driven by a metric, not by the step
count.

Why one file of over 500 lines: it holds PyTorch's whole torch.optim.lr_scheduler namespace, one
small class per schedule.
"""

from __future__ import annotations

import bisect
import math
import types
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError, DataError, TinygradError
from ..recording import replay_as_call
from ..tensor import Tensor
from .optimizer import Optimizer

__all__ = ["ChainedScheduler", "ConstantLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
           "CyclicLR", "ExponentialLR", "LRScheduler", "LambdaLR", "LinearLR", "MultiStepLR",
           "MultiplicativeLR", "OneCycleLR", "PolynomialLR", "ReduceLROnPlateau", "SequentialLR",
           "StepLR"]


class LRScheduler:
    """Base class: subclasses define `_lr_at(t, base_lr, group_index)`, the closed form, and
    the multiplicative ones `_chained(t, lr, base_lr)`, the step from the group's lr now."""

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(f"{type(self).__name__}: needs an Optimizer, got "
                                    f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        elif any("initial_lr" not in g for g in optimizer.param_groups):
            raise ArgumentError(f"{type(self).__name__}: resuming at last_epoch={last_epoch} "
                                f"needs 'initial_lr' in every parameter group")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        # PyTorch's bookkeeping, kept under its names so that state dicts have the same keys
        # both ways: steps taken (the construction's first among them), whether get_lr runs
        # inside step, whether the construction's step is running
        self._step_count = 0
        self._get_lr_called_within_step = False
        self._is_initial = True
        self.step()
        self._is_initial = False

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        raise NotImplementedError

    _chained: Callable[[int, float, float], float] | None = None

    def get_lr(self) -> list[float]:
        """The lr of every group at the current step: from the group's lr now (a
        multiplicative schedule), else the closed form."""
        if self._chained is not None:
            return [self._chained(self.last_epoch, group["lr"], base)
                    for group, base in zip(self.optimizer.param_groups, self.base_lrs)]
        return self._closed_form()

    def _closed_form(self) -> list[float]:
        return [self._lr_at(self.last_epoch, base, i) for i, base in enumerate(self.base_lrs)]

    @replay_as_call  # inside tg.compile: called again on every replay (tinygrad_bn/recording.py)
    def step(self, epoch: int | None = None) -> None:
        """Advance one step and write each group's lr; `epoch` (deprecated in PyTorch, which
        warns, as here) jumps to that step count instead."""
        if len(self.optimizer.param_groups) != len(self.base_lrs):  # PyTorch skips the new one
            raise ArgumentError(
                f"{type(self).__name__}: the optimizer has {len(self.optimizer.param_groups)} "
                f"parameter groups, the scheduler was made for {len(self.base_lrs)}: a group "
                f"added later would never be scheduled; make the scheduler after adding it")
        if epoch is None:
            self.last_epoch += 1
        else:
            if isinstance(epoch, bool) or not isinstance(epoch, int | float):
                raise ArgumentTypeError(f"{type(self).__name__}.step: epoch must be an int or "
                                        f"None, got {epoch!r}")
            warnings.warn("The epoch parameter in `scheduler.step()` is deprecated (as in "
                          "PyTorch): call step() without it", UserWarning, stacklevel=3)
            self.last_epoch = epoch
        self._step_count += 1
        self._write(self.get_lr if epoch is None else self._at_epoch)

    def _at_epoch(self) -> list[float]:
        """The lrs at a step jumped to (PyTorch's `_get_closed_form_lr` where it has one)."""
        return self._closed_form() if type(self)._lr_at is not LRScheduler._lr_at \
            else self.get_lr()

    def _write(self, lrs_of: Callable[[], list[float]]) -> None:
        """Write the lrs `lrs_of` gives into the groups (a Tensor lr in place, as PyTorch)."""
        self._get_lr_called_within_step = True
        try:
            lrs = lrs_of()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, lrs):
            if isinstance(group["lr"], Tensor):
                group["lr"].fill_(float(lr))
            else:
                group["lr"] = lr
        self._last_lr = [g["lr"].clone() if isinstance(g["lr"], Tensor) else g["lr"]
                         for g in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what state_dict() saved (of a scheduler of the same kind and groups)."""
        name = type(self).__name__
        expected = set(self.state_dict())
        if not isinstance(state_dict, dict) or set(state_dict) - expected - {"lr_lambdas"} or \
                "last_epoch" not in state_dict:
            raise DataError(f"{name}.load_state_dict: expected the dict {name}.state_dict() "
                            f"gives (keys {sorted(expected)}), got {str(state_dict)[:80]}")
        epoch = state_dict["last_epoch"]
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < -1:
            raise DataError(f"{name}.load_state_dict: last_epoch must be an int >= -1, got "
                            f"{epoch!r}")
        lrs = state_dict.get("base_lrs", self.base_lrs)
        if not isinstance(lrs, list) or len(lrs) != len(self.base_lrs):
            raise DataError(f"{name}.load_state_dict: base_lrs must be a list of "
                            f"{len(self.base_lrs)} lrs, got {lrs!r}")
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """lr_t = base_lr gamma^floor(t / step_size)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        # PyTorch's language-model tutorial passes step_size=1.0: a float with an integral
        # value counts as that int (a fractional one has no meaning here, refused)
        if isinstance(step_size, float) and step_size.is_integer():
            step_size = int(step_size)
        _positive_int("StepLR", step_size=step_size)
        _number("StepLR", gamma=gamma)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)

    def _chained(self, t: int, lr: float, base_lr: float) -> float:
        return lr if t == 0 or t % self.step_size else lr * self.gamma


class MultiStepLR(LRScheduler):
    """lr_t = base_lr gamma^(number of milestones <= t)."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(milestones, str) or not isinstance(milestones, Sequence | set) or not all(
                isinstance(m, int) and not isinstance(m, bool) for m in milestones):
            raise ArgumentTypeError(f"MultiStepLR: milestones must be a sequence of ints, got "
                                    f"{milestones!r}")
        _number("MultiStepLR", gamma=gamma)
        # a Counter, as PyTorch keeps it (a repeated milestone applies gamma once per copy)
        self.milestones, self.gamma = Counter(int(m) for m in milestones), gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        passed = sum(count for milestone, count in self.milestones.items() if milestone <= t)
        return base_lr * self.gamma ** passed

    def _chained(self, t: int, lr: float, base_lr: float) -> float:
        return lr * self.gamma ** self.milestones[t] if t in self.milestones else lr


class ExponentialLR(LRScheduler):
    """lr_t = base_lr gamma^t."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _number("ExponentialLR", gamma=gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * self.gamma ** t

    def _chained(self, t: int, lr: float, base_lr: float) -> float:
        return lr if self._is_initial else lr * self.gamma


class CosineAnnealingLR(LRScheduler):
    """lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2 (SGDR without
    restarts; past T_max the cosine keeps going, back up towards base_lr, as PyTorch)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        _positive_int("CosineAnnealingLR", T_max=T_max)
        self.T_max, self.eta_min = int(T_max), eta_min
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) \
            / 2

    def _chained(self, t: int, lr: float, base_lr: float) -> float:
        """PyTorch's recursion: the ratio of consecutive cosine terms applied to lr - eta_min
        (at the top of a period, where that ratio is 0/0, the increment instead; the first
        step of a resumed schedule, the closed form)."""
        if self._is_initial:
            return lr
        if self._step_count == 1 and t > 0:
            return self._lr_at(t, base_lr, 0)
        if (t - 1 - self.T_max) % (2 * self.T_max) == 0:
            return lr + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
        return (1 + math.cos(math.pi * t / self.T_max)) / \
            (1 + math.cos(math.pi * (t - 1) / self.T_max)) * (lr - self.eta_min) + self.eta_min


class _Lambdas:
    """The per-group functions of LambdaLR and MultiplicativeLR: one for all groups or one
    per group, and their state (plain functions cannot be saved; callable objects' own
    attributes are, as PyTorch)."""

    lr_lambdas: list[Callable[[int], float]]

    def _take(self, optimizer: Any, lr_lambda: Any) -> None:
        groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        lambdas = list(lr_lambda) if isinstance(lr_lambda, list | tuple) else [lr_lambda] * groups
        if len(lambdas) != groups or not all(callable(f) for f in lambdas):
            raise ArgumentError(f"{type(self).__name__}: lr_lambda must be a function or a "
                                f"list of {groups} functions (one per parameter group), got "
                                f"{lr_lambda!r}")
        self.lr_lambdas = lambdas

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()  # type: ignore[misc]
        state["lr_lambdas"] = [None if _is_function(f) else dict(f.__dict__)
                               for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)  # type: ignore[misc]
        for f, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                f.__dict__.update(attributes)


class LambdaLR(_Lambdas, LRScheduler):
    """lr_t = base_lr lr_lambda(t), one function for all groups or one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence,
                 last_epoch: int = -1) -> None:
        self._take(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * self.lr_lambdas[index](t)


class MultiplicativeLR(_Lambdas, LRScheduler):
    """lr_t = lr_{t-1} lr_lambda(t) for t > 0 (lr_0 = base_lr): each step multiplies the
    group's current lr, as PyTorch's (recursive: a change made to the lr in between is
    kept, and ChainedScheduler does not take it)."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence,
                 last_epoch: int = -1) -> None:
        self._take(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch > 0:
            return [group["lr"] * f(self.last_epoch) for group, f in zip(groups, self.lr_lambdas)]
        return [group["lr"] for group in groups]


def _is_function(f: Any) -> bool:
    return isinstance(f, types.FunctionType | types.BuiltinFunctionType | types.MethodType)


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin), stepped once per batch: from initial_lr =
    max_lr / div_factor up to max_lr over the first pct_start of total_steps, then down to
    min_lr = initial_lr / final_div_factor (three_phase: back to initial_lr first, then to
    min_lr), each phase annealed by cosine, start + (end - start)(1 - cos(pi p)) / 2, or
    linearly, at the phase's fraction p. With cycle_momentum the momentum (SGD's
    "momentum" or Adam's beta1) moves the opposite way between max_momentum and
    base_momentum. Stepping past total_steps is an error, as PyTorch."""

    def __init__(self, optimizer: Optimizer, max_lr: float | Sequence[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.85,
                 max_momentum: float | Sequence[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(f"OneCycleLR: needs an Optimizer, got "
                                    f"{type(optimizer).__name__}")
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ArgumentError("OneCycleLR: give total_steps, or epochs and "
                                    "steps_per_epoch")
            _positive_int("OneCycleLR", epochs=epochs, steps_per_epoch=steps_per_epoch)
            total_steps = epochs * steps_per_epoch
        _positive_int("OneCycleLR", total_steps=total_steps)
        if not 0.0 <= pct_start <= 1.0:
            raise ArgumentError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                                f"{anneal_strategy!r}")
        # PyTorch's names and layouts (state dicts load both ways)
        self.total_steps, self._anneal_func_type = int(total_steps), anneal_strategy
        self.cycle_momentum = bool(cycle_momentum)
        first = float(pct_start * total_steps) - 1
        if three_phase:
            phases = [(first, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                      (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr",
                       "base_momentum", "max_momentum"),
                      (total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                       "max_momentum")]
        else:
            phases = [(first, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                      (total_steps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        keys = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")
        self._schedule_phases = [dict(zip(keys, phase)) for phase in phases]
        groups = optimizer.param_groups
        for key, value in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
                raise ArgumentError(f"OneCycleLR: {key} must be a number > 0, got {value!r}")
        self.use_beta1 = "betas" in optimizer.defaults
        if self.cycle_momentum and not self.use_beta1 and "momentum" not in optimizer.defaults:
            raise ArgumentError("OneCycleLR: cycle_momentum=True needs an optimizer with "
                                "'momentum' or 'betas' (pass cycle_momentum=False)")
        if last_epoch == -1:
            for group, top in zip(groups, _per_group("max_lr", max_lr, len(groups))):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
            if self.cycle_momentum:
                for group, high, low in zip(groups,
                                            _per_group("max_momentum", max_momentum, len(groups)),
                                            _per_group("base_momentum", base_momentum,
                                                       len(groups))):
                    self._set_momentum(group, high)
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if t > self.total_steps:
            raise TinygradError(f"OneCycleLR: stepped {t} times, more than total_steps="
                                f"{self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if t <= end or i == len(self._schedule_phases) - 1:
                    pct = (t - start) / (end - start)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]],
                                            pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[phase["start_momentum"]],
                                                               group[phase["end_momentum"]], pct))
                    break
                start = end
        return lrs


def _per_group(name: str, value: Any, groups: int, op: str = "OneCycleLR") -> list[float]:
    if isinstance(value, list | tuple):
        if len(value) != groups:
            raise ArgumentError(f"{op}: {name} has {len(value)} values for {groups} "
                                f"parameter groups")
        return list(value)
    return [value] * groups


def _number(op: str, **values: Any) -> None:
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
            raise ArgumentTypeError(f"{op}: {key} must be a number, got {value!r}")


def _positive_int(op: str, **values: Any) -> None:
    for key, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ArgumentError(f"{op}: {key} must be a positive int, got {value!r}")


class LinearLR(LRScheduler):
    """lr_t = base_lr (s + (e - s) min(t, total_iters) / total_iters), s = start_factor,
    e = end_factor."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ArgumentError(f"LinearLR: start_factor must be in (0, 1] and end_factor in "
                                f"[0, 1], got {start_factor}, {end_factor}")
        _positive_int("LinearLR", total_iters=total_iters)
        self.start_factor, self.end_factor = start_factor, end_factor
        self.total_iters = int(total_iters)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor)
                          * min(self.total_iters, t) / self.total_iters)

    def _chained(self, t: int, lr: float, base_lr: float) -> float:
        if t == 0:
            return lr * self.start_factor
        if self._is_initial or t > self.total_iters:
            return lr
        change = self.end_factor - self.start_factor
        return lr * (1.0 + change / (self.total_iters * self.start_factor + (t - 1) * change))


class ConstantLR(LRScheduler):
    """lr_t = base_lr factor for t < total_iters, then base_lr."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if not 0 <= factor <= 1:
            raise ArgumentError(f"ConstantLR: factor must be in [0, 1], got {factor}")
        _positive_int("ConstantLR", total_iters=total_iters)
        self.factor, self.total_iters = factor, int(total_iters)
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * (self.factor + (t >= self.total_iters) * (1 - self.factor))

    def _chained(self, t: int, lr: float, base_lr: float) -> float:
        if t == 0:
            return lr * self.factor
        return lr * (1.0 / self.factor) if t == self.total_iters else lr


class PolynomialLR(LRScheduler):
    """lr_t = base_lr (1 - min(t, total_iters) / total_iters)^power."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        _positive_int("PolynomialLR", total_iters=total_iters)
        self.total_iters, self.power = int(total_iters), power
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * (1.0 - min(self.total_iters, t) / self.total_iters) ** self.power

    def _chained(self, t: int, lr: float, base_lr: float) -> float:
        if self._is_initial or t > self.total_iters:
            return lr
        return lr * ((1.0 - t / self.total_iters) / (1.0 - (t - 1) / self.total_iters)) \
            ** self.power


class CosineAnnealingWarmRestarts(LRScheduler):
    """SGDR (Loshchilov & Hutter 2017): lr = eta_min + (base_lr - eta_min)
    (1 + cos(pi T_cur / T_i)) / 2, where T_cur counts the steps since the last restart and
    the i-th period lasts T_i = T_0 T_mult^i. step(epoch) may jump to a (fractional) epoch."""

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1,  # noqa: N803
                 eta_min: float = 0.0, last_epoch: int = -1) -> None:
        _positive_int("CosineAnnealingWarmRestarts", T_0=T_0, T_mult=T_mult)
        self.T_0, self.T_i, self.T_mult, self.eta_min = int(T_0), int(T_0), int(T_mult), eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.T_cur
                                                                      / self.T_i)) / 2
                for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one step, or go to `epoch`."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
                self.T_i *= self.T_mult
        elif epoch < 0:
            raise ArgumentError(f"CosineAnnealingWarmRestarts: epoch must be >= 0, got {epoch}")
        elif epoch >= self.T_0:
            if self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:
                n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult**n - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult**n
        else:
            self.T_i, self.T_cur = self.T_0, epoch
        self.last_epoch = math.floor(epoch)
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)


class CyclicLR(LRScheduler):
    """Cyclical learning rates (Smith 2017), stepped per batch: within each cycle of
    step_size_up + step_size_down steps the lr rises linearly from base_lr to max_lr and
    falls back, the amplitude scaled by scale_fn (triangular: 1; triangular2: 1 / 2^(c - 1)
    in cycle c; exp_range: gamma^t), of the cycle or of the step count (scale_mode). With
    cycle_momentum the momentum (or Adam's beta1) moves the opposite way between
    max_momentum and base_momentum."""

    def __init__(self, optimizer: Optimizer, base_lr: float | Sequence[float],
                 max_lr: float | Sequence[float], step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None,
                 scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum: float | Sequence[float] = 0.8,
                 max_momentum: float | Sequence[float] = 0.9, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(f"CyclicLR: needs an Optimizer, got "
                                    f"{type(optimizer).__name__}")
        groups = optimizer.param_groups
        base_lrs = _per_group("base_lr", base_lr, len(groups), "CyclicLR")
        if last_epoch == -1:
            for lr, group in zip(base_lrs, groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", max_lr, len(groups), "CyclicLR")
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        if up <= 0 or down <= 0:
            raise ArgumentError(f"CyclicLR: step sizes must be positive, got {up}, {down}")
        self.total_size, self.step_ratio = up + down, up / (up + down)
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ArgumentError(f"CyclicLR: mode must be 'triangular', 'triangular2' or "
                                f"'exp_range' (or give scale_fn), got {mode!r}")
        if scale_mode not in ("cycle", "iterations"):
            raise ArgumentError(f"CyclicLR: scale_mode must be 'cycle' or 'iterations', got "
                                f"{scale_mode!r}")
        self.mode, self.gamma, self._scale_fn_custom = mode, gamma, scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else \
            ("iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ArgumentError("CyclicLR: cycle_momentum=True needs an optimizer with "
                                    "'momentum' or 'betas' (pass cycle_momentum=False)")
            self.use_beta1 = "betas" in optimizer.defaults
            self.base_momentums = _per_group("base_momentum", base_momentum, len(groups),
                                             "CyclicLR")
            self.max_momentums = _per_group("max_momentum", max_momentum, len(groups),
                                            "CyclicLR")
            if last_epoch == -1:
                for high, low, group in zip(self.max_momentums, self.base_momentums, groups):
                    self._set_momentum(group, high)
                    group["max_momentum"], group["base_momentum"] = high, low
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def scale_fn(self, x: float) -> float:
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        cycle = math.floor(1 + t / self.total_size)
        x = 1.0 + t / self.total_size - cycle
        factor = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else t)
        lrs = [base + (top - base) * factor * scale
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, high in zip(self.optimizer.param_groups, self.base_momentums,
                                        self.max_momentums):
                self._set_momentum(group, high - (high - low) * factor * scale)
        return lrs

    def state_dict(self) -> dict[str, Any]:
        """As PyTorch's: a custom scale_fn is saved as None when it is a function (which
        cannot be pickled), as its attributes when it is a callable object."""
        state = super().state_dict()
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None if fn is None or isinstance(fn, types.FunctionType) \
            else fn.__dict__.copy()
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        attributes = state.pop("_scale_fn_custom", None)
        super().load_state_dict(state)
        if attributes is not None and self._scale_fn_custom is not None:
            self._scale_fn_custom.__dict__.update(attributes)


class ReduceLROnPlateau:
    """Multiply each group's lr by `factor` (not below its min_lr; changes smaller than eps
    are skipped) when the metric passed to step(metric) has not improved for more than
    `patience` steps, then wait `cooldown` steps. Improvement: in mode "min", a < best
    (1 - threshold) ("rel") or a < best - threshold ("abs"); mode "max" mirrors it."""

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | Sequence[float] = 0,
                 eps: float = 1e-8) -> None:
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(f"ReduceLROnPlateau: needs an Optimizer, got "
                                    f"{type(optimizer).__name__}")
        if not factor < 1.0:
            raise ArgumentError(f"ReduceLROnPlateau: factor must be < 1, got {factor}")
        if mode not in ("min", "max") or threshold_mode not in ("rel", "abs"):
            raise ArgumentError(f"ReduceLROnPlateau: mode must be 'min' or 'max' and "
                                f"threshold_mode 'rel' or 'abs', got {mode!r}, "
                                f"{threshold_mode!r}")
        self.optimizer, self.factor = optimizer, factor
        self.min_lrs = _per_group("min_lr", min_lr, len(optimizer.param_groups),
                                  "ReduceLROnPlateau")
        # PyTorch's record of a scalar min_lr (None for one per group): a state-dict key
        self.default_min_lr = None if isinstance(min_lr, list | tuple) else min_lr
        self.patience, self.cooldown, self.cooldown_counter = patience, cooldown, 0
        self.mode, self.threshold, self.threshold_mode, self.eps = mode, threshold, \
            threshold_mode, eps
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best, self.num_bad_epochs, self.last_epoch = self.mode_worse, 0, 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel"
                        else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel"
                    else best + self.threshold)

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def step(self, metrics: Any, epoch: int | None = None) -> None:
        current = float(metrics.item() if hasattr(metrics, "item") else metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.__dict__.update(state_dict)


def _schedulers(op: str, schedulers: Any) -> list[LRScheduler]:
    items = list(schedulers) if isinstance(schedulers, list | tuple) else None
    if not items or not all(isinstance(s, LRScheduler) for s in items):
        raise ArgumentTypeError(f"{op}: schedulers must be a non-empty list of LRSchedulers, "
                                f"got {schedulers!r}")
    return items


class SequentialLR(LRScheduler):
    """schedulers[0] until milestones[0], then schedulers[1] (restarted at its step 0) until
    milestones[1], and so on."""

    def __init__(self, optimizer: Optimizer, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        items = _schedulers("SequentialLR", schedulers)
        if len(milestones) != len(items) - 1:
            raise ArgumentError(f"SequentialLR: {len(items)} schedulers need "
                                f"{len(items) - 1} milestones, got {list(milestones)}")
        if any(s.optimizer is not optimizer for s in items):
            raise ArgumentError("SequentialLR: every scheduler must drive the given optimizer")
        self.optimizer, self._schedulers = optimizer, items
        self._milestones = [int(m) for m in milestones]
        self.last_epoch = last_epoch + 1
        for group in optimizer.param_groups:  # undo the schedulers' first steps
            group["lr"] = group["initial_lr"]
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        for scheduler in items:
            scheduler.last_epoch -= 1
        first = items[bisect.bisect_right(self._milestones, 0)]
        first._step_count, first._is_initial = 0, True  # PyTorch's initial step
        try:
            first.step()
        finally:
            first._is_initial = False
        self._last_lr = first.get_last_lr()

    def step(self) -> None:
        self.last_epoch += 1
        k = bisect.bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[k]
        if k > 0 and self._milestones[k - 1] == self.last_epoch:
            # the hand-over: the next schedule restarts at its step 0, in its closed form
            scheduler.last_epoch = 0
            scheduler._write(scheduler._at_epoch)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        for scheduler, saved in zip(self._schedulers, state.pop("_schedulers")):
            scheduler.load_state_dict(saved)
        self.__dict__.update(state)


class ChainedScheduler(LRScheduler):
    """Steps every scheduler, one after the other, on one optimizer: their recursive forms
    compose (lr = initial_lr times each one's factor for the multiplicative schedules)."""

    def __init__(self, schedulers: Sequence[LRScheduler],
                 optimizer: Optimizer | None = None) -> None:
        items = _schedulers("ChainedScheduler", schedulers)
        self.optimizer = items[0].optimizer if optimizer is None else optimizer
        if any(s.optimizer is not self.optimizer for s in items):
            raise ArgumentError("ChainedScheduler: every scheduler must drive one optimizer")
        self._schedulers = items
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        return {"_last_lr": list(self._last_lr),
                "_schedulers": [s.state_dict() for s in self._schedulers]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for scheduler, saved in zip(self._schedulers, state_dict["_schedulers"]):
            scheduler.load_state_dict(saved)
        self._last_lr = list(state_dict["_last_lr"])
