"""Forward-mode autodiff: tangents carried beside the values, one rule per op.

A *dual* tensor is a value x with a tangent t (a Tensor of x's shape). Inside a
`dual_level()`, every op whose inputs carry tangents computes its output's tangent
with its `jvp` rule right after its forward (JAX's autodidax gives each primitive its
forward, jvp and transpose rules side by side; ours sit beside forward and backward in
ops.py and nn/). For f: R^n -> R^m the output tangent is J_f(x) t: a Jacobian-vector
product in one forward pass, at the cost of about one extra forward.

    with tg.forward_ad.dual_level():
        x = tg.forward_ad.make_dual(primal, tangent)
        y = f(x)
        value, jvp = tg.forward_ad.unpack_dual(y)

`tg.jvp(f, inputs, tangents)` wraps this (attaching the tangents to the input tensors
themselves rather than to new dual tensors). Tangents are Tensors computed with
Tensor ops, so they are recorded for reverse mode like any value: a gradient of a
tangent (reverse-over-forward) and a tangent of a gradient (forward-over-reverse, the
`hvp` of tinygrad_bn/func.py: run `tg.grad(..., create_graph=True)` inside the level)
both work. The tangent rules themselves run with propagation paused, so a tangent never
gets a tangent of its own at the same level; levels do not nest.

The state (the open level and its tangents) is per thread. Tangents are held in a
dict keyed by tensor identity with weak references to the tensors, so a level keeps no
intermediate value alive.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from . import ops
from .autograd import versions
from .autograd.primitive import Function, op_observers
from .errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError, UnsupportedError
from .tensor import Tensor

__all__ = ["attach_tangent", "dual_level", "jvp", "make_dual", "tangent_of", "unpack_dual"]

_PRIORITY = 0  # before the saved-tensor hooks: a rule reads the values the forward saved


class _Level:
    """The tangents of one open `dual_level`: id(tensor) -> (weak ref, tangent)."""

    def __init__(self) -> None:
        self.tangents: dict[int, tuple[weakref.ref, Tensor]] = {}
        self.paused = False  # inside a jvp rule: its ops get no tangents

    def get(self, t: Tensor) -> Tensor | None:
        entry = self.tangents.get(id(t))
        if entry is None or entry[0]() is not t:
            return None
        return entry[1]

    def set(self, t: Tensor, tangent: Tensor) -> None:
        key, tangents = id(t), self.tangents

        def forget(ref: weakref.ref) -> None:  # the tensor died: its id may be reused
            entry = tangents.get(key)
            if entry is not None and entry[0] is ref:
                del tangents[key]

        tangents[key] = (weakref.ref(t, forget), tangent)


_state = threading.local()


def _level() -> _Level | None:
    return getattr(_state, "level", None)


@contextmanager
def dual_level() -> Iterator[None]:
    """Open a forward-mode level in this thread: inside it, `make_dual` attaches tangents
    and every op propagates them. On exit all tangents are dropped."""
    if _level() is not None:
        raise ArgumentError("dual_level: a forward-mode level is already open in this thread "
                            "(levels do not nest; use one tg.jvp at a time)")
    level = _state.level = _Level()
    op_observers.push(_PRIORITY, _propagate)
    try:
        yield
    finally:
        op_observers.remove(_propagate)
        level.tangents.clear()
        _state.level = None


def _check_tangent(op: str, primal: Tensor, tangent: Any) -> Tensor:
    tangent = tangent if isinstance(tangent, Tensor) else Tensor(np.asarray(tangent,
                                                                            dtype=primal.dtype))
    if tangent.shape != primal.shape:
        raise ShapeError(f"{op}: tangent of shape {tangent.shape} for a primal of shape "
                         f"{primal.shape}; they must be equal")
    if primal.dtype.kind != "f":
        raise DTypeError(f"{op}: only floating tensors carry tangents, got dtype {primal.dtype}")
    return tangent if tangent.dtype == primal.dtype else tangent.astype(primal.dtype)


def make_dual(primal: Tensor, tangent: Any) -> Tensor:
    """A tensor with the value of `primal` and the tangent `tangent` (same shape; cast to
    primal's dtype). It is a new tensor sharing primal's array; when primal requires grad
    it is an identity op of it, so reverse-mode gradients still reach primal."""
    level = _level()
    if level is None:
        raise ArgumentError("make_dual: needs an open level: use it inside "
                            "`with tg.forward_ad.dual_level():`")
    if not isinstance(primal, Tensor):
        raise ArgumentTypeError(f"make_dual: primal must be a Tensor, got "
                                f"{type(primal).__name__}")
    tangent = _check_tangent("make_dual", primal, tangent)

    # the identity op (a view of the same array) keeps the graph to primal
    dual = ops.Reshape.apply(primal, shape=primal.shape) if primal.requires_grad \
        else Tensor._from_op(primal._data, None)
    level.set(dual, tangent)
    return dual


def attach_tangent(t: Tensor, tangent: Any) -> Tensor:
    """Give `t` itself the tangent `tangent` in the open level (until the level closes) and
    return t: what `tg.jvp` does to its inputs, so that f sees the very tensors passed
    (a Parameter stays a Parameter). `make_dual` makes a new tensor instead."""
    return _attach("attach_tangent", t, tangent)


def _attach(op: str, t: Tensor, tangent: Any) -> Tensor:
    """attach_tangent's work, its errors naming `op` (attach_tangent or jvp)."""
    level = _level()
    if level is None:
        raise ArgumentError(f"{op}: needs an open level: use it inside "
                            f"`with tg.forward_ad.dual_level():`")
    if not isinstance(t, Tensor):
        raise ArgumentTypeError(f"{op}: expects a Tensor, got {type(t).__name__}")
    level.set(t, _check_tangent(op, t, tangent))
    return t


class Dual(NamedTuple):
    primal: Tensor
    tangent: Tensor | None


def unpack_dual(t: Tensor) -> Dual:
    """(t, its tangent), the tangent None if t carries none (a zero tangent)."""
    return Dual(t, tangent_of(t))


def tangent_of(t: Tensor) -> Tensor | None:
    """The tangent of `t` in the open level (None: none, or no level open)."""
    level = _level()
    return None if level is None else level.get(t)


@contextmanager
def propagating() -> Iterator[None]:
    """Resume propagation inside a jvp rule (propagation is paused there): for a rule that
    re-runs a whole function on tangent-carrying inputs, as `Checkpoint.jvp` does."""
    level = _level()
    if level is None:
        yield
        return
    paused, level.paused = level.paused, False
    try:
        yield
    finally:
        level.paused = paused


def _propagate(ctx: Function, out: Tensor) -> None:
    """The op observer: if an input of the op that just ran carries a tangent, run the op's
    jvp rule and attach the result to its output."""
    level = _level()
    if level is None or level.paused:
        return
    tangents = [level.get(p) for p in ctx.parents]
    if all(t is None for t in tangents) or out.dtype.kind != "f":
        return
    level.paused = True
    restore = ctx._out
    try:
        if ctx.uses_output and ctx._out is None:  # an unrecorded op: lend the rule its output
            ctx._out = weakref.ref(out)
        try:
            tangent = ctx.jvp(*tangents)
        except NotImplementedError as error:  # a user Function without the rule
            if isinstance(error, UnsupportedError):
                raise
            raise UnsupportedError(
                f"{ctx.name} has no forward-mode (jvp) rule: define `jvp(self, *tangents)` "
                f"on it (the output's tangent from the inputs' tangents, None for zero) to "
                f"use it under tg.jvp or forward_ad") from error
    finally:
        level.paused = False
        if ctx._out is not restore and out._ctx is None:
            ctx._out = restore
    if tangent is None:
        return
    level.paused = True
    try:  # one place for what every rule would otherwise repeat: broadcast, dtype
        if tangent.shape != out.shape:
            tangent = tangent.expand(out.shape)
        if tangent.dtype != out.dtype:
            tangent = tangent.astype(out.dtype)
    finally:
        level.paused = False
    level.set(out, tangent)


def _pass_tangent(source: Tensor, target: Tensor) -> None:
    """Give `target` the tangent `source` carries in this thread's level (or none): an
    in-place write's hand-over (autograd/versions.py)."""
    level = _level()
    if level is None or source is target:
        return
    tangent = level.get(source)
    if tangent is not None:
        level.set(target, tangent)
    else:
        level.tangents.pop(id(target), None)


def _put_tangent(base: Tensor, view: Tensor, index: Any) -> None:
    """base's tangent with view's written in at index (zeros where either has none)."""
    level = _level()
    if level is None or (level.get(base) is None and level.get(view) is None):
        return
    tb, tv = (level.get(t) for t in (base, view))
    tb = Tensor(np.zeros(base.shape, base.dtype)) if tb is None else tb
    tv = Tensor(np.zeros(view.shape, view.dtype)) if tv is None else tv
    level.paused = True
    try:
        level.set(base, ops.IndexPut.apply(tb, tv, index=index))
    finally:
        level.paused = False


versions.pass_tangent, versions.put_tangent = _pass_tangent, _put_tangent


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def jvp(f: Callable[..., Any], inputs: Any, tangents: Any,
        ) -> tuple[Any, Any]:
    """(f(*inputs), J_f(inputs) @ tangents) in one forward pass.

    `inputs`: a Tensor or a sequence of Tensors; `tangents`: the same structure (Tensors
    or arrays of the inputs' shapes). Returns the outputs as f returned them (a Tensor or
    a tuple) and their tangents in the same structure; an output that does not depend on
    any tangent gets a zero tangent. The outputs are ordinary Tensors (part of the
    reverse-mode graph if the inputs require grad), and so are the tangents.
    """
    xs, ts = _as_tuple(inputs), _as_tuple(tangents)
    if len(xs) != len(ts):
        raise ShapeError(f"jvp: {len(xs)} inputs but {len(ts)} tangents")
    for i, x in enumerate(xs):
        if not isinstance(x, Tensor):
            raise ArgumentTypeError(f"jvp: input {i} must be a Tensor, got "
                                    f"{type(x).__name__}")
    if len({id(x) for x in xs}) != len(xs):
        raise ArgumentError("jvp: the same tensor is passed as two inputs; a tensor can carry "
                            "only one tangent")
    with dual_level():
        for x, t in zip(xs, ts):
            _attach("jvp", x, t)
        result = f(*xs)
        outs = _as_tuple(result)
        out_tangents = []
        for i, out in enumerate(outs):
            if not isinstance(out, Tensor):
                raise ArgumentTypeError(f"jvp: output {i} of f must be a Tensor, got "
                                f"{type(out).__name__}")
            tangent = tangent_of(out)
            out_tangents.append(tangent if tangent is not None
                                else Tensor(np.zeros(out.shape, dtype=out.dtype)))
    if isinstance(result, tuple | list):
        return result, type(result)(out_tangents)
    return result, out_tangents[0]

