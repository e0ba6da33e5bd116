"""Every convolution algorithm (tinygrad_bn/nn/conv_algorithms.py) computes what the reference
computes: values of each map, the adjoint identities that make them gradients, full
gradients of conv2d with each algorithm forced, the pool's split, and the benchmark policy's
per-signature choice. Float64 on Hypothesis-drawn geometries."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor, threads
from tinygrad_bn.nn import conv_algorithms as alg
from tinygrad_bn.nn.convolution import conv2d
from tinygrad_bn.testing import strategies as tst


@st.composite
def geometries(draw, unit_stride=False, square3=False, batch=(1, 3)):
    """(x, w, g, win, groups): a valid geometry, arrays for it and an upstream gradient."""
    groups = 1 if square3 else draw(st.integers(1, 2))
    cg, og = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    kernel = (3, 3) if square3 else tuple(draw(st.integers(1, 3)) for _ in range(2))
    stride = (1, 1) if unit_stride or square3 else tuple(draw(st.integers(1, 2))
                                                        for _ in range(2))
    dilation = (1, 1) if square3 else tuple(draw(st.integers(1, 2)) for _ in range(2))
    padding = tuple(draw(st.integers(0, 2)) for _ in range(2))
    side = tuple(max(1, d * (k - 1) + 1 - 2 * p) + draw(st.integers(0, 4))
                 for d, k, p in zip(dilation, kernel, padding))
    n = draw(st.integers(*batch))
    x = draw(tst.arrays((n, groups * cg) + side))
    w = draw(tst.arrays((groups * og, cg) + kernel))
    win = alg.window(kernel, stride, padding, dilation, side)
    g = draw(tst.arrays((n, groups * og) + win.out_size))
    return x, w, g, win, groups


def _close(a, b):
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)


@settings(max_examples=40, deadline=None)
@given(case=geometries(), bias=st.booleans())
def test_every_forward_algorithm_matches_im2col(case, bias):
    x, w, _, win, groups = case
    b = np.linspace(-1, 1, w.shape[0]) if bias else None
    want = alg.forward_im2col(x, w, win, groups, b)[0]
    for name in alg.applicable("forward", win, groups):
        got = alg.FORWARD[name](x, w, win, groups, b)[0]
        assert got.flags.c_contiguous
        _close(got, want)


@settings(max_examples=30, deadline=None)
@given(case=geometries(square3=True))
def test_winograd_applies_to_3x3_stride_1_and_matches(case):
    x, w, _, win, groups = case
    assert "winograd" in alg.applicable("forward", win, groups)
    _close(alg.forward_winograd(x, w, win, groups, None)[0],
           alg.forward_im2col(x, w, win, groups, None)[0])


@settings(max_examples=40, deadline=None)
@given(case=geometries())
def test_every_gradient_algorithm_matches_the_reference(case):
    x, w, g, win, groups = case
    dx = alg.input_grad_scatter(g, w, win, groups)
    dw = alg.weight_grad_im2col(x, g, win, groups)
    for name in alg.applicable("input_grad", win, groups):
        _close(alg.INPUT_GRAD[name](g, w, win, groups), dx)
    for name in alg.applicable("weight_grad", win, groups):
        _close(alg.WEIGHT_GRAD[name](x, g, win, groups), dw)


@settings(max_examples=40, deadline=None)
@given(case=geometries(unit_stride=True))
def test_the_maps_are_adjoint_for_every_algorithm(case):
    """<conv(x, w), g> = <x, input_grad(g, w)> = <w, weight_grad(x, g)>: what makes the
    two backward maps the gradients of the forward one."""
    x, w, g, win, groups = case
    for fwd in alg.applicable("forward", win, groups):
        value = np.vdot(alg.FORWARD[fwd](x, w, win, groups, None)[0], g)
        for name in alg.applicable("input_grad", win, groups):
            assert np.isclose(np.vdot(x, alg.INPUT_GRAD[name](g, w, win, groups)), value,
                              rtol=1e-10, atol=1e-10)
        for name in alg.applicable("weight_grad", win, groups):
            assert np.isclose(np.vdot(w, alg.WEIGHT_GRAD[name](x, g, win, groups)), value,
                              rtol=1e-10, atol=1e-10)


def test_stride_2_keeps_to_the_general_algorithms():
    win = alg.window((3, 3), (2, 2), (1, 1), (1, 1), (8, 8))
    assert alg.applicable("forward", win, 1) == ["im2col", "batched", "tensordot"]
    assert alg.applicable("input_grad", win, 1) == ["scatter", "batched"]
    assert alg.applicable("weight_grad", win, 1) == ["im2col", "batched"]


@pytest.fixture(params=["forward", "input_grad", "weight_grad"])
def kind(request):
    return request.param


def test_gradcheck_with_each_algorithm_forced(kind, monkeypatch):
    """conv2d's reverse, forward-mode and second-order gradients with each algorithm of
    `kind` forced (the other kinds on their heuristic choice)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 5, 4))
    w = rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3)
    win = alg.window((3, 3), (1, 1), (1, 1), (1, 1), (5, 4))
    real = alg.heuristic
    for name in alg.applicable(kind, win, 1):
        monkeypatch.setattr(alg, "heuristic", lambda k, win_, groups, args, name=name:
                            name if k == kind and name in alg.applicable(k, win_, groups)
                            else real(k, win_, groups, args))
        inputs = [Tensor(a.copy(), requires_grad=True) for a in (x, w, b)]
        assert tg.gradcheck(lambda x, w, b: conv2d(x, w, b, padding=1), inputs)
        assert tg.gradgradcheck(lambda x, w, b: conv2d(x, w, b, padding=1), inputs)


