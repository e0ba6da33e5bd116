"""Synchronized batch norm: the statistics of the global batch, split over the ranks.

Rank r holds x_r of shape (N_r, C, *), m_r = N_r * prod(*) values per channel
(N_r may differ between ranks, and may be 0). The layer normalizes every rank's
x_r with the statistics of the concatenated batch, M = sum_r m_r values:

    mean = 1/M sum_r sum x_r,   var = 1/M sum_r sum (x_r - mean)^2   (biased),
    y_r = gamma * (x_r - mean) / sqrt(var + eps) + beta,

which is exactly BatchNorm on the whole batch. Like BatchNorm it exists twice:

- impl="composite": the per-channel sums go through the differentiable
  all-reduce (`AllReduce`), everything else is primitive Tensor ops, and autograd
  derives the backward (two all-reduces forward: [sum x, m_r], then sum (x - mean)^2;
  their two all-reduces backward).
- impl="fused": one op, `SyncBatchNormFunction`, with ONE all-reduce forward and ONE
  backward. Forward packs per channel [m_r, sum x, sum x^2] (float64, the squares
  taken about each rank's own mean, m_r M2_r + m_r mean_r^2, so the local part is a
  stable two-pass) and reduces them in one Allreduce; var = Q / M - mean^2.

Backward of the fused op (derivation: docs/distributed.md, "SyncBatchNorm's
backward"). With xhat = (x - mean) * invstd and the upstream gradient g, the
whole-batch formula of docs/batchnorm.md reads

    dx_r = gamma * invstd / M * (M g_r - sum_all g - xhat_r * sum_all(g * xhat)),

and only its two per-channel sums, sum_all g and sum_all g * xhat, run over every
rank's samples: each rank sums its own, and one all-reduce of the packed
[sum g, sum g * xhat] (2C values) gives the global ones. gamma and beta are
replicated parameters: dgamma_r = sum g_r * xhat_r and dbeta_r = sum g_r are each
rank's local share, which data parallelism sums (or averages) with the other
gradients, exactly as for any other parameter. Under create_graph the same
formulas are built from Tensor ops, the statistics recomputed through the
differentiable all-reduce, so second derivatives are exact across ranks.

Running statistics: updated with the global mean and unbiased variance var * M /
(M - 1), the same numbers on every rank. Training needs M > 1 over all ranks (not
per rank). Eval mode uses the running statistics and communicates nothing;
without running statistics it normalizes with the global batch's.
"""

from __future__ import annotations

import numpy as np

from ..autograd.primitive import sum_tangents
from ..errors import ArgumentError, ShapeError
from ..nn.module import Module
from ..nn.norm_layers import _BatchNorm
from ..nn.normalization import (
    _affine,
    _affine_param,
    _channel_dot,
    _channel_shape,
    _channel_sum,
    _channels_view,
    _check_input,
    _per_channel,
    _reduce_axes,
    _running_array,
    _update_running_stats,
    batch_norm,
)
from ..tensor import Function, Tensor, as_tensor, concatenate, is_grad_enabled
from .process_group import AllReduce, get_group

__all__ = ["SyncBatchNorm", "SyncBatchNormFunction", "sync_batch_norm"]


def _check_count(count: int, shape: tuple[int, ...]) -> None:
    if count <= 1:
        raise ShapeError(f"SyncBatchNorm: Expected more than 1 value per channel over all "
                         f"ranks when training, got {count} (this rank's input size {shape})")


# ---------------------------------------------------------------- composite


