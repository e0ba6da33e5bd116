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
