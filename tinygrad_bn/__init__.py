"""tinygrad_bn: reverse-mode autodiff on NumPy, with batch normalization derived twice."""

import functools
import math as _math
import sys as _sys

from . import (
    accelerator,
    amp,
    autograd,
    backends,
    cuda,
    forward_ad,
    func,
    jit,
    linalg,
    nn,
    optim,
    return_types,
    signal,
    special,
    utils,
    viz,
)
from . import autograd_functional as _autograd_functional
from . import autograd_graph as _autograd_graph
from . import heap as _heap  # noqa: F401 (imported for its effect: it tunes the C heap)
from . import memory_creation as _memory_creation
from . import method_functions as _method_functions
from . import nn_spellings as _nn_spellings
from . import settings as _settings
from . import surface_functions as _surface_functions
from . import view_copies as _view_copies
from .anomaly import detect_anomaly
from .backends import (
    are_deterministic_algorithms_enabled,
    is_deterministic_algorithms_warn_only_enabled,
    use_deterministic_algorithms,
)
from .checkpoint import checkpoint
from .compiler import CompileError, compile
from .complex_tensors import complex, polar, view_as_complex, view_as_real
from .creation import (
    arange,
    as_tensor,
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
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .device import device
from .dtypes import DType as _DType
from .dtypes import (
    bfloat16,
    bool,
    cdouble,
    cfloat,
    complex64,
    complex128,
    double,
    finfo,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    iinfo,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
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
    CallOrderError,
    ComparisonError,
    DataError,
    DependencyError,
    DistributedError,
    DTypeError,
    DTypeMismatchError,
    GradcheckError,
    IndexOutOfRange,
    ShapeError,
    StateDictError,
    TinygradError,
    UnsupportedError,
    WriteError,
)
from .forward_ad import jvp
from .func import vjp
from .gradcheck import gradcheck, gradgradcheck
from .keywords import Size
from .lowrank import pca_lowrank, svd_lowrank  # randomized low-rank SVD and PCA
from .memory_creation import *  # noqa: F403 (strided, buffer and DLPack tensors: its __all__)
from .memory_format import (
    channels_last,
    channels_last_3d,
    contiguous_format,
    memory_format,
    preserve_format,
)
from .method_functions import *  # noqa: F403 (PyTorch's module-level functions: its __all__)
from .modes import inference_mode, is_inference_mode_enabled
from .nn_spellings import *  # noqa: F403 (torch.conv2d, torch.dropout ...: its __all__)
from .out_argument import accepts_out as _accepts_out
from .printing import set_printoptions
from .sampling import bernoulli, binomial, multinomial, normal, poisson
from .saved_tensors import saved_tensors_hooks
from .seeding import (
    Generator,
    default_generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    seed,
    set_rng_state,
)
from .serialization import load, save
from .settings import *  # noqa: F403 (PyTorch's process settings: its __all__)
from .surface_functions import *  # noqa: F403 (more of PyTorch's functions: its __all__)
from .tensor import (
    Tensor,
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
from .tensor_methods import (
    atleast_1d,
    atleast_2d,
    atleast_3d,
    block_diag,
    bucketize,
    cartesian_prod,
    einsum,
    meshgrid,
    searchsorted,
    tril_indices,
    triu_indices,
)
from .tensor_methods.arrangements import broadcast_shapes, broadcast_tensors, tensordot, vander
from .tensor_methods.decompositions import chain_matmul, lu, lu_unpack
from .tensor_methods.statistics import histogramdd
from .tensor_types import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)
from .threads import get_num_threads, set_num_threads
from .view_copies import *  # noqa: F403 (PyTorch's *_copy functions: its __all__)


def is_tensor(obj: object) -> bool:
    """Whether obj is a Tensor (PyTorch's torch.is_tensor)."""
    return isinstance(obj, Tensor)


# PyTorch's names of concatenate, and stack, with PyTorch's out= (out_argument.py)
concatenate = cat = concat = _accepts_out("cat", concatenate)
stack = _accepts_out("stack", stack)
vmap = func.vmap  # PyTorch's torch.vmap is torch.func.vmap
# PyTorch's constants
pi, e, inf, nan = _math.pi, _math.e, _math.inf, _math.nan
newaxis = None  # x[:, tg.newaxis] adds an axis, as NumPy's
# PyTorch's torch.autograd.gradcheck: the tool sits above the core package that holds
# tg.autograd, so the package root, which assembles the public names, hands it over with
# PyTorch's default of no forward-mode check (a ported custom Function has no jvp); the
# project's own tg.gradcheck checks forward mode unless told not to
autograd.gradcheck = functools.partial(gradcheck, check_forward_ad=False)
autograd.gradgradcheck = functools.partial(gradgradcheck, check_forward_ad=False)
# torch.autograd.functional, likewise above the core (it builds on tg.func): attached here,
# and registered so that `from tinygrad_bn.autograd.functional import jacobian` works too
autograd.functional = _autograd_functional
_sys.modules.setdefault(f"{__name__}.autograd.functional", _autograd_functional)
# torch.autograd.graph (the saved-tensor hooks on Tensors, Node) and torch.autograd.forward_ad
# (tg.forward_ad), above the core too: attached and registered the same way
autograd.graph = _autograd_graph
autograd.forward_ad = forward_ad
_sys.modules.setdefault(f"{__name__}.autograd.graph", _autograd_graph)
_sys.modules.setdefault(f"{__name__}.autograd.forward_ad", forward_ad)

# torch.autocast and torch.cuda.amp (autocast, GradScaler): tg.amp's, handed to tg.cuda
# here since tg.cuda sits below the Tensor that amp needs
dtype = _DType  # torch.dtype: isinstance(tg.float32, tg.dtype) holds
autocast = amp.autocast
is_autocast_enabled = amp.is_autocast_enabled
cuda.amp = amp
_sys.modules.setdefault(f"{__name__}.cuda.amp", amp)

__version__ = "0.1.0"

__all__ = [
    "AllocationError", "AnomalyError", "ArgumentError", "ArgumentTypeError", "AxisError",
    "BackwardError", "CallOrderError", "ComparisonError", "DTypeError", "DTypeMismatchError",
    "DataError", "DistributedError",
    "DependencyError", "GradcheckError", "IndexOutOfRange", "ShapeError", "StateDictError",
    "Tensor",
    "UnsupportedError", "WriteError",
    "TinygradError", "as_tensor", "concatenate",
    "detect_anomaly", "enable_grad", "grad", "gradcheck", "gradgradcheck", "is_grad_enabled",
    "load", "manual_seed", "maximum", "minimum", "nn", "no_grad", "optim", "save",
    "set_grad_enabled", "stack", "viz", "where",
    "checkpoint", "forward_ad", "func", "jvp", "saved_tensors_hooks", "vjp", "vmap",
    "CompileError", "compile", "utils", "get_num_threads", "set_num_threads",
    "autograd", "return_types", "Size", "get_default_dtype", "set_default_dtype",
    "amp", "autocast", "is_autocast_enabled", "dtype", "jit",
    # the PyTorch surface: creation functions, dtype names, devices, functions
    # random generators and draws (tinygrad_bn/seeding.py, sampling.py)
    "Generator", "bernoulli", "binomial", "default_generator", "get_rng_state", "initial_seed",
    "multinomial", "normal", "poisson", "randperm", "seed", "set_rng_state",
    "accelerator", "are_deterministic_algorithms_enabled", "backends",
    "is_deterministic_algorithms_warn_only_enabled", "use_deterministic_algorithms",
    "arange", "bool", "cat", "cuda", "device", "double", "einsum", "empty", "empty_like", "eye",
    "float", "float16", "float32", "float64", "from_numpy", "full", "full_like", "half", "int",
    "int8", "int16", "int32", "int64", "linspace", "long", "ones", "ones_like", "rand",
    "rand_like", "randint", "randint_like", "randn", "randn_like", "short", "tensor", "uint8",
    "zeros", "zeros_like",
    # PyTorch's functions kept elsewhere: searching, shapes, torch.linalg
    "bucketize", "is_tensor", "searchsorted", "block_diag", "cartesian_prod", "meshgrid",
    "linalg",
    # PyTorch's modes, printing, dtype limits, constants and legacy typed constructors
    "inference_mode", "is_inference_mode_enabled", "set_printoptions", "finfo", "iinfo",
    "pi", "e", "inf", "nan", "newaxis", "BoolTensor", "ByteTensor", "CharTensor",
    "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor", "LongTensor", "ShortTensor",
]
# PyTorch's module-level functions: the names method_functions.py lists (imported above)
__all__ += _method_functions.__all__

# memory formats (tinygrad_bn/memory_format.py)
__all__ += ["channels_last", "channels_last_3d", "contiguous_format", "memory_format",
            "preserve_format"]
# surface29: shapes and the torch.special namespace
__all__ += ["atleast_1d", "atleast_2d", "atleast_3d", "special", "tril_indices", "triu_indices"]
__all__ += ["signal"]  # tg.signal.windows (signal/windows.py)
# PyTorch's top-level linear algebra beside its Tensor methods' functions (method_functions.py):
# tinygrad_bn/tensor_methods/decompositions.py
__all__ += ["chain_matmul", "lu", "lu_unpack"]
__all__ += ["bfloat16"]  # a name only: every use refuses (dtypes.py, UnsupportedDType)
# surface34: complex tensors (complex_tensors/), for torch.fft (tg.fft, loaded on first use)
__all__ += ["cdouble", "cfloat", "complex", "complex64", "complex128", "polar",
            "view_as_complex", "view_as_real"]

# PyTorch's functions of several tensors beside the rearrangement methods' functions
# (method_functions.py): tinygrad_bn/tensor_methods/arrangements.py
__all__ += ["broadcast_shapes", "broadcast_tensors", "tensordot", "vander"]

# tensors made from memory (memory_creation.py, its __all__); histogramdd beside the
# Tensor's histogram (tensor_methods/statistics.py)
__all__ += _memory_creation.__all__ + ["histogramdd"]
# the *_copy functions, as_strided_scatter, nonzero_static (view_copies.py, its __all__)
__all__ += _view_copies.__all__
# randomized low-rank SVD and PCA (lowrank.py)
__all__ += ["pca_lowrank", "svd_lowrank"]

# surface31: more of PyTorch's functions (surface_functions.py, its __all__)
__all__ += _surface_functions.__all__ + _settings.__all__ + _nn_spellings.__all__

# Loaded on first use: the tools for studying autograd and batch norm (tg.lab, tg.profiler)
# torch.distributions (it sits above nn) and torch.testing
_TOOLS = ("lab", "profiler", "distributions", "testing", "fft")
__all__ += _TOOLS


def __getattr__(name: str):
    if name in _TOOLS:
        from importlib import import_module

        return import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
