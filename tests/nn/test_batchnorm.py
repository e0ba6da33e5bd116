"""F.batch_norm: the fused op against the composite, gradients, statistics, input errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_bn as tg
from tinygrad_bn import ArgumentError, DTypeError, ShapeError, Tensor
from tinygrad_bn.nn.normalization import FusedBatchNorm, batch_norm
from tinygrad_bn.tensor import topological_order
from tinygrad_bn.testing import strategies as tst

IMPLS = ("fused", "composite")


def np_batch_norm(x, mean, var, weight, bias, eps):
    """Closed form of y per channel (axis 1), statistics given as (C,) arrays."""
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    y = (x - mean.reshape(shape)) / np.sqrt(var.reshape(shape) + eps)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def batch_stats(x):
    axes = (0,) + tuple(range(2, x.ndim))
    return x.mean(axis=axes), x.var(axis=axes)


@st.composite
def bn_cases(draw, max_side=3, max_batch=4):
    """A well-conditioned training batch (channel std in [0.5, 2], M >= 2), an eps,
    optional gamma/beta (gamma away from 0) and a random upstream gradient."""
    x = draw(tst.well_conditioned_batches(max_side=max_side, max_batch=max_batch))
    channels = x.shape[1]
    eps = draw(st.sampled_from([1e-5, 1e-3, 0.1]))
    affine = draw(st.booleans())
    weight = bias = None
    if affine:
        magnitude = draw(hnp.arrays(np.float64, channels, elements=st.floats(0.5, 2.0)))
        signs = draw(hnp.arrays(np.float64, channels, elements=st.sampled_from([-1.0, 1.0])))
        weight = magnitude * signs
        bias = draw(tst.arrays((channels,)))
    upstream = draw(tst.arrays(x.shape))
    return x, weight, bias, eps, upstream


def run(impl, x, weight, bias, eps, upstream, training=True, running=None):
    """y and the gradients of <upstream, y> with respect to x, weight and bias."""
    xt = Tensor(x, requires_grad=True)
    wt = None if weight is None else Tensor(weight, requires_grad=True)
    bt = None if bias is None else Tensor(bias, requires_grad=True)
    rm, rv = running if running is not None else (None, None)
    y = batch_norm(xt, rm, rv, wt, bt, training=training, eps=eps, impl=impl)
    y.backward(upstream)
    return [y.data, xt.grad.data] + [t.grad.data for t in (wt, bt) if t is not None]


# ---------------------------------------------------------------- fused == composite


@given(bn_cases())
def test_fused_matches_composite_forward_and_gradients_float64(case):
    fused, composite = run("fused", *case), run("composite", *case)
    for f, c in zip(fused, composite):
        np.testing.assert_allclose(f, c, rtol=1e-10, atol=1e-10)


@given(bn_cases())
def test_fused_matches_closed_form_forward(case):
    x, weight, bias, eps, upstream = case
    mean, var = batch_stats(x)
    y = run("fused", *case)[0]
    np.testing.assert_allclose(y, np_batch_norm(x, mean, var, weight, bias, eps), rtol=1e-10,
                               atol=1e-12)


@given(bn_cases())
def test_input_gradient_sums_to_zero_per_channel(case):
    # dx = gamma*invstd/M (M dy - sum dy - xhat sum dy xhat): its channel sum vanishes
    dx = run("fused", *case)[1]
    axes = (0,) + tuple(range(2, dx.ndim))
    np.testing.assert_allclose(dx.sum(axis=axes), 0, atol=1e-10)


@given(bn_cases(), st.data())
def test_eval_mode_fused_matches_composite(case, data):
    x, weight, bias, eps, upstream = case
    channels = x.shape[1]
    rm = data.draw(tst.arrays((channels,)))
    rv = data.draw(tst.positive_arrays((channels,)))
    fused = run("fused", *case, training=False, running=(rm.copy(), rv.copy()))
    composite = run("composite", *case, training=False, running=(rm.copy(), rv.copy()))
    for f, c in zip(fused, composite):
        np.testing.assert_allclose(f, c, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(fused[0], np_batch_norm(x, rm, rv, weight, bias, eps),
                               rtol=1e-10, atol=1e-12)


def tangents_of(impl, x, weight, bias, eps, tangents, training):
    """The jvp of y along drawn tangents of x, weight and bias (forward mode)."""
    inputs = [Tensor(a) for a in (x, weight, bias) if a is not None]
    running = (x.mean(axis=(0,) + tuple(range(2, x.ndim))) + 0.3,
               x.var(axis=(0,) + tuple(range(2, x.ndim))) + 0.5)

    def f(*ts):
        w = ts[1] if weight is not None else None
        b = ts[-1] if bias is not None else None
        return batch_norm(ts[0], running[0].copy(), running[1].copy(), w, b, training=training,
                          eps=eps, impl=impl)
    return tg.jvp(f, inputs, tangents[:len(inputs)])[1].data


@given(bn_cases(), st.booleans(), st.data())
def test_fused_jvp_matches_composite_jvp(case, training, data):
    """The analytic forward-mode rule (docs/batchnorm.md, section 8) against the tangent
    autograd's forward mode derives through the composite's primitives."""
    x, weight, bias, eps, _ = case
    tangents = [data.draw(tst.arrays(a.shape)) for a in (x, weight, bias) if a is not None]
    fused = tangents_of("fused", x, weight, bias, eps, tangents, training)
    composite = tangents_of("composite", x, weight, bias, eps, tangents, training)
    np.testing.assert_allclose(fused, composite, rtol=1e-10, atol=1e-10)
    if training:  # the training map projects out the mean: tangents sum to 0 per channel
        if weight is None and bias is None:
            axes = (0,) + tuple(range(2, x.ndim))
            np.testing.assert_allclose(fused.sum(axis=axes), 0.0, atol=1e-9)


def second_derivatives(impl, x, weight, bias, upstream, probes, training=True):
    """d/d(x, gamma, beta, upstream) of <probes, (dx, dgamma, dbeta)>, the first
    derivatives taken with create_graph=True."""
    xt, wt, bt = (Tensor(a, requires_grad=True) for a in (x, weight, bias))
    gt = Tensor(upstream, requires_grad=True)
    rm, rv = np.zeros(x.shape[1]), np.full(x.shape[1], 1.5)
    y = batch_norm(xt, rm, rv, wt, bt, training=training, impl=impl)
    firsts = tg.grad((y * gt).sum(), [xt, wt, bt], create_graph=True)
    total = sum(((f * Tensor(p)).sum() for f, p in zip(firsts, probes)), Tensor(np.float64(0)))
    seconds = tg.grad(total, [xt, wt, bt, gt])
    return [np.zeros(t.shape) if s is None else s.data for s, t in zip(seconds, (xt, wt, bt, gt))]


@settings(max_examples=15)
@given(bn_cases(), st.booleans(), st.data())
def test_fused_second_derivatives_match_composite(case, training, data):
    x, weight, bias, eps, upstream = case
    channels = x.shape[1]
    weight = np.full(channels, 1.3) if weight is None else weight
    bias = np.zeros(channels) if bias is None else bias
    probes = [data.draw(tst.arrays(shape)) for shape in (x.shape, (channels,), (channels,))]
    fused = second_derivatives("fused", x, weight, bias, upstream, probes, training)
    composite = second_derivatives("composite", x, weight, bias, upstream, probes, training)
    for f, c in zip(fused, composite):
        np.testing.assert_allclose(f, c, rtol=1e-9, atol=1e-9)


def test_second_derivative_depends_on_invstd():
    # Treating invstd as a constant drops d(invstd)/dx from the second derivative; the
    # d/dx of <dx, probe> is then far from the composite's. Here it is not small.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((6, 2)) * 3
    case = (x, np.array([1.5, -0.7]), np.array([0.2, 0.1]), rng.standard_normal(x.shape),
            [rng.standard_normal(x.shape), np.zeros(2), np.zeros(2)])
    d_x = second_derivatives("fused", *case)[0]
    assert np.abs(d_x).max() > 0.1
    np.testing.assert_allclose(d_x, second_derivatives("composite", *case)[0], rtol=1e-9,
                               atol=1e-12)


# ---------------------------------------------------------------- numerical gradients

SMALL_SHAPES = [(4, 2), (3, 2, 3), (2, 2, 2, 3)]


def small_case(shape, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 1.5 + 0.3
    channels = shape[1]
    return x, rng.uniform(0.5, 2.0, channels), rng.standard_normal(channels)


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("shape", SMALL_SHAPES)
@pytest.mark.parametrize("training", [True, False])
def test_gradcheck_and_gradgradcheck(impl, shape, training):
    x, weight, bias = small_case(shape)
    channels = shape[1]
    rm, rv = np.linspace(-0.5, 0.5, channels), np.linspace(0.5, 2.0, channels)

    def f(x, w, b):
        # copies: the training-mode update must not drift between numerical evaluations
        return batch_norm(x, rm.copy(), rv.copy(), w, b, training=training, eps=1e-3,
                          impl=impl)

    inputs = [Tensor(a, requires_grad=True) for a in (x, weight, bias)]
    assert tg.gradcheck(f, inputs)
    assert tg.gradgradcheck(f, inputs)


@pytest.mark.parametrize("shape", [(4, 3, 1), (3, 3, 1, 1)])
@pytest.mark.parametrize("training", [True, False])
def test_fused_size_one_spatial_axes_match_composite(shape, training):
    # one value per (sample, channel) at any rank: the fused op's (N, C) path
    x, weight, bias = small_case(shape, seed=3)
    up = np.random.default_rng(4).standard_normal(shape)
    channels = shape[1]
    results = {}
    for impl in IMPLS:
        rm, rv = np.linspace(-0.5, 0.5, channels), np.linspace(0.5, 2.0, channels)
        args = [Tensor(a, requires_grad=True) for a in (x, weight, bias)]
        y = batch_norm(args[0], rm, rv, args[1], args[2], training=training, impl=impl)
        y.backward(Tensor(up))
        results[impl] = [y.data, rm, rv] + [a.grad.data for a in args]
    assert results["fused"][0].shape == shape
    for fused, composite in zip(results["fused"], results["composite"]):
        np.testing.assert_allclose(fused, composite, rtol=1e-10, atol=1e-12)
    rm, rv = np.linspace(-0.5, 0.5, channels), np.linspace(0.5, 2.0, channels)
    assert tg.gradcheck(lambda x, w, b: batch_norm(x, rm.copy(), rv.copy(), w, b,
                                                  training=training, impl="fused"),
                        [Tensor(a, requires_grad=True) for a in (x, weight, bias)])


@pytest.mark.parametrize("impl", IMPLS)
@settings(max_examples=10)
@given(case=bn_cases(max_side=2, max_batch=3))
def test_gradcheck_drawn_shapes(impl, case):
    x, weight, bias, eps, _ = case
    args = [Tensor(x, requires_grad=True)]
    if weight is not None:
        args += [Tensor(weight, requires_grad=True), Tensor(bias, requires_grad=True)]

    def f(x, w=None, b=None):
        return batch_norm(x, None, None, w, b, training=True, eps=eps, impl=impl)

    assert tg.gradcheck(f, args)


@pytest.mark.parametrize("training", [True, False])
def test_fused_gradcheck_without_affine_and_partial_affine(training):
    x, weight, bias = small_case((3, 2, 2), seed=1)
    rm, rv = np.array([0.1, -0.2]), np.array([0.8, 1.7])

    def f(x, w):
        return batch_norm(x, rm.copy(), rv.copy(), w, None, training=training, impl="fused")

    assert tg.gradgradcheck(f, [Tensor(x, requires_grad=True), Tensor(weight, requires_grad=True)])

    def g(x):
        return batch_norm(x, rm.copy(), rv.copy(), training=training, impl="fused")

    assert tg.gradgradcheck(g, [Tensor(x, requires_grad=True)])


def test_parameters_only_require_grad():
    # x is data (no grad): the fused backward still gives dgamma and dbeta
    x, weight, bias = small_case((5, 3))
    wt, bt = Tensor(weight, requires_grad=True), Tensor(bias, requires_grad=True)
    up = np.random.default_rng(2).standard_normal(x.shape)
    for impl in IMPLS:
        wt.grad = bt.grad = None
        batch_norm(Tensor(x), None, None, wt, bt, training=True, impl=impl).backward(up)
        mean, var = batch_stats(x)
        xhat = (x - mean) / np.sqrt(var + 1e-5)
        np.testing.assert_allclose(wt.grad.data, (up * xhat).sum(axis=0), rtol=1e-10)
        np.testing.assert_allclose(bt.grad.data, up.sum(axis=0), rtol=1e-10)


# ---------------------------------------------------------------- statistics per channel


@pytest.mark.parametrize("impl", IMPLS)
def test_4d_statistics_per_channel_against_explicit_loop(impl):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 4, 5, 2)) * np.array([1, 3, 0.5, 2]).reshape(1, 4, 1, 1) \
        + np.array([0, 5, -2, 1]).reshape(1, 4, 1, 1)
    weight, bias = rng.standard_normal(4), rng.standard_normal(4)
    rm, rv = np.zeros(4), np.ones(4)
    y = batch_norm(Tensor(x), rm, rv, Tensor(weight), Tensor(bias), training=True, momentum=1.0,
                   eps=1e-5, impl=impl).data
    for c in range(4):
        values = x[:, c].ravel()  # every value of channel c: over N, H and W
        mu = sum(values) / len(values)
        var = sum((v - mu) ** 2 for v in values) / len(values)
        expected = (x[:, c] - mu) / np.sqrt(var + 1e-5) * weight[c] + bias[c]
        np.testing.assert_allclose(y[:, c], expected, rtol=1e-10, atol=1e-12)
        assert rm[c] == pytest.approx(mu, rel=1e-12, abs=1e-12)
        assert rv[c] == pytest.approx(var * len(values) / (len(values) - 1), rel=1e-12)


@pytest.mark.parametrize("impl", IMPLS)
def test_functional_updates_running_stats_in_place(impl):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((6, 3, 4)) * 2 + 1
    rm, rv = np.full(3, 0.5), np.full(3, 2.0)
    rm_id, rv_id = id(rm), id(rv)
    batch_norm(Tensor(x, requires_grad=True), rm, rv, training=True, momentum=0.25, impl=impl)
    mean, var = batch_stats(x)
    m = x.shape[0] * x.shape[2]
    np.testing.assert_allclose(rm, 0.75 * 0.5 + 0.25 * mean, rtol=1e-12)
    np.testing.assert_allclose(rv, 0.75 * 2.0 + 0.25 * var * m / (m - 1), rtol=1e-12)
    assert (id(rm), id(rv)) == (rm_id, rv_id)


@pytest.mark.parametrize("impl", IMPLS)
def test_running_stats_given_as_tensors_are_updated(impl):
    x = np.arange(12.0).reshape(4, 3)
    rm, rv = Tensor(np.zeros(3)), Tensor(np.ones(3))
    batch_norm(Tensor(x), rm, rv, training=True, momentum=1.0, impl=impl)
    np.testing.assert_allclose(rm.data, x.mean(axis=0))
    np.testing.assert_allclose(rv.data, x.var(axis=0, ddof=1))


@pytest.mark.parametrize("impl", IMPLS)
def test_eval_mode_does_not_touch_running_stats(impl):
    rm, rv = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    batch_norm(Tensor(np.ones((4, 2))), rm, rv, training=False, impl=impl)
    np.testing.assert_array_equal(rm, [0.5, -1.0])
    np.testing.assert_array_equal(rv, [2.0, 0.5])


@pytest.mark.parametrize("impl", IMPLS)
def test_eval_backward_unaffected_by_later_running_stat_updates(impl):
    x, weight, bias = small_case((4, 2))
    rm, rv = np.zeros(2), np.ones(2)
    xt, wt = Tensor(x, requires_grad=True), Tensor(weight, requires_grad=True)
    y = batch_norm(xt, rm, rv, wt, None, training=False, impl=impl)
    rm += 3.0  # e.g. another training step before this backward
    rv *= 4.0
    up = np.random.default_rng(1).standard_normal(x.shape)
    y.backward(up)
    invstd = 1 / np.sqrt(1 + 1e-5)
    np.testing.assert_allclose(xt.grad.data, up * weight * invstd, rtol=1e-12)
    np.testing.assert_allclose(wt.grad.data, (up * x * invstd).sum(axis=0), rtol=1e-12)


@given(bn_cases())
def test_inputs_are_not_mutated(case):
    x, weight, bias, eps, upstream = case
    copies = [None if a is None else a.copy() for a in case if isinstance(a, np.ndarray)]
    for impl in IMPLS:
        for training in (True, False):
            run(impl, *case, training=training,
                running=(np.zeros(x.shape[1]), np.ones(x.shape[1])))
    for before, after in zip(copies, [a for a in case if isinstance(a, np.ndarray)]):
        np.testing.assert_array_equal(before, after)


# ---------------------------------------------------------------- float32


@pytest.mark.parametrize("shape", [(64, 8), (16, 4, 32), (8, 4, 16, 16)])
def test_float32_mean_100_std_10_fused_matches_composite_and_float64(shape):
    rng = np.random.default_rng(6)
    channels = shape[1]
    x = (rng.standard_normal(shape) * 10 + 100).astype(np.float32)
    up = rng.standard_normal(shape).astype(np.float32)
    weight = rng.uniform(0.5, 2, channels).astype(np.float32)
    bias = rng.standard_normal(channels).astype(np.float32)
    results = {}
    for impl in IMPLS:
        running = (np.zeros(channels, np.float32), np.ones(channels, np.float32))
        results[impl] = run(impl, x, weight, bias, 1e-5, up, running=running) + list(running)
    running = (np.zeros(channels), np.ones(channels))
    exact = run("fused", *(a.astype(np.float64) for a in (x, weight, bias)), 1e-5,
                up.astype(np.float64), running=running) + list(running)
    for fused, composite, truth in zip(results["fused"], results["composite"], exact):
        assert fused.dtype == np.float32
        scale = np.abs(truth).max()
        assert np.abs(fused - composite).max() <= 1e-4 * scale
        assert np.abs(fused - truth).max() <= 1e-5 * scale  # the corrected two-pass mean


def test_float32_parameters_keep_dtype_with_float16_input():
    """PyTorch's CPU norms take a float16 input with float32 parameters (the output
    float16, the parameters' gradients float32); a float64 input they refuse."""
    x = np.random.default_rng(0).standard_normal((5, 2))
    wt = Tensor(np.ones(2, np.float32), requires_grad=True)
    y = batch_norm(Tensor(x.astype(np.float16)), None, None, wt, None, training=True)
    assert y.dtype == np.float16
    y.backward(np.ones(x.shape, np.float16))
    assert wt.grad.dtype == np.float32
    with pytest.raises(tg.DTypeMismatchError, match="batch_norm.*float64 and float32"):
        batch_norm(Tensor(x), None, None, wt, None, training=True)


