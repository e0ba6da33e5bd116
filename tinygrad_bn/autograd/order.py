"""The order of a backward: the tensors a gradient flows through, each after every tensor
it was computed from (the engine walks it from the end: autograd/engine.py).

`topological_order` is the iterative depth-first search (any depth; the graph drawings
and the memory estimate use it too); `backward_order` gives the same list for the engine
by recursion, cheaper per node, falling back on the iterative search past the recursion
limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..errors import BackwardError
from . import versions

if TYPE_CHECKING:
    from ..tensor import Tensor
    from .primitive import Function


def topological_order(outputs: Sequence[Tensor], constants: bool = False,
                      leaves: bool = True) -> list[Tensor]:
    """Tensors that need a gradient, each after every tensor it was computed from
    (with `constants=True`, every tensor the outputs depend on, as the graph
    drawings want; with `leaves=False`, without the leaves that have no hooks,
    which the engine serves directly as their gradients arrive).

    Iterative depth-first search with an explicit stack (a recursive one fails
    past ~1000 nodes deep).
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    clock = versions.CLOCK[0]
    stack: list[tuple[Tensor, bool]] = [(t, False) for t in reversed(outputs)]
    pop, push = stack.pop, stack.append  # bound once: this loop runs twice per tensor
    while stack:
        tensor, children_done = pop()
        if children_done:
            order.append(tensor)
            continue
        key = id(tensor)
        if key in visited:
            continue
        visited.add(key)
        push((tensor, True))
        ctx = tensor._ctx
        if ctx is None:
            continue
        if ctx.parents is None:
            raise _freed_error(ctx, tensor)
        if ctx._epoch < clock:  # a tensor was written in place since this op's forward
            versions.resolve_parents(ctx)
        for parent in reversed(ctx.parents):  # first input first: drawings read in order
            # every tensor an op made requires grad; a leaf is visited if it needs a gradient
            # (and, with leaves=False, has hooks) or if constants are wanted
            if (parent._ctx is not None or constants or parent.requires_grad and
                    (leaves or parent._hooks is not None)) and id(parent) not in visited:
                push((parent, False))
    return order


def backward_order(outputs: Sequence[Tensor], leaves: bool) -> list[Tensor]:
    """`topological_order(outputs, leaves=leaves)`, the same list, for the engine: a
    recursive depth-first search, which for each node costs a call where the iterative one
    pushes and pops it twice (about a third fewer bytecodes per node). Both visit each
    node's parents first to last, checking at the visit whether a parent was seen (the
    iterative one pushes them all and skips those seen by the time they are popped), and
    append a node when its parents are done: the same post-order. A graph deeper than the
    interpreter's recursion limit allows from the caller's depth raises RecursionError
    part way down; the walk has then only marked nodes and pointed edges written in place
    at their old identities (which a second walk finds done), so it starts again with the
    iterative search. tests/test_backward_order.py compares the two."""
    order: list[Tensor] = []
    visited: set[int] = set()
    clock = versions.CLOCK[0]

    def visit(tensor: Tensor) -> None:
        visited.add(id(tensor))
        ctx = tensor._ctx
        if ctx is not None:
            parents = ctx.parents
            if parents is None:
                raise _freed_error(ctx, tensor)
            if ctx._epoch < clock:  # a tensor was written in place since this op's forward
                versions.resolve_parents(ctx)
                parents = ctx.parents
            for parent in parents:
                # an op's output, or a leaf that needs a gradient (and has hooks, for
                # `leaves=False`); a leaf is tested first: most parents are parameters
                if parent._ctx is None and not (parent.requires_grad and
                                                (leaves or parent._hooks is not None)):
                    continue
                if id(parent) not in visited:
                    visit(parent)
        order.append(tensor)

    try:
        for out in outputs:
            if id(out) not in visited:
                visit(out)
    except RecursionError:
        return topological_order(outputs, leaves=leaves)
    finally:
        visit = None  # its cell refers to itself: a cycle that would keep `order`'s tensors
    return order


def toward(order: list[Tensor], inputs: Sequence[Tensor]) -> list[Tensor]:
    """The tensors of `order` (parents first) on a path to one of `inputs`: those a
    backward for the gradients of `inputs` has to reach. As PyTorch's engine, which runs
    only the nodes needed for its `inputs`, the others' hooks are not called."""
    targets = {id(t) for t in inputs}
    kept: list[Tensor] = []
    needed: set[int] = set()
    for tensor in order:
        key = id(tensor)
        if key not in targets:
            ctx = tensor._ctx
            if ctx is None:
                continue
            for parent in ctx.parents:
                if id(parent) in needed:
                    break
            else:
                continue
        needed.add(key)
        kept.append(tensor)
    return kept


def _freed_error(ctx: Function, tensor: Tensor) -> BackwardError:
    return BackwardError(
        f"the graph below {ctx.name} (output shape {tensor.shape}) was freed by a backward: "
        f"to backward through it a second time or draw it afterwards, pass retain_graph=True "
        f"to the first backward (or tg.grad)")
