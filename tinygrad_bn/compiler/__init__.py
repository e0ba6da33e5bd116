"""`tg.compile(fn)`: record a step once per signature, replay it as a flat NumPy program.

    step = tg.compile(train_step)      # train_step(x, y) -> loss, a Python function
    for x, y in loader:
        loss = step(x, y)              # calls 1-2: eager (recorded); then: replay

A signature is the shapes and dtypes of the arguments (the values of non-array ones),
the grad mode and the training flags of the modules `fn` reaches. The first two calls
of a signature run `fn` eagerly while `trace.py` records its NumPy calls; `program.py`
compares the two recordings and builds one straight-line program; every later call runs
that program on the new arguments. How it works and what it cannot replay:
docs/autograd.md, "Recording and replay".

The engine does not know about any of this: the recording follows the arrays (an
ndarray subclass), and the only hook is tinygrad_bn/recording.py, which the optimizers,
`zero_grad` and the random draws of dropout use.
"""

from __future__ import annotations

import sys
import threading
import types
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import recording
from ..nn.module import Module
from ..optim import Optimizer
from ..tensor import Tensor, is_grad_enabled
from . import trace
from .program import GuardFailed, Program, Unreplayable, merge
from .trace import CompileError, Recorder, Traced, plain

__all__ = ["CompileError", "CompileWarning", "CompiledFunction", "GuardFailed", "compile"]


class CompileWarning(UserWarning):
    """A signature of a compiled function runs eagerly (the message says why)."""


class _Changed(Exception):
    """The modules or parameters the program reads were replaced: record again."""


class _Entry:
    def __init__(self) -> None:
        self.recordings: list[Any] = []
        self.program: Program | None = None
        self.reason: str | None = None


def compile(fn: Callable[..., Any] | None = None, *, explain: bool = False,  # noqa: A001
            max_signatures: int = 8) -> Any:
    """Wrap `fn` so that its calls are recorded once per signature and then replayed.

    `fn(*args)` takes Tensors, arrays or plain values and returns Tensors (or tuples /
    lists of them, or None). `explain=True` prints each program when it is built (or
    why a signature runs eagerly). At most `max_signatures` programs are kept (least
    recently used dropped). Usable as `@tg.compile` or `@tg.compile(explain=True)`."""
    if fn is None:
        return lambda f: CompiledFunction(f, explain, max_signatures)
    return CompiledFunction(fn, explain, max_signatures)


