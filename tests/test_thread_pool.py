"""The thread setting and the pool (tinygrad_bn/threads.py): set/get_num_threads, BLAS held at
one thread, blocks covering the work once, errors reaching the caller, and results with
several threads bit-identical to one thread where the work is order-independent (per-channel
batch norm) and within float rounding where not (row blocks of a product)."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import threads


@pytest.fixture
def pool(monkeypatch):
    """Three threads and a grain of one element, so that every call below is split, and
    every core counted free (the suite may run on a loaded machine), so that the workers
    really take blocks."""
    before = tg.get_num_threads()
    monkeypatch.setattr(threads, "GRAIN", 1)
    monkeypatch.setattr(threads, "GEMM_GRAIN", 1)
    monkeypatch.setattr(threads, "CONV_GRAIN", 1)
    monkeypatch.setattr(threads, "BN_GRAIN", 1)
    monkeypatch.setattr(threads._cores, "free", lambda: 3)
    # and no back-off left by an earlier test's late worker: it would make the first
    # calls here run unsplit (a blocks-of-samples batch norm as one block, no split call)
    monkeypatch.setattr(threads._pool, "skip", 0)
    tg.set_num_threads(3)
    yield
    tg.set_num_threads(before)


def test_set_get_num_threads_round_trip():
    before = tg.get_num_threads()
    try:
        tg.set_num_threads(2)
        assert tg.get_num_threads() == 2
        tg.set_num_threads(1)
        assert tg.get_num_threads() == 1
    finally:
        tg.set_num_threads(before)


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_set_num_threads_rejects_non_positive_ints(bad):
    with pytest.raises(tg.TinygradError, match="set_num_threads: n must be a positive int"):
        tg.set_num_threads(bad)


def test_blas_is_held_at_one_thread():
    pytest.importorskip("threadpoolctl")
    counts = threads.blas_threads()
    assert counts and all(n == 1 for n in counts)
    tg.set_num_threads(tg.get_num_threads())
    assert all(n == 1 for n in threads.blas_threads())


def test_blocks_cover_every_item_once(pool):
    hits = np.zeros(1000, dtype=np.int64)
    seen = []

    def block(lo, hi):
        seen.append((lo, hi))
        hits[lo:hi] += 1

    threads.parallel_for(1000, block)
    assert (hits == 1).all()
    assert len(seen) > 1  # it was split


def test_small_work_is_not_split():
    calls = []
    threads.parallel_for(10, lambda lo, hi: calls.append((lo, hi)))
    assert calls == [(0, 10)]


def test_an_error_in_a_block_reaches_the_caller(pool):
    def block(lo, hi):
        if lo > 0:
            raise ValueError("block failed")

    with pytest.raises(ValueError, match="block failed"):
        threads.parallel_for(100, block)


def test_nested_and_concurrent_use_does_not_deadlock(pool):
    out = np.zeros((4, 50))

    def inner(row):
        def block(lo, hi):
            out[row, lo:hi] += 1
        threads.parallel_for(50, block)

    def outer(lo, hi):
        for row in range(lo, hi):
            inner(row)

    callers = [threading.Thread(target=threads.parallel_for, args=(4, outer)) for _ in range(3)]
    for t in callers:
        t.start()
    for t in callers:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in callers)
    assert (out == 3).all()


def _bn_run(x, gamma, beta, up, training):
    xt = tg.Tensor(x, requires_grad=True)
    wt, bt = tg.Tensor(gamma, requires_grad=True), tg.Tensor(beta, requires_grad=True)
    rm, rv = np.linspace(-1, 1, x.shape[1]).astype(x.dtype), np.ones(x.shape[1], x.dtype)
    y = F.batch_norm(xt, rm, rv, wt, bt, training=training)
    y.backward(tg.Tensor(up))
    return [y.data, xt.grad.data, wt.grad.data, bt.grad.data, rm, rv]


@settings(max_examples=15, deadline=None)
@given(shape=st.sampled_from([(4, 7), (3, 5, 6), (2, 9, 3, 4), (5, 3, 2, 2, 2),
                              (3, 6, 11, 13), (2, 5, 300), (33, 4, 40)]),  # long rows, many samples
       dtype=st.sampled_from([np.float32, np.float64]), training=st.booleans(),
       seed=st.integers(0, 2**16))
# one channel per block and 33 samples: a channel's partial sums reduced alone must come
# out as when its block has other channels (a plain axis-0 reduction of a one-column
# block sums pairwise, of a wider block row by row)
@example(shape=(33, 4, 40), dtype=np.float32, training=True, seed=0)
def test_batch_norm_on_the_pool_is_bit_identical_to_one_thread(shape, dtype, training, seed):
    rng = np.random.default_rng(seed)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    up = rng.standard_normal(shape).astype(dtype)
    gamma = rng.uniform(0.5, 1.5, shape[1]).astype(dtype)
    beta = rng.standard_normal(shape[1]).astype(dtype)
    before, grains = tg.get_num_threads(), (threads.GRAIN, threads.BN_GRAIN)
    try:
        tg.set_num_threads(1)
        one = _bn_run(x, gamma, beta, up, training)
        tg.set_num_threads(3)
        # every (N, C, *) call split into blocks of samples (test_batch_norm_is_actually_split);
        # (N, C) inputs run whole at any thread count
        threads.GRAIN = threads.BN_GRAIN = 1
        split = _bn_run(x, gamma, beta, up, training)
    finally:
        threads.GRAIN, threads.BN_GRAIN = grains
        tg.set_num_threads(before)
    for a, b in zip(one, split):
        np.testing.assert_array_equal(a, b)


def test_batch_norm_is_actually_split(pool, monkeypatch):
    parts = []
    real = threads.split
    monkeypatch.setattr(threads, "split", lambda total, n: parts.append(n) or real(total, n))
    x = np.random.default_rng(0).standard_normal((4, 6, 5)).astype(np.float32)
    _bn_run(x, np.ones(6, np.float32), np.zeros(6, np.float32), x, True)
    assert parts and all(n > 1 for n in parts)  # forward and backward both split


@settings(max_examples=15, deadline=None)
@given(m=st.integers(1, 40), k=st.integers(1, 30), n=st.integers(1, 40),
       transposed=st.booleans(), seed=st.integers(0, 2**16))
def test_row_block_matmul_is_within_rounding(m, k, n, transposed, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((m, k)).astype(np.float32)
    if transposed:  # a non-contiguous view, as g.T in a backward
        a = np.ascontiguousarray(a.T).T
    b = rng.standard_normal((k, n)).astype(np.float32)
    before, grain = tg.get_num_threads(), threads.GEMM_GRAIN
    try:
        tg.set_num_threads(3)
        threads.GEMM_GRAIN = 1
        got = threads.matmul(a, b)
    finally:
        threads.GEMM_GRAIN = grain
        tg.set_num_threads(before)
    want = a.astype(np.float64) @ b.astype(np.float64)
    assert got.shape == want.shape and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * np.sqrt(k))


def test_recording_runs_in_the_calling_thread(pool):
    """A compiled step on the pool records the calls of one thread, and its replays give
    the same losses as the eager step on the pool."""
    x = tg.Tensor(np.random.default_rng(1).standard_normal((4, 2, 6, 6)).astype(np.float32))

    def make():
        tg.manual_seed(0)
        model = tg.nn.Sequential(tg.nn.Conv2d(2, 3, 3, padding=1), tg.nn.BatchNorm2d(3))
        opt = tg.optim.SGD(model.parameters(), lr=0.1)

        def step(x):
            opt.zero_grad()
            y = model(x)
            loss = (y * y).mean()
            loss.backward()
            opt.step()
            return loss
        return step

    compiled, eager = tg.compile(make()), make()
    got = [float(compiled(x).data) for _ in range(5)]
    want = [float(eager(x).data) for _ in range(5)]
    assert compiled.stats["replayed"] >= 2
    np.testing.assert_allclose(got, want, rtol=1e-6)


@settings(max_examples=10, deadline=None)
@given(kernel=st.integers(1, 3), stride=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_max_pool_on_the_pool_is_bit_identical_to_one_thread(kernel, stride, seed):
    """Max pooling and its backward split into blocks of samples (GRAIN of one, every core
    counted free; checked to split)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((5, 3, 7, 6)).round(1)  # rounded: ties exercise the argmax
    out_size = [(side - kernel) // stride + 1 for side in (7, 6)]
    up = rng.standard_normal((5, 3, *out_size))
    runs, parts = [], []
    before = tg.get_num_threads()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(threads, "GRAIN", 1)
        mp.setattr(threads._cores, "free", lambda: 3)
        real = threads.split
        mp.setattr(threads, "split", lambda total, n: parts.append(n) or real(total, n))
        try:
            for n in (1, 3):
                tg.set_num_threads(n)
                threads._pool.skip = 0
                xt = tg.Tensor(x, requires_grad=True)
                y = F.max_pool2d(xt, kernel, stride)
                y.backward(tg.Tensor(up))
                runs.append((y.data, xt.grad.data))
        finally:
            tg.set_num_threads(before)
    assert any(n > 1 for n in parts)
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)


