"""Primitive ops: each a `Function` with its forward (ndarrays), backward (Tensors) and jvp
(forward mode, Tensors) side by side.

Backward rules are written with Tensor ops, so they are differentiable and
`create_graph=True` gives higher derivatives. Broadcasting is undone in one
place, `tensor.unbroadcast`, which the engine applies to every gradient whose
shape differs from its input's: a binary op's backward may return the
broadcast-shaped gradient. A jvp rule maps the inputs' tangents (None: zero) to the
output's; tinygrad_bn/forward_ad.py broadcasts it to the output's shape and dtype, so
`jvp` of Add may return a tangent of one input's shape. An index of the rules:
docs/autograd.md.

Composite ops (mean, var, min, softmax, ...) have no class here: they are
built from these primitives, and their gradients follow.
"""

from __future__ import annotations

import numpy as np

from .tensor import Function, Tensor, is_grad_enabled, where

# ---------------------------------------------------------------- elementwise, two inputs


class Add(Function):
    """z = x + y;  dx = g, dy = g."""

    def forward(self, x, y):
        return x + y

    def backward(self, g):
        return g, g

    def jvp(self, tx, ty):
        return sum_tangents(tx, ty)


class Sub(Function):
    """z = x - y;  dx = g, dy = -g."""

    def forward(self, x, y):
        return x - y

    def backward(self, g):
        return g, -g if self.parents[1].requires_grad else None

    def jvp(self, tx, ty):
        return sum_tangents(tx, None if ty is None else -ty)


class Mul(Function):
    """z = x * y;  dx = g * y, dy = g * x."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return x * y

    def backward(self, g):
        x, y = self.parents
        return (g * y if x.requires_grad else None), (g * x if y.requires_grad else None)

    def jvp(self, tx, ty):
        x, y = self.parents
        return sum_tangents(None if tx is None else tx * y, None if ty is None else x * ty)


class Div(Function):
    """z = x / y;  dx = g / y, dy = -g * x / y**2."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return x / y

    def backward(self, g):
        x, y = self.parents
        gx = g / y if x.requires_grad else None
        gy = -g * x / (y * y) if y.requires_grad else None
        return gx, gy

    def jvp(self, tx, ty):
        x, y = self.parents
        return sum_tangents(None if tx is None else tx / y,
                            None if ty is None else -ty * x / (y * y))


class Pow(Function):
    """z = x ** y;  dx = g * y * x**(y-1), dy = g * z * log(x).

    At base 0 the formulas meet 0 * inf: as PyTorch, the y = 0 term of dx is exactly 0
    (x**0 is constant), and dy is 0 where x = 0 and y >= 0 (z is 0 or 1 there; the
    limit of z log x is 0). Both are made with `where` on a safe operand (exponent 1,
    base 1), so the gradients stay differentiable and finite second derivatives elsewhere.
    """

    uses_output = True
    saves_inputs = (0, 1)

    def forward(self, x, y):
        return x**y

    def backward(self, g):
        x, y = self.parents
        gx = g * y * x ** (self._safe_exponent() - 1) if x.requires_grad else None
        gy = g * self.output * self._safe_base().log() if y.requires_grad else None
        return gx, gy

    def jvp(self, tx, ty):
        x, y = self.parents
        return sum_tangents(None if tx is None else tx * y * x ** (self._safe_exponent() - 1),
                            None if ty is None else ty * self.output * self._safe_base().log())

    def _safe_exponent(self) -> Tensor:
        """y, with 1 where x = y = 0: there y * x**(y - 1) is 0 (x**0 is constant), not
        0 * 0**-1 = NaN."""
        x, y = self.parents
        both_zero = (x.data == 0) & (y.data == 0)
        return where(both_zero, 1.0, y) if both_zero.any() else y

    def _safe_base(self) -> Tensor:
        """x, with 1 where x = 0 and y >= 0: there the limit of z log x is 0 = z log 1."""
        x, y = self.parents
        limit = (x.data == 0) & (y.data >= 0)
        return where(limit, 1.0, x) if limit.any() else x


