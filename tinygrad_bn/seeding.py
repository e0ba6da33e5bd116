"""The project's one random generator, below every layer that draws numbers.

Initialisation and dropout (nn), the creation functions (rand, randn, ...), DataLoader
shuffling (data, utils.data) all draw from `default_generator()` when not given a
generator of their own; `manual_seed(seed)` replaces it by a freshly seeded one, so a
script that calls `tg.manual_seed(0)` first is reproducible end to end. The generator is
replaced, never mutated in place by seeding, under a lock (a thread that is drawing keeps
the one it read).
"""

from __future__ import annotations

import threading

import numpy as np

from .errors import ArgumentError, ArgumentTypeError

__all__ = ["default_generator", "generator", "manual_seed"]

_lock = threading.Lock()
_generator = np.random.default_rng()


def manual_seed(seed: int) -> None:
    """Reseed the generator that everything draws from when no generator is given;
    `seed` is a non-negative int."""
    global _generator
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise ArgumentTypeError(f"manual_seed: seed must be an int, got {type(seed).__name__} "
                                f"{seed!r}")
    if seed < 0:
        raise ArgumentError(f"manual_seed: seed must be >= 0, got {seed}")
    with _lock:
        _generator = np.random.default_rng(seed)


def default_generator() -> np.random.Generator:
    """The generator `manual_seed` seeds (read at the moment of the call)."""
    return _generator


def generator(rng: np.random.Generator | None = None, op: str = "init") -> np.random.Generator:
    """`rng` if given (it must be a np.random.Generator), else the default generator (the
    one `manual_seed` seeds)."""
    if rng is None:
        return default_generator()
    if not isinstance(rng, np.random.Generator):
        raise ArgumentTypeError(f"{op}: rng must be a np.random.Generator or None, got "
                                f"{type(rng).__name__} {rng!r} (for a seed, pass "
                                f"np.random.default_rng(seed))")
    return rng
