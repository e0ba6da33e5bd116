"""tg.distributions.MultivariateNormal as PyTorch's: log_prob, entropy, kl_divergence,
the derived matrices (covariance, precision, scale_tril), variance and rsample from each
of the three parameterizations, batched (loc and the matrix broadcast), with gradcheck
(reverse and jvp), gradgradcheck and PyTorch's values and gradients in float64 on
Hypothesis-drawn parameters (covariances A A^T + I: positive-definite, condition bounded);
the sample's moments; expand; bad parameters refused as PyTorch refuses them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tests.test_surface_ops22 import check_arrays, check_refusal
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

torch = pytest.importorskip("torch")


def _spd(lib, a):
    """A A^T + I: symmetric positive-definite, a function of every element of a (so the
    gradients are comparable: PyTorch's Cholesky gradient is the symmetric one, ours the
    one through the lower triangle read, and both agree on symmetric perturbations)."""
    return a @ a.transpose(-1, -2) + lib.eye(a.shape[-1], dtype=a.dtype)


def _mvn(lib, loc, a, kind):
    s = _spd(lib, a)
    matrix = {"covariance_matrix": s, "precision_matrix": s,
              "scale_tril": lib.linalg.cholesky(s)}[kind]
    return lib.distributions.MultivariateNormal(loc, **{kind: matrix})


KINDS = ("covariance_matrix", "precision_matrix", "scale_tril")
CALLS = {
    "log_prob": (lambda lib, d, x: d.log_prob(x), ((2, 3), (2, 3, 3), (2, 1, 3))),
    "log_prob (broadcast loc)": (lambda lib, d, x: d.log_prob(x), ((2,), (2, 2, 2), (3, 1, 2))),
    "entropy": (lambda lib, d, x: d.entropy() + x.sum() * 0, ((2, 3), (3, 3), (1,))),
    "covariance / precision / scale_tril / variance": (
        lambda lib, d, x: d.covariance_matrix.sum(-1) + d.precision_matrix.sum(-2) +
        d.scale_tril.sum(-1) + d.variance + x.sum() * 0, ((3,), (2, 3, 3), (1,))),
    "kl (to a fixed q)": (lambda lib, d, x: lib.distributions.kl_divergence(
        d, lib.distributions.MultivariateNormal(x[0], scale_tril=_fixed_tril(lib))),
        ((2, 3), (2, 3, 3), (1, 3))),
    "kl (from a fixed q)": (lambda lib, d, x: lib.distributions.kl_divergence(
        lib.distributions.MultivariateNormal(x[0], scale_tril=_fixed_tril(lib)), d),
        ((3,), (2, 3, 3), (1, 3))),
}


def _fixed_tril(lib):
    return lib.tensor([[1.5, 0.0, 0.0], [0.3, 0.8, 0.0], [-0.2, 0.4, 1.1]], dtype=lib.float64)


# log_prob from every parameterization; the rest from one each (they share the factor L)
CASES = [("log_prob", kind) for kind in KINDS] + [
    ("log_prob (broadcast loc)", "covariance_matrix"), ("entropy", "scale_tril"),
    ("covariance / precision / scale_tril / variance", "precision_matrix"),
    ("kl (to a fixed q)", "covariance_matrix"), ("kl (from a fixed q)", "scale_tril")]


@pytest.mark.parametrize("name, kind", CASES, ids=[f"{n} from {k}" for n, k in CASES])
@settings(max_examples=2)
@given(data=st.data())
def test_gradients_and_pytorch_agree(name, kind, data) -> None:
    call, shapes = CALLS[name]
    arrays = [data.draw(tst.arrays(shape, min_value=-1.0, max_value=1.0)) for shape in shapes]
    check_arrays(lambda lib, loc, a, x: call(lib, _mvn(lib, loc, a, kind), x), arrays)


def test_rsample_is_differentiable_and_has_the_moments() -> None:
    """rsample = loc + L eps: gradcheck with a fixed seed; 20000 draws have the mean and
    covariance (within 5 standard errors)."""
    loc, a = np.array([1.0, -2.0, 0.5]), np.random.default_rng(0).normal(size=(3, 3))

    def draw(loc_t, a_t):
        tg.manual_seed(3)
        return _mvn(tg, loc_t, a_t, "covariance_matrix").rsample((2,))

    assert tg.gradcheck(draw, [Tensor(loc, requires_grad=True), Tensor(a, requires_grad=True)])
    tg.manual_seed(0)
    d = _mvn(tg, Tensor(loc), Tensor(a), "precision_matrix")
    samples = d.sample((20000,))
    assert samples.shape == (20000, 3) and not samples.requires_grad
    cov = np.linalg.inv(a @ a.T + np.eye(3))
    se = np.sqrt(np.diag(cov) / 20000)
    assert (np.abs(samples.data.mean(0) - loc) < 5 * se).all()
    np.testing.assert_allclose(np.cov(samples.data.T), cov, atol=0.05)


def test_shapes_and_expand_as_pytorch() -> None:
    rng = np.random.default_rng(1)
    loc, a = rng.normal(size=(2, 1, 3)), rng.normal(size=(4, 3, 3))
    ours, theirs = _mvn(tg, Tensor(loc), Tensor(a), "scale_tril"), \
        _mvn(torch, torch.tensor(loc), torch.tensor(a), "scale_tril")
    assert tuple(ours.batch_shape) == tuple(theirs.batch_shape) == (2, 4)
    assert tuple(ours.event_shape) == tuple(theirs.event_shape) == (3,)
    assert ours.sample((5,)).shape == (5, 2, 4, 3)
    bigger, theirs_bigger = ours.expand((3, 2, 4)), theirs.expand((3, 2, 4))
    x = rng.normal(size=(3, 2, 4, 3))
    np.testing.assert_allclose(bigger.log_prob(Tensor(x)).data,
                               theirs_bigger.log_prob(torch.tensor(x)).numpy(), rtol=1e-12)
    np.testing.assert_allclose(bigger.covariance_matrix.data,
                               theirs_bigger.covariance_matrix.numpy(), rtol=1e-12)
    assert bigger.entropy().shape == (3, 2, 4)


def _mvn_bad(**kw):
    return lambda: tg.distributions.MultivariateNormal(**kw)


BAD = [
    ("MultivariateNormal two matrices", _mvn_bad(loc=tg.zeros(2), covariance_matrix=tg.eye(2),
                                                 scale_tril=tg.eye(2)),
     tg.ArgumentError, ("MultivariateNormal", "exactly one", "covariance_matrix", "scale_tril")),
    ("MultivariateNormal no matrix", _mvn_bad(loc=tg.zeros(2)), tg.ArgumentError,
     ("exactly one",)),
    ("MultivariateNormal 0-d loc", _mvn_bad(loc=tg.tensor(0.0), covariance_matrix=tg.eye(1)),
     tg.ShapeError, ("loc", "one-dimensional")),
    ("MultivariateNormal non-square", _mvn_bad(loc=tg.zeros(2), covariance_matrix=tg.ones(2, 3)),
     tg.ShapeError, ("covariance_matrix", "square", "(2, 3)")),
    ("MultivariateNormal event size", _mvn_bad(loc=tg.zeros(3), covariance_matrix=tg.eye(2)),
     tg.ShapeError, ("(3,)", "(2, 2)", "event size")),
    ("MultivariateNormal batch", _mvn_bad(loc=tg.zeros(4, 2), covariance_matrix=tg.ones(3, 2, 2)),
     tg.ShapeError, ("MultivariateNormal", "broadcast")),
    ("MultivariateNormal not positive-definite",
     _mvn_bad(loc=tg.zeros(2), covariance_matrix=tg.tensor([[1.0, 2.0], [2.0, 1.0]])),
     tg.ArgumentError, ("covariance_matrix", "PositiveDefinite")),
    ("MultivariateNormal not symmetric",
     _mvn_bad(loc=tg.zeros(2), precision_matrix=tg.tensor([[2.0, 0.5], [0.0, 2.0]])),
     tg.ArgumentError, ("precision_matrix", "PositiveDefinite")),
    ("MultivariateNormal scale_tril upper",
     _mvn_bad(loc=tg.zeros(2), scale_tril=tg.tensor([[1.0, 0.5], [0.0, 1.0]])),
     tg.ArgumentError, ("scale_tril", "LowerCholesky")),
    ("MultivariateNormal log_prob shape",
     lambda: tg.distributions.MultivariateNormal(tg.zeros(2), tg.eye(2)).log_prob(tg.zeros(3)),
     tg.ShapeError, ("event_shape",)),
    ("MultivariateNormal kl event sizes", lambda: tg.distributions.kl_divergence(
        tg.distributions.MultivariateNormal(tg.zeros(2), tg.eye(2)),
        tg.distributions.MultivariateNormal(tg.zeros(3), tg.eye(3))),
     tg.ShapeError, ("kl_divergence", "(2,)", "(3,)")),
]


@pytest.mark.parametrize("call, error, fragments", [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_parameters_raise_a_project_error(call, error, fragments) -> None:
    check_refusal(call, error, fragments)


def test_pytorch_refuses_the_same_parameters() -> None:
    for kw in [dict(loc=torch.zeros(2), covariance_matrix=torch.eye(2), scale_tril=torch.eye(2)),
               dict(loc=torch.tensor(0.0), covariance_matrix=torch.eye(1)),
               dict(loc=torch.zeros(2), covariance_matrix=torch.tensor([[1.0, 2.0], [2.0, 1.0]])),
               dict(loc=torch.zeros(2), scale_tril=torch.tensor([[1.0, 0.5], [0.0, 1.0]]))]:
        with pytest.raises((ValueError, RuntimeError)):
            torch.distributions.MultivariateNormal(**kw)
