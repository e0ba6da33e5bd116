"""Data parallelism under real MPI: `mpiexec -n N` runs workers/data_parallel.py for
N = 1, 2, 4 (4 ranks oversubscribe the 2 CI cores; each job takes a few seconds) and
the job must exit 0 with rank 0's "ok" line for every case. What each case checks is
in the worker's docstring."""

from __future__ import annotations

import pytest

pytest.importorskip("mpi4py")
from mpirun import WORKERS, needs_mpiexec, run_mpi  # noqa: E402

CASES = ["mlp", "cnn", "sampler"]


@needs_mpiexec
@pytest.mark.parametrize("ranks", [1, 2, 4])
def test_data_parallel_training_equals_one_process(ranks):
    out = run_mpi(ranks, WORKERS / "data_parallel.py", *CASES)
    for case in CASES:
        assert f"ok {case} on {ranks} ranks" in out, out


@needs_mpiexec
def test_the_example_gives_the_same_accuracy_on_two_ranks(tmp_path):
    example = WORKERS.parents[2] / "examples" / "data_parallel.py"
    env = {"TINYGRAD_BN_EXAMPLE_STEPS": "20"}
    one = run_mpi(1, example, cwd=tmp_path, env=env)
    two = run_mpi(2, example, cwd=tmp_path, env=env)
    accuracy = one.split("test accuracy ")[1].split()[0]
    assert "1 rank(s), 20 steps" in one and "2 rank(s), 20 steps" in two
    assert f"test accuracy {accuracy}" in two, (one, two)


@needs_mpiexec
def test_the_training_script_in_the_docs_runs_on_two_ranks(tmp_path):
    page = (WORKERS.parents[2] / "docs" / "distributed.md").read_text()
    script = page.split("## A data-parallel training script")[1].split("```python\n")[1]
    script = script.split("```")[0] + "print(f'rank {dist.rank()} finished')\n"
    (tmp_path / "train.py").write_text(script)
    out = run_mpi(2, tmp_path / "train.py", cwd=tmp_path, timeout=180)
    assert "rank 0 finished" in out and "rank 1 finished" in out
    assert (tmp_path / "model.npz").exists()  # rank 0 saved, into its working directory
