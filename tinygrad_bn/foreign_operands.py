"""Which operands a Tensor operator hands to the other operand's reflected operator.

`x * z` calls `x.__mul__(z)` first; Python calls `z.__rmul__(x)` only if that returns
NotImplemented. PyTorch's operators return NotImplemented for any type they do not take,
so a class of its own (tinygrad_bn's ComplexTensor, a user's quantity type) decides what
`x * z` means. Ours return it for an operand they could not make a tensor of (the values
are not numbers) whose class implements the reflected operation itself; every other
operand keeps its clear error (None, strings, containers of strings, a dict: no other
class can take the operation over, or, as `str.__rmul__` would, only wrongly).
"""

from __future__ import annotations

from typing import Any

from .errors import ArgumentTypeError

# Tensor's operator symbol -> the operand's method Python tries next
REFLECTED = {"+": "__radd__", "-": "__rsub__", "*": "__rmul__", "/": "__rtruediv__",
             "<": "__gt__", "<=": "__ge__", ">": "__lt__", ">=": "__le__",
             "==": "__eq__", "!=": "__ne__"}
# builtins whose reflected operators mean something else (repetition, concatenation)
_BUILTINS = (str, bytes, bytearray, list, tuple, dict, set, frozenset, range, memoryview)


def defers(other: Any, op: str) -> bool:
    """Whether a Tensor's `op` with `other`, which is no tensor, returns NotImplemented:
    `other`'s class (not a builtin) has the operation's reflected method of its own."""
    name = REFLECTED.get(op)
    if name is None or other is None or isinstance(other, _BUILTINS):
        return False
    method = getattr(type(other), name, None)
    return method is not None and method is not getattr(object, name, None)


def refuse_in_method(x: Any, other: Any, op: str, symbol: str) -> None:
    """PyTorch's methods take no such operand: `x.add(q)` raises a TypeError where `x + q`
    hands the operation to q's reflected method (their binding wants a Tensor or a number).
    Raised when x's operator `symbol` would return NotImplemented for other."""
    if type(other) in (int, float, bool) or isinstance(other, type(x)) or \
            hasattr(other, "__tg_function__") or not defers(other, symbol):
        return  # (the project's own tensor types, a ComplexTensor, have __tg_function__)
    if x._coerce(other, symbol) is NotImplemented:
        raise ArgumentTypeError(f"{op}(): other must be a Tensor or a number, got "
                                f"{type(other).__name__} (its {REFLECTED[symbol]} serves "
                                f"`x {symbol} other`, not x.{op}(other), as in PyTorch)")
