"""tg.save / tg.load: bit-exact, ordered round trips; clear errors for bad files and values."""

import pickle
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn

dtypes = st.sampled_from([np.float16, np.float32, np.float64, np.int8, np.int32, np.int64,
                          np.uint8, np.bool_])
names = st.text(st.sampled_from("abcxyz._0123"), min_size=1, max_size=12)


@st.composite
def state_dicts(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """Dicts in a drawn key order, of arrays of drawn dtypes, 0-d and empty shapes included;
    floats may hold NaN, inf and -0.0."""
    keys = draw(st.lists(names, min_size=0, max_size=6, unique=True))
    return {key: draw(hnp.arrays(draw(dtypes), hnp.array_shapes(min_dims=0, max_dims=3,
                                                                min_side=0, max_side=3)))
            for key in keys}


def make_model() -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                         nn.Linear(8, 3), nn.BatchNorm1d(3))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state_dicts())
def test_round_trip_is_bit_exact_and_ordered(tmp_path, state) -> None:
    path = tmp_path / "state.npz"
    tg.save(state, path)
    loaded = tg.load(path)
    assert list(loaded) == list(state)
    for key, array in state.items():
        assert loaded[key].dtype == array.dtype and loaded[key].shape == array.shape
        assert loaded[key].tobytes() == array.tobytes(), key


def test_model_round_trip_includes_batch_norm_buffers(tmp_path) -> None:
    tg.manual_seed(0)
    source = make_model()
    x = Tensor(np.random.default_rng(0).normal(size=(4, 1, 4, 4)).astype(np.float32))
    for _ in range(3):  # move the running statistics away from their initial values
        source(x)
    state = source.state_dict()
    assert int(state["1.num_batches_tracked"]) == 3
    path = tmp_path / "model.npz"
    tg.save(state, path)
    target = make_model()
    target.load_state_dict(tg.load(path))
    for (key, a), b in zip(state.items(), target.state_dict().values()):
        assert a.dtype == b.dtype and a.numpy().tobytes() == b.numpy().tobytes(), key
    source.eval()
    target.eval()
    np.testing.assert_array_equal(source(x).data, target(x).data)


def test_save_accepts_tensors_and_path_strings(tmp_path) -> None:
    path = str(tmp_path / "t.npz")
    tg.save({"w": Tensor(np.arange(3.0)), "n": np.array(7, dtype=np.int64)}, path)
    loaded = tg.load(path)
    np.testing.assert_array_equal(loaded["w"], [0.0, 1.0, 2.0])
    assert loaded["n"].shape == () and loaded["n"].dtype == np.int64 and loaded["n"] == 7


def test_keys_that_collide_with_savez_arguments_are_fine(tmp_path) -> None:
    state = {"file": np.zeros(1), "allow_pickle": np.ones(2), "arr_0": np.arange(3)}
    tg.save(state, tmp_path / "c.npz")
    assert list(tg.load(tmp_path / "c.npz")) == ["file", "allow_pickle", "arr_0"]


@pytest.mark.parametrize("state, message", [
    ({"a": object()}, r"checkpoint\['a'\] is a object"),
    ({"a": [1, {2, 3}]}, r"checkpoint\['a'\]\[1\] is a set"),
    ({"a": np.array([{}], dtype=object)}, "object array"),
    ({"w": np.zeros(1), "a": {(1, 2): np.zeros(1)}}, "has a key of type tuple"),
    ({"a": np.zeros(1), "f": print}, "is a builtin_function_or_method"),
])
def test_save_rejects_non_arrays_without_writing(tmp_path, state, message) -> None:
    path = tmp_path / "bad.npz"
    with pytest.raises(tg.DataError, match=message):
        tg.save(state, path)
    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_the_previous_checkpoint(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    tg.save({"a": np.ones(2)}, path)
    with pytest.raises(tg.DataError):
        tg.save({"a": np.zeros(2), "b": object()}, path)
    np.testing.assert_array_equal(tg.load(path)["a"], np.ones(2))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]


def write_bad_files(tmp_path) -> dict[str, object]:
    good = tmp_path / "good.npz"
    tg.save({"weight": np.arange(64.0)}, good)
    data = good.read_bytes()
    files = {}
    files["text"] = tmp_path / "notes.npz"
    files["text"].write_text("not a checkpoint at all\n" * 10)
    files["truncated"] = tmp_path / "truncated.npz"
    files["truncated"].write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    flipped[data.index(b"\x00\x00\xf0?")] ^= 0xFF  # a byte inside the array values
    files["flipped"] = tmp_path / "flipped.npz"
    files["flipped"].write_bytes(bytes(flipped))
    files["npy"] = tmp_path / "single.npy"
    np.save(files["npy"], np.zeros(3))
    files["pickle"] = tmp_path / "pickled.npz"
    files["pickle"].write_bytes(pickle.dumps({"weight": np.zeros(3)}))
    files["object"] = tmp_path / "object.npz"
    np.savez(files["object"], a=np.array([{}], dtype=object))
    files["zip"] = tmp_path / "other.npz"
    with zipfile.ZipFile(files["zip"], "w") as archive:
        archive.writestr("readme.txt", "hello")
    files["missing"] = tmp_path / "missing.npz"
    files["directory"] = tmp_path
    return files


@pytest.mark.parametrize("kind, message", [
    ("text", "not an .npz"), ("truncated", "not an .npz"), ("flipped", "CRC"),
    ("npy", "not an .npz"), ("pickle", "not an .npz"), ("object", "Object arrays"),
    ("zip", "'readme.txt' is not an .npy array"), ("missing", "no such checkpoint file"),
    ("directory", "no such checkpoint file"),
])
def test_load_rejects_corrupted_and_foreign_files(tmp_path, kind, message) -> None:
    path = write_bad_files(tmp_path)[kind]
    with pytest.raises(tg.DataError, match=message) as info:
        tg.load(path)
    assert str(path) in str(info.value)
