"""Neural-network building blocks: `Module`, `Parameter`, layers; functions in `nn.functional`,
initialisers in `nn.init`."""

from . import functional, init
from .module import Module, Parameter, Sequential

__all__ = ["Module", "Parameter", "Sequential", "functional", "init"]
