"""tg.linalg's factorizations, solvers and matrix functions (cholesky, cholesky_ex, lu,
lu_factor, lu_factor_ex, lu_solve, solve_triangular, qr, svd, svdvals, pinv, lstsq, inv_ex,
solve_ex, matrix_rank, matrix_power, multi_dot, matrix_exp, cond, vander, tensorinv,
tensorsolve, and the top-level cholesky_solve, svd, ...) and the norms' gradients at zero
as PyTorch's: every
differentiable result passes gradcheck (reverse mode and the jvp) and gradgradcheck and
agrees with PyTorch in float64 in values and gradients, on Hypothesis-drawn matrices with a
well separated spectrum (tinygrad_bn.testing.strategies.spectral_matrices: the eigen- and
singular-vector adjoints are infinite at repeated values, so the inputs stay away from
them rather than the tolerances growing); then float32 values and dtypes, the integer
results (info, rank), the named tuples, and bad input (a LinAlgError, a RuntimeError as
torch.linalg.LinAlgError, naming the op and the shape)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tests.test_surface_ops22 import check_arrays, check_refusal
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

torch = pytest.importorskip("torch")


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable  # fn(lib, *tensors), lib tg or torch
    inputs: tuple[tuple[tuple[int, ...], str], ...]  # (shape, kind): a spectral_matrices
    # kind ("general", "symmetric", "positive") or "real" (any values: right-hand sides)
    torch_gradients: bool = True  # False where PyTorch refuses to differentiate fn


def _sym(lib, a):
    """The symmetric part: PyTorch's cholesky gradient assumes a symmetric input (ours is
    the derivative through the lower triangle that is read); on sym(a) both agree."""
    return (a + a.transpose(-1, -2)) * 0.5


def _rebuild(svd):
    """U diag(S) Vh: each singular pair's sign cancels."""
    return (svd.U * svd.S.unsqueeze(-2)) @ svd.Vh


G, S, P, R = "general", "symmetric", "positive", "real"

