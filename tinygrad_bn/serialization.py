"""Checkpoints: `save(state_dict, path)` and `load(path)` as `.npz`, never pickle.

The file is a zip archive with one `.npy` member per key, in the state
dict's order (the layout of `np.savez`, readable by `np.load`). Arrays are
stored byte for byte, so parameters, running statistics and integer
counters such as `num_batches_tracked` round-trip exactly. Object arrays,
which would need pickle, are refused on both sides.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from typing import Any

import numpy as np

from .errors import DataError
from .tensor import Tensor


def save(state_dict: Mapping[str, Any], path: str | os.PathLike) -> None:
    """Write `state_dict` (name -> ndarray or Tensor) to `path` as an `.npz` archive.

    The file is written next to `path` first and then moved into place, so an
    interrupted save never leaves a half-written checkpoint under `path`.
    """
    if not isinstance(state_dict, Mapping):
        raise DataError(f"save: expected a dict of name -> array, got {type(state_dict).__name__}")
    arrays = {}
    for key, value in state_dict.items():
        if not isinstance(key, str) or not key:
            raise DataError(f"save: keys must be non-empty strings, got {key!r}")
        array = value.data if isinstance(value, Tensor) else value
        if not isinstance(array, np.ndarray):
            raise DataError(f"save: value of '{key}' is a {type(value).__name__}; only ndarrays "
                            f"and Tensors can be saved")
        if array.dtype.hasobject:
            raise DataError(f"save: '{key}' is an object array, which would need pickle")
        arrays[key] = array
    path = os.fspath(path)
    partial = path + ".partial"
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:
            for key, array in arrays.items():
                with archive.open(key + ".npy", "w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def load(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Read a checkpoint written by `save`: a dict with the same keys, in the same order.

    A missing, corrupted or non-`.npz` file raises `DataError`.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise DataError(f"load: no such checkpoint file: {path}")
    if not zipfile.is_zipfile(path):
        raise DataError(f"load: {path} is not a checkpoint: not an .npz (zip) archive, or a "
                        f"truncated one")
    try:
        with np.load(path, allow_pickle=False) as archive:
            state = {key: archive[key] for key in archive.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        raise DataError(f"load: {path} cannot be read as a checkpoint: {error}") from error
    for key, value in state.items():
        if not isinstance(value, np.ndarray):
            raise DataError(f"load: {path}: member '{key}' is not an .npy array")
    return state
