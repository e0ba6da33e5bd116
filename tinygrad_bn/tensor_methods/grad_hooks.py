"""Tensor.register_post_accumulate_grad_hook (PyTorch 2.1+): a hook called with the leaf
itself after its `.grad` was accumulated (tinygrad_bn/autograd/accumulate_hooks.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..autograd import accumulate_hooks

if TYPE_CHECKING:
    from ..autograd.primitive import RemovableHandle


class GradHookMethods:
    """The mixin of Tensor's post-accumulate-grad hook."""

    __slots__ = ()

    def register_post_accumulate_grad_hook(self, hook: Callable[[Any], None]
                                           ) -> RemovableHandle:
        """Call `hook(tensor)` after each backward has accumulated this leaf's gradient into
        `.grad` (once per backward, after the sum of all its gradients); the hook returns
        None and may change the tensor or its `.grad` (an optimizer step in backward)."""
        return accumulate_hooks.register(self, hook)
