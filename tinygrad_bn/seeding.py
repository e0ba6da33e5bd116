"""Random generators as PyTorch's: `tg.Generator` objects and `tg.default_generator`.

Everything that draws numbers (the creation functions, nn.init, dropout, samplers and
DataLoader shuffling) takes a `generator=` and draws from `default_generator` without
one; `manual_seed(seed)` seeds that one and returns it, so a script that calls
`tg.manual_seed(0)` first is reproducible end to end. A `np.random.Generator` is
accepted wherever a `tg.Generator` is.

A `Generator` wraps a NumPy PCG64 generator: `manual_seed(s)` makes it
`np.random.default_rng(s)`, so the numbers are NumPy's, not torch's (same distributions,
different streams). Seeding and `set_state` replace the wrapped generator under the
Generator's lock instead of mutating it: a thread that is drawing keeps the stream it
read. `get_state()` is 45 bytes as a uint8 array, little-endian: the initial seed (8),
PCG64's state and increment (16 each), its cached-half flag (1) and cached 32-bit half
(4). PyTorch returns a uint8 Tensor; an array here, because the generators sit below
Tensor (Tensor methods draw from them); `set_state` takes either.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, names_errors

__all__ = [
    "Generator", "default_generator", "generator", "get_rng_state", "initial_seed",
    "manual_seed", "seed", "set_rng_state",
]

_PYTORCH_DEFAULT_SEED = 67280421310721  # a new torch.Generator's seed, kept for initial_seed()
_STATE_BYTES = 45


def _check_seed(op: str, seed: Any) -> int:
    if not isinstance(seed, int | np.integer) or isinstance(seed, bool):
        raise ArgumentTypeError(f"{op}: seed must be an int, got {type(seed).__name__} "
                                f"{seed!r}")
    if not 0 <= seed < 2**64:
        raise ArgumentError(f"{op}: seed must be in [0, 2**64), got {seed}")
    return int(seed)


class Generator:
    """A seedable source of random numbers (PyTorch's `torch.Generator`): pass it as
    `generator=` to make one call's draws independent of the global seed. A new
    Generator starts from PyTorch's default seed, so two fresh ones draw alike."""

    def __init__(self, device: Any = "cpu") -> None:
        if str(device).partition(":")[0] != "cpu":
            raise ArgumentError(f"Generator: tinygrad_bn runs on the CPU only, got device "
                                f"{device!r}")
        self._lock = threading.Lock()
        self._seed = _PYTORCH_DEFAULT_SEED
        self._rng = np.random.default_rng(self._seed)

    @property
    def device(self) -> str:
        return "cpu"

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from `seed` (an int in [0, 2**64)); returns the generator."""
        seed = _check_seed("manual_seed", seed)
        with self._lock:
            self._seed, self._rng = seed, np.random.default_rng(seed)
        return self

    def seed(self) -> int:
        """Seed from the operating system's entropy; returns the seed chosen."""
        chosen = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(chosen)
        return chosen

    def initial_seed(self) -> int:
        """The seed the stream last started from."""
        return self._seed

    def get_state(self) -> np.ndarray:
        """The generator's state as a uint8 array (layout: the module doc)."""
        with self._lock:
            seed, state = self._seed, self._rng.bit_generator.state
        inner = state["state"]
        raw = (seed.to_bytes(8, "little") + inner["state"].to_bytes(16, "little")
               + inner["inc"].to_bytes(16, "little") + bytes([state["has_uint32"]])
               + int(state["uinteger"]).to_bytes(4, "little"))
        return np.frombuffer(raw, dtype=np.uint8).copy()

    def set_state(self, new_state: Any) -> Generator:
        """Continue from a state `get_state` returned (of this or any Generator), as an
        array or a Tensor."""
        array = new_state if isinstance(new_state, np.ndarray) else \
            getattr(new_state, "data", new_state)  # a Tensor's array
        if not isinstance(array, np.ndarray) or array.dtype != np.uint8:
            raise ArgumentTypeError(f"set_state: the RNG state must be the uint8 array from "
                                    f"get_state(), got {type(new_state).__name__}")
        raw = array.reshape(-1).tobytes()
        inc = int.from_bytes(raw[24:40], "little")
        if len(raw) != _STATE_BYTES or raw[40] > 1 or inc % 2 == 0:
            raise ArgumentError(f"set_state: expected the {_STATE_BYTES}-byte state that "
                                f"get_state() returns, got {array.size} bytes that are not one")
        rng = np.random.Generator(np.random.PCG64())
        rng.bit_generator.state = {
            "bit_generator": "PCG64",
            "state": {"state": int.from_bytes(raw[8:24], "little"), "inc": inc},
            "has_uint32": raw[40], "uinteger": int.from_bytes(raw[41:45], "little")}
        with self._lock:
            self._seed, self._rng = int.from_bytes(raw[:8], "little"), rng
        return self

    def __repr__(self) -> str:
        return f"<tinygrad_bn.Generator seed={self._seed}>"


default_generator = Generator()
default_generator.seed()  # a fresh process draws differently each run, as PyTorch's does


def manual_seed(seed: int) -> Generator:
    """Seed `default_generator` (what every draw without a `generator=` uses); returns it."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    """Seed `default_generator` from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed() -> int:
    """The seed `default_generator` last started from."""
    return default_generator.initial_seed()


def get_rng_state() -> np.ndarray:
    """`default_generator.get_state()`."""
    return default_generator.get_state()


@names_errors("set_rng_state")
def set_rng_state(new_state: Any) -> None:
    """`default_generator.set_state(new_state)`."""
    default_generator.set_state(new_state)


def generator(rng: Any = None, op: str = "init") -> np.random.Generator:
    """The NumPy generator to draw from: `rng`'s if it is a `Generator`, `rng` itself if
    it is a `np.random.Generator`, else (None) the default generator's, read now."""
    if rng is None:
        return default_generator._rng
    if isinstance(rng, Generator):
        return rng._rng
    if isinstance(rng, np.random.Generator):
        return rng
    raise ArgumentTypeError(f"{op}: generator must be a tg.Generator, a np.random.Generator "
                            f"or None, got {type(rng).__name__} {rng!r} (for a seed, pass "
                            f"tg.Generator().manual_seed(seed))")
