"""L-BFGS (Nocedal 1980; Liu & Nocedal 1989) as PyTorch runs it: `step(closure)` performs up
to max_iter iterations on all parameters seen as one flat vector x, re-evaluating the loss
and gradient through `closure` (which zeroes the gradients, computes the loss, calls
backward and returns it).

Each iteration forms the direction d = -H g from the last history_size pairs
(s_k = x_(k+1) - x_k, y_k = g_(k+1) - g_k, kept only when y.s > 1e-10) by the two-loop
recursion with H_0 = (y.s / y.y) I, then moves x <- x + t d with t = lr (the first
iteration: min(1, 1 / |g|_1) lr), or with t from a strong-Wolfe line search
(line_search_fn="strong_wolfe": bracketing, then zooming by cubic interpolation, c1 = 1e-4,
c2 = 0.9, at most 25 evaluations). It stops on max_iter, max_eval evaluations, a gradient
below tolerance_grad (max norm), a step or a loss change below tolerance_change. The
history lives in the state of the first parameter, as PyTorch's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ..tensor import Tensor, enable_grad
from .optimizer import Optimizer, _check_range


def _cubic_minimum(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                   bounds: tuple[float, float] | None = None) -> float:
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped
    to `bounds` (default: between x1 and x2); their middle when the cubic has none."""
    low, high = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square < 0:
        return (low + high) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return float(min(max(at, low), high))


def _strong_wolfe(evaluate: Callable[[float], tuple[float, np.ndarray]], t: float,
                  d: np.ndarray, f: float, g: np.ndarray, gtd: float, c1: float = 1e-4,
                  c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25
                  ) -> tuple[float, np.ndarray, float, int]:
    """A step t along d meeting the strong Wolfe conditions (sufficient decrease with c1,
    |slope| <= c2 |initial slope|); returns (loss, gradient, t, evaluations)."""
    d_norm = float(np.abs(d).max())
    f_new, g_new = evaluate(t)
    evals, gtd_new = 1, float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g.copy(), gtd
    done, ls_iter = False, 0
    bracket: list[float] = []
    while ls_iter < max_ls:  # bracketing
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, b_f, b_g, b_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, b_f, b_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket, b_f, b_g, b_gtd = [t_prev, t], [f_prev, f_new], [g_prev, g_new], \
                [gtd_prev, gtd_new]
            break
        low, high = t + 0.01 * (t - t_prev), t * 10
        previous = t
        t = _cubic_minimum(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, (low, high))
        t_prev, f_prev, g_prev, gtd_prev = previous, f_new, g_new, gtd_new
        f_new, g_new = evaluate(t)
        evals, gtd_new, ls_iter = evals + 1, float(g_new @ d), ls_iter + 1
    if ls_iter == max_ls:
        bracket, b_f, b_g = [0.0, t], [f, f_new], [g, g_new]
    insufficient = False
    low_pos, high_pos = (0, 1) if b_f[0] <= b_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:  # zoom
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_minimum(bracket[0], b_f[0], b_gtd[0], bracket[1], b_f[1], b_gtd[1])
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # too close to an end: move inside
            if insufficient or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient = False
            else:
                insufficient = True
        else:
            insufficient = False
        f_new, g_new = evaluate(t)
        evals, gtd_new, ls_iter = evals + 1, float(g_new @ d), ls_iter + 1
        if f_new > f + c1 * t * gtd or f_new >= b_f[low_pos]:
            bracket[high_pos], b_f[high_pos], b_g[high_pos], b_gtd[high_pos] = \
                t, f_new, g_new, gtd_new
            low_pos, high_pos = (0, 1) if b_f[0] <= b_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], b_f[high_pos], b_g[high_pos], b_gtd[high_pos] = \
                    bracket[low_pos], b_f[low_pos], b_g[low_pos], b_gtd[low_pos]
            bracket[low_pos], b_f[low_pos], b_g[low_pos], b_gtd[low_pos] = \
                t, f_new, g_new, gtd_new
    return b_f[low_pos], b_g[low_pos], bracket[low_pos], evals


