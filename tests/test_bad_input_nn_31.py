"""Bad input on the nn, optim and data surface nn31 added: typical bad calls per public
callable, graded as tests/test_bad_input_surface.py grades its rows (its `_check`): a project
error of the class given (and its builtin) whose message names the op; where torch is
installed the twin call must fail too, and `ours_only` rows say why PyTorch accepts what we
refuse. tests/test_bad_input_surface.py's coverage test reads this file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tests.test_bad_input_surface import _check
from tinygrad_bn import nn

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the rows still run; only the grading against PyTorch is skipped
    torch = TF = None

Row = tuple[Callable[[], Any], type, tuple[str, ...], Callable[[], Any] | None, str | None]
ROWS: dict[str, Row] = {}


def _row(name: str, call: Callable[[], Any], error: type, fragments: str | tuple[str, ...],
         twin: Callable[[], Any] | None, ours_only: str | None = None, *,
         rows: dict[str, Row] = ROWS) -> None:
    """Add a row to `rows` (this file's ROWS; a later suite passes its own)."""
    key = name
    while key in rows:
        key += "'"
    rows[key] = (call, error, (fragments,) if isinstance(fragments, str) else fragments, twin,
                 ours_only)


def _x(*shape: int) -> tg.Tensor:
    return tg.Tensor(np.ones(shape, np.float32))


def _tx(*shape: int):
    return torch.ones(*shape)


# the padding layers: too few axes for the layer, a padding of the wrong length, a bad value
for _name in ["ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
              "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d",
              "CircularPad3d"]:
    _d = int(_name[-2])
    _row(_name, lambda n=_name, d=_d: getattr(nn, n)(1)(_x(*(3,) * d)), tg.ShapeError,
         (_name, "unbatched"), lambda n=_name, d=_d: getattr(torch.nn, n)(1)(_tx(*(3,) * d)))
    _row(_name, lambda n=_name: getattr(nn, n)((1, 2, 3)), tg.ArgumentTypeError,
         (_name, "padding"), None, "PyTorch stores any tuple and fails only at the call")
for _name in ["ConstantPad1d", "ConstantPad2d", "ConstantPad3d"]:
    _d = int(_name[-2])
    _row(_name, lambda n=_name: getattr(nn, n)(1, "x"), tg.ArgumentTypeError, (_name, "value"),
         lambda n=_name, d=_d: getattr(torch.nn, n)(1, "x")(_tx(*(3,) * (d + 1))))
for _name in ["ZeroPad1d", "ZeroPad2d", "ZeroPad3d"]:
    _row(_name, lambda n=_name: getattr(nn, n)(1)(tg.tensor(1.0)), tg.ShapeError,
         (_name, "axes"), lambda n=_name: getattr(torch.nn, n)(1)(torch.tensor(1.0)))

# the optimizer surface
def _sgd(lib):
    return lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)


_row("MultiplicativeLR", lambda: tg.optim.lr_scheduler.MultiplicativeLR(_sgd(tg), [abs, abs]),
     tg.ArgumentError, ("MultiplicativeLR", "lr_lambda", "1 functions"),
     lambda: torch.optim.lr_scheduler.MultiplicativeLR(_sgd(torch), [abs, abs]))
_row("MultiplicativeLR", lambda: tg.optim.lr_scheduler.MultiplicativeLR(_sgd(tg), 3),
     tg.ArgumentError, ("MultiplicativeLR", "lr_lambda"),
     lambda: torch.optim.lr_scheduler.MultiplicativeLR(_sgd(torch), 3))

# in-place activations: a list is no tensor to write (PyTorch refuses too)
for _name in ["relu_", "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_", "rrelu_"]:
    _row(_name, lambda n=_name: getattr(F, n)([1.0, -1.0]), tg.ArgumentTypeError,
         (_name, "Tensor"), lambda n=_name: getattr(TF, n)([1.0, -1.0]))
_row("threshold_", lambda: F.threshold_([1.0], 0.5, 0.0), tg.ArgumentTypeError,
     ("threshold_", "Tensor"), lambda: TF.threshold_([1.0], 0.5, 0.0))
_row("rrelu", lambda: F.rrelu(_x(2), 0.5, 0.1), tg.ArgumentError, ("rrelu", "lower"),
     None, "PyTorch accepts lower > upper in eval mode (the mean slope) and fails only in "
     "training mode")
_row("RReLU", lambda: nn.RReLU("a", 0.3), tg.ArgumentTypeError, ("RReLU", "lower"),
     lambda: torch.nn.RReLU("a", 0.3)(_tx(2)))
_row("softmin", lambda: F.softmin(_x(2, 3), 2), tg.AxisError, ("softmin", "2"),
     lambda: TF.softmin(_tx(2, 3), 2))
