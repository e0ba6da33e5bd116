"""Matrix factorizations and the solves they need: triangular solve, Cholesky, QR, the
singular vectors of the SVD, and the pseudo-inverse.

Each output of a factorization is its own op (QRFactorQ and QRFactorR; SingularValues,
SVDFactorU and SVDFactorVh): the adjoint of a
factorization is linear in the upstream gradients of its outputs, so each op carries its
share and the engine sums them. Every op recomputes the factorization of its input, which
LAPACK does deterministically, so the factors of one matrix agree in their signs. The
backward rules call these ops again on the parent, so second derivatives follow. The
derivations of the adjoints: docs/linalg.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd.primitive import Function, new_tensor, sum_tangents
from ..errors import BackwardError
from .linalg import _mT, _symmetric, inverse_gaps

if TYPE_CHECKING:
    from ..tensor import Tensor


def _constant(array: np.ndarray) -> Tensor:
    return new_tensor(array)


def _substitute(t: np.ndarray, b: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """X with T X = B by forward (lower) or back (upper) substitution, T's other triangle
    (and with `unit` its diagonal) never read; a zero on T's diagonal gives inf / NaN as
    LAPACK's trtrs does, not an error (torch.linalg.solve_triangular)."""
    n = t.shape[-1]
    shape = np.broadcast_shapes(t.shape[:-2], b.shape[:-2]) + b.shape[-2:]
    x = np.zeros(shape, dtype=np.result_type(t, b))
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in (range(n - 1, -1, -1) if upper else range(n)):
            done = slice(i + 1, n) if upper else slice(0, i)
            row = b[..., i, :] - (t[..., i:i + 1, done] @ x[..., done, :])[..., 0, :]
            x[..., i, :] = row if unit else row / t[..., i, i, None]
    return x


def _triangle(x: Tensor, upper: bool, unit: bool) -> Tensor:
    """The triangle of x a triangular solve reads (without the diagonal when `unit`)."""
    k = int(unit)
    return x.triu(k) if upper else x.tril(-k)


class SolveTriangular(Function):
    """X = T^{-1} B, T the upper (or lower) triangle of A (`unit`: with ones on its
    diagonal), batch axes broadcast;  dB = T^{-T} g, dA = -tri(dB X^T)."""

    uses_output = True
    saves_inputs = (0,)

    def forward(self, a, b):
        return _substitute(a, b, self.upper, self.unit)

    def backward(self, g):
        a, b = self.parents
        gb = SolveTriangular.apply(_mT(a), g, upper=not self.upper, unit=self.unit)
        ga = -_triangle(gb @ _mT(self.output), self.upper, self.unit) if a.requires_grad \
            else None
        return ga, gb if b.requires_grad else None

    def jvp(self, ta, tb):
        """tX = T^{-1} (tB - tri(tA) X)."""
        a = self.parents[0]
        rhs = sum_tangents(tb, None if ta is None else
                           -(_triangle(ta, self.upper, self.unit) @ self.output))
        return SolveTriangular.apply(a, rhs, upper=self.upper, unit=self.unit)


def _solve_lower(l: Tensor, b: Tensor) -> Tensor:
    return SolveTriangular.apply(l, b, upper=False, unit=False)


def _solve_upper(r: Tensor, b: Tensor) -> Tensor:
    return SolveTriangular.apply(r, b, upper=True, unit=False)


def _phi(x: Tensor) -> Tensor:
    """The lower triangle of x with its diagonal halved."""
    n = x.shape[-1]
    return x * _constant(np.tril(np.ones((n, n), dtype=x.dtype)) - 0.5 * np.eye(n, dtype=x.dtype))


