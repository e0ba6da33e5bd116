"""`tg.linalg`, PyTorch's torch.linalg: norms (vector_norm, matrix_norm, norm), the
determinant and inverse (det, slogdet, inv, inv_ex), solvers (solve, solve_ex,
solve_triangular, lu_solve, lstsq, pinv, tensorsolve, tensorinv), factorizations
(cholesky, cholesky_ex, lu, lu_factor, lu_factor_ex, qr, eigh, eigvalsh, svd, svdvals),
matrix_rank, cond, matrix_power, matrix_exp, vander, and the products cross, vecdot,
multi_dot, matmul, diagonal.
A matrix that cannot be factored or inverted raises LinAlgError (a RuntimeError, as
torch.linalg.LinAlgError).

Each takes PyTorch's arguments and acts on the last axes (leading axes are a batch); the
implementations sit below the Tensor methods that call them (x.cholesky(), x.svd(), ...):
tinygrad_bn/tensor_methods/ (factorizations.py, solvers.py, matrix_functions.py, lu.py,
matrix.py); the ops, their math and gradients:
tinygrad_bn/ops/linalg.py and ops/decompositions.py (the adjoints derived in docs/linalg.md).
"""

from __future__ import annotations

from typing import Any

from .. import return_types
from ..errors import LinAlgError
from ..tensor import Tensor, as_tensor
from ..tensor_methods.factorizations import cholesky, cholesky_ex, qr, svd
from ..tensor_methods.lu import lu, lu_factor, lu_factor_ex, lu_solve
from ..tensor_methods.matrix import cross, eigh, eigvalsh, solve, svdvals, vecdot
from ..tensor_methods.matrix_functions import (
    cond,
    matrix_exp,
    solve_ex,
    tensorinv,
    tensorsolve,
    vander,
)
from ..tensor_methods.reduce import matrix_norm, norm, vector_norm
from ..tensor_methods.solvers import (
    inv_ex,
    lstsq,
    matrix_power,
    matrix_rank,
    multi_dot,
    pinv,
    solve_triangular,
)

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cond", "cross", "det", "diagonal",
           "eigh", "eigvalsh", "inv", "inv_ex", "lstsq", "lu", "lu_factor", "lu_factor_ex",
           "lu_solve", "matmul", "matrix_exp", "matrix_norm",
           "matrix_power", "matrix_rank", "multi_dot", "norm", "pinv", "qr", "slogdet",
           "solve", "solve_ex", "solve_triangular", "svd", "svdvals", "tensorinv",
           "tensorsolve", "vander", "vecdot", "vector_norm"]


def det(A: Any) -> Tensor:  # noqa: N803 (PyTorch's name)
    """The determinant of each matrix (last two axes)."""
    return as_tensor(A).det()


def slogdet(A: Any) -> return_types.linalg_slogdet:  # noqa: N803
    """PyTorch's named tuple (sign, logabsdet) with det = sign * exp(logabsdet)."""
    sign, logabsdet = as_tensor(A).slogdet()
    return return_types.linalg_slogdet(sign, logabsdet)


def inv(A: Any) -> Tensor:  # noqa: N803
    """The inverse of each matrix (last two axes)."""
    return as_tensor(A).inverse()


def matmul(input: Any, other: Any) -> Tensor:  # noqa: A002
    """input @ other (torch.matmul)."""
    return as_tensor(input).matmul(other)


def diagonal(A: Any, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:  # noqa: N803
    """The offset-th diagonal of the planes (dim1, dim2), by default the last two axes."""
    return as_tensor(A).diagonal(offset, dim1, dim2)
