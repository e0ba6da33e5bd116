"""PyTorch's Tensor methods of linear algebra (x.cholesky(), x.cholesky_solve(L),
x.cholesky_inverse(), x.svd(), x.qr(), x.pinverse(), x.matrix_power(n), x.matrix_exp(),
x.triangular_solve(A), x.lu(), x.lu_solve(LU, pivots)) and the top-level tg.lu, tg.lu_solve,
tg.lu_unpack: every differentiable result passes gradcheck (reverse mode and the jvp) and
gradgradcheck and agrees with PyTorch in float64 in values and gradients, on
Hypothesis-drawn matrices with a well separated spectrum (as tests/test_linalg_decompositions.py);
then the non-differentiable parts (pivots, info, P), the tuples' types and bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tests.test_linalg_decompositions import Case, G, P, R, _draw, _fixed, _sym
from tests.test_surface_ops22 import check_arrays, check_refusal
from tinygrad_bn import Tensor

torch = pytest.importorskip("torch")


def _lu_solve(lib, b, a):
    if lib is torch:  # torch.lu is deprecated in favour of torch.linalg.lu_factor
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return b.lu_solve(*a.lu())
    return b.lu_solve(*a.lu())


def _lu_unpack(lib, a):
    p, l, u = lib.lu_unpack(*lib.linalg.lu_factor(a))
    return l * 2 + u.sum() + p.sum()


CASES = [
    Case("x.cholesky()", lambda lib, a: _sym(lib, a).cholesky(), (((2, 3, 3), P),)),
    Case("x.cholesky(upper=True)", lambda lib, a: _sym(lib, a).cholesky(upper=True),
         (((3, 3), P),)),
    Case("x.cholesky_solve(L)", lambda lib, b, a: b.cholesky_solve(
        _sym(lib, a).cholesky()), (((2, 3, 2), R), ((3, 3), P))),
    Case("x.cholesky_solve(U, upper=True)", lambda lib, b, a: b.cholesky_solve(
        _sym(lib, a).cholesky(upper=True), True), (((3, 1), R), ((3, 3), P))),
    Case("x.cholesky_inverse()", lambda lib, a: _sym(lib, a).cholesky().cholesky_inverse(),
         (((2, 3, 3), P),)),
    Case("x.cholesky_inverse(upper=True)", lambda lib, a: lib.linalg.cholesky(
        _sym(lib, a), upper=True).cholesky_inverse(upper=True), (((3, 3), P),)),
    Case("x.svd() U, S (sign-free)", lambda lib, a: a.svd().U ** 2 + a.svd().S.sum(),
         (((4, 3), G),)),
    Case("x.svd() V (wide, batch, sign-free)", lambda lib, a: a.svd().V ** 2,
         (((2, 3, 4), G),)),
    Case("x.svd(some=False) rebuilt", lambda lib, a: (a.svd(some=False).U[..., :3] *
                                                      a.svd().S.unsqueeze(-2)) @
         a.svd(some=False).V[..., :3].mT, (((4, 3), G),)),
    Case("x.svd(compute_uv=False) S", lambda lib, a: a.svd(compute_uv=False).S,
         (((2, 3, 4), G),)),
    Case("x.qr()", lambda lib, a: a.qr().Q * 2 + a.qr().R.sum(), (((4, 3), G),)),
    Case("x.qr(some=False) (wide)", lambda lib, a: a.qr(some=False).Q + a.qr(some=False).R[
        ..., :3], (((2, 3, 4), G),)),
    Case("x.pinverse()", lambda lib, a: a.pinverse(), (((2, 4, 3), G),)),
    Case("x.pinverse(rcond)", lambda lib, a: a.pinverse(1e-3), (((3, 4), G),)),
    Case("x.matrix_power(3)", lambda lib, a: a.matrix_power(3), (((2, 3, 3), G),)),
    Case("x.matrix_power(-1)", lambda lib, a: a.matrix_power(-1), (((3, 3), G),)),
    Case("x.matrix_power(0)", lambda lib, a: a.matrix_power(0) + a, (((3, 3), G),)),
    Case("x.matrix_exp()", lambda lib, a: a.matrix_exp(), (((2, 3, 3), R),)),
    Case("x.triangular_solve(A)", lambda lib, b, a: b.triangular_solve(a).solution,
         (((3, 2), R), ((3, 3), G))),
    Case("x.triangular_solve(A, upper=False, transpose=True, unitriangular=True)",
         lambda lib, b, a: b.triangular_solve(a, False, True, True).solution,
         (((2, 3, 2), R), ((3, 3), G))),
    Case("x.lu() LU", lambda lib, a: a.lu()[0] if lib is tg else torch.linalg.lu_factor(a)[0],
         (((2, 3, 3), G),)),
    Case("b.lu_solve(*a.lu())", _lu_solve, (((2, 3, 2), R), ((2, 3, 3), G))),
    Case("tg.lu_solve", lambda lib, b, a: lib.lu_solve(b, *lib.linalg.lu_factor(a)),
         (((3, 1), R), ((3, 3), G))),
    Case("tg.lu_unpack (tall)", _lu_unpack, (((4, 3), G),)),
    Case("tg.lu_unpack (wide, batch)", _lu_unpack, (((2, 2, 4), G),)),
    Case("tg.cholesky_inverse", lambda lib, a: lib.cholesky_inverse(_sym(lib, a).cholesky()),
         (((3, 3), P),)),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(max_examples=3)
@given(data=st.data())
def test_gradients_and_pytorch_agree(case: Case, data) -> None:
    check_arrays(case.fn, _draw(data, case), case.torch_gradients)


def test_every_method_is_pytorchs() -> None:
    for name in ("cholesky", "cholesky_solve", "cholesky_inverse", "svd", "qr", "pinverse",
                 "matrix_power", "matrix_exp", "triangular_solve", "lu", "lu_solve", "det",
                 "logdet", "slogdet", "inverse"):
        assert hasattr(Tensor, name) and hasattr(torch.Tensor, name), name
        assert callable(getattr(tg, name)), name


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lu_pivots_info_and_permutation_as_pytorch(dtype) -> None:
    """x.lu(): the packed factors, pivots (int32) and, with get_infos, info; a singular
    matrix is factored (info names its zero pivot), not refused; lu_unpack's P, L, U."""
    singular = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 1.0], [0.0, 1.0, 1.0]])
    batch = np.stack([_fixed((3, 3), G, 9), singular]).astype(dtype)
    ours, theirs = Tensor(batch), torch.tensor(batch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        method = theirs.lu(get_infos=True)
        plain = theirs.lu()
        expected = torch.lu(theirs, get_infos=True)
    got = ours.lu(get_infos=True)
    assert type(got) is type(method) is tuple and len(got) == 3
    assert type(ours.lu()) is type(plain) is tuple and len(ours.lu()) == len(plain) == 2
    got = tg.lu(ours, get_infos=True)
    assert type(got).__name__ == type(expected).__name__
    for field in got._fields:
        np.testing.assert_allclose(getattr(got, field).data, getattr(expected, field).numpy())
    tol = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(got.LU.data, expected.LU.numpy(), rtol=tol, atol=tol)
    for x, y in ((got.pivots, expected.pivots), (got.info, expected.info)):
        np.testing.assert_array_equal(x.data, y.numpy())
        assert x.dtype == y.numpy().dtype
    for x, y in zip(tg.lu_unpack(got.LU, got.pivots), torch.lu_unpack(*expected[:2])):
        assert x.dtype == y.numpy().dtype
        np.testing.assert_allclose(x.data, y.numpy(), rtol=tol, atol=tol)
    for data, pivots in ((False, True), (True, False)):
        x, y = tg.lu_unpack(*got[:2], data, pivots), torch.lu_unpack(*expected[:2], data, pivots)
        assert [t.shape for t in x] == [tuple(t.shape) for t in y]


def test_old_svd_and_qr_tuples_as_pytorch() -> None:
    a = _fixed((2, 4, 3), G, 5)
    for call in (lambda x: x.svd(), lambda x: x.svd(some=False), lambda x: x.mT.svd(),
                 lambda x: x.svd(compute_uv=False), lambda x: x.qr(),
                 lambda x: x.qr(some=False), lambda x: x.mT.qr(some=False)):
        ours, theirs = call(Tensor(a)), call(torch.tensor(a))
        assert type(ours).__name__ == type(theirs).__name__
        for x, y in zip(ours, theirs):
            assert x.shape == tuple(y.shape) and x.dtype == y.numpy().dtype


REFUSALS = [
    ("cholesky of a vector", lambda: Tensor(np.ones(3)).cholesky(), tg.ShapeError,
     ("cholesky", "(3,)")),
    ("cholesky not positive-definite", lambda: Tensor(np.diag([1.0, -1.0])).cholesky(),
     tg.linalg.LinAlgError, ("cholesky", "positive-definite")),
    ("cholesky of ints", lambda: Tensor(np.eye(2, dtype=np.int64)).cholesky(), tg.DTypeError,
     ("cholesky", "int64")),
    ("cholesky_solve of a vector", lambda: Tensor(np.ones(3)).cholesky_solve(
        Tensor(np.eye(3))), tg.ShapeError, ("solve_triangular", "(3,)")),
    ("cholesky_inverse of a vector", lambda: Tensor(np.ones(3)).cholesky_inverse(),
     tg.ShapeError, ("cholesky_inverse", "(3,)")),
    ("svd of a vector", lambda: Tensor(np.ones(3)).svd(), tg.ShapeError, ("svd", "(3,)")),
    ("qr of a vector", lambda: Tensor(np.ones(3)).qr(), tg.ShapeError, ("qr", "(3,)")),
    ("matrix_power of a float n", lambda: Tensor(np.eye(2)).matrix_power(1.5),
     tg.ArgumentTypeError, ("matrix_power", "1.5")),
    ("matrix_power of a wide matrix", lambda: Tensor(np.ones((2, 3))).matrix_power(2),
     tg.ShapeError, ("matrix_power", "(2, 3)")),
    ("matrix_exp of a wide matrix", lambda: Tensor(np.ones((2, 3))).matrix_exp(),
     tg.ShapeError, ("matrix_exp", "(2, 3)")),
    ("lu_solve of a vector", lambda: Tensor(np.ones(3)).lu_solve(*Tensor(np.eye(3)).lu()),
     tg.ShapeError, ("lu_solve", "(3,)")),
    ("tg.lu of a vector", lambda: tg.lu(Tensor(np.ones(3))), tg.ShapeError,
     ("lu_factor_ex", "(3,)")),
    ("x.lu pivot=False", lambda: Tensor(np.eye(2)).lu(pivot=False), tg.ArgumentError,
     ("pivot",)),
    ("lu_unpack with float pivots", lambda: tg.lu_unpack(Tensor(np.eye(3)),
                                                         Tensor(np.ones(3))),
     tg.ShapeError, ("lu_unpack", "float")),
]


@pytest.mark.parametrize("call,error,fragments", [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_bad_input_is_refused_with_a_clear_error(call, error, fragments) -> None:
    check_refusal(call, error, fragments)