class Cholesky(Function):
    """L = chol(S), S = (A + A^T) / 2, lower;  dA = sym(L^{-T} Phi(L^T g) L^{-1}), Phi the
    lower triangle with its diagonal halved (docs/linalg.md, Cholesky)."""

    uses_output = True

    def forward(self, a):
        return np.linalg.cholesky((a + np.swapaxes(a, -1, -2)) / 2)

    def backward(self, g):
        l = self.output
        inner = _solve_upper(_mT(l), _phi(_mT(l) @ g))  # L^{-T} Phi(L^T g)
        return _symmetric(_mT(_solve_upper(_mT(l), _mT(inner))))  # ... L^{-1}

    def jvp(self, ta):
        """tL = L Phi(L^{-1} sym(tA) L^{-T})."""
        l = self.output
        inner = _solve_lower(l, _mT(_solve_lower(l, _symmetric(ta))))  # L^{-1} (L^{-1} tA^T)^T
        return l @ _phi(inner)


def _copyltu(m: Tensor) -> Tensor:
    """The symmetric matrix of m's lower triangle: tril(m) + tril(m, -1)^T."""
    return m.tril() + _mT(m.tril(-1))


def _times_r_inverse(x: Tensor, r: Tensor) -> Tensor:
    """x R^{-1}, R upper triangular: (R^{-T} x^T)^T."""
    return _mT(SolveTriangular.apply(_mT(r), _mT(x), upper=False, unit=False))


def _times_r_inverse_t(x: Tensor, r: Tensor) -> Tensor:
    """x R^{-T}, R upper triangular: (R^{-1} x^T)^T."""
    return _mT(_solve_upper(r, _mT(x)))


