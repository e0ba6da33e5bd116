"""Instructions per op (callgrind) of the ops a small-CNN user runs, before and after.

Each workload runs under `valgrind --tool=callgrind` with n and 3n repetitions, at one
thread; (I(3n) - I(n)) / 2n instructions per repetition (import and setup cancel out), for
each git revision given (its tinygrad_bn/ extracted with `git archive`), side by side.
Instruction counts hardly move with machine load, unlike times; they miss memory stalls
and page faults, which the timed benchmarks see. Workloads (float32):

- `conv1 fwd+bwd`: conv2d (64, 1, 28, 28) x 16 3x3 pad 1, forward and dW, db;
- `conv2 fwd+bwd`: conv2d (64, 16, 14, 14) x 32 3x3 pad 1, forward and dx, dW, db;
- `bn2d fwd+bwd`: fused batch_norm (64, 64, 16, 16), training, forward and backward;
- `maxpool fwd+bwd`: max_pool2d 2 on (64, 16, 28, 28), forward and backward;
- `cnn step`: the suite's small-CNN SGD step (64, 1, 28, 28);

and the pieces of the eager seed-B step (784-100-100-100-10, batch 60), where the fixed
cost per call is what counts:

- `linear fwd+bwd`: nn.Linear(100, 100) on (60, 100) input requiring grad, backward;
- `relu fwd+bwd`: nn.ReLU on (60, 100), backward;
- `bn1d fwd+bwd`: nn.BatchNorm1d(100), training, on (60, 100), backward;
- `cross_entropy fwd+bwd`: F.cross_entropy of (60, 10) logits, backward;
- `sgd step`: SGD(lr=0.01).step() over the seed-B MLP's 8 parameters;
- `seed-B step`, `seed-B +BN step`: the suite's eager step (zero_grad, forward,
  cross-entropy, backward, step; benchmarking/cases.py), without and with BatchNorm1d
  after each hidden Linear;
- each of these with ` (numpy)`: the same work as the NumPy bound does it
  (benchmarking/bound.py; the suite's `numpy` step), the floor of the instructions the
  eager engine's bookkeeping comes on top of.

- `seed-A step`, `seed-B width 100 batch 16 step`, `conv1d step`: the suite's eager
  steps of those names (the rows a thread setting must not slow down; `--threads 1 2`
  counts each at both settings).

Usage: python benchmarks/bench_ops_callgrind.py [REV ...] [-n 3] [--only NAME ...]
       [--threads N ...]
"""

from __future__ import annotations

import argparse
import os
import tempfile

from bench_modes import ROOT, extract, instructions

