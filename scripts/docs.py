"""Regenerate what the docs quote from the code, or check that it has not drifted.

    python scripts/docs.py            # rewrite the generated blocks and docs/img's graphs
    python scripts/docs.py --check    # exit 1 and name each block or DOT file that differs

Two kinds of quoted material:

- **Generated blocks**: text between ``<!-- generated: NAME -->`` and
  ``<!-- end generated: NAME -->`` in a Markdown file is the output of the function
  ``BLOCKS[NAME]`` below (numbers, tables, listings, error messages), computed on fixed
  seeds; and every graph picture in docs/img has its DOT source beside it
  (``graph-*.gv``). Both are deterministic, so tests/test_docs.py fails when the code
  draws or prints something else than the docs say.
- **Measured tables** (timings and full training runs: README's demo table, the tables
  of docs/experiments.md) are not regenerated here: each carries a visible line
  ``Measured on YYYY-MM-DD with `COMMAND` ...`` above it, which the test requires.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import inspect
import io
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import tinygrad_bn as tg  # noqa: E402
from tinygrad_bn import graph_examples  # noqa: E402
from tinygrad_bn.experiments import op_coverage  # noqa: E402
from tinygrad_bn.viz import backward_trace  # noqa: E402

IMG = ROOT / "docs" / "img"
BEGIN = "<!-- generated: {} -->"
END = "<!-- end generated: {} -->"


def _fence(text: str, lang: str = "") -> str:
    return f"```{lang}\n{text.rstrip()}\n```"


def _run(code: str) -> str:
    """Run `code` as a script and return what it printed (stdout)."""
    with contextlib.redirect_stdout(io.StringIO()) as out:
        exec(compile(code, "<docs>", "exec"), {"__name__": "__docs__"})  # noqa: S102
    return out.getvalue()


# ---------------------------------------------------------------- blocks

GRAPH_NODES_CODE = """\
import numpy as np
import tinygrad_bn as tg

rng = np.random.default_rng(0)
w = tg.Tensor(rng.standard_normal((3, 2)), requires_grad=True)
x = tg.Tensor(rng.standard_normal((4, 3)), name="x")
loss = ((x @ w).relu() * 0.5).sum()
print(*tg.viz.graph_nodes(loss, params={"w": w}), sep="\\n")
"""


def graph_nodes() -> str:
    return _fence(GRAPH_NODES_CODE, "python") + "\n\nprints\n\n" + _fence(_run(GRAPH_NODES_CODE))


def _saved(example: graph_examples.GraphExample) -> tuple[int, int, int]:
    """(ops, buffers, bytes) that the example's graph keeps for backward."""
    nodes = tg.viz.graph_nodes(*example.outputs)
    ops = sum(node.kind == "op" for node in nodes)
    count, total = tg.viz.saved_total(nodes)
    return ops, count, total


def bn_pictures() -> str:
    composite_ops = _saved(graph_examples.bn_example("composite"))[0]
    return (f"| `impl=\"composite\"`: {composite_ops} primitive ops | `impl=\"fused\"`: one op |\n"
            "| --- | --- |\n"
            "| ![composite batch norm](img/graph-bn-composite.png) | "
            "![fused batch norm](img/graph-bn-fused.png) |")


def bn_saved() -> str:
    rows = ["| input | composite saves | fused saves |", "| --- | --- | --- |"]
    for batch, features in ((32, 4), (256, 64)):
        x_bytes = batch * features * 4
        cells = []
        for impl in ("composite", "fused"):
            _, count, total = _saved(graph_examples.bn_example(impl, batch, features))
            cells.append(f"{count} buffers, {total:,} B ({total / x_bytes:.2f} × x)")
        label = f"({batch}, {features})" + (", pictured" if batch == 32 else "")
        rows.append(f"| {label} | {cells[0]} | {cells[1]} |")
    return "\n".join(rows)


