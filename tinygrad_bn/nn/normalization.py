"""Normalization: batch norm twice (composite and fused), layer norm and group norm.

Batch norm over an input (N, C, *) normalizes each channel with statistics
taken over every axis but 1, M = N * prod(*) values per channel:

    mean = 1/M sum x,   var = 1/M sum (x - mean)^2   (biased),
    xhat = (x - mean) / sqrt(var + eps),   y = gamma * xhat + beta.

`impl="composite"` builds this from primitive Tensor ops, so autograd derives
the gradient; `impl="fused"` is one op, `FusedBatchNorm`, whose backward is the
analytic formula derived in docs/batchnorm.md:

    dbeta = sum dy,   dgamma = sum dy * xhat,
    dx = gamma * invstd / M * (M * dy - sum dy - xhat * sum(dy * xhat)).

The fused op keeps only x (its input) and three per-channel vectors for its
backward: the mean, invstd = 1/sqrt(var + eps) and gamma * invstd.

This module is over 500 lines on purpose: the two batch norms stay side by side (the fused
one is defined and tested against the composite), with layer and group norm, which share
the composite's pieces.
"""

from __future__ import annotations

import functools
import math
import threading
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import threads
from ..autograd.primitive import sum_tangents, wrap_grads
from ..dtypes import factor as _factor
from ..errors import ArgumentError, DTypeError, ShapeError
from ..tensor import Function, Tensor, is_grad_enabled
from ..threads import blocks, map_blocks
from .arguments import layer_input, real_number, same_dtype, state_dtype

__all__ = ["FusedBatchNorm", "batch_norm", "group_norm", "layer_norm"]

_IMPLS = ("fused", "composite")
# float16 input is normalized in float32 and the result cast back (PyTorch's accumulate
# type for half): a float16 sum of 64 values near 2000 overflows, and one of 1024 squares
# of std-10 values rounds away most of the variance. The casts are ops, so gradients
# flow back to float16.
HALF = np.dtype(np.float16)


# ---------------------------------------------------------------- shared composite pieces


class _Standardized(NamedTuple):
    xhat: Tensor
    mean: Tensor
    var: Tensor


