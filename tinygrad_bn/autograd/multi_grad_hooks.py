"""PyTorch's `torch.autograd.graph.register_multi_grad_hook(tensors, fn, mode=...)`: one
hook over the gradients of several tensors.

- mode "all": `fn(grads)` once per backward that reaches any of the tensors, with a list
  of one gradient per tensor, None for a tensor whose gradient this backward did not
  compute (not on the path from the outputs, or not needed for its `inputs`). Every
  tensor must require grad.
- mode "any": `fn(grad)` once per backward, with the first of the tensors' gradients to
  be computed; tensors that do not require grad are skipped.

Built on gradient hooks (`Tensor.register_hook`) and the end of the backward
(autograd/graph_task.py): each tensor's hook files its gradient in the state of the
backward running; the first to do so queues the call of `fn` at the backward's end, when
every gradient that backward computes is known. (PyTorch calls fn as soon as the last
gradient it expects is computed, which asks its engine which nodes will run; here fn
runs once the backward's gradients are all in place, with the same arguments.) The
engine knows nothing of it. The handle's `remove()` removes every hook.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..errors import ArgumentError, ArgumentTypeError, BackwardError
from . import graph_task
from .primitive import RemovableHandle, is_tensor

if TYPE_CHECKING:
    from ..tensor import Tensor

MODES = ("all", "any")


class MultiHandle(RemovableHandle):
    """The handle of a multi-grad hook: `remove()` removes its hook from every tensor."""

    def __init__(self, handles: Sequence[RemovableHandle]) -> None:
        self.handles = tuple(handles)

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()

    def __enter__(self) -> MultiHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()


def _task(name: str) -> graph_task.GraphTask:
    task = graph_task.current()
    if task is None:  # a hook is only ever called by the engine; this is a misuse of one
        raise BackwardError(f"register_multi_grad_hook: {name} was called outside a backward")
    return task


def register_multi_grad_hook(tensors: Sequence[Tensor], fn: Callable[..., Any], *,
                             mode: str = "all") -> MultiHandle:
    """Call `fn` with the gradients of `tensors` in each backward (see the module)."""
    if mode not in MODES:
        raise ArgumentError(f"register_multi_grad_hook: Expects mode to be one of {MODES} "
                            f"but got {mode!r}")
    if not callable(fn):
        raise ArgumentTypeError(f"register_multi_grad_hook: fn must be callable, got "
                                f"{type(fn).__name__}")
    if is_tensor(tensors) or not isinstance(tensors, Sequence | set | frozenset):
        raise ArgumentTypeError(f"register_multi_grad_hook: tensors must be a sequence of "
                                f"Tensors, got {type(tensors).__name__}")
    tensors = tuple(tensors)
    for i, t in enumerate(tensors):
        if not is_tensor(t):
            raise ArgumentTypeError(f"register_multi_grad_hook: tensors[{i}] is "
                                    f"{type(t).__name__}, not a Tensor")
    key = object()  # this registration's entry in each backward's state
    if mode == "any":
        def first(grad: Tensor) -> None:
            state = _task("the hook").state
            if key not in state:
                state[key] = True
                fn(grad)
        return MultiHandle([t.register_hook(first) for t in tensors if t.requires_grad])

    for i, t in enumerate(tensors):
        if not t.requires_grad:  # (PyTorch: "Expected gradient function to be set")
            raise BackwardError(f"register_multi_grad_hook: tensors[{i}] (shape "
                                f"{tuple(t.shape)}) does not require grad; in mode 'all' "
                                f"every tensor must")

    def hook_of(index: int) -> Callable[[Tensor], None]:
        def file_grad(grad: Tensor) -> None:
            task = _task("the hook")
            grads = task.state.get(key)
            if grads is None:
                grads = task.state[key] = [None] * len(tensors)
                task.callbacks.append(lambda: fn(grads))
            grads[index] = grad
        return file_grad

    return MultiHandle([t.register_hook(hook_of(i)) for i, t in enumerate(tensors)])