CASES = [
    Case("cholesky (batch)", lambda lib, a: lib.linalg.cholesky(_sym(lib, a)),
         (((2, 3, 3), P),)),
    Case("cholesky upper", lambda lib, a: lib.linalg.cholesky(_sym(lib, a), upper=True),
         (((3, 3), P),)),
    Case("cholesky_ex L", lambda lib, a: lib.linalg.cholesky_ex(_sym(lib, a)).L,
         (((4, 4), P),)),
    Case("solve_triangular upper", lambda lib, a, b: lib.linalg.solve_triangular(
        a, b, upper=True), (((3, 3), G), ((3, 2), R))),
    Case("solve_triangular lower (broadcast B)", lambda lib, a, b: lib.linalg.solve_triangular(
        a, b, upper=False), (((2, 3, 3), G), ((3, 4), R))),
    Case("solve_triangular left=False unitriangular", lambda lib, a, b:
         lib.linalg.solve_triangular(a, b, upper=True, left=False, unitriangular=True),
         (((3, 3), G), ((2, 2, 3), R))),
    Case("qr Q (tall)", lambda lib, a: lib.linalg.qr(a).Q, (((4, 3), G),)),
    Case("qr R (tall, batch)", lambda lib, a: lib.linalg.qr(a).R, (((2, 4, 3), G),)),
    Case("qr (square)", lambda lib, a: lib.linalg.qr(a).Q * 2 + lib.linalg.qr(a).R,
         (((3, 3), G),)),
    Case("qr (wide)", lambda lib, a: lib.linalg.qr(a).Q.sum(-1, keepdim=True) *
         lib.linalg.qr(a).R, (((2, 4), G),)),
    Case("qr complete (wide)", lambda lib, a: lib.linalg.qr(a, "complete").R,
         (((2, 3, 4), G),)),
    Case("qr mode r", lambda lib, a: lib.linalg.qr(a, mode="r").R, (((4, 3), G),), False),
    Case("svd U (tall, sign-free)", lambda lib, a: lib.linalg.svd(a, False).U ** 2,
         (((4, 3), G),)),
    Case("svd Vh (tall, sign-free)", lambda lib, a: lib.linalg.svd(a, False).Vh ** 2,
         (((2, 4, 3), G),)),
    Case("svd U (wide, sign-free)", lambda lib, a: lib.linalg.svd(a, False).U ** 2,
         (((3, 4), G),)),
    Case("svd Vh (wide, sign-free)", lambda lib, a: lib.linalg.svd(a, False).Vh ** 2,
         (((3, 4), G),)),
    Case("svd (full, tall, rebuilt)", lambda lib, a: _rebuild(lib.linalg.svd(a, False)) +
         lib.linalg.svd(a).U[..., :3] ** 2, (((4, 3), G),)),
    Case("svd (square, rebuilt)", lambda lib, a: _rebuild(lib.linalg.svd(a)),
         (((2, 3, 3), G),)),
    Case("svd S", lambda lib, a: lib.linalg.svd(a).S, (((3, 4), G),)),
    Case("pinv (tall)", lambda lib, a: lib.linalg.pinv(a), (((4, 3), G),)),
    Case("pinv (wide, batch)", lambda lib, a: lib.linalg.pinv(a), (((2, 2, 4), G),)),
    Case("pinv hermitian", lambda lib, a: lib.linalg.pinv(_sym(lib, a), hermitian=True),
         (((3, 3), S),)),
    Case("lstsq (tall)", lambda lib, a, b: lib.linalg.lstsq(a, b).solution,
         (((4, 3), G), ((4, 2), R))),
    Case("lstsq (wide, vector B)", lambda lib, a, b: lib.linalg.lstsq(a, b).solution,
         (((2, 4), G), ((2,), R))),
    Case("lstsq gelsd residuals", lambda lib, a, b: lib.linalg.lstsq(
        a, b, driver="gelsd").residuals, (((2, 4, 3), G), ((2, 4, 2), R))),
    Case("inv_ex inverse", lambda lib, a: lib.linalg.inv_ex(a).inverse, (((2, 3, 3), G),)),
    Case("matrix_power 3 (batch)", lambda lib, a: lib.linalg.matrix_power(a, 3),
         (((2, 3, 3), G),)),
    Case("matrix_power -2", lambda lib, a: lib.linalg.matrix_power(a, -2), (((3, 3), G),)),
    Case("multi_dot (vectors at the ends)", lambda lib, a, b, c, d: lib.linalg.multi_dot(
        [a, b, c, d]), (((3,), R), ((3, 4), R), ((4, 2), R), ((2,), R))),
    Case("multi_dot (matrices)", lambda lib, a, b, c: lib.linalg.multi_dot((a, b, c)),
         (((2, 5), R), ((5, 1), R), ((1, 3), R))),
    Case("matrix_exp (batch)", lambda lib, a: lib.linalg.matrix_exp(a), (((2, 3, 3), R),)),
    Case("matrix_exp (norm > 1: squarings)", lambda lib, a: lib.linalg.matrix_exp(a * 2),
         (((3, 3), G),)),
    Case("cond (tall)", lambda lib, a: lib.linalg.cond(a), (((4, 3), G),)),
    Case("cond -2 (batch)", lambda lib, a: lib.linalg.cond(a, -2), (((2, 3, 3), G),)),
    Case("cond nuc", lambda lib, a: lib.linalg.cond(a, "nuc"), (((3, 3), G),)),
    # PyTorch's backward of cond('fro') and cond(1) fails (an in-place write to inv_ex's
    # saved output): ours is checked numerically
    Case("cond fro", lambda lib, a: lib.linalg.cond(a, "fro"), (((3, 3), G),), False),
    Case("cond 1", lambda lib, a: lib.linalg.cond(a, 1), (((2, 3, 3), G),), False),
    Case("vander", lambda lib, x: lib.linalg.vander(x), (((2, 3), R),)),
    Case("vander N (at 0)", lambda lib, x: lib.linalg.vander(x * 0, N=4), (((3,), R),)),
    Case("solve_ex", lambda lib, a, b: lib.linalg.solve_ex(a, b).result,
         (((2, 3, 3), G), ((3,), R))),
    Case("tensorinv", lambda lib, a: lib.linalg.tensorinv(a.reshape(2, 2, 4), ind=2),
         (((4, 4), G),)),
    Case("tensorsolve (dims)", lambda lib, a, b: lib.linalg.tensorsolve(
        a.reshape(6, 2, 3), b.reshape(2, 3), dims=(0,)), (((6, 6), G), ((6,), R))),
    Case("svdvals (batch, tall)", lambda lib, a: lib.linalg.svdvals(a), (((2, 4, 3), G),)),
    # (full rank, and pivots without ties, which would switch the row order)
    Case("lu L, U (square, batch)", lambda lib, a: lib.linalg.lu(a).L * 2 + lib.linalg.lu(a).U,
         (((2, 3, 3), G),)),
    Case("lu (tall)", lambda lib, a: lib.linalg.lu(a).L.sum(-1) + lib.linalg.lu(a).U.sum(),
         (((4, 3), G),)),
    Case("lu (wide)", lambda lib, a: lib.linalg.lu(a).U * 2 + lib.linalg.lu(a).L.sum(),
         (((2, 4), G),)),
    Case("lu_factor LU", lambda lib, a: lib.linalg.lu_factor(a).LU, (((3, 3), G),)),
    *[Case(f"lu_solve left={left} adjoint={adjoint}", lambda lib, a, b, left=left,
           adjoint=adjoint: lib.linalg.lu_solve(*lib.linalg.lu_factor(a), b, left=left,
                                                adjoint=adjoint),
           (((2, 3, 3), G), ((3, 3), R))) for left in (True, False) for adjoint in (True, False)],
    # PyTorch's top-level spellings (tinygrad_bn/tensor_methods/decompositions.py)
    Case("cholesky (top level, upper)", lambda lib, a: lib.cholesky(_sym(lib, a), upper=True),
         (((3, 3), P),)),
    Case("cholesky_solve", lambda lib, b, a: lib.cholesky_solve(
        b, lib.linalg.cholesky(_sym(lib, a))), (((2, 3, 2), R), ((3, 3), P))),
    Case("cholesky_solve upper", lambda lib, b, a: lib.cholesky_solve(
        b, lib.linalg.cholesky(_sym(lib, a), upper=True), upper=True),
         (((3, 1), R), ((3, 3), P))),
    Case("cholesky_inverse", lambda lib, a: lib.cholesky_inverse(
        lib.linalg.cholesky(_sym(lib, a))), (((2, 3, 3), P),)),
    Case("svd (top level: U, S)", lambda lib, a: lib.svd(a).U ** 2 + lib.svd(a).S.sum(),
         (((4, 3), G),)),
    Case("svd (top level: V)", lambda lib, a: lib.svd(a).V ** 2, (((4, 3), G),)),
    Case("qr (top level, some=False)", lambda lib, a: lib.qr(a, some=False).R,
         (((3, 4), G),)),
    Case("pinverse", lambda lib, a: lib.pinverse(a), (((2, 4), G),)),
    Case("triangular_solve (transpose)", lambda lib, b, a: lib.triangular_solve(
        b, a, upper=False, transpose=True).solution, (((3, 2), R), ((3, 3), G))),
    Case("triangular_solve (coefficient)", lambda lib, b, a: lib.triangular_solve(
        b, a).cloned_coefficient * 2, (((3, 2), R), ((3, 3), G))),
    Case("chain_matmul / matrix_power / matrix_exp", lambda lib, a, b: lib.chain_matmul(
        a, b, b.mT) + lib.matrix_power(a, 2) + lib.matrix_exp(a), (((3, 3), R), ((3, 2), R))),
]


