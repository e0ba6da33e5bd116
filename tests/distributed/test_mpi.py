"""Multi-rank tests: worker scripts launched with `mpiexec -n N` (N = 1, 2, 3, 4).

Each worker runs many checks in one launch (MPI start-up costs ~0.5 s per rank on a
busy machine) and exits non-zero on the first failure; a timeout turns a hang into a
failure. What the workers check: workers/sync_bn_worker.py (SyncBatchNorm, both
impls, against single-process BatchNorm on the whole batch; the ghost-BN control;
double backward; the fused op's one all-reduce per direction; the differentiable
collectives' gradients across ranks; ranks that disagree). The fault matrix (a rank
that fails or leaves ends the job): test_mpi_faults.py.
"""

from __future__ import annotations

import pytest

pytest.importorskip("mpi4py")
import mpirun  # noqa: E402

pytestmark = mpirun.needs_mpiexec


def launch(script: str, ranks: int, timeout: float):
    return mpirun.launch(ranks, mpirun.WORKERS / script, timeout=timeout)


@pytest.mark.parametrize("ranks", [1, 2, 3, 4])
def test_sync_batchnorm_equals_whole_batch_batchnorm(ranks):
    result = launch("sync_bn_worker.py", ranks, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert f"ok {ranks} ranks" in result.stdout
