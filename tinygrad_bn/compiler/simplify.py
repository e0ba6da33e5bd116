"""Two rewrites of a program's calls that leave every value as eager computes it.

- *Constants.* A result that depends on no data is computed once, when the program is
  built: `np.ones_like` / `np.zeros_like` of a slot (whose shape and dtype the program
  fixes) and ufuncs of constants. Backward's seed, `ones_like(loss)`, scaled by
  cross-entropy's 1/n, is two calls per replay otherwise. Only results that nothing
  writes into and that do not leave the program (a returned array, a .grad, an
  argument of a replayed call) are folded: such a result is shared by every replay.
- *Copies of dead arrays.* `x.copy()` of a C-contiguous x whose memory no later call
  reads or writes, where neither x nor the copy leaves the program, is x itself (the
  same layout, so the same bits downstream): cross-entropy's backward copies the saved
  softmax, which a replay never reads again.
- *Conversions to the same dtype.* `x.astype(dtype, copy=False)` that returned x's own
  memory when recorded returns x on every replay (x's dtype is fixed by the program): fused
  batch norm's casts of gamma and beta to the input's dtype.

Memory is compared as guards.py does, by the arrays of the recording: the program only
shares memory where the recording did (a result in a buffer of its own), and the
aliases made here.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import _same_memory
from .guards import _Memory, _written

_SHAPE_ONLY = (np.ones_like, np.zeros_like)


def constants(instrs: list[tuple[Any, tuple, dict]], values: list[Any], order: list[int],
              keep: set[int]) -> dict[int, Any]:
    """slot -> its value, for the results computed once (see the module doc); `keep`: the
    slots that leave the program."""
    memory = _Memory(values)
    written: set[Any] = set()
    for instr, args, kwargs in instrs:
        for target in _written(instr, args, kwargs):
            written |= memory.of(target)
    found: dict[int, Any] = {}
    for i in order:
        instr, args, kwargs = instrs[i]
        if len(instr.outs) != 1 or instr.outs[0] is None or kwargs:
            continue
        slot = instr.outs[0]
        value = values[slot]
        if slot in keep or not isinstance(value, np.ndarray) or memory.slot(slot) in written:
            continue
        if instr.kind == "function" and instr.target in _SHAPE_ONLY and len(args) == 1 and \
                args[0][0] == "slot":
            found[slot] = value
        elif instr.kind == "ufunc" and instr.name == "__call__" and all(
                a[0] in ("pyconst", "const") or (a[0] == "slot" and a[1] in found)
                for a in args):
            found[slot] = value[()] if value.ndim == 0 else value  # a ufunc's 0-d: a scalar
    return found


def aliases(instrs: list[tuple[Any, tuple, dict]], values: list[Any], order: list[int],
            keep: set[int]) -> dict[int, tuple[int, str]]:
    """The index of each copy or conversion that can be its source (see the module doc)
    -> (that slot, why)."""
    memory = _Memory(values)
    last: dict[Any, int] = {}  # memory -> the last position (in `order`) that touches it
    for k, i in enumerate(order):
        _, args, kwargs = instrs[i]
        for a in (*args, *kwargs.values()):
            for m in memory.of(a):
                last[m] = k
    found = {}
    for k, i in enumerate(order):
        instr, args, kwargs = instrs[i]
        if instr.kind != "method" or not args or args[0][0] != "slot" or len(instr.outs) != 1:
            continue
        source, out = args[0][1], instr.outs[0]
        value = values[source]
        if instr.name == "astype" and kwargs == {"copy": ("pyconst", False)} and \
                len(args) == 2 and _same_memory(values[out], value):
            found[i] = (source, "the same dtype: no conversion")
        if instr.name != "copy" or len(args) != 1 or kwargs:
            continue
        if source in keep or out in keep or not isinstance(value, np.ndarray) or \
                value.base is not None or not value.flags.c_contiguous:
            continue
        if last[memory.slot(source)] == k:
            found[i] = (source, "copy of a dead array")
    return found
