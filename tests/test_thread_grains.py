"""What the pool splits at its real grains (tinygrad_bn/threads.py): work below two grains
takes the one-thread path at any thread setting, so that the default threads never cost a
small workload more than one thread does (issue 25's target; docs/performance.md,
"Default threads, fourth pass (stop 29)"). Speed itself is measured in benchmarks/."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import threads


@pytest.fixture
def two_threads():
    before = tg.get_num_threads()
    tg.set_num_threads(2)
    yield
    tg.set_num_threads(before)


def _fail(*_):
    raise AssertionError("called for a product below two grains")


def test_a_small_product_at_two_threads_skips_the_split_bookkeeping(two_threads, monkeypatch):
    """A (100, 784) x (784, 100) product of an MLP step: np.matmul straight away, without
    the grain arithmetic and the recording lookup a product that may split needs."""
    monkeypatch.setattr(threads, "blocks", _fail)
    monkeypatch.setattr(threads, "recording", _fail)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((100, 784)).astype(np.float32)
    b = rng.standard_normal((784, 100)).astype(np.float32)
    np.testing.assert_array_equal(threads.matmul(a, b), a @ b)


def test_a_large_product_at_two_threads_still_splits(two_threads, monkeypatch):
    parts = []
    real = threads.split
    monkeypatch.setattr(threads, "split", lambda total, n: parts.append(n) or real(total, n))
    monkeypatch.setattr(threads, "GEMM_GRAIN", 1 << 10)  # a product of 40 * 30 * 40 > 2 grains
    rng = np.random.default_rng(1)
    a = rng.standard_normal((40, 30)).astype(np.float32)
    b = rng.standard_normal((30, 40)).astype(np.float32)
    np.testing.assert_allclose(threads.matmul(a, b), a @ b, rtol=1e-5, atol=1e-5)
    assert parts and parts[0] > 1


def _conv1d_step_splits(monkeypatch) -> list[int]:
    """The block counts of every split in the suite's Conv1d step shape (batch 32, 16 x 128,
    16 filters of 5): forward and backward."""
    parts: list[int] = []
    real = threads.split
    monkeypatch.setattr(threads, "split", lambda total, n: parts.append(n) or real(total, n))
    rng = np.random.default_rng(2)
    x = tg.Tensor(rng.standard_normal((32, 16, 128)).astype(np.float32), requires_grad=True)
    w = tg.Tensor(rng.standard_normal((16, 16, 5)).astype(np.float32), requires_grad=True)
    F.conv1d(x, w, padding=2).sum().backward()
    return parts


def test_a_small_convolution_is_not_split_at_two_threads(two_threads, monkeypatch):
    """Its maps (10M multiply-adds each) are below two convolution grains: at the
    elementwise grain they were cut into 4 blocks, and the Conv1d step ran 10% slower at
    two threads than at one; cut into 2 (CONV_GRAIN 2^22) it gained nothing either."""
    monkeypatch.setattr(threads._cores, "free", lambda: 1)
    assert _conv1d_step_splits(monkeypatch) == []


def test_the_small_cnns_second_convolution_splits_in_four(two_threads, monkeypatch):
    """At the real grains and a free core: the small CNN's conv2 maps (58M multiply-adds
    each) go into 4 blocks of samples, an even share for two threads; conv1 (7M) stays
    whole."""
    parts: list[int] = []
    real = threads.split
    monkeypatch.setattr(threads, "split", lambda total, n: parts.append(n) or real(total, n))
    monkeypatch.setattr(threads._cores, "free", lambda: 1)
    monkeypatch.setattr(threads._pool, "skip", 0)
    rng = np.random.default_rng(3)
    for shape, filters, want in (((64, 1, 28, 28), 16, []), ((64, 16, 14, 14), 32, [4, 4, 4])):
        parts.clear()
        x = tg.Tensor(rng.standard_normal(shape).astype(np.float32), requires_grad=shape[1] > 1)
        w = tg.Tensor(rng.standard_normal((filters, shape[1], 3, 3)).astype(np.float32),
                      requires_grad=True)
        F.conv2d(x, w, padding=1).sum().backward()
        assert parts == want


def test_convolution_products_split_at_the_convolution_grain(two_threads, monkeypatch):
    monkeypatch.setattr(threads, "CONV_GRAIN", 1 << 16)  # the same work, a smaller grain
    assert any(n > 1 for n in _conv1d_step_splits(monkeypatch))


def test_batch_norm_of_an_n_c_input_is_never_split(two_threads, monkeypatch):
    """A BatchNorm1d input (N, C) runs whole at any thread count and grain: its column sums
    are BLAS products with a ones vector, whose rounding may depend on where a column sits
    in a block, so blocks would not be bit-identical to one thread."""
    from tinygrad_bn.nn import normalization

    def split(*_):
        raise AssertionError("an (N, C) batch norm asked for blocks")

    monkeypatch.setattr(threads, "GRAIN", 1)
    monkeypatch.setattr(threads, "BN_GRAIN", 1)
    monkeypatch.setattr(normalization, "blocks", split)
    monkeypatch.setattr(normalization, "map_blocks", split)
    rng = np.random.default_rng(0)
    x = tg.Tensor(rng.standard_normal((64, 32)).astype(np.float32), requires_grad=True)
    w = tg.Tensor(np.ones(32, np.float32), requires_grad=True)
    F.batch_norm(x, None, None, w, training=True).backward(tg.Tensor(np.ones((64, 32), np.float32)))
    assert x.grad.shape == (64, 32) and w.grad.shape == (32,)
