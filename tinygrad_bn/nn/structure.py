"""The structure clock: a number that moves whenever a module's structure may have changed.

A program of `tg.compile` assumes that the modules it reads keep their parameters,
buffers and submodules (the same objects), their settings (plain attributes such as
`momentum`) and their training flags. Checking each of those before every replay costs
time in proportion to the model, and touches every module's dictionaries. Instead, every
change made through a Module moves this clock: attribute assignment and deletion,
`register_*`, `add_module`, `train()` / `eval()`, and any write into the registries
themselves (a module's `_parameters`, `_buffers` and `_modules` are `Registry` dicts, so
containers and code writing into them directly are seen too). The clock moves after the
change, so a check that read it before the change sees the change. A compiled function whose
last full check was made at the current reading skips the per-entry check
(tinygrad_bn/compiler/__init__.py).

Not seen: writes that bypass Module's methods, `object.__setattr__(module, ...)` or
`module.__dict__[...] = ...` (docs/autograd.md, section 7, lists them).
"""

from __future__ import annotations

import itertools
from typing import Any

_ticks = itertools.count(1)  # next() on a count is atomic: concurrent moves never collide
now = 0  # the reading; compared for equality only


def moved() -> None:
    """Move the clock (a module's structure or settings may have changed)."""
    global now
    now = next(_ticks)


class Registry(dict):
    """A module's registry of parameters, buffers or submodules: a dict whose every change
    moves the clock (reads are a dict's)."""

    __slots__ = ()

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, key, value)
        moved()

    def __delitem__(self, key: Any) -> None:
        dict.__delitem__(self, key)
        moved()

    def __ior__(self, other: Any) -> Registry:
        dict.update(self, other)
        moved()
        return self

    def pop(self, *args: Any) -> Any:
        value = dict.pop(self, *args)
        moved()
        return value

    def popitem(self) -> Any:
        item = dict.popitem(self)
        moved()
        return item

    def clear(self) -> None:
        dict.clear(self)
        moved()

    def update(self, *args: Any, **kwargs: Any) -> None:
        dict.update(self, *args, **kwargs)
        moved()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        value = dict.setdefault(self, key, default)
        moved()
        return value
