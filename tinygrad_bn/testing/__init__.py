"""Testing helpers for tinygrad_bn and for code built on it.

`tinygrad_bn.testing.strategies`: Hypothesis strategies that draw shapes,
broadcastable shape tuples, valid axes and float64 arrays/tensors kept away
from the points where a numerical gradient check is ill-posed (kinks, ties,
poles, near-zero variance). Requires the `hypothesis` package (the `dev`
extra); importing `tinygrad_bn` itself does not.
"""
