"""The rewrites of a replayed program, each exact: Python numbers in ufunc calls become
0-d arrays of the dtype NumPy casts them to (compiler/scalars.py: where done, the same loop
and bits as with the number; where it would not be, the number stays); results that
depend on no data are computed once and copies of dead arrays elided
(compiler/simplify.py); and nothing a replay returns is shared with a later replay."""

import io
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn.compiler import scalars

DTYPES = [np.int8, np.int16, np.int64, np.uint8, np.uint32, np.float16, np.float32, np.float64]
UFUNCS = [np.add, np.subtract, np.multiply, np.maximum, np.minimum, np.equal, np.less,
          np.greater_equal, np.true_divide, np.floor_divide, np.power, np.copysign]
NUMBERS = [0, 1, -1, 7, 127, 128, -129, 255, 256, 300, -300, 2**31, -(2**63), 2**64, 65504,
           70000, 0.0, -0.0, 0.5, -2.5, 1e-8, 3.4e38, 1e300, float("nan"), float("inf"),
           -float("inf")]


def _call(ufunc, x, operand, first):
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return ufunc(operand, x) if first else ufunc(x, operand)
        except (TypeError, OverflowError, ValueError) as error:
            return type(error)


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**16))
def test_a_number_given_as_a_0d_array_gives_the_same_bits(seed):
    """Every dtype, ufunc and number of the grids above, on random values."""
    for dtype in DTYPES:
        for ufunc in UFUNCS:
            for number in NUMBERS:
                for first in (False, True):
                    _check(dtype, ufunc, number, first, seed)


def _check(dtype, ufunc, number, first, seed):
    rng = np.random.default_rng(seed)
    with np.errstate(invalid="ignore"):  # negative values cast to unsigned types
        x = (rng.standard_normal(7) * 50).astype(dtype)
    args = (("pyconst", number), ("slot", 0)) if first else (("slot", 0), ("pyconst", number))
    arrays = scalars.typed(ufunc, args, {}, [x])
    expected = _call(ufunc, x, number, first)
    if not arrays:
        return
    (got,) = arrays.values()
    assert got.ndim == 0 and got.dtype == x.dtype
    result = _call(ufunc, x, got, first)
    what = (dtype.__name__, ufunc.__name__, number, first)
    if isinstance(expected, type):  # the number itself fails the same way
        assert result is expected, what
        return
    assert result.dtype == expected.dtype, what
    assert result.tobytes() == expected.tobytes(), what


def test_numbers_numpy_would_not_cast_to_the_arrays_dtype_stay():
    x8, xi, xf = np.zeros(3, np.int8), np.zeros(3, np.int64), np.zeros(3, np.float32)
    assert scalars.typed(np.add, (("slot", 0), ("pyconst", 1000)), {}, [x8]) == {}
    assert scalars.typed(np.add, (("slot", 0), ("pyconst", 0.5)), {}, [xi]) == {}
    assert scalars.typed(np.add, (("slot", 0), ("pyconst", True)), {}, [xf]) == {}
    assert scalars.typed(np.add, (("slot", 0), ("slot", 1), ("pyconst", 1)), {}, [xf, xi]) \
        == {}  # an output given positionally is not an input
    assert scalars.typed(np.add, (("slot", 0), ("pyconst", 1)), {"dtype": ("pyconst", None)},
                         [xf]) == {}
    assert list(scalars.typed(np.add, (("slot", 0), ("pyconst", 1)), {}, [xf])) == [1]


def test_a_compiled_step_with_numbers_equals_eager():
    """Integer and float tensors with Python numbers, label checks included."""
    rng = np.random.default_rng(0)
    w = tg.Tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)

    def f(x, y):
        z = (x @ w).relu() * 3 + 0.25
        mask = (y >= 1) & (y != 7)
        loss = (z.sum(1) * mask).sum() / 2
        loss.backward()
        return loss

    run = tg.compile(f)
    for i in range(5):
        x = tg.Tensor(rng.standard_normal((5, 4)).astype(np.float32))
        y = tg.Tensor(rng.integers(0, 9, 5))
        w.grad = None
        a = f(x, y).data.copy()
        ga = w.grad.data.copy()
        w.grad = None
        b = run(x, y).data.copy()
        assert a.tobytes() == b.tobytes(), i
        assert ga.tobytes() == w.grad.data.tobytes(), i


