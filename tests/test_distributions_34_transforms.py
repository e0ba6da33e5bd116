"""tg.distributions' transforms, TransformedDistribution and biject_to / transform_to against
torch.distributions (float64, Hypothesis-drawn inputs) and against calculus: each
bijective elementwise transform's log|J| is checked against the derivative of its own
forward map (taken by reverse mode, itself checked by central differences), and every
forward map, inverse and log|J| passes gradcheck.
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
from tinygrad_bn.errors import ArgumentError, ShapeError
from tinygrad_bn.testing.strategies import arrays, positive_arrays, shapes

try:
    import torch
except ImportError:
    torch = None

RTOL, ATOL = 1e-9, 1e-12


def _affine(M: Any, p: Any) -> Any:
    return M.AffineTransform(0.7, -1.3)


def _affine_tensor(M: Any, p: Any) -> Any:
    return M.AffineTransform(p(np.array([0.5, -1.0, 2.0])), p(np.array([1.5, -0.5, 2.0])),
                             event_dim=1)


def _compose(M: Any, p: Any) -> Any:
    return M.ComposeTransform([M.AffineTransform(0.3, 0.6), M.TanhTransform(),
                               M.AffineTransform(1.0, 0.5)])


def _independent(M: Any, p: Any) -> Any:
    return M.IndependentTransform(M.SigmoidTransform(), 1)


# name: (build(module, to_tensor), input strategy of shape (..., 3), elementwise?)
SHAPES = shapes(min_dims=1, max_dims=3).map(lambda s: s[:-1] + (3,))
TRANSFORMS = {
    "Exp": (lambda M, p: M.ExpTransform(), arrays(SHAPES), True),
    "Power": (lambda M, p: M.PowerTransform(p(np.array(2.5))),
              positive_arrays(SHAPES, min_value=0.2), True),
    "Sigmoid": (lambda M, p: M.SigmoidTransform(), arrays(SHAPES), True),
    "Tanh": (lambda M, p: M.TanhTransform(), arrays(SHAPES), True),
    "Softplus": (lambda M, p: M.SoftplusTransform(), arrays(SHAPES), True),
    "Affine": (_affine, arrays(SHAPES), True),
    "AffineTensor": (_affine_tensor, arrays(SHAPES), False),
    "Compose": (_compose, arrays(SHAPES), True),
    "Independent": (_independent, arrays(SHAPES), False),
    "StickBreaking": (lambda M, p: M.StickBreakingTransform(), arrays(SHAPES), False),
    "CorrCholesky": (lambda M, p: M.CorrCholeskyTransform(), arrays(SHAPES, min_value=-2,
                                                                    max_value=2), False),
    "Cat": (lambda M, p: M.CatTransform([M.ExpTransform(), M.SigmoidTransform()], -1, [2, 1]),
            arrays(SHAPES), False),
    "Stack": (lambda M, p: M.StackTransform([M.ExpTransform(), M.TanhTransform(),
                                             M.AffineTransform(1.0, 3.0)], -1),
              arrays(SHAPES), False),
    "Reshape": (lambda M, p: M.ReshapeTransform((3,), (3, 1)), arrays(SHAPES), False),
}


def _tensor(a: np.ndarray) -> Tensor:
    return Tensor(a)


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@given(data=st.data())
def test_transform_matches_torch(name: str, data: st.DataObject) -> None:
    pytest.importorskip("torch")
    build, case, _ = TRANSFORMS[name]
    x = data.draw(case)
    ours, theirs = build(D, _tensor), build(torch.distributions, torch.tensor)
    y, ty = ours(Tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(ours.inv(y).numpy(), theirs.inv(ty).numpy(), rtol=1e-7,
                               atol=1e-9)
    np.testing.assert_allclose(ours.log_abs_det_jacobian(Tensor(x), y).numpy(),
                               theirs.log_abs_det_jacobian(torch.tensor(x), ty).numpy(),
                               rtol=RTOL, atol=1e-10)
    assert tuple(ours.forward_shape(x.shape)) == tuple(theirs.forward_shape(x.shape))
    assert tuple(ours.inverse_shape(y.shape)) == tuple(theirs.inverse_shape(ty.shape))
    assert repr(ours.domain) == repr(theirs.domain)
    assert repr(ours.codomain) == repr(theirs.codomain)
    assert ours.bijective == theirs.bijective


@pytest.mark.parametrize("name", sorted(n for n, c in TRANSFORMS.items() if c[2]))
@given(data=st.data())
def test_elementwise_log_det_is_the_log_of_the_derivative(name: str,
                                                          data: st.DataObject) -> None:
    build, case, _ = TRANSFORMS[name]
    x = Tensor(data.draw(case), requires_grad=True)
    t = build(D, _tensor)
    y = t(x)
    y.sum().backward()
    np.testing.assert_allclose(t.log_abs_det_jacobian(x, y).detach().numpy(),
                               np.log(np.abs(x.grad.numpy())), rtol=1e-9, atol=1e-9)
    assert tg.gradcheck(lambda v: t(v), [Tensor(x.detach().numpy(), requires_grad=True)])


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@given(data=st.data())
def test_transform_gradients_by_central_differences(name: str, data: st.DataObject) -> None:
    build, case, _ = TRANSFORMS[name]
    t = build(D, _tensor)
    x = Tensor(data.draw(case), requires_grad=True)
    if t.log_abs_det_jacobian(x, t(x)).requires_grad:  # constant for Affine, Reshape
        assert tg.gradcheck(lambda v: t.log_abs_det_jacobian(v, t(v)), [x])
    y = Tensor(t(x).detach().numpy(), requires_grad=True)
    assert tg.gradcheck(lambda v: t.inv(v), [y], atol=1e-4)


def test_cache_returns_the_x_that_produced_y() -> None:
    t = D.TanhTransform(cache_size=1)
    x = tg.tensor([30.0, -30.0, 0.5])  # float32 tanh rounds the first two to +-1
    y = t(x)
    assert t.inv(y) is x
    assert t(x) is y
    assert not np.isfinite(D.TanhTransform().inv(y).numpy()[:2]).any()
    assert t.inv.inv is t and t.with_cache(1) is t and t.with_cache(0)._cache_size == 0


def test_sac_squashed_gaussian_matches_torch_and_reparameterizes() -> None:
    pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    mu, log_std = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)) * 0.3
    m, s = Tensor(mu, requires_grad=True), Tensor(log_std, requires_grad=True)
    dist = D.TransformedDistribution(D.Normal(m, s.exp()), [D.TanhTransform(cache_size=1)])
    theirs = torch.distributions.TransformedDistribution(
        torch.distributions.Normal(torch.tensor(mu), torch.tensor(log_std).exp()),
        [torch.distributions.TanhTransform(cache_size=1)])
    assert dist.has_rsample and tuple(dist.batch_shape) == (5, 2) and dist.event_shape == ()
    action = dist.rsample()
    assert tuple(action.shape) == (5, 2) and dist.sample((4,)).shape == (4, 5, 2)
    value = action.detach().numpy()
    np.testing.assert_allclose(dist.log_prob(Tensor(value)).detach().numpy(),
                               theirs.log_prob(torch.tensor(value)).numpy(), rtol=1e-7)
    loss = dist.log_prob(action).sum() - action.sum()
    loss.backward()
    assert m.grad is not None and s.grad is not None and np.isfinite(s.grad.numpy()).all()


def test_transformed_normal_is_lognormal_and_flipped_cdf_matches_torch() -> None:
    pytest.importorskip("torch")
    loc, scale = np.array([0.3, -0.5]), np.array([0.8, 1.7])
    ours = D.TransformedDistribution(D.Normal(Tensor(loc), Tensor(scale)), D.ExpTransform())
    value = np.array([[0.5, 2.0], [1.3, 0.2]])
    np.testing.assert_allclose(ours.log_prob(Tensor(value)).numpy(),
                               D.LogNormal(Tensor(loc), Tensor(scale)).log_prob(Tensor(value))
                               .numpy(), rtol=RTOL)
    flip = [D.AffineTransform(1.0, -2.0), D.ExpTransform()]
    tflip = [torch.distributions.AffineTransform(1.0, -2.0), torch.distributions.ExpTransform()]
    ours = D.TransformedDistribution(D.Normal(Tensor(loc), Tensor(scale)), flip)
    theirs = torch.distributions.TransformedDistribution(
        torch.distributions.Normal(torch.tensor(loc), torch.tensor(scale)), tflip)
    np.testing.assert_allclose(ours.cdf(Tensor(value)).numpy(),
                               theirs.cdf(torch.tensor(value)).numpy(), rtol=RTOL)
    q = np.array([0.1, 0.8])
    np.testing.assert_allclose(ours.icdf(Tensor(q)).numpy(), theirs.icdf(torch.tensor(q))
                               .numpy(), rtol=RTOL)
    assert repr(ours.support) == repr(theirs.support)
    wide = ours.expand((3, 2))
    assert tuple(wide.batch_shape) == (3, 2) and wide.sample().shape == (3, 2)


def test_event_axes_come_from_the_transforms() -> None:
    pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    loc = rng.normal(size=(2, 3))
    ours = D.TransformedDistribution(D.Normal(Tensor(loc), 1.0), D.StickBreakingTransform())
    theirs = torch.distributions.TransformedDistribution(
        torch.distributions.Normal(torch.tensor(loc), 1.0),
        torch.distributions.StickBreakingTransform())
    assert tuple(ours.batch_shape) == (2,) and tuple(ours.event_shape) == (4,)
    value = theirs.sample((3,))
    np.testing.assert_allclose(ours.log_prob(Tensor(value.numpy())).numpy(),
                               theirs.log_prob(value).numpy(), rtol=1e-9)
    assert repr(ours.support) == repr(theirs.support)
    affine = D.TransformedDistribution(D.Normal(0.0, 1.0),
                                       D.AffineTransform(Tensor(np.zeros(3)), 2.0))
    assert tuple(affine.batch_shape) == (3,)  # the base expanded to the loc's shape


CONSTRAINTS = ["real", "positive", "nonnegative", "unit_interval", "simplex", "real_vector",
               "corr_cholesky", "lower_cholesky", "positive_definite"]


def _constraint(M: Any, name: str) -> Any:
    return getattr(M.constraints, name)


@pytest.mark.parametrize("name", CONSTRAINTS + ["greater_than", "less_than", "interval", "cat",
                                                "stack"])
@pytest.mark.parametrize("registry", ["biject_to", "transform_to"])
def test_registry_choices_match_torch_and_land_in_the_set(name: str, registry: str) -> None:
    pytest.importorskip("torch")
    built = {
        "greater_than": lambda M: M.constraints.greater_than(-1.5),
        "less_than": lambda M: M.constraints.less_than(2.0),
        "interval": lambda M: M.constraints.interval(-1.0, 3.0),
        "cat": lambda M: M.constraints.cat([M.constraints.positive, M.constraints.real], -1,
                                           [1, 2]),
        "stack": lambda M: M.constraints.stack([M.constraints.positive, M.constraints.real,
                                                M.constraints.unit_interval], -1),
    }
    make = built.get(name, lambda M: _constraint(M, name))
    ours_c, theirs_c = make(D), make(torch.distributions)
    try:
        theirs = getattr(torch.distributions, registry)(theirs_c)
    except NotImplementedError:
        with pytest.raises(NotImplementedError, match="Cannot transform"):
            getattr(D, registry)(ours_c)
        return
    ours = getattr(D, registry)(ours_c)
    assert repr(ours).replace(" ", "") == repr(theirs).replace(" ", "")
    shape = (4, 3, 3) if name in ("lower_cholesky", "positive_definite") else (4, 3)
    x = np.random.default_rng(5).normal(size=shape)
    y, ty = ours(Tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(y.numpy(), ty.numpy(), rtol=1e-9, atol=1e-12)
    assert bool(ours_c.check(y).all())
    if ours.bijective:
        np.testing.assert_allclose(ours.inv(y).numpy(), x, rtol=1e-6, atol=1e-8)


def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(ArgumentError, match="cache_size must be 0 or 1"):
        D.ExpTransform(cache_size=2)
    with pytest.raises(ValueError, match="different numbers of elements"):
        D.ReshapeTransform((2, 3), (5,))
    with pytest.raises(ValueError, match="does not end in"):
        D.ReshapeTransform((2, 3), (6,)).forward_shape((4, 3))
    with pytest.raises(ArgumentError, match="transforms must be a Transform"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), "tanh")
    with pytest.raises(ShapeError, match="at least 1 dimensions"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), D.StickBreakingTransform())
    with pytest.raises(ShapeError, match="strictly-lower triangle"):
        D.CorrCholeskyTransform()(tg.zeros(4, dtype=tg.float64))
    with pytest.raises(ArgumentError, match="within the support"):
        D.TransformedDistribution(D.Normal(0.0, 1.0), D.ExpTransform()).log_prob(
            tg.tensor([-1.0]))
    with pytest.raises(NotImplementedError, match="Cannot transform _Boolean"):
        D.biject_to(D.constraints.boolean)
    with pytest.raises(ValueError, match="event_dim"):
        _ = D.CorrCholeskyTransform().event_dim
    assert math.isclose(float(D.AffineTransform(1.0, -2.0).sign), -1.0)


def test_pytorchs_module_paths_and_dependent_property() -> None:
    from tinygrad_bn.distributions.constraint_registry import biject_to
    from tinygrad_bn.distributions.transforms import StickBreakingTransform, TanhTransform
    assert TanhTransform is D.TanhTransform and biject_to is D.biject_to
    assert isinstance(biject_to(D.constraints.simplex), StickBreakingTransform)

    class Bounded(D.Distribution):
        @D.constraints.dependent_property(is_discrete=False, event_dim=0)
        def support(self) -> Any:
            return D.constraints.interval(0.0, 2.0)

    assert D.constraints.is_dependent(Bounded.__dict__["support"])
    assert repr(Bounded().support) == "Interval(lower_bound=0.0, upper_bound=2.0)"
