"""Bad input on the optimizer surface optinfo35 added (tg.optim.Muon), graded as
tests/test_bad_input_surface.py grades its rows (its `_check`): a project error of the class
given (and its builtin) whose message names the op; where torch is installed the twin call
must fail too. tests/test_bad_input_surface.py's coverage test reads this file.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

import tinygrad_bn as tg
from tests.test_bad_input_nn_31 import Row, _tx, _x
from tests.test_bad_input_nn_31 import _row as _add_row
from tests.test_bad_input_surface import _check

try:
    import torch
except ImportError:  # the rows still run; only the grading against PyTorch is skipped
    torch = None

ROWS: dict[str, Row] = {}
_row = functools.partial(_add_row, rows=ROWS)


def _torch_muon_step(**options: Any) -> None:
    p = _tx(2, 3).requires_grad_()
    p.grad = _tx(2, 3)
    torch.optim.Muon([p], **options).step()


# Muon: matrices only, its options
_row("Muon", lambda: tg.optim.Muon([_x(2, 3, 4).requires_grad_()]), tg.ShapeError,
     ("Muon", "2-D", "(2, 3, 4)"), lambda: torch.optim.Muon([_tx(2, 3, 4).requires_grad_()]))
_row("Muon", lambda: tg.optim.Muon([_x(2, 3).requires_grad_()], adjust_lr_fn="arbitrary"),
     tg.ArgumentError, ("Muon", "adjust_lr_fn", "arbitrary"),
     lambda: torch.optim.Muon([_tx(2, 3).requires_grad_()], adjust_lr_fn="arbitrary"))
_row("Muon", lambda: tg.optim.Muon([_x(2, 3).requires_grad_()], ns_steps=100),
     tg.ArgumentError, ("Muon", "ns_steps", "100"), lambda: _torch_muon_step(ns_steps=100))
_row("Muon", lambda: tg.optim.Muon([_x(2, 3).requires_grad_()], lr=-1.0), tg.ArgumentError,
     ("Muon", "lr", "-1.0"), lambda: torch.optim.Muon([_tx(2, 3).requires_grad_()], lr=-1.0))


@pytest.mark.parametrize("name", sorted(ROWS))
def test_optim35_refuses_bad_calls_as_pytorch(name: str) -> None:
    call, error, fragments, twin, ours_only = ROWS[name]
    builtin = next(b for b in error.__mro__ if b.__module__ == "builtins" and
                   b is not object and not issubclass(b, tg.TinygradError))
    _check(call, error, builtin, fragments, twin, ours_only)
