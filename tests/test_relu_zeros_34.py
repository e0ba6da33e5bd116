"""ReLU's forward against a shared array of zeros (tinygrad_bn/ops/filled.py): NumPy's
maximum takes its vectorized loop on two arrays and a per-element loop on a scalar, and
the two must give the same bits (NaN payloads, signed zeros, infinities, subnormals) and
the same layout as np.maximum(x, 0) did; the zeros are never writable; a compiled step
that replays the new forward leaves the same parameters as eager."""

import hashlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn
from tinygrad_bn.ops import filled

SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, -np.nan, 1e-45, -1e-45, 5e-324, -5e-324,
           1e-310, 3.0, -3.0, 65504.0, -65504.0, 6e-8]
DTYPES = [np.float16, np.float32, np.float64]


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).view(np.uint8).tobytes()


@st.composite
def _arrays(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=9))
    values = st.one_of(st.sampled_from(SPECIAL),
                       st.floats(allow_nan=True, allow_infinity=True, width=16))
    x = draw(hnp.arrays(np.float64, shape, elements=values)).astype(dtype)
    if draw(st.booleans()):  # NaNs with other payloads, as a computation leaves them
        raw = x.view(np.dtype(f"u{x.itemsize}"))
        nan_bits = draw(st.integers(1, 2 ** (3 if dtype == np.float16 else 20)))
        raw[np.isnan(x)] |= np.array(nan_bits, raw.dtype)
    return x


@given(_arrays())
def test_forward_bits_equal_maximum_with_a_scalar(x):
    out = tg.Tensor(x).relu()._data
    expected = np.maximum(x, 0)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    assert out.strides == expected.strides
    assert _bits(out) == _bits(expected)


@given(_arrays())
def test_forward_of_a_transposed_input_keeps_its_layout(x):
    t = x.T  # not C-contiguous (for 2 and 3 axes): the scalar form, as before
    out = tg.Tensor(t).relu()._data
    expected = np.maximum(t, 0)
    assert out.strides == expected.strides and _bits(out) == _bits(expected)


@pytest.mark.parametrize("dtype", DTYPES + [np.int32, np.int64])
def test_zeros_are_read_only_zeros_of_the_shape_and_dtype(dtype):
    like = np.ones((3, 5), dtype)
    z = filled.zeros_as(like)
    assert z.shape == like.shape and z.dtype == like.dtype and z.flags.c_contiguous
    assert not z.flags.writeable and not np.any(z) and not np.signbit(z).any()
    assert filled.zeros_as(np.empty((3, 5), dtype)) is z  # kept per (shape, dtype)
    with pytest.raises(ValueError):
        z[0, 0] = 1


def test_growing_the_buffer_keeps_earlier_views_zero():
    small = filled.zeros_as(np.empty(4, np.float32))
    big = filled.zeros_as(np.empty(1 << 21, np.float64))
    assert not np.any(small) and not np.any(big) and not big.flags.writeable
    assert filled.zeros_as(np.empty(4, np.float32)) is not None


def test_integer_relu_unchanged():
    x = np.array([-3, 0, 5], np.int64)
    out = tg.Tensor(x).relu()._data
    assert out.dtype == np.int64 and out.tolist() == [0, 0, 5]


def _digest(model, opt_steps):
    h = hashlib.sha256()
    for p in model.parameters():
        h.update(_bits(p._data))
        h.update(_bits(p.grad._data))
    h.update(b"".join(_bits(np.asarray(v)) for v in opt_steps))
    return h.hexdigest()


def _train(compiled: bool) -> str:
    tg.manual_seed(3)
    model = nn.Sequential(nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(),
                          nn.Linear(16, 4))
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    data = rng.standard_normal((4 * 8, 12)).astype(np.float32)
    data[0, :3] = -0.0
    labels = rng.integers(0, 4, 4 * 8)

    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss

    run = tg.compile(step) if compiled else step
    losses = [run(tg.Tensor(data[i % 4 * 8:(i % 4 + 1) * 8]), labels[i % 4 * 8:(i % 4 + 1) * 8])
              ._data for i in range(7)]
    if compiled:
        assert run.stats["replayed"] >= 4, run.stats
    return _digest(model, losses)


def test_compiled_steps_leave_eager_bits():
    assert _train(True) == _train(False)
