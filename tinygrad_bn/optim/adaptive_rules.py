"""More update rules with PyTorch's defaults, state names and order of operations: Adadelta,
Adamax, NAdam, RAdam, Rprop, ASGD. As in rules.py, g is the gradient plus weight_decay * p
(NAdam and RAdam with decoupled_weight_decay=True decay p itself instead: p <- p (1 - lr wd)),
t counts this parameter's steps, and every rule runs in place into its state and scratch
buffers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArgumentError
from .optimizer import Optimizer, _check_betas, _check_range, _Scratch, switches
from .rules import _AdamFamily, _decayed
from .state_tensors import scalar_dtype


class Adadelta(Optimizer):
    """Adadelta (Zeiler 2012): a = rho a + (1 - rho) g^2, d = sqrt(u + eps) / sqrt(a + eps) g,
    u = rho u + (1 - rho) d^2, p <- p - lr d (state: square_avg a, acc_delta u)."""

    def __init__(self, params: Any, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "rho": rho, "eps": eps,
                                  "weight_decay": weight_decay,
                                  **switches(maximize, foreach, differentiable,
                                             capturable=capturable)})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range("Adadelta", lr=group["lr"], eps=group["eps"])
        _check_range("Adadelta", upper=1.0 + 1e-12, rho=group["rho"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        rho, eps = group["rho"], group["eps"]
        if not state:
            state.update(step=0, square_avg=np.zeros_like(param),
                         acc_delta=np.zeros_like(param))
        state["step"] += 1
        g = _decayed(param, grad, group["weight_decay"], s[2])
        avg, acc, std, delta = state["square_avg"], state["acc_delta"], s[0], s[1]
        avg *= rho
        np.multiply(g, g, out=std)
        std *= 1.0 - rho
        avg += std
        np.add(avg, eps, out=std)
        np.sqrt(std, out=std)
        np.add(acc, eps, out=delta)
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        acc *= rho
        np.multiply(delta, delta, out=std)
        std *= 1.0 - rho
        acc += std
        delta *= group["lr"]
        param -= delta


class Adamax(Optimizer):
    """Adamax (Kingma & Ba 2015, the infinity-norm Adam): m = b1 m + (1 - b1) g,
    u = max(b2 u, |g| + eps), p <- p - lr / (1 - b1^t) m / u (state: exp_avg, exp_inf)."""

    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay,
                                  **switches(maximize, foreach, differentiable,
                                             capturable=capturable)})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range("Adamax", lr=group["lr"], eps=group["eps"])
        _check_betas("Adamax", group["betas"])
        group["betas"] = tuple(group["betas"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        (beta1, beta2), eps = group["betas"], group["eps"]
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_inf=np.zeros_like(param))
        state["step"] += 1
        g = _decayed(param, grad, group["weight_decay"], s[1])
        m, u, tmp = state["exp_avg"], state["exp_inf"], s[0]
        np.subtract(g, m, out=tmp)  # m <- m + (1 - b1)(g - m), PyTorch's lerp
        tmp *= 1.0 - beta1
        m += tmp
        u *= beta2
        np.abs(g, out=tmp)
        tmp += eps
        np.maximum(u, tmp, out=u)
        np.divide(m, u, out=tmp)
        tmp *= group["lr"] / (1.0 - beta1 ** state["step"])
        param -= tmp


class NAdam(_AdamFamily):
    """Adam with Nesterov momentum (Dozat 2016) and PyTorch's momentum schedule
    mu_t = b1 (1 - 0.96^(t psi) / 2), psi = momentum_decay:
    p <- p - lr (1 - mu_t) / (1 - prod_{i<=t} mu_i) g / d
           - lr mu_(t+1) / (1 - prod_{i<=t+1} mu_i) m / d,  d = sqrt(v / (1 - b2^t)) + eps
    (state: step, mu_product, exp_avg, exp_avg_sq)."""

    def __init__(self, params: Any, lr: float = 2e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay, "momentum_decay": momentum_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  **switches(maximize, foreach, differentiable,
                                             capturable=capturable)})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range("NAdam", momentum_decay=group["momentum_decay"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        if not state:
            state.update(step=0, mu_product=scalar_dtype().type(1.0),
                         exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        g = self._moments(param, grad, state, group, s)
        (beta1, beta2), lr, psi = group["betas"], group["lr"], group["momentum_decay"]
        t = state["step"]
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        # PyTorch keeps the product as a 0-d tensor of the scalar dtype (float32 unless the
        # default dtype is float64; the parameter's after load_state_dict) and multiplies in
        # it: a NumPy scalar of that dtype here, the same rounding
        kind = _kind(state["mu_product"])
        state["mu_product"] = kind(state["mu_product"]) * kind(mu)
        product = float(state["mu_product"])
        denom, tmp = s[2], s[0]  # s[1] may hold g (the decayed gradient)
        np.divide(state["exp_avg_sq"], 1.0 - beta2**t, out=denom)
        np.sqrt(denom, out=denom)
        denom += group["eps"]
        np.divide(g, denom, out=tmp)
        tmp *= -lr * (1.0 - mu) / (1.0 - product)
        param += tmp
        np.divide(state["exp_avg"], denom, out=tmp)
        tmp *= -lr * mu_next / (1.0 - product * mu_next)
        param += tmp


class RAdam(_AdamFamily):
    """Rectified Adam (Liu et al. 2020): with rho_inf = 2 / (1 - b2) - 1 and
    rho_t = rho_inf - 2 t b2^t / (1 - b2^t), the bias-corrected momentum m / (1 - b1^t)
    is applied with lr alone while rho_t <= 5, else scaled by the rectification
    r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)) and the
    adaptive rate sqrt(1 - b2^t) / (sqrt(v) + eps)."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay,
                                  "decoupled_weight_decay": decoupled_weight_decay,
                                  **switches(maximize, foreach, differentiable,
                                             capturable=capturable)})

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(param), exp_avg_sq=np.zeros_like(param))
        self._moments(param, grad, state, group, s)
        (beta1, beta2), lr, t = group["betas"], group["lr"], state["step"]
        correction1, correction2 = 1.0 - beta1**t, 1.0 - beta2**t
        step = s[1]
        np.divide(state["exp_avg"], correction1, out=step)
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * t * beta2**t / correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                             / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            adaptive = s[0]
            np.sqrt(state["exp_avg_sq"], out=adaptive)
            adaptive += group["eps"]
            np.divide(math.sqrt(correction2), adaptive, out=adaptive)
            step *= lr
            step *= adaptive
            step *= rect
        else:
            step *= lr
        param -= step


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller & Braun 1993), PyTorch's variant: per element a
    step size d (d_0 = lr) grows by eta+ while g_t g_(t-1) > 0, shrinks by eta- where the
    sign flipped (and that step is skipped: g_t is taken as 0, also as the next g_(t-1)),
    clipped to [step_min, step_max]; p <- p - sign(g_t) d (state: step, prev, step_size).
    No weight decay, as PyTorch's."""

    def __init__(self, params: Any, lr: float = 1e-2, etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "etas": etas, "step_sizes": step_sizes,
                                  **switches(maximize, foreach, differentiable,
                                             capturable=capturable)})

    def _check_group(self, group: dict[str, Any]) -> None:
        for key in ("etas", "step_sizes"):
            pair = group[key]
            if not isinstance(pair, tuple | list) or len(pair) != 2:
                raise ArgumentError(f"Rprop: {key} must be a pair, got {pair!r}")
            _check_range("Rprop", **{f"{key}[0]": pair[0], f"{key}[1]": pair[1]})
            group[key] = tuple(pair)
        _check_range("Rprop", lr=group["lr"])
        minus, plus = group["etas"]
        if not 0.0 < minus < 1.0 < plus:
            raise ArgumentError(f"Rprop: etas must satisfy 0 < eta- < 1 < eta+, got "
                                f"{group['etas']}")
        super()._check_group(group)

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        (minus, plus), (smallest, largest) = group["etas"], group["step_sizes"]
        if not state:
            state.update(step=0, prev=np.zeros_like(param),
                         step_size=np.full_like(param, group["lr"]))
        state["step"] += 1
        prev, size, change = state["prev"], state["step_size"], s[0]
        np.multiply(grad, prev, out=change)
        flipped = change < 0
        # the factor per element: eta+ where the sign held, eta- where it flipped, else 1
        np.copyto(change, np.where(change > 0, plus, np.where(flipped, minus, 1.0)))
        size *= change
        np.clip(size, smallest, largest, out=size)
        np.copyto(prev, grad)
        prev[flipped] = 0
        np.sign(prev, out=change)
        change *= size
        param -= change


