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
from tests.test_bad_input_surface import _check
from tinygrad_bn import nn

try:
    import torch
except ImportError:  # the rows still run; only the grading against PyTorch is skipped
    torch = None

Row = tuple[Callable[[], Any], type, tuple[str, ...], Callable[[], Any] | None, str | None]
ROWS: dict[str, Row] = {}


def _row(name: str, call: Callable[[], Any], error: type, fragments: str | tuple[str, ...],
         twin: Callable[[], Any] | None, ours_only: str | None = None) -> None:
    key = name
    while key in ROWS:
        key += "'"
    ROWS[key] = (call, error, (fragments,) if isinstance(fragments, str) else fragments, twin,
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


@pytest.mark.parametrize("name", sorted(ROWS))
def test_nn31_refuses_bad_calls_as_pytorch(name: str) -> None:
    call, error, fragments, twin, ours_only = ROWS[name]
    builtin = next(b for b in error.__mro__ if b.__module__ == "builtins" and
                   b is not object and not issubclass(b, tg.TinygradError))
    _check(call, error, builtin, fragments, twin, ours_only)