def grad_norms() -> str:
    """The gradient norms of the two MLP pictures, read off their graphs."""
    norms = {}
    for bn in (False, True):
        example = graph_examples.mlp_example(batch_norm=bn, weight_std=0.01)
        first_weight = dict(example.options["params"].named_parameters())["0.weight"]
        norms[bn] = float(np.linalg.norm(first_weight.grad.numpy()))
    ratio = norms[True] / norms[False]
    return (f"The first Linear layer's weight gradient has norm {norms[False]:.2g} without "
            f"batch norm and {norms[True]:.2g} with it, {ratio:,.0f} times larger.")


ANOMALY_CODE = """\
import numpy as np
import tinygrad_bn as tg

x = tg.Tensor(np.zeros(3), requires_grad=True)
with tg.detect_anomaly():
    norm = (x * x).sum().sqrt()
    norm.backward()
"""


ANOMALY_BRANCH_CODE = """\
import numpy as np
import tinygrad_bn as tg

x = tg.Tensor(np.array([0.0, 1.0, 4.0]), requires_grad=True)
with tg.detect_anomaly():
    y = tg.where(x > 0, x.sqrt(), 0.0)      # finite for every x
    y.sum().backward()                       # the gradient at x = 0 is NaN
"""


def anomaly() -> str:
    """The error detect_anomaly raises for ANOMALY_CODE, run as norm.py."""
    return _anomaly_block(ANOMALY_CODE, "norm.py")


def anomaly_branch() -> str:
    """The error detect_anomaly raises for ANOMALY_BRANCH_CODE, run as branch.py."""
    return _anomaly_block(ANOMALY_BRANCH_CODE, "branch.py")


def _anomaly_block(code: str, name: str) -> str:
    """`code` run as `name` in a subprocess, and the AnomalyError it ends with."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / name
        script.write_text(code)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(  # this checkout's tinygrad_bn
            [str(PACKAGE.parent), *filter(None, [os.environ.get("PYTHONPATH")])])}
        done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                              cwd=PACKAGE.parent, env=env, timeout=120)
    lines = done.stderr.strip().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("tinygrad_bn.errors."))
    message = "\n".join(lines[start:]).replace(str(script), name)
    # tinygrad_bn's own line numbers move with every engine edit; the docs show where, not which
    message = re.sub(r"\(([\w/]+\.py):\d+\)", r"(\1:<line>)", message)
    return _fence(code, "python") + "\n\nends with\n\n" + _fence(message)


# ---------------------------------------------------------------- the core, read in order

PACKAGE = ROOT / "tinygrad_bn"
CORE_READING_ORDER = [
    "modes.py", "keywords.py", "dtypes.py", "anomaly.py", "autograd/primitive.py",
    "autograd/order.py", "autograd/engine.py", "autograd/versions.py", "autograd/custom.py",
    "ops/__init__.py",
    "ops/binary.py", "ops/unary.py", "ops/special.py", "ops/reduce.py", "ops/movement.py",
    "ops/linalg.py", "ops/decompositions.py", "tensor_methods/__init__.py",
    "tensor_methods/elementwise.py",
    "tensor_methods/math.py", "tensor_methods/comparison.py", "tensor_methods/reduce.py",
    "tensor_methods/scans.py", "tensor_methods/movement.py", "tensor_methods/indexing.py",
    "tensor_methods/linalg.py", "tensor_methods/conversion.py", "tensor_methods/inplace.py",
    "tensor_methods/inplace_math.py", "tensor_methods/random.py",
    "return_types.py", "data_array.py", "tensor.py",
]


def _summary(path: Path) -> str:
    """The first sentence of a module's docstring."""
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    return " ".join(doc.split("\n\n")[0].split()).split(". ")[0].rstrip(".")