class ASGD(Optimizer):
    """Averaged SGD (Polyak & Juditsky 1992), PyTorch's form: p <- p (1 - lambd eta) - eta g,
    then the average ax <- ax + mu (p - ax) (ax = p while mu = 1), and for the next step
    eta = lr / (1 + lambd lr t)^alpha, mu = 1 / max(1, t - t0) (state: step, eta, mu, ax)."""

    def __init__(self, params: Any, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75,
                 t0: float = 1e6, weight_decay: float = 0, foreach: bool | None = None,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        super().__init__(params, {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                                  "weight_decay": weight_decay,
                                  **switches(maximize, foreach, differentiable,
                                             capturable=capturable)})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range("ASGD", lr=group["lr"], lambd=group["lambd"], alpha=group["alpha"],
                      t0=group["t0"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        lr, lambd = group["lr"], group["lambd"]
        # eta and mu are PyTorch's 0-d tensors of the scalar dtype (float32 unless the
        # default dtype is float64; the parameter's after load_state_dict): NumPy scalars of
        # that dtype here, rounded as there, read as Python floats
        if not state:
            scalar = scalar_dtype().type
            state.update(step=0, eta=scalar(lr), mu=scalar(1.0), ax=np.zeros_like(param))
        state["step"] += 1
        g = _decayed(param, grad, group["weight_decay"], s[1])
        eta, tmp, ax = float(state["eta"]), s[0], state["ax"]
        param *= 1.0 - lambd * eta
        np.multiply(g, -eta, out=tmp)
        param += tmp
        if state["mu"] != 1:
            np.subtract(param, ax, out=tmp)
            tmp *= float(state["mu"])
            ax += tmp
        else:
            np.copyto(ax, param)
        t = state["step"]
        # PyTorch copies a new tensor of the default dtype into them: rounded to that first
        scalar = scalar_dtype().type
        state["eta"] = _kind(state["eta"])(scalar(lr / (1.0 + lambd * lr * t) ** group["alpha"]))
        state["mu"] = _kind(state["mu"])(scalar(1.0 / max(1.0, t - group["t0"])))


def _kind(value: Any) -> Any:
    """The NumPy scalar type a state scalar is kept in (the scalar dtype for a number of
    an older state dict)."""
    return type(value) if isinstance(value, np.floating) else scalar_dtype().type
