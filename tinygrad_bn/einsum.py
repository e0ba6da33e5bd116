"""`tg.einsum`: Einstein summation as one op, with its backward as einsums too.

For z = einsum("ij,jk->ik", a, b), the gradient of operand k contracts the
upstream g with every other operand onto k's subscripts: da = einsum("ik,jk->ij",
g, b), db = einsum("ij,ik->jk", a, g). A subscript that only operand k has (summed
away in the forward, e.g. j in "ij->i") is absent from those operands, so its
gradient is broadcast back along it. Every gradient is an Einsum, so second
derivatives follow. The spec is normalised first: `...` becomes explicit letters,
and an implicit output (no `->`) is the letters used once, in alphabetical order,
as in NumPy and PyTorch.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np

from .errors import ArgumentError, ShapeError
from .ops import sum_tangents
from .tensor import Function, Tensor, as_tensor


class Einsum(Function):
    """z = einsum(spec, *xs) for a normalised spec (explicit output, no ellipsis, no letter
    repeated within one operand); each dx_k = einsum(out, others -> in_k)(g, others),
    broadcast along the letters only x_k has; the tangent is the sum over k of the spec
    applied with t_k in place of x_k."""

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
            grads.append(grad)
        return tuple(grads)

    def jvp(self, *tangents):
        """dz = sum_k einsum(spec)(x_1, ..., t_k, ..., x_n): linear in each operand."""
        terms = [Einsum.apply(*self.parents[:k], t, *self.parents[k + 1:], spec=self.spec)
                 for k, t in enumerate(tangents) if t is not None]
        return sum_tangents(*terms)


def einsum(spec: str, *operands: Any) -> Tensor:
    """Einstein summation over Tensors, e.g. einsum("bij,bjk->bik", a, b) (PyTorch's and
    NumPy's notation, `...` and an implicit output included; operands may also be given as
    one list). Differentiable in every operand."""
    if len(operands) == 1 and isinstance(operands[0], list | tuple):
        operands = tuple(operands[0])
    tensors = [as_tensor(t) for t in operands]
    normalised = _normalise(spec, [t.shape for t in tensors])
    return Einsum.apply(*tensors, spec=normalised)


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
        if len(set(s)) != len(s):
            raise ArgumentError(f"einsum: a letter repeated within one operand ({s!r} in "
                                f"{spec!r}, a diagonal or trace) is not supported; take the "
                                f"diagonal by indexing first")
        explicit.append(s)
    if arrow:
        output = output.replace("...", batch)
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