def reading_guide() -> str:
    """The core's files in reading order, with their sizes and what each holds."""
    rows = ["| # | file | lines | what it holds |", "| --- | --- | --- | --- |"]
    total = 0
    for i, name in enumerate(CORE_READING_ORDER, 1):
        path = PACKAGE / name
        lines = len(path.read_text().splitlines())
        total += lines
        rows.append(f"| {i} | `{name}` | {lines} | {_summary(path).replace('|', '/')} |")
    rows.append(f"| | **the core** | **{total}** | |")
    return "\n".join(rows)


def _ops() -> list[type]:
    """Every op class (`Function` subclass) of the package, the core's families first."""
    return op_coverage.op_classes()


def op_coverage_table() -> str:
    """Which checks reach each op class: the op table of `tinygrad-bn gradcheck --ops`,
    from the fast path (the ops each case's graphs use, every case taken as passing:
    tests/test_op_coverage.py runs the checks and requires that they all pass and give
    this same table)."""
    return op_coverage.markdown_ops(op_coverage.coverage(op_coverage.check_all(run=False)))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def op_rules(cls: type) -> tuple[str, str, str]:
    """(forward, backward, jvp) of an op, as table cells (the parser is the trace page's)."""
    return tuple(_cell(text) for text in backward_trace.op_rules(cls))


def op_index() -> str:
    rows = ["| op | defined in | forward | backward | forward mode (jvp) |",
            "| --- | --- | --- | --- | --- |"]
    for cls in _ops():
        file = Path(inspect.getsourcefile(cls)).relative_to(PACKAGE).as_posix()
        forward, backward, tangent = op_rules(cls)
        rows.append(f"| `{cls.__name__}` | `{file}:{cls.__name__}` | {forward} | {backward} | "
                    f"{tangent} |")
    return "\n".join(rows)


BLOCKS: dict[str, Callable[[], str]] = {
    "reading-guide": reading_guide,
    "op-index": op_index,
    "op-coverage": op_coverage_table,
    "graph-nodes": graph_nodes,
    "bn-pictures": bn_pictures,
    "bn-saved": bn_saved,
    "grad-norms": grad_norms,
    "anomaly": anomaly,
    "anomaly-branch": anomaly_branch,
}

# ---------------------------------------------------------------- files

MARKDOWN = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MEASURED_TABLES_IN = [ROOT / "README.md", ROOT / "docs" / "experiments.md",
                      ROOT / "docs" / "distributed.md"]
MEASURED = re.compile(r"Measured on \d{4}-\d{2}-\d{2} with `[^`]+`")


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(re.escape(BEGIN.format(name)) + r"\n(.*?)\n" + re.escape(END.format(name)),
                      re.S)


def blocks_in(text: str) -> list[str]:
    return re.findall(r"<!-- generated: ([\w-]+) -->", text)


def generated(name: str) -> str:
    if name not in BLOCKS:
        raise SystemExit(f"docs.py: unknown generated block {name!r}; known: {', '.join(BLOCKS)}")
    return BLOCKS[name]()


def dot_sources() -> dict[Path, str]:
    """docs/img/<stem>.gv -> the DOT text the code draws for that picture now."""
    return {IMG / f"{stem}.gv": builder().to_dot(**overrides).source
            for stem, (builder, overrides) in graph_examples.DOC_IMAGES.items()}


def drift() -> list[str]:
    """What differs between the docs and the code now (empty: nothing drifted)."""
    problems = []
    cache: dict[str, str] = {}
    for path in MARKDOWN:
        text = path.read_text()
        for name in blocks_in(text):
            match = _pattern(name).search(text)
            if match is None:
                problems.append(f"{path.name}: block {name} has no end marker")
                continue
            cache.setdefault(name, generated(name))
            if match.group(1) != cache[name]:
                problems.append(f"{path.name}: block {name} differs from what the code gives")
    for path, source in dot_sources().items():
        if not path.exists() or path.read_text() != source:
            problems.append(f"{path.relative_to(ROOT)} differs from the DOT the code draws")
    for path in MEASURED_TABLES_IN:
        problems += unmarked_tables(path)
    for path in MARKDOWN:
        problems += unresolved_references(path)
    return problems


