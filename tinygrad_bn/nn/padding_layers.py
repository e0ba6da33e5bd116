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
        self.value = value  # as given, as PyTorch (its repr shows value=2 for 2)

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


def _ranked(base: type, prefix: str, doc: str, **attributes: Any) -> tuple[type, ...]:
    """The 1-, 2- and 3-d layers `prefix`1d/2d/3d of one base: `doc` with {axes} filled."""
    classes = []
    for dims, axes in ((1, "the last axis"), (2, "the last 2 axes"), (3, "the last 3 axes")):
        name = f"{prefix}{dims}d"
        classes.append(type(name, (base,), {
            "_dims": dims, "__doc__": doc.format(axes=axes), "__module__": __name__,
            "__qualname__": name, **attributes}))
    return tuple(classes)


ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = _ranked(
    _PadNd, "ReflectionPad", "Pads {axes} by mirroring the input at its edges, not repeating "
    "them (widths < the axis length).", _mode="reflect")
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = _ranked(
    _PadNd, "ReplicationPad", "Pads {axes} by repeating the edge values.", _mode="replicate")
CircularPad1d, CircularPad2d, CircularPad3d = _ranked(
    _PadNd, "CircularPad", "Pads {axes} by wrapping around (widths <= the axis length).",
    _mode="circular")
ConstantPad1d, ConstantPad2d, ConstantPad3d = _ranked(
    _ConstantPadNd, "ConstantPad", "Pads {axes} with a constant `value`; negative widths crop.")


class _Zero:
    """The zero padding layers: constant padding with value 0, shown without it."""

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)  # type: ignore[call-arg]

    def extra_repr(self) -> str:
        return f"{self.padding}"  # type: ignore[attr-defined]


ZeroPad1d, ZeroPad2d, ZeroPad3d = (
    type(f"ZeroPad{d}d", (_Zero, constant), {
        "__doc__": f"Pads {axes} with zeros; negative widths crop.", "__module__": __name__,
        "__qualname__": f"ZeroPad{d}d"})
    for d, axes, constant in ((1, "the last axis", ConstantPad1d),
                              (2, "the last 2 axes", ConstantPad2d),
                              (3, "the last 3 axes", ConstantPad3d)))