def test_linear_on_the_pool_matches_one_thread(pool):
    """Affine's three products split into row blocks (pool fixture: every product split)."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((9, 7)).astype(np.float32)
    w, b = rng.standard_normal((5, 7)).astype(np.float32), rng.standard_normal(5).astype(np.float32)
    runs = []
    for n in (1, 3):
        tg.set_num_threads(n)
        xt, wt, bt = (tg.Tensor(a, requires_grad=True) for a in (x, w, b))
        y = F.linear(xt, wt, bt)
        y.backward(tg.Tensor(np.ones(y.shape, np.float32)))
        runs.append([y.data, xt.grad.data, wt.grad.data, bt.grad.data])
    for one, split in zip(*runs):
        np.testing.assert_allclose(split, one, rtol=1e-6, atol=1e-6)


def test_late_workers_make_the_pool_back_off_with_the_same_blocks(pool, monkeypatch):
    """No worker takes the job (as when none gets a core): the caller runs every block, the
    pool backs off, and the jobs run meanwhile in the caller cover the same blocks."""
    monkeypatch.setattr(threads._pool, "skip", 0)
    monkeypatch.setattr(threads._pool, "penalty", 0)
    monkeypatch.setattr(threads._pool, "ensure_workers", lambda: 0)
    seen = []
    threads.parallel_for(100, lambda lo, hi: seen.append((lo, hi)))
    assert threads._pool.skip == 4 and len(seen) > 1
    alone = []
    threads.parallel_for(100, lambda lo, hi: alone.append((lo, hi)))
    assert sorted(alone) == sorted(seen) and threads._pool.skip == 3


def test_free_cores_are_the_cores_minus_the_runnable_tasks(monkeypatch):
    cores = threads._Cores()
    if cores.fd is None:
        pytest.skip("no /proc/loadavg here")
    cores.total = 4
    monkeypatch.setattr(threads.os, "pread", lambda fd, n, at: b"0.50 0.40 0.30 3/210 4242\n")
    assert cores.free() == 1
    monkeypatch.setattr(threads.os, "pread", lambda fd, n, at: b"garbled")
    assert cores.free() == 4  # unreadable: every core counts as free (the back-off guards)


class _Counting:
    """The pool's job queue, noting every job handed to the workers."""

    def __init__(self, jobs, handed):
        self.jobs, self.handed = jobs, handed

    def put(self, job):
        self.handed.append(job)
        self.jobs.put(job)

    def get(self):
        return self.jobs.get()