def _draw(data, case: Case) -> list[np.ndarray]:
    return [data.draw(tst.arrays(shape, min_value=-2.0, max_value=2.0)) if kind == R
            else data.draw(tst.spectral_matrices(shape, kind=kind)) for shape, kind in case.inputs]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
@settings(max_examples=3)
@given(data=st.data())
def test_gradients_and_pytorch_agree(case: Case, data) -> None:
    check_arrays(case.fn, _draw(data, case), case.torch_gradients)


def _fixed(shape, kind, seed):
    """A matrix with spectrum 1.5, 2.5, ... (kind as spectral_matrices), from a seed."""
    rng = np.random.default_rng(seed)
    *batch, m, n = shape
    k = min(m, n)
    q = lambda size: np.linalg.qr(rng.normal(size=(*batch, size, size)))[0]  # noqa: E731
    ladder = np.arange(k, 0, -1) + 0.5
    if kind == G:
        return (q(m)[..., :k] * ladder) @ np.swapaxes(q(n)[..., :k], -1, -2)
    v = q(n)
    return (v * (ladder if kind == P else ladder * (-1) ** np.arange(k))) @ \
        np.swapaxes(v, -1, -2)


FLOAT32 = [
    ("cholesky", lambda lib, a, s, p, b: lib.linalg.cholesky(p)),
    ("cholesky_ex", lambda lib, a, s, p, b: lib.linalg.cholesky_ex(p, upper=True).L),
    ("solve_triangular", lambda lib, a, s, p, b: lib.linalg.solve_triangular(a, b, upper=True)),
    ("qr Q", lambda lib, a, s, p, b: lib.linalg.qr(a).Q),
    ("qr R complete", lambda lib, a, s, p, b: lib.linalg.qr(a, mode="complete").R),
    ("svd", lambda lib, a, s, p, b: _rebuild(lib.linalg.svd(a))),
    ("svd S", lambda lib, a, s, p, b: lib.linalg.svd(a, full_matrices=False).S),
    ("pinv", lambda lib, a, s, p, b: lib.linalg.pinv(a)),
    ("pinv atol", lambda lib, a, s, p, b: lib.linalg.pinv(a, atol=2.0)),
    ("pinv rtol", lambda lib, a, s, p, b: lib.linalg.pinv(s, rtol=0.5, hermitian=True)),
    ("lstsq", lambda lib, a, s, p, b: lib.linalg.lstsq(a, b).solution),
    ("matrix_rank", lambda lib, a, s, p, b: lib.linalg.matrix_rank(a, atol=2.0)),
    ("matrix_rank hermitian", lambda lib, a, s, p, b: lib.linalg.matrix_rank(
        s, rtol=0.4, hermitian=True)),
    ("matrix_power", lambda lib, a, s, p, b: lib.linalg.matrix_power(s, 2)),
    ("inv_ex", lambda lib, a, s, p, b: lib.linalg.inv_ex(s).inverse),
    ("multi_dot", lambda lib, a, s, p, b: lib.linalg.multi_dot([s[0], a[1], b[0]])),
    ("matrix_exp", lambda lib, a, s, p, b: lib.linalg.matrix_exp(a)),
    ("cond", lambda lib, a, s, p, b: lib.linalg.cond(a)),
    ("cond inf", lambda lib, a, s, p, b: lib.linalg.cond(s, float("inf"))),
    ("vander", lambda lib, a, s, p, b: lib.linalg.vander(b[..., 0], N=3)),
    ("solve_ex", lambda lib, a, s, p, b: lib.linalg.solve_ex(a, b, left=True).result),
    ("tensorinv", lambda lib, a, s, p, b: lib.linalg.tensorinv(s[0], ind=1)),
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_values_and_dtypes_match_pytorch(dtype) -> None:
    """float32 and float64 results (the integer ones included) as PyTorch's, batched."""
    arrays = [_fixed((2, 3, 3), G, 1), _fixed((2, 3, 3), S, 2), _fixed((2, 3, 3), P, 3),
              np.random.default_rng(4).normal(size=(2, 3, 2))]
    tol = 1e-5 if dtype == "float32" else 1e-12
    for name, call in FLOAT32:
        ours = call(tg, *[Tensor(a.astype(dtype)) for a in arrays])
        theirs = call(torch, *[torch.tensor(a.astype(dtype)) for a in arrays])
        assert ours.dtype == theirs.numpy().dtype, (name, ours.dtype, theirs.dtype)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=tol, atol=tol, err_msg=name)


