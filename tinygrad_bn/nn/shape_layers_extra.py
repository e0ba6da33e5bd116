"""PyTorch's older upsampling spellings (nn.UpsamplingNearest2d, nn.UpsamplingBilinear2d,
F.upsample, F.upsample_nearest, F.upsample_bilinear: interpolate with a fixed mode, the
bilinear ones with align_corners=True; the functions warn, as PyTorch's) and channel shuffle
(ShuffleNet): the C channels of (N, C, *) seen as (groups, C / groups) and transposed,
y[:, j * groups + i] = x[:, i * (C / groups) + j]."""

from __future__ import annotations

import warnings
from typing import Any

from ..errors import ShapeError
from ..tensor import Tensor, as_tensor
from .arguments import positive_ints
from .module import Module
from .shape_layers import Upsample, interpolate

__all__ = ["ChannelShuffle", "UpsamplingBilinear2d", "UpsamplingNearest2d", "channel_shuffle",
           "native_channel_shuffle", "upsample", "upsample_bilinear", "upsample_nearest"]


class UpsamplingNearest2d(Upsample):
    """Upsample(size, scale_factor, mode="nearest") of a 4-d input."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """Upsample(size, scale_factor, mode="bilinear", align_corners=True) of a 4-d input."""

    def __init__(self, size: Any = None, scale_factor: Any = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)


def _deprecated(name: str, instead: str) -> None:
    warnings.warn(f"nn.functional.{name} is deprecated. Use nn.functional.{instead} instead.",
                  UserWarning, stacklevel=3)


def upsample(input: Any, size: Any = None, scale_factor: Any = None,  # noqa: A002
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """interpolate, under its old name (warns)."""
    _deprecated("upsample", "interpolate")
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Any, size: Any = None, scale_factor: Any = None  # noqa: A002
                     ) -> Tensor:
    """interpolate(mode="nearest"), under its old name (warns)."""
    _deprecated("upsample_nearest", "interpolate")
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Any, size: Any = None, scale_factor: Any = None  # noqa: A002
                      ) -> Tensor:
    """interpolate(mode="bilinear", align_corners=True), under its old name (warns)."""
    _deprecated("upsample_bilinear", "interpolate")
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def channel_shuffle(input: Any, groups: int) -> Tensor:  # noqa: A002
    """(N, C, *) with the channels reordered group-interleaved (see the module docstring)."""
    x = as_tensor(input)
    positive_ints("channel_shuffle", groups=groups)
    g = int(groups)
    if x.ndim < 3:
        raise ShapeError(f"channel_shuffle: expects an input with > 2 dims (N, C, *), got "
                         f"shape {x.shape}")
    n, c, *rest = x.shape
    if c % g:
        raise ShapeError(f"channel_shuffle: the number of channels must be divisible by "
                         f"groups; got {c} channels and {g} groups (input shape {x.shape})")
    return x.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


class ChannelShuffle(Module):
    """channel_shuffle with a fixed number of groups."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        positive_ints("ChannelShuffle", groups=groups)
        self.groups = int(groups)

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        return channel_shuffle(input, self.groups)

    def extra_repr(self) -> str:
        return f"groups={self.groups}"
