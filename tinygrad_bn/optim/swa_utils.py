"""Stochastic weight averaging, PyTorch's torch.optim.swa_utils: AveragedModel keeps a
running average of a model's parameters (an equal-weight mean by default, or an exponential
moving average, or any rule), SWALR anneals each group's lr to its swa_lr, and update_bn
recomputes batch-norm statistics for the averaged weights with one pass over the data.

    swa (default):  p_avg <- p_avg + (p - p_avg) / (n + 1)    (n models averaged so far)
    ema(decay):     p_avg <- decay p_avg + (1 - decay) p
    SWALR at step t (alpha = (1 - cos(pi s)) / 2, or s for "linear", s = min(1, t / anneal)):
                    lr_t = alpha swa_lr + (1 - alpha) lr_0, computed as PyTorch does, from the
                    group's current lr (so a changed lr carries into the annealing)
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ..modes import no_grad
from ..nn.module import Module
from ..nn.norm_layers import _BatchNorm
from ..tensor import Tensor
from .lr_scheduler import LRScheduler
from .optimizer import Optimizer

__all__ = ["SWALR", "AveragedModel", "get_ema_avg_fn", "get_ema_multi_avg_fn",
           "get_swa_avg_fn", "get_swa_multi_avg_fn", "update_bn"]


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[..., None]:
    """In place over lists: p_avg <- decay p_avg + (1 - decay) p."""
    _check_decay("get_ema_multi_avg_fn", decay)

    def ema_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Any) -> None:
        for avg, now in zip(averaged, current):
            avg._data += (1.0 - decay) * (now._data - avg._data)
    return ema_update


def get_swa_multi_avg_fn() -> Callable[..., None]:
    """In place over lists: p_avg <- p_avg + (p - p_avg) / (n + 1)."""
    def swa_update(averaged: list[Tensor], current: list[Tensor], num_averaged: Any) -> None:
        n = float(num_averaged._data if isinstance(num_averaged, Tensor) else num_averaged)
        for avg, now in zip(averaged, current):
            avg._data += (now._data - avg._data) / (n + 1.0)
    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[..., Tensor]:
    """One parameter: decay p_avg + (1 - decay) p."""
    _check_decay("get_ema_avg_fn", decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return decay * ema_param + (1.0 - decay) * current_param
    return ema_update


def get_swa_avg_fn() -> Callable[..., Tensor]:
    """One parameter: p_avg + (p - p_avg) / (n + 1)."""
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


def _check_decay(op: str, decay: Any) -> None:
    if isinstance(decay, bool) or not isinstance(decay, int | float) or not 0.0 <= decay <= 1.0:
        raise ArgumentError(f"{op}: decay must be a number in [0, 1], got {decay!r}")


class AveragedModel(Module):
    """A copy of `model` (its `module`) whose parameters (and buffers, with use_buffers) are
    the average of the models passed to `update_parameters`; `n_averaged` counts them.
    avg_fn(p_avg, p, n) returns one averaged parameter, multi_avg_fn(avgs, ps, n) updates
    lists in place; neither: the equal-weight swa mean. Without use_buffers the buffers
    are copied from the latest model."""

    def __init__(self, model: Module, device: Any = None, avg_fn: Callable[..., Any] | None = None,
                 multi_avg_fn: Callable[..., Any] | None = None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if not isinstance(model, Module):
            raise ArgumentTypeError(f"AveragedModel: model must be a Module, got "
                                    f"{type(model).__name__}")
        for name, fn in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if fn is not None and not callable(fn):
                raise ArgumentTypeError(f"AveragedModel: {name} must be callable or None, got "
                                        f"{type(fn).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise ArgumentError("AveragedModel: give avg_fn or multi_avg_fn, not both")
        self.module = copy.deepcopy(model)
        self.register_buffer("n_averaged", np.array(0, dtype=np.int64))
        self.avg_fn, self.multi_avg_fn, self.use_buffers = avg_fn, multi_avg_fn, use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def _tensors(self, model: Module) -> list[Any]:
        buffers = model.buffers() if self.use_buffers else ()
        return list(itertools.chain(model.parameters(), buffers))

    def update_parameters(self, model: Module) -> None:
        """Average `model`'s parameters (and buffers, with use_buffers) into this copy."""
        mine, theirs = self._tensors(self.module), self._tensors(model)
        if len(mine) != len(theirs):
            raise ArgumentError(f"AveragedModel.update_parameters: the model has {len(theirs)} "
                                f"parameters (and buffers), the averaged copy {len(mine)}")
        mine = [_as_tensor(t) for t in mine]
        theirs = [_as_tensor(t) for t in theirs]
        n = self.n_averaged
        with no_grad():
            if int(n) == 0:
                for avg, now in zip(mine, theirs):
                    avg._data[...] = now._data
            elif self.avg_fn is not None:
                count = Tensor(n.copy())
                for avg, now in zip(mine, theirs):
                    result = self.avg_fn(avg.detach(), now.detach(), count)
                    avg._data[...] = result._data if isinstance(result, Tensor) else result
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())(
                    [a.detach() for a in mine], [t.detach() for t in theirs], Tensor(n.copy()))
        if not self.use_buffers:  # the buffers follow the latest model
            for avg, now in zip(self.module.buffers(), model.buffers()):
                _as_tensor(avg)._data[...] = _as_tensor(now)._data
        np.add(n, 1, out=n)