REFERENCE = re.compile(r"`((?:[\w]+/)*[\w]+\.py):([A-Za-z_][\w.]*)`")


def _defines(path: Path, dotted: str) -> bool:
    """Whether the module at `path` defines `dotted` (a function, class or assignment at top
    level; `Class.method` inside a class)."""
    scope: list[ast.stmt] = ast.parse(path.read_text()).body
    for part in dotted.split("."):
        match = None
        for node in scope:
            names = ([node.name] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef |
                                                     ast.ClassDef) else
                     [t.id for t in getattr(node, "targets", [getattr(node, "target", None)])
                      if isinstance(t, ast.Name)])
            if part in names:
                match = node
                break
        if match is None:
            return False
        scope = getattr(match, "body", [])
    return True


def unresolved_references(path: Path) -> list[str]:
    """`file.py:Name` references in a page whose file (under tinygrad_bn/) or name is gone."""
    problems = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        for file, name in REFERENCE.findall(line):
            target = PACKAGE / file
            if not target.is_file() or not _defines(target, name):
                problems.append(f"{path.name}:{number}: `{file}:{name}` names nothing in "
                                f"tinygrad_bn/")
    return problems


def unmarked_tables(path: Path) -> list[str]:
    """Tables outside generated blocks without a 'Measured on DATE with `CMD`' line in the
    six lines above them."""
    lines = path.read_text().splitlines()
    problems = []
    inside = False
    for i, line in enumerate(lines):
        if line.startswith("<!-- generated:"):
            inside = True
        elif line.startswith("<!-- end generated:"):
            inside = False
        starts_table = line.startswith("|") and (i == 0 or not lines[i - 1].startswith("|"))
        if starts_table and not inside and not any(
                MEASURED.search(above) for above in lines[max(0, i - 6):i]):
            problems.append(f"{path.name}:{i + 1}: a table without a 'Measured on DATE with "
                            f"`COMMAND`' line above it")
    return problems


def regenerate() -> list[Path]:
    """Rewrite every generated block and every docs/img graph (PNG and its DOT source)."""
    written = []
    for path in MARKDOWN:
        text = path.read_text()
        new = text
        for name in blocks_in(text):
            new = _pattern(name).sub(lambda _m, n=name: f"{BEGIN.format(n)}\n{generated(n)}\n"
                                     f"{END.format(n)}", new)
        if new != text:
            path.write_text(new)
            written.append(path)
    for path, source in dot_sources().items():
        path.write_text(source)
        subprocess.run(["dot", "-Tpng", "-o", str(path.with_suffix(".png")), str(path)],
                       check=True)
        written += [path, path.with_suffix(".png")]
    return written + screenshots()


SCREENSHOTS = {  # docs/img file -> the step each frame of the composite | fused page shows
    "trace-bn-step1.png": (0, 0),
    "trace-bn-step6.png": (5, 1),
}


def screenshots(out: Path = IMG) -> list[Path]:
    """Composite vs fused batch norm traced side by side, photographed by headless Chromium at
    the steps of SCREENSHOTS (needs selenium, chromium and chromedriver)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    traces = [graph_examples.trace(name) for name in ("bn-composite", "bn-fused")]
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1500,820",
                 "--disable-background-networking", "--no-first-run", "--hide-scrollbars"):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(backward_trace.write(traces, Path(tmp) / "bn.html"))
        browser.get(page.as_uri())
        for name, steps in SCREENSHOTS.items():
            for frame, step in zip(browser.find_elements(By.TAG_NAME, "iframe"), steps):
                browser.switch_to.frame(frame)
                browser.execute_script(f"show({step})")
                browser.switch_to.default_content()
            browser.save_screenshot(str(out / name))
            written.append(out / name)
    browser.quit()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        problems = drift()
        print("\n".join(problems) or "docs match the code")
        return 1 if problems else 0
    for path in regenerate():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
