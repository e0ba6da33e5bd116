"""Each convolution algorithm of tinygrad_bn/nn/conv_algorithms.py, timed per shape.

For every shape, every applicable algorithm of each map (forward, input_grad, weight_grad)
is timed on the same float32 arrays in interleaved rounds (order rotated per round), as CPU
time of this process at one thread (the machine is shared: CPU time is blind to the other
processes, and at one thread it is the work done), and optionally as wall time at the
default thread count (`--threads N`). Reported: the median per call in ms, and the fastest
algorithm per map, which is what the "benchmark" policy would choose on this machine.

Usage: python benchmarks/bench_conv_algorithms.py [--rounds 7] [--threads N] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import numpy as np

import tinygrad_bn as tg
from tinygrad_bn.nn import conv_algorithms as alg

# (name, x shape, out channels, kernel, stride, padding)
SHAPES = [
    ("small CNN conv1", (64, 1, 28, 28), 16, 3, 1, 1),
    ("small CNN conv2", (64, 16, 14, 14), 32, 3, 1, 1),
    ("ResNet-ish 3x3", (32, 64, 16, 16), 64, 3, 1, 1),
    ("wide 3x3", (16, 128, 8, 8), 128, 3, 1, 1),
    ("5x5 valid", (32, 8, 24, 24), 16, 5, 1, 0),
    ("1x1", (32, 64, 16, 16), 128, 1, 1, 0),
    ("3x3 stride 2", (32, 32, 16, 16), 64, 3, 2, 1),
]


def _timed(fn, clock) -> float:
    start = clock()
    fn()
    return clock() - start


def measure_shape(x_shape, out_channels, k, stride, padding, rounds, clock):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal((out_channels, x_shape[1], k, k), dtype=np.float32)
    win = alg.window((k, k), (stride,) * 2, (padding,) * 2, (1, 1), x_shape[2:])
    g = rng.standard_normal((x_shape[0], out_channels) + win.out_size, dtype=np.float32)
    calls = {}
    for name in alg.applicable("forward", win, 1):
        calls[("forward", name)] = lambda f=alg.FORWARD[name]: f(x, w, win, 1, None)
    for name in alg.applicable("input_grad", win, 1):
        calls[("input_grad", name)] = lambda f=alg.INPUT_GRAD[name]: f(g, w, win, 1)
    for name in alg.applicable("weight_grad", win, 1):
        calls[("weight_grad", name)] = lambda f=alg.WEIGHT_GRAD[name]: f(x, g, win, 1)
    samples = {key: [] for key in calls}
    keys = list(calls)
    for fn in calls.values():
        fn()  # warm-up
    for r in range(rounds):
        for key in keys[r % len(keys):] + keys[:r % len(keys)]:
            samples[key] += [_timed(calls[key], clock) for _ in range(3)]
    return {f"{kind} {name}": statistics.median(s) for (kind, name), s in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads (tg.set_num_threads); 1: CPU time, else wall time")
    parser.add_argument("--out", help="write the medians as JSON")
    args = parser.parse_args()
    tg.set_num_threads(args.threads)
    clock = time.process_time if args.threads == 1 else time.perf_counter
    report = {}
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    print(f"threads {args.threads}, {'CPU' if args.threads == 1 else 'wall'} time, medians "
          f"in ms; load average before: {load}")
    print("| shape | map | " + "algorithm: ms | " * 5 + "fastest | heuristic |")
    print("|---|---|---|---|---|---|---|---|---|")
    for label, x_shape, o, k, s, p in SHAPES:
        times = measure_shape(x_shape, o, k, s, p, args.rounds, clock)
        report[label] = times
        win = alg.window((k, k), (s, s), (p, p), (1, 1), x_shape[2:])
        x = np.empty(x_shape, np.float32)
        for kind in ("forward", "input_grad", "weight_grad"):
            mine = {n.split(" ", 1)[1]: t for n, t in times.items() if n.startswith(kind)}
            cells = [f"{n}: {t * 1e3:.2f}" for n, t in mine.items()]
            cells += [""] * (5 - len(cells))
            chosen = alg.heuristic(kind, win, 1, (x,))
            print(f"| {label} {x_shape}x{o} k{k} s{s} p{p} | {kind} | " + " | ".join(cells)
                  + f" | {min(mine, key=mine.get)} | {chosen} |", flush=True)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"threads": args.threads, "medians_s": report}, f, indent=1)


if __name__ == "__main__":
    main()
