"""Checkpoints: `save(obj, f)` and `load(f)` as `.npz`, never pickle.

The file is a zip archive with one `.npy` member per key, in the state
dict's order (the layout of `np.savez`, readable by `np.load`). A nested object
(`{"epoch": 3, "model": model.state_dict(), "optimizer": opt.state_dict()}`, as
PyTorch scripts save) keeps that layout too: its arrays become members and the rest a
JSON description member (tinygrad_bn/checkpoint_layout.py). A saved Tensor loads as a
Tensor, a saved ndarray as an ndarray (files from before that distinction load ndarrays).
`f` is a path or an open binary file (io.BytesIO too). Arrays are
stored byte for byte, so parameters, running statistics and integer
counters such as `num_batches_tracked` round-trip exactly. Object arrays,
which would need pickle, are refused on both sides.

Saving is atomic: the archive is written to a temporary file of a unique name
in the target directory, flushed to disk (fsync) and then renamed over `path`
(`os.replace`), so a reader sees the old checkpoint or the new one, never half a
file, and two writers of one path both succeed (the last rename wins). Loading
reads every member's `.npy` header first and allocates nothing until all the
declared sizes are consistent with the archive and within `max_bytes`.
"""

from __future__ import annotations

import contextlib
import numbers
import os
import secrets
import threading
import time
import zipfile
from collections.abc import Mapping
from typing import Any, BinaryIO

import numpy as np

from .allocation import allocating, nbytes
from .checkpoint_layout import LAYOUT, MEMBER_MARK, flatten, is_flat, rebuild, restore, tensor_kind
from .device import check_device
from .errors import ArgumentError, ArgumentTypeError, DataError, WriteError
from .tensor import Tensor

# What `load` allocates at most unless given max_bytes (read at each call: assign
# `tinygrad_bn.serialization.MAX_LOAD_BYTES` to change the default; math.inf for no bound).
MAX_LOAD_BYTES = 2**30


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Write `obj` (a state dict of name -> Tensor or ndarray, or a nested object of dicts,
    lists, tuples, numbers, strings, None, Tensors and arrays) to `f` as an `.npz`
    archive: to a path atomically (see the module docstring), or into an open binary
    file. Tensors are saved detached (their values; a whole Module is refused).

    Bad values raise a DataError before anything is written. A path that cannot be
    written (missing or read-only directory, a directory at `path`, a full disk) raises
    a WriteError naming it; the previous file at `path` is then untouched and no
    temporary file is left behind.
    """
    kinds: dict[str, str] = {}
    if is_flat(obj):
        arrays = _arrays_to_save(obj)
        kinds = {k: kind for k, v in obj.items() if (kind := tensor_kind(v)) is not None}
    else:
        arrays, layout = flatten(obj)
        arrays[LAYOUT] = layout
    if hasattr(f, "write"):
        _write_archive(f, arrays, kinds)
        return
    path = os.fspath(f)
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise WriteError(f"save: {path} is a directory; give a file path such as "
                         f"{os.path.join(path, 'checkpoint.npz')}")
    if not os.path.isdir(directory):
        raise WriteError(f"save: cannot write {path}: directory {directory} does not exist")
    temporary = None
    try:
        temporary, fd = _create_temporary(path)
        with os.fdopen(fd, "wb") as file:
            _write_archive(file, arrays, kinds)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
        temporary = None
        _fsync_directory(directory)
    except OSError as error:
        reason = error.strerror or str(error)
        raise WriteError(f"save: cannot write checkpoint {path}: {reason}") from error
    finally:
        if temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)


def _write_archive(file: BinaryIO, arrays: dict[str, np.ndarray], kinds: dict[str, str]
                   ) -> None:
    """One stored `.npy` member per key; a member that was a Tensor carries its kind in
    its zip comment (np.load ignores comments)."""
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED) as archive:
        for key, array in arrays.items():
            info = zipfile.ZipInfo(key + ".npy", date_time=time.localtime()[:6])
            if key in kinds:
                info.comment = MEMBER_MARK + kinds[key].encode()
            with archive.open(info, "w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _arrays_to_save(state_dict: Any) -> dict[str, np.ndarray]:
    """The state dict's values as ndarrays, checked: string keys, no object arrays."""
    if not isinstance(state_dict, Mapping):
        raise DataError(f"save: expected a dict of name -> array, got {type(state_dict).__name__}")
    arrays: dict[str, np.ndarray] = {}
    for key, value in state_dict.items():
        if not isinstance(key, str) or not key:
            raise DataError(f"save: keys must be non-empty strings, got {key!r}")
        if key in arrays:
            raise DataError(f"save: key '{key}' appears twice")
        array = value.data if isinstance(value, Tensor) else value
        if not isinstance(array, np.ndarray):
            raise DataError(f"save: value of '{key}' is a {type(value).__name__}; only ndarrays "
                            f"and Tensors can be saved")
        if array.dtype.hasobject:
            raise DataError(f"save: '{key}' is an object array, which would need pickle")
        arrays[key] = array
    return arrays


