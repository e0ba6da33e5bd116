"""The experiments, runnable as `tinygrad-bn experiment NAME` or from Python; what each
tests: docs/sources.md.

Each module has `NAME`, `config(quick)` and
`run(out, quick=False, seed=0, progress=False) -> list[Path]`, which writes a
JSON record (config, per-step metrics, timings, versions) and PNG figures
into `out` and returns their paths. `quick=True` is a small version for
tests (seconds). Results and figures: docs/experiments.md.

    from pathlib import Path
    from tinygrad_bn.experiments import run
    run("mlp", Path("runs/mlp"), quick=True)
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from ..errors import ArgumentError
from .common import DEFAULT_DATA_DIR, data_source, result_table, single_threaded_blas

__all__ = ["DEFAULT_DATA_DIR", "EXPERIMENTS", "MPI_EXPERIMENTS", "data_source",
           "is_lead_process", "module", "result_table", "run", "single_threaded_blas"]

# name -> (module, one-line summary); a module is imported only when its experiment runs
EXPERIMENTS = {
    "init-sweep": ("init_sweep", "robustness to initialization: training accuracy vs the "
                                 "initial weight scale w, BN vs no BN (4x4 grid)"),
    "mlp": ("mlp", "faster learning: MLP 3x100 on MNIST, BN vs no BN, ReLU and sigmoid: "
                   "accuracy and batches/s"),
    "cnn": ("cnn", "a small conv net on MNIST with and without BatchNorm2d"),
    "batch-size": ("batch_size", "batch-size dependence: BN vs GroupNorm vs LayerNorm at "
                                 "batch sizes 2..128"),
    "shuffle": ("shuffle", "unrepresentative batches: BN with shuffled vs class-sorted "
                           "batches"),
    "eval-gap": ("eval_gap", "train- vs eval-mode accuracy and the running statistics"),
    "composite-vs-fused": ("composite_vs_fused", "the same training with composite and "
                                                 "fused BN: curves, time, memory"),
    "names": ("names", "character-level language models of first names: a Bengio-style "
                       "MLP and an LSTM"),
    "training-health": ("training_health", "a deep tanh MLP with and without BN, naive vs "
                                           "scaled init, watched by tg.lab.Monitor: saturation, "
                                           "gradients, update ratios"),
    "dropout-vs-bn": ("dropout_vs_bn", "does BN regularize? train/test gap and test accuracy "
                                       "with neither, Dropout, BN and both, several seeds"),
    "sync-bn": ("sync_bn", "claim 6, under mpiexec -n 4: one process vs SyncBatchNorm vs "
                           "ghost BN on 4 ranks: accuracy, compute and sync time, bytes"),
}
# experiments that run under mpiexec only (at world size 1 they say how to launch them)
MPI_EXPERIMENTS = frozenset({"sync-bn"})


def module(name: str) -> ModuleType:
    """The module of experiment `name`."""
    if name not in EXPERIMENTS:
        raise ArgumentError(f"unknown experiment {name!r}; choose one of "
                            f"{', '.join(EXPERIMENTS)}")
    return importlib.import_module(f"{__name__}.{EXPERIMENTS[name][0]}")


def is_lead_process(name: str) -> bool:
    """Whether this process reports experiment `name`: always, except on the ranks other
    than 0 of an MPI experiment (importing tinygrad_bn.distributed for those)."""
    if name not in MPI_EXPERIMENTS:
        return True
    from .. import distributed

    return distributed.rank() == 0


def run(name: str, out: Path, quick: bool = False, seed: int = 0,
        progress: bool = False, data_dir: Path | None = None) -> list[Path]:
    """Run experiment `name` into directory `out` (one BLAS thread, see common.py) on the
    embedded MNIST subset, or on the full MNIST in `data_dir` (downloaded if missing);
    returns the files written."""
    with single_threaded_blas(), data_source(data_dir):
        return module(name).run(Path(out), quick=quick, seed=seed, progress=progress)
