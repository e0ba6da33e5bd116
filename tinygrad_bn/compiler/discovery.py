"""What a compiled function reaches, and the Python state its programs assume.

`reach(fn, args)` walks what `fn` can reach: its closure cells, the globals its code
names, its defaults, a bound method's object, and its non-array arguments; it follows
modules (parameters, submodules), optimizers (their parameters), containers, nested
functions and, two levels deep, the attributes of plain objects (`holder.w`). The
tensors it finds are the ones a recording traces; everything else the function reads
is baked into the program.

`Watch` lists what the programs assume about that state and `changed()` says what no
longer holds, before a replay: a parameter, buffer or submodule replaced or added, a
tensor or module held by a plain object replaced, and the value of a Python scalar the
function can read (a global it names, a closure cell, a module's attribute such as
`momentum` or `negative_slope`, a plain object's attribute). The compiled function
then records again. What it cannot see: Python side effects of the function (they run
only while recording) and state reached another way (docs/autograd.md, section 7).

What it watches of modules (their registries and attributes) is *covered* by the
structure clock (nn/structure.py): while the clock has not moved since a full check,
only the rest (`Watch.residual`: globals, closure cells, plain objects) is checked.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ..nn.module import Module
from ..nn.structure import Registry
from ..optim import Optimizer
from ..optim.lr_scheduler import LRScheduler
from ..tensor import Tensor

_SCALARS = (bool, int, float, complex, str, bytes, type(None))
_PLAIN_DEPTH = 2  # how far attributes of plain objects are followed
_MAX_ITEMS = 100_000


def _scalar(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(_scalar(v) for v in value)
    return isinstance(value, _SCALARS) or isinstance(value, np.generic)


def _has_contents(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


class Watch:
    """Registries whose entries must stay the same objects, and Python scalars whose values
    must stay equal (see the module docstring)."""

    def __init__(self) -> None:
        self.same: list[tuple[dict, Any, Any, str]] = []  # (dict, key, object, where)
        self.lengths: list[tuple[dict, int, str]] = []
        self.equal: list[tuple[Any, Any, Any, str]] = []  # (dict or cell, key, value, where)
        self.covered: set[int] = set()  # ids of the entries the structure clock covers
        self.clocked = True  # every module reached moves the clock (their training flags too)
        self._fast: Callable[[], bool] | None = None  # built on the first check

    def registry(self, registry: dict, where: str, only_objects: bool = False,
                 covered: bool = False) -> None:
        if not only_objects:
            self._add(self.lengths, (registry, len(registry), where), covered)
        for k, v in registry.items():
            if isinstance(v, Tensor | Module | Optimizer | np.ndarray) or \
                    (not only_objects and v is not None):
                self._add(self.same, (registry, k, v, f"{where}[{k!r}]"), covered)

    def scalars(self, namespace: Any, where: str, skip: tuple = (),
                covered: bool = False) -> None:
        for k, v in list(namespace.items()):
            if k not in skip and _scalar(v):
                self._add(self.equal, (namespace, k, v, f"{where}.{k}"), covered)

    def _add(self, entries: list, entry: tuple, covered: bool) -> None:
        entries.append(entry)
        if covered:
            self.covered.add(id(entry))

    def residual(self) -> Callable[[], bool] | None:
        """The check of the entries the structure clock does not cover (True: unchanged),
        or None when there are none."""
        if all(id(e) in self.covered for e in (*self.lengths, *self.same, *self.equal)):
            return None
        return self._unchanged(lambda e: id(e) not in self.covered)

    def changed(self) -> str | None:
        """What no longer holds (a description), or None. Checked before every replay, so
        first by one generated expression (`_unchanged`, ~1 us where the loops below take
        5-8 us for a model of ten layers); the loops say what changed when it fails."""
        if self._fast is None:
            self._fast = self._unchanged()
        try:
            if self._fast():
                return None
        except Exception:  # noqa: BLE001 (an odd __eq__: the loops below decide)
            pass
        return self._describe()

    def _unchanged(self, which: Callable[[tuple], bool] = lambda e: True
                   ) -> Callable[[], bool]:
        """One boolean expression over every entry (`which` says): True when nothing
        changed (False may also mean a NaN compared unequal to itself: the loops decide
        then)."""
        names: dict[str, Any] = {"_MISSING": _MISSING}

        def name(value: Any) -> str:
            key = f"w{len(names)}"
            names[key] = value
            return key

        terms = ["True"]
        for registry, n, _ in filter(which, self.lengths):
            terms.append(f"len({name(registry)}) == {n}")
        for registry, k, v, _ in filter(which, self.same):
            terms.append(f"{name(registry)}.get({name(k)}) is {name(v)}")
        for holder, k, v, _ in filter(which, self.equal):
            now = f"{name(holder)}.cell_contents" if k is None else \
                f"{name(holder)}.get({name(k)}, _MISSING)"
            value = name(v)
            terms.append(f"type({now}) is {name(type(v))} and {now} == {value}")
        source = "def unchanged():\n    return (" + " and\n            ".join(terms) + ")\n"
        exec(compile(source, "<tg.compile watch>", "exec"), names)  # noqa: S102
        return names["unchanged"]

    def _describe(self) -> str | None:
        for registry, n, where in self.lengths:
            if len(registry) != n:
                return f"{where} has {len(registry)} entries, not {n}"
        for registry, k, v, where in self.same:
            if registry.get(k) is not v:
                return f"{where} was replaced"
        for holder, k, v, where in self.equal:
            now = holder.cell_contents if k is None else holder.get(k, _MISSING)
            if type(now) is not type(v) or not _same(now, v):
                return f"{where} changed from {v!r} to {now!r}"
        return None


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) or (a != a and b != b)  # NaN equals NaN here
    except (TypeError, ValueError):
        return a is b


def _roots(fn: Any, watch: Watch) -> list[Any]:
    """What a function can reach: closure cells, referenced globals, defaults (scalars
    among the cells and globals are watched)."""
    if isinstance(fn, types.MethodType):
        return [fn.__self__, fn.__func__]
    if not isinstance(fn, types.FunctionType):
        return [fn] if isinstance(fn, Module) else list(vars(fn).values()) \
            if hasattr(fn, "__dict__") else []
    name = getattr(fn, "__qualname__", "fn")
    found: list[Any] = []
    for var, cell in zip(fn.__code__.co_freevars, fn.__closure__ or ()):
        if _has_contents(cell):
            found.append(cell.cell_contents)
            if _scalar(cell.cell_contents):
                watch.equal.append((cell, None, cell.cell_contents, f"{name}: closure {var}"))
    codes = [fn.__code__]
    while codes:
        code = codes.pop()
        for n in code.co_names:
            if n in fn.__globals__:
                value = fn.__globals__[n]
                found.append(value)
                if _scalar(value):
                    watch.equal.append((fn.__globals__, n, value, f"global {n}"))
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    found += list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values())
    return found


def _clocked(module: Module, registries: list[dict]) -> bool:
    """Whether every change of the module's registries, attributes and training flag moves
    the structure clock: Registry dicts, and Module's own __setattr__, __delattr__, train."""
    cls = type(module)
    return all(type(r) is Registry for r in registries) and \
        cls.__setattr__ is Module.__setattr__ and cls.__delattr__ is Module.__delattr__ and \
        cls.train is Module.train


