"""Devices, so that device-selecting PyTorch code runs: everything lives on the CPU.

`tg.device("cpu")` is the one device; `tg.cuda.is_available()` is False, so
`device = "cuda" if torch.cuda.is_available() else "cpu"` picks "cpu", and
`.to(device)` is then a no-op. Asking for any other device is an
ArgumentError that says so.
"""

from __future__ import annotations

from typing import Any

from .errors import ArgumentError


class device:  # noqa: N801 (PyTorch's name)
    """A device: only "cpu" (or "cpu:0") exists."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device = "cpu", index: int | None = None) -> None:  # noqa: A002
        name = type.type if isinstance(type, device) else str(type)
        kind, _, number = name.partition(":")
        if kind != "cpu" or (number and number != "0") or index not in (None, 0):
            where = name if index is None else f"{name}:{index}"
            raise ArgumentError(f"device: tinygrad_bn runs on the CPU only, got device "
                                f"{where!r}; use 'cpu' (tg.cuda.is_available() is False)")
        self.type = "cpu"
        self.index = index

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            return other in ("cpu", "cpu:0")
        return isinstance(other, device)

    def __hash__(self) -> int:
        return hash("cpu")

    def __str__(self) -> str:
        return "cpu"

    def __repr__(self) -> str:
        return "device(type='cpu')"


CPU = device("cpu")
Device = device  # the class under a name that a `device` argument cannot shadow


def check_device(op: str, where: Any) -> None:
    """Accept None, "cpu", "cpu:0" or a `device`; anything else is an ArgumentError."""
    if where is None or isinstance(where, device):
        return
    if not isinstance(where, str):
        raise ArgumentError(f"{op}: device must be a string or tg.device, got {where!r}")
    try:
        device(where)
    except ArgumentError as error:
        raise ArgumentError(f"{op}: {error}") from None
