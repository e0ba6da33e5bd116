"""Which primitive ops the gradient checks reach, and how: `tinygrad-bn gradcheck`'s tables.

Each case of `op_gradients.OPS` is checked four ways, on float64 inputs drawn by
`op_gradients.inputs`:

- reverse: the backward's d<v, f>/dx_j against the central difference, every element
  (v a random upstream gradient; |analytic - numerical| <= 1e-5 + 1e-3 |numerical|);
- jvp: forward mode's <v, J e_j> against the same central difference and against the
  reverse-mode value (to 1e-12), as `tg.gradcheck`'s forward check does;
- double backward: `tg.gradgradcheck` (the gradient function, built with create_graph,
  checked against central differences);
- cross-checked: where the case has a PyTorch twin and torch imports, the value and the
  gradient of <v, f> against torch's in float64 (to 1e-10 relative).

While a case runs, an op observer (autograd/primitive.py: `op_observers`) records the
class of every op whose output needs a gradient. Reverse, jvp and the cross-check credit
the ops of the case's graph; double backward credits the ops of the first-derivative
graph it differentiates, which adds the ops that only backward rules build (ConvInputGrad,
ArgmaxScatter, ...). The op table has one row per op class of the package (`op_classes`):
"yes" when some passing case credited the op under that check, "-" when none did.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import pkgutil
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..autograd.primitive import Function, op_observers
from ..errors import GradcheckError
from ..gradcheck import gradgradcheck, gradient_pairs, judge_forward, judge_reverse
from ..tensor import Tensor, grad
from . import op_gradients
from .op_gradients import OpCase

CHECKS = ("reverse", "jvp", "double backward", "cross-checked")
TORCH_RTOL = 1e-10  # float64 against float64: only summation order may differ
_PRIORITY = 90  # after forward-mode AD's observer: it sees the ops as built
CORE_FAMILIES = ("binary", "unary", "special", "reduce", "movement", "linalg", "decompositions")


@dataclass
class CaseResult:
    """One case's verdicts (True, False, or None: not run - no torch twin, no torch) and
    the op classes each check differentiated."""

    name: str
    verdicts: dict[str, bool | None]
    ops: dict[str, set[type]] = field(default_factory=dict)
    max_abs_error: float = float("nan")
    max_rel_error: float = float("nan")
    elements: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(v is not False for v in self.verdicts.values())


# ---------------------------------------------------------------- the op classes


def op_classes() -> list[type]:
    """Every op class (`Function` subclass) of the package, the core's families first in
    their order, then by module and line. Classes named `_...` are helpers (a custom
    Function's node), not ops."""
    package = Path(__file__).resolve().parents[1]
    for info in pkgutil.walk_packages([str(package)], "tinygrad_bn."):
        if not info.name.startswith(("tinygrad_bn.cli", "tinygrad_bn.__main__")):
            with contextlib.suppress(ImportError):  # distributed without mpi4py
                importlib.import_module(info.name)
    found, todo = [], list(Function.__subclasses__())
    while todo:
        cls = todo.pop(0)
        if cls.__module__.startswith("tinygrad_bn.") and cls not in found \
                and not cls.__name__.startswith("_"):
            found.append(cls)
        todo.extend(cls.__subclasses__())

    def order(cls: type) -> tuple:
        family = cls.__module__.split(".")[-1]
        core = cls.__module__.startswith("tinygrad_bn.ops.") and family in CORE_FAMILIES
        return (CORE_FAMILIES.index(family) if core else len(CORE_FAMILIES), cls.__module__,
                inspect.getsourcelines(cls)[1])

    return sorted(found, key=order)


@contextlib.contextmanager
def recording() -> Iterator[set[type]]:
    """The classes of the ops run inside the block whose output needs a gradient."""
    seen: set[type] = set()

    def note(ctx: Function, out: Tensor) -> None:
        if out.requires_grad:
            seen.add(type(ctx))

    op_observers.push(_PRIORITY, note)
    try:
        yield seen
    finally:
        op_observers.remove(note)


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _graph_ops(case: OpCase, inputs: list[Tensor]) -> tuple[set[type], set[type]]:
    """(ops of the case's graph, ops of its first-derivative graph): one forward, one
    backward with create_graph."""
    with recording() as first:
        outputs = [o for o in _as_tuple(case.fn(*inputs)) if o.requires_grad]
    with recording() as second:  # an upstream that requires grad, as in gradgradcheck
        total = sum(((o * Tensor(np.ones(o.shape), requires_grad=True)).sum() for o in outputs),
                    start=Tensor(np.float64(0)))
        grad(total, inputs, create_graph=True, allow_unused=True)
    return first, first | second


# ---------------------------------------------------------------- the checks


def _reverse_and_jvp(case: OpCase, inputs: list[Tensor], seed: int, result: CaseResult) -> None:
    """Both first-order checks from one pass of `gradient_pairs(forward=True)`, each judged
    on its own (a wrong jvp does not hide a right backward, nor the reverse)."""
    errors: dict[str, str] = {}
    abs_errors, rel_errors = [], []
    try:
        for i, index, found, numerical, forward in gradient_pairs(
                case.fn, inputs, seed=seed, op=case.name, forward=True):
            abs_errors.append(abs(found - numerical))
            rel_errors.append(abs_errors[-1] / max(abs(numerical), 1e-8))
            try:
                judge_reverse(inputs, i, index, found, numerical)
            except GradcheckError as error:
                errors.setdefault("reverse", str(error))
            try:
                judge_forward(inputs, i, index, found, numerical, forward)
            except GradcheckError as error:
                errors.setdefault("jvp", str(error))
    except NotImplementedError as error:  # an op without a jvp rule: check the reverse alone
        result.verdicts["jvp"] = False
        result.notes.append(f"jvp: {error}")
        _reverse_only(case, op_gradients.inputs(case, seed), seed, result)
        return
    result.max_abs_error, result.max_rel_error = max(abs_errors), max(rel_errors)
    result.elements = len(abs_errors)
    for check in ("reverse", "jvp"):
        result.verdicts[check] = check not in errors
        if check in errors:
            result.notes.append(f"{check}: {errors[check]}")


def _reverse_only(case: OpCase, inputs: list[Tensor], seed: int, result: CaseResult) -> None:
    abs_errors, rel_errors, failure = [], [], None
    for i, index, found, numerical in gradient_pairs(case.fn, inputs, seed=seed, op=case.name):
        abs_errors.append(abs(found - numerical))
        rel_errors.append(abs_errors[-1] / max(abs(numerical), 1e-8))
        try:
            judge_reverse(inputs, i, index, found, numerical)
        except GradcheckError as error:
            failure = failure or str(error)
    result.max_abs_error, result.max_rel_error = max(abs_errors), max(rel_errors)
    result.elements = len(abs_errors)
    result.verdicts["reverse"] = failure is None
    if failure:
        result.notes.append(f"reverse: {failure}")


def _double_backward(case: OpCase, inputs: list[Tensor], seed: int, result: CaseResult) -> None:
    try:
        gradgradcheck(case.fn, inputs, seed=seed, check_forward_ad=False)
        result.verdicts["double backward"] = True
    except (GradcheckError, NotImplementedError) as error:
        result.verdicts["double backward"] = False
        result.notes.append(f"double backward: {error}")


_torch: Any = None


def torch_module() -> Any:
    """torch, or None where it does not import (the cross-check is then not run)."""
    global _torch
    if _torch is None:
        try:
            _torch = importlib.import_module("torch")
        except ImportError:
            _torch = False
    return _torch or None


def _cross_check(case: OpCase, inputs: list[Tensor], seed: int, result: CaseResult) -> None:
    """The value of fn and the gradient of <v, fn> against the torch twin's, in float64."""
    torch = torch_module()
    if case.torch_fn is None or torch is None:
        result.verdicts["cross-checked"] = None
        return
    twins = [torch.tensor(x.data, dtype=torch.float64, requires_grad=True) for x in inputs]
    ours = _as_tuple(case.fn(*inputs))
    try:
        with warnings.catch_warnings():  # torch's notes on its own kernels ('same' padding)
            warnings.simplefilter("ignore")
            theirs = _as_tuple(case.torch_fn(*twins))
    except Exception as error:  # noqa: BLE001 (a twin torch refuses is a failed cross-check)
        result.verdicts["cross-checked"] = False
        result.notes.append(f"torch: the twin raised {type(error).__name__}: {error}")
        return
    rng = np.random.default_rng(seed + 3)
    weights = [rng.standard_normal(o.shape) for o in ours]
    problems = []
    if len(ours) != len(theirs):
        problems.append(f"{len(ours)} outputs, torch's twin {len(theirs)}")
    else:
        for k, (o, t) in enumerate(zip(ours, theirs)):
            t = t.detach().numpy()
            if o.shape != t.shape or not np.allclose(o.data, t, rtol=TORCH_RTOL, atol=1e-12):
                problems.append(f"output {k}: {_difference(o.data, t)}")
    if not problems:
        total = sum(((o * Tensor(w)).sum() for o, w in zip(ours, weights)),
                    start=Tensor(np.float64(0)))
        found = grad(total, inputs, allow_unused=True)
        t_total = sum((t * torch.tensor(w)).sum() for t, w in zip(theirs, weights))
        expected = torch.autograd.grad(t_total, twins, allow_unused=True)
        for k, (g, e) in enumerate(zip(found, expected)):
            g = np.zeros(inputs[k].shape) if g is None else g.data
            e = np.zeros(inputs[k].shape) if e is None else e.numpy()
            if not np.allclose(g, e, rtol=TORCH_RTOL, atol=1e-12):
                problems.append(f"gradient of input {k}: {_difference(g, e)}")
    result.verdicts["cross-checked"] = not problems
    result.notes += [f"torch: {p}" for p in problems]


def _difference(ours: np.ndarray, theirs: np.ndarray) -> str:
    if ours.shape != theirs.shape:
        return f"shape {ours.shape}, torch's {theirs.shape}"
    return f"max |ours - torch| {np.max(np.abs(ours - theirs)):.3g}"


def check_case(case: OpCase, seed: int = 0, run: bool = True) -> CaseResult:
    """Check one case four ways and record the ops each check differentiated. With
    run=False only the ops are recorded and every check a case has is taken as passing
    (the fast path of the docs' table; `tinygrad-bn gradcheck` runs them)."""
    result = CaseResult(case.name, dict.fromkeys(CHECKS))
    try:
        forward_ops, derivative_ops = _graph_ops(case, op_gradients.inputs(case, seed))
    except Exception as error:  # noqa: BLE001 (a case that cannot run fails every check)
        result.verdicts = dict.fromkeys(CHECKS, False)
        result.notes.append(f"the case raised {type(error).__name__}: {error}")
        return result
    result.ops = {"reverse": forward_ops, "jvp": forward_ops,
                  "double backward": derivative_ops, "cross-checked": forward_ops}
    if not run:
        result.verdicts = dict.fromkeys(CHECKS, True)
        result.verdicts["cross-checked"] = True if case.torch_fn is not None else None
        return result
    _reverse_and_jvp(case, op_gradients.inputs(case, seed), seed, result)
    _double_backward(case, op_gradients.inputs(case, seed), seed, result)
    _cross_check(case, op_gradients.inputs(case, seed), seed, result)
    return result


def check_all(only: str | None = None, run: bool = True,
              progress: Callable[[int, int, str], None] | None = None) -> list[CaseResult]:
    """Check every case of `OPS` whose name contains `only` (all when None)."""
    cases = [c for c in op_gradients.OPS if only is None or only.lower() in c.name.lower()]
    results = []
    for k, case in enumerate(cases):
        if progress is not None:
            progress(k, len(cases), case.name)
        results.append(check_case(case, run=run))
    return results


def coverage(results: list[CaseResult], ops: list[type] | None = None
             ) -> dict[type, dict[str, bool]]:
    """op class -> check -> whether some passing case credited it under that check."""
    table = {cls: dict.fromkeys(CHECKS, False) for cls in (op_classes() if ops is None else ops)}
    for result in results:
        for check in CHECKS:
            if result.verdicts[check]:
                for cls in result.ops[check]:
                    table.setdefault(cls, dict.fromkeys(CHECKS, False))[check] = True
    return table


# ---------------------------------------------------------------- the tables


def _mark(verdict: bool | None) -> str:
    return {True: "yes", False: "NO", None: "-"}[verdict]


def format_cases(results: list[CaseResult]) -> str:
    width = max(len(r.name) for r in results)
    lines = [f"{'case':<{width}}  {'max abs error':>13}  {'max rel error':>13}  "
             f"{'elements':>8}  reverse  jvp  double backward  cross-checked"]
    for r in results:
        v = r.verdicts
        lines.append(f"{r.name:<{width}}  {r.max_abs_error:>13.2e}  {r.max_rel_error:>13.2e}  "
                     f"{r.elements:>8}  {_mark(v['reverse']):>7}  {_mark(v['jvp']):>3}  "
                     f"{_mark(v['double backward']):>15}  {_mark(v['cross-checked']):>13}")
    return "\n".join(lines)


def _where(cls: type) -> str:
    return cls.__module__.removeprefix("tinygrad_bn.")


def format_ops(table: dict[type, dict[str, bool]]) -> str:
    """The op table as plain text: op, module, one column per check."""
    width = max(len(cls.__name__) for cls in table)
    where = max(len(_where(cls)) for cls in table)
    lines = [f"{'op':<{width}}  {'module':<{where}}  reverse  jvp  double backward  "
             f"cross-checked"]
    for cls, marks in table.items():
        m = {check: "yes" if marks[check] else "-" for check in CHECKS}
        lines.append(f"{cls.__name__:<{width}}  {_where(cls):<{where}}  {m['reverse']:>7}  "
                     f"{m['jvp']:>3}  {m['double backward']:>15}  {m['cross-checked']:>13}")
    return "\n".join(lines)


def markdown_ops(table: dict[type, dict[str, bool]]) -> str:
    """The op table as Markdown (docs/op-coverage.md)."""
    rows = ["| op | module | reverse | jvp | double backward | cross-checked |",
            "| --- | --- | --- | --- | --- | --- |"]
    for cls, marks in table.items():
        cells = " | ".join("yes" if marks[check] else "-" for check in CHECKS)
        rows.append(f"| `{cls.__name__}` | `{_where(cls)}` | {cells} |")
    gaps = sum(not any(marks.values()) for marks in table.values())
    rows.append(f"\n{len(table)} op classes; {gaps} reached by no case.")
    return "\n".join(rows)


def gaps(table: dict[type, dict[str, bool]]) -> list[str]:
    """The op classes no passing case reaches under any check."""
    return [cls.__name__ for cls, marks in table.items() if not any(marks.values())]


def progress_line(k: int, n: int, name: str) -> None:
    """`[k/n] case` on stderr, rewritten in place on a terminal."""
    end = "\r" if sys.stderr.isatty() else "\n"
    print(f"[{k + 1}/{n}] {name}"[:79].ljust(79 if end == "\r" else 0), end=end,
          file=sys.stderr, flush=True)
