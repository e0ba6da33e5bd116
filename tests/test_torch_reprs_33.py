"""repr() of every nn Module class we share with PyTorch, built with the same arguments in
both libraries (the defaults, and non-default sets), is PyTorch's string exactly; so are
nested containers (Sequential, ModuleList with its runs of equal entries, ModuleDict)."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn as nn

torch = pytest.importorskip("torch")

# class name -> argument sets (args, kwargs); a class absent here is built with no arguments
ARGUMENTS: dict[str, list[tuple[tuple, dict]]] = {
    "AdaptiveAvgPool1d": [((3,), {})],
    "AdaptiveLogSoftmaxWithLoss": [((16, 20, [4, 10, 15], 2.0), {}),
                                   ((64, 30, [5, 10, 15, 20], 2.0), {"head_bias": True})],
    "FractionalMaxPool2d": [((3,), {"output_ratio": 0.5}), ((2, 4), {"return_indices": True})],
    "AdaptiveAvgPool2d": [((3,), {}), (((2, None),), {})],
    "AdaptiveAvgPool3d": [((3,), {}), (((2, 3, 4),), {})],
    "AdaptiveMaxPool1d": [((3,), {}), ((3,), {"return_indices": True})],
    "AdaptiveMaxPool2d": [((3,), {}), (((2, 3),), {"return_indices": True})],
    "AdaptiveMaxPool3d": [((3,), {})],
    "AvgPool1d": [((3,), {}), ((3, 2, 1, True, False), {})],
    "AvgPool2d": [((2,), {}), ((3, 2, 1), {"ceil_mode": True, "divisor_override": 2})],
    "AvgPool3d": [((2,), {}), ((3, 2, 1), {"count_include_pad": False})],
    "BatchNorm1d": [((8,), {}), ((8, 1e-3, None, False, False), {})],
    "BatchNorm2d": [((8,), {}), ((8,), {"momentum": 0.2, "bias": False})],
    "BatchNorm3d": [((8,), {})],
    "Bilinear": [((3, 4, 5), {}), ((3, 4, 5, False), {})],
    "CELU": [((), {}), ((0.5, True), {})],
    "ChannelShuffle": [((2,), {})],
    "CircularPad1d": [((2,), {}), (((1, 2),), {})],
    "CircularPad2d": [((2,), {}), (((1, 2, 3, 4),), {})],
    "CircularPad3d": [((1,), {})],
    "ConstantPad1d": [((2, 0.5), {}), (((1, 2), 3.0), {})],
    "ConstantPad2d": [((2, 0.0), {})],
    "ConstantPad3d": [((1, 2.0), {})],
    "Conv1d": [((1, 8, 3), {}), ((2, 4, 5, 2, 1, 2, 2, False, "reflect"), {})],
    "Conv2d": [((1, 8, 3), {}), ((2, 4, (3, 5)), {"stride": 2, "padding": 1}),
               ((2, 4, (3, 5)), {"padding": "same"}),
               ((4, 8, 3), {"groups": 2, "bias": False, "dilation": 2, "padding_mode": "zeros"}),
               ((1, 1, 3), {"padding": 1, "padding_mode": "circular"})],
    "Conv3d": [((1, 8, 3), {}), ((2, 4, 3), {"stride": (1, 2, 1), "padding": "valid"})],
    "ConvTranspose1d": [((1, 8, 3), {}), ((2, 4, 3, 2, 1, 1), {})],
    "ConvTranspose2d": [((1, 8, 3), {}), ((2, 4, 3), {"stride": 2, "output_padding": 1,
                                                     "bias": False, "dilation": 2})],
    "ConvTranspose3d": [((1, 8, 3), {})],
    "CosineSimilarity": [((), {}), ((0, 1e-6), {})],
    "Dropout": [((), {}), ((0.2,), {}), ((0.3, True), {})],
    "Dropout1d": [((), {}), ((0.2,), {})],
    "Dropout2d": [((), {}), ((0.2, True), {})],
    "Dropout3d": [((), {})],
    "AlphaDropout": [((), {}), ((0.1,), {})],
    "FeatureAlphaDropout": [((), {}), ((0.1,), {})],
    "ELU": [((), {}), ((0.5, True), {})],
    "Embedding": [((10, 3), {}), ((10, 3, 0, 2.0, 1.0, True, True), {})],
    "EmbeddingBag": [((10, 3), {}), ((10, 3), {"mode": "sum", "padding_idx": 1,
                                               "max_norm": 1.0})],
    "Flatten": [((), {}), ((0, 2), {})],
    "Fold": [(((4, 5), 2), {}), ((3, (2, 2), 2, 1, 2), {})],
    "GELU": [((), {}), (("tanh",), {})],
    "GLU": [((), {}), ((0,), {})],
    "GroupNorm": [((2, 4), {}), ((2, 4, 1e-3, False), {})],
    "GRU": [((3, 4), {}), ((3, 4, 2, False, True, 0.5, True), {})],
    "GRUCell": [((3, 4), {}), ((3, 4, False), {})],
    "Hardshrink": [((), {}), ((0.3,), {})],
    "Hardtanh": [((), {}), ((-2.0, 2.0, True), {})],
    "HuberLoss": [((), {}), (("sum", 0.5), {})],
    "Identity": [((), {}), ((3, 4), {"x": 1})],
    "InstanceNorm1d": [((8,), {}), ((8, 1e-3, 0.2, True, True), {})],
    "InstanceNorm2d": [((8,), {}), ((8,), {"affine": True, "bias": False})],
    "InstanceNorm3d": [((8,), {})],
    "LPPool1d": [((2, 3), {}), ((1.5, 3, 2, True), {})],
    "LPPool2d": [((2, 3), {}), ((2, (2, 3), 1), {})],
    "LPPool3d": [((2, 3), {})],
    "LSTM": [((3, 4), {}), ((3, 4, 2), {"proj_size": 2, "batch_first": True})],
    "LSTMCell": [((3, 4), {})],
    "LayerNorm": [((5,), {}), (((2, 3), 1e-6, False), {}), ((4,), {"bias": False})],
    "LeakyReLU": [((), {}), ((0.2, True), {})],
    "Linear": [((3, 4), {}), ((3, 4, False), {})],
    "LocalResponseNorm": [((3,), {}), ((3, 1e-3, 0.5, 2.0), {})],
    "LogSoftmax": [((), {}), ((1,), {})],
    "MaxPool1d": [((3,), {}), ((3, 2, 1, 2, True, True), {})],
    "MaxPool2d": [((2,), {}), ((2, 2), {}), ((3, 1, 1), {"ceil_mode": True}),
                  (((2, 3),), {"return_indices": True})],
    "MaxPool3d": [((2,), {})],
    "MaxUnpool1d": [((2,), {}), ((3, 2, 1), {})],
    "MaxUnpool2d": [((2,), {})],
    "MaxUnpool3d": [((2,), {})],
    "MultiheadAttention": [((8, 2), {}), ((8, 2), {"batch_first": True, "kdim": 4,
                                                   "vdim": 6})],
    "PairwiseDistance": [((), {}), ((1.0, 1e-3, True), {})],
    "PixelShuffle": [((2,), {})],
    "PixelUnshuffle": [((2,), {})],
    "PReLU": [((), {}), ((3, 0.1), {})],
    "ReLU": [((), {}), ((True,), {})],
    "ReLU6": [((), {}), ((True,), {})],
    "RMSNorm": [((5,), {}), (((2, 3), 1e-6, False), {})],
    "RNN": [((3, 4), {}), ((3, 4, 2, "relu", False, True, 0.1, True), {})],
    "RNNCell": [((3, 4), {}), ((3, 4, False, "relu"), {})],
    "RReLU": [((), {}), ((0.1, 0.2, True), {})],
    "ReflectionPad1d": [((2,), {})],
    "ReflectionPad2d": [((2,), {}), (((1, 2, 3, 4),), {})],
    "ReflectionPad3d": [((1,), {})],
    "ReplicationPad1d": [((2,), {})],
    "ReplicationPad2d": [((2,), {})],
    "ReplicationPad3d": [((1,), {})],
    "SELU": [((), {}), ((True,), {})],
    "SiLU": [((), {}), ((True,), {})],
    "Mish": [((), {}), ((True,), {})],
    "Hardswish": [((), {}), ((True,), {})],
    "Hardsigmoid": [((), {}), ((True,), {})],
    "SmoothL1Loss": [((), {}), ((), {"beta": 0.5})],
    "Softmax": [((), {}), ((1,), {})],
    "Softmin": [((), {}), ((1,), {})],
    "Softplus": [((), {}), ((2.0, 10.0), {})],
    "Softshrink": [((), {}), ((0.3,), {})],
    "Threshold": [((0.1, 20.0), {}), ((0.1, 20.0, True), {})],
    "TransformerDecoder": [],  # needs a layer: see the containers test
    "TransformerEncoder": [],
    "TransformerDecoderLayer": [((8, 2), {"dim_feedforward": 16})],
    "TransformerEncoderLayer": [((8, 2), {"dim_feedforward": 16}),
                                ((8, 2, 16, 0.0, "gelu"), {"norm_first": True})],
    "Transformer": [((), {"d_model": 8, "nhead": 2, "num_encoder_layers": 2,
                          "num_decoder_layers": 1, "dim_feedforward": 16})],
    "Unflatten": [((1, (2, 3)), {})],
    "Unfold": [((2,), {}), (((2, 3), 2, 1, 2), {})],
    "Upsample": [((), {"scale_factor": 2}), ((), {"size": (4, 5), "mode": "bilinear",
                                                  "align_corners": True}),
                 ((), {"scale_factor": (2.0, 3.0), "mode": "bicubic"})],
    "UpsamplingBilinear2d": [((), {"scale_factor": 2})],
    "UpsamplingNearest2d": [((), {"size": 4})],
    "ZeroPad1d": [((2,), {})],
    "ZeroPad2d": [((2,), {}), (((1, 2, 3, 4),), {})],
    "ZeroPad3d": [((1,), {})],
    "CrossEntropyLoss": [((), {}), ((), {"label_smoothing": 0.1, "reduction": "sum"})],
    "TripletMarginWithDistanceLoss": [((), {}), ((), {"margin": 2.0})],
    "LinearCrossEntropyLoss": [((5, 10), {}), ((5, 10), {"out_features": (4, 3), "bias": True,
                                                         "label_smoothing": 0.1})],
    "LazyLinear": [((4,), {})],
    "LazyConv2d": [((4, 3), {}), ((4, 3), {"stride": 2, "bias": False})],
    "LazyConv1d": [((4, 3), {})],
    "LazyConv3d": [((4, 3), {})],
    "LazyConvTranspose1d": [((4, 3), {})],
    "LazyConvTranspose2d": [((4, 3), {})],
    "LazyConvTranspose3d": [((4, 3), {})],
    "CrossMapLRN2d": [((3,), {}), ((5, 1e-3, 0.5, 2.0), {})],
    "FractionalMaxPool3d": [((2,), {"output_size": 3}), (((2, 1, 2),), {"output_ratio": 0.5})],
}

SKIP = {  # class name -> why its repr is not compared
    "Module": "an empty base",
    "RNNBase": "a base class: built through RNN, LSTM and GRU",
    "RNNCellBase": "a base class: built through the cells",
    "SyncBatchNorm": "needs MPI here (tinygrad_bn.distributed)",
    "ModuleList": "tested with contents below", "ModuleDict": "tested with contents below",
    "Sequential": "tested with contents below", "ParameterList": "holds tensors",
    "ParameterDict": "holds tensors",
    "DataParallel": "wraps a module: tests/test_nn_extras_34.py compares its repr",
}


def _classes() -> list[str]:
    return sorted(name for name in dir(torch.nn)
                  if inspect.isclass(getattr(torch.nn, name))
                  and issubclass(getattr(torch.nn, name), torch.nn.Module)
                  and hasattr(nn, name) and name not in SKIP)


def _cases() -> list[tuple[str, int]]:
    return [(name, i) for name in _classes()
            for i in range(len(ARGUMENTS.get(name, [((), {})])))]


def _build(lib: Any, name: str, index: int) -> Any:
    args, kwargs = ARGUMENTS.get(name, [((), {})])[index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(lib.nn, name)(*args, **kwargs)


@pytest.mark.parametrize("name,index", _cases(), ids=[f"{n}-{i}" for n, i in _cases()])
def test_repr_is_pytorchs(name: str, index: int) -> None:
    assert repr(_build(tg, name, index)) == repr(_build(torch, name, index))


def _nested(lib: Any) -> Any:
    n = lib.nn
    block = n.Sequential(n.Conv2d(1, 8, 3), n.BatchNorm2d(8), n.ReLU(), n.MaxPool2d(2, 2))
    return n.Sequential(
        block,
        n.ModuleList([n.Linear(4, 4) for _ in range(3)] + [n.Linear(4, 2), n.ReLU(),
                                                            n.ReLU()]),
        n.ModuleDict({"head": n.Linear(2, 1), "act": n.Sequential(n.Tanh(), n.Dropout(0.2))}),
        n.ModuleList(),
        n.Sequential(),
        n.TransformerEncoder(n.TransformerEncoderLayer(8, 2, 16), 2),
        n.TransformerDecoder(n.TransformerDecoderLayer(8, 2, 16), 1, norm=n.LayerNorm(8)),
    )


def test_nested_containers_print_as_pytorchs() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's nested-tensor notice
        assert repr(_nested(tg)) == repr(_nested(torch))


def _custom(lib: Any) -> tuple[str, str, str]:
    class Net(lib.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = lib.nn.Linear(2, 3)
            self.skip = None
            self.register_module("missing", None)
            self.decoder = lib.nn.Sequential(lib.nn.Linear(3, 2))

        def extra_repr(self) -> str:
            return "first line\nsecond line"

    class Leaf(lib.nn.Module):
        def extra_repr(self) -> str:
            return "alpha=1"
    return repr(Net()), repr(Leaf()), repr(lib.nn.Sequential(Leaf(), Leaf()))


def test_named_children_none_children_and_extra_repr_lines_print_as_pytorchs() -> None:
    assert _custom(tg) == _custom(torch)


def test_every_shared_class_is_compared_or_skipped_with_a_reason() -> None:
    names = set(_classes())
    assert len(names) > 130
    assert not set(ARGUMENTS) - names - {"TransformerDecoder", "TransformerEncoder"}
    assert not set(SKIP) - {name for name in dir(torch.nn) if hasattr(nn, name)}