class Maximum(Function):
    """z = max(x, y) elementwise; the gradient goes to the larger input, split evenly on ties."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return np.maximum(x, y)

    def backward(self, g):
        x, y = self.parents
        share_x = (x.data > y.data) + 0.5 * (x.data == y.data)
        return g * share_x.astype(g.dtype), g * (1 - share_x).astype(g.dtype)

    def jvp(self, tx, ty):
        x, y = self.parents
        share_x = ((x.data > y.data) + 0.5 * (x.data == y.data)).astype(x.dtype)
        return sum_tangents(None if tx is None else tx * share_x,
                            None if ty is None else ty * (1 - share_x))


class Minimum(Function):
    """z = min(x, y) elementwise; the gradient goes to the smaller input, split evenly on ties.
    Its own op, not -maximum(-x, -y): negation overflows integers (-(-2**31) in int32) and
    is undefined for bools."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return np.minimum(x, y)

    def backward(self, g):
        x, y = self.parents
        share_x = (x.data < y.data) + 0.5 * (x.data == y.data)
        return g * share_x.astype(g.dtype), g * (1 - share_x).astype(g.dtype)

    def jvp(self, tx, ty):
        x, y = self.parents
        share_x = ((x.data < y.data) + 0.5 * (x.data == y.data)).astype(x.dtype)
        return sum_tangents(None if tx is None else tx * share_x,
                            None if ty is None else ty * (1 - share_x))


class Where(Function):
    """z = x where cond else y;  dx = g where cond, dy = g elsewhere (cond: no gradient)."""

    def forward(self, x, y):
        return np.where(self.cond, x, y)

    def backward(self, g):
        return g * self.cond, g * ~self.cond

    def jvp(self, tx, ty):
        tx, ty = _or_zeros(self.parents, (tx, ty))
        return Where.apply(tx, ty, cond=self.cond)


class MatMul(Function):
    """z = x @ y over the last two axes (leading axes broadcast);
    dx = g @ y^T, dy = x^T @ g."""

    saves_inputs = (0, 1)

    def forward(self, x, y):
        return np.matmul(x, y)

    def backward(self, g):
        x, y = self.parents
        gx = g @ y.swapaxes(-1, -2) if x.requires_grad else None
        gy = x.swapaxes(-1, -2) @ g if y.requires_grad else None
        return gx, gy

    def jvp(self, tx, ty):
        x, y = self.parents
        return sum_tangents(None if tx is None else MatMul.apply(tx, y),
                    None if ty is None else MatMul.apply(x, ty))


# ---------------------------------------------------------------- elementwise, one input


class Neg(Function):
    """z = -x;  dx = -g."""

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g

    def jvp(self, tx):
        return -tx


class Exp(Function):
    """z = e^x;  dx = g * z."""

    uses_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, g):
        return g * self.output

    def jvp(self, tx):
        return tx * self.output


class Log(Function):
    """z = ln x;  dx = g / x."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.log(x)

    def backward(self, g):
        return g / self.parents[0]

    def jvp(self, tx):
        return tx / self.parents[0]


class Sqrt(Function):
    """z = sqrt(x);  dx = g / (2 z)."""

    uses_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g):
        return g / (self.output * 2)

    def jvp(self, tx):
        return tx / (self.output * 2)


class Abs(Function):
    """z = |x|;  dx = g * sign(x) (0 at x = 0)."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.abs(x)

    def backward(self, g):
        return g * np.sign(self.parents[0].data)

    def jvp(self, tx):
        return tx * np.sign(self.parents[0].data)


class Tanh(Function):
    """z = tanh x;  dx = g * (1 - z^2)."""

    uses_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g):
        z = self.output
        return g * (1 - z * z)

    def jvp(self, tx):
        z = self.output
        return tx * (1 - z * z)


