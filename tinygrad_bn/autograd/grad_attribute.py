"""`Tensor.grad`, PyTorch's attribute: a property over the slot `_grad`.

Reading it on a non-leaf that does not retain its gradient (no `retain_grad()`) and has
none warns, as PyTorch does: backward never fills it, so a script reading it has most
likely picked the wrong tensor. Assigning it takes None or a Tensor of the tensor's shape
and dtype, as PyTorch's check of an assigned gradient: the optimizers and the engine's
in-place sum `grad += g` rely on both. `del t.grad` is `t.grad = None`.

The engine, which accumulates gradients on every step, reads and writes `_grad` itself:
the checks are for the values others assign, and the engine's fit each tensor by
construction (autograd/engine.py unbroadcasts and casts every gradient to its tensor's).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from ..errors import ArgumentTypeError, DTypeError, ShapeError
from . import primitive
from .primitive import is_tensor

if TYPE_CHECKING:
    from ..tensor import Tensor

NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad "
    "field to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. "
    "If you access the non-leaf Tensor by mistake, make sure you access the leaf Tensor "
    "instead.")


class GradAttribute:
    """The `grad` property of Tensor (which holds the `_grad` slot)."""

    __slots__ = ()

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by backward (None before the first one)."""
        g = self._grad
        if g is None and self._ctx is not None and not self._retains_grad:
            warnings.warn(NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        # the common case first, without a call: None, or a Tensor of the very dtype object
        if value is None or (type(value) is primitive._tensor_class and value._data.dtype is
                             self._data.dtype and value._data.shape == self._data.shape):
            self._grad = value
        elif is_tensor(value) and value._data.dtype == self._data.dtype and \
                value._data.shape == self._data.shape:  # a subclass, an equal dtype
            self._grad = value
        else:
            _refuse(self, value)

    @grad.deleter
    def grad(self) -> None:
        self._grad = None


def _refuse(tensor: Any, value: Any) -> None:
    """Raise PyTorch's error for a value `tensor.grad` cannot take."""
    if not is_tensor(value):
        raise ArgumentTypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
    if value.shape != tensor.shape:
        raise ShapeError(f"assigned grad has data of a different size: attempting to assign a "
                         f"gradient of shape {tuple(value.shape)} to a tensor of shape "
                         f"{tuple(tensor.shape)}; the gradient and the tensor must have the "
                         f"same shape")
    raise DTypeError(f"assigned grad has data of a different type: attempting to assign a "
                     f"gradient of dtype {value.dtype} to a tensor of dtype {tensor.dtype}; the "
                     f"gradient must have the tensor's dtype (cast it with .to(tensor.dtype))")
