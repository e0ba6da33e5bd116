"""Reverse-mode automatic differentiation: the primitive op and the engine.

Read `function.py` first (an op and how a call records it), then `engine.py` (the
backward pass over the recorded graph), then `versions.py` (in-place writes). The ops
themselves are in tinygrad_bn/ops/. `tg.autograd.Function` is PyTorch's way to write a
custom op (`custom.py`); `grad` (a tuple; an unused input refused unless allow_unused,
unlike tg.grad) and `backward` are PyTorch's functions, `Variable` its legacy wrapper
(`variable.py`). `tg.autograd.functional` (PyTorch's vjp, jvp, jacobian, hessian,
hvp, vhp) is tinygrad_bn/autograd_functional.py: it builds on tg.func, above the core,
so the package root attaches it here.
"""

from .custom import Function, FunctionCtx, once_differentiable
from .engine import autograd_grad as grad  # PyTorch's (tg.grad: None for unused)
from .engine import backward
from .variable import Variable

__all__ = ["Function", "FunctionCtx", "Variable", "backward", "grad", "once_differentiable"]
