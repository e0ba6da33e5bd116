"""The notebooks of docs/notebooks run from top to bottom (each checks its claims with
asserts) and show what they promise: printed tables, figures."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "docs" / "notebooks"
EXPECTED = {  # notebook -> (output type, a text it must show)
    "autograd.ipynb": ("text", "gradcheck passes"),
    "batchnorm.ipynb": ("text", "hprebn (1 line) | exact:"),
    "training-health.ipynb": ("image/png", ""),
    "graphs-trace-profiler.ipynb": ("text/html", "<iframe srcdoc="),
}


def test_every_notebook_is_listed() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_notebook_runs_and_shows_its_results(name: str, tmp_path: Path, monkeypatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    if name == "training-health.ipynb":
        pytest.importorskip("matplotlib")
    # the kernel imports this checkout's package, runs one BLAS thread, writes nothing here
    monkeypatch.setenv("PYTHONPATH", str(NOTEBOOKS.parents[1]))
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")
    nbclient.NotebookClient(notebook, timeout=240, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    kind, text = EXPECTED[name]
    shown = [output for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.outputs]
    if kind == "text":
        assert any(text in output.get("text", "") for output in shown)
    else:
        assert any(text in str(output.get("data", {}).get(kind, "")) for output in shown
                   if kind in output.get("data", {}))
    assert list(tmp_path.iterdir()) == []  # figures go to temporary directories
