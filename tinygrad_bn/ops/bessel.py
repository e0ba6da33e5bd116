"""Bessel functions of the first and second kinds, the modified ones of the second kind and
Airy's Ai, as NumPy kernels in float64 (PyTorch's torch.special gives them no gradient, so
they are no ops: tinygrad_bn/special_bessel.py wraps them as graph-free results).

    J_n(x) = (1/pi) int_0^pi cos(n t - x sin t) dt          (n = 0, 1, ...)
    Y0(x)  = (2/pi)(log(x/2) + gamma) J0(x) - (4/pi) sum_{k>=1} (-1)^k J_2k(x) / k
    Y1(x)  = -Y0'(x), the same series differentiated (J_m' = (J_{m-1} - J_{m+1}) / 2)
    K_v(x) = int_0^inf e^(-x cosh t) cosh(v t) dt           (x > 0; also v = 1/3 for Ai)
    Ai(x)  = sqrt(x / 3) K_{1/3}(2/3 x^(3/2)) / pi (x >= 1); its Maclaurin series on
             (-7, 1); the oscillating asymptotic series below -7

Why these: the integrands are analytic and periodic (J) or doubly-exponentially decaying
(K), so the trapezoidal rule converges geometrically, to float64's precision with 128
points for |x| < 25 (J) and step min(1/8, 0.4 / sqrt(x)) (K), with no cancellation;
|x| >= 25 takes Hankel's asymptotic expansions (error below e^-50). Accuracy against
SciPy: J, Y to ~1e-15 absolute; K and e^x K to ~1e-14 relative; Ai to ~1e-12 absolute
near x = -7, where neither its series nor its asymptotic form does better. (PyTorch's
own fits are off by ~1e-6 in places: its J0 near x = 5, its Ai near x = -2.)
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["airy_ai", "bessel_j", "bessel_k", "bessel_y", "spherical_j0"]

EULER_GAMMA = 0.57721566490153286061
_PANELS = 128  # trapezoid panels on [0, pi] for J_n, |x| < _HANKEL_FROM
_HANKEL_FROM = 25.0
_CHUNK = 4096  # elements per block of the quadratures (their grids are elements x points)


def _blocks(x: np.ndarray, fn, *args, chunk: int = _CHUNK) -> np.ndarray:
    """fn over x in chunks (fn maps a 1-d block to a 1-d block): each quadrature grid
    stays a few million entries."""
    flat = x.ravel()
    out = np.empty(flat.shape)
    for start in range(0, flat.size, chunk):
        out[start:start + chunk] = fn(flat[start:start + chunk], *args)
    return out.reshape(x.shape)


def _bessel_j_orders(x: np.ndarray, orders: np.ndarray) -> np.ndarray:
    """J_m(x) for every m in orders (columns) by the periodic trapezoid, |x| < 25."""
    t = np.linspace(0.0, math.pi, _PANELS + 1)
    weights = np.full(t.shape, math.pi / _PANELS)
    weights[[0, -1]] *= 0.5
    phase = orders[None, :, None] * t[None, None, :] - x[:, None, None] * np.sin(t)
    return (np.cos(phase) * weights).sum(-1) / math.pi


def _hankel(x: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Hankel's P and Q of order 0 or 1 at x >= 25: J = sqrt(2/(pi x)) (P cos w - Q sin w),
    Y = sqrt(2/(pi x)) (P sin w + Q cos w), w = x - (2 order + 1) pi / 4."""
    mu = 4.0 * order * order
    p, q = np.ones_like(x), np.zeros_like(x)
    term = np.ones_like(x)
    for k in range(1, 40):
        term = term * (mu - (2 * k - 1) ** 2) / (k * 8.0 * x)
        if k % 2:
            q = q + (term if (k // 2) % 2 == 0 else -term)
        else:
            p = p + (-term if (k // 2) % 2 else term)
        if np.all(np.abs(term) < 1e-17):
            break
    return p, q


def _large(x: np.ndarray, order: int, kind: str) -> np.ndarray:
    p, q = _hankel(x, order)
    w = x - (2 * order + 1) * math.pi / 4
    scale = np.sqrt(2.0 / (math.pi * x))
    if kind == "j":
        return scale * (p * np.cos(w) - q * np.sin(w))
    return scale * (p * np.sin(w) + q * np.cos(w))


def _j_small(x: np.ndarray, order: int) -> np.ndarray:
    return _bessel_j_orders(x, np.array([order], dtype=np.float64))[:, 0]


def bessel_j(order: int, x: np.ndarray) -> np.ndarray:
    """J0 or J1 of float64 x (J1 odd, J0 even)."""
    x = np.asarray(x, np.float64)
    a = np.abs(x)
    out = np.full(x.shape, np.nan)
    small, large = a < _HANKEL_FROM, (a >= _HANKEL_FROM) & np.isfinite(a)
    out[small] = _blocks(a[small], _j_small, order)
    out[large] = _large(a[large], order, "j")
    out[np.isinf(a)] = 0.0
    return np.where(x < 0, -out, out) if order == 1 else out


def _y_small(x: np.ndarray, order: int) -> np.ndarray:
    """Y0 or Y1 by Neumann's series in J_2k, 0 < x < 25."""
    k_max = 40
    orders = np.arange(0, 2 * k_max + 2, dtype=np.float64)
    j = _bessel_j_orders(x, orders)  # J_0 .. J_{2 k_max + 1}
    k = np.arange(1, k_max + 1)
    sign = (-1.0) ** k
    log_term = np.log(x / 2) + EULER_GAMMA
    if order == 0:
        series = (sign * j[:, 2 * k] / k).sum(-1)
        return (2 / math.pi) * log_term * j[:, 0] - (4 / math.pi) * series
    slope = (j[:, 2 * k - 1] - j[:, 2 * k + 1]) / (2 * k)
    y0_prime = (2 / math.pi) * (j[:, 0] / x - log_term * j[:, 1]) \
        - (4 / math.pi) * (sign * slope).sum(-1)
    return -y0_prime


def bessel_y(order: int, x: np.ndarray) -> np.ndarray:
    """Y0 or Y1 of float64 x: -inf at 0, NaN below (PyTorch's)."""
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.nan)
    small, large = (x > 0) & (x < _HANKEL_FROM), (x >= _HANKEL_FROM) & np.isfinite(x)
    out[small] = _blocks(x[small], _y_small, order, chunk=256)
    out[large] = _large(x[large], order, "y")
    out[x == 0] = -np.inf
    out[np.isposinf(x)] = 0.0
    return out


def _k_integral(x: np.ndarray, nu: float, scaled: bool) -> np.ndarray:
    """int_0^inf e^(-x (cosh t - [scaled])) cosh(nu t) dt by the trapezoid, each element's
    step min(1/8, 0.4 / sqrt(x)) (for large x the integrand is a Gaussian of width
    x^-1/2), to where it is below e^-46 of its value at 0."""
    h = np.minimum(0.125, 0.4 / np.sqrt(x))
    t_max = np.minimum(np.arccosh(1.0 + 46.0 / x), 700.0)  # cosh stays finite
    steps = int(np.ceil((t_max / h).max(initial=1.0))) + 1
    t = np.minimum(np.arange(steps)[None, :] * h[:, None], 700.0)
    exponent = -x[:, None] * (np.cosh(t) - (1.0 if scaled else 0.0))
    values = np.exp(exponent) * np.cosh(nu * t)
    values[:, 0] *= 0.5
    values[t > t_max[:, None]] = 0.0
    return h * values.sum(-1)


def bessel_k(nu: float, x: np.ndarray, scaled: bool = False) -> np.ndarray:
    """K_nu(x) (e^x K_nu(x) with scaled) of float64 x: inf at 0, NaN below, 0 at inf (the
    scaled one too, as PyTorch's)."""
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.nan)
    ok = (x > 0) & np.isfinite(x)
    with np.errstate(over="ignore", under="ignore"):
        out[ok] = _blocks(x[ok], _k_integral, nu, scaled, chunk=256)
    out[x == 0] = np.inf
    out[np.isposinf(x)] = 0.0
    return out


_AI0 = 0.355028053887817239260  # Ai(0)
_AIP0 = 0.258819403792806798405  # -Ai'(0)


def _airy_series(x: np.ndarray) -> np.ndarray:
    """Ai(x) = Ai(0) f(x) - Ai'(0)... as c1 f - c2 g, f and g Airy's power series."""
    f, g = np.ones_like(x), x.copy()
    tf, tg = np.ones_like(x), x.copy()
    x3 = x ** 3
    for k in range(1, 60):
        tf = tf * x3 / ((3 * k - 1) * (3 * k))
        tg = tg * x3 / ((3 * k) * (3 * k + 1))
        f, g = f + tf, g + tg
    return _AI0 * f - _AIP0 * g


def _airy_oscillating(x: np.ndarray) -> np.ndarray:
    """Ai(x) for x <= -7: pi^-1/2 |x|^-1/4 (sin(z + pi/4) P - cos(z + pi/4) Q) with
    z = 2/3 |x|^(3/2) and P, Q the alternating sums of u_k / z^k."""
    a = -x
    z = (2.0 / 3.0) * a ** 1.5
    p, q = np.ones_like(a), np.zeros_like(a)
    u = 1.0
    power = np.ones_like(a)
    for k in range(1, 30):
        u = u * (6 * k - 5) * (6 * k - 3) * (6 * k - 1) / ((2 * k - 1) * 216 * k)
        power = power / z
        term = u * power
        if k % 2:
            q = q + (term if (k // 2) % 2 == 0 else -term)
        else:
            p = p + (-term if (k // 2) % 2 else term)
    phase = z + math.pi / 4
    return (np.sin(phase) * p - np.cos(phase) * q) / (math.sqrt(math.pi) * a ** 0.25)


def airy_ai(x: np.ndarray) -> np.ndarray:
    """Airy's Ai of float64 x (0 at +inf, NaN at -inf, as PyTorch's)."""
    x = np.asarray(x, np.float64)
    out = np.full(x.shape, np.nan)
    right = (x >= 1.0) & np.isfinite(x)
    middle = (x > -7.0) & (x < 1.0)
    left = (x <= -7.0) & np.isfinite(x)
    if right.any():
        xr = x[right]
        z = (2.0 / 3.0) * xr ** 1.5
        with np.errstate(over="ignore", under="ignore"):
            out[right] = np.sqrt(xr / 3.0) * bessel_k(1.0 / 3.0, z) / math.pi
    out[middle] = _airy_series(x[middle])
    out[left] = _airy_oscillating(x[left])
    out[np.isposinf(x)] = 0.0
    return out


def spherical_j0(x: np.ndarray) -> np.ndarray:
    """sin(x) / x, 1 at 0 (its Taylor series below |x| = 0.5, as PyTorch's)."""
    x = np.asarray(x, np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.array(np.sin(x) / x)  # an array even for 0-d x (NumPy gives a scalar)
    small = np.abs(x) < 0.5
    x2 = x[small] ** 2
    out[small] = 1 - x2 / 6 * (1 - x2 / 20 * (1 - x2 / 42 * (1 - x2 / 72 * (1 - x2 / 110))))
    out[np.isinf(x)] = 0.0
    return out
