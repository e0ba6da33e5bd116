"""Fixes the lead made in session 35, each pinned by a test that failed before it."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg


@given(st.floats(-30.0, 30.0, allow_nan=False))
def test_spherical_bessel_j0_of_a_0d_tensor(x: float) -> None:
    """A 0-d input raised TypeError (NumPy's sin(x) / x of a 0-d array is a scalar, which
    the small-|x| series then assigned into)."""
    got = tg.special.spherical_bessel_j0(tg.tensor(x, dtype=tg.float64))
    assert got.shape == ()
    want = 1.0 if x == 0 else math.sin(x) / x
    assert np.isclose(got.item(), want, rtol=1e-15, atol=1e-16)
