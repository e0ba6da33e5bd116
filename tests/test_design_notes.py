"""The choices of docs/autograd.md section 8 ("Design notes"), where PyTorch and NumPy
disagree: PyTorch's answer unless the docs say why not."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor

DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64, np.float16, np.float32,
          np.float64]
ARITHMETIC = {"+": operator.add, "*": operator.mul, "/": operator.truediv}


@given(a=st.sampled_from(DTYPES), b=st.sampled_from(DTYPES), op=st.sampled_from(sorted(ARITHMETIC)))
def test_two_tensors_promote_by_category_then_size(a, b, op: str) -> None:
    out = ARITHMETIC[op](Tensor(np.ones(3, dtype=a)), Tensor(np.full(3, 2, dtype=b)))
    kinds = {np.dtype(a).kind, np.dtype(b).kind}
    if "f" in kinds:  # the floating dtype(s) decide, the integer ones do not widen it
        floats = [d for d in (a, b) if np.dtype(d).kind == "f"]
        assert out.dtype == np.result_type(*floats)
    elif op == "/":
        assert out.dtype == np.float32
    else:  # NumPy's promotion within the integers (and bool)
        assert out.dtype == np.result_type(a, b)


def test_the_documented_examples() -> None:
    assert (Tensor(np.ones(2, np.int64)) / Tensor(np.ones(2, np.int64))).dtype == np.float32
    assert (Tensor(np.ones(2, np.int32)) + Tensor(np.ones(2, np.float16))).dtype == np.float16
    assert (Tensor(np.ones(2, np.float32)) + Tensor(np.float64(1))).dtype == np.float32
    assert (Tensor(np.ones(2, np.int32)) + Tensor(np.float64(1))).dtype == np.float64
    assert (Tensor(np.ones(2, np.float32)) * 0.5).dtype == np.float32
    assert (Tensor(np.ones(2, np.int32)) + 3).dtype == np.int32
    assert (Tensor(np.ones(2, np.bool_)) + 2).dtype == np.int64
    assert (Tensor(np.ones(2, np.int32)) * 2.5).dtype == np.float32
    with pytest.raises(tg.ArgumentError, match="300.*uint8"):
        Tensor(np.ones(2, np.uint8)) + 300
    assert Tensor([1, 2]).dtype == np.float32


def test_advanced_indexing_order_is_pytorchs() -> None:
    a = np.arange(24.0).reshape(2, 3, 4)
    x = Tensor(a, requires_grad=True)
    out = x[0, :, [0, 1]]
    assert out.shape == (3, 2) == a[0][:, [0, 1]].shape  # NumPy's a[0, :, [0, 1]]: (2, 3)
    np.testing.assert_array_equal(out.data, a[0][:, [0, 1]])
    assert tg.gradcheck(lambda t: t[0, :, [0, 1]], [x])
    assert tg.gradcheck(lambda t: t[[1, 0, 1], :, [2, 2, 3]], [x])


def test_both_argument_words_and_both_at_once_is_an_error() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x.sum(dim=1, keepdim=True).data,
                                  x.sum(axis=1, keepdims=True).data)
    with pytest.raises(tg.ArgumentError, match="got both axis=1 and dim=1"):
        x.mean(axis=1, dim=1)


def test_var_and_std_default_to_correction_1_and_take_both_words() -> None:
    a = np.array([1.0, 2.0, 4.0, 7.0])
    x = Tensor(a)
    assert x.var().item() == pytest.approx(np.var(a, ddof=1))
    assert x.std().item() == pytest.approx(np.std(a, ddof=1))
    assert x.std(correction=0).item() == pytest.approx(np.std(a))
    assert x.var(unbiased=False).item() == pytest.approx(np.var(a))
    assert x.var(ddof=0).item() == pytest.approx(np.var(a))


def test_max_with_dim_is_values_and_indices_and_size_is_the_shape() -> None:
    x = Tensor(np.array([[1.0, 3.0], [4.0, 2.0]]))
    values, indices = x.max(dim=1)
    assert values.tolist() == [3.0, 4.0] and indices.tolist() == [1, 0]
    assert x.max(axis=1).values.tolist() == [3.0, 4.0] and x.max((0, 1)).item() == 4.0
    assert x.size() == (2, 2) and x.size(0) == 2 and x.numel() == 4 and x.data.size == 4


def test_tg_tensor_follows_pytorchs_dtypes_and_tensor_keeps_float32() -> None:
    assert tg.tensor([1, 2]).dtype == np.int64 and Tensor([1, 2]).dtype == np.float32
    assert tg.tensor([0.5]).dtype == np.float32 and tg.tensor([True]).dtype == np.bool_
    assert tg.arange(5).dtype == np.int64 and tg.full((2,), 7).dtype == np.int64
