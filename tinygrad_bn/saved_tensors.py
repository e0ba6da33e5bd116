"""Saved-tensor hooks: decide how the arrays kept for backward are stored.

    with tg.saved_tensors_hooks(pack, unpack):
        loss = model(x)            # every op recorded here calls pack(array)
    loss.backward()                # its backward calls unpack(packed) to get them back

What an op keeps for backward is exactly what the engine's memory accounting counts:
the items of `ctx.saved`, the inputs listed in its `saves_inputs` and its output when
it `uses_output`. Inside the block, each of those arrays is handed to `pack` as the op
is recorded, the op keeps only pack's result, and its backward sees `unpack(result)`
in their place (an array of the same shape). As PyTorch's
`torch.autograd.graph.saved_tensors_hooks`: compress activations (store float16 and
convert back), move them elsewhere, count them. `packing_op()` names the op being
packed, for hooks that account per op.

So that the graph does not keep the original arrays through its edges, a tensor
produced inside the block is referenced by the ops that consume it (inside the block)
through a data-less stand-in with the same producer; an intermediate nobody else holds
is then freed after the forward, and only its packed form stays. On leaving the block
the consumers of tensors still alive (you hold them: their arrays are not freed anyway)
point to the tensors again, so using them after the block is safe.

Limits: the hooks apply to the thread that opened the block (the innermost block wins);
`create_graph=True` through ops recorded under hooks raises (the unpacked values would
be constants to a second backward); hooks registered on an intermediate tensor made in
the block do not run when only ops inside the block consume it. Outside any block the
engine pays nothing: no hook is installed.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import ArgumentError, BackwardError, ShapeError
from .modes import no_grad
from .tensor import Function, Tensor, is_grad_enabled, op_observers

__all__ = ["disable_saved_tensors_hooks", "packing_op", "saved_tensors_hooks"]

_PRIORITY = 1  # after forward mode (its rules read the unpacked values), before checkpoint


class _Block:
    """One open `saved_tensors_hooks`: its hooks, the stand-ins of the tensors made in it
    (id -> (weak ref, stand-in)) and where the stand-ins replaced them."""

    def __init__(self, pack: Callable[[np.ndarray], Any],
                 unpack: Callable[[Any], np.ndarray]) -> None:
        self.pack, self.unpack = pack, unpack
        self.tensors = False  # pack takes Tensors (torch.autograd.graph's form), not arrays
        self.stand_ins: dict[int, tuple[weakref.ref, Tensor]] = {}
        self.swaps: list[tuple[weakref.ref, int, weakref.ref]] = []  # (op, slot, tensor)


_local = threading.local()


def _blocks() -> list[_Block]:
    blocks = getattr(_local, "blocks", None)
    if blocks is None:
        blocks = _local.blocks = []
    return blocks


def packing_op() -> str | None:
    """The name of the op whose arrays are being packed (inside a pack hook), else None."""
    return getattr(_local, "op", None)


class saved_tensors_hooks:  # noqa: N801 (PyTorch's name)
    """Within the block, store every array an op keeps for backward as pack(array), and
    give its backward unpack(packed) instead (see the module docstring)."""

    def __init__(self, pack: Callable[[np.ndarray], Any],
                 unpack: Callable[[Any], np.ndarray]) -> None:
        if not callable(pack) or not callable(unpack):
            raise ArgumentError(f"saved_tensors_hooks: pack and unpack must be callables, got "
                                f"{type(pack).__name__} and {type(unpack).__name__}")
        self.block = _Block(pack, unpack)

    def __enter__(self) -> saved_tensors_hooks:
        refusal = getattr(_local, "disabled", None)
        if refusal is not None:  # inside disable_saved_tensors_hooks(refusal)
            raise BackwardError(refusal)
        blocks = _blocks()
        if not blocks:
            op_observers.push(_PRIORITY, _record)
        blocks.append(self.block)
        return self

    def __exit__(self, *exc_info: object) -> None:
        blocks = _blocks()
        blocks.remove(self.block)
        if not blocks:
            op_observers.remove(_record)
        for op_ref, slot, tensor_ref in self.block.swaps:  # tensors still alive: reconnect
            ctx, tensor = op_ref(), tensor_ref()
            if ctx is not None and tensor is not None and ctx.parents is not None:
                ctx.parents = ctx.parents[:slot] + (tensor,) + ctx.parents[slot + 1:]
        self.block.stand_ins.clear()
        self.block.swaps.clear()


class disable_saved_tensors_hooks:  # noqa: N801 (PyTorch's name)
    """Within the block (this thread), opening a saved_tensors_hooks block raises a
    RuntimeError with `error_message`: for code that cannot work with them."""

    def __init__(self, error_message: str) -> None:
        if not isinstance(error_message, str):
            raise ArgumentError(f"disable_saved_tensors_hooks: error_message must be a str, "
                                f"got {type(error_message).__name__}")
        self.error_message = error_message

    def __enter__(self) -> None:
        self.previous = getattr(_local, "disabled", None)
        _local.disabled = self.error_message

    def __exit__(self, *exc_info: object) -> None:
        _local.disabled = self.previous


def _stand_in(t: Tensor) -> Tensor:
    """A tensor with t's producer, shape and dtype but no data (a broadcast 0-d NaN, so a
    rule that read values it did not declare in saves_inputs would give NaN, not a
    plausible wrong number)."""
    fill = np.array(np.nan if t.dtype.kind == "f" else 0, dtype=t.dtype)
    return Tensor._from_op(np.broadcast_to(fill, t.shape), t._ctx)


def _pack(block: _Block, ctx: Function, array: np.ndarray, tensor: Tensor | None = None
          ) -> Any:
    """pack(array), or for a block that packs Tensors, pack(the tensor kept: the input or
    output itself where it is one) without recording (what pack computes is data)."""
    _local.op = ctx.name
    try:
        if not block.tensors:
            return block.pack(array)
        with no_grad():
            return block.pack(tensor if tensor is not None else Tensor._from_op(array, None))
    finally:
        _local.op = None


class _Packed:
    """A packed item of ctx.saved (other items, not arrays, are kept as they are)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _record(ctx: Function, out: Tensor) -> None:
    """The op observer: route the op's inputs made in a block to their stand-ins, pack what
    it keeps, and give its output a stand-in for the ops that will consume it."""
    if out._ctx is not ctx:
        return  # not recorded: the op keeps nothing
    blocks = _blocks()
    block = blocks[-1]
    parents = ctx.parents
    inputs = {i: _pack(block, ctx, parents[i]._data, parents[i]) for i in ctx.saves_inputs
              if i < len(parents)}
    routed = list(parents)
    for i, p in enumerate(parents):
        if p._ctx is None:
            continue
        for owner in reversed(blocks):
            entry = owner.stand_ins.get(id(p))
            if entry is not None and entry[0]() is p:
                routed[i] = entry[1]
                owner.swaps.append((weakref.ref(ctx), i, entry[0]))
                break
    ctx.parents = tuple(routed)
    saved = tuple(_Packed(_pack(block, ctx, a)) if isinstance(a, np.ndarray) else a
                  for a in ctx.saved)
    output = _pack(block, ctx, out._data, out) if ctx.uses_output else None
    ctx.saved = ()
    ctx._packed = (block.unpack, inputs, saved, output)
    op = weakref.ref(ctx)  # not ctx itself: no reference cycle ctx -> backward -> ctx
    ctx.backward = lambda grad: _backward_unpacked(op(), grad)
    key = id(out)

    def forget(ref: weakref.ref) -> None:
        entry = block.stand_ins.get(key)
        if entry is not None and entry[0] is ref:
            del block.stand_ins[key]

    block.stand_ins[key] = (weakref.ref(out, forget), _stand_in(out))


