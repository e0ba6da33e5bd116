"""Data parallelism under real MPI: `mpiexec -n N` runs workers/data_parallel.py for
N = 1, 2, 4 (4 ranks oversubscribe the 2 CI cores; each job takes a few seconds) and
the job must exit 0 with rank 0's "ok" line for every case. What each case checks is
in the worker's docstring."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tinygrad_bn import nn

pytest.importorskip("mpi4py")
MPIEXEC = shutil.which("mpiexec")
WORKER = Path(__file__).parent / "workers" / "data_parallel.py"
ROOT = Path(__file__).resolve().parents[2]


def run_mpi(ranks: int, script: Path, *args: str, timeout: float = 120) -> str:
    """stdout of `mpiexec -n ranks python script args`; fails the test with the job's
    stderr on a non-zero exit, and kills it after `timeout` seconds."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), OPENBLAS_NUM_THREADS="1")
    command = [MPIEXEC, "-n", str(ranks), sys.executable, str(script), *args]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                env=env, cwd=ROOT)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{' '.join(command)} hung for {timeout} s:\n{error.stderr}")
    assert result.returncode == 0, f"{' '.join(command)} exited {result.returncode}:\n" \
                                   f"{result.stdout}\n{result.stderr}"
    return result.stdout


CASES = ["mlp", "sampler"] + (["cnn"] if hasattr(nn, "SyncBatchNorm") else [])


@pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not on PATH")
@pytest.mark.parametrize("ranks", [1, 2, 4])
def test_data_parallel_training_equals_one_process(ranks):
    out = run_mpi(ranks, WORKER, *CASES)
    for case in CASES:
        assert f"ok {case} on {ranks} ranks" in out, out
