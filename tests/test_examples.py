"""Every script in examples/ runs to the end (a few training steps only) and prints its result."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.script_server import Server

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXPECTED = {  # a line each script prints once its checks have passed
    "mlp_batchnorm.py": "reloaded: same accuracy",
    "cnn_batchnorm2d.py": "test accuracy:",
    "custom_op.py": "a wrong backward is reported",
    "render_graph.py": "fused: 3 edges",
    "second_derivatives.py": "gradgradcheck of fused batch norm passes",
    "saved_bytes_per_op.py": "saved bytes per op: counted",
    "float16_saved.py": "float16 saved tensors: measured",
    "manual_backprop_bn.py": "manual backprop: every gradient agrees",
    "profile_bn.py": "profiled: composite and fused batch norm",
    "data_parallel.py": "replicas identical on every rank",  # one process here; 2 ranks in
}                                                           # tests/distributed


def test_every_example_is_listed() -> None:
    assert sorted(p.name for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """Each example runs in a process of its own as `python example.py OUT` from an empty
    directory, forked from one that has imported tinygrad_bn (tests/script_server.py), so
    that the ten runs pay for one import."""
    env = {**os.environ, "TINYGRAD_BN_EXAMPLE_STEPS": "20", "OPENBLAS_NUM_THREADS": "1",
           "PYTHONPATH": str(EXAMPLES.parent)}  # this checkout's package, as the tests use
    served = Server(["numpy", "tinygrad_bn"], env)
    yield served
    served.close()


@pytest.mark.parametrize("script", sorted(EXPECTED))
def test_example_runs(script: str, tmp_path: Path, server: Server) -> None:
    if script == "data_parallel.py":
        pytest.importorskip("mpi4py")
    cwd, out = tmp_path / "cwd", tmp_path / "out"
    cwd.mkdir()
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    returncode = server.run(EXAMPLES / script, stdout, stderr, timeout=300, args=[str(out)],
                            cwd=cwd)
    assert returncode == 0, stderr.read_text()
    assert EXPECTED[script] in stdout.read_text()
    # outputs go to the directory given, never the cwd (custom_op.py's Hypothesis run keeps
    # no example database either)
    assert list(cwd.iterdir()) == []
    if script == "render_graph.py" and shutil.which("dot"):
        assert "<svg" in (out / "bn-fused.svg").read_text()
    if script == "profile_bn.py":
        for impl in ("composite", "fused"):
            assert json.loads((out / f"profile-{impl}.json").read_text())["traceEvents"]
    if script == "mlp_batchnorm.py":
        assert (out / "mlp_batchnorm.npz").is_file()
