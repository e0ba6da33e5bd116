"""Neural-network building blocks: `Module`, `Parameter`, layers; functions in `nn.functional`."""

from .module import Module, Parameter, Sequential

__all__ = ["Module", "Parameter", "Sequential"]
