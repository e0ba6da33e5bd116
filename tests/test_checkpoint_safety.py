"""tg.save / tg.load under concurrency and failure: atomic replacement (concurrent writers
all succeed, a reader only ever sees a whole checkpoint), clear errors naming the path when
a save cannot be written (the old file untouched, no temporary left), and loads that check
every declared size before allocating."""

from __future__ import annotations

import errno
import multiprocessing
import os
import threading
import tracemalloc
import zipfile
from collections.abc import Iterator, Mapping

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import serialization
from tinygrad_bn.data import read_idx

WRITES = 15


def states() -> list[dict[str, np.ndarray]]:
    """Distinguishable checkpoints of ~0.5 MB, so a write takes long enough to overlap."""
    return [{"weight": np.full((256, 256), float(k)), "step": np.array(k)} for k in range(3)]


def is_whole_state(loaded: dict[str, np.ndarray], candidates) -> bool:
    return any(list(loaded) == list(c) and all(np.array_equal(loaded[k], c[k]) for k in c)
               for c in candidates)


def _write_repeatedly(path: str, k: int) -> None:
    for _ in range(WRITES):
        tg.save(states()[k], path)


def _read_while(path, alive, candidates) -> int:
    """Load `path` until alive() is False; every load must give one whole candidate."""
    reads = 0
    while alive() or reads == 0:
        loaded = tg.load(path)
        assert is_whole_state(loaded, candidates), "reader saw a mixed or partial checkpoint"
        reads += 1
    return reads


def assert_only(directory, *names: str) -> None:
    assert sorted(p.name for p in directory.iterdir()) == sorted(names)


def test_two_processes_saving_one_path_both_succeed_and_readers_see_whole_files(tmp_path):
    path = tmp_path / "ckpt.npz"
    candidates = states()
    tg.save(candidates[0], path)
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_write_repeatedly, args=(str(path), k)) for k in (1, 2)]
    for w in writers:
        w.start()
    reads = _read_while(path, lambda: any(w.is_alive() for w in writers), candidates)
    for w in writers:
        w.join()
    assert [w.exitcode for w in writers] == [0, 0]
    assert reads >= 1 and is_whole_state(tg.load(path), candidates[1:])
    assert_only(tmp_path, "ckpt.npz")


def test_threads_saving_one_path_all_succeed(tmp_path):
    path = tmp_path / "ckpt.npz"
    candidates = states()
    errors: list[BaseException] = []

    def write(k: int) -> None:
        try:
            _write_repeatedly(str(path), k)
        except BaseException as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)

    writers = [threading.Thread(target=write, args=(k,)) for k in (0, 1, 2)]
    for w in writers:
        w.start()
    for w in writers:
        w.join()
    assert errors == []
    assert is_whole_state(tg.load(path), candidates)
    assert_only(tmp_path, "ckpt.npz")


# ---------------------------------------------------------------- saves that cannot happen


def test_saving_into_a_missing_directory_names_the_path(tmp_path):
    path = tmp_path / "no" / "such" / "ckpt.npz"
    with pytest.raises(tg.WriteError, match="does not exist") as info:
        tg.save({"a": np.ones(2)}, path)
    assert str(path) in str(info.value) and isinstance(info.value, OSError)
    assert_only(tmp_path)


def test_saving_onto_a_directory_names_it_and_leaves_it(tmp_path):
    (tmp_path / "ckpt.npz").mkdir()
    with pytest.raises(tg.WriteError, match="is a directory") as info:
        tg.save({"a": np.ones(2)}, tmp_path / "ckpt.npz")
    assert str(tmp_path / "ckpt.npz") in str(info.value)
    assert (tmp_path / "ckpt.npz").is_dir() and list((tmp_path / "ckpt.npz").iterdir()) == []
    assert_only(tmp_path, "ckpt.npz")


def _disk_full_after(n_bytes: int):
    """A stand-in for np.lib.format.write_array that writes `n_bytes` and then fails as a
    full disk does."""
    def write_array(file, array, **kwargs):
        file.write(b"\0" * n_bytes)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return write_array


