"""PyTorch's Tensor methods (and top-level functions) for the linear algebra that
torch.linalg replaced or aliases: cholesky, cholesky_solve, cholesky_inverse, svd (V, not
Vh; `some`, `compute_uv`), qr (`some`), pinverse (`rcond`), matrix_power, matrix_exp,
triangular_solve (a named tuple with a copy of the triangle), lu (LAPACK's packed factors
and pivots), lu_solve; the functions chain_matmul, lu (torch.lu: info in a named tuple)
and lu_unpack. Each is tg.linalg's function (factorizations.py, solvers.py,
matrix_functions.py, lu.py beside this file) with the old arguments, so the gradients
follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import return_types
from ..autograd.primitive import as_tensor, new_tensor
from ..errors import ShapeError
from .factorizations import cholesky, matrices, qr, svd
from .lu import lu_factor_ex, lu_solve, permutation_of_pivots
from .matrix_functions import matrix_exp
from .solvers import matrix_power, multi_dot, pinv, solve_triangular

if TYPE_CHECKING:
    from ..tensor import Tensor


class DecompositionMethods:
    """The mixin of Tensor's cholesky, cholesky_solve, cholesky_inverse, svd, qr,
    pinverse, matrix_power, matrix_exp, triangular_solve, lu and lu_solve."""

    __slots__ = ()

    def cholesky(self, upper: bool = False) -> Tensor:
        """L, lower triangular, with A = L L^T (upper=True: U = L^T, A = U^T U), for A
        symmetric positive-definite; only A's lower triangle is read (tg.linalg.cholesky)."""
        return cholesky(self, upper=upper)

    def cholesky_solve(self, input2: Any, upper: bool = False) -> Tensor:
        """X with A X = B, B this tensor, A = L L^T given by its factor L = input2
        (upper=True: A = U^T U, U = input2), by two triangular solves; only the factor's
        triangle is read."""
        l = _lower_factor("cholesky_solve", input2, upper)
        return solve_triangular(l.mT, solve_triangular(l, self, upper=False), upper=True)

    def cholesky_inverse(self, upper: bool = False) -> Tensor:
        """(L L^T)^{-1} = L^{-T} L^{-1} from the Cholesky factor L, this tensor (upper=True:
        from U, A = U^T U)."""
        l = _lower_factor("cholesky_inverse", self, upper)
        eye = new_tensor(np.broadcast_to(np.eye(l.shape[-1], dtype=l.dtype), l.shape).copy())
        inverse = solve_triangular(l, eye, upper=False)  # L^{-1}
        return inverse.mT @ inverse

    def svd(self, some: bool = True, compute_uv: bool = True) -> return_types.svd:
        """The named tuple (U, S, V), A = U diag(S) V^T (V, not Vh); some=False: U and V
        square; compute_uv=False: U and V zero-filled squares, as PyTorch's."""
        a = matrices("svd", self)
        if not compute_uv:
            m, n = a.shape[-2:]

            def zeros(k: int) -> Tensor:
                return new_tensor(np.zeros((*a.shape[:-2], k, k), dtype=a.dtype))
            return return_types.svd(zeros(m), svd(a, full_matrices=False).S, zeros(n))
        u, s, vh = svd(a, full_matrices=not some)
        return return_types.svd(u, s, vh.mT)

    def qr(self, some: bool = True) -> return_types.qr:
        """The named tuple (Q, R) of tg.linalg.qr(A, 'reduced' if some else 'complete')."""
        q, r = qr(self, "reduced" if some else "complete")
        return return_types.qr(q, r)

    def pinverse(self, rcond: float = 1e-15) -> Tensor:
        """The pseudo-inverse, singular values at most rcond * s_max taken as 0
        (tg.linalg.pinv with rtol=rcond)."""
        return pinv(self, rtol=rcond)

    def matrix_power(self, n: int) -> Tensor:
        """A^n by repeated squaring (n = 0: the identity; n < 0: inv(A)^|n|)."""
        return matrix_power(self, n)

    def matrix_exp(self) -> Tensor:
        """exp(A) = sum_k A^k / k! (tg.linalg.matrix_exp)."""
        return matrix_exp(self)

    def triangular_solve(self, A: Any, upper: bool = True, transpose: bool = False,  # noqa: N803
                         unitriangular: bool = False) -> return_types.triangular_solve:
        """The named tuple (solution, cloned_coefficient): X with op(T) X = B, B this tensor,
        T A's upper (or lower) triangle, op the transpose when `transpose`; the coefficient
        a copy of A."""
        a = matrices("triangular_solve", A)
        t, side = (a.mT, not upper) if transpose else (a, upper)
        solution = solve_triangular(t, self, upper=side, unitriangular=unitriangular)
        return return_types.triangular_solve(solution, a.clone())

    def lu(self, pivot: bool = True, get_infos: bool = False) -> tuple[Tensor, ...]:
        """The tuple (LU, pivots) of tg.linalg.lu_factor_ex: LAPACK's packed factors and
        1-based pivots; get_infos=True adds info (0, or the first zero on U's diagonal). A
        singular matrix is factored, not refused, as PyTorch's."""
        return tuple(lu(self, pivot, get_infos))

    def lu_solve(self, LU_data: Any, LU_pivots: Any) -> Tensor:  # noqa: N803
        """X with A X = B, B this tensor, A = P L U given by lu's packed factors and pivots."""
        return lu_solve(LU_data, LU_pivots, self)


def _lower_factor(op: str, factor: Any, upper: bool) -> Tensor:
    """The lower factor L of A = L L^T from L (upper=False) or U = L^T."""
    f = matrices(op, factor)
    return f.mT if upper else f


def lu(A: Any, pivot: bool = True, get_infos: bool = False  # noqa: N803 (PyTorch's name)
       ) -> Any:
    """torch.lu: x.lu()'s (LU, pivots), with get_infos=True the named tuple (LU, pivots,
    info)."""
    packed, pivots, info = lu_factor_ex(A, pivot=pivot)
    return return_types._lu_with_info(packed, pivots, info) if get_infos else (packed, pivots)


def lu_unpack(LU_data: Any, LU_pivots: Any, unpack_data: bool = True,  # noqa: N803
              unpack_pivots: bool = True) -> return_types.lu_unpack:
    """The named tuple (P, L, U) of lu's packed factors and pivots: A = P L U, L (m, k)
    unit lower, U (k, n) upper, k = min(m, n); a part not unpacked is empty."""
    packed = matrices("lu_unpack", LU_data)
    m, n = packed.shape[-2:]
    k = min(m, n)
    empty = new_tensor(np.zeros((0,), dtype=packed.dtype))
    l = u = p = empty
    if unpack_data:
        eye = np.eye(m, k, dtype=packed.dtype)
        l = packed[..., :, :k].tril(-1) + new_tensor(eye)
        u = packed[..., :k, :].triu()
    if unpack_pivots:
        pivots = np.asarray(as_tensor(LU_pivots)._data)
        if pivots.shape[-1:] != (k,) or pivots.dtype.kind not in "iu":
            raise ShapeError(f"lu_unpack: LU_pivots must be integers of shape (..., {k}), "
                             f"got {pivots.dtype} {pivots.shape}")
        p = new_tensor(permutation_of_pivots(pivots, m, packed.dtype))
    return return_types.lu_unpack(p, l, u)


def chain_matmul(*matrices_: Any) -> Tensor:
    """torch.chain_matmul: the product of the 2-d matrices given, tg.linalg.multi_dot's
    order (a single matrix is returned as it is)."""
    if len(matrices_) == 1:
        return as_tensor(matrices_[0])
    return multi_dot(list(matrices_))
