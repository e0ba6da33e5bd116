"""The solvers and matrix functions of tg.linalg, PyTorch's: solve_triangular, inv_ex,
lstsq, pinv, matrix_rank, matrix_power, multi_dot.

solve_triangular and pinv are ops of tinygrad_bn/ops/decompositions.py (SolveTriangular,
PseudoInverse); lstsq is pinv(A) B (the least-squares solution of a tall A, the
minimum-norm one of a wide or rank-deficient A, as LAPACK's gelsy), matrix_power and
multi_dot chains of matmuls, so their gradients follow.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import as_tensor, is_tensor, new_tensor
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, LinAlgError, ShapeError
from .elementwise import constant_in_graph, where
from .factorizations import failed_element, matrices
from .matrix import _mirror, _square, converged
from .reduce import floating

if TYPE_CHECKING:
    from ..tensor import Tensor


def _batch(op: str, a: Tensor, b: Tensor) -> tuple[int, ...]:
    try:
        return np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ShapeError(f"{op}: the batch dims of A {a.shape} and B {b.shape} do not "
                         f"broadcast") from None


def solve_triangular(A: Any, B: Any, *, upper: bool, left: bool = True,  # noqa: N803
                     unitriangular: bool = False) -> Tensor:
    """X with T X = B (left=False: X T = B), T the upper (upper=True) or lower triangle of A,
    with ones on its diagonal when unitriangular (A's diagonal then not read); batch dims
    broadcast. A zero on T's diagonal gives inf / NaN, as PyTorch's."""
    op = "linalg.solve_triangular"
    a, b = _square(op, A), floating(op, as_tensor(B))
    if b.ndim < 2:
        raise ShapeError(f"{op}: B must have at least 2 dims (..., n, k), got shape {b.shape}")
    if a.dtype != b.dtype:
        raise DTypeError(f"{op}: A and B must have the same dtype, got {a.dtype} and "
                         f"{b.dtype}")
    if not left:
        return solve_triangular(a.mT, b.mT, upper=not upper,
                                unitriangular=unitriangular).mT
    if b.shape[-2] != a.shape[-1]:
        raise ShapeError(f"{op}: A of shape {a.shape} and B of shape {b.shape} do not fit "
                         f"(B needs {a.shape[-1]} rows)")
    batch = _batch(op, a, b)
    a = a.expand(*batch, *a.shape[-2:]) if a.shape[:-2] != batch else a
    b = b.expand(*batch, *b.shape[-2:]) if b.shape[:-2] != batch else b
    return ops.SolveTriangular.apply(a, b, upper=bool(upper), unit=bool(unitriangular))


def _singular_info(a: np.ndarray) -> np.ndarray:
    """LAPACK getrf's info per matrix: 0, or k (from 1) for the first zero pivot, the first
    column that lies in the span of the ones before it."""
    n = a.shape[-1]
    flat = a.reshape(int(np.prod(a.shape[:-2])), n, n)
    info = np.zeros(len(flat), dtype=np.int32)
    for k, m in enumerate(flat if n else ()):
        try:
            np.linalg.inv(m)
        except np.linalg.LinAlgError:
            info[k] = next((j for j in range(1, n + 1)
                            if np.linalg.matrix_rank(m[:, :j]) < j), n)
    return info.reshape(a.shape[:-2])


def inv_ex(A: Any, *, check_errors: bool = False) -> return_types.linalg_inv_ex:  # noqa: N803
    """PyTorch's named tuple (inverse, info): info (int32, one per matrix) 0 where A is
    invertible, else the index (from 1) of LAPACK's first zero pivot, whose inverse is NaN;
    check_errors=True raises as inv does."""
    op = "linalg.inv_ex"
    a = _square(op, A)
    info = _singular_info(a._data)
    failed = info > 0
    if not failed.any():
        return return_types.linalg_inv_ex(ops.Inverse.apply(a), new_tensor(info))
    if check_errors:
        raise LinAlgError(f"{op}: the matrix{failed_element(info)} of shape {a.shape} is "
                          f"singular; it has no inverse")
    mask = failed[..., None, None]
    inverse = where(mask, np.nan, ops.Inverse.apply(where(mask, np.eye(a.shape[-1]), a)))
    return return_types.linalg_inv_ex(inverse, new_tensor(info))


def _tolerances(op: str, a: Tensor, atol: Any, rtol: Any) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's atol and rtol, each a number or a tensor broadcast against the batch:
    neither given, rtol = eps * max(m, n); atol > 0 alone, rtol = 0."""
    def value(x: Any, name: str) -> np.ndarray:
        x = np.asarray(x._data if is_tensor(x) else x, dtype=a.dtype)
        try:
            np.broadcast_shapes(x.shape, a.shape[:-2])
        except ValueError:
            raise ShapeError(f"{op}: {name} of shape {x.shape} does not broadcast against the "
                             f"batch dims {a.shape[:-2]}") from None
        return x[..., None]

    if rtol is None:
        positive = atol is not None and np.all(value(atol, "atol") > 0)
        rtol = 0.0 if positive else np.finfo(a.dtype).eps * max(a.shape[-2:])
    return value(0.0 if atol is None else atol, "atol"), value(rtol, "rtol")


def pinv(A: Any, *, atol: Any = None, rtol: Any = None, hermitian: bool = False  # noqa: N803
         ) -> Tensor:
    """The Moore-Penrose pseudo-inverse, through the SVD, singular values at most
    max(atol, rtol * s_max) taken as 0 (PyTorch's defaults); hermitian=True reads A's lower
    triangle alone. The gradient is the one where the rank does not change."""
    op = "linalg.pinv"
    a = _mirror(op, A, "L") if hermitian else matrices(op, A)
    atol, rtol = _tolerances(op, a, atol, rtol)
    return converged(op, ops.PseudoInverse.apply, a, atol=atol, rtol=rtol)


def matrix_rank(A: Any, *, atol: Any = None, rtol: Any = None,  # noqa: N803
                hermitian: bool = False) -> Tensor:
    """The number (int64) of singular values (hermitian=True: |eigenvalues| of A's lower
    triangle) above max(atol, rtol * the largest), PyTorch's defaults."""
    op = "linalg.matrix_rank"
    a = _mirror(op, A, "L") if hermitian else matrices(op, A)
    atol, rtol = _tolerances(op, a, atol, rtol)
    try:
        s = np.abs(np.linalg.eigvalsh(a._data)) if hermitian else \
            np.linalg.svd(a._data, compute_uv=False)
    except np.linalg.LinAlgError:
        raise LinAlgError(f"{op}: the {'eigenvalues' if hermitian else 'SVD'} of A (shape "
                          f"{a.shape}) did not converge: A holds NaN or inf") from None
    largest = s.max(-1, keepdims=True, initial=0.0)
    return new_tensor((s > np.maximum(atol, rtol * largest)).sum(-1).astype(np.int64))


LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Any, B: Any, rcond: float | None = None, *, driver: str | None = None  # noqa: N803
          ) -> return_types.linalg_lstsq:
    """PyTorch's named tuple (solution, residuals, rank, singular_values): the solution X
    minimising ||A X - B|| (of least norm when A is wide or rank-deficient), singular
    values below rcond * s_max (default eps * max(m, n)) taken as 0; B a matrix or a
    vector (A.shape[:-1]). As PyTorch's CPU drivers: rank for all but gels, singular_values
    for gelsd and gelss, residuals (the squared residual of each column) for those and gels
    when m > n and A has full rank; the rest empty."""
    op = "linalg.lstsq"
    a, b = matrices(op, A), floating(op, as_tensor(B))
    if driver is None:
        driver = "gelsy"
    if driver not in LSTSQ_DRIVERS:
        raise ArgumentError(f"{op}: driver must be one of {LSTSQ_DRIVERS}, got {driver!r}")
    vector = b.ndim == a.ndim - 1
    rhs = b.unsqueeze(-1) if vector else b
    if rhs.ndim < 2 or rhs.shape[-2] != a.shape[-2]:
        raise ShapeError(f"{op}: A of shape {a.shape} and B of shape {b.shape} do not fit "
                         f"(B needs {a.shape[-2]} rows)")
    _batch(op, a, rhs)
    m, n = a.shape[-2:]
    rtol = np.finfo(a.dtype).eps * max(m, n) if rcond is None or rcond < 0 else rcond
    rank = matrix_rank(a, atol=0.0, rtol=rtol)
    full = bool(np.all(rank._data == min(m, n)))
    if driver == "gels" and not full:
        raise LinAlgError(f"{op}: the least squares solution could not be computed because A "
                          f"of shape {a.shape} does not have full rank (driver 'gels')")
    solution = pinv(a, atol=0.0, rtol=rtol) @ rhs
    empty = new_tensor(np.zeros((0,), dtype=a.dtype))
    # empty residuals are still a result of A and B for autograd, as PyTorch's (singular
    # values are not: PyTorch's lstsq returns them detached)
    residuals = ((a @ solution - rhs) ** 2).sum(-2) \
        if driver != "gelsy" and m > n and full else \
        a.reshape(-1)[:0] + rhs.reshape(-1)[:0]
    if vector:
        solution = solution.squeeze(-1)
    return return_types.linalg_lstsq(
        solution, residuals, rank if driver != "gels" else new_tensor(np.zeros((0,), np.int64)),
        ops.SingularValues.apply(a).detach() if driver in ("gelsd", "gelss") else empty)