def reach(fn: Callable[..., Any], args: tuple = ()) -> tuple[list[Module], list[Tensor], Watch]:
    """The modules (each once, submodules included) and tensors (parameters, tensors in
    closures, globals and plain objects, optimizers' parameters) that `fn` reaches, and the
    Watch of the state its programs assume."""
    watch = Watch()
    modules: list[Module] = []
    tensors: list[Tensor] = []
    seen: set[int] = set()
    # arguments change from call to call: only the modules and optimizers among them count
    stack = [(obj, 0) for obj in (*_roots(fn, watch), *(
        a for a in args if not isinstance(a, Tensor | np.ndarray)))]
    while stack:
        obj, depth = stack.pop()
        if id(obj) in seen or isinstance(obj, types.ModuleType | type):
            continue
        seen.add(id(obj))
        if isinstance(obj, Module):
            modules.append(obj)
            where = type(obj).__name__
            registries = ((obj._parameters, "parameters"), (obj._buffers, "buffers"),
                          (obj._modules, "modules"))
            clocked = _clocked(obj, [r for r, _ in registries])
            watch.clocked = watch.clocked and clocked
            for registry, kind in registries:
                watch.registry(registry, f"{where}.{kind}", covered=clocked)
            watch.scalars(vars(obj), where, skip=("training",), covered=clocked)
            stack += [(p, depth) for p in obj._parameters.values() if p is not None]
            stack += [(b, depth) for b in obj._buffers.values() if isinstance(b, Tensor)]
            stack += [(m, depth) for m in obj._modules.values() if m is not None]
        elif isinstance(obj, Tensor):
            tensors.append(obj)
        elif isinstance(obj, Optimizer):
            stack += [(p, depth) for p in obj.params]
        elif isinstance(obj, LRScheduler):  # its state changes in its replayed step()
            stack.append((obj.optimizer, depth))
        elif isinstance(obj, list | tuple | set | frozenset):
            stack += [(v, depth) for v in list(obj)[:_MAX_ITEMS]]
        elif isinstance(obj, dict):
            stack += [(v, depth) for v in list(obj.values())[:_MAX_ITEMS]]
        elif isinstance(obj, types.FunctionType | types.MethodType):
            stack += [(r, depth) for r in _roots(obj, watch)]
        elif depth < _PLAIN_DEPTH and isinstance(getattr(obj, "__dict__", None), dict) and \
                not callable(obj) and len(vars(obj)) <= 1000:
            # a plain object holding tensors or settings (holder.w, config.scale)
            where = type(obj).__name__
            watch.registry(vars(obj), where, only_objects=True)
            watch.scalars(vars(obj), where)
            stack += [(v, depth + 1) for v in vars(obj).values()]
    return modules, tensors, watch
