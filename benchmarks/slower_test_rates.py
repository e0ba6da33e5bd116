"""Error rates of the bench's "slower at default threads" test (tinygrad_bn/benchmarking/
report.py: `slower_rows`), simulated: how often a run in which nothing is slower flags a row
(the family-wise error, wanted <= 0.05), and how often a real slowdown of one row is found.

Each simulated run has the families of a full `tinygrad-bn bench` report (26 tinygrad_bn rows
that may depend on the thread setting, 37 control rows); every block time is exp(sigma * e),
e standard normal or Student's t with 3 degrees of freedom (scaled to unit variance: the
heavy tail of a shared machine), the default-threads blocks of one row `--slowdown` times
slower in the second set of runs.

Usage: python benchmarks/slower_test_rates.py [--runs 400] [--rounds 5 7 10]
       [--sigma 0.01 0.02 0.05 0.1] [--slowdown 1.1] [--seed 0]
"""

from __future__ import annotations

import argparse

import numpy as np

from tinygrad_bn.benchmarking.report import slower_rows

TESTED, CONTROLS = 26, 37


def simulated(rng: np.random.Generator, rounds: int, sigma: float, tail: str,
              slowdown: float) -> dict:
    def blocks(rows: int) -> np.ndarray:
        e = rng.standard_normal((rows, rounds)) if tail == "normal" else \
            rng.standard_t(3, (rows, rounds)) / np.sqrt(3)
        return np.exp(sigma * e)

    results = {}
    for family, rows, impl in (("t", TESTED, "tinygrad_bn"), ("c", CONTROLS, "numpy")):
        one, default = blocks(rows), blocks(rows)
        if family == "t":
            default[0] *= slowdown
        for i in range(rows):
            results[f"{family}{i}"] = {
                "group": "sim", "times": {impl: {"median_s": 1.0, "rounds_s": list(one[i])}},
                "times_default": {impl: {"median_s": 1.0, "rounds_s": list(default[i])}}}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--rounds", type=int, nargs="+", default=[5, 7, 10])
    parser.add_argument("--sigma", type=float, nargs="+", default=[0.01, 0.02, 0.05, 0.1])
    parser.add_argument("--slowdown", type=float, default=1.1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    print(f"{args.runs} simulated runs per cell; {TESTED} tested rows, {CONTROLS} controls\n")
    print(f"| noise | rounds | scatter per block | runs flagging any row (no effect) | runs "
          f"flagging a control | {args.slowdown:g}x on one row found |")
    print("|---|---|---|---|---|---|")
    for tail in ("normal", "t3"):
        for rounds in args.rounds:
            for sigma in args.sigma:
                null = [slower_rows(simulated(rng, rounds, sigma, tail, 1.0))
                        for _ in range(args.runs)]
                real = [slower_rows(simulated(rng, rounds, sigma, tail, args.slowdown))
                        for _ in range(args.runs)]
                false = np.mean([bool(f["slower"]) for f in null])
                control = np.mean([bool(f["controls_slower"]) for f in null])
                found = np.mean(["t0: tinygrad_bn" in f["slower"] for f in real])
                print(f"| {tail} | {rounds} | {sigma:.0%} | {false:.3f} | {control:.3f} | "
                      f"{found:.2f} |")


if __name__ == "__main__":
    main()
