"""KL(p || q) = E_p[log p(x) - log q(x)] in closed form for pairs of families
(PyTorch's `kl_divergence` and `register_kl`).

    Normal       0.5 (r + ((mu_p - mu_q) / s_q)^2 - 1 - log r),  r = (s_p / s_q)^2
    Bernoulli    p (softplus(-l_q) - softplus(-l_p)) + (1 - p)(softplus(l_q) - softplus(l_p));
                 inf where q puts 0 on a value p can take
    Categorical  sum_k p_k (log p_k - log q_k); inf where q_k = 0 < p_k, 0 terms where p_k = 0
    Uniform      log((b_q - a_q) / (b_p - a_p)), inf unless [a_p, b_p] lies in [a_q, b_q]
    Exponential  r - 1 - log r,  r = rate_q / rate_p
    Laplace      -log r + |mu_p - mu_q| / s_q + r exp(-|mu_p - mu_q| / s_p) - 1, r = s_p / s_q
    Poisson      rate_p (log rate_p - log rate_q) - (rate_p - rate_q)
    Binomial     n (p (l_p - l_q) + log(1 - p) - log(1 - q)) for equal n; inf where
                 n_p > n_q, and n_p < n_q is not implemented (as PyTorch)
    Geometric    -H(p) - log(1 - q) / p - l_q
    MultivariateNormal  sum log diag L_q - sum log diag L_p + (|L_q^{-1} L_p|_F^2
                 + |L_q^{-1}(mu_q - mu_p)|^2 - n) / 2 (distributions/multivariate.py)
    Gamma        a_q log(b_p / b_q) + lgamma(a_q) - lgamma(a_p) + (a_p - a_q) psi(a_p)
                 + (b_q - b_p) a_p / b_p  (Chi2 as the Gamma it is)
    Beta         the Dirichlet's, for [a, b]
    Dirichlet    lgamma(a0_p) - lgamma(a0_q) - sum (lgamma(a_p) - lgamma(a_q))
                 + sum (a_p - a_q)(psi(a_p) - psi(a0_p)),  a0 = sum a
    LogNormal    the KL of the underlying Normals; Independent: the base's, summed;
    OneHotCategorical: the Categoricals'.

The lookup takes the registered pair nearest to (type(p), type(q)) along their MROs (the
smallest sum of the two MRO positions), so a subclass uses its parent's rule unless it
registers its own.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any

from ..errors import ArgumentTypeError, UnsupportedError
from ..method_functions import where
from ..tensor import Tensor
from .continuous import Exponential, Laplace, LogNormal, Normal, Uniform
from .counts import Binomial, Geometric, Poisson
from .discrete import Bernoulli, Categorical, OneHotCategorical, _softplus
from .distribution import Distribution, sum_rightmost
from .gamma_family import Beta, Dirichlet, Gamma
from .independent import Independent
from .multivariate import MultivariateNormal, kl_multivariate_normal

__all__ = ["kl_divergence", "register_kl"]

_REGISTRY: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}
_CACHE: dict[tuple[type, type], Callable[[Any, Any], Tensor] | None] = {}
_LOCK = threading.Lock()


def register_kl(type_p: type, type_q: type) -> Callable[[Callable], Callable]:
    """Decorator registering `fn(p, q) -> KL(p || q)` for p of type_p, q of type_q."""
    for which, t in (("type_p", type_p), ("type_q", type_q)):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise ArgumentTypeError(f"register_kl: {which} must be a subclass of Distribution, "
                                    f"got {t!r}")

    def decorator(fn: Callable) -> Callable:
        with _LOCK:
            _REGISTRY[type_p, type_q] = fn
            _CACHE.clear()
        return fn

    return decorator


def _lookup(type_p: type, type_q: type) -> Callable[[Any, Any], Tensor] | None:
    with _LOCK:
        if (type_p, type_q) not in _CACHE:
            matches = [(type_p.__mro__.index(sp) + type_q.__mro__.index(sq), fn)
                       for (sp, sq), fn in _REGISTRY.items()
                       if issubclass(type_p, sp) and issubclass(type_q, sq)]
            _CACHE[type_p, type_q] = min(matches, key=lambda m: m[0])[1] if matches else None
        return _CACHE[type_p, type_q]


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """KL(p || q), batched over the two distributions' broadcast batch shape."""
    for which, d in (("p", p), ("q", q)):
        if not isinstance(d, Distribution):
            raise ArgumentTypeError(f"kl_divergence: {which} must be a Distribution, got "
                                    f"{type(d).__name__}")
    fn = _lookup(type(p), type(q))
    if fn is None:
        raise UnsupportedError(f"kl_divergence: no KL(p || q) is implemented for p "
                               f"{type(p).__name__} and q {type(q).__name__}")
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - var_ratio.log())


register_kl(MultivariateNormal, MultivariateNormal)(kl_multivariate_normal)


@register_kl(LogNormal, LogNormal)
def _kl_lognormal_lognormal(p: LogNormal, q: LogNormal) -> Tensor:
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    t1 = p.probs * (_softplus(-q.logits) - _softplus(-p.logits))
    t1 = where(p.probs == 0, 0.0, where(q.probs == 0, math.inf, t1))
    t2 = (1 - p.probs) * (_softplus(q.logits) - _softplus(p.logits))
    t2 = where(p.probs == 1, 0.0, where(q.probs == 1, math.inf, t2))
    return t1 + t2


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    t = where(p.probs == 0, 0.0, where(q.probs == 0, math.inf, t))
    return t.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return where((q.low > p.low) | (q.high < p.high), math.inf, result)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    rate_ratio = q.rate / p.rate
    return rate_ratio - 1 - rate_ratio.log()


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    scale_ratio = p.scale / q.scale
    loc_abs_diff = (p.loc - q.loc).abs()
    return -scale_ratio.log() + loc_abs_diff / q.scale \
        + scale_ratio * (-loc_abs_diff / p.scale).exp() - 1


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    return p.rate * (p.rate.log() - q.rate.log()) - (p.rate - q.rate)


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise UnsupportedError(f"kl_divergence: Independent distributions with different "
                               f"reinterpreted_batch_ndims ({p.reinterpreted_batch_ndims} and "
                               f"{q.reinterpreted_batch_ndims})")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(Binomial, Binomial)
def _kl_binomial_binomial(p: Binomial, q: Binomial) -> Tensor:
    if bool((p.total_count < q.total_count).any()):
        raise UnsupportedError("kl_divergence: KL between Binomials where q.total_count > "
                               "p.total_count is not implemented (as PyTorch)")
    kl = p.total_count * (p.probs * (p.logits - q.logits) + (-p.probs).log1p()
                          - (-q.probs).log1p())
    return where(p.total_count > q.total_count, math.inf, kl)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    return -p.entropy() - (-q.probs).log1p() / p.probs - q.logits


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    a_p, b_p, a_q, b_q = p.concentration, p.rate, q.concentration, q.rate
    return a_q * (b_p / b_q).log() + a_q.lgamma() - a_p.lgamma() \
        + (a_p - a_q) * a_p.digamma() + (b_q - b_p) * (a_p / b_p)


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    a_p, a_q = p.concentration, q.concentration
    total_p = a_p.sum(-1)
    return total_p.lgamma() - a_q.sum(-1).lgamma() - (a_p.lgamma() - a_q.lgamma()).sum(-1) \
        + ((a_p - a_q) * (a_p.digamma() - total_p.digamma().unsqueeze(-1))).sum(-1)


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    return _kl_dirichlet_dirichlet(p._dirichlet, q._dirichlet)
