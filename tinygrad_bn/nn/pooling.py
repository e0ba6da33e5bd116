"""Pooling with PyTorch's full argument set: max_pool2d (dilation, ceil_mode,
return_indices), avg_pool2d (ceil_mode, count_include_pad, divisor_override), both on
batched (N, C, H, W) or unbatched (C, H, W) input; and adaptive average pooling, an output
of a fixed size whatever the input's size.

The plain case runs the window ops of convolution.py as they are. The others pad the input
explicitly (Tensor.pad: -inf for max, 0 for mean; ceil_mode adds the cells its last,
partial windows need on the bottom/right) and run the window op without padding; a mean
divides the window sums by the number of counted cells, a constant from the same windows
over a 0/1 mask of the cells that count."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError
from ..tensor import Tensor, as_tensor, concatenate
from . import conv_algorithms as alg
from . import convolution as conv
from .arguments import Pair, floating_input, int_pair, nonzero_divisor
from .module import Module


def _batched(op: str, x: Any) -> tuple[Tensor, bool]:
    x = as_tensor(x)
    if x.ndim == 3:
        return nonempty_sample(op, x.unsqueeze(0), "(C, H, W)", True), True
    if x.ndim != 4:
        raise ShapeError(f"{op}: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape "
                         f"{x.shape}")
    return nonempty_sample(op, x, "(N, C, H, W)", False), False


def nonempty_sample(op: str, x: Tensor, layout: str, single: bool) -> Tensor:
    """x (batched) unless a dim other than the batch dim is 0: PyTorch's pools take an
    empty batch, never an empty channel or spatial dim (an unbatched input has no batch
    dim, so none of its dims may be 0)."""
    if 0 in x.shape[1:]:
        shape = x.shape[1:] if single else x.shape
        raise ShapeError(f"{op}: expected an input {layout} whose dims other than the batch "
                         f"dim have positive length, got shape {shape}")
    return x


def window_geometry(op: str, spatial: tuple[int, ...], kernel: tuple[int, ...],
                    stride: tuple[int, ...], padding: tuple[int, ...],
                    dilation: tuple[int, ...], ceil_mode: bool
                    ) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(output sizes, extra bottom/right cells ceil_mode's last windows need) per axis:
    out = ceil((n + 2p - d (k - 1) - 1) / s) + 1, less one if that last window would start
    past the input and its left padding (PyTorch's rule); floor without ceil_mode."""
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ArgumentError(f"{op}: padding {padding} must be at most half of kernel_size "
                            f"{kernel}")
    sizes, extra = [], []
    for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation):
        span = n + 2 * p - d * (k - 1) - 1
        out = (span + (s - 1 if ceil_mode else 0)) // s + 1  # floor, as PyTorch's div_rtn
        if ceil_mode and (out - 1) * s >= n + p:
            out -= 1
        if out < 1:  # (ceil_mode keeps one window that starts inside the input)
            raise ShapeError(f"{op}: kernel {kernel} (dilation {dilation}) is larger than the "
                             f"padded input {spatial} (padding {padding})")
        sizes.append(out)
        extra.append(max(0, (out - 1) * s + d * (k - 1) + 1 - (n + 2 * p)))
    return tuple(sizes), tuple(extra)


def _geometry(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any, dilation: Any,
              ceil_mode: bool) -> tuple[Pair, Pair, Pair, Pair, Pair]:
    """kernel, stride, padding, dilation and the extra bottom/right cells of ceil_mode."""
    kernel = int_pair(op, "kernel_size", kernel_size, 1, expand_one=True)
    stride = kernel if stride is None or stride == [] or stride == () else \
        int_pair(op, "stride", stride, 1, expand_one=True)  # PyTorch's: [] is the default
    padding = int_pair(op, "padding", padding, 0, expand_one=True)
    dilation = int_pair(op, "dilation", dilation, 1, expand_one=True)
    _, extra = window_geometry(op, tuple(x.shape[2:]), kernel, stride, padding, dilation,
                               ceil_mode)
    return kernel, stride, padding, dilation, (extra[0], extra[1])


