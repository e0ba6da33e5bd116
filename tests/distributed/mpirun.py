"""Launching `mpiexec -n N python ...` from a test: the worktree on PYTHONPATH, one BLAS
thread per rank, a timeout that turns a hang into a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

MPIEXEC = shutil.which("mpiexec")
ROOT = Path(__file__).resolve().parents[2]
WORKERS = Path(__file__).parent / "workers"
needs_mpiexec = pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not on PATH")


def run_mpi(ranks: int, *args: str | Path, timeout: float = 120) -> str:
    """stdout of `mpiexec -n ranks python args...` (a script and its arguments, or -m
    module ...); fails the test with the job's output on a non-zero exit or after
    `timeout` seconds."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
        OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [MPIEXEC, "-n", str(ranks), sys.executable, *map(str, args)]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                env=env, cwd=ROOT)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{' '.join(command)} hung for {timeout} s:\n{error.stderr}")
    assert result.returncode == 0, (f"{' '.join(command)} exited {result.returncode}:\n"
                                    f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}")
    return result.stdout
