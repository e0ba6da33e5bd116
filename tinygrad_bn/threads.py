"""One thread setting for tinygrad_bn: `set_num_threads(n)` / `get_num_threads()`, as PyTorch's.

n is how many threads one large op may use: the calling thread plus n - 1 workers of a small
persistent pool. NumPy releases the GIL inside ufuncs, reductions and BLAS calls, so an op
that splits its work into independent blocks (channels, rows, samples) and hands them to
the pool runs them on several cores at once.

BLAS gets one thread per call (through threadpoolctl), always: its own threads busy-wait
between calls, and on a shared machine that costs far more than it gains (measured on this
2-core machine under load: the seed-B MLP step took 21x longer with 2 OpenBLAS threads than
with 1, a 256x256 product 9x; docs/performance.md, "Threads"). The products that are large
enough to pay for threads are split into row blocks by the pool instead (`matmul`), each
block one single-threaded BLAS call. So n is the only knob, and no product ever spins up
threads of its own.

Defaults never lose to one thread:
- the default n is the number of cores this process may run on (OMP_NUM_THREADS or
  TINYGRAD_BN_NUM_THREADS, when set, win; as in PyTorch);
- work is split only when each block has at least `grain` elements (small ops stay in the
  calling thread: no hand-off at all);
- blocks are claimed dynamically and the calling thread claims them too, so when the
  workers do not get a core (a loaded machine) the caller simply does the work itself;
- a split wakes only as many workers as the machine has free cores at that moment
  (its runnable tasks, /proc/loadavg), none when every core is busy;
- when a split job finds its workers absent or later than the caller's own share, the
  pool backs off: the next 4, 8, ... 256 jobs run their blocks in the caller alone (the
  same blocks, so results do not depend on timing);
- workers sleep on a queue between jobs: nothing spins.

While tg.compile records a step the work runs in the calling thread (the recorder follows
only its own thread), so a recording is the same sequence of NumPy calls as one thread.

Results: a split never changes which values an element is computed from. Elementwise work
and per-channel statistics computed block by block are bit-identical to one thread; a
product split into row blocks may differ in the last bits where the BLAS kernel's blocking
depends on the row count (tests/test_threads_pool.py checks both).
"""

from __future__ import annotations

import itertools
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .errors import ArgumentError, TinygradError

__all__ = ["blocks", "get_num_threads", "map_blocks", "matmul", "parallel_for",
           "parallel_products", "set_num_threads", "split"]

# Elements per block below which splitting costs more than it saves. Handing a block to a
# worker is ~20-60 us, but the real cost on a shared VM is that two threads share one
# memory bus and the neighbours' load: the fused BN2d (64, 64, 16, 16) fwd+bwd (1M
# elements) took 1.42x its one-thread time split at 2^16 elements per block, 1.35x at
# 2^18, 1.02x at 2^20 (docs/performance.md, "Threads"). So only larger work is split.
GRAIN = 1 << 20
# The fused batch norm of an (N, C, *) input splits into blocks of samples, each a contiguous
# piece of memory (batch_norm's docstring in nn/normalization.py); measured separately from
# GRAIN because its blocks cost other things than channel blocks did (docs/performance.md,
# "Batch norm on two cores, stop 30").
BN_GRAIN = 1 << 18
# A product is split when each block still has this many multiply-adds (at 2^22 the
# (60, 400) x (400, 400) products of an MLP step lost 1.32x; at 2^26 only products like
# (60, 1600) x (1600, 1600) split, 0.92x).
GEMM_GRAIN = 1 << 26
# A convolution is split into blocks of samples (or grid rows, or kernel offsets) when each
# block still has this many multiply-adds. Unlike a row block of one product, a block of
# samples reads none of another block's operands again (each copies its own windows and
# runs its own per-sample GEMMs), so it pays at smaller sizes: the small CNN's second
# convolution (58M multiply-adds per map, 4 blocks) took 0.54-0.66x its one-thread time
# per map at two threads; at 2^22 the Conv1d step's 10M were cut in 2 and gained nothing
# (0.94-1.11x), at 2^24 the 58M went into 3 blocks, uneven on 2 cores (0.65-0.75x)
# (docs/performance.md, "Two cores for convolution, stop 32").
CONV_GRAIN = 1 << 23


class MissingDependency(TinygradError, ImportError):
    """threadpoolctl is not installed (it is a dependency of tinygrad_bn)."""


def default_threads() -> int:
    """The thread count a process starts with (see the module doc)."""
    for name in ("TINYGRAD_BN_NUM_THREADS", "OMP_NUM_THREADS"):
        value = os.environ.get(name, "")
        if value.strip().isdigit() and int(value) > 0:
            return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


