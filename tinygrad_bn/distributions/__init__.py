"""Probability distributions with PyTorch's `torch.distributions` names and semantics:
`from tinygrad_bn.distributions import Categorical, Normal, kl_divergence`, or
`tg.distributions.Normal` (loaded on first use).

Families: Normal, LogNormal, Uniform, Exponential, Laplace, MultivariateNormal, Gamma,
Chi2, Beta, Dirichlet, StudentT (reparameterized, rsample);
Bernoulli, Categorical, OneHotCategorical, Poisson, Binomial, Geometric (sample only);
Independent. Closed-form
`kl_divergence` for same-family pairs, extensible with `register_kl`. Draws come from
`tg.default_generator`, so `tg.manual_seed` makes them reproducible.
"""

from . import constraints, transforms
from .constraint_registry import biject_to, transform_to
from .continuous import Exponential, Laplace, LogNormal, Normal, Uniform
from .counts import Binomial, Geometric, Poisson
from .discrete import Bernoulli, Categorical, OneHotCategorical
from .distribution import Distribution
from .gamma_family import Beta, Chi2, Dirichlet, Gamma, StudentT
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate import MultivariateNormal
from .transformed import TransformedDistribution
from .transforms import (
    ComposeTransform,
    IndependentTransform,
    ReshapeTransform,
    Transform,
    identity_transform,
)
from .transforms_elementwise import (
    AbsTransform,
    AffineTransform,
    ExpTransform,
    PowerTransform,
    SigmoidTransform,
    SoftplusTransform,
    TanhTransform,
)
from .transforms_vector import (
    CatTransform,
    CorrCholeskyTransform,
    CumulativeDistributionTransform,
    LowerCholeskyTransform,
    PositiveDefiniteTransform,
    SoftmaxTransform,
    StackTransform,
    StickBreakingTransform,
)

__all__ = [
    "Bernoulli", "Beta", "Binomial", "Categorical", "Chi2", "Dirichlet", "Distribution",
    "Exponential", "Gamma", "Geometric", "Independent", "Laplace", "LogNormal",
    "MultivariateNormal", "Normal", "OneHotCategorical", "Poisson", "StudentT", "Uniform",
    "constraints", "kl_divergence", "register_kl",
    "AbsTransform", "AffineTransform", "CatTransform", "ComposeTransform",
    "CorrCholeskyTransform", "CumulativeDistributionTransform", "ExpTransform",
    "IndependentTransform", "LowerCholeskyTransform", "PositiveDefiniteTransform",
    "PowerTransform", "ReshapeTransform", "SigmoidTransform", "SoftmaxTransform",
    "SoftplusTransform", "StackTransform", "StickBreakingTransform", "TanhTransform",
    "Transform", "TransformedDistribution", "biject_to", "identity_transform", "transform_to",
    "transforms",
]
