"""Instance normalization: F.instance_norm and InstanceNorm1d/2d/3d, with PyTorch's
arguments and defaults (affine=False, track_running_stats=False).

    y[n, c] = (x[n, c] - mean) / sqrt(var + eps) * weight[c] + bias[c]

mean and (biased) var over the spatial positions of each sample's channel, from the
two-pass standardization of nn.normalization (a composite: gradients of every order and
forward mode follow). With use_input_stats=False the given running statistics are used
instead; with use_input_stats and running buffers, they are updated in place as PyTorch
does: running <- (1 - momentum) running + momentum stat, stat the batch average of the
per-instance means and unbiased variances.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, as_tensor
from .arguments import factory_dtype, layer_input, real_number, sizes, state_dtype
from .channel_state import ChannelStateModule, channel_repr, register_channel_state
from .normalization import (
    HALF,
    _affine,
    _affine_param,
    _channel_shape,
    _check_eps,
    _check_input,
    _same_dtypes,
    _standardize,
)

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "instance_norm"]


def _buffer(op: str, name: str, value: Any, channels: int) -> np.ndarray | None:
    if value is None:
        return None
    array = value._data if isinstance(value, Tensor) else value
    if not isinstance(array, np.ndarray) or array.shape != (channels,):
        raise ShapeError(f"{op}: {name} must be an array or Tensor of shape ({channels},), "
                         f"got {getattr(array, 'shape', type(array).__name__)}")
    return array


def instance_norm(input: Any, running_mean: Any = None, running_var: Any = None,  # noqa: A002
                  weight: Any = None, bias: Any = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalize each (sample, channel) of x (N, C, *spatial) over its spatial positions."""
    op = "instance_norm"
    x = layer_input(input, state_dtype(weight))
    _check_input(op, x, eps, signed_eps=True)
    real_number(op, "momentum", momentum)
    if x.ndim < 3:
        raise ShapeError(f"{op}: expected input of shape (N, C, *spatial) with at least one "
                         f"spatial dim, got shape {x.shape}")
    channels, spatial = x.shape[1], int(np.prod(x.shape[2:]))
    mean_buf = _buffer(op, "running_mean", running_mean, channels)
    var_buf = _buffer(op, "running_var", running_var, channels)
    weight = _affine_param(op, "weight", weight, (channels,), x.shape)
    bias = _affine_param(op, "bias", bias, (channels,), x.shape)
    _same_dtypes(op, x, weight, bias, running_mean=mean_buf, running_var=var_buf)
    if x.dtype == HALF:
        x = x.astype(np.float32)
    axes = tuple(range(2, x.ndim))
    shape = _channel_shape(x)
    if use_input_stats:
        if spatial <= 1:
            raise ShapeError(f"{op}: expected more than 1 spatial element when using input "
                             f"statistics, got input of shape {x.shape}")
        stats = _standardize(x, axes, eps)
        y = stats.xhat
        if mean_buf is not None:
            batch_mean = stats.mean._data.reshape(x.shape[:2]).mean(axis=0)
            mean_buf *= 1 - momentum
            mean_buf += momentum * batch_mean
        if var_buf is not None:
            unbiased = stats.var._data.reshape(x.shape[:2]) * (spatial / (spatial - 1))
            var_buf *= 1 - momentum
            var_buf += momentum * unbiased.mean(axis=0)
    else:
        if mean_buf is None or var_buf is None:
            raise ShapeError(f"{op}: use_input_stats=False needs running_mean and running_var")
        mean = Tensor(mean_buf.astype(x.dtype).reshape(shape))
        std = Tensor(np.sqrt(var_buf.astype(x.dtype) + eps).reshape(shape))
        y = (x - mean) / std
    y = _affine(y, weight, bias, shape)
    return y.astype(HALF) if as_tensor(input).dtype == HALF else y


class _InstanceNorm(ChannelStateModule):
    spatial = 1

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        sizes(name, num_features=num_features)
        _check_eps(name, eps)
        dtype = factory_dtype(name, device, dtype)
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        register_channel_state(self, affine, track_running_stats, dtype, bias)

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        x = layer_input(input, state_dtype(self.weight, self.running_mean))
        d = self.spatial
        if x.ndim not in (d + 1, d + 2):
            raise ShapeError(f"{self!r}: expected a {d + 2}-d (N, C, ...) or {d + 1}-d "
                             f"(C, ...) input, got shape {x.shape}")
        unbatched = x.ndim == d + 1
        if unbatched:
            x = x.unsqueeze(0)
        # PyTorch only warns when neither parameters nor buffers use num_features
        if x.shape[1] != self.num_features and (self.affine or self.track_running_stats):
            raise ShapeError(f"{self!r}: expected {self.num_features} channels (dim "
                             f"{0 if unbatched else 1}), got input of shape {input.shape}")
        buffers = self._buffers
        # as PyTorch's InstanceNorm: momentum=None leaves the running statistics where they
        # are (it passes 0, no cumulative average), and num_batches_tracked is never counted
        momentum = 0.0 if self.momentum is None else self.momentum
        y = instance_norm(x, buffers["running_mean"], buffers["running_var"], self.weight,
                          self.bias, self.training or not self.track_running_stats, momentum,
                          self.eps)
        return y.squeeze(0) if unbatched else y

    def extra_repr(self) -> str:
        return channel_repr(self)


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or (C, L) inputs."""
    spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or (C, H, W) inputs."""
    spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm of (N, C, D, H, W) or (C, D, H, W) inputs."""
    spatial = 3
