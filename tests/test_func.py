"""tg.func: vjp, jacobian (both modes), hessian and hvp against each other, against
tg.grad and against finite differences, in float64 on Hypothesis-drawn points."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor
from tinygrad_bn.func import hessian, hvp, jacobian, vjp
from tinygrad_bn.testing import strategies as tst


def composite(a: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    """Two outputs mixing broadcasting, a reduction, a matmul and smooth unary ops."""
    mixed = (a * b.exp()).tanh() + (a @ b.T).sigmoid().sum() / (1.0 + b * b)
    return mixed, F.softmax(a - b, axis=-1).log().sum(axis=0)


@given(st.data())
def test_forward_and_reverse_jacobians_agree_to_1e_12(data: st.DataObject) -> None:
    n, k = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    a = Tensor(data.draw(tst.arrays((n, k))))
    b = Tensor(data.draw(tst.arrays((1, k), min_value=-1.0, max_value=1.0)))
    reverse = jacobian(composite, (a, b))
    forward = jacobian(composite, (a, b), mode="forward")
    for k_out in range(2):
        for i_in in range(2):
            r, f = reverse[k_out][i_in].data, forward[k_out][i_in].data
            assert r.shape == composite(a, b)[k_out].shape + (a, b)[i_in].shape
            np.testing.assert_allclose(f, r, rtol=1e-12, atol=1e-12)


@given(x=tst.tensors(shape=tst.shapes(min_dims=1, max_dims=2, max_side=3)))
def test_jacobian_of_elementwise_map_is_diagonal_of_its_derivative(x: Tensor) -> None:
    for mode in ("reverse", "forward"):
        jac = jacobian(Tensor.tanh, x, mode=mode).data.reshape(x.numel(), x.numel())
        np.testing.assert_allclose(jac, np.diag(1 - np.tanh(x.data.ravel()) ** 2),
                                   rtol=1e-13, atol=1e-13)


@given(st.data())
def test_vjp_equals_tg_grad_and_leaves_grads_alone(data: st.DataObject) -> None:
    shape = data.draw(tst.shapes(min_dims=1, max_dims=2, max_side=3))
    x = Tensor(data.draw(tst.arrays(shape)), requires_grad=True)
    u = data.draw(tst.arrays(shape))
    out, (gx, unused) = vjp(lambda a, c: a.exp() * a, (x, Tensor(np.ones(2))), u)
    (expected,) = tg.grad(x.exp() * x, x, grad_outputs=Tensor(u))
    np.testing.assert_allclose(gx.data, expected.data, rtol=1e-13, atol=1e-13)
    np.testing.assert_array_equal(unused.data, np.zeros(2))  # an input f does not use
    assert x.grad is None


BASE = np.random.default_rng(0).standard_normal((5, 2)) * 2  # well-spread rows


def well_spread_batch(draw: st.DrawFn, rows: int) -> np.ndarray:
    """BASE's rows plus a drawn perturbation of at most 0.2: every hidden unit's batch
    variance stays well above BN's eps, where finite differences are accurate (at a
    variance near eps the curvature changes on the scale of the step)."""
    return BASE[:rows] + draw(tst.arrays((rows, 2), min_value=-0.2, max_value=0.2))


def mlp_loss(x: np.ndarray, target: np.ndarray, hidden: int = 3, classes: int = 2):
    """A small MLP's loss as a function of one flat parameter vector: linear, fused batch
    norm (training), tanh, linear, cross-entropy."""
    features = x.shape[1]
    sizes = [("w1", (hidden, features)), ("b1", (hidden,)), ("gamma", (hidden,)),
             ("beta", (hidden,)), ("w2", (classes, hidden)), ("b2", (classes,))]

    def loss(theta: Tensor) -> Tensor:
        params, start = {}, 0
        for name, shape in sizes:
            size = int(np.prod(shape))
            params[name] = theta[start:start + size].reshape(shape)
            start += size
        h = F.linear(Tensor(x), params["w1"], params["b1"])
        h = F.batch_norm(h, None, None, params["gamma"], params["beta"], training=True)
        logits = F.linear(h.tanh(), params["w2"], params["b2"])
        return F.cross_entropy(logits, target)

    return loss, sum(int(np.prod(s)) for _, s in sizes)


@settings(max_examples=3)
@given(st.data())
def test_hessian_of_mlp_loss_equals_finite_difference_hessian(data: st.DataObject) -> None:
    x = well_spread_batch(data.draw, 5)
    target = np.array(data.draw(st.lists(st.integers(0, 1), min_size=5, max_size=5)))
    loss, n = mlp_loss(x, target)
    theta = data.draw(tst.arrays((n,), min_value=0.5, max_value=1.5))  # w1 rows apart
    h = hessian(loss, Tensor(theta)).data
    assert h.shape == (n, n)

    def gradient(t: np.ndarray) -> np.ndarray:
        leaf = Tensor(t, requires_grad=True)
        return tg.grad(loss(leaf), leaf)[0].data

    eps = 1e-5
    numerical = np.empty((n, n))
    for j in range(n):
        step = np.zeros(n)
        step[j] = eps
        numerical[:, j] = (gradient(theta + step) - gradient(theta - step)) / (2 * eps)
    np.testing.assert_allclose(h, numerical, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(h, h.T, rtol=1e-10, atol=1e-12)  # symmetric


@settings(max_examples=5)
@given(st.data())
def test_hvp_equals_hessian_times_v(data: st.DataObject) -> None:
    x = well_spread_batch(data.draw, 4)
    target = np.array(data.draw(st.lists(st.integers(0, 1), min_size=4, max_size=4)))
    loss, n = mlp_loss(x, target)
    theta = Tensor(data.draw(tst.arrays((n,), min_value=-1.0, max_value=1.0)))
    v = data.draw(tst.arrays((n,)))
    value, product = hvp(loss, theta, v)
    np.testing.assert_allclose(value.data, loss(theta).data, rtol=1e-14)
    np.testing.assert_allclose(product.data, hessian(loss, theta).data @ v, rtol=1e-10,
                               atol=1e-12)


def test_hessian_of_quadratic_form_is_its_symmetric_matrix() -> None:
    a = np.array([[2.0, 1.0], [0.0, 3.0]])
    h = hessian(lambda t: (t * (Tensor(a) @ t)).sum(), np.array([0.3, -0.7]))
    np.testing.assert_allclose(h.data, a + a.T, rtol=1e-14)


def test_jacobian_shapes_for_one_input_several_outputs_and_constant_output() -> None:
    x = Tensor(np.arange(3.0))
    parts = jacobian(lambda t: (t.sum(), t * 2, Tensor(np.ones(2))), x)
    assert [p.shape for p in parts] == [(3,), (3, 3), (2, 3)]
    np.testing.assert_array_equal(parts[2].data, np.zeros((2, 3)))
    forward = jacobian(lambda t: (t.sum(), t * 2, Tensor(np.ones(2))), x, mode="forward")
    for r, f in zip(parts, forward):
        np.testing.assert_array_equal(r.data, f.data)


def test_bad_arguments_are_clear_errors() -> None:
    x = Tensor(np.ones(3))
    with pytest.raises(tg.ArgumentError, match="mode must be"):
        jacobian(Tensor.exp, x, mode="sideways")
    with pytest.raises(tg.ShapeError, match="one element"):
        hessian(Tensor.exp, x)
    with pytest.raises(tg.ShapeError, match=r"v has shape \(2,\)"):
        hvp(lambda t: t.sum(), x, np.ones(2))
    with pytest.raises(tg.ShapeError, match="cotangent 0 has shape"):
        vjp(Tensor.exp, x, np.ones(4))
    with pytest.raises(tg.ArgumentError, match="floating"):
        jacobian(Tensor.exp, np.arange(3))
