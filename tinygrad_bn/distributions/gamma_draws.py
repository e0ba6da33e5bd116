"""Draws from Gamma(alpha, 1) that are differentiable in alpha, by implicit
reparameterization (PyTorch's `_standard_gamma` with its gradient): a draw x is held at
its quantile u = P(alpha, x) (P the regularized lower incomplete gamma function) while
alpha moves, so

    dx/dalpha = -(dP(alpha, x)/dalpha) / p(x; alpha),  p(x; alpha) = x^(alpha-1) e^-x / Gamma(alpha)

computed here to float64's precision (PyTorch uses a fitted approximation), from one of
two expansions, each divided by p(x) term by term so nothing overflows:

    x < alpha + 1:   dx/dalpha = -sum_n r_n (log x - psi(alpha) - H_n),
                     r_n = prod_{k<=n} x / (alpha + k),  H_n = sum_{k<=n} 1 / (alpha + k)
                     (the series P = sum_n x^(alpha+n) e^-x / Gamma(alpha+n+1), differentiated)
    x >= alpha + 1:  dx/dalpha = x (h (log x - psi(alpha)) + dh/dalpha),
                     h = 1/(x+1-alpha- 1(1-alpha)/(x+3-alpha- 2(2-alpha)/(x+5-alpha- ...)))
                     Legendre's continued fraction of Gamma(alpha, x) e^x x^-alpha, evaluated by
                     the modified Lentz method with its derivative in alpha carried along.

Gamma(alpha, rate), Chi2, Beta (x / (x + y)), Dirichlet (gammas over their sum) and
StudentT build their rsample on these draws. The second derivative of a draw in alpha is
not implemented (as PyTorch's): a double backward through one raises UnsupportedError.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.primitive import Function
from ..errors import UnsupportedError
from ..ops.gamma import digamma
from ..seeding import generator
from ..tensor import Tensor

__all__ = ["standard_gamma", "standard_gamma_slope"]

_EPS = np.finfo(np.float64).eps
_FPMIN = np.finfo(np.float64).tiny / _EPS  # Lentz's stand-in for a zero denominator


def standard_gamma(alpha: Tensor, shape: tuple[int, ...], op: str) -> Tensor:
    """Draws of Gamma(alpha, 1) of `shape` (alpha broadcast to it) from the default
    generator, at least the dtype's smallest normal number (as PyTorch clamps them), and
    differentiable in alpha."""
    alpha = alpha.expand(tuple(shape))
    rng = generator(None, op)
    # (asarray: for a 0-d alpha NumPy returns a Python float)
    draws = np.asarray(rng.standard_gamma(alpha.detach().numpy().astype(np.float64)))
    draws = np.maximum(draws.astype(alpha.dtype), np.finfo(alpha.dtype).tiny)
    return _StandardGamma.apply(alpha, draws=draws)


def standard_gamma_slope(alpha: np.ndarray, x: np.ndarray) -> np.ndarray:
    """dx/dalpha of draws x of Gamma(alpha, 1) at fixed quantile (module docstring), in
    float64."""
    alpha, x = np.broadcast_arrays(np.asarray(alpha, np.float64), np.asarray(x, np.float64))
    shape = alpha.shape
    alpha, x = alpha.ravel(), x.ravel()
    out = np.empty(alpha.shape)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shift = np.log(x) - digamma(alpha)  # log x - psi(alpha)
        lower = x < alpha + 1
        out[lower] = _lower_series(alpha[lower], x[lower], shift[lower])
        upper = ~lower
        out[upper] = _upper_fraction(alpha[upper], x[upper], shift[upper])
    return out.reshape(shape)


def _lower_series(a: np.ndarray, x: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """-sum_n r_n (shift - H_n), summed until each term is below float64's precision of
    the total and the terms shrink (x < a + k)."""
    r, harmonic = x / a, 1 / a
    total = r * (shift - harmonic)
    active = np.arange(a.size)
    k = 0
    while active.size:
        k += 1
        ak = a[active] + k
        r[active] *= x[active] / ak
        harmonic[active] += 1 / ak
        term = r[active] * (shift[active] - harmonic[active])
        total[active] += term
        done = (np.abs(term) <= _EPS * np.abs(total[active])) & (x[active] < ak)
        active = active[~done]
    return -total


def _upper_fraction(a: np.ndarray, x: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """x (h shift + dh/da): h the continued fraction by modified Lentz (partial numerators
    a_i = -i (i - a), denominators b_i = x + 2i + 1 - a), each quantity with its
    derivative in a (the d-prefixed names)."""
    b, db = x + 1 - a, -1.0
    c, dc = np.full_like(a, 1 / _FPMIN), np.zeros_like(a)
    d = 1 / b
    dd = 1 / b ** 2  # -db / b^2
    h, dh = d.copy(), dd.copy()
    active = np.arange(a.size)
    i = 0
    while active.size:
        i += 1
        n = active
        an, dan = -i * (i - a[n]), float(i)
        b[n] += 2
        den = an * d[n] + b[n]
        dden = dan * d[n] + an * dd[n] + db
        den = np.where(np.abs(den) < _FPMIN, _FPMIN, den)
        cn = b[n] + an / c[n]
        dcn = db + (dan - an * dc[n] / c[n]) / c[n]
        cn = np.where(np.abs(cn) < _FPMIN, _FPMIN, cn)
        d[n], dd[n] = 1 / den, -dden / den ** 2
        c[n], dc[n] = cn, dcn
        delta, ddelta = d[n] * cn, dd[n] * cn + d[n] * dcn
        dh[n] = dh[n] * delta + h[n] * ddelta
        h[n] *= delta
        # the value can settle before its derivative: at a = i the numerator a_i is 0
        done = (np.abs(delta - 1) <= _EPS) & \
            (np.abs(h[n] * ddelta) <= _EPS * (np.abs(dh[n]) + np.abs(h[n])))
        active = n[~done]
    return x * (h * shift + dh)


class _StandardGamma(Function):
    """z = x, draws of Gamma(alpha, 1) (given as `draws`);  dalpha = g dx/dalpha, the
    implicit reparameterization (module docstring).

    tz = t_alpha dx/dalpha."""

    saves_inputs = (0,)
    draws: np.ndarray

    def forward(self, alpha: np.ndarray) -> np.ndarray:
        return self.draws

    def backward(self, g: Tensor) -> Tensor:
        return g * self._slope()

    def jvp(self, t_alpha: Tensor | None) -> Tensor | None:
        return None if t_alpha is None else t_alpha * self._slope()

    def _slope(self) -> Tensor:
        """dx/dalpha as an op of alpha whose own derivative is refused: a constant would
        give a silently wrong second derivative."""
        alpha = self.parents[0]
        slope = standard_gamma_slope(alpha._data, self.draws).astype(alpha.dtype)
        return _GammaSlope.apply(alpha, slope=slope)


class _GammaSlope(Function):
    """z = dx/dalpha of Gamma draws x (given as `slope`);  dalpha: not implemented (the
    second derivative of a Gamma draw, as PyTorch's _standard_gamma_grad).

    tz: not implemented either."""

    slope: np.ndarray

    def forward(self, alpha: np.ndarray) -> np.ndarray:
        return self.slope

    def backward(self, g: Tensor) -> Any:
        raise UnsupportedError("the second derivative of a Gamma draw (rsample of Gamma, "
                               "Chi2, Beta, Dirichlet or StudentT) in its concentration is "
                               "not implemented (nor is it in PyTorch)")

    def jvp(self, t_alpha: Tensor | None) -> Any:
        raise UnsupportedError("forward-mode derivative of a Gamma draw's slope dx/dalpha "
                               "(a second derivative of the draw) is not implemented")
