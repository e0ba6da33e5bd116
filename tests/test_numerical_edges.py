"""Numerical edges of issue 23, graded against PyTorch's values (float64).

Gradients that were NaN where PyTorch gives a number (a constant vector's std, the
norm at zero, cross entropy with every target ignored, softplus at +inf, the second
derivative of 1/x at 0 and +-inf), PyTorch's conventions at NaN inputs (abs, relu,
max/min, maximum/minimum, elu, sign, clamp), clamp with a NaN bound, tg.grad's
grad_outputs cast to the output's dtype, einsum letters of size 1 broadcast in
backward, and an accurate float32 cumsum.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor

torch = pytest.importorskip("torch")
NAN, INF = float("nan"), float("inf")


def _grads(f_tg, f_torch, *values):
    """The gradients of sum(f(x...)) for tg and torch at the same float64 values."""
    xs = [Tensor(np.array(v, np.float64), requires_grad=True) for v in values]
    ts = [torch.tensor(np.array(v, np.float64), requires_grad=True) for v in values]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        f_tg(*xs).sum().backward()
    f_torch(*ts).sum().backward()
    return [x.grad.data for x in xs], [t.grad.numpy() for t in ts]


def _assert_same(ours, theirs):
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a, b)


CASES = {
    "std of a constant vector": (lambda x: x.std(), lambda x: x.std(), [[1.0, 1.0, 1.0]]),
    "std of one element, correction 0": (lambda x: x.std(correction=0),
                                         lambda x: x.std(correction=0), [[2.0]]),
    "norm at zero": (lambda x: x.norm(), lambda x: x.norm(), [[0.0, 0.0]]),
    "softplus at +inf": (F.softplus, torch.nn.functional.softplus, [[INF, 1.0, -INF]]),
    "abs at NaN": (lambda x: x.abs(), torch.abs, [[NAN, 1.0, -2.0, 0.0]]),
    "relu at NaN": (lambda x: x.relu(), torch.relu, [[NAN, 1.0, -2.0, 0.0]]),
    "max at NaN": (lambda x: x.max(), torch.max, [[NAN, 1.0, NAN]]),
    "min at NaN": (lambda x: x.min(), torch.min, [[1.0, NAN, 0.5]]),
    "max along an axis at NaN": (lambda x: x.max(dim=1).values, lambda x: x.max(dim=1).values,
                                 [[[NAN, 1.0], [2.0, 3.0]]]),
    "maximum at NaN": (tg.maximum, torch.maximum,
                       [NAN, 1.0, 2.0, NAN, 3.0], [0.0, 2.0, 2.0, NAN, NAN]),
    "minimum at NaN": (tg.minimum, torch.minimum,
                       [NAN, 1.0, 2.0, NAN, 3.0], [0.0, 2.0, 2.0, NAN, NAN]),
    "elu at NaN": (F.elu, torch.nn.functional.elu, [[NAN, -1.0, 2.0]]),
    "sign at NaN": (lambda x: x.sign(), torch.sign, [[NAN, -1.0, 0.0]]),
    "clamp with tensor bounds at a NaN input": (
        lambda x, lo, hi: x.clamp(lo, hi), lambda x, lo, hi: x.clamp(lo, hi),
        [NAN, 1.0, 5.0, -1.0], [0.0, 0.0, 0.0, 0.0], [2.0, 2.0, 2.0, 2.0]),
    "clamp with a NaN bound, min > max, min == max": (
        lambda x, lo, hi: x.clamp(lo, hi), lambda x, lo, hi: x.clamp(lo, hi),
        [1.0, 5.0, 0.5, 0.2, 1.0], [NAN, 0.0, 1.0, 0.3, 0.0], [2.0, NAN, 0.7, 0.3, 2.0]),
    "clamp with a tensor min only at NaN": (
        lambda x, lo: x.clamp(lo), lambda x, lo: x.clamp(lo), [NAN, 1.0, -1.0],
        [0.0, NAN, 0.0]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradients_at_edges_are_pytorchs(name):
    f_tg, f_torch, *values = CASES[name]
    _assert_same(*_grads(f_tg, f_torch, *values))


def test_clamp_with_a_nan_bound_gives_nan_as_pytorch():
    x, lo, hi = [1.0, 5.0, 0.5], [NAN, 0.0, 1.0], [2.0, 2.0, 0.7]
    ours = Tensor(np.array(x)).clamp(Tensor(np.array(lo)), Tensor(np.array(hi))).data
    theirs = torch.tensor(np.array(x)).clamp(torch.tensor(np.array(lo)),
                                             torch.tensor(np.array(hi))).numpy()
    np.testing.assert_array_equal(ours, theirs)


def test_cross_entropy_with_every_target_ignored_has_a_zero_gradient():
    logits = np.arange(6.0).reshape(2, 3)
    x, t = Tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        loss = F.cross_entropy(x, Tensor(np.array([-100, -100])))
        loss.backward()
    expected = torch.nn.functional.cross_entropy(t, torch.tensor([-100, -100]))
    expected.backward()
    assert np.isnan(loss.item()) and np.isnan(expected.item())
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


@pytest.mark.parametrize("value", [0.0, INF, -INF, 2.0])
def test_second_derivative_of_one_over_x(value):
    x = Tensor(np.array([value]), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (g,) = tg.grad((1.0 / x).sum(), [x], create_graph=True)
        g.sum().backward()
    t = torch.tensor([value], dtype=torch.float64, requires_grad=True)
    (tgrad,) = torch.autograd.grad(t.reciprocal().sum(), [t], create_graph=True)
    tgrad.sum().backward()
    np.testing.assert_array_equal(g.data, tgrad.detach().numpy())
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())


def test_grad_casts_tensor_grad_outputs_to_the_outputs_dtype():
    x = Tensor(np.full(3, 0.7, np.float16), requires_grad=True)
    (g,) = tg.grad((x * 3).exp(), [x], grad_outputs=[Tensor(np.full(3, 0.1, np.float32))])
    t = torch.full((3,), 0.7, dtype=torch.float16, requires_grad=True)
    (expected,) = torch.autograd.grad((t * 3).exp(), [t],
                                      grad_outputs=[torch.full((3,), 0.1)])
    assert g.dtype == np.float16
    np.testing.assert_array_equal(g.data, expected.numpy())


@pytest.mark.parametrize("spec,a,b", [("bij,bjk->ik", (1, 2, 3), (4, 3, 5)),
                                      ("bij,bjk->ik", (4, 2, 3), (1, 3, 5)),
                                      ("ij,ij->i", (1, 3), (4, 3)),
                                      ("bij,bjk->bik", (1, 2, 3), (4, 3, 5))])
def test_einsum_broadcast_size_one_letters_in_backward(spec, a, b):
    rng = np.random.default_rng(0)
    va, vb = rng.standard_normal(a), rng.standard_normal(b)
    ours, theirs = _grads(lambda p, q: tg.einsum(spec, p, q),
                          lambda p, q: torch.einsum(spec, p, q), va, vb)
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)


def test_float32_cumsum_of_a_million_values_is_accurate():
    x = np.random.default_rng(0).random(10**6).astype(np.float32)
    exact = np.cumsum(x.astype(np.float64))
    ours = Tensor(x).cumsum(0).data
    theirs = torch.tensor(x).cumsum(0).numpy().astype(np.float64)
    err = np.max(np.abs(ours - exact) / exact)
    assert ours.dtype == np.float32
    assert err <= max(2 * np.max(np.abs(theirs - exact) / exact), 1e-7), err
