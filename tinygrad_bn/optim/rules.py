"""The update rules: SGD, Adam, AdamW, AdaGrad, RMSprop, with PyTorch's rules and defaults
(Adadelta, Adamax, NAdam, RAdam: adaptive_rules.py; LBFGS: lbfgs.py).

In every rule g is the gradient, plus weight_decay * p for the L2 penalty of PyTorch's
`weight_decay` (AdamW instead decays p itself: p <- p (1 - lr wd)), and t counts the
steps this parameter took. Each rule runs as in-place ufuncs: intermediates go to the
state's buffers or to the parameter's scratch arrays (`s[0]`, `s[1]`), so after the first
step (which creates the state) a step allocates no arrays. The order of operations is
PyTorch's, so results agree with it to rounding.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..dtypes import factor
from ..errors import ArgumentError
from ..tensor import Tensor
from .optimizer import (
    Optimizer,
    _check_betas,
    _check_range,
    _refuse_grad,
    _Scratch,
    switches,
)


def _decayed(param: np.ndarray, grad: np.ndarray, wd: float, out: np.ndarray) -> np.ndarray:
    """g + wd p into `out` (or g itself when wd = 0: the gradient is never written)."""
    if not wd:
        return grad
    np.multiply(param, wd, out=out)
    out += grad
    return out


class SGD(Optimizer):
    """Stochastic gradient descent with optional (Nesterov) momentum mu and dampening tau:
    b_1 = g_1, b_t = mu b_(t-1) + (1 - tau) g_t;  d = g + mu b (nesterov) or b (momentum)
    or g;  p <- p - lr d. (dampening follows weight_decay here, where PyTorch puts it
    before, and lr has no default, where PyTorch's is 1e-3: the contract's leading
    arguments stay; pass the others by keyword.)"""

    def __init__(self, params: Any, lr: float, momentum: float = 0, nesterov: bool = False,
                 weight_decay: float = 0, dampening: float = 0, *, maximize: bool = False,
                 foreach: bool | None = None, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov,
                                  "weight_decay": weight_decay, "dampening": dampening,
                                  **switches(maximize, foreach, differentiable, fused=fused)})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range("SGD", lr=group["lr"], momentum=group["momentum"],
                     dampening=group["dampening"])
        if group["nesterov"] and (group["momentum"] == 0 or group["dampening"] != 0):
            raise ArgumentError("SGD: nesterov=True needs momentum > 0 and dampening 0")

    def _group_step(self, group: dict[str, Any]) -> bool:
        """Plain SGD (no momentum, no weight decay, not maximize): p <- p - lr g for each
        parameter, the options read once per group; `_update`'s arithmetic on the same
        scratch array, so the same bits. Such a step keeps no state. A subclass with its
        own `_update` gets it called.

        The group's parameters, their arrays and scratch arrays are kept as a plan
        (`_SGDPlan`), valid while the group holds the same parameters (compared by
        identity, in order) of one dtype: a parameter whose array changed (its .grad
        then may not fit it), goes through the checked path (`_plain_param`),
        which raises the same errors and makes the plan again at the next step."""
        if group["momentum"] or group["weight_decay"] or group["maximize"] or \
                type(self)._update is not SGD._update:
            return False
        lr, params = group["lr"], group["params"]
        if type(lr) is Tensor:  # PyTorch's Tensor lr, read as its number
            lr = float(lr.item())
        plans = self.__dict__.setdefault("_sgd_plans", {})
        plan = plans.get(id(group))
        if plan is None or plan.group is not group or plan.ids != [*map(id, params)]:
            plan = plans[id(group)] = _SGDPlan(self, group)
        if plan.dtype is None:  # several dtypes: a factor per parameter's dtype
            self._plain_params(params, lr)
            return True
        # a Python float lr as a 0-d array of the parameters' one dtype (as `_update`)
        scale = factor(lr, plan.dtype) if type(lr) is float else lr
        multiply = np.multiply
        for p, data, out in plan.entries:
            grad = p._grad  # the engine's slot (a parameter is a leaf): no property call
            if grad is None:
                continue
            if p._data is not data or grad._data.shape != data.shape:
                plans.pop(id(group), None)  # made again at the next step
                self._plain_param(p, lr)
                continue
            multiply(grad._data, scale, out)  # out positional: no keyword names
            data -= out
        return True

    def _plain_params(self, params: list[Tensor], lr: Any) -> None:
        """Plain SGD on each parameter through `_plain_param` (a group without a plan)."""
        lr_dtype = lr_factor = None
        for p in params:
            lr_dtype, lr_factor = self._plain_param(p, lr, lr_dtype, lr_factor)

    def _plain_param(self, p: Tensor, lr: Any, lr_dtype: Any = None,
                     lr_factor: Any = None) -> tuple[Any, Any]:
        """p <- p - lr p.grad with every check (the path of a parameter outside a valid
        plan); returns the last (dtype, factor) of lr, reused while the dtype repeats."""
        grad = p._grad
        if grad is None:
            return lr_dtype, lr_factor
        data = p._data
        if grad._data.shape != data.shape:
            _refuse_grad(type(self).__name__, p)
        scratch = self._scratch.get(id(p))
        if scratch is None or scratch.like is not data:
            scratch = self._scratch_of(p, data, self.state.get(p))
        arrays = scratch.arrays
        out = arrays[0] if arrays else scratch[0]
        if type(lr) is float:  # as in _update: a Python float as a 0-d array
            if data.dtype is not lr_dtype:  # one factor per dtype met, not per parameter
                lr_dtype = data.dtype
                lr_factor = factor(lr, lr_dtype)
            np.multiply(grad._data, lr_factor, out)
        else:
            np.multiply(grad._data, lr, out)
        data -= out
        return lr_dtype, lr_factor

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        lr, mu, tau, wd = group["lr"], group["momentum"], group["dampening"], \
            group["weight_decay"]
        d = _decayed(param, grad, wd, s[0]) if wd else grad
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = d.astype(param.dtype, copy=True)
            else:
                buf *= mu
                if tau:
                    out = s[1] if d is s[0] else s[0]
                    np.multiply(d, 1.0 - tau, out=out)
                    buf += out
                else:
                    buf += d
            if group["nesterov"]:
                out = s[1] if d is s[0] else s[0]
                np.multiply(buf, mu, out=out)
                out += d
                d = out
            else:
                d = buf
        out = s[0]
        # a Python float lr as a 0-d array of the parameter's dtype: the same bits (NumPy
        # casts a Python float to the array's dtype), ~1 us less per parameter
        np.multiply(d, factor(lr, param.dtype) if type(lr) is float else lr, out=out)
        param -= out


class _SGDPlan:
    """A plain SGD group's parameters as (parameter, its array, its scratch array) in the
    group's order, with the identities they were taken from (`ids`, `group`) and their one
    dtype (None when they have several: the group then takes the plain path). The arrays
    are checked by identity at each step; the scratch arrays are the optimizer's own
    (`Optimizer._scratch`), so a later momentum or plain step writes the same memory. A
    parameter whose scratch is not made yet for its array gets None for both: its first
    step with a gradient takes the plain path, which makes it."""

    __slots__ = ("group", "ids", "entries", "dtype")

    def __init__(self, opt: SGD, group: dict[str, Any]) -> None:
        params = group["params"]
        self.group, self.ids = group, [*map(id, params)]
        dtypes = {p._data.dtype for p in params}
        self.dtype = dtypes.pop() if len(dtypes) == 1 else None
        entries = []
        for p in params:
            data, scratch = p._data, opt._scratch.get(id(p))
            if scratch is None or scratch.like is not data:
                entries.append((p, None, None))
            else:
                entries.append((p, data, scratch[0]))
        self.entries = entries


class _AdamFamily(Optimizer):
    """The Adam family (Adam, AdamW, NAdam, RAdam): its checks of lr, eps and betas, and the
    moments m and v every member updates the same way."""

    def _check_group(self, group: dict[str, Any]) -> None:
        name = type(self).__name__
        super()._check_group(group)
        _check_range(name, lr=group["lr"], eps=group["eps"])
        _check_betas(name, group["betas"])
        group["betas"] = tuple(group["betas"])

    def _moments(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                 group: dict[str, Any], s: _Scratch) -> np.ndarray:
        """Advance t, decay (L2 into g, or decoupled into p), update m and v in the state;
        returns the gradient used (scratch s[1] when decayed, s[0] is overwritten)."""
        (beta1, beta2), lr, wd = group["betas"], group["lr"], group["weight_decay"]
        state["step"] += 1
        if group["decoupled_weight_decay"]:
            param *= 1.0 - lr * wd
            g = grad
        else:
            g = _decayed(param, grad, wd, s[1])
        m, v, tmp = state["exp_avg"], state["exp_avg_sq"], s[0]
        # m <- m + (1 - b1)(g - m), PyTorch's lerp; v <- b2 v + (1 - b2) g^2
        np.subtract(g, m, out=tmp)
        tmp *= 1.0 - beta1
        m += tmp
        v *= beta2
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - beta2
        v += tmp
        return g


class Adam(_AdamFamily):
    """Adam: m_t = b1 m + (1 - b1) g, v_t = b2 v + (1 - b2) g^2,
    p <- p - lr / (1 - b1^t) * m_t / (sqrt(v_t) / sqrt(1 - b2^t) + eps); with amsgrad
    (Reddi et al. 2018) the running maximum of v_t, kept as max_exp_avg_sq, replaces v_t
    in the denominator. decoupled_weight_decay=True is AdamW."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "amsgrad": amsgrad,
                                  **switches(maximize, foreach, differentiable,
                                             capturable=capturable, fused=fused,
                                             decoupled_weight_decay=decoupled_weight_decay)})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        # PyTorch's Adam and AdamW (not NAdam, RAdam) take betas as two Python floats
        if not all(isinstance(b, float) for b in group["betas"]):
            raise ArgumentError(f"{type(self).__name__}: betas must be either both floats or "
                                f"both Tensors, got {group['betas']!r} (write 0.0, not 0)")

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        amsgrad = group["amsgrad"]
        if amsgrad and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = np.zeros_like(param)
        self._moments(param, grad, state, group, s)
        t, m, v, tmp = state["step"], state["exp_avg"], state["exp_avg_sq"], s[0]
        if amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        np.sqrt(v, out=tmp)
        tmp /= math.sqrt(1.0 - beta2**t)
        tmp += eps
        np.divide(m, tmp, out=tmp)
        tmp *= lr / (1.0 - beta1**t)
        param -= tmp


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): p <- p (1 - lr wd) before the
    Adam step, whose g is the plain gradient. Default weight_decay 1e-2, as PyTorch."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)


