"""Products over shared axes: matmul, and einsum, which writes every other one; and the
linear algebra of matrices: det, log |det|, inverse, solve, the symmetric eigenproblem
(the singular values and the factorizations: ops/decompositions.py).

For z = einsum("ij,jk->ik", a, b), the gradient of operand k contracts the upstream g
with every other operand onto k's subscripts: da = einsum("ik,jk->ij", g, b),
db = einsum("ij,ik->jk", a, g). A subscript that only operand k has (summed away in the
forward, e.g. j in "ij->i") is absent from those operands, so its gradient is broadcast
back along it. Every gradient is an Einsum (or MatMul), so second derivatives follow.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..autograd.primitive import Function, new_tensor, sum_tangents
from .binary import Div, Where

if TYPE_CHECKING:
    from ..tensor import Tensor


class MatMul(Function):
    """z = x @ y over the last two axes (leading axes broadcast);  dx = g @ y^T, dy = x^T @ g."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return np.matmul(x, y)

    def needed_inputs(self):
        """y for dx, x for dy."""
        x, y = self.parents
        return (1,) * x.requires_grad + (0,) * y.requires_grad

    def backward(self, g):
        x, y = self.parents
        gx = g @ y.swapaxes(-1, -2) if x.requires_grad else None
        gy = x.swapaxes(-1, -2) @ g if y.requires_grad else None
        return gx, gy

    def jvp(self, tx, ty):
        """tz = tx @ y + x @ ty."""
        x, y = self.parents
        return sum_tangents(None if tx is None else MatMul.apply(tx, y),
                    None if ty is None else MatMul.apply(x, ty))


class Einsum(Function):
    """z = einsum(spec, *xs);  dx_k = einsum(out, others -> in_k)(g, others), broadcast along
    the letters only x_k has and along letters of size 1 elsewhere.

    The spec is normalised (explicit output, no ellipsis, no letter repeated within one
    operand) by tensor_methods/linalg.py:einsum."""

    def forward(self, *xs):
        return np.einsum(self.spec, *xs, optimize=len(xs) > 1)

    def backward(self, g):
        inputs, output = self.spec.split("->")
        subscripts = inputs.split(",")
        grads = []
        for k, x in enumerate(self.parents):
            if not x.requires_grad:
                grads.append(None)
                continue
            others = [s for i, s in enumerate(subscripts) if i != k]
            present = set(output).union(*others)
            target = "".join(c for c in subscripts[k] if c in present)
            operands = [g] + [t for i, t in enumerate(self.parents) if i != k]
            grad = Einsum.apply(*operands, spec=f"{','.join([output] + others)}->{target}")
            if target != subscripts[k]:  # letters only x_k had: broadcast back along them
                kept = tuple(grad.shape[target.index(c)] if c in present else 1
                             for c in subscripts[k])
                grad = grad.reshape(kept).expand(tuple(
                    n if c in present else m for c, n, m in zip(subscripts[k], kept, x.shape)))
            if grad.shape != x.shape and all(n in (1, m) for n, m in zip(grad.shape, x.shape)):
                # a letter of size 1 in the others, broadcast against x_k's n: every one of
                # the n slices gets the same gradient (the engine sums the opposite case)
                grad = grad.expand(x.shape)
            grads.append(grad)
        return tuple(grads)

    def jvp(self, *tangents):
        """tz = sum_k einsum(spec)(x_1, ..., tx_k, ..., x_n): linear in each operand."""
        terms = [Einsum.apply(*self.parents[:k], t, *self.parents[k + 1:], spec=self.spec)
                 for k, t in enumerate(tangents) if t is not None]
        return sum_tangents(*terms)


def _mT(x: Tensor) -> Tensor:
    return x.swapaxes(-1, -2)


def _trace_product(a: Tensor, b: Tensor) -> Tensor:
    """tr(a^T b) over the last two axes: sum_ij a_ij b_ij."""
    return (a * b).sum((-2, -1))


class Det(Function):
    """z = det(A) (last two axes);  dA = g adj(A)^T, which is g z A^{-T} for an invertible A.

    A singular A (z = 0) has no inverse: there the adjugate comes from the SVD A = U S V^T,
    adj(A)^T = det(U) det(V) U diag(prod_{j != i} s_j) V^T, as a constant (the second
    derivative at a singular matrix is not followed)."""

    uses_output = True
    saves_inputs = (0,)

    def forward(self, a):
        return np.linalg.det(a)

    def backward(self, g):
        return g.unsqueeze(-1).unsqueeze(-1) * self._adjugate_t()

    def jvp(self, ta):
        """tz = tr(adj(A) tA)."""
        return _trace_product(self._adjugate_t(), ta)

    def _adjugate_t(self) -> Tensor:
        a, z = self.parents[0], self.output
        singular = z._data == 0
        if not singular.any():
            return z.unsqueeze(-1).unsqueeze(-1) * _mT(Inverse.apply(a))
        mask = singular[..., None, None]
        eye = new_tensor(np.eye(a.shape[-1], dtype=a.dtype))
        regular = z.unsqueeze(-1).unsqueeze(-1) * _mT(Inverse.apply(Where.apply(eye, a,
                                                                               cond=mask)))
        return regular + new_tensor(np.where(mask, _svd_adjugate_t(a._data), 0))


