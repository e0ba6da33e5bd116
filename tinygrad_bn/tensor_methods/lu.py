"""The LU factorization of tg.linalg, PyTorch's: lu (P, L, U), lu_factor and lu_factor_ex
(LAPACK's packed LU and 1-based pivots), lu_solve.

The pivots come from partial pivoting in NumPy (ops/decompositions.py: eliminate) and are
piecewise constant; the factors are ops of the permuted matrix X = P^T A (LUFactorL,
LUFactorU: no pivoting, their adjoints in docs/linalg.md). A tall A is [X1; X2] with X1
square: X1 = L1 U, L = [L1; X2 U^{-1}]; a wide A is [X1 | X2]: X1 = L U1, U = [U1 |
L^{-1} X2]: composites, so every gradient follows.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import as_tensor, is_tensor, new_tensor
from ..errors import ArgumentError, LinAlgError, ShapeError
from ..ops.decompositions import eliminate
from .factorizations import failed_element, matrices
from .reduce import floating
from .solvers import solve_triangular

if TYPE_CHECKING:
    from ..tensor import Tensor


def _permutation(perm: np.ndarray, dtype: Any) -> np.ndarray:
    """P with A = P L U for the row order perm (A[perm] = L U): P[perm[i], i] = 1."""
    m = perm.shape[-1]
    p = np.zeros((*perm.shape, m), dtype=dtype)
    np.put_along_axis(p, perm[..., :, None], 1, axis=-1)
    return np.swapaxes(p, -1, -2)


def _pivots(perm: np.ndarray) -> np.ndarray:
    """LAPACK's 1-based pivots (row j swapped with pivots[j] - 1, in order) of a row order."""
    m = perm.shape[-1]
    flat = perm.reshape(math.prod(perm.shape[:-1]), m)  # (-1 is ambiguous when m = 0)
    out = np.zeros(flat.shape, dtype=np.int32)
    for b, order in enumerate(flat):
        current = list(range(m))  # current[i]: the original row now at i
        where = list(range(m))  # where[r]: the position of original row r
        for j in range(m):
            p = where[order[j]]
            out[b, j] = p + 1
            current[j], current[p] = current[p], current[j]
            where[current[j]], where[current[p]] = j, p
    return out.reshape(perm.shape)


def _perm_of_pivots(pivots: np.ndarray, m: int) -> np.ndarray:
    k = pivots.shape[-1]
    flat = pivots.reshape(math.prod(pivots.shape[:-1]), k).astype(np.int64) - 1
    perm = np.tile(np.arange(m), (len(flat), 1))
    rows = np.arange(len(flat))
    for j in range(k):
        p = flat[:, j]
        perm[rows, j], perm[rows, p] = perm[rows, p].copy(), perm[rows, j].copy()
    return perm.reshape(*pivots.shape[:-1], m)


def permutation_of_pivots(pivots: np.ndarray, m: int, dtype: Any) -> np.ndarray:
    """P (m, m) with A = P L U from LAPACK's 1-based pivots."""
    return _permutation(_perm_of_pivots(pivots, m), dtype)


def _factor(op: str, a: Tensor, pivot: bool) -> tuple[np.ndarray, Tensor, Tensor, np.ndarray]:
    """(perm, L, U, info): A[perm] = L U, L (m, k) unit lower, U (k, n) upper."""
    if not pivot:
        raise ArgumentError(f"{op}: LU without pivoting is not implemented on the CPU "
                            f"(PyTorch's too): pass pivot=True")
    m, n = a.shape[-2:]
    packed, perm = eliminate(a._data, pivoting=True)
    diagonal = np.diagonal(packed, 0, -2, -1)
    zero = diagonal == 0
    info = np.where(zero.any(-1), zero.argmax(-1) + 1, 0).astype(np.int32)
    x = new_tensor(np.swapaxes(_permutation(perm, a.dtype), -1, -2)) @ a  # P^T A
    k = min(m, n)
    square = x[..., :k, :k]
    l, u = ops.LUFactorL.apply(square), ops.LUFactorU.apply(square)
    if m > n:
        lower = solve_triangular(u, x[..., n:, :], upper=True, left=False)
        l = l.pad([(0, 0)] * (a.ndim - 2) + [(0, m - n), (0, 0)]) + \
            lower.pad([(0, 0)] * (a.ndim - 2) + [(n, 0), (0, 0)])
    elif n > m:
        right = solve_triangular(l, x[..., :, m:], upper=False, unitriangular=True)
        u = u.pad([(0, 0)] * (a.ndim - 1) + [(0, n - m)]) + \
            right.pad([(0, 0)] * (a.ndim - 1) + [(m, 0)])
    return perm, l, u, info