class AdaGrad(Optimizer):
    """AdaGrad: s_t = s + g^2 (s_0 = initial_accumulator_value),
    p <- p - lr_t g / (sqrt(s_t) + eps) with lr_t = lr / (1 + (t - 1) lr_decay)."""

    def __init__(self, params: Any, lr: float = 1e-2, eps: float = 1e-10,
                 weight_decay: float = 0, lr_decay: float = 0,
                 initial_accumulator_value: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 fused: bool | None = None) -> None:
        super().__init__(params, {"lr": lr, "eps": eps, "weight_decay": weight_decay,
                                  "lr_decay": lr_decay,
                                  "initial_accumulator_value": initial_accumulator_value,
                                  **switches(maximize, foreach, differentiable, fused=fused)})
        self._init_state()

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range(type(self).__name__, lr=group["lr"], eps=group["eps"],
                     lr_decay=group["lr_decay"],
                     initial_accumulator_value=group["initial_accumulator_value"])

    def _init_state(self) -> None:
        """Every parameter's state made now, as PyTorch's constructor makes it (a parameter
        that never gets a gradient has its step 0 and its initial sum in the state dict)."""
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {"step": 0, "sum": np.full_like(
                    p._data, group["initial_accumulator_value"])}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        if not state:
            state.update(step=0, sum=np.full_like(param, group["initial_accumulator_value"]))
        state["step"] += 1
        g = _decayed(param, grad, group["weight_decay"], s[1])
        clr = group["lr"] / (1.0 + (state["step"] - 1) * group["lr_decay"])
        total, tmp = state["sum"], s[0]
        np.multiply(g, g, out=tmp)
        total += tmp
        np.sqrt(total, out=tmp)
        tmp += group["eps"]
        np.divide(g, tmp, out=tmp)
        tmp *= clr
        param -= tmp