def test_no_free_core_runs_every_block_in_the_caller_without_backing_off(pool, monkeypatch):
    monkeypatch.setattr(threads._cores, "free", lambda: 0)
    monkeypatch.setattr(threads._pool, "skip", 0)
    monkeypatch.setattr(threads._pool, "penalty", 0)
    handed = []
    monkeypatch.setattr(threads._pool, "jobs", _Counting(threads._pool.jobs, handed))
    seen = []
    out = threads.map_blocks(100, 4, lambda lo, hi: seen.append((threading.get_ident(), lo, hi))
                             or hi - lo)
    assert out == [25, 25, 25, 25] and handed == []
    assert [s[1:] for s in seen] == [(0, 25), (25, 50), (50, 75), (75, 100)]
    assert {s[0] for s in seen} == {threading.get_ident()}
    assert threads._pool.skip == 0 and threads._pool.penalty == 0  # not judged: nobody was late


def test_a_split_wakes_no_more_workers_than_free_cores(pool, monkeypatch):
    monkeypatch.setattr(threads._cores, "free", lambda: 1)
    monkeypatch.setattr(threads._pool, "skip", 0)
    handed = []
    monkeypatch.setattr(threads._pool, "jobs", _Counting(threads._pool.jobs, handed))
    assert threads.map_blocks(60, 6, lambda lo, hi: hi - lo) == [10] * 6
    assert len(handed) == 1  # three threads, six blocks, one free core: one worker


@pytest.mark.parametrize("shape", [(0, 3, 4), (0, 3, 2, 2), (2, 0, 5), (3, 2, 0)])
def test_batch_norm_of_empty_inputs_in_blocks_of_samples(shape):
    """Eval mode accepts an empty batch (a rank of a data-parallel job may get none): the
    sample-blocked path must not look at a first sample that is not there."""
    x = tg.Tensor(np.ones(shape, np.float32), requires_grad=True)
    c = shape[1]
    w = tg.Tensor(np.ones(c, np.float32), requires_grad=True)
    y = F.batch_norm(x, np.zeros(c, np.float32), np.ones(c, np.float32), w, training=False)
    y.backward(tg.Tensor(np.ones(shape, np.float32)))
    assert y.shape == shape and x.grad.shape == shape and w.grad.shape == (c,)
    np.testing.assert_array_equal(w.grad.data, np.zeros(c, np.float32))


@pytest.mark.parametrize("any_partition", [False, True])
def test_with_no_free_core_blocks_that_any_partition_allows_run_as_one(pool, monkeypatch,
                                                                      any_partition):
    """No free core: the caller runs the work itself, as the same blocks, or, when the
    results do not depend on the partition (`any_partition`), as one block."""
    monkeypatch.setattr(threads._cores, "free", lambda: 0)
    calls = []
    threads.map_blocks(10, 3, lambda lo, hi: calls.append((lo, hi)), any_partition)
    assert calls == ([(0, 10)] if any_partition else [(0, 3), (3, 6), (6, 10)])


def test_batch_norm_with_no_free_core_runs_unsplit_and_bit_identical(pool, monkeypatch):
    x = np.random.default_rng(2).standard_normal((9, 4, 5)).astype(np.float32)
    gamma, beta = np.ones(4, np.float32), np.zeros(4, np.float32)
    split_run = _bn_run(x, gamma, beta, x, True)
    monkeypatch.setattr(threads._cores, "free", lambda: 0)
    monkeypatch.setattr(threads, "split", lambda *_: pytest.fail("cut into blocks"))
    for a, b in zip(split_run, _bn_run(x, gamma, beta, x, True)[:4]):
        np.testing.assert_array_equal(a, b)
