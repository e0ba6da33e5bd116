"""What the per-thread modes cost on the op hot path, in instructions (callgrind).

`Function.apply` reads this thread's mode once per op (tinygrad_bn/modes.py); before,
it read two module globals. Each workload runs under `valgrind --tool=callgrind` twice,
with N and 3N repetitions, and the instructions per repetition are
(I(3N) - I(N)) / 2N: import and setup cancel out. Workloads:

- `mul`: `x * y` on (4,) float32 tensors, x requiring grad (one recorded op);
- `mul_no_grad`: the same inside one `no_grad` block;
- `step`: forward and backward of a tiny MLP (Linear-ReLU-Linear, 8 wide, batch 4,
  about 10 ops), so the engine enters `set_grad_enabled` once per repetition too.

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
else:
    model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    batch = Tensor(np.ones((4, 8), np.float32))
    for _ in range(n):
        model(batch).sum().backward()
'''

WORKLOADS = ("mul", "mul_no_grad", "step")


def instructions(source: pathlib.Path, name: str, n: int) -> int:
    """Instructions callgrind counts for one run of the workload with n repetitions."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        env = dict(os.environ, PYTHONPATH=str(source), OPENBLAS_NUM_THREADS="1",
                   PYTHONHASHSEED="0")  # the same dict and set layouts in every run
        result = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             sys.executable, "-c", WORKLOAD, name, str(n)],
            env=env, capture_output=True, text=True, check=True)
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"working tree": ROOT}
        if args.revs:
            trees = {rev: extract(rev, os.path.join(tmp, str(i)))
                     for i, rev in enumerate(args.revs)}
        compare = len(trees) > 1
        print(f"{'workload':<12}" + "".join(f"{label[:14]:>16}" for label in trees) +
              ("      change" if compare else ""))
        for name in WORKLOADS:
            counts = [per_repetition(source, name, args.n) for source in trees.values()]
            row = f"{name:<12}" + "".join(f"{c:>16,.0f}" for c in counts)
            if compare:
                row += f"  {counts[-1] - counts[0]:>+10,.0f}"
            print(row, flush=True)
    print("(instructions per repetition, (I(3n) - I(n)) / 2n with n =", args.n, ")")


if __name__ == "__main__":
    main()
