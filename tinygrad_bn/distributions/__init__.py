"""Probability distributions with PyTorch's `torch.distributions` names and semantics:
`from tinygrad_bn.distributions import Categorical, Normal, kl_divergence`, or
`tg.distributions.Normal` (loaded on first use).

Families: Normal, LogNormal, Uniform, Exponential, Laplace, MultivariateNormal, Gamma,
Chi2, Beta, Dirichlet, StudentT, Cauchy, Gumbel, HalfNormal, HalfCauchy, Pareto, Weibull,
InverseGamma, Kumaraswamy, LogisticNormal, LowRankMultivariateNormal, FisherSnedecor,
GeneralizedPareto, ContinuousBernoulli, Wishart, the relaxed (Concrete) ones and
OneHotCategoricalStraightThrough (reparameterized, rsample); Bernoulli, Categorical,
OneHotCategorical, Poisson, Binomial, Geometric, Multinomial, NegativeBinomial, VonMises,
LKJCholesky, MixtureSameFamily (sample only); Independent, TransformedDistribution and the
transforms with biject_to / transform_to. Normal, Exponential, Bernoulli, Poisson, Gamma,
Beta, Dirichlet, ContinuousBernoulli and Wishart are ExponentialFamily members, as in
PyTorch. Closed-form `kl_divergence` for same-family pairs, extensible with
`register_kl`. Draws come from `tg.default_generator`, so `tg.manual_seed` makes them
reproducible.
"""

import sys as _sys

from . import constraints, transforms
from . import paths as _paths
from .cauchy import Cauchy
from .constraint_registry import biject_to, transform_to
from .continuous import Exponential, Laplace, LogNormal, Normal, Uniform
from .counts import Binomial, Geometric, Poisson
from .counts_more import Multinomial, NegativeBinomial
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .gamma_family import Beta, Chi2, Dirichlet, Gamma, StudentT
from .independent import Independent
from .kl import kl_divergence, register_kl
from .kl_more import __all__ as _kl_more  # noqa: F401 (imported for its registrations)
from .lowrank_mvn import LowRankMultivariateNormal
from .matrix_families import LKJCholesky, Wishart
from .mixture import MixtureSameFamily
from .more_continuous import ContinuousBernoulli, FisherSnedecor, GeneralizedPareto
from .multivariate import MultivariateNormal
from .relaxed import (
    ExpRelaxedCategorical,
    LogitRelaxedBernoulli,
    OneHotCategoricalStraightThrough,
    RelaxedBernoulli,
    RelaxedOneHotCategorical,
)
from .transformed import TransformedDistribution
from .transformed_families import (
    Gumbel,
    HalfCauchy,
    HalfNormal,
    InverseGamma,
    Kumaraswamy,
    LogisticNormal,
    Pareto,
    Weibull,
)
from .transforms import *  # noqa: F403 (the transforms under PyTorch's names: transforms.py)
from .transforms import __all__ as _transform_names
from .von_mises import VonMises

__all__ = [
    "Bernoulli", "Beta", "Binomial", "Categorical", "Chi2", "Dirichlet", "Distribution",
    "Exponential", "Gamma", "Geometric", "Independent", "Laplace", "LogNormal",
    "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "StudentT", "Uniform",
    "constraints", "kl_divergence", "register_kl",
    *_transform_names, "TransformedDistribution", "biject_to", "transform_to", "transforms",
    "Cauchy", "ContinuousBernoulli", "ExpRelaxedCategorical", "ExponentialFamily",
    "FisherSnedecor", "GeneralizedPareto", "Gumbel", "HalfCauchy", "HalfNormal", "InverseGamma",
    "Kumaraswamy", "LKJCholesky", "LogisticNormal", "LogitRelaxedBernoulli",
    "LowRankMultivariateNormal", "MixtureSameFamily", "Multinomial", "NegativeBinomial",
    "OneHotCategoricalStraightThrough", "Pareto", "RelaxedBernoulli", "RelaxedOneHotCategorical",
    "VonMises", "Weibull", "Wishart",
]

# PyTorch's per-family module paths (torch.distributions.normal ...): paths.py
_paths.register(_sys.modules[__name__])
