"""The session-34 KL divergences, the matrix families (LKJCholesky, Wishart), ExponentialFamily
and Gamma.cdf against torch.distributions in float64, with gradchecks of the KLs and of
Wishart's log_prob and entropy in their parameters."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.distributions as D
from tinygrad_bn import Tensor
from tinygrad_bn.distributions.exp_family import ExponentialFamily
from tinygrad_bn.errors import UnsupportedError
from tinygrad_bn.testing.strategies import arrays, positive_arrays

try:
    import torch
except ImportError:
    torch = None

RTOL, ATOL = 1e-9, 1e-12


def _pos(shape: tuple[int, ...], lo: float = 0.5, hi: float = 3.0) -> Any:
    return positive_arrays(shape, min_value=lo, max_value=hi)


def _lowrank(M: Any, p: dict) -> Any:
    return M.LowRankMultivariateNormal(p["loc"], p["w"], p["d"])


def _mvn(M: Any, p: dict) -> Any:
    return M.MultivariateNormal(p["loc"], scale_tril=p["l"].tril())


# name: (build p, build q, strategy of p's and q's parameters (dicts of arrays))
def _pair(strategy: Any) -> Any:
    return st.tuples(strategy, strategy)


LOC_SCALE = st.fixed_dictionaries({"loc": arrays((3,), min_value=-1.0, max_value=1.0),
                                   "scale": _pos((3,))})
PAIRS = {
    "Gumbel": (lambda M, p: M.Gumbel(p["loc"], p["scale"]),) * 2 + (_pair(LOC_SCALE),),
    "Cauchy": (lambda M, p: M.Cauchy(p["loc"], p["scale"]),) * 2 + (_pair(LOC_SCALE),),
    "HalfNormal": (lambda M, p: M.HalfNormal(p["scale"]),) * 2 + (_pair(LOC_SCALE),),
    "HalfCauchy": (lambda M, p: M.HalfCauchy(p["scale"]),) * 2 + (_pair(LOC_SCALE),),
    "LogisticNormal": (lambda M, p: M.LogisticNormal(p["loc"], p["scale"]),) * 2
    + (_pair(LOC_SCALE),),
    "Pareto": (lambda M, p: M.Pareto(p["scale"], p["loc"] + 2),) * 2 + (_pair(LOC_SCALE),),
    "ContinuousBernoulli": (lambda M, p: M.ContinuousBernoulli(p["scale"] / 3.1),) * 2
    + (_pair(LOC_SCALE),),
    "LowRank": (_lowrank, _lowrank, _pair(st.fixed_dictionaries(
        {"loc": arrays((2, 3)), "w": arrays((3, 2)), "d": _pos((3,))}))),
    "MVN-LowRank": (_mvn, _lowrank, st.tuples(
        st.fixed_dictionaries({"loc": arrays((3,)), "l": arrays((2, 3, 3), min_value=-0.5,
                                                                max_value=0.5)}),
        st.fixed_dictionaries({"loc": arrays((3,)), "w": arrays((3, 1)), "d": _pos((3,))}))),
    "LowRank-MVN": (_lowrank, _mvn, st.tuples(
        st.fixed_dictionaries({"loc": arrays((3,)), "w": arrays((2, 3, 2)), "d": _pos((3,))}),
        st.fixed_dictionaries({"loc": arrays((3,)), "l": arrays((3, 3), min_value=-0.5,
                                                                max_value=0.5)}))),
}


def _tidy(params: dict) -> dict:
    """scale_tril candidates made lower triangular with a diagonal >= 1."""
    out = dict(params)
    if "l" in out:
        l = np.tril(out["l"])
        idx = np.arange(l.shape[-1])
        l[..., idx, idx] = np.abs(l[..., idx, idx]) + 1.0
        out["l"] = l
    return out


@pytest.mark.parametrize("name", sorted(PAIRS))
@settings(max_examples=8)
@given(data=st.data())
def test_kl_matches_torch_and_its_gradients_check(name: str, data: st.DataObject) -> None:
    build_p, build_q, case = PAIRS[name]
    first, second = (_tidy(x) for x in data.draw(case))
    if torch is not None:
        got = D.kl_divergence(build_p(D, {k: Tensor(v) for k, v in first.items()}),
                              build_q(D, {k: Tensor(v) for k, v in second.items()}))
        want = torch.distributions.kl_divergence(
            build_p(torch.distributions, {k: torch.tensor(v) for k, v in first.items()}),
            build_q(torch.distributions, {k: torch.tensor(v) for k, v in second.items()}))
        np.testing.assert_allclose(got.detach().numpy(), want.numpy(), rtol=1e-8, atol=1e-10)
    keys_p, keys_q = sorted(first), sorted(second)

    def kl(*tensors: Tensor) -> Tensor:
        p = build_p(D, dict(zip(keys_p, tensors[:len(keys_p)])))
        q = build_q(D, dict(zip(keys_q, tensors[len(keys_p):])))
        return D.kl_divergence(p, q)
    inputs = [Tensor(first[k], requires_grad=True) for k in keys_p] + \
        [Tensor(second[k], requires_grad=True) for k in keys_q]
    if name == "Pareto":  # inf (and no gradient) where p's support starts below q's: q's
        inputs[3] = Tensor(np.minimum(first["scale"], second["scale"]) * 0.9,  # scale lower
                           requires_grad=True)
    assert tg.gradcheck(kl, inputs, atol=1e-5)


def test_transformed_kl_needs_equal_transforms() -> None:
    p = D.TransformedDistribution(D.Normal(0.0, 1.0), D.ExpTransform())
    q = D.TransformedDistribution(D.Normal(1.0, 2.0), D.ExpTransform())
    assert np.isclose(float(D.kl_divergence(p, q)),
                      float(D.kl_divergence(D.Normal(0.0, 1.0), D.Normal(1.0, 2.0))))
    r = D.TransformedDistribution(D.Normal(1.0, 2.0), D.SigmoidTransform())
    with pytest.raises(UnsupportedError, match="different transforms"):
        D.kl_divergence(p, r)


def _spd(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    a = rng.normal(size=shape)
    return a @ np.swapaxes(a, -1, -2) + np.eye(shape[-1])


@pytest.mark.parametrize("given_as", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_wishart_matches_torch(given_as: str) -> None:
    pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    s = _spd(rng, (2, 3, 3))
    matrix = np.linalg.cholesky(s) if given_as == "scale_tril" else s
    df = np.array([4.0, 6.5])
    ours = D.Wishart(Tensor(df), **{given_as: Tensor(matrix)})
    theirs = torch.distributions.Wishart(torch.tensor(df), **{given_as: torch.tensor(matrix)})
    x = _spd(rng, (4, 1, 3, 3))
    np.testing.assert_allclose(ours.log_prob(Tensor(x)).numpy(),
                               theirs.log_prob(torch.tensor(x)).numpy(), rtol=RTOL)
    for method in ("mean", "mode", "variance", "covariance_matrix", "precision_matrix",
                   "scale_tril"):
        np.testing.assert_allclose(getattr(ours, method).numpy(),
                                   getattr(theirs, method).numpy(), rtol=1e-9, atol=1e-12,
                                   err_msg=method)
    np.testing.assert_allclose(ours.entropy().numpy(), theirs.entropy().numpy(), rtol=RTOL)
    # the exponential-family entropy (autograd of the log normalizer) is the closed form
    np.testing.assert_allclose(ExponentialFamily.entropy(ours).detach().numpy(),
                               ours.entropy().numpy(), rtol=1e-9)
    tg.manual_seed(0)
    draws = ours.rsample((2,))
    assert tuple(draws.shape) == (2, 2, 3, 3) and bool(ours.support.check(draws).all())
    assert tuple(ours.expand((5, 2)).sample().shape) == (5, 2, 3, 3)
    # KL by the Bregman divergence; PyTorch's sums its df term over the batch (its
    # _sum_rightmost by the event rank), so each batch element is compared unbatched
    l = np.linalg.cholesky(s)
    got = D.kl_divergence(ours, D.Wishart(Tensor(df + 1), scale_tril=Tensor(l))).detach()
    for i in range(2):
        p = torch.distributions.Wishart(torch.tensor(df[i]), **{given_as: torch.tensor(
            matrix[i])})
        q = torch.distributions.Wishart(torch.tensor(df[i] + 1), scale_tril=torch.tensor(l[i]))
        want = torch.distributions.kl_divergence(p, q).detach().numpy()
        np.testing.assert_allclose(got.numpy()[i], want, rtol=1e-8)


def test_wishart_gradients_and_sample_mean() -> None:
    rng = np.random.default_rng(4)
    s, x = _spd(rng, (3, 3)), _spd(rng, (3, 3))
    l0 = np.linalg.cholesky(s)

    def fn(df: Tensor, l: Tensor) -> Tensor:
        d = D.Wishart(df, scale_tril=l.tril(), validate_args=False)
        return d.log_prob(Tensor(x)) + d.entropy()
    assert tg.gradcheck(fn, [Tensor(np.array(4.5), requires_grad=True),
                             Tensor(l0, requires_grad=True)])
    tg.manual_seed(1)
    draws = D.Wishart(5.0, covariance_matrix=Tensor(s)).sample((4000,)).numpy()
    np.testing.assert_allclose(draws.mean(0), 5.0 * s, rtol=0.1, atol=0.2)


def test_lkj_cholesky_matches_torch_and_draws_correlation_factors() -> None:
    pytest.importorskip("torch")
    conc = np.array([0.5, 2.0, 1.0])
    ours, theirs = D.LKJCholesky(4, Tensor(conc)), torch.distributions.LKJCholesky(
        4, torch.tensor(conc))
    value = theirs.sample((5,))
    np.testing.assert_allclose(ours.log_prob(Tensor(value.numpy())).numpy(),
                               theirs.log_prob(value).numpy(), rtol=RTOL)
    tg.manual_seed(2)
    draws = ours.sample((200,))
    assert tuple(draws.shape) == (200, 3, 4, 4) and bool(ours.support.check(draws).all())
    assert tuple(ours.expand((2, 3)).sample().shape) == (2, 3, 4, 4)
    # the same onion construction as PyTorch's: the correlations' spreads agree
    tg.manual_seed(3)
    l = D.LKJCholesky(4, 1.5).sample((20000,)).numpy().astype(np.float64)
    torch.manual_seed(3)
    lt = torch.distributions.LKJCholesky(4, 1.5).sample((20000,)).numpy().astype(np.float64)
    corr, corr_t = l @ np.swapaxes(l, -1, -2), lt @ np.swapaxes(lt, -1, -2)
    np.testing.assert_allclose(corr.mean(0), corr_t.mean(0), atol=0.02)
    np.testing.assert_allclose(corr.var(0), corr_t.var(0), atol=0.02)
    assert tg.gradcheck(lambda c: D.LKJCholesky(4, c).log_prob(Tensor(value.numpy())),
                        [Tensor(conc, requires_grad=True)])


@given(data=st.data())
def test_gamma_cdf_matches_torch_and_differentiates_in_the_value(data: st.DataObject) -> None:
    a = data.draw(positive_arrays((3,), min_value=0.3, max_value=20.0))
    rate = data.draw(positive_arrays((2, 1), min_value=0.3, max_value=3.0))
    x = data.draw(positive_arrays((2, 3), min_value=0.05, max_value=15.0))
    got = D.Gamma(Tensor(a), Tensor(rate)).cdf(Tensor(x))
    if torch is not None:
        want = torch.distributions.Gamma(torch.tensor(a), torch.tensor(rate)).cdf(
            torch.tensor(x))
        np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-8, atol=1e-12)
    assert tg.gradcheck(lambda r, v: D.Gamma(Tensor(a), r).cdf(v),
                        [Tensor(rate, requires_grad=True), Tensor(x, requires_grad=True)])
    concentration = Tensor(a, requires_grad=True)
    with pytest.raises(UnsupportedError, match="igamma.*not implemented"):
        D.Gamma(concentration, Tensor(rate)).cdf(Tensor(x)).sum().backward()


@pytest.mark.parametrize("name", ["Normal", "Exponential", "Bernoulli", "Poisson", "Gamma",
                                  "Beta", "Dirichlet"])
def test_exponential_families_bregman_kl_and_entropy_agree_with_the_closed_forms(
        name: str) -> None:
    from tinygrad_bn.distributions.exp_family import kl_exponential_family
    t = lambda *v: Tensor(np.array(v))  # noqa: E731
    p, q = {"Normal": (D.Normal(t(0.3, 1.0), t(1.2, 0.5)), D.Normal(t(-0.2, 2.0), t(0.7, 1.5))),
            "Exponential": (D.Exponential(t(0.3, 2.0)), D.Exponential(t(1.2, 0.5))),
            "Bernoulli": (D.Bernoulli(t(0.3, 0.8)), D.Bernoulli(t(0.6, 0.1))),
            "Poisson": (D.Poisson(t(0.3, 2.0)), D.Poisson(t(1.2, 0.5))),
            "Gamma": (D.Gamma(t(0.3, 2.0), t(1.0, 3.0)), D.Gamma(t(1.2, 0.5), t(2.0, 0.4))),
            "Beta": (D.Beta(t(0.3, 2.0), t(1.0, 3.0)), D.Beta(t(1.2, 0.5), t(2.0, 0.4))),
            "Dirichlet": (D.Dirichlet(t(0.3, 2.0, 1.0)), D.Dirichlet(t(1.2, 0.5, 2.0)))}[name]
    assert isinstance(p, ExponentialFamily)  # as PyTorch's
    np.testing.assert_allclose(kl_exponential_family(p, q).detach().numpy(),
                               D.kl_divergence(p, q).numpy(), rtol=1e-12, atol=1e-14)
    if name in ("Normal", "Exponential", "Bernoulli", "Gamma"):  # PyTorch's carrier measures
        np.testing.assert_allclose(ExponentialFamily.entropy(p).detach().numpy(),
                                   p.entropy().numpy(), rtol=1e-12, atol=1e-14)
