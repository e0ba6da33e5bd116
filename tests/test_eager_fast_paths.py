"""The eager step's fast paths give the bits of the general paths they shortcut
(docs/performance.md, "The eager step, third pass"): the fused batch norm's single-block
path against the blocked one, ReLU's one-comparison mask against not (z <= 0), the 0-d
factors of dtypes.factor against Python floats, and cross_entropy's label checks from the
labels' extremes against the full checks. Bit-identical means equal bytes, -0.0 included;
the batch norm's blocks may turn a NaN's sign (a block's reductions meet +inf and -inf in
another order, as before the single-block path existed), so there NaNs only have to sit at
the same places."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import threads
from tinygrad_bn.dtypes import factor

SPECIALS = [np.inf, -np.inf, np.nan, 0.0, -0.0, 3e38, -3e38]


def _sprinkle(rng: np.random.Generator, a: np.ndarray) -> np.ndarray:
    """A copy of `a` with a few of its values replaced by infinities, NaN, signed zeros or
    values whose squares overflow float32."""
    a = a.copy()
    flat = a.reshape(-1)
    picked = rng.choice(flat.size, max(1, flat.size // 10), replace=False)
    with np.errstate(over="ignore"):
        flat[picked] = rng.choice(SPECIALS, picked.size).astype(a.dtype)
    return a


def _bn_bytes(x, up, weight, bias, training):
    xt = tg.Tensor(x, requires_grad=True)
    params = [None if p is None else tg.Tensor(p, requires_grad=True) for p in (weight, bias)]
    rm, rv = np.linspace(-1, 1, x.shape[1]).astype(x.dtype), np.ones(x.shape[1], x.dtype)
    with np.errstate(all="ignore"):
        y = F.batch_norm(xt, rm, rv, *params, training=training)
        y.backward(tg.Tensor(up))
    arrays = [y.data, xt.grad.data, rm, rv] + [p.grad.data for p in params if p is not None]
    return [(a.dtype.str, a.shape, np.where(np.isnan(a), np.nan, a).tobytes()) for a in arrays]


@settings(max_examples=25, deadline=None)
@given(shape=st.sampled_from([(60, 100), (4, 7), (2, 3), (3, 5, 6), (2, 9, 3, 4),
                              (33, 4, 40)]),
       dtype=st.sampled_from([np.float32, np.float64]), training=st.booleans(),
       affine=st.sampled_from(["both", "weight", "bias", "none"]), special=st.booleans(),
       seed=st.integers(0, 2**16))
def test_batch_norm_single_block_path_is_bit_identical_to_the_blocked_path(
        shape, dtype, training, affine, special, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    up = rng.standard_normal(shape).astype(dtype)
    if special:
        x, up = _sprinkle(rng, x), _sprinkle(rng, up)
    c = shape[1]
    weight = rng.uniform(-1.5, 1.5, c).astype(dtype) if affine in ("both", "weight") else None
    bias = rng.standard_normal(c).astype(dtype) if affine in ("both", "bias") else None
    before, grains = tg.get_num_threads(), (threads.GRAIN, threads.BN_GRAIN)
    try:
        tg.set_num_threads(1)  # one block: the direct path
        single = _bn_bytes(x, up, weight, bias, training)
        tg.set_num_threads(3)
        # every (N, C, *) call split into blocks of samples; (N, C) runs whole at any count
        threads.GRAIN = threads.BN_GRAIN = 1
        blocked = _bn_bytes(x, up, weight, bias, training)
    finally:
        threads.GRAIN, threads.BN_GRAIN = grains
        tg.set_num_threads(before)
    assert single == blocked


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_relu_mask_is_not_z_le_0_at_every_special_value(dtype):
    rng = np.random.default_rng(0)
    x = np.array(SPECIALS[:5] + [1e-30, -1e-30, 2.0, -2.0], dtype)
    g = _sprinkle(rng, rng.standard_normal(x.size).astype(dtype))
    xt = tg.Tensor(x, requires_grad=True)
    with np.errstate(all="ignore"):
        xt.relu().backward(tg.Tensor(g))
        expected = g * ~(np.maximum(x, 0) <= 0)  # the documented rule, as written before
    assert xt.grad.data.tobytes() == expected.tobytes()


@settings(max_examples=25, deadline=None)
@given(value=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-10**6, 10**6),
       dtype=st.sampled_from([np.float16, np.float32, np.float64]))
def test_factor_gives_the_bits_of_a_python_number(value, dtype):
    a = np.array([1.0, -3.5, 0.0, -0.0, np.inf, 7e-3], dtype)
    with np.errstate(all="ignore"):
        assert (a * factor(value, a.dtype)).tobytes() == (a * value).tobytes()
        assert (a + factor(value, a.dtype)).tobytes() == (a + value).tobytes()
        assert factor(value, a.dtype).tobytes() == factor(value, a.dtype).tobytes()
    assert not factor(value, a.dtype).flags.writeable or not value


def test_factor_of_zero_keeps_its_sign():
    assert np.signbit(factor(-0.0, np.float32)) and not np.signbit(factor(0.0, np.float32))


@pytest.mark.parametrize("target, ignore_index, expect", [
    ([0, 2, 1], -100, "fused"),
    ([0, 2, 1], 1, "composite"),  # the ignored class is present: not the fused op
    ([0, 2, 2], 1, "fused"),  # between the extremes but absent
    ([0, 2, 1], 5, "fused"),
    ([0, 2, 1], True, "composite"),  # True == 1, as NumPy compares it
    ([0, 2, 1], 1.0, "composite"),  # not an int: the full check
    ([0, 3, 1], -100, "out of range"),
    ([0, -1, 1], -100, "out of range"),
    ([0, 3, 1], 3, "composite"),  # the out-of-range label is the ignored one
    ([], -100, "fused"),
])
def test_cross_entropy_label_checks_from_the_extremes(target, ignore_index, expect):
    logits = tg.Tensor(np.random.default_rng(0).standard_normal((len(target), 3)),
                       requires_grad=True)
    labels = np.array(target, np.int64)
    if expect == "out of range":
        with pytest.raises(tg.IndexOutOfRange, match="target class -?[0-9]+ is out of range "
                                                     "for 3 classes"):
            F.cross_entropy(logits, labels, ignore_index=ignore_index)
        return
    loss = F.cross_entropy(logits, labels, ignore_index=ignore_index)
    assert (loss._ctx.name == "CrossEntropy") == (expect == "fused")
