"""What the engine costs per op, in instructions (callgrind): the per-thread modes on the
op hot path, a recorded op, a backward node, a training step.

`Function.apply` reads this thread's mode once per op (tinygrad_bn/modes.py); before,
it read two module globals. Each workload runs under `valgrind --tool=callgrind` twice,
with N and 3N repetitions, and the instructions per repetition are
(I(3N) - I(N)) / 2N: import and setup cancel out. Workloads:

- `mul`: `x * y` on (4,) float32 tensors, x requiring grad (one recorded op);
- `mul_no_grad`: the same inside one `no_grad` block;
- `module_call`: `relu(x)` with `relu = nn.ReLU()`, a module call around one op (what module
  hooks and the lab's Monitor may cost when none is installed);
- `step`: forward and backward of a tiny MLP (Linear-ReLU-Linear, 8 wide, batch 4,
  about 10 ops), so the engine enters `set_grad_enabled` once per repetition too;
- `chain`: 20 recorded ops on a (4,) tensor (alternating * and +) and the backward through
  them: divided by 20, the cost of one recorded op plus one backward node;
- `seed_b`: one SGD step of the 784-100-100-100-10 ReLU MLP at batch 60 (with batch norm
  after each hidden Linear), the training step of docs/performance.md.

Usage: python benchmarks/bench_modes.py [REV ...] [-n 300]
Each REV is measured as of that git revision (its tinygrad_bn/ extracted with
`git archive` into a temporary directory), side by side in the same run; with no
REV, the working tree. The last column is the change from the first REV to the last.
Instruction counts hardly move with machine load (unlike times), which is why this
benchmark counts them.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent

WORKLOAD = r'''
import gc
import sys
import numpy as np
import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn
name, n = sys.argv[1], int(sys.argv[2])
gc.disable()  # collections at count-dependent moments would not cancel out
x = Tensor(np.ones(4, np.float32), requires_grad=True)
y = Tensor(np.ones(4, np.float32))
if name == "mul":
    for _ in range(n):
        x * y
elif name == "mul_no_grad":
    with tg.no_grad():
        for _ in range(n):
            x * y
elif name == "module_call":
    relu = nn.ReLU()
    for _ in range(n):
        relu(x)
elif name == "step":
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    batch = Tensor(np.ones((4, 8), np.float32))
    for _ in range(n):
        model(batch).sum().backward()
elif name == "chain":
    for _ in range(n):
        z = x
        for _ in range(10):
            z = z * y + y
        z.sum().backward()
else:
    tg.manual_seed(0)
    layers = []
    for a, b in ((784, 100), (100, 100), (100, 100)):
        layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
    model = nn.Sequential(*layers, nn.Linear(100, 10))
    opt = tg.optim.SGD(model.parameters(), lr=0.01)
    rng = np.random.default_rng(0)
    images = Tensor(rng.random((60, 784), dtype=np.float32))
    labels = rng.integers(0, 10, 60)
    for _ in range(n):
        loss = nn.functional.cross_entropy(model(images), labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
'''

WORKLOADS = ("mul", "mul_no_grad", "module_call", "step", "chain", "seed_b")


def instructions(source: pathlib.Path, name: str, n: int, code: str = WORKLOAD,
                 threads: int = 1) -> int:
    """Instructions callgrind counts for one run of the workload with n repetitions
    (`code`: the script, given the name, n and the thread setting as arguments)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        env = dict(os.environ, PYTHONPATH=str(source), OPENBLAS_NUM_THREADS="1",
                   PYTHONHASHSEED="0")  # the same dict and set layouts in every run
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             sys.executable, "-c", code, name, str(n), str(threads)],
            env=env, capture_output=True, text=True, check=True,
            cwd=str(source))  # `python -c` puts the cwd first on sys.path: the tree measured
        match = re.search(r"Collected\s*:\s*(\d+)", result.stderr)
        if match is None:
            raise RuntimeError(f"no instruction count in valgrind's output:\n{result.stderr}")
        return int(match.group(1))


def per_repetition(source: pathlib.Path, name: str, n: int) -> float:
    return (instructions(source, name, 3 * n) - instructions(source, name, n)) / (2 * n)


def extract(rev: str, into: str) -> pathlib.Path:
    os.makedirs(into)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "tinygrad_bn"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", into], input=archive, check=True)
    return pathlib.Path(into)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("revs", nargs="*", help="git revisions to measure (default: the "
                        "working tree)")
    parser.add_argument("-n", type=int, default=300, help="repetitions of the short run")
    parser.add_argument("--only", nargs="+", choices=WORKLOADS, default=WORKLOADS,
                        help="the workloads to run (default: all)")
    parser.add_argument("--seed-b-n", type=int, default=5,
                        help="repetitions of the short run of seed_b (a step is ~50 ms)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"working tree": ROOT}
        if args.revs:
            trees = {rev: extract(rev, os.path.join(tmp, str(i)))
                     for i, rev in enumerate(args.revs)}
        compare = len(trees) > 1
        print(f"{'workload':<12}" + "".join(f"{label[:14]:>16}" for label in trees) +
              ("      change" if compare else ""))
        for name in args.only:
            n = args.seed_b_n if name == "seed_b" else args.n
            counts = [per_repetition(source, name, n) for source in trees.values()]
            row = f"{name:<12}" + "".join(f"{c:>16,.0f}" for c in counts)
            if compare:
                row += f"  {counts[-1] - counts[0]:>+10,.0f} ({counts[-1] / counts[0] - 1:+.2%})"
            print(row, flush=True)
    print("(instructions per repetition, (I(3n) - I(n)) / 2n with n =", args.n, ")")


if __name__ == "__main__":
    main()
