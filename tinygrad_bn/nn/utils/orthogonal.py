"""The orthogonal parametrization, PyTorch's `torch.nn.utils.parametrizations.orthogonal`:
a weight (or batch of weights) of shape (n, k) that stays orthogonal, Q^T Q = I (for
n >= k; Q Q^T = I for n < k, the transposed case) however its original is trained.

Three maps from an unconstrained matrix X (made tall, n >= k, by transposing):
- "matrix_exp": A = L - L^T with L = tril(X) padded to n x n; Q = exp(A)[:, :k]
  (the exponential of a skew-symmetric matrix is orthogonal);
- "cayley": the same A; Q = (I - A/2)^-1 (I + A/2), first k columns;
- "householder": the reflectors H_i = I - tau_i v_i v_i^T, v_i the i-th column of
  X's strictly lower part with a unit diagonal entry, tau_i = 2 / (1 + |strict part|^2);
  Q = (H_1 ... H_k)[:, :k], its columns' signs set by the integer part of X's diagonal.

With `use_trivialization=True` (the default) the buffer `base` holds an orthogonal
matrix and the weight is base @ map(X): registering keeps the weight's value (made
orthogonal by QR with a positive-diagonal R if it is not, completed with random columns
from the generator if n > k) as base and starts X at -I, which every map sends to I.
Assigning the weight re-bases it. Without it, X starts at the weight's Householder
form (only the "householder" map has one: the others refuse, as PyTorch's).
"""

from __future__ import annotations

import numpy as np

from ... import linalg
from ...creation import eye, randn, zeros
from ...errors import ArgumentError, ShapeError, UnsupportedError
from ...method_functions import allclose, matrix_exp
from ...modes import no_grad
from ...tensor import Tensor, concatenate
from ..module import Module
from . import parametrize

__all__ = ["orthogonal"]

_MAPS = ("matrix_exp", "cayley", "householder")


def _householder_product(A: Tensor, tau: Tensor) -> Tensor:
    """(H_1 ... H_k)[:, :k] for the reflectors stored in A's columns below its diagonal
    (unit diagonal implied) and their scales tau; batched over leading axes."""
    n, k = A.shape[-2], A.shape[-1]
    identity = eye(n, dtype=A.dtype)
    unit = eye(n, k, dtype=A.dtype)
    V = A.tril(-1) + unit  # the reflectors' vectors, one per column
    Q = identity.expand(*A.shape[:-2], n, n)
    for i in range(k):
        v = V[..., :, i:i + 1]
        Q = Q - (Q @ v) * tau[..., i:i + 1].unsqueeze(-2) @ v.mT
    return Q[..., :, :k]


class _Orthogonal(Module):
    """forward(X) = base @ map(X) (see the module docstring); right_inverse(Q) re-bases."""

    def __init__(self, weight: Tensor, orthogonal_map: str, *,
                 use_trivialization: bool = True) -> None:
        super().__init__()
        if weight.is_complex() and orthogonal_map == "householder":
            raise ArgumentError("orthogonal: the householder map does not support complex "
                                "tensors")
        self.shape = tuple(weight.shape)
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map == "householder":
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = _householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        else:
            L = X.tril()
            if n != k:  # embed the tall matrix in a square one
                L = concatenate([L, zeros(*L.shape[:-2], n, n - k, dtype=L.dtype)], dim=-1)
            A = L - L.mH
            if self.orthogonal_map == "matrix_exp":
                Q = matrix_exp(A)
            else:
                identity = eye(n, dtype=A.dtype)
                Q = linalg.solve(identity - A * 0.5, identity + A * 0.5)
            if n != k:
                Q = Q[..., :, :k]
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        with no_grad():
            return self._right_inverse(Q)

    def _right_inverse(self, Q: Tensor) -> Tensor:
        if tuple(Q.shape) != self.shape:
            raise ShapeError(f"orthogonal: expected a matrix or batch of matrices of shape "
                             f"{self.shape}, got a tensor of shape {tuple(Q.shape)}")
        Q_init = Q
        n, k = Q.shape[-2], Q.shape[-1]
        transposed = n < k
        if transposed:
            Q = Q.mT
            n, k = k, n
        if "base" not in self._buffers:
            if self.orthogonal_map != "householder":
                raise UnsupportedError(
                    f"orthogonal: the {self.orthogonal_map} map without trivialization has "
                    f"no right_inverse; use use_trivialization=True or the householder map")
            A = Tensor(_householder_form(Q.detach().numpy()))
            return A.mT if transposed else A
        if n == k and _is_orthogonal(Q):
            Q = Q.clone()
        else:
            if n != k:  # complete the columns to a square matrix
                extra = randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype)
                Q = concatenate([Q, extra], dim=-1)
            Q = _make_orthogonal(Q)
        self.base = Q
        # -I: every map sends it to I, so the weight starts equal to base
        return -eye(*Q_init.shape[-2:], dtype=Q_init.dtype).expand(*Q_init.shape).clone()


def _is_orthogonal(Q: Tensor) -> bool:
    """Q^H Q = I within 10 n eps (and allclose's default rtol), as PyTorch's check."""
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * float(np.finfo(Q.detach().numpy().dtype).eps)
    return allclose(Q.mH @ Q, eye(k, dtype=Q.dtype), atol=eps)


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A's QR decomposition with R's diagonal made positive (unique)."""
    Q, R = linalg.qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sgn().unsqueeze(-2)


def _householder_form(Q: np.ndarray) -> np.ndarray:
    """LAPACK geqrf's compact form of each (n, k) matrix (reflectors below the diagonal),
    its diagonal set to the signs that make the householder map give Q back."""
    out = np.empty_like(Q)
    for index in np.ndindex(*Q.shape[:-2]):
        h, tau = np.linalg.qr(Q[index], mode="raw")
        A = h.T.copy()
        diagonal = np.sign(np.diagonal(A)).copy()
        diagonal[tau == 0.0] *= -1
        np.fill_diagonal(A, diagonal)
        out[index] = A
    return out


def orthogonal(module: Module, name: str = "weight", orthogonal_map: str | None = None, *,
               use_trivialization: bool = True) -> Module:
    """Parametrize `module.<name>` (a matrix or a batch of them) to stay orthogonal; the
    map: "matrix_exp" (default for square or complex weights), "cayley" or
    "householder" (default otherwise). Returns the module."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ArgumentError(f"orthogonal: {type(module).__name__} has no parameter or "
                            f"buffer with name '{name}'")
    if weight.ndim < 2:
        raise ShapeError(f"orthogonal: expected a matrix or batch of matrices, got a tensor "
                         f"of {weight.ndim} dimensions")
    if orthogonal_map is None:
        square = weight.shape[-2] == weight.shape[-1]
        orthogonal_map = "matrix_exp" if square or weight.is_complex() else "householder"
    if orthogonal_map not in _MAPS:
        raise ArgumentError(f'orthogonal: orthogonal_map has to be one of "matrix_exp", '
                            f'"cayley", "householder", got {orthogonal_map!r}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    return parametrize.register_parametrization(module, name, orth, unsafe=True)

