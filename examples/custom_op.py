"""Write your own op and check its gradient with gradcheck and Hypothesis.

    python examples/custom_op.py        (needs hypothesis: pip install hypothesis)

An op is a `Function`: `forward` computes on NumPy arrays, `backward` gets the
gradient of the output as a Tensor and returns the gradient of each input,
written with Tensor ops, so that it can itself be differentiated (second
derivatives, `tg.gradgradcheck`). The inputs are `self.parents`. Its third face,
`jvp`, maps the input's tangent to the output's (forward mode, `tg.jvp`); gradcheck
checks it too.
"""

import atexit
import shutil
import tempfile

import numpy as np
from hypothesis import given, settings
from hypothesis.configuration import set_hypothesis_home_dir

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.tensor import Function
from tinygrad_bn.testing import strategies as tst


class Softplus(Function):
    """z = log(1 + e^x);  dz/dx = sigmoid(x)."""

    def forward(self, x):
        # log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no overflow for large |x|
        return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))

    def backward(self, g):
        return g * self.parents[0].sigmoid()

    def jvp(self, tx):
        return tx * self.parents[0].sigmoid()


def softplus(x: Tensor) -> Tensor:
    return Softplus.apply(x)


# 1. one fixed input: central differences in float64 against the backward
x = Tensor(np.linspace(-4, 4, 9), requires_grad=True)
assert tg.gradcheck(softplus, [x])
assert tg.gradgradcheck(softplus, [x])  # the backward's own gradient
print("gradcheck and gradgradcheck pass at", x.shape)


# Hypothesis keeps caches in ./.hypothesis/ by default: a temporary directory instead, so the
# example leaves nothing in the directory it is run from
_cache = tempfile.mkdtemp(prefix="hypothesis-")
atexit.register(shutil.rmtree, _cache, ignore_errors=True)
set_hypothesis_home_dir(_cache)


# 2. a property over drawn inputs: any shape, values in [-20, 20], float64
@settings(max_examples=30, deadline=None, database=None)
@given(tst.tensors(min_value=-20.0, max_value=20.0))
def check_softplus(x: Tensor) -> None:
    y = softplus(x)
    np.testing.assert_allclose(y.numpy(), np.logaddexp(0, x.numpy()), rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(softplus, [x])


check_softplus()
print("Hypothesis: 30 drawn tensors pass (forward vs np.logaddexp, gradient vs differences)")


# 3. a wrong backward is caught: gradcheck names the element and both values
class BadSoftplus(Softplus):
    def backward(self, g):
        return g * self.parents[0].tanh()  # wrong derivative


try:
    tg.gradcheck(BadSoftplus.apply, [x])
except tg.GradcheckError as error:
    print(f"a wrong backward is reported:\n  {error}")
else:
    raise SystemExit("gradcheck missed a wrong gradient")
