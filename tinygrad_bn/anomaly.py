"""Anomaly detection: find the op that first produced a NaN or an infinity.

Inside `with tg.detect_anomaly():` every op checks its output: a forward
result, or a gradient computed by an op's backward, that holds a NaN or an
inf raises `AnomalyError` naming the op, the shapes of its inputs and the line
of *your* code that created it. The creation site costs a stack walk per op,
so it is recorded only in this mode; outside it the engine pays a single
attribute check per op (`modes.state.op_mode`). The mode is per thread.

A backward anomaly is blamed on the op whose backward produced it, even when
the non-finite value appears inside that backward's own Tensor ops: e.g. the
norm sqrt(sum x^2) at x = 0 has the finite value 0, but its backward divides
by 2 sqrt(0) = 0, and the error names Sqrt and the line that took the root.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import AnomalyError
from .modes import AnomalyMode, state

if TYPE_CHECKING:
    from .autograd.primitive import Function
    from .tensor import Tensor

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_SHOWN_FRAMES = 4  # innermost user frames quoted in an error: the site plus a little context


def detect_anomaly() -> AnomalyMode:
    """Within the block (in this thread; also a decorator), raise `AnomalyError` as soon as
    an op's forward or backward produces a NaN or an inf, naming the op, its input shapes
    and where your code created it.

    Slow (a stack walk per op): use it to find a NaN, not to train.
    """
    return AnomalyMode(True)


def _user_frames() -> list[traceback.FrameSummary]:
    """The current stack without tinygrad_bn's own frames, plus the innermost tinygrad_bn
    frame called from user code (the library function the user called, e.g. batch_norm)."""
    frames: list[traceback.FrameSummary] = []
    for frame in traceback.extract_stack():
        inside = os.path.abspath(frame.filename).startswith(_PACKAGE_DIR)
        if not inside:
            frames.append(frame)
        elif frames and not _is_package_frame(frames[-1]):
            frames.append(frame)  # the entry point into the library
    return frames


def _is_package_frame(frame: traceback.FrameSummary) -> bool:
    return os.path.abspath(frame.filename).startswith(_PACKAGE_DIR)


def creation_site(ctx: Function) -> str:
    """Where the op was created, innermost call last; empty outside anomaly mode."""
    frames = getattr(ctx, "creation_frames", None)
    if not frames:
        return "  (creation site not recorded: the op was created outside detect_anomaly)"
    shown = frames[-_SHOWN_FRAMES:]
    lines = []
    for frame in shown:
        if _is_package_frame(frame):
            lines.append(f"    -> tinygrad_bn {frame.name}() ({os.path.basename(frame.filename)}"
                         f":{frame.lineno})")
            continue
        lines.append(f'  File "{frame.filename}", line {frame.lineno}, in {frame.name}')
        if frame.line:
            lines.append(f"    {frame.line}")
    return "\n".join(lines)


def _non_finite(array: np.ndarray) -> str | None:
    """'NaN', 'inf' or None: what is wrong with a float array."""
    if array.dtype.kind not in "fc":
        return None
    if np.isnan(array).any():
        return "NaN"
    if np.isinf(array).any():
        return "inf"
    return None


def _describe_inputs(inputs: Sequence[Tensor]) -> str:
    return ", ".join(f"{t.shape} {t.dtype}" for t in inputs) or "none"


def forward_checked(ctx: Function, inputs: tuple[Tensor, ...]) -> Any:
    """`ctx.forward` in anomaly mode (`Function.apply` calls it and wraps the result): record
    where the op was created, run the forward, and raise `AnomalyError` if the output holds
    a NaN or an inf."""
    ctx.creation_frames = _user_frames()
    with np.errstate(all="ignore"):  # the error below says more than NumPy's warning
        out_data = ctx.forward(*[t._data for t in inputs])
    bad = _non_finite(np.asarray(out_data))
    if bad is not None:
        raise _forward_anomaly(ctx, inputs, bad)
    return out_data


def _forward_anomaly(ctx: Function, inputs: Sequence[Tensor], bad: str) -> AnomalyError:
    if state.backward_ops:
        # an op inside some op's backward (innermost last): the error is that backward's
        outer = state.backward_ops[-1]
        grad = outer.__dict__.get("anomaly_grad")
        return AnomalyError(
            f"{outer.name} backward produced {bad} (in its internal {ctx.name} op, inputs "
            f"{_describe_inputs(inputs)}); the {outer.name} (inputs "
            f"{_describe_inputs(outer.parents or ())}) was created at:\n{creation_site(outer)}"
            + (_masked_branch(outer, grad) if grad is not None else ""))
    bad_inputs = [i for i, t in enumerate(inputs) if _non_finite(t._data)]
    cause = (f"its input {bad_inputs[0]} already holds non-finite values" if bad_inputs
             else "from finite inputs")
    return AnomalyError(
        f"{ctx.name} produced {bad} in forward ({cause}); inputs: {_describe_inputs(inputs)}; "
        f"created at:\n{creation_site(ctx)}")


def backward_checked(ctx: Function, grad: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:
    """`ctx.backward(grad)` in anomaly mode: raise `AnomalyError` naming the op if a gradient
    it returns holds a NaN or an inf."""
    running = state.backward_ops  # this thread's
    running.append(ctx)
    ctx.anomaly_grad = grad  # read if the NaN appears inside this backward's own ops
    try:
        grads = ctx.backward(grad)
    finally:
        running.pop()
        del ctx.anomaly_grad
    as_tuple = grads if isinstance(grads, tuple) else (grads,)
    for i, g in enumerate(as_tuple):
        bad = _non_finite(g._data) if g is not None else None
        if bad is not None:
            upstream = _non_finite(grad._data)
            cause = (f"the incoming gradient already held {upstream}" if upstream
                     else "from a finite incoming gradient")
            raise AnomalyError(
                f"{ctx.name} backward produced {bad} in the gradient of its input {i} ({cause}); "
                f"inputs: {_describe_inputs(ctx.parents or ())}; the {ctx.name} was created "
                f"at:\n{creation_site(ctx)}" + ("" if upstream else _masked_branch(ctx, grad)))
    ctx.__dict__.pop("anomaly_consumers", None)  # its backward is done: no NaN to explain
    _note_consumers(ctx, as_tuple)
    return grads


# ---- NaN from an unselected branch: 0 * inf behind a mask
# A mask (where, clamp, abs at 0, relu at its kink, max/min, indexing) sends a gradient of
# 0 to the values it discarded; if the op that made them has an infinite local derivative
# there (sqrt or x ** 0.5 at 0), its backward computes 0 * inf = NaN, although the
# forward was finite. Anomaly mode notes which op sent each gradient (`_note_consumers`)
# so that the error can name the mask.

_MASKS = {  # masking op -> why it sent no gradient to the input it did not use
    "Where": None,  # said per input below: which branch the condition chose
    "Clip": "the value was clamped there",
    "Abs": "its derivative sign(x) is 0 at x = 0",
    "Rectify": "its input is <= 0 there (ReLU passes no gradient at or below its kink)",
    "Maximum": "the other input was the larger one there",
    "Minimum": "the other input was the smaller one there",
    "GetItem": "the index did not select those elements",
}


def _note_consumers(ctx: Function, grads: tuple) -> None:
    """Remember, on each op that produced an input of the masking op `ctx`, the gradient
    `ctx` sent to it (anomaly mode only)."""
    if ctx.name not in _MASKS:
        return
    for i, (parent, g) in enumerate(zip(ctx.parents or (), grads)):
        producer = parent._ctx
        if producer is not None and g is not None:
            producer.__dict__.setdefault("anomaly_consumers", []).append((ctx, i, g._data))


def _why_masked(mask: Function, i: int) -> str:
    if mask.name == "Where":
        return (f"its condition is {'False' if i == 0 else 'True'} there, so it selected the "
                f"other input")
    return _MASKS[mask.name]


def _masked_branch(ctx: Function, grad: Tensor) -> str:
    """The explanation of a NaN in `ctx`'s backward when a mask sent it a gradient of 0
    where its local derivative is infinite, else ''."""
    consumers = ctx.__dict__.get("anomaly_consumers")
    zero = grad._data == 0
    if not consumers or not zero.any():
        return ""
    for mask, i, sent in consumers:
        if sent.shape != zero.shape:
            continue
        hit = zero & (sent == 0)
        if not hit.any():
            continue
        pos = tuple(int(k) for k in np.argwhere(hit)[0])
        inputs = [p for p in ctx.parents or () if p.shape == zero.shape]
        value = f", where its input is {inputs[0]._data[pos]:g}," if inputs else ""
        return (f"\nWhy: 0 * inf. The gradient reaching {ctx.name} is 0 at index {pos}"
                f"{value} because {mask.name} used none of {ctx.name}'s value there "
                f"({_why_masked(mask, i)}), and {ctx.name}'s local derivative there is "
                f"infinite. The forward was finite because {mask.name} discarded the value; "
                f"the backward still multiplies through {ctx.name}. The {mask.name} was "
                f"created at:\n{creation_site(mask)}\nThe usual fix, the \"double where\": "
                f"keep the input away from that point where the value is not used, e.g.\n"
                f"    safe = tg.where(x > 0, x, 1.0)\n"
                f"    y = tg.where(x > 0, safe.sqrt(), 0.0)")
    return ""
