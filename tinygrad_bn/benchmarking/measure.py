"""Measurement: what a workload is, and how its implementations are timed side by side.

Each of `rounds` rounds runs one timed block per implementation, in an order rotated
from round to round; the reported time is the median of all per-call samples (with the
interquartile range and the fastest call). Before a block whose framework differs from
the previous block's (NumPy vs PyTorch) the suite sleeps `pause` seconds: on 2 cores the
BLAS / OpenMP worker threads of the framework that just ran keep spinning for a while and
slow the other one's block by 1.3-2x.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import tinygrad_bn as tg

DTYPE = np.float32
EPS = 1e-5
MOMENTUM = 0.1
LR = 0.01

TG, NP, TORCH = "tinygrad_bn", "numpy", "torch"
TG_COMPILED = "tinygrad_bn compiled"  # the same step under tg.compile
TG_SLICED = "tinygrad_bn compiled, sliced batches"  # ... called with views of one array
NP_SLICED = "numpy, sliced batches"  # the NumPy bound on the same views

ONE, DEFAULT = "one thread", "default threads"  # the thread settings of a run

# ---------------------------------------------------------------- measurement


@dataclass
class Impl:
    """One implementation of a workload.

    `step(state)` is timed; `prepare()` (untimed, before every call) builds its
    argument, e.g. a fresh graph whose backward alone is measured. `step`
    returns what the agreement check compares (a loss or a gradient).
    """

    name: str
    framework: str  # "numpy" or "torch": a change of framework triggers the pause
    step: Callable[[Any], Any]
    prepare: Callable[[], Any] | None = None
    compiled: Any = None  # the tg.compile'd function behind `step`, if any (its stats)

    def call(self, clock: Callable[[], float] = time.perf_counter) -> float:
        arg = self.prepare() if self.prepare is not None else None
        start = clock()
        self.step(arg)
        return clock() - start

    def block(self, calls: int, clock: Callable[[], float] = time.perf_counter) -> list[float]:
        """One timed block: `calls` timed calls, the garbage collector run before and off
        during them (as timeit does: no collector pauses inside the samples)."""
        gc.collect()
        collecting = gc.isenabled()
        gc.disable()
        try:
            return [self.call(clock) for _ in range(calls)]
        finally:
            if collecting:
                gc.enable()

    def result(self) -> np.ndarray:
        arg = self.prepare() if self.prepare is not None else None
        return _to_numpy(self.step(arg))


def torch_sgd_impl(torch: Any, params: Any, forward: Callable[[Any], Any], x: np.ndarray,
                   labels: np.ndarray) -> Impl:
    """PyTorch's side of a training-step workload: zero_grad, cross-entropy of
    forward(x), backward and one plain SGD step (lr LR) on `params`."""
    opt = torch.optim.SGD(params, lr=LR)
    xq, yq = torch.from_numpy(x), torch.from_numpy(labels)

    def step(_: None) -> Any:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(forward(xq), yq)
        loss.backward()
        opt.step()
        return loss

    return Impl(TORCH, TORCH, step)


@dataclass
class Workload:
    """A named computation and its implementations; `group` is bn, mlp, cnn or engine."""

    group: str
    name: str
    impls: list[Impl]
    ops_per_call: int = 1  # engine-overhead workloads report time per op
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class Builder:
    """A workload's name and how to build it: the suite filters by name (`--only`) before
    building anything, and lists the names when nothing matches."""

    name: str
    build: Callable[[], Workload]

    def __call__(self) -> Workload:
        workload = self.build()
        if workload.name != self.name:
            raise tg.TinygradError(f"bench: the workload built as {self.name!r} calls itself "
                                   f"{workload.name!r}")
        return workload


@dataclass
class Settings:
    """How long and how to measure; `QUICK` runs each implementation once, untimed pauses off."""

    rounds: int = 7
    block_seconds: float = 0.15  # timed time per block (calls per block are calibrated)
    max_calls: int = 200  # 1: no warm-up or calibration (the agreement check ran each once)
    pause: float = 0.2
    # "wall" (perf_counter) or "cpu" (process_time: this process's CPU time, blind to other
    # processes on a shared machine; meaningful with single-threaded BLAS, where it is the
    # work of one core)
    clock: str = "wall"
    # thread settings measured in the same rounds (interleaved): ONE, DEFAULT or both
    threads: tuple[str, ...] = (ONE, DEFAULT)


QUICK = Settings(rounds=1, block_seconds=0.0, max_calls=1, pause=0.0, threads=(ONE,))


class Threads:
    """Switches every framework between one thread and its own default: tinygrad_bn
    (tg.set_num_threads: its pool; BLAS stays at one thread per call) and PyTorch
    (torch.set_num_threads, in this process or in the PyTorch worker process). The
    defaults are read once, before any change."""

    def __init__(self, torch: Any = None, worker: Any = None) -> None:
        from tinygrad_bn import threads

        self.torch = torch
        self.worker = worker if worker is not None and worker.info is not None else None
        self.tg_default = threads.default_threads()
        self.torch_default = (torch.get_num_threads() if torch is not None else
                              self.worker.info["torch_threads"] if self.worker else None)
        self.current: str | None = None

    def apply(self, setting: str) -> None:
        if setting == self.current:
            return
        one = setting == ONE
        tg.set_num_threads(1 if one else self.tg_default)
        if self.torch is not None:
            self.torch.set_num_threads(1 if one else self.torch_default)
        if self.worker is not None:
            self.worker.set_threads(1 if one else self.torch_default)
        self.current = setting

    def describe(self) -> dict[str, Any]:
        return {"tinygrad_bn_default": self.tg_default, "torch_default": self.torch_default}


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, tg.Tensor):
        return value.data
    if hasattr(value, "detach"):  # a torch tensor
        return value.detach().numpy()
    return np.asarray(value)


class Switcher:
    """Sleeps `pause` seconds whenever the next block's framework differs from the last one's."""

    def __init__(self, pause: float) -> None:
        self.pause = pause
        self.last: str | None = None

    def enter(self, framework: str) -> None:
        if self.pause and framework != self.last:
            time.sleep(self.pause)
        self.last = framework


AGREEMENT_STEP = 3  # compare the third calls: a compiled step replays from its third call


def check_agreement(workload: Workload) -> float:
    """Largest difference between implementations' third-call results (so that training
    steps' updates are covered too, and a compiled step's replay, which starts at its
    third call), relative to the reference (the first implementation)."""
    results = []
    for impl in workload.impls:
        for _ in range(AGREEMENT_STEP - 1):
            impl.result()
        results.append(impl.result())
    ref = results[0].astype(np.float64)
    scale = max(float(np.abs(ref).max()), 1e-12)
    worst = 0.0
    for other in results[1:]:
        if other.shape != ref.shape:
            return math.inf
        worst = max(worst, float(np.abs(other.astype(np.float64) - ref).max()) / scale)
    return worst


def measure(workload: Workload, settings: Settings, switcher: Switcher,
            threads: Threads | None = None) -> dict[str, dict[str, Any]]:
    """Interleaved medians (seconds per call) of every implementation of `workload` at
    each thread setting of `settings.threads`: {setting: {impl: statistics}}. The blocks
    of all (implementation, setting) pairs are rotated together from round to round."""
    settings_ = settings.threads if threads is not None else (ONE,)
    pairs = [(impl, setting) for setting in settings_ for impl in workload.impls]
    calls = {(impl.name, setting): 1 for impl, setting in pairs}
    for impl, setting in pairs if settings.max_calls > 1 else ():
        if threads is not None:
            threads.apply(setting)
        switcher.enter(impl.framework)  # warm up (allocations, BLAS threads) and calibrate
        impl.call()
        wanted = math.ceil(settings.block_seconds / max(impl.call(), 1e-9))
        calls[(impl.name, setting)] = max(1, min(settings.max_calls, wanted))
    samples: dict[tuple[str, str], list[float]] = {key: [] for key in calls}
    rounds: dict[tuple[str, str], list[float]] = {key: [] for key in calls}
    clock = time.process_time if settings.clock == "cpu" else time.perf_counter
    k = len(pairs)
    for r in range(settings.rounds):
        for impl, setting in pairs[r % k:] + pairs[:r % k]:
            if threads is not None:
                threads.apply(setting)
            switcher.enter(impl.framework)
            if settings.pause:
                impl.call()  # wakes the BLAS threads the pause put to sleep; untimed
            block = impl.block(calls[(impl.name, setting)], clock)
            samples[(impl.name, setting)].extend(block)
            rounds[(impl.name, setting)].append(statistics.median(block))
    if threads is not None:
        threads.apply(ONE)
    per_op = workload.ops_per_call
    out: dict[str, dict[str, Any]] = {setting: {} for setting in settings_}
    for (name, setting), s in samples.items():
        out[setting][name] = {
            "median_s": statistics.median(s) / per_op,
            "min_s": min(s) / per_op,  # the fastest call: what a noisy neighbour cannot inflate
            "q1_s": float(np.percentile(s, 25)) / per_op,
            "q3_s": float(np.percentile(s, 75)) / per_op,
            "samples": len(s),
            # each round's block median: the report pairs the thread settings round by round
            "rounds_s": [t / per_op for t in rounds[(name, setting)]],
            # the report flags a row whose interquartile range is wider than its median
            "noisy": bool(np.percentile(s, 75) - np.percentile(s, 25) > statistics.median(s)),
        }
    return out