def _standardize(x: Tensor, axes: tuple[int, ...], eps: float) -> _Standardized:
    """xhat = (x - mean) / sqrt(var + eps) over `axes` (kept as size-1 axes), biased var,
    from primitive ops: two passes (mean, then the centered variance), never
    E[x^2] - E[x]^2, which cancels catastrophically in float32."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered * centered).mean(axis=axes, keepdims=True)
    return _Standardized(centered / (var + eps).sqrt(), mean, var)


def _check_eps(op: str, eps: float, signed: bool = False) -> None:
    """eps a real number, and >= 0 unless `signed` (PyTorch's layer_norm, group_norm and
    instance_norm take any eps, a negative one giving NaN where var + eps < 0; its
    batch_norm and the norm modules' users expect eps >= 0)."""
    real_number(op, "eps", eps, "a real number" if signed else "a number >= 0")
    if not signed and not eps >= 0:  # also rejects NaN
        raise ArgumentError(f"{op}: eps must be >= 0, got {eps}")


def _check_input(op: str, x: Tensor, eps: float, channels_first: bool = True,
                 signed_eps: bool = False) -> None:
    """What every norm function checks first: a floating x, eps >= 0 (any real number
    when `signed_eps`) and, when `channels_first`, the (N, C, *) layout (at least 2
    dims)."""
    data = x._data  # the array's attributes: no property calls
    if data.dtype.kind != "f":
        raise DTypeError(f"{op}: input must be floating, got dtype {x.dtype}")
    _check_eps(op, eps, signed_eps)
    if channels_first and data.ndim < 2:
        raise ShapeError(f"{op}: expected input of shape (N, C, *) with at least 2 dims, got "
                         f"shape {x.shape}")


def _same_dtypes(op: str, x: Tensor, weight: Tensor | None, bias: Tensor | None,
                 running_mean: np.ndarray | None = None,
                 running_var: np.ndarray | None = None) -> None:
    """x's dtype against the parameters' and statistics' as PyTorch's CPU norms check it,
    after the shapes (as PyTorch's): the same, or float32 and float16 together (PyTorch's: a
    float16 x; ours also the float32 x a float16 one is computed in)."""
    dtype = x._data.dtype  # the common case by identity first: a few us per layer call
    if (weight is None or weight._data.dtype is dtype) and \
            (bias is None or bias._data.dtype is dtype) and \
            (running_mean is None or running_mean.dtype is dtype) and \
            (running_var is None or running_var.dtype is dtype):
        return
    statistics = {"running_mean": running_mean, "running_var": running_var}
    same_dtype(op, dtype, mixed=True, weight=weight, bias=bias, **statistics)


def _affine_param(op: str, name: str, value: Any, shape: tuple[int, ...],
                  input_shape: tuple[int, ...] | None = None) -> Tensor | None:
    """weight or bias: None, or a Tensor (an array is wrapped) of exactly `shape`: one
    value per channel of an input of `input_shape`, or (None) of the normalized_shape."""
    if value is None:
        return None
    if not isinstance(value, Tensor):  # as_tensor, without a call: twice per batch norm
        value = Tensor(value)
    if value._data.shape != shape:
        what = "the normalized_shape" if input_shape is None \
            else f"one per channel of the input of shape {input_shape}"
        raise ShapeError(f"{op}: {name} has shape {value.shape}, expected {shape} ({what})")
    return value


# ---------------------------------------------------------------- batch norm: checks, stats


def _reduce_axes(ndim: int) -> tuple[int, ...]:
    """Every axis but the channel axis 1."""
    return (0,) + tuple(range(2, ndim))


def _channel_shape(x: Tensor | np.ndarray) -> tuple[int, ...]:
    """(1, C, 1, ...): a per-channel vector broadcast against x."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def _affine(y: Tensor, weight: Tensor | None, bias: Tensor | None,
            shape: tuple[int, ...] | None = None) -> Tensor:
    """y * weight + bias, each optional; with `shape` (a `_channel_shape`) weight and bias
    are per-channel vectors reshaped to it, else they broadcast as they are."""
    if weight is not None:
        y = y * (weight if shape is None else weight.reshape(shape))
    if bias is not None:
        y = y + (bias if shape is None else bias.reshape(shape))
    return y


def _running_array(name: str, value: Any, channels: int) -> np.ndarray | None:
    if value is None:
        return None
    array = value._data if isinstance(value, Tensor) else value
    if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
        raise DTypeError(f"batch_norm: {name} must be a floating ndarray or Tensor (it is "
                         f"updated in place), got {type(value).__name__}")
    if array.shape != (channels,):
        raise ShapeError(f"batch_norm: {name} has shape {array.shape}, expected ({channels},) "
                         f"(one value per channel)")
    return array


class _Replaying(threading.local):
    """True in a thread while tg.checkpoint recomputes a segment for its backward: the
    running statistics (and the modules' batch counts) were updated by the forward
    already and must not be updated twice."""

    active = False


replaying = _Replaying()


def _update_running_stats(running_mean: np.ndarray | None, running_var: np.ndarray | None,
                          mean: np.ndarray, var: np.ndarray, count: int,
                          momentum: float) -> None:
    """running = (1 - momentum) * running + momentum * batch, in place on the arrays
    (no graph). running_var takes the unbiased variance var * M / (M - 1). Skipped while
    a checkpointed segment is recomputed (`replaying`)."""
    if running_mean is None or running_var is None or replaying.active:
        return
    keep_mean, new_mean, keep_var, new_var = _running_factors(
        momentum, count, running_mean.dtype, running_var.dtype)
    running_mean *= keep_mean
    running_mean += new_mean * mean
    running_var *= keep_var
    running_var += new_var * var


_RUNNING_FACTORS: dict[tuple[Any, ...], tuple[np.ndarray, ...]] = {}


def _running_factors(momentum: float, count: int, mean_dtype: np.dtype,
                     var_dtype: np.dtype) -> tuple[np.ndarray, ...]:
    """1 - momentum and momentum in the running mean's dtype, the same and momentum * M /
    (M - 1) in the running variance's, as `dtypes.factor` makes them (the values a Python
    float is cast to), looked up once per call rather than four times (a batch-norm call
    per layer and step). Kept per key as `factor` keeps its values: not for a zero momentum
    (0.0 == -0.0), emptied past 256 entries (a cumulative average's momentum changes every
    step)."""
    key = (momentum, count, mean_dtype, var_dtype)
    factors = _RUNNING_FACTORS.get(key)
    if factors is None:
        keep = 1.0 - momentum
        factors = (_factor(keep, mean_dtype), _factor(momentum, mean_dtype),
                   _factor(keep, var_dtype), _factor(momentum * count / (count - 1), var_dtype))
        if momentum:
            if len(_RUNNING_FACTORS) >= 256:
                _RUNNING_FACTORS.clear()
            _RUNNING_FACTORS[key] = factors
    return factors


# ---------------------------------------------------------------- batch norm: fused op
# Arrays are viewed as (N, C, S), S the product of the spatial sizes, or as (N, C) when
# S = 1 (BatchNorm1d's usual input), where a (C,) vector already is the contiguous
# operand NumPy's inner loop wants. The op is memory bound for large inputs and
# call-overhead bound for small ones, so it makes as few passes and NumPy calls as it can.
#
# Threads. An (N, C, S) input is cut into blocks of samples: each block is one contiguous
# piece of memory. (Blocks of channels, as before stop 30, are N pieces of C/parts * S
# values at a stride of C * S: at (64, 64, 16, 16) those pieces fall 64 KiB apart, onto the
# same sets of the L2 cache, and an in-place multiply on such a block ran 3-4x slower per
# element than on a block of samples; docs/performance.md, "Batch norm on two cores, stop
# 30".) A block writes the sums of its (sample, channel) rows into an (N, C) array of
# partial sums, and the caller adds each channel's N partial sums in sample order, so a
# channel's statistics are computed from the same numbers in the same order whatever the
# blocks: the pool is bit-identical to one thread. The price is a hand-off wherever the
# next pass needs a statistic of the whole batch, each a wait for the slowest block: two
# in the forward (every sum, taken about the first sample's mean, then the normalization),
# two in the backward (both sums, then dx). (N, C) inputs run whole in the calling thread:
# their column sums are BLAS products with a ones vector (2-3x faster than a ufunc
# reduction at the sizes of an MLP's BatchNorm1d), whose rounding may depend on where a
# column sits in the block, so a split would not be bit-identical; blocks of columns are
# strided like blocks of channels, and no BatchNorm1d in the suite is large enough to split.


def _channels_view(a: np.ndarray) -> np.ndarray:
    if a.ndim == 2:
        return a
    s = math.prod(a.shape[2:])
    return a.reshape(a.shape[0], a.shape[1], s) if s != 1 else a.reshape(a.shape[:2])


def _per_channel(v: np.ndarray, a: np.ndarray) -> np.ndarray:
    """A (C,) vector as an operand against the view `a` of `_channels_view`: itself for
    (N, C); for (N, C, S) repeated to (C, S), so that NumPy's inner loop runs over two
    contiguous operands, ~2.5x faster than broadcasting a (C, 1) column."""
    return v if a.ndim == 2 else np.repeat(v[:, None], a.shape[2], axis=1)


@functools.lru_cache(maxsize=64)
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    """A read-only vector of n ones (the left operand of a column sum), made once."""
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


_ROW_FACTORS: dict[tuple[Any, ...], tuple[np.ndarray, ...]] = {}


def _row_factors(n: int, channels: int, eps: float, dtype: np.dtype) -> tuple[np.ndarray, ...]:
    """1 / N, eps and -1 / N (as -C / (N C), the value the other paths compute) of a
    training (N, C) batch norm, as `dtypes.factor` makes them: looked up once per call
    rather than three times. Kept as `factor` keeps its values: not for eps 0 (0.0 ==
    -0.0), emptied past 256 entries."""
    key = (n, channels, eps, dtype)
    factors = _ROW_FACTORS.get(key)
    if factors is None:
        factors = (_factor(1.0 / n, dtype), _factor(eps, dtype),
                   _factor(-channels / (n * channels), dtype))
        if eps:
            if len(_ROW_FACTORS) >= 256:
                _ROW_FACTORS.clear()
            _ROW_FACTORS[key] = factors
    return factors


def _channel_sum(a: np.ndarray) -> np.ndarray:
    """sum over every axis but 1 of a `_channels_view`: for (N, C) one BLAS product with a
    ones vector (2.3 us against add.reduce's 5.4 us at (60, 100) float32), einsum's loop
    for (N, C, S) (no temporaries)."""
    if a.ndim == 2:
        return np.matmul(_ones(a.shape[0], a.dtype), a)
    return np.einsum("ncs->c", a)


def _channel_dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum of a * b over every axis but 1. For (N, C): the product, then its column sums
    as above (5.3 us against einsum's 7.5 us at (60, 100)). For (N, C, S), without the
    full-size product: one BLAS dot per (sample, channel) row (`np.vecdot`, 115 us against
    einsum's 196 us for a * a at (64, 64, 256) float32, one thread), then the N partial
    sums of each channel added as one contiguous row (`_add_rows`)."""
    if a.ndim == 2:
        return _channel_sum(a * b)
    return _add_rows(np.vecdot(a, b))


def _row_sums(a: np.ndarray, out: np.ndarray) -> None:
    """The sum of each (sample, channel) row of an (n, C, S) block, into `out` (n, C):
    einsum's summation loop, one row at a time, as fast as its whole-channel sum."""
    np.einsum("ncs->nc", a, out=out)


def _add_rows(partial: np.ndarray) -> np.ndarray:
    """(N, C) partial sums -> (C,) sums, each channel's N values added as one contiguous
    row (the same order whatever the blocks that wrote them)."""
    return np.add.reduce(np.ascontiguousarray(partial.T), axis=1)


class FusedBatchNorm(Function):
    """y = gamma * (x - mean) * invstd + beta per channel, as one op;  dx = gamma invstd (g -
    mean(g) - xhat mean(g xhat)) in training, gamma invstd g in eval; dgamma = sum g xhat,
    dbeta = sum g.

    Parents: x, then weight (gamma) if `has_weight`, then bias (beta) if `has_bias`.
    Training (`training=True`): mean and biased var of the batch over every axis
    but 1, and `running_mean`/`running_var` (arrays or None) updated in place with
    `momentum`. Eval: the given running statistics are used as constants.

    Backward (derivation: docs/batchnorm.md), per channel with M values:
        dbeta = sum g,  dgamma = sum g * xhat,
        training: dx = gamma * invstd / M * (M g - sum g - xhat * sum(g * xhat)),
        eval:     dx = gamma * invstd * g.
    A plain backward evaluates these on ndarrays. Under `create_graph=True` (grad
    mode on inside backward) the same formulas are built from Tensor ops, with
    mean and invstd recomputed as functions of x, so second derivatives are exact.

    Statistics are taken about a reference mean0 per channel: y = x - mean0, offset =
    sum(y) / M, mean = mean0 + offset, var = sum(y^2) / M - offset^2. For (N, C) input
    mean0 is a first pass's mean, so offset is its rounding error (a corrected
    two-pass). For (N, C, S) input mean0 is the first sample's mean, so the sums of y and
    y^2 are one pass and one hand-off to the pool: the cancellation in var is then by
    1 + offset^2 / var, which is at most 1 + N (one sample's mean lies at most sqrt(N) of
    the channel's standard deviations from its mean) and near 1 when the first sample is
    a typical one. Either way no term of size |mean| is formed, so float32 stays accurate
    when |mean| >> std (docs/batchnorm.md, section 5).
    """

    saved_names = ("mean", "invstd", "scale")  # what the trace and the graph call them
    saves_inputs = (0, 1)  # x; gamma (parent 1 when has_weight) under create_graph
    fresh_grads = True  # the ndarray backward returns new arrays (dx, two channel sums)
    # dx in x's shape, the sums (C,), the shape of weight and bias (batch_norm checks them);
    # all in x's dtype, which is theirs unless forward says otherwise
    exact_grads = True

    def forward(self, x: np.ndarray, *params: np.ndarray) -> np.ndarray:
        dtype = x.dtype
        weight = bias = None
        if params:
            weight, bias = params[0], params[-1]
            if weight.dtype is not dtype or bias.dtype is not dtype:
                # (astype of an equal dtype returns the array itself: only these convert)
                weight, bias = weight.astype(dtype, copy=False), bias.astype(dtype, copy=False)
                self.exact_grads = False  # the engine casts their gradients (x's dtype) to theirs
            if not self.has_bias:
                bias = None
        if not self.has_weight:
            weight = None
            self.saves_inputs = (0,)
        if x.ndim == 2:
            return self._forward_rows(x, weight, bias)
        xv = _channels_view(x)
        if xv.ndim == 2:  # (N, C, 1, ...)
            return self._forward_rows(xv, weight, bias).reshape(x.shape)
        channels = xv.shape[1]
        count = x.size // channels if channels else 0
        if self.training:
            inv_count, stats = _factor(1.0 / count, dtype), None
        else:
            # copies: a later in-place update of the running statistics must not reach
            # this op's backward
            inv_count, stats = None, (self.running_mean.astype(dtype),
                                      self.running_var.astype(dtype))
        y, mean, var, invstd, scale = self._forward_samples(xv, weight, bias, inv_count, stats)
        if self.training:
            _update_running_stats(self.running_mean, self.running_var, mean, var, count,
                                  self.momentum)
        self.save_for_backward(mean, invstd, scale)
        return y.reshape(x.shape)

    def _forward_rows(self, x: np.ndarray, w: np.ndarray | None,
                      b: np.ndarray | None) -> np.ndarray:
        """The forward of an (N, C) input (or view), in the calling thread, written out: the
        corrected two-pass statistics (column sums as BLAS products with a ones vector),
        the running statistics' update and the saved arrays; returns y. BatchNorm1d's
        usual call, where the op's Python is most of its cost."""
        dtype = x.dtype
        training = self.training
        if training:
            n = x.shape[0]
            inv_count, eps, minus_inv_count = _row_factors(n, x.shape[1], self.eps, dtype)
            ones = _ones(n, dtype)
            mean0 = np.matmul(ones, x) * inv_count
            ys = x - mean0
            offset = np.matmul(ones, ys) * inv_count
            var = np.matmul(ones, ys * ys) * inv_count
            mean, var = self._corrected(mean0, offset, var)
        else:
            # copies: a later in-place update of the running statistics must not reach
            # this op's backward
            mean, var = self.running_mean.astype(dtype), self.running_var.astype(dtype)
            eps, minus_inv_count = _factor(self.eps, dtype), None
            ys = x - mean
        invstd = np.reciprocal(np.sqrt(var + eps))
        scale = invstd if w is None else invstd * w
        ys *= scale
        if training:  # y = (x - mean0) * scale + beta - offset * scale
            shift = offset * scale
            ys += np.negative(shift, out=shift) if b is None else b - shift
        elif b is not None:
            ys += b
        self._minus_inv_count = minus_inv_count
        if training:
            _update_running_stats(self.running_mean, self.running_var, mean, var, x.shape[0],
                                  self.momentum)
        self.save_for_backward(mean, invstd, scale)
        return ys

    def _scale_shift(self, var: np.ndarray, w: np.ndarray | None, b: np.ndarray | None,
                     offset: np.ndarray | None) -> tuple[Any, ...]:
        """invstd, scale = gamma * invstd and the shift added after scaling: beta, less
        offset * scale when the data was centered about mean0 = mean - offset."""
        # eps as a 0-d array of var's dtype: the value a Python float is cast to, without
        # the promotion rules for Python scalars; reciprocal(sqrt): ~1.5 us less than ** -0.5
        invstd = np.reciprocal(np.sqrt(var + _factor(self.eps, var.dtype)))
        scale = invstd if w is None else invstd * w
        # y = (x - mean0) * scale + beta - (mean - mean0) * scale
        shift = b
        if offset is not None:
            shift = offset * scale
            shift = np.negative(shift, out=shift) if b is None else b - shift
        return invstd, scale, shift

    @staticmethod
    def _corrected(mean0: np.ndarray, offset: np.ndarray,
                   var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """mean and var from the second pass's mean(y) = `offset` and mean(y^2) = `var`
        (y = x - mean0): var - offset^2 in place."""
        # where var overflowed to inf, inf - offset^2 could be inf - inf = NaN: keep
        # inf (then invstd = 0, as in the composite; docs/batchnorm.md, "Overflow")
        np.subtract(var, offset * offset, out=var, where=var < np.inf)
        np.maximum(var, 0, out=var)
        return mean0 + offset, var

    def _forward_samples(self, xv: np.ndarray, w: np.ndarray | None, b: np.ndarray | None,
                         inv_count: np.ndarray | None,
                         stats: tuple[np.ndarray, np.ndarray] | None) -> tuple[np.ndarray, ...]:
        """The forward of an (N, C, S) view in blocks of samples (see the note above the
        class): the normalized values and the mean, var, invstd and scale. Training takes
        the statistics of the batch (1 / M in `inv_count`), eval the running ones."""
        n = xv.shape[0]
        parts = blocks(n, xv.shape[1] * xv.shape[2], threads.BN_GRAIN)
        y = np.empty_like(xv, order="C")
        offset = None
        if stats is None:
            # the reference mean0: the first sample's mean per channel, made here (1/N of a
            # pass) so that one hand-off takes every sum (see the class docstring)
            mean0 = np.einsum("cs->c", xv[0]) * _factor(1.0 / xv.shape[2], xv.dtype)
            m0 = _per_channel(mean0, xv)
            rows = np.empty_like(xv, shape=(2,) + xv.shape[:2])  # sum y, sum y^2

            def centre(lo: int, hi: int) -> None:
                ys = np.subtract(xv[lo:hi], m0, out=y[lo:hi])
                _row_sums(ys, rows[0, lo:hi])
                np.vecdot(ys, ys, out=rows[1, lo:hi])

            map_blocks(n, parts, centre, True)
            offset = _add_rows(rows[0]) * inv_count
            mean, var = self._corrected(mean0, offset, _add_rows(rows[1]) * inv_count)
        else:
            mean, var = stats
            m = _per_channel(mean, xv)
        invstd, scale, shift = self._scale_shift(var, w, b, offset)
        sc = _per_channel(scale, xv)
        sh = None if shift is None else _per_channel(shift, xv)

        def finish(lo: int, hi: int) -> None:
            ys = y[lo:hi] if stats is None else np.subtract(xv[lo:hi], m, out=y[lo:hi])
            ys *= sc
            if sh is not None:
                ys += sh

        map_blocks(n, parts, finish, True)
        return y, mean, var, invstd, scale

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        if is_grad_enabled():
            return self._backward_graph(g)
        return wrap_grads(self.backward_arrays(g._data))

    def backward_arrays(self, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """The plain rule on ndarrays (the formulas of the class docstring)."""
        x = self.parents[0]
        xv = x._data
        if xv.ndim == 2:
            return self._grad_rows(xv, g)
        xv, gv = _channels_view(xv), _channels_view(g)
        if xv.ndim == 2:  # (N, C, 1, ...)
            grads = self._grad_rows(xv, gv)
            return (None if grads[0] is None else grads[0].reshape(x._data.shape),) + grads[1:]
        mean, invstd, scale = self.saved  # scale = gamma * invstd (gamma as in forward)
        need_dot = self.training or (self.has_weight and self.parents[1].requires_grad)
        minus_inv_count = _factor(-xv.shape[1] / x._data.size if self.training else 0,
                                  mean.dtype)
        sum_g, sum_g_xhat, gx = self._grad_samples(xv, gv, mean, invstd, scale, need_dot,
                                                   minus_inv_count)
        if x.requires_grad:
            gx = gx.reshape(x._data.shape)
        return self._with_param_grads(gx if x.requires_grad else None, sum_g_xhat, sum_g)

    def _grad_rows(self, xv: np.ndarray, g: np.ndarray) -> tuple[np.ndarray | None, ...]:
        """dx, dgamma and dbeta of an (N, C) input (or view), in the calling thread, written
        out (see `_forward_rows`)."""
        mean, invstd, scale = self.saved
        training = self.training
        sum_g = np.matmul(_ones(g.shape[0], g.dtype), g)
        sum_g_xhat = None
        if training or (self.has_weight and self.parents[1].requires_grad):
            # x - mean, in the buffer of dx: one full-size allocation in all
            centred = xv - mean
            product = g * centred
            sum_g_xhat = np.matmul(_ones(product.shape[0], product.dtype), product) * invstd
        gx = None
        if self.parents[0].requires_grad:
            if training:  # dx = scale * (g + a (x - mean) + b), see _dx_terms
                minus_inv_count = self._minus_inv_count
                centred *= invstd * sum_g_xhat * minus_inv_count
                centred += sum_g * minus_inv_count
                centred += g
                centred *= scale
                gx = centred
            else:
                gx = g * scale
        if self.has_weight:
            return (gx, sum_g_xhat, sum_g) if self.has_bias else (gx, sum_g_xhat)
        return (gx, sum_g) if self.has_bias else (gx,)

    def _dx_terms(self, inv: np.ndarray, sum_g: np.ndarray, sum_g_xhat: np.ndarray,
                  minus_inv_count: np.ndarray, like: np.ndarray) -> tuple[Any, Any] | None:
        """In training, the per-channel operands a = -invstd sum(g xhat) / M and
        b = -sum(g) / M of dx = scale * (g + a (x - mean) + b); None in eval."""
        if not self.training:
            return None
        return (_per_channel(inv * sum_g_xhat * minus_inv_count, like),
                _per_channel(sum_g * minus_inv_count, like))

    @staticmethod
    def _dx(centred: np.ndarray | None, gs: np.ndarray, terms: tuple[Any, Any] | None,
            sc: np.ndarray, out: np.ndarray | None) -> np.ndarray:
        """dx of one block: in training built in place in `centred` (x - mean), from the
        `_dx_terms`; in eval scale * g (in `out` when given)."""
        if terms is None:
            return gs * sc if out is None else np.multiply(gs, sc, out=out)
        centred *= terms[0]
        centred += terms[1]
        centred += gs
        centred *= sc
        return centred

    def _grad_samples(self, xv: np.ndarray, gv: np.ndarray, mean: np.ndarray,
                      invstd: np.ndarray, scale: np.ndarray, need_dot: bool,
                      minus_inv_count: np.ndarray) -> tuple[Any, ...]:
        """sum g, sum g xhat (when `need_dot`) and dx (None when x needs no gradient) of an
        (N, C, S) view, in blocks of samples (see the note above the class)."""
        n = xv.shape[0]
        parts = blocks(n, xv.shape[1] * xv.shape[2], threads.BN_GRAIN)
        want_dx = self.parents[0].requires_grad
        rows = np.empty_like(xv, shape=(2,) + xv.shape[:2])  # sum g, sum g (x - mean)
        # x - mean, in the buffer of dx: one full-size allocation in all
        gx = np.empty_like(xv, order="C") if want_dx or need_dot else None
        m = _per_channel(mean, xv) if need_dot else None

        # in eval dx = scale * g needs no sum: it is made in the same hand-off as the sums
        sc = _per_channel(scale, xv) if want_dx else None
        dx_now = want_dx and not self.training

        def reduce(lo: int, hi: int) -> None:
            _row_sums(gv[lo:hi], rows[0, lo:hi])
            if need_dot:
                centred = np.subtract(xv[lo:hi], m, out=gx[lo:hi])
                np.vecdot(gv[lo:hi], centred, out=rows[1, lo:hi])
            if dx_now:
                self._dx(None, gv[lo:hi], None, sc, gx[lo:hi])

        map_blocks(n, parts, reduce, True)
        sum_g = _add_rows(rows[0])
        sum_g_xhat = _add_rows(rows[1]) * invstd if need_dot else None
        if want_dx and not dx_now:
            terms = self._dx_terms(invstd, sum_g, sum_g_xhat, minus_inv_count, xv)
            map_blocks(n, parts, lambda lo, hi: self._dx(gx[lo:hi], gv[lo:hi], terms, sc,
                                                         gx[lo:hi]), True)
        return sum_g, sum_g_xhat, gx

    def _backward_graph(self, g: Tensor) -> tuple[Tensor | None, ...]:
        """The same formulas as Tensor ops: differentiable with respect to x, gamma and g."""
        x = self.parents[0]
        axes, shape = _reduce_axes(x.ndim), _channel_shape(x)
        xhat, invstd = self._xhat_invstd(differentiable=True)
        sum_g = g.sum(axis=axes, keepdims=True)
        sum_g_xhat = (g * xhat).sum(axis=axes, keepdims=True)
        gx = None
        if x.requires_grad:
            k = invstd * self.parents[1].reshape(shape) if self.has_weight else invstd
            if self.training:
                count = x._data.size // x.shape[1]
                gx = k * (g - sum_g * (1.0 / count) - xhat * (sum_g_xhat * (1.0 / count)))
            else:
                gx = k * g
        channels = (x.shape[1],)
        return self._with_param_grads(gx, sum_g_xhat.reshape(channels), sum_g.reshape(channels))

    def jvp(self, tx: Tensor | None, *t_params: Tensor | None) -> Tensor | None:
        """Forward mode (derivation: docs/batchnorm.md, section 8), per channel:
            training: t_xhat = invstd * (t_x - mean(t_x) - xhat * mean(xhat * t_x)),
            eval:     t_xhat = invstd * t_x,
            t_y = gamma * t_xhat + t_gamma * xhat + t_beta.
        The training map is the same symmetric projection as the backward's dx."""
        x = self.parents[0]
        axes, shape = _reduce_axes(x.ndim), _channel_shape(x)
        xhat, invstd = self._xhat_invstd(differentiable=is_grad_enabled() and (
            x.requires_grad or any(p.requires_grad for p in self.parents[1:])))
        t_weight = t_params[0] if self.has_weight else None
        t_bias = t_params[-1] if self.has_bias else None
        t_xhat = None
        if tx is not None:
            if self.training:
                t_xhat = invstd * (tx - tx.mean(axis=axes, keepdims=True)
                                   - xhat * (xhat * tx).mean(axis=axes, keepdims=True))
            else:
                t_xhat = invstd * tx
            if self.has_weight:
                t_xhat = t_xhat * self.parents[1].reshape(shape)
        return sum_tangents(t_xhat, None if t_weight is None else t_weight.reshape(shape) * xhat,
                            None if t_bias is None else t_bias.reshape(shape))

    def _xhat_invstd(self, differentiable: bool) -> tuple[Tensor, Tensor]:
        """xhat and invstd as Tensors of x's rank. Training and `differentiable`: recomputed
        from x by the composite's ops, so they depend on x; otherwise from the saved
        statistics, as constants (eval mode's statistics are constants anyway)."""
        x = self.parents[0]
        shape = _channel_shape(x)
        if self.training and differentiable:
            xhat, _, var = _standardize(x, _reduce_axes(x.ndim), self.eps)
            return xhat, 1.0 / (var + self.eps).sqrt()
        mean, invstd_array, _ = self.saved
        invstd = Tensor(invstd_array.reshape(shape))
        return (x - Tensor(mean.reshape(shape))) * invstd, invstd

    def _with_param_grads(self, gx: Any, g_weight: Any, g_bias: Any) -> tuple[Any, ...]:
        """(dx, dgamma, dbeta) for the parents there are (Tensors or ndarrays)."""
        return (gx,) + ((g_weight,) if self.has_weight else ()) + \
            ((g_bias,) if self.has_bias else ())


# ---------------------------------------------------------------- batch norm: functional


def batch_norm(x: Tensor, running_mean: np.ndarray | Tensor | None,
               running_var: np.ndarray | Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1,
               eps: float = 1e-5, impl: str = "fused") -> Tensor:
    """Batch normalization of x (N, C, *) per channel, over every axis but 1.

    y = (x - mean) / sqrt(var + eps) * weight + bias, with weight and bias of shape
    (C,) (each optional). `training=True` uses the batch's mean and biased variance
    and, when running_mean/running_var are given, updates them in place:
    running = (1 - momentum) * running + momentum * batch, with the unbiased
    variance (M / (M - 1)) for running_var. `training=False` normalizes with the
    running statistics. `impl="composite"` builds the graph from primitive ops,
    `impl="fused"` uses the single op `FusedBatchNorm` (analytic backward). The
    parameters and statistics have x's dtype (or float32 for a float16 x), as PyTorch's;
    an array x takes the weight's.
    """
    if not isinstance(x, Tensor):
        x = layer_input(x, state_dtype(weight))
    if impl not in _IMPLS:
        raise ArgumentError(f"batch_norm: impl must be one of {_IMPLS}, got {impl!r}")
    # Each check below first accepts the common case inline (a layer's own parameters
    # and buffers, float eps and momentum: no call), and otherwise runs the full check,
    # which raises, in the same order, or accepts the other forms (an array weight, an
    # int eps ...). This runs once per layer call.
    data = x._data
    if data.dtype.kind != "f" or type(eps) is not float or not eps >= 0 or data.ndim < 2:
        _check_input("batch_norm", x, eps)
    if data.dtype == HALF:
        return batch_norm(x.astype(np.float32), running_mean, running_var, weight, bias,
                          training, momentum, eps, impl).astype(HALF)
    shape = data.shape
    channels = shape[1]
    vector = (channels,)
    if weight is not None and (not isinstance(weight, Tensor) or weight._data.shape != vector):
        weight = _affine_param("batch_norm", "weight", weight, vector, shape)
    if bias is not None and (not isinstance(bias, Tensor) or bias._data.shape != vector):
        bias = _affine_param("batch_norm", "bias", bias, vector, shape)
    if running_mean is not None and (type(running_mean) is not np.ndarray or
                                     running_mean.dtype.kind != "f" or
                                     running_mean.shape != vector):
        running_mean = _running_array("running_mean", running_mean, channels)
    if running_var is not None and (type(running_var) is not np.ndarray or
                                    running_var.dtype.kind != "f" or
                                    running_var.shape != vector):
        running_var = _running_array("running_var", running_var, channels)
    if (running_mean is None) != (running_var is None):
        raise ArgumentError("batch_norm: give both running_mean and running_var, or neither")
    count = data.size // channels if channels else 0
    # checked in eval mode too, where it is unused (as PyTorch)
    if momentum is not None and type(momentum) is not float:
        real_number("batch_norm", "momentum", momentum, "a number in [0, 1]")
    if training:
        if count == 1:  # (an empty batch passes, as PyTorch's: see _empty_batch)
            raise ShapeError(f"batch_norm: Expected more than 1 value per channel when "
                             f"training, got input size {shape}")
        # (a momentum that is not None passed real_number above)
        if running_mean is not None and (momentum is None or not 0.0 <= momentum <= 1.0):
            raise ArgumentError(
                f"batch_norm: momentum must be a number in [0, 1], got {momentum!r} (for a "
                f"cumulative average pass 1 / number of batches, as the BatchNorm modules "
                f"do for momentum=None)")
    elif running_mean is None:
        raise ArgumentError("batch_norm: training=False normalizes with running statistics: "
                            "pass running_mean and running_var (or use training=True)")
    dtype = data.dtype  # _same_dtypes' common case (every dtype x's, by identity) inline
    if not ((weight is None or weight._data.dtype is dtype) and
            (bias is None or bias._data.dtype is dtype) and
            (running_mean is None or running_mean.dtype is dtype) and
            (running_var is None or running_var.dtype is dtype)):
        _same_dtypes("batch_norm", x, weight, bias, running_mean=running_mean,
                     running_var=running_var)
    if not data.size:
        return _empty_batch(x, weight, bias)
    if impl == "fused":
        params = [] if weight is None else [weight]  # not a generator: ~1 us per call
        if bias is not None:
            params.append(bias)
        return FusedBatchNorm.apply(
            x, *params, has_weight=weight is not None, has_bias=bias is not None,
            training=bool(training), eps=float(eps), momentum=momentum,
            running_mean=running_mean, running_var=running_var)
    return _batch_norm_composite(x, running_mean, running_var, weight, bias, bool(training),
                                 momentum, float(eps))


def _empty_batch(x: Tensor, weight: Tensor | None, bias: Tensor | None) -> Tensor:
    """batch_norm of an empty x, as PyTorch's (ATen's _batch_norm_impl_index): no
    statistics, the running ones untouched, and x * weight + bias per channel (empty, but in
    the graph, so weight and bias get zero gradients rather than none; PyTorch's
    x * weight[0] + bias[0] is the same but fails on zero channels)."""
    channel = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    y = x * 1
    if weight is not None:
        y = y * weight.reshape(channel)
    if bias is not None:
        y = y + bias.reshape(channel)
    return y


def _batch_norm_composite(x: Tensor, running_mean: np.ndarray | None,
                          running_var: np.ndarray | None, weight: Tensor | None,
                          bias: Tensor | None, training: bool, momentum: float,
                          eps: float) -> Tensor:
    """Batch norm from primitive ops: mean, subtract, square, mean, add eps, sqrt,
    divide, scale, shift. Autograd derives its backward."""
    shape = _channel_shape(x)
    if training:
        y, mean, var = _standardize(x, _reduce_axes(x.ndim), eps)
        _update_running_stats(running_mean, running_var, mean._data.ravel(), var._data.ravel(),
                              x._data.size // x.shape[1], momentum)
    else:
        # running statistics enter as constants, copied: later updates must not leak in
        mean = Tensor(running_mean.astype(x.dtype).reshape(shape))
        var = Tensor(running_var.astype(x.dtype).reshape(shape))
        y = (x - mean) / (var + eps).sqrt()
    return _affine(y, weight, bias, shape)


# ---------------------------------------------------------------- layer norm, group norm


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],  # noqa: A002
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize each sample over its last len(normalized_shape) axes:
    y = (x - mean) / sqrt(var + eps) * weight + bias, biased var, weight and bias of
    shape `normalized_shape` (elementwise). A composite: autograd derives the backward."""
    x = input
    if not isinstance(x, Tensor):
        x = layer_input(x, state_dtype(weight))
    _check_input("layer_norm", x, eps, channels_first=False, signed_eps=True)
    if x.dtype == HALF:
        return layer_norm(x.astype(np.float32), normalized_shape, weight, bias, eps).astype(HALF)
    shape = (int(normalized_shape),) if isinstance(normalized_shape, int | np.integer) \
        else tuple(int(n) for n in normalized_shape)
    k = len(shape)
    if k == 0 or x.ndim < k or x.shape[x.ndim - k:] != shape:
        raise ShapeError(f"layer_norm: input of shape {x.shape} must end with "
                         f"normalized_shape {shape} (expected (*, {', '.join(map(str, shape))}))")
    weight = _affine_param("layer_norm", "weight", weight, shape)
    bias = _affine_param("layer_norm", "bias", bias, shape)
    _same_dtypes("layer_norm", x, weight, bias)
    y = _standardize(x, tuple(range(x.ndim - k, x.ndim)), eps).xhat
    return _affine(y, weight, bias)


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,  # noqa: A002
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Split the C channels of x (N, C, *) into `num_groups` groups of C/G channels and
    normalize each sample's group over its channels and spatial positions:
    y = (x - mean) / sqrt(var + eps) * weight + bias, biased var, weight and bias of
    shape (C,) (per channel). A composite: autograd derives the backward."""
    x = input
    if not isinstance(x, Tensor):
        x = layer_input(x, state_dtype(weight))
    _check_input("group_norm", x, eps, signed_eps=True)
    if x.dtype == HALF:
        return group_norm(x.astype(np.float32), num_groups, weight, bias, eps).astype(HALF)
    channels = x.shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int | np.integer) \
            or num_groups < 1:
        raise ArgumentError(f"group_norm: num_groups must be a positive int, got {num_groups!r}")
    if channels % num_groups:
        raise ShapeError(f"group_norm: {channels} channels (input of shape {x.shape}) cannot "
                         f"be split into {num_groups} groups: C must be divisible by num_groups")
    weight = _affine_param("group_norm", "weight", weight, (channels,), x.shape)
    bias = _affine_param("group_norm", "bias", bias, (channels,), x.shape)
    _same_dtypes("group_norm", x, weight, bias)
    grouped = x.reshape(x.shape[0], int(num_groups),
                        int(np.prod(x.shape[1:])) // int(num_groups))
    y = _standardize(grouped, (2,), eps).xhat.reshape(x.shape)
    shape = _channel_shape(x)
    return _affine(y, weight, bias, shape)
