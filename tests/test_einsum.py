"""tg.einsum: forward against np.einsum, gradients (and second derivatives) against central
differences, for specs drawn with their letter sizes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tests.test_ops_gradients import check_op
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

SPECS = [
    "ij,jk->ik",        # matmul
    "bij,bjk->bik",     # batched matmul
    "ij->i",            # a sum over a letter only the operand has
    "ij->",             # the total
    "i,j->ij",          # outer product
    "ij,ij->ij",        # elementwise product
    "ijk->kji",         # a permutation
    "ij,jk",            # implicit output: ik
    "ij,jk,kl->il",     # a chain of three
    "i,ij,j->",         # a bilinear form
    "...ij,...jk->...ik",  # batch dims by ellipsis
    "ij,j->i",          # a matrix-vector product
]


def _shapes(spec: str, sizes: dict[str, int], batch: tuple[int, ...]) -> list[tuple[int, ...]]:
    inputs = spec.split("->")[0].split(",")
    return [batch + tuple(sizes[c] for c in s.replace("...", "")) if "..." in s
            else tuple(sizes[c] for c in s) for s in inputs]


@pytest.mark.parametrize("spec", SPECS)
@given(data=st.data())
def test_einsum_matches_numpy_and_gradcheck(spec: str, data: st.DataObject) -> None:
    sizes = {c: data.draw(st.integers(1, 3)) for c in "ijklb"}
    batch = data.draw(tst.shapes(max_dims=2, max_side=2))
    xs = [Tensor(data.draw(tst.arrays(s)), requires_grad=True)
          for s in _shapes(spec, sizes, batch)]
    check_op(lambda *ts: tg.einsum(spec, *ts), xs, lambda *arrays: np.einsum(spec, *arrays))


@pytest.mark.parametrize("spec", ["ij,jk->ik", "ij->i", "i,ij,j->", "...ij,...jk->...ik"])
@settings(max_examples=10)
@given(data=st.data())
def test_einsum_second_derivative(spec: str, data: st.DataObject) -> None:
    sizes = {c: data.draw(st.integers(1, 2)) for c in "ijk"}
    xs = [Tensor(data.draw(tst.arrays(s)), requires_grad=True)
          for s in _shapes(spec, sizes, (2,))]
    assert tg.gradgradcheck(lambda *ts: tg.einsum(spec, *ts), xs)


def test_einsum_broadcasts_a_size_one_letter() -> None:
    a = Tensor(np.arange(3.0).reshape(3, 1), requires_grad=True)
    b = Tensor(np.ones((3, 4)), requires_grad=True)
    out = tg.einsum("ij,ij->ij", a, b)
    assert out.shape == (3, 4)
    out.sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.full((3, 1), 4.0))


def test_einsum_errors_name_the_spec_and_shapes() -> None:
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((4, 5)))
    with pytest.raises(tg.ShapeError, match=r"letter 'j' is 3 in one operand and 4"):
        tg.einsum("ij,jk->ik", a, b)
    with pytest.raises(tg.ArgumentError, match="2 operands, got 1"):
        tg.einsum("ij,jk->ik", a)
    with pytest.raises(tg.ShapeError, match=r"operand 0 has shape \(2, 3\)"):
        tg.einsum("ijk->i", a)
    with pytest.raises(tg.ShapeError, match=r"letter 'i' is 2 in one operand and 3"):
        tg.einsum("ii->i", a)  # a diagonal of a non-square plane
    with pytest.raises(tg.ArgumentError, match="must name each letter once"):
        tg.einsum("i->ii", Tensor(np.ones(2)))
