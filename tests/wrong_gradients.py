"""Functions with deliberately wrong derivatives, for tests that gradcheck catches them."""

from tinygrad_bn import Tensor
from tinygrad_bn.tensor import Function


class HalfSquare(Function):
    """x**2 whose backward forgets the 2: analytic = numerical / 2 everywhere."""

    def forward(self, x):
        return x * x

    def backward(self, g):
        return g * self.parents[0]

    def jvp(self, tx):  # right: the forward check then sees the backward disagree
        return 2 * tx * self.parents[0]


class FrozenSquare(Function):
    """x**2 whose backward is numerically right but built from a constant array: it is not
    differentiable in turn, so its second derivative is wrong."""

    def forward(self, x):
        return x * x

    def backward(self, g):
        return g * Tensor(2 * self.parents[0].data)

    def jvp(self, tx):  # the same frozen constant: right values, not differentiable
        return tx * Tensor(2 * self.parents[0].data)
