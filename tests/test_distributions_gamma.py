"""tg.distributions' Gamma family (Gamma, Chi2, Beta, Dirichlet, StudentT) against
torch.distributions and against calculus.

log_prob, entropy, mean, mode, variance and KL are compared with PyTorch's value by value
in float64 over Hypothesis-drawn parameters (positive ones kept in [0.3, 8], values
inside the support away from its ends, where the densities and their derivatives are
ill-posed); their gradients in the parameters are checked by central differences with
tg.gradcheck (reverse and forward mode). rsample's implicit-reparameterization slope
dx/dalpha is checked per draw against an independent computation (the quantile held
fixed: SciPy's inverse incomplete gamma function, differenced centrally; mpmath at the
expansions' edges), and each family's rsample gradient in expectation against the
gradient of its exact mean. Their draws' shapes, reproducibility and sample moments are
checked in tests/test_distributions.py's tables (SAMPLERS, MOMENTS), Dirichlet's here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.distributions as D
from tinygrad_bn import Tensor
from tinygrad_bn.distributions.gamma_draws import standard_gamma_slope
from tinygrad_bn.testing.strategies import arrays, broadcastable_shapes, positive_arrays

try:
    import torch
except ImportError:
    torch = None

RTOL, ATOL = 1e-9, 1e-12  # float64 formulas that differ only in rounding order


# ------------------------------------------------------------------ cases: parameters + values

@st.composite
def _gamma(draw: st.DrawFn) -> tuple[dict, np.ndarray]:
    s_c, s_r, s_v = draw(broadcastable_shapes(3))
    return ({"concentration": draw(positive_arrays(s_c, min_value=0.3, max_value=8.0)),
             "rate": draw(positive_arrays(s_r, min_value=0.3, max_value=3.0))},
            draw(positive_arrays(s_v, min_value=0.05, max_value=6.0)))


@st.composite
def _chi2(draw: st.DrawFn) -> tuple[dict, np.ndarray]:
    s_df, s_v = draw(broadcastable_shapes(2))
    return ({"df": draw(positive_arrays(s_df, min_value=0.5, max_value=10.0))},
            draw(positive_arrays(s_v, min_value=0.05, max_value=10.0)))


@st.composite
def _beta(draw: st.DrawFn) -> tuple[dict, np.ndarray]:
    s_1, s_0, s_v = draw(broadcastable_shapes(3))
    return ({"concentration1": draw(positive_arrays(s_1, min_value=0.3, max_value=8.0)),
             "concentration0": draw(positive_arrays(s_0, min_value=0.3, max_value=8.0))},
            draw(arrays(s_v, min_value=0.05, max_value=0.95)))


@st.composite
def _dirichlet(draw: st.DrawFn) -> tuple[dict, np.ndarray]:
    s_c, s_v = draw(broadcastable_shapes(2, max_dims=2))
    k = draw(st.integers(2, 4))
    weights = draw(positive_arrays(s_v + (k,), min_value=0.1, max_value=1.0))
    return ({"concentration": draw(positive_arrays(s_c + (k,), min_value=0.3, max_value=8.0))},
            weights / weights.sum(-1, keepdims=True))


@st.composite
def _student_t(draw: st.DrawFn) -> tuple[dict, np.ndarray]:
    s_df, s_loc, s_scale, s_v = draw(broadcastable_shapes(4))
    return ({"df": draw(positive_arrays(s_df, min_value=0.5, max_value=10.0)),
             "loc": draw(arrays(s_loc)),
             "scale": draw(positive_arrays(s_scale, min_value=0.3, max_value=3.0))},
            draw(arrays(s_v, min_value=-5.0, max_value=5.0)))


CASES = {
    "Gamma": (lambda M, p: M.Gamma(p["concentration"], p["rate"]), _gamma()),
    "Chi2": (lambda M, p: M.Chi2(p["df"]), _chi2()),
    "Beta": (lambda M, p: M.Beta(p["concentration1"], p["concentration0"]), _beta()),
    "Dirichlet": (lambda M, p: M.Dirichlet(p["concentration"]), _dirichlet()),
    "StudentT": (lambda M, p: M.StudentT(p["df"], p["loc"], p["scale"]), _student_t()),
}
METHODS = ("log_prob", "entropy", "mean", "mode", "variance", "stddev")


def _evaluate(dist: Any, method: str, value: Any) -> Any:
    if method == "log_prob":
        return dist.log_prob(value)
    if method == "entropy":
        return dist.entropy()
    return getattr(dist, method)


def _tg(params: dict, grad: bool = False) -> dict:
    return {k: Tensor(v, requires_grad=grad) for k, v in params.items()}


def _torch(params: dict) -> dict:
    return {k: torch.tensor(v) for k, v in params.items()}


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_values_match_torch(name: str, data: st.DataObject) -> None:
    pytest.importorskip("torch")
    build, case = CASES[name]
    params, value = data.draw(case)
    ours, theirs = build(D, _tg(params)), build(torch.distributions, _torch(params))
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    for method in METHODS:
        got = _evaluate(ours, method, Tensor(value)).numpy()
        want = _evaluate(theirs, method, torch.tensor(value)).numpy()
        assert got.shape == want.shape, (method, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=method)


def test_student_t_moments_follow_pytorch_where_they_do_not_exist() -> None:
    pytest.importorskip("torch")
    df = np.array([0.5, 1.0, 1.5, 2.0, 2.5, 9.0])
    ours = D.StudentT(Tensor(df), 1.5, 2.0)
    theirs = torch.distributions.StudentT(torch.tensor(df), 1.5, 2.0)
    for method in ("mean", "variance"):  # NaN for df <= 1, inf for 1 < df <= 2
        np.testing.assert_array_equal(getattr(ours, method).numpy(),
                                      getattr(theirs, method).numpy())


def test_dirichlet_mode_is_pytorchs_first_vertex_when_every_concentration_is_below_one() -> None:
    pytest.importorskip("torch")
    c = np.array([[0.5, 0.7, 0.2], [0.9, 0.3, 0.1], [2.0, 3.0, 0.5], [0.9, 1.5, 1.0]])
    np.testing.assert_allclose(D.Dirichlet(Tensor(c)).mode.numpy(),
                               torch.distributions.Dirichlet(torch.tensor(c)).mode.numpy(),
                               rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_gradients_by_central_differences(name: str, data: st.DataObject) -> None:
    build, case = CASES[name]
    params, value = data.draw(case)
    keys = sorted(params)
    for method in ("log_prob", "entropy", "mean", "variance"):
        if name == "StudentT" and method in ("mean", "variance"):
            continue  # piecewise in df (NaN, inf): not differentiable in df
        def fn(*tensors: Tensor, method: str = method) -> Tensor:
            return _evaluate(build(D, dict(zip(keys, tensors))), method, Tensor(value))
        assert tg.gradcheck(fn, [Tensor(params[k], requires_grad=True) for k in keys])


# ------------------------------------------------------------------ KL divergence

@pytest.mark.parametrize("name", ["Beta", "Chi2", "Dirichlet", "Gamma"])
@given(data=st.data())
def test_kl_matches_torch_and_its_gradients_check(name: str, data: st.DataObject) -> None:
    build, case = CASES[name]
    first, _ = data.draw(case)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    second = {k: v * np.exp(rng.uniform(-0.7, 0.7, size=np.shape(v))) for k, v in first.items()}
    if torch is not None:
        got = D.kl_divergence(build(D, _tg(first)), build(D, _tg(second))).numpy()
        want = torch.distributions.kl_divergence(build(torch.distributions, _torch(first)),
                                                 build(torch.distributions, _torch(second)))
        np.testing.assert_allclose(got, want.numpy(), rtol=RTOL, atol=ATOL)
    keys = sorted(first)

    def kl(*tensors: Tensor) -> Tensor:
        return D.kl_divergence(build(D, dict(zip(keys, tensors[:len(keys)]))),
                               build(D, dict(zip(keys, tensors[len(keys):]))))
    inputs = [Tensor(first[k], requires_grad=True) for k in keys] + \
        [Tensor(second[k], requires_grad=True) for k in keys]
    assert tg.gradcheck(kl, inputs)


def test_kl_of_a_chi2_and_a_gamma_uses_the_gamma_rule() -> None:
    pytest.importorskip("torch")
    got = D.kl_divergence(D.Chi2(Tensor(np.array([3.0, 5.0]))),
                          D.Gamma(tg.tensor(2.0, dtype=tg.float64), 0.7))
    want = torch.distributions.kl_divergence(
        torch.distributions.Chi2(torch.tensor([3.0, 5.0], dtype=torch.float64)),
        torch.distributions.Gamma(torch.tensor(2.0, dtype=torch.float64), 0.7))
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=RTOL, atol=ATOL)
    assert float(D.kl_divergence(D.Beta(2.0, 3.0), D.Beta(2.0, 3.0))) == 0.0


# ------------------------------------------------------------------ draws and their gradients

def test_small_concentrations_in_float32_give_positive_draws() -> None:
    tg.manual_seed(0)
    x = D.Gamma(tg.full((2000,), 0.01), 1.0).sample()
    assert x.dtype == tg.float32 and float(x.min()) >= np.finfo(np.float32).tiny
    y = D.Dirichlet(tg.full((500, 3), 0.01)).sample()
    assert bool(D.Dirichlet(tg.full((3,), 0.01)).support.check(y).all())


def test_dirichlet_sample_moments() -> None:
    """Each coordinate of a Dirichlet draw is a Beta: coordinate 1 of Dirichlet([1, 2, 0.5])
    is Beta(2, 1.5). 40000 draws at a fixed seed, bounds as tests/test_distributions.py's
    test_sample_moments (5 standard errors, the kurtosis exact)."""
    dist = D.Dirichlet(tg.tensor([1.0, 2.0, 0.5], dtype=tg.float64))
    tg.manual_seed(2024)
    n = 40_000
    draws = dist.sample((n,)).numpy()
    np.testing.assert_allclose(draws.sum(-1), 1.0, rtol=1e-12)
    x, mean, var = draws[:, 1], dist.mean.numpy()[1], dist.variance.numpy()[1]
    a, b = 2.0, 1.5
    kurtosis = 3 + 6 * ((a - b) ** 2 * (a + b + 1) - a * b * (a + b + 2)) / \
        (a * b * (a + b + 2) * (a + b + 3))
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n), (x.mean(), mean)
    assert abs(x.var() - var) < 5 * var * math.sqrt((kurtosis - 1) / n), (x.var(), var)


def test_gamma_slope_matches_the_quantile_held_fixed() -> None:
    """dx/dalpha at u = P(alpha, x) fixed: SciPy's inverse of P, differenced centrally
    (step 1e-6 alpha; its own error is far below the 1e-6 asked)."""
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(5)
    for alpha in (0.05, 0.5, 1.0, 2.0, 7.5, 40.0, 1000.0):
        x = rng.standard_gamma(alpha, 300)
        u = special.gammainc(alpha, x)
        keep = (u > 1e-10) & (u < 1 - 1e-10)
        h = 1e-6 * alpha
        numeric = (special.gammaincinv(alpha + h, u[keep])
                   - special.gammaincinv(alpha - h, u[keep])) / (2 * h)
        np.testing.assert_allclose(standard_gamma_slope(np.full(keep.sum(), alpha), x[keep]),
                                   numeric, rtol=1e-6, err_msg=str(alpha))


@pytest.mark.parametrize("alpha, x", [(1.0, 2.0), (2.0, 3.0), (3.0, 1.5), (0.3, 1.3),
                                      (2.5, 3.5 - 1e-9), (2.5, 3.5), (50.0, 80.0),
                                      (0.01, 1e-30), (400.0, 1205.0)])
def test_gamma_slope_at_the_edges_of_its_two_expansions(alpha: float, x: float) -> None:
    """Where the series meets the continued fraction (x = alpha + 1), at integer alpha
    (a zero partial numerator: the fraction's value settles before its derivative), far
    in both tails: against mpmath's derivative of the regularized incomplete gamma
    function at 50 digits."""
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    a, xm = mpmath.mpf(alpha), mpmath.mpf(x)
    if x < alpha:
        dp = mpmath.diff(lambda s: mpmath.gammainc(s, 0, xm, regularized=True), a)
    else:
        dp = -mpmath.diff(lambda s: mpmath.gammainc(s, xm, mpmath.inf, regularized=True), a)
    density = xm ** (a - 1) * mpmath.exp(-xm) / mpmath.gamma(a)
    np.testing.assert_allclose(standard_gamma_slope(np.array([alpha]), np.array([x])),
                               [float(-dp / density)], rtol=1e-12)


# The rsample gradient in expectation: each draw's gradient of f(x) in the parameters is
# an unbiased estimate of d/dtheta E[f(x)], which is known exactly; their mean over n
# draws (each draw given its own copy of the parameters, so one backward gives every
# draw's gradient) must lie within 5 standard errors (their spread / sqrt(n)) of it. f and
# the parameters keep those gradients' variance finite (StudentT: df > 8 for x^2).
EXPECTATIONS = {
    "Gamma": (lambda c, r: D.Gamma(c, r), (2.5, 1.5), lambda x: x, lambda c, r: c / r),
    "Gamma small": (lambda c, r: D.Gamma(c, r), (0.4, 0.8), lambda x: x * x,
                    lambda c, r: c * (c + 1) / r ** 2),
    "Chi2": (lambda df: D.Chi2(df), (3.0,), lambda x: x.sqrt(),
             lambda df: math.sqrt(2) * (tg.lgamma((df + 1) / 2) - tg.lgamma(df / 2)).exp()),
    "Beta": (lambda a, b: D.Beta(a, b), (2.0, 3.0), lambda x: x * x,
             lambda a, b: a * (a + 1) / ((a + b) * (a + b + 1))),
    "Dirichlet": (lambda a, b, c: D.Dirichlet(tg.stack([a, b, c], -1)), (1.0, 2.0, 0.5),
                  lambda x: x[..., 0] * x[..., 2],
                  lambda a, b, c: a * c / ((a + b + c) * (a + b + c + 1))),
    "StudentT": (lambda df, loc, scale: D.StudentT(df, loc, scale), (12.0, 0.5, 2.0),
                 lambda x: x * x, lambda df, loc, scale: loc ** 2 + scale ** 2 * df / (df - 2)),
}


@pytest.mark.parametrize("name", sorted(EXPECTATIONS))
def test_rsample_gradient_is_the_gradient_of_the_expectation(name: str) -> None:
    build, values, f, exact = EXPECTATIONS[name]
    n = 20_000
    copies = [Tensor(np.full(n, v), requires_grad=True) for v in values]
    tg.manual_seed(11)
    per_draw = tg.grad(f(build(*copies).rsample()).sum(), copies)
    scalars = [Tensor(np.float64(v), requires_grad=True) for v in values]
    want = [g.item() for g in tg.grad(exact(*scalars), scalars)]
    for g, w in zip(per_draw, want):
        g = g.numpy()
        assert abs(g.mean() - w) < 5 * g.std(ddof=1) / math.sqrt(n), (g.mean(), w)


@pytest.mark.parametrize("name", ["Gamma", "StudentT"])
@given(data=st.data())
def test_rsample_gradients_in_rate_loc_scale_by_central_differences(name: str,
                                                                    data: st.DataObject) -> None:
    """rate, loc and scale enter a draw by ordinary ops: at a fixed seed the draw is a
    smooth function of them (the concentration and df are held, their draws being the
    implicit reparameterization checked above)."""
    build, case = CASES[name]
    params, _ = data.draw(case)
    held = "concentration" if name == "Gamma" else "df"
    keys = sorted(k for k in params if k != held)

    def draw(*tensors: Tensor) -> Tensor:
        tg.manual_seed(7)  # the same draws at every evaluation of the differences
        return build(D, {held: Tensor(params[held]), **dict(zip(keys, tensors))}).rsample((2,))
    assert tg.gradcheck(draw, [Tensor(params[k], requires_grad=True) for k in keys])


def test_forward_mode_tangent_of_a_draw_is_its_reverse_gradient() -> None:
    c = Tensor(np.array([0.7, 2.0, 9.0]), requires_grad=True)

    def draw(c: Tensor) -> Tensor:
        tg.manual_seed(5)
        return D.Gamma(c, 1.3).rsample()
    _, tangent = tg.jvp(draw, (c,), (Tensor(np.ones(3)),))
    (reverse,) = tg.grad(draw(c).sum(), [c])
    np.testing.assert_allclose(tangent.numpy(), reverse.numpy(), rtol=1e-14)
    slope = standard_gamma_slope(c.numpy(), draw(c).detach().numpy() * 1.3) / 1.3
    np.testing.assert_allclose(reverse.numpy(), slope, rtol=1e-14)


def test_rsample_is_differentiable_and_a_second_derivative_is_refused() -> None:
    c = Tensor(np.array([1.5, 3.0]), requires_grad=True)
    tg.manual_seed(3)
    x = D.Gamma(c, 2.0).rsample()
    (g,) = tg.grad(x.sum(), [c], create_graph=True)  # a graph, not yet differentiated
    assert g.requires_grad
    with pytest.raises(tg.UnsupportedError, match="second derivative of a Gamma draw"):
        g.sum().backward()
    assert not D.Beta(c, 1.0).sample((2,)).requires_grad


# ------------------------------------------------------------------ bad arguments

def _t(*v: float) -> Tensor:
    return Tensor(np.array(v))


BAD = {
    "Gamma concentration": (lambda: D.Gamma(_t(1.0, -2.0), 1.0), tg.ArgumentError,
                            ("Gamma", "concentration", "-2.0"),
                            lambda: torch.distributions.Gamma(torch.tensor([1.0, -2.0]), 1.0)),
    "Gamma rate": (lambda: D.Gamma(1.0, 0.0), tg.ArgumentError, ("Gamma", "rate", "0.0"),
                   lambda: torch.distributions.Gamma(1.0, 0.0)),
    "Gamma value": (lambda: D.Gamma(2.0, 1.0).log_prob(_t(-1.0)), tg.ArgumentError,
                    ("Gamma", "support", "-1.0"),
                    lambda: torch.distributions.Gamma(2.0, 1.0).log_prob(torch.tensor(-1.0))),
    "Chi2 df": (lambda: D.Chi2(_t(-1.0)), tg.ArgumentError, ("Chi2", "df", "-1.0"),
                lambda: torch.distributions.Chi2(torch.tensor(-1.0))),
    "Beta concentration0": (lambda: D.Beta(1.0, _t(2.0, math.nan)), tg.ArgumentError,
                            ("Beta", "concentration0", "nan"),
                            lambda: torch.distributions.Beta(1.0, torch.tensor([2.0, math.nan]))),
    "Beta value": (lambda: D.Beta(2.0, 2.0).log_prob(_t(1.5)), tg.ArgumentError,
                   ("Beta", "support", "1.5"),
                   lambda: torch.distributions.Beta(2.0, 2.0).log_prob(torch.tensor(1.5))),
    "Dirichlet scalar": (lambda: D.Dirichlet(_t(2.0)[0]), tg.ShapeError,
                         ("Dirichlet", "one-dimensional", "()"),
                         lambda: torch.distributions.Dirichlet(torch.tensor(2.0))),
    "Dirichlet concentration": (lambda: D.Dirichlet(_t(1.0, 0.0)), tg.ArgumentError,
                                ("Dirichlet", "concentration", "0.0"),
                                lambda: torch.distributions.Dirichlet(torch.tensor([1.0, 0.0]))),
    "Dirichlet value": (lambda: D.Dirichlet(_t(1.0, 2.0)).log_prob(_t(0.5, 0.6)),
                        tg.ArgumentError, ("Dirichlet", "support", "0.6"),
                        lambda: torch.distributions.Dirichlet(torch.tensor([1.0, 2.0])).log_prob(
                            torch.tensor([0.5, 0.6]))),
    "StudentT df": (lambda: D.StudentT(_t(0.0)), tg.ArgumentError, ("StudentT", "df", "0.0"),
                    lambda: torch.distributions.StudentT(torch.tensor(0.0))),
    "StudentT scale": (lambda: D.StudentT(3.0, 0.0, -1.0), tg.ArgumentError,
                       ("StudentT", "scale", "-1.0"),
                       lambda: torch.distributions.StudentT(3.0, 0.0, -1.0)),
    "StudentT parameter type": (lambda: D.StudentT("3"), tg.ArgumentTypeError,
                                ("StudentT", "str"), lambda: torch.distributions.StudentT("3")),
    "Gamma expand": (lambda: D.Gamma(_t(1.0, 2.0), 1.0).expand((3,)), tg.ShapeError,
                     ("Gamma.expand", "(3,)", "(2,)"),
                     lambda: torch.distributions.Gamma(torch.tensor([1.0, 2.0]), 1.0).expand(
                         (3,))),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_arguments_raise_clear_errors_as_pytorch_refuses(name: str) -> None:
    call, error, fragments, twin = BAD[name]
    with pytest.raises(error) as raised:
        call()
    assert isinstance(raised.value, tg.TinygradError)
    assert isinstance(raised.value, (ValueError, TypeError))
    missing = [f for f in fragments if f not in str(raised.value)]
    assert not missing, f"message {str(raised.value)!r} lacks {missing}"
    if torch is not None:
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal of PyTorch's)
            twin()


def test_validation_can_be_turned_off_and_values_keep_their_dtype() -> None:
    d = D.Gamma(_t(-1.0), 1.0, validate_args=False)  # built without a check, as PyTorch
    assert d.mean.item() == -1.0
    assert D.Beta(2.0, 3.0).mean.dtype == tg.float32
    assert D.Beta(_t(2.0), 3.0).mean.dtype == tg.float64
    assert D.StudentT(3.0).batch_shape == () and D.Chi2(_t(1.0, 2.0)).batch_shape == (2,)


def test_reachable_as_pytorch_spells_it() -> None:
    for name in ("Gamma", "Chi2", "Beta", "Dirichlet", "StudentT"):
        assert getattr(tg.distributions, name) is getattr(D, name)
        assert name in D.__all__
    assert issubclass(D.Chi2, D.Gamma)
