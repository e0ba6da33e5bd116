"""PyTorch's `grad_fn._raw_saved_self` (`_other`, `_result`): one tensor a node keeps
for backward, on which hooks can be registered for that node alone.

`saved.register_hooks(pack_hook, unpack_hook)` calls `pack_hook(tensor)` at once (the
saved tensor itself, without recording) and keeps its result; when the node's
backward runs, it reads `unpack_hook(packed)` (a Tensor of the same shape) in the
tensor's place. As PyTorch's, hooks can be registered once per saved tensor; the
block-wide form is `torch.autograd.graph.saved_tensors_hooks`.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ArgumentTypeError, BackwardError, ShapeError
from ..modes import no_grad

if TYPE_CHECKING:  # (only for the annotations: primitive.py imports this module)
    from .primitive import Function


class SavedTensor:
    """The `slot`-th input of `node` (None: its output), as the node keeps it."""

    def __init__(self, node: Function, slot: int | None, name: str) -> None:
        self._node, self._slot, self._name = weakref.ref(node), slot, name
        self._hooked = False

    def register_hooks(self, pack_hook: Callable[[Any], Any],
                       unpack_hook: Callable[[Any], Any]) -> None:
        for label, hook in (("pack_hook", pack_hook), ("unpack_hook", unpack_hook)):
            if not callable(hook):
                raise ArgumentTypeError(f"{self._name}.register_hooks: {label} must be "
                                        f"callable, got {type(hook).__name__}")
        node = self._node()
        if node is None or node.released:
            raise BackwardError(f"{self._name}.register_hooks: the saved tensor was freed by "
                                f"a backward without retain_graph=True")
        if self._hooked or "backward" in node.__dict__:
            raise BackwardError(f"{self._name}.register_hooks: hooks are already set on this "
                                f"node's saved tensors")
        self._hooked = True
        slot, name = self._slot, self._name
        original = node.parents[slot] if slot is not None else node.output
        tensor_class = type(original)  # (not imported: primitive.py imports this module)
        with no_grad():  # what pack computes is data, not part of the graph
            packed = pack_hook(original)
        node_ref = weakref.ref(node)  # not the node itself: no cycle node -> backward -> node

        def backward(grad: Any) -> Any:
            ctx = node_ref()
            value = unpack_hook(packed)
            is_tensor = isinstance(value, tensor_class)
            if not is_tensor or value.shape != original.shape:
                got = f"shape {value.shape}" if is_tensor else type(value).__name__
                raise ShapeError(f"{name}: unpack_hook must return a Tensor of shape "
                                 f"{original.shape}, got {got}")
            stand_in = tensor_class._from_op(value._data, None)
            parents, previous_out = ctx.parents, ctx._out
            if slot is None:
                ctx._out = lambda: stand_in
            else:
                stand_in.requires_grad = parents[slot].requires_grad  # rules ask which do
                ctx.parents = parents[:slot] + (stand_in,) + parents[slot + 1:]
            try:
                return type(ctx).backward(ctx, grad)
            finally:
                ctx.parents, ctx._out = parents, previous_out

        node.backward = backward
