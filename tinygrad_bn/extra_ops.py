"""Primitive ops added for the PyTorch surface: sin, cos, sign, prod, cumsum, flip, clone.

Same contract as tinygrad_bn/ops.py: `forward` on ndarrays, `backward` and the
forward-mode `jvp` in Tensor ops beside it (so second derivatives follow),
broadcasting undone by the engine. The Tensor methods that reach them, and the composites built on
them, are in tinygrad_bn/composite.py; einsum has its own module.
"""

from __future__ import annotations

import numpy as np

from .tensor import Function, Tensor, concatenate, is_grad_enabled


class Sin(Function):
    """z = sin x;  dx = g cos x."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.sin(x)

    def backward(self, g):
        return g * Cos.apply(self.parents[0])

    def jvp(self, tx):
        return tx * Cos.apply(self.parents[0])


class Cos(Function):
    """z = cos x;  dx = -g sin x."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.cos(x)

    def backward(self, g):
        return -g * Sin.apply(self.parents[0])

    def jvp(self, tx):
        return -tx * Sin.apply(self.parents[0])


class Sign(Function):
    """z = sign x (-1, 0 or 1);  dx = 0 (piecewise constant, as PyTorch's)."""

    def forward(self, x):
        return np.sign(x)

    def backward(self, g):
        return g * 0

    def jvp(self, tx):
        return None  # a zero tangent


class Prod(Function):
    """z = product of x along `axis`;  dx_i = g * prod_{j != i} x_j. Not g * z / x_i, which
    divides by zero at zeros and loses all precision near them. The products of the others
    are, in a plain backward, the exclusive running products from the left times those from
    the right (ndarrays); under create_graph, one Prod per i of x without its i-th slice
    (Tensor ops, so differentiable again; n Prods, only when higher derivatives are wanted)."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.multiply.reduce(x, axis=self.axis, keepdims=self.keepdims)

    def backward(self, g):
        x, axis = self.parents[0], self.axis
        return g.reshape(x.shape[:axis] + (1,) + x.shape[axis + 1:]) * self._others()

    def jvp(self, tx):
        """dz = sum_i tx_i prod_{j != i} x_j."""
        return (tx * self._others()).sum(axis=self.axis, keepdims=self.keepdims)

    def _others(self) -> Tensor:
        x = self.parents[0]
        if is_grad_enabled():
            return _products_of_others(x, self.axis)
        return Tensor._from_op(_exclusive_products(x.data, self.axis), None)


def _exclusive_products(x: np.ndarray, axis: int) -> np.ndarray:
    """out_i = prod_{j != i} x_j along `axis`: prod_{j < i} x_j * prod_{j > i} x_j."""
    if x.shape[axis] == 0:
        return np.ones_like(x)
    ones = np.ones_like(np.take(x, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, np.take(x, range(x.shape[axis] - 1), axis=axis)],
                                     axis=axis), axis=axis)
    flipped = np.flip(x, axis)
    right = np.cumprod(np.concatenate([ones, np.take(flipped, range(x.shape[axis] - 1),
                                                     axis=axis)], axis=axis), axis=axis)
    return left * np.flip(right, axis)


def _products_of_others(x: Tensor, axis: int) -> Tensor:
    """out_i = prod_{j != i} x_j along `axis`, one Prod per i of x without its i-th slice."""
    if x.shape[axis] == 0:  # no elements: nothing to differentiate
        return Tensor._from_op(np.ones_like(x.data), None)

    def part(start: int, stop: int | None) -> Tensor:
        return x[(slice(None),) * axis + (slice(start, stop),)]
    others = [Prod.apply(concatenate([part(0, i), part(i + 1, None)], axis), axis=axis,
                         keepdims=True) for i in range(x.shape[axis])]
    return concatenate(others, axis)


class Cumsum(Function):
    """z_i = sum_{j <= i} x_j along `axis`;  dx_i = sum_{j >= i} g_j, the reversed cumsum
    of the reversed g."""

    def forward(self, x):
        return np.cumsum(x, axis=self.axis, dtype=x.dtype if x.dtype.kind == "f" else None)

    def backward(self, g):
        flipped = Flip.apply(g, axes=(self.axis,))
        return Flip.apply(Cumsum.apply(flipped, axis=self.axis), axes=(self.axis,))

    def jvp(self, tx):
        return Cumsum.apply(tx, axis=self.axis)


class Flip(Function):
    """z = x reversed along `axes`;  dx = g reversed along the same axes."""

    def forward(self, x):
        return np.flip(x, self.axes)

    def backward(self, g):
        return Flip.apply(g, axes=self.axes)

    def jvp(self, tx):
        return Flip.apply(tx, axes=self.axes)


class Clone(Function):
    """z = a copy of x (new memory);  dx = g."""

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g

    def jvp(self, tx):
        return tx
