"""Numerical gradient checks: analytic gradients against central differences, in float64.

`gradcheck` compares, for every element x_j of every input that requires
grad, the analytic d<v, f(x)>/dx_j (one backward) with the central difference
(<v, f(x + eps e_j)> - <v, f(x - eps e_j)>) / (2 eps), where v is a random
upstream gradient: a plain `sum()` would hide ops whose gradient sums to zero
(softmax, batch norm). The error of the difference is O(eps^2) plus rounding
O(ulp / eps), so float32 inputs are refused: their rounding error at
eps = 1e-6 is ~0.1, larger than any useful tolerance.

Forward mode is checked too (`check_forward_ad=True`, the default): for each element
x_j the jvp along the unit tangent e_j gives the directional derivative J e_j in one
forward pass, and <v, J e_j> must equal the central difference of <v, f> along e_j
(within atol, rtol) and the reverse-mode d<v, f>/dx_j (within `fwd_rev_tol`, 1e-12:
the same number by two routes, so only rounding may differ). Since v is random, the
forward and reverse Jacobians then agree with probability one, not just along v.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from .errors import DTypeError, GradcheckError
from .forward_ad import attach_tangent, dual_level, tangent_of
from .tensor import Tensor, enable_grad, grad, no_grad


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _differentiable_inputs(inputs: Sequence[Any], op: str) -> list[int]:
    wanted = []
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor) and t.requires_grad:
            if t.dtype != np.float64:
                raise DTypeError(
                    f"{op}: input {i} has dtype {t.dtype}; numerical gradients need float64 "
                    f"inputs (central differences in float32 are dominated by rounding)")
            wanted.append(i)
    if not wanted:
        raise DTypeError(f"{op}: no input requires grad; nothing to check")
    return wanted


def _outputs_of(fn: Callable[..., Any], inputs: Sequence[Any], op: str) -> tuple:
    """fn(*inputs) as a tuple of Tensors, at least one with a graph: a check of an output
    that is not a Tensor, or that no input reaches, would pass having checked nothing."""
    outputs = _as_tuple(fn(*inputs))
    for k, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise GradcheckError(f"{op}: output {k} of fn is a {type(out).__name__}, not a "
                                 f"Tensor; there is no gradient to check")
    if not any(out.requires_grad for out in outputs):
        raise GradcheckError(f"{op}: fn's output does not depend on any input that requires "
                             f"grad (it has no graph); there is no gradient to check")
    return outputs


def _weighted_total(outputs: tuple, weights: list[np.ndarray]) -> Tensor | float:
    total: Any = 0.0
    for out, w in zip(outputs, weights):
        if isinstance(out, Tensor) and out.dtype.kind == "f":
            total = total + (out * Tensor(w)).sum()
    return total


def _directional(fn: Callable[..., Any], inputs: list, i: int, index: tuple[int, ...],
                 weights: list[np.ndarray]) -> float:
    """<v, J e_j> by forward mode: fn on inputs with a unit tangent at element `index` of
    input i, the output tangents weighted by v."""
    unit = np.zeros(inputs[i].shape, dtype=inputs[i].dtype)
    unit[index] = 1.0
    with dual_level(), no_grad():
        attach_tangent(inputs[i], unit)
        outputs = _as_tuple(fn(*inputs))
        total = 0.0
        for out, w in zip(outputs, weights):
            if isinstance(out, Tensor) and out.dtype.kind == "f":
                tangent = tangent_of(out)
                if tangent is not None:
                    total += float(np.vdot(w, tangent.data))
    return total


def gradient_pairs(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, seed: int = 0,
                   op: str = "gradient_pairs", forward: bool = False
                   ) -> Iterator[tuple]:
    """Yield (input index, element index, analytic, numerical) for every element x_j of
    every input that requires grad: the analytic d<v, f(x)>/dx_j from one backward, and
    the central difference (<v, f(x + eps e_j)> - <v, f(x - eps e_j)>) / (2 eps), with v
    a random upstream gradient drawn from `seed`. The inputs are restored after each
    element. With `forward=True` each tuple has a fifth value, <v, J e_j> from a jvp
    (forward mode). `gradcheck` judges these; callers may also report the errors."""
    inputs = list(_as_tuple(inputs))
    checked = _differentiable_inputs(inputs, op)
    rng = np.random.default_rng(seed)
    outputs = _outputs_of(fn, inputs, op)
    weights = [rng.standard_normal(o.shape) if isinstance(o, Tensor) else None for o in outputs]
    weights = [w.astype(o.dtype) if w is not None else None for w, o in zip(weights, outputs)]

    total = _weighted_total(outputs, weights)
    if isinstance(total, Tensor) and total.requires_grad:
        analytic = grad(total, [inputs[i] for i in checked])
    else:
        analytic = [None] * len(checked)
    if all(a is None for a in analytic):
        raise GradcheckError(f"{op}: fn's output does not depend on any checked input (its "
                             f"graph reaches none of inputs {checked}); there is no gradient "
                             f"to check")

    def objective() -> float:
        with no_grad():
            value = _weighted_total(_as_tuple(fn(*inputs)), weights)
        return float(value.item() if isinstance(value, Tensor) else value)

    for slot, i in enumerate(checked):
        x = inputs[i]
        if not x.data.flags.writeable:
            x.data = x.data.copy()
        found = analytic[slot]
        found = np.zeros(x.shape) if found is None else found.data
        for index in np.ndindex(*x.shape):
            original = x.data[index]
            x.data[index] = original + eps
            plus = objective()
            x.data[index] = original - eps
            minus = objective()
            x.data[index] = original
            numerical = (plus - minus) / (2 * eps)
            if forward:
                yield i, index, float(found[index]), numerical, \
                    _directional(fn, inputs, i, index, weights)
            else:
                yield i, index, float(found[index]), numerical


def gradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0,
              check_forward_ad: bool = True, fwd_rev_tol: float = 1e-12) -> bool:
    """Check `fn`'s analytic gradients against central differences (`gradient_pairs`).

    `inputs` is a Tensor or a sequence of arguments for `fn`; the Tensors with
    `requires_grad=True` are checked and must be float64. An element passes
    when |analytic - numerical| <= atol + rtol * |numerical|. With
    `check_forward_ad` (every op has a jvp rule; pass False for a custom op
    without one) the forward-mode derivative must pass the same test and be
    within fwd_rev_tol * (1 + |analytic|) of the reverse-mode one. Returns
    True, or raises `GradcheckError` naming the input, element, the values and
    the error (returns False instead when `raise_exception=False`).
    """
    inputs = list(_as_tuple(inputs))
    try:
        for i, index, found, numerical, *fwd in gradient_pairs(
                fn, inputs, eps, seed, op="gradcheck", forward=check_forward_ad):
            judge_reverse(inputs, i, index, found, numerical, atol, rtol)
            if fwd:
                judge_forward(inputs, i, index, found, numerical, fwd[0], atol, rtol,
                              fwd_rev_tol)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def judge_reverse(inputs: list, i: int, index: tuple[int, ...], found: float,
                  numerical: float, atol: float = 1e-5, rtol: float = 1e-3) -> None:
    """Raise GradcheckError if one element's reverse-mode derivative `found` and the central
    difference disagree: |found - numerical| > atol + rtol |numerical| (or NaN)."""
    error = abs(found - numerical)
    if not error <= atol + rtol * abs(numerical):  # also catches NaN
        raise GradcheckError(
            f"gradcheck: gradient of {_where(inputs, i, index)}: analytic {found:.10g}, "
            f"numerical {numerical:.10g}, error {error:.3g} > atol + rtol*|numerical| = "
            f"{atol + rtol * abs(numerical):.3g}")


def judge_forward(inputs: list, i: int, index: tuple[int, ...], found: float,
                  numerical: float, forward: float, atol: float = 1e-5, rtol: float = 1e-3,
                  fwd_rev_tol: float = 1e-12) -> None:
    """Raise GradcheckError if one element's forward-mode derivative `forward` disagrees with
    the central difference (as `judge_reverse`) or with the reverse-mode `found`
    (|forward - found| > fwd_rev_tol (1 + |found|))."""
    where = _where(inputs, i, index)
    error = abs(forward - numerical)
    if not error <= atol + rtol * abs(numerical):
        raise GradcheckError(
            f"gradcheck (forward mode): directional derivative of {where}: jvp "
            f"{forward:.10g}, numerical {numerical:.10g}, error {error:.3g} > atol + "
            f"rtol*|numerical| = {atol + rtol * abs(numerical):.3g}")
    error = abs(forward - found)
    if not error <= fwd_rev_tol * (1 + abs(found)):
        raise GradcheckError(
            f"gradcheck (forward mode): derivative of {where}: jvp {forward:.17g} and "
            f"reverse mode {found:.17g} differ by {error:.3g} > fwd_rev_tol * "
            f"(1 + |reverse|) = {fwd_rev_tol * (1 + abs(found)):.3g}")


def _where(inputs: list, i: int, index: tuple[int, ...]) -> str:
    return f"input {i} (shape {inputs[i].shape}) at element {index}"


def gradgradcheck(fn: Callable[..., Any], inputs: Any, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0,
                  check_forward_ad: bool = True, fwd_rev_tol: float = 1e-12) -> bool:
    """Check second derivatives: gradcheck of the gradient function itself.

    The gradient function maps (inputs, v) to d<v, fn(inputs)>/d(inputs), built
    with `create_graph=True`; v is a random upstream gradient that is also
    checked, so both the Hessian-vector terms and the linearity in v are
    verified. Its forward-mode check is forward-over-reverse: the jvp of the
    gradient function, i.e. Hessian-vector products.
    """
    inputs = list(_as_tuple(inputs))
    checked = _differentiable_inputs(inputs, "gradgradcheck")
    rng = np.random.default_rng(seed + 1)
    try:
        outputs = _outputs_of(fn, inputs, "gradgradcheck")
    except GradcheckError:
        if raise_exception:
            raise
        return False
    upstream = [Tensor(rng.standard_normal(o.shape), requires_grad=True)
                for o in outputs if isinstance(o, Tensor) and o.requires_grad]
    n_inputs = len(inputs)

    def first_derivatives(*args: Any) -> tuple:
        xs, vs = list(args[:n_inputs]), args[n_inputs:]
        with enable_grad():  # the numerical pass runs under no_grad; first derivatives need a graph
            outs = [o for o in _as_tuple(fn(*xs)) if isinstance(o, Tensor) and o.requires_grad]
            total = sum(((o * v).sum() for o, v in zip(outs, vs)), start=Tensor(np.float64(0)))
            grads = grad(total, [xs[i] for i in checked], create_graph=True)
            return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + upstream, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, seed=seed + 2,
                     check_forward_ad=check_forward_ad, fwd_rev_tol=fwd_rev_tol)
