"""The padding layers, PyTorch's: {Reflection, Replication, Circular, Zero, Constant}Pad{1,2,3}d,
each F.pad (nn/padding.py) of the last d axes with a fixed mode and widths.

`padding` is an int (every side) or 2d ints ordered as F.pad's: (left, right) for the last
axis, then (top, bottom), then (front, back). The reflect, replicate and circular layers take
an unbatched (d + 1 axes) or batched (d + 2 axes) input, as PyTorch's; the zero and constant
layers pad the last d axes of any input with at least d axes.
"""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentTypeError, ShapeError
from ..tensor import Tensor, as_tensor
from .module import Module
from .padding import pad


def _widths(op: str, padding: Any, dims: int) -> tuple[int, ...]:
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (int(padding),) * (2 * dims)
    widths = tuple(padding) if isinstance(padding, tuple | list) else None
    if widths is None or len(widths) != 2 * dims or not all(
            isinstance(w, int) and not isinstance(w, bool) for w in widths):
        raise ArgumentTypeError(f"{op}: padding must be an int or {2 * dims} ints "
                                f"(left, right{', top, bottom' if dims > 1 else ''}"
                                f"{', front, back' if dims > 2 else ''}), got {padding!r}")
    return widths


class _PadNd(Module):
    """F.pad of the last `_dims` axes in `_mode`."""

    _dims = 1
    _mode = "constant"

    def __init__(self, padding: Any) -> None:
        super().__init__()
        self.padding = _widths(type(self).__name__, padding, self._dims)

    def _check_rank(self, x: Tensor) -> None:
        ranks = (self._dims + 1, self._dims + 2)
        if x.ndim not in ranks:
            raise ShapeError(f"{type(self).__name__}: expected a {ranks[0]}-d (unbatched) or "
                             f"{ranks[1]}-d (batched) input, got shape {x.shape}")

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        x = as_tensor(input)
        self._check_rank(x)
        return pad(x, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """F.pad of the last `_dims` axes with a constant `value` (negative widths crop)."""

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ArgumentTypeError(f"{type(self).__name__}: value must be a number, got "
                                    f"{value!r}")
        self.value = float(value)

    def _check_rank(self, x: Tensor) -> None:
        if x.ndim < self._dims:
            raise ShapeError(f"{type(self).__name__}: pads the last {self._dims} axes, but the "
                             f"input has shape {x.shape}")

    def forward(self, input: Any) -> Tensor:  # noqa: A002
        x = as_tensor(input)
        self._check_rank(x)
        return pad(x, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ReflectionPad1d(_PadNd):
    """Pads the last axis by mirroring the input at its edges,
    not repeating them (widths < the axis length)."""

    _dims, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Pads the last 2 axes by mirroring the input at its edges,
    not repeating them (widths < the axis length)."""

    _dims, _mode = 2, "reflect"


class ReflectionPad3d(_PadNd):
    """Pads the last 3 axes by mirroring the input at its edges,
    not repeating them (widths < the axis length)."""

    _dims, _mode = 3, "reflect"


class ReplicationPad1d(_PadNd):
    """Pads the last axis by repeating the edge values."""

    _dims, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Pads the last 2 axes by repeating the edge values."""

    _dims, _mode = 2, "replicate"


class ReplicationPad3d(_PadNd):
    """Pads the last 3 axes by repeating the edge values."""

    _dims, _mode = 3, "replicate"


class CircularPad1d(_PadNd):
    """Pads the last axis by wrapping around (widths <= the axis length)."""

    _dims, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Pads the last 2 axes by wrapping around (widths <= the axis length)."""

    _dims, _mode = 2, "circular"


class CircularPad3d(_PadNd):
    """Pads the last 3 axes by wrapping around (widths <= the axis length)."""

    _dims, _mode = 3, "circular"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last axis with a constant `value`; negative widths crop."""

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 axes with a constant `value`; negative widths crop."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 axes with a constant `value`; negative widths crop."""

    _dims = 3


class _Zero:
    """The zero padding layers: constant padding with value 0, shown without it."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)  # type: ignore[call-arg]

    def extra_repr(self) -> str:
        return f"{self.padding}"  # type: ignore[attr-defined]


class ZeroPad1d(_Zero, ConstantPad1d):
    """Pads the last axis with zeros; negative widths crop."""


class ZeroPad2d(_Zero, ConstantPad2d):
    """Pads the last 2 axes with zeros; negative widths crop."""


class ZeroPad3d(_Zero, ConstantPad3d):
    """Pads the last 3 axes with zeros; negative widths crop."""
