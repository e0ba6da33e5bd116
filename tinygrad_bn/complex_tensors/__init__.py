"""Complex tensors (PyTorch's complex64 / complex128) as a real (..., 2) layout with real
autograd: ComplexTensor (tensor.py), the ops |z| and arg z (ops.py), and tg.complex,
tg.polar, tg.view_as_complex, tg.view_as_real (creation.py). tg.fft returns them."""

from .creation import complex, polar, view_as_complex, view_as_real
from .tensor import ComplexMethodError, ComplexTensor

__all__ = ["ComplexMethodError", "ComplexTensor", "complex", "polar", "view_as_complex",
           "view_as_real"]