def test_named_tuples_and_shapes_as_pytorch() -> None:
    a = _fixed((2, 4, 3), G, 5)
    for call in [lambda lib, a: lib.svd(a), lambda lib, a: lib.svd(a, some=False),
                 lambda lib, a: lib.svd(a.mT, compute_uv=False), lambda lib, a: lib.qr(a),
                 lambda lib, a: lib.triangular_solve(a[..., :3, :], a[..., 1:, :]),
                 lambda lib, a: lib.linalg.solve_ex(a[..., :3, :3], a[..., :3, :]),
                 lambda lib, a: lib.linalg.qr(a), lambda lib, a: lib.linalg.qr(a, "complete"),
                 lambda lib, a: lib.linalg.qr(a, "r"), lambda lib, a: lib.linalg.qr(a.mT),
                 lambda lib, a: lib.linalg.svd(a), lambda lib, a: lib.linalg.svd(a.mT, False),
                 lambda lib, a: lib.linalg.cholesky_ex(a.mT @ a),
                 lambda lib, a: lib.linalg.lu(a), lambda lib, a: lib.linalg.lu_factor(a.mT),
                 lambda lib, a: lib.linalg.lu_factor_ex(a),
                 lambda lib, a: lib.linalg.inv_ex(a.mT @ a),
                 *[lambda lib, a, d=d: lib.linalg.lstsq(a, a[..., :2], driver=d)
                   for d in (None, "gels", "gelsy", "gelsd", "gelss")],
                 lambda lib, a: lib.linalg.lstsq(a.mT, a[..., 0, :], driver="gelsd")]:
        ours, theirs = call(tg, Tensor(a)), call(torch, torch.tensor(a))
        assert type(ours).__name__ == type(theirs).__name__
        assert type(ours) is getattr(tg.return_types, type(theirs).__name__)
        for field in ours._fields:
            x, y = getattr(ours, field), getattr(theirs, field)
            assert x.shape == tuple(y.shape) and x.dtype == y.numpy().dtype, (ours, theirs)


def test_info_of_the_failed_matrices_as_pytorch() -> None:
    """cholesky_ex and inv_ex: info per matrix (the order of the first minor that is not
    positive-definite, LAPACK's first zero pivot); the other matrices' results as
    PyTorch's, the failed ones NaN."""
    good = _fixed((3, 3), P, 6)
    not_pd = np.diag([1.0, -2.0, 3.0])
    late = np.array([[2.0, 1.0, 0.0], [1.0, 2.0, 1.0], [0.0, 1.0, -4.0]])
    singular = np.array([[1.0, 2.0, 0.0], [2.0, 4.0, 1.0], [0.0, 1.0, 1.0]])
    for batch, call in [(np.stack([good, not_pd, late]), lambda lib, x: lib.linalg.cholesky_ex(x)),
                        (np.stack([singular, good, np.zeros((3, 3))]),
                         lambda lib, x: lib.linalg.inv_ex(x)),
                        (np.stack([singular, good, np.zeros((3, 3))]),
                         lambda lib, x: lib.linalg.solve_ex(x, lib.ones(3, 2, dtype=x.dtype)))]:
        ours, theirs = call(tg, Tensor(batch)), call(torch, torch.tensor(batch))
        np.testing.assert_array_equal(ours[1].data, theirs[1].numpy())
        assert ours[1].dtype == np.int32
        ok = theirs[1].numpy() == 0
        np.testing.assert_allclose(ours[0].data[ok], theirs[0].numpy()[ok], rtol=1e-12)
        assert np.isnan(ours[0].data[~ok]).all()


