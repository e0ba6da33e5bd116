"""`ComplexTensor`: a tensor of complex numbers, PyTorch's complex64/complex128 tensors for
what torch.fft scripts do with them (the real and imaginary parts, |z|, arg z, conjugates,
arithmetic, sums, reshaping, indexing, shifts).

It holds one real Tensor of shape (*shape, 2), `tg.view_as_real`'s layout ([..., 0] real
parts, [..., 1] imaginary parts; float32 for complex64, float64 for complex128), and every
operation is a graph of real ops on it. Autograd is therefore the real one, and it is
PyTorch's convention for complex numbers: for a real loss L of z = x + iy, the gradient
PyTorch stores is dL/dx + i dL/dy (twice the conjugate Wirtinger derivative dL/dz*; see
PyTorch's "Autograd for Complex Numbers"), which is exactly the real gradient of L in (x, y)
read back as a complex number. A complex `backward(g)` is the real backward of the layout
with `view_as_real(g)`: the vector-Jacobian product <g, J v> = Re(sum conj(g) J v) PyTorch
takes. Forward mode and double backward follow from the real ops the same way
(docs/complex.md derives the FFTs' rules).

A ComplexTensor is not a tg.Tensor: Tensor's ops are written for real numbers (its
gradients would be wrong for complex ones), so only the methods below exist; any other
is refused naming it (ComplexMethodError, an AttributeError as well). With a real Tensor
on the left (`x * z`), Tensor's operator returns NotImplemented and Python calls this
class's reflected one (tinygrad_bn/foreign_operands.py).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import (
    ArgumentError,
    ArgumentTypeError,
    AxisError,
    BackwardError,
    DTypeError,
    UnsupportedError,
    short_repr,
)
from ..tensor import Tensor, as_tensor, stack
from .ops import ComplexAbs, ComplexAngle

__all__ = ["ComplexMethodError", "ComplexTensor", "complex_dtype", "real_dtype"]

_REAL = {np.dtype(np.complex64): np.dtype(np.float32),
         np.dtype(np.complex128): np.dtype(np.float64)}
_COMPLEX = {v: k for k, v in _REAL.items()}
_NAMES = {"complex64": np.complex64, "cfloat": np.complex64, "complex128": np.complex128,
          "cdouble": np.complex128, "float32": np.float32, "float": np.float32,
          "float64": np.float64, "double": np.float64}


class ComplexMethodError(UnsupportedError, AttributeError):
    """A Tensor method that ComplexTensor does not have (hasattr answers False)."""


def complex_dtype(op: str, real: np.dtype) -> np.dtype:
    """The complex dtype of a real one: float32 -> complex64, float64 -> complex128."""
    if real not in _COMPLEX:
        raise DTypeError(f"{op}: complex tensors have float32 or float64 parts "
                         f"(complex64 / complex128), got {real}")
    return _COMPLEX[real]


def real_dtype(op: str, dtype: Any) -> np.dtype:
    """The part dtype of a complex dtype (complex64 -> float32)."""
    try:
        key = np.dtype(dtype)
    except TypeError as error:
        raise DTypeError(f"{op}: {dtype!r} is not a dtype") from error
    if key not in _REAL:
        raise DTypeError(f"{op}: expected complex64 or complex128, got {key}")
    return _REAL[key]


def _axis(op: str, dim: int, ndim: int, extra: int = 0) -> int:
    """dim of a complex shape of ndim dims as a non-negative axis (of the layout too)."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise ArgumentTypeError(f"{op}: dim must be an int, got {type(dim).__name__}")
    size = ndim + extra
    if not -size <= dim < max(size, 1):
        raise AxisError(f"{op}: dim {dim} is out of range for a tensor of {ndim} dims "
                        f"(expected [{-max(size, 1)}, {max(size, 1) - 1}])")
    return int(dim) % max(size, 1)


def _axes(op: str, dims: Any, ndim: int) -> tuple[int, ...]:
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    return tuple(_axis(op, d, ndim) for d in dims)