class Sigmoid(Function):
    """z = 1 / (1 + e^-x);  dx = g * z * (1 - z)."""

    uses_output = True
    fresh_grads = True  # the plain backward returns a new array

    def forward(self, x):
        # e^min(x, 0) / (1 + e^-|x|): 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) below,
        # so no exponent is positive (no overflow for any x) and small outputs keep their
        # relative precision. Two exps cost less than np.where on a mixed-sign mask.
        if x.dtype.kind != "f":  # -|x| would wrap for unsigned ints: the float np.exp gives
            x = x.astype(np.result_type(x.dtype, np.float16))
        denominator = np.exp(-np.abs(x))
        denominator += 1
        return np.exp(np.minimum(x, 0)) / denominator

    def backward(self, g):
        z = self.output
        if is_grad_enabled():  # create_graph: Tensor ops, differentiable
            return g * z * (1 - z)
        # plain backward: no graph to record, so skip the Tensor wrapping of each product
        return Tensor._from_op(g.data * (z.data * (1 - z.data)), None)

    def jvp(self, tx):
        z = self.output
        return tx * z * (1 - z)


class ReLU(Function):
    """z = max(x, 0);  dx = g where x > 0 (0 at the kink x = 0, as PyTorch)."""

    saves_inputs = (0,)
    fresh_grads = True  # the plain backward returns a new array

    def forward(self, x):
        return np.maximum(x, 0)

    def backward(self, g):
        positive = self.parents[0].data > 0
        if is_grad_enabled():  # create_graph: a Tensor op, differentiable in g
            return g * positive
        return Tensor._from_op(g.data * positive, None)

    def jvp(self, tx):
        return tx * (self.parents[0].data > 0)


class Clip(Function):
    """z = min(max(x, low), high);  dx = g where low <= x <= high."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.clip(x, self.low, self.high)

    def backward(self, g):
        return g * self._inside()

    def jvp(self, tx):
        return tx * self._inside()

    def _inside(self) -> np.ndarray:
        x = self.parents[0].data
        inside = np.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return inside


class Cast(Function):
    """z = x as another dtype;  dx = g cast back to x's dtype."""

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, g):
        return g.astype(self.parents[0].dtype)

    def jvp(self, tx):
        return tx.astype(self.dtype)


# ---------------------------------------------------------------- reductions


class Sum(Function):
    """z = sum of x over `axes`;  dx = g broadcast back over the summed axes."""

    def forward(self, x):
        # the ufunc's reduce directly: ndarray.sum adds a Python-level wrapper per call
        return np.add.reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        x = self.parents[0]
        if not self.keepdims:
            g = g.reshape(_kept_shape(x.shape, self.axes))
        return g.expand(x.shape)

    def jvp(self, tx):
        return Sum.apply(tx, axes=self.axes, keepdims=self.keepdims)


class Max(Function):
    """z = max of x over `axes`;  dx = g at the maxima, split evenly between ties."""

    uses_output = True
    saves_inputs = (0,)

    def forward(self, x):
        return np.maximum.reduce(x, axis=self.axes, keepdims=self.keepdims)

    def backward(self, g):
        x = self.parents[0]
        return g.reshape(_kept_shape(x.shape, self.axes)) * self._share(g.dtype)

    def jvp(self, tx):
        return Sum.apply(tx * self._share(tx.dtype), axes=self.axes, keepdims=self.keepdims)

    def _share(self, dtype) -> np.ndarray:
        """1 / (number of maxima) at each maximum of its slice, 0 elsewhere."""
        x = self.parents[0]
        is_max = x.data == self.output.data.reshape(_kept_shape(x.shape, self.axes))
        return (is_max / is_max.sum(axis=self.axes, keepdims=True)).astype(dtype)