def _create_temporary(path: str) -> tuple[str, int]:
    """A new file beside `path` whose name no other writer (process or thread) uses:
    `.<name>.<pid>.<thread>.<random>.partial`, created exclusively, mode 0666 less the
    umask (as open() would give the checkpoint)."""
    head, name = os.path.split(path)
    while True:
        candidate = os.path.join(head, f".{name}.{os.getpid()}.{threading.get_ident()}."
                                       f"{secrets.token_hex(4)}.partial")
        try:
            return candidate, os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


def _fsync_directory(directory: str) -> None:
    """Make the rename durable; a no-op where directories cannot be opened (Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load(f: str | os.PathLike | BinaryIO, map_location: Any = None, *,
         weights_only: bool | None = None, max_bytes: float | None = None) -> Any:
    """Read a checkpoint written by `save` from a path or an open binary file: a state
    dict with the same keys in the same order, or the nested object that was saved; each
    saved Tensor comes back a Tensor (requiring grad if it did), each ndarray an ndarray.
    `map_location` (PyTorch's) must be the CPU; `weights_only` is accepted: a checkpoint
    never holds code.

    A missing, corrupted or non-`.npz` file, duplicate member names, a member whose
    `.npy` header declares more data than the member holds, and archives declaring more
    than `max_bytes` of arrays in total (None: `MAX_LOAD_BYTES`, 1 GiB; math.inf for no
    bound) raise a DataError before any array is allocated.
    """
    if map_location is not None and not callable(map_location):
        check_device("load: map_location", map_location)
    path = f if hasattr(f, "read") else os.fspath(f)
    name = getattr(f, "name", "the file object") if hasattr(f, "read") else path
    max_bytes = MAX_LOAD_BYTES if max_bytes is None else max_bytes
    if not isinstance(max_bytes, numbers.Real) or isinstance(max_bytes, bool):
        raise ArgumentTypeError(f"load: max_bytes must be a number of bytes (or None), got "
                                f"{type(max_bytes).__name__} {max_bytes!r}")
    if not max_bytes >= 0:
        raise ArgumentError(f"load: max_bytes must be >= 0, got {max_bytes}")
    if isinstance(path, str) and not os.path.isfile(path):
        raise DataError(f"load: no such checkpoint file: {path}")
    if not zipfile.is_zipfile(path):
        raise DataError(f"load: {name} is not a checkpoint: not an .npz (zip) archive, or a "
                        f"truncated one")
    try:
        with zipfile.ZipFile(path) as archive:
            members = _checked_members(name, archive, max_bytes)
            state = {}
            for key, (info, shape, dtype) in members.items():
                with archive.open(info) as file, allocating(f"load: {name}: '{key}'", shape,
                                                            dtype):
                    array = np.lib.format.read_array(file, allow_pickle=False)
                state[key] = restore(array, _member_kind(info))
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
        if isinstance(error, DataError):
            raise
        raise DataError(f"load: {name} cannot be read as a checkpoint: {error}") from error
    return rebuild(state, name) if LAYOUT in state else state


def _member_kind(info: zipfile.ZipInfo) -> str | None:
    """The kind a flat archive's member was saved as (its comment), None for an ndarray."""
    comment = info.comment
    if not comment.startswith(MEMBER_MARK):
        return None
    return comment[len(MEMBER_MARK):].decode("ascii", errors="replace")


def _checked_members(path: str, archive: zipfile.ZipFile, max_bytes: float
                     ) -> dict[str, tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype]]:
    """key -> (zip entry, declared shape, dtype), from the headers alone: every member an
    .npy, no key twice, each member holding exactly its declared bytes, all within
    max_bytes."""
    members: dict[str, tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype]] = {}
    total = 0
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise DataError(f"load: {path}: member '{info.filename}' is not an .npy array")
        key = info.filename[:-len(".npy")]
        if key in members:
            raise DataError(f"load: {path}: member '{info.filename}' appears twice; a "
                            f"checkpoint has one member per key")
        with archive.open(info) as file:
            version = np.lib.format.read_magic(file)
            read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) \
                else np.lib.format.read_array_header_2_0
            shape, _, dtype = read_header(file)
            header_size = file.tell()
        if dtype.hasobject:
            raise DataError(f"load: {path}: member '{key}' is an object array (Object arrays "
                            f"need pickle, which checkpoints never use)")
        size = nbytes(shape, dtype)
        if header_size + size != info.file_size:
            raise DataError(f"load: {path}: member '{key}' declares shape {shape} of {dtype} "
                            f"({size:,} bytes) but holds {info.file_size - header_size:,} bytes "
                            f"of data")
        total += size
        if total > max_bytes:
            raise DataError(f"load: {path}: the arrays declare more than max_bytes="
                            f"{max_bytes:,} bytes (member '{key}' of shape {shape} and dtype "
                            f"{dtype} brings the total to {total:,}); pass a larger max_bytes "
                            f"to load it")
        members[key] = (info, shape, dtype)
    return members
