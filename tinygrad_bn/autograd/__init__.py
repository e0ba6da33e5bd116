"""Reverse-mode automatic differentiation: the primitive op and the engine.

Read `function.py` first (an op and how a call records it), then `engine.py` (the
backward pass over the recorded graph). The ops themselves are in tinygrad_bn/ops/.
"""

from .engine import grad

__all__ = ["grad"]
