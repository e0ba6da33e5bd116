"""`F.affine_grid` and `F.grid_sample` (2-D), PyTorch's: the sampling half of a spatial
transformer network.

affine_grid(theta, size): for each output pixel (i, j) its normalized position
p = (x_j, y_i, 1), x and y in [-1, 1], mapped by theta (N, 2, 3): grid[n, i, j] = theta[n] p.
With align_corners the extreme positions are the corner pixels' centres,
x_j = -1 + 2 j / (W - 1); without, the corners of the corner pixels, x_j = (2 j + 1) / W - 1.

grid_sample(input, grid): out[n, c, i, j] = input[n, c] read at grid[n, i, j] = (x, y),
unnormalized back to pixel coordinates by the same convention:
u = (x + 1) / 2 (W - 1) with align_corners, u = (x + 1) W / 2 - 1 / 2 without. Bilinear:
the four pixels around (u, v) weighted by (1 - a)(1 - b), a(1 - b), (1 - a) b, a b with
a = u - floor(u), b = v - floor(v); nearest: the pixel at (round(u), round(v)), ties to
even; bicubic: the 4 x 4 pixels around (u, v), at floor(u) - 1 .. floor(u) + 2 and likewise
in v, weighted by Keys' cubic convolution with A = -0.75 (PyTorch's and OpenCV's):
k(d) = (A + 2) |d|^3 - (A + 3) |d|^2 + 1 for |d| <= 1, A |d|^3 - 5 A |d|^2 + 8 A |d| - 4 A
for 1 < |d| < 2, summed along x in each row and then along y. Padding: "zeros" reads 0
outside the image, "border" clamps (u, v) into it,
"reflection" reflects (u, v) about the image's edges (about the border pixels' centres
with align_corners, about their outer edges without) and then clamps; bicubic pads each of
its 16 taps that way instead of (u, v), as PyTorch's.

Rounded as PyTorch's CPU kernels, bit for bit: at the identity transform every grid point
is a pixel centre, where the bilinear gradient is one-sided and the last bit of u decides
the side. So the positions are PyTorch's linspace (fused_arithmetic), the grid is
(x a + y b) + c in that order, and u without align_corners is one fused multiply-add.
The padding's clamp counts the bounds as outside (no gradient there), as PyTorch's.

Both are composites of differentiable primitive ops (products, floor, gather, where), so
the gradients with respect to input, grid and theta, forward mode and double backward
all come from the ops' own rules; floor and round contribute zero, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError, ShapeError, UnsupportedError
from ..fused_arithmetic import fma, linspace_values
from ..tensor import Tensor, where
from .arguments import same_dtype

_MODES = ("bilinear", "nearest", "bicubic")
_A = -0.75  # the cubic convolution's constant, PyTorch's
_PADDINGS = ("zeros", "border", "reflection")


def _positions(n: int, align_corners: bool, dtype: np.dtype) -> np.ndarray:
    """The normalized positions of n pixels along one axis (see the module), rounded as
    PyTorch's: its linspace(-1, 1, n), times n - 1 and then over n without align_corners
    (a last-bit difference moves a grid point across a pixel and with it the gradient)."""
    if n <= 1:
        return np.zeros(n, dtype)
    positions = linspace_values(-1.0, 1.0, n, dtype)
    if align_corners:
        return positions
    return positions * dtype.type(n - 1) / dtype.type(n)


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """grid[n, i, j] = theta[n] (x_j, y_i, 1): (N, H, W, 2) sampling positions for
    grid_sample, size = (N, C, H, W) the output's size (see the module)."""
    if not isinstance(theta, Tensor):
        raise ArgumentTypeError(f"affine_grid: theta must be a Tensor, got {type(theta).__name__}")
    size = tuple(size)
    if len(size) == 5:
        raise UnsupportedError("affine_grid: 3-D (5-D size) grids are not implemented; "
                               "size must be (N, C, H, W)")
    if len(size) != 4 or not all(isinstance(s, int | np.integer) and s > 0 for s in size):
        raise ShapeError(f"affine_grid: size must be 4 positive ints (N, C, H, W), got {size}")
    n, _, h, w = (int(s) for s in size)
    if theta.dtype.kind != "f" or theta.shape != (n, 2, 3):
        raise ShapeError(f"affine_grid: theta must be a floating (N, 2, 3) = ({n}, 2, 3) tensor "
                         f"for size {size}, got shape {theta.shape} of dtype {theta.dtype}")
    corners = bool(align_corners)
    xs, ys = _positions(w, corners, theta.dtype), _positions(h, corners, theta.dtype)
    x = Tensor(np.broadcast_to(xs, (h, w)).reshape(1, h * w, 1))
    y = Tensor(np.broadcast_to(ys[:, None], (h, w)).reshape(1, h * w, 1))
    rows = theta.transpose(1, 2)  # (N, 3, 2): the x, y and constant columns of each theta
    # (x a + y b) + c in that order, rounded as PyTorch's batched product of (x, y, 1)
    grid = (x * rows[:, 0:1] + y * rows[:, 1:2]) + rows[:, 2:3]
    return grid.reshape(n, h, w, 2)


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """coord reflected into [twice_low / 2, twice_high / 2] (PyTorch's reflect_coordinates)."""
    if twice_low == twice_high:
        return coord * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (coord - low).abs()
    flips = np.floor(distance.detach().numpy() / span)
    extra = distance - Tensor((flips * span).astype(coord.dtype))
    return where(Tensor(flips % 2 == 0), extra + low, (extra * -1) + (span + low))


