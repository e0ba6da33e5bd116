"""The linear algebra of matrices, as Tensor methods (det logdet slogdet inverse cross)
and as the functions behind tg.linalg (solve eigh eigvalsh svdvals vecdot cross), with
PyTorch's semantics; the norms are reductions (tensor_methods/reduce.py).

The matrix functions act on the last two axes (leading axes are a batch) and are ops of
tinygrad_bn/ops/linalg.py (Det LogAbsDet Inverse Solve, the symmetric eigenproblem and
the singular values): their gradients are written with ops, so every order follows. A
singular matrix given to inverse or solve is refused with an error naming the op.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops, return_types
from ..autograd.primitive import as_tensor
from ..errors import ArgumentError, LinAlgError, ShapeError
from ..keywords import normalize_axes
from .elementwise import where
from .reduce import floating

if TYPE_CHECKING:
    from ..tensor import Tensor


def _square(op: str, a: Any) -> Tensor:
    """a as a floating stack of square matrices, else a clear error naming op."""
    a = floating(op, as_tensor(a))
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ShapeError(f"{op}: expected a square matrix or a batch of them (..., n, n), got "
                         f"shape {a.shape}")
    return a


def _singular(op: str, run: Any, *args: Any) -> Tensor:
    """run(*args), a singular matrix refused with a LinAlgError (torch.linalg.LinAlgError's
    twin) naming op, the shape and, in a batch, the first singular element."""
    try:
        return run(*args)
    except ArgumentError as error:  # the op's NumPy error, wrapped by Function.apply
        if not isinstance(error.__cause__, np.linalg.LinAlgError):
            raise
        a = args[0]._data
        where = ""
        if a.ndim > 2:
            flat = a.reshape(-1, *a.shape[-2:])
            ranks = np.linalg.matrix_rank(flat)
            where = f" (batch element {int(np.argmax(ranks < a.shape[-1]))})"
        raise LinAlgError(f"{op}: the matrix{where} of shape {a.shape} is singular; it has "
                          f"no inverse") from None


def converged(op: str, run: Any, *args: Any, **params: Any) -> Tensor:
    """run(*args, **params), LAPACK's failure to converge (an SVD or eigenproblem of a
    matrix holding NaN or inf) refused with a LinAlgError naming op and the shape."""
    try:
        return run(*args, **params)
    except ArgumentError as error:  # the op's NumPy error, wrapped by Function.apply
        if not isinstance(error.__cause__, np.linalg.LinAlgError):
            raise
        raise LinAlgError(f"{op}: the algorithm failed to converge because the input (shape "
                          f"{args[0].shape}) holds non-finite values") from None


def solve(a: Any, b: Any, *, left: bool = True) -> Tensor:
    """X with A X = B (left=False: X A = B); B a matrix, a batch of them, or a vector (B of
    shape A.shape[:-1])."""
    op = "linalg.solve"
    a, b = _square(op, a), floating(op, as_tensor(b))
    if not left:
        return solve(a.swapaxes(-1, -2), b.swapaxes(-1, -2)).swapaxes(-1, -2)
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and b.shape == a.shape[:-1])
    rhs = b.unsqueeze(-1) if vector else b
    if rhs.ndim < 2 or rhs.shape[-2] != a.shape[-1]:
        raise ShapeError(f"{op}: A of shape {a.shape} and B of shape {b.shape} do not fit "
                         f"(B needs {a.shape[-1]} rows)")
    try:
        batch = np.broadcast_shapes(a.shape[:-2], rhs.shape[:-2])
    except ValueError:
        raise ShapeError(f"{op}: the batch dims of A {a.shape} and B {b.shape} do not "
                         f"broadcast") from None
    if rhs.shape[:-2] != batch:
        rhs = rhs.expand(*batch, *rhs.shape[-2:])
    x = _singular(op, ops.Solve.apply, a, rhs)
    return x.squeeze(-1) if vector else x


def eigvalsh(a: Any, UPLO: str = "L") -> Tensor:  # noqa: N803 (PyTorch's name)
    """The eigenvalues, ascending, of the symmetric matrix whose lower (UPLO="L") or upper
    ("U") triangle a holds; the other triangle is not read."""
    return ops.EigenvaluesSymmetric.apply(_mirror("linalg.eigvalsh", a, UPLO))


def eigh(a: Any, UPLO: str = "L") -> return_types.linalg_eigh:  # noqa: N803
    """PyTorch's named tuple (eigenvalues, eigenvectors) of the symmetric matrix of a's
    UPLO triangle; eigenvectors are columns, each with LAPACK's sign."""
    s = _mirror("linalg.eigh", a, UPLO)
    return return_types.linalg_eigh(ops.EigenvaluesSymmetric.apply(s),
                                    ops.EigenvectorsSymmetric.apply(s))


