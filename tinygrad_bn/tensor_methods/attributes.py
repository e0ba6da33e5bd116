"""PyTorch's questions about a tensor and its spellings that are no-ops for a dense, real
tensor on the CPU, which scripts and test suites call without thinking of devices, layouts
or complex numbers: is_cpu, layout, get_device, is_sparse, is_quantized, is_meta,
is_signed, is_nonzero, is_same_size, is_inference, retains_grad, storage_offset,
share_memory_, is_shared, pin_memory, is_pinned, cuda; conj and its relatives (real, imag,
H, adjoint: a real tensor is its own conjugate); the legacy casts byte, char, short and
bfloat16; `new` (the legacy constructor of a tensor of the same dtype).

Each answers what PyTorch answers for a CPU tensor of a real dtype, or refuses what
PyTorch refuses there (imag of a real tensor, a CUDA device, pinned memory without an
accelerator) with the project's error.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..autograd import inference
from ..autograd.primitive import is_tensor, new_tensor
from ..errors import ArgumentError, DTypeError, ShapeError, UnsupportedError
from ..keywords import Size, parse_size
from ..memory_format import preserve_format

if TYPE_CHECKING:
    from ..tensor import Tensor


class AttributeMethods:
    """The mixin of Tensor's device, layout and conjugation queries and no-ops."""

    __slots__ = ()

    # ---- where and how the tensor is stored ----
    @property
    def is_cpu(self) -> bool:
        return True

    @property
    def is_sparse(self) -> bool:
        return False

    @property
    def is_quantized(self) -> bool:
        return False

    @property
    def is_meta(self) -> bool:
        return False

    @property
    def is_mkldnn(self) -> bool:
        return False

    @property
    def is_mps(self) -> bool:
        return False

    @property
    def is_nested(self) -> bool:
        return False

    @property
    def layout(self) -> str:
        """The memory layout: always PyTorch's dense 'strided' one."""
        return "strided"

    def get_device(self) -> int:
        """The CUDA device index, or -1 for the CPU (always -1 here, as PyTorch's CPU
        tensors)."""
        return -1

    def storage_offset(self) -> int:
        """How many elements the first element lies past the start of the memory the tensor
        views (0 unless it is a view, e.g. x[1:] of a contiguous x: 1)."""
        data = self._data
        root = data
        while isinstance(root.base, np.ndarray):
            root = root.base
        if data.size == 0 or root.itemsize == 0:
            return 0
        start = data.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        return int(start // data.itemsize)

    def share_memory_(self) -> Tensor:
        """PyTorch moves the storage to shared memory for worker processes; here a no-op
        returning x (the data loaders' workers copy batches)."""
        return self

    def is_shared(self) -> bool:
        return False

    def is_pinned(self, device: Any = None) -> bool:
        return False

    def pin_memory(self, device: Any = None) -> Tensor:
        """Page-locked memory for faster copies to an accelerator: there is none, so
        refused as PyTorch refuses it without one."""
        raise UnsupportedError("pin_memory: cannot pin memory without an accelerator "
                               "(tinygrad_bn runs on the CPU only; tg.cuda.is_available() "
                               "is False); drop the call")

    def cuda(self, device: Any = None, non_blocking: bool = False, **kwargs: Any) -> Tensor:
        """A copy on a CUDA device: refused, as PyTorch built without CUDA refuses it."""
        raise UnsupportedError("cuda: tinygrad_bn runs on the CPU only (tg.cuda.is_available() "
                               "is False); guard the call with tg.cuda.is_available(), or use "
                               ".to(device) with device = 'cpu'")

    def is_inference(self) -> bool:
        """Whether the tensor was made under inference_mode (or is a view of one such)."""
        return inference.is_inference(self)

    @property
    def retains_grad(self) -> bool:
        """Whether this non-leaf keeps its .grad (after retain_grad())."""
        return bool(self._retains_grad)

    # ---- questions about the values ----
    def is_signed(self) -> bool:
        """Whether the dtype holds negative numbers (False for bool and uint8)."""
        return self.dtype.kind in "fic"

    def is_nonzero(self) -> bool:
        """The truth of a one-element tensor (refused for any other size, as bool(x))."""
        if self._data.size != 1:
            what = "no values" if self._data.size == 0 else "more than one value"
            raise ShapeError(f"is_nonzero: the truth of a tensor with {what} (shape "
                             f"{self.shape}) is ambiguous; expected one element")
        return bool(self._data.reshape(()) != 0)

    def is_same_size(self, other: Tensor) -> bool:
        """Whether other has x's shape."""
        if not is_tensor(other):
            raise ArgumentError(f"is_same_size: other must be a Tensor, got "
                                f"{type(other).__name__}")
        return self.shape == other.shape

    # ---- complex numbers: a real tensor is its own conjugate ----
    def conj(self) -> Tensor:
        """The complex conjugate: x itself for a real tensor, as PyTorch's."""
        return self

    def conj_physical(self) -> Tensor:
        return self

    def resolve_conj(self) -> Tensor:
        return self

    def resolve_neg(self) -> Tensor:
        return self

    def is_conj(self) -> bool:
        return False

    def is_neg(self) -> bool:
        return False

    @property
    def real(self) -> Tensor:
        """The real part: x itself for a real tensor."""
        return self

    @property
    def imag(self) -> Tensor:
        raise UnsupportedError(f"imag: not implemented for tensors of the non-complex dtype "
                               f"{self.dtype} (shape {self.shape}), as PyTorch's")

    @property
    def H(self) -> Tensor:  # noqa: N802 (PyTorch's name)
        """The conjugate transpose of a matrix: its transpose for a real one."""
        if self.ndim not in (0, 2):
            raise ShapeError(f"H: only supported on matrices (2-D tensors), got shape "
                             f"{self.shape}; use .mH or .adjoint() for batches")
        return self.T

    def adjoint(self) -> Tensor:
        """The conjugate transpose of the last two axes (the transpose, for real x); a 0-d
        x as it is, as PyTorch's."""
        if self.ndim == 1:
            raise ShapeError(f"adjoint: expected a tensor of at least 2 dims (or 0), got "
                             f"shape {self.shape}")
        return self.transpose(-2, -1) if self.ndim else self.view(())

    # ---- legacy casts and constructor ----
    def byte(self, *, memory_format: Any = preserve_format) -> Tensor:
        """x as uint8."""
        return self._cast("byte", np.uint8, memory_format)

    def char(self, *, memory_format: Any = preserve_format) -> Tensor:
        """x as int8."""
        return self._cast("char", np.int8, memory_format)

    def short(self, *, memory_format: Any = preserve_format) -> Tensor:
        """x as int16."""
        return self._cast("short", np.int16, memory_format)

    def bfloat16(self) -> Tensor:
        raise DTypeError("bfloat16: NumPy has no bfloat16 dtype, so tinygrad_bn does not "
                         "support it; use .half() (float16) or .float()")

    def new(self, *args: Any) -> Tensor:
        """PyTorch's legacy constructor of x's dtype: `x.new(2, 3)` (uninitialized, here
        zeros), `x.new([1, 2])` or `x.new(tensor)` (its data), `x.new()` (empty)."""
        if len(args) == 1 and not isinstance(args[0], int | np.integer | Size):
            data = args[0]
            if is_tensor(data):
                if data.dtype != self.dtype:
                    raise DTypeError(f"new: expected a tensor of dtype {self.dtype}, got "
                                     f"{data.dtype}")
                return data.detach()
            return self.new_tensor(data)
        if not args:
            return new_tensor(np.zeros(0, self.dtype))
        return new_tensor(np.zeros(parse_size("new", args), self.dtype))
