"""What the docs quote matches what the code produces now (scripts/docs.py --check), and the
check itself notices each kind of drift."""

from __future__ import annotations

import functools
import runpy
from pathlib import Path

import pytest

pytest.importorskip("graphviz")

ROOT = Path(__file__).resolve().parents[1]
docs = runpy.run_path(str(ROOT / "scripts" / "docs.py"), run_name="docs_under_test")
# drift() computes every generated block and DOT source and parses a module for each
# `file.py:Name` reference (most of this file's time), and the two tests that check it
# notices one changed input call it again: the blocks, DOT texts, op list and reference
# lookups are memoised here (in the namespace drift reads; the sources do not change
# during the run), so those calls recompute only what the test changed
_DRIFT = docs["drift"].__globals__
_DRIFT["BLOCKS"] = {name: functools.cache(block) for name, block in _DRIFT["BLOCKS"].items()}
_DRIFT["_defines"] = functools.cache(_DRIFT["_defines"])
_DRIFT["_ops"] = functools.cache(_DRIFT["_ops"])
_dot_texts = functools.cache(lambda: {path.name: text for path, text in
                                      docs["dot_sources"]().items()})
_DRIFT["dot_sources"] = lambda: {_DRIFT["IMG"] / name: text for name, text in
                                 _dot_texts().items()}


def test_docs_match_the_code() -> None:
    problems = docs["drift"]()
    assert problems == [], ("the docs quote something the code no longer produces; run "
                            "`python scripts/docs.py` to regenerate, then review the diff:\n"
                            + "\n".join(problems))


def test_every_generated_block_in_the_docs_has_a_generator() -> None:
    names = [name for path in docs["MARKDOWN"] for name in docs["blocks_in"](path.read_text())]
    assert names and set(names) <= set(docs["BLOCKS"])
    assert set(docs["BLOCKS"]) <= set(names)  # and no generator without a place in the docs


def test_a_changed_generated_block_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = dict(_DRIFT["BLOCKS"])
    blocks["bn-saved"] = lambda: "| a table with other numbers |"
    monkeypatch.setitem(docs["drift"].__globals__, "BLOCKS", blocks)
    assert docs["drift"]() == ["graphs.md: block bn-saved differs from what the code gives"]


def test_a_changed_dot_source_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sources = _DRIFT["dot_sources"]()
    for path, source in sources.items():
        (tmp_path / path.name).write_text(source)
    victim = next(iter(sources)).name
    (tmp_path / victim).write_text("digraph { a -> b }\n")
    monkeypatch.setitem(docs["drift"].__globals__, "IMG", tmp_path)
    monkeypatch.setitem(docs["drift"].__globals__, "ROOT", tmp_path)
    assert docs["drift"]() == [f"{victim} differs from the DOT the code draws"]


def test_tables_without_a_measured_line_are_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# t\n\n*Measured on 2026-01-02 with `tinygrad-bn demo`.*\n\n| a |\n| - |\n"
                    "\ntext\n\n| b |\n| - |\n\n<!-- generated: x -->\n| c |\n"
                    "<!-- end generated: x -->\n")
    assert docs["unmarked_tables"](page) == [
        "page.md:10: a table without a 'Measured on DATE with `COMMAND`' line above it"]


def test_a_reference_to_a_name_that_is_gone_is_reported(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("See `autograd/engine.py:run_backward` and `tensor.py:Tensor.backward`,\n"
                    "not `tensor.py:run_backward`, `ops.py:Add` or `tensor.py:Tensor.nothing`.\n")
    assert docs["unresolved_references"](page) == [
        f"page.md:2: `{ref}` names nothing in tinygrad_bn/"
        for ref in ("tensor.py:run_backward", "ops.py:Add", "tensor.py:Tensor.nothing")]


def test_the_op_index_lists_every_op_with_its_three_rules() -> None:
    from tinygrad_bn import ops
    from tinygrad_bn.autograd.primitive import Function

    listed = _DRIFT["_ops"]()
    primitives = [v for v in vars(ops).values() if isinstance(v, type) and
                  issubclass(v, Function)]
    assert set(primitives) <= set(listed)
    for cls in listed:  # a docstring that breaks the `z = forward;  dx = backward` form shows
        assert all(docs["op_rules"](cls)), cls.__name__
