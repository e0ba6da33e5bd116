"""The factorizations of tg.linalg, PyTorch's: cholesky and cholesky_ex, qr, svd.

Each acts on the last two axes (leading axes are a batch) and is built from the ops of
tinygrad_bn/ops/decompositions.py, so every result is differentiable to any order
(docs/linalg.md derives the adjoints). cholesky reads the lower triangle alone, as LAPACK
does, and its gradient goes to that triangle (the true derivative; PyTorch returns the
symmetric gradient, which agrees on symmetric perturbations).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import as_tensor, new_tensor
from ..errors import ArgumentError, LinAlgError, ShapeError
from ..ops.decompositions import _CompleteQ
from .elementwise import where
from .matrix import _mirror, converged
from .reduce import floating

if TYPE_CHECKING:
    from ..tensor import Tensor


def matrices(op: str, a: Any) -> Tensor:
    """a as a floating stack of matrices (at least 2 dims), else an error naming op."""
    a = floating(op, as_tensor(a))
    if a.ndim < 2:
        raise ShapeError(f"{op}: expected a matrix or a batch of them (..., m, n), got shape "
                         f"{a.shape}")
    return a


def failed_element(info: np.ndarray) -> str:
    """' (batch element k)' for the first nonzero entry of a batch's info, '' for one matrix."""
    if info.ndim == 0:
        return ""
    return f" (batch element {int(np.flatnonzero(info.reshape(-1))[0])})"


def _cholesky_info(s: np.ndarray) -> np.ndarray:
    """LAPACK's info per matrix: 0, or the order of the first leading minor that is not
    positive-definite (a NaN in it counts, as LAPACK's comparisons fail there)."""
    n = s.shape[-1]
    flat = s.reshape(int(np.prod(s.shape[:-2])), n, n)
    info = np.zeros(len(flat), dtype=np.int32)

    def fails(m: np.ndarray) -> bool:
        try:
            return bool(np.isnan(np.diagonal(np.linalg.cholesky(m), 0, -2, -1)).any())
        except np.linalg.LinAlgError:
            return True

    if n and fails(flat):
        for b, m in enumerate(flat):
            info[b] = next((k for k in range(1, n + 1) if fails(m[:k, :k])), 0)
    return info.reshape(s.shape[:-2])


def _not_positive_definite(op: str, shape: tuple, info: np.ndarray) -> LinAlgError:
    order = int(info.reshape(-1)[np.flatnonzero(info.reshape(-1))[0]])
    return LinAlgError(f"{op}: the factorization could not be completed because the input "
                       f"{failed_element(info)}of shape {shape} is not positive-definite (the "
                       f"leading minor of order {order} is not positive-definite)")


def cholesky(A: Any, *, upper: bool = False) -> Tensor:  # noqa: N803 (PyTorch's name)
    """L, lower triangular with a positive diagonal, with A = L L^T (upper=True: U = L^T,
    A = U^T U), for A symmetric positive-definite; only A's lower triangle is read."""
    op = "linalg.cholesky"
    s = _mirror(op, A, "L")
    try:
        l = ops.Cholesky.apply(s)
    except ArgumentError as error:  # NumPy's LinAlgError, wrapped by Function.apply
        if not isinstance(error.__cause__, np.linalg.LinAlgError):
            raise
        raise _not_positive_definite(op, s.shape, _cholesky_info(s._data)) from None
    if np.isnan(np.diagonal(l._data, 0, -2, -1)).any():  # NaN input: NumPy does not refuse
        raise _not_positive_definite(op, s.shape, _cholesky_info(s._data))
    return l.mT if upper else l


def cholesky_ex(A: Any, *, upper: bool = False, check_errors: bool = False  # noqa: N803
                ) -> return_types.linalg_cholesky_ex:
    """PyTorch's named tuple (L, info): info (int32, one per matrix) 0 where the
    factorization succeeded, else the order of the first leading minor that is not
    positive-definite, whose L is NaN (PyTorch leaves LAPACK's partial result there);
    check_errors=True raises as cholesky does."""
    op = "linalg.cholesky_ex"
    s = _mirror(op, A, "L")
    info = _cholesky_info(s._data)
    failed = info > 0
    if failed.any():
        if check_errors:
            raise _not_positive_definite(op, s.shape, info)
        mask = failed[..., None, None]
        l = where(mask, np.nan, ops.Cholesky.apply(where(mask, np.eye(s.shape[-1]), s)))
    else:
        l = ops.Cholesky.apply(s)
    return return_types.linalg_cholesky_ex(l.mT if upper else l, new_tensor(info))


QR_MODES = ("reduced", "complete", "r")


def qr(A: Any, mode: str = "reduced") -> return_types.linalg_qr:  # noqa: N803
    """PyTorch's named tuple (Q, R), A = QR with Q's columns orthonormal and R upper
    triangular (LAPACK's signs): mode 'reduced' Q (m, k) R (k, n), k = min(m, n);
    'complete' Q (m, m) R (m, n); 'r' R alone (Q empty). A wide A (m < n) is [X | Y]
    with X square: Q, R_X = qr(X) and R = [R_X | Q^T Y]."""
    op = "linalg.qr"
    a = matrices(op, A)
    if mode not in QR_MODES:
        raise ArgumentError(f"{op}: mode must be one of 'reduced' (the default), 'complete' "
                            f"or 'r', got {mode!r}")
    m, n = a.shape[-2:]
    if m < n:
        q = ops.QRFactorQ.apply(a[..., :m])
        left = ops.QRFactorR.apply(a[..., :m])
        r = left.pad([(0, 0)] * (a.ndim - 1) + [(0, n - m)]) + \
            (q.mT @ a[..., m:]).pad([(0, 0)] * (a.ndim - 1) + [(m, 0)])
    else:
        r = ops.QRFactorR.apply(a)
        q = None if mode == "r" else ops.QRFactorQ.apply(a)
        if mode == "complete" and m > n:
            q = _CompleteQ.apply(a)
            r = r.pad([(0, 0)] * (a.ndim - 2) + [(0, m - n), (0, 0)])
    if mode == "r":
        q = new_tensor(np.zeros((0,), dtype=a.dtype))
    return return_types.linalg_qr(q, r)


def svd(A: Any, full_matrices: bool = True, *, driver: str | None = None  # noqa: N803
        ) -> return_types.linalg_svd:
    """PyTorch's named tuple (U, S, Vh), A = U diag(S) Vh, S descending, LAPACK's signs;
    full_matrices=True: U (m, m) and Vh (n, n), whose columns (rows) past k = min(m, n)
    get no gradient (PyTorch's rule), else U (m, k) and Vh (k, n). The gradient of U and Vh
    needs distinct nonzero singular values; `driver` (CUDA's) is accepted and ignored."""
    op = "linalg.svd"
    a = matrices(op, A)
    if driver is not None:
        raise ArgumentError(f"{op}: driver= chooses a CUDA (cuSOLVER) algorithm; on the CPU "
                            f"it must be None, got {driver!r}")
    full = bool(full_matrices)
    return return_types.linalg_svd(converged(op, ops.SVDFactorU.apply, a, full=full),
                                   ops.SingularValues.apply(a),
                                   ops.SVDFactorVh.apply(a, full=full))
