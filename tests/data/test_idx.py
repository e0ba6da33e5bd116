"""IDX reader/writer: round trips, the byte layout of the spec, and clear errors on bad files."""

import gzip
import tempfile
from pathlib import Path

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_bn.data import read_idx, write_idx
from tinygrad_bn.errors import DataError

IDX_DTYPES = ["u1", "i1", ">i2", "<i2", ">i4", "<i4", ">f4", "<f4", ">f8", "<f8"]


@settings(max_examples=40, deadline=None)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from(IDX_DTYPES).map(np.dtype),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6),
    ),
    suffix=st.sampled_from(["", ".gz"]),
)
def test_write_then_read_returns_the_same_values_bit_for_bit(array, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"a-idx{suffix}"
        write_idx(path, array)
        back = read_idx(path)
    assert back.shape == array.shape
    assert back.dtype == array.dtype.newbyteorder("=")
    # Bytes, not values: NaN payloads and -0.0 must survive too.
    assert back.tobytes() == array.astype(back.dtype).tobytes()


def test_written_bytes_follow_the_idx_spec(tmp_path):
    path = tmp_path / "x"
    write_idx(path, np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16))
    expected = bytes([0, 0, 0x0B, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6])
    assert path.read_bytes() == expected


def test_reads_a_handmade_big_endian_file(tmp_path):
    path = tmp_path / "labels-idx1-ubyte"
    path.write_bytes(bytes([0, 0, 0x0C, 1, 0, 0, 0, 2, 0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFE]))
    out = read_idx(path)
    assert out.dtype == np.int32
    assert out.tolist() == [256, -2]
    assert out.flags.writeable


def test_gzip_is_detected_from_content_not_name(tmp_path):
    plain = bytes([0, 0, 0x08, 1, 0, 0, 0, 3, 7, 8, 9])
    path = tmp_path / "no-gz-suffix"
    path.write_bytes(gzip.compress(plain))
    assert read_idx(path).tolist() == [7, 8, 9]


def test_gz_suffix_writes_gzip(tmp_path):
    path = tmp_path / "x.gz"
    write_idx(path, np.arange(5, dtype=np.uint8))
    assert gzip.decompress(path.read_bytes())[:4] == bytes([0, 0, 0x08, 1])


VALID = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4])


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "too short"),
        (b"\x00\x00", "too short"),
        (b"\x08\x03" + VALID[2:], "magic"),
        (VALID[:2] + b"\x42" + VALID[3:], "dtype code 0x42"),
        (VALID[:3] + b"\x00", "0 dimensions"),
        (VALID[:10], "truncated header"),
        (VALID[:-1], "truncated"),
        (VALID + b"\x00", "trailing bytes"),
    ],
)
def test_malformed_files_raise_data_error_naming_file_and_problem(tmp_path, content, fragment):
    path = tmp_path / "bad-idx3-ubyte"
    path.write_bytes(content)
    with pytest.raises(DataError, match=fragment) as info:
        read_idx(path)
    assert "bad-idx3-ubyte" in str(info.value)


def test_truncated_gzip_raises_data_error(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(VALID * 50)[:-12])
    with pytest.raises(DataError, match="gzip") as info:
        read_idx(path)
    assert "cut.gz" in str(info.value)


def test_missing_file_raises_data_error(tmp_path):
    with pytest.raises(DataError, match="no such IDX file"):
        read_idx(tmp_path / "absent")


def test_data_error_is_a_value_error():
    assert issubclass(DataError, ValueError)


@pytest.mark.parametrize("array", [np.zeros(3, np.int64), np.zeros(3, bool), np.zeros(2, complex)])
def test_write_rejects_dtypes_idx_cannot_store(tmp_path, array):
    with pytest.raises(DataError, match="dtype"):
        write_idx(tmp_path / "x", array)
    assert not (tmp_path / "x").exists()


def test_write_rejects_a_scalar(tmp_path):
    with pytest.raises(DataError, match="dimensions"):
        write_idx(tmp_path / "x", np.uint8(3))
