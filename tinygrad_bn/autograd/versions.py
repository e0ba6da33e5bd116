"""Version counters: how in-place writes stay honest with the recorded graph.

An op that saved a tensor for its backward (`Mul` saves its inputs, `Exp` its output)
reads that tensor's values when the backward runs. If the tensor was written in place
in between (`x.mul_(2)`, `x[0] = 1`, `x += y`), the backward would silently compute with
the new values. As in PyTorch, every write is counted, and the backward refuses to run
with values that changed since its forward.

Counting costs the hot path one integer store per recorded op: a process-wide clock
(`CLOCK[0]`) ticks at every in-place write, and `Function.apply` stamps each node it
records with the clock's value (`ctx._epoch`). A node whose stamp equals the clock when backward
reaches it saw no write since its forward: nothing to check. Otherwise:

- `resolve_parents`: a tensor written in place after the node's forward has a new
  identity in the graph (the write is a node of its own); the node's edges go to the
  identity the tensor had at the node's forward, as PyTorch's edges go to the old
  grad_fn.
- `check_saved`: a saved tensor whose memory was written after the node's forward
  raises PyTorch's "modified by an inplace operation" error with both versions.

Views share their base's memory, so they share its counter: the counter of a tensor
lives on its root (`_base`, set by the view methods and `detach`). docs/autograd.md,
section "Mutation", has the rules.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from ..errors import BackwardError

if TYPE_CHECKING:
    from ..tensor import Tensor
    from .primitive import Function

# ticks at every in-place write, in any thread; read by Function.apply. A list that apply
# holds as its own global: reading a module attribute per recorded op cost ~1% of a
# recorded op and its backward node (callgrind, benchmarks/bench_modes.py `chain`)
CLOCK = [0]
_lock = threading.Lock()
_KEPT_EPOCHS = 16  # write times kept per memory: enough to name the expected version


class Mutations:
    """What in-place writes did to one tensor: on a root, the version of its memory and
    when the latest writes happened; on a written tensor, the identities it had before
    each write (epoch, old identity), oldest first."""

    __slots__ = ("version", "epochs", "identities")

    def __init__(self) -> None:
        self.version = 0
        self.epochs: list[int] = []
        self.identities: list[tuple[int, Tensor]] = []


def _no_tangents(*args: object) -> None:
    """Forward mode is not loaded: no tangents to hand over."""


# Forward mode (tinygrad_bn/forward_ad.py, above this layer) installs its hand-overs here.
# An in-place write changes a tensor's value but not its identity, by which tangents are
# kept, so tensor_methods/inplace.py calls, in this thread's open dual level (if any):
# `pass_tangent(source, target)`: target takes the tangent source carries (or none), e.g.
# the identity standing for the old value takes the tensor's, the tensor the result's;
# `put_tangent(base, view, index)`: a write through a view made by basic indexing (not
# recorded in the graph) writes the view's tangent into its base's at index.
pass_tangent = _no_tangents
put_tangent = _no_tangents


def root(t: Tensor) -> Tensor:
    """The tensor that owns `t`'s memory (t itself unless t is a view or a detach)."""
    base = getattr(t, "_base", None)  # set only on views and detached tensors
    return t if base is None else base


def mutations(t: Tensor) -> Mutations:
    record = getattr(t, "_inplace", None)  # set at a tensor's first write
    if record is None:
        record = t._inplace = Mutations()
    return record


def version(t: Tensor) -> int:
    """PyTorch's `t._version`: how many in-place writes t's memory has had."""
    record = getattr(root(t), "_inplace", None)
    return 0 if record is None else record.version


def record_write(t: Tensor, old: Tensor | None = None) -> int:
    """Count one in-place write into `t`'s memory; `old` is t's identity before it (for a
    write recorded in the graph). Returns the write's epoch."""
    with _lock:
        CLOCK[0] += 1
        now = CLOCK[0]
    record = mutations(root(t))
    record.version += 1
    record.epochs.append(now)
    del record.epochs[:-_KEPT_EPOCHS]
    if old is not None:
        mutations(t).identities.append((now, old))
    return now


def resolve_parents(ctx: Function) -> None:
    """Point `ctx`'s edges at the identities its parents had at its forward."""
    parents = list(ctx.parents)
    for i, parent in enumerate(parents):
        record = getattr(parent, "_inplace", None)
        if record is None or not record.identities:
            continue
        for epoch, old in record.identities:
            if epoch > ctx._epoch:  # the first write after the forward: before it, `old`
                parents[i] = old
                break
    ctx.parents = tuple(parents)


def check_saved(ctx: Function) -> None:
    """Raise if a tensor `ctx`'s backward reads was written in place after its forward."""
    for i in ctx.needed_inputs():
        _check(ctx, ctx.parents[i], ctx._epoch, f"its input {i}")
    if ctx.reads_output() and ctx._out is not None:
        out = ctx._out()
        if out is not None:  # an in-place op's node saw its output after its own write
            _check(ctx, out, getattr(ctx, "written_at", ctx._epoch), "its output")


def _check(ctx: Function, t: Tensor, epoch: int, which: str) -> None:
    record = getattr(root(t), "_inplace", None)
    if record is None or not record.epochs or record.epochs[-1] <= epoch:
        return
    later = sum(e > epoch for e in record.epochs)
    expected = record.version - later
    exact = later < len(record.epochs) or len(record.epochs) == record.version
    made_by = f"the output of {t._ctx.name}" if t._ctx is not None else "a leaf"
    raise BackwardError(
        f"{ctx.name} backward: one of the variables needed for gradient computation has "
        f"been modified by an inplace operation: {which}, a tensor of shape {tuple(t.shape)} "
        f"and dtype {t.dtype} ({made_by}), is at version {record.version}; expected version "
        f"{expected if exact else f'at most {expected}'} instead. Hint: compute it out of "
        f"place (y = x * 2 instead of x *= 2), or clone() it before the in-place change.")
