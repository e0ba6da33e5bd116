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

import builtins
import sys
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import recording
from ..autograd.primitive import HOOK_CLOCK
from ..nn import structure
from ..nn.module import Module
from ..tensor import Tensor, is_grad_enabled
from . import trace
from .discovery import Watch, reach
from .guards import Fallback
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
        self.check: Callable[[tuple], bool] | None = None  # arguments of this signature?


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
        self._watch: Watch | None = None
        self._hooks_at = HOOK_CLOCK[0]  # the hook clock's reading the entries were made at
        self._held: tuple = ()
        self._residual: Callable[[], bool] | None = None
        # the last replayed entry, while nothing it assumes may have changed: (structure
        # clock at the last full check, the entry's signature check, the entry, the check
        # of what the clock does not cover or None); see __call__
        self._fast: tuple[int, Callable[[tuple], bool], _Entry, Callable | None] | None = None

    # ---- what fn reaches ----
    def _reach(self, args: tuple) -> tuple[list[Module], list[Tensor]]:
        if self._reached is None:
            modules, tensors, self._watch = reach(self.fn, args)
            self._reached = modules, tensors
            self._residual = self._watch.residual()
        return self._reached

    def _changed(self) -> str | None:
        """What the programs assume and no longer holds (discovery.Watch), or None."""
        return None if self._watch is None else self._watch.changed()

    def _key(self, args: tuple) -> Any:
        parts = tuple(_arg_key(a, 0) for a in args)
        # the objects inside non-array arguments are traced by identity: new ones (a list
        # whose element was replaced) need the reach walked again
        held = tuple(p for p in parts if p[0] not in ("T", "A", "V"))
        if held != self._held:
            self._held, self._reached = held, None
        modules, _ = self._reach(args)
        return parts, is_grad_enabled(), tuple(m.training for m in modules)

    # ---- calls ----
    def __call__(self, *args: Any) -> Any:
        if recording.active() is not None:  # set by every recording (also while tracing)
            return self.fn(*args)  # called from inside another recording: part of it
        with self._lock:
            # the common call: the same signature as the last replay, and the structure
            # clock (nn/structure.py) unmoved since the full check before it, so that of
            # the Watch only what the clock does not cover needs checking
            fast = self._fast
            if fast is not None and fast[0] == structure.now and fast[1](args) and \
                    self._hooks_at == HOOK_CLOCK[0] and (fast[3] is None or fast[3]()):
                return self._replay(fast[2], args, 3)
            return self._call(args)

    def _call(self, args: tuple) -> Any:
        clock = structure.now  # read before the check: a change after it moves the clock
        self._fast = None
        change = self._changed() if self._reached is not None else None
        if change is None and self._hooks_at != HOOK_CLOCK[0]:
            # a hook registered or removed anywhere: programs run the hooks they were
            # recorded with (the clock is global: any hook's change records again)
            change = "a hook was registered or removed" if self.entries else None
            self._hooks_at = HOOK_CLOCK[0]
        if change is not None:  # a parameter replaced, a setting changed ...: start over
            if any(e.program is not None for e in self.entries.values()):
                warnings.warn(f"tg.compile({_name(self.fn)}): {change} since the recording: "
                              f"recording again", CompileWarning, stacklevel=3)
            self.entries.clear()
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
            if self._watch is not None and self._watch.clocked:
                if entry.check is None:
                    entry.check = _signature_check(args, key[1])
                if entry.check is not _NO_CHECK:
                    self._fast = (clock, entry.check, entry, self._residual)
            return self._replay(entry, args, 4)
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
                if any(ctx.released for ctx in first.live):
                    raise Unreplayable(
                        "the caller ran backward through the tensor it returned (a replay's "
                        "results have no graph): call backward inside the compiled function")
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

    def _replay(self, entry: _Entry, args: tuple, stacklevel: int) -> Any:
        try:
            result = entry.program.run(args)  # type: ignore[union-attr]
        except _Changed:
            self.entries.clear()
            self._reached = self._fast = None
            return self._call(args)
        except Fallback as reason:  # nothing ran yet: this call is eager's
            warnings.warn(f"tg.compile({_name(self.fn)}): {reason}: this call runs "
                          f"eagerly", CompileWarning, stacklevel=stacklevel)
            self.stats["eager"] += 1
            return self.fn(*args)
        self.stats["replayed"] += 1
        return result

    def _record(self, args: tuple) -> tuple[Any, Recorder]:
        _, tensors = self._reach(args)
        rec = Recorder()
        rec.live = []
        call_args = list(args)
        swapped: list[tuple[Any, Any, Any]] = []  # (tensor, original array, traced)
        buffers: list[tuple[Module, str, Any, Any]] = []
        arg_ids = set()
        for i, a in enumerate(args):
            if isinstance(a, Tensor):
                arg_ids.add(id(a))
                traced = rec.new_slot(a._data, ("arg", i, True))
                swapped.append((a, a._data, traced))
                _store(a, traced)
                if a.requires_grad:
                    rec.tensors.append(a)
                    rec.tensor_keys.append(("arg", i))
            elif isinstance(a, np.ndarray):
                call_args[i] = rec.new_slot(a, ("arg", i, False))
        checks = []
        for t in tensors:
            if id(t) in arg_ids:
                continue
            traced = rec.new_slot(t._data, ("tensor", t))
            checks.append((len(rec.rec.values) - 1, t._data.shape, t._data.dtype,
                           t.requires_grad))
            swapped.append((t, t._data, traced))
            _store(t, traced)
            rec.tensors.append(t)
            rec.tensor_keys.append(("tensor", t))
        for m in self._reached[0]:
            for name, array in list(m._buffers.items()):
                if isinstance(array, np.ndarray):
                    traced = rec.new_slot(array, ("buffer", m, name))
                    checks.append((len(rec.rec.values) - 1, array.shape, array.dtype, None))
                    buffers.append((m, name, array, traced))
                    m._buffers[name] = traced
        rec.checks = checks
        rec.start()
        previous_hook = recording.set_active(rec)
        previous_trace = getattr(trace._local, "recorder", None)
        trace._local.recorder = rec
        self.stats["recorded"] += 1
        try:
            with trace.converting():
                result = self.fn(*call_args)
            rec.rec.end_grads = rec.grad_state()
            rec.result = _encode_result(rec, result)
            rec.live = _live_graphs(result)  # checked when the program is built
        finally:
            trace._local.recorder = previous_trace
            recording.set_active(previous_hook)
            for t, original, traced in swapped:
                if t._data is traced:
                    _store(t, original)
                else:
                    rec.failure = "the function assigned a new array to a tensor's .data"
                    _store(t, plain(t._data))
            for m, name, original, traced in buffers:
                if m._buffers.get(name) is traced:
                    m._buffers[name] = original
                else:
                    rec.failure = "the function replaced a module buffer"
            for t in rec.tensors:
                if t._grad is not None and isinstance(t._grad._data, Traced):
                    _store(t._grad, plain(t._grad._data))
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


