"""An optimizer's per-parameter state in a state dict, laid out as PyTorch 2.13 lays it.

The update rules keep their state as NumPy arrays and Python numbers (`optimizer.state`,
read and written in place by every step, untouched here). PyTorch's state dict holds
tensors there: each buffer (`exp_avg`, `momentum_buffer`, ...) is the optimizer's own
tensor, not a copy, and the step count is a 0-d tensor of the scalar dtype (float32, or
float64 when that is the default dtype), as are NAdam's `mu_product` and ASGD's `eta` and
`mu`. SparseAdam counts its steps, and LBFGS its `func_evals` and `n_iter`, with Python
ints, and so do they here. One difference: the rules here keep `mu_product`, `eta` and
`mu` as Python floats (float64), and they are saved as float64 0-d tensors, not PyTorch's
float32: rounding NAdam's running product to float32 would make a resumed run drift from
an uninterrupted one. (A count such as `step` is exact in float32 up to 2**24.) And
LBFGS's `t`, `ro` and `H_diag` stay Python floats (PyTorch: 0-d tensors); its arrays are
wrapped as every optimizer's.

`saved` gives that layout: each array wrapped in a Tensor over the same memory, each such
count a 0-d Tensor. `restored` takes it back to the rules' own layout, and takes the
layout earlier versions wrote (ndarrays and Python numbers) and PyTorch's own tensors
alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..errors import DataError
from ..tensor import Tensor

# optimizer class -> {state name: the Python type its rule keeps}, for the scalars PyTorch
# keeps as 0-d tensors; a class not named here takes its nearest named base's entry
_SCALARS: dict[str, dict[str, type]] = {
    "Optimizer": {"step": int},
    "Adafactor": {"step": float},
    "NAdam": {"step": int, "mu_product": float},
    "ASGD": {"step": int, "eta": float, "mu": float},
    "SparseAdam": {},
    "LBFGS": {},
}


def scalars_of(optimizer: Any) -> dict[str, type]:
    """The state scalars `optimizer` (an instance of an optimizer class here, or of a
    subclass) saves as 0-d tensors, with the type its rule keeps each in."""
    for cls in type(optimizer).__mro__:
        if cls.__name__ in _SCALARS and cls.__module__.startswith("tinygrad_bn."):
            return _SCALARS[cls.__name__]
    return {}


def _scalar_dtype() -> np.dtype:
    """PyTorch's `_get_scalar_dtype()`: float64 under a float64 default, else float32."""
    default = np.dtype(get_default_dtype())
    return default if default == np.float64 else np.dtype(np.float32)


def saved(entries: dict[str, Any], scalars: dict[str, type]) -> dict[str, Any]:
    """One parameter's state as PyTorch's state dict holds it: arrays (also inside lists,
    LBFGS's history) as Tensors sharing their memory, the scalars as 0-d Tensors."""
    out: dict[str, Any] = {}
    for key, value in entries.items():
        if key in scalars and isinstance(value, int | float | np.number) and \
                not isinstance(value, bool):
            dtype = _scalar_dtype() if key == "step" else np.float64  # see the docstring
            out[key] = Tensor(np.array(value, dtype=dtype))
        else:
            out[key] = _wrapped(value)
    return out


def _wrapped(value: Any) -> Any:
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf":
        return Tensor(value)
    if isinstance(value, list | tuple):
        return type(value)(_wrapped(v) for v in value)
    return value


def restored(where: str, key: str, value: Any, scalars: dict[str, type]) -> Any:
    """A saved state value in the rules' own layout: a Tensor (or another library's
    tensor) as its ndarray (inside lists too), a saved scalar as the Python number its
    rule keeps. The caller copies and casts the arrays."""
    value = _unwrapped(value)
    kind = scalars.get(key)
    if kind is None or not isinstance(value, np.ndarray | np.number):
        return value
    if np.ndim(value) != 0:
        raise DataError(f"{where}: state '{key}' must be a number or a 0-d tensor, got shape "
                        f"{np.shape(value)}")
    number = value.item()
    if kind is int:
        if isinstance(number, float) and not number.is_integer():
            raise DataError(f"{where}: state '{key}' counts steps, so it must be a whole "
                            f"number, got {number}")
        return int(number)
    return float(number)


def _unwrapped(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, list | tuple):
        return type(value)(_unwrapped(v) for v in value)
    if isinstance(value, np.ndarray | np.generic | int | float | str | bytes | dict) or \
            value is None or not hasattr(value, "__array__"):
        return value
    try:  # another library's tensor (a PyTorch optimizer's state dict)
        return np.asarray(value.detach() if hasattr(value, "detach") else value)
    except (TypeError, ValueError, RuntimeError):
        return value
