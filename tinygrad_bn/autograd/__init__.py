"""Reverse-mode automatic differentiation: the primitive op and the engine.

Read `primitive.py` first (an op and how a call records it), then `engine.py` (the
backward pass over the recorded graph), then `versions.py` (in-place writes). The ops
themselves are in tinygrad_bn/ops/. `tg.autograd.Function` is PyTorch's way to write a
custom op (`custom.py`); `grad` (a tuple; an unused input refused unless allow_unused,
unlike tg.grad) and `backward` are PyTorch's functions, `Variable` its legacy wrapper
(`variable.py`). `tg.autograd.functional` (PyTorch's vjp, jvp, jacobian, hessian,
hvp, vhp) is tinygrad_bn/autograd_functional.py: it builds on tg.func, above the core,
so the package root attaches it here. The modes (no_grad, set_grad_enabled,
detect_anomaly, set_detect_anomaly) are modes.py's and anomaly.py's, here under PyTorch's
torch.autograd names too.
"""

from ..anomaly import detect_anomaly
from ..modes import enable_grad, inference_mode, no_grad, set_detect_anomaly, set_grad_enabled
from . import function as function  # torch.autograd.function: an attribute, as in PyTorch
from .custom import Function, FunctionCtx
from .engine import autograd_grad as grad  # PyTorch's (tg.grad: None for unused)
from .engine import backward
from .once import once_differentiable
from .variable import Variable

__all__ = ["Function", "FunctionCtx", "Variable", "backward", "grad", "once_differentiable",
           # PyTorch's torch.autograd also holds the modes: anomaly detection and recording
           "detect_anomaly", "enable_grad", "inference_mode", "no_grad", "set_detect_anomaly",
           "set_grad_enabled"]
