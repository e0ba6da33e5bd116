"""`tinygrad-bn experiment sync-bn --quick` under `mpiexec -n 2`, and what it says at
world size 1 (how to launch it)."""

from __future__ import annotations

import json

import pytest

from tinygrad_bn import cli, nn

pytest.importorskip("mpi4py")
from mpirun import needs_mpiexec, run_mpi  # noqa: E402


def test_at_world_size_one_it_says_how_to_launch(tmp_path, capsys):
    assert cli.main(["experiment", "sync-bn", "--quick", "--out", str(tmp_path)]) == 1
    assert "mpiexec -n 4 tinygrad-bn experiment sync-bn" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


@needs_mpiexec
def test_quick_run_on_two_ranks(tmp_path):
    out = run_mpi(2, "-m", "tinygrad_bn.cli", "experiment", "sync-bn", "--quick",
                  "--no-progress", "--out", str(tmp_path), timeout=180)
    assert out.count("experiment sync-bn (quick)") == 1  # only rank 0 reports
    assert "max_abs_diff_to_single" in out and "wrote:" in out  # the CLI's result table
    rec = json.loads((tmp_path / "sync-bn.json").read_text())
    assert (tmp_path / "sync-bn.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    cfg, summary, runs = rec["config"], rec["summary"], rec["runs"]
    assert cfg["world_size"] == 2 and cfg["per_rank_batch"] == 16
    assert len(rec["step"]) == cfg["steps"] // cfg["eval_every"] + 1
    for name in ("single", "sync", "ghost"):
        assert len(runs[name]["step_s"]) == cfg["steps"]
        assert len(runs[name]["test_acc"]) == len(rec["step"])
    # the same steps as one process up to float32 rounding; ghost BN is another algorithm
    assert summary["sync"]["max_abs_diff_to_single"] < 1e-4
    assert summary["ghost"]["max_abs_diff_to_single"] > 1e-2
    # one process communicates nothing; both parallel runs average ~400 kB of gradients
    params = sum(p.data.nbytes for p in nn.Sequential(
        nn.Linear(784, 100), nn.Linear(100, 100), nn.Linear(100, 100),
        nn.Linear(100, 10)).parameters())
    assert summary["single"]["bytes_per_step"] == 0
    assert summary["single"]["collectives_per_step"] == 0
    assert summary["ghost"]["bytes_per_step"] >= params
    # SyncBN adds its statistics: more collectives and bytes than ghost BN
    assert summary["sync"]["bytes_per_step"] > summary["ghost"]["bytes_per_step"]
    assert summary["sync"]["collectives_per_step"] > summary["ghost"]["collectives_per_step"]
    for s in summary.values():
        assert 0 <= s["median_sync_ms"] <= s["median_step_ms"]