def lu(A: Any, *, pivot: bool = True) -> return_types.linalg_lu:  # noqa: N803 (PyTorch's)
    """PyTorch's named tuple (P, L, U), A = P L U with partial pivoting: P (m, m) a
    permutation (A's dtype, no gradient), L (m, k) unit lower, U (k, n) upper, k = min(m, n)."""
    op = "linalg.lu"
    a = matrices(op, A)
    perm, l, u, _ = _factor(op, a, pivot)
    return return_types.linalg_lu(new_tensor(_permutation(perm, a.dtype)), l, u)


def _packed(l: Tensor, u: Tensor, shape: tuple[int, ...]) -> Tensor:
    """LAPACK's packing: L's strict lower part and U in one (m, n) matrix."""
    m, n = shape[-2:]
    k = min(m, n)
    batch = [(0, 0)] * (len(shape) - 2)
    return l.tril(-1).pad(batch + [(0, 0), (0, n - k)]) + u.pad(batch + [(0, m - k), (0, 0)])


def lu_factor_ex(A: Any, *, pivot: bool = True, check_errors: bool = False  # noqa: N803
                 ) -> return_types.linalg_lu_factor_ex:
    """PyTorch's named tuple (LU, pivots, info): the packed factors, LAPACK's 1-based
    pivots (int32), info 0 or the index (from 1) of the first zero on U's diagonal."""
    op = "linalg.lu_factor_ex"
    a = matrices(op, A)
    perm, l, u, info = _factor(op, a, pivot)
    if check_errors and info.any():
        raise LinAlgError(f"{op}: U{failed_element(info)} has a zero on its diagonal (A of "
                          f"shape {a.shape} is singular)")
    pivots = _pivots(perm)[..., :min(a.shape[-2:])]
    return return_types.linalg_lu_factor_ex(_packed(l, u, a.shape), new_tensor(pivots),
                                            new_tensor(info))


def lu_factor(A: Any, *, pivot: bool = True) -> return_types.linalg_lu_factor:  # noqa: N803
    """PyTorch's named tuple (LU, pivots) of lu_factor_ex; a zero on U's diagonal (a
    singular A, useless to lu_solve) raises LinAlgError, as PyTorch's."""
    op = "linalg.lu_factor"
    packed, pivots, info = lu_factor_ex(A, pivot=pivot)
    if info._data.any():
        order = int(info._data.reshape(-1)[np.flatnonzero(info._data.reshape(-1))[0]])
        raise LinAlgError(f"{op}: U[{order - 1},{order - 1}]{failed_element(info._data)} is "
                          f"zero (A of shape {packed.shape} is singular): lu_solve would "
                          f"divide by it; lu_factor_ex or lu factor it anyway")
    return return_types.linalg_lu_factor(packed, pivots)


def lu_solve(LU: Any, pivots: Any, B: Any, *, left: bool = True,  # noqa: N803
             adjoint: bool = False) -> Tensor:
    """X with A X = B (left=False: X A = B; adjoint=True: A^T in place of A), A = P L U
    given by lu_factor's LU and pivots."""
    op = "linalg.lu_solve"
    lu_t, b = matrices(op, LU), floating(op, as_tensor(B))
    n = lu_t.shape[-1]
    if lu_t.shape[-2] != n:
        raise ShapeError(f"{op}: LU must be square (..., n, n), got shape {lu_t.shape}")
    pivots = np.asarray(pivots._data if is_tensor(pivots) else pivots)
    if pivots.shape[-1:] != (n,) or pivots.dtype.kind not in "iu":
        raise ShapeError(f"{op}: pivots must be integers of shape (..., {n}), got "
                         f"{pivots.dtype} {pivots.shape}")
    if b.ndim < 2:
        raise ShapeError(f"{op}: B must have at least 2 dims, got shape {b.shape}")
    p = new_tensor(permutation_of_pivots(pivots, n, lu_t.dtype))
    l, u = lu_t, lu_t

    def lower(x: Tensor, transposed: bool = False, right: bool = False) -> Tensor:
        return solve_triangular(l.mT if transposed else l, x, upper=transposed,
                                left=not right, unitriangular=True)

    def upper(x: Tensor, transposed: bool = False, right: bool = False) -> Tensor:
        return solve_triangular(u.mT if transposed else u, x, upper=not transposed,
                                left=not right)

    if left and not adjoint:  # A X = B: X = U^{-1} L^{-1} P^T B
        return upper(lower(p.mT @ b))
    if left:  # A^T X = B: X = P L^{-T} U^{-T} B
        return p @ lower(upper(b, transposed=True), transposed=True)
    if not adjoint:  # X A = B: X = B U^{-1} L^{-1} P^T
        return lower(upper(b, right=True), right=True) @ p.mT
    # X A^T = B: X = B P L^{-T} U^{-T}
    return upper(lower(b @ p, transposed=True, right=True), transposed=True, right=True)
