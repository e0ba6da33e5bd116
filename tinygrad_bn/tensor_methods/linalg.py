"""Products as Tensor methods (matmul, dot, and PyTorch's shape-checked spellings vdot mm bmm
mv outer inner addmm addmv baddbmm) and `einsum`.

`matmul` follows NumPy's rules for 1-d operands (a vector is a row on the left, a column
on the right, its axis removed after) and checks the shapes before the op runs, so a
mismatch names both shapes. `einsum` normalises its spec (explicit output, `...` spelled
out), takes the diagonal of a letter repeated within one operand ("ii->i", a trace "ii->",
"bii->bi": indexing, so its gradient scatters back) and runs one Einsum op
(tinygrad_bn/ops/linalg.py).
"""

from __future__ import annotations

import math
import string
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ops
from ..autograd.primitive import as_tensor, is_tensor
from ..errors import ArgumentError, ArgumentTypeError, DTypeError, DTypeMismatchError, ShapeError
from .elementwise import where

if TYPE_CHECKING:
    from ..tensor import Tensor


class LinalgMethods:
    """The mixin of Tensor's products."""

    __slots__ = ()

    def matmul(self, other: Any) -> Tensor:
        other = self._coerce(other, "@")
        if self.ndim == 0 or other.ndim == 0:
            raise ShapeError(f"matmul: 0-d operands are not allowed (shapes {self.shape} and "
                             f"{other.shape}); use * for scalars")
        self._same_dtype("matmul", other)
        if self.shape[-1] != other.shape[-2 if other.ndim > 1 else 0]:
            raise ShapeError(f"matmul: inner dimensions differ: {self.shape} @ {other.shape} "
                             f"({self.shape[-1]} != {other.shape[-2 if other.ndim > 1 else 0]})")
        try:  # batch dimensions (only operands above 2-d have any)
            if self.ndim > 2 or other.ndim > 2:
                np.broadcast_shapes(self.shape[:-2], other.shape[:-2])
        except ValueError as error:
            raise ShapeError(f"matmul: batch dimensions of {self.shape} @ {other.shape} do not "
                             f"broadcast: {self.shape[:-2]} vs {other.shape[:-2]}") from error
        if self.ndim == 1:  # a vector is a row on the left, its extra axis removed after
            return self.unsqueeze(0).matmul(other).squeeze(-2 if other.ndim > 1 else -1)
        if other.ndim == 1:
            return self.matmul(other.unsqueeze(1)).squeeze(-1)
        return ops.MatMul.apply(self, other)

    def dot(self, other: Any) -> Tensor:
        """sum_i x[i] y[i] of two 1-D tensors of one length and one dtype (PyTorch refuses
        matrices, mixed dtypes and bools here; matmul takes those)."""
        return self.matmul(self._vectors("dot", other))

    def vdot(self, other: Any) -> Tensor:
        """sum_i conj(x[i]) y[i]: `dot`, tensors being real here."""
        return self.matmul(self._vectors("vdot", other))

    def _vectors(self, op: str, other: Any) -> Tensor:
        """`other`, checked as PyTorch's dot checks both operands."""
        other = self._coerce(other, op)
        if self.ndim != 1 or other.ndim != 1:
            raise ShapeError(f"{op}: 1D tensors expected, but got {self.ndim}D and {other.ndim}D "
                             f"tensors (shapes {self.shape} and {other.shape})")
        if self.shape != other.shape:
            raise ShapeError(f"{op}: the two vectors must have the same number of elements, got "
                             f"shapes {self.shape} and {other.shape}")
        return self._same_dtype(op, other)

    def _same_dtype(self, op: str, other: Tensor) -> Tensor:
        """`other`, if it has this tensor's dtype and that is numeric (not bool): PyTorch's
        products neither promote nor take bools."""
        if other.dtype != self.dtype:
            raise DTypeMismatchError(f"{op}: expected both operands to have the same dtype, but "
                                     f"found {self.dtype} and {other.dtype} (cast one with "
                                     f".to(dtype))")
        if self.dtype == np.bool_:
            raise DTypeError(f"{op}: not implemented for bool tensors (shapes {self.shape} and "
                             f"{other.shape}); cast them to an integer or floating dtype")
        return other

    def _ranks(self, op: str, other: Any, ranks: tuple[int, int]) -> Tensor:
        other = self._coerce(other, op)
        if (self.ndim, other.ndim) != ranks:
            raise ShapeError(f"{op}: needs {ranks[0]}-D and {ranks[1]}-D operands, got shapes "
                             f"{self.shape} and {other.shape}")
        return other

    def mm(self, mat2: Any) -> Tensor:
        """The product of two matrices (n, m) @ (m, p)."""
        return self.matmul(self._same_dtype("mm", self._ranks("mm", mat2, (2, 2))))

    def bmm(self, mat2: Any) -> Tensor:
        """Batched matrix products (b, n, m) @ (b, m, p) (batches of one size, no broadcast)."""
        mat2 = self._same_dtype("bmm", self._ranks("bmm", mat2, (3, 3)))
        if self.shape[0] != mat2.shape[0]:
            raise ShapeError(f"bmm: batch sizes differ: {self.shape} and {mat2.shape}")
        return self.matmul(mat2)

    def mv(self, vec: Any) -> Tensor:
        """Matrix times vector (n, m) @ (m,)."""
        return self.matmul(self._same_dtype("mv", self._ranks("mv", vec, (2, 1))))

    def outer(self, vec2: Any) -> Tensor:
        """z[i, j] = x[i] y[j]."""
        vec2 = self._ranks("outer", vec2, (1, 1))
        return self.unsqueeze(1) * vec2.unsqueeze(0)

    ger = outer

    def inner(self, other: Any) -> Tensor:
        """The sum over the last axes of x and other of their products (numbers: x * y,
        promoted as *; otherwise one dtype, not bool, as PyTorch's)."""
        other = self._coerce(other, "inner")
        if self.ndim == 0 or other.ndim == 0:
            return self * other
        if self.shape[-1] != other.shape[-1]:
            raise ShapeError(f"inner: last dims differ: {self.shape} and {other.shape}")
        self._same_dtype("inner", other)
        a = self.reshape(math.prod(self.shape[:-1]), self.shape[-1])  # -1 fails at size 0
        b = other.reshape(math.prod(other.shape[:-1]), other.shape[-1])
        return (a @ b.T).reshape(tuple(self.shape[:-1]) + tuple(other.shape[:-1]))

    def addmm(self, mat1: Any, mat2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta x + alpha mat1 @ mat2 (x broadcast to the product's shape; all three of one
        dtype, as PyTorch's)."""
        product = self._same_dtype("addmm", as_tensor(mat1).mm(mat2))
        return added_product(self, product, beta, alpha)

    def addmv(self, mat: Any, vec: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta x + alpha mat @ vec (one dtype)."""
        product = self._same_dtype("addmv", as_tensor(mat).mv(vec))
        return added_product(self, product, beta, alpha)

    def baddbmm(self, batch1: Any, batch2: Any, *, beta: Any = 1, alpha: Any = 1) -> Tensor:
        """beta x + alpha batch1 @ batch2, batch by batch (one dtype)."""
        product = self._same_dtype("baddbmm", as_tensor(batch1).bmm(batch2))
        return added_product(self, product, beta, alpha)


def _scaled(x: Tensor, factor: Any) -> Tensor:
    return x if isinstance(factor, int | float) and factor == 1 else x * factor


def added_product(x: Tensor, product: Tensor, beta: Any, alpha: Any) -> Tensor:
    """beta x + alpha product, PyTorch's addmm family's way: for integer tensors beta and
    alpha are truncated to ints (the result stays integer), and beta = 0 ignores x (its
    NaN and inf are not propagated; x still gets a zero gradient)."""
    if product.dtype.kind in "iu":
        beta, alpha = (int(f) if isinstance(f, float) else f for f in (beta, alpha))
    if isinstance(beta, int | float) and beta == 0:
        return where(False, x, 0) + _scaled(product, alpha)
    return _scaled(x, beta) + _scaled(product, alpha)


def einsum(spec: str, *operands: Any) -> Tensor:
    """Einstein summation over Tensors, e.g. einsum("bij,bjk->bik", a, b) (PyTorch's and
    NumPy's notation, `...` and an implicit output included; operands may also be given as
    one list, or in the sublist form einsum(a, [0, 1], b, [1, 2], [0, 2])).
    Differentiable in every operand."""
    if is_tensor(spec):
        spec, operands = _from_sublists(spec, operands)
    if not isinstance(spec, str):
        raise ArgumentTypeError(f"einsum: the equation must be a str such as 'ij,jk->ik', got "
                                f"{type(spec).__name__} {spec!r}")
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    tensors = [as_tensor(t) for t in operands]
    if len({t.dtype for t in tensors}) > 1:  # PyTorch's products do not promote
        raise DTypeMismatchError(f"einsum: expected operands of one dtype, got "
                         f"{', '.join(str(t.dtype) for t in tensors)} (cast with .to(dtype))")
    inputs, output = _normalise(spec, [t.shape for t in tensors]).split("->")
    subscripts = inputs.split(",")
    for k, s in enumerate(subscripts):
        tensors[k], subscripts[k] = _diagonals(tensors[k], s)
    return ops.Einsum.apply(*tensors, spec=f"{','.join(subscripts)}->{output}")


def _from_sublists(first: Tensor, rest: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """The equation and operands of the sublist form (operand, sublist, operand, sublist,
    ..., [output sublist]): ints 0-25 are the letters a-z, 26-51 A-Z, Ellipsis is ..."""
    items = (first,) + rest

    def letters(sublist: Any) -> str:
        if not isinstance(sublist, list | tuple):
            raise ArgumentTypeError(f"einsum: in the sublist form each operand is followed by a "
                                    f"list of ints or Ellipsis, got {type(sublist).__name__}")
        out = []
        for s in sublist:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, int) and not isinstance(s, bool) and 0 <= s < 52:
                out.append(chr(ord("a") + s) if s < 26 else chr(ord("A") + s - 26))
            else:
                raise ArgumentError(f"einsum: sublist entries must be ints in [0, 52) or "
                                    f"Ellipsis, got {s!r}")
        return "".join(out)

    operands = items[0:len(items) - len(items) % 2:2]
    inputs = [letters(s) for s in items[1:len(items) - len(items) % 2:2]]
    spec = ",".join(inputs)
    if len(items) % 2:
        spec += "->" + letters(items[-1])
    return spec, operands


def _diagonals(x: Tensor, subscripts: str) -> tuple[Tensor, str]:
    """x and its subscripts with every letter repeated within them (a diagonal, "ii->i";
    a trace, "ii->") reduced to one axis: the diagonal of the two, as the last axis."""
    for c in subscripts:
        first = subscripts.find(c)
        second = subscripts.find(c, first + 1)
        if second > 0:
            rest = subscripts[:first] + subscripts[first + 1:second] + subscripts[second + 1:]
            return _diagonals(x.diagonal(0, first, second), rest + c)
    return x, subscripts


def _normalise(spec: str, shapes: list[tuple[int, ...]]) -> str:
    """`spec` with an explicit output and `...` spelled out as letters unused elsewhere."""
    spec = spec.replace(" ", "")
    inputs, arrow, output = spec.partition("->")
    subscripts = inputs.split(",")
    if len(subscripts) != len(shapes):
        raise ArgumentError(f"einsum: spec {spec!r} has {len(subscripts)} operands, got "
                            f"{len(shapes)} tensors")
    letters = set(spec) - {".", ",", "-", ">"}
    if not all(c in string.ascii_letters for c in letters):
        raise ArgumentError(f"einsum: subscripts must be letters (and '...'), got {spec!r}")
    free = [c for c in string.ascii_letters if c not in letters]
    ellipsis_rank = max((len(shape) - len(s.replace("...", "")) for s, shape in
                         zip(subscripts, shapes) if "..." in s), default=0)
    batch = "".join(free[:ellipsis_rank])
    explicit = []
    for s, shape in zip(subscripts, shapes):
        if "..." in s:
            rank = len(shape) - len(s.replace("...", ""))
            s = s.replace("...", batch[ellipsis_rank - rank:] if rank > 0 else "")
        if len(s) != len(shape):
            raise ShapeError(f"einsum: operand {len(explicit)} has shape {shape} but "
                             f"subscripts {s!r} ({len(s)} dims) in {spec!r}")
        explicit.append(s)
    if arrow:
        output = output.replace("...", batch)
        if len(set(output)) != len(output) or not set(output) <= set("".join(explicit)):
            raise ArgumentError(f"einsum: the output {output!r} of {spec!r} must name each "
                                f"letter once, and only letters of the operands")
    else:
        counts = "".join(explicit)
        output = batch + "".join(sorted(c for c in set(counts) - set(batch)
                                        if counts.count(c) == 1))
    _check_sizes(spec, explicit, shapes)
    return f"{','.join(explicit)}->{output}"


def _check_sizes(spec: str, subscripts: list[str], shapes: list[tuple[int, ...]]) -> None:
    """Each letter names one size (1 broadcasts, as NumPy allows)."""
    sizes: dict[str, int] = {}
    for s, shape in zip(subscripts, shapes):
        for c, n in zip(s, shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise ShapeError(f"einsum: letter {c!r} is {sizes[c]} in one operand and {n} "
                                 f"in another (spec {spec!r}, shapes {shapes})")
            sizes[c] = max(sizes.get(c, 1), n)