def _numpy_step(x):
    seed = np.ones_like(x)  # depends on no data: computed once
    scale = np.multiply(seed, 0.5)  # a ufunc of a constant: computed once
    y = x * scale
    kept = np.zeros_like(x)  # written below: computed on every replay
    kept += y
    back = y.copy()  # y is read after the copy: a copy
    back *= 2.0
    dead = (x + 1.0).copy()  # nothing reads x + 1 after the copy: the same array
    dead *= 3.0
    same = y.astype(y.dtype, copy=False)  # y itself
    single = y.astype(np.float32, copy=False)  # a conversion
    total = y + back + kept + dead + same * 0.5 + single.astype(np.float64)
    return total, np.ones_like(x)  # returned: made on every replay


def test_constants_and_copies_of_dead_arrays_are_exact_and_never_shared_wrongly():
    """compiler/simplify.py: results computed once, copies elided, only where no replay
    can tell."""
    run = tg.compile(_numpy_step)
    rng = np.random.default_rng(5)
    for i in range(6):
        x = rng.standard_normal((3, 4))
        expected, ones = _numpy_step(x)
        got, got_ones = run(x)
        assert got.tobytes() == expected.tobytes(), i
        assert np.array_equal(got_ones, ones), i
        got_ones[...] = 7.0  # the caller owns what was returned
    source = run.explain(file=io.StringIO())
    assert source.count("copy of a dead array") == 1
    assert source.count("no conversion") == 1 and source.count("astype") == 2
    assert source.count("ones_like") == 1 and source.count("zeros_like") == 1


def test_tensors_returned_in_a_tuple_keep_their_values_across_replays():
    """Each replay's results are its own (a tuple's elements were written into buffers the
    next replay wrote again)."""
    w = tg.Tensor(np.ones((3, 2)), requires_grad=True)

    def f(x):
        z = x @ w
        return z.sum(), [z * 2.0, z + 1.0]

    run = tg.compile(f)
    outs = [run(tg.Tensor(np.full((2, 3), float(i)))) for i in range(5)]
    for i, (_, (a, b)) in enumerate(outs):
        assert np.all(a.data == 6.0 * i) and np.all(b.data == 3.0 * i + 1.0), i


def test_a_returned_tensor_keeps_its_values_across_replays():
    w = tg.Tensor(np.ones((3, 2)), requires_grad=True)
    run = tg.compile(lambda x: (x @ w) * 2.0)
    outs = [run(tg.Tensor(np.full((2, 3), float(i)))) for i in range(5)]
    assert [float(o.data[0, 0]) for o in outs] == [0.0, 6.0, 12.0, 18.0, 24.0]


def test_comparisons_of_integer_scalars_written_as_operators_give_the_same_answer():
    """A 0-d integer result compared with a Python int is written `v < n` (scalars.py)."""
    for dtype in (np.int8, np.int16, np.int64, np.uint8, np.uint32):
        for ufunc, op in scalars._COMPARISONS.items():
            for value in (0, 1, -1, 5, 127, -128, 255, 2**31, -(2**40), 2**70):
                for number in (0, 1, -1, -100, 10, 127, 128, 255, 256, -129, 2**33):
                    with np.errstate(over="ignore"):
                        try:
                            scalar = dtype(value)
                        except OverflowError:
                            continue
                    args = (("slot", 0), ("pyconst", number))
                    if scalars.comparison(ufunc, args, {}, [np.asarray(scalar)]) != op:
                        with pytest.raises(OverflowError):  # refused: beyond the dtype
                            np.array(number, dtype)
                        continue
                    written = eval(f"scalar {op} number")  # noqa: S307 (the program's form)
                    assert type(written) is np.bool_
                    assert written == ufunc(scalar, number), (dtype, op, value, number)
