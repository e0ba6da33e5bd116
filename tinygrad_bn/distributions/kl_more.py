"""KL(p || q) for the families added in session 34 (registered on import, PyTorch's rules):

    Gumbel       -log r - mu_q/s_q + mu_p/s_q + r gamma_e + exp(mu_q/s_q + lgamma(1 + r)
                 - mu_p/s_q) - (1 + gamma_e),  r = s_p / s_q
    HalfNormal   the Normals' KL;  Cauchy  log((s_p + s_q)^2 + (mu_p - mu_q)^2) - log(4 s_p s_q)
    Pareto       alpha_q log(s_p / s_q) - log(alpha_q / alpha_p) + alpha_q / alpha_p - 1,
                 inf where p's support starts below q's (s_p < s_q)
    ContinuousBernoulli  mean_p (l_p - l_q) + log C_p + log(1 - p_p) - log C_q - log(1 - p_q)
    LowRankMultivariateNormal with itself or a MultivariateNormal (lowrank_mvn.py)
    TransformedDistribution  the bases' KL when both push through equal transforms
    ExponentialFamily  the Bregman divergence of the log normalizer (exp_family.py)
"""

from __future__ import annotations

import math

from ..errors import UnsupportedError
from ..method_functions import where
from ..tensor import Tensor
from .cauchy import Cauchy
from .exp_family import ExponentialFamily, kl_exponential_family
from .kl import _kl_normal_normal, kl_divergence, register_kl
from .lowrank_mvn import (
    LowRankMultivariateNormal,
    kl_lowrank_lowrank,
    kl_lowrank_mvn,
    kl_mvn_lowrank,
)
from .more_continuous import ContinuousBernoulli
from .multivariate import MultivariateNormal
from .transformed import TransformedDistribution
from .transformed_families import EULER, Gumbel, HalfNormal, Pareto

__all__: list[str] = []

register_kl(LowRankMultivariateNormal, LowRankMultivariateNormal)(kl_lowrank_lowrank)
register_kl(MultivariateNormal, LowRankMultivariateNormal)(kl_mvn_lowrank)
register_kl(LowRankMultivariateNormal, MultivariateNormal)(kl_lowrank_mvn)
register_kl(ExponentialFamily, ExponentialFamily)(kl_exponential_family)


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p: Gumbel, q: Gumbel) -> Tensor:
    ratio = p.scale / q.scale
    loc_q, loc_p = q.loc / q.scale, p.loc / q.scale
    t1 = -ratio.log() - loc_q + loc_p
    t3 = (loc_q + (1 + ratio).lgamma() - loc_p).exp()
    return t1 + ratio * EULER + t3 - (1 + EULER)


@register_kl(HalfNormal, HalfNormal)
def _kl_halfnormal_halfnormal(p: HalfNormal, q: HalfNormal) -> Tensor:
    return _kl_normal_normal(p.base_dist, q.base_dist)


@register_kl(Cauchy, Cauchy)
def _kl_cauchy_cauchy(p: Cauchy, q: Cauchy) -> Tensor:
    return ((p.scale + q.scale) ** 2 + (p.loc - q.loc) ** 2).log() \
        - (4 * p.scale * q.scale).log()


@register_kl(Pareto, Pareto)
def _kl_pareto_pareto(p: Pareto, q: Pareto) -> Tensor:
    alpha_ratio = q.alpha / p.alpha
    result = q.alpha * (p.scale / q.scale).log() - alpha_ratio.log() + alpha_ratio - 1
    return where(p.scale < q.scale, math.inf, result)


@register_kl(ContinuousBernoulli, ContinuousBernoulli)
def _kl_cb_cb(p: ContinuousBernoulli, q: ContinuousBernoulli) -> Tensor:
    t1 = p.mean * (p.logits - q.logits)
    t2 = p._cont_bern_log_norm() + (-p.probs).log1p()
    t3 = -q._cont_bern_log_norm() - (-q.probs).log1p()
    return t1 + t2 + t3


@register_kl(TransformedDistribution, TransformedDistribution)
def _kl_transformed_transformed(p: TransformedDistribution,
                                q: TransformedDistribution) -> Tensor:
    if p.transforms != q.transforms:
        raise UnsupportedError("kl_divergence: TransformedDistributions with different "
                               "transforms")
    if tuple(p.event_shape) != tuple(q.event_shape):
        raise UnsupportedError(f"kl_divergence: TransformedDistributions of different event "
                               f"shapes {tuple(p.event_shape)} and {tuple(q.event_shape)}")
    return kl_divergence(p.base_dist, q.base_dist)
