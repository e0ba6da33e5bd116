"""The one hook a recorder (`tg.compile`, tinygrad_bn/compiler/) needs from the library.

`tg.compile` records a training step by tracing the NumPy calls it makes on arrays.
A few pieces of a step do not live in arrays but in Python state that changes between
calls: an optimizer's learning rate and step count, `zero_grad`'s assignment of None,
the random generator behind dropout. Such a function is marked `@replay_as_call`: while
a recorder is active (in this thread) the call is handed to it, which runs it and notes
"call this again here" in the recorded program instead of its NumPy calls; on replay
it is called again, as itself, reading the state of that moment.

With no recorder active (always, except during the first calls of a compiled function)
the wrapper costs one thread-local attribute read. The engine (tensor.py, ops.py) has no
such hook: its work is all on arrays.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Recorder(Protocol):
    def call(self, fn: Callable[..., Any], args: tuple, kwargs: dict[str, Any]) -> Any:
        """Run `fn(*args, **kwargs)` and record it as one call of the program."""


_local = threading.local()


def active() -> Recorder | None:
    """The recorder of this thread, or None."""
    return getattr(_local, "recorder", None)


def set_active(recorder: Recorder | None) -> Recorder | None:
    """Make `recorder` this thread's recorder; returns the previous one."""
    previous = getattr(_local, "recorder", None)
    _local.recorder = recorder
    return previous


def replay_as_call(fn: F) -> F:
    """Mark `fn` as a step of a training step that replays by being called again."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        recorder = getattr(_local, "recorder", None)
        if recorder is None:
            return fn(*args, **kwargs)
        return recorder.call(fn, args, kwargs)

    return wrapper  # type: ignore[return-value]
