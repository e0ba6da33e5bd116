"""Python numbers in replayed ufunc calls become 0-d arrays of the dtype NumPy casts them
to (tinygrad_bn/compiler/scalars.py): where that is done, the call must pick the same
loop and give the same bits as with the number; where it would not, the number stays."""

import warnings

import numpy as np
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