# ---------------------------------------------------------------- the graph


def test_fused_is_one_node_composite_many_primitives():
    xt = Tensor(np.random.default_rng(0).standard_normal((4, 3, 2)), requires_grad=True)
    wt, bt = Tensor(np.ones(3), requires_grad=True), Tensor(np.zeros(3), requires_grad=True)
    ops = {}
    for impl in IMPLS:
        y = batch_norm(xt, None, None, wt, bt, training=True, impl=impl)
        ops[impl] = [t._ctx.name for t in topological_order([y]) if t._ctx is not None]
    assert ops["fused"] == ["FusedBatchNorm"]
    assert len(ops["composite"]) >= 8
    assert {"Sum", "Sub", "Sqrt", "Div"} <= set(ops["composite"])
    assert "FusedBatchNorm" not in ops["composite"]


def test_fused_op_saves_only_per_channel_statistics():
    xt = Tensor(np.random.default_rng(0).standard_normal((8, 3, 5)), requires_grad=True)
    y = batch_norm(xt, None, None, training=True, impl="fused")
    assert isinstance(y._ctx, FusedBatchNorm)
    assert all(np.shape(a) == (3,) for a in y._ctx.saved)


# ---------------------------------------------------------------- input errors


@pytest.mark.parametrize("impl", IMPLS)
@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1), (1, 2, 1, 1)])
def test_one_value_per_channel_in_training_raises(impl, shape):
    with pytest.raises(ValueError, match="more than 1 value per channel") as info:
        batch_norm(Tensor(np.ones(shape)), None, None, training=True, impl=impl)
    assert isinstance(info.value, ShapeError)
    assert str(shape) in str(info.value)