def test_solve_triangular_gives_inf_at_a_zero_diagonal_as_pytorch() -> None:
    t = np.array([[0.0, 0.0], [1.0, 1.0]])
    ours = tg.linalg.solve_triangular(Tensor(t), Tensor(np.ones((2, 1))), upper=False)
    theirs = torch.linalg.solve_triangular(torch.tensor(t), torch.ones(2, 1, dtype=torch.float64),
                                           upper=False)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_rank_deficient_least_squares_and_rank_as_pytorch() -> None:
    """A rank-2 (4, 3) matrix: the minimum-norm solution, pinv and the rank."""
    a = _fixed((4, 3), G, 7)
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    a = (u[:, :2] * s[:2]) @ vh[:2]
    b = np.random.default_rng(8).normal(size=(4, 2))
    for call in [lambda lib, a, b: lib.linalg.lstsq(a, b, driver="gelsd").solution,
                 lambda lib, a, b: lib.linalg.lstsq(a, b).rank,
                 lambda lib, a, b: lib.linalg.pinv(a),
                 lambda lib, a, b: lib.linalg.matrix_rank(a),
                 lambda lib, a, b: lib.linalg.matrix_rank(a.mT @ a, hermitian=True),
                 lambda lib, a, b: lib.linalg.pinv(a.mT @ a, hermitian=True)]:
        ours, theirs = call(tg, Tensor(a), Tensor(b)), call(torch, torch.tensor(a),
                                                            torch.tensor(b))
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_norms_at_zero_give_pytorchs_values_and_gradients() -> None:
    """p-norms of the zero vector and of vectors with a zero element (p < 1 and p < 0
    included: the power's derivative is inf or NaN there), an empty dim (every axis), and
    the spectral and nuclear norms of the zero matrix (a subgradient, LAPACK's vectors):
    PyTorch's values and gradients, no NaN."""
    calls = [lambda lib, x, p=p, dim=dim: lib.linalg.vector_norm(x, p, dim)
             for p in (3, 0.5, 1.5, -1, -2.5, 2, 1) for dim in (None, (), 1)]
    calls += [lambda lib, x, o=o: lib.linalg.matrix_norm(x, o) for o in (2, -2, "nuc")]
    calls += [lambda lib, x: lib.linalg.svdvals(x), lambda lib, x: x.norm(p=3, dim=0)]
    for x in (np.zeros((2, 3)), np.array([[0.0, 1.0, -2.0], [0.5, 0.0, 0.0]])):
        for k, call in enumerate(calls):
            ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
            out, expected = call(tg, ours), call(torch, theirs)
            np.testing.assert_allclose(out.data, expected.detach().numpy(), err_msg=str(k))
            out.sum().backward()
            expected.sum().backward()
            np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), err_msg=str(k))
    x = Tensor(np.array([[0.0, 1.0, -2.0], [0.5, 0.3, 0.0]]), requires_grad=True)
    assert tg.gradgradcheck(lambda t: tg.linalg.vector_norm(t, 3, 1), [x])


def test_cond_of_a_singular_matrix_is_inf_as_pytorch() -> None:
    a = np.stack([np.eye(3), np.ones((3, 3))])
    for p in ("fro", "nuc", 1, -1, float("inf"), float("-inf")):
        ours, theirs = tg.linalg.cond(Tensor(a), p), torch.linalg.cond(torch.tensor(a), p)
        np.testing.assert_allclose(ours.data, theirs.numpy(), err_msg=str(p))


EDGE_CALLS = [
    lambda lib, a: lib.linalg.cholesky(a), lambda lib, a: lib.linalg.cholesky_ex(a).L,
    lambda lib, a: lib.linalg.cholesky_ex(a).info, lambda lib, a: lib.linalg.qr(a).R,
    lambda lib, a: lib.linalg.qr(a, "complete").Q, lambda lib, a: lib.linalg.svd(a).U,
    lambda lib, a: lib.linalg.svdvals(a), lambda lib, a: lib.linalg.pinv(a),
    lambda lib, a: lib.linalg.lstsq(a, a).solution, lambda lib, a: lib.linalg.matrix_rank(a),
    lambda lib, a: lib.linalg.inv_ex(a).info, lambda lib, a: lib.linalg.solve_ex(a, a).result,
    lambda lib, a: lib.linalg.solve_triangular(a, a, upper=True),
    lambda lib, a: lib.linalg.matrix_exp(a), lambda lib, a: lib.linalg.cond(a),
    lambda lib, a: lib.linalg.matrix_power(a, 3), lambda lib, a: lib.cholesky_inverse(a),
]


