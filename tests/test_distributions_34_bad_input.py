"""Bad calls to tg.distributions' transforms, TransformedDistribution, the constraint
registries and the families added in session 34: each raises a project error (also the
builtin PyTorch raises) whose message names the op and what was expected, and PyTorch
refuses the same call (where the twin is given)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import tinygrad_bn as tg
import tinygrad_bn.distributions as D
from tinygrad_bn.errors import (
    ArgumentError,
    ArgumentTypeError,
    DTypeError,
    ShapeError,
    TinygradError,
    UnsupportedError,
)

try:
    import torch
except ImportError:
    torch = None


def _zeros(*shape: int) -> Any:
    return tg.zeros(*shape, dtype=tg.float64)


def _t(value: Any) -> Any:
    return tg.tensor(value, dtype=tg.float64)


# (id, our call, PyTorch's twin or None, error class, fragments of the message)
ROWS: list[tuple[str, Callable[[Any], Any], Any, type, tuple[str, ...]]] = [
    ("AbsTransform cache", lambda M: M.AbsTransform(cache_size=3), None,
     ArgumentError, ("AbsTransform", "cache_size must be 0 or 1")),
    ("ExpTransform cache", lambda M: M.ExpTransform(cache_size=2), None,
     ArgumentError, ("ExpTransform", "0 or 1")),
    ("SigmoidTransform cache", lambda M: M.SigmoidTransform(cache_size=-1), None,
     ArgumentError, ("SigmoidTransform",)),
    ("SoftplusTransform cache", lambda M: M.SoftplusTransform(cache_size=2), None,
     ArgumentError, ("SoftplusTransform",)),
    ("TanhTransform cache", lambda M: M.TanhTransform(cache_size=5), None,
     ArgumentError, ("TanhTransform",)),
    ("Transform cache", lambda M: M.Transform(cache_size=2), None,
     ArgumentError, ("Transform",)),
    ("AffineTransform loc", lambda M: M.AffineTransform("a", 1.0), None,
     ArgumentTypeError, ("AffineTransform", "loc", "str")),
    ("PowerTransform exponent", lambda M: M.PowerTransform("a"), None,
     ArgumentTypeError, ("PowerTransform", "str")),
    ("ComposeTransform parts", lambda M: M.ComposeTransform([1]), None,
     ArgumentTypeError, ("ComposeTransform", "int")),
    ("IndependentTransform base", lambda M: M.IndependentTransform("exp", 1), None,
     ArgumentTypeError, ("IndependentTransform", "base_transform", "str")),
    ("CatTransform lengths", lambda M: M.CatTransform([M.ExpTransform()], 0, [1, 2]), None,
     ArgumentError, ("CatTransform", "2 lengths for 1 transforms")),
    ("CatTransform size", lambda M: M.CatTransform([M.ExpTransform()], 0)(_zeros(3)), None,
     ShapeError, ("CatTransform", "(3,)", "lengths sum to 1")),
    ("StackTransform size", lambda M: M.StackTransform([M.ExpTransform()], 0)(_zeros(3)), None,
     ShapeError, ("StackTransform", "(3,)", "expected 1")),
    ("ReshapeTransform numel", lambda M: M.ReshapeTransform((2, 3), (5,)),
     lambda: torch.distributions.ReshapeTransform((2, 3), (5,)),
     ArgumentError, ("ReshapeTransform", "(2, 3)", "(5,)", "different numbers")),
    ("CorrCholeskyTransform length", lambda M: M.CorrCholeskyTransform()(_zeros(4)),
     lambda: torch.distributions.CorrCholeskyTransform()(torch.zeros(4)),
     ShapeError, ("CorrCholeskyTransform", "4 entries")),
    ("LowerCholeskyTransform square", lambda M: M.LowerCholeskyTransform()(_zeros(2, 3)),
     None, ShapeError, ("LowerCholeskyTransform", "square", "(2, 3)")),
    ("PositiveDefiniteTransform square",
     lambda M: M.PositiveDefiniteTransform().inv(_zeros(3)),
     lambda: torch.distributions.PositiveDefiniteTransform().inv(torch.zeros(3)),
     ShapeError, ("PositiveDefiniteTransform", "square", "(3,)")),
    ("SoftmaxTransform rank", lambda M: M.SoftmaxTransform().forward_shape(()),
     lambda: torch.distributions.SoftmaxTransform().forward_shape(()),
     ShapeError, ("SoftmaxTransform", "too few dimensions")),
    ("StickBreakingTransform rank", lambda M: M.StickBreakingTransform().inverse_shape(()),
     lambda: torch.distributions.StickBreakingTransform().inverse_shape(()),
     ShapeError, ("StickBreakingTransform", "too few dimensions")),
    ("CumulativeDistributionTransform dist",
     lambda M: M.CumulativeDistributionTransform(3.0), None,
     ArgumentTypeError, ("CumulativeDistributionTransform", "float")),
    ("TransformedDistribution transforms",
     lambda M: M.TransformedDistribution(M.Normal(0.0, 1.0), "tanh"),
     lambda: torch.distributions.TransformedDistribution(
         torch.distributions.Normal(0.0, 1.0), "tanh"),
     ArgumentError, ("TransformedDistribution", "a Transform or a list")),
    ("TransformedDistribution rank",
     lambda M: M.TransformedDistribution(M.Normal(0.0, 1.0), M.StickBreakingTransform()),
     lambda: torch.distributions.TransformedDistribution(
         torch.distributions.Normal(0.0, 1.0), torch.distributions.StickBreakingTransform()),
     ShapeError, ("TransformedDistribution", "at least 1 dimensions")),
    ("biject_to boolean", lambda M: M.biject_to(M.constraints.boolean),
     lambda: torch.distributions.biject_to(torch.distributions.constraints.boolean),
     UnsupportedError, ("Cannot transform _Boolean",)),
    ("transform_to one_hot", lambda M: M.transform_to(M.constraints.one_hot),
     lambda: torch.distributions.transform_to(torch.distributions.constraints.one_hot),
     UnsupportedError, ("Cannot transform _OneHot",)),
    # the families
    ("Cauchy scale", lambda M: M.Cauchy(0.0, _t([-1.0])), None,
     ArgumentError, ("Cauchy: expected parameter scale", "[-1.0]")),
    ("ContinuousBernoulli probs", lambda M: M.ContinuousBernoulli(_t([1.5]), validate_args=True),
     lambda: torch.distributions.ContinuousBernoulli(torch.tensor([1.5]), validate_args=True),
     ArgumentError, ("ContinuousBernoulli", "probs", "1.5")),
    ("ExpRelaxedCategorical probs", lambda M: M.ExpRelaxedCategorical(1.0, probs=_t(0.5)),
     lambda: torch.distributions.ExpRelaxedCategorical(torch.tensor(1.0), torch.tensor(0.5)),
     ArgumentError, ("probs must be at least one-dimensional",)),
    ("ExponentialFamily validate", lambda M: M.ExponentialFamily(validate_args=3), None,
     ArgumentError, ("ExponentialFamily", "validate_args")),
    ("FisherSnedecor df1", lambda M: M.FisherSnedecor(_t([0.0]), 1.0), None,
     ArgumentError, ("FisherSnedecor: expected parameter df1",)),
    ("GeneralizedPareto scale", lambda M: M.GeneralizedPareto(0.0, _t([0.0]), 0.1), None,
     ArgumentError, ("GeneralizedPareto: expected parameter scale",)),
    ("Gumbel scale", lambda M: M.Gumbel(0.0, _t([-1.0])), None,
     ArgumentError, ("Gumbel: expected parameter scale",)),
    ("HalfCauchy scale", lambda M: M.HalfCauchy(_t([-2.0])), None,
     ArgumentError, ("HalfCauchy: expected parameter scale",)),
    ("HalfNormal support", lambda M: M.HalfNormal(1.0).log_prob(_t([-1.0])),
     lambda: torch.distributions.HalfNormal(1.0).log_prob(torch.tensor([-1.0])),
     ArgumentError, ("HalfNormal", "support")),
    ("InverseGamma rate", lambda M: M.InverseGamma(1.0, _t([-1.0])), None,
     ArgumentError, ("InverseGamma: expected parameter rate",)),
    ("Kumaraswamy concentration", lambda M: M.Kumaraswamy(_t([-1.0]), 1.0), None,
     ArgumentError, ("Kumaraswamy: expected parameter concentration1",)),
    ("LKJCholesky dim", lambda M: M.LKJCholesky(1), lambda: torch.distributions.LKJCholesky(1),
     ArgumentError, ("LKJCholesky", "dim=1")),
    ("LogisticNormal support", lambda M: M.LogisticNormal(_t([0.0]), 1.0).log_prob(
        _t([0.7, 0.7])), None, ArgumentError, ("LogisticNormal", "support")),
    ("LogitRelaxedBernoulli both", lambda M: M.LogitRelaxedBernoulli(1.0, 0.5, 0.0), None,
     ArgumentError, ("LogitRelaxedBernoulli", "not both")),
    ("LowRankMultivariateNormal factor", lambda M: M.LowRankMultivariateNormal(
        _zeros(3), _zeros(2, 1), _zeros(3) + 1), None,
     ShapeError, ("LowRankMultivariateNormal", "cov_factor", "(2, 1)")),
    ("MixtureSameFamily mixture", lambda M: M.MixtureSameFamily(M.Normal(0.0, 1.0),
                                                                M.Normal(_zeros(2), 1.0)),
     None, ArgumentTypeError, ("MixtureSameFamily", "Categorical", "Normal")),
    ("Multinomial count", lambda M: M.Multinomial(_t([2.0]), _t([0.5, 0.5])), None,
     UnsupportedError, ("Multinomial", "inhomogeneous total_count")),
    ("NegativeBinomial probs", lambda M: M.NegativeBinomial(2.0, _t([1.0])), None,
     ArgumentError, ("NegativeBinomial: expected parameter probs",)),
    ("OneHotCategoricalStraightThrough probs",
     lambda M: M.OneHotCategoricalStraightThrough(), None,
     ArgumentError, ("either probs or logits",)),
    ("Pareto alpha", lambda M: M.Pareto(1.0, _t([0.0])), None,
     ArgumentError, ("Pareto: expected parameter alpha",)),
    ("RelaxedBernoulli probs", lambda M: M.RelaxedBernoulli(0.5, _t([2.0])), None,
     ArgumentError, ("probs", "2.0")),
    ("RelaxedOneHotCategorical probs", lambda M: M.RelaxedOneHotCategorical(
        0.5, probs=_t([-0.5, 1.5])), None, ArgumentError, ("probs",)),
    ("VonMises concentration", lambda M: M.VonMises(0.0, _t([-1.0])), None,
     ArgumentError, ("VonMises: expected parameter concentration",)),
    ("Weibull scale", lambda M: M.Weibull(_t([-1.0]), 1.0), None,
     ArgumentError, ("Weibull: expected parameter scale",)),
    ("Wishart df", lambda M: M.Wishart(_t([1.0]), covariance_matrix=tg.eye(3, dtype=tg.float64)),
     lambda: torch.distributions.Wishart(torch.tensor([1.0]),
                                         covariance_matrix=torch.eye(3)),
     ArgumentError, ("Wishart", "greater than ndim - 1 = 2")),
    ("igamma integers", lambda M: tg.igamma(tg.tensor([1, 2]), tg.tensor([1, 2])),
     lambda: torch.igamma(torch.tensor([1, 2]), torch.tensor([1, 2])),
     DTypeError, ("igamma", "floating")),
    ("igammac integers", lambda M: tg.igammac(tg.tensor([1, 2]), tg.tensor([1, 2])),
     lambda: torch.igammac(torch.tensor([1, 2]), torch.tensor([1, 2])),
     DTypeError, ("igammac", "floating")),
    ("constraints.cat lengths", lambda M: M.constraints.cat([M.constraints.real], 0, [1, 2]),
     None, ArgumentError, ("constraints.cat", "2 lengths for 1")),
]


@pytest.mark.parametrize("row", ROWS, ids=[r[0] for r in ROWS])
def test_bad_calls_raise_clear_project_errors(row: tuple) -> None:
    _, call, twin, error, fragments = row
    with pytest.raises(error) as raised:
        call(D)
    assert isinstance(raised.value, TinygradError)
    missing = [f for f in fragments if f not in str(raised.value)]
    assert not missing, f"{str(raised.value)!r} lacks {missing}"
    if twin is not None and torch is not None:
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal of PyTorch's)
            twin()


def test_identity_transform_is_the_identity() -> None:
    x = tg.tensor([1.0, -2.0])
    assert D.identity_transform(x) is x and D.identity_transform.inv(x) is x
    assert float(D.identity_transform.log_abs_det_jacobian(x, x).abs().sum()) == 0.0
