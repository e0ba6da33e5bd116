"""PyTorch's top-level spellings of the linear algebra that torch.linalg replaced or
aliases, as tg.* functions: cholesky, cholesky_solve, cholesky_inverse, svd (returning V,
not Vh; `some`), qr (`some`), pinverse, matrix_power, matrix_exp, triangular_solve (B
first; a named tuple with a copy of the triangle), chain_matmul. Each is tg.linalg's
function with the old arguments; gradients follow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import return_types
from ..tensor import Tensor, as_tensor
from .factorizations import cholesky as _cholesky
from .factorizations import matrices
from .factorizations import qr as _qr
from .factorizations import svd as _svd
from .functions import matrix_exp
from .solvers import matrix_power, multi_dot, pinv, solve_triangular

__all__ = ["chain_matmul", "cholesky", "cholesky_inverse", "cholesky_solve", "matrix_exp",
           "matrix_power", "pinverse", "qr", "svd", "triangular_solve"]


def cholesky(input: Any, upper: bool = False) -> Tensor:  # noqa: A002 (PyTorch's name)
    """torch.cholesky: tg.linalg.cholesky(input, upper=upper)."""
    return _cholesky(input, upper=upper)


def _factor_parts(op: str, factor: Any, upper: bool) -> Tensor:
    """The lower factor L of A = L L^T from L (upper=False) or U = L^T."""
    f = matrices(op, factor)
    return f.mT if upper else f


def cholesky_solve(B: Any, L: Any, upper: bool = False) -> Tensor:  # noqa: N803
    """X with A X = B for A = L L^T (upper=True: A = U^T U, L = U^T), by two triangular
    solves; only L's triangle is read."""
    l = _factor_parts("cholesky_solve", L, upper)
    y = solve_triangular(l, B, upper=False)
    return solve_triangular(l.mT, y, upper=True)


def cholesky_inverse(L: Any, upper: bool = False) -> Tensor:  # noqa: N803
    """(L L^T)^{-1} from the Cholesky factor L (upper=True: from U, A = U^T U)."""
    l = _factor_parts("cholesky_inverse", L, upper)
    eye = Tensor(np.broadcast_to(np.eye(l.shape[-1], dtype=l.dtype), l.shape).copy())
    inverse = solve_triangular(l, eye, upper=False)  # L^{-1}
    return inverse.mT @ inverse


def svd(input: Any, some: bool = True, compute_uv: bool = True) -> return_types.svd:  # noqa: A002
    """torch.svd: the named tuple (U, S, V), A = U diag(S) V^T (V, not Vh); some=False:
    U and V square; compute_uv=False: U and V zero-filled squares, as PyTorch's."""
    a = matrices("svd", input)
    if not compute_uv:
        m, n = a.shape[-2:]
        s = _svd(a, full_matrices=False).S
        zeros = lambda k: Tensor(np.zeros((*a.shape[:-2], k, k), dtype=a.dtype))  # noqa: E731
        return return_types.svd(zeros(m), s, zeros(n))
    u, s, vh = _svd(a, full_matrices=not some)
    return return_types.svd(u, s, vh.mT)


def qr(input: Any, some: bool = True) -> return_types.qr:  # noqa: A002
    """torch.qr: tg.linalg.qr(input, 'reduced' if some else 'complete')."""
    q, r = _qr(input, "reduced" if some else "complete")
    return return_types.qr(q, r)


def pinverse(input: Any, rcond: float = 1e-15) -> Tensor:  # noqa: A002
    """torch.pinverse: tg.linalg.pinv with rtol=rcond."""
    return pinv(input, rtol=rcond)


def triangular_solve(b: Any, A: Any, upper: bool = True, transpose: bool = False,  # noqa: N803
                     unitriangular: bool = False) -> return_types.triangular_solve:
    """torch.triangular_solve: the named tuple (solution, cloned_coefficient), solution X
    with op(T) X = b, T A's upper (or lower) triangle, op the transpose when `transpose`;
    cloned_coefficient a copy of A."""
    a = matrices("triangular_solve", A)
    t, side = (a.mT, not upper) if transpose else (a, upper)
    solution = solve_triangular(t, b, upper=side, unitriangular=unitriangular)
    return return_types.triangular_solve(solution, a.clone())


def chain_matmul(*matrices_: Any) -> Tensor:
    """torch.chain_matmul: the product of the 2-d matrices given, tg.linalg.multi_dot's
    order (a single matrix is returned as it is)."""
    if len(matrices_) == 1:
        return as_tensor(matrices_[0])
    return multi_dot(list(matrices_))
