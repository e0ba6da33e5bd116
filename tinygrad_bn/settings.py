"""PyTorch's process settings and small questions that scripts call at their top:
set/get_float32_matmul_precision, set/get_default_device, set_default_tensor_type,
set_flush_denormal, set/get_num_interop_threads, set_warn_always/is_warn_always_enabled,
set_anomaly_enabled/is_anomaly_enabled/is_anomaly_check_nan_enabled, typename,
is_storage, and asarray.

A setting that changes nothing here is still kept and answered back (a script that sets
"high" precision reads "high"), and a value PyTorch would not take is refused: NumPy's
float32 matmul is always full precision, there is one device (the CPU), no inter-op thread
pool, and denormals cannot be flushed (set_flush_denormal answers False, as PyTorch does
on a CPU without the feature).
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from . import dtypes
from .creation import as_tensor
from .device import check_device, device
from .errors import ArgumentError, ArgumentTypeError, UnsupportedError
from .modes import flag, is_anomaly_enabled, set_detect_anomaly
from .tensor import Tensor

__all__ = ["asarray", "get_default_device", "get_float32_matmul_precision",
           "get_num_interop_threads", "is_anomaly_check_nan_enabled", "is_anomaly_enabled",
           "is_storage", "is_warn_always_enabled", "set_anomaly_enabled", "set_default_device",
           "set_default_tensor_type", "set_flush_denormal", "set_float32_matmul_precision",
           "set_num_interop_threads", "set_warn_always", "typename"]

_lock = threading.Lock()
# process-wide, as PyTorch's: the matmul precision asked for, the inter-op thread count,
# and whether warnings repeat
_settings: dict[str, Any] = {"precision": "highest", "interop": 1, "warn_always": False}
_PRECISIONS = ("highest", "high", "medium")


def _set(key: str, value: Any) -> None:
    with _lock:
        _settings[key] = value


def set_float32_matmul_precision(precision: str) -> None:
    """Kept and answered back; NumPy computes float32 products at full precision
    ("highest") whatever is asked."""
    if precision not in _PRECISIONS:
        raise ArgumentError(f"set_float32_matmul_precision: precision must be one of "
                            f"{', '.join(_PRECISIONS)}, got {precision!r}")
    _set("precision", precision)


def get_float32_matmul_precision() -> str:
    return _settings["precision"]


def set_default_device(device: Any) -> None:  # noqa: A002 (PyTorch's name)
    """Only the CPU (or None) can be the default device."""
    check_device("set_default_device", device)


def get_default_device() -> device:
    return device("cpu")


def set_default_tensor_type(t: Any) -> None:
    """The legacy spelling of set_default_dtype: tg.DoubleTensor (or "torch.DoubleTensor")
    makes float64 the default, FloatTensor float32, HalfTensor float16."""
    name = t if isinstance(t, str) else getattr(t, "__name__", repr(t))
    kind = dtypes.tensor_type_dtype("set_default_tensor_type", name)
    if kind.kind != "f":
        raise ArgumentTypeError(f"set_default_tensor_type: only floating tensor types can be "
                                f"the default, got {name}")
    dtypes.set_default_dtype(kind)


def set_flush_denormal(mode: bool) -> bool:
    """Whether flushing denormal floats to zero could be set: never here (False)."""
    flag("set_flush_denormal", "mode", mode)
    return False


def set_num_interop_threads(num: int) -> None:
    """Kept and answered back; ops run in the calling thread (tg.set_num_threads sets the
    intra-op threads)."""
    if isinstance(num, bool) or not isinstance(num, int | np.integer) or num < 1:
        raise ArgumentError(f"set_num_interop_threads: expected a positive int, got {num!r}")
    _set("interop", int(num))


def get_num_interop_threads() -> int:
    return _settings["interop"]


def set_warn_always(b: bool) -> None:
    _set("warn_always", flag("set_warn_always", "b", b))


def is_warn_always_enabled() -> bool:
    return _settings["warn_always"]


def set_anomaly_enabled(enabled: bool, check_nan: bool = True) -> None:
    """Turn anomaly detection on or off in this thread (torch.autograd.set_detect_anomaly
    as a statement)."""
    set_detect_anomaly(enabled, check_nan)


def is_anomaly_check_nan_enabled() -> bool:
    """Whether anomaly detection looks for NaN: whenever it is on."""
    return is_anomaly_enabled()


def typename(obj: Any) -> str:
    """PyTorch's type name: "torch.FloatTensor" style for a tensor (by its dtype), the
    class's qualified name otherwise."""
    if isinstance(obj, Tensor):
        name = dtypes.TENSOR_TYPES.get(obj.dtype)
        if name is None:
            raise UnsupportedError(f"typename: no legacy tensor type for dtype {obj.dtype}")
        return f"torch.{name}"
    module = type(obj).__module__
    name = type(obj).__qualname__
    return name if module == "builtins" else f"{module}.{name}"


def is_storage(obj: Any) -> bool:
    """Whether obj is a PyTorch storage: tensors here expose none, so False."""
    return False


def asarray(obj: Any, *, dtype: Any = None, device: Any = None, copy: bool | None = None,
            requires_grad: bool = False) -> Tensor:
    """obj as a tensor sharing its memory where it can (a Tensor or an ndarray of the
    dtype asked for), as as_tensor; copy=True always copies, requires_grad=True makes a
    leaf that requires grad (a floating one)."""
    if copy is not None and not isinstance(copy, bool):
        raise ArgumentTypeError(f"asarray: copy must be a bool or None, got {copy!r}")
    out = as_tensor(obj, dtype, device)
    if copy:
        out = Tensor(out._data.copy())
    if requires_grad:
        out = out.detach() if out is obj or out._ctx is not None else out
        out.requires_grad_(flag("asarray", "requires_grad", requires_grad))
    return out