class CompiledFunction:
    """The callable `tg.compile` returns; `.explain()` prints the recorded programs,
    `.stats` counts eager, recorded and replayed calls."""

    def __init__(self, fn: Callable[..., Any], explain: bool, max_signatures: int) -> None:
        if not callable(fn):
            raise CompileError(f"tg.compile: expected a function, got {type(fn).__name__}")
        if max_signatures < 1:
            raise CompileError(f"tg.compile: max_signatures must be >= 1, got {max_signatures}")
        self.fn = fn
        self.verbose = explain
        self.max_signatures = max_signatures
        self.entries: OrderedDict[Any, _Entry] = OrderedDict()
        self.stats = {"recorded": 0, "replayed": 0, "eager": 0}
        self._reached: tuple[list[Module], list[Tensor]] | None = None
        # one call at a time: a program's buffers are shared by every replay of it
        self._lock = threading.RLock()
        self._watch: list[tuple[dict, Any, Any]] = []
        self._lengths: list[tuple[dict, int]] = []

    # ---- what fn reaches ----
    def _reach(self, args: tuple) -> tuple[list[Module], list[Tensor]]:
        if self._reached is None:
            modules, tensors = reach(self.fn, args)
            self._reached = modules, tensors
            self._watch, self._lengths = [], []
            for m in modules:
                for registry in (m._parameters, m._buffers, m._modules):
                    self._lengths.append((registry, len(registry)))
                    self._watch += [(registry, k, v) for k, v in registry.items()]
        return self._reached

    def _unchanged(self) -> bool:
        for registry, n in self._lengths:
            if len(registry) != n:
                return False
        for registry, k, v in self._watch:
            if registry.get(k) is not v:
                return False
        return True

    def _key(self, args: tuple) -> Any:
        modules, _ = self._reach(args)
        parts: list[Any] = []
        for a in args:
            if isinstance(a, Tensor):
                parts.append(("T", a.data.shape, a.data.dtype.str, a.requires_grad))
            elif isinstance(a, np.ndarray):
                parts.append(("A", a.shape, a.dtype.str))
            else:
                try:
                    hash(a)
                    parts.append(("V", type(a), a))
                except TypeError:
                    parts.append(("O", id(a)))
        return tuple(parts), is_grad_enabled(), tuple(m.training for m in modules)

    # ---- calls ----
    def __call__(self, *args: Any) -> Any:
        if trace.current() is not None or recording.active() is not None:
            return self.fn(*args)  # called from inside another recording: part of it
        with self._lock:
            return self._call(args)

    def _call(self, args: tuple) -> Any:
        if self._reached is not None and not self._unchanged():
            self.entries.clear()  # a module, parameter or buffer was replaced: start over
            self._reached = None
        key = self._key(args)
        entry = self.entries.get(key)
        if entry is None:
            entry = self.entries[key] = _Entry()
            while len(self.entries) > self.max_signatures:
                self.entries.popitem(last=False)
        else:
            self.entries.move_to_end(key)
        if entry.program is not None:
            try:
                result = entry.program.run(args)
            except _Changed:
                self.entries.clear()
                self._reached = None
                return self._call(args)
            self.stats["replayed"] += 1
            return result
        if entry.reason is not None:
            self.stats["eager"] += 1
            return self.fn(*args)
        result, rec = self._record(args)
        entry.recordings.append(rec)
        if len(entry.recordings) == 2:
            first, second = entry.recordings
            entry.recordings = []
            try:
                if first.failure or second.failure:
                    raise Unreplayable(first.failure or second.failure)
                entry.program = Program(first.rec, second.rec, second.tensor_keys,
                                        _merge_result(first.result, second.result),
                                        second.checks, _Changed)
                if self.verbose:
                    print(entry.program.source, file=sys.stdout)
            except Unreplayable as reason:
                entry.reason = str(reason)
                warnings.warn(f"tg.compile({_name(self.fn)}): this signature runs eagerly: "
                              f"{reason}", CompileWarning, stacklevel=2)
                if self.verbose:
                    print(f"# eager: {reason}", file=sys.stdout)
        return result

    def _record(self, args: tuple) -> tuple[Any, Recorder]:
        _, tensors = self._reach(args)
        rec = Recorder()
        rec.failure = None
        call_args = list(args)
        swapped: list[tuple[Any, Any, Any]] = []  # (tensor, original array, traced)
        buffers: list[tuple[Module, str, Any, Any]] = []
        arg_ids = set()
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                arg_ids.add(id(a))
                traced = rec.new_slot(a.data, ("arg", i, True))
                swapped.append((a, a.data, traced))
                a.data = traced
                if a.requires_grad:
                    rec.tensors.append(a)
                    rec.tensor_keys.append(("arg", i))
            elif isinstance(a, np.ndarray):
                call_args[i] = rec.new_slot(a, ("arg", i, False))
        checks = []
        for t in tensors:
            if id(t) in arg_ids:
                continue
            traced = rec.new_slot(t.data, ("tensor", t))
            checks.append((len(rec.rec.values) - 1, t.data.shape, t.data.dtype))
            swapped.append((t, t.data, traced))
            t.data = traced
            rec.tensors.append(t)
            rec.tensor_keys.append(("tensor", t))
        for m in self._reached[0]:
            for name, array in list(m._buffers.items()):
                if isinstance(array, np.ndarray):
                    traced = rec.new_slot(array, ("buffer", m, name))
                    checks.append((len(rec.rec.values) - 1, array.shape, array.dtype))
                    buffers.append((m, name, array, traced))
                    m._buffers[name] = traced
        rec.checks = checks
        previous_hook = recording.set_active(rec)
        previous_trace = getattr(trace._local, "recorder", None)
        trace._local.recorder = rec
        self.stats["recorded"] += 1
        try:
            with trace.converting():
                result = self.fn(*call_args)
            rec.rec.end_grads = rec.grad_state()
            rec.result = _encode_result(rec, result)
        finally:
            trace._local.recorder = previous_trace
            recording.set_active(previous_hook)
            for t, original, traced in swapped:
                if t.data is traced:
                    t.data = original
                else:
                    rec.failure = "the function assigned a new array to a tensor's .data"
                    t.data = plain(t.data)
            for m, name, original, traced in buffers:
                if m._buffers.get(name) is traced:
                    m._buffers[name] = original
                else:
                    rec.failure = "the function replaced a module buffer"
            for t in rec.tensors:
                if t.grad is not None and isinstance(t.grad.data, Traced):
                    t.grad.data = plain(t.grad.data)
        for root, _ in rec.rec.scratch.values():
            if any(root is original for _, original, _ in swapped) or \
                    any(root is original for _, _, original, _ in buffers):
                rec.failure = ("the function wrote into a tensor's array through a copy "
                               "the recorder did not follow")
        return _plain_result(result), rec

    def explain(self, file: Any = None) -> str:
        """Print (to `file`, default stdout) and return every signature's program."""
        parts = []
        for key, entry in self.entries.items():
            head = f"# signature {key}"
            if entry.program is not None:
                parts.append(f"{head}\n{entry.program.source}")
            elif entry.reason is not None:
                parts.append(f"{head}\n# runs eagerly: {entry.reason}\n")
            else:
                parts.append(f"{head}\n# recorded {len(entry.recordings)} time(s); the program "
                             f"is built after the second call\n")
        text = "\n".join(parts) if parts else "# nothing recorded yet\n"
        print(text, file=file or sys.stdout, end="")
        return text