def _as_tensor(value: Any) -> Tensor:
    """A buffer may be an ndarray: a Tensor sharing its memory."""
    return value if isinstance(value, Tensor) else Tensor(value)


@no_grad()
def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Reset every batch norm's running statistics and recompute them as the cumulative
    average over one pass of `loader` (a batch, or a (batch, ...) pair per item) in training
    mode; the momenta and the model's mode are restored after."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        for batch in loader:
            model(batch[0] if isinstance(batch, list | tuple) else batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's lr to its swa_lr (a number, or one per group) over anneal_epochs
    steps, by a cosine ("cos") or linear ("linear") curve; then hold it."""

    def __init__(self, optimizer: Optimizer, swa_lr: Any, anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        name = "SWALR"
        if not isinstance(optimizer, Optimizer):
            raise ArgumentTypeError(f"{name}: needs an Optimizer, got "
                                    f"{type(optimizer).__name__}")
        groups = optimizer.param_groups
        lrs = list(swa_lr) if isinstance(swa_lr, list | tuple) else [swa_lr] * len(groups)
        if len(lrs) != len(groups):
            raise ArgumentError(f"{name}: swa_lr must be a number or one per parameter group "
                                f"({len(groups)}), got {len(lrs)} values")
        for lr in lrs:
            if isinstance(lr, bool) or not isinstance(lr, int | float):
                raise ArgumentTypeError(f"{name}: swa_lr must be numbers, got {lr!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ArgumentError(f"{name}: anneal_strategy must be 'cos' or 'linear', got "
                                f"{anneal_strategy!r}")
        if isinstance(anneal_epochs, bool) or not isinstance(anneal_epochs, int) \
                or anneal_epochs < 0:
            raise ArgumentError(f"{name}: anneal_epochs must be an int >= 0, got "
                                f"{anneal_epochs!r}")
        for lr, group in zip(lrs, groups):
            group["swa_lr"] = lr
        # under PyTorch's private name, so that state dicts have PyTorch's keys both ways
        self.anneal_epochs, self._anneal_strategy = anneal_epochs, anneal_strategy
        super().__init__(optimizer, last_epoch)

    def _alpha(self, t: float) -> float:
        return (1.0 - math.cos(math.pi * t)) / 2.0 if self._anneal_strategy == "cos" else t

    def get_lr(self) -> list[float]:
        step = self.last_epoch if self.anneal_epochs else max(1, self.last_epoch)
        span = max(1, self.anneal_epochs)
        before = self._alpha(max(0.0, min(1.0, (step - 1) / span)))
        alpha = self._alpha(max(0.0, min(1.0, step / span)))
        lrs = []
        for group in self.optimizer.param_groups:
            swa = group["swa_lr"]  # the lr before annealing, from the current one
            start = swa if before == 1 else (group["lr"] - before * swa) / (1 - before)
            lrs.append(swa * alpha + start * (1 - alpha))
        return lrs
