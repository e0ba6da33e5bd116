"""Sliding blocks as columns and back: F.unfold (im2col) and F.fold (its adjoint), and the
layers nn.Unfold and nn.Fold, in PyTorch's layout and with its arguments.

    unfold(x)[n, (c, i, j), l] = xpad[n, c, r sh + i dh, q sw + j dw],  l = r OW + q
    fold(u)[n, c, y, x]        = sum of u[n, (c, i, j), l] over the (i, j, l) whose
                                 block cell lands on (y, x) of the padded plane, cropped

for x of shape (N, C, H, W) (or (C, H, W)), the blocks of kh x kw cells (dilation dh, dw),
one per output cell (r, q) of the OH x OW grid that stride and padding give; rows (c, i, j)
are channel-major, then kernel row, then kernel column, as PyTorch's. fold(unfold(x)) is x
times the number of blocks covering each cell. The two maps are linear and each other's
adjoint, so each one's backward and jvp is the other (or itself): gradients of every order
follow. Both run on the window geometry of the convolutions (conv_algorithms.Window).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import DTypeError, ShapeError
from ..tensor import Function, Tensor, as_tensor
from . import conv_algorithms as alg
from .arguments import Pair, int_pair
from .module import Module

__all__ = ["Fold", "Unfold", "fold", "unfold"]


class Im2Col(Function):
    """z[n, (c, i, j), l] = the cell (i, j) of block l of the zero-padded x;  dx = Col2Im(g).

    tz = Im2Col(tx) (linear)."""

    def forward(self, x):
        n, c = x.shape[:2]
        view = self.win.window_view(self.win.pad(x))  # (C, kh, kw, N, OH, OW), no copy
        blocks = view.transpose(3, 0, 1, 2, 4, 5)
        # the one copy; L spelled out, as -1 is ambiguous for an empty batch
        return blocks.reshape(n, c * len(self.win.offsets), math.prod(self.win.out_size))

    def backward(self, g):
        return Col2Im.apply(g, win=self.win)

    def jvp(self, tx):  # linear
        return Im2Col.apply(tx, win=self.win)


class Col2Im(Function):
    """z = each column's cells added back onto the padded plane at its block, overlaps
    summed, the padding cropped (the adjoint of Im2Col);  du = Im2Col(g).

    tz = Col2Im(tu) (linear)."""

    def forward(self, u):
        n, rows = u.shape[:2]
        cells = len(self.win.offsets)
        blocks = u.reshape((n, rows // cells, cells) + self.win.out_size)
        return self.win.scatter((blocks[:, :, k] for k in range(cells)),
                                (n, rows // cells), u.dtype)

    def backward(self, g):
        return Im2Col.apply(g, win=self.win)

    def jvp(self, tu):  # linear
        return Col2Im.apply(tu, win=self.win)


def _geometry(op: str, kernel_size: Any, dilation: Any, padding: Any,
              stride: Any) -> tuple[Pair, Pair, Pair, Pair]:
    return (int_pair(op, "kernel_size", kernel_size, 1), int_pair(op, "dilation", dilation, 1),
            int_pair(op, "padding", padding, 0), int_pair(op, "stride", stride, 1))


def _window(op: str, size: Pair, kernel: Pair, dilation: Pair, padding: Pair,
            stride: Pair) -> alg.Window:
    win = alg.window(kernel, stride, padding, dilation, size)
    if min(win.out_size) < 1:
        raise ShapeError(f"{op}: a kernel of {kernel} cells with dilation {dilation} does not "
                         f"fit in the padded plane {win.padded_size} (size {size}, padding "
                         f"{padding}): the grid of blocks would be {win.out_size}")
    return win


def _no_integers(op: str, x: Tensor) -> Tensor:
    """PyTorch's im2col / col2im take floats and bools, not integers."""
    if x.dtype.kind in "iu":
        raise DTypeError(f"{op}: not implemented for dtype {x.dtype} (as PyTorch: floating or "
                         f"bool tensors)")
    return x


def unfold(input: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0,  # noqa: A002
           stride: Any = 1) -> Tensor:
    """The sliding blocks of x (N, C, H, W) as columns: (N, C kh kw, L), L = OH OW the
    number of blocks; an unbatched (C, H, W) gives (C kh kw, L)."""
    x = _no_integers("unfold", as_tensor(input))
    geometry = _geometry("unfold", kernel_size, dilation, padding, stride)
    if x.ndim not in (3, 4):
        raise ShapeError(f"unfold: input must be 4-D (N, C, H, W) or 3-D (C, H, W), got shape "
                         f"{x.shape}")
    batched = x if x.ndim == 4 else x.unsqueeze(0)
    win = _window("unfold", tuple(batched.shape[2:]), *geometry)
    out = Im2Col.apply(batched, win=win)
    return out if x.ndim == 4 else out.squeeze(0)


def fold(input: Any, output_size: Any, kernel_size: Any, dilation: Any = 1,  # noqa: A002
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """The columns u (N, C kh kw, L) summed back onto (N, C, H, W), (H, W) = output_size:
    each column's cells at its block's place, overlapping cells added (unfold's adjoint);
    an unbatched (C kh kw, L) gives (C, H, W)."""
    u = _no_integers("fold", as_tensor(input))
    size = int_pair("fold", "output_size", output_size, 1)
    kernel, dilation, padding, stride = _geometry("fold", kernel_size, dilation, padding, stride)
    if u.ndim not in (2, 3):
        raise ShapeError(f"fold: input must be 3-D (N, C*kh*kw, L) or 2-D (C*kh*kw, L), got "
                         f"shape {u.shape}")
    batched = u if u.ndim == 3 else u.unsqueeze(0)
    cells = kernel[0] * kernel[1]
    if batched.shape[1] % cells:
        raise ShapeError(f"fold: the input's dim {u.ndim - 2} ({batched.shape[1]}) must be "
                         f"divisible by the kernel's {cells} cells (kernel_size {kernel})")
    win = _window("fold", size, kernel, dilation, padding, stride)
    blocks = win.out_size[0] * win.out_size[1]
    if batched.shape[2] != blocks:
        raise ShapeError(f"fold: the input has {batched.shape[2]} blocks (its last dim), but "
                         f"output_size {size}, kernel_size {kernel}, dilation {dilation}, "
                         f"padding {padding} and stride {stride} give {win.out_size[0]} x "
                         f"{win.out_size[1]} = {blocks}")
    out = Col2Im.apply(batched, win=win)
    return out if u.ndim == 3 else out.squeeze(0)


class Unfold(Module):
    """F.unfold as a layer: (N, C, H, W) -> (N, C kh kw, L)."""

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        _geometry("Unfold", kernel_size, dilation, padding, stride)
        self.kernel_size, self.dilation = kernel_size, dilation
        self.padding, self.stride = padding, stride

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """F.fold as a layer: (N, C kh kw, L) -> (N, C, H, W), (H, W) = output_size."""

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1,
                 padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        int_pair("Fold", "output_size", output_size, 1)
        _geometry("Fold", kernel_size, dilation, padding, stride)
        self.output_size, self.kernel_size = output_size, kernel_size
        self.dilation, self.padding, self.stride = dilation, padding, stride

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                    self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")

