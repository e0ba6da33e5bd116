"""Neural-network building blocks: `Module`, `Parameter`, layers; functions in `nn.functional`,
initialisers in `nn.init`."""

from . import functional, init, parallel
from .layers import (
    AvgPool2d,
    Conv2d,
    Dropout,
    Flatten,
    Linear,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Tanh,
)
from .module import Module, Parameter, Sequential
from .norm_layers import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm

__all__ = [
    "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "Dropout", "Flatten", "GroupNorm",
    "LayerNorm", "Linear", "MaxPool2d", "Module", "Parameter", "ReLU", "Sequential", "Sigmoid",
    "Tanh", "functional", "init", "parallel",
]

# Names served by tinygrad_bn.distributed (it needs mpi4py): imported on first use, so that
# `import tinygrad_bn.nn` never loads MPI. Without mpi4py the access raises DependencyError.
_LAZY = {"SyncBatchNorm": ("..distributed.sync_batchnorm", "SyncBatchNorm")}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module, __name__), attr)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