def test_one_value_per_channel_is_fine_in_eval_mode():
    y = batch_norm(Tensor(np.array([[1.0, 2.0]])), np.zeros(2), np.ones(2), training=False)
    np.testing.assert_allclose(y.data, [[1.0, 2.0]] / np.sqrt(1 + 1e-5))


@pytest.mark.parametrize("kwargs, match", [
    ({"weight": Tensor(np.ones(2))}, r"weight has shape \(2,\), expected \(3,\)"),
    ({"bias": Tensor(np.ones((3, 1)))}, r"bias has shape \(3, 1\), expected \(3,\)"),
    ({"running_mean": np.zeros(4), "running_var": np.ones(3)},
     r"running_mean has shape \(4,\), expected \(3,\)"),
])
def test_wrong_parameter_shapes_name_the_expected_shape(kwargs, match):
    args = {"running_mean": None, "running_var": None, **kwargs}
    with pytest.raises(ShapeError, match=match):
        batch_norm(Tensor(np.ones((4, 3))), training=True, **args)


def test_rank_below_two_raises():
    with pytest.raises(ShapeError, match=r"\(N, C, \*\)"):
        batch_norm(Tensor(np.ones(5)), None, None, training=True)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"impl": "fast"}, ArgumentError, "impl"),
    ({"momentum": None}, ArgumentError, "momentum"),
    ({"momentum": 1.5}, ArgumentError, "momentum"),
    ({"eps": -1.0}, ArgumentError, "eps"),
    ({"running_var": None}, ArgumentError, "both"),
])
def test_bad_arguments(kwargs, error, match):
    args = {"running_mean": np.zeros(2), "running_var": np.ones(2), "training": True, **kwargs}
    with pytest.raises(error, match=match):
        batch_norm(Tensor(np.ones((3, 2))), **args)


def test_eval_mode_without_running_stats_raises():
    with pytest.raises(ArgumentError, match="running"):
        batch_norm(Tensor(np.ones((3, 2))), None, None, training=False)


def test_integer_input_and_running_stats_raise_dtype_errors():
    with pytest.raises(DTypeError):
        batch_norm(Tensor(np.ones((3, 2), np.int64)), None, None, training=True)
    with pytest.raises(DTypeError, match="running_mean"):
        batch_norm(Tensor(np.ones((3, 2))), np.zeros(2, np.int64), np.ones(2), training=True)
