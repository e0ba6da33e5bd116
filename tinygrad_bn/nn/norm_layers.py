"""Normalization layers: BatchNorm1d, BatchNorm2d, BatchNorm3d, LayerNorm and GroupNorm as Modules.

The math lives in `nn.normalization` (`F.batch_norm`, `F.layer_norm`,
`F.group_norm`); a layer holds the parameters (gamma = `weight`, beta =
`bias`), for batch norm the running statistics as buffers, checks its input's
shape, and for batch norm turns `momentum=None` into the cumulative-average
factor 1 / num_batches_tracked before calling the functional, as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor
from . import functional as F
from .arguments import factory_dtype, layer_input, positive_ints, real_number, sizes, state_dtype
from .channel_state import ChannelStateModule, channel_repr, register_channel_state
from .module import Module, Parameter
from .normalization import FusedBatchNorm, _check_eps, replaying


class _BatchNorm(ChannelStateModule):
    """Batch norm over every axis but 1; subclasses fix the accepted input ranks.

    Buffers: `running_mean` (zeros), `running_var` (ones), `num_batches_tracked`
    (int64, 0-d), all None when `track_running_stats=False`. Training normalizes
    with the batch statistics and updates the buffers (running = (1 - momentum) *
    running + momentum * batch, unbiased variance; momentum=None: the cumulative
    average, factor 1 / num_batches_tracked); eval mode normalizes with the
    running statistics, or with the batch's if there are none.
    """

    _ranks: tuple[int, ...] = ()
    _layouts: str = ""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, impl: str = "fused", *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        sizes(name, num_features=num_features)
        dtype = factory_dtype(name, device, dtype)
        _check_eps(name, eps)
        if momentum is not None and not 0.0 <= real_number(name, "momentum", momentum) <= 1.0:
            raise ArgumentError(f"{name}: momentum must be in [0, 1] or None (cumulative "
                                f"average), got {momentum!r}")
        if impl not in ("fused", "composite"):
            raise ArgumentError(f"{name}: impl must be 'fused' or 'composite', got {impl!r}")
        self.num_features = int(num_features)
        self.eps, self.momentum, self.impl = eps, momentum, impl
        register_channel_state(self, affine, track_running_stats, dtype, bias)

    def reset_running_stats(self) -> None:
        """Running mean 0, running variance 1, no batches tracked (in place)."""
        if self.track_running_stats:
            self.running_mean[...] = 0
            self.running_var[...] = 1
            self.num_batches_tracked[...] = 0

    def forward(self, input: Any) -> Tensor:
        buffers, params = self._buffers, self._parameters  # one lookup each, not __getattr__
        running_mean, tracked = buffers["running_mean"], buffers["num_batches_tracked"]
        try:
            weight, bias = params["weight"], params["bias"]
        except KeyError:  # a parametrized tensor (nn.utils.parametrize) is a property:
            weight, bias = self.weight, self.bias  # read once, computed at each read
        if not isinstance(input, Tensor):  # arrays are constants of the layer's dtype
            input = layer_input(input, state_dtype(weight, running_mean))
        shape = input._data.shape  # the array's: no property call
        if len(shape) not in self._ranks or shape[1] != self.num_features:
            raise ShapeError(f"{self!r}: expected input of shape {self._layouts} with "
                             f"C = {self.num_features}, got {shape}")
        updating = self.training and self.track_running_stats and tracked is not None
        factor = 0.0
        if updating:
            factor = 1.0 / (int(tracked) + 1) if self.momentum is None else self.momentum
        # without running statistics even eval mode can only use the batch's
        use_batch = self.training or running_mean is None
        keep = not self.training or self.track_running_stats
        mean, var = (running_mean, buffers["running_var"]) if keep else (None, None)
        plan = self.__dict__.get("_checked")
        # the call F.batch_norm accepted last time, again (see _Checked): its op directly
        if plan is not None and plan.weight is weight and plan.bias is bias and \
                plan.mean is mean and plan.var is var and plan.eps is self.eps and \
                plan.impl is self.impl and plan.dtype is input._data.dtype and \
                shape[1] == plan.channels and \
                (weight is None or weight._data is plan.weight_data) and \
                (bias is None or bias._data is plan.bias_data) and \
                type(factor) is float and 0.0 <= factor <= 1.0 and \
                (not use_batch or input._data.size > shape[1]):
            y = FusedBatchNorm.apply(input, *plan.params, has_weight=weight is not None,
                                     has_bias=bias is not None, training=bool(use_batch),
                                     eps=plan.eps_value, momentum=factor,
                                     running_mean=mean, running_var=var)
        else:
            y = self._batch_norm(input, mean, var, weight, bias, use_batch, factor)
            self.__dict__["_checked"] = _Checked.of(self, input, mean, var, weight, bias, factor)
        if updating and not replaying.active:  # after the call: a rejected input leaves
            # the count unchanged; a checkpoint's recompute (replaying) counted it already
            # in place on the 0-d buffer (no Module.__setattr__), by a ufunc rather than
            # fill(int(tracked) + 1): no Python read of the count, which tg.compile could
            # not replay (tinygrad_bn/compiler/trace.py)
            np.add(tracked, 1, out=tracked)
        return y

    def _batch_norm(self, x: Tensor, running_mean: np.ndarray | None,
                    running_var: np.ndarray | None, weight: Tensor | None, bias: Tensor | None,
                    use_batch: bool, factor: float) -> Tensor:
        """The normalization itself (SyncBatchNorm takes its statistics over all ranks)."""
        return F.batch_norm(x, running_mean, running_var, weight, bias, training=use_batch,
                            momentum=factor, eps=self.eps, impl=self.impl)

    def extra_repr(self) -> str:
        text = channel_repr(self)
        return text if self.impl == "fused" else f"{text}, impl={self.impl!r}"


class _Checked:
    """The arguments of a batch-norm layer's last call of `F.batch_norm` that took its
    common path (float eps and momentum, the layer's own Tensors and arrays in x's one
    dtype, not float16, the fused op), kept so that the next call with the same objects
    applies the op without checking them again. Identity stands for the checks: a Tensor
    whose array is the same object has the same shape and dtype, and the same eps, impl
    and running arrays passed them before; what the identities cannot tell (the momentum
    factor, which the layer recomputes, and more than one value per channel) is checked
    on each call. Anything else takes `F.batch_norm` with its checks and errors."""

    __slots__ = ("weight", "bias", "mean", "var", "eps", "impl", "dtype", "weight_data",
                 "bias_data", "params", "eps_value", "channels")

    @staticmethod
    def of(layer: _BatchNorm, x: Tensor, mean: np.ndarray | None, var: np.ndarray | None,
           weight: Tensor | None, bias: Tensor | None, factor: float) -> _Checked | None:
        """The record of a call `F.batch_norm` just accepted, or None when it did not take
        the common path (or the layer normalizes some other way, as SyncBatchNorm)."""
        dtype, eps = x._data.dtype, layer.eps
        if type(layer)._batch_norm is not _BatchNorm._batch_norm or layer.impl != "fused" or \
                dtype == HALF or type(eps) is not float or type(factor) is not float:
            return None
        vector = x._data.shape[1:2]
        for t in (weight, bias):
            if t is not None and (not isinstance(t, Tensor) or t._data.dtype is not dtype or
                                  t._data.shape != vector):
                return None
        for a in (mean, var):
            if a is not None and (type(a) is not np.ndarray or a.dtype is not dtype or
                                  a.shape != vector):
                return None
        plan = _Checked()
        plan.weight, plan.bias, plan.mean, plan.var = weight, bias, mean, var
        plan.eps, plan.impl, plan.dtype, plan.eps_value = eps, layer.impl, dtype, float(eps)
        plan.weight_data = None if weight is None else weight._data
        plan.bias_data = None if bias is None else bias._data
        plan.params = tuple(t for t in (weight, bias) if t is not None)
        plan.channels = vector[0]
        return plan


HALF = np.dtype(np.float16)


class BatchNorm1d(_BatchNorm):
    """Batch norm of (N, C) or (N, C, L) input: per feature C, statistics over N (and L).
    See `F.batch_norm` for the math."""

    _ranks = (2, 3)
    _layouts = "(N, C) or (N, C, L)"


class BatchNorm2d(_BatchNorm):
    """Batch norm of (N, C, H, W) input: per channel C, statistics over N, H and W
    (M = N * H * W values per channel), gamma and beta per channel. See `F.batch_norm`."""

    _ranks = (4,)
    _layouts = "(N, C, H, W)"


class BatchNorm3d(_BatchNorm):
    """Batch norm of (N, C, D, H, W) input: per channel C, statistics over N, D, H and W.
    See `F.batch_norm`."""

    _ranks = (5,)
    _layouts = "(N, C, D, H, W)"


class LayerNorm(Module):
    """Normalize each sample over its trailing `normalized_shape` axes:
    y = (x - mean) / sqrt(var + eps) * weight + bias, weight (ones) and bias (zeros)
    of shape `normalized_shape` when `elementwise_affine` (no bias when bias=False). Same in
    train and eval."""

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        dtype = factory_dtype("LayerNorm", device, dtype)
        shape = (normalized_shape,) if not isinstance(normalized_shape, tuple | list) \
            else tuple(normalized_shape)
        sizes("LayerNorm", **{f"normalized_shape[{i}]": n for i, n in enumerate(shape)})
        if not shape:
            raise ArgumentError("LayerNorm: normalized_shape must have at least one dim")
        _check_eps("LayerNorm", eps)
        self.normalized_shape = tuple(int(n) for n in shape)
        self.eps, self.elementwise_affine = eps, bool(elementwise_affine)
        affine = self.elementwise_affine
        self.register_parameter(
            "weight", Parameter(np.ones(self.normalized_shape, dtype)) if affine else None)
        self.register_parameter(
            "bias", Parameter(np.zeros(self.normalized_shape, dtype))
            if affine and bias else None)

    def forward(self, input: Any) -> Tensor:
        input = layer_input(input, state_dtype(self.weight, self.bias))
        k = len(self.normalized_shape)
        if input.ndim < k or input.shape[input.ndim - k:] != self.normalized_shape:
            raise ShapeError(f"{self!r}: expected input of shape (*, "
                             f"{', '.join(map(str, self.normalized_shape))}), got {input.shape}")
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalize each sample's groups of num_channels / num_groups channels over those
    channels and all spatial positions; weight (ones) and bias (zeros) per channel
    when `affine`. Independent of the batch: same in train and eval."""

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        dtype = factory_dtype("GroupNorm", device, dtype)
        positive_ints("GroupNorm", num_groups=num_groups)
        sizes("GroupNorm", num_channels=num_channels)
        if num_channels % num_groups:
            raise ArgumentError(f"GroupNorm: num_channels ({num_channels}) must be divisible "
                                f"by num_groups ({num_groups})")
        _check_eps("GroupNorm", eps)
        self.num_groups, self.num_channels = int(num_groups), int(num_channels)
        self.eps, self.affine = eps, bool(affine)
        c = self.num_channels
        self.register_parameter("weight", Parameter(np.ones(c, dtype)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(c, dtype))
                                if affine and bias else None)

    def forward(self, input: Any) -> Tensor:
        input = layer_input(input, state_dtype(self.weight))
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            raise ShapeError(f"{self!r}: expected input of shape (N, {self.num_channels}, *), "
                             f"got {input.shape}")
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")