class _Job:
    """Blocks [bounds[i], bounds[i + 1]) of one call, claimed by whoever comes first."""

    def __init__(self, fn: Callable[[int, int], Any], bounds: Sequence[int]) -> None:
        self.fn, self.bounds = fn, bounds
        self.count = len(bounds) - 1
        self.claims = itertools.count()  # next() is atomic under the GIL
        self.lock = threading.Lock()
        self.finished = 0
        self.done = threading.Event()
        self.error: BaseException | None = None
        self.results: list[Any] = [None] * self.count

    def work(self) -> int:
        """Run blocks until none is left unclaimed; returns how many this thread ran."""
        ran = 0
        while (i := next(self.claims)) < self.count:
            ran += 1
            try:
                if self.error is None:
                    self.results[i] = self.fn(self.bounds[i], self.bounds[i + 1])
            except BaseException as error:  # re-raised in the calling thread
                self.error = error
            with self.lock:
                self.finished += 1
                if self.finished == self.count:
                    self.done.set()
        return ran


class _Pool:
    """n - 1 daemon workers taking jobs from one queue; resized by set_num_threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.threads = default_threads()
        self.jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.workers: list[threading.Thread] = []
        self.skip = 0  # jobs the caller runs alone (the workers were late lately)
        self.penalty = 0

    def judge(self, late: bool) -> None:
        """After a split job: were the workers absent or later than the caller's own share?
        Then back off for a doubling number of jobs (4 .. 256): on a loaded machine a worker
        waits for a core, and the caller alone is faster. Races only blur the count."""
        if late:
            self.penalty = min(max(2 * self.penalty, 4), 256)
            self.skip = self.penalty
        else:
            self.penalty //= 2

    def _worker(self) -> None:
        while (job := self.jobs.get()) is not None:
            job.work()

    def ensure_workers(self) -> int:
        """Start the missing workers (lazily: a process that never splits has none)."""
        wanted = self.threads - 1
        if len(self.workers) < wanted:
            with self.lock:
                while len(self.workers) < wanted:
                    worker = threading.Thread(target=self._worker, daemon=True,
                                              name=f"tinygrad_bn-{len(self.workers)}")
                    worker.start()
                    self.workers.append(worker)
        return wanted

    def resize(self, n: int) -> None:
        with self.lock:
            self.threads = n
            while len(self.workers) > max(n - 1, 0):
                self.workers.pop()
                self.jobs.put(None)  # one worker (any) ends

    def after_fork(self) -> None:
        """A forked child has no worker threads: forget them (they start again on use)."""
        self.lock = threading.Lock()
        self.jobs = queue.SimpleQueue()
        self.workers = []


_pool = _Pool()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_pool.after_fork)


class _Cores:
    """How many cores nobody uses right now: the machine's cores minus its runnable tasks
    (Linux's instantaneous count, the fourth field of /proc/loadavg, which includes the
    thread asking). A worker woken when no core is free waits for one, and the caller waits
    for the worker's block: on this 2-core machine with one busy process beside the suite,
    such splits made the (60, 1600) x (1600, 1600) products of an MLP step slower than one
    thread (docs/performance.md, "Default threads, fourth pass (stop 29)"). Where the
    count cannot be read (not Linux), every core counts as free and the back-off of
    _Pool.judge is the only guard. One read is ~10 us: asked only before a split, i.e.
    for work of two grains or more."""

    def __init__(self) -> None:
        self.total = os.cpu_count() or 1
        try:
            self.fd: int | None = os.open("/proc/loadavg", os.O_RDONLY)
        except OSError:
            self.fd = None

    def free(self) -> int:
        if self.fd is None:
            return self.total
        try:
            fields = os.pread(self.fd, 128, 0).split()
            return self.total - int(fields[3].split(b"/")[0])
        except (OSError, IndexError, ValueError):
            return self.total


_cores = _Cores()


# ---------------------------------------------------------------- BLAS


class _Blas:
    """The BLAS libraries NumPy loaded, through threadpoolctl, held at one thread."""

    def __init__(self) -> None:
        self.controller: Any = None
        self.error: str | None = None

    def pin(self) -> None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            self.error = ("threadpoolctl is not installed: tinygrad_bn cannot hold BLAS at "
                          "one thread per call (pip install threadpoolctl, a dependency of "
                          "tinygrad_bn)")
            return
        self.controller = ThreadpoolController().select(user_api="blas")
        self.controller.limit(limits=1)

    def threads(self) -> list[int]:
        if self.controller is None:
            return []
        return [lib.get_num_threads() for lib in self.controller.lib_controllers]


_blas = _Blas()
_blas.pin()


# ---------------------------------------------------------------- the public setting


def set_num_threads(n: int) -> None:
    """Use n threads for one large op (the caller and n - 1 pool workers); BLAS stays at one
    thread per call. As torch.set_num_threads: process-wide."""
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ArgumentError(f"set_num_threads: n must be a positive int, got {n!r}")
    if _blas.error is not None:
        raise MissingDependency(f"set_num_threads: {_blas.error}")
    _blas.controller.limit(limits=1)  # again: a library loaded since import is held too
    _pool.resize(int(n))


def get_num_threads() -> int:
    """The number of threads one large op may use (see set_num_threads)."""
    return _pool.threads


def blas_threads() -> list[int]:
    """Threads of each loaded BLAS library (for tests and the benchmark report)."""
    return _blas.threads()


# ---------------------------------------------------------------- splitting work


def recording() -> bool:
    """Whether tg.compile records in this thread (looked up, not imported: the compiler
    sits above every layer that splits work, and without it nothing records)."""
    trace = sys.modules.get("tinygrad_bn.compiler.trace")
    return trace is not None and trace.current() is not None


def split(total: int, parts: int) -> list[int]:
    """Bounds of `parts` nearly equal blocks of range(total)."""
    return [total * i // parts for i in range(parts + 1)]


def blocks(total: int, per_item: int = 1, grain: int | None = None) -> int:
    """How many blocks `total` items of `per_item` elements each should be cut into: 1
    below two grains of work, else up to 2 blocks per thread (so a late worker's share is
    small), never more than items."""
    threads = _pool.threads
    grain = GRAIN if grain is None else grain
    if threads == 1 or total < 2 or total * per_item < 2 * grain:
        return 1
    return max(1, min(total, 2 * threads, (total * per_item) // grain))


def map_blocks(total: int, parts: int, fn: Callable[[int, int], Any],
               any_partition: bool = False) -> list[Any]:
    """[fn(start, stop) for each of `parts` blocks covering range(total)], the blocks run on
    the pool; one block, fn(0, total) in the caller, when parts is 1 or tg.compile records.
    fn must only write what its own block owns.

    Only as many workers are woken as there are free cores (see _Cores); with none free,
    or while the pool backs off (see _Pool.judge), the caller runs the same blocks itself,
    one after another: the partition, hence every result, never depends on timing. With
    `any_partition` (fn's caller combines the blocks so that nothing depends on how
    range(total) is cut, as the fused batch norm's blocks of samples do), the caller then
    runs fn(0, total) instead: the blocks' own calls would only add overhead (a batch
    norm of 1M elements cut into 4 blocks took 1.09x its unsplit time run this way)."""
    if parts == 1 or recording():
        return [fn(0, total)]
    alone = _pool.skip > 0
    if alone:
        _pool.skip -= 1
    free = 0 if alone else _cores.free()
    if free < 1:  # backing off, or every core is busy: a woken worker would only wait
        if any_partition:
            return [fn(0, total)]
        return [fn(start, stop) for start, stop in itertools.pairwise(split(total, parts))]
    bounds = split(total, parts)
    job = _Job(fn, bounds)
    for _ in range(min(_pool.ensure_workers(), parts - 1, free)):
        _pool.jobs.put(job)
    start = time.perf_counter()
    mine = job.work()
    own = time.perf_counter() - start
    job.done.wait()
    _pool.judge(mine == parts or time.perf_counter() - start - own > own)
    if job.error is not None:
        raise job.error
    return job.results


def parallel_for(total: int, fn: Callable[[int, int], Any], per_item: int = 1,
                 grain: int | None = None) -> None:
    """fn(start, stop) over blocks covering range(total), as many as `blocks` says."""
    map_blocks(total, blocks(total, per_item, grain), fn)


def parallel_products(total: int, fn: Callable[[int, int], Any], macs_per_item: int) -> None:
    """parallel_for for convolutions' products (GEMMs per sample, per grid row or per kernel
    offset): work counted in multiply-adds and split at CONV_GRAIN."""
    parallel_for(total, fn, macs_per_item, CONV_GRAIN)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for 2-D a (M, K) and b (K, N), split on the pool when it has at least two
    grains of multiply-adds: into row blocks of a when M >= N, else into column blocks of
    b (so that no block streams the whole of the larger operand again: row blocks of a
    (60, 1600) x (1600, 1600) product would read b four times and lose to one thread).
    Each block is one single-threaded BLAS call."""
    # one test for every product below two grains (a.size * N multiply-adds), so that a
    # product that stays whole costs the same few instructions at any thread setting
    if _pool.threads == 1 or a.ndim != 2 or b.ndim != 2 or a.size * b.shape[1] < 2 * GEMM_GRAIN:
        return np.matmul(a, b)
    (rows, k), cols = a.shape, b.shape[1]
    by_rows = rows >= cols
    parts = blocks(rows if by_rows else cols, k * (cols if by_rows else rows), GEMM_GRAIN)
    if parts == 1 or recording():
        return np.matmul(a, b)
    out = np.empty((rows, cols), dtype=np.result_type(a, b))

    def block(start: int, stop: int) -> None:
        if by_rows:
            np.matmul(a[start:stop], b, out=out[start:stop])
        else:
            out[:, start:stop] = np.matmul(a, b[:, start:stop])

    map_blocks(rows if by_rows else cols, parts, block)
    return out
