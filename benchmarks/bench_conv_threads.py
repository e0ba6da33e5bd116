"""Where convolution and max pooling should be split for the thread pool: the suite's
training steps (the small CNN, the Conv1d step) and their convolution maps alone, at
`threads:conv:grain` configurations (conv, grain: log2 of threads.CONV_GRAIN and of
threads.GRAIN, the elementwise grain max pooling splits at; 0 keeps the module's value).

Configurations run in interleaved rounds (the order rotated each round), each round a
batch of calls timed as wall time and as this process's CPU time (all its threads). The
machine is shared: with the free-core count (threads._cores) a split only happens when a
core is free, so every row also says in how many rounds the machine had no other runnable
task at the start and the end of the batch ("quiet"), and the median over those. `--free`
counts every core free, so splits happen whatever the load: the cost of the split itself.
On a machine whose load does not drop, `chrt -f 10 python benchmarks/bench_conv_threads.py
... --free` preempts the neighbours while it runs, the nearest to an idle machine there is
(a one-thread row still shares the memory bus with what runs on the other core; a
two-thread row has both cores).

Usage: python benchmarks/bench_conv_threads.py [steps] [maps]
       [--configs 1:0:0 2:0:0 2:26:0] [--rounds 12] [--calls 5] [--free]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import tinygrad_bn as tg
from tinygrad_bn import threads
from tinygrad_bn.benchmarking.cases import CNN_NAME, _cnn_workload
from tinygrad_bn.benchmarking.sequence_cases import CONV1D_NAME, conv1d_workload
from tinygrad_bn.nn import conv_algorithms as alg


def runnable() -> int:
    """Runnable tasks on the machine now (this process's running thread included)."""
    with open("/proc/loadavg") as f:
        return int(f.read().split()[3].split("/")[0])


def load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:4])


def configure(cfg: tuple[int, int, int], defaults: tuple[int, int]) -> None:
    tg.set_num_threads(cfg[0])
    threads.CONV_GRAIN = defaults[0] if cfg[1] == 0 else 1 << cfg[1]
    threads.GRAIN = defaults[1] if cfg[2] == 0 else 1 << cfg[2]
    threads._pool.skip = threads._pool.penalty = 0


def table(title: str, fn: Callable[[], Any], configs: list[tuple[int, int, int]],
          rounds: int, calls: int) -> None:
    defaults = threads.CONV_GRAIN, threads.GRAIN
    wall: dict[tuple, list[float]] = {c: [] for c in configs}
    cpu: dict[tuple, list[float]] = {c: [] for c in configs}
    quiet: dict[tuple, list[float]] = {c: [] for c in configs}
    for cfg in configs:  # warm-up: allocations, workers started
        configure(cfg, defaults)
        fn()
    before = load()
    try:
        for r in range(rounds):
            for cfg in configs[r % len(configs):] + configs[:r % len(configs)]:
                configure(cfg, defaults)
                fn()
                busy = runnable()
                start, start_cpu = time.perf_counter(), time.process_time()
                for _ in range(calls):
                    fn()
                seconds = (time.perf_counter() - start) / calls
                busy = max(busy, runnable())
                wall[cfg].append(seconds)
                cpu[cfg].append((time.process_time() - start_cpu) / calls)
                if busy <= 1:
                    quiet[cfg].append(seconds)
    finally:
        configure((tg.get_num_threads(), 0, 0), defaults)
    base = statistics.median(wall[configs[0]])
    print(f"\n{title}: {rounds} rounds of {calls} calls, load {before} -> {load()}\n\n"
          "| threads | CONV_GRAIN | GRAIN | wall median | / first row | CPU median | "
          "quiet rounds | quiet median |\n|---|---|---|---|---|---|---|---|")
    for cfg in configs:
        conv = defaults[0] if cfg[1] == 0 else 1 << cfg[1]
        pool = defaults[1] if cfg[2] == 0 else 1 << cfg[2]
        m = statistics.median(wall[cfg])
        q = f"{statistics.median(quiet[cfg]) * 1e3:.2f} ms" if quiet[cfg] else "-"
        print(f"| {cfg[0]} | 2^{conv.bit_length() - 1} | 2^{pool.bit_length() - 1} | "
              f"{m * 1e3:.2f} ms | {m / base:.2f} | {statistics.median(cpu[cfg]) * 1e3:.2f} ms | "
              f"{len(quiet[cfg])} | {q} |")


def _tg_step(workload: Any) -> Callable[[], Any]:
    impl = next(i for i in workload.impls if i.name == "tinygrad_bn")
    return lambda: impl.step(None)


def maps() -> dict[str, Callable[[], Any]]:
    """The small CNN's convolution maps and max pooling, float32, heuristic algorithms."""
    rng = np.random.default_rng(0)
    x1 = rng.standard_normal((64, 1, 28, 28), dtype=np.float32)
    w1 = rng.standard_normal((16, 1, 3, 3), dtype=np.float32)
    g1 = rng.standard_normal((64, 16, 28, 28), dtype=np.float32)
    x2 = rng.standard_normal((64, 16, 14, 14), dtype=np.float32)
    w2 = rng.standard_normal((32, 16, 3, 3), dtype=np.float32)
    g2 = rng.standard_normal((64, 32, 14, 14), dtype=np.float32)
    win1 = alg.window((3, 3), (1, 1), (1, 1), (1, 1), (28, 28))
    win2 = alg.window((3, 3), (1, 1), (1, 1), (1, 1), (14, 14))
    cols1 = alg.run_forward(x1, w1, win1, 1, None)[1]
    cols2 = alg.run_forward(x2, w2, win2, 1, None)[1]
    pooled = tg.Tensor(g1, requires_grad=True)
    up = tg.Tensor(rng.standard_normal((64, 16, 14, 14), dtype=np.float32))

    def pool() -> None:
        pooled.grad = None
        tg.nn.functional.max_pool2d(pooled, 2).backward(up)

    return {
        "conv1 forward (64, 1, 28, 28) -> 16": lambda: alg.run_forward(x1, w1, win1, 1, None),
        "conv1 weight grad": lambda: alg.run_weight_grad(x1, g1, win1, 1, cols1),
        "conv2 forward (64, 16, 14, 14) -> 32": lambda: alg.run_forward(x2, w2, win2, 1, None),
        "conv2 input grad": lambda: alg.run_input_grad(g2, w2, win2, 1),
        "conv2 weight grad": lambda: alg.run_weight_grad(x2, g2, win2, 1, cols2),
        "max_pool2d 2 fwd+bwd (64, 16, 28, 28)": pool,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("parts", nargs="*", default=["steps"])
    parser.add_argument("--configs", nargs="+", default=["1:0:0", "2:0:0", "2:26:0"])
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--calls", type=int, default=5)
    parser.add_argument("--free", action="store_true",
                        help="count every core free: each split is handed out, whatever the "
                             "load (the split's own cost)")
    args = parser.parse_args()
    configs = [tuple(int(v) for v in c.split(":")) for c in args.configs]
    if args.free:
        threads._cores.free = lambda: threads.get_num_threads() - 1
    if "steps" in args.parts:
        table(CNN_NAME, _tg_step(_cnn_workload(None)), configs, args.rounds, args.calls)
        table(CONV1D_NAME, _tg_step(conv1d_workload(None)), configs, args.rounds, args.calls)
    if "maps" in args.parts:
        for title, fn in maps().items():
            table(title, fn, configs, args.rounds, args.calls)


if __name__ == "__main__":
    main()