def _unpacked(ctx: Function, what: str, unpack: Callable[[Any], np.ndarray], packed: Any,
              like: np.ndarray | None) -> np.ndarray:
    value = unpack(packed)
    if not isinstance(value, np.ndarray):
        raise ShapeError(f"saved_tensors_hooks: unpack returned a {type(value).__name__} for "
                         f"{ctx.name}'s {what}; it must return an ndarray")
    if like is not None and value.shape != like.shape:
        raise ShapeError(f"saved_tensors_hooks: unpack returned shape {value.shape} for "
                         f"{ctx.name}'s {what} of shape {like.shape}")
    return value


def _backward_unpacked(ctx: Function, grad: Tensor) -> Any:
    """ctx's own backward with its kept arrays unpacked in place of the packed ones."""
    if is_grad_enabled():
        raise BackwardError(
            f"{ctx.name}: create_graph=True through an op recorded under "
            f"saved_tensors_hooks is not supported (its saved values come back as constants)")
    unpack, inputs, saved, output = ctx._packed
    parents, previous_out = ctx.parents, ctx._out
    routed = list(parents)
    for i, packed in inputs.items():
        value = _unpacked(ctx, f"input {i}", unpack, packed, parents[i]._data)
        stand = Tensor._from_op(value, None)
        stand.requires_grad = parents[i].requires_grad  # rules ask which inputs want grads
        routed[i] = stand
    ctx.parents = tuple(routed)
    ctx.saved = tuple(_unpacked(ctx, f"saved item {k}", unpack, item.value, None)
                      if isinstance(item, _Packed) else item for k, item in enumerate(saved))
    if output is not None:
        out = Tensor._from_op(_unpacked(ctx, "output", unpack, output, None), None)
        ctx._out = lambda: out
    try:
        return type(ctx).backward(ctx, grad)
    finally:
        ctx.parents, ctx.saved, ctx._out = parents, (), previous_out
