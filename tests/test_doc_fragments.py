"""The Python fragments of README.md and docs/*.md run as written: each page's fragments in
order, in one namespace (a page reads top to bottom), in an empty working directory. A
fragment that is meant to fail says so in an HTML comment just above it:
`<!-- fragment raises NameOfError ... -->`; one that draws with Graphviz needs `dot`."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest

import tinygrad_bn as tg

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FRAGMENT = re.compile(r"((?:<!--[^\n]*-->\n)*)```python\n(.*?)```", re.S)
RAISES = re.compile(r"<!-- fragment raises (\w+)")


def fragments(page: Path) -> list[tuple[str, str | None]]:
    """(code, the error it is marked to raise or None) for each python fragment of `page`."""
    found = []
    for comments, code in FRAGMENT.findall(page.read_text()):
        marked = RAISES.search(comments)
        found.append((code, marked.group(1) if marked else None))
    return found


def test_the_marker_is_found() -> None:
    raising = [error for page in PAGES for _, error in fragments(page) if error]
    assert "AnomalyError" in raising


@pytest.mark.parametrize("page", [p for p in PAGES if fragments(p)], ids=lambda p: p.name)
def test_fragments_run_as_written(page: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "__fragment__"}
    tg.manual_seed(0)
    for i, (code, error) in enumerate(fragments(page)):
        if "render(" in code and shutil.which("dot") is None:
            pytest.skip(f"{page.name} fragment {i} draws with Graphviz: `dot` is missing")
        compiled = compile(code, f"{page.name}, fragment {i}", "exec")
        with contextlib.redirect_stdout(io.StringIO()):
            if error is None:
                exec(compiled, namespace)
                continue
            with pytest.raises(getattr(tg, error)):
                exec(compiled, namespace)
