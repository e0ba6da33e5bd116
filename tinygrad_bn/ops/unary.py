"""Elementwise ops of one input: the function of each element, and its derivative.

Exp, sqrt, tanh and sigmoid read their output in backward (`uses_output`): the derivative
is cheapest written in z. The piecewise ones (abs, relu, sign, clip) send the gradient
through the pieces that are not constant; at a kink they follow PyTorch.
"""

from __future__ import annotations

import numpy as np

from ..autograd.primitive import Function, new_tensor, wrap_grads
from ..modes import is_grad_enabled
from .filled import zeros_as
from .quiet import quiet


class Neg(Function):
    """z = -x;  dx = -g."""

    reads_no_values = True

    def forward(self, x):
        return -x

    def backward(self, g):
        return -g

    def jvp(self, tx):
        """tz = -tx."""
        return -tx


@quiet
class Exp(Function):
    """z = e^x;  dx = g * z."""

    uses_output = True

    def forward(self, x):
        return np.exp(x)

    def backward(self, g):
        return g * self.output

    def jvp(self, tx):
        """tz = tx z."""
        return tx * self.output


@quiet
class Log(Function):
    """z = ln x;  dx = g / x."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.log(x)

    def backward(self, g):
        return g / self.parents[0]

    def jvp(self, tx):
        """tz = tx / x."""
        return tx / self.parents[0]


@quiet
class Sqrt(Function):
    """z = sqrt(x);  dx = g / (2 z)."""

    uses_output = True

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g):
        return g / (self.output * 2)

    def jvp(self, tx):
        """tz = tx / (2 z)."""
        return tx / (self.output * 2)


class Abs(Function):
    """z = |x|;  dx = g * sign(x) (0 at x = 0 and at NaN, as PyTorch)."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.abs(x)

    def backward(self, g):
        return g * _sign(self.parents[0]._data)

    def jvp(self, tx):
        """tz = tx sign(x)."""
        return tx * _sign(self.parents[0]._data)


def _sign(x: np.ndarray) -> np.ndarray:
    """sign(x) with 0 at NaN: |x|'s slope, where PyTorch lets no NaN through."""
    return np.where(np.isnan(x), 0, np.sign(x)) if x.dtype.kind in "fc" else np.sign(x)


class Sin(Function):
    """z = sin x;  dx = g cos x."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.sin(x)

    def backward(self, g):
        return g * Cos.apply(self.parents[0])

    def jvp(self, tx):
        """tz = tx cos x."""
        return tx * Cos.apply(self.parents[0])


class Cos(Function):
    """z = cos x;  dx = -g sin x."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.cos(x)

    def backward(self, g):
        return -g * Sin.apply(self.parents[0])

    def jvp(self, tx):
        """tz = -tx sin x."""
        return -tx * Sin.apply(self.parents[0])


class HyperbolicTangent(Function):
    """z = tanh x;  dx = g * (1 - z^2)."""

    uses_output = True

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g):
        z = self.output
        return g * (1 - z * z)

    def jvp(self, tx):
        """tz = tx (1 - z^2)."""
        z = self.output
        return tx * (1 - z * z)


class Logistic(Function):
    """z = 1 / (1 + e^-x);  dx = g * z * (1 - z)."""

    uses_output = True
    fresh_grads = True  # the plain backward returns a new array
    exact_grads = True  # g * z (1 - z): g's shape and dtype, which are x's (z is made in x's)

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
        if not is_grad_enabled():
            return wrap_grads(self.backward_arrays(g._data))
        z = self.output  # create_graph: Tensor ops, differentiable
        return g * z * (1 - z)

    def backward_arrays(self, g):
        """The plain rule on ndarrays."""
        z = self.output._data
        return (g * (z * (1 - z)),)

    def jvp(self, tx):
        """tz = tx z (1 - z)."""
        z = self.output
        return tx * z * (1 - z)


