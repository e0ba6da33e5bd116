"""Data parallelism under real MPI: `mpiexec -n N` runs workers/data_parallel.py for
N = 1, 2, 4 (4 ranks oversubscribe the 2 CI cores; each job takes a few seconds) and
the job must exit 0 with rank 0's "ok" line for every case. What each case checks is
in the worker's docstring."""

from __future__ import annotations

import pytest

from tinygrad_bn import nn

pytest.importorskip("mpi4py")
from mpirun import WORKERS, needs_mpiexec, run_mpi  # noqa: E402

CASES = ["mlp", "sampler"] + (["cnn"] if hasattr(nn, "SyncBatchNorm") else [])


@needs_mpiexec
@pytest.mark.parametrize("ranks", [1, 2, 4])
def test_data_parallel_training_equals_one_process(ranks):
    out = run_mpi(ranks, WORKERS / "data_parallel.py", *CASES)
    for case in CASES:
        assert f"ok {case} on {ranks} ranks" in out, out
