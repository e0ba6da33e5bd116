"""`tg.profiler`: which op costs what, PyTorch's profiler API.

    with tg.profiler.profile(record_shapes=True, profile_memory=True, with_flops=True) as prof:
        with tg.profiler.record_function("train step"):
            loss = model(x).sum()
            loss.backward()
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))
    prof.export_chrome_trace("trace.json")        # Perfetto / chrome://tracing

Every op's forward and every op's backward rule is timed (CPU time with
`time.perf_counter_ns`), with its input shapes (`record_shapes`), the bytes it keeps for
its backward (`profile_memory`; the op's saved arrays, the inputs its rule reads, its output
when read) and the multiply-adds x 2 of matrix products and convolutions (`with_flops`).
The ops a backward rule runs are timed inside it, so `<Op>Backward`'s self time is the
rule's own overhead. `record_function(name)` adds a named range.

How it hooks in: a profiler sets this thread's `modes.state.profiler`, which turns on the
engine's instrumented path (the one detect_anomaly uses): `Function.apply` then calls
`profiler.forward(ctx, inputs, run)` and the backward engine `profiler.backward(ctx, grad,
run)`. Without a profiler the engine pays nothing more than before: the same one check per
op that anomaly mode already needed. A profiler watches the thread that started it.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import modes
from ..errors import ArgumentError, TinygradError
from ..tensor import Function, Tensor, is_grad_enabled
from ..viz.graph import buffer_bytes, saved_arrays
from .events import EventList, FunctionEvent, FunctionEventAvg

__all__ = ["EventList", "FunctionEvent", "FunctionEventAvg", "ProfilerActivity", "profile",
           "record_function"]

TRACKS = {"forward": 1, "backward": 2, "user": 3}  # Chrome trace thread ids, one per track
TRACK_NAMES = {"forward": "forward ops", "backward": "backward rules (and the ops they run)",
               "user": "record_function ranges"}


class ProfilerActivity:
    """PyTorch's activity names; only CPU exists here."""

    CPU = "CPU"
    CUDA = "CUDA"


def flops(ctx: Function, inputs: Sequence[Tensor], out: np.ndarray) -> int:
    """2 x the multiply-adds of a matrix product or a convolution, else 0."""
    name = ctx.name
    if name == "MatMul" and len(inputs) == 2:
        k = inputs[0].shape[-1] if inputs[0].ndim else 1
        return 2 * int(out.size) * int(k)
    if name == "Affine" and len(inputs) >= 2:  # y = x W^T (+ b): nn.Linear's op
        return 2 * int(out.size) * int(inputs[1].shape[-1])
    if name == "Convolution" and len(inputs) >= 2:
        # weight (C_out, C_in / groups, k...): every output value is a dot of that many terms
        return 2 * int(out.size) * int(np.prod(inputs[1].shape[1:]))
    return 0


