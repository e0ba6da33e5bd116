"""Products over shared axes: matmul, and einsum, which writes every other one.

For z = einsum("ij,jk->ik", a, b), the gradient of operand k contracts the upstream g
with every other operand onto k's subscripts: da = einsum("ik,jk->ij", g, b),
db = einsum("ij,ik->jk", a, g). A subscript that only operand k has (summed away in the
forward, e.g. j in "ij->i") is absent from those operands, so its gradient is broadcast
back along it. Every gradient is an Einsum (or MatMul), so second derivatives follow.
"""

from __future__ import annotations

import numpy as np

from ..autograd.function import Function, sum_tangents


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
