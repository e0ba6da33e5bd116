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


def launch(ranks: int, *args: str | Path, timeout: float = 120, cwd: Path = ROOT,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`mpiexec -n ranks python args...` (a script and its arguments, or -m module ...)
    run in `cwd` with `env` added to the environment, its output captured; raises
    subprocess.TimeoutExpired after `timeout` seconds."""
    env = dict(os.environ, **(env or {}), PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
        OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    command = [MPIEXEC, "-n", str(ranks), sys.executable, *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=cwd)


def run_mpi(ranks: int, *args: str | Path, timeout: float = 120, cwd: Path = ROOT,
            env: dict[str, str] | None = None) -> str:
    """stdout of `launch(...)`; fails the test with the job's output on a non-zero exit
    or after `timeout` seconds."""
    try:
        result = launch(ranks, *args, timeout=timeout, cwd=cwd, env=env)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"mpiexec -n {ranks} {' '.join(map(str, args))} hung for {timeout} s:\n"
                    f"{error.stderr}")
    assert result.returncode == 0, (f"mpiexec -n {ranks} {' '.join(map(str, args))} exited "
                                    f"{result.returncode}:\n{result.stdout[-3000:]}\n"
                                    f"{result.stderr[-6000:]}")
    return result.stdout
