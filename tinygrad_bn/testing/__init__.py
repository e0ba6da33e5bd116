"""Testing helpers for tinygrad_bn and for code built on it.

`tinygrad_bn.testing.assert_close` and `make_tensor` are PyTorch's `torch.testing` ones
(comparison.py), so test suites written against PyTorch run after changing imports.

`tinygrad_bn.testing.strategies`: Hypothesis strategies that draw shapes,
broadcastable shape tuples, valid axes and float64 arrays/tensors kept away
from the points where a numerical gradient check is ill-posed (kinks, ties,
poles, near-zero variance). Requires the `hypothesis` package (the `dev`
extra); importing `tinygrad_bn` itself does not.
"""

from .comparison import assert_close, make_tensor

__all__ = ["assert_close", "make_tensor"]