def matrix_power(A: Any, n: int) -> Tensor:  # noqa: N803
    """A^n by repeated squaring (n = 0: the identity; n < 0: inv(A)^|n|)."""
    op = "linalg.matrix_power"
    a = as_tensor(A)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise ArgumentTypeError(f"{op}: n must be an int, got {n!r}")
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{op}: A must be a square matrix or a batch of them (..., n, n), "
                         f"got shape {a.shape}")
    if n == 0:  # the identity, a result of A for autograd as PyTorch's (a zero gradient)
        return constant_in_graph(new_tensor(np.eye(a.shape[-1], dtype=a.dtype)), a)
    if n < 0:
        a = as_tensor(a).inverse() if a.dtype.kind == "f" else _square(op, a)
        n = -n
    result = None
    while n:
        if n & 1:
            result = a if result is None else result @ a
        n >>= 1
        if n:
            a = a @ a
    return result


def _chain_order(dims: list[int]) -> list[list[int]]:
    """split[i][j]: where the cheapest product of matrices i..j splits (matrix k of shape
    dims[k] x dims[k + 1]), by the textbook dynamic programme."""
    count = len(dims) - 1
    cost = [[0] * count for _ in range(count)]
    split = [[0] * count for _ in range(count)]
    for length in range(1, count):
        for i in range(count - length):
            j = i + length
            cost[i][j], split[i][j] = min(
                (cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1], k)
                for k in range(i, j))
    return split