class ComplexTensor:
    """An n-d array of complex numbers over a real (*shape, 2) Tensor (see the module)."""

    __slots__ = ("_ri", "__weakref__")
    __array_priority__ = 1001  # ndarray (op) ComplexTensor defers to ComplexTensor

    def __init__(self, ri: Tensor) -> None:
        """Internal: wraps the layout (shared). Users make one with tg.complex, tg.polar,
        tg.view_as_complex or the tg.fft functions."""
        complex_dtype("ComplexTensor", ri.dtype)
        if ri.ndim == 0 or ri.shape[-1] != 2:
            raise ArgumentError(f"ComplexTensor: the layout must have a last dim of size 2, "
                                f"got shape {ri.shape}")
        self._ri = ri

    @classmethod
    def from_parts(cls, re: Any, im: Any) -> ComplexTensor:
        """re + i im, broadcast together, in their common floating dtype."""
        re, im = as_tensor(re), as_tensor(im)
        dtype = np.promote_types(re.dtype, im.dtype)
        if dtype.kind != "f":
            dtype = np.dtype(np.float32)
        if dtype not in _COMPLEX:  # float16 parts: PyTorch's complex32 is not supported
            raise DTypeError(f"complex: parts of dtype {dtype} (complex parts are float32 or "
                             f"float64)")
        shape = np.broadcast_shapes(re.shape, im.shape)
        parts = [p if p.dtype == dtype else p.astype(dtype) for p in (re, im)]
        parts = [p if p.shape == shape else p.expand(shape) for p in parts]
        return cls(stack(parts, -1))

    @classmethod
    def constant(cls, value: Any, dtype: np.dtype | None = None) -> ComplexTensor:
        """A complex array or number as a ComplexTensor without gradient."""
        array = np.asarray(value)
        if dtype is None:
            dtype = _REAL.get(array.dtype, np.dtype(np.float32))
        return cls(Tensor(np.stack([array.real, array.imag], -1).astype(dtype)))

    # ---- what it is ----
    @property
    def shape(self) -> tuple[int, ...]:
        return self._ri.shape[:-1]

    @property
    def dtype(self) -> np.dtype:
        return _COMPLEX[self._ri.dtype]

    @property
    def ndim(self) -> int:
        return self._ri.ndim - 1

    def dim(self) -> int:
        return self.ndim

    def size(self, dim: int | None = None) -> Any:
        return self.shape if dim is None else self.shape[_axis("size", dim, self.ndim)]

    def numel(self) -> int:
        return int(np.prod(self.shape))

    def __len__(self) -> int:
        if not self.shape:
            raise ArgumentTypeError("len() of a 0-d tensor")
        return self.shape[0]

    def is_complex(self) -> bool:
        return True

    def is_floating_point(self) -> bool:
        return False

    @property
    def device(self) -> Any:
        return self._ri.device

    # ---- parts ----
    @property
    def real(self) -> Tensor:
        """The real parts (a view of the layout: gradients and writes go through)."""
        return self._ri[..., 0]

    @property
    def imag(self) -> Tensor:
        """The imaginary parts (a view of the layout)."""
        return self._ri[..., 1]

    def abs(self) -> Tensor:
        """|z| = sqrt(x^2 + y^2), real; its gradient is 0 at z = 0 (PyTorch's sgn(0))."""
        return ComplexAbs.apply(self._ri)

    absolute = abs

    def __abs__(self) -> Tensor:
        return self.abs()

    def angle(self) -> Tensor:
        """arg z = atan2(y, x) in (-pi, pi], real; its gradient is 0 at z = 0."""
        return ComplexAngle.apply(self._ri)

    def conj(self) -> ComplexTensor:
        """x - iy."""
        return ComplexTensor(self._ri * self._ri.new_tensor([1.0, -1.0]))

    conj_physical = resolve_conj = conj

    def resolve_neg(self) -> ComplexTensor:
        return self

    def exp(self) -> ComplexTensor:
        """e^x (cos y + i sin y)."""
        scale = self.real.exp()
        return ComplexTensor.from_parts(scale * self.imag.cos(), scale * self.imag.sin())

    # ---- arithmetic: re and im of the result as real ops ----
    def _parts_of(self, other: Any, op: str) -> tuple[Any, Any]:
        """(re, im) of an operand, im None for a real one."""
        if isinstance(other, ComplexTensor):
            return other.real, other.imag
        if isinstance(other, complex | np.complexfloating):
            return float(other.real), float(other.imag)
        if isinstance(other, np.ndarray) and other.dtype.kind == "c":
            return self._parts_of(ComplexTensor.constant(other, self._ri.dtype), op)
        if isinstance(other, bool | numbers.Real | Tensor | np.ndarray):
            if isinstance(other, Tensor) and other.dtype.kind not in "biuf":
                raise DTypeError(f"{op}: cannot combine a complex tensor with dtype "
                                 f"{other.dtype}")
            return other, None
        raise ArgumentTypeError(f"{op}: cannot use {type(other).__name__} "
                                f"{short_repr(other)} as an operand of a complex tensor of "
                                f"shape {self.shape}")

    def __add__(self, other: Any) -> ComplexTensor:
        c, d = self._parts_of(other, "+")
        return ComplexTensor.from_parts(self.real + c, self.imag if d is None else
                                        self.imag + d)

    __radd__ = __add__

    def __sub__(self, other: Any) -> ComplexTensor:
        c, d = self._parts_of(other, "-")
        return ComplexTensor.from_parts(self.real - c, self.imag if d is None else
                                        self.imag - d)

    def __rsub__(self, other: Any) -> ComplexTensor:
        return (-self) + other

    def __neg__(self) -> ComplexTensor:
        return ComplexTensor(-self._ri)

    def __pos__(self) -> ComplexTensor:
        return self

    def __mul__(self, other: Any) -> ComplexTensor:
        """(a + ib)(c + id) = (ac - bd) + i(ad + bc)."""
        c, d = self._parts_of(other, "*")
        a, b = self.real, self.imag
        if d is None:
            return ComplexTensor.from_parts(a * c, b * c)
        return ComplexTensor.from_parts(a * c - b * d, a * d + b * c)

    __rmul__ = __mul__

    def __truediv__(self, other: Any) -> ComplexTensor:
        """(a + ib) / (c + id) = ((ac + bd) + i(bc - ad)) / (c^2 + d^2)."""
        c, d = self._parts_of(other, "/")
        a, b = self.real, self.imag
        if d is None:
            return ComplexTensor.from_parts(a / c, b / c)
        if not isinstance(c, Tensor):  # a Python complex number: multiply by its reciprocal
            return self * (1 / complex(c, d))
        den = c * c + d * d
        return ComplexTensor.from_parts((a * c + b * d) / den, (b * c - a * d) / den)

    def __rtruediv__(self, other: Any) -> ComplexTensor:
        c, d = self._parts_of(other, "/")
        numerator = ComplexTensor.from_parts(as_tensor(c) if not isinstance(c, Tensor) else c,
                                             0.0 if d is None else d)
        return numerator / self

    def reciprocal(self) -> ComplexTensor:
        return 1.0 / self

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        """Elementwise: both parts equal (a bool Tensor, as PyTorch's)."""
        c, d = self._parts_of(other, "==")
        return (self.real == c) & (self.imag == (0.0 if d is None else d))

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return ~(self == other)

    __hash__ = object.__hash__  # identity, as a Tensor's

    def __matmul__(self, other: Any) -> ComplexTensor:
        raise ComplexMethodError("matmul: not supported for complex tensors in tinygrad_bn; "
                                 "write it with .real and .imag")

    # ---- reductions over complex dims ----
    def sum(self, dim: Any = None, keepdim: bool = False) -> ComplexTensor:
        """The sum of the elements (over `dim`): the parts' sums."""
        if dim is None:
            return ComplexTensor(self._ri.reshape(-1, 2).sum(0))
        return ComplexTensor(self._ri.sum(dim=_axes("sum", dim, self.ndim), keepdim=keepdim))

    def mean(self, dim: Any = None, keepdim: bool = False) -> ComplexTensor:
        """The mean of the elements (over `dim`): the parts' means."""
        if dim is None:
            return ComplexTensor(self._ri.reshape(-1, 2).mean(0))
        return ComplexTensor(self._ri.mean(dim=_axes("mean", dim, self.ndim),
                                           keepdim=keepdim))

    # ---- shapes: the layout's, its last dim left alone ----
    def reshape(self, *shape: Any) -> ComplexTensor:
        if len(shape) == 1 and not isinstance(shape[0], numbers.Integral):
            shape = tuple(shape[0])
        return ComplexTensor(self._ri.reshape(*shape, 2))

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> ComplexTensor:
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (_axis("flatten", d, self.ndim) for d in (start_dim, end_dim))
        return ComplexTensor(self._ri.flatten(start, end))

    def permute(self, *dims: Any) -> ComplexTensor:
        if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
            dims = tuple(dims[0])
        return ComplexTensor(self._ri.permute(*_axes("permute", dims, self.ndim), self.ndim))

    def transpose(self, dim0: int, dim1: int) -> ComplexTensor:
        a, b = _axes("transpose", (dim0, dim1), self.ndim)
        return ComplexTensor(self._ri.transpose(a, b))

    def unsqueeze(self, dim: int) -> ComplexTensor:
        return ComplexTensor(self._ri.unsqueeze(_axis("unsqueeze", dim, self.ndim, 1)))

    def squeeze(self, dim: Any = None) -> ComplexTensor:
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        axes = _axes("squeeze", dim, self.ndim)
        return self.reshape(tuple(s for i, s in enumerate(self.shape)
                                  if not (i in axes and s == 1)))

    def flip(self, *dims: Any) -> ComplexTensor:
        if len(dims) == 1 and not isinstance(dims[0], numbers.Integral):
            dims = tuple(dims[0])
        return ComplexTensor(self._ri.flip(_axes("flip", dims, self.ndim)))

    def roll(self, shifts: Any, dims: Any = None) -> ComplexTensor:
        """PyTorch's roll; without dims the flattened tensor is rolled."""
        if dims is None:
            return ComplexTensor(self._ri.reshape(-1, 2).roll(shifts, 0).reshape(
                *self.shape, 2))
        return ComplexTensor(self._ri.roll(shifts, _axes("roll", dims, self.ndim)))

    def __getitem__(self, index: Any) -> ComplexTensor:
        index = index if isinstance(index, tuple) else (index,)
        return ComplexTensor(self._ri[(*index, slice(None))])

    def __iter__(self) -> Iterator[ComplexTensor]:
        return (self[i] for i in range(len(self)))

    # ---- values, copies, dtypes ----
    def numpy(self) -> np.ndarray:
        """A complex ndarray of the values (a copy: NumPy's complex layout is its own)."""
        ri = self._ri.detach().numpy()
        return ri[..., 0] + 1j * ri[..., 1]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        values = self.numpy()
        return values if dtype is None else values.astype(dtype)

    def tolist(self) -> Any:
        return self.numpy().tolist()

    def item(self) -> complex:
        if self.numel() != 1:
            raise ArgumentError(f"item: a tensor with {self.numel()} elements cannot be "
                                f"converted to a Python number")
        return complex(self.numpy().reshape(-1)[0])

    def __complex__(self) -> complex:
        return self.item()

    def clone(self) -> ComplexTensor:
        return ComplexTensor(self._ri.clone())

    def detach(self) -> ComplexTensor:
        return ComplexTensor(self._ri.detach())

    def contiguous(self) -> ComplexTensor:
        return self

    def cpu(self) -> ComplexTensor:
        return self

    def to(self, *args: Any, **kwargs: Any) -> Any:
        """A device is accepted and ignored; complex64/complex128 cast the parts; a real
        dtype keeps the real parts, with PyTorch's warning that the imaginary ones are
        dropped."""
        dtype = kwargs.pop("dtype", None)
        for arg in args:  # a device ("cpu", tg.device) is accepted and changes nothing
            if isinstance(arg, ComplexTensor | Tensor):
                dtype = arg.dtype
            elif not isinstance(arg, str) or arg.removeprefix("torch.") in _NAMES:
                if type(arg).__name__ != "device":
                    dtype = arg
        if dtype is None:
            return self
        if isinstance(dtype, str):
            dtype = _NAMES[dtype.removeprefix("torch.")]
        try:
            target = np.dtype(dtype)
        except TypeError as error:
            raise DTypeError(f"to: {dtype!r} is not a dtype") from error
        if target.kind == "c":
            part = real_dtype("to", target)
            return self if part == self._ri.dtype else ComplexTensor(self._ri.astype(part))
        warnings.warn("Casting complex values to real discards the imaginary part",
                      UserWarning, stacklevel=2)
        return self.real.astype(target)

    # ---- autograd: the layout's ----
    @property
    def requires_grad(self) -> bool:
        return self._ri.requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._ri.requires_grad_(value)

    def requires_grad_(self, requires_grad: bool = True) -> ComplexTensor:
        self._ri.requires_grad_(requires_grad)
        return self

    @property
    def is_leaf(self) -> bool:
        return self._ri.is_leaf

    @property
    def grad_fn(self) -> Any:
        return self._ri.grad_fn

    @property
    def grad(self) -> ComplexTensor | None:
        """dL/dx + i dL/dy (PyTorch's convention), from the layout's gradient."""
        g = self._ri.grad
        return None if g is None else ComplexTensor(g)

    @grad.setter
    def grad(self, value: ComplexTensor | None) -> None:
        self._ri.grad = None if value is None else value._ri

    def retain_grad(self) -> None:
        self._ri.retain_grad()

    def backward(self, gradient: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None) -> None:
        """The real backward of the layout with view_as_real(gradient): the gradient of
        Re(sum(conj(gradient) * z)), as PyTorch's backward of a complex tensor."""
        if gradient is None:
            raise BackwardError("backward: grad can be implicitly created only for real "
                                "scalar outputs (this tensor is complex); pass gradient= "
                                "or take .abs() / .real first")
        if not isinstance(gradient, ComplexTensor):
            raise ArgumentTypeError(f"backward: the gradient of a complex tensor must be "
                                    f"complex, got {type(gradient).__name__}")
        if gradient.shape != self.shape:
            raise ArgumentError(f"backward: gradient shape {gradient.shape} != tensor shape "
                                f"{self.shape}")
        self._ri.backward(gradient._ri, retain_graph=retain_graph,
                          create_graph=create_graph, inputs=inputs)

    # ---- printing, tg.<function>(z), refusals ----
    def __repr__(self) -> str:
        body = np.array2string(self.numpy(), separator=", ", prefix="tensor(", precision=4)
        extra = "" if self.dtype == np.complex64 else f", dtype=torch.{self.dtype}"
        if self._ri.grad_fn is not None:
            extra += f", grad_fn=<{self._ri.grad_fn.name()}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"tensor({body}{extra})"

    def __tg_function__(self, name: str, args: tuple, kwargs: dict) -> Any:
        """`tg.name(z, ...)` (tg.abs, tg.real, tg.sum, ...): the method or property here."""
        attribute = getattr(self, name)  # ComplexMethodError for what is not here
        return attribute(*args, **kwargs) if callable(attribute) else attribute

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise ArgumentError("bool: a complex tensor of more than one element is "
                                "ambiguous")
        return bool(self.item())

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise ComplexMethodError(
            f"{name}: not supported for complex tensors in tinygrad_bn (a ComplexTensor has "
            f"real, imag, abs, angle, conj, exp, arithmetic, sum, mean, reshape, permute, "
            f"transpose, flip, roll, indexing); work on .real / .imag or tg.view_as_real(z)")
