"""Weight normalisation and spectral normalisation as parametrizations (PyTorch's
`torch.nn.utils.parametrizations`), and the math the deprecated hook-based spellings
(nn/utils/norm_hooks.py) share with them.

Weight norm (Salimans & Kingma 2016): w = g v / ||v||, the norm taken over every axis but
`dim` (over the whole tensor for dim None or -1, as PyTorch's norm_except_dim), so that the
direction v and the magnitude g are trained apart. Spectral norm (Miyato et al. 2018):
w = W / sigma(W), sigma the largest singular value of W reshaped to a matrix (axis `dim`
first), estimated by power iteration: u <- normalize(W v), v <- normalize(W^T u), kept in
the buffers `_u`, `_v`, advanced in training mode only; sigma = u^T W v with u, v constants.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import ArgumentError, ArgumentTypeError, AxisError
from ...modes import no_grad
from ...seeding import generator as numpy_generator
from ...tensor import Tensor
from ..conv_layers import ConvTranspose1d, ConvTranspose2d
from ..distances import normalize
from ..module import Module
from . import parametrize
from .orthogonal import orthogonal

__all__ = ["orthogonal", "spectral_norm", "weight_norm"]


def norm_except_dim(v: Tensor, dim: int | None) -> Tensor:
    """The 2-norm of v over every axis but `dim`, keeping v's rank (one norm per index of
    `dim`); over the whole tensor (0-d) for dim None or -1."""
    if dim is None or dim == -1:
        return (v * v).sum().sqrt()
    axes = tuple(a for a in range(v.ndim) if a != dim % v.ndim)
    return (v * v).sum(axis=axes, keepdims=True).sqrt()


def weight_from(g: Tensor, v: Tensor, dim: int | None) -> Tensor:
    """w = v (g / ||v||), the norm over every axis but `dim`."""
    return v * (g / norm_except_dim(v, dim))


def _check_dim(op: str, weight: Any, dim: int | None) -> None:
    if not isinstance(weight, Tensor):
        raise ArgumentTypeError(f"{op}: the module's tensor must be a Tensor, got "
                                f"{type(weight).__name__}")
    if dim is not None and dim != -1 and not -weight.ndim <= dim < max(weight.ndim, 1):
        raise AxisError(f"{op}: dim {dim} is out of range for a weight of shape "
                        f"{weight.shape}")


def as_matrix(weight: Tensor | np.ndarray, dim: int) -> Any:
    """The weight as a (size of `dim`, rest) matrix: axis `dim` moved first, the rest
    flattened (a Tensor stays a Tensor, an ndarray an ndarray)."""
    if dim != 0:
        order = (dim, *(a for a in range(weight.ndim) if a != dim))
        weight = weight.permute(*order) if isinstance(weight, Tensor) else \
            weight.transpose(order)
    return weight.reshape(weight.shape[0], -1)


def normalized(x: np.ndarray, eps: float) -> np.ndarray:
    """x / max(||x||, eps), as F.normalize."""
    return x / max(float(np.linalg.norm(x)), eps)


class _WeightNorm(Module):
    """The weight norm parametrization: forward(g, v) = v g / ||v||; right_inverse(w) =
    (||w||, w), so the parametrized weight starts equal to the module's."""

    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_from(weight_g, weight_v, self.dim)

    def right_inverse(self, weight: Tensor) -> tuple[Tensor, Tensor]:
        return norm_except_dim(weight, self.dim).detach(), weight


def weight_norm(module: Module, name: str = "weight", dim: int | None = 0) -> Module:
    """Parametrize `module.<name>` as g v / ||v|| (norms over every axis but dim; dim None:
    the whole tensor): `parametrizations.<name>.original0` holds g,
    `parametrizations.<name>.original1` holds v. Returns the module."""
    _check_dim("weight_norm", getattr(module, name, None), dim)
    return parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)


class _SpectralNorm(Module):
    """The spectral norm parametrization of a weight: forward(W) = W / sigma(W) (a 1-d
    weight is normalised to unit norm instead); buffers `_u`, `_v` are the power
    iteration's vectors, started random and advanced 15 times."""

    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0,
                 eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if not -ndim <= dim < max(ndim, 1):
            raise AxisError(f"spectral_norm: dim {dim} is out of range for a weight of shape "
                            f"{weight.shape}")
        if isinstance(n_power_iterations, bool) or not isinstance(n_power_iterations, int) \
                or n_power_iterations <= 0:
            raise ArgumentError(f"spectral_norm: n_power_iterations must be a positive int, "
                                f"got {n_power_iterations!r}")
        self.dim = dim % max(ndim, 1)
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            matrix = as_matrix(weight._data, self.dim)
            h, w = matrix.shape
            rng = numpy_generator(None, "spectral_norm")  # tg.manual_seed's
            self.register_buffer("_u", Tensor(normalized(rng.standard_normal(h), eps)
                                              .astype(weight.dtype)))
            self.register_buffer("_v", Tensor(normalized(rng.standard_normal(w), eps)
                                              .astype(weight.dtype)))
            self._power_method(matrix, 15)

    def _power_method(self, matrix: np.ndarray, iterations: int) -> None:
        """u <- normalize(W v), v <- normalize(W^T u), in place on the buffers."""
        u, v = self._u._data, self._v._data
        for _ in range(iterations):
            u[...] = normalized(matrix @ v, self.eps)
            v[...] = normalized(matrix.T @ u, self.eps)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        matrix = as_matrix(weight, self.dim)
        if self.training:
            with no_grad():
                self._power_method(matrix._data, self.n_power_iterations)
        u, v = Tensor(self._u._data.copy()), Tensor(self._v._data.copy())
        sigma = (u * (matrix @ v)).sum()
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Module:
    """Parametrize `module.<name>` as W / sigma(W) (see the module docstring); dim defaults
    to 1 for transposed convolutions (their output channels), else 0. Returns the module."""
    weight = getattr(module, name, None)
    _check_dim("spectral_norm", weight, dim)
    if dim is None:
        dim = 1 if isinstance(module, ConvTranspose1d | ConvTranspose2d) else 0
    return parametrize.register_parametrization(
        module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
