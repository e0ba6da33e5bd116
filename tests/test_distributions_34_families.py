"""tg.distributions' families added in session 34 against torch.distributions and calculus.

Every value PyTorch defines (log_prob, cdf, icdf, entropy, mean, mode, variance) is
compared in float64 over Hypothesis-drawn parameters and values (parameters kept away
from where a density or its derivative is ill-posed), with batch/event shapes, sample
shapes for a sample_shape, expand, support and arg_constraints; log_prob's gradients in
the parameters pass gradcheck (reverse and forward mode), and so do the reparameterized
draws' (the same uniforms each call: the seed is reset inside the function).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.distributions as D
from tinygrad_bn import Tensor
from tinygrad_bn.errors import ArgumentError
from tinygrad_bn.testing.strategies import arrays, broadcastable_shapes, positive_arrays

try:
    import torch
except ImportError:
    torch = None

RTOL, ATOL = 1e-9, 1e-12


def _two(draw: st.DrawFn, lo: tuple[float, float], hi: tuple[float, float],
         value: tuple[float, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    s_a, s_b, s_v = draw(broadcastable_shapes(3))
    return (draw(arrays(s_a, min_value=lo[0], max_value=lo[1])),
            draw(arrays(s_b, min_value=hi[0], max_value=hi[1])),
            draw(arrays(s_v, min_value=value[0], max_value=value[1])))


@st.composite
def _loc_scale(draw: st.DrawFn, value: tuple[float, float] = (-4.0, 4.0)) -> tuple:
    a, b, v = _two(draw, (-2.0, 2.0), (0.3, 3.0), value)
    return {"loc": a, "scale": b}, v


@st.composite
def _gumbel(draw: st.DrawFn) -> tuple:
    """z = (loc - x) / scale <= 5: e^z stays moderate (a central difference of a value near
    -e^z loses its digits)."""
    a, b, v = _two(draw, (-1.0, 1.0), (0.5, 3.0), (-1.5, 4.0))
    return {"loc": a, "scale": b}, v


@st.composite
def _scale_only(draw: st.DrawFn) -> tuple:
    s_a, s_v = draw(broadcastable_shapes(2))
    return ({"scale": draw(positive_arrays(s_a, min_value=0.3, max_value=3.0))},
            draw(positive_arrays(s_v, min_value=0.05, max_value=4.0)))


@st.composite
def _positive_pair(draw: st.DrawFn, first: str, second: str, lo: float = 0.5, hi: float = 4.0,
                   value: tuple[float, float] = (0.1, 4.0)) -> tuple:
    a, b, v = _two(draw, (lo, hi), (lo, hi), value)
    return {first: a, second: b}, v


@st.composite
def _pareto(draw: st.DrawFn) -> tuple:
    a, b, v = _two(draw, (0.3, 1.0), (0.5, 4.0), (1.05, 5.0))
    return {"scale": a, "alpha": b}, v


@st.composite
def _probs(draw: st.DrawFn, value: tuple[float, float] = (0.05, 0.95)) -> tuple:
    s_p, s_v = draw(broadcastable_shapes(2))
    probs = draw(arrays(s_p, min_value=0.05, max_value=0.95).filter(
        lambda p: (np.abs(p - 0.5) > 0.01).all()))  # off ContinuousBernoulli's Taylor band
    return {"probs": probs}, draw(arrays(s_v, min_value=value[0], max_value=value[1]))


@st.composite
def _simplex_case(draw: st.DrawFn, counts: int | None = None) -> tuple:
    s_p, s_v = draw(broadcastable_shapes(2, max_dims=2))
    k = draw(st.integers(2, 4))
    weights = draw(positive_arrays(s_p + (k,), min_value=0.1, max_value=1.0))
    if counts is None:
        v = draw(positive_arrays(s_v + (k,), min_value=0.1, max_value=1.0))
        return {"probs": weights / weights.sum(-1, keepdims=True)}, v / v.sum(-1, keepdims=True)
    raw = draw(arrays(s_v + (k,), min_value=0.0, max_value=1.0))
    v = np.floor(raw / raw.sum(-1, keepdims=True).clip(1e-3) * counts)
    v[..., 0] += counts - v.sum(-1)
    return {"probs": weights / weights.sum(-1, keepdims=True)}, v


@st.composite
def _generalized_pareto(draw: st.DrawFn) -> tuple:
    s = draw(broadcastable_shapes(4))
    return ({"loc": draw(arrays(s[0], min_value=-1.0, max_value=0.0)),
             "scale": draw(positive_arrays(s[1], min_value=0.5, max_value=2.0)),
             "concentration": draw(arrays(s[2], min_value=0.05, max_value=0.8))},
            draw(positive_arrays(s[3], min_value=0.1, max_value=3.0)))


@st.composite
def _negative_binomial(draw: st.DrawFn) -> tuple:
    a, b, v = _two(draw, (0.5, 5.0), (0.1, 0.9), (0.0, 8.0))
    return {"total_count": a, "probs": b}, np.floor(v)


@st.composite
def _lowrank(draw: st.DrawFn) -> tuple:
    s_loc, s_w, s_v = draw(broadcastable_shapes(3, max_dims=2))
    n, m = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    return ({"loc": draw(arrays(s_loc + (n,))), "cov_factor": draw(arrays(s_w + (n, m))),
             "cov_diag": draw(positive_arrays((n,), min_value=0.3, max_value=2.0))},
            draw(arrays(s_v + (n,))))


@st.composite
def _relaxed_bernoulli(draw: st.DrawFn) -> tuple:
    params, v = draw(_probs())
    params["temperature"] = np.array(draw(st.floats(0.3, 2.0)))
    return params, v


@st.composite
def _relaxed_onehot(draw: st.DrawFn) -> tuple:
    params, v = draw(_simplex_case())
    params["temperature"] = np.array(draw(st.floats(0.3, 2.0)))
    return params, v


@st.composite
def _von_mises(draw: st.DrawFn) -> tuple:
    a, b, v = _two(draw, (-3.0, 3.0), (0.2, 8.0), (-3.0, 3.0))
    return {"loc": a, "concentration": b}, v


@st.composite
def _logistic_normal(draw: st.DrawFn) -> tuple:
    s_loc, s_scale, s_v = draw(broadcastable_shapes(3, max_dims=2))
    k = draw(st.integers(1, 3))
    v = draw(positive_arrays(s_v + (k + 1,), min_value=0.1, max_value=1.0))
    return ({"loc": draw(arrays(s_loc + (k,), min_value=-1.0, max_value=1.0)),
             "scale": draw(positive_arrays(s_scale + (k,), min_value=0.5, max_value=2.0))},
            v / v.sum(-1, keepdims=True))


def _mixture(M: Any, p: dict) -> Any:
    return M.MixtureSameFamily(M.Categorical(p["probs"]), M.Normal(p["loc"], p["scale"]))


@st.composite
def _mixture_case(draw: st.DrawFn) -> tuple:
    k = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([(), (2,)]))
    weights = draw(positive_arrays(batch + (k,), min_value=0.1, max_value=1.0))
    return ({"probs": weights / weights.sum(-1, keepdims=True),
             "loc": draw(arrays(batch + (k,))),
             "scale": draw(positive_arrays(batch + (k,), min_value=0.5, max_value=2.0))},
            draw(arrays((3,) + batch)))


# name: (build(module, params), case strategy, has a reparameterized rsample to gradcheck)
CASES = {
    "Cauchy": (lambda M, p: M.Cauchy(p["loc"], p["scale"]), _loc_scale(), True),
    "Gumbel": (lambda M, p: M.Gumbel(p["loc"], p["scale"]), _gumbel(), True),
    "HalfNormal": (lambda M, p: M.HalfNormal(p["scale"]), _scale_only(), True),
    "HalfCauchy": (lambda M, p: M.HalfCauchy(p["scale"]), _scale_only(), True),
    "Pareto": (lambda M, p: M.Pareto(p["scale"], p["alpha"]), _pareto(), True),
    "Weibull": (lambda M, p: M.Weibull(p["scale"], p["concentration"]),
                _positive_pair("scale", "concentration"), True),
    "InverseGamma": (lambda M, p: M.InverseGamma(p["concentration"], p["rate"]),
                     _positive_pair("concentration", "rate"), False),
    "Kumaraswamy": (lambda M, p: M.Kumaraswamy(p["c1"], p["c0"]),
                    _positive_pair("c1", "c0", value=(0.05, 0.95)), True),
    "FisherSnedecor": (lambda M, p: M.FisherSnedecor(p["df1"], p["df2"]),
                       _positive_pair("df1", "df2", 0.5, 9.0), False),
    "GeneralizedPareto": (lambda M, p: M.GeneralizedPareto(p["loc"], p["scale"],
                                                           p["concentration"]),
                          _generalized_pareto(), True),
    "ContinuousBernoulli": (lambda M, p: M.ContinuousBernoulli(p["probs"]), _probs(), True),
    "VonMises": (lambda M, p: M.VonMises(p["loc"], p["concentration"]), _von_mises(), False),
    "NegativeBinomial": (lambda M, p: M.NegativeBinomial(p["total_count"], p["probs"]),
                         _negative_binomial(), False),
    "Multinomial": (lambda M, p: M.Multinomial(4, p["probs"]), _simplex_case(counts=4), False),
    "LowRankMultivariateNormal": (
        lambda M, p: M.LowRankMultivariateNormal(p["loc"], p["cov_factor"], p["cov_diag"]),
        _lowrank(), True),
    "RelaxedBernoulli": (lambda M, p: M.RelaxedBernoulli(p["temperature"], p["probs"]),
                         _relaxed_bernoulli(), True),
    "RelaxedOneHotCategorical": (
        lambda M, p: M.RelaxedOneHotCategorical(p["temperature"], p["probs"]),
        _relaxed_onehot(), True),
    "LogisticNormal": (lambda M, p: M.LogisticNormal(p["loc"], p["scale"]),
                       _logistic_normal(), True),
    "MixtureSameFamily": (_mixture, _mixture_case(), False),
}
SIMPLEX = {"Multinomial", "MixtureSameFamily", "RelaxedOneHotCategorical"}
METHODS = ("log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance", "stddev")
# values PyTorch computes less exactly than the closed form here: (name, method) -> (rtol,
# atol), PyTorch's approximation error, not ours
LOOSER = {
    ("Multinomial", "entropy"): (1e-7, ATOL),  # PyTorch's lgamma(n + 1) is float32 (of an int)
    # PyTorch's log I0 and I1 are Abramowitz-Stegun polynomial fits, good to ~1e-7
    ("VonMises", "log_prob"): (1e-6, 1e-7),
    ("VonMises", "variance"): (1e-6, 1e-7),
    ("VonMises", "stddev"): (1e-6, 1e-7),
}


def _evaluate(dist: Any, method: str, value: Any) -> Any:
    if method in ("log_prob", "cdf"):
        return getattr(dist, method)(value)
    if method == "icdf":
        return dist.icdf(value * 0 + 0.3)  # a probability of the value's shape
    if method == "entropy":
        return dist.entropy()
    return getattr(dist, method)


def _tg(params: dict, grad: bool = False) -> dict:
    return {k: Tensor(v, requires_grad=grad) for k, v in params.items()}


def _torch(params: dict) -> dict:
    return {k: torch.tensor(v) for k, v in params.items()}


@pytest.fixture(scope="module")
def torch64() -> Any:
    """PyTorch with float64 defaults (its GeneralizedPareto builds a float32 zero)."""
    module = pytest.importorskip("torch")
    previous = module.get_default_dtype()
    module.set_default_dtype(module.float64)
    yield module
    module.set_default_dtype(previous)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=8)
@given(data=st.data())
def test_values_and_shapes_match_torch(torch64: Any, name: str, data: st.DataObject) -> None:
    build, case, _ = CASES[name]
    params, value = data.draw(case)
    ours, theirs = build(D, _tg(params)), build(torch64.distributions, _torch(params))
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    assert ours.has_rsample == theirs.has_rsample
    compared = 0
    for method in METHODS:
        try:
            want = _evaluate(theirs, method, torch64.tensor(value))
        except (NotImplementedError, RuntimeError, ValueError):  # PyTorch lacks it, or
            continue  # refuses this value (Gumbel's cdf validates the uniform it maps to)
        got = _evaluate(ours, method, Tensor(value))
        compared += 1
        assert tuple(got.shape) == tuple(want.shape), (method, got.shape, want.shape)
        rtol, atol = LOOSER.get((name, method), (RTOL, ATOL))
        np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=rtol, atol=atol,
                                   err_msg=f"{name}.{method}")
    assert compared >= 1
    shape = (2,) + tuple(ours.batch_shape) + tuple(ours.event_shape)
    assert tuple(ours.sample((2,)).shape) == tuple(theirs.sample((2,)).shape) == shape
    wide = ours.expand((3,) + tuple(ours.batch_shape))
    assert tuple(wide.batch_shape) == (3,) + tuple(ours.batch_shape)
    assert tuple(wide.sample().shape) == (3,) + tuple(ours.batch_shape) + tuple(
        ours.event_shape)
    assert bool(ours.support.check(ours.sample((4,))).all())
    assert sorted(ours.arg_constraints) == sorted(theirs.arg_constraints)


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=5)
@given(data=st.data())
def test_log_prob_gradients_by_central_differences(name: str, data: st.DataObject) -> None:
    build, case, _ = CASES[name]
    params, value = data.draw(case)
    keys = sorted(k for k in params if k != "temperature")
    fixed = {k: Tensor(v) for k, v in params.items() if k not in keys}
    if name in SIMPLEX:  # a simplex's entries are not free: differentiate softmax's logits
        params = {**params, "probs": np.log(params["probs"])}

    def fn(*tensors: Tensor) -> Tensor:
        given = dict(zip(keys, tensors))
        if name in SIMPLEX:
            given["probs"] = given["probs"].softmax(-1)
        return build(D, {**fixed, **given}).log_prob(Tensor(value))
    assert tg.gradcheck(fn, [Tensor(params[k], requires_grad=True) for k in keys])


@pytest.mark.parametrize("name", sorted(n for n, c in CASES.items() if c[2]))
@settings(max_examples=5)
@given(data=st.data())
def test_rsample_gradients_by_central_differences(name: str, data: st.DataObject) -> None:
    build, case, _ = CASES[name]
    params, _ = data.draw(case)
    keys = sorted(k for k in params if k not in ("probs", "temperature"))
    if not keys:
        keys = ["probs"]
    fixed = {k: Tensor(v) for k, v in params.items() if k not in keys}

    def fn(*tensors: Tensor) -> Tensor:
        tg.manual_seed(7)  # the same uniforms on every call
        return build(D, {**fixed, **dict(zip(keys, tensors))}).rsample((2,))
    assert tg.gradcheck(fn, [Tensor(params[k], requires_grad=True) for k in keys], atol=1e-4)


@pytest.mark.parametrize("name", ["Cauchy", "Gumbel", "Pareto", "HalfNormal", "Weibull",
                                  "Kumaraswamy", "LowRankMultivariateNormal"])
def test_sample_means_and_variances_agree_with_the_moments(name: str) -> None:
    build, case, _ = CASES[name]
    params = {"Cauchy": {"loc": np.array([0.5, -1.0]), "scale": np.array([1.0, 0.5])},
              "Gumbel": {"loc": np.array([0.5, -1.0]), "scale": np.array([1.0, 0.5])},
              "Pareto": {"scale": np.array([1.0, 2.0]), "alpha": np.array([5.0, 6.0])},
              "HalfNormal": {"scale": np.array([1.0, 2.5])},
              "Weibull": {"scale": np.array([1.0, 2.0]), "concentration": np.array([1.5, 3.0])},
              "Kumaraswamy": {"c1": np.array([2.0, 0.7]), "c0": np.array([3.0, 1.5])},
              "LowRankMultivariateNormal": {"loc": np.array([0.5, -1.0]),
                                            "cov_factor": np.array([[1.0], [0.5]]),
                                            "cov_diag": np.array([0.5, 1.0])}}[name]
    dist = build(D, _tg(params))
    tg.manual_seed(0)
    draws = dist.sample((40000,)).numpy()
    if name == "Cauchy":  # no moments: its quartiles are loc -+ scale
        np.testing.assert_allclose(np.percentile(draws, [25, 75], axis=0),
                                   [params["loc"] - params["scale"],
                                    params["loc"] + params["scale"]], atol=0.05)
        return
    mean, var = dist.mean.numpy(), dist.variance.numpy()
    assert (np.abs(draws.mean(0) - mean) < 6 * np.sqrt(var / len(draws))).all()
    np.testing.assert_allclose(draws.var(0), var, rtol=0.1)


def test_sac_style_tanh_gaussian_policy_runs_as_written_for_pytorch() -> None:
    tg.manual_seed(1)
    mu = Tensor(np.zeros((4, 2)), requires_grad=True)
    log_std = Tensor(np.full((4, 2), -0.5), requires_grad=True)
    policy = D.TransformedDistribution(D.Normal(mu, log_std.exp()),
                                       [D.TanhTransform(cache_size=1)])
    action = policy.rsample()
    log_prob = policy.log_prob(action).sum(-1)
    (log_prob.mean() - action.sum()).backward()
    assert tuple(log_prob.shape) == (4,) and np.isfinite(mu.grad.numpy()).all()


def test_straight_through_and_relaxed_draws_pass_gradients() -> None:
    logits = Tensor(np.array([[0.1, 1.0, -0.5]]), requires_grad=True)
    draw = D.OneHotCategoricalStraightThrough(logits=logits).rsample((5,))
    assert set(np.unique(draw.detach().numpy())) <= {0.0, 1.0}
    (draw * Tensor(np.array([1.0, 2.0, 3.0]))).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0
    relaxed = D.RelaxedOneHotCategorical(0.5, logits=logits).rsample((3,))
    np.testing.assert_allclose(relaxed.detach().numpy().sum(-1), 1.0, rtol=1e-12)


def test_bad_parameters_and_values_raise_argument_errors() -> None:
    with pytest.raises(ArgumentError, match="Gumbel: expected parameter scale"):
        D.Gumbel(0.0, tg.tensor([-1.0]))
    with pytest.raises(ArgumentError, match="Pareto.*within the support"):
        D.Pareto(tg.tensor([2.0]), tg.tensor([1.0])).log_prob(tg.tensor([1.0]))
    with pytest.raises(ArgumentError, match="NegativeBinomial: expected parameter probs"):
        D.NegativeBinomial(3.0, tg.tensor([1.0]))
    with pytest.raises(ArgumentError, match="LKJCholesky: expected dim"):
        D.LKJCholesky(1)
    with pytest.raises(ArgumentError, match="df=.*greater than ndim - 1 = 2"):
        D.Wishart(tg.tensor([1.5]), covariance_matrix=tg.eye(3, dtype=tg.float64))
    with pytest.raises(ArgumentError, match="has 2 components but component_distribution"):
        D.MixtureSameFamily(D.Categorical(tg.tensor([0.5, 0.5])),
                            D.Normal(tg.zeros(3), tg.ones(3)))
    with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
        D.Multinomial(tg.tensor([3.0]), tg.tensor([0.5, 0.5]))


def test_zero_dimensional_tensor_parameters_sample_and_expand_as_pytorch() -> None:
    """expand(()) and draws of a batch of shape () (each failed: `expand(*())` is refused)."""
    scalar = tg.tensor(0.4, dtype=tg.float64)
    families = [D.Poisson(scalar * 5), D.Bernoulli(scalar), D.Gamma(scalar + 1, 1.0),
                D.Binomial(3, scalar), D.NegativeBinomial(scalar * 5, scalar),
                D.Normal(scalar, 1.0), D.Gumbel(scalar, 1.0), D.Beta(scalar + 1, 2.0)]
    for dist in families:
        assert tuple(dist.sample().shape) == () and tuple(dist.sample((3,)).shape) == (3,)
        assert tuple(dist.expand(()).batch_shape) == ()
        assert tuple(dist.expand((2,)).sample().shape) == (2,)
