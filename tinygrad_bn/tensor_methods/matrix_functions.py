"""Matrix functions and reshaped solves of tg.linalg, PyTorch's: matrix_exp, cond, vander,
solve_ex, tensorinv, tensorsolve. Each is a composite of ops (matmul, solve, the singular
values, cumprod), so its gradient follows to every order.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import as_tensor, new_tensor
from ..errors import ArgumentError, ShapeError
from .elementwise import where
from .factorizations import matrices
from .matrix import _square, converged, solve
from .reduce import floating, matrix_norm
from .solvers import _singular_info, inv_ex

if TYPE_CHECKING:
    from ..tensor import Tensor

TAYLOR_TERMS = 18  # 1/19! < 1e-17: exp(B) for ||B||_1 <= 1 to double precision


def matrix_exp(A: Any) -> Tensor:  # noqa: N803 (PyTorch's name)
    """exp(A) = sum_k A^k / k!, by scaling and squaring: exp(A) = exp(A / 2^s)^(2^s), with
    ||A / 2^s||_1 <= 1 (s the same across a batch) and the Taylor series to 18 terms."""
    a = _square("linalg.matrix_exp", A)
    n = a.shape[-1]
    norm = float(np.abs(a._data).sum(-2).max(initial=0.0)) if a.size else 0.0
    if not math.isfinite(norm):
        return a * np.nan  # NaN as PyTorch's, for an inf or NaN entry
    squarings = max(0, math.ceil(math.log2(norm))) if norm > 0 else 0
    b = a / float(2 ** squarings)
    eye = new_tensor(np.eye(n, dtype=a.dtype))
    result = eye
    for k in range(TAYLOR_TERMS, 0, -1):  # Horner: I + B/1 (I + B/2 (I + ... ))
        result = eye + (b @ result) / float(k)
    for _ in range(squarings):
        result = result @ result
    return result


def cond(A: Any, p: Any = None) -> Tensor:  # noqa: N803
    """The condition number ||A||_p ||A^{-1}||_p: p None or 2 s_max / s_min (also for
    rectangular A), -2 s_min / s_max, else ('fro', 'nuc', inf, -inf, 1, -1; square A) from
    matrix_norm; inf where A is singular, as PyTorch's."""
    op = "linalg.cond"
    a = matrices(op, A)
    if p is None or p in (2, -2):
        s = converged(op, ops.SingularValues.apply, a)
        if s.shape[-1] == 0:  # no singular values: 0, as PyTorch's
            return s.sum(-1)
        big, small = s[..., 0], s[..., -1]
        return big / small if p != -2 else small / big
    if p not in ("fro", "nuc", math.inf, -math.inf, 1, -1):
        raise ArgumentError(f"{op}: p must be None, 2, -2, 'fro', 'nuc', inf, -inf, 1 or -1, "
                            f"got {p!r}")
    if a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{op}: p={p!r} needs square matrices, got shape {a.shape}")
    inverse, info = inv_ex(a)
    singular = info._data > 0
    value = matrix_norm(a, p) * matrix_norm(where(singular[..., None, None], 0.0, inverse), p)
    return where(singular, math.inf, value)


def vander(x: Any, *, N: int | None = None) -> Tensor:  # noqa: N803
    """The Vandermonde matrix of x (..., n): columns x^0, x^1, ..., x^(N-1) (N = n by
    default; a 0-d x is one value, as PyTorch's), built by a cumulative product (exact
    gradients at x = 0). N must be > 1, as PyTorch requires."""
    op = "linalg.vander"
    x = as_tensor(x)
    shape = x.shape
    x = x.reshape(1) if x.ndim == 0 else x
    n = x.shape[-1] if N is None else N
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ArgumentError(f"{op}: N must be an int greater than 1, got "
                            f"{'N=' + repr(N) if N is not None else n} (x of shape "
                            f"{shape})")
    columns = x.unsqueeze(-1).expand(*x.shape, n - 1)
    return columns.pad([(0, 0)] * x.ndim + [(1, 0)], value=1.0).cumprod(-1)


def solve_ex(A: Any, B: Any, *, left: bool = True, check_errors: bool = False  # noqa: N803
             ) -> return_types.linalg_solve_ex:
    """PyTorch's named tuple (result, info): solve's X, info (int32, one per matrix) 0 where A
    is invertible, else LAPACK's first zero pivot (from 1), whose result is NaN;
    check_errors=True raises as solve does."""
    a = _square("linalg.solve_ex", A)
    info = _singular_info(a._data)
    failed = info > 0
    if not failed.any() or check_errors:
        return return_types.linalg_solve_ex(solve(a, B, left=left), new_tensor(info))
    mask = failed[..., None, None]
    x = solve(where(mask, np.eye(a.shape[-1]), a), B, left=left)
    mask = mask if x.ndim == a.ndim else failed[..., None]
    return return_types.linalg_solve_ex(where(mask, np.nan, x), new_tensor(info))


def tensorinv(A: Any, ind: int = 2) -> Tensor:  # noqa: N803
    """The inverse of A read as a matrix from its first `ind` dims to the rest:
    shape A.shape[ind:] + A.shape[:ind]."""
    op = "linalg.tensorinv"
    a = floating(op, as_tensor(A))
    if not isinstance(ind, int) or not 0 < ind <= a.ndim:
        raise ArgumentError(f"{op}: ind must be an int in [1, {a.ndim}], got {ind!r}")
    rows, cols = math.prod(a.shape[:ind]), math.prod(a.shape[ind:])
    if rows != cols:
        raise ShapeError(f"{op}: the product of the first {ind} dims of shape {a.shape} "
                         f"({rows}) must equal that of the others ({cols})")
    return a.reshape(rows, cols).inverse().reshape(*a.shape[ind:], *a.shape[:ind])


def tensorsolve(A: Any, B: Any, dims: Any = None) -> Tensor:  # noqa: N803
    """X with tensordot(A, X, X.ndim) = B, X of shape A.shape[B.ndim:] (dims: axes of A
    moved to the end first). As PyTorch, only the sizes must agree: A read as a
    (B.numel(), X.numel()) matrix and B as a vector."""
    op = "linalg.tensorsolve"
    a, b = floating(op, as_tensor(A)), floating(op, as_tensor(B))
    if dims is not None:
        dims = [d % a.ndim for d in (dims if isinstance(dims, (list, tuple)) else [dims])]
        a = a.permute(*[d for d in range(a.ndim) if d not in dims], *dims)
    # PyTorch checks sizes only: A's first B.ndim axes hold as many entries as B and as
    # its other axes (the unknowns), whatever their shapes
    unknowns, count = a.shape[b.ndim:], math.prod(a.shape[:b.ndim])
    if math.prod(unknowns) != count or b.numel() != count:
        raise ShapeError(f"{op}: A of shape {a.shape} is not square as a matrix from B's "
                         f"{b.numel()} entries (shape {b.shape}; A's first {b.ndim} axes: "
                         f"{count}) to {math.prod(unknowns)} unknowns")
    return solve(a.reshape(count, count), b.reshape(count)).reshape(*unknowns)
