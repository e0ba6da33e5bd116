"""The fused batch norm of an (N, C, *) input in blocks of samples (nn/normalization.py):
every cut of the batch gives the bits of one block, a training fwd+bwd hands work to the
pool four times (two in the forward, two in the backward), and the statistics, taken about
the first sample's mean in one pass, stay accurate when that sample is far from the rest
(docs/batchnorm.md, section 5). Speed itself is measured in benchmarks/."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import threads
from tinygrad_bn.nn import normalization


@contextlib.contextmanager
def _on_pool(parts):
    """Three threads, every core counted free, no back-off and every pass cut into `parts`
    blocks of samples: the cut is really handed out."""
    before = tg.get_num_threads()
    with pytest.MonkeyPatch.context() as m:
        m.setattr(threads._cores, "free", lambda: 3)
        m.setattr(threads._pool, "skip", 0)
        m.setattr(normalization, "blocks", lambda *_: parts)
        tg.set_num_threads(3)
        try:
            yield m
        finally:
            tg.set_num_threads(before)


def _run(x, up, training, weight=True):
    c = x.shape[1]
    xt = tg.Tensor(x, requires_grad=True)
    w = tg.Tensor(np.linspace(0.5, 1.5, c).astype(x.dtype), requires_grad=True) if weight \
        else None
    b = tg.Tensor(np.linspace(-1, 1, c).astype(x.dtype), requires_grad=True)
    rm, rv = np.linspace(-1, 1, c).astype(x.dtype), np.linspace(1, 2, c).astype(x.dtype)
    y = F.batch_norm(xt, rm, rv, w, b, training=training)
    y.backward(tg.Tensor(up))
    grads = [xt.grad.data, b.grad.data] + ([w.grad.data] if weight else [])
    return [y.data, rm, rv] + grads


@settings(max_examples=20, deadline=None)
@given(shape=st.sampled_from([(2, 3, 5), (5, 3, 7), (7, 2, 3, 4), (9, 4, 2, 2, 2)]),
       dtype=st.sampled_from([np.float32, np.float64]), training=st.booleans(),
       weight=st.booleans(), loc=st.sampled_from([0.0, 1e3]), seed=st.integers(0, 2**16))
def test_every_cut_of_the_batch_gives_the_bits_of_one_block(shape, dtype, training, weight,
                                                            loc, seed):
    """Cut into 1, 2, ..., N blocks of samples, run on the pool: the same bits each time."""
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 2 + loc).astype(dtype)
    x[0] += 5  # the first sample, the statistics' reference, away from the others
    up = rng.standard_normal(shape).astype(dtype)
    results = []
    for parts in range(1, shape[0] + 1):
        with _on_pool(parts):
            results.append(_run(x, up, training, weight))
    for cut in results[1:]:
        for a, b in zip(results[0], cut):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("training, expected", [(True, 4), (False, 2)])
def test_a_fwd_bwd_hands_work_to_the_pool_four_times_in_training(training, expected):
    """Training: every sum of the forward in one hand-off, then the normalization; the
    backward's two sums in one, then dx. Eval (dx needs no sum): the normalization, then
    the backward's sums and dx in one."""
    handed = []
    real = normalization.map_blocks

    def counting(total, parts, fn, any_partition=False):
        handed.append(parts)
        return real(total, parts, fn, any_partition)

    x = np.random.default_rng(1).standard_normal((6, 4, 5)).astype(np.float32)
    with _on_pool(3) as m:
        m.setattr(normalization, "map_blocks", counting)
        _run(x, x, training)
    assert handed == [3] * expected


@pytest.mark.parametrize("shift", [8.0, 64.0])
@pytest.mark.parametrize("loc", [0.0, 1e4])
def test_statistics_stay_accurate_when_the_first_sample_is_far_from_the_rest(shift, loc):
    """The cancellation in var = mean(y^2) - offset^2 is by 1 + offset^2 / var <= 1 + N
    (here 65): float32 stays within 1e-4 of float64 (one pass about zero, E[x^2] - E[x]^2,
    is off by orders of magnitude at loc 1e4)."""
    rng = np.random.default_rng(7)
    shape = (64, 3, 6, 6)
    x = rng.standard_normal(shape) + loc
    x[0] += shift
    x32 = x.astype(np.float32)
    up = rng.standard_normal(shape).astype(np.float32)
    got = _run(x32, up, True)
    truth = _run(x32.astype(np.float64), up.astype(np.float64), True)
    for a, b in zip(got, truth):
        assert a.dtype == np.float32
        assert np.abs(a - b).max() <= 1e-4 * np.abs(b).max()
