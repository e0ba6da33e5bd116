"""PyTorch's layers and products do not promote: a float64 input to a float32 layer
(F.linear, nn.Linear, the convolutions, the norms, prelu, bilinear, the recurrent layers,
attention, a class-weight tensor of another dtype, matmul and its spellings) is refused
with DTypeMismatchError, a TinygradError that is a RuntimeError as PyTorch's (and a
TypeError, as the project's DTypeError), naming the op and both dtypes. Each refusal is
checked against torch too where it is installed: torch must refuse the twin call.

What stays: an ndarray or a list given to a layer is a constant of the layer's dtype (the
project's rule for arrays; PyTorch takes no arrays), a float16 input to a norm with float32
parameters (PyTorch's CPU norms allow it), and embedding's index input of any integer
dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_bn as tg

try:
    import torch
except ImportError:
    torch = None


def _x(lib: Any, *shape: int) -> Any:
    return lib.ones(*shape, dtype=lib.float64)


# name: (the call on a library, the op our message names, the dtypes it names)
REFUSED: dict[str, tuple[Callable[[Any], Any], str, str]] = {
    "F.linear input": (lambda L: L.nn.functional.linear(_x(L, 2, 3), L.ones(4, 3)), "linear",
                       "float64 and float32"),
    "F.linear 3-d input": (lambda L: L.nn.functional.linear(_x(L, 2, 2, 3), L.ones(4, 3)),
                           "linear", "float64 and float32"),
    "F.linear bias": (lambda L: L.nn.functional.linear(L.ones(2, 3), L.ones(4, 3),
                                                       _x(L, 4)), "bias", "float32 and float64"),
    "F.linear long input": (lambda L: L.nn.functional.linear(L.ones(2, 3, dtype=L.long),
                                                             L.ones(4, 3)), "linear", "int64"),
    "nn.Linear": (lambda L: L.nn.Linear(3, 4)(_x(L, 2, 3)), "linear", "float64 and float32"),
    "nn.Linear double, float input": (lambda L: L.nn.Linear(3, 4).double()(L.ones(2, 3)),
                                      "linear", "float32 and float64"),
    "conv1d": (lambda L: L.nn.functional.conv1d(_x(L, 1, 1, 3), L.ones(1, 1, 2)), "conv1d",
               "float64 and float32"),
    "conv2d": (lambda L: L.nn.functional.conv2d(_x(L, 1, 1, 3, 3), L.ones(1, 1, 2, 2)),
               "conv2d", "float64 and float32"),
    "conv2d bias": (lambda L: L.nn.functional.conv2d(L.ones(1, 1, 3, 3), L.ones(1, 1, 2, 2),
                                                     _x(L, 1)), "bias", "float32 and float64"),
    "conv3d": (lambda L: L.nn.functional.conv3d(_x(L, 1, 1, 3, 3, 3), L.ones(1, 1, 2, 2, 2)),
               "conv3d", "float64 and float32"),
    "conv_transpose2d": (lambda L: L.nn.functional.conv_transpose2d(
        _x(L, 1, 1, 3, 3), L.ones(1, 1, 2, 2)), "conv_transpose2d", "float64 and float32"),
    "nn.Conv2d": (lambda L: L.nn.Conv2d(1, 1, 2)(_x(L, 1, 1, 3, 3)), "conv2d", "float64"),
    "layer_norm": (lambda L: L.nn.functional.layer_norm(_x(L, 2, 3), (3,), L.ones(3),
                                                        L.ones(3)), "layer_norm", "float64"),
    "batch_norm eval": (lambda L: L.nn.functional.batch_norm(
        _x(L, 2, 3), L.zeros(3), L.ones(3), L.ones(3), L.ones(3)), "batch_norm", "float64"),
    "batch_norm running stats": (lambda L: L.nn.functional.batch_norm(
        L.ones(2, 3), _x(L, 3), _x(L, 3), training=True), "batch_norm", "running_mean"),
    "nn.BatchNorm1d": (lambda L: L.nn.BatchNorm1d(3)(_x(L, 2, 3)), "batch_norm", "float64"),
    "group_norm": (lambda L: L.nn.functional.group_norm(_x(L, 2, 4), 2, L.ones(4), L.ones(4)),
                   "group_norm", "float64"),
    "instance_norm": (lambda L: L.nn.functional.instance_norm(
        _x(L, 2, 3, 4), weight=L.ones(3), bias=L.ones(3)), "instance_norm", "float64"),
    "prelu": (lambda L: L.nn.functional.prelu(_x(L, 2, 3), L.ones(1)), "prelu", "float64"),
    "bilinear": (lambda L: L.nn.functional.bilinear(_x(L, 2, 3), _x(L, 2, 3),
                                                    L.ones(2, 3, 3)), "bilinear", "float64"),
    "nn.LSTM": (lambda L: L.nn.LSTM(3, 4)(_x(L, 2, 1, 3)), "LSTM", "float64 and float32"),
    "nn.GRU": (lambda L: L.nn.GRU(3, 4)(_x(L, 2, 1, 3)), "GRU", "float64 and float32"),
    "nn.RNN hidden state": (lambda L: L.nn.RNN(3, 4)(L.ones(2, 1, 3), _x(L, 1, 1, 4)), "RNN",
                            "float32 and float64"),
    "nn.LSTMCell": (lambda L: L.nn.LSTMCell(3, 4)(_x(L, 2, 3)), "LSTMCell", "float64"),
    "nn.MultiheadAttention": (lambda L: L.nn.MultiheadAttention(4, 2)(
        *[_x(L, 2, 1, 4)] * 3), "linear", "float64 and float32"),
    "nn.TransformerEncoderLayer": (lambda L: L.nn.TransformerEncoderLayer(4, 2, 8)(
        _x(L, 2, 1, 4)), "linear", "float64"),
    "cross_entropy weight": (lambda L: L.nn.functional.cross_entropy(
        L.ones(2, 3), L.tensor([0, 1]), weight=_x(L, 3)), "cross_entropy", "float64"),
    "nll_loss weight": (lambda L: L.nn.functional.nll_loss(
        L.ones(2, 3), L.tensor([0, 1]), weight=_x(L, 3)), "nll_loss", "float64"),
    "matmul": (lambda L: _x(L, 2, 3) @ L.ones(3, 4), "matmul", "float64 and float32"),
    "mm": (lambda L: _x(L, 2, 3).mm(L.ones(3, 4)), "mm", "float64"),
    "bmm": (lambda L: L.bmm(_x(L, 1, 2, 3), L.ones(1, 3, 4)), "bmm", "float64"),
    "einsum": (lambda L: L.einsum("ij,jk->ik", _x(L, 2, 3), L.ones(3, 4)), "einsum",
               "float64"),
    "scaled_dot_product_attention": (lambda L: L.nn.functional.scaled_dot_product_attention(
        _x(L, 1, 2, 4), L.ones(1, 2, 4), L.ones(1, 2, 4)), "matmul", "float64"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_mixed_dtypes_are_refused_as_pytorch(name: str) -> None:
    call, op, dtypes = REFUSED[name]
    with pytest.raises(tg.DTypeMismatchError) as info:
        call(tg)
    error = info.value
    assert isinstance(error, tg.TinygradError) and isinstance(error, RuntimeError)
    assert isinstance(error, TypeError)  # the project's DTypeError
    assert op in str(error) and dtypes in str(error), str(error)
    if torch is not None:
        with pytest.raises((RuntimeError, ValueError)):  # ValueError: PyTorch's RNNs
            call(torch)


# name: (the call on a library, whether its values are comparable: not when they come
# from a module's random initialisation)
ANSWERED: dict[str, tuple[Callable[[Any], Any], bool]] = {
    "layer_norm float16 input, float32 parameters": (lambda L: L.nn.functional.layer_norm(
        L.ones(2, 3, dtype=L.float16), (3,), L.ones(3), L.ones(3)), True),
    "batch_norm float16 input, float32 parameters": (lambda L: L.nn.functional.batch_norm(
        L.ones(2, 3, dtype=L.float16), L.zeros(3), L.ones(3), L.ones(3), L.ones(3)), True),
    "group_norm float16 input, float32 parameters": (lambda L: L.nn.functional.group_norm(
        L.ones(2, 4, dtype=L.float16), 2, L.ones(4), L.ones(4)), True),
    "embedding of float64 rows": (lambda L: L.nn.functional.embedding(
        L.tensor([0, 1]), _x(L, 3, 2)), True),
    "mse_loss promotes": (lambda L: L.nn.functional.mse_loss(_x(L, 2, 3), L.ones(2, 3)), True),
    "Linear double on double": (lambda L: L.nn.Linear(3, 4).double()(_x(L, 2, 3)), False),
    "Embedding into Linear": (lambda L: L.nn.Linear(2, 2)(L.nn.Embedding(3, 2)(
        L.tensor([0, 1]))), False),
}


@pytest.mark.parametrize("name", sorted(ANSWERED))
def test_what_pytorch_answers_is_answered_in_its_dtype(name: str) -> None:
    call, same_values = ANSWERED[name]
    ours = call(tg)
    if torch is not None:
        theirs = call(torch)
        assert ours.dtype == theirs.detach().numpy().dtype
        if same_values:
            np.testing.assert_allclose(ours.detach().numpy().astype(np.float64),
                                       theirs.detach().numpy().astype(np.float64), rtol=1e-3)


def test_arrays_and_lists_are_constants_of_the_layers_dtype() -> None:
    """The project's rule for arrays (PyTorch takes none): a float64 ndarray or a list
    given to a float32 layer is converted, so tutorials' NumPy data runs through modules."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3))
    linear = tg.nn.Linear(3, 4)
    out = linear(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.data, linear(tg.tensor(x, dtype=tg.float32)).data)
    assert linear(x.tolist()).dtype == np.float32
    assert linear.double()(x.astype(np.float32)).dtype == np.float64
    conv = tg.nn.Conv2d(1, 2, 2)
    assert conv(rng.normal(size=(1, 1, 3, 3))).dtype == np.float32
    assert tg.nn.functional.conv1d(rng.normal(size=(1, 1, 4)), tg.ones(1, 1, 2)).dtype == \
        np.float32
    assert tg.nn.BatchNorm1d(3)(x).dtype == np.float32
    assert tg.nn.LayerNorm(3)(x).dtype == np.float32
    assert tg.nn.LSTM(3, 2)(rng.normal(size=(2, 1, 3)))[0].dtype == np.float32
    assert tg.nn.GRUCell(3, 2)(x).dtype == np.float32