@pytest.mark.parametrize("failure", ["disk full mid-write", "fsync", "read-only directory"])
def test_a_failed_save_names_the_path_keeps_the_old_file_and_leaves_no_temporary(
        tmp_path, monkeypatch, failure):
    path = tmp_path / "ckpt.npz"
    tg.save({"a": np.ones(3)}, path)
    before = path.read_bytes()
    if failure == "disk full mid-write":
        monkeypatch.setattr(np.lib.format, "write_array", _disk_full_after(1000))
        reason = "No space left on device"
    elif failure == "fsync":
        def fsync(fd):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        monkeypatch.setattr(os, "fsync", fsync)
        reason = "Input/output error"
    else:  # the tests run as root, for whom chmod 0o555 does not stop writes: simulate
        real_open = os.open

        def open_(file, flags, *args, **kwargs):
            if flags & os.O_CREAT:
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), file)
            return real_open(file, flags, *args, **kwargs)
        monkeypatch.setattr(os, "open", open_)
        reason = "Permission denied"
    with pytest.raises(tg.WriteError) as info:
        tg.save({"a": np.zeros((100, 100))}, path)
    monkeypatch.undo()
    message = str(info.value)
    assert str(path) in message and reason in message, message
    assert isinstance(info.value, OSError) and isinstance(info.value.__cause__, OSError)
    assert path.read_bytes() == before
    assert_only(tmp_path, "ckpt.npz")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_saving_into_a_read_only_directory_is_a_write_error(tmp_path):
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        with pytest.raises(tg.WriteError, match="Permission denied"):
            tg.save({"a": np.ones(2)}, directory / "ckpt.npz")
        assert list(directory.iterdir()) == []
    finally:
        directory.chmod(0o755)


def test_a_saved_checkpoint_gets_the_modes_open_would_give(tmp_path):
    # the temporary file is created with 0o666 less the umask, as a plain open() would be
    tg.save({"a": np.ones(2)}, tmp_path / "a.npz")
    (tmp_path / "b").write_bytes(b"")
    assert (tmp_path / "a.npz").stat().st_mode == (tmp_path / "b").stat().st_mode


class TwiceMapping(Mapping):
    """A mapping whose items() repeats a key (a dict cannot)."""

    def __getitem__(self, key):
        return np.ones(2)

    def __iter__(self) -> Iterator[str]:
        return iter(["a", "a"])

    def __len__(self) -> int:
        return 2


def test_duplicate_keys_are_refused_on_save(tmp_path):
    with pytest.raises(tg.DataError, match="'a' appears twice"):
        tg.save(TwiceMapping(), tmp_path / "c.npz")
    assert_only(tmp_path)


# ---------------------------------------------------------------- loads that must not allocate


def npy_header(shape, dtype) -> bytes:
    import io
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
                 "shape": shape})
    return buffer.getvalue()


def test_a_member_declaring_more_than_it_holds_is_refused_before_allocating(tmp_path):
    # 2 MiB of data under a header declaring 2 GiB: the old load allocated the 2 GiB first
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("w.npy", npy_header((2**28,), np.float64) + b"\0" * 2**21)
    tracemalloc.start()
    try:
        with pytest.raises(tg.DataError) as info:
            tg.load(path, max_bytes=2**40)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "'w'" in str(info.value) and "2,147,483,648 bytes" in str(info.value)
    assert str(path) in str(info.value)
    assert peak < 2**25, f"load allocated {peak} bytes before refusing"


def test_load_refuses_archives_declaring_more_than_max_bytes(tmp_path, monkeypatch):
    path = tmp_path / "big.npz"
    np.savez_compressed(path, a=np.zeros(2**17), b=np.zeros(2**17))  # 1 MiB each, ~2 KB file
    with pytest.raises(tg.DataError, match=r"max_bytes=1,500,000.*'b'.*2,097,152") as info:
        tg.load(path, max_bytes=1_500_000)
    assert str(path) in str(info.value)
    assert tg.load(path, max_bytes=2**21)["b"].shape == (2**17,)
    monkeypatch.setattr(serialization, "MAX_LOAD_BYTES", 2**20)  # the default, at call time
    with pytest.raises(tg.DataError, match="max_bytes=1,048,576"):
        tg.load(path)
    with pytest.raises(tg.ArgumentTypeError, match="max_bytes"):
        tg.load(path, max_bytes="1GB")


def test_duplicate_member_names_are_refused_on_load(tmp_path):
    path = tmp_path / "dup.npz"
    with zipfile.ZipFile(path, "w") as archive, pytest.warns(UserWarning, match="Duplicate"):
        for value in (1.0, 2.0):
            archive.writestr("a.npy", npy_header((1,), np.float64) + np.float64(value).tobytes())
    with pytest.raises(tg.DataError, match="'a.npy' appears twice") as info:
        tg.load(path)
    assert str(path) in str(info.value)


def test_idx_header_whose_size_overflows_int64_is_a_data_error(tmp_path):
    # four sides of 65536: 2**64 elements, 0 in int64 arithmetic, and an empty body "fits"
    path = tmp_path / "huge-idx"
    path.write_bytes(bytes([0, 0, 0x08, 4]) + np.array([65536] * 4, ">u4").tobytes())
    with pytest.raises(tg.DataError, match="truncated") as info:
        read_idx(path)
    assert "(65536, 65536, 65536, 65536)" in str(info.value)
    assert str(20 + 2**64) in str(info.value)  # the header's 20 bytes and 2**64 of data
