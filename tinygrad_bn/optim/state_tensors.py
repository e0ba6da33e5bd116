"""An optimizer's per-parameter state in a state dict, laid out as PyTorch 2.13 lays it.

The update rules keep their state as NumPy arrays and Python numbers (`optimizer.state`,
read and written in place by every step, untouched here). PyTorch's state dict holds
tensors there: each buffer (`exp_avg`, `momentum_buffer`, ...) is the optimizer's own
tensor, not a copy, and the step count is a 0-d tensor of the scalar dtype (float32, or
float64 when that is the default dtype), as are NAdam's `mu_product` and ASGD's `eta` and
`mu` (their rules round them to that dtype at every step, as PyTorch's computes in it).
SparseAdam counts its steps, and LBFGS its `func_evals` and `n_iter`, with Python ints,
and so do they here. (A count such as `step` is exact in float32 up to 2**24.) LBFGS
keeps `ro`, `al` (its lists) and `H_diag` as Python floats, saved as PyTorch saves them: 0-d
tensors of the parameters' dtype (an int `H_diag`, 1 before any curvature pair, stays an
int, as PyTorch's); its `t` stays a number (PyTorch's is a 0-d tensor after some steps);
its arrays are wrapped as every optimizer's.

As PyTorch's load_state_dict, loading casts every floating state value but `step` to the
parameter's dtype: a loaded `mu_product`, `eta` or `mu` is then kept (and computed) in it.

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


def scalar_dtype() -> np.dtype:
    """PyTorch's `_get_scalar_dtype()`: float64 under a float64 default, else float32."""
    default = np.dtype(get_default_dtype())
    return default if default == np.float64 else np.dtype(np.float32)


def saved(entries: dict[str, Any], scalars: dict[str, type]) -> dict[str, Any]:
    """One parameter's state as PyTorch's state dict holds it: arrays (also inside lists,
    LBFGS's history) as Tensors sharing their memory, the scalars as 0-d Tensors."""
    out: dict[str, Any] = {}
    like = entries.get("d")  # LBFGS's direction: the parameters' dtype
    for key, value in entries.items():
        if key in _FLOAT_TENSORS and isinstance(like, np.ndarray):
            out[key] = _float_tensors(value, like.dtype)
        elif key in scalars and isinstance(value, int | float | np.number) and \
                not isinstance(value, bool):
            # a NumPy scalar keeps its dtype (ASGD's eta after load: the parameter's)
            dtype = value.dtype if isinstance(value, np.floating) else scalar_dtype()
            out[key] = Tensor(np.array(value, dtype=dtype))
        else:
            out[key] = _wrapped(value)
    return out


# LBFGS's state values whose Python floats PyTorch keeps as 0-d tensors
_FLOAT_TENSORS = frozenset({"ro", "al", "H_diag"})


def _float_tensors(value: Any, dtype: np.dtype) -> Any:
    if isinstance(value, float | np.floating):
        return Tensor(np.array(value, dtype=dtype))
    if isinstance(value, list | tuple):
        return type(value)(_float_tensors(v, dtype) for v in value)
    return _wrapped(value)


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


def option(value: Any) -> Any:
    """A saved group's option as the group keeps it: another library's tensor (PyTorch's
    Tensor lr) as a Tensor of ours, anything else as it is."""
    if isinstance(value, Tensor) or not hasattr(value, "detach"):
        return value
    array = _unwrapped(value)
    return Tensor(array.copy()) if isinstance(array, np.ndarray) else value


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