def _split_runs(run, splits=None):
    """run() at one thread and at three with every convolution split (grain 1, every core
    counted free, no back-off left over): [result at 1, result at 3]."""
    before = tg.get_num_threads()
    results = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(threads, "GRAIN", 1)
        mp.setattr(threads, "CONV_GRAIN", 1)
        mp.setattr(threads._cores, "free", lambda: 3)
        if splits is not None:
            real = threads.split
            mp.setattr(threads, "split", lambda total, n: splits.append(n) or real(total, n))
        try:
            for n in (1, 3):
                tg.set_num_threads(n)
                threads._pool.skip = 0
                results.append(run())
        finally:
            tg.set_num_threads(before)
    return results


@settings(max_examples=20, deadline=None)
@given(case=geometries(unit_stride=True))
def test_the_pool_split_matches_one_thread(case):
    x, w, g, win, groups = case
    x, w, g = (a.astype(np.float32) for a in (x, w, g))
    runs = _split_runs(lambda: [alg.FORWARD[f](x, w, win, groups, None)[0]
                                for f in alg.applicable("forward", win, groups)]
                       + [alg.WEIGHT_GRAD[f](x, g, win, groups)
                          for f in alg.applicable("weight_grad", win, groups)])
    for one, split in zip(*runs):
        np.testing.assert_allclose(split, one, rtol=1e-5, atol=1e-5)


@settings(max_examples=20, deadline=None)
@given(case=geometries(batch=(2, 9)), bias=st.booleans(), seed=st.integers(0, 2**16))
def test_conv2d_split_by_samples_is_bit_identical_to_one_thread(case, bias, seed):
    """conv2d's value and its gradients in x, w and b on the heuristic's algorithms: blocks
    of samples each copy their windows and run their own per-sample GEMMs, and the weight
    gradient sums the per-sample products once after every block, so the split changes no
    bit. Checked to split (the block counts asked for). Normal values (Hypothesis' arrays
    are often sums that round exactly in any order)."""
    _, _, _, win, groups = case
    rng = np.random.default_rng(seed)
    x, w, g = (rng.standard_normal(a.shape) for a in case[:3])
    b = np.linspace(-1, 1, w.shape[0]) if bias else None

    def run():
        inputs = [Tensor(a.copy(), requires_grad=True) for a in (x, w) + ((b,) if bias else ())]
        y = conv2d(*inputs, stride=win.stride, padding=win.padding, dilation=win.dilation,
                   groups=groups)
        y.backward(Tensor(g))
        return [y.data] + [t.grad.data for t in inputs]

    splits: list[int] = []
    one, split = _split_runs(run, splits)
    assert any(n > 1 for n in splits)
    for a, c in zip(one, split):
        np.testing.assert_array_equal(c, a)


def test_benchmark_policy_measures_once_per_signature():
    rng = np.random.default_rng(1)
    x = Tensor(rng.standard_normal((2, 3, 6, 6)), requires_grad=True)
    w = Tensor(rng.standard_normal((4, 3, 3, 3)), requires_grad=True)
    want = conv2d(x, w, padding=1)
    want.backward(Tensor(np.ones(want.shape)))
    want_grads = x.grad.data.copy(), w.grad.data.copy()
    alg.set_policy("benchmark")
    try:
        x.grad = w.grad = None
        got = conv2d(x, w, padding=1)
        got.backward(Tensor(np.ones(got.shape)))
        chosen = alg.choices()
        kinds = sorted({key[0] for key in chosen})
        assert kinds == ["forward", "input_grad"] or kinds == ["forward", "input_grad",
                                                               "weight_grad"]
        for key, entry in chosen.items():
            assert entry["chosen"] in entry["seconds"]
            assert sorted(entry["seconds"]) == sorted(alg.applicable(key[0], alg.window(
                *key[2:6], key[1][0][0][2:]), key[6]))
        count = len(chosen)
        conv2d(x, w, padding=1)
        assert len(alg.choices()) == count  # cached: no new measurement
    finally:
        alg.set_policy("heuristic")
    _close(got.data, want.data)
    _close(x.grad.data, want_grads[0])
    _close(w.grad.data, want_grads[1])
    assert alg.choices() == {}


def test_bad_policy_is_a_clear_error():
    with pytest.raises(tg.TinygradError, match="policy must be one of"):
        alg.set_policy("fastest")


@settings(max_examples=40, deadline=None)
@given(kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       stride=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       extra=st.tuples(st.integers(0, 4), st.integers(0, 4)), seed=st.integers(0, 2**16))
def test_scatter_of_disjoint_windows_matches_accumulation(kernel, stride, extra, seed):
    """The copy/multiply path of disjoint windows (max pooling's backward) against
    slice-adds into zeros, for covering and non-covering geometries."""
    side = tuple(k + e for k, e in zip(kernel, extra))
    win = alg.window(kernel, stride, (0, 0), (1, 1), side)
    rng = np.random.default_rng(seed)
    g = rng.standard_normal((2, 3) + win.out_size)
    index = rng.integers(0, len(win.offsets), g.shape)
    want = np.zeros((2, 3) + side)
    for k, (rows, cols) in enumerate(win.offsets):
        want[:, :, rows, cols] += g * (index == k)
    np.testing.assert_array_equal(win.scatter_at(g, index), want)
    parts = [g * (index == k) for k in range(len(win.offsets))]
    np.testing.assert_array_equal(win.scatter(parts, (2, 3), g.dtype), want)