@pytest.mark.parametrize("shape", [(0, 0), (2, 0, 0), (0, 3, 3), "nan"])
def test_empty_and_nan_matrices_as_pytorch(shape) -> None:
    """Matrices without elements (and batches without matrices) give PyTorch's shapes and
    values; a NaN gives PyTorch's shape (where NaN spreads differs between LAPACKs) or its
    LinAlgError where it refuses, never a NumPy error."""
    a = np.array([[1.0, 0.0], [0.0, np.nan]]) if shape == "nan" else np.zeros(shape)
    for k, call in enumerate(EDGE_CALLS):
        try:
            expected = call(torch, torch.tensor(a)).numpy()
        except RuntimeError:
            with pytest.raises(tg.linalg.LinAlgError):
                call(tg, Tensor(a))
            continue
        out = call(tg, Tensor(a))
        assert out.shape == expected.shape and out.dtype == expected.dtype, k
        if shape != "nan" or k in (2, 10):  # info: 2 (the order of the NaN minor), 0
            np.testing.assert_allclose(out.data, expected, err_msg=str(k))


def test_cholesky_gradient_reads_the_lower_triangle() -> None:
    """Only the lower triangle is read: the gradient of the strict upper one is 0 (the true
    derivative, checked numerically), and its symmetric part is PyTorch's gradient."""
    a = _fixed((3, 3), P, 9)
    a[0, 2] += 5.0  # the upper triangle differs: it must not matter
    x = Tensor(a, requires_grad=True)
    assert tg.gradcheck(lambda t: tg.linalg.cholesky(t), [x])
    assert tg.gradgradcheck(lambda t: tg.linalg.cholesky(t, upper=True), [x])
    up = np.random.default_rng(1).normal(size=(3, 3))
    (tg.linalg.cholesky(x) * Tensor(up)).sum().backward()
    assert (x.grad.data[np.triu_indices(3, 1)] == 0).all()
    y = torch.tensor(a, requires_grad=True)
    (torch.linalg.cholesky(y) * torch.tensor(up)).sum().backward()
    g = x.grad.data
    np.testing.assert_allclose((g + g.T) / 2, y.grad.numpy(), rtol=1e-10)


def test_complete_q_of_a_tall_matrix_has_no_derivative_as_pytorch() -> None:
    """Its last columns are any basis of a complement: backward and the jvp refuse, as
    PyTorch's do; R's gradient (that of the reduced R) is given in reverse mode."""
    a = Tensor(_fixed((4, 3), G, 10), requires_grad=True)
    q, r = tg.linalg.qr(a, mode="complete")
    np.testing.assert_allclose(q.data, torch.linalg.qr(torch.tensor(a.data), "complete").Q,
                               rtol=1e-12, atol=1e-12)
    with pytest.raises(tg.BackwardError, match="mode='complete' and nrows > ncols"):
        q.sum().backward()
    with pytest.raises(tg.BackwardError, match="mode='complete' and nrows > ncols"):
        tg.jvp(lambda t: tg.linalg.qr(t, mode="complete").R, a, Tensor(np.ones((4, 3))))
    assert tg.gradcheck(lambda t: tg.linalg.qr(t, mode="complete").R, [a],
                        check_forward_ad=False)


def test_linalg_error_is_pytorchs() -> None:
    """LinAlgError: a TinygradError and a RuntimeError, as torch.linalg.LinAlgError."""
    assert issubclass(tg.linalg.LinAlgError, tg.TinygradError)
    assert issubclass(tg.linalg.LinAlgError, RuntimeError)
    assert issubclass(torch.linalg.LinAlgError, RuntimeError)
    for call in [lambda lib: lib.linalg.inv(lib.zeros(2, 2)),
                 lambda lib: lib.linalg.cholesky(-lib.eye(2)),
                 lambda lib: lib.linalg.solve(lib.zeros(2, 2), lib.ones(2))]:
        with pytest.raises(torch.linalg.LinAlgError):
            call(torch)
        with pytest.raises(tg.linalg.LinAlgError):
            call(tg)


def _m(*shape):
    return tg.ones(*shape)


