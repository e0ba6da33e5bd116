"""PyTorch's `torch.autograd.graph`: the graph's node type and the saved-tensor hooks
spelled with Tensors.

`saved_tensors_hooks(pack_hook, unpack_hook)` is tinygrad_bn/saved_tensors.py's block
(which hands its hooks the ndarrays an op keeps) with PyTorch's signatures:
`pack_hook(tensor)` receives each tensor an op keeps for backward (the input or output
itself, or a Tensor of a value the op computed), runs without recording, and may return
anything; `unpack_hook(packed)` must return a Tensor of the same shape, which backward
reads in its place. Subclassing it with `super().__init__(pack, unpack)` works as in
PyTorch. `save_on_cpu` is the block that keeps each tensor on the CPU: every tensor
already lives there, so its hooks keep them as they are.
`disable_saved_tensors_hooks(message)` makes opening either block inside it raise a
RuntimeError with the message.

`register_multi_grad_hook(tensors, fn, mode="all")` is one hook over the gradients of
several tensors (autograd/multi_grad_hooks.py).

`Node` is the abstract class of `tensor.grad_fn`: an op's node, a custom Function's
node and the AccumulateGrad of a leaf are all instances (by `__subclasshook__`, as
PyTorch's C++ nodes are registered to it).
"""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Any

import numpy as np

from . import saved_tensors
from .autograd.multi_grad_hooks import register_multi_grad_hook
from .autograd.primitive import AccumulateGrad, Function, is_tensor
from .errors import ArgumentTypeError
from .saved_tensors import disable_saved_tensors_hooks

__all__ = ["Node", "disable_saved_tensors_hooks", "register_multi_grad_hook", "save_on_cpu",
           "saved_tensors_hooks"]


class Node(abc.ABC):  # noqa: B024 (PyTorch's Node has no abstract method either)
    """The class of `tensor.grad_fn` and of the nodes in its `next_functions`."""

    @classmethod
    def __subclasshook__(cls, subclass: type) -> bool:
        if cls is Node and issubclass(subclass, (Function, AccumulateGrad)):
            return True
        return NotImplemented


class saved_tensors_hooks(saved_tensors.saved_tensors_hooks):  # noqa: N801 (PyTorch's name)
    """Within the block, each tensor an op keeps for backward is stored as
    `pack_hook(tensor)`, and backward reads `unpack_hook(packed)` instead (a Tensor of the
    same shape)."""

    def __init__(self, pack_hook: Callable[[Any], Any],
                 unpack_hook: Callable[[Any], Any]) -> None:
        for name, hook in (("pack_hook", pack_hook), ("unpack_hook", unpack_hook)):
            if not callable(hook):
                raise ArgumentTypeError(f"saved_tensors_hooks: {name} must be callable, got "
                                        f"{type(hook).__name__}")
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

        def unpack(packed: Any) -> np.ndarray:
            tensor = unpack_hook(packed)
            if not is_tensor(tensor):
                raise ArgumentTypeError(f"saved_tensors_hooks: unpack_hook must return a "
                                        f"Tensor, got {type(tensor).__name__}")
            return tensor._data

        super().__init__(pack_hook, unpack)
        self.block.tensors = True  # pack_hook receives the Tensors themselves


def _keep(tensor: Any) -> Any:
    return tensor


class save_on_cpu(saved_tensors_hooks):  # noqa: N801 (PyTorch's name)
    """Keep the saved tensors on the CPU (and pinned, on a GPU machine): here every tensor
    already is on the CPU, so they are kept as they are."""

    def __init__(self, pin_memory: bool = False, device_type: str = "cuda") -> None:
        super().__init__(_keep, _keep)