def multi_dot(tensors: Sequence[Any]) -> Tensor:
    """The product of two or more matrices in the cheapest order; the first may be a row
    vector and the last a column vector (1-d), whose axes the result drops."""
    op = "linalg.multi_dot"
    if is_tensor(tensors) or not isinstance(tensors, (list, tuple)):
        raise ArgumentTypeError(f"{op}: expected a list or tuple of tensors, got "
                                f"{type(tensors).__name__}")
    ts = [as_tensor(t) for t in tensors]
    if len(ts) < 2:
        raise ArgumentError(f"{op}: expected at least 2 tensors, got {len(ts)}")
    for k, t in enumerate(ts):
        allowed = (1, 2) if k in (0, len(ts) - 1) else (2,)
        if t.ndim not in allowed:
            raise ShapeError(f"{op}: tensor {k} must be {' or '.join(map(str, allowed))}-d, "
                             f"got shape {t.shape}")
    first, last = ts[0].ndim == 1, ts[-1].ndim == 1
    ts[0] = ts[0].unsqueeze(0) if first else ts[0]
    ts[-1] = ts[-1].unsqueeze(-1) if last else ts[-1]
    for k in range(len(ts) - 1):
        if ts[k].shape[1] != ts[k + 1].shape[0]:
            raise ShapeError(f"{op}: tensors {k} and {k + 1} of shapes {tensors[k].shape} and "
                             f"{tensors[k + 1].shape} cannot be multiplied")
    split = _chain_order([ts[0].shape[0]] + [t.shape[1] for t in ts])

    def product(i: int, j: int) -> Tensor:
        return ts[i] if i == j else product(i, split[i][j]) @ product(split[i][j] + 1, j)

    out = product(0, len(ts) - 1)
    if last:
        out = out.squeeze(-1)
    return out.squeeze(0) if first else out