def _padded(x: Tensor, padding: Pair, extra: Pair, value: float) -> Tensor:
    (ph, pw), (eh, ew) = padding, extra
    if not (ph or pw or eh or ew):
        return x
    return x.pad(((0, 0), (0, 0), (ph, ph + eh), (pw, pw + ew)), value=value)


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor | tuple[Tensor, Tensor]:
    """y[n, c, r, s] = max_{i, j} xpad[n, c, r sh + i dh, s sw + j dw] (-inf padding), the
    gradient to each window's first maximum; with return_indices also the int64 position
    of that maximum in its (H, W) plane, row * W + column, as PyTorch."""
    x, single = _batched("max_pool2d", x)
    if x.dtype == np.bool_:
        raise DTypeError("max_pool2d: not implemented for bool (as PyTorch)")
    kernel, stride, padding, dilation, extra = _geometry("max_pool2d", x, kernel_size, stride,
                                                         padding, dilation, ceil_mode)
    if not x.shape[0]:  # an empty batch (the kernels read sample 0): an empty result
        sizes, _ = window_geometry("max_pool2d", tuple(x.shape[2:]), kernel, stride, padding,
                                   dilation, ceil_mode)
        y = x.reshape(0, x.shape[1], *sizes)
        return (y, Tensor(np.zeros(y.shape, np.int64))) if return_indices else y
    if dilation == (1, 1) and extra == (0, 0) and not return_indices:
        y = conv.max_pool2d(x, kernel, stride, padding)
        return y.squeeze(0) if single else y
    xp = _padded(x, padding, extra, -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min)
    win = alg.window(kernel, stride, (0, 0), dilation, tuple(xp.shape[2:]))
    y = conv.MaxPool.apply(xp, win=win)
    if not return_indices:
        return y.squeeze(0) if single else y
    offset, found = _argmax_offsets(xp._data, y._data, win, padding, x.shape[2:])
    i, j = np.divmod(offset, kernel[1])
    oh, ow = win.out_size
    rows = np.arange(oh).reshape(-1, 1) * stride[0] + i * dilation[0] - padding[0]
    cols = np.arange(ow).reshape(1, -1) * stride[1] + j * dilation[1] - padding[1]
    if not found.all():  # a dilated window of padding only: PyTorch's index is its first
        # tap at or past 0 (even past the input's end)
        rows = np.where(found, rows, first_tap(oh, stride[0], padding[0], dilation[0])[:, None])
        cols = np.where(found, cols, first_tap(ow, stride[1], padding[1], dilation[1]))
    indices = Tensor((rows * x.shape[3] + cols).astype(np.int64))
    if single:
        return y.squeeze(0), indices.squeeze(0)
    return y, indices


