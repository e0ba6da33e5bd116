"""register_buffer as PyTorch's (Tensors, persistent=False left out of the state dict, the
name rules) and the factory keywords device=/dtype= on every module constructor that
creates parameters, side by side with torch where it is installed."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn


class Masked(nn.Module):
    """A causal-attention-style module: a Tensor mask buffer and a non-persistent cache."""

    def __init__(self, m, t: int = 4) -> None:
        super().__init__()
        self.proj = m.nn.Linear(t, t)
        self.register_buffer("bias", m.tensor(np.tril(np.ones((t, t)))).view(1, 1, t, t))
        self.register_buffer("cache", m.zeros(t), persistent=False)
        self.register_buffer("unused", None)

    def forward(self, x):
        t = x.shape[-1]
        scores = self.proj(x).reshape(1, 1, t, t)
        return scores.masked_fill(self.bias[:, :, :t, :t] == 0, float("-inf"))


class TorchMasked:
    """The same module written against torch (built lazily: torch is optional)."""

    @staticmethod
    def make(torch, t: int = 4):
        class Module(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.proj = torch.nn.Linear(t, t)
                self.register_buffer("bias", torch.tril(torch.ones(t, t)).view(1, 1, t, t))
                self.register_buffer("cache", torch.zeros(t), persistent=False)
                self.register_buffer("unused", None)

        return Module()


def test_a_tensor_buffer_is_kept_as_the_tensor_and_used_in_forward() -> None:
    mask = Tensor(np.tril(np.ones((4, 4))))
    m = nn.Module()
    m.register_buffer("mask", mask)
    assert m.mask is mask and [b for b in m.buffers()] == [mask]
    assert "mask" in m.state_dict() and not any(p is mask for p in m.parameters())
    m.mask = Tensor(np.zeros((4, 4)))  # assignment to a buffer name takes a Tensor too
    assert isinstance(m.mask, Tensor) and m.mask.data.sum() == 0
    m.mask = np.ones(2)  # and an ndarray, as before
    assert isinstance(m.mask, np.ndarray)


def test_non_persistent_buffers_leave_the_state_dict_as_in_pytorch() -> None:
    ours = Masked(tg)
    keys = list(ours.state_dict())
    assert keys == ["bias", "proj.weight", "proj.bias"]
    y = ours(tg.randn(4, 4))
    assert np.isneginf(y.data[0, 0, 0, 1]) and np.isfinite(y.data[0, 0, 1, 0])
    ours.load_state_dict(ours.state_dict())  # strict: the cache is not expected
    torch = pytest.importorskip("torch")
    theirs = TorchMasked.make(torch)
    assert keys == list(theirs.state_dict())
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]


def test_persistence_can_be_switched_and_deletion_forgets_it() -> None:
    m = nn.Module()
    m.register_buffer("b", Tensor(np.ones(2)), persistent=False)
    assert "b" not in m.state_dict()
    m.register_buffer("b", Tensor(np.ones(2)))
    assert "b" in m.state_dict()
    m.register_buffer("c", np.zeros(1), persistent=False)
    del m.c
    m.register_buffer("c", np.zeros(1))
    assert "c" in m.state_dict()


def test_state_dict_round_trip_through_a_tensor_buffer() -> None:
    m = nn.Module()
    m.register_buffer("stats", Tensor(np.arange(3.0)))
    other = nn.Module()
    other.register_buffer("stats", Tensor(np.zeros(3)))
    other.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(other.stats.data, [0.0, 1.0, 2.0])
    m.to(np.float32)
    assert m.stats.dtype == np.float32


@pytest.mark.parametrize("name, value, ours, pytorch", [
    ("x", [1.0, 2.0], tg.ArgumentTypeError, TypeError),
    ("a.b", None, tg.ArgumentError, KeyError),
    ("", None, tg.ArgumentError, KeyError),
    ("weight", None, tg.ArgumentError, KeyError),  # a parameter's name
    ("training", None, tg.ArgumentError, KeyError),  # an attribute's name
])
def test_register_buffer_refusals_match_pytorchs(name, value, ours, pytorch) -> None:
    with pytest.raises(ours):
        nn.Linear(2, 2).register_buffer(name, value)
    torch = pytest.importorskip("torch")
    with pytest.raises(pytorch):
        torch.nn.Linear(2, 2).register_buffer(name, value)


def _builders(m):
    """Every module constructor that creates parameters, with its arguments."""
    return {
        "Linear": lambda **kw: m.nn.Linear(3, 2, **kw),
        "Conv2d": lambda **kw: m.nn.Conv2d(2, 4, 3, **kw),
        "Embedding": lambda **kw: m.nn.Embedding(5, 3, **kw),
        "BatchNorm1d": lambda **kw: m.nn.BatchNorm1d(3, **kw),
        "BatchNorm2d": lambda **kw: m.nn.BatchNorm2d(3, **kw),
        "BatchNorm3d": lambda **kw: m.nn.BatchNorm3d(3, **kw),
        "LayerNorm": lambda **kw: m.nn.LayerNorm((2, 3), **kw),
        "GroupNorm": lambda **kw: m.nn.GroupNorm(2, 4, **kw),
        "Conv1d": lambda **kw: m.nn.Conv1d(2, 4, 3, **kw),
        "Conv3d": lambda **kw: m.nn.Conv3d(2, 4, 3, **kw),
        "ConvTranspose1d": lambda **kw: m.nn.ConvTranspose1d(2, 4, 3, **kw),
        "ConvTranspose2d": lambda **kw: m.nn.ConvTranspose2d(2, 4, 3, **kw),
        "Bilinear": lambda **kw: m.nn.Bilinear(2, 3, 4, **kw),
        "RNN": lambda **kw: m.nn.RNN(3, 4, num_layers=2, **kw),
        "LSTM": lambda **kw: m.nn.LSTM(3, 4, proj_size=2, **kw),
        "GRU": lambda **kw: m.nn.GRU(3, 4, bidirectional=True, **kw),
        "RNNCell": lambda **kw: m.nn.RNNCell(3, 4, **kw),
        "LSTMCell": lambda **kw: m.nn.LSTMCell(3, 4, **kw),
        "GRUCell": lambda **kw: m.nn.GRUCell(3, 4, **kw),
        "MultiheadAttention": lambda **kw: m.nn.MultiheadAttention(4, 2, kdim=3, **kw),
        "TransformerEncoderLayer": lambda **kw: m.nn.TransformerEncoderLayer(
            4, 2, dim_feedforward=8, **kw),
    }


@pytest.mark.parametrize("name", sorted(_builders(tg)))
def test_factory_kwargs_set_the_dtype_of_parameters_and_buffers(name) -> None:
    build = _builders(tg)[name]
    default = build()
    doubled = build(device="cpu", dtype=tg.float64)
    for (key, a), (_, b) in zip(default.state_dict().items(), doubled.state_dict().items(),
                                strict=True):
        if key.endswith("num_batches_tracked"):
            assert a.dtype == b.dtype == np.int64
        else:
            assert a.dtype == np.float32 and b.dtype == np.float64, key
    assert all(p.dtype == np.float64 for p in doubled.parameters())
    torch = pytest.importorskip("torch")
    theirs = _builders(torch)[name](device="cpu", dtype=torch.float64)
    ours_state, their_state = doubled.state_dict(), theirs.state_dict()
    assert list(ours_state) == list(their_state)
    for key, value in their_state.items():
        assert ours_state[key].shape == tuple(value.shape), key
        assert str(ours_state[key].dtype) == str(value.dtype).removeprefix("torch."), key


def test_a_float64_module_computes_in_float64() -> None:
    layer = nn.Linear(3, 2, dtype=tg.float64)
    y = layer(Tensor(np.ones((4, 3))))
    assert y.dtype == np.float64


@pytest.mark.parametrize("kwargs, error", [
    ({"device": "cuda"}, tg.ArgumentError), ({"dtype": tg.int64}, tg.DTypeError),
    ({"dtype": "complex"}, tg.TinygradError),
])
def test_bad_factory_kwargs_are_named(kwargs, error) -> None:
    for name, build in _builders(tg).items():
        with pytest.raises(error, match=name.rstrip("123d") if name.startswith("Batch")
                           else name):
            build(**kwargs)


def test_dropout_takes_pytorchs_inplace_flag() -> None:
    layer = nn.Dropout(0.2, inplace=True)
    assert layer.inplace is True and layer.p == 0.2


def test_compiled_calls_read_a_tensor_buffer_afresh() -> None:
    class Scaled(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lin = nn.Linear(3, 2)
            self.register_buffer("scale", Tensor(np.ones(2, np.float32)))

        def forward(self, x):
            return self.lin(x) * self.scale

    m = Scaled()
    step = tg.compile(lambda x: m(x))
    x = Tensor(np.ones((4, 3), np.float32))
    for _ in range(3):
        step(x)
    m.scale.data[...] = 2.0  # in place
    np.testing.assert_array_equal(step(x).data, m(x).data)
    m.scale.data = np.full(2, 3.0, np.float32)  # a new array
    np.testing.assert_array_equal(step(x).data, m(x).data)