class profile:  # noqa: N801 (PyTorch's name)
    """Record every op of this thread between `start()` and `stop()` (or inside `with`).

    record_shapes: keep each op's input shapes (key_averages(group_by_input_shape=True));
    profile_memory: bytes each op saves for backward; with_flops: FLOPs of matmul and
    convolution. `activities`, `with_stack` and `with_modules` are accepted as PyTorch's
    (CPU only); `schedule` is not supported.
    """

    def __init__(self, activities: Sequence[Any] | None = None, *, schedule: Any = None,
                 on_trace_ready: Callable[[profile], None] | None = None,
                 record_shapes: bool = False, profile_memory: bool = False,
                 with_stack: bool = False, with_flops: bool = False,
                 with_modules: bool = False, **unused: Any) -> None:
        if schedule is not None:
            raise ArgumentError("profile: schedule is not supported (profile the steps you "
                                "want inside the block)")
        self.record_shapes = bool(record_shapes)
        self.profile_memory = bool(profile_memory)
        self.with_flops = bool(with_flops)
        self.on_trace_ready = on_trace_ready
        self._events: list[FunctionEvent] = []
        self._stack: list[FunctionEvent] = []  # open ranges, innermost last
        self._thread: int | None = None
        self._started_ns = 0
        self._backward_depth = 0

    # ---- on and off ----
    def start(self) -> None:
        state = modes.state
        if state.profiler is not None:
            raise TinygradError("profile: a profiler is already running in this thread")
        self._thread = threading.get_ident()
        self._started_ns = time.perf_counter_ns()
        modes.set_profiler(self)

    def stop(self) -> None:
        if modes.state.profiler is self:
            modes.set_profiler(None)
        if self.on_trace_ready is not None:
            self.on_trace_ready(self)

    def step(self) -> None:
        """PyTorch's step marker (for schedules): nothing to do without a schedule."""

    def __enter__(self) -> profile:
        self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---- recording (called by the engine on this thread) ----
    def _open(self, name: str, track: str) -> FunctionEvent:
        event = FunctionEvent(name, track, time.perf_counter_ns(), 0)
        self._stack.append(event)
        return event

    def _close(self, event: FunctionEvent) -> None:
        event.end_ns = time.perf_counter_ns()
        self._stack.pop()
        if self._stack:
            self._stack[-1].children_ns += event.end_ns - event.start_ns
        self._events.append(event)

    def forward(self, ctx: Function, inputs: Sequence[Tensor],
                run: Callable[[Function, Sequence[Tensor]], np.ndarray]) -> np.ndarray:
        """Run and time one op's forward (`run(ctx, inputs)` -> its output array)."""
        event = self._open(ctx.name, "backward" if self._backward_depth else "forward")
        try:
            out = run(ctx, inputs)
        finally:
            self._close(event)
        if self.record_shapes:
            event.input_shapes = [tuple(t.shape) for t in inputs]
        if self.with_flops:
            event.flops = flops(ctx, inputs, np.asarray(out))
        if self.profile_memory and is_grad_enabled() and any(t.requires_grad for t in inputs):
            event.saved_bytes = buffer_bytes(a for _, a in saved_arrays(ctx, np.asarray(out)))
        return out

    def backward(self, ctx: Function, grad: Tensor,
                 run: Callable[[Function, Tensor], Any]) -> Any:
        """Run and time one op's backward rule (`run(ctx, grad)` -> its input gradients)."""
        event = self._open(f"{ctx.name}Backward", "backward")
        self._backward_depth += 1
        try:
            return run(ctx, grad)
        finally:
            self._backward_depth -= 1
            self._close(event)
            if self.record_shapes:
                event.input_shapes = [tuple(grad.shape)]

    @contextlib.contextmanager
    def _range(self, name: str) -> Iterator[None]:
        event = self._open(name, "user")
        try:
            yield
        finally:
            self._close(event)

    # ---- results ----
    def events(self) -> EventList:
        """Every recorded range, in order of completion."""
        return EventList(self._events, with_shapes=self.record_shapes,
                         with_memory=self.profile_memory, with_flops=self.with_flops)

    def key_averages(self, group_by_input_shape: bool = False) -> EventList:
        """One `FunctionEventAvg` per name (and input shapes, when grouped by them), in
        order of first appearance."""
        if group_by_input_shape and not self.record_shapes:
            raise ArgumentError("key_averages(group_by_input_shape=True) needs "
                                "profile(record_shapes=True)")
        groups: dict[tuple[str, str], FunctionEventAvg] = {}
        for event in self._events:
            shapes = str([list(s) for s in event.input_shapes]) if self.record_shapes else ""
            key = (event.name, shapes if group_by_input_shape else "")
            if key not in groups:
                groups[key] = FunctionEventAvg(event.name, key[1])
            groups[key].add(event)
        return EventList(groups.values(), with_shapes=group_by_input_shape,
                         with_memory=self.profile_memory, with_flops=self.with_flops)

    def export_chrome_trace(self, path: str | os.PathLike) -> str:
        """Write the ranges as Chrome Trace Event Format JSON (complete events, "ph": "X",
        microseconds from the start), one track (tid) each for forward ops, backward rules
        and record_function ranges; loads in Perfetto and chrome://tracing."""
        pid = os.getpid()
        trace: list[dict[str, Any]] = [
            {"ph": "M", "name": "process_name", "pid": pid, "tid": 0,
             "args": {"name": "tinygrad_bn"}}]
        for track, tid in TRACKS.items():
            trace.append({"ph": "M", "name": "thread_name", "pid": pid, "tid": tid,
                          "args": {"name": TRACK_NAMES[track]}})
            trace.append({"ph": "M", "name": "thread_sort_index", "pid": pid, "tid": tid,
                          "args": {"sort_index": tid}})
        for event in sorted(self._events, key=lambda e: (e.start_ns, -e.end_ns)):
            args: dict[str, Any] = {}
            if self.record_shapes:
                args["Input Dims"] = [list(s) for s in event.input_shapes]
            if self.profile_memory:
                args["Saved for backward (bytes)"] = event.saved_bytes
            if self.with_flops and event.flops:
                args["FLOPs"] = event.flops
            trace.append({"ph": "X", "name": event.name, "cat": event.track, "pid": pid,
                          "tid": TRACKS[event.track],
                          "ts": (event.start_ns - self._started_ns) / 1e3,
                          "dur": (event.end_ns - event.start_ns) / 1e3, "args": args})
        path = os.fspath(path)
        Path(path).write_text(json.dumps({"traceEvents": trace, "displayTimeUnit": "ms"}))
        return path


class record_function(contextlib.ContextDecorator):  # noqa: N801 (PyTorch's name)
    """A named range in the profile of this thread (a context or a decorator); nothing
    when no profiler runs."""

    def __init__(self, name: str, args: str | None = None) -> None:
        if not isinstance(name, str):
            raise ArgumentError(f"record_function: name must be a str, got "
                                f"{type(name).__name__}")
        self.name = name
        self._local = threading.local()  # open ranges per thread: a decorator is shared

    def __enter__(self) -> record_function:
        profiler = modes.state.profiler
        cm = profiler._range(self.name) if profiler is not None else contextlib.nullcontext()
        cm.__enter__()
        self._local.__dict__.setdefault("open", []).append(cm)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._local.open.pop().__exit__(*exc)
