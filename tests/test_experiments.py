"""The seed experiments in their `--quick` form: files, JSON layout, and numbers that mean
something (each claim's direction at a fixed seed, with wide margins), plus the shared
training helpers.

Every experiment runs once per module (a fixture) through the command line.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from tinygrad_bn import cli, nn
from tinygrad_bn.experiments import EXPERIMENTS, MPI_EXPERIMENTS, common, shuffle

_records: dict[str, dict] = {}


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("experiments")


_printed: dict[str, str] = {}


def record(name: str, out_dir: Path) -> dict:
    """Run `tinygrad-bn experiment NAME --quick` once and return its JSON record."""
    if name not in _records:
        with contextlib.redirect_stdout(io.StringIO()) as stdout:
            assert cli.main(["experiment", name, "--quick", "--seed", "0", "--out",
                             str(out_dir / name), "--no-progress"]) == 0
        _printed[name] = stdout.getvalue()
        _records[name] = json.loads((out_dir / name / f"{name}.json").read_text())
    return _records[name]


@pytest.mark.parametrize("name", [n for n in EXPERIMENTS if n not in MPI_EXPERIMENTS])
def test_experiment_prints_its_result_table_at_the_end(name: str, out_dir: Path) -> None:
    rec = record(name, out_dir)
    printed = _printed[name]
    table = common.result_table(rec)
    assert table in printed and printed.index(table) < printed.index("done in")
    assert len(table.splitlines()) >= 2  # a header and at least one row


def test_result_table_rows_and_columns_come_from_the_summary() -> None:
    rec = {"summary": {"relu": {"bn": {"acc": 0.25, "steps": 3}, "plain": {"acc": 0.5,
                                                                           "steps": None}},
                       "cost": 1.5}}
    lines = common.result_table(rec).splitlines()
    assert lines[0].split() == ["cost"] and lines[1].split() == ["1.5"]
    assert lines[2] == ""
    assert lines[3].split() == ["acc", "steps"]
    assert lines[4].split() == ["relu", "bn", "0.25", "3"]
    assert lines[5].split() == ["relu", "plain", "0.5", "-"]
    assert common.result_table({"config": {}}) == "(no summary in the record)"


@pytest.mark.parametrize("name", [n for n in EXPERIMENTS if n not in MPI_EXPERIMENTS])
def test_experiment_writes_json_and_png(name: str, out_dir: Path) -> None:
    rec = record(name, out_dir)
    assert rec["experiment"] == name and rec["quick"] is True and rec["seed"] == 0
    assert {"config", "versions"} <= rec.keys()
    assert rec["versions"]["numpy"] == np.__version__
    pngs = list((out_dir / name).glob("*.png"))
    assert pngs and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)


def test_init_sweep_bn_learns_at_tiny_weights_where_plain_stays_at_chance(out_dir: Path) -> None:
    rec = record("init-sweep", out_dir)
    tiny = next(p for p in rec["panels"] if p["std"] == pytest.approx(1e-4))
    epochs = rec["config"]["epochs"]
    assert tiny["epoch"] == list(range(epochs + 1))
    assert max(tiny["plain"]["evals"]["train_acc"]) < 0.2  # chance is 0.1
    assert tiny["bn"]["evals"]["train_acc"][-1] > 0.25  # eps = 1e-7
    # with eps = 1e-5 > the pre-activation variance, BN no longer normalizes
    assert tiny["bn_eps1e-5"]["evals"]["train_acc"][-1] < 0.2
    assert len(tiny["bn"]["losses"]) == epochs * rec["config"]["iters_per_epoch"]


def test_mlp_bn_beats_plain_for_relu_and_sigmoid(out_dir: Path) -> None:
    rec = record("mlp", out_dir)
    for act in ("relu", "sigmoid"):
        accs = {key: rec["results"][act][key]["evals"]["test_acc"] for key in ("bn", "plain")}
        assert accs["bn"][-1] > accs["plain"][-1] + 0.2
        assert rec["summary"][act]["bn_cost_per_batch"] > 0


def test_cnn_with_batchnorm2d_learns_faster(out_dir: Path) -> None:
    rec = record("cnn", out_dir)
    for summary in rec["summary"]:
        assert summary["bn_final_test_acc"] > summary["plain_final_test_acc"] + 0.1


def test_batch_size_bn_fails_at_two_while_layernorm_does_not(out_dir: Path) -> None:
    rec = record("batch-size", out_dir)
    bn = {e["batch_size"]: e for e in rec["results"]["batch"]}
    ln = {e["batch_size"]: e for e in rec["results"]["layer"]}
    assert ln[2]["test_acc"] > bn[2]["test_acc"] + 0.1
    assert bn[16]["test_acc"] > ln[16]["test_acc"]
    assert bn[2]["steps"] == rec["config"]["samples"] // 2


def test_shuffle_one_class_batches_break_bn(out_dir: Path) -> None:
    rec = record("shuffle", out_dir)
    shuffled, one_class = rec["summary"]["shuffled"]["bn"], rec["summary"]["one-class"]["bn"]
    assert shuffled["final_test_acc"] > 0.7
    assert one_class["final_test_acc"] < 0.2


def test_eval_gap_running_statistics_converge(out_dir: Path) -> None:
    rec = record("eval-gap", out_dir)
    fast, slow = rec["results"]["0.1"]["evals"], rec["results"]["0.01"]["evals"]
    assert fast["max_mean_gap_in_std"][-1] < fast["max_mean_gap_in_std"][0] / 5
    assert slow["max_mean_gap_in_std"][-1] > fast["max_mean_gap_in_std"][-1]
    # training never reads the running statistics: identical train-mode accuracy
    assert fast["train_mode_acc"] == slow["train_mode_acc"]
    assert len(fast["running_mean"][0]) == rec["config"]["tracked_features"]


def test_composite_and_fused_train_identically(out_dir: Path) -> None:
    rec = record("composite-vs-fused", out_dir)
    agreement = rec["summary"]["agreement"]
    assert agreement["float64"]["max_abs_loss_diff"] < 1e-10
    assert agreement["float64"]["max_abs_param_diff_at_end"] < 1e-10
    assert agreement["float32"]["max_rel_loss_diff"] < 1e-2
    memory = rec["summary"]["memory_float32"]
    assert memory["composite"]["saved_bytes"] > memory["fused"]["saved_bytes"] > 0


def test_training_health_naive_init_saturates_without_bn_only(out_dir: Path) -> None:
    summary = record("training-health", out_dir)["summary"]
    assert summary["no BN, naive init"]["saturated_step1"] > 0.5
    for label in ("no BN, scaled init", "BN, naive init", "BN, scaled init"):
        assert summary[label]["saturated_step1"] < 0.1
    assert summary["BN, scaled init"]["test_acc_end"] > \
        summary["no BN, naive init"]["test_acc_end"] + 0.3


def test_dropout_vs_bn_reports_every_variant(out_dir: Path) -> None:
    rec = record("dropout-vs-bn", out_dir)
    assert set(rec["summary"]) == {"neither", "Dropout", "BN", "BN + Dropout"}
    for label, row in rec["summary"].items():
        run = rec["runs"][label][0]
        assert row["gap"] == pytest.approx(run["train_acc_end"] - run["test_acc_end"])
        assert 0 <= row["test_acc"] <= 1


# ---------------------------------------------------------------- helpers


def test_copy_weights_makes_bn_and_plain_start_alike() -> None:
    rng = np.random.default_rng(0)
    plain = common.init_normal(common.mlp([6, 5, 3]), 0.5, rng)
    bn = common.mlp([6, 5, 3], norm="batch")
    common.copy_weights(plain, bn)
    assert np.array_equal(plain[0].weight.data, bn[0].weight.data)
    assert np.array_equal(plain[2].weight.data, bn[3].weight.data)
    assert np.all(plain[0].bias.data == 0)


def test_batch_stat_accuracy_leaves_running_statistics_alone() -> None:
    model = common.mlp([4, 3, 2], norm="batch")
    bn = model[1]
    before = bn.running_mean.copy(), bn.running_var.copy(), int(bn.num_batches_tracked)
    x = np.random.default_rng(1).standard_normal((10, 4)).astype(np.float32)
    y = np.zeros(10, dtype=np.int64)
    model.eval()
    common.batch_stat_accuracy(model, x, y, 5)
    assert not model.training
    assert np.array_equal(bn.running_mean, before[0]) and np.array_equal(bn.running_var,
                                                                         before[1])
    assert int(bn.num_batches_tracked) == before[2]


def test_batch_streams_sorted_and_one_class() -> None:
    y = np.repeat(np.arange(3), 4)[np.random.default_rng(0).permutation(12)]
    x = y.astype(np.float32)[:, None]
    first = [next(s) for s in [common.sorted_batches(x, y, 4)] for _ in range(3)]
    assert [set(b[1]) for b in first] == [{0}, {1}, {2}]
    stream = shuffle.one_class_batches(x, y, 3, np.random.default_rng(0))
    for _ in range(5):
        xb, yb = next(stream)
        assert len(set(yb)) == 1 and np.array_equal(xb[:, 0], yb)


def test_norm_layer_rejects_unknown_norm() -> None:
    with pytest.raises(ValueError, match="norm must be one of"):
        common.norm_layer("instance", 4)
    assert isinstance(common.norm_layer("group", 8), nn.GroupNorm)


def test_names_models_learn_to_spell(out_dir: Path) -> None:
    rec = record("names", out_dir)
    uniform = rec["references"]["uniform"]
    for result in rec["results"]:
        assert result["test_loss"] < uniform - 0.4, result["model"]
        assert result["curve"]["val_loss"][-1] < result["curve"]["val_loss"][0]
        assert len(result["samples"]) == rec["config"]["samples"]
        assert all(s.isalpha() and s.islower() or s == "" for s in result["samples"])
    assert rec["summary"]["names"] == {"train": 4130, "val": 516, "test": 517}