BAD = [
    ("cholesky not positive-definite", lambda: tg.linalg.cholesky(Tensor(np.diag([1., -1.]))),
     tg.linalg.LinAlgError, ("linalg.cholesky", "(2, 2)", "positive-definite", "order 2")),
    ("cholesky batch element", lambda: tg.linalg.cholesky(Tensor(np.stack(
        [np.eye(2), -np.eye(2)]))), tg.linalg.LinAlgError, ("batch element 1", "order 1")),
    ("cholesky non-square", lambda: tg.linalg.cholesky(_m(3, 2)), tg.ShapeError,
     ("linalg.cholesky", "(3, 2)")),
    ("cholesky int", lambda: tg.linalg.cholesky(tg.tensor([[1]])), tg.DTypeError,
     ("cholesky", "int64")),
    ("cholesky_ex check_errors", lambda: tg.linalg.cholesky_ex(-tg.eye(2), check_errors=True),
     tg.linalg.LinAlgError, ("linalg.cholesky_ex", "positive-definite")),
    ("inv_ex check_errors", lambda: tg.linalg.inv_ex(tg.zeros(2, 3, 3), check_errors=True),
     tg.linalg.LinAlgError, ("linalg.inv_ex", "batch element 0", "singular")),
    ("inv batch singular", lambda: tg.linalg.inv(Tensor(np.stack([np.eye(2), np.ones((2, 2))]))),
     tg.linalg.LinAlgError, ("inverse", "batch element 1", "(2, 2, 2)")),
    ("solve_triangular 1-d B", lambda: tg.linalg.solve_triangular(tg.eye(3), _m(3), upper=True),
     tg.ShapeError, ("linalg.solve_triangular", "(3,)")),
    ("solve_triangular rows", lambda: tg.linalg.solve_triangular(tg.eye(3), _m(2, 1),
                                                                 upper=True),
     tg.ShapeError, ("solve_triangular", "(3, 3)", "(2, 1)")),
    ("solve_triangular dtypes", lambda: tg.linalg.solve_triangular(
        tg.eye(2), Tensor(np.ones((2, 1))), upper=True), tg.DTypeError, ("float32", "float64")),
    ("solve_triangular batch", lambda: tg.linalg.solve_triangular(
        _m(2, 3, 3), _m(4, 3, 1), upper=False), tg.ShapeError, ("broadcast",)),
    ("solve_triangular upper missing", lambda: tg.linalg.solve_triangular(tg.eye(2), _m(2, 1)),
     TypeError, ("upper",)),
    ("qr mode", lambda: tg.linalg.qr(_m(3, 2), mode="full"), tg.ArgumentError,
     ("linalg.qr", "'full'", "reduced")),
    ("qr 1-d", lambda: tg.linalg.qr(_m(3)), tg.ShapeError, ("linalg.qr", "(3,)")),
    ("svd driver", lambda: tg.linalg.svd(_m(2, 2), driver="gesvd"), tg.ArgumentError,
     ("linalg.svd", "CUDA")),
    ("svd int", lambda: tg.linalg.svd(tg.tensor([[1, 2]])), tg.DTypeError, ("svd", "int64")),
    ("pinv 1-d", lambda: tg.linalg.pinv(_m(3)), tg.ShapeError, ("linalg.pinv", "(3,)")),
    ("pinv atol shape", lambda: tg.linalg.pinv(_m(2, 3, 3), atol=np.ones(4)), tg.ShapeError,
     ("linalg.pinv", "atol", "(4,)", "(2,)")),
    ("matrix_rank 1-d", lambda: tg.linalg.matrix_rank(_m(3)), tg.ShapeError,
     ("linalg.matrix_rank", "(3,)")),
    ("lstsq driver", lambda: tg.linalg.lstsq(_m(3, 2), _m(3, 1), driver="qr"), tg.ArgumentError,
     ("linalg.lstsq", "'qr'", "gelsy")),
    ("lstsq rows", lambda: tg.linalg.lstsq(_m(3, 2), _m(4, 1)), tg.ShapeError,
     ("linalg.lstsq", "(3, 2)", "(4, 1)")),
    ("lstsq gels rank", lambda: tg.linalg.lstsq(_m(3, 2), _m(3, 1), driver="gels"),
     tg.linalg.LinAlgError, ("linalg.lstsq", "full rank")),
    ("matrix_power non-square", lambda: tg.linalg.matrix_power(_m(3, 2), 2), tg.ShapeError,
     ("linalg.matrix_power", "(3, 2)")),
    ("matrix_power n", lambda: tg.linalg.matrix_power(_m(2, 2), 1.5), tg.ArgumentTypeError,
     ("matrix_power", "1.5")),
    ("matrix_power singular", lambda: tg.linalg.matrix_power(_m(2, 2), -1),
     tg.linalg.LinAlgError, ("singular",)),
    ("multi_dot one", lambda: tg.linalg.multi_dot([_m(3)]), tg.ArgumentError,
     ("linalg.multi_dot", "at least 2", "1")),
    ("multi_dot tensor", lambda: tg.linalg.multi_dot(_m(2, 2)), tg.ArgumentTypeError,
     ("multi_dot", "list")),
    ("multi_dot middle", lambda: tg.linalg.multi_dot([_m(2), _m(2), _m(2)]), tg.ShapeError,
     ("multi_dot", "tensor 1", "2-d")),
    ("multi_dot shapes", lambda: tg.linalg.multi_dot([_m(3, 2), _m(3, 2)]), tg.ShapeError,
     ("multi_dot", "(3, 2)", "cannot be multiplied")),
]


