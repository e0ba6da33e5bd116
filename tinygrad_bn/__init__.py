"""tinygrad_bn: reverse-mode autodiff on NumPy, with batch normalization derived twice."""

from . import forward_ad, func, nn, optim, viz
from .anomaly import detect_anomaly
from .checkpoint import checkpoint
from .compiler import CompileError, compile
from .errors import (
    AllocationError,
    AnomalyError,
    ArgumentError,
    ArgumentTypeError,
    AxisError,
    BackwardError,
    DataError,
    DependencyError,
    DistributedError,
    DTypeError,
    GradcheckError,
    IndexOutOfRange,
    ShapeError,
    TinygradError,
)
from .forward_ad import jvp
from .func import vjp
from .gradcheck import gradcheck, gradgradcheck
from .nn.init import manual_seed
from .serialization import load, save
from .tensor import (
    Tensor,
    as_tensor,
    concatenate,
    enable_grad,
    grad,
    is_grad_enabled,
    maximum,
    minimum,
    no_grad,
    set_grad_enabled,
    stack,
    where,
)

__version__ = "0.1.0"

__all__ = [
    "AllocationError", "AnomalyError", "ArgumentError", "ArgumentTypeError", "AxisError",
    "BackwardError", "DTypeError", "DataError", "DistributedError",
    "DependencyError", "GradcheckError", "IndexOutOfRange", "ShapeError", "Tensor",
    "TinygradError", "as_tensor", "concatenate",
    "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck", "is_grad_enabled",
    "load", "manual_seed", "maximum", "minimum", "nn", "no_grad", "optim", "save",
    "set_grad_enabled", "stack", "viz", "where",
    "checkpoint", "forward_ad", "func", "jvp", "vjp",
    "CompileError", "compile",
]
