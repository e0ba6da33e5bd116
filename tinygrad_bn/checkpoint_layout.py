"""How a nested checkpoint becomes flat `.npy` members and back, without pickle.

PyTorch scripts save more than a state dict: `{"epoch": 3, "model": model.state_dict(),
"optimizer": opt.state_dict(), "best_acc": 0.91}`. `tg.save` keeps its archive a plain
`.npz` (every member an `.npy`, readable by `np.load`): the arrays of such an object
become members `0`, `1`, ... in the order met, and the rest of it (dicts with their key
types, lists, tuples, Python numbers, strings, None) a JSON description stored as a
uint8 member `__layout__`, in which each array is `{"array": "<member>"}`. A flat dict of
name -> array is written as it always was, one member per key and no description.

A Tensor comes back a Tensor (requiring grad if it did; a Parameter comes back a Tensor
that requires grad: this layer sits below nn), an ndarray an ndarray: the description
marks a Tensor's array `"tensor": "<kind>"`, a flat archive marks the member by its zip
comment (which `np.load` ignores). Archives written before the marks load as ndarrays.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import DataError
from .tensor import Tensor

LAYOUT = "__layout__"  # the member holding the JSON description of a nested checkpoint
# what a saved Tensor is marked with, by whether it required grad
TENSOR, GRAD_TENSOR = "tensor", "tensor requires_grad"
_KINDS = (TENSOR, GRAD_TENSOR)
MEMBER_MARK = b"tinygrad_bn:"  # a flat archive's member comment: MEMBER_MARK + kind


def tensor_kind(value: Any) -> str | None:
    """How a saved value is to come back: None (an ndarray or NumPy scalar), TENSOR or
    GRAD_TENSOR."""
    if not isinstance(value, Tensor):
        return None
    return GRAD_TENSOR if value.requires_grad else TENSOR


def restore(array: np.ndarray, kind: Any) -> Any:
    """The loaded array as it was saved: the ndarray itself, or a Tensor over it."""
    if kind not in _KINDS:  # None, or a mark from a later version: the array, as before
        return array
    return Tensor(array, requires_grad=kind == GRAD_TENSOR and array.dtype.kind == "f")


def is_flat(obj: Any) -> bool:
    """Whether `obj` is a plain state dict: non-empty string keys, arrays or Tensors only."""
    return isinstance(obj, Mapping) and all(
        isinstance(k, str) and k and k != LAYOUT and isinstance(v, np.ndarray | Tensor)
        for k, v in obj.items())


def flatten(obj: Any) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The arrays of `obj` as members "0", "1", ... and its description (UTF-8 JSON as a
    uint8 array). Anything but arrays, Tensors, dicts, lists, tuples, bool/int/float/str
    and None is refused with a DataError naming where it sits."""
    arrays: dict[str, np.ndarray] = {}
    layout = _describe(obj, arrays, "checkpoint")
    text = json.dumps(layout, allow_nan=True).encode()
    return arrays, np.frombuffer(text, dtype=np.uint8)


def _describe(obj: Any, arrays: dict[str, np.ndarray], where: str) -> Any:
    kind = tensor_kind(obj)
    if kind is not None:
        obj = obj._data
    if isinstance(obj, np.ndarray | np.generic):
        array = np.asarray(obj)
        if array.dtype.hasobject:
            raise DataError(f"save: {where} is an object array, which would need pickle")
        key = str(len(arrays))
        arrays[key] = array
        node = {"array": key, "scalar": isinstance(obj, np.generic)}
        if kind is not None:
            node["tensor"] = kind
        return node
    if obj is None or isinstance(obj, bool | int | float | str):
        return {"value": obj}
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            if not (k is None or isinstance(k, bool | int | float | str)):
                raise DataError(f"save: {where} has a key of type {type(k).__name__} "
                                f"({k!r}); keys must be strings, numbers, bools or None")
            items.append([{"value": k}, _describe(v, arrays, f"{where}[{k!r}]")])
        return {"dict": items}
    if isinstance(obj, list | tuple):
        kind = "list" if isinstance(obj, list) else "tuple"
        return {kind: [_describe(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    hint = f"; save its .state_dict() instead and load that into a new {type(obj).__name__} " \
        f"with load_state_dict" if callable(getattr(obj, "state_dict", None)) else ""
    raise DataError(f"save: {where} is a {type(obj).__name__}; a checkpoint holds arrays, "
                    f"Tensors, dicts, lists, tuples, numbers, strings and None (never "
                    f"pickle){hint}")


def rebuild(members: dict[str, np.ndarray], source: str) -> Any:
    """The object `flatten` described, from the loaded members (each array an ndarray or
    a Tensor, as it was saved)."""
    try:
        layout = json.loads(members.pop(LAYOUT).tobytes().decode())
        return _build(layout, members)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise DataError(f"load: {source}: the checkpoint's description does not match its "
                        f"arrays ({type(error).__name__}: {error})") from error


def _build(node: dict, arrays: dict[str, np.ndarray]) -> Any:
    if "array" in node:
        array = arrays[node["array"]]
        return array[()] if node.get("scalar") else restore(array, node.get("tensor"))
    if "value" in node:
        return node["value"]
    if "dict" in node:
        return {_build(k, arrays): _build(v, arrays) for k, v in node["dict"]}
    if "list" in node:
        return [_build(v, arrays) for v in node["list"]]
    return tuple(_build(v, arrays) for v in node["tuple"])
