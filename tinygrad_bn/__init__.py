"""tinygrad_bn: reverse-mode autodiff on NumPy, with batch normalization derived twice."""

from . import cuda, forward_ad, func, nn, optim, utils, viz
from . import heap as _heap  # noqa: F401 (imported for its effect: it tunes the C heap)
from .anomaly import detect_anomaly
from .checkpoint import checkpoint
from .compiler import CompileError, compile
from .creation import (
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    tensor,
    zeros,
    zeros_like,
)
from .device import device
from .dtypes import (
    bool,
    double,
    float,
    float16,
    float32,
    float64,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    short,
    uint8,
)
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
    UnsupportedError,
    WriteError,
)
from .forward_ad import jvp
from .func import vjp
from .gradcheck import gradcheck, gradgradcheck
from .method_functions import (
    abs,
    all,
    any,
    argmax,
    argmin,
    chunk,
    clamp,
    clip,
    clone,
    cos,
    cumsum,
    exp,
    flatten,
    flip,
    gather,
    isfinite,
    isinf,
    isnan,
    log,
    logsumexp,
    masked_fill,
    matmul,
    max,
    mean,
    min,
    norm,
    numel,
    permute,
    prod,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    split,
    sqrt,
    squeeze,
    std,
    sum,
    t,
    tanh,
    transpose,
    unsqueeze,
    var,
)
from .nn.init import manual_seed
from .saved_tensors import saved_tensors_hooks
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
from .tensor_methods import einsum
from .threads import get_num_threads, set_num_threads

cat = concatenate  # PyTorch's name

__version__ = "0.1.0"

__all__ = [
    "AllocationError", "AnomalyError", "ArgumentError", "ArgumentTypeError", "AxisError",
    "BackwardError", "DTypeError", "DataError", "DistributedError",
    "DependencyError", "GradcheckError", "IndexOutOfRange", "ShapeError", "Tensor",
    "UnsupportedError", "WriteError",
    "TinygradError", "as_tensor", "concatenate",
    "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck", "is_grad_enabled",
    "load", "manual_seed", "maximum", "minimum", "nn", "no_grad", "optim", "save",
    "set_grad_enabled", "stack", "viz", "where",
    "checkpoint", "forward_ad", "func", "jvp", "saved_tensors_hooks", "vjp",
    "CompileError", "compile", "utils", "get_num_threads", "set_num_threads",
    # the PyTorch surface: creation functions, dtype names, devices, functions
    "arange", "bool", "cat", "cuda", "device", "double", "einsum", "empty", "empty_like", "eye",
    "float", "float16", "float32", "float64", "from_numpy", "full", "full_like", "half", "int",
    "int8", "int16", "int32", "int64", "linspace", "long", "ones", "ones_like", "rand",
    "rand_like", "randint", "randint_like", "randn", "randn_like", "short", "tensor", "uint8",
    "zeros", "zeros_like",
    # PyTorch's module-level functions (tinygrad_bn/method_functions.py)
    "abs", "all", "any", "argmax", "argmin", "chunk", "clamp", "clip", "clone", "cos", "cumsum",
    "exp", "flatten", "flip", "gather", "isfinite", "isinf", "isnan", "log", "logsumexp",
    "masked_fill", "matmul", "max", "mean", "min", "norm", "numel", "permute", "prod", "relu",
    "reshape", "sigmoid", "sign", "sin", "split", "sqrt", "squeeze", "std", "sum", "t", "tanh",
    "transpose", "unsqueeze", "var",
]
