"""Hooks after a leaf's gradient is accumulated: PyTorch's
`Tensor.register_post_accumulate_grad_hook(hook)`, `hook(tensor)` called once per backward
after `tensor.grad` holds the sum of this backward's gradients (the optimizer-in-backward
idiom: the hook steps the parameter and sets `.grad = None`, so no gradient outlives its
layer's backward).

The hooks ride in the leaf's gradient hooks (`tensor._hooks`) as one `PostAccumulateHooks`,
which the engine calls as a gradient hook that changes nothing: a leaf with hooks gets its
gradient once, summed, at its place in the backward order, and the engine calls `run`
right after adding it into `.grad` (autograd/engine.py). As PyTorch: `tg.grad` (which
touches no `.grad`) calls none; `backward(inputs=...)` calls those of the inputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ArgumentTypeError, BackwardError
from .primitive import RemovableHandle, is_tensor

if TYPE_CHECKING:
    from ..tensor import Tensor


class PostAccumulateHooks:
    """A leaf's post-accumulate hooks, kept among its gradient hooks."""

    __slots__ = ("hooks",)

    def __init__(self) -> None:
        self.hooks: list[Callable[[Any], None]] = []

    def __call__(self, grad: Any) -> None:
        return None  # as a gradient hook: the gradient stays as it is


def register(tensor: Tensor, hook: Callable[[Any], None]) -> RemovableHandle:
    """Add `hook` to the leaf `tensor`'s post-accumulate hooks (PyTorch's errors for a
    tensor that does not require grad and for a non-leaf)."""
    if not callable(hook):
        raise ArgumentTypeError(f"register_post_accumulate_grad_hook: the hook must be "
                                f"callable as hook(tensor), got {type(hook).__name__}")
    if not tensor.requires_grad:
        raise BackwardError("register_post_accumulate_grad_hook: cannot register a hook on "
                            "a tensor that doesn't require gradient")
    if tensor._ctx is not None:
        raise BackwardError(f"register_post_accumulate_grad_hook: post accumulate grad hooks "
                            f"cannot be registered on non-leaf tensors (this one, of shape "
                            f"{tensor.shape}, was made by {tensor._ctx.name}); use "
                            f"register_hook for the gradient of a non-leaf")
    if tensor._hooks is None:
        tensor._hooks = []
    carrier = next((h for h in tensor._hooks if type(h) is PostAccumulateHooks), None)
    if carrier is None:
        carrier = PostAccumulateHooks()
        tensor._hooks.append(carrier)
    carrier.hooks.append(hook)
    return RemovableHandle(carrier.hooks, hook, lasting=True)


def run(tensor: Tensor) -> None:
    """Call the leaf's post-accumulate hooks (the engine, after adding into its .grad)."""
    for carrier in tuple(tensor._hooks):
        if type(carrier) is not PostAccumulateHooks:
            continue
        for hook in tuple(carrier.hooks):
            returned = hook(tensor)
            # the tensor itself is taken too, as PyTorch takes it (`lambda p: p.add_(...)`)
            if returned is not None and returned is not tensor:
                name = getattr(hook, "__name__", type(hook).__name__)
                error = BackwardError if is_tensor(returned) else ArgumentTypeError
                raise error(f"post accumulate grad hook {name} returned "
                            f"{type(returned).__name__}; it must return None, or the tensor "
                            f"it was given (it changes the tensor or its .grad in place)")