def _mirror(op: str, a: Any, uplo: str) -> Tensor:
    """The symmetric matrix of a's lower (or upper) triangle: the triangle read, as LAPACK
    does, with its gradient going to that triangle alone."""
    a = _square(op, a)
    if uplo not in ("L", "U"):
        raise ArgumentError(f"{op}: UPLO must be 'L' or 'U', got {uplo!r}")
    lower = a.tril() if uplo == "L" else a.triu().swapaxes(-1, -2)
    return lower + lower.tril(-1).swapaxes(-1, -2)


def svdvals(a: Any) -> Tensor:
    """The singular values of a (last two axes), descending."""
    a = floating("linalg.svdvals", as_tensor(a))
    if a.ndim < 2:
        raise ShapeError(f"linalg.svdvals: needs at least 2 dims, got shape {a.shape}")
    return converged("linalg.svdvals", ops.SingularValues.apply, a)


def vecdot(x: Any, y: Any, *, dim: int = -1) -> Tensor:
    """sum_i x_i y_i along dim (x and y broadcast)."""
    x, y = as_tensor(x), as_tensor(y)
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError:
        raise ShapeError(f"linalg.vecdot: shapes {x.shape} and {y.shape} do not "
                         f"broadcast") from None
    return (x * y).sum(dim)


def cross(a: Any, b: Any, *, dim: int = -1) -> Tensor:
    """The cross product of 3-vectors along dim (a and b broadcast)."""
    return as_tensor(a).cross(b, dim=dim)


class MatrixMethods:
    """The mixin of Tensor's det, logdet, slogdet, inverse and cross."""

    __slots__ = ()

    def det(self) -> Tensor:
        """The determinant of each matrix (last two axes)."""
        return ops.Det.apply(_square("det", self))

    def slogdet(self) -> return_types.slogdet:
        """PyTorch's named tuple (sign, logabsdet): det = sign * exp(logabsdet), computed
        without overflow; the gradient flows through logabsdet."""
        a = _square("slogdet", self)
        # (a step function of a: in the graph with a zero gradient, as PyTorch's sign)
        sign = ops.Stepwise.apply(a, value=np.linalg.slogdet(a._data)[0])
        return return_types.slogdet(sign, ops.LogAbsDet.apply(a))

    def logdet(self) -> Tensor:
        """log det: NaN where det < 0, -inf where it is 0."""
        sign, logabsdet = self.slogdet()
        return where(sign._data < 0, math.nan, logabsdet)

    def inverse(self) -> Tensor:
        """The inverse of each matrix (last two axes)."""
        return _singular("inverse", ops.Inverse.apply, _square("inverse", self))

    def cross(self, other: Any, dim: int | None = None) -> Tensor:
        """The cross product of 3-vectors along dim (None: the first axis of size 3, as
        torch.cross), self and other broadcast."""
        other = self._coerce(other, "cross")
        try:
            shape = np.broadcast_shapes(self.shape, other.shape)
        except ValueError:
            raise ShapeError(f"cross: shapes {self.shape} and {other.shape} do not "
                             f"broadcast") from None
        if dim is None:
            dim = next((k for k, n in enumerate(shape) if n == 3), None)
            if dim is None:
                raise ShapeError(f"cross: no dimension of size 3 in shape {shape}")
        d = normalize_axes("cross", dim, len(shape))[0]
        # each input has 3 there before broadcasting (a size 1 does not stretch, as PyTorch's)
        if self.ndim != other.ndim or self.shape[d] != 3 or other.shape[d] != 3:
            raise ShapeError(f"cross: inputs of shapes {self.shape} and {other.shape} need "
                             f"the same rank and size 3 at dim {dim}")
        x, y = self.expand(*shape), other.expand(*shape)

        def part(t: Tensor, order: list[int]) -> Tensor:
            return t[(slice(None),) * d + (np.array(order),)]
        return part(x, [1, 2, 0]) * part(y, [2, 0, 1]) - part(x, [2, 0, 1]) * part(y, [1, 2, 0])
