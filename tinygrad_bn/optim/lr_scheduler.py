"""Learning-rate schedules with PyTorch's names, arguments and step protocol.

A scheduler owns an optimizer; `step()` (once per epoch, or per batch for OneCycleLR)
advances the step count t = `last_epoch` and writes each group's new "lr". Construction
takes step 0, so the lr is the schedule's first value right away. Every schedule here is
computed from its closed form in t and the group's base lr (its "initial_lr"), the
formulas of PyTorch's documentation; PyTorch evaluates most of them recursively from the
previous lr, which gives the same sequence to rounding (and a different one only if
something else changes the lr between steps).

`get_last_lr()` returns the lrs the last step set; `state_dict()` / `load_state_dict()`
save and restore everything but the optimizer (and, as PyTorch, LambdaLR's functions).
"""

from __future__ import annotations

import bisect
import math
import types
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError, DataError, TinygradError
from ..recording import replay_as_call
from .optimizer import Optimizer

__all__ = ["CosineAnnealingLR", "ExponentialLR", "LRScheduler", "LambdaLR", "MultiStepLR",
           "OneCycleLR", "StepLR"]


class LRScheduler:
    """Base class: subclasses define `_lr_at(t, base_lr, group_index)`."""

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
        self.step()

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        raise NotImplementedError

    def get_lr(self) -> list[float]:
        """The lr of every group at the current step."""
        return [self._lr_at(self.last_epoch, base, i) for i, base in enumerate(self.base_lrs)]

    @replay_as_call  # inside tg.compile: called again on every replay (tinygrad_bn/recording.py)
    def step(self) -> None:
        """Advance one step and write each group's lr."""
        if len(self.optimizer.param_groups) != len(self.base_lrs):  # PyTorch skips the new one
            raise ArgumentError(
                f"{type(self).__name__}: the optimizer has {len(self.optimizer.param_groups)} "
                f"parameter groups, the scheduler was made for {len(self.base_lrs)}: a group "
                f"added later would never be scheduled; make the scheduler after adding it")
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = list(lrs)

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
        _positive_int("StepLR", step_size=step_size)
        _number("StepLR", gamma=gamma)
        self.step_size, self.gamma = int(step_size), gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * self.gamma ** (t // self.step_size)


class MultiStepLR(LRScheduler):
    """lr_t = base_lr gamma^(number of milestones <= t)."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if isinstance(milestones, str) or not isinstance(milestones, Sequence | set) or not all(
                isinstance(m, int) and not isinstance(m, bool) for m in milestones):
            raise ArgumentTypeError(f"MultiStepLR: milestones must be a sequence of ints, got "
                                    f"{milestones!r}")
        _number("MultiStepLR", gamma=gamma)
        self.milestones, self.gamma = sorted(int(m) for m in milestones), gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * self.gamma ** bisect.bisect_right(self.milestones, t)


class ExponentialLR(LRScheduler):
    """lr_t = base_lr gamma^t."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _number("ExponentialLR", gamma=gamma)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * self.gamma ** t


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


class LambdaLR(LRScheduler):
    """lr_t = base_lr lr_lambda(t), one function for all groups or one per group."""

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float] | Sequence,
                 last_epoch: int = -1) -> None:
        groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        lambdas = list(lr_lambda) if isinstance(lr_lambda, list | tuple) else [lr_lambda] * groups
        if len(lambdas) != groups or not all(callable(f) for f in lambdas):
            raise ArgumentError(f"LambdaLR: lr_lambda must be a function or a list of "
                                f"{groups} functions (one per parameter group), got "
                                f"{lr_lambda!r}")
        self.lr_lambdas = lambdas
        super().__init__(optimizer, last_epoch)

    def _lr_at(self, t: int, base_lr: float, index: int) -> float:
        return base_lr * self.lr_lambdas[index](t)

    def state_dict(self) -> dict[str, Any]:
        """Without the functions (plain functions cannot be saved; callable objects' own
        attributes are, as PyTorch)."""
        state = super().state_dict()
        state["lr_lambdas"] = [None if _is_function(f) else dict(f.__dict__)
                               for f in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)
        for f, attributes in zip(self.lr_lambdas, saved):
            if attributes is not None:
                f.__dict__.update(attributes)


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
        self.total_steps, self.anneal_strategy = int(total_steps), anneal_strategy
        self.cycle_momentum = bool(cycle_momentum)
        first = float(pct_start * total_steps) - 1
        if three_phase:
            self._phases = [(first, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr",
                             "base_momentum", "max_momentum"),
                            (total_steps - 1, "initial_lr", "min_lr", "max_momentum",
                             "max_momentum")]
        else:
            self._phases = [(first, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                            (total_steps - 1, "max_lr", "min_lr", "base_momentum",
                             "max_momentum")]
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
        if self.anneal_strategy == "cos":
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
            for i, (end, lr_from, lr_to, m_from, m_to) in enumerate(self._phases):
                if t <= end or i == len(self._phases) - 1:
                    pct = (t - start) / (end - start)
                    lrs.append(self._anneal(group[lr_from], group[lr_to], pct))
                    if self.cycle_momentum:
                        self._set_momentum(group, self._anneal(group[m_from], group[m_to], pct))
                    break
                start = end
        return lrs


def _per_group(name: str, value: Any, groups: int) -> list[float]:
    if isinstance(value, list | tuple):
        if len(value) != groups:
            raise ArgumentError(f"OneCycleLR: {name} has {len(value)} values for {groups} "
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
