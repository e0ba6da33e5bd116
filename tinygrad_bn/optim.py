"""Optimizers: SGD, Adam, AdaGrad, RMSprop, with PyTorch's update rules and defaults.

`step()` updates every parameter that has a gradient, in place on `p.data`
with NumPy (no graph, no copies of the parameter, the parameter's dtype
kept); parameters whose `.grad` is None are skipped, and their state does not
advance. In every rule g is the gradient plus weight_decay * p (L2 penalty,
as PyTorch's `weight_decay`), and t counts the steps this parameter took.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from .recording import replay_as_call
from .tensor import Tensor


class Optimizer:
    """Base class: holds the parameters and one state dict per parameter; subclasses
    define `_update(param, grad, state)` for one parameter's arrays."""

    def __init__(self, params: Iterable[Tensor], weight_decay: float) -> None:
        name = type(self).__name__
        self.params = _param_list(name, params)
        if not self.params:
            raise ArgumentError(f"{name}: got an empty parameter list")
        seen: set[int] = set()
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise DTypeError(f"{name}: parameter {i} is not a Tensor that requires grad "
                                 f"(got {type(p).__name__})")
            if id(p) in seen:
                raise ArgumentError(f"{name}: parameter {i} appears more than once")
            seen.add(id(p))
        _check_range(name, weight_decay=weight_decay)
        self.weight_decay = weight_decay
        self.state: list[dict[str, Any]] = [{} for _ in self.params]

    @replay_as_call  # tg.compile calls it again on replay (tinygrad_bn/recording.py)
    def zero_grad(self) -> None:
        """Set every parameter's gradient to None."""
        for p in self.params:
            p.grad = None

    @replay_as_call  # reads lr and step counts of the moment: replayed as a call
    def step(self) -> None:
        """Update each parameter that has a gradient, in place."""
        for p, state in zip(self.params, self.state):
            if p.grad is None:
                continue
            grad = _grad_of(type(self).__name__, p)
            if self.weight_decay:
                grad = grad + self.weight_decay * p.data
            self._update(p.data, grad, state)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        raise NotImplementedError


def _param_list(name: str, params: Any) -> list:
    """The optimizer's parameters as a list; a single Tensor, an un-called method such as
    `model.parameters` and other non-iterables are refused (iterating a Tensor would walk
    its rows and optimize slices of it)."""
    if isinstance(params, Tensor):
        raise ArgumentTypeError(
            f"{name}: params must be an iterable of Tensors, got a single Tensor of shape "
            f"{params.shape}; pass [p] or model.parameters()")
    if not isinstance(params, Iterable):
        hint = " (a method: call it, e.g. model.parameters())" if callable(params) else ""
        raise ArgumentTypeError(f"{name}: params must be an iterable of Tensors, got "
                                f"{type(params).__name__}{hint}")
    return list(params)


def _grad_of(name: str, p: Tensor) -> np.ndarray:
    """p.grad's array, checked to be a Tensor of p's shape (NumPy would broadcast a wrong one)."""
    grad = p.grad
    if not isinstance(grad, Tensor):
        raise ArgumentTypeError(f"{name}.step: a parameter of shape {p.shape} has a .grad of "
                                f"type {type(grad).__name__}; a Tensor or None expected")
    if grad.shape != p.shape:
        raise ShapeError(f"{name}.step: a parameter of shape {p.shape} has a .grad of shape "
                         f"{grad.shape}; they must match")
    return grad.data


def _check_range(name: str, upper: float = math.inf, **values: float) -> None:
    """Each value must be a real number (not a bool) in [0, upper)."""
    for key, value in values.items():
        if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
            raise ArgumentTypeError(f"{name}: {key} must be a real number, got "
                                    f"{type(value).__name__} {value!r}")
        if not 0.0 <= value < upper:
            bound = "" if upper == math.inf else f" and < {upper}"
            raise ArgumentError(f"{name}: {key} must be >= 0{bound}, got {value}")


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum mu:
    b_1 = g_1, b_t = mu b_(t-1) + g_t;  d = g + mu b (nesterov) or b (momentum) or g;
    p <- p - lr d."""

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float = 0.0) -> None:
        super().__init__(params, weight_decay)
        _check_range("SGD", lr=lr, momentum=momentum)
        if nesterov and momentum == 0:
            raise ArgumentError("SGD: nesterov=True needs momentum > 0")
        self.lr, self.momentum, self.nesterov = lr, momentum, nesterov

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        if self.momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = grad.astype(param.dtype, copy=True)
            else:
                buf *= self.momentum
                buf += grad
            grad = grad + self.momentum * buf if self.nesterov else buf
        param -= self.lr * grad


class Adam(Optimizer):
    """Adam: m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g^2,
    p <- p - lr / (1 - b1^t) * m_t / (sqrt(v_t) / sqrt(1 - b2^t) + eps)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, weight_decay)
        _check_range("Adam", lr=lr, eps=eps)
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ArgumentError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        _check_range("Adam", upper=1.0, beta1=betas[0], beta2=betas[1])
        self.lr, self.betas, self.eps = lr, tuple(betas), eps

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        beta1, beta2 = self.betas
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        m *= beta1
        m += (1.0 - beta1) * grad
        v *= beta2
        v += (1.0 - beta2) * grad * grad
        denom = np.sqrt(v)
        denom /= math.sqrt(1.0 - beta2**t)
        denom += self.eps
        param -= (self.lr / (1.0 - beta1**t)) * m / denom


class AdaGrad(Optimizer):
    """AdaGrad: s_t = s + g^2 (s_0 = 0), p <- p - lr g / (sqrt(s_t) + eps)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, eps: float = 1e-10,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, weight_decay)
        _check_range("AdaGrad", lr=lr, eps=eps)
        self.lr, self.eps = lr, eps

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        if not state:
            state["sum"] = np.zeros_like(param)
        total = state["sum"]
        total += grad * grad
        denom = np.sqrt(total)
        denom += self.eps
        param -= self.lr * grad / denom


class RMSprop(Optimizer):
    """RMSprop: a_t = alpha a + (1 - alpha) g^2 (a_0 = 0), d = g / (sqrt(a_t) + eps);
    with momentum mu: b_t = mu b + d (b_0 = 0), p <- p - lr b_t; else p <- p - lr d."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(params, weight_decay)
        _check_range("RMSprop", lr=lr, alpha=alpha, eps=eps, momentum=momentum)
        self.lr, self.alpha, self.eps, self.momentum = lr, alpha, eps, momentum

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        if not state:
            state["square_avg"] = np.zeros_like(param)
            if self.momentum:
                state["momentum_buffer"] = np.zeros_like(param)
        avg = state["square_avg"]
        avg *= self.alpha
        avg += (1.0 - self.alpha) * grad * grad
        denom = np.sqrt(avg)
        denom += self.eps
        if self.momentum:
            buf = state["momentum_buffer"]
            buf *= self.momentum
            buf += grad / denom
            param -= self.lr * buf
        else:
            param -= self.lr * grad / denom
