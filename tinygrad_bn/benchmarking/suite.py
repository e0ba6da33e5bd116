"""Running the suite: `run` (the JSON-able report) and `main` (`tinygrad-bn bench`)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from types import ModuleType
from typing import Any

from tinygrad_bn.errors import TinygradError

from .cases import workloads
from .measure import (
    DEFAULT,
    ONE,
    QUICK,
    TORCH,
    Builder,
    Settings,
    Switcher,
    Threads,
    check_agreement,
    measure,
)
from .memory import bn_memory
from .report import evaluate_targets, format_report, machine_info
from .torch_worker import TorchWorker


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


class BackgroundLoad:
    """`n` busy processes (a Python loop each) for the duration of a `with` block: the
    machine as a user's shared one, where BLAS threads that spin lose most."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.procs: list[subprocess.Popen] = []

    def __enter__(self) -> BackgroundLoad:
        self.procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
                      for _ in range(self.n)]
        return self

    def __exit__(self, *exc: Any) -> None:
        for proc in self.procs:  # only the processes this object started, by their pid
            proc.kill()
            proc.wait()


class Progress:
    """One line per measured workload: done / total, elapsed and the estimated time left
    (the mean time per workload so far times the workloads left)."""

    def __init__(self, total: int, log: Callable[[str], None] | None) -> None:
        self.total, self.log, self.done = total, log, 0
        self.start = time.perf_counter()

    def step(self, text: str) -> None:
        self.done += 1
        if self.log is None:
            return
        elapsed = time.perf_counter() - self.start
        left = elapsed / self.done * (self.total - self.done)
        self.log(f"[{self.done}/{self.total}] {text} (elapsed {elapsed:.0f} s, about "
                 f"{left:.0f} s left)")


def _phase(selected: list[Builder], settings: Settings, threads: Threads,
           progress: Progress, worker: TorchWorker | None = None) -> dict[str, Any]:
    """Measure every selected workload at each thread setting: the report's `results`, with
    `times` at one thread and `times_default` at the default thread count. With a `worker`,
    each workload's PyTorch implementations run there (measured in the same rounds)."""
    switcher = Switcher(settings.pause)
    results: dict[str, Any] = {}
    for build in selected:
        workload = build()
        if worker is not None:
            workload.impls += worker.impls(workload.name)
        threads.apply(ONE)
        diff = check_agreement(workload)
        by_setting = measure(workload, settings, switcher, threads)
        if worker is not None:
            worker.ask("drop", workload.name)  # its arrays are not needed any more
        entry = {"group": workload.group, "times": by_setting.get(ONE, {}),
                 "max_rel_diff": diff, **workload.info}
        if DEFAULT in by_setting:
            entry["times_default"] = by_setting[DEFAULT]
        compiled = {impl.name: dict(impl.compiled.stats) for impl in workload.impls
                    if impl.compiled is not None}
        if compiled:  # how many calls replayed (a signature that fell back would say eager)
            entry["compiled"] = compiled
        results[workload.name] = entry
        summary = "; ".join(
            f"{setting}: " + ", ".join(f"{k} {v['median_s'] * 1e3:.4g} ms"
                                       for k, v in times.items())
            for setting, times in by_setting.items())
        progress.step(f"{workload.name}: {summary}")
    return results


TORCH_PLACES = ("process", "inline")  # where PyTorch's implementations run (--torch)


def run(quick: bool = False, only: str | None = None, use_torch: bool = True,
        settings: Settings | None = None, log: Callable[[str], None] | None = None,
        background: int = 1, torch_place: str = "process") -> dict[str, Any]:
    """Run the suite; returns the JSON-able report (results, memory, targets, machine).

    Every workload is measured at one thread and at the default thread count in the same
    interleaved rounds (`settings.threads`), then, when `background` > 0, all of them again
    while that many busy processes run (`results_loaded`). PyTorch's implementations run in
    a worker process of their own (`torch_place` "process", torch_worker.py) or, "inline",
    in this process as before stop 29."""
    if torch_place not in TORCH_PLACES:
        raise TinygradError(f"bench: torch_place must be one of {TORCH_PLACES}, got "
                            f"{torch_place!r}")
    with ExitStack() as stack:
        worker = None
        if use_torch and torch_place == "process" and importlib.util.find_spec("torch"):
            worker = stack.enter_context(TorchWorker())
            if worker.info is None:  # torch is there but does not import
                worker = None
        torch = import_torch(use_torch and torch_place == "inline")
        return _run(quick, only, settings, log, background, torch, worker)


def _run(quick: bool, only: str | None, settings: Settings | None,
         log: Callable[[str], None] | None, background: int, torch: ModuleType | None,
         worker: TorchWorker | None) -> dict[str, Any]:
    load_before = list(os.getloadavg())
    settings = settings or (QUICK if quick else Settings())
    selected = select(workloads(torch), only)
    threads = Threads(torch, worker)
    phases = 1 + (background > 0)
    progress = Progress(len(selected) * phases, log)
    results = _phase(selected, settings, threads, progress, worker)
    loaded = None
    if background > 0:
        with BackgroundLoad(background):
            loaded = _phase(selected, settings, threads, progress, worker)
    memory = bn_memory((64, 64, 16, 16), torch)
    machine = machine_info(torch)
    if worker is not None:
        torch_memory = worker.ask("memory", (64, 64, 16, 16))
        if torch_memory is not None:
            memory[TORCH] = torch_memory
        machine.update(worker.info, torch_process="worker")
    smoke = settings.max_calls == 1  # each implementation ran once: decides no target
    report = {
        "smoke": smoke, "settings": vars(settings), "machine": machine,
        "threads": threads.describe(), "results": results, "memory": memory,
        "load_average": {"before": load_before, "after": list(os.getloadavg())},
    }
    if loaded is not None:
        report["results_loaded"] = loaded
        report["background_processes"] = background
    report["targets"] = evaluate_targets(results, memory, smoke=smoke, loaded=loaded)
    return report


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
    parser.add_argument("--torch", choices=TORCH_PLACES, default="process",
                        help="run PyTorch's implementations in a worker process (default; "
                             "what a user's tinygrad_bn process looks like) or inline, in "
                             "the suite's own process")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 7)")
    parser.add_argument("--threads", choices=("both", "one", "default"), default="both",
                        help="thread settings measured, interleaved (default: both)")
    parser.add_argument("--background", type=int, default=None,
                        help="busy background processes for the second pass (default 1; "
                             "0: no second pass; --quick: 0)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="wall time (default) or this process's CPU time (for a shared "
                             "machine; use with OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1)")
    args = parser.parse_args(argv)
    chosen = {"both": (ONE, DEFAULT), "one": (ONE,), "default": (DEFAULT,)}[args.threads]
    settings = Settings(**{**vars(QUICK if args.quick else Settings()), "clock": args.clock,
                           **({} if args.quick else {"threads": chosen})})
    background = args.background if args.background is not None else (0 if args.quick else 1)
    if background < 0:
        parser.error(f"--background must be at least 0, got {background}")
    if args.rounds is not None:
        if args.rounds < 1:
            parser.error(f"--rounds must be at least 1, got {args.rounds}")
        settings = Settings(**{**vars(settings), "rounds": args.rounds})
    try:
        report = run(quick=args.quick, only=args.only, use_torch=not args.no_torch,
                     settings=settings, log=lambda s: print(s, file=sys.stderr, flush=True),
                     background=background, torch_place=args.torch)
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
