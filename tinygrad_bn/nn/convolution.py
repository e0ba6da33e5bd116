"""2-D convolution and pooling on NCHW tensors: strided views, one matrix product, adjoint pairs.

Convolution. With the input zero-padded, y = conv(x, w) is the cross-correlation

    y[n, o, r, c] = sum_{ci, i, j} w[o, ci, i, j] * x[n, g*Cg + ci, r*sh + i*dh, c*sw + j*dw]

where g = o // (O / groups) is the group of output channel o and Cg = C / groups. The
forward gathers every window of x into a matrix with one strided view and one copy
("im2col": (groups, Cg*kh*kw, N*OH*OW)) and multiplies it by the weights reshaped to
(groups, O/groups, Cg*kh*kw): one GEMM per group for the whole batch. One large product
rather than N small ones: equal single-threaded, and multi-threaded BLAS synchronises its
threads once per call instead of N times (costly when the cores are shared).

The three maps below are the partial derivatives of one trilinear form
T(x, w, g) = <g, conv(x, w)>, so their backward rules close on themselves:

    conv(x, w)          = dT/dg   (Convolution)
    input_grad(g, w)    = dT/dx   (ConvInputGrad, the transposed convolution)
    weight_grad(x, g)   = dT/dw   (ConvWeightGrad, the correlation of x with g)

d<u, dT/da>/db = dT/db evaluated with a replaced by u, hence e.g. the backward of
input_grad(g, w) with upstream u is (conv(u, w), weight_grad(u, g)). Gradients of every
order are these three Functions again, so gradgradcheck holds.

Pooling. avg_pool2d is a window sum times 1/(kh*kw) (WindowSum) whose adjoint spreads
each output gradient over its window (WindowScatter); max_pool2d picks one element per
window, and its backward (ArgmaxScatter) and that backward's backward (ArgmaxGather) are
again an adjoint pair. All scatters are kh*kw slice-adds into a padded buffer, one per
kernel offset, never an element-wise `np.add.at`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..autograd.primitive import sum_tangents
from ..errors import ArgumentError, DTypeError, ShapeError
from ..tensor import Function, Tensor, as_tensor, is_grad_enabled
from ..threads import parallel_for
from . import conv_algorithms as alg
from .arguments import Pair, int_pair, layer_input, same_dtype

IntPair = int | tuple[int, int]


# the geometry and the algorithms: conv_algorithms.py
_Window, _window = alg.Window, alg.window


class Convolution(Function):
    """y = conv(x, w) (+ b);  dx = input_grad(g, w), dw = weight_grad(x, g),
    db = g summed over N, H, W."""

    saved_names = ("im2col columns",)  # what the trace and the graph call ctx.saved's items
    saves_inputs = (0, 1)  # backward passes both inputs on to the adjoint ops

    def forward(self, x, w, b=None):
        # the bias is added while the result is written, unless it would promote the dtype
        fold = b is not None and np.result_type(x, w, b) == np.result_type(x, w)
        out, cols = alg.run_forward(x, w, self.win, self.groups, b if fold else None)
        if b is not None and not fold:
            out = out + b.reshape(1, -1, 1, 1)
        if cols is not None and self.parents[1].requires_grad:
            self.save_for_backward(cols)  # the weight gradient reuses the im2col matrix
        return out

    def backward(self, g):
        x, w = self.parents[:2]
        gx = ConvInputGrad.apply(g, w, win=self.win, groups=self.groups) \
            if x.requires_grad else None
        cols = self.saved[0] if self.saved else None
        gw = ConvWeightGrad.apply(x, g, win=self.win, groups=self.groups, cols=cols) \
            if w.requires_grad else None
        if len(self.parents) == 2:
            return gx, gw
        gb = g.sum(axis=(0, 2, 3)) if self.parents[2].requires_grad else None
        return gx, gw, gb

    def jvp(self, tx, tw, tb=None):
        """Bilinear in (x, w) plus b: t_y = conv(t_x, w) + conv(x, t_w) + t_b."""
        x, w = self.parents[:2]
        return sum_tangents(Convolution.apply(tx, w, win=self.win, groups=self.groups)
                          if tx is not None else None,
                          Convolution.apply(x, tw, win=self.win, groups=self.groups)
                          if tw is not None else None,
                          None if tb is None else tb.reshape(1, -1, 1, 1))


class ConvInputGrad(Function):
    """z = input_grad(g, w), the transposed convolution: each output cell's g, weighted by
    w, spread back over its window;  dg = conv(u, w), dw = weight_grad(u, g)."""

    saves_inputs = (0, 1)  # backward passes both inputs on to the adjoint ops

    def forward(self, g, w):
        return alg.run_input_grad(g, w, self.win, self.groups)

    def backward(self, u):
        g, w = self.parents
        dg = Convolution.apply(u, w, win=self.win, groups=self.groups) if g.requires_grad else None
        dw = ConvWeightGrad.apply(u, g, win=self.win, groups=self.groups, cols=None) \
            if w.requires_grad else None
        return dg, dw

    def jvp(self, tg, tw):
        """Bilinear: input_grad(t_g, w) + input_grad(g, t_w)."""
        g, w = self.parents
        return sum_tangents(ConvInputGrad.apply(tg, w, win=self.win, groups=self.groups)
                          if tg is not None else None,
                          ConvInputGrad.apply(g, tw, win=self.win, groups=self.groups)
                          if tw is not None else None)


class ConvWeightGrad(Function):
    """z = weight_grad(x, g)[o, ci, i, j] = sum over n and output cells of g times the
    input cell that w[o, ci, i, j] met;  dx = input_grad(g, u), dg = conv(x, u)."""

    saves_inputs = (0, 1)  # backward passes both inputs on to the adjoint ops

    def forward(self, x, g):
        cols, self.cols = self.cols, None  # only the forward needs it: do not keep it alive
        return alg.run_weight_grad(x, g, self.win, self.groups, cols)

    def backward(self, u):
        x, g = self.parents
        dx = ConvInputGrad.apply(g, u, win=self.win, groups=self.groups) \
            if x.requires_grad else None
        dg = Convolution.apply(x, u, win=self.win, groups=self.groups) if g.requires_grad else None
        return dx, dg

    def jvp(self, tx, tg):
        """Bilinear: weight_grad(t_x, g) + weight_grad(x, t_g)."""
        x, g = self.parents
        return sum_tangents(ConvWeightGrad.apply(tx, g, win=self.win, groups=self.groups, cols=None)
                          if tx is not None else None,
                          ConvWeightGrad.apply(x, tg, win=self.win, groups=self.groups, cols=None)
                          if tg is not None else None)



# ---------------------------------------------------------------- pooling ops


class WindowSum(Function):
    """z = scale * (sum of each window of the zero-padded x);  dx = WindowScatter(g).

    tz = WindowSum(tx) (linear)."""

    def forward(self, x):
        xp = self.win.pad(x)
        views = [xp[:, :, rows, cols] for rows, cols in self.win.offsets]
        out = views[0].copy()
        for view in views[1:]:
            out += view
        out *= self.scale
        return out

    def backward(self, g):
        return WindowScatter.apply(g, win=self.win, scale=self.scale)

    def jvp(self, tx):  # linear
        return WindowSum.apply(tx, win=self.win, scale=self.scale)


class WindowScatter(Function):
    """z = scale * g spread over each window (overlaps add, padding cropped; the adjoint of
    WindowSum);  dg = WindowSum(u).

    tz = WindowScatter(tg) (linear)."""

    def forward(self, g):
        g = g * np.asarray(self.scale, dtype=g.dtype)
        return self.win.scatter([g] * len(self.win.offsets), g.shape[:2], g.dtype)

    def backward(self, u):
        return WindowSum.apply(u, win=self.win, scale=self.scale)

    def jvp(self, tg):  # linear
        return WindowScatter.apply(tg, win=self.win, scale=self.scale)


class MaxPool(Function):
    """z = max of each window of the -inf padded x;  dx = g routed to the window's argmax
    (ArgmaxScatter).

    On ties the first maximum in row-major window order wins, as in
    PyTorch's CPU kernel; a window holding NaN gives NaN and routes its gradient to the
    window's first cell."""

    saved_names = ("argmax position per window",)

    def forward(self, x):
        out, argmax = self._max(x, is_grad_enabled() and self.parents[0].requires_grad)
        if argmax is not None:
            self.save_for_backward(argmax)
        return out

    def _max(self, x: np.ndarray, with_argmax: bool) -> tuple[np.ndarray, np.ndarray | None]:
        """The maximum of each window of the -inf padded x and, if asked, its first argmax;
        blocks of samples on the pool."""
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = self.win.pad(x, fill)
        out = np.empty_like(x, shape=x.shape[:2] + self.win.out_size, order="C")
        argmax = np.zeros_like(out, dtype=np.min_scalar_type(len(self.win.offsets) - 1),
                               order="C") if with_argmax else None

        def block(lo: int, hi: int) -> None:
            views = [xp[lo:hi, :, rows, cols] for rows, cols in self.win.offsets]
            o = out[lo:hi]
            np.copyto(o, views[0])
            for view in views[1:]:
                np.maximum(o, view, out=o)  # propagates NaN, as PyTorch
            if argmax is not None:
                _first_match(views, o, argmax[lo:hi])

        parallel_for(x.shape[0], block, per_item=out[0].size * len(self.win.offsets))
        return out, argmax

    def backward(self, g):
        return ArgmaxScatter.apply(g, win=self.win, argmax=self.saved[0])

    def jvp(self, tx):
        """The tangent at each window's argmax: ArgmaxGather(t_x)."""
        # the forward keeps the argmax only when a backward may follow: else recompute it
        argmax = self.saved[0] if self.saved else self._max(self.parents[0]._data, True)[1]
        return ArgmaxGather.apply(tx, win=self.win, argmax=argmax)