def _svd_adjugate_t(a: np.ndarray) -> np.ndarray:
    """adj(A)^T of each matrix, from its SVD (defined for singular matrices too)."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.stack([np.prod(np.delete(s, i, axis=-1), axis=-1) for i in range(n)], -1) \
        if n else s
    sign = np.linalg.det(u) * np.linalg.det(vh)
    return (sign[..., None, None] * (u * others[..., None, :]) @ vh).astype(a.dtype)


class LogAbsDet(Function):
    """z = log |det(A)|;  dA = g A^{-T}."""

    saves_inputs = (0,)

    def forward(self, a):
        return np.linalg.slogdet(a)[1]

    def backward(self, g):
        return g.unsqueeze(-1).unsqueeze(-1) * _mT(Inverse.apply(self.parents[0]))

    def jvp(self, ta):
        """tz = tr(A^{-1} tA)."""
        return _trace_product(_mT(Inverse.apply(self.parents[0])), ta)


class Inverse(Function):
    """Z = A^{-1};  dA = -Z^T g Z^T."""

    uses_output = True

    def forward(self, a):
        return np.linalg.inv(a)

    def backward(self, g):
        z = _mT(self.output)
        return -(z @ g @ z)

    def jvp(self, ta):
        """tZ = -Z tA Z."""
        return -(self.output @ ta @ self.output)


class Solve(Function):
    """X = A^{-1} B (B a stack of matrices, batch axes broadcast);  dB = A^{-T} g,
    dA = -dB X^T."""

    uses_output = True
    saves_inputs = (0,)

    def forward(self, a, b):
        return np.linalg.solve(a, b)

    def backward(self, g):
        a, b = self.parents
        gb = Solve.apply(_mT(a), g)
        ga = -(gb @ _mT(self.output)) if a.requires_grad else None
        return ga, gb if b.requires_grad else None

    def jvp(self, ta, tb):
        """tX = A^{-1} (tB - tA X)."""
        a = self.parents[0]
        rhs = sum_tangents(tb, None if ta is None else -(ta @ self.output))
        return Solve.apply(a, rhs)


def _symmetric(x: Tensor) -> Tensor:
    return (x + _mT(x)) * 0.5


def inverse_gaps(w: Tensor) -> Tensor:
    """F with F_ij = 1 / (w_j - w_i) off the diagonal and 0 on it (w along the last axis),
    written with ops: the adjoints of eigenvectors and singular vectors use it."""
    n = w.shape[-1]
    off = ~np.eye(n, dtype=bool)
    diff = w.unsqueeze(-2) - w.unsqueeze(-1)  # w_j - w_i at [i, j]
    one = new_tensor(np.ones((), dtype=w.dtype))
    return Where.apply(Div.apply(one, Where.apply(diff, one, cond=off)), one * 0, cond=off)


class EigenvaluesSymmetric(Function):
    """w = the eigenvalues, ascending, of S = (A + A^T) / 2;  dA = V diag(g) V^T (V the
    eigenvectors of S; symmetric, so also the gradient through the symmetrisation).

    Reading both triangles, through S, makes the gradient the true one for any A;
    torch.linalg.eigvalsh reads one triangle, which tinygrad_bn/linalg.py mirrors before
    calling this op."""

    def forward(self, a):
        return np.linalg.eigvalsh((a + np.swapaxes(a, -1, -2)) / 2)

    def backward(self, g):
        v = EigenvectorsSymmetric.apply(self.parents[0])
        return (v * g.unsqueeze(-2)) @ _mT(v)

    def jvp(self, ta):
        """tw_k = v_k^T sym(tA) v_k."""
        v = EigenvectorsSymmetric.apply(self.parents[0])
        return (v * (_symmetric(ta) @ v)).sum(-2)


class EigenvectorsSymmetric(Function):
    """V = the eigenvectors of S = (A + A^T) / 2 (columns, by ascending eigenvalue);  dA =
    sym(V (F o (V^T g)) V^T), F_ij = 1 / (w_j - w_i) off the diagonal, 0 on it.

    Defined for distinct eigenvalues only (F is infinite otherwise); each column's sign is
    LAPACK's choice, so only functions that do not depend on it are well defined."""

    def forward(self, a):
        return np.linalg.eigh((a + np.swapaxes(a, -1, -2)) / 2)[1]

    def _gaps(self) -> Tensor:
        return inverse_gaps(EigenvaluesSymmetric.apply(self.parents[0]))

    def backward(self, g):
        v = EigenvectorsSymmetric.apply(self.parents[0])
        return _symmetric(v @ (self._gaps() * (_mT(v) @ g)) @ _mT(v))

    def jvp(self, ta):
        """tV = V (F o (V^T sym(tA) V))."""
        v = EigenvectorsSymmetric.apply(self.parents[0])
        return v @ (self._gaps() * (_mT(v) @ _symmetric(ta) @ v))
