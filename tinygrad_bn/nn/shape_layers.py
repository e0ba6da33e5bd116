"""Layers that reshape, resample or pair their inputs: Unflatten, PixelShuffle and
PixelUnshuffle, Upsample (F.interpolate), Bilinear; PyTorch's arguments and parameters.

interpolate resamples each spatial axis separately with a fixed (out, in) matrix A built
from PyTorch's source coordinates, y = A_h x A_w^T (one product per axis), so the gradient
is A^T g and higher derivatives vanish. For output index i, in length n, out length m and
scale s = 1 / scale_factor when a scale_factor is given (and not recomputed), else n / m:

    nearest         src = min(floor(i s), n - 1) (in float32; i when m = n, i // 2 when m = 2n)
    nearest-exact   src = min(floor((i + 0.5) s), n - 1) (in float32)
    linear, align_corners=False  src = max((i + 0.5) s - 0.5, 0), blended between floor(src)
                    and the next cell by its fraction
    linear, align_corners=True   src = i (n - 1) / (m - 1)
    area            adaptive average pooling to the output size, as PyTorch's
    bicubic         src as linear's but not clipped at 0; Keys' cubic weights (A = -0.75)
                    of the 4 cells floor(src) - 1 .. floor(src) + 2, clamped to the edges
    antialias=True  (bilinear, bicubic) a filter widened by the downscaling factor:
                    antialias.py

("linear" on (N, C, L), "bilinear" and "bicubic" on (N, C, H, W), "trilinear" on
(N, C, D, H, W).)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..allocation import empty
from ..errors import ArgumentError, DTypeError, ShapeError
from ..tensor import Tensor, as_tensor
from . import init
from .antialias import antialias_taps
from .arguments import factory_dtype, layer_input, positive_ints, same_dtype, sizes
from .module import Module, Parameter
from .pooling import adaptive_avg_pool2d
from .pooling3d import adaptive_avg_pool3d
from .pooling_extra import adaptive_avg_pool1d

_MODE_RANK = {"nearest": None, "nearest-exact": None, "area": None, "linear": 3,
              "bilinear": 4, "bicubic": 4, "trilinear": 5}


def _taps(mode: str, n: int, m: int, scale: float | None, align_corners: bool
          ) -> list[tuple[np.ndarray, np.ndarray]]:
    """For an axis of length n resampled to length m: (index, weight) pairs, one per tap,
    with output i = sum over taps of weight[i] * x[index[i]], PyTorch's terms (see the
    module docstring)."""
    i = np.arange(m, dtype=np.float64)
    s = (n / m) if scale is None else scale
    rows = np.arange(m)
    if mode in ("nearest", "nearest-exact"):
        # PyTorch computes these indices in float32, and "nearest" copies (m = n) or
        # repeats each cell twice (m = 2n) whatever the scale
        if mode == "nearest" and m in (n, 2 * n):
            src = rows * n // m
        else:
            s32, i32 = np.float32(s), i.astype(np.float32)
            src = np.floor(i32 * s32 if mode == "nearest" else (i32 + np.float32(0.5)) * s32)
        return [(np.minimum(src.astype(np.int64), n - 1), np.ones(m))]
    if align_corners:
        src = i * ((n - 1) / (m - 1)) if m > 1 else np.zeros(m)
    else:
        src = (i + 0.5) * s - 0.5
    if mode == "bicubic":  # Keys' cubic convolution, A = -0.75, taps clamped to the edges
        low = np.floor(src)
        t = src - low
        a = -0.75
        near = lambda d: ((a + 2) * d - (a + 3)) * d * d + 1  # noqa: E731 (|d| <= 1)
        far = lambda d: ((a * d - 5 * a) * d + 8 * a) * d - 4 * a  # noqa: E731 (1 < |d| < 2)
        weights = [far(t + 1), near(t), near(1 - t), far(2 - t)]
        return [(np.clip(low.astype(np.int64) + k - 1, 0, n - 1), w)
                for k, w in enumerate(weights)]
    src = np.maximum(src, 0.0)
    low = np.minimum(np.floor(src).astype(np.int64), n - 1)
    frac = src - low
    return [(low, 1.0 - frac), (np.minimum(low + 1, n - 1), frac)]


def _resample_matrix(taps: list[tuple[np.ndarray, np.ndarray]], n: int, dtype: np.dtype
                     ) -> np.ndarray:
    """The (m, n) matrix of the taps: y = A x along the axis."""
    m = len(taps[0][0])
    matrix = np.zeros((m, n), dtype=dtype)
    for index, weight in taps:
        np.add.at(matrix, (np.arange(m), index), weight)
    return matrix


def _resample(y: Tensor, axis: int, taps: list[tuple[np.ndarray, np.ndarray]]) -> Tensor:
    """y resampled along axis: one product with the taps' matrix; tap by tap where y holds
    an inf or a NaN (the matrix's zeros would spread inf * 0 = NaN over the whole axis;
    the taps give PyTorch's values, which are NaN only where its own terms are)."""
    moved = y.transpose(axis, -1) if axis != y.ndim - 1 else y
    if np.isfinite(moved._data).all():
        moved = moved @ Tensor(_resample_matrix(taps, y.shape[axis], y.dtype).T)
    else:
        terms = [moved[..., index] * Tensor(weight.astype(y.dtype)) for index, weight in taps]
        moved = terms[0] if len(terms) == 1 else sum(terms[1:], terms[0])
    return moved.transpose(axis, -1) if axis != y.ndim - 1 else moved


def interpolate(input: Any, size: Any = None, scale_factor: Any = None,  # noqa: A002
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial axes (all but N and C) to `size`, or by `scale_factor`; see the
    module docstring for the modes."""
    x = as_tensor(input)
    if mode not in _MODE_RANK:
        raise ArgumentError(f"interpolate: mode must be one of {sorted(_MODE_RANK)}, got "
                            f"{mode!r}")
    if antialias and mode not in ("bilinear", "bicubic"):
        raise ArgumentError(f"interpolate: antialias=True is for modes 'bilinear' and "
                            f"'bicubic' (on 4-D input), as PyTorch's; got mode={mode!r}")
    rank = _MODE_RANK[mode]
    if x.ndim not in (3, 4, 5) or (rank is not None and x.ndim != rank):
        expected = f"{rank}-D" if rank else "3-D, 4-D or 5-D"
        raise ShapeError(f"interpolate: mode={mode!r} needs {expected} input (N, C, ...), got "
                         f"shape {x.shape}")
    if align_corners is not None and rank is None:
        raise ArgumentError(f"interpolate: align_corners is for the linear modes, not "
                            f"{mode!r}")
    spatial = x.shape[2:]
    if (size is None) == (scale_factor is None):
        raise ArgumentError("interpolate: give exactly one of size and scale_factor")
    if size is not None:
        sizes = list(size) if isinstance(size, Sequence) else [size] * len(spatial)
        if len(sizes) != len(spatial):
            raise ShapeError(f"interpolate: size {size!r} for {len(spatial)} spatial axes")
        positive_ints("interpolate", **{f"size[{k}]": s for k, s in enumerate(sizes)})
        scales: list[float | None] = [None] * len(spatial)
    else:
        factors = list(scale_factor) if isinstance(scale_factor, Sequence) \
            else [scale_factor] * len(spatial)
        if len(factors) != len(spatial) or not all(
                isinstance(f, int | float) and not isinstance(f, bool) and f > 0
                for f in factors):
            raise ArgumentError(f"interpolate: scale_factor must be a positive number or one "
                                f"per spatial axis ({len(spatial)}), got {scale_factor!r}")
        sizes = [int(math.floor(n * f)) for n, f in zip(spatial, factors)]
        if any(m < 1 for m in sizes) and mode != "area":
            raise ShapeError(f"interpolate: scale_factor {scale_factor!r} makes the spatial "
                             f"size {tuple(spatial)} into {tuple(sizes)}: every size must "
                             f"stay > 0 (as PyTorch)")
        scales = [None if recompute_scale_factor else 1.0 / f for f in factors]
    if antialias and all(n == m and s in (None, 1.0) for n, m, s in zip(spatial, sizes, scales)):
        return x.clone()  # PyTorch's antialiased kernels copy an unchanged size, any dtype
    if mode == "area":  # PyTorch's: adaptive average pooling to the output size
        sizes = tuple(int(m) for m in sizes)
        if 0 in sizes:  # an empty output (PyTorch's pooling gives it too)
            return x.reshape(-1)[:0].reshape(*x.shape[:2], *sizes)
        pool = {3: adaptive_avg_pool1d, 4: adaptive_avg_pool2d, 5: adaptive_avg_pool3d}[x.ndim]
        return pool(x, sizes)
    if antialias and x.dtype == np.float16:
        raise DTypeError("interpolate: antialias=True is not implemented for float16 (as "
                         "PyTorch's CPU kernel); cast the input with .float()")
    if x.dtype.kind != "f":
        # PyTorch's kernels take uint8 alone (images); its nearest modes copy cells, exact
        # here too; its uint8 linear modes round in fixed point, which ours does not follow
        if x.dtype != np.uint8 or mode not in ("nearest", "nearest-exact"):
            raise DTypeError(f"interpolate: mode={mode!r} is not implemented for dtype "
                             f"{x.dtype} (as PyTorch's CPU kernels: floating tensors, and "
                             f"uint8 in the nearest modes)")
        exact = interpolate(x.astype(np.float64), size, scale_factor, mode, None,
                            recompute_scale_factor)
        return Tensor(exact._data.astype(np.uint8))
    y = x
    for k, (n, m, s) in enumerate(zip(spatial, sizes, scales)):
        if n == m and s in (None, 1.0):
            continue
        taps = antialias_taps if antialias else _taps
        y = _resample(y, 2 + k, taps(mode, n, int(m), s, bool(align_corners)))
    return y


class Upsample(Module):
    """interpolate with fixed size or scale_factor, mode and align_corners."""

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        if mode not in _MODE_RANK:
            raise ArgumentError(f"Upsample: mode must be one of {sorted(_MODE_RANK)}, got "
                                f"{mode!r}")
        if isinstance(scale_factor, int | float) and not isinstance(scale_factor, bool):
            scale_factor = float(scale_factor)  # PyTorch keeps a float (its repr shows 2.0)
        elif isinstance(scale_factor, tuple | list):
            scale_factor = tuple(float(f) for f in scale_factor)
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self) -> str:
        what = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None \
            else f"size={self.size!r}"
        return f"{what}, mode={self.mode!r}"


def pixel_shuffle(input: Any, upscale_factor: int) -> Tensor:  # noqa: A002
    """(*, C r^2, H, W) -> (*, C, H r, W r): y[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w]."""
    x = as_tensor(input)
    positive_ints("pixel_shuffle", upscale_factor=upscale_factor)
    r = int(upscale_factor)
    if x.ndim < 3 or x.shape[-3] % (r * r):
        raise ShapeError(f"pixel_shuffle: input (*, C, H, W) with C divisible by "
                         f"upscale_factor^2 = {r * r} expected, got {x.shape}")
    *lead, c, h, w = x.shape
    k = len(lead)
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    y = y.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return y.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Any, downscale_factor: int) -> Tensor:  # noqa: A002
    """The inverse of pixel_shuffle: (*, C, H r, W r) -> (*, C r^2, H, W)."""
    x = as_tensor(input)
    positive_ints("pixel_unshuffle", downscale_factor=downscale_factor)
    r = int(downscale_factor)
    if x.ndim < 3 or x.shape[-1] % r or x.shape[-2] % r:
        raise ShapeError(f"pixel_unshuffle: input (*, C, H, W) with H and W divisible by "
                         f"downscale_factor = {r} expected, got {x.shape}")
    *lead, c, h, w = x.shape
    k = len(lead)
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    y = y.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return y.reshape(*lead, c * r * r, h // r, w // r)


class PixelShuffle(Module):
    """pixel_shuffle by upscale_factor."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        positive_ints("PixelShuffle", upscale_factor=upscale_factor)
        self.upscale_factor = int(upscale_factor)

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """pixel_unshuffle by downscale_factor."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        positive_ints("PixelUnshuffle", downscale_factor=downscale_factor)
        self.downscale_factor = int(downscale_factor)

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class Unflatten(Module):
    """Split axis `dim` into `unflattened_size` (one entry may be -1)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer):
            raise ArgumentError(f"Unflatten: dim must be an int, got {dim!r}")
        sizes = tuple(unflattened_size) if isinstance(unflattened_size, Sequence) else None
        if not sizes or not all(isinstance(s, int | np.integer) and (s > 0 or s == -1)
                                for s in sizes) or sizes.count(-1) > 1:
            raise ArgumentError(f"Unflatten: unflattened_size must be a non-empty sequence of "
                                f"positive ints (at most one -1), got {unflattened_size!r}")
        self.dim, self.unflattened_size = int(dim), tuple(int(s) for s in sizes)

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        x = as_tensor(input)
        if not -x.ndim <= self.dim < x.ndim:
            raise ShapeError(f"{self!r}: dim {self.dim} out of range for shape {x.shape}")
        axis = self.dim % x.ndim
        n, known = x.shape[axis], math.prod(s for s in self.unflattened_size if s != -1)
        if (-1 in self.unflattened_size and n % known) or (
                -1 not in self.unflattened_size and known != n):
            raise ShapeError(f"{self!r}: cannot split axis {axis} of length {n} (shape "
                             f"{x.shape}) into {self.unflattened_size}")
        return x.reshape(*x.shape[:axis], *self.unflattened_size, *x.shape[axis + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def bilinear(input1: Any, input2: Any, weight: Any, bias: Any = None) -> Tensor:
    """y[..., o] = sum_ij x1[..., i] W[o, i, j] x2[..., j] + b[o]; W (out, in1, in2)."""
    w = as_tensor(weight)
    x1, x2 = layer_input(input1, w.dtype), layer_input(input2, w.dtype)
    same_dtype("bilinear", x1.dtype, input2=x2, weight=w, bias=bias)
    if w.ndim != 3 or x1.ndim < 1 or x1.shape[-1] != w.shape[1] or x2.shape[-1] != w.shape[2] \
            or x1.shape[:-1] != x2.shape[:-1]:
        raise ShapeError(f"bilinear: expected input1 (*, in1), input2 (*, in2) and weight "
                         f"(out, in1, in2), got {x1.shape}, {x2.shape}, {w.shape}")
    out, in1, in2 = w.shape
    lead = x1.shape[:-1]
    m = math.prod(lead)  # (not -1: a zero-size layer's rows have 0 elements to infer from)
    rows = x1.reshape(m, in1) @ w.transpose(0, 1).reshape(in1, out * in2)  # (M, out in2)
    y = (rows.reshape(m, out, in2) * x2.reshape(m, 1, in2)).sum(-1)
    if bias is not None:
        y = y + as_tensor(bias)
    return y.reshape(*lead, out)


class Bilinear(Module):
    """bilinear with weight (out, in1, in2) and bias (out,), both in
    U(-1/sqrt(in1), 1/sqrt(in1)) (PyTorch's)."""

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        positive_ints("Bilinear", in1_features=in1_features)  # (bound 1/sqrt(in1), as PyTorch)
        sizes("Bilinear", in2_features=in2_features, out_features=out_features)
        dtype = factory_dtype("Bilinear", device, dtype)
        self.in1_features, self.in2_features = int(in1_features), int(in2_features)
        self.out_features = int(out_features)
        self.weight = Parameter(empty("Bilinear weight", (out_features, in1_features,
                                                          in2_features), dtype))
        self.register_parameter(
            "bias", Parameter(empty("Bilinear bias", (out_features,), dtype)) if bias else None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.in1_features)
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Any, input2: Any) -> Tensor:
        return bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
