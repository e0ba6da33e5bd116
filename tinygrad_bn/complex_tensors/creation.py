"""PyTorch's functions that make complex tensors from real ones and back: tg.complex,
tg.polar, tg.view_as_complex and tg.view_as_real (the last two share the layout, as
PyTorch's views share memory)."""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentTypeError, DTypeError, ShapeError
from ..tensor import Tensor
from .tensor import ComplexTensor, complex_dtype

__all__ = ["complex", "polar", "view_as_complex", "view_as_real"]


def _real_parts(op: str, first: str, a: Any, second: str, b: Any) -> tuple[Tensor, Tensor]:
    """Two real Tensors of one floating dtype (float32 or float64), as PyTorch requires."""
    for name, value in ((first, a), (second, b)):
        if not isinstance(value, Tensor):
            raise ArgumentTypeError(f"{op}: {name} must be a Tensor, got "
                                    f"{type(value).__name__}")
        complex_dtype(op, value.dtype)
    if a.dtype != b.dtype:
        raise DTypeError(f"{op}: {first} and {second} must have the same dtype, got "
                         f"{a.dtype} and {b.dtype}")
    return a, b


def complex(real: Tensor, imag: Tensor) -> ComplexTensor:  # noqa: A001 (PyTorch's name)
    """real + i imag (broadcast), complex64 from float32 parts, complex128 from float64."""
    real, imag = _real_parts("complex", "real", real, "imag", imag)
    return ComplexTensor.from_parts(real, imag)


def polar(abs: Tensor, angle: Tensor) -> ComplexTensor:  # noqa: A002 (PyTorch's name)
    """abs (cos angle + i sin angle)."""
    r, theta = _real_parts("polar", "abs", abs, "angle", angle)
    return ComplexTensor.from_parts(r * theta.cos(), r * theta.sin())


def view_as_complex(input: Tensor) -> ComplexTensor:  # noqa: A002
    """The complex tensor whose real and imaginary parts are input[..., 0] and
    input[..., 1] (input of shape (..., 2), float32 or float64; the same memory)."""
    if not isinstance(input, Tensor):
        raise ArgumentTypeError(f"view_as_complex: expected a Tensor, got "
                                f"{type(input).__name__}")
    complex_dtype("view_as_complex", input.dtype)
    if input.ndim == 0 or input.shape[-1] != 2:
        raise ShapeError(f"view_as_complex: tensor must have a last dimension of size 2, got "
                         f"shape {input.shape}")
    return ComplexTensor(input)


def view_as_real(input: ComplexTensor) -> Tensor:  # noqa: A002
    """The (..., 2) real tensor of a complex one's real and imaginary parts (the same
    memory and graph: writes and gradients go through)."""
    if not isinstance(input, ComplexTensor):
        raise ArgumentTypeError(f"view_as_real: is only supported for complex tensors, got "
                                f"{getattr(input, 'dtype', type(input).__name__)}")
    return input._ri
