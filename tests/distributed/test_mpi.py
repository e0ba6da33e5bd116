"""Multi-rank tests: worker scripts launched with `mpiexec -n N` (N = 1, 2, 3, 4).

Each worker runs many checks in one launch (MPI start-up costs ~0.5 s per rank on a
busy machine) and exits non-zero on the first failure; a timeout turns a hang into a
failure. What the workers check: workers/sync_bn_worker.py (SyncBatchNorm, both
impls, against single-process BatchNorm on the whole batch; the ghost-BN control;
double backward; the fused op's one all-reduce per direction; the differentiable
collectives' gradients across ranks; ranks that disagree) and workers/fault_worker.py
(an exception on one rank ends the job).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("mpi4py")
MPIEXEC = shutil.which("mpiexec")
pytestmark = pytest.mark.skipif(MPIEXEC is None, reason="mpiexec not on PATH")

WORKERS = Path(__file__).parent / "workers"
ROOT = Path(__file__).resolve().parents[2]


def launch(script: str, ranks: int, timeout: float) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]),
        OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    return subprocess.run([MPIEXEC, "-n", str(ranks), sys.executable, str(WORKERS / script)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)


@pytest.mark.parametrize("ranks", [1, 2, 3, 4])
def test_sync_batchnorm_equals_whole_batch_batchnorm(ranks):
    result = launch("sync_bn_worker.py", ranks, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert f"ok {ranks} ranks" in result.stdout


@pytest.mark.parametrize("ranks", [2, 4])
def test_an_exception_on_one_rank_ends_the_job(ranks):
    start = time.perf_counter()
    result = launch("fault_worker.py", ranks, timeout=60)
    elapsed = time.perf_counter() - start
    assert result.returncode != 0
    assert "unreachable" not in result.stdout
    assert f"rank {ranks - 1}/{ranks}: uncaught exception" in result.stderr, result.stderr
    assert "RuntimeError: deliberate failure in the fault test" in result.stderr
    assert elapsed < 30, f"the job took {elapsed:.1f} s to end"
