"""tg.distributions against torch.distributions and against calculus.

Each family's log_prob, cdf, icdf, entropy and moments are compared with PyTorch's in
float64 over Hypothesis-drawn parameters whose shapes broadcast with each other and with
the value; their gradients (reverse, forward mode, and second order for a few) are checked
by central differences with tg.gradcheck; draws are checked for shape, dtype,
reproducibility under tg.manual_seed and their sample moments; bad parameters and values
must raise a project error naming the distribution, the parameter and the values; and
tutorial code (REINFORCE with Categorical, a Gaussian policy, a VAE's KL term) runs as
written for PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.distributions as D
from tinygrad_bn import Tensor
from tinygrad_bn.testing.strategies import arrays, broadcastable_shapes, positive_arrays

try:
    import torch
except ImportError:
    torch = None

RTOL, ATOL = 1e-9, 1e-12  # float64 formulas that differ only in rounding order


# ------------------------------------------------------------------ cases: parameters + values
# Each case draws (params, value, probability): numpy float64 arrays whose shapes broadcast;
# values stay off the points where a derivative is ill-posed (|x - loc| of Laplace, the
# ends of a Uniform, probabilities 0 and 1).

@st.composite
def _loc_scale(draw: st.DrawFn, *, kink: bool = False) -> tuple[dict, np.ndarray, np.ndarray]:
    s_loc, s_scale, s_value = draw(broadcastable_shapes(3))
    loc = draw(arrays(s_loc))
    scale = draw(positive_arrays(s_scale, min_value=0.2, max_value=2.0))
    offset = draw(arrays(s_value, away_from=(0.0,) if kink else ()))
    prob = draw(arrays(s_value, min_value=0.05, max_value=0.95))
    return {"loc": loc, "scale": scale}, loc + offset, prob


@st.composite
def _lognormal(draw: st.DrawFn) -> tuple[dict, np.ndarray, np.ndarray]:
    params, _, prob = draw(_loc_scale())
    value = draw(positive_arrays(prob.shape, min_value=0.1, max_value=5.0))
    return {"loc": params["loc"] / 3, "scale": params["scale"]}, value, prob


@st.composite
def _uniform(draw: st.DrawFn) -> tuple[dict, np.ndarray, np.ndarray]:
    s_low, s_high, s_value = draw(broadcastable_shapes(3))
    low = draw(arrays(s_low))
    high = draw(arrays(s_high, min_value=3.5, max_value=6.0))
    frac = draw(arrays(s_value, min_value=0.05, max_value=0.95))
    value = low + frac * (high - low)
    return {"low": low, "high": high}, value, frac


@st.composite
def _exponential(draw: st.DrawFn) -> tuple[dict, np.ndarray, np.ndarray]:
    s_rate, s_value = draw(broadcastable_shapes(2))
    rate = draw(positive_arrays(s_rate, min_value=0.2, max_value=3.0))
    value = draw(arrays(s_value, min_value=0.0, max_value=5.0))
    prob = draw(arrays(s_value, min_value=0.05, max_value=0.95))
    return {"rate": rate}, value, prob


@st.composite
def _bernoulli(draw: st.DrawFn, *, logits: bool) -> tuple[dict, np.ndarray, np.ndarray]:
    s_param, s_value = draw(broadcastable_shapes(2))
    if logits:
        param = {"logits": draw(arrays(s_param, min_value=-4.0, max_value=4.0))}
    else:
        param = {"probs": draw(arrays(s_param, min_value=0.05, max_value=0.95))}
    value = draw(st.integers(0, 2**16)).__index__()
    value = np.random.default_rng(value).integers(0, 2, size=s_value).astype(np.float64)
    return param, value, value


@st.composite
def _categorical(draw: st.DrawFn, *, logits: bool) -> tuple[dict, np.ndarray, np.ndarray]:
    s_batch, s_value = draw(broadcastable_shapes(2, max_dims=2))
    k = draw(st.integers(2, 4))
    if logits:
        param = {"logits": draw(arrays(s_batch + (k,), min_value=-3.0, max_value=3.0))}
    else:  # unnormalized on purpose: Categorical normalizes probs along the last axis
        param = {"probs": draw(positive_arrays(s_batch + (k,), min_value=0.1, max_value=2.0))}
    seed = draw(st.integers(0, 2**16))
    value = np.random.default_rng(seed).integers(0, k, size=s_value).astype(np.float64)
    return param, value, value


@st.composite
def _poisson(draw: st.DrawFn) -> tuple[dict, np.ndarray, np.ndarray]:
    s_rate, s_value = draw(broadcastable_shapes(2))
    rate = draw(positive_arrays(s_rate, min_value=0.2, max_value=6.0))
    seed = draw(st.integers(0, 2**16))
    value = np.random.default_rng(seed).integers(0, 12, size=s_value).astype(np.float64)
    return {"rate": rate}, value, value


@st.composite
def _binomial(draw: st.DrawFn, *, logits: bool) -> tuple[dict, np.ndarray, np.ndarray]:
    s_count, s_param, s_value = draw(broadcastable_shapes(3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    count = rng.integers(0, 12, size=s_count).astype(np.float64)
    if logits:
        param = {"logits": draw(arrays(s_param, min_value=-4.0, max_value=4.0))}
    else:
        param = {"probs": draw(arrays(s_param, min_value=0.05, max_value=0.95))}
    value = np.minimum(np.floor(rng.uniform(0, 1, size=s_value) * (count + 1)), count)
    return {**param, "total_count": count}, value, value


@st.composite
def _geometric(draw: st.DrawFn) -> tuple[dict, np.ndarray, np.ndarray]:
    param, value, _ = draw(_bernoulli(logits=False))
    seed = draw(st.integers(0, 2**16))
    value = np.random.default_rng(seed).integers(0, 10, size=value.shape).astype(np.float64)
    return param, value, value


def _onehot(draw_case: Any) -> Any:
    def to_onehot(case: tuple[dict, np.ndarray, np.ndarray]) -> tuple:
        params, value, _ = case
        k = next(iter(params.values())).shape[-1]
        onehot = np.eye(k)[value.astype(np.int64)]
        return params, onehot, onehot
    return draw_case.map(to_onehot)


# name: (build(module, params), case strategy, methods compared and differentiated)
_CONTINUOUS = ("log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance", "stddev")
CASES: dict[str, tuple[Callable[[Any, dict], Any], Any, tuple[str, ...]]] = {
    "Normal": (lambda M, p: M.Normal(p["loc"], p["scale"]), _loc_scale(), _CONTINUOUS),
    "LogNormal": (lambda M, p: M.LogNormal(p["loc"], p["scale"]), _lognormal(),
                  _CONTINUOUS),
    "Laplace": (lambda M, p: M.Laplace(p["loc"], p["scale"]), _loc_scale(kink=True),
                _CONTINUOUS),
    "Uniform": (lambda M, p: M.Uniform(p["low"], p["high"]), _uniform(),
                ("log_prob", "cdf", "icdf", "entropy", "mean", "mode", "variance", "stddev")),
    "Exponential": (lambda M, p: M.Exponential(p["rate"]), _exponential(), _CONTINUOUS),
    "Bernoulli(probs)": (lambda M, p: M.Bernoulli(probs=p["probs"]), _bernoulli(logits=False),
                         ("log_prob", "entropy", "mean", "mode", "variance", "logits")),
    "Bernoulli(logits)": (lambda M, p: M.Bernoulli(logits=p["logits"]),
                          _bernoulli(logits=True),
                          ("log_prob", "entropy", "mean", "mode", "variance", "probs")),
    "Categorical(probs)": (lambda M, p: M.Categorical(probs=p["probs"]),
                           _categorical(logits=False),
                           ("log_prob", "entropy", "mean", "mode", "variance", "logits",
                            "probs")),
    "Categorical(logits)": (lambda M, p: M.Categorical(logits=p["logits"]),
                            _categorical(logits=True),
                            ("log_prob", "entropy", "mode", "logits", "probs")),
    "OneHotCategorical": (lambda M, p: M.OneHotCategorical(logits=p["logits"]),
                          _onehot(_categorical(logits=True)),
                          ("log_prob", "entropy", "mean", "mode", "variance", "probs")),
    "Poisson": (lambda M, p: M.Poisson(p["rate"]), _poisson(),
                ("log_prob", "mean", "mode", "variance")),
    "Binomial(probs)": (lambda M, p: M.Binomial(p["total_count"], probs=p["probs"]),
                        _binomial(logits=False), ("log_prob", "mean", "mode", "variance")),
    "Binomial(logits)": (lambda M, p: M.Binomial(p["total_count"], logits=p["logits"]),
                         _binomial(logits=True), ("log_prob", "mean", "variance", "probs")),
    "Geometric": (lambda M, p: M.Geometric(p["probs"]), _geometric(),
                  ("log_prob", "entropy", "mean", "mode", "variance", "logits")),
    "Independent(Normal)": (lambda M, p: M.Independent(M.Normal(p["loc"], p["scale"]), 0),
                            _loc_scale(), ("log_prob", "entropy", "mean", "variance")),
}
_DISCRETE_VALUES = {"mode"}  # integer-valued results: compared exactly


def _evaluate(dist: Any, method: str, value: Any, prob: Any) -> Any:
    if method in ("log_prob", "cdf"):
        return getattr(dist, method)(value)
    if method == "icdf":
        return dist.icdf(prob)
    if method == "entropy":
        return dist.entropy()
    return getattr(dist, method)


def _leaf(key: str, value: np.ndarray) -> Tensor:
    """A parameter for gradcheck: differentiable unless integral (a perturbed total_count
    leaves the support)."""
    return Tensor(value, requires_grad=key != "total_count")


def _tg(params: dict, grad: bool = False) -> dict:
    return {k: Tensor(v, requires_grad=grad) for k, v in params.items()}


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_values_match_torch(name: str, data: st.DataObject) -> None:
    pytest.importorskip("torch")
    build, case, methods = CASES[name]
    params, value, prob = data.draw(case)
    ours = build(D, _tg(params))
    theirs = build(torch.distributions, {k: torch.tensor(v) for k, v in params.items()})
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape)
    for method in methods:
        got = _evaluate(ours, method, Tensor(value), Tensor(prob)).numpy()
        want = _evaluate(theirs, method, torch.tensor(value), torch.tensor(prob)).numpy()
        assert got.shape == want.shape, (method, got.shape, want.shape)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL, err_msg=method)


def _differentiable(name: str) -> list[str]:
    return [m for m in CASES[name][2] if m not in _DISCRETE_VALUES and
            not (name.startswith("Categorical") and m in ("mean", "variance"))]


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_gradients_by_central_differences(name: str, data: st.DataObject) -> None:
    build, case, _ = CASES[name]
    params, value, prob = data.draw(case)
    keys = sorted(params)
    for method in _differentiable(name):
        def fn(*tensors: Tensor, method: str = method) -> Tensor:
            dist = build(D, dict(zip(keys, tensors)))
            return _evaluate(dist, method, Tensor(value), Tensor(prob))
        assert tg.gradcheck(fn, [_leaf(k, params[k]) for k in keys])


@pytest.mark.parametrize("name", ["Normal", "Categorical(logits)", "Bernoulli(logits)"])
@given(data=st.data())
def test_second_derivatives_of_log_prob_and_entropy(name: str, data: st.DataObject) -> None:
    build, case, _ = CASES[name]
    params, value, prob = data.draw(case)
    keys = sorted(params)
    for method in ("log_prob", "entropy"):
        def fn(*tensors: Tensor, method: str = method) -> Tensor:
            return _evaluate(build(D, dict(zip(keys, tensors))), method, Tensor(value), None)
        assert tg.gradgradcheck(fn, [_leaf(k, params[k]) for k in keys])


# ------------------------------------------------------------------ KL divergence

@st.composite
def _pair(draw: st.DrawFn, name: str) -> tuple[dict, dict]:
    """p's parameters from the case, q's a random perturbation of the same shapes (so the
    two batches broadcast): real parameters shifted, positive ones scaled, probabilities
    moved on the logit scale."""
    first, _, _ = draw(CASES[name][1])
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    second = {}
    for key, v in first.items():
        noise = rng.uniform(-0.7, 0.7, size=np.shape(v))
        if key in ("loc", "logits"):
            second[key] = v + noise
        elif key == "total_count":  # KL of Binomials needs q's count >= p's: the same here
            second[key] = v
        elif key == "probs" and not name.endswith("Categorical(probs)"):
            second[key] = 1 / (1 + np.exp(-(np.log(v / (1 - v)) + noise)))
        else:
            second[key] = v * np.exp(noise)
    return first, second


KL_CASES = ["Normal", "LogNormal", "Laplace", "Exponential", "Bernoulli(probs)",
            "Bernoulli(logits)", "Categorical(probs)", "Categorical(logits)",
            "OneHotCategorical", "Poisson", "Uniform", "Independent(Normal)",
            "Binomial(probs)", "Binomial(logits)", "Geometric"]


@pytest.mark.parametrize("name", KL_CASES)
@given(data=st.data())
def test_kl_matches_torch_and_its_gradients_check(name: str, data: st.DataObject) -> None:
    build = CASES[name][0]
    first, second = data.draw(_pair(name))
    if name == "Uniform":  # a finite KL needs p's interval inside q's
        second = {"low": first["low"] - 0.5, "high": first["high"] + 0.25}
    if torch is not None:
        got = D.kl_divergence(build(D, _tg(first)), build(D, _tg(second))).numpy()
        want = torch.distributions.kl_divergence(
            build(torch.distributions, {k: torch.tensor(v) for k, v in first.items()}),
            build(torch.distributions, {k: torch.tensor(v) for k, v in second.items()}))
        np.testing.assert_allclose(got, want.numpy(), rtol=RTOL, atol=ATOL)
    keys_p, keys_q = sorted(first), sorted(second)

    def kl(*tensors: Tensor) -> Tensor:
        p = build(D, dict(zip(keys_p, tensors[:len(keys_p)])))
        q = build(D, dict(zip(keys_q, tensors[len(keys_p):])))
        return D.kl_divergence(p, q)
    inputs = [_leaf(k, first[k]) for k in keys_p] + [_leaf(k, second[k]) for k in keys_q]
    assert tg.gradcheck(kl, inputs)


def test_kl_is_zero_for_equal_and_infinite_where_q_misses_p_mass() -> None:
    p = D.Categorical(probs=Tensor([0.5, 0.5, 0.0]))
    q = D.Categorical(probs=Tensor([0.0, 0.5, 0.5]))
    assert D.kl_divergence(p, p).item() == pytest.approx(0.0, abs=1e-12)
    assert D.kl_divergence(p, q).item() == math.inf
    assert D.kl_divergence(q, D.Categorical(probs=Tensor([0.2, 0.3, 0.5]))).item() < math.inf
    assert D.kl_divergence(D.Bernoulli(0.0), D.Bernoulli(0.3)).item() == pytest.approx(
        -math.log(0.7))
    assert D.kl_divergence(D.Bernoulli(0.5), D.Bernoulli(1.0)).item() == math.inf
    assert D.kl_divergence(D.Uniform(0.0, 2.0), D.Uniform(0.5, 3.0)).item() == math.inf


def test_register_kl_dispatches_to_the_nearest_registered_pair() -> None:
    class Wide(D.Normal):
        pass

    assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 0.0  # parent's rule

    @D.register_kl(Wide, D.Normal)
    def _wide_normal(p: Any, q: Any) -> Tensor:
        return tg.tensor(7.0)

    assert D.kl_divergence(Wide(0.0, 1.0), D.Normal(0.0, 1.0)).item() == 7.0
    assert D.kl_divergence(D.Normal(0.0, 1.0), Wide(0.0, 1.0)).item() == 0.0


# ------------------------------------------------------------------ draws

SAMPLERS: dict[str, Callable[[], Any]] = {
    "Normal": lambda: D.Normal(tg.zeros(3, dtype=tg.float64), tg.ones(3, dtype=tg.float64)),
    "LogNormal": lambda: D.LogNormal(tg.zeros(3, dtype=tg.float64), 0.5),
    "Uniform": lambda: D.Uniform(tg.zeros(3, dtype=tg.float64), 2.0),
    "Exponential": lambda: D.Exponential(tg.full((3,), 2.0, dtype=tg.float64)),
    "Laplace": lambda: D.Laplace(tg.zeros(3, dtype=tg.float64), 1.5),
    "Bernoulli": lambda: D.Bernoulli(tg.full((3,), 0.3, dtype=tg.float64)),
    "Categorical": lambda: D.Categorical(logits=tg.zeros(3, 4, dtype=tg.float64)),
    "OneHotCategorical": lambda: D.OneHotCategorical(probs=tg.ones(3, 4, dtype=tg.float64)),
    "Poisson": lambda: D.Poisson(tg.full((3,), 4.0, dtype=tg.float64)),
    "Independent": lambda: D.Independent(D.Normal(tg.zeros(3, 2, dtype=tg.float64), 1.0), 1),
    "Binomial": lambda: D.Binomial(10, tg.full((3,), 0.3, dtype=tg.float64)),
    "Geometric": lambda: D.Geometric(tg.full((3,), 0.3, dtype=tg.float64)),
    "Gamma": lambda: D.Gamma(tg.full((3,), 2.5, dtype=tg.float64), 1.5),
    "Chi2": lambda: D.Chi2(tg.full((3,), 3.0, dtype=tg.float64)),
    "Beta": lambda: D.Beta(tg.full((3,), 2.0, dtype=tg.float64), 0.5),
    "Dirichlet": lambda: D.Dirichlet(tg.tensor([[1.0, 2.0, 0.5]] * 2, dtype=tg.float64)),
    "StudentT": lambda: D.StudentT(tg.full((3,), 4.0, dtype=tg.float64), 1.0, 2.0),
}


@pytest.mark.parametrize("name", sorted(SAMPLERS))
@pytest.mark.parametrize("sample_shape", [(), (5,), (2, 3), tg.zeros(4).shape])
def test_sample_shapes_dtypes_and_reproducibility(name: str, sample_shape: Any) -> None:
    dist = SAMPLERS[name]()
    tg.manual_seed(123)
    first = dist.sample(sample_shape)
    tg.manual_seed(123)
    again = dist.sample(sample_shape)
    expected = tuple(sample_shape) + tuple(dist.batch_shape) + tuple(dist.event_shape)
    assert tuple(first.shape) == expected
    assert first.dtype == (tg.int64 if name == "Categorical" else tg.float64)
    np.testing.assert_array_equal(first.numpy(), again.numpy())
    assert bool(dist.support.check(first).all())
    if torch is not None:  # PyTorch's shapes for the same call
        twin = {"Categorical": lambda: torch.distributions.Categorical(logits=torch.zeros(3, 4)),
                "Independent": lambda: torch.distributions.Independent(
                    torch.distributions.Normal(torch.zeros(3, 2), 1.0), 1)}.get(name)
        if twin is not None:
            assert tuple(twin().sample(tuple(sample_shape)).shape) == expected


def test_rsample_is_differentiable_and_sample_is_not() -> None:
    loc = Tensor(np.zeros(2), requires_grad=True)
    scale = Tensor(np.ones(2), requires_grad=True)
    dist = D.Normal(loc, scale)
    assert dist.rsample((3,)).requires_grad
    assert not dist.sample((3,)).requires_grad
    with pytest.raises(NotImplementedError, match="Categorical has no rsample"):
        D.Categorical(logits=tg.zeros(3)).rsample()


@pytest.mark.parametrize("name", ["Normal", "LogNormal", "Uniform", "Exponential", "Laplace"])
@given(data=st.data())
def test_rsample_gradients_by_central_differences(name: str, data: st.DataObject) -> None:
    build, case, _ = CASES[name]
    params, _, _ = data.draw(case)
    keys = sorted(params)

    def draw(*tensors: Tensor) -> Tensor:
        tg.manual_seed(7)  # the same noise at every evaluation of the finite differences
        return build(D, dict(zip(keys, tensors))).rsample((2,))
    assert tg.gradcheck(draw, [_leaf(k, params[k]) for k in keys])


# Sample moments from 40000 draws at a fixed seed. The mean must lie within 5 standard
# errors (sigma / sqrt(n)) and the variance within 5 standard errors of the sample variance
# (sigma^2 sqrt((kurtosis - 1) / n)), the kurtosis given per family: a correct sampler
# fails such a bound with probability below 1e-6 for any seed, while a wrong location,
# scale or rate (a shift of 5% of sigma or more) fails it.
MOMENTS = {
    "Normal": (lambda: D.Normal(1.5, 2.0), 3.0),
    "LogNormal": (lambda: D.LogNormal(0.0, 0.25), 4.1),
    "Uniform": (lambda: D.Uniform(-1.0, 3.0), 1.8),
    "Exponential": (lambda: D.Exponential(0.5), 9.0),
    "Laplace": (lambda: D.Laplace(-1.0, 0.5), 6.0),
    "Bernoulli": (lambda: D.Bernoulli(0.3), (1 - 6 * 0.21) / 0.21 + 3),
    "Poisson": (lambda: D.Poisson(3.5), 3 + 1 / 3.5),
    "Categorical": (lambda: D.Categorical(probs=tg.tensor([0.1, 0.2, 0.7])), 3.62),
    "Binomial": (lambda: D.Binomial(10, tg.tensor(0.3)), 3 + (1 - 6 * 0.21) / 2.1),
    "Geometric": (lambda: D.Geometric(0.3), 9 + 0.09 / 0.7),
    "Gamma": (lambda: D.Gamma(2.5, 1.5), 3 + 6 / 2.5),
    "Chi2": (lambda: D.Chi2(4.0), 3 + 12 / 4.0),
    "Beta": (lambda: D.Beta(2.0, 3.0), 3 + 6 * (1 * 6 - 2 * 3 * 7) / (2 * 3 * 7 * 8)),
    "StudentT": (lambda: D.StudentT(10.0, 1.0, 2.0), 3 + 6 / (10 - 4)),
}


@pytest.mark.parametrize("name", sorted(MOMENTS))
def test_sample_moments(name: str) -> None:
    build, kurtosis = MOMENTS[name]
    dist = build()
    tg.manual_seed(2024)
    n = 40_000
    x = dist.sample((n,)).numpy().astype(np.float64)
    if name == "Categorical":  # its mean is NaN by PyTorch's definition: use the pmf
        mean = float((np.arange(3) * np.array([0.1, 0.2, 0.7])).sum())
        var = float((np.arange(3) ** 2 * np.array([0.1, 0.2, 0.7])).sum()) - mean ** 2
        counts = np.bincount(x.astype(np.int64), minlength=3) / n
        assert np.all(np.abs(counts - [0.1, 0.2, 0.7]) < 5 * np.sqrt(0.25 / n))
    else:
        mean, var = dist.mean.item(), dist.variance.item()
    assert abs(x.mean() - mean) < 5 * math.sqrt(var / n), (x.mean(), mean)
    assert abs(x.var() - var) < 5 * var * math.sqrt((kurtosis - 1) / n), (x.var(), var)


# ------------------------------------------------------------------ shapes and properties

def test_batch_and_event_shapes_follow_pytorch() -> None:
    assert D.Normal(0.0, 1.0).batch_shape == ()
    assert D.Normal(tg.zeros(2, 1), tg.ones(3)).batch_shape == (2, 3)
    cat = D.Categorical(logits=tg.zeros(2, 5))
    assert (cat.batch_shape, cat.event_shape, cat.param_shape) == ((2,), (), (2, 5))
    one = D.OneHotCategorical(logits=tg.zeros(2, 5))
    assert (one.batch_shape, one.event_shape) == ((2,), (5,))
    ind = D.Independent(D.Normal(tg.zeros(4, 2, 3), 1.0), 2)
    assert (ind.batch_shape, ind.event_shape) == ((4,), (2, 3))
    assert tuple(ind.log_prob(tg.zeros(4, 2, 3)).shape) == (4,)
    assert tuple(D.Normal(tg.zeros(2), 1.0).log_prob(tg.zeros(3, 1)).shape) == (3, 2)


def test_expand_broadcasts_the_parameters() -> None:
    for dist in (D.Normal(tg.zeros(1), 1.0), D.Bernoulli(tg.full((1,), 0.3)),
                 D.Categorical(logits=tg.zeros(1, 3)), D.Uniform(0.0, 1.0),
                 D.Exponential(1.0), D.Laplace(0.0, 1.0), D.Poisson(2.0),
                 D.LogNormal(0.0, 1.0), D.OneHotCategorical(logits=tg.zeros(1, 3)),
                 D.Binomial(tg.full((1,), 4.0), logits=tg.zeros(1)), D.Geometric(0.5)):
        wide = dist.expand((4, 2) if dist.batch_shape == () else (4, 1))
        assert tuple(wide.batch_shape) == ((4, 2) if dist.batch_shape == () else (4, 1))
        assert tuple(wide.sample().shape) == tuple(wide.batch_shape) + tuple(wide.event_shape)
    wide = D.Independent(D.Normal(tg.zeros(1, 2), 1.0), 1).expand((3,))
    assert (wide.batch_shape, wide.event_shape) == ((3,), (2,))


def test_categorical_normalizes_probs_and_logits_as_pytorch() -> None:
    by_probs = D.Categorical(probs=tg.tensor([1.0, 3.0]))
    np.testing.assert_allclose(by_probs.probs.numpy(), [0.25, 0.75])
    by_logits = D.Categorical(logits=tg.tensor([0.0, math.log(3.0)]))
    np.testing.assert_allclose(by_logits.logits.exp().numpy(), [0.25, 0.75], rtol=1e-6)
    assert by_logits.logits.logsumexp(-1).item() == pytest.approx(0.0, abs=1e-6)
    enum = D.Bernoulli(tg.full((2,), 0.3)).enumerate_support()
    assert enum.tolist() == [[0.0, 0.0], [1.0, 1.0]]
    assert D.Categorical(logits=tg.zeros(2, 3)).enumerate_support(expand=False).shape == (3, 1)


def test_binomial_entropy_and_support_match_torch() -> None:
    torch_ = pytest.importorskip("torch")
    probs = np.array([0.2, 0.5, 0.9])
    ours = D.Binomial(7, Tensor(probs))
    theirs = torch_.distributions.Binomial(7, torch_.tensor(probs))
    np.testing.assert_allclose(ours.entropy().numpy(), theirs.entropy().numpy(), rtol=RTOL)
    assert ours.enumerate_support().tolist() == theirs.enumerate_support().tolist()
    assert tg.gradcheck(lambda p: D.Binomial(7, p).entropy(), Tensor(probs, requires_grad=True))


def test_default_validate_args_can_be_turned_off() -> None:
    D.Distribution.set_default_validate_args(False)
    try:
        assert math.isnan(D.Normal(0.0, -1.0).log_prob(tg.tensor(0.0)).item())
    finally:
        D.Distribution.set_default_validate_args(True)
    with pytest.raises(tg.ArgumentError, match="scale"):
        D.Normal(0.0, -1.0)
    D.Normal(0.0, -1.0, validate_args=False)  # one distribution's own choice


def test_numbers_take_the_default_dtype_and_tensors_keep_theirs() -> None:
    assert D.Normal(0.0, 1.0).loc.dtype == tg.float32
    assert D.Normal(tg.zeros(2, dtype=tg.float64), 1.0).scale.dtype == tg.float64
    assert D.Normal(0.0, 1.0).sample().dtype == tg.float32
    assert repr(D.Normal(0.0, 1.0)) == "Normal(loc: 0.0, scale: 1.0)"


# ------------------------------------------------------------------ bad input
# (call, error, builtin, message fragments, PyTorch's twin): the names of the public
# callables appear here quoted, which is what tests/test_bad_input_surface.py counts.
def _t(*v: float) -> Tensor:
    return tg.tensor(list(v))


BAD: dict[str, tuple[Callable[[], Any], type, type, tuple[str, ...], Any]] = {
    "Normal": (lambda: D.Normal(0.0, _t(1.0, -2.0)), tg.ArgumentError, ValueError,
               ("Normal", "scale", "-2.0"),
               lambda: torch.distributions.Normal(0.0, torch.tensor([1.0, -2.0]))),
    "LogNormal": (lambda: D.LogNormal(0.0, 0.0), tg.ArgumentError, ValueError,
                  ("Normal", "scale", "0.0"), lambda: torch.distributions.LogNormal(0.0, 0.0)),
    "Uniform": (lambda: D.Uniform(2.0, 1.0), tg.ArgumentError, ValueError,
                ("Uniform", "low", "2.0"), lambda: torch.distributions.Uniform(2.0, 1.0)),
    "Exponential": (lambda: D.Exponential(-1.0), tg.ArgumentError, ValueError,
                    ("Exponential", "rate", "-1.0"),
                    lambda: torch.distributions.Exponential(-1.0)),
    "Laplace": (lambda: D.Laplace(0.0, math.nan), tg.ArgumentError, ValueError,
                ("Laplace", "scale", "nan"), lambda: torch.distributions.Laplace(0.0, math.nan)),
    "Bernoulli": (lambda: D.Bernoulli(probs=1.5), tg.ArgumentError, ValueError,
                  ("Bernoulli", "probs", "1.5"), lambda: torch.distributions.Bernoulli(1.5)),
    "Bernoulli both": (lambda: D.Bernoulli(probs=0.5, logits=0.0), tg.ArgumentError,
                       ValueError, ("Bernoulli", "probs or logits", "both"),
                       lambda: torch.distributions.Bernoulli(0.5, 0.0)),
    "Bernoulli value": (lambda: D.Bernoulli(0.3).log_prob(_t(0.0, 2.0)), tg.ArgumentError,
                        ValueError, ("Bernoulli", "support", "2.0"),
                        lambda: torch.distributions.Bernoulli(0.3).log_prob(
                            torch.tensor([0.0, 2.0]))),
    "Categorical": (lambda: D.Categorical(probs=_t(-0.5, 1.5)), tg.ArgumentError, ValueError,
                    ("Categorical", "probs", "-0.5"),
                    lambda: torch.distributions.Categorical(torch.tensor([-0.5, 1.5]))),
    "Categorical 0-d": (lambda: D.Categorical(logits=tg.tensor(0.5)), tg.ArgumentError,
                        ValueError, ("Categorical", "logits", "one-dimensional"),
                        lambda: torch.distributions.Categorical(logits=torch.tensor(0.5))),
    "Categorical value": (lambda: D.Categorical(logits=tg.zeros(3)).log_prob(_t(3.0)),
                          tg.ArgumentError, ValueError, ("Categorical", "support", "3.0"),
                          lambda: torch.distributions.Categorical(
                              logits=torch.zeros(3)).log_prob(torch.tensor([3.0]))),
    "Categorical shape": (lambda: D.Categorical(logits=tg.zeros(2, 3)).log_prob(
                              tg.zeros(3)), tg.ShapeError, ValueError,
                          ("Categorical", "(3,)", "(2,)"),
                          lambda: torch.distributions.Categorical(
                              logits=torch.zeros(2, 3)).log_prob(torch.zeros(3))),
    "OneHotCategorical": (lambda: D.OneHotCategorical(probs=_t(0.5, -0.1)), tg.ArgumentError,
                          ValueError, ("OneHotCategorical", "probs", "-0.25"),
                          lambda: torch.distributions.OneHotCategorical(
                              torch.tensor([0.5, -0.1]))),
    "Poisson": (lambda: D.Poisson(-0.5), tg.ArgumentError, ValueError,
                ("Poisson", "rate", "-0.5"), lambda: torch.distributions.Poisson(-0.5)),
    "Poisson value": (lambda: D.Poisson(2.0).log_prob(_t(1.5)), tg.ArgumentError,
                      ValueError, ("Poisson", "support", "1.5"),
                      lambda: torch.distributions.Poisson(2.0).log_prob(torch.tensor([1.5]))),
    "Normal value type": (lambda: D.Normal(0.0, 1.0).log_prob(0.5), tg.ArgumentTypeError,
                          TypeError, ("Normal", "Tensor", "float"),
                          lambda: torch.distributions.Normal(0.0, 1.0).log_prob(0.5)),
    "Normal parameter type": (lambda: D.Normal("0", 1.0), tg.ArgumentTypeError, TypeError,
                              ("Normal", "str", "'0'"),
                              lambda: torch.distributions.Normal("0", 1.0)),
    "Normal shapes": (lambda: D.Normal(tg.zeros(2), tg.ones(3)), tg.ShapeError, ValueError,
                      ("Normal", "(2,)", "(3,)"),
                      lambda: torch.distributions.Normal(torch.zeros(2), torch.ones(3))),
    "sample_shape": (lambda: D.Normal(0.0, 1.0).sample(3), tg.ArgumentTypeError, TypeError,
                     ("Normal", "sample_shape", "3"),
                     lambda: torch.distributions.Normal(0.0, 1.0).sample(3)),
    "Binomial": (lambda: D.Binomial(2.5, 0.3), tg.ArgumentError, ValueError,
                 ("Binomial", "total_count", "2.5"),
                 lambda: torch.distributions.Binomial(2.5, torch.tensor(0.3))),
    "Binomial value": (lambda: D.Binomial(3, 0.5).log_prob(_t(4.0)), tg.ArgumentError,
                       ValueError, ("Binomial", "support", "4.0"),
                       lambda: torch.distributions.Binomial(3, torch.tensor(0.5)).log_prob(
                           torch.tensor([4.0]))),
    "Binomial entropy": (lambda: D.Binomial(_t(2.0, 3.0), 0.5).entropy(), tg.UnsupportedError,
                         NotImplementedError, ("Binomial.entropy", "inhomogeneous"),
                         lambda: torch.distributions.Binomial(torch.tensor([2.0, 3.0]),
                                                              torch.tensor(0.5)).entropy()),
    "Geometric": (lambda: D.Geometric(0.0), tg.ArgumentError, ValueError,
                  ("Geometric", "probs", "positive", "0.0"),
                  lambda: torch.distributions.Geometric(0.0)),
    "Independent": (lambda: D.Independent(D.Normal(tg.zeros(2), 1.0), 2), tg.ArgumentError,
                    ValueError, ("Independent", "reinterpreted_batch_ndims", "2"),
                    lambda: torch.distributions.Independent(
                        torch.distributions.Normal(torch.zeros(2), 1.0), 2)),
    "kl_divergence": (lambda: D.kl_divergence(D.Normal(0.0, 1.0), D.Bernoulli(0.5)),
                      tg.UnsupportedError, NotImplementedError,
                      ("kl_divergence", "Normal", "Bernoulli"),
                      lambda: torch.distributions.kl_divergence(
                          torch.distributions.Normal(0.0, 1.0),
                          torch.distributions.Bernoulli(0.5))),
    "register_kl": (lambda: D.register_kl(int, D.Normal), tg.ArgumentTypeError, TypeError,
                    ("register_kl", "type_p", "int"),
                    None),  # ours only: PyTorch's check has a precedence slip and accepts int

    "Distribution": (lambda: D.Distribution.set_default_validate_args("yes"), tg.ArgumentError,
                     ValueError, ("set_default_validate_args", "'yes'"),
                     lambda: torch.distributions.Distribution.set_default_validate_args("yes")),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_arguments_raise_clear_errors_as_pytorch_refuses(name: str) -> None:
    call, error, builtin, fragments, twin = BAD[name]
    with pytest.raises(error) as raised:
        call()
    assert isinstance(raised.value, builtin) and isinstance(raised.value, tg.TinygradError)
    missing = [f for f in fragments if f not in str(raised.value)]
    assert not missing, f"message {str(raised.value)!r} lacks {missing}"
    if torch is not None and twin is not None:
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal of PyTorch's)
            twin()


# ------------------------------------------------------------------ tutorial code

def _reinforce(torch_: Any, nn: Any, categorical: Any, steps: int) -> tuple[float, float]:
    """A contextual bandit solved by REINFORCE, written as a PyTorch tutorial writes it:
    the right arm is 1 when x[0] > 0. Returns the mean reward of the first 5 and the last
    20 steps."""
    torch_.manual_seed(0)
    policy = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 2))
    optimizer = torch_.optim.Adam(policy.parameters(), lr=0.05)
    rewards = []
    for _ in range(steps):
        x = torch_.randn(64, 4)
        dist = categorical(logits=policy(x))
        action = dist.sample()
        reward = (action == (x[:, 0] > 0).long()).float()
        loss = -(dist.log_prob(action) * (reward - reward.mean())).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        rewards.append(reward.mean().item())
    return float(np.mean(rewards[:5])), float(np.mean(rewards[-20:]))


def test_reinforce_with_categorical_learns_as_in_pytorch() -> None:
    first, last = _reinforce(tg, tg.nn, D.Categorical, 120)
    assert first < 0.75 and last > 0.9, (first, last)
    if torch is not None:  # the same code on PyTorch learns alike
        first_t, last_t = _reinforce(torch, torch.nn, torch.distributions.Categorical, 120)
        assert last_t > 0.9 and abs(last - last_t) < 0.1, (last, last_t)


def test_gaussian_policy_and_vae_terms_match_torch_gradients() -> None:
    torch_ = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    w, obs, act, adv = (rng.normal(size=s) for s in ((3, 4), (5, 3), (5, 2), (5,)))

    def losses(M: Any, tensor: Callable, dists: Any) -> tuple[Any, Any]:
        weight = tensor(w, requires_grad=True)
        out = tensor(obs) @ weight
        mu, log_std = out[:, :2], out[:, 2:]
        # actor-critic: -log pi(a|s) * advantage, with an Independent diagonal Gaussian
        pi = dists.Independent(dists.Normal(mu, log_std.exp()), 1)
        policy_loss = -(pi.log_prob(tensor(act)) * tensor(adv)).mean() - 0.01 * pi.entropy().mean()
        # a VAE's KL term against the standard normal prior
        q = dists.Normal(mu, (0.5 * log_std).exp())
        kl = dists.kl_divergence(q, dists.Normal(M.zeros_like(mu), M.ones_like(mu))).sum()
        (policy_loss + kl).backward()
        return (policy_loss + kl).item(), weight.grad.numpy()

    ours = losses(tg, lambda a, requires_grad=False: Tensor(a, requires_grad=requires_grad), D)
    theirs = losses(torch_, lambda a, requires_grad=False: torch_.tensor(
        a, requires_grad=requires_grad), torch_.distributions)
    assert ours[0] == pytest.approx(theirs[0], rel=1e-10)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-9, atol=1e-12)


def test_reachable_as_pytorch_spells_it() -> None:
    import tinygrad_bn
    from tinygrad_bn.distributions import Categorical, Normal, kl_divergence  # noqa: F401

    assert tinygrad_bn.distributions.Normal is Normal
    assert tinygrad_bn.distributions.constraints.positive.check(tg.tensor(1.0)).item()
