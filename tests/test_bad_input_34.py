"""Bad input on the names the docstring examples added this session (view_copies.py,
memory_creation.py, histogramdd): one typical bad call each, graded as
tests/test_bad_input_surface.py grades its rows (its `_check`: a project error of the class
given, and its builtin, whose message names the op; where torch is installed the twin call
must fail too). tests/test_bad_input_surface.py's coverage test reads this file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_bn as tg
from tests.test_bad_input_surface import _check
from tinygrad_bn import view_copies

try:
    import torch
except ImportError:  # the rows still run; only the grading against PyTorch is skipped
    torch = None


def _x(*shape: int) -> tg.Tensor:
    return tg.Tensor(np.ones(shape, np.float32))


def _tx(*shape: int) -> Any:
    return torch.ones(*shape)


Row = tuple[Callable[[], Any], type, tuple[str, ...], Callable[[], Any]]
ROWS: dict[str, Row] = {}

# the *_copy functions (every one of view_copies.py's: checked below): a string is no tensor
COPIES = ["alias_copy", "as_strided_copy", "detach_copy", "diagonal_copy", "expand_copy",
          "narrow_copy", "permute_copy", "select_copy", "slice_copy", "split_copy",
          "split_with_sizes_copy", "squeeze_copy", "t_copy", "transpose_copy", "unbind_copy",
          "unfold_copy", "unsqueeze_copy", "view_copy"]
for _name in COPIES:
    ROWS[_name] = (lambda n=_name: getattr(tg, n)("abc"), tg.ArgumentTypeError, (_name, "str"),
                   lambda n=_name: getattr(torch, n)("abc"))
ROWS["view_copy'"] = (lambda: tg.view_copy(_x(2, 3), [4]), tg.ShapeError, ("view_copy", "(4,)"),
                      lambda: torch.view_copy(_tx(2, 3), [4]))
ROWS["as_strided_scatter"] = (
    lambda: tg.as_strided_scatter(_x(3, 3), _x(2, 2), (2, 2), (4, 5)), tg.ShapeError,
    ("as_strided_scatter", "outside"),
    lambda: torch.as_strided_scatter(_tx(3, 3), _tx(2, 2), (2, 2), (4, 5)))
ROWS["as_strided_"] = (  # (tg.as_strided_, session 36: reaches past the 4 elements)
    lambda: tg.as_strided_(_x(4), (3,), (2,)), tg.ShapeError, ("as_strided", "4 elements"),
    lambda: torch.as_strided_(_tx(4), (3,), (2,)))
ROWS["nonzero_static"] = (lambda: tg.nonzero_static(_x(2), size=-1), tg.ArgumentError,
                          ("nonzero_static", "size"),
                          lambda: torch.nonzero_static(_tx(2), size=-1))
ROWS["frombuffer"] = (lambda: tg.frombuffer(bytearray(3), dtype=tg.int32), tg.ArgumentError,
                      ("frombuffer", "3 bytes"),
                      lambda: torch.frombuffer(bytearray(3), dtype=torch.int32))
ROWS["histogramdd"] = (lambda: tg.histogramdd(_x(3, 2), bins=[2]), tg.ArgumentError,
                       ("histogramdd", "2-dimensional"),
                       lambda: torch.histogramdd(_tx(3, 2), bins=[2]))
ROWS["empty_strided"] = (lambda: tg.empty_strided((2, 3), (1,)), tg.ShapeError,
                         ("empty_strided", "differ in length"),
                         lambda: torch.empty_strided((2, 3), (1,)))
ROWS["empty_permuted"] = (lambda: tg.empty_permuted((2, 3), (0, 0)), tg.ArgumentError,
                          ("empty_permuted", "permutation"),
                          lambda: torch.empty_permuted((2, 3), (0, 0)))
ROWS["linearize"] = (lambda: tg.func.linearize("abc", _x(2)), tg.ArgumentTypeError,
                     ("linearize", "callable"), lambda: torch.func.linearize("abc", _tx(2)))
ROWS["from_dlpack"] = (lambda: tg.from_dlpack("abc"), tg.ArgumentTypeError,
                       ("from_dlpack", "str"), lambda: torch.from_dlpack("abc"))

ROWS["resize_as_"] = (lambda: tg.resize_as_(np.zeros(2), _x(2)), tg.ArgumentTypeError,
                      ("resize_as_", "Tensor"), lambda: torch.resize_as_(np.zeros(2), _tx(2)))

ROWS["svd_lowrank"] = (lambda: tg.svd_lowrank(_x(3)), tg.ShapeError, ("svd_lowrank", "(3,)"),
                       lambda: torch.svd_lowrank(_tx(3)))
ROWS["pca_lowrank"] = (lambda: tg.pca_lowrank(_x(4, 5), q=6), tg.ArgumentError,
                       ("pca_lowrank", "q", "6"), lambda: torch.pca_lowrank(_tx(4, 5), q=6))


@pytest.mark.parametrize("name", sorted(ROWS))
def test_bad_input_34_refused_as_pytorch(name: str) -> None:
    call, error, fragments, twin = ROWS[name]
    builtin = next(b for b in error.__mro__ if b.__module__ == "builtins" and
                   b is not object and not issubclass(b, tg.TinygradError))
    _check(call, error, builtin, fragments, twin, None)


def test_every_copy_function_has_a_row() -> None:
    assert sorted(COPIES) == sorted(n for n in view_copies.__all__ if n.endswith("_copy"))
