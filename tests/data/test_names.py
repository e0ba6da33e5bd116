"""The shipped first names (1990 US Census lists) and their encodings for the
character-level models of `tinygrad-bn experiment names`."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.data.names import (
    ALPHABET,
    context_windows,
    decode,
    encode,
    load_names,
    padded_sequences,
    split_names,
)


def test_names_are_distinct_lowercase_words_most_frequent_first() -> None:
    names = load_names()
    assert len(names) == 5163 == len(set(names))
    assert all(n.isascii() and n.isalpha() and n.islower() for n in names)
    assert names[:4] == ["james", "john", "robert", "mary"]


def test_names_equal_the_census_lists_of_the_names_package() -> None:
    census = pytest.importorskip("names")  # pip install names (0.3.0 ships the lists)
    from importlib import resources

    expected = set()
    for part in ("dist.female.first", "dist.male.first"):
        text = resources.files(census.__name__).joinpath(part).read_text()
        expected |= {line.split()[0].lower() for line in text.splitlines() if line.strip()}
    assert set(load_names()) == expected


def test_encodings_windows_and_padded_sequences() -> None:
    assert encode("abz") == [1, 2, 26] and decode([1, 2, 26]) == "abz"
    assert ALPHABET[0] == "."
    with pytest.raises(tg.ArgumentError, match="lowercase"):
        encode("Ann")
    x, y = context_windows(["ab"], 2)
    np.testing.assert_array_equal(x, [[0, 0], [0, 1], [1, 2]])
    np.testing.assert_array_equal(y, [1, 2, 0])
    inputs, targets = padded_sequences(["ab", "c"])
    np.testing.assert_array_equal(inputs, [[0, 1, 2], [0, 3, 0]])
    np.testing.assert_array_equal(targets, [[1, 2, 0], [3, 0, -100]])


def test_split_is_seeded_and_covers_every_name_once() -> None:
    names = load_names()
    train, val, test = split_names(names, seed=3)
    assert (train, val, test) == split_names(names, seed=3)
    assert sorted(train + val + test) == sorted(names)
    assert (len(train), len(val)) == (4130, 516)
    with pytest.raises(tg.ArgumentError, match="fractions"):
        split_names(names, fractions=(0.9, 0.2))
