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
