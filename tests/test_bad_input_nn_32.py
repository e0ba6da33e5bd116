"""Bad input on the nn, optim and func surface nn32 added: typical bad calls per public
callable, graded as tests/test_bad_input_surface.py grades its rows (its `_check`): a project
error of the class given (and its builtin) whose message names the op; where torch is
installed the twin call must fail too, and `ours_only` rows say why PyTorch accepts what we
refuse. tests/test_bad_input_surface.py's coverage test reads this file.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tests.test_bad_input_nn_31 import Row, _tx, _x
from tests.test_bad_input_nn_31 import _row as _add_row
from tests.test_bad_input_surface import _check
from tinygrad_bn import nn

try:
    import torch
    import torch.nn.functional as TF
except ImportError:  # the rows still run; only the grading against PyTorch is skipped
    torch = TF = None

ROWS: dict[str, Row] = {}
_row = functools.partial(_add_row, rows=ROWS)


def _index(*shape: int, value: int = 0) -> tg.Tensor:
    return tg.Tensor(np.full(shape, value, np.int64))


def _tindex(*shape: int, value: int = 0):
    return torch.full(shape, value, dtype=torch.int64)


# 3-d pooling: input of the wrong rank, a kernel larger than the input, bad sizes
for _name in ["max_pool3d", "avg_pool3d"]:
    _row(_name, lambda n=_name: getattr(F, n)(_x(2, 3, 4), 2), tg.ShapeError, (_name, "(2, 3, 4)"),
         lambda n=_name: getattr(TF, n)(_tx(2, 3, 4), 2))
    _row(_name, lambda n=_name: getattr(F, n)(_x(1, 1, 2, 4, 4), 3), tg.ShapeError,
         (_name, "larger"), lambda n=_name: getattr(TF, n)(_tx(1, 1, 2, 4, 4), 3))
    _row(_name, lambda n=_name: getattr(F, n)(_x(1, 1, 4, 4, 4), 2, padding=2), tg.ArgumentError,
         (_name, "padding"), lambda n=_name: getattr(TF, n)(_tx(1, 1, 4, 4, 4), 2, padding=2))
for _name in ["MaxPool3d", "AvgPool3d"]:
    _row(_name, lambda n=_name: getattr(nn, n)(2)(_x(3, 4)), tg.ShapeError, ("pool3d", "(3, 4)"),
         lambda n=_name: getattr(torch.nn, n)(2)(_tx(3, 4)))
    _row(_name, lambda n=_name: getattr(nn, n)((2, 2)), tg.ArgumentError, (_name, "kernel_size"),
         lambda n=_name: getattr(torch.nn, n)((2, 2))(_tx(1, 1, 4, 4, 4)))
for _name in ["adaptive_avg_pool3d", "adaptive_max_pool3d"]:
    _row(_name, lambda n=_name: getattr(F, n)(_x(2, 3), 1), tg.ShapeError, (_name, "(2, 3)"),
         lambda n=_name: getattr(TF, n)(_tx(2, 3), 1))
    _row(_name, lambda n=_name: getattr(F, n)(_x(1, 2, 2, 2), (1, 1)), tg.ArgumentError,
         (_name, "output_size"), lambda n=_name: getattr(TF, n)(_tx(1, 2, 2, 2), (1, 1)))
for _name in ["AdaptiveAvgPool3d", "AdaptiveMaxPool3d"]:
    _row(_name, lambda n=_name: getattr(nn, n)(1)(_x(2, 3)), tg.ShapeError, ("pool3d", "(2, 3)"),
         lambda n=_name: getattr(torch.nn, n)(1)(_tx(2, 3)))

# transposed 3-d convolution: channels that do not match the weight
_row("conv_transpose3d", lambda: F.conv_transpose3d(_x(1, 2, 2, 2, 2), _x(3, 1, 2, 2, 2)),
     tg.ShapeError, ("conv_transpose3d", "channels"),
     lambda: TF.conv_transpose3d(_tx(1, 2, 2, 2, 2), _tx(3, 1, 2, 2, 2)))
_row("ConvTranspose3d", lambda: nn.ConvTranspose3d(3, 2, 2)(_x(1, 2, 2, 2, 2)), tg.ShapeError,
     ("conv_transpose3d", "channels"),
     lambda: torch.nn.ConvTranspose3d(3, 2, 2)(_tx(1, 2, 2, 2, 2)))
_row("ConvTranspose3d", lambda: nn.ConvTranspose3d(3, 2, 2, groups=2), tg.ArgumentError,
     ("ConvTranspose3d", "groups"), lambda: torch.nn.ConvTranspose3d(3, 2, 2, groups=2))

# max unpooling: indices of another shape, out of range, not integers
for _d, _name, _layer in [(1, "max_unpool1d", "MaxUnpool1d"), (2, "max_unpool2d", "MaxUnpool2d"),
                          (3, "max_unpool3d", "MaxUnpool3d")]:
    _row(_name, lambda n=_name, d=_d: getattr(F, n)(_x(1, 1, *(2,) * d),
                                                     _index(1, 1, *(2,) * d, value=99), 2),
         tg.IndexOutOfRange, (_name, "[0,"),
         lambda n=_name, d=_d: getattr(TF, n)(_tx(1, 1, *(2,) * d),
                                               _tindex(1, 1, *(2,) * d, value=99), 2))
    _row(_name, lambda n=_name, d=_d: getattr(F, n)(_x(1, 1, *(2,) * d), _index(1, 1, 3), 2),
         tg.ShapeError, (_name, "indices"),
         lambda n=_name, d=_d: getattr(TF, n)(_tx(1, 1, *(2,) * d), _tindex(1, 1, 3), 2))
    _row(_layer, lambda n=_layer, d=_d: getattr(nn, n)(2)(_x(1, 1, *(2,) * d),
                                                           _x(1, 1, *(2,) * d)),
         tg.DTypeError, (_layer, "integers"),
         lambda n=_name, d=_d: getattr(torch.nn, n)(2)(_tx(1, 1, *(2,) * d),
                                                        _tx(1, 1, *(2,) * d)))

# power-average pooling: a norm_type that is no number, input of the wrong rank
for _d, _name, _layer in [(1, "lp_pool1d", "LPPool1d"), (2, "lp_pool2d", "LPPool2d"),
                          (3, "lp_pool3d", "LPPool3d")]:
    _row(_name, lambda n=_name, d=_d: getattr(F, n)(_x(1, 1, *(4,) * d), "two", 2),
         tg.ArgumentTypeError, (_name, "norm_type"),
         lambda n=_name, d=_d: getattr(TF, n)(_tx(1, 1, *(4,) * d), "two", 2))
    _row(_layer, lambda n=_layer, d=_d: getattr(nn, n)(2, 3)(_x(1, 1, *(2,) * d)),
         tg.ShapeError, (_name, "larger"),
         lambda n=_name, d=_d: getattr(torch.nn, n)(2, 3)(_tx(1, 1, *(2,) * d)))

# pdist
_row("pdist", lambda: F.pdist(_x(2, 3, 4)), tg.ShapeError, ("pdist", "2-D"),
     lambda: TF.pdist(_tx(2, 3, 4)))
_row("pdist", lambda: F.pdist(_x(3, 4), -1.0), tg.ArgumentError, ("pdist", "non-negative"),
     lambda: TF.pdist(_tx(3, 4), -1.0))

# embedding bags: offsets with 2-d input, offsets not starting at 0, indices out of range
_row("embedding_bag", lambda: F.embedding_bag(_index(2, 2), _x(4, 2), _index(1)),
     tg.ArgumentError, ("embedding_bag", "offsets"),
     lambda: TF.embedding_bag(_tindex(2, 2), _tx(4, 2), _tindex(1)))
_row("embedding_bag", lambda: F.embedding_bag(_index(3), _x(4, 2), _index(1, value=1)),
     tg.ArgumentError, ("embedding_bag", "start at 0"),
     lambda: TF.embedding_bag(_tindex(3), _tx(4, 2), _tindex(1, value=1)))
_row("EmbeddingBag", lambda: nn.EmbeddingBag(4, 2)(_index(1, 2, value=7)), tg.IndexOutOfRange,
     ("embedding", "7"), lambda: torch.nn.EmbeddingBag(4, 2)(_tindex(1, 2, value=7)))
_row("EmbeddingBag", lambda: nn.EmbeddingBag(4, 2, mode="prod"), tg.ArgumentError,
     ("EmbeddingBag", "mode"), lambda: torch.nn.EmbeddingBag(4, 2, mode="prod")(_tindex(1, 2)))
_row("EmbeddingBag", lambda: nn.EmbeddingBag(4, 2)(_index(1, 2), per_sample_weights=_x(1, 2)),
     tg.UnsupportedError, ("embedding_bag", "mode='sum'"),
     lambda: torch.nn.EmbeddingBag(4, 2)(_tindex(1, 2), per_sample_weights=_tx(1, 2)))

# lazy modules: a first input without the axis the size is read from
_row("LazyLinear", lambda: nn.LazyLinear(3)(tg.tensor(1.0)), tg.ShapeError,
     ("LazyLinear", "in_features"), lambda: torch.nn.LazyLinear(3)(torch.tensor(1.0)))
for _name in ["LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d",
              "LazyConvTranspose2d", "LazyConvTranspose3d"]:
    _row(_name, lambda n=_name: getattr(nn, n)(2, 1)(_x(5)), tg.ShapeError, (_name, "(5,)"),
         lambda n=_name: getattr(torch.nn, n)(2, 1)(_tx(5)))
for _name in ["LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
              "LazyInstanceNorm2d", "LazyInstanceNorm3d"]:
    _row(_name, lambda n=_name: getattr(nn, n)()(_x(5)), tg.ShapeError, (_name, "(5,)"),
         lambda n=_name: getattr(torch.nn, n)()(_tx(5)))
_row("UninitializedParameter", lambda: nn.UninitializedParameter(dtype="int7"), tg.DTypeError,
     ("UninitializedParameter", "int7"), lambda: torch.nn.UninitializedParameter(dtype="int7"))

# Adafactor's options
_row("Adafactor", lambda: tg.optim.Adafactor([_x(2).requires_grad_()], d=0.5), tg.ArgumentError,
     ("Adafactor", "d must be >= 1"),
     lambda: torch.optim.Adafactor([_tx(2).requires_grad_()], d=0.5))
_row("Adafactor", lambda: tg.optim.Adafactor([_x(2).requires_grad_()], beta2_decay=0.5),
     tg.ArgumentError, ("Adafactor", "beta2_decay"),
     lambda: torch.optim.Adafactor([_tx(2).requires_grad_()], beta2_decay=0.5))

# feature alpha dropout and the triplet loss with any distance
_row("feature_alpha_dropout", lambda: F.feature_alpha_dropout(_x(2), 0.5, True), tg.ShapeError,
     ("feature_alpha_dropout", "(N, C, ...)"),
     lambda: TF.feature_alpha_dropout(_tx(2), 0.5, True))
_row("FeatureAlphaDropout", lambda: nn.FeatureAlphaDropout(1.5), tg.ArgumentError,
     ("FeatureAlphaDropout", "1.5"), lambda: torch.nn.FeatureAlphaDropout(1.5))
_row("triplet_margin_with_distance_loss",
     lambda: F.triplet_margin_with_distance_loss(_x(2, 3), _x(2, 3), _x(3)), tg.ShapeError,
     ("triplet_margin_with_distance_loss", "same number of dims"),
     lambda: TF.triplet_margin_with_distance_loss(_tx(2, 3), _tx(2, 3), _tx(3)))
_row("TripletMarginWithDistanceLoss",
     lambda: nn.TripletMarginWithDistanceLoss(margin=-1.0), tg.ArgumentError,
     ("TripletMarginWithDistanceLoss", "margin"),
     lambda: torch.nn.TripletMarginWithDistanceLoss(margin=-1.0))

# CTC: a blank among the targets, input lengths beyond the frames
_row("ctc_loss", lambda: F.ctc_loss(_x(4, 1, 3), _index(1, 1), [4], [1]), tg.IndexOutOfRange,
     ("ctc_loss", "blank"), None,
     "PyTorch computes a loss for a target equal to blank (an undefined alignment)")
_row("CTCLoss", lambda: nn.CTCLoss()(_x(4, 1, 3), _index(1, 1, value=1), [5], [1]),
     tg.ArgumentError, ("ctc_loss", "input_lengths"),
     lambda: torch.nn.CTCLoss()(_tx(4, 1, 3).log_softmax(2), _tindex(1, 1, value=1), [5], [1]))

# nn.Buffer: data that is no tensor
_row("Buffer", lambda: nn.Buffer("abc"), tg.DTypeError, ("Tensor", "dtype"),
     lambda: torch.nn.Buffer("abc"))

# SparseAdam: bad options, and the dense gradient every tinygrad_bn parameter has
_row("SparseAdam", lambda: tg.optim.SparseAdam([_x(2).requires_grad_()], betas=(0.9, 1.5)),
     tg.ArgumentError, ("SparseAdam", "beta2"),
     lambda: torch.optim.SparseAdam([_tx(2).requires_grad_()], betas=(0.9, 1.5)))


def _sparse_adam_step(lib):
    p = lib.nn.Parameter(lib.ones(2))
    p.grad = lib.ones(2)
    lib.optim.SparseAdam([p]).step()


_row("SparseAdam", lambda: _sparse_adam_step(tg), tg.UnsupportedError,
     ("SparseAdam", "dense gradients"), lambda: _sparse_adam_step(torch))

# stack_module_state: no models
_row("stack_module_state", lambda: tg.func.stack_module_state([]), tg.ArgumentError,
     ("stack_module_state", "non-empty"), lambda: torch.func.stack_module_state([]))

# jacrev / jacfwd: argnums naming no tensor
for _name in ["jacrev", "jacfwd"]:
    _row(_name, lambda n=_name: getattr(tg.func, n)(lambda a: a * 2, argnums=1)(_x(2)),
         tg.ArgumentError, (_name, "argnums"),
         lambda n=_name: getattr(torch.func, n)(lambda a: a * 2, argnums=1)(_tx(2)))


@pytest.mark.parametrize("name", sorted(ROWS))
def test_nn32_refuses_bad_calls_as_pytorch(name: str) -> None:
    call, error, fragments, twin, ours_only = ROWS[name]
    builtin = next(b for b in error.__mro__ if b.__module__ == "builtins" and
                   b is not object and not issubclass(b, tg.TinygradError))
    _check(call, error, builtin, fragments, twin, ours_only)
