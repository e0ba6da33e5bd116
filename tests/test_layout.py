"""The package's layout as a checked contract: the layers (import-linter, its contracts in
pyproject.toml), no import circle anywhere (which import-linter checks only between
layers), the size of the core's files, and every public import path that worked before
the core was split into packages."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
from pathlib import Path

import pytest

import tinygrad_bn

PACKAGE = Path(tinygrad_bn.__file__).parent
ROOT = PACKAGE.parent


def _lint_imports(*args: str) -> subprocess.CompletedProcess:
    if shutil.which("lint-imports") is None:
        pytest.skip("import-linter is not installed (the dev extra)")
    return subprocess.run(["lint-imports", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_the_layer_contracts_hold() -> None:
    run = _lint_imports()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout


def test_import_linter_catches_an_import_against_the_layers(tmp_path: Path) -> None:
    # tensor.py imports ops: a contract that forbids it must be reported broken
    config = tmp_path / "contracts.toml"
    config.write_text('[tool.importlinter]\nroot_package = "tinygrad_bn"\n\n'
                      '[[tool.importlinter.contracts]]\nname = "must break"\n'
                      'type = "forbidden"\nsource_modules = ["tinygrad_bn.tensor"]\n'
                      'forbidden_modules = ["tinygrad_bn.ops"]\n')
    run = _lint_imports("--config", str(config))
    assert run.returncode != 0 and "1 broken" in run.stdout


# ---------------------------------------------------------------- no import circle


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    hidden: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            hidden.update(id(n) for n in ast.walk(node))
    return hidden


def import_graph() -> dict[str, set[str]]:
    """module -> the package's modules it imports, at module level or inside functions
    (annotation-only imports under TYPE_CHECKING excluded)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        hidden = _type_checking_nodes(tree)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in hidden:
                continue
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                for alias in node.names:  # `from . import ops` imports the module ops
                    full = f"{base}.{alias.name}"
                    targets.add(full if full in modules else base)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_package_has_no_import_circle() -> None:
    graph = import_graph()
    assert "tinygrad_bn.ops" in graph["tinygrad_bn.tensor"]  # the checker sees imports
    assert not circles(graph)


def test_the_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert circles(graph) == [["a", "b", "c"]]


# ---------------------------------------------------------------- sizes


def test_tensor_py_holds_the_class_alone_in_at_most_500_lines() -> None:
    assert len((PACKAGE / "tensor.py").read_text().splitlines()) <= 500


def test_no_module_passes_500_lines_without_saying_why_at_its_top() -> None:
    long = [p for p in PACKAGE.rglob("*.py") if len(p.read_text().splitlines()) > 500
            and "over 500 lines" not in (ast.get_docstring(ast.parse(p.read_text())) or "")]
    assert not long


# ---------------------------------------------------------------- old import paths

OLD_PATHS = [
    # (module, name): each worked before the core was split and keeps working
    ("tinygrad_bn.tensor", "Tensor"), ("tinygrad_bn.tensor", "Function"),
    ("tinygrad_bn.tensor", "as_tensor"), ("tinygrad_bn.tensor", "concatenate"),
    ("tinygrad_bn.tensor", "stack"), ("tinygrad_bn.tensor", "where"),
    ("tinygrad_bn.tensor", "maximum"), ("tinygrad_bn.tensor", "minimum"),
    ("tinygrad_bn.tensor", "grad"), ("tinygrad_bn.tensor", "no_grad"),
    ("tinygrad_bn.tensor", "enable_grad"), ("tinygrad_bn.tensor", "is_grad_enabled"),
    ("tinygrad_bn.tensor", "set_grad_enabled"), ("tinygrad_bn.tensor", "op_observers"),
    ("tinygrad_bn.tensor", "topological_order"), ("tinygrad_bn.tensor", "unbroadcast"),
    ("tinygrad_bn.tensor", "run_backward"), ("tinygrad_bn.tensor", "normalize_axes"),
    ("tinygrad_bn.ops", "Add"), ("tinygrad_bn.ops", "MatMul"), ("tinygrad_bn.ops", "Sum"),
    ("tinygrad_bn.ops", "GetItem"), ("tinygrad_bn.ops", "ReLU"), ("tinygrad_bn.ops", "Sigmoid"),
    ("tinygrad_bn.ops", "Tanh"), ("tinygrad_bn.ops", "Sin"), ("tinygrad_bn.ops", "Prod"),
    ("tinygrad_bn.ops", "Einsum"), ("tinygrad_bn.ops", "sum_tangents"),
    ("tinygrad_bn.nn.init", "generator"), ("tinygrad_bn.nn.init", "manual_seed"),
    ("tinygrad_bn.nn.functional", "batch_norm"), ("tinygrad_bn.nn.normalization",
                                                  "FusedBatchNorm"),
    ("tinygrad_bn", "einsum"), ("tinygrad_bn", "cat"), ("tinygrad_bn", "exp"),
    ("tinygrad_bn.anomaly", "detect_anomaly"), ("tinygrad_bn.modes", "set_grad_enabled"),
]


@pytest.mark.parametrize("module,name", OLD_PATHS, ids=[f"{m}.{n}" for m, n in OLD_PATHS])
def test_an_old_import_path_still_works(module: str, name: str) -> None:
    assert getattr(importlib.import_module(module), name) is not None


def test_old_op_names_are_the_renamed_ops() -> None:
    from tinygrad_bn import ops

    assert (ops.ReLU, ops.Sigmoid, ops.Tanh) == (ops.Rectify, ops.Logistic,
                                                 ops.HyperbolicTangent)
