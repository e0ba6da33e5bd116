"""Running the suite: `run` (the JSON-able report) and `main` (`tinygrad-bn bench`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any

from tinygrad_bn.errors import TinygradError

from .cases import workloads
from .measure import QUICK, Builder, Settings, Switcher, check_agreement, measure
from .memory import bn_memory
from .report import evaluate_targets, format_report, machine_info


def import_torch(enabled: bool) -> ModuleType | None:
    if not enabled:
        return None
    try:
        import torch
    except ImportError:
        return None
    return torch


class NoSuchWorkload(TinygradError, ValueError):
    """`--only TEXT` matched no workload name; the message lists them all."""


def select(builders: list[Builder], only: str | None) -> list[Builder]:
    """The workloads whose name contains `only` (case-insensitive; all of them for None)."""
    if not only:
        return builders
    chosen = [b for b in builders if only.lower() in b.name.lower()]
    if not chosen:
        names = "\n  ".join(b.name for b in builders)
        raise NoSuchWorkload(f"bench: no workload name contains {only!r}; the workloads "
                             f"are:\n  {names}")
    return chosen


def run(quick: bool = False, only: str | None = None, use_torch: bool = True,
        settings: Settings | None = None, log: Callable[[str], None] | None = None
        ) -> dict[str, Any]:
    """Run the suite; returns the JSON-able report (results, memory, targets, machine)."""
    torch = import_torch(use_torch)
    load_before = list(os.getloadavg())
    settings = settings or (QUICK if quick else Settings())
    selected = select(workloads(torch), only)
    switcher = Switcher(settings.pause)
    results: dict[str, Any] = {}
    for build in selected:
        workload = build()
        diff = check_agreement(workload)
        times = measure(workload, settings, switcher)
        results[workload.name] = {"group": workload.group, "times": times,
                                  "max_rel_diff": diff, **workload.info}
        compiled = {impl.name: dict(impl.compiled.stats) for impl in workload.impls
                    if impl.compiled is not None}
        if compiled:  # how many calls replayed (a signature that fell back would say eager)
            results[workload.name]["compiled"] = compiled
        if log is not None:
            summary = ", ".join(f"{k} {v['median_s'] * 1e3:.4g} ms" for k, v in times.items())
            log(f"{workload.name}: {summary}")
    memory = bn_memory((64, 64, 16, 16), torch)
    smoke = settings.max_calls == 1  # each implementation ran once: decides no target
    return {
        "smoke": smoke, "settings": vars(settings), "machine": machine_info(torch),
        "results": results, "memory": memory,
        "targets": evaluate_targets(results, memory, smoke=smoke),
        "load_average": {"before": load_before, "after": list(os.getloadavg())},
    }


def main(argv: list[str] | None = None) -> int:
    """`tinygrad-bn bench [--quick] [--out FILE.json] [--only TEXT] [--no-torch] [--rounds N]
    [--clock wall|cpu]`; prints the Markdown report, returns the exit status."""
    parser = argparse.ArgumentParser(prog="tinygrad-bn bench",
                                     description="The benchmark suite of tinygrad_bn.")
    parser.add_argument("--quick", action="store_true",
                        help="run every workload once, no pauses (a smoke test, not a measurement)")
    parser.add_argument("--out", help="write the full report as JSON to this file")
    parser.add_argument("--only", help="run only workloads whose name contains this text")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 7)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time (default) or this process's CPU time (for a shared "
                             "machine; use with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1)")
    args = parser.parse_args(argv)
    settings = Settings(**{**vars(QUICK if args.quick else Settings()), "clock": args.clock})
    if args.rounds is not None:
        if args.rounds < 1:
            parser.error(f"--rounds must be at least 1, got {args.rounds}")
        settings = Settings(**{**vars(settings), "rounds": args.rounds})
    try:
        report = run(quick=args.quick, only=args.only, use_torch=not args.no_torch,
                     settings=settings, log=lambda s: print(s, file=sys.stderr, flush=True))
    except NoSuchWorkload as error:
        print(error, file=sys.stderr)
        return 1
    report["command"] = " ".join(["tinygrad-bn bench", *(argv if argv is not None
                                                          else sys.argv[1:])])
    print(format_report(report))
    if args.out:
        with open(args.out, "w") as f:
            json.dump(report, f, indent=1)
    return 0
