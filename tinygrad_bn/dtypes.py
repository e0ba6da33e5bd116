"""PyTorch's dtype names, as NumPy scalar types: `tg.float32`, `tg.int64`, `tg.long`, ...

A tensor's `dtype` is a NumPy dtype, and `np.dtype("float32") == np.float32`,
so `x.dtype == tg.float32` reads as in PyTorch. The PyTorch aliases are
`float` (float32), `double` (float64), `half` (float16), `long` (int64),
`int` (int32), `short` (int16) and `bool`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import DTypeError

float16 = half = np.float16
float32 = float = np.float32  # noqa: A001 (PyTorch's name)
float64 = double = np.float64
int8 = np.int8
int16 = short = np.int16
int32 = int = np.int32  # noqa: A001
int64 = long = np.int64
uint8 = np.uint8
bool = np.bool_  # noqa: A001

_BY_NAME = {"float16": float16, "half": float16, "float32": float32, "float": float32,
            "float64": float64, "double": float64, "int8": int8, "int16": int16,
            "short": int16, "int32": int32, "int": int32, "int64": int64, "long": int64,
            "uint8": uint8, "bool": bool}


def as_dtype(op: str, dtype: Any) -> np.dtype:
    """`dtype` (a NumPy dtype or scalar type, one of this module's names, or a name such as
    "float32" or "torch.long") as a NumPy dtype of a kind tensors support."""
    if isinstance(dtype, str):
        key = dtype.removeprefix("torch.")
        if key not in _BY_NAME:
            raise DTypeError(f"{op}: unknown dtype name {dtype!r} (known: "
                             f"{', '.join(sorted(_BY_NAME))})")
        dtype = _BY_NAME[key]
    try:
        result = np.dtype(dtype)
    except TypeError as error:
        raise DTypeError(f"{op}: {dtype!r} is not a dtype") from error
    if result.kind not in "biuf":
        raise DTypeError(f"{op}: unsupported dtype {result}; expected a boolean, integer or "
                         f"floating dtype")
    return result
