"""The hook-based weight and spectral norms, PyTorch's older spellings (`nn.utils.weight_norm`,
`remove_weight_norm`, `spectral_norm`, `remove_spectral_norm`), with their state-dict
layouts: the module's weight is replaced by parameters `<name>_g`, `<name>_v` (weight norm)
or by the parameter `<name>_orig` and the buffers `<name>_u`, `<name>_v` (spectral norm),
and a forward pre-hook recomputes `module.<name>` (a plain attribute) before each call.
The math is nn/utils/parametrizations.py's; PyTorch's spectral norm here iterates v before u
and starts without iterating, as its hook does.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ...errors import ArgumentError
from ...modes import no_grad
from ...seeding import generator as numpy_generator
from ...tensor import Tensor
from ..conv_layers import ConvTranspose1d, ConvTranspose2d
from ..module import Module, Parameter
from .parametrizations import _check_dim, as_matrix, norm_except_dim, normalized, weight_from

__all__ = ["remove_spectral_norm", "remove_weight_norm", "spectral_norm", "weight_norm"]


class _NormHook:
    """A forward pre-hook that sets `module.<name>` from the tensors that replace it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.handle: Any = None  # the registration's, for the removal

    def compute(self, module: Module, iterate: bool = True) -> Tensor:
        raise NotImplementedError

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute(module))


class WeightNorm(_NormHook):
    """weight = weight_v (weight_g / ||weight_v||), the norm over every axis but dim."""

    def __init__(self, name: str, dim: int | None) -> None:
        super().__init__(name)
        self.dim = -1 if dim is None else dim

    def compute(self, module: Module, iterate: bool = True) -> Tensor:
        return weight_from(getattr(module, self.name + "_g"), getattr(module, self.name + "_v"),
                           self.dim)


class SpectralNorm(_NormHook):
    """weight = weight_orig / sigma, sigma = u^T W v after n_power_iterations of
    v <- normalize(W^T u), u <- normalize(W v) in training mode."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        super().__init__(name)
        self.n_power_iterations, self.dim, self.eps = n_power_iterations, dim, eps

    def compute(self, module: Module, iterate: bool = True) -> Tensor:
        weight = getattr(module, self.name + "_orig")
        u, v = getattr(module, self.name + "_u"), getattr(module, self.name + "_v")
        matrix = as_matrix(weight, self.dim)
        if iterate and module.training:
            with no_grad():
                array = matrix._data
                for _ in range(self.n_power_iterations):
                    v._data[...] = normalized(array.T @ u._data, self.eps)
                    u._data[...] = normalized(array @ v._data, self.eps)
        sigma = (Tensor(u._data.copy()) * (matrix @ Tensor(v._data.copy()))).sum()
        return weight / sigma


def _own_hook(module: Module, kind: type, name: str) -> _NormHook | None:
    for hook in module.__dict__.get("_forward_pre_hooks", {}).values():
        if isinstance(hook, kind) and hook.name == name:
            return hook
    return None


def _check_free(op: str, module: Module, name: str) -> Parameter:
    if not isinstance(module, Module):
        raise ArgumentError(f"{op}: expected a Module, got {type(module).__name__}")
    for kind in (WeightNorm, SpectralNorm):
        if _own_hook(module, kind, name) is not None:
            raise ArgumentError(f"{op}: {type(module).__name__}.{name} already has a "
                                f"{kind.__name__} hook")
    weight = module._registries()[0].get(name)
    if not isinstance(weight, Parameter):
        raise ArgumentError(f"{op}: {type(module).__name__} has no parameter '{name}'")
    return weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Replace parameter `name` by `<name>_g` (its norms over every axis but dim; dim None:
    the whole tensor's) and `<name>_v` (its values), recombined before each forward.
    Deprecated in PyTorch (it warns, as here) for nn.utils.parametrizations.weight_norm."""
    warnings.warn("`nn.utils.weight_norm` is deprecated in favor of "
                  "`nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=2)
    weight = _check_free("weight_norm", module, name)
    _check_dim("weight_norm", weight, dim)
    hook = WeightNorm(name, dim)
    with no_grad():
        g = norm_except_dim(weight, hook.dim)
    del module._registries()[0][name]
    module.register_parameter(name + "_g", Parameter(np.array(g._data)))
    module.register_parameter(name + "_v", Parameter(np.array(weight._data)))
    hook(module, ())
    hook.handle = module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module: Module, name: str = "weight") -> Module:
    """Undo weight_norm: parameter `name` holds the recombined weight again."""
    return _remove("remove_weight_norm", module, name, WeightNorm, ("_g", "_v"))


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Replace parameter `name` by `<name>_orig` and buffers `<name>_u`, `<name>_v` (unit
    vectors drawn at random), the weight divided by its estimated largest singular value
    before each forward (see the module docstring); dim defaults to 1 for transposed
    convolutions, else 0."""
    weight = _check_free("spectral_norm", module, name)
    _check_dim("spectral_norm", weight, dim)
    if isinstance(n_power_iterations, bool) or not isinstance(n_power_iterations, int) or \
            n_power_iterations <= 0:  # PyTorch's: at least one power iteration
        raise ArgumentError(f"spectral_norm: n_power_iterations must be a positive int, got "
                            f"{n_power_iterations!r}")
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose1d | ConvTranspose2d) else 0
    hook = SpectralNorm(name, n_power_iterations, dim % weight.ndim, eps)
    h, w = as_matrix(weight._data, hook.dim).shape
    rng = numpy_generator(None, "spectral_norm")
    del module._registries()[0][name]
    module.register_parameter(name + "_orig", weight)
    setattr(module, name, Tensor(np.array(weight._data)))
    module.register_buffer(name + "_u", Tensor(normalized(rng.standard_normal(h), eps)
                                               .astype(weight.dtype)))
    module.register_buffer(name + "_v", Tensor(normalized(rng.standard_normal(w), eps)
                                               .astype(weight.dtype)))
    hook.handle = module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module: Module, name: str = "weight") -> Module:
    """Undo spectral_norm: parameter `name` holds the normalised weight again."""
    return _remove("remove_spectral_norm", module, name, SpectralNorm, ("_orig", "_u", "_v"))


def _remove(op: str, module: Module, name: str, kind: type, suffixes: tuple[str, ...]
            ) -> Module:
    found = _own_hook(module, kind, name)
    if found is None:
        raise ArgumentError(f"{op}: {kind.__name__.lower().replace('norm', '_norm')} of "
                            f"'{name}' not found in {type(module).__name__}")
    with no_grad():  # PyTorch's removal runs no power iteration
        weight = found.compute(module, iterate=False)
    found.handle.remove()
    for suffix in suffixes:
        delattr(module, name + suffix)
    module.__dict__.pop(name, None)
    module.register_parameter(name, Parameter(np.array(weight._data)))
    return module