class Min(Max):
    """z = min of x over `axes`;  dx = g at the minima, split evenly between ties (Max's
    backward: it finds the cells equal to the output). Exact for integers and bools,
    where -max(-x) would overflow."""

    def forward(self, x):
        return np.minimum.reduce(x, axis=self.axes, keepdims=self.keepdims)


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


# ---------------------------------------------------------------- movement


class Reshape(Function):
    """z = x viewed with another shape;  dx = g reshaped back."""

    def forward(self, x):
        return x.reshape(self.shape)

    def backward(self, g):
        return g.reshape(self.parents[0].shape)

    def jvp(self, tx):
        return Reshape.apply(tx, shape=self.shape)


class Transpose(Function):
    """z = x with axes permuted;  dx = g with the inverse permutation."""

    def forward(self, x):
        return x.transpose(self.axes)

    def backward(self, g):
        return g.transpose(tuple(np.argsort(self.axes)))

    def jvp(self, tx):
        return Transpose.apply(tx, axes=self.axes)


class Expand(Function):
    """z = x broadcast to `shape`;  dx = g summed back (by the engine's unbroadcast)."""

    def forward(self, x):
        return np.broadcast_to(x, self.shape)

    def backward(self, g):
        return g

    def jvp(self, tx):
        return Expand.apply(tx, shape=self.shape)


class Pad(Function):
    """z = x padded with a constant;  dx = the interior of g."""

    def forward(self, x):
        return np.pad(x, self.pad_width, constant_values=self.value)

    def backward(self, g):
        inner = tuple(slice(lo, g.shape[i] - hi) for i, (lo, hi) in enumerate(self.pad_width))
        return g[inner]

    def jvp(self, tx):  # the padding is constant: its tangent is 0
        return Pad.apply(tx, pad_width=self.pad_width, value=0.0)


class GetItem(Function):
    """z = x[index];  dx = zeros with g added at index (repeated indices accumulate)."""

    def forward(self, x):
        return x[self.index]

    def backward(self, g):
        return ScatterAdd.apply(g, index=self.index, shape=self.parents[0].shape)

    def jvp(self, tx):
        return GetItem.apply(tx, index=self.index)


class ScatterAdd(Function):
    """z = zeros(shape) with x added at index;  dx = g[index]. The adjoint of GetItem."""

    def forward(self, x):
        out = np.zeros(self.shape, dtype=x.dtype)
        if _is_basic_index(self.index):
            out[self.index] = x  # a basic index hits each cell once: no accumulation needed
        else:
            np.add.at(out, self.index, x)
        return out

    def backward(self, g):
        return g[self.index]

    def jvp(self, tx):
        return ScatterAdd.apply(tx, index=self.index, shape=self.shape)


def _is_basic_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return not any(isinstance(i, np.ndarray | list | Tensor) for i in items)


class Concatenate(Function):
    """z = inputs joined along `axis`;  each input's gradient is its slice of g."""

    def forward(self, *xs):
        return np.concatenate(xs, axis=self.axis)

    def backward(self, g):
        grads, start = [], 0
        for x in self.parents:
            stop = start + x.shape[self.axis]
            index = (slice(None),) * self.axis + (slice(start, stop),)
            grads.append(g[index] if x.requires_grad else None)
            start = stop
        return tuple(grads)

    def jvp(self, *tangents):
        return Concatenate.apply(*_or_zeros(self.parents, tangents), axis=self.axis)


# ---------------------------------------------------------------- helpers of the jvp rules


def sum_tangents(*terms: Tensor | None) -> Tensor | None:
    """The sum of the terms, None standing for a zero tangent (so a rule computes only the
    terms it has); None if all are."""
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total


def _or_zeros(parents, tangents) -> list[Tensor]:
    """Each tangent, or zeros of its parent's shape and dtype where it is None."""
    return [Tensor._from_op(np.zeros(p.shape, dtype=p.dtype), None) if t is None else t
            for p, t in zip(parents, tangents)]
