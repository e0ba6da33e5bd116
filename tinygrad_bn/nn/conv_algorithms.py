"""Ways to compute the three maps of a 2-D convolution, and which one runs for a shape.

The maps (convolution.py derives them as the partial derivatives of one trilinear form):

    forward       y[n, o, r, c] = sum_{ci, i, j} w[o, ci, i, j]
                                    * xpad[n, g Cg + ci, r sh + i dh, c sw + j dw]
    input_grad    dx = the adjoint of x -> y at fixed w, applied to g
    weight_grad   dw = the adjoint of w -> y at fixed x, applied to g

Algorithms (each a plain function of ndarrays; every one computes the same numbers up to
float rounding, tests/nn/test_conv_algorithms.py checks values and gradients in float64):

forward
- im2col: every window copied into a (C kh kw, N OH OW) matrix, one GEMM per group. The
  reference. Its matrix is reused by weight_grad when both run.
- offsets (stride 1): x as a padded NHWC grid flattened to (N Hp Wp, C); the output on the
  same grid is sum over kernel offsets (i, j) of a contiguous row range of it, shifted by
  i dh Wp + j dw, times w[:, :, i, j]^T: kh kw GEMMs accumulated in place, no window copy;
  the grid's border rows are computed and dropped.
- winograd (3x3, stride 1, dilation 1, groups 1): F(2x2, 3x3), each 2x2 output tile from a
  4x4 input tile as A^T [(G w G^T) . (B^T d B)] A: 16 GEMMs of 2.25x fewer multiply-adds,
  the transforms done with slice additions.
- tensordot (groups 1): np.tensordot of the sliding-window view with w.
input_grad
- scatter: one GEMM to (C kh kw, N OH OW), then kh kw slice-adds into the padded input
  (never np.add.at). The reference; any geometry.
- transposed (stride 1, padding <= d (k - 1)): dx = forward(g, w flipped and transposed,
  padding d (k - 1) - p): a forward convolution, itself run by the algorithm chosen for it.
weight_grad
- im2col: the window matrix times g. The reference.
- offsets (stride 1): one GEMM per kernel offset between g placed on the padded grid and
  the shifted rows of the NHWC grid.

Choice. `policy` "heuristic" (the default) picks by a fixed rule measured on this project's
machine (docs/performance.md, "Convolution algorithms"): deterministic, so runs under
tg.manual_seed give identical numbers across processes. "benchmark" times every applicable
algorithm on the first call with a signature (kind, shapes, dtype, stride, padding,
dilation, groups), as cuDNN's benchmark mode does, and keeps the fastest for that signature
in this process. While tg.compile records, an unmeasured signature takes the heuristic
choice (a measurement would be recorded too).

Large work is split over samples, grid rows or kernel offsets on tinygrad_bn.threads' pool.

This module is over 500 lines on purpose: the geometry, every algorithm of the three maps
and the rule that chooses among them are read side by side, each algorithm next to the
alternatives it is measured and tested against.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ArgumentError
from ..threads import parallel_for, parallel_products, recording
from .arguments import Pair

# ---------------------------------------------------------------- geometry


class Window:
    """Where the kh x kw windows of a padded H x W plane lie: output size and, per kernel
    offset (i, j), the slices of the padded plane that the offset sees at every output."""

    def __init__(self, kernel: Pair, stride: Pair, padding: Pair, dilation: Pair,
                 in_size: Pair) -> None:
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.in_size = in_size
        self.padded_size = (in_size[0] + 2 * padding[0], in_size[1] + 2 * padding[1])
        self.out_size = tuple((p - d * (k - 1) - 1) // s + 1 for p, d, k, s in
                              zip(self.padded_size, dilation, kernel, stride))
        (oh, ow), (sh, sw), (dh, dw) = self.out_size, stride, dilation
        self.offsets = [(slice(i * dh, i * dh + sh * (oh - 1) + 1, sh),
                         slice(j * dw, j * dw + sw * (ow - 1) + 1, sw))
                        for i in range(kernel[0]) for j in range(kernel[1])]

    def pad(self, x: np.ndarray, value: float = 0.0) -> np.ndarray:
        """x (N, C, H, W) inside a border of `value`; x itself when there is no padding."""
        (ph, pw), (h, w) = self.padding, self.in_size
        if ph == pw == 0:
            return x
        # full_like and copyto rather than np.full and a slice assignment: the same array,
        # made by array functions, which tg.compile's recorder follows
        out = np.full_like(x, value, shape=x.shape[:2] + self.padded_size, order="C")
        np.copyto(out[:, :, ph:ph + h, pw:pw + w], x)
        return out

    def crop(self, xp: np.ndarray) -> np.ndarray:
        """The inverse of `pad`: the interior H x W of a padded plane."""
        (ph, pw), (h, w) = self.padding, self.in_size
        return xp[:, :, ph:ph + h, pw:pw + w] if ph or pw else xp

    def window_view(self, xp: np.ndarray) -> np.ndarray:
        """The windows of padded xp (N, C, Hp, Wp) as a (C, kh, kw, N, OH, OW) strided view."""
        n, c = xp.shape[:2]
        sn, sc, sh, sw = xp.strides
        return np.lib.stride_tricks.as_strided(
            xp, shape=(c,) + self.kernel + (n,) + self.out_size,
            strides=(sc, sh * self.dilation[0], sw * self.dilation[1], sn,
                     sh * self.stride[0], sw * self.stride[1]), writeable=False,
            subok=True)  # a traced x (tg.compile) stays traced; plain arrays: no change

    def patches(self, x: np.ndarray, groups: int) -> np.ndarray:
        """im2col: the windows of padded x as a contiguous (groups, C/groups*kh*kw, N*OH*OW)
        matrix (rows: channel and kernel offset; columns: sample and output cell), filled
        block of samples by block of samples on the pool."""
        xp = self.pad(x)
        n, c = x.shape[:2]
        kh, kw = self.kernel
        cols = np.empty_like(x, shape=(c, kh, kw, n) + self.out_size, order="C")

        def block(lo: int, hi: int) -> None:
            np.copyto(cols[:, :, :, lo:hi], self.window_view(xp[lo:hi]))

        parallel_for(n, block, per_item=c * kh * kw * self.out_size[0] * self.out_size[1])
        return cols.reshape(groups, -1, n * self.out_size[0] * self.out_size[1])

    def scatter(self, parts: Any, shape: tuple[int, int], dtype: Any) -> np.ndarray:
        """The adjoint of reading the windows: out-sized `parts` (one per kernel offset) are
        added into a zero (N, C, padded H, padded W) buffer at their offset's slices, and the
        padding is cropped off. kh*kw slice-adds; overlapping windows accumulate. Disjoint
        windows (stride >= extent) are copied instead, into a buffer zeroed only where no
        window reaches."""
        # zeros_like of the first part rather than np.zeros: the same buffer, made by an array
        # function of the op's data, which tg.compile's recorder follows
        parts = iter(parts)
        first = next(parts)
        out = self._buffer(first, shape, dtype)
        for (rows, cols), part in zip(self.offsets, (first, *parts)):
            if self.disjoint:
                np.copyto(out[:, :, rows, cols], part)
            else:
                out[:, :, rows, cols] += part
        return self.crop(out)

    def scatter_at(self, g: np.ndarray, index: np.ndarray) -> np.ndarray:
        """scatter with part k = g where index == k (max pooling's backward): for disjoint
        windows each part is written in place by one multiply, without temporaries."""
        if not self.disjoint:
            return self.scatter((g * (index == k) for k in range(len(self.offsets))),
                                g.shape[:2], g.dtype)
        out = self._buffer(g, g.shape[:2], g.dtype)

        def block(lo: int, hi: int) -> None:
            for k, (rows, cols) in enumerate(self.offsets):
                np.multiply(g[lo:hi], index[lo:hi] == k, out=out[lo:hi, :, rows, cols])

        parallel_for(g.shape[0], block, per_item=g[0].size * len(self.offsets))
        return self.crop(out)

    def _buffer(self, like: np.ndarray, shape: tuple[int, int], dtype: Any) -> np.ndarray:
        make = np.empty_like if self.disjoint and self.covering else np.zeros_like
        return make(like, dtype=dtype, shape=shape + self.padded_size, order="C")

    @property
    def disjoint(self) -> bool:
        """No two windows share a cell: stride >= the dilated kernel's extent."""
        return all(s >= d * (k - 1) + 1 for s, d, k in
                   zip(self.stride, self.dilation, self.kernel))

    @property
    def covering(self) -> bool:
        """Every padded cell lies in some window (then a disjoint scatter writes them all)."""
        return all(d == 1 and s == k and o * s == p for s, d, k, o, p in
                   zip(self.stride, self.dilation, self.kernel, self.out_size,
                       self.padded_size))

    @property
    def unit_stride(self) -> bool:
        return self.stride == (1, 1)


@functools.lru_cache(maxsize=256)
def window(kernel: Pair, stride: Pair, padding: Pair, dilation: Pair, in_size: Pair) -> Window:
    """Windows are recomputed for every call with the same geometry; cache them."""
    return Window(kernel, stride, padding, dilation, in_size)


def _cells(win: Window) -> int:
    return win.out_size[0] * win.out_size[1]


def _emit(out: np.ndarray, result: np.ndarray, bias: np.ndarray | None) -> None:
    """out[...] = result (+ bias, already shaped to broadcast against out)."""
    if bias is None:
        np.copyto(out, result)
    else:
        np.add(result, bias, out=out)


def _bias4(bias: np.ndarray | None) -> np.ndarray | None:
    """A (O,) bias as (1, O, 1, 1), against an (N, O, OH, OW) output."""
    return None if bias is None else bias.reshape(1, -1, 1, 1)


# ---------------------------------------------------------------- forward


def forward_im2col(x: np.ndarray, w: np.ndarray, win: Window, groups: int,
                   bias: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """One (O/groups, K) x (K, N OH OW) GEMM per group on the window matrix; returns
    (y, the window matrix)."""
    n, o = x.shape[0], w.shape[0]
    cols = win.patches(x, groups)
    wm = w.reshape(groups, o // groups, -1)
    p = _cells(win)
    out = np.empty_like(x, dtype=np.result_type(x, w), shape=(n, o) + win.out_size, order="C")
    grouped = out.reshape(n, groups, o // groups, p).transpose(1, 2, 0, 3)
    grouped_bias = None if bias is None else bias.reshape(groups, o // groups, 1, 1)

    def block(lo: int, hi: int) -> None:
        res = np.matmul(wm, cols[:, :, lo * p:hi * p]).reshape(groups, o // groups, hi - lo, p)
        _emit(grouped[:, :, lo:hi], res, grouped_bias)

    parallel_products(n, block, macs_per_item=cols.shape[1] * o * p // groups)
    return out, cols


def _sample_windows(x: np.ndarray, win: Window) -> tuple[np.ndarray, Callable[[int, int], None]]:
    """An empty (N, C, kh, kw, OH, OW) array for the windows of x per sample, and the
    function that fills the rows of samples [lo, hi) (padding those samples itself): each
    block of samples of a split convolution copies its own windows, in the same hand-off
    as its products."""
    n, c = x.shape[:2]
    cols = np.empty_like(x, shape=(n, c) + win.kernel + win.out_size, order="C")

    def fill(lo: int, hi: int) -> None:
        view = win.window_view(win.pad(x[lo:hi]))
        np.copyto(cols[lo:hi], view.transpose(3, 0, 1, 2, 4, 5))

    return cols, fill


def forward_batched(x: np.ndarray, w: np.ndarray, win: Window, groups: int,
                    bias: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """One (O/groups, K) x (K, OH OW) GEMM per sample and group, written straight into the
    NCHW output (no transposing copy); returns (y, the per-sample window matrices,
    (N, groups, K, OH OW)). A block of samples copies its windows and runs its GEMMs."""
    n, o = x.shape[0], w.shape[0]
    cols, fill = _sample_windows(x, win)
    cols = cols.reshape(n, groups, -1, _cells(win))
    wm = w.reshape(groups, o // groups, -1)
    out = np.empty_like(x, dtype=np.result_type(x, w), shape=(n, o) + win.out_size, order="C")
    grouped = out.reshape(n, groups, o // groups, -1)
    grouped_bias = None if bias is None else bias.reshape(groups, o // groups, 1)

    def block(lo: int, hi: int) -> None:
        fill(lo, hi)
        np.matmul(wm, cols[lo:hi], out=grouped[lo:hi])
        if grouped_bias is not None:
            grouped[lo:hi] += grouped_bias

    parallel_products(n, block, macs_per_item=cols.shape[2] * o * cols.shape[3] // groups)
    return out, cols


def _nhwc_grid(x: np.ndarray, win: Window) -> np.ndarray:
    """x (N, C, H, W) zero-padded and laid out as a contiguous (N Hp Wp, C) grid."""
    (ph, pw), (h, wd) = win.padding, win.in_size
    n, c = x.shape[:2]
    grid = np.zeros_like(x, shape=(n,) + win.padded_size + (c,), order="C")
    np.copyto(grid[:, ph:ph + h, pw:pw + wd, :], x.transpose(0, 2, 3, 1))
    return grid.reshape(-1, c)


def _shifts(win: Window) -> list[int]:
    """Row shift of each kernel offset (i, j) on the flattened padded grid."""
    wp = win.padded_size[1]
    (kh, kw), (dh, dw) = win.kernel, win.dilation
    return [i * dh * wp + j * dw for i in range(kh) for j in range(kw)]


def forward_offsets(x: np.ndarray, w: np.ndarray, win: Window, groups: int,
                    bias: np.ndarray | None) -> tuple[np.ndarray, None]:
    """Stride 1: kh kw GEMMs on shifted row ranges of the NHWC grid, accumulated."""
    n, o = x.shape[0], w.shape[0]
    grid = _nhwc_grid(x, win)
    shifts = _shifts(win)
    rows = grid.shape[0] - shifts[-1]
    cg, og = grid.shape[1] // groups, o // groups
    # (offset, group, Cg, Og): w[o, ci, i, j] for each offset, transposed for grid @ w
    wk = w.reshape(groups, og, cg, -1).transpose(3, 0, 2, 1).copy()
    acc = np.empty_like(grid, dtype=np.result_type(x, w), shape=(grid.shape[0], o), order="C")

    def block(lo: int, hi: int) -> None:
        part = np.empty_like(acc, shape=(hi - lo, og), order="C")
        for gi in range(groups):
            xs = grid[:, gi * cg:(gi + 1) * cg]
            target = acc[lo:hi, gi * og:(gi + 1) * og]
            for k, s in enumerate(shifts):
                np.matmul(xs[lo + s:hi + s], wk[k, gi], out=target if k == 0 else part)
                if k:
                    target += part

    parallel_products(rows, block, macs_per_item=w.size)
    (hp, wp), (oh, ow) = win.padded_size, win.out_size
    out = np.empty_like(acc, shape=(n, o, oh, ow), order="C")
    _emit(out, acc.reshape(n, hp, wp, o)[:, :oh, :ow, :].transpose(0, 3, 1, 2), _bias4(bias))
    return out, None


_G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])


def forward_winograd(x: np.ndarray, w: np.ndarray, win: Window, groups: int,
                     bias: np.ndarray | None) -> tuple[np.ndarray, None]:
    """F(2x2, 3x3): per 4x4 input tile d (stride 2), V = B^T d B; per filter U = G w G^T;
    M = U . V summed over input channels (16 GEMMs); the 2x2 output tile is A^T M A, with
    B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]], A^T = [[1,1,1,0],[0,1,-1,-1]]."""
    n, c = x.shape[:2]
    o = w.shape[0]
    (oh, ow), (ph, pw), (h, wd) = win.out_size, win.padding, win.in_size
    th, tw = -(-oh // 2), -(-ow // 2)
    dtype = np.result_type(x, w)
    xp = np.zeros_like(x, dtype=dtype, shape=(n, c, 2 * th + 2, 2 * tw + 2), order="C")
    np.copyto(xp[:, :, ph:ph + h, pw:pw + wd], x)
    sn, sc, sh, sw = xp.strides
    d = np.lib.stride_tricks.as_strided(xp, shape=(n, c, th, tw, 4, 4),
                                        strides=(sn, sc, 2 * sh, 2 * sw, sh, sw),
                                        writeable=False, subok=True)
    # rows of B^T d, then columns of (B^T d) B, written as (4, 4, C, N, th, tw)
    t = [d[..., 0, :] - d[..., 2, :], d[..., 1, :] + d[..., 2, :],
         d[..., 2, :] - d[..., 1, :], d[..., 1, :] - d[..., 3, :]]
    v = np.empty_like(xp, shape=(4, 4, c, n, th, tw), order="C")
    for a, ta in enumerate(t):
        cols = [v[a, b].transpose(1, 0, 2, 3) for b in range(4)]
        np.subtract(ta[..., 0], ta[..., 2], out=cols[0])
        np.add(ta[..., 1], ta[..., 2], out=cols[1])
        np.subtract(ta[..., 2], ta[..., 1], out=cols[2])
        np.subtract(ta[..., 1], ta[..., 3], out=cols[3])
    g = _G.astype(dtype)
    u = np.einsum("ai,ocij,bj->aboc", g, w.astype(dtype, copy=False), g)
    m = np.matmul(u.reshape(16, o, c), v.reshape(16, c, -1)).reshape(4, 4, o, n, th, tw)
    r0 = m[0] + m[1] + m[2]  # rows of A^T M: (4, O, N, th, tw)
    r1 = m[1] - m[2] - m[3]
    full = np.empty_like(xp, shape=(n, o, 2 * th, 2 * tw), order="C")
    for u_, r in enumerate((r0, r1)):
        np.add(r[0] + r[1], r[2], out=full[:, :, u_::2, 0::2].transpose(1, 0, 2, 3))
        np.subtract(r[1] - r[2], r[3], out=full[:, :, u_::2, 1::2].transpose(1, 0, 2, 3))
    out = np.empty_like(full, shape=(n, o, oh, ow), order="C")
    _emit(out, full[:, :, :oh, :ow], _bias4(bias))
    return out, None


def forward_tensordot(x: np.ndarray, w: np.ndarray, win: Window, groups: int,
                      bias: np.ndarray | None) -> tuple[np.ndarray, None]:
    """np.tensordot of the (C, kh, kw, N, OH, OW) window view with w over (C, kh, kw)."""
    view = win.window_view(win.pad(x))
    res = np.tensordot(w, view, axes=((1, 2, 3), (0, 1, 2)))  # (O, N, OH, OW)
    out = np.empty_like(res, shape=(x.shape[0], w.shape[0]) + win.out_size, order="C")
    _emit(out, res.transpose(1, 0, 2, 3), _bias4(bias))
    return out, None


# ---------------------------------------------------------------- input_grad


def _channel_major(g: np.ndarray, groups: int) -> np.ndarray:
    """(N, O, OH, OW) -> contiguous (groups, O/groups, N*OH*OW): the layout of one GEMM."""
    o = g.shape[1]
    # .copy() rather than np.ascontiguousarray: the same copy (a transpose is never
    # contiguous here), but a method tg.compile's recorder follows
    return g.transpose(1, 0, 2, 3).copy().reshape(groups, o // groups, -1)


def input_grad_scatter(g: np.ndarray, w: np.ndarray, win: Window, groups: int) -> np.ndarray:
    """One GEMM to the window matrix's shape, then kh kw slice-adds (the adjoint of im2col)."""
    n, o = g.shape[:2]
    w_t = w.reshape(groups, o // groups, -1).swapaxes(-1, -2)
    cols = np.matmul(w_t, _channel_major(g, groups))  # (groups, K, N*OH*OW)
    cols = cols.reshape((-1, len(win.offsets), n) + win.out_size)
    parts = (cols[:, k].transpose(1, 0, 2, 3) for k in range(cols.shape[1]))
    return win.scatter(parts, (n, cols.shape[0]), cols.dtype)


def input_grad_batched(g: np.ndarray, w: np.ndarray, win: Window, groups: int) -> np.ndarray:
    """Per sample: (K, O/groups) x (O/groups, OH OW) GEMMs, then kh kw slice-adds of that
    sample's rows into its padded input; blocks of samples on the pool."""
    n, o = g.shape[:2]
    c = w.shape[1] * groups
    g4 = g.reshape(n, groups, o // groups, -1)
    w_t = w.reshape(groups, o // groups, -1).swapaxes(-1, -2)
    kh, kw = win.kernel
    dtype = np.result_type(g, w)
    out = np.zeros_like(g, dtype=dtype, shape=(n, c) + win.padded_size, order="C")

    def block(lo: int, hi: int) -> None:
        cols = np.matmul(w_t, g4[lo:hi]).reshape((hi - lo, c, kh, kw) + win.out_size)
        target = out[lo:hi]
        for k, (rows, cols_) in enumerate(win.offsets):
            target[:, :, rows, cols_] += cols[:, :, k // kw, k % kw]

    parallel_products(n, block, macs_per_item=c * kh * kw * _cells(win) * o // groups)
    return win.crop(out)


def transposed_weight(w: np.ndarray, groups: int) -> np.ndarray:
    """w (O, C/groups, kh, kw) -> (C, O/groups, kh, kw), flipped in both kernel axes: the
    weights of the transposed convolution."""
    o, cg, kh, kw = w.shape
    wt = w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 2, 1, 3, 4)
    return wt.reshape(groups * cg, o // groups, kh, kw)[:, :, ::-1, ::-1]


def transposed_window(win: Window, g_size: Pair) -> Window | None:
    """The window of dx = forward(g, transposed_weight(w)) at stride 1: padding
    d (k - 1) - p; None where that does not apply (stride > 1, padding > d (k - 1))."""
    if not win.unit_stride:
        return None
    padding = tuple(d * (k - 1) - p for d, k, p in zip(win.dilation, win.kernel, win.padding))
    if min(padding) < 0:
        return None
    return window(win.kernel, (1, 1), padding, win.dilation, g_size)


def input_grad_transposed(g: np.ndarray, w: np.ndarray, win: Window, groups: int) -> np.ndarray:
    """dx as a forward convolution of g with the flipped, transposed weights."""
    twin = transposed_window(win, g.shape[2:])
    wt = transposed_weight(w, groups).copy()  # C order (a method the recorder follows)
    return run_forward(g, wt, twin, groups, None)[0]


# ---------------------------------------------------------------- weight_grad


def weight_grad_im2col(x: np.ndarray, g: np.ndarray, win: Window, groups: int,
                       cols: np.ndarray | None = None) -> np.ndarray:
    """(O/groups, N OH OW) x (N OH OW, K) per group, on the window matrix."""
    cols = cols if cols is not None else win.patches(x, groups)
    out = np.matmul(_channel_major(g, groups), cols.swapaxes(-1, -2))
    return out.reshape((g.shape[1], -1) + win.kernel)


def weight_grad_batched(x: np.ndarray, g: np.ndarray, win: Window, groups: int,
                        cols: np.ndarray | None = None) -> np.ndarray:
    """Per sample (O/groups, OH OW) x (OH OW, K) GEMMs on the per-sample window matrices
    (copied block by block when the forward's are not given), summed over the samples in
    one reduction after every block: the result does not depend on how samples are cut."""
    n, o = g.shape[:2]
    fill = None
    if cols is None:
        cols, fill = _sample_windows(x, win)
        cols = cols.reshape(n, groups, -1, _cells(win))
    g4 = g.reshape(n, groups, o // groups, -1)
    per_sample = np.empty_like(cols, dtype=np.result_type(x, g),
                               shape=(n, groups, o // groups, cols.shape[2]), order="C")

    def block(lo: int, hi: int) -> None:
        if fill is not None:
            fill(lo, hi)
        np.matmul(g4[lo:hi], cols[lo:hi].swapaxes(-1, -2), out=per_sample[lo:hi])

    parallel_products(n, block, macs_per_item=cols.shape[2] * o * cols.shape[3] // groups)
    return per_sample.sum(axis=0).reshape((o, -1) + win.kernel)


def weight_grad_offsets(x: np.ndarray, g: np.ndarray, win: Window, groups: int,
                        cols: np.ndarray | None = None) -> np.ndarray:
    """Stride 1: per kernel offset, (g on the padded grid)^T times the shifted grid rows."""
    n, o = g.shape[:2]
    grid = _nhwc_grid(x, win)
    shifts = _shifts(win)
    rows = grid.shape[0] - shifts[-1]
    (hp, wp), (oh, ow) = win.padded_size, win.out_size
    gg = np.zeros_like(g, shape=(n, hp, wp, o), order="C")
    np.copyto(gg[:, :oh, :ow, :], g.transpose(0, 2, 3, 1))
    gt = gg.reshape(-1, o)[:rows].T  # (O, rows)
    cg, og = grid.shape[1] // groups, o // groups
    out = np.empty_like(gg, dtype=np.result_type(x, g), shape=(len(shifts), groups, og, cg),
                       order="C")

    def block(lo: int, hi: int) -> None:
        for k in range(lo, hi):
            s = shifts[k]
            for gi in range(groups):
                np.matmul(gt[gi * og:(gi + 1) * og], grid[s:s + rows, gi * cg:(gi + 1) * cg],
                          out=out[k, gi])

    parallel_products(len(shifts), block, macs_per_item=rows * o * cg)
    return out.reshape((len(shifts), o, cg)).transpose(1, 2, 0).reshape((o, cg) + win.kernel)


# ---------------------------------------------------------------- which one runs


def _applies_winograd(win: Window, groups: int) -> bool:
    return (win.kernel == (3, 3) and win.unit_stride and win.dilation == (1, 1)
            and groups == 1)


FORWARD: dict[str, Callable[..., tuple[np.ndarray, np.ndarray | None]]] = {
    "im2col": forward_im2col, "batched": forward_batched, "offsets": forward_offsets,
    "winograd": forward_winograd, "tensordot": forward_tensordot}
INPUT_GRAD: dict[str, Callable[..., np.ndarray]] = {
    "scatter": input_grad_scatter, "batched": input_grad_batched,
    "transposed": input_grad_transposed}
WEIGHT_GRAD: dict[str, Callable[..., np.ndarray]] = {
    "im2col": weight_grad_im2col, "batched": weight_grad_batched,
    "offsets": weight_grad_offsets}
REFERENCE = {"forward": "im2col", "input_grad": "scatter", "weight_grad": "im2col"}


def applicable(kind: str, win: Window, groups: int) -> list[str]:
    """The algorithms of `kind` that handle this geometry, the reference first."""
    if kind == "forward":
        names = ["im2col", "batched"]
        if win.unit_stride:
            names.append("offsets")
        if _applies_winograd(win, groups):
            names.append("winograd")
        if groups == 1:
            names.append("tensordot")
        return names
    if kind == "input_grad":
        return ["scatter", "batched"] + (["transposed"] if transposed_window(win, win.out_size)
                                         else [])
    return ["im2col", "batched"] + (["offsets"] if win.unit_stride else [])


def heuristic(kind: str, win: Window, groups: int, args: tuple) -> str:
    """The fixed rule, from benchmarks/bench_conv_algorithms.py's table (docs/performance.md,
    "Convolution algorithms"): the per-sample GEMMs never lose the forward (no transposing
    copy); the gradient of x is best as a transposed forward convolution where it applies
    (stride 1), except for 1x1 kernels and a single input channel; the weight gradient
    takes the per-sample GEMMs where the window matrix is thin (1x1, fewer than 4 input
    channels), else one large GEMM."""
    if kind == "forward":
        return "batched"
    channels = args[0].shape[1] if kind == "weight_grad" else args[1].shape[1] * groups
    thin = win.kernel == (1, 1) or channels < 4
    if kind == "input_grad":
        if not thin and transposed_window(win, win.out_size) is not None:
            return "transposed"
        return "batched" if thin else "scatter"
    return "batched" if thin else "im2col"


# One policy and one table of choices per process, as torch.backends.cudnn.benchmark;
# guarded by a lock (measurements may run in several threads at once).
_lock = threading.Lock()
_choices: dict[tuple, str] = {}
_timings: dict[tuple, dict[str, float]] = {}
POLICIES = ("heuristic", "benchmark")
_policy = ["heuristic"]


def set_policy(policy: str) -> None:
    """"heuristic" (default: a fixed rule, deterministic) or "benchmark" (time every
    applicable algorithm on a signature's first call and keep the fastest); clears the
    choices made so far."""
    if policy not in POLICIES:
        raise ArgumentError(f"conv algorithm policy must be one of {POLICIES}, got {policy!r}")
    with _lock:
        _policy[0] = policy
        _choices.clear()
        _timings.clear()


def get_policy() -> str:
    return _policy[0]


def choices() -> dict[tuple, dict[str, Any]]:
    """Every signature seen under "benchmark": its chosen algorithm and each one's seconds."""
    with _lock:
        return {key: {"chosen": name, "seconds": dict(_timings.get(key, {}))}
                for key, name in _choices.items()}


def choose(kind: str, table: dict[str, Callable[..., Any]], win: Window, groups: int,
           args: tuple, extra: tuple = ()) -> tuple[str, Any]:
    """The algorithm of `kind` for this call and, when it had to be measured now, its
    result on `args` (else None)."""
    if _policy[0] == "heuristic" or recording():
        return heuristic(kind, win, groups, args), None
    shapes = tuple((a.shape, a.dtype.str) for a in args)
    key = (kind, shapes, win.kernel, win.stride, win.padding, win.dilation, groups)
    name = _choices.get(key)
    if name is not None:
        return name, None
    times, results = {}, {}
    for candidate in applicable(kind, win, groups):
        best = float("inf")
        for _ in range(2):  # the first call pays for allocations and caches
            start = time.perf_counter()
            results[candidate] = table[candidate](*args, win, groups, *extra)
            best = min(best, time.perf_counter() - start)
        times[candidate] = best
    name = min(times, key=times.__getitem__)
    with _lock:
        _choices[key] = name
        _timings[key] = times
    return name, results[name]


def run_forward(x: np.ndarray, w: np.ndarray, win: Window, groups: int,
                bias: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """y (and the window matrix when im2col ran) by the algorithm chosen for this shape."""
    if x.size == 0 or w.size == 0:  # an empty batch: no window to gather (PyTorch's zeros)
        shape = (x.shape[0], w.shape[0]) + tuple(win.out_size)
        out = np.zeros(shape, np.result_type(x, w))
        return (out if bias is None else out + bias.reshape(1, -1, 1, 1)), None
    name, result = choose("forward", FORWARD, win, groups, (x, w), (bias,))
    return result if result is not None else FORWARD[name](x, w, win, groups, bias)


def run_input_grad(g: np.ndarray, w: np.ndarray, win: Window, groups: int) -> np.ndarray:
    if g.size == 0 or w.size == 0:
        return np.zeros((g.shape[0], w.shape[1] * groups) + tuple(win.in_size),
                        np.result_type(g, w))
    name, result = choose("input_grad", INPUT_GRAD, win, groups, (g, w))
    return result if result is not None else INPUT_GRAD[name](g, w, win, groups)


def run_weight_grad(x: np.ndarray, g: np.ndarray, win: Window, groups: int,
                    cols: np.ndarray | None) -> np.ndarray:
    if x.size == 0 or g.size == 0:  # a sum over no sample
        return np.zeros((g.shape[1], x.shape[1] // groups) + tuple(win.kernel),
                        np.result_type(x, g))
    if cols is not None:  # the forward's window matrices: the product alone is left
        reuse = weight_grad_im2col if cols.ndim == 3 else weight_grad_batched
        return reuse(x, g, win, groups, cols)
    name, result = choose("weight_grad", WEIGHT_GRAD, win, groups, (x, g))
    return result if result is not None else WEIGHT_GRAD[name](x, g, win, groups)
