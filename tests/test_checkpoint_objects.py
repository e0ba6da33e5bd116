"""Checkpoints as PyTorch scripts write them: nested objects (epoch, model and optimizer
state dicts, metrics) and open file objects, still without pickle
(tinygrad_bn/checkpoint_layout.py)."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import nn

LEAVES = st.one_of(st.none(), st.booleans(), st.integers(-2**40, 2**40), st.floats(),
                   st.text(max_size=5),
                   st.builds(lambda n, k: np.arange(n, dtype=k), st.integers(0, 4),
                             st.sampled_from([np.float32, np.int64, np.uint8, np.bool_])))
KEYS = st.one_of(st.text(max_size=4), st.integers(-3, 3), st.none(), st.booleans())
OBJECTS = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.tuples(inner, inner),
    st.dictionaries(KEYS, inner, max_size=3)), max_leaves=8)


def same(a, b) -> bool:
    """Equal values of equal types, arrays byte for byte, NaN equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@settings(max_examples=40)
@given(obj=OBJECTS)
def test_a_nested_object_round_trips_through_a_file_object(obj) -> None:
    buffer = io.BytesIO()
    tg.save(obj, buffer)
    buffer.seek(0)
    assert same(tg.load(buffer), obj)


def test_a_training_checkpoint_resumes_model_and_optimizer(tmp_path) -> None:
    tg.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    opt = tg.optim.Adam(model.parameters(), lr=0.01)
    x, y = tg.randn(8, 3), tg.randint(0, 2, (8,))

    def step(m, o):
        loss = nn.functional.cross_entropy(m(x), y)
        o.zero_grad()
        loss.backward()
        o.step()
        return loss.item()

    step(model, opt)
    path = tmp_path / "ckpt.pt"
    tg.save({"epoch": 1, "model": model.state_dict(), "optimizer": opt.state_dict(),
             "best_loss": 0.25, "history": [1.5, 0.75]}, path)
    checkpoint = tg.load(path, map_location="cpu")
    assert checkpoint["epoch"] == 1 and checkpoint["history"] == [1.5, 0.75]
    twin = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    twin.load_state_dict(checkpoint["model"])
    twin_opt = tg.optim.Adam(twin.parameters(), lr=0.01)
    twin_opt.load_state_dict(checkpoint["optimizer"])
    assert step(twin, twin_opt) == step(model, opt)  # the resumed run is the same run
    for a, b in zip(twin.parameters(), model.parameters()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_a_flat_state_dict_keeps_the_plain_npz_layout(tmp_path) -> None:
    path = tmp_path / "flat.npz"
    tg.save(nn.Linear(2, 3).state_dict(), path)
    assert sorted(np.load(path).files) == ["bias", "weight"]


def test_load_refuses_a_map_location_other_than_the_cpu(tmp_path) -> None:
    buffer = io.BytesIO()
    tg.save({"a": np.ones(2)}, buffer)
    buffer.seek(0)
    with pytest.raises(tg.ArgumentError, match="load: map_location.*cuda"):
        tg.load(buffer, map_location="cuda:0")


def test_a_corrupted_description_is_a_data_error(tmp_path) -> None:
    arrays = {"0": np.ones(2), "__layout__": np.frombuffer(b'{"dict": [[{"value": "a"}, '
                                                             b'{"array": "7"}]]}', np.uint8)}
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    with pytest.raises(tg.DataError, match="description does not match its arrays"):
        tg.load(path)