def _name(fn: Callable) -> str:
    return getattr(fn, "__qualname__", repr(fn))


def _encode_result(rec: Recorder, value: Any) -> Any:
    if isinstance(value, Tensor):
        return ("tensor", rec.encode(value.data))
    if isinstance(value, tuple | list):
        return ("seq", type(value).__name__, [_encode_result(rec, v) for v in value])
    return rec.encode(value)


def _merge_result(a: Any, b: Any) -> Any:
    if a[0] == "tensor" and b[0] == "tensor":
        return ("tensor", merge(a[1], b[1], "the returned tensor"))
    if a[0] == "seq" and b[0] == "seq" and a[1] == b[1] and len(a[2]) == len(b[2]):
        return ("seq", a[1], [_merge_result(x, y) for x, y in zip(a[2], b[2])])
    if "seq" in (a[0], b[0]) or "tensor" in (a[0], b[0]):
        raise Unreplayable("the function returned different kinds of values")
    return merge(a, b, "the returned value")


def _plain_result(value: Any) -> Any:
    if isinstance(value, Tensor):
        value.data = plain(value.data)
        return value
    if isinstance(value, tuple | list):
        return type(value)(_plain_result(v) for v in value)
    return plain(value)


# ---------------------------------------------------------------- discovery


def _roots(fn: Any) -> list[Any]:
    """What a function can reach: closure cells, referenced globals, defaults."""
    if isinstance(fn, types.MethodType):
        return [fn.__self__, fn.__func__]
    if not isinstance(fn, types.FunctionType):
        return [fn] if isinstance(fn, Module) else list(vars(fn).values()) \
            if hasattr(fn, "__dict__") else []
    found: list[Any] = [c.cell_contents for c in fn.__closure__ or ()
                        if _has_contents(c)]
    codes = [fn.__code__]
    while codes:
        code = codes.pop()
        found += [fn.__globals__[n] for n in code.co_names if n in fn.__globals__]
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    found += list(fn.__defaults__ or ()) + list((fn.__kwdefaults__ or {}).values())
    return found


def _has_contents(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def reach(fn: Callable[..., Any], args: tuple = ()) -> tuple[list[Module], list[Tensor]]:
    """The modules (each once, submodules included) and tensors (parameters, tensors in
    closures and globals, optimizers' parameters) that `fn` reaches through its closure,
    the globals it names, its defaults, a bound method's object, and its arguments; nested
    functions and containers are followed, other objects are not."""
    modules: list[Module] = []
    tensors: list[Tensor] = []
    seen: set[int] = set()
    # arguments change from call to call: only the modules and optimizers among them count
    stack = [*_roots(fn), *(a for a in args if not isinstance(a, Tensor | np.ndarray))]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, types.ModuleType | type):
            continue
        seen.add(id(obj))
        if isinstance(obj, Module):
            modules.append(obj)
            stack += [p for p in obj._parameters.values() if p is not None]
            stack += [m for m in obj._modules.values() if m is not None]
        elif isinstance(obj, Tensor):
            tensors.append(obj)
        elif isinstance(obj, Optimizer):
            stack += obj.params
        elif isinstance(obj, list | tuple | set | frozenset):
            stack += list(obj)[:100_000]
        elif isinstance(obj, dict):
            stack += list(obj.values())[:100_000]
        elif isinstance(obj, types.FunctionType | types.MethodType):
            stack += _roots(obj)
    return modules, tensors