class Rectify(Function):
    """z = max(x, 0);  dx = g where not z <= 0 (0 at the kink x = 0; g at NaN, as PyTorch).

    The mask is read from the output (z > 0 exactly where x > 0), as PyTorch's: writing
    the input in place afterwards is allowed, writing the output is not. z is >= 0 or NaN,
    so "not z <= 0" is z != 0: one comparison, no negation pass."""

    uses_output = True
    fresh_grads = True  # the plain backward returns a new array
    exact_grads = True  # g * mask: g's shape and dtype, which are x's

    def forward(self, x):
        if x.dtype.kind == "f" and x.flags.c_contiguous:
            # against an array of zeros NumPy's maximum runs its vectorized loop, 2.5x
            # faster than against the scalar 0 (ops/filled.py); the same values, the same
            # C layout
            return np.maximum(x, zeros_as(x))
        return np.maximum(x, 0)

    def backward(self, g):
        if not is_grad_enabled():
            return wrap_grads(self.backward_arrays(g._data))
        return g * (self.output._data != 0)  # create_graph: a Tensor op, differentiable in g

    def backward_arrays(self, g):
        """The plain rule on ndarrays; the mask is not z <= 0 (see the class docstring)."""
        return (g * (self.output._data != 0),)

    def jvp(self, tx):
        """tz = tx where not z <= 0."""
        return tx * (self.output._data != 0)


class Sign(Function):
    """z = sign x (-1, 0 or 1; 0 at NaN, as PyTorch's);  dx = 0 (piecewise constant)."""

    reads_no_values = True

    def forward(self, x):
        z = np.sign(x)
        if x.dtype.kind == "f" and np.isnan(z).any():
            z = np.where(np.isnan(z), 0, z).astype(x.dtype)
        return z

    def backward(self, g):
        return g * 0

    def jvp(self, tx):
        """tz = 0."""
        return None  # a zero tangent


class ZeroNaN(Function):
    """z = 0 where x is NaN, else x;  dx = g * (x is not NaN): a product, as PyTorch's nansum
    derivative, so an inf or NaN g reaching a dropped NaN gives NaN there (a select would
    give 0)."""

    def forward(self, x):
        self.keep = ~np.isnan(x)
        return np.where(self.keep, x, np.zeros((), x.dtype))

    def backward(self, g):
        return g * new_tensor(self.keep.astype(g.dtype))

    def jvp(self, tx):
        """tz = tx * (x is not NaN)."""
        return tx * new_tensor(self.keep.astype(tx.dtype))


class Stepwise(Function):
    """z = `value`, a piecewise-constant function of x that the caller computed (the sign of
    a determinant, the count of nonzero elements);  dx = 0. The result stays in the graph
    and requires grad, as PyTorch's does, with a zero gradient of x's shape."""

    reads_no_values = True

    def forward(self, x):
        return self.value

    def backward(self, g):
        x = self.parents[0]
        return new_tensor(np.zeros(x._data.shape, x._data.dtype))

    def jvp(self, tx):
        """tz = 0."""
        return None  # a zero tangent


class Clip(Function):
    """z = min(max(x, low), high);  dx = g where low <= x <= high."""

    saves_inputs = (0,)

    def forward(self, x):
        return np.clip(x, self.low, self.high)

    def backward(self, g):
        return g * self._inside()

    def jvp(self, tx):
        """tz = tx where low <= x <= high."""
        return tx * self._inside()

    def _inside(self) -> np.ndarray:
        x = self.parents[0]._data
        inside = np.ones(x.shape, dtype=bool)
        if self.low is not None:
            inside &= x >= self.low
        if self.high is not None:
            inside &= x <= self.high
        return inside


class Cast(Function):
    """z = x as another dtype;  dx = g cast back to x's dtype."""

    reads_no_values = True

    def forward(self, x):
        return x.astype(self.dtype)

    def backward(self, g):
        return g.astype(self.parents[0].dtype)

    def jvp(self, tx):
        """tz = tx cast to the new dtype."""
        return tx.astype(self.dtype)


class Clone(Function):
    """z = a copy of x (new memory);  dx = g."""

    reads_no_values = True

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g

    def jvp(self, tx):
        """tz = tx."""
        return tx