def _source(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    """A normalized coordinate in [-1, 1] as a pixel coordinate, padded (see the module)."""
    if align_corners:
        pixel = (coord + 1) * ((size - 1) / 2)
    else:
        shifted = coord + 1
        pixel = shifted * (size / 2) - 0.5
        if pixel.dtype in (np.float32, np.float64):  # PyTorch's kernel fuses this: its bits
            kind = pixel.dtype.type
            fused = fma(shifted.detach().numpy(), kind(size / 2), kind(-0.5))
            pixel = pixel + Tensor(fused - pixel.detach().numpy())  # (an exact difference)
    if padding_mode == "reflection":
        pixel = _reflect(pixel, 0, 2 * (size - 1)) if align_corners \
            else _reflect(pixel, -1, 2 * size - 1)
    if padding_mode != "zeros":
        # clamped into [0, size - 1], the bounds themselves counted as outside: no gradient
        # there (PyTorch's clip_coordinates; clamp's own would pass 1 at a bound)
        values = pixel.detach().numpy()
        inside = (values > 0) & (values < size - 1)
        pixel = where(Tensor(inside), pixel, Tensor(np.clip(values, 0, size - 1)))
    return pixel


def _read(flat: Tensor, iy: np.ndarray, ix: np.ndarray, h: int, w: int) -> Tensor:
    """flat (N, C, H * W) at integer pixels (iy, ix), each (N, P): values (N, C, P), 0 where
    a pixel is outside the image (selected, not multiplied: an inf inside stays out)."""
    inside = (ix >= 0) & (ix < w) & (iy >= 0) & (iy < h)
    index = np.where(inside, np.clip(iy, 0, h - 1) * w + np.clip(ix, 0, w - 1), 0)
    n, c = flat.shape[:2]
    taken = flat.gather(2, Tensor(np.broadcast_to(index[:, None, :], (n, c, index.shape[1]))))
    return where(Tensor(inside[:, None, :]), taken, 0.0)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """out[n, c, i, j] = input[n, c] read at grid[n, i, j] (see the module): input
    (N, C, H, W), grid (N, Ho, Wo, 2) holding (x, y) in [-1, 1]; out (N, C, Ho, Wo)."""
    for name, value in (("input", input), ("grid", grid)):
        if not isinstance(value, Tensor):
            raise ArgumentTypeError(f"grid_sample: {name} must be a Tensor, got "
                                    f"{type(value).__name__}")
    if mode not in _MODES:
        raise ArgumentError(f"grid_sample: mode must be one of {_MODES}, got {mode!r}")
    if padding_mode not in _PADDINGS:
        raise ArgumentError(f"grid_sample: padding_mode must be one of {_PADDINGS}, got "
                            f"{padding_mode!r}")
    if input.ndim == 5:
        raise UnsupportedError("grid_sample: 5-D (volumetric) input is not implemented; "
                               "input must be (N, C, H, W)")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 \
            or grid.shape[0] != input.shape[0]:
        raise ShapeError(f"grid_sample: expected input (N, C, H, W) and grid (N, Ho, Wo, 2) with "
                         f"the same N, got input {input.shape} and grid {grid.shape}")
    if input.dtype.kind != "f":
        raise ShapeError(f"grid_sample: input must be floating, got dtype {input.dtype}")
    same_dtype("grid_sample", input.dtype, grid=grid)
    corners = bool(align_corners)
    n, c, h, w = input.shape
    _, ho, wo, _ = grid.shape
    flat = input.reshape(n, c, h * w)
    gx, gy = grid[..., 0].reshape(n, ho * wo), grid[..., 1].reshape(n, ho * wo)
    if mode == "bicubic":
        return _bicubic(flat, gx, gy, (h, w), padding_mode, corners).reshape(n, c, ho, wo)
    u = _source(gx, w, padding_mode, corners)
    v = _source(gy, h, padding_mode, corners)
    if mode == "nearest":
        out = _read(flat, np.round(v.detach().numpy()).astype(np.int64),
                    np.round(u.detach().numpy()).astype(np.int64), h, w)
        return out.reshape(n, c, ho, wo)
    u0 = np.floor(u.detach().numpy())
    v0 = np.floor(v.detach().numpy())
    a = u - Tensor(u0.astype(u.dtype))  # the fractional parts, differentiable in the grid
    b = v - Tensor(v0.astype(v.dtype))
    x0, y0 = u0.astype(np.int64), v0.astype(np.int64)
    out = None
    for dy, wy in ((0, 1 - b), (1, b)):
        for dx, wx in ((0, 1 - a), (1, a)):
            term = _read(flat, y0 + dy, x0 + dx, h, w) * (wx * wy).unsqueeze(1)
            out = term if out is None else out + term
    return out.reshape(n, c, ho, wo)


def _cubic_weights(t: Tensor) -> list[Tensor]:
    """The weights k(t + 1), k(t), k(1 - t), k(2 - t) of the taps at -1, 0, 1, 2 from
    floor(u), t = u - floor(u) in [0, 1) (see the module), in PyTorch's Horner form."""
    def near(d: Tensor) -> Tensor:
        return ((_A + 2) * d - (_A + 3)) * d * d + 1

    def far(d: Tensor) -> Tensor:
        return ((_A * d - 5 * _A) * d + 8 * _A) * d - 4 * _A

    rest = 1 - t
    return [far(t + 1), near(t), near(rest), far(rest + 1)]


def _taps(start: np.ndarray, size: int, padding_mode: str, align_corners: bool
          ) -> list[np.ndarray]:
    """The pixel indices of the four taps start - 1 .. start + 2, each padded as PyTorch's
    bicubic kernel pads it (reflected, then clamped; zeros leaves it to _read)."""
    taps = []
    for offset in (-1, 0, 1, 2):
        index = start + offset
        if padding_mode == "reflection":
            bounds = (0, 2 * (size - 1)) if align_corners else (-1, 2 * size - 1)
            index = _reflect(Tensor(index), *bounds).numpy()
        if padding_mode != "zeros":
            index = np.clip(index, 0, size - 1)
        taps.append(np.nan_to_num(index, nan=-1.0, posinf=-1.0, neginf=-1.0).astype(np.int64))
    return taps


def _bicubic(flat: Tensor, gx: Tensor, gy: Tensor, hw: tuple[int, int], padding_mode: str,
             align_corners: bool) -> Tensor:
    """Bicubic grid sampling of flat (N, C, H * W) at the normalized (gx, gy), each (N, P):
    (N, C, P). The weights carry the gradient to the grid, the gathers to the input."""
    h, w = hw
    u = _source(gx, w, "zeros", align_corners)  # unpadded: the taps are padded instead
    v = _source(gy, h, "zeros", align_corners)
    u0, v0 = np.floor(u.detach().numpy()), np.floor(v.detach().numpy())
    wxs = _cubic_weights(u - Tensor(u0.astype(u.dtype)))
    wys = _cubic_weights(v - Tensor(v0.astype(v.dtype)))
    xs = _taps(u0, w, padding_mode, align_corners)
    out = None
    for iy, wy in zip(_taps(v0, h, padding_mode, align_corners), wys, strict=True):
        row = None
        for ix, wx in zip(xs, wxs, strict=True):
            term = _read(flat, iy, ix, h, w) * wx.unsqueeze(1)
            row = term if row is None else row + term
        out = row * wy.unsqueeze(1) if out is None else out + row * wy.unsqueeze(1)
    return out