def _first_match(views: Sequence[np.ndarray], out: np.ndarray,
                 index: np.ndarray | None = None) -> np.ndarray:
    """Per output cell, the first kernel offset whose value equals the maximum (written
    into `index`, zeros of out's shape, when given).

    Built with arithmetic on boolean masks: `np.where` or masked copies branch on random
    masks and run ~10x slower here."""
    if index is None:
        index = np.zeros_like(out, dtype=np.min_scalar_type(len(views) - 1), order="C")
    found = views[0] == out
    for k, view in enumerate(views[1:], start=1):
        hit = (view == out) & ~found
        index += hit * index.dtype.type(k)
        found |= hit
    return index


class ArgmaxScatter(Function):
    """z = zeros of x's shape with each g added at its window's argmax (overlapping windows
    accumulate);  dg = ArgmaxGather(u), the adjoint.

    tz = ArgmaxScatter(tg) (linear)."""

    def forward(self, g):
        return self.win.scatter_at(g, self.argmax)

    def backward(self, u):
        return ArgmaxGather.apply(u, win=self.win, argmax=self.argmax)

    def jvp(self, tg):  # linear
        return ArgmaxScatter.apply(tg, win=self.win, argmax=self.argmax)


class ArgmaxGather(Function):
    """z = u read at each window's argmax (the max-pool of u with x's argmax positions);  dx =
    ArgmaxScatter(g).

    tz = ArgmaxGather(tu) (linear)."""

    def forward(self, u):
        up = self.win.pad(u)
        out = np.zeros_like(u, shape=u.shape[:2] + self.win.out_size, order="C")
        for k, (rows, cols) in enumerate(self.win.offsets):
            out += up[:, :, rows, cols] * (self.argmax == k)
        return out

    def backward(self, g):
        return ArgmaxScatter.apply(g, win=self.win, argmax=self.argmax)

    def jvp(self, tu):  # linear
        return ArgmaxGather.apply(tu, win=self.win, argmax=self.argmax)