def _arg_key(a: Any, depth: int) -> tuple:
    """An argument's part of the signature: shape, dtype and strides of arrays (the program
    reads views into them at the recorded strides); the identity of tensors and other
    objects inside containers (the program reads those tensors by identity); values of
    hashable plain values."""
    if isinstance(a, Tensor):
        return ("T", a._data.shape, a._data.dtype.str, a._data.strides, a.requires_grad) \
            if depth == 0 else ("t", id(a))
    if isinstance(a, np.ndarray):
        return ("A", a.shape, a.dtype.str, a.strides) if depth == 0 else ("a", id(a))
    if type(a) in (list, tuple) and depth < 3:
        return ("L", type(a).__name__, tuple(_arg_key(v, depth + 1) for v in a[:1000]))
    if type(a) is dict and depth < 3:
        return ("D", tuple((k, _arg_key(v, depth + 1)) for k, v in list(a.items())[:1000]))
    if isinstance(a, bool | int | float | complex | str | bytes | type(None)):
        return ("V", type(a), a)
    return ("O", id(a))


def _NO_CHECK(args: tuple) -> bool:  # noqa: N802 (a marker: no fast path for the entry)
    return False


def _signature_check(args: tuple, grad_mode: bool) -> Callable[[tuple], bool]:
    """A generated check that a call's arguments have the signature of `args` (and grad
    mode is `grad_mode`): stricter than `_arg_key` (exact types, the same dtype objects),
    so that passing it means the same entry. _NO_CHECK where an argument is neither an
    array, a Tensor nor a plain value (what containers hold is followed by the slow path)."""
    names: dict[str, Any] = {"is_grad_enabled": is_grad_enabled}

    def name(value: Any) -> str:
        key = f"k{len(names)}"
        names[key] = value
        return key

    lines = ["def check(args):",
             f"    if len(args) != {len(args)} or is_grad_enabled() is not {grad_mode}:",
             "        return False"]
    for i, a in enumerate(args):
        lines.append(f"    a = args[{i}]")
        if isinstance(a, Tensor | np.ndarray):
            test = f"type(a) is not {name(type(a))}"
            if isinstance(a, Tensor):
                test += f" or a.requires_grad is not {a.requires_grad}"
            lines += [f"    if {test}:", "        return False"]
            d = a._data if isinstance(a, Tensor) else a
            if isinstance(a, Tensor):
                lines.append("    a = a._data")
            lines += [f"    if a.shape != {d.shape!r} or a.strides != {d.strides!r} or "
                      f"a.dtype is not {name(d.dtype)}:", "        return False"]
        elif type(a) in (bool, int, float, complex, str, bytes, type(None)):
            lines += [f"    if type(a) is not {name(type(a))} or a != {name(a)}:",
                      "        return False"]
        else:
            return _NO_CHECK
    lines.append("    return True")
    source = "\n".join(lines) + "\n"
    exec(builtins.compile(source, "<tg.compile signature>", "exec"), names)  # noqa: S102
    return names["check"]


