"""The `tinygrad-bn` command line: every subcommand, its files, and its failures.

The demo runs once as a real subprocess of the console script (the way a user
runs it); everything else runs in-process through `main(argv)`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.wrong_gradients import HalfSquare
from tinygrad_bn import cli
from tinygrad_bn.experiments import EXPERIMENTS, op_gradients
from tinygrad_bn.graph_examples import EXAMPLES

SUBCOMMANDS = ["demo", "experiment", "graph", "trace", "gradcheck"]


def _console_script() -> list[str]:
    path = shutil.which("tinygrad-bn")
    return [path] if path else [sys.executable, "-m", "tinygrad_bn.cli"]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess,
                                                                 Path]:
    out = tmp_path_factory.mktemp("demo")
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([*_console_script(), "demo", "--quick", "--out", str(out),
                           "--no-progress"], capture_output=True, text=True, timeout=300,
                          env=env)
    return done, out


def test_demo_console_script_prints_the_table_and_writes_its_files(demo_run) -> None:
    done, out = demo_run
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "batch norm" in done.stdout and "BN cost per batch" in done.stdout
    assert (out / "demo.json").is_file() and (out / "demo-accuracy.png").is_file()
    assert (out / "demo-accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for name in ("bn-composite", "bn-fused"):  # rendered, or at least the DOT source
        assert (out / f"graph-{name}.gv").is_file()
        if shutil.which("dot"):
            assert "<svg" in (out / f"graph-{name}.svg").read_text()


def test_demo_json_records_a_bn_model_that_learns_faster(demo_run) -> None:
    _, out = demo_run
    record = json.loads((out / "demo.json").read_text())
    result, steps = record["result"], record["config"]["steps"]
    assert record["quick"] is True and record["seed"] == 0
    assert result["step"][0] == 0 and result["step"][-1] == steps
    for key in ("bn", "plain"):
        assert len(result[key]["losses"]) == steps
        assert len(result[key]["evals"]["test_acc"]) == len(result["step"])
        assert result[key]["steps_per_s"] > 0
    # with weights N(0, 0.05^2) the plain net is still near chance after 60 steps
    assert result["bn"]["evals"]["test_acc"][-1] > result["plain"]["evals"]["test_acc"][-1] + 0.2
    assert result["bn_cost_per_batch"] > 0
    assert record["versions"]["numpy"] == np.__version__


def test_composite_and_fused_graphs_differ_in_size(demo_run) -> None:
    _, out = demo_run
    composite = (out / "graph-bn-composite.gv").read_text()
    fused = (out / "graph-bn-fused.gv").read_text()
    assert "FusedBatchNorm" in fused and "FusedBatchNorm" not in composite
    assert composite.count("->") > 3 * fused.count("->")  # many primitive ops vs one op


@pytest.mark.parametrize("argv", [["--help"], *[[c, "--help"] for c in SUBCOMMANDS]])
def test_help_exits_zero_and_describes_usage(argv: list[str],
                                             capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 0
    assert "usage: tinygrad-bn" in capsys.readouterr().out


def test_experiment_help_lists_every_experiment(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit):
        cli.main(["experiment", "--help"])
    text = capsys.readouterr().out
    assert all(name in text for name in EXPERIMENTS)


@pytest.mark.parametrize("argv, message", [
    (["train"], "invalid choice: 'train'"),
    (["experiment", "no-such-experiment"], "invalid choice: 'no-such-experiment'"),
    (["experiment", "mlp", "--seed", "-3"], "non-negative integer"),
    (["demo", "--seed", "abc"], "non-negative integer"),
    (["demo", "--bogus"], "unrecognized arguments: --bogus"),
    (["graph", "no-such-graph"], "invalid choice: 'no-such-graph'"),
    (["graph", "mlp", "--format", "jpg"], "invalid choice: 'jpg'"),
])
def test_bad_arguments_exit_2_with_a_message(argv: list[str], message: str,
                                             capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_no_arguments_prints_help_and_exits_zero(capsys: pytest.CaptureFixture) -> None:
    assert cli.main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: tinygrad-bn") and all(c in out for c in SUBCOMMANDS)


@pytest.mark.parametrize("argv, message", [
    (["trace", "mlp", "-o", "x.svg"], "must end in .html or .txt"),
    (["trace", "mlp", "-o", "x.txt", "--format", "html"], "suffix .txt but --format is html"),
])
def test_trace_output_suffix_must_match_the_format(argv: list[str], message: str,
                                                   capsys: pytest.CaptureFixture) -> None:
    assert cli.main(argv) == 1
    assert message in capsys.readouterr().err


def test_trace_suffix_txt_writes_text(tmp_path: Path) -> None:
    path = tmp_path / "steps.txt"
    assert cli.main(["trace", "mlp", "-o", str(path)]) == 0
    text = path.read_text()
    assert text.startswith("MLP") and "<html" not in text


def test_unwritable_output_dir_fails_before_training(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert cli.main(["demo", "--quick", "--out", str(blocker / "sub")]) == 1
    captured = capsys.readouterr()
    assert "tinygrad-bn demo: error:" in captured.err
    assert "test accuracy" not in captured.out  # nothing was trained


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_graph_renders_each_example(name: str, tmp_path: Path) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    assert cli.main(["graph", name, "-o", str(tmp_path / "g.svg")]) == 0
    assert "<svg" in (tmp_path / "g.svg").read_text()
    assert (tmp_path / "g.gv").read_text().startswith("digraph")


def test_graph_format_from_suffix_and_mismatch(tmp_path: Path,
                                               capsys: pytest.CaptureFixture) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    assert cli.main(["graph", "bn-fused", "-o", str(tmp_path / "g.png")]) == 0
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert cli.main(["graph", "bn-fused", "-o", str(tmp_path / "h.png"), "--format", "pdf"]) == 1
    assert "suffix .png but --format is pdf" in capsys.readouterr().err


def test_graph_unknown_suffix_is_an_error_not_a_second_suffix(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["graph", "mlp", "-o", str(tmp_path / "g.jpg")]) == 1
    assert ".svg, .png, .pdf" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_graph_without_output_writes_graph_name_svg(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("dot") is None:
        pytest.skip("Graphviz `dot` is not installed")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["graph", "mlp", "--format", "pdf"]) == 0
    assert (tmp_path / "graph-mlp.pdf").read_bytes()[:4] == b"%PDF"


def test_version_and_python_dash_m_run_the_same_command() -> None:
    import tinygrad_bn

    done = subprocess.run([sys.executable, "-m", "tinygrad_bn", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == f"tinygrad-bn {tinygrad_bn.__version__}"
    done = subprocess.run([sys.executable, "-m", "tinygrad_bn", "experiment", "nonsense"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "invalid choice: 'nonsense'" in done.stderr


def test_data_dir_needs_data_full(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert cli.main(["demo", "--quick", "--data-dir", str(tmp_path), "--out",
                     str(tmp_path / "o")]) == 1
    assert "--data full" in capsys.readouterr().err


def test_data_full_reads_the_idx_files_of_data_dir(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from tinygrad_bn.data import write_idx
    from tinygrad_bn.experiments import common

    rng = np.random.default_rng(0)
    for prefix, n in (("train", 30), ("t10k", 10)):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte",
                  rng.integers(0, 256, (n, 28, 28), dtype=np.uint8))
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte",
                  rng.integers(0, 10, n, dtype=np.uint8))
    seen = []
    real = common.load_mnist

    def spy(*args, **kwargs):
        seen.append((args, kwargs))
        raise SystemExit(0)  # the data source is what this test checks; stop before training

    monkeypatch.setattr(common, "load_mnist", spy)
    with pytest.raises(SystemExit):
        cli.main(["experiment", "mlp", "--quick", "--data", "full", "--data-dir", str(tmp_path),
                  "--out", str(tmp_path / "o")])
    assert seen == [((tmp_path,), {"download": True})]
    with common.data_source(tmp_path):
        monkeypatch.setattr(common, "load_mnist", real)
        x_train, y_train, x_test, y_test = common.mnist()
    assert x_train.shape == (30, 784) and x_test.shape == (10, 784)
    assert common.mnist()[0].shape == (4000, 784)  # outside the block: the embedded subset


def test_progress_bar_only_on_a_terminal(capsys: pytest.CaptureFixture) -> None:
    from tinygrad_bn.experiments.common import Progress

    bar = Progress(10, "x", enabled=True)  # stderr is captured here: not a terminal
    bar.update(5)
    bar.close()
    assert "\r" not in capsys.readouterr().err and bar._bar is None


def test_gradcheck_prints_the_case_table_then_the_op_table(capsys: pytest.CaptureFixture
                                                           ) -> None:
    # every case: tests/test_op_coverage.py; here a few, through the command line
    assert cli.main(["gradcheck", "--only", "batch_norm"]) == 0
    out = capsys.readouterr().out
    cases, ops = out.split("\n\n", 1)
    assert cases.startswith("case ") and "batch_norm fused (train)" in cases
    assert "matmul" not in cases
    assert ops.startswith("op ") and "\nFusedBatchNorm " in ops and "\nMatMul " in ops
    assert "4/4 cases pass" in out
    assert cli.main(["gradcheck", "--only", "batch_norm fused (eval)", "--ops"]) == 0
    assert capsys.readouterr().out.startswith("op ")


def test_gradcheck_reports_a_wrong_gradient(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture) -> None:
    wrong = op_gradients.OpCase("wrong square", HalfSquare.apply, ((3, 2),))
    monkeypatch.setattr(op_gradients, "OPS", [*op_gradients.OPS[:1], wrong])
    assert cli.main(["gradcheck"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("wrong square"))
    assert row.split()[5] == "NO" and "FAILED wrong square:" in out
    # the reported relative error of a gradient off by 2x is 1/2
    assert float(row.split()[3]) == pytest.approx(0.5, rel=1e-4)
    assert "1/2 cases pass" in out


def test_gradcheck_only_rejects_unknown(capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["gradcheck", "--only", "no-such-op"]) == 1
    assert "no case name contains" in capsys.readouterr().err


def test_bench_delegates_to_benchmarking(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--help"])
    assert exc.value.code == 0
    assert "tinygrad-bn bench" in capsys.readouterr().out


def test_bench_without_benchmarking_module_says_so(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(cli.importlib.util, "find_spec", lambda name: None)
    assert cli.main(["bench"]) == 1
    assert "not available yet" in capsys.readouterr().err
