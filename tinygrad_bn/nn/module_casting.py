"""Module's conversions, a mixin of nn.Module: `to` (dtype, device, memory format), `type`,
`float` / `double` / `half`, and the device moves that are no-ops on the CPU (`cpu`,
`cuda` refused, `to_empty`, `share_memory`).

PyTorch's rule for `to(dtype)` and `float()`/`double()`/`half()`: only floating parameters
and buffers change (an int64 `num_batches_tracked` stays), the Parameter objects stay the
same (optimizers keep them). `type(dst_type)` converts every parameter and buffer, integer
ones included, as PyTorch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..device import check_device
from ..device import device as device_type
from ..errors import ArgumentError, DTypeError
from ..keywords import one_of
from ..memory_format import (
    array_in_format,
    channels_last,
    channels_last_3d,
    checked_format,
    memory_format,
    preserve_format,
)
from ..modes import no_grad
from ..tensor import Tensor

_DEVICES = ("cpu", "cuda", "mps", "xpu", "meta")  # `to("cuda")` is a device, refused by name


class ModuleCasting:
    """Module's dtype and device conversions (see the module doc)."""

    def to(self, *args: Any, dtype: Any = None, device: Any = None,
           non_blocking: bool = False, memory_format: Any = preserve_format,
           copy: bool = False) -> Any:
        """Convert floating parameters (and their grads) and buffers to a dtype, in place:
        PyTorch's `to(dtype)`, `to(device)`, `to(device, dtype)`, `to(tensor)` (its dtype)
        and keywords. The device must be the CPU (everything lives there already).
        `memory_format=tg.channels_last` lays the 4-d ones out so (5-d: channels_last_3d).

        Integer buffers such as `num_batches_tracked` keep their dtype. The Parameter
        objects stay the same, so optimizers built before still hold them.
        """
        if copy:  # Tensor.to's copy=True has no meaning for a module, as PyTorch says
            raise ArgumentError(".to() does not accept copy argument (nn.Module.to converts the "
                                "module in place)")
        for arg in args:
            if isinstance(arg, bool) and dtype is not None:
                continue  # to(dtype, non_blocking): nothing is asynchronous here
            elif isinstance(arg, Tensor):
                dtype = one_of("to", "dtype", dtype, "tensor's dtype", arg.dtype)
            elif isinstance(arg, str | device_type) and (str(arg).split(":")[0] in _DEVICES):
                device = one_of("to", "device", device, "positional device", arg)
            else:
                dtype = one_of("to", "dtype", dtype, "positional dtype", arg)
        check_device(f"{type(self).__name__}.to", device)
        fmt = checked_format(f"{type(self).__name__}.to", memory_format)
        if fmt is not preserve_format:
            self._lay_out(fmt)
        if dtype is None:
            return self
        dtype = _floating_or_any(f"{type(self).__name__}.to", dtype)
        if dtype.kind != "f":
            raise DTypeError(f"{type(self).__name__}.to: needs a floating dtype, got {dtype}")
        for module in self.modules():
            params, buffers, _ = module._registries()
            for param in params.values():
                if param is not None and param.dtype.kind == "f":
                    param.data = param._data.astype(dtype, copy=False)
                    if param.grad is not None:
                        param.grad = param.grad.detach().astype(dtype)
            for name, buffer in buffers.items():
                if isinstance(buffer, Tensor) and buffer.dtype.kind == "f":
                    buffer.data = buffer._data.astype(dtype, copy=False)
                elif buffer is not None and buffer.dtype.kind == "f":
                    buffers[name] = buffer.astype(dtype, copy=False)
        return self

    def _lay_out(self, fmt: memory_format) -> None:
        """Every parameter and buffer of the format's rank laid out in it, as PyTorch's
        `to(memory_format=)` (which skips the others)."""
        rank = {channels_last: 4, channels_last_3d: 5}.get(fmt)
        for module in self.modules():
            params, buffers, _ = module._registries()
            for tensor in (*params.values(), *buffers.values()):
                if isinstance(tensor, Tensor) and (rank is None or tensor.ndim == rank):
                    tensor.data = array_in_format("Module.to", tensor._data, fmt)

    def float(self) -> Any:
        """`to(np.float32)`."""
        return self.to(np.float32)

    def double(self) -> Any:
        """`to(np.float64)`."""
        return self.to(np.float64)

    def half(self) -> Any:
        """`to(np.float16)`."""
        return self.to(np.float16)

    def cpu(self) -> Any:
        """The module itself: everything lives on the CPU."""
        return self

    def share_memory(self) -> Any:
        """The module itself: PyTorch moves the arrays to shared memory for its
        multiprocessing; here processes share nothing implicitly (tg.distributed sends)."""
        return self

    def to_empty(self, *, device: Any, recurse: bool = True) -> Any:
        """PyTorch's move to `device` without copying the values (after building on the
        meta device): the device must be the CPU, where everything lives; the values stay."""
        check_device(f"{type(self).__name__}.to_empty", device)
        return self

    def cuda(self, device: Any = None) -> Any:
        """Refused: there is no GPU (tg.cuda.is_available() is False)."""
        check_device(f"{type(self).__name__}.cuda", "cuda" if device is None else device)
        return self

    def _apply(self, fn: Any, recurse: bool = True) -> Any:
        """PyTorch's `_apply`: `fn` on every parameter, its grad and every buffer (of the
        submodules too, unless not `recurse`), without recording a graph. A parameter keeps
        its object: what `fn` returns becomes its data (an in-place `fn` changes it
        directly); a buffer is replaced by the result (an ndarray buffer stays an ndarray).
        Returns self."""
        with no_grad():
            for module in (self.modules() if recurse else (self,)):
                params, buffers, _ = module._registries()
                for param in params.values():
                    if param is None:
                        continue
                    new = fn(param)
                    if new is not param:
                        param.data = new
                    if param.grad is not None:
                        grad = fn(param.grad)
                        if grad is not param.grad:
                            param.grad = grad
                for name, buffer in buffers.items():
                    if isinstance(buffer, Tensor):
                        buffers[name] = fn(buffer)
                    elif buffer is not None:  # an ndarray buffer: fn sees a Tensor sharing it
                        view = Tensor(buffer)
                        new = fn(view)
                        if new is not view:
                            buffers[name] = new._data if isinstance(new, Tensor) else new
        return self

    def type(self, dst_type: Any) -> Any:
        """Every parameter and buffer (integer ones too) cast to `dst_type`, in place; the
        Parameter objects stay the same. Returns self."""
        dtype = _floating_or_any(f"{type(self).__name__}.type", dst_type)
        for module in self.modules():
            params, buffers, _ = module._registries()
            for param in params.values():
                if param is not None:
                    param.data = param._data.astype(dtype, copy=False)
                    if param.grad is not None:
                        param.grad = param.grad.detach().astype(dtype)
            for name, buffer in buffers.items():
                if isinstance(buffer, Tensor):
                    buffer.data = buffer._data.astype(dtype, copy=False)
                elif buffer is not None:
                    buffers[name] = buffer.astype(dtype, copy=False)
        return self


def _floating_or_any(op: str, dtype: Any) -> np.dtype:
    """`dtype` as a NumPy dtype (a clear DTypeError for anything that is not one)."""
    try:
        return np.dtype(dtype)
    except DTypeError:  # a refused dtype's own message (tg.bfloat16)
        raise
    except TypeError as error:
        raise DTypeError(f"{op}: {dtype!r} is not a dtype (such as np.float32 or 'float64')"
                         ) from error