def _name(fn: Callable) -> str:
    return getattr(fn, "__qualname__", repr(fn))


def _encode_result(rec: Recorder, value: Any) -> Any:
    if isinstance(value, Tensor):
        # a result made by an op requires grad: its replayed twin too ("graph", see Replayed)
        return ("tensor" if value._ctx is None else "graph", rec.encode(value._data))
    if isinstance(value, tuple | list):
        return ("seq", type(value).__name__, [_encode_result(rec, v) for v in value])
    return rec.encode(value)


def _merge_result(a: Any, b: Any) -> Any:
    if a[0] == b[0] and a[0] in ("tensor", "graph"):
        return (a[0], merge(a[1], b[1], "the returned tensor"))
    if a[0] == "seq" and b[0] == "seq" and a[1] == b[1] and len(a[2]) == len(b[2]):
        return ("seq", a[1], [_merge_result(x, y) for x, y in zip(a[2], b[2])])
    if {a[0], b[0]} & {"seq", "tensor", "graph"}:
        raise Unreplayable("the function returned different kinds of values")
    return merge(a, b, "the returned value")


def _live_graphs(value: Any) -> list[Any]:
    """The ops that made the returned tensors whose graph no backward has freed yet."""
    if isinstance(value, Tensor):
        ctx = value._ctx
        return [ctx] if ctx is not None and not ctx.released else []
    if isinstance(value, tuple | list):
        return [ctx for v in value for ctx in _live_graphs(v)]
    return []


def _plain_result(value: Any) -> Any:
    if isinstance(value, Tensor):
        _store(value, plain(value._data))
        return value
    if isinstance(value, tuple | list):
        return type(value)(_plain_result(v) for v in value)
    return plain(value)


def _store(t: Tensor, array: np.ndarray) -> None:
    """Put `array` behind `t` as it is (a traced stand-in, or the original back), bypassing
    the `.data` setter, which would keep an array of the same memory."""
    t._data, t._data_view = array, None
