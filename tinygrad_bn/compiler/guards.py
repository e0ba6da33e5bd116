"""Which guards of a program can be checked before the step changes anything.

A guard (a traced value converted to Python, a boolean mask's count, the shape of a
result whose shape depends on the data) fails on replay when the data takes a path the
recording did not. Failing in the middle of the program, the step is half done
(gradients zeroed, running statistics updated, a random draw taken), and the only
honest answer is an error (GuardFailed). But most guards read only the arguments and
the parameters as they are when the call starts: a label range check, the mask of an
input. Such a guard's backward slice (the recorded calls its value depends on) is
pure (no replayed function such as an optimizer step or a random draw, no write into
memory) and reads no memory that a call before the guard writes. These slices and
their guards move to the front of the program; if one fails there, nothing has
happened yet, and the compiled function runs this call eagerly instead (Fallback).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .trace import WRITES_FIRST, Instr, _root


class Fallback(Exception):  # noqa: N818 (an outcome, not an error the user sees)
    """A guard checked at the start of a replay failed: run this call eagerly."""


def _slots(enc: Any) -> list[int]:
    """The slots an encoded operand reads (views read their root slot)."""
    if not isinstance(enc, tuple) or not enc:
        return []
    if enc[0] == "slot":
        return [enc[1]]
    if enc[0] == "view":
        return [enc[1][1]] if enc[1][0] == "slot" else []
    if enc[0] == "const":
        inner = enc[1].values() if isinstance(enc[1], dict) else \
            enc[1] if isinstance(enc[1], tuple | list) else ()
        return [s for e in inner for s in _slots(e)]
    return []


class _Memory:
    """Memory keys of encoded operands: the id of the array owning the memory (slots
    sharing memory get the same key), or the scratch buffer's number."""

    def __init__(self, values: list[Any]) -> None:
        self.values = values

    def slot(self, n: int) -> Any:
        value = self.values[n]
        return ("mem", id(_root(value))) if isinstance(value, np.ndarray) else ("slot", n)

    def of(self, enc: Any) -> set[Any]:
        if not isinstance(enc, tuple) or not enc:
            return set()
        kind = enc[0]
        if kind == "slot":
            return {self.slot(enc[1])}
        if kind == "view":
            root_kind, n = enc[1]
            return {self.slot(n)} if root_kind == "slot" else {("scratch", n)}
        if kind == "ref":
            return {("mem", id(_root(enc[1])))} if isinstance(enc[1], np.ndarray) else set()
        if kind == "const":
            inner = enc[1].values() if isinstance(enc[1], dict) else \
                enc[1] if isinstance(enc[1], tuple | list) else ()
            return set().union(*(self.of(e) for e in inner)) if inner else set()
        return set()


def _written(instr: Instr, args: tuple, kwargs: dict) -> list[Any]:
    """The operands a call writes into."""
    targets = []
    if "out" in kwargs:
        targets.append(kwargs["out"])
    if (instr.kind == "ufunc" and instr.name == "at") or \
            (instr.kind == "method" and instr.name in ("__setitem__", "fill")) or \
            (instr.kind == "function" and instr.target in WRITES_FIRST):
        targets.append(args[0])
    return targets


def _pure(instr: Instr, args: tuple, kwargs: dict) -> bool:
    return instr.kind in ("ufunc", "function", "method") and not _written(instr, args, kwargs)


def hoistable(instrs: list[tuple[Instr, tuple, dict]], values: list[Any],
              persistent: set[int]) -> set[int]:
    """The indices of the instructions to run first: every guard whose slice is pure and
    reads nothing an earlier instruction writes, with its slice. `persistent`: the slots
    of parameters and buffers, which a replayed call (an optimizer step) may write."""
    memory = _Memory(values)
    producer = {s: i for i, (instr, _, _) in enumerate(instrs) for s in instr.outs
                if s is not None}
    lasting = {memory.slot(s) for s in persistent}
    written: set[Any] = set()
    called = False
    hoist: set[int] = set()
    for g, (instr, args, kwargs) in enumerate(instrs):
        if instr.kind == "guard":
            part, reads, ok = {g}, set(), True
            stack = [s for a in args for s in _slots(a)]
            reads |= set().union(*(memory.of(a) for a in args)) if args else set()
            while stack and ok:
                i = producer.get(stack.pop())
                if i is None or i in part:
                    continue
                p_instr, p_args, p_kwargs = instrs[i]
                ok = _pure(p_instr, p_args, p_kwargs)
                part.add(i)
                operands = (*p_args, *p_kwargs.values())
                stack += [s for a in operands for s in _slots(a)]
                for a in operands:
                    reads |= memory.of(a)
                    if called and isinstance(a, tuple) and a and a[0] == "ref":
                        ok = False  # outside state a replayed call may have changed
            if ok and not reads & written and not (called and reads & lasting):
                hoist |= part
        for target in _written(instr, args, kwargs):
            written |= memory.of(target)
        called = called or instr.kind == "call"
    return hoist