# ---------------------------------------------------------------- public functions


def _check_input(op: str, x: Tensor) -> None:
    if x.ndim != 4:
        raise ShapeError(f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape "
                         f"{x.shape}")


def _check_fits(op: str, win: _Window) -> None:
    effective = tuple(d * (k - 1) + 1 for d, k in zip(win.dilation, win.kernel))
    if any(e > p for e, p in zip(effective, win.padded_size)):
        dilated = f", dilation {win.dilation}" if win.dilation != (1, 1) else ""
        raise ShapeError(
            f"{op}: kernel {win.kernel}{dilated} (effective {effective[0]}x{effective[1]}) is "
            f"larger than the padded input {win.padded_size[0]}x{win.padded_size[1]} "
            f"(input {win.in_size[0]}x{win.in_size[1]}, padding {win.padding})")


def conv2d(x: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
           padding: IntPair = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation of an NCHW input with OIHW weights, as PyTorch's conv2d.

    x: (N, C, H, W); weight: (O, C/groups, kh, kw); bias: (O,) or None. Output
    (N, O, OH, OW) with OH = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1 (OW likewise):

        y[n, o, r, c] = b[o] + sum_{ci, i, j} w[o, ci, i, j] * xpad[n, g*C/groups + ci,
                                                                    r*sh + i*dh, c*sw + j*dw]

    with g = o // (O/groups). stride, padding and dilation are ints or (h, w) pairs.
    Differentiable to any order in x, weight and bias. As PyTorch: an unbatched (C, H, W)
    input gives a (O, OH, OW) output, and padding may be "valid" (none) or "same" (stride 1
    only; output H x W; an odd total padding puts the extra row/column at the bottom/right).
    """
    weight = as_tensor(weight)
    x = layer_input(x, weight.dtype)
    same_dtype("conv2d", x.dtype, weight=weight, bias=bias)
    if x.ndim == 3:
        return conv2d(x.unsqueeze(0), weight, bias, stride, padding, dilation, groups).squeeze(0)
    if isinstance(padding, str):
        x, padding = _string_padding(x, weight, padding, stride, dilation)
    _check_input("conv2d", x)
    if weight.ndim != 4:
        raise ShapeError(f"conv2d: weight must be 4-D (out_channels, in_channels/groups, kh, "
                         f"kw), got shape {weight.shape}")
    stride = int_pair("conv2d", "stride", stride, 1, expand_one=True)
    padding = int_pair("conv2d", "padding", padding, 0, expand_one=True)
    dilation = int_pair("conv2d", "dilation", dilation, 1, expand_one=True)
    if not isinstance(groups, int | np.integer) or isinstance(groups, bool) or groups < 1:
        raise ArgumentError(f"conv2d: groups must be a positive int, got {groups!r}")
    c, o = x.shape[1], weight.shape[0]
    if c % groups or o % groups:
        raise ShapeError(f"conv2d: groups={groups} must divide both the input channels ({c}) "
                         f"and the output channels ({o}); input {x.shape}, weight {weight.shape}")
    if c != weight.shape[1] * groups:
        raise ShapeError(f"conv2d: input {x.shape} has {c} channels but weight {weight.shape} "
                         f"with groups={groups} expects weight.shape[1] * groups = "
                         f"{weight.shape[1] * groups}")
    win = _window(tuple(weight.shape[2:]), stride, padding, dilation, tuple(x.shape[2:]))
    _check_fits("conv2d", win)
    if bias is None:
        return Convolution.apply(x, weight, win=win, groups=int(groups))
    bias = as_tensor(bias)
    if bias.shape != (o,):
        raise ShapeError(f"conv2d: bias must have shape ({o},) for weight {weight.shape}, got "
                         f"{bias.shape}")
    return Convolution.apply(x, weight, bias, win=win, groups=int(groups))


def _string_padding(x: Tensor, weight: Tensor, padding: str, stride: Any, dilation: Any
                    ) -> tuple[Tensor, Pair]:
    """PyTorch's padding="valid" (0) and "same" (total d (k - 1) per side pair, the odd one
    extra at the end, added here with Tensor.pad), as the symmetric padding left for
    conv2d."""
    if padding == "valid":
        return x, (0, 0)
    if padding != "same":
        raise ArgumentError(f"conv2d: padding must be an int, a pair, 'valid' or 'same', got "
                            f"{padding!r}")
    if int_pair("conv2d", "stride", stride, 1, expand_one=True) != (1, 1):
        raise ArgumentError(f"conv2d: padding='same' needs stride 1, got stride={stride!r}")
    if weight.ndim != 4:
        raise ShapeError(f"conv2d: weight must be 4-D, got shape {weight.shape}")
    dilation = int_pair("conv2d", "dilation", dilation, 1, expand_one=True)
    totals = [d * (k - 1) for d, k in zip(dilation, weight.shape[2:])]
    if any(t % 2 for t in totals) and x.ndim == 4:
        x = x.pad(((0, 0), (0, 0), (0, totals[0] % 2), (0, totals[1] % 2)))
    return x, (totals[0] // 2, totals[1] // 2)


def _pool_window(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any) -> _Window:
    _check_input(op, x)
    kernel = int_pair(op, "kernel_size", kernel_size, 1, expand_one=True)
    stride = kernel if stride is None or stride == [] or stride == () else \
        int_pair(op, "stride", stride, 1, expand_one=True)  # PyTorch's: [] is the default
    padding = int_pair(op, "padding", padding, 0, expand_one=True)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ArgumentError(f"{op}: padding {padding} must be at most half of kernel_size "
                         f"{kernel}")
    win = _window(kernel, stride, padding, (1, 1), tuple(x.shape[2:]))
    _check_fits(op, win)
    return win


def max_pool2d(x: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0) -> Tensor:
    """Maximum over each kh x kw window of the -inf padded NCHW input, as PyTorch's max_pool2d.

    y[n, c, r, s] = max_{i, j} xpad[n, c, r*sh + i, s*sw + j]; stride defaults to
    kernel_size; padding must be at most half the kernel. The gradient goes to one
    element per window: the first maximum in row-major window order (ties included).
    """
    x = as_tensor(x)
    win = _pool_window("max_pool2d", x, kernel_size, stride, padding)
    return MaxPool.apply(x, win=win)


def avg_pool2d(x: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0) -> Tensor:
    """Mean over each kh x kw window of the zero-padded NCHW input, as PyTorch's avg_pool2d
    with count_include_pad=True.

    y[n, c, r, s] = 1/(kh*kw) * sum_{i, j} xpad[n, c, r*sh + i, s*sw + j]; stride defaults
    to kernel_size; padding must be at most half the kernel.
    """
    x = as_tensor(x)
    if x.dtype.kind != "f":
        raise DTypeError(f"avg_pool2d: needs a floating input, got dtype {x.dtype}")
    win = _pool_window("avg_pool2d", x, kernel_size, stride, padding)
    return WindowSum.apply(x, win=win, scale=1.0 / (win.kernel[0] * win.kernel[1]))
