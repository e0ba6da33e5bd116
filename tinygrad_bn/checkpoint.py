"""Gradient checkpointing: keep a segment's inputs, recompute its inside in backward.

`tg.checkpoint(fn, *args)` returns fn(*args), but the graph keeps one node for the
whole segment instead of fn's ops: that node holds fn's tensor arguments and the
parameters fn reads (leaves that require grad, found by recording fn once), not the
activations in between. Its backward calls fn again on the same inputs with recording
on and backpropagates through that fresh graph, which is freed right after. Memory
kept for backward drops from all of the segment's activations to its inputs; the price
is one more forward of the segment.

    h = x
    for block in blocks:                       # keep only the block boundaries
        h = tg.checkpoint(block, h)
    loss = F.cross_entropy(head(h), y)
    loss.backward()

The recompute is the same computation on the same arrays, so the gradients are the
same bit for bit (when fn is deterministic and each parameter is used inside the
segment only). Randomness is replayed: the state of the project's generator (the one
`tg.manual_seed` seeds, used by dropout without an explicit `generator`) is captured before
the forward, restored for the recompute and put back afterwards, so dropout draws the
same mask. A Generator passed to fn explicitly is not replayed. Batch norm's running
statistics and batch counts are updated by the forward only, not again by the recompute.

What fn may read: its tensor arguments, any leaf tensor (parameters, constants) and
non-tensor values. A tensor fn reads from outside that was itself computed with a
graph (not a leaf) must be passed as an argument: the segment's backward could not
reach the graph below it. fn returns one Tensor. Under `no_grad`, or when nothing fn
reads requires grad, checkpoint is just fn(*args).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import ArgumentError
from .forward_ad import attach_tangent, propagating, tangent_of
from .nn.normalization import replaying
from .seeding import generator as numpy_generator
from .tensor import Function, Tensor, grad, is_grad_enabled, op_observers, set_grad_enabled

__all__ = ["Checkpoint", "SegmentInput", "checkpoint"]

_PRIORITY = 2  # after forward mode and the saved-tensor hooks


class _RandomState:
    """The project generator's state at the segment's forward, for the recompute."""

    def __init__(self) -> None:
        self.state = numpy_generator().bit_generator.state

    def replay(self, fn: Callable[[], Tensor]) -> Tensor:
        """fn() with the generator rewound to the captured state, then moved back to where
        it was (the rest of the program sees the sequence it would have seen), and the
        batch-norm running statistics left alone (the forward updated them)."""
        rng = numpy_generator()
        current, previous = rng.bit_generator.state, replaying.active
        rng.bit_generator.state = self.state
        replaying.active = True
        try:
            return fn()
        finally:
            rng.bit_generator.state = current
            replaying.active = previous


def _fresh_inputs(args: tuple, tensors: tuple[Tensor, ...]) -> list:
    """args with each tensor replaced by a new leaf on the same array (same requires_grad):
    the segment's own graph starts at these."""
    fresh, it = [], iter(tensors)
    for a in args:
        if isinstance(a, Tensor):
            t = next(it)
            fresh.append(Tensor._from_op(t._data, None).requires_grad_(t.requires_grad))
        else:
            fresh.append(a)
    return fresh


def _boundary(t: Tensor) -> Tensor:
    """An identity op of t (a new tensor whose graph leads to t), or a fresh leaf if t
    needs no gradient: the recompute's input under create_graph."""
    if not t.requires_grad:
        return Tensor._from_op(t._data, None)
    with set_grad_enabled(True):
        return SegmentInput.apply(t)


def checkpoint(fn: Callable[..., Tensor], *args: Any) -> Tensor:
    """fn(*args), with fn's activations recomputed in backward instead of kept."""
    if not callable(fn):
        raise ArgumentError(f"checkpoint: fn must be callable, got {type(fn).__name__}")
    if not is_grad_enabled():
        return fn(*args)
    tensors = tuple(a for a in args if isinstance(a, Tensor))
    random_state = _RandomState()
    inputs = _fresh_inputs(args, tensors)
    created: set[int] = set()

    def note(ctx: Function, out: Tensor) -> None:
        created.add(id(ctx))

    op_observers.push(_PRIORITY, note)
    try:
        out = fn(*inputs)
    finally:
        op_observers.remove(note)
    if not isinstance(out, Tensor):
        raise ArgumentError(f"checkpoint: fn must return one Tensor, got {type(out).__name__}")
    if not out.requires_grad:
        return out
    params = _read_leaves(out, inputs, created)
    return Checkpoint.apply(*tensors, *params, fn=fn, args=args, n_tensors=len(tensors),
                            random_state=random_state, result=out._data)


