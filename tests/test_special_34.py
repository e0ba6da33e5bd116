"""tg.special's functions added in session 34 against mpmath (the reference) and PyTorch
(the semantics: edge values, dtypes, which arguments have a gradient)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor, special
from tinygrad_bn.errors import DTypeError, UnsupportedError
from tinygrad_bn.ops.incomplete_gamma import igamma, igammac, zeta
from tinygrad_bn.testing.strategies import positive_arrays

try:
    import torch
except ImportError:
    torch = None

mpmath = pytest.importorskip("mpmath")


def test_incomplete_gamma_agrees_with_mpmath_over_decades() -> None:
    rng = np.random.default_rng(0)
    a = np.exp(rng.uniform(-4, 6, 300))
    x = a * np.exp(rng.uniform(-1.5, 1.5, 300))
    with mpmath.workdps(30):  # mpmath's default 15 digits are not enough for a reference
        p_ref = np.array([float(mpmath.gammainc(ai, 0, xi, regularized=True))
                          for ai, xi in zip(a, x)])
        q_ref = np.array([float(mpmath.gammainc(ai, xi, mpmath.inf, regularized=True))
                          for ai, xi in zip(a, x)])
    # relative to the smaller of P and Q (the other is 1 - it, to 1 ulp of 1)
    np.testing.assert_allclose(igamma(a, x), p_ref, rtol=2e-12, atol=1e-15)
    np.testing.assert_allclose(igammac(a, x), q_ref, rtol=2e-12, atol=1e-15)


def test_incomplete_gamma_edges_are_pytorchs() -> None:
    pytest.importorskip("torch")
    a = np.array([0.0, 0.0, 1.0, 2.0, np.inf, 2.0, -1.0, 1.0, np.nan, 3.0, 0.5])
    x = np.array([0.0, 1.0, np.inf, 0.0, 1.0, np.inf, 1.0, -1.0, 1.0, np.nan, 1e-300])
    for ours, theirs in ((special.gammainc, torch.special.gammainc),
                         (special.gammaincc, torch.special.gammaincc)):
        got = ours(Tensor(a), Tensor(x)).numpy()
        want = theirs(torch.tensor(a), torch.tensor(x)).numpy()
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(tg.igamma(Tensor(a), Tensor(x)).numpy(),
                                  special.gammainc(Tensor(a), Tensor(x)).numpy())


@settings(max_examples=10)
@given(st.data())
def test_incomplete_gamma_matches_torch_and_differentiates_in_x_only(data: st.DataObject
                                                                      ) -> None:
    a = data.draw(positive_arrays((2, 3), min_value=0.2, max_value=30.0))
    x = data.draw(positive_arrays((3,), min_value=0.05, max_value=40.0))
    if torch is not None:
        for ours, theirs in ((special.gammainc, torch.special.gammainc),
                             (special.gammaincc, torch.special.gammaincc)):
            np.testing.assert_allclose(ours(Tensor(a), Tensor(x)).numpy(),
                                       theirs(torch.tensor(a), torch.tensor(x)).numpy(),
                                       rtol=1e-8, atol=1e-13)
    fn = lambda v: special.gammainc(Tensor(a), v) * special.gammaincc(Tensor(a), v * 0.5)  # noqa: E731
    assert tg.gradcheck(fn, [Tensor(x, requires_grad=True)])
    assert tg.gradgradcheck(fn, [Tensor(x, requires_grad=True)])


def test_the_shape_gradient_is_refused_as_pytorch_does() -> None:
    a = Tensor(np.array([1.5, 2.0]), requires_grad=True)
    with pytest.raises(UnsupportedError, match="igamma: the derivative with respect to input"):
        special.gammainc(a, Tensor(np.array([0.5, 1.0]))).sum().backward()
    with pytest.raises(UnsupportedError, match="igammac"):
        tg.jvp(lambda t: special.gammaincc(t, Tensor(np.array([0.5, 1.0]))), (a.detach(),),
               (Tensor(np.ones(2)),))
    s = Tensor(np.array([2.5]), requires_grad=True)
    with pytest.raises(UnsupportedError, match="zeta"):
        special.zeta(s, Tensor(np.array([1.5]))).sum().backward()
    with pytest.raises(DTypeError, match="gammainc"):
        special.gammainc(tg.tensor([1, 2]), tg.tensor([1, 2]))


def test_zeta_agrees_with_mpmath_and_pytorch() -> None:
    rng = np.random.default_rng(1)
    s = rng.uniform(1.05, 25.0, 200)
    q = np.exp(rng.uniform(-4, 4, 200))
    with mpmath.workdps(60):  # its zeta at non-integer s loses ~30 digits for large q
        ref = np.array([float(mpmath.zeta(si, qi)) for si, qi in zip(s, q)])
    np.testing.assert_allclose(zeta(s, q), ref, rtol=1e-13)
    if torch is not None:
        edge_s = np.array([1.0, 0.5, 2.0, 3.0, 4.0, 1.5, 2.0])
        edge_q = np.array([1.0, 1.0, -1.5, 0.0, -2.5, -1.5, -30.5])
        np.testing.assert_allclose(special.zeta(Tensor(edge_s), Tensor(edge_q)).numpy(),
                                   torch.special.zeta(torch.tensor(edge_s),
                                                      torch.tensor(edge_q)).numpy(),
                                   rtol=1e-12)
        np.testing.assert_allclose(special.zeta(2.0, Tensor(q[:5])).numpy(),
                                   torch.special.zeta(2.0, torch.tensor(q[:5])).numpy(),
                                   rtol=1e-12)
    # values of one scale (the check's random projection would drown small ones)
    s4, qq = Tensor(np.array([1.5, 2.5, 4.0, 6.0])), Tensor(np.array([0.5, 1.3, 2.0, 4.5]),
                                                          requires_grad=True)
    assert tg.gradcheck(lambda t: special.zeta(s4, t), [qq])
    assert tg.gradgradcheck(lambda t: special.zeta(s4, t), [qq])


# ---------------------------------------------------------------- the functions without gradient

BESSEL = {  # name: (SciPy's function, domain of x)
    "bessel_j0": ("j0", "real"), "bessel_j1": ("j1", "real"),
    "bessel_y0": ("y0", "positive"), "bessel_y1": ("y1", "positive"),
    "modified_bessel_i0": ("i0", "real"), "modified_bessel_i1": ("i1", "real"),
    "modified_bessel_k0": ("k0", "positive"), "modified_bessel_k1": ("k1", "positive"),
    "scaled_modified_bessel_k0": ("k0e", "positive"),
    "scaled_modified_bessel_k1": ("k1e", "positive"),
    "spherical_bessel_j0": (None, "real"), "airy_ai": (None, "real"),
}


def _grid(domain: str) -> np.ndarray:
    rng = np.random.default_rng(5)
    magnitudes = np.concatenate([np.exp(rng.uniform(-9, 4.5, 400)), rng.uniform(0, 60, 400),
                                 [1e-300, 1e-8, 4.99, 5.0, 5.01, 24.99, 25.0, 25.01, 700.0]])
    return magnitudes if domain == "positive" else np.concatenate([magnitudes, -magnitudes])


@pytest.mark.parametrize("name", sorted(BESSEL))
def test_bessel_and_airy_agree_with_scipy_and_pytorch_without_gradient(name: str) -> None:
    sp = pytest.importorskip("scipy.special")
    scipy_name, domain = BESSEL[name]
    x = _grid(domain)
    if name == "airy_ai":
        x, reference = x[x > -40], None
        reference = sp.airy(x)[0]
    elif name == "spherical_bessel_j0":
        reference = sp.spherical_jn(0, x)
    else:
        reference = getattr(sp, scipy_name)(x)
    got = getattr(special, name)(Tensor(x)).numpy()
    scale = np.maximum(np.abs(reference), 1.0) if name.startswith(("bessel", "airy", "sph")) \
        else np.abs(reference)  # J, Y, Ai: absolute error; I, K: relative
    finite = np.isfinite(reference)
    assert (np.abs(got - reference)[finite] <= 1e-11 * scale[finite]).all()
    np.testing.assert_array_equal(got[~finite], reference[~finite])
    if torch is not None:
        want = getattr(torch.special, name)(torch.tensor(x)).numpy()
        close = np.isclose(got, want, rtol=1e-5, atol=1e-5, equal_nan=True)
        assert close.all(), (x[~close][:5], got[~close][:5], want[~close][:5])
    t = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    out = getattr(special, name)(t)
    assert not out.requires_grad and out.dtype == tg.float64
    assert getattr(special, name)(tg.tensor([1, 2])).dtype == tg.float32


POLYNOMIALS = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
               "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t",
               "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
               "shifted_chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
               "laguerre_polynomial_l", "legendre_polynomial_p"]


@pytest.mark.parametrize("name", POLYNOMIALS)
def test_orthogonal_polynomials_match_pytorch(name: str) -> None:
    pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x = np.concatenate([rng.uniform(-2, 2, 2000), np.tile([-1.0, 1.0, 0.0, 0.5, -0.5], 24)])
    n = np.concatenate([rng.integers(-2, 16, 2000).astype(float),
                        np.tile(np.arange(-1.0, 23.0), 5), ])
    n[::7] += 0.6  # a fraction: truncated
    got = getattr(special, name)(Tensor(x), Tensor(n)).numpy()
    want = getattr(torch.special, name)(torch.tensor(x), torch.tensor(n)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11)
    # a number for either argument; no gradient
    np.testing.assert_allclose(getattr(special, name)(0.3, Tensor(n[:6])).numpy(),
                               getattr(torch.special, name)(0.3, torch.tensor(n[:6])).numpy(),
                               rtol=1e-6)
    t = Tensor(x[:3], requires_grad=True)
    assert not getattr(special, name)(t, 3).requires_grad


def test_polynomials_satisfy_their_closed_forms() -> None:
    x = np.linspace(-0.95, 0.95, 41)
    theta = np.arccos(x)
    for n in range(0, 12):
        np.testing.assert_allclose(special.chebyshev_polynomial_t(Tensor(x), n).numpy(),
                                   np.cos(n * theta), atol=1e-12)
        np.testing.assert_allclose(special.chebyshev_polynomial_u(Tensor(x), n).numpy(),
                                   np.sin((n + 1) * theta) / np.sin(theta), atol=1e-11)
    legendre = np.polynomial.legendre.legval(x, [0] * 7 + [1])
    np.testing.assert_allclose(special.legendre_polynomial_p(Tensor(x), 7).numpy(), legendre,
                               atol=1e-13)
    hermite = np.polynomial.hermite.hermval(x, [0] * 5 + [1])
    np.testing.assert_allclose(special.hermite_polynomial_h(Tensor(x), 5).numpy(), hermite,
                               atol=1e-12)
