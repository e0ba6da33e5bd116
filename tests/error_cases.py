"""The check shared by the tables of bad calls (tests/test_errors.py, tests/nn/test_errors_nn.py):
a call raises the expected project error, which is also the builtin it should be, and its
message names every fragment given (the op, the shapes or values, what was expected)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

import tinygrad_bn as tg


def assert_project_error(call: Callable[[], object], error_class: type[Exception],
                         builtin: type[Exception], fragments: Sequence[str]) -> None:
    with pytest.raises(error_class) as info:
        call()
    assert isinstance(info.value, tg.TinygradError) and isinstance(info.value, builtin)
    message = str(info.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"message {message!r} lacks {missing}"