_row("functional_call", lambda: tg.func.functional_call(nn.Linear(2, 2), {"nope": _x(2)},
                                                        (_x(1, 2),), strict=True),
     tg.StateDictError, ("functional_call", "nope"),
     lambda: torch.func.functional_call(torch.nn.Linear(2, 2), {"nope": _tx(2)}, (_tx(1, 2),),
                                        strict=True))

_row("StackDataset", lambda: tg.utils.data.StackDataset(tg.utils.data.TensorDataset(_x(3)),
                                                        tg.utils.data.TensorDataset(_x(4))),
     tg.ShapeError, ("StackDataset", "one length"),
     lambda: torch.utils.data.StackDataset(torch.utils.data.TensorDataset(_tx(3)),
                                           torch.utils.data.TensorDataset(_tx(4))))

_row("rms_norm", lambda: F.rms_norm(_x(2, 3), (4,)), tg.ShapeError, ("rms_norm", "(4,)"),
     lambda: TF.rms_norm(_tx(2, 3), (4,)))
_row("RMSNorm", lambda: nn.RMSNorm(4)(_x(2, 3)), tg.ShapeError, ("rms_norm", "(4,)"),
     lambda: torch.nn.RMSNorm(4)(_tx(2, 3)))

# the older upsampling spellings and channel shuffle
for _name in ["channel_shuffle", "native_channel_shuffle"]:
    _row(_name, lambda n=_name: getattr(F, n)(_x(1, 4, 2), 3), tg.ShapeError,
         ("channel_shuffle", "divisible"), lambda: TF.channel_shuffle(_tx(1, 4, 2), 3))
_row("ChannelShuffle", lambda: nn.ChannelShuffle(2)(_x(4)), tg.ShapeError,
     ("channel_shuffle", "(4,)"), lambda: torch.nn.ChannelShuffle(2)(_tx(4)))
for _name in ["upsample", "upsample_nearest", "upsample_bilinear"]:
    _row(_name, lambda n=_name: getattr(F, n)(_x(1, 1, 2, 2)), tg.ArgumentError,
         ("interpolate", "size"), lambda n=_name: getattr(TF, n)(_tx(1, 1, 2, 2)))
for _name in ["UpsamplingNearest2d", "UpsamplingBilinear2d"]:
    _row(_name, lambda n=_name: getattr(nn, n)()(_x(1, 1, 2, 2)), tg.ArgumentError,
         ("interpolate", "size"), lambda n=_name: getattr(torch.nn, n)()(_tx(1, 1, 2, 2)))

# the margin losses and local response normalisation
_row("multi_margin_loss", lambda: F.multi_margin_loss(_x(2, 3), tg.tensor([0, 3])),
     tg.IndexOutOfRange, ("multi_margin_loss", "3"),
     lambda: TF.multi_margin_loss(_tx(2, 3), torch.tensor([0, 3])))
_row("MultiMarginLoss", lambda: nn.MultiMarginLoss(p=3), tg.ArgumentError,
     ("MultiMarginLoss", "p == 1"), lambda: torch.nn.MultiMarginLoss(p=3)(_tx(2, 3),
                                                                           torch.tensor([0, 1])))
_row("multilabel_margin_loss", lambda: F.multilabel_margin_loss(_x(2, 3), tg.tensor([0, 1])),
     tg.ShapeError, ("multilabel_margin_loss", "(2, 3)"),
     lambda: TF.multilabel_margin_loss(_tx(2, 3), torch.tensor([0, 1])))
_row("MultiLabelMarginLoss", lambda: nn.MultiLabelMarginLoss(reduction="avg"), tg.ArgumentError,
     ("MultiLabelMarginLoss", "reduction"),
     lambda: torch.nn.MultiLabelMarginLoss(reduction="avg")(_tx(2, 3),
                                                            torch.tensor([[0, 1, -1]] * 2)))
_row("local_response_norm", lambda: F.local_response_norm(_x(2, 3), 2), tg.ShapeError,
     ("local_response_norm", "(2, 3)"), lambda: TF.local_response_norm(_tx(2, 3), 2))
_row("LocalResponseNorm", lambda: nn.LocalResponseNorm(2)(_x(3)), tg.ShapeError,
     ("local_response_norm", "(3,)"), lambda: torch.nn.LocalResponseNorm(2)(_tx(3)))


@pytest.mark.parametrize("name", sorted(ROWS))
def test_nn31_refuses_bad_calls_as_pytorch(name: str) -> None:
    call, error, fragments, twin, ours_only = ROWS[name]
    builtin = next(b for b in error.__mro__ if b.__module__ == "builtins" and
                   b is not object and not issubclass(b, tg.TinygradError))
    _check(call, error, builtin, fragments, twin, ours_only)
