"""The benchmark suite's smoke test (untimed): `--quick` runs every workload once, every
implementation of a workload computes the same numbers, and the report is complete."""

import json

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import benchmarking


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "report.json"
    assert benchmarking.main(["--quick", "--no-torch", "--out", str(out)]) == 0
    return json.loads(out.read_text())


def test_quick_run_measures_every_workload_for_tinygrad_and_the_numpy_bound(quick_report):
    results = quick_report["results"]
    names = [w().name for w in benchmarking.workloads(None)]
    assert list(results) == names
    for name, entry in results.items():
        impls = set(entry["times"])
        assert "numpy" in impls, name
        assert any(impl.startswith("tinygrad_bn") for impl in impls), name
        assert all(t["median_s"] > 0 and t["samples"] >= 1 for t in entry["times"].values())
        assert all(0 < t["min_s"] <= t["median_s"] for t in entry["times"].values())


def test_every_implementation_of_a_workload_computes_the_same_result(quick_report):
    # tinygrad_bn and the hand-written NumPy bound start from the same state: their
    # second-step losses (after one update) and their gradients must agree
    for name, entry in quick_report["results"].items():
        assert entry["max_rel_diff"] < 1e-3, (name, entry["max_rel_diff"])


def test_report_evaluates_every_target_and_the_bn_memory(quick_report):
    memory = quick_report["memory"]
    for impl in ("tinygrad_bn fused", "tinygrad_bn composite"):
        assert memory[impl]["saved_bytes"] > 0 and memory[impl]["peak_bytes"] > 0
    targets = quick_report["targets"]
    assert {t["op"] for t in targets} <= {"<=", ">="}
    mlp_and_cnn = [n for n, e in quick_report["results"].items() if e["group"] in ("mlp", "cnn")]
    assert sum("NumPy bound" in t["target"] for t in targets) == len(mlp_and_cnn)
    for t in targets:
        if t["value"] is not None:
            expected = t["value"] <= t["threshold"] if t["op"] == "<=" else \
                t["value"] >= t["threshold"]
            assert t["met"] == expected, t
            assert t["fastest"] is not None and t["fastest"] > 0, t


def test_fastest_ratios_come_from_the_fastest_calls():
    """The same target from medians and from fastest calls: two hand-made result sets whose
    medians and minima give different ratios."""
    def times(median, fastest):
        return {"median_s": median, "min_s": fastest, "q1_s": median, "q3_s": median,
                "samples": 3}
    cnn = f"small CNN {benchmarking.CNN_INPUT} train step"
    results = {cnn: {"group": "cnn", "max_rel_diff": 0.0,
                     "times": {"tinygrad_bn": times(3.0, 1.2), "numpy": times(2.0, 1.0),
                               "torch": times(1.5, 0.6)}}}
    targets = {t["target"]: t for t in benchmarking.evaluate_targets(results, {})}
    bound = targets[f"{cnn}: tinygrad_bn time / NumPy bound"]
    assert bound["value"] == pytest.approx(1.5) and bound["fastest"] == pytest.approx(1.2)
    assert bound["met"] is False  # decided by the medians
    torch = targets["small CNN train step: time / PyTorch's"]
    assert torch["value"] == pytest.approx(2.0) and torch["fastest"] == pytest.approx(2.0)
    assert targets["seed-B MLP: tinygrad_bn steps/s / PyTorch's"]["fastest"] is None


def test_graph_saved_bytes_counts_each_held_intermediate_once():
    x = tg.Tensor(np.ones(10, np.float32), requires_grad=True)
    a = x * x            # holds x (the user's array: excluded)
    b = a.exp()          # holds a (40 bytes); its output b is held by the Sum below
    c = b.sum() + b.sum()  # both Sums hold b: counted once
    # plus the two 0-d sums (4 bytes each) that the final Add holds
    assert benchmarking.graph_saved_bytes(c, exclude=[x.data]) == 2 * 40 + 2 * 4


def test_format_report_marks_missed_targets_and_disagreement(quick_report):
    report = dict(quick_report)
    name = next(iter(report["results"]))
    report["results"] = {name: {**report["results"][name], "max_rel_diff": 0.5}}
    report["targets"] = [{"target": "t", "value": 2.0, "op": "<=", "threshold": 1.0, "met": False}]
    text = benchmarking.format_report(report)
    assert "**results disagree**" in text and "**no**" in text


def test_pytorch_computes_the_same_as_tinygrad_bn(tmp_path):
    pytest.importorskip("torch")
    out = tmp_path / "report.json"
    assert benchmarking.main(["--quick", "--only", "BatchNorm1d (60", "--out", str(out)]) == 0
    (entry,) = json.loads(out.read_text())["results"].values()
    assert "torch" in entry["times"] and entry["max_rel_diff"] < 1e-3


def test_rounds_must_be_positive():
    with pytest.raises(SystemExit):
        benchmarking.main(["--rounds", "0"])