def first_tap(count: int, stride: int, padding: int, dilation: int) -> np.ndarray:
    """Per window along an axis, its first tap at or past 0 (PyTorch's start of the
    search for the maximum)."""
    start = np.arange(count) * stride - padding
    return np.where(start < 0, start + (-start + dilation - 1) // dilation * dilation, start)


def _argmax_offsets(xp: np.ndarray, y: np.ndarray, win: Any, padding: Pair,
                    size: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The kernel offset of each window's maximum, as PyTorch's kernel finds it: the first
    input cell equal to it (a padding cell never counts), or the window's last NaN; and
    where one was found (not in a window of padding only)."""
    inside = np.zeros(xp.shape[2:], bool)
    inside[padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]] = True
    offset = np.zeros(y.shape, np.int64)
    found = np.zeros(y.shape, bool)
    for k, (rows, cols) in enumerate(win.offsets):
        view = xp[:, :, rows, cols]
        hit = (view == y) & inside[rows, cols] & ~found
        offset[hit] = k
        found |= hit
        if xp.dtype.kind == "f":
            nan = np.isnan(view)
            offset[nan] = k
            found |= nan
    return offset, found


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """Mean over each window of the zero-padded input: the window sum divided by the number
    of its cells inside the padded input (count_include_pad=True, PyTorch's default; the
    cells ceil_mode adds are never counted), or inside the input itself (False), or by
    divisor_override."""
    x, single = _batched("avg_pool2d", x)
    if x.dtype.kind != "f":
        return integer_average("avg_pool2d", x, lambda t: avg_pool2d(
            t.squeeze(0) if single else t, kernel_size, stride, padding, ceil_mode,
            count_include_pad, divisor_override))
    kernel, stride, padding, _, extra = _geometry("avg_pool2d", x, kernel_size, stride, padding,
                                                  1, ceil_mode)
    if extra == (0, 0) and count_include_pad and divisor_override is None:
        y = conv.avg_pool2d(x, kernel, stride, padding)
        return y.squeeze(0) if single else y
    xp = _padded(x, padding, extra, 0.0)
    win = alg.window(kernel, stride, (0, 0), (1, 1), tuple(xp.shape[2:]))
    sums = conv.WindowSum.apply(xp, win=win, scale=1.0)
    if divisor_override is not None:
        y = sums * (1.0 / nonzero_divisor("avg_pool2d", divisor_override))
    else:
        (h, w), (ph, pw) = x.shape[2:], padding
        mask = np.zeros((1, 1) + tuple(xp.shape[2:]), dtype=x.dtype)
        if count_include_pad:
            mask[..., :h + 2 * ph, :w + 2 * pw] = 1
        else:
            mask[..., ph:ph + h, pw:pw + w] = 1
        counts = conv.WindowSum.apply(Tensor(mask), win=win, scale=1.0)._data
        y = sums / Tensor(counts)
    return y.squeeze(0) if single else y


def integer_average(op: str, x: Tensor, pool: Any) -> Tensor:
    """An average pool of int64 x as PyTorch's: the window sum divided by the count in
    integer arithmetic, truncated toward zero (-3 / 2 is -1); computed in float64, exact for
    sums below 2**53. Its other integer dtypes and bool have no kernel: refused."""
    if x.dtype != np.int64:
        raise DTypeError(f"{op}: not implemented for dtype {x.dtype} (as PyTorch: a floating "
                         f"or an int64 tensor)")
    return Tensor(np.trunc(pool(x.astype(np.float64))._data).astype(np.int64))


def _bin_means(n_in: int, n_out: int, dtype: np.dtype) -> np.ndarray:
    """The (n_out, n_in) matrix whose row i averages the inputs floor(i n_in / n_out) ..
    ceil((i + 1) n_in / n_out) - 1: PyTorch's bins (they overlap when n_out does not
    divide n_in)."""
    matrix = np.zeros((n_out, n_in), dtype=dtype)
    for i in range(n_out):
        start, stop = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        matrix[i, start:stop] = 1.0 / (stop - start)
    return matrix


def sliced_bin_means(x: Tensor, axis: int, n_out: int) -> Tensor:
    """The means over PyTorch's adaptive bins along axis, bin by bin: an inf or a NaN stays
    in its own bins (a product with the bin matrix spreads inf * 0 = NaN to all)."""
    n = x.shape[axis]
    if n_out == 0:
        return x.narrow(axis, 0, 0)
    starts = [(i * n) // n_out for i in range(n_out + 1)]
    stops = [-((-(i + 1) * n) // n_out) for i in range(n_out)]
    return concatenate([x.narrow(axis, a, b - a).mean(axis, keepdims=True)
                        for a, b in zip(starts, stops)], axis)


def adaptive_avg_pool2d(input: Any, output_size: Any) -> Tensor:  # noqa: A002
    """Mean over PyTorch's adaptive bins of (N, C, H, W) or (C, H, W) input, as two
    matrix products y = A_h x A_w^T with the bin-averaging matrices A (so the gradient is
    A_h^T g A_w). An output size of None keeps that input size."""
    x = floating_input("adaptive_avg_pool2d", input)  # (PyTorch has no integer kernel)
    if x.ndim not in (3, 4):
        raise ShapeError(f"adaptive_avg_pool2d: expected input of shape (N, C, H, W) or "
                         f"(C, H, W), got {x.shape}")
    h, w = x.shape[-2:]
    if output_size is None:  # (None keeps a size only as an entry of a pair, as PyTorch)
        raise ArgumentTypeError("adaptive_avg_pool2d: output_size must be an int or a pair "
                                "of ints or None entries, got None")
    sizes = output_size if isinstance(output_size, tuple | list) else (output_size,) * 2
    if len(sizes) != 2:
        raise ArgumentError(f"adaptive_avg_pool2d: output_size must be an int or a pair, got "
                            f"{output_size!r}")
    if h == 0 or w == 0:  # PyTorch refuses it too: no bin would have a value to average
        raise ShapeError(f"adaptive_avg_pool2d: the input's height and width must be non-zero, "
                         f"got shape {x.shape}")
    sizes = tuple(s if s is not None else d for s, d in zip(sizes, (h, w)))
    out_h, out_w = int_pair("adaptive_avg_pool2d", "output_size", sizes, 0)
    dtype = x.dtype
    if not np.isfinite(x._data).all():
        return sliced_bin_means(sliced_bin_means(x, -2, out_h), -1, out_w)
    rows, cols = Tensor(_bin_means(h, out_h, dtype)), Tensor(_bin_means(w, out_w, dtype).T)
    return rows @ x @ cols


class AdaptiveAvgPool2d(Module):
    """adaptive_avg_pool2d to `output_size` (an int, a pair, or None entries to keep)."""

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        self.output_size = output_size

    def forward(self, input: Any) -> Tensor:
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
