"""PyTorch's F.conv_tbc (fairseq's time-major 1-d convolution): input (T, B, C_in), weight
(k, C_in, C_out), bias (C_out,), `pad` steps of zeros on each side of the time axis,

    y[t, b, o] = bias[o] + sum_{j < k, c} x[t + j - pad, b, c] w[j, c, o],

a cross-correlation as conv1d's, of output length T + 2 pad - k + 1. A negative pad crops
-pad steps from each end instead (as PyTorch's). Written as conv1d on the (B, C, T) view,
so its gradients and second derivative are conv1d's.
"""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentTypeError, ShapeError
from ..tensor import Tensor, as_tensor
from .conv_layers import conv1d

__all__ = ["conv_tbc"]


def conv_tbc(input: Any, weight: Any, bias: Any, pad: int = 0) -> Tensor:  # noqa: A002
    """y[t, b, o] = bias[o] + sum_{j, c} x[t + j - pad, b, c] w[j, c, o] (time-major)."""
    x, w, b = as_tensor(input), as_tensor(weight), as_tensor(bias)
    if isinstance(pad, bool) or not isinstance(pad, int):
        raise ArgumentTypeError(f"conv_tbc: pad must be an int, got {type(pad).__name__}")
    if x.ndim != 3:
        raise ShapeError(f"conv_tbc: input must have 3 dims (time, batch, in_channels), got "
                         f"shape {x.shape}")
    if w.ndim != 3:
        raise ShapeError(f"conv_tbc: weight must have 3 dims (kernel width, in_channels, "
                         f"out_channels), got shape {w.shape}")
    if b.ndim != 1:
        raise ShapeError(f"conv_tbc: bias must have 1 dim (out_channels), got shape {b.shape}")
    if x.shape[2] != w.shape[1]:
        raise ShapeError(f"conv_tbc: input channels {x.shape[2]} (input shape {x.shape}) != "
                         f"weight dim 1 {w.shape[1]} (weight shape {w.shape})")
    if b.shape[0] != w.shape[2]:
        raise ShapeError(f"conv_tbc: bias size {b.shape[0]} != weight dim 2 (output "
                         f"channels) {w.shape[2]}")
    length = x.shape[0] + 2 * pad - w.shape[0] + 1
    if length < 0:
        raise ShapeError(f"conv_tbc: input length {x.shape[0]} with pad={pad} is shorter than "
                         f"the kernel width {w.shape[0]}")
    if pad < 0:  # PyTorch crops: the same as sliding over the middle of the sequence
        x, pad = x[-pad:x.shape[0] + pad], 0
    y = conv1d(x.permute(1, 2, 0), w.permute(2, 1, 0), b, padding=pad)
    return y.permute(2, 0, 1)