BAD += [
    ("matrix_exp non-square", lambda: tg.linalg.matrix_exp(_m(2, 3)), tg.ShapeError,
     ("linalg.matrix_exp", "(2, 3)")),
    ("cond p", lambda: tg.linalg.cond(_m(2, 2), 3), tg.ArgumentError, ("linalg.cond", "3")),
    ("cond fro rectangular", lambda: tg.linalg.cond(_m(2, 3), "fro"), tg.ShapeError,
     ("linalg.cond", "square", "(2, 3)")),
    ("vander 0-d", lambda: tg.linalg.vander(tg.tensor(1.0)), tg.ArgumentError,
     ("linalg.vander", "N", "()")),
    ("vander N=1", lambda: tg.linalg.vander(_m(3), N=1), tg.ArgumentError,
     ("linalg.vander", "N=1")),
    ("vander N", lambda: tg.linalg.vander(_m(3), N=0), tg.ArgumentError, ("vander", "N", "0")),
    ("solve_ex check_errors", lambda: tg.linalg.solve_ex(tg.zeros(2, 2), _m(2),
                                                         check_errors=True),
     tg.linalg.LinAlgError, ("linalg.solve", "singular")),
    ("tensorinv ind", lambda: tg.linalg.tensorinv(_m(2, 2), ind=3), tg.ArgumentError,
     ("linalg.tensorinv", "ind", "3")),
    ("tensorinv shape", lambda: tg.linalg.tensorinv(_m(2, 3, 4), ind=1), tg.ShapeError,
     ("linalg.tensorinv", "(2, 3, 4)")),
    ("tensorsolve shapes", lambda: tg.linalg.tensorsolve(_m(2, 3, 4), _m(3)), tg.ShapeError,
     ("linalg.tensorsolve", "(2, 3, 4)", "(3,)")),
    ("cholesky_solve 1-d L", lambda: tg.cholesky_solve(_m(3, 1), _m(3)), tg.ShapeError,
     ("cholesky_solve", "(3,)")),
    ("cholesky_inverse int", lambda: tg.cholesky_inverse(tg.tensor([[1]])), tg.DTypeError,
     ("cholesky_inverse", "int64")),
    ("svd (top level) 1-d", lambda: tg.svd(_m(3)), tg.ShapeError, ("svd", "(3,)")),
    ("qr (top level) 1-d", lambda: tg.qr(_m(3)), tg.ShapeError, ("linalg.qr", "(3,)")),
    ("pinverse 1-d", lambda: tg.pinverse(_m(3)), tg.ShapeError, ("linalg.pinv", "(3,)")),
    ("triangular_solve rows", lambda: tg.triangular_solve(_m(2, 1), tg.eye(3)), tg.ShapeError,
     ("solve_triangular", "(3, 3)", "(2, 1)")),
    ("chain_matmul shapes", lambda: tg.chain_matmul(_m(2, 3), _m(2, 3)), tg.ShapeError,
     ("multi_dot", "cannot be multiplied")),
    ("matrix_power (top level)", lambda: tg.matrix_power(_m(2, 3), 2), tg.ShapeError,
     ("matrix_power", "(2, 3)")),
    ("matrix_exp (top level)", lambda: tg.matrix_exp(_m(2, 3)), tg.ShapeError,
     ("matrix_exp", "(2, 3)")),
    ("lu pivot=False", lambda: tg.linalg.lu(_m(2, 2), pivot=False), tg.ArgumentError,
     ("linalg.lu", "pivot")),
    ("lu 1-d", lambda: tg.linalg.lu(_m(3)), tg.ShapeError, ("linalg.lu", "(3,)")),
    ("lu_factor singular", lambda: tg.linalg.lu_factor(tg.zeros(2, 2)), tg.linalg.LinAlgError,
     ("linalg.lu_factor", "U[0,0]", "singular")),
    ("lu_factor_ex check_errors", lambda: tg.linalg.lu_factor_ex(tg.zeros(3, 2, 2),
                                                                 check_errors=True),
     tg.linalg.LinAlgError, ("lu_factor_ex", "batch element 0")),
    ("lu_solve pivots", lambda: tg.linalg.lu_solve(tg.eye(3), tg.ones(3), _m(3, 1)),
     tg.ShapeError, ("linalg.lu_solve", "pivots", "float32")),
    ("lu_solve LU", lambda: tg.linalg.lu_solve(_m(2, 3), tg.tensor([1, 2]), _m(2, 1)),
     tg.ShapeError, ("linalg.lu_solve", "square", "(2, 3)")),
    ("lu_solve 1-d B", lambda: tg.linalg.lu_solve(tg.eye(2), tg.tensor([1, 2]), _m(2)),
     tg.ShapeError, ("linalg.lu_solve", "(2,)")),
]


@pytest.mark.parametrize("call, error, fragments", [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_input_raises_a_project_error_naming_the_op(call, error, fragments) -> None:
    check_refusal(call, error, fragments)