def _sync_standardize(x: Tensor, eps: float) -> tuple[Tensor, Tensor, Tensor, int]:
    """(xhat, mean, var, M) over every rank's batch, from primitive ops and the
    differentiable all-reduce: two passes (the mean, then the centered squares)."""
    axes, shape, channels = _reduce_axes(x.ndim), _channel_shape(x), x.shape[1]
    local_count = Tensor(np.array([x.data.size // channels if channels else 0], x.dtype))
    total = AllReduce.apply(concatenate([x.sum(axis=axes), local_count]), scale=1.0)
    count = int(round(float(total.data[-1])))
    _check_count(count, x.shape)
    mean = (total[:channels] * (1.0 / count)).reshape(shape)
    centered = x - mean
    var = AllReduce.apply((centered * centered).sum(axis=axes), scale=1.0) * (1.0 / count)
    var = var.reshape(shape)
    return centered / (var + eps).sqrt(), mean, var, count


def _composite(x: Tensor, running_mean: np.ndarray | None, running_var: np.ndarray | None,
               weight: Tensor | None, bias: Tensor | None, momentum: float,
               eps: float) -> Tensor:
    y, mean, var, count = _sync_standardize(x, eps)
    _update_running_stats(running_mean, running_var, mean.data.ravel(), var.data.ravel(),
                          count, momentum)
    return _affine(y, weight, bias, _channel_shape(x))


# ---------------------------------------------------------------- fused


class SyncBatchNormFunction(Function):
    """y = gamma * xhat + beta with the mean and variance of every rank's batch;  dx = gamma
    invstd (g - mean(g) - xhat mean(g xhat)), the means over every rank's batch.

    Training-mode synchronized batch norm as one op (see the module docstring).

    Parents: x, then weight if `has_weight`, then bias if `has_bias`. Forward: one
    all-reduce of [m_r, sum x, sum x^2] per channel; backward: one of
    [sum g, sum g * xhat]; dgamma and dbeta are this rank's local sums."""

    saved_names = ("mean", "invstd", "scale")
    saves_inputs = (0, 1)  # x; gamma (parent 1 when has_weight) under create_graph
    fresh_grads = True

    def forward(self, x: np.ndarray, *params: np.ndarray) -> np.ndarray:
        dtype, channels = x.dtype, x.shape[1]
        weight = params[0].astype(dtype, copy=False) if self.has_weight else None
        bias = params[-1].astype(dtype, copy=False) if self.has_bias else None
        if not self.has_weight:
            self.saves_inputs = (0,)
        xv = _channels_view(x)
        m = x.size // channels if channels else 0
        packed = np.zeros(1 + 2 * channels)  # float64: [m_r, sum x, sum x^2] per channel
        packed[0] = m
        if m:
            local_mean = _channel_sum(xv).astype(np.float64) / m
            centered = xv - _per_channel(local_mean.astype(dtype), xv)
            offset = _channel_sum(centered).astype(np.float64) / m  # corrects local_mean
            m2 = _channel_dot(centered, centered).astype(np.float64) - m * offset * offset
            local_mean += offset
            packed[1:1 + channels] = m * local_mean
            packed[1 + channels:] = np.maximum(m2, 0) + m * local_mean * local_mean
        get_group().all_reduce(packed)
        count = int(round(packed[0]))
        _check_count(count, x.shape)
        mean64 = packed[1:1 + channels] / count
        var64 = np.maximum(packed[1 + channels:] / count - mean64 * mean64, 0)
        mean, var = mean64.astype(dtype), var64.astype(dtype)
        _update_running_stats(self.running_mean, self.running_var, mean, var, count,
                              self.momentum)
        invstd = np.reciprocal(np.sqrt(var + np.array(self.eps, dtype)))
        scale = invstd if weight is None else invstd * weight
        y = xv - _per_channel(mean, xv)
        y *= _per_channel(scale, xv)
        if bias is not None:
            y += _per_channel(bias, xv)
        self.count = count
        self.save_for_backward(mean, invstd, scale)
        return y.reshape(x.shape)

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        if is_grad_enabled():
            return self._backward_graph(g)
        x = self.parents[0]
        mean, invstd, scale = self.saved
        channels = x.shape[1]
        xv, gv = _channels_view(x.data), _channels_view(g.data)
        centered = xv - _per_channel(mean, xv)
        sum_g = _channel_sum(gv)
        sum_g_xhat = _channel_dot(gv, centered) * invstd
        gx = None
        if x.requires_grad:
            totals = get_group().all_reduce(np.concatenate([sum_g, sum_g_xhat]))
            minus_inv_count = np.array(-1.0 / self.count, centered.dtype)
            # gamma invstd (g - sum_all g / M - xhat sum_all(g xhat) / M), in x - mean's buffer
            gx = centered
            gx *= _per_channel(invstd * totals[channels:] * minus_inv_count, xv)
            gx += _per_channel(totals[:channels] * minus_inv_count, xv)
            gx += gv
            gx *= _per_channel(scale, xv)
            gx = Tensor._from_op(gx.reshape(x.shape), None)
        return self._with_param_grads(gx, Tensor._from_op(sum_g_xhat, None),
                                      Tensor._from_op(sum_g, None))

    def _backward_graph(self, g: Tensor) -> tuple[Tensor | None, ...]:
        """The same formulas as Tensor ops; the statistics recomputed as functions of every
        rank's x (through AllReduce), so the result is differentiable in x, gamma and g."""
        x = self.parents[0]
        axes, shape, channels = _reduce_axes(x.ndim), _channel_shape(x), x.shape[1]
        xhat, _, var, count = _sync_standardize(x, self.eps)
        sum_g = g.sum(axis=axes)
        sum_g_xhat = (g * xhat).sum(axis=axes)
        gx = None
        if x.requires_grad:
            totals = AllReduce.apply(concatenate([sum_g, sum_g_xhat]), scale=1.0)
            invstd = 1.0 / (var + self.eps).sqrt()
            k = invstd * self.parents[1].reshape(shape) if self.has_weight else invstd
            inv_count = 1.0 / count
            gx = k * (g - totals[:channels].reshape(shape) * inv_count
                      - xhat * (totals[channels:].reshape(shape) * inv_count))
        return self._with_param_grads(gx, sum_g_xhat, sum_g)

    def jvp(self, tx: Tensor | None, *t_params: Tensor | None) -> Tensor | None:
        """Forward mode, as FusedBatchNorm.jvp with the means taken over every rank's batch
        (one all-reduce of [sum t_x, sum xhat t_x]; every rank must carry a tangent):
        t_y = gamma invstd (t_x - mean(t_x) - xhat mean(xhat t_x)) + t_gamma xhat + t_beta."""
        x = self.parents[0]
        axes, shape, channels = _reduce_axes(x.ndim), _channel_shape(x), x.shape[1]
        if is_grad_enabled() and any(p.requires_grad for p in self.parents):
            xhat, _, var, _ = _sync_standardize(x, self.eps)
            invstd = 1.0 / (var + self.eps).sqrt()
        else:
            mean, invstd_array, _ = self.saved
            invstd = Tensor(invstd_array.reshape(shape))
            xhat = (x - Tensor(mean.reshape(shape))) * invstd
        t_weight = t_params[0] if self.has_weight else None
        t_bias = t_params[-1] if self.has_bias else None
        t_xhat = None
        if tx is not None:
            totals = AllReduce.apply(concatenate([tx.sum(axis=axes), (xhat * tx).sum(axis=axes)]),
                                     scale=1.0 / self.count)
            t_xhat = invstd * (tx - totals[:channels].reshape(shape)
                               - xhat * totals[channels:].reshape(shape))
            if self.has_weight:
                t_xhat = t_xhat * self.parents[1].reshape(shape)
        return sum_tangents(t_xhat, None if t_weight is None else t_weight.reshape(shape) * xhat,
                            None if t_bias is None else t_bias.reshape(shape))

    def _with_param_grads(self, gx: Tensor | None, g_weight: Tensor,
                          g_bias: Tensor) -> tuple[Tensor | None, ...]:
        return (gx,) + ((g_weight,) if self.has_weight else ()) + \
            ((g_bias,) if self.has_bias else ())


# ---------------------------------------------------------------- functional and module


def sync_batch_norm(x: Tensor, running_mean: np.ndarray | None, running_var: np.ndarray | None,
                    weight: Tensor | None = None, bias: Tensor | None = None,
                    training: bool = False, momentum: float = 0.1, eps: float = 1e-5,
                    impl: str = "fused") -> Tensor:
    """`F.batch_norm` with the statistics of every rank's batch when they are taken from
    the batch (training, or eval without running statistics); eval with running
    statistics is F.batch_norm itself (no communication). Same arguments."""
    if not training and running_mean is not None:
        return batch_norm(x, running_mean, running_var, weight, bias, training=False,
                          momentum=momentum, eps=eps, impl=impl)
    x = as_tensor(x)
    if impl not in ("fused", "composite"):
        raise ArgumentError(f"SyncBatchNorm: impl must be 'fused' or 'composite', got {impl!r}")
    _check_input("SyncBatchNorm", x, eps)
    shape, channels = x.shape, x.shape[1]
    weight = _affine_param("SyncBatchNorm", "weight", weight, (channels,), shape)
    bias = _affine_param("SyncBatchNorm", "bias", bias, (channels,), shape)
    running_mean = _running_array("running_mean", running_mean, channels)
    running_var = _running_array("running_var", running_var, channels)
    if running_mean is not None and (momentum is None or not 0.0 <= momentum <= 1.0):
        raise ArgumentError(f"SyncBatchNorm: momentum must be a number in [0, 1], got "
                            f"{momentum!r}")
    if impl == "composite":
        return _composite(x, running_mean, running_var, weight, bias, momentum, float(eps))
    params = [p for p in (weight, bias) if p is not None]
    return SyncBatchNormFunction.apply(
        x, *params, has_weight=weight is not None, has_bias=bias is not None,
        eps=float(eps), momentum=momentum, running_mean=running_mean,
        running_var=running_var)


class SyncBatchNorm(_BatchNorm):
    """Batch norm of (N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W) input (as
    PyTorch's, any of BatchNorm1d/2d/3d's layouts) with the statistics of the
    global batch over all MPI ranks (see the module docstring). Same arguments, buffers
    and state_dict keys as BatchNorm1d/2d; `impl` "fused" (one all-reduce per direction)
    or "composite" (autograd through the differentiable all-reduce)."""

    _ranks = (2, 3, 4, 5)
    _layouts = "(N, C), (N, C, L), (N, C, H, W) or (N, C, D, H, W)"

    def _batch_norm(self, x: Tensor, running_mean: np.ndarray | None,
                    running_var: np.ndarray | None, weight: Tensor | None, bias: Tensor | None,
                    use_batch: bool, factor: float) -> Tensor:
        return sync_batch_norm(x, running_mean, running_var, weight, bias,
                               training=use_batch, momentum=factor, eps=self.eps,
                               impl=self.impl)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module) -> Module:
        """Replace every BatchNorm1d/2d in `module` (or `module` itself) by a SyncBatchNorm
        that keeps the same Parameter objects, buffers, arguments and training mode
        (an optimizer built before the conversion still updates them). Returns the
        converted module; the containers are changed in place."""
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            sync = cls(module.num_features, eps=module.eps, momentum=module.momentum,
                       affine=module.affine, track_running_stats=module.track_running_stats,
                       impl=module.impl)
            for name, param in module._parameters.items():
                sync.register_parameter(name, param)
            for name, buffer in module._buffers.items():
                sync.register_buffer(name, buffer)
            object.__setattr__(sync, "training", module.training)
            return sync
        for name, child in list(module._modules.items()):
            converted = cls.convert_sync_batchnorm(child)
            if converted is not child:
                setattr(module, name, converted)
        return module
