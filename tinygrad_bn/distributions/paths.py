"""PyTorch's per-family module paths under torch.distributions, for scripts that import a
family from its own module (`from torch.distributions.normal import Normal`,
`torch.distributions.categorical.Categorical`): each path is registered as a module
holding the names PyTorch's module of that name exports, taken from this package (the
families live in files by kind here: continuous.py, discrete.py ...). A name this
package lacks is left out of its module, so importing it fails as any missing name does.
"""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

# PyTorch 2.13's module names and the public names each exports
PATHS: dict[str, tuple[str, ...]] = {
    "bernoulli": ("Bernoulli",), "beta": ("Beta",), "binomial": ("Binomial",),
    "categorical": ("Categorical",), "cauchy": ("Cauchy",), "chi2": ("Chi2",),
    "constraint_registry": ("ConstraintRegistry", "biject_to", "transform_to"),
    "continuous_bernoulli": ("ContinuousBernoulli",), "dirichlet": ("Dirichlet",),
    "distribution": ("Distribution",), "exp_family": ("ExponentialFamily",),
    "exponential": ("Exponential",), "fishersnedecor": ("FisherSnedecor",),
    "gamma": ("Gamma",), "generalized_pareto": ("GeneralizedPareto",),
    "geometric": ("Geometric",), "gumbel": ("Gumbel",), "half_cauchy": ("HalfCauchy",),
    "half_normal": ("HalfNormal",), "independent": ("Independent",),
    "inverse_gamma": ("InverseGamma",), "kumaraswamy": ("Kumaraswamy",),
    "laplace": ("Laplace",), "lkj_cholesky": ("LKJCholesky",), "log_normal": ("LogNormal",),
    "logistic_normal": ("LogisticNormal",),
    "lowrank_multivariate_normal": ("LowRankMultivariateNormal",),
    "mixture_same_family": ("MixtureSameFamily",), "multinomial": ("Multinomial",),
    "multivariate_normal": ("MultivariateNormal",),
    "negative_binomial": ("NegativeBinomial",), "normal": ("Normal",),
    "one_hot_categorical": ("OneHotCategorical", "OneHotCategoricalStraightThrough"),
    "pareto": ("Pareto",), "poisson": ("Poisson",),
    "relaxed_bernoulli": ("LogitRelaxedBernoulli", "RelaxedBernoulli"),
    "relaxed_categorical": ("ExpRelaxedCategorical", "RelaxedOneHotCategorical"),
    "studentT": ("StudentT",), "transformed_distribution": ("TransformedDistribution",),
    "uniform": ("Uniform",), "von_mises": ("VonMises",), "weibull": ("Weibull",),
    "wishart": ("Wishart",),
}


def register(package: Any) -> None:
    """Register package.<name> for every path of PATHS this package does not already have
    as a real module (a file of its own, imported or not), holding the names the package
    has."""
    here = Path(package.__file__).parent
    for name, exports in PATHS.items():
        qualified = f"{package.__name__}.{name}"
        if qualified in sys.modules or hasattr(package, name) or (here / f"{name}.py").exists():
            continue
        module = types.ModuleType(qualified, f"PyTorch's torch.distributions.{name} path "
                                             f"(tinygrad_bn/distributions/paths.py)")
        present = [n for n in exports if hasattr(package, n)]
        for n in present:
            setattr(module, n, getattr(package, n))
        module.__all__ = present
        sys.modules[qualified] = module
        setattr(package, name, module)
