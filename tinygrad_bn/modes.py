"""The engine's modes, per thread: gradient recording (`no_grad`) and anomaly detection.

Each thread has its own modes, as in PyTorch: `no_grad` in one thread leaves every
other thread recording, and a new thread starts with recording on and anomaly
detection off. A mode is set by contexts (`ModeContext`): while some are open in a
thread, the innermost open one decides; with none open, the default holds. So a
context that exits restores exactly what the contexts still open say, in whatever
order they exit: `a = no_grad(); b = no_grad()`, enter a, enter b, exit a, exit b
leaves recording on (a stack of saved previous values would leave it off).

`Function.apply` reads one attribute per op, `state.op_mode`: 0 = do not record,
1 = record, 2 = anomaly detection (which then reads `grad_enabled` itself). One
thread-local lookup instead of two keeps the hot path cheap (benchmarks/bench_modes.py).
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from typing import Any

from .errors import ArgumentTypeError, short_repr

DEFAULTS = {"grad_enabled": True, "anomaly": False}
NO_RECORD, RECORD, ANOMALY = 0, 1, 2
# inference_mode blocks open in all threads: while 0, making a tensor asks nothing more
# (tensor.py reads it on every tensor made; a list so that the reader holds it as a global)
INFERENCE_OPEN = [0]
_lock = threading.Lock()


class _ThreadState(threading.local):
    """The modes of the current thread (each thread runs __init__ on first use)."""

    def __init__(self) -> None:
        self.grad_enabled = DEFAULTS["grad_enabled"]
        self.anomaly = DEFAULTS["anomaly"]
        self.op_mode = RECORD
        self.open: dict[str, list[ModeContext]] = {name: [] for name in DEFAULTS}
        self.base = dict(DEFAULTS)  # what holds with no context open (set_grad_enabled(b))
        self.backward_ops: list[Any] = []  # ops whose backward is running (anomaly.py)
        self.profiler: Any = None  # a running tg.profiler.profile (tinygrad_bn/profiler/)


state = _ThreadState()


def _update_op_mode(s: _ThreadState) -> None:
    # ANOMALY is the instrumented path: anomaly checks, a profiler's timing, or both;
    # inference mode records nothing, whatever grad mode is opened inside it (PyTorch's)
    s.op_mode = (ANOMALY if s.anomaly or s.profiler is not None
                 else RECORD if s.grad_enabled and not _inference_on(s) else NO_RECORD)


def set_profiler(profiler: Any) -> None:
    """Install `profiler` (None: remove it) in this thread: every op's forward and backward
    then runs through `profiler.forward(ctx, inputs, run)` / `profiler.backward(ctx, grad,
    run)` (autograd/primitive.py, autograd/engine.py)."""
    s = state
    s.profiler = profiler
    _update_op_mode(s)


class ModeContext(contextlib.ContextDecorator):
    """Set the mode named `kind` to `value` in the current thread while the block (or the
    decorated function) runs. One instance may be entered re-entrantly and from several
    threads at once (a decorator is one instance): what is open is kept per thread, not
    on the instance. A class, not a generator: the engine enters one on every backward."""

    kind = ""

    def __init__(self, value: bool) -> None:
        self.mode = bool(value)

    def __enter__(self) -> None:
        s = state
        s.open[self.kind].append(self)
        setattr(s, self.kind, self.mode)
        _update_op_mode(s)

    def __exit__(self, *exc_info: object) -> None:
        s = state
        opened = s.open[self.kind]
        for i in range(len(opened) - 1, -1, -1):  # the innermost entry of this instance
            if opened[i] is self:
                del opened[i]
                break
        self._restore(s)
        setattr(s, self.kind, opened[-1].mode if opened else s.base[self.kind])
        _update_op_mode(s)

    def _restore(self, s: _ThreadState) -> None:
        """Undo what constructing this context did at once (set_grad_enabled's call)."""

    def __call__(self, function: Any) -> Any:
        """As a decorator; a generator function runs each of its steps in the mode, and
        its caller in its own between them (PyTorch's decorators do so: `@no_grad()` on a
        generator does not leak into the loop that iterates it)."""
        if inspect.isgeneratorfunction(function):
            return _stepwise(self, function)
        return super().__call__(function)


def _stepwise(mode: ModeContext, function: Any) -> Any:
    """`function`, a generator function, with `mode` entered around each of its steps."""

    @functools.wraps(function)
    def generator(*args: Any, **kwargs: Any) -> Any:
        with mode:
            inner = function(*args, **kwargs)
        step, value = inner.send, None
        while True:
            try:
                with mode:
                    out = step(value)
            except StopIteration as stop:
                return stop.value
            try:
                step, value = inner.send, (yield out)
            except GeneratorExit:
                with mode:
                    inner.close()
                raise
            except BaseException as error:  # thrown in by the caller: into the inner one
                step, value = inner.throw, error

    return generator


class GradMode(ModeContext):
    """Record the graph (True) or not (False) inside the block: `no_grad`, `enable_grad`."""

    kind = "grad_enabled"


class _Statement(ModeContext):
    """A mode set at once when called (as a statement it holds until changed), and inside
    the block when used with `with`, after which the mode it found is back (as PyTorch's
    set_grad_enabled and set_detect_anomaly). The mode must be a bool, as PyTorch
    requires."""

    op = ""

    def __init__(self, mode: bool) -> None:
        super().__init__(flag(self.op, "mode", mode))
        s = state
        self._found: bool | None = s.base[self.kind]
        s.base[self.kind] = self.mode  # as a statement: the mode from now on
        setattr(s, self.kind, self.mode)
        _update_op_mode(s)

    def _restore(self, s: _ThreadState) -> None:
        if self._found is not None:
            s.base[self.kind] = self._found

    def __call__(self, function: Any) -> Any:
        """As a decorator: the mode applies inside the function only (the call that made
        this context changes nothing), in whichever thread calls it."""
        s = state
        if self._found is not None:
            s.base[self.kind] = self._found
            setattr(s, self.kind, s.open[self.kind][-1].mode if s.open[self.kind] else
                    self._found)
            _update_op_mode(s)
        self._found = None
        return super().__call__(function)


class set_grad_enabled(_Statement, GradMode):  # noqa: N801 (PyTorch's name)
    """Record the graph (mode=True) or not (False) in the current thread: at once when
    called (`tg.set_grad_enabled(False)` as a statement holds until changed), and inside
    the block when used with `with`, after which the mode it found is back."""

    op = "set_grad_enabled"


def flag(op: str, name: str, value: Any) -> bool:
    """`value` if it is a bool (a mode's switch): PyTorch refuses 1, None or a tensor."""
    if not isinstance(value, bool):
        raise ArgumentTypeError(f"{op}: {name} must be a bool (True or False), got "
                                f"{type(value).__name__} {short_repr(value)}")
    return value


class AnomalyMode(ModeContext):
    """Anomaly detection on inside the block, in the current thread (see anomaly.py)."""

    kind = "anomaly"


class set_detect_anomaly(_Statement, AnomalyMode):  # noqa: N801 (PyTorch's name)
    """Anomaly detection on (mode=True) or off in the current thread, at once or inside
    the block, as set_grad_enabled (PyTorch's torch.autograd.set_detect_anomaly;
    `check_nan` is accepted: the checks always look for NaN and inf)."""

    op = "set_detect_anomaly"

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        flag(self.op, "check_nan", check_nan)
        super().__init__(mode)


def no_grad() -> GradMode:
    """Inside `with no_grad():` ops record nothing: outputs have no `_ctx` (this thread)."""
    return GradMode(False)


def enable_grad() -> GradMode:
    """Turn recording back on inside a `no_grad` block (this thread)."""
    return GradMode(True)


def is_grad_enabled() -> bool:
    return state.grad_enabled


def is_anomaly_enabled() -> bool:
    return state.anomaly


class inference_mode(GradMode):  # noqa: N801 (PyTorch's name)
    """PyTorch's `inference_mode`, in the current thread: inside the block (or the
    decorated function; `@tg.inference_mode` works without parentheses too) nothing is
    recorded, as under `no_grad`, and the tensors made are inference tensors
    (autograd/inference.py: no version counter, no in-place write outside the mode).
    `inference_mode(False)` turns the mode off inside, and recording on, as PyTorch's."""

    def __new__(cls, mode: Any = True) -> Any:
        if callable(mode):  # the bare decorator: `@tg.inference_mode`
            return cls()(mode)
        return super().__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self.inference = flag("inference_mode", "mode", mode)
        super().__init__(not self.inference)

    def __enter__(self) -> None:
        with _lock:
            INFERENCE_OPEN[0] += 1
        super().__enter__()

    def __exit__(self, *exc_info: object) -> None:
        super().__exit__(*exc_info)
        with _lock:
            INFERENCE_OPEN[0] -= 1


def is_inference_mode_enabled() -> bool:
    """Whether the innermost `inference_mode` block open in this thread is one of
    inference_mode(True) (grad modes opened inside it leave it on, as in PyTorch)."""
    return _inference_on(state)


def _inference_on(s: _ThreadState) -> bool:
    if not INFERENCE_OPEN[0]:
        return False
    for context in reversed(s.open["grad_enabled"]):
        if isinstance(context, inference_mode):
            return context.inference
    return False
