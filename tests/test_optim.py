"""Optimizers against closed-form NumPy references over several steps (PyTorch's rules),
skipping of parameters without a gradient, in-place float32 updates, bad arguments."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn, optim

STEPS = 5
# parameter "b" has no gradient at these steps: it must be skipped and its state kept
B_SKIPS = {1, 3}

rates = st.floats(1e-3, 0.5)
decays = st.sampled_from([0.0, 0.0, 1e-3, 0.1])
fractions = st.floats(0.0, 0.99)


def run(make_optimizer, seed: int) -> tuple[dict[str, np.ndarray], dict, dict]:
    """Take STEPS steps on two float64 parameters with drawn gradients. Returns the final
    values, the initial values and the gradients each parameter got (None when skipped)."""
    rng = np.random.default_rng(seed)
    start = {"a": rng.normal(size=(3, 2)), "b": rng.normal(size=4)}
    grads = {"a": [rng.normal(size=(3, 2)) for _ in range(STEPS)],
             "b": [None if t in B_SKIPS else rng.normal(size=4) for t in range(STEPS)]}
    params = {k: nn.Parameter(v.copy()) for k, v in start.items()}
    opt = make_optimizer(list(params.values()))
    for t in range(STEPS):
        for k, p in params.items():
            g = grads[k][t]
            p.grad = None if g is None else Tensor(g.copy())
        opt.step()
    return {k: p.data for k, p in params.items()}, start, grads


def check(make_optimizer, reference, seed: int) -> None:
    final, start, grads = run(make_optimizer, seed)
    for k in final:
        expected = reference(start[k].copy(), [g for g in grads[k] if g is not None])
        np.testing.assert_allclose(final[k], expected, rtol=1e-10, atol=1e-12, err_msg=k)


@given(rates, fractions, decays, st.booleans(), st.integers(0, 2**16))
def test_sgd_matches_closed_form(lr, momentum, weight_decay, nesterov, seed) -> None:
    nesterov = nesterov and momentum > 0

    def reference(p, grads):
        buf = None
        for g in grads:
            g = g + weight_decay * p
            if momentum:
                buf = g.copy() if buf is None else momentum * buf + g
                g = g + momentum * buf if nesterov else buf
            p = p - lr * g
        return p

    check(lambda ps: optim.SGD(ps, lr=lr, momentum=momentum, nesterov=nesterov,
                               weight_decay=weight_decay), reference, seed)


@given(rates, st.floats(0.0, 0.99), st.floats(0.0, 0.999), st.sampled_from([1e-8, 1e-3]),
       decays, st.integers(0, 2**16))
def test_adam_matches_closed_form(lr, beta1, beta2, eps, weight_decay, seed) -> None:
    def reference(p, grads):
        m = v = np.zeros_like(p)
        for t, g in enumerate(grads, start=1):
            g = g + weight_decay * p
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g**2
            m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
            p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        return p

    check(lambda ps: optim.Adam(ps, lr=lr, betas=(beta1, beta2), eps=eps,
                                weight_decay=weight_decay), reference, seed)


@given(rates, st.sampled_from([1e-10, 1e-3]), decays, st.integers(0, 2**16))
def test_adagrad_matches_closed_form(lr, eps, weight_decay, seed) -> None:
    def reference(p, grads):
        total = np.zeros_like(p)  # initial_accumulator_value = 0
        for g in grads:
            g = g + weight_decay * p
            total = total + g**2
            p = p - lr * g / (np.sqrt(total) + eps)
        return p

    check(lambda ps: optim.AdaGrad(ps, lr=lr, eps=eps, weight_decay=weight_decay),
          reference, seed)


@given(rates, st.floats(0.0, 0.999), st.sampled_from([1e-8, 1e-3]), fractions, decays,
       st.integers(0, 2**16))
def test_rmsprop_matches_closed_form(lr, alpha, eps, momentum, weight_decay, seed) -> None:
    def reference(p, grads):
        avg = buf = np.zeros_like(p)
        for g in grads:
            g = g + weight_decay * p
            avg = alpha * avg + (1 - alpha) * g**2
            step = g / (np.sqrt(avg) + eps)
            if momentum:
                buf = momentum * buf + step
                step = buf
            p = p - lr * step
        return p

    check(lambda ps: optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps, momentum=momentum,
                                   weight_decay=weight_decay), reference, seed)


def test_defaults_are_pytorchs() -> None:
    p = [nn.Parameter(np.zeros(2))]
    switches = {"maximize": False, "foreach": None, "differentiable": False}
    adam = {"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
            "capturable": False, "fused": None, **switches}
    assert optim.Adam(p).defaults == {**adam, "weight_decay": 0.0,
                                      "decoupled_weight_decay": False}
    assert optim.AdamW(p).defaults == {**adam, "weight_decay": 1e-2,
                                       "decoupled_weight_decay": True}
    assert optim.AdaGrad(p).defaults == {"lr": 1e-2, "eps": 1e-10, "weight_decay": 0.0,
                                         "lr_decay": 0.0, "initial_accumulator_value": 0.0,
                                         "fused": None, **switches}
    assert optim.RMSprop(p).defaults == {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8,
                                         "momentum": 0.0, "weight_decay": 0.0,
                                         "centered": False, "capturable": False, **switches}
    sgd = optim.SGD(p, lr=0.1)
    assert sgd.defaults == {"lr": 0.1, "momentum": 0.0, "nesterov": False, "weight_decay": 0.0,
                            "dampening": 0.0, "fused": None, **switches}
    assert sgd.param_groups == [{**sgd.defaults, "params": p}]


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: optim.Adam(ps, weight_decay=0.01),
    lambda ps: optim.AdaGrad(ps, weight_decay=0.01),
    lambda ps: optim.RMSprop(ps, momentum=0.5, weight_decay=0.01),
])
def test_updates_are_in_place_and_keep_float32(make) -> None:
    rng = np.random.default_rng(0)
    p = nn.Parameter(rng.normal(size=(4, 3)).astype(np.float32))
    array, before = p.numpy(), p.data.copy()
    opt = make([p])
    for _ in range(3):
        p.grad = Tensor(rng.normal(size=(4, 3)).astype(np.float32))
        opt.step()
    assert p.numpy() is array and p.dtype == np.float32
    assert all(v.dtype == np.float32 for s in opt.state.values() for v in s.values()
               if isinstance(v, np.ndarray))
    assert not np.allclose(p.data, before)


def test_parameter_without_grad_is_untouched() -> None:
    a, b = nn.Parameter(np.ones(2)), nn.Parameter(np.ones(2))
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = Tensor(np.ones(2))
    opt.step()
    assert np.all(b.data == 1) and b not in opt.state
    assert np.all(a.data < 1)


def test_zero_grad_sets_grads_to_none_and_accepts_generators() -> None:
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(Tensor(np.ones((2, 3), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in opt.params)
    opt.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_sgd_trains_a_linear_regression() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.25
    model = nn.Linear(3, 1).to(np.float64)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    for _ in range(300):
        opt.zero_grad()
        tg.nn.functional.mse_loss(model(Tensor(x)), y).backward()
        opt.step()
    np.testing.assert_allclose(model.weight.data, [[1.0, -2.0, 0.5]], atol=1e-6)
    np.testing.assert_allclose(model.bias.data, [0.25], atol=1e-6)


@pytest.mark.parametrize("make, error, message", [
    (lambda ps: optim.SGD([], lr=0.1), tg.ArgumentError, "empty parameter list"),
    (lambda ps: optim.SGD([Tensor(np.ones(2))], lr=0.1), tg.DTypeError, "requires grad"),
    (lambda ps: optim.SGD(ps + ps, lr=0.1), tg.ArgumentError, "more than once"),
    (lambda ps: optim.SGD(ps, lr=-1.0), tg.ArgumentError, "lr must be >= 0"),
    (lambda ps: optim.SGD(ps, lr=0.1, nesterov=True), tg.ArgumentError, "momentum > 0"),
    (lambda ps: optim.Adam(ps, betas=(0.9, 1.0)), tg.ArgumentError, "beta2 must be >= 0"),
    (lambda ps: optim.AdaGrad(ps, eps=-1.0), tg.ArgumentError, "eps must be >= 0"),
    (lambda ps: optim.RMSprop(ps, weight_decay=-0.1), tg.ArgumentError, "weight_decay"),
    (lambda ps: optim.SGD(ps, lr="0.1"), tg.ArgumentTypeError, "SGD: lr must be a real number"),
    (lambda ps: optim.RMSprop(ps, alpha=None), tg.ArgumentTypeError, "alpha must be a real"),
    (lambda ps: optim.Adam(ps, betas=(0.9,)), tg.ArgumentError, r"betas must be a pair.*0\.9"),
    (lambda ps: optim.Adam(ps, betas=0.9), tg.ArgumentError, "betas must be a pair"),
])
def test_bad_arguments_are_clear_errors(make, error, message) -> None:
    with pytest.raises(error, match=message):
        make([nn.Parameter(np.zeros(2))])


OPTIMIZERS = [lambda ps: optim.SGD(ps, lr=0.1), optim.Adam, optim.AdaGrad, optim.RMSprop]


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_a_single_parameter_is_refused_not_iterated(make) -> None:
    # iterating a (3, 2) Parameter would optimize its three rows as separate "parameters"
    p = nn.Parameter(np.ones((3, 2)))
    with pytest.raises(tg.ArgumentTypeError, match=r"single Tensor of shape \(3, 2\).*\[p\]"):
        make(p)
    with pytest.raises(TypeError):
        make(p)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_an_uncalled_parameters_method_is_a_clear_error(make) -> None:
    model = nn.Linear(2, 3)
    with pytest.raises(tg.ArgumentTypeError, match=r"got method.*model\.parameters\(\)"):
        make(model.parameters)
    with pytest.raises(tg.ArgumentTypeError, match="got int"):
        make(5)


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_a_grad_of_the_wrong_shape_fails_step_and_leaves_the_parameter(make) -> None:
    # (1, 2) would broadcast against the (3, 2) parameter and update it with the wrong
    # gradient. `.grad =` refuses it (PyTorch's check); a grad that no longer fits after
    # the parameter's array was replaced reaches the step, which refuses it too
    p = nn.Parameter(np.ones((1, 2)))
    opt = make([p])
    p.grad = Tensor(np.ones((1, 2)))
    p.data = np.ones((3, 2))
    with pytest.raises(tg.ShapeError, match=r"\(3, 2\).*\(1, 2\)"):
        opt.step()
    assert np.all(p.data == 1)
    with pytest.raises(tg.ShapeError, match=r"\(1, 2\).*\(3, 2\)"):
        p.grad = Tensor(np.ones((1, 2)))
    with pytest.raises(tg.ArgumentTypeError, match="ndarray"):
        p.grad = np.ones((3, 2))