def _read_leaves(out: Tensor, inputs: list, created: set[int]) -> list[Tensor]:
    """The leaves that require grad which fn's graph reaches, other than fn's own inputs;
    an outside tensor with a graph is refused (see the module docstring)."""
    own = {id(a) for a in inputs if isinstance(a, Tensor)}
    found: dict[int, Tensor] = {}
    stack, seen = [out], set()
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        if t._ctx is None:
            if t.requires_grad and id(t) not in own:
                found[id(t)] = t
            continue
        if id(t._ctx) not in created:
            raise ArgumentError(
                f"checkpoint: fn reads a tensor of shape {t.shape} made by {t._ctx.name} "
                f"outside the segment; pass it to checkpoint as an argument")
        stack.extend(p for p in t._ctx.parents if p.requires_grad)
    return list(found.values())


class SegmentInput(Function):
    """z = x, where a segment recomputed under create_graph starts;  dx = g.

    tz = tx.

    `Checkpoint.backward` detaches it from x while it backpropagates through the segment
    (the inner backward stops here) and reattaches it after, so the gradient it returns
    is a graph that reaches x (second derivatives through a checkpoint)."""

    def forward(self, x):
        return x

    def backward(self, g):
        return g

    def jvp(self, tx):
        return tx


class Checkpoint(Function):
    """z = fn(*args), a whole segment as one node;  d parents = d<g, z>/d parents by a
    backward through fn recomputed on the same inputs (generator replayed) with recording on.

    Parents: fn's tensor arguments, then the parameters it reads. The backward is itself
    differentiable under create_graph.

    tz = the tangent of fn recomputed with the tangents attached."""

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        self.saves_inputs = tuple(range(len(arrays)))  # the recompute reads every parent
        result, self.result = self.result, None  # computed by checkpoint(); not kept
        return result

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        create_graph = is_grad_enabled()
        tensors, params = self.parents[:self.n_tensors], list(self.parents[self.n_tensors:])
        if create_graph:  # the gradient must stay a function of the real parents
            own = [_boundary(t) for t in tensors]
        else:
            own = _fresh_inputs(tensors, tensors)
        inputs, it = [], iter(own)
        for a in self.args:
            inputs.append(next(it) if isinstance(a, Tensor) else a)
        with set_grad_enabled(True):
            out = self.random_state.replay(lambda: self.fn(*inputs))
        wanted = [t for t in own + params if t.requires_grad]
        cut = [t._ctx for t in own if t._ctx is not None]
        for ctx in cut:  # stop the inner backward at the segment's inputs ...
            ctx.parents, ctx.boundary_of = (), ctx.parents
        try:
            grads = grad(out, wanted, grad_outputs=g, create_graph=create_graph) \
                if wanted and out.requires_grad else [None] * len(wanted)
        finally:
            for ctx in cut:  # ... and reconnect them: the result's graph reaches the parents
                ctx.parents = ctx.boundary_of
                del ctx.boundary_of
        grads = iter(grads)
        return tuple(next(grads) if t.requires_grad else None for t in own + params)

    def jvp(self, *tangents: Tensor | None) -> Tensor | None:
        inputs = _fresh_inputs(self.args, self.parents[:self.n_tensors])
        own = [a for a in inputs if isinstance(a, Tensor)]
        with propagating():  # the parameters carry their own tangents in the level
            for t, tangent in zip(own, tangents[:self.n_tensors]):
                if tangent is not None:
                    attach_tangent(t, tangent)
            out = self.random_state.replay(lambda: self.fn(*inputs))
        return tangent_of(out)