WORKLOAD = r'''
import gc, sys
import numpy as np
import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
name, n = sys.argv[1], int(sys.argv[2])
if hasattr(tg, "set_num_threads"):
    tg.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
gc.disable()
rng = np.random.default_rng(0)
def arr(*shape):
    return rng.standard_normal(shape).astype(np.float32)
if name.startswith("conv"):
    xs, o = ((64, 1, 28, 28), 16) if name.startswith("conv1") else ((64, 16, 14, 14), 32)
    x = Tensor(arr(*xs), requires_grad=xs[1] > 1)
    w, b = Tensor(arr(o, xs[1], 3, 3), requires_grad=True), Tensor(arr(o), requires_grad=True)
    up = Tensor(arr(xs[0], o, *xs[2:]))
    def run():
        F.conv2d(x, w, b, padding=1).backward(up)
elif name.startswith("bn2d"):
    x = Tensor(arr(64, 64, 16, 16), requires_grad=True)
    w = Tensor(np.ones(64, np.float32), requires_grad=True)
    b = Tensor(np.zeros(64, np.float32), requires_grad=True)
    up = Tensor(arr(64, 64, 16, 16))
    def run():
        F.batch_norm(x, None, None, w, b, training=True).backward(up)
elif name.startswith("maxpool"):
    x = Tensor(arr(64, 16, 28, 28), requires_grad=True)
    up = Tensor(arr(64, 16, 14, 14))
    def run():
        F.max_pool2d(x, 2).backward(up)
elif name.endswith("fwd+bwd (numpy)"):  # the pieces as the NumPy bound computes them
    from tinygrad_bn.benchmarking import bound
    x, w, b, up = arr(60, 100), arr(100, 100), arr(100), arr(60, 100)
    logits, labels = arr(60, 10), rng.integers(0, 10, 60)
    stats = (np.zeros(100, np.float32), np.ones(100, np.float32))
    gamma, beta = np.ones(100, np.float32), np.zeros(100, np.float32)
    def linear():
        y = x @ w.T + b
        return up @ w, up.T @ x, up.sum(axis=0)
    def relu():
        a = bound.activation(x, "relu")
        return bound.activation_backward(up, a, "relu")
    def bn1d():
        y, cache = bound.bn_forward(x, gamma, beta, *stats)
        return bound.bn_backward(up, cache)
    run = {"linear": linear, "relu": relu, "bn1d": bn1d,
           "cross_entropy": lambda: bound.cross_entropy(logits, labels)}[name.split()[0]]
elif name.endswith("fwd+bwd"):  # the seed-B pieces
    labels = rng.integers(0, 10, 60)
    layer = {"linear": lambda: nn.Linear(100, 100), "relu": nn.ReLU,
             "bn1d": lambda: nn.BatchNorm1d(100),
             "cross_entropy": lambda: lambda z: F.cross_entropy(z, labels)}[
        name.split()[0]]()
    x = Tensor(arr(60, 10 if name.startswith("cross") else 100), requires_grad=True)
    up = None if name.startswith("cross") else Tensor(arr(60, 100))
    params = [x] + (list(layer.parameters()) if isinstance(layer, nn.Module) else [])
    def run():
        for p in params:  # as zero_grad in a step: each backward makes fresh gradients
            p.grad = None
        layer(x).backward(up)
elif name.startswith("sgd"):
    layers = []
    for a, b in ((784, 100), (100, 100), (100, 100)):
        layers += [nn.Linear(a, b), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(100, 10))
    opt = tg.optim.SGD(model.parameters(), lr=0.01)
    x, y = Tensor(rng.random((60, 784), dtype=np.float32)), rng.integers(0, 10, 60)
    F.cross_entropy(model(x), y).backward()
    if name.endswith("(numpy)"):
        from tinygrad_bn.benchmarking import bound
        pairs = [(p.data, p.grad.data) for p in model.parameters()]
        def run():
            for p, g in pairs:
                p -= bound.LR_FACTOR * g
    else:
        run = opt.step
elif name.startswith(("seed-", "conv1d")):  # the suite's own steps (benchmarking/cases.py)
    from tinygrad_bn import benchmarking
    workload = {"seed-A step": "seed-A MLP 784-100x5-10 relu (batch 100)",
                "seed-B width 100 batch 16 step": "seed-B MLP relu width 100 (batch 16)",
                "conv1d step": "Conv1d step (batch 32, 16x128, k 5)"}.get(
        name.removesuffix(" (numpy)"),
        f"seed-B MLP relu{' +BN' if 'BN' in name else ''} (batch 60)")
    impl = "numpy" if name.endswith("(numpy)") else "tinygrad_bn"
    built = next(b for b in benchmarking.workloads(None) if b.name == workload)()
    step = next(i for i in built.impls if i.name == impl)
    run = step.call
else:
    model = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32),
                          nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    opt = tg.optim.SGD(model.parameters(), lr=0.01)
    x, y = Tensor(rng.random((64, 1, 28, 28), dtype=np.float32)), rng.integers(0, 10, 64)
    def run():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
run()
for _ in range(n):
    run()
'''

SEED_B = ("linear fwd+bwd", "relu fwd+bwd", "bn1d fwd+bwd", "cross_entropy fwd+bwd",
          "sgd step", "seed-B step", "seed-B +BN step", "seed-A step",
          "seed-B width 100 batch 16 step", "conv1d step")
WORKLOADS = ("conv1 fwd+bwd", "conv2 fwd+bwd", "bn2d fwd+bwd", "maxpool fwd+bwd", "cnn step",
             *SEED_B, *(f"{name} (numpy)" for name in SEED_B))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="*", help="git revisions (default: the working tree)")
    parser.add_argument("-n", type=int, default=3, help="repetitions of the short run")
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, default=WORKLOADS,
                        help="the workloads to run (default: all)")
    parser.add_argument("--threads", nargs="+", type=int, default=[1],
                        help="tg.set_num_threads settings, each a column (default: 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"working tree": ROOT}
        if args.revs:
            trees = {rev: extract(rev, os.path.join(tmp, str(i)))
                     for i, rev in enumerate(args.revs)}
        columns = [(label + (f", {t} thread{'s' * (t > 1)}" if args.threads != [1] else ""),
                    source, t) for label, source in trees.items() for t in args.threads]
        print("| workload | " + " | ".join(c[0] for c in columns)
              + (" | change |" if len(columns) > 1 else " |"))
        print("|---|" + "---|" * (len(columns) + (len(columns) > 1)))
        for name in args.only:
            counts = [(instructions(source, name, 3 * args.n, WORKLOAD, t)
                       - instructions(source, name, args.n, WORKLOAD, t)) / (2 * args.n)
                      for _, source, t in columns]
            row = f"| {name} | " + " | ".join(f"{c / 1e6:,.3f} M" for c in counts)
            if len(columns) > 1:
                row += f" | {counts[-1] / counts[0] - 1:+.1%}"
            print(row + " |", flush=True)
    print(f"(instructions per repetition, (I(3n) - I(n)) / 2n with n = {args.n})")


if __name__ == "__main__":
    main()
