"""The fault matrix: every way a rank can leave a job while the others wait for it in
a collective, at 2 and 4 ranks (workers/fault_worker.py; the rules in
tinygrad_bn/distributed/faults.py and docs/distributed.md). Each job must end within
10 s of the fault, print a message naming the failing rank, and exit with the code
the rules promise; a job that ends cleanly exits 0 and prints none of it."""

from __future__ import annotations

import re
import subprocess
import time

import pytest

pytest.importorskip("mpi4py")
import mpirun  # noqa: E402

pytestmark = mpirun.needs_mpiexec

# scenario: (exit code, what stderr must contain; {r} is the failing rank, {n} the size)
MATRIX = {
    "exception": (1, "rank {r}/{n}: uncaught exception"),
    "sys_exit": (3, "rank {r}/{n}: sys.exit(3) while the job runs"),
    "os_exit": (3, "rank {r}/{n}: os._exit(3) while the job runs"),
    "finish": (1, "rank {r} left the job (exit code 0) after 3 collectives, without "
                  "joining this rank's collective #3"),
    "os_exit0": (1, "rank {r} left the job (exit code 0) after 3 collectives"),
    "sigkill": (9, "rank {r}/{n} (pid "),
    "timeout": (1, "not complete after 2 s (this rank's collective #3)"),
}


@pytest.mark.parametrize("ranks", [2, 4])
@pytest.mark.parametrize("scenario", sorted(MATRIX))
def test_a_failing_rank_ends_the_job_named_with_a_fixed_code(scenario, ranks):
    code, message = MATRIX[scenario]
    try:
        result = mpirun.launch(ranks, mpirun.WORKERS / "fault_worker.py", scenario,
                               timeout=90)
    except subprocess.TimeoutExpired as error:
        pytest.fail(f"{scenario} at {ranks} ranks hung:\n{error.stderr}")
    ended = time.time()
    output = result.stdout + result.stderr
    fault = re.search(r"fault at ([0-9.]+)", result.stderr)
    assert fault, output
    assert ended - float(fault.group(1)) < 10, f"the job took {ended - float(fault[1]):.1f} s"
    assert result.returncode == code, output
    assert message.format(r=ranks - 1, n=ranks) in result.stderr, output
    assert "unreachable" not in result.stdout
    # only the first death speaks: the ranks mpiexec kills next are not reported
    assert result.stderr.count("ended without leaving the job") == (scenario == "sigkill")


@pytest.mark.parametrize("ranks", [2, 4])
def test_a_clean_job_ends_quietly_with_code_0(ranks):
    result = mpirun.launch(ranks, mpirun.WORKERS / "fault_worker.py", "clean", timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "rank" not in result.stderr, result.stderr
