"""Randomized low-rank decompositions, PyTorch's `torch.svd_lowrank` and
`torch.pca_lowrank` (Halko, Martinsson and Tropp 2009, randomized subspace iteration).

For X = A - M (M = 0 unless given; pca_lowrank's M is the column means) of shape
(*, m, n) and a target rank q:

    Q  = orth(X R)                       R (n, q) standard normal, orth = QR's Q
    Q  = orth(X orth(X^T Q))             niter times (power iteration: the spectrum's
                                          tail decays, the basis tightens)
    B  = Q^T X = U_B diag(S) V^T         a small (k, n) SVD
    U  = Q U_B

so X ~ U diag(S) V^T with k = min(q, m, n) columns; exact (up to the signs of the
singular vector pairs) when rank(X) <= q. Built from matmul, qr and svd, so it is
differentiable wherever they are; R is drawn from tinygrad_bn's generator
(tg.manual_seed makes it repeatable).
"""

from __future__ import annotations

from typing import Any

from .autograd.primitive import as_tensor
from .creation import randn
from .errors import ArgumentError, DTypeError, ShapeError
from .tensor import Tensor
from .tensor_methods.factorizations import qr, svd

__all__ = ["pca_lowrank", "svd_lowrank"]


def _orth(x: Tensor) -> Tensor:
    """An orthonormal basis of x's columns (the Q of its reduced QR)."""
    return qr(x).Q


def _matrices(op: str, A: Any) -> Tensor:  # noqa: N803 (PyTorch's name)
    a = as_tensor(A)
    if a.ndim < 2:
        raise ShapeError(f"{op}: A must be a matrix or a batch of matrices (*, m, n), got "
                         f"shape {a.shape}")
    if a.dtype.kind != "f":
        raise DTypeError(f"{op}: A must be floating, got dtype {a.dtype}")
    return a


def _count(op: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ArgumentError(f"{op}: {name} must be a non-negative int, got {value!r}")
    return value


def svd_lowrank(A: Any, q: int | None = 6, niter: int = 2,  # noqa: N803
                M: Any = None) -> tuple[Tensor, Tensor, Tensor]:  # noqa: N803
    """(U, S, V) with A - M ~ U diag(S) V^T, k = min(q, m, n) singular triplets found by
    randomized subspace iteration (the module docstring); q a slight overestimate of the
    rank, M (broadcast to A) subtracted first."""
    op = "svd_lowrank"
    a = _matrices(op, A)
    x = a if M is None else a - as_tensor(M)
    m, n = x.shape[-2:]
    q = _count(op, "q", 6 if q is None else q)
    niter = _count(op, "niter", niter)
    xt = x.mT
    basis = _orth(x @ randn(n, q, dtype=x.dtype))
    for _ in range(niter):
        basis = _orth(x @ _orth(xt @ basis))
    small_u, s, vh = svd(basis.mT @ x, full_matrices=False)
    k = min(q, m, n)
    return (basis @ small_u)[..., :k], s[..., :k], vh.mT[..., :k]


def pca_lowrank(A: Any, q: int | None = None, center: bool = True,  # noqa: N803
                niter: int = 2) -> tuple[Tensor, Tensor, Tensor]:
    """Principal components of the rows of A (*, m, n): svd_lowrank of A less its column
    means (center=True) with q = min(6, m, n) by default; V's columns are the principal
    directions, S**2 / (m - 1) the variances along them."""
    op = "pca_lowrank"
    a = _matrices(op, A)
    m, n = a.shape[-2:]
    q = min(6, m, n) if q is None else q
    if isinstance(q, bool) or not isinstance(q, int) or not 0 <= q <= min(m, n):
        raise ArgumentError(f"{op}: q must be an int in [0, min(m, n) = {min(m, n)}], got "
                            f"{q!r}")
    means = a.mean(dim=-2, keepdim=True) if center else None
    return svd_lowrank(a, q, niter, means)
