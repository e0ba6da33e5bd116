"""tg.testing.assert_close and make_tensor (tinygrad_bn/testing/comparison.py): verdicts and
messages against PyTorch's torch.testing on Hypothesis-drawn pairs, and the rules by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn.errors import ArgumentError, ArgumentTypeError, ComparisonError, TinygradError
from tinygrad_bn.testing import assert_close, make_tensor

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
SPECIAL = [0.0, -0.0, 1.0, 1e-6, 1e5, math.inf, -math.inf, math.nan]


def _verdict(check, *args, **kwargs) -> str | None:
    try:
        check(*args, **kwargs)
    except AssertionError as error:
        return str(error)
    return None


def _summary(message: str | None) -> list[str] | None:
    """The lines both libraries word alike: the headline and the mismatch count."""
    if message is None:
        return None
    return [line for line in message.splitlines()
            if line.startswith(("Tensor-likes", "Mismatched", "Scalars", "The values",
                                "Expected"))]


@st.composite
def pairs(draw):
    dtype = draw(st.sampled_from(["float32", "float64", "float16", "int64", "bool"]))
    shape = draw(st.lists(st.integers(0, 3), max_size=3).map(tuple))
    size = int(np.prod(shape))
    if dtype == "bool":
        values = st.booleans()
    elif dtype == "int64":
        values = st.integers(-5, 5)
    else:
        values = st.floats(-10, 10, width=16) | st.sampled_from(SPECIAL)
    a = np.array(draw(st.lists(values, min_size=size, max_size=size)), dtype).reshape(shape)
    # expected: a copy nudged by a few relative steps around the tolerances, or other values
    nudge = draw(st.sampled_from([0.0, 1e-8, 1e-6, 1e-5, 1e-3, 1e-1]))
    b = a.copy()
    if dtype.startswith("float") and size:
        with np.errstate(invalid="ignore", over="ignore"):
            b = (a * (1 + nudge) + draw(st.sampled_from([0.0, 1e-6, 2e-5]))).astype(dtype)
    if size and draw(st.booleans()):
        b.reshape(-1)[draw(st.integers(0, size - 1))] = draw(values)
    tolerances = draw(st.sampled_from([{}, {"rtol": 0.0, "atol": 0.0},
                                       {"rtol": 1e-3, "atol": 1e-4}]))
    return a, b, dict(tolerances, equal_nan=draw(st.booleans()))


@needs_torch
@given(pairs())
def test_verdicts_and_messages_match_pytorch(pair) -> None:
    a, b, options = pair
    ours = _verdict(assert_close, tg.tensor(a), tg.tensor(b), **options)
    theirs = _verdict(torch.testing.assert_close, torch.tensor(a), torch.tensor(b), **options)
    assert (ours is None) == (theirs is None), (ours, theirs)
    assert _summary(ours) == _summary(theirs)


@needs_torch
@given(st.sampled_from([1, 2, 2.5, 1e-9, math.inf, math.nan]),  # no bools: PyTorch's own
       st.sampled_from([1, 2.5, 2.5000001, 0.0, math.inf, -math.inf, math.nan]),  # crash
       st.booleans(), st.booleans())
def test_numbers_match_pytorch(a, b, check_dtype, equal_nan) -> None:
    options = {"check_dtype": check_dtype, "equal_nan": equal_nan}
    ours = _verdict(assert_close, a, b, **options)
    theirs = _verdict(torch.testing.assert_close, a, b, **options)
    assert (ours is None) == (theirs is None), (a, b, ours, theirs)
    assert _summary(ours) == _summary(theirs) or "(d)types" in ours


def test_the_rules_by_hand() -> None:
    x = tg.tensor([1.0, 2.0, 3.0])
    assert_close(x, x + 1e-6)  # float32: within 1e-5 + 1.3e-6 |expected|
    with pytest.raises(ComparisonError, match=r"Mismatched elements: 1 / 3 \(33.3%\)"):
        assert_close(x, tg.tensor([1.0, 2.0, 3.1]))
    with pytest.raises(ComparisonError, match="'dtype' do not match"):
        assert_close(x, x.double())
    assert_close(x, x.double(), check_dtype=False)
    with pytest.raises(ComparisonError, match="'shape' do not match"):
        assert_close(x, x[:2])
    # infinities: close to themselves only, even with generous tolerances
    inf = tg.tensor([math.inf])
    assert_close(inf, inf)
    for other in (-inf, tg.tensor([1e30])):
        with pytest.raises(ComparisonError):
            assert_close(inf, other, rtol=1.0, atol=1.0)
    nan = tg.tensor([math.nan])
    with pytest.raises(AssertionError):  # ComparisonError is an AssertionError, as PyTorch's
        assert_close(nan, nan)
    assert_close(nan, nan, equal_nan=True)
    assert_close([x, {"k": 1}], (x, {"k": 1}))
    with pytest.raises(ComparisonError, match=r"item \[1\]\['k'\]"):
        assert_close([x, {"k": 1}], [x, {"k": 2}])
    with pytest.raises(ComparisonError, match="custom"):
        assert_close(x, x + 1, msg="custom")
    with pytest.raises(ComparisonError, match="^wrapped: Tensor-likes"):
        assert_close(x, x + 1, msg=lambda m: "wrapped: " + m)


def test_bad_calls_say_what_was_expected() -> None:
    x = tg.tensor([1.0])
    with pytest.raises(ArgumentError, match="both 'rtol' and 'atol'"):
        assert_close(x, x, rtol=1e-3)
    with pytest.raises(ArgumentTypeError, match="Tensor.*float") as caught:
        assert_close(x, 1.0)
    assert isinstance(caught.value, TinygradError) and isinstance(caught.value, TypeError)
    with pytest.raises(ArgumentTypeError):
        assert_close("a", "a")


def test_make_tensor_draws_in_pytorchs_ranges() -> None:
    tg.manual_seed(0)
    f = make_tensor(50, 40, dtype=tg.float32)
    assert f.shape == (50, 40) and f.dtype == np.float32
    assert -9 <= f.min().item() and f.max().item() < 9
    i = make_tensor((200,), dtype=tg.int64, low=-2, high=3)
    assert set(i.numpy().tolist()) == {-2, -1, 0, 1, 2}
    assert 0 not in make_tensor(300, dtype=tg.int32, low=-1, high=2, exclude_zero=True).numpy()
    assert make_tensor(3, dtype=tg.float64, requires_grad=True).requires_grad
    assert make_tensor(4, dtype=tg.bool).dtype == np.bool_
    assert make_tensor(dtype=tg.float32).shape == ()
    with pytest.raises(ArgumentError, match="requires_grad"):
        make_tensor(3, dtype=tg.int64, requires_grad=True)
    with pytest.raises(ArgumentError, match="low=3"):
        make_tensor(3, dtype=tg.float32, low=3, high=1)
    assert tg.testing.assert_close is assert_close  # torch.testing's spelling
