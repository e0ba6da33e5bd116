"""`once_differentiable`: PyTorch's decorator for a custom backward that is not itself
differentiable. It lives below both custom.py (tg.autograd.Function) and primitive.py so
that PyTorch's spelling `from torch.autograd.function import once_differentiable` works
on tinygrad_bn.autograd.primitive as well."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..modes import no_grad

__all__ = ["once_differentiable"]


def once_differentiable(backward: Callable[..., Any]) -> Callable[..., Any]:
    """Decorate a custom backward that is not itself differentiable: it runs without
    recording, so a second derivative through it is refused instead of wrong."""

    @functools.wraps(backward)
    def wrapper(ctx: Any, *grads: Any) -> Any:
        with no_grad():
            return backward(ctx, *grads)

    return wrapper