class _QRFactor:
    """The shared part (a mixin) of QRFactorQ and QRFactorR: A = QR of a tall or square A
    (m >= n), Q with orthonormal columns (m, n), R upper triangular (n, n), LAPACK's signs."""

    def _factors(self) -> tuple[Tensor, Tensor]:
        a = self.parents[0]
        return QRFactorQ.apply(a), QRFactorR.apply(a)

    def _tangents(self, ta: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """Q, R and K = C - Omega, C = Q^T tA R^{-1}, Omega = tril(C, -1) - tril(C, -1)^T
        (= Q^T tQ, antisymmetric): tR = K R, tQ = tA R^{-1} - Q K."""
        q, r = self._factors()
        c = _times_r_inverse(_mT(q) @ ta, r)
        lower = c.tril(-1)
        return q, r, c - (lower - _mT(lower))


class QRFactorQ(_QRFactor, Function):
    """Q of A = QR (m >= n);  dA = (g + Q copyltu(-g^T Q)) R^{-T} (docs/linalg.md, QR)."""

    def forward(self, a):
        return np.linalg.qr(a, mode="reduced")[0]

    def backward(self, g):
        q, r = self._factors()
        return _times_r_inverse_t(g + q @ _copyltu(-(_mT(g) @ q)), r)

    def jvp(self, ta):
        """tQ = tA R^{-1} - Q K."""
        q, r, k = self._tangents(ta)
        return _times_r_inverse(ta, r) - q @ k


class QRFactorR(_QRFactor, Function):
    """R of A = QR (m >= n);  dA = Q copyltu(R triu(g)^T) R^{-T} (docs/linalg.md, QR)."""

    def forward(self, a):
        return np.linalg.qr(a, mode="reduced")[1]

    def backward(self, g):
        q, r = self._factors()
        return _times_r_inverse_t(q @ _copyltu(r @ _mT(g.triu())), r)

    def jvp(self, ta):
        """tR = K R."""
        _, r, k = self._tangents(ta)
        return k @ r


def _times_diag(x: Tensor, s: Tensor) -> Tensor:
    """x diag(s): column j scaled by s_j."""
    return x * s.unsqueeze(-2)


def _diag_times(s: Tensor, x: Tensor) -> Tensor:
    """diag(s) x: row i scaled by s_i."""
    return x * s.unsqueeze(-1)


class SingularValues(Function):
    """s = the singular values of A, descending;  dA = U diag(g) V^T (U, V the singular
    vectors, reduced: a subgradient where singular values repeat or vanish, PyTorch's)."""

    def forward(self, a):
        return np.linalg.svd(a, compute_uv=False)

    def _vectors(self) -> tuple[Tensor, Tensor]:
        a = self.parents[0]
        return SVDFactorU.apply(a, full=False), SVDFactorVh.apply(a, full=False)

    def backward(self, g):
        u, vh = self._vectors()
        return _times_diag(u, g) @ vh

    def jvp(self, ta):
        """ts_k = u_k^T tA v_k."""
        u, vh = self._vectors()
        return (u * (ta @ _mT(vh))).sum(-2)


class _SVDFactor:
    """The shared part (a mixin) of SVDFactorU and SVDFactorVh, A = U diag(S) Vh (`full`: U and Vh
    square, LAPACK's extra columns; their gradient is ignored, as PyTorch's). The rules are
    written for a tall or square matrix (m >= n, the `left` factor U, the `right` one V =
    Vh^T, square); a wide A is its transpose A^T = V S U^T, whose left factor is V."""

    def _tall(self) -> tuple[Tensor, Tensor, Tensor, bool]:
        """(left, s, right, wide): A's factors (A^T's when A is wide), narrowed to k."""
        a = self.parents[0]
        m, n = a.shape[-2:]
        k = min(m, n)
        u = SVDFactorU.apply(a, full=self.full)[..., :k]
        v = _mT(SVDFactorVh.apply(a, full=self.full)[..., :k, :])
        s = SingularValues.apply(a)
        return (v, s, u, True) if m < n else (u, s, v, False)

    @staticmethod
    def _left_adjoint(u: Tensor, s: Tensor, v: Tensor, g: Tensor) -> Tensor:
        """dA = U ((F o (U^T g - g^T U)) S) V^T + (I - U U^T) g S^{-1} V^T,
        F_ij = 1 / (s_j^2 - s_i^2)."""
        inner = _mT(u) @ g
        core = u @ _times_diag(inverse_gaps(s * s) * (inner - _mT(inner)), s)
        if u.shape[-2] > u.shape[-1]:  # the part of g outside U's columns
            core = core + _times_diag(g - u @ inner, 1 / s)
        return core @ _mT(v)

    @staticmethod
    def _right_adjoint(u: Tensor, s: Tensor, v: Tensor, g: Tensor) -> Tensor:
        """dA = U (S (F o (V^T g - g^T V))) V^T, g the gradient of V."""
        inner = _mT(v) @ g
        return u @ _diag_times(s, inverse_gaps(s * s) * (inner - _mT(inner))) @ _mT(v)

    def _projection(self, ta: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor, bool]:
        """(left, s, right, tA oriented as they are, dP = left^T tA right, wide)."""
        u, s, v, wide = self._tall()
        ta = _mT(ta) if wide else ta
        return u, s, v, ta, _mT(u) @ ta @ v, wide

    @staticmethod
    def _left_tangent(u, s, v, ta, dp) -> Tensor:
        """tU = U (F o (dP S + S dP^T)) + (I - U U^T) tA V S^{-1}."""
        omega = inverse_gaps(s * s) * (_times_diag(dp, s) + _diag_times(s, _mT(dp)))
        out = u @ omega
        if u.shape[-2] > u.shape[-1]:
            out = out + _times_diag(ta @ v - u @ dp, 1 / s)
        return out

    @staticmethod
    def _right_tangent(v, s, dp) -> Tensor:
        """tV = V (F o (S dP + dP^T S))."""
        return v @ (inverse_gaps(s * s) * (_diag_times(s, dp) + _times_diag(_mT(dp), s)))

    def _full_and_rectangular(self) -> bool:
        m, n = self.parents[0].shape[-2:]
        return self.full and m != n


class SVDFactorU(_SVDFactor, Function):
    """U of A = U diag(S) Vh;  dA = U ((F o (U^T g - g^T U)) S) V^T + (I - U U^T) g S^{-1}
    V^T, F_ij = 1 / (s_j^2 - s_i^2) (docs/linalg.md, SVD). Distinct nonzero singular values."""

    def forward(self, a):
        return np.linalg.svd(a, full_matrices=self.full)[0]

    def backward(self, g):
        u, s, v, wide = self._tall()
        g = g[..., :s.shape[-1]]
        if wide:  # U is the right factor of A^T
            return _mT(self._right_adjoint(u, s, v, g))
        return self._left_adjoint(u, s, v, g)

    def jvp(self, ta):
        """tU = U (F o (dP S + S dP^T)) + (I - U U^T) tA V S^{-1}, dP = U^T tA V."""
        u, s, v, ta, dp, wide = self._projection(ta)
        out = self._right_tangent(v, s, dp) if wide else self._left_tangent(u, s, v, ta, dp)
        return _pad_columns(out, self.parents[0].shape[-2]) if self._full_and_rectangular() \
            else out


class SVDFactorVh(_SVDFactor, Function):
    """Vh of A = U diag(S) Vh;  dA = U (S (F o (V^T g^T - g V))) V^T (docs/linalg.md, SVD)."""

    def forward(self, a):
        return np.linalg.svd(a, full_matrices=self.full)[2]

    def backward(self, g):
        u, s, v, wide = self._tall()
        gv = _mT(g[..., :s.shape[-1], :])
        if wide:  # V is the left factor of A^T
            return _mT(self._left_adjoint(u, s, v, gv))
        return self._right_adjoint(u, s, v, gv)

    def jvp(self, ta):
        """tVh = (V (F o (S dP + dP^T S)))^T."""
        u, s, v, ta, dp, wide = self._projection(ta)
        out = _mT(self._left_tangent(u, s, v, ta, dp) if wide else self._right_tangent(v, s, dp))
        return _mT(_pad_columns(_mT(out), self.parents[0].shape[-1])) \
            if self._full_and_rectangular() else out


def _pad_columns(x: Tensor, n: int) -> Tensor:
    """x with zero columns appended up to n: the tangent of LAPACK's extra singular vectors
    of full_matrices=True, which are not a function of A (PyTorch gives them none)."""
    pad = [(0, 0)] * (x.ndim - 1) + [(0, n - x.shape[-1])]
    return x.pad(pad)


class PseudoInverse(Function):
    """P = A^+ (singular values at most max(atol, rtol s_max) taken as 0);  dA = -P^T g P^T
    + (I - A P) g^T P P^T + P^T P g^T (I - P A), the derivative where the rank is constant
    (docs/linalg.md, pseudo-inverse)."""

    uses_output = True
    saves_inputs = (0,)

    def forward(self, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        largest = s[..., :1] if s.shape[-1] else s
        tol = np.maximum(self.atol, self.rtol * largest)
        with np.errstate(divide="ignore"):
            s_inv = np.where(s > tol, 1 / s, 0).astype(s.dtype)
        return (np.swapaxes(vh, -1, -2) * s_inv[..., None, :]) @ np.swapaxes(u, -1, -2)

    def backward(self, g):
        a, p = self.parents[0], self.output
        pt, gt = _mT(p), _mT(g)
        return (-(pt @ g @ pt) + (gt - a @ (p @ gt)) @ (p @ pt)
                + (pt @ p) @ (gt - (gt @ p) @ a))

    def jvp(self, ta):
        """tP = -P tA P + P P^T tA^T (I - A P) + (I - P A) tA^T P^T P."""
        a, p = self.parents[0], self.output
        pt, tat = _mT(p), _mT(ta)
        return (-(p @ ta @ p) + (p @ pt) @ (tat - (tat @ a) @ p)
                + (tat - p @ (a @ tat)) @ (pt @ p))


class _CompleteQ(Function):
    """Q of the complete QR of a tall A (m > n), square: its last m - n columns are any
    orthonormal basis of the complement of A's columns, not a function of A, so it has no
    derivative; backward refuses as PyTorch's does."""

    def forward(self, a):
        return np.linalg.qr(a, mode="complete")[0]

    def backward(self, g):
        raise BackwardError(f"linalg.qr: the QR decomposition is not differentiable when "
                            f"mode='complete' and nrows > ncols (A of shape "
                            f"{self.parents[0].shape}); use mode='reduced'")

    def jvp(self, ta):
        self.backward(ta)


def eliminate(a: np.ndarray, pivoting: bool) -> tuple[np.ndarray, np.ndarray]:
    """LAPACK getrf's packed LU of a (..., m, n) (L's unit diagonal not stored) and the row
    order perm (..., m), A[perm] = L U; with `pivoting` each column's pivot is the first
    entry of largest magnitude at or below the diagonal. A zero pivot leaves its column
    unscaled (LAPACK's info > 0 case)."""
    m, n = a.shape[-2:]
    batch = int(np.prod(a.shape[:-2]))
    lu = a.reshape(batch, m, n).astype(np.result_type(a, np.float32), copy=True)
    perm = np.tile(np.arange(m), (batch, 1))
    rows = np.arange(batch)
    for j in range(min(m, n)):
        if pivoting:
            p = j + np.argmax(np.abs(lu[:, j:, j]), axis=-1)
            lu[rows, j], lu[rows, p] = lu[rows, p].copy(), lu[rows, j].copy()
            perm[rows, j], perm[rows, p] = perm[rows, p].copy(), perm[rows, j].copy()
        pivot = lu[:, j, j]
        safe = np.where(pivot == 0, 1, pivot)
        factors = np.where((pivot == 0)[:, None], 0, lu[:, j + 1:, j] / safe[:, None])
        lu[:, j + 1:, j] = factors
        lu[:, j + 1:, j + 1:] -= factors[:, :, None] * lu[:, j, None, j + 1:]
    return lu.reshape(a.shape), perm.reshape(*a.shape[:-2], m)


class _LUFactor:
    """The shared part (a mixin) of LUFactorL and LUFactorU: X = L U of a square X without
    pivoting (the rows already in their pivot order), L unit lower triangular."""

    def _factors(self) -> tuple[Tensor, Tensor]:
        x = self.parents[0]
        return LUFactorL.apply(x), LUFactorU.apply(x)

    def _inner(self, tx: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """L, U and C = L^{-1} tX U^{-1}."""
        l, u = self._factors()
        c = SolveTriangular.apply(l, tx, upper=False, unit=True)
        return l, u, _mT(SolveTriangular.apply(_mT(u), _mT(c), upper=False, unit=False))

    def _adjoint(self, inner: Tensor) -> Tensor:
        """dX = L^{-T} inner U^{-T}."""
        l, u = self._factors()
        left = SolveTriangular.apply(_mT(l), inner, upper=True, unit=True)
        return _mT(_solve_upper(u, _mT(left)))


class LUFactorL(_LUFactor, Function):
    """L of X = L U (square, no pivoting);  dX = L^{-T} tril(L^T g, -1) U^{-T}
    (docs/linalg.md, LU)."""

    def forward(self, x):
        lu = eliminate(x, pivoting=False)[0]
        return np.tril(lu, -1) + np.eye(x.shape[-1], dtype=lu.dtype)

    def backward(self, g):
        l, _ = self._factors()
        return self._adjoint((_mT(l) @ g).tril(-1))

    def jvp(self, tx):
        """tL = L tril(C, -1), C = L^{-1} tX U^{-1}."""
        l, _, c = self._inner(tx)
        return l @ c.tril(-1)


class LUFactorU(_LUFactor, Function):
    """U of X = L U (square, no pivoting);  dX = L^{-T} triu(g U^T) U^{-T}."""

    def forward(self, x):
        return np.triu(eliminate(x, pivoting=False)[0])

    def backward(self, g):
        _, u = self._factors()
        return self._adjoint((g @ _mT(u)).triu())

    def jvp(self, tx):
        """tU = triu(C) U."""
        _, u, c = self._inner(tx)
        return c.triu() @ u
