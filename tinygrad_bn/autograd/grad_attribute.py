"""`Tensor.grad`, PyTorch's attribute: a property over the slot `_grad` (and
`retain_grad()`, which asks a non-leaf to keep it).

Reading it on a non-leaf that does not retain its gradient (no `retain_grad()`) and has
none warns, as PyTorch does: backward never fills it, so a script reading it has most
likely picked the wrong tensor. Assigning it takes None or a Tensor of the tensor's shape
and dtype, as PyTorch's check of an assigned gradient: the optimizers and the engine's
in-place sum `grad += g` rely on both. `del t.grad` is `t.grad = None`.

`grad_dtype` (PyTorch 2.13's) is the dtype `.grad` must have: the tensor's own unless set
on a leaf, None for any. A leaf whose grad_dtype is not its dtype holds it in the slot
`_grad_dtype`, and has a hook list (`_hooks`, maybe empty) so that the engine takes it
on its path for leaves with hooks (`_hooks is not None`), where `cast` gives its first
gradient that dtype; every other leaf costs nothing.

The engine, which accumulates gradients on every step, reads and writes `_grad` itself:
the checks are for the values others assign, and the engine's fit each tensor by
construction (autograd/engine.py unbroadcasts and casts every gradient to its tensor's).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from ..dtypes import numpy_dtype
from ..errors import ArgumentTypeError, BackwardError, DTypeError, ShapeError
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


def cast(t: Any, grad: Any) -> Any:
    """`grad` (an ndarray or a Tensor, of t's dtype) in t's grad_dtype: the engine, for a
    leaf on its hooks path (a Tensor is cast by a recorded op: create_graph)."""
    dtype = getattr(t, "_grad_dtype", None)  # (unset on nearly every leaf)
    return grad if dtype is None else grad.astype(dtype)


class GradAttribute:
    """The `grad` and `grad_dtype` properties of Tensor (which holds the `_grad` slot)."""

    # set only on a leaf whose grad_dtype is not its dtype (None: any); read with getattr
    __slots__ = ("_grad_dtype",)

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
        # on a tensor without hooks (so without a grad_dtype of its own)
        if value is None or (type(value) is primitive._tensor_class and self._hooks is None
                             and value._data.dtype is self._data.dtype
                             and value._data.shape == self._data.shape):
            self._grad = value
        else:
            self._grad = _checked(self, value)

    @grad.deleter
    def grad(self) -> None:
        self._grad = None

    def retain_grad(self) -> Any:
        """Keep `.grad` on this non-leaf tensor after backward (a leaf keeps it anyway);
        refused on a tensor that does not require grad, as PyTorch's."""
        if not self.requires_grad:
            raise BackwardError(f"retain_grad: can't retain_grad on Tensor that has "
                                f"requires_grad=False (shape {tuple(self.shape)})")
        self._retains_grad = True
        return self

    @property
    def grad_dtype(self) -> np.dtype | None:
        """The dtype `.grad` must have: the tensor's unless set (None: any dtype)."""
        return getattr(self, "_grad_dtype", self._data.dtype)

    @grad_dtype.setter
    def grad_dtype(self, value: Any) -> None:
        if value is not None:
            if isinstance(value, str):  # PyTorch takes a dtype object only
                raise DTypeError(f"grad_dtype must be a dtype or None, but got str {value!r}")
            value = numpy_dtype("grad_dtype", value, " (expected a dtype or None)")
        if self._ctx is not None:
            raise BackwardError("grad_dtype can only be set on leaf tensors")
        if self._grad is not None and value is not None and self._grad.dtype != value:
            raise BackwardError(f"Cannot set grad_dtype to {value} because there is already a "
                                f"gradient with dtype {self._grad.dtype}; set .grad = None "
                                f"first, or a grad_dtype that matches it")
        if value is not None and value == self._data.dtype:
            if hasattr(self, "_grad_dtype"):
                del self._grad_dtype
            return
        self._grad_dtype = value
        if self._hooks is None:  # the engine's path for leaves with hooks reads it
            self._hooks = []


def _checked(tensor: Any, value: Any) -> Any:
    """`value` if `tensor.grad` can take it, else PyTorch's error."""
    if not is_tensor(value):
        raise ArgumentTypeError(f"assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
    if value.shape != tensor.shape:
        raise ShapeError(f"assigned grad has data of a different size: attempting to assign a "
                         f"gradient of shape {tuple(value.shape)} to a tensor of shape "
                         f"{tuple(tensor.shape)}; the gradient and the tensor must have the "
                         f"same shape")
    expected = tensor.grad_dtype
    if expected is not None and value.dtype != expected:
        raise DTypeError(f"assigned grad has data of a different type: attempting to assign a "
                         f"gradient of dtype {value.dtype} to a tensor with grad_dtype "
                         f"{expected}; the gradient must have the tensor's grad_dtype (its "
                         f"dtype unless set; grad_dtype = None takes any)")
    return value