class Adagrad(AdaGrad):
    """AdaGrad under PyTorch's name, with PyTorch's order of the arguments (AdaGrad's is the
    project contract's: eps before weight_decay)."""

    def __init__(self, params: Any, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, foreach: bool | None = None, *, maximize: bool = False,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        super().__init__(params, lr, eps, weight_decay, lr_decay, initial_accumulator_value,
                         foreach, maximize=maximize, differentiable=differentiable, fused=fused)


class RMSprop(Optimizer):
    """RMSprop: a_t = alpha a + (1 - alpha) g^2 (a_0 = 0), d = g / (sqrt(a_t) + eps);
    centered (Graves 2013): also m_t = alpha m + (1 - alpha) g (m_0 = 0), and
    d = g / (sqrt(a_t - m_t^2) + eps); with momentum mu: b_t = mu b + d (b_0 = 0),
    p <- p - lr b_t; else p <- p - lr d. (momentum comes before weight_decay here, where
    PyTorch puts it after: the contract's order; pass them by keyword.)"""

    def __init__(self, params: Any, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 momentum: float = 0, weight_decay: float = 0, centered: bool = False,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "momentum": momentum,
                                  "weight_decay": weight_decay, "centered": centered,
                                  **switches(maximize, foreach, differentiable,
                                             capturable=capturable)})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range("RMSprop", lr=group["lr"], alpha=group["alpha"], eps=group["eps"],
                     momentum=group["momentum"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        alpha, mu = group["alpha"], group["momentum"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param))
            if mu:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        state["step"] += 1
        g = _decayed(param, grad, group["weight_decay"], s[1])
        avg, tmp = state["square_avg"], s[0]
        avg *= alpha
        np.multiply(g, 1.0 - alpha, out=tmp)  # PyTorch's addcmul: ((1 - alpha) g) g
        tmp *= g
        avg += tmp
        if group["centered"]:
            mean = state.get("grad_avg")
            if mean is None:  # centered turned on after the first step
                mean = state["grad_avg"] = np.zeros_like(param)
            np.subtract(g, mean, out=tmp)  # m <- m + (1 - alpha)(g - m), PyTorch's lerp
            tmp *= 1.0 - alpha
            mean += tmp
            np.multiply(mean, mean, out=tmp)
            np.subtract(avg, tmp, out=tmp)
            np.sqrt(tmp, out=tmp)
        else:
            np.sqrt(avg, out=tmp)
        tmp += group["eps"]
        np.divide(g, tmp, out=tmp)
        if mu:
            buf = state.get("momentum_buffer")
            if buf is None:  # momentum turned on after the first step (e.g. by a scheduler)
                buf = state["momentum_buffer"] = np.zeros_like(param)
            buf *= mu
            buf += tmp
            np.multiply(buf, group["lr"], out=tmp)
        else:
            tmp *= group["lr"]
        param -= tmp
