"""Data for the corpus scripts, as NumPy arrays and Python strings, so that every script
runs unchanged on PyTorch and on tinygrad_bn (this module is never import-swapped).

- `digits(n_train, n_test)`: the first rows of the embedded MNIST subset
  (tinygrad_bn.data; classes interleaved, so any prefix is balanced), pixels in [0, 1],
  flattened to 784 float32 values, labels int64.
- `names(count, seed)`: made-up lowercase names built from syllables by Python's
  `random.Random(seed)` (stands in for the names list of the character-level lectures).
- `languages(seed)`: two made-up "languages" of names, each from its own syllables, for
  the name-classification RNN.
- `story(sentences, seed)`: a text of simple sentences over a small vocabulary, for the
  character-level GPT.
"""

from __future__ import annotations

import random

import numpy as np

from tinygrad_bn.data import load_mnist

_SYLLABLES = ("an", "el", "is", "ma", "ro", "li", "ta", "ne", "ka", "so", "mi", "da",
              "ve", "lu", "ra", "jo", "en", "ha", "bi", "ty")


def digits(n_train: int, n_test: int) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                               np.ndarray]:
    x_train, y_train, x_test, y_test = load_mnist(flatten=True, dtype=np.float32)
    return (x_train[:n_train], y_train[:n_train].astype(np.int64),
            x_test[:n_test], y_test[:n_test].astype(np.int64))


def names(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 3)))
        out.append(word + rng.choice(("", "a", "n", "y", "e")))
    return out


def languages(seed: int = 0, per_language: int = 60) -> dict[str, list[str]]:
    rng = random.Random(seed)
    syllables = {"Northish": ("kr", "ag", "ost", "vik", "ur", "dan", "hel", "gor"),
                 "Southish": ("la", "mi", "no", "sa", "ri", "te", "lo", "ca")}
    out: dict[str, list[str]] = {}
    for language, parts in syllables.items():
        words = []
        for _ in range(per_language):
            word = "".join(rng.choice(parts) for _ in range(rng.randint(2, 3)))
            words.append(word.capitalize())
        out[language] = words
    return out


def story(sentences: int = 200, seed: int = 0) -> str:
    rng = random.Random(seed)
    who = ("the cat", "a dog", "the old man", "my friend", "the bird")
    does = ("sees", "likes", "finds", "follows", "hears")
    what = ("the ball", "a red hat", "the river", "some bread", "the moon")
    when = ("today", "at night", "in the morning", "again", "slowly")
    lines = [f"{rng.choice(who)} {rng.choice(does)} {rng.choice(what)} {rng.choice(when)}."
             for _ in range(sentences)]
    return "\n".join(lines) + "\n"
