"""The first names shipped with the package (embedded/names.txt: the 1990 US Census lists
of female and male first names, 5,163 distinct names; see embedded/README.md) and their
encodings for character-level language models.

Characters are numbered with '.' (index 0) marking both the start and the end of a name and
'a'..'z' as 1..26, so a model predicts, from the characters so far, the next one or the end.
"""

from __future__ import annotations

from importlib import resources

import numpy as np

from ..errors import ArgumentError

ALPHABET = ".abcdefghijklmnopqrstuvwxyz"
END = 0


def load_names() -> list[str]:
    """The names, lowercase, most frequent first (by their share of the 1990 population)."""
    text = resources.files(__package__).joinpath("embedded/names.txt").read_text("ascii")
    return text.split()


def split_names(names: list[str], seed: int = 0, fractions: tuple[float, float] = (0.8, 0.1)
                ) -> tuple[list[str], list[str], list[str]]:
    """A seeded shuffle cut into train, validation and test (the rest)."""
    if not (0 < fractions[0] and 0 <= fractions[1] and sum(fractions) < 1):
        raise ArgumentError(f"split_names: fractions must be positive and add up to less than "
                            f"1, got {fractions}")
    order = np.random.default_rng(seed).permutation(len(names))
    shuffled = [names[i] for i in order]
    a = int(fractions[0] * len(names))
    b = a + int(fractions[1] * len(names))
    return shuffled[:a], shuffled[a:b], shuffled[b:]


def encode(name: str) -> list[int]:
    """The character indices of `name` (lowercase letters a-z only)."""
    if not (name.isascii() and name.isalpha() and name.islower()):
        raise ArgumentError(f"encode: names are lowercase letters a-z, got {name!r}")
    return [ALPHABET.index(c) for c in name]


def decode(indices: list[int]) -> str:
    return "".join(ALPHABET[i] for i in indices)


def context_windows(names: list[str], block_size: int) -> tuple[np.ndarray, np.ndarray]:
    """Every (previous block_size characters, next character) pair of every name, the
    context padded with '.' at the start: Bengio et al.'s n-gram inputs. Shapes (M, block)
    and (M,), int64."""
    contexts, targets = [], []
    for name in names:
        window = [END] * block_size
        for index in encode(name) + [END]:
            contexts.append(window)
            targets.append(index)
            window = window[1:] + [index]
    return np.array(contexts, dtype=np.int64).reshape(-1, block_size), \
        np.array(targets, dtype=np.int64)


def padded_sequences(names: list[str], ignore_index: int = -100
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Inputs '.' + name and targets name + '.', each (N, L) with L = longest name + 1;
    inputs padded with '.', targets with ignore_index (left out of the loss)."""
    length = max(len(n) for n in names) + 1
    inputs = np.full((len(names), length), END, dtype=np.int64)
    targets = np.full((len(names), length), ignore_index, dtype=np.int64)
    for row, name in enumerate(names):
        codes = encode(name)
        inputs[row, 1:len(codes) + 1] = codes
        targets[row, :len(codes) + 1] = codes + [END]
    return inputs, targets