class LBFGS(Optimizer):
    """L-BFGS with PyTorch's arguments and defaults (one parameter group); see the module
    docstring. `step(closure)` returns the loss of the first evaluation."""

    def __init__(self, params: Any, lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                                  "tolerance_grad": tolerance_grad,
                                  "tolerance_change": tolerance_change,
                                  "history_size": history_size,
                                  "line_search_fn": line_search_fn})
        if len(self.param_groups) != 1:
            raise ArgumentError("LBFGS: supports one parameter group only")

    def _check_group(self, group: dict[str, Any]) -> None:
        _check_range("LBFGS", lr=group["lr"], tolerance_grad=group["tolerance_grad"],
                     tolerance_change=group["tolerance_change"])
        for key in ("max_iter", "max_eval", "history_size"):
            value = group[key]
            if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
                raise ArgumentError(f"LBFGS: {key} must be a positive int, got {value!r}")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ArgumentError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                                f"{group['line_search_fn']!r}")

    def _state_shape(self, key: str, shape: tuple[int, ...]) -> tuple[int, ...]:
        """The state (on the first parameter) holds vectors over all the parameters."""
        return (sum(p._data.size for p in self.params),)

    # ---- the parameters as one vector ----
    def _flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p._grad is None
                               else p._grad._data.ravel() for p in self.params])

    def _add(self, t: float, d: np.ndarray) -> None:
        offset = 0
        for p in self.params:
            n = p._data.size
            p._data += t * d[offset:offset + n].reshape(p._data.shape)
            offset += n

    def _set(self, values: list[np.ndarray]) -> None:
        for p, v in zip(self.params, values):
            p._data[...] = v

    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        if not callable(closure):
            raise ArgumentTypeError("LBFGS.step: needs a closure that clears the gradients, "
                                    "computes the loss, calls backward and returns the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        if isinstance(lr, Tensor):  # PyTorch's Tensor lr, read as its number
            lr = float(lr.item())
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history = group["history_size"]

        def evaluate() -> float:
            with enable_grad():
                loss = closure()
            return float(loss.item() if isinstance(loss, Tensor) else loss)

        state = self.state.setdefault(self.params[0], {"func_evals": 0, "n_iter": 0})
        orig_loss = None
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss.item() if isinstance(orig_loss, Tensor) else orig_loss)
        evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if np.abs(flat_grad).max() <= tol_grad:
            return orig_loss
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_flat_grad = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, h_diag = -flat_grad, [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:  # keep the pair only when the curvature is positive
                    if len(old_dirs) == history:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                # the coefficients of the two-loop recursion, kept in the state as PyTorch
                # keeps them (one slot per pair of the history, None where never used)
                al = state.setdefault("al", [None] * history)
                q = -flat_grad
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                d = r = q * h_diag
                for i in range(len(old_dirs)):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            t = min(1.0, 1.0 / float(np.abs(flat_grad).sum())) * lr if state["n_iter"] == 1 \
                else lr
            gtd = float(flat_grad @ d)
            if gtd > -tol_change:  # not a descent direction
                break
            ls_evals = 0
            if group["line_search_fn"] is not None:
                start = [p._data.copy() for p in self.params]

                def along(step: float, start: list = start, d: np.ndarray = d
                          ) -> tuple[float, np.ndarray]:
                    self._add(step, d)
                    value = evaluate()
                    grad = self._flat_grad()
                    self._set(start)
                    return value, grad

                loss, flat_grad, t, ls_evals = _strong_wolfe(along, t, d, loss, flat_grad, gtd,
                                                             tolerance_change=tol_change)
                self._add(t, d)
                converged = np.abs(flat_grad).max() <= tol_grad
            else:
                self._add(t, d)
                converged = False
                if n_iter != max_iter:
                    loss = evaluate()
                    flat_grad = self._flat_grad()
                    converged = np.abs(flat_grad).max() <= tol_grad
                    ls_evals = 1
            evals += ls_evals
            state["func_evals"] += ls_evals
            if n_iter == max_iter or evals >= max_eval or converged:
                break
            if np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss
