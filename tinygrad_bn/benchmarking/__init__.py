"""The benchmark suite behind `tinygrad-bn bench` (also `python benchmarks/run.py`).

Every workload is measured in one run for up to three implementations of the
same float32 computation: tinygrad_bn, a hand-written NumPy version (no
framework at all: the bound a NumPy-based framework can approach), and
PyTorch CPU eager when `torch` is importable. Before the timings, each
workload checks that its implementations compute the same numbers (two steps
from identical state).

The package: `measure` (workloads, implementations, interleaved timing),
`bound` (the hand-written NumPy versions), `cases` (the workloads: what is measured),
`memory` (bytes a BN graph keeps for backward), `report` (targets and
tables), `suite` (`run` and the command line `main`), `torch_worker` (PyTorch's
implementations in a worker process of their own).
"""

from .cases import CNN_INPUT, workloads
from .measure import (
    DEFAULT,
    NP,
    ONE,
    QUICK,
    TG,
    TORCH,
    Builder,
    Impl,
    Settings,
    Switcher,
    Workload,
    check_agreement,
    measure,
)
from .memory import bn_memory, graph_saved_bytes
from .report import evaluate_targets, format_report, machine_info
from .suite import NoSuchWorkload, import_torch, main, run, select

__all__ = ["CNN_INPUT", "DEFAULT", "NP", "ONE", "QUICK", "TG", "TORCH", "Builder", "Impl",
           "NoSuchWorkload",
           "Settings", "Switcher", "Workload", "bn_memory", "check_agreement", "evaluate_targets",
           "format_report", "graph_saved_bytes", "import_torch", "machine_info", "main", "measure",
           "run", "select", "workloads"]
