"""From two recordings of the same signature to one replayable program.

The first two calls of a signature both run eagerly and are both recorded. Comparing them
decides everything a single trace cannot know:

- an array from outside the trace that is the *same object* both times is live state
  (read by reference on replay); a *new object with the same value* is a constant; a new
  object with a different value means a value the tracer lost sight of, and the
  signature is not replayed (`Unreplayable`, the function then runs eagerly);
- a Python value (a shape, a scalar factor, a guard's outcome) that differs means the
  function's NumPy calls depend on Python state: not replayed either;
- scratch memory allocated outside the trace (`np.zeros` then written by the trace) is
  allocated afresh on every replay from its recorded initial content.

The program is generated Python source, one line per NumPy call, compiled once with
`exec`: straight-line code, no graph, no topological sort. Every result that stays inside
the program (not an output, not a .grad, not handed to a replayed call) is written into a
buffer allocated once (`out=`); the rest are allocated fresh on each replay, as eager
does, because Python code may keep them.

Just over 500 lines: the comparison of the two recordings and the code it emits are one
pass over one state.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from . import fold, scalars, simplify
from .guards import Fallback, hoistable
from .trace import CompileError, Instr, Recording, _root


class Unreplayable(Exception):
    """Two recordings of a signature differ in a way replay cannot honour (the reason)."""


class GuardFailed(CompileError):
    """On replay, a value the recording read in Python came out differently."""


def _same_const(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, float | np.floating) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


def _equal(x: np.ndarray, y: np.ndarray) -> bool:
    """Equal values (NaN equal to NaN where the dtype has NaN; object arrays, e.g. from
    np.vectorize, compared as Python objects)."""
    try:
        return bool(np.array_equal(x, y, equal_nan=True))
    except TypeError:  # equal_nan=True needs isnan, which object and string arrays lack
        return bool(np.array_equal(x, y))


def _same_sources(a: dict[int, Any], b: dict[int, Any]) -> bool:
    return a.keys() == b.keys() and all(
        len(a[s]) == len(b[s]) and all(x is y or (type(x) in (str, int, bool) and x == y)
                                       for x, y in zip(a[s], b[s])) for s in a)


def _merge_grads(a: tuple, b: tuple, where: str) -> tuple:
    """The .grad state a replayed call must see. None (no gradient yet) and "keep" (one
    from before this call) may differ between the first call and the second: the second's
    is what every later call sees."""
    if len(a) != len(b) or any(x != y and not {x, y} <= {None, "keep"} for x, y in zip(a, b)):
        raise Unreplayable(f"{where}: the gradients of the parameters differ between calls")
    return b


def merge(a: Any, b: Any, where: str) -> Any:
    """The program's encoding of an operand from its two recorded encodings."""
    if a[0] != b[0]:
        raise Unreplayable(f"{where}: an operand was {a[0]} once and {b[0]} the next time")
    kind = a[0]
    if kind == "slot" or kind == "view":
        if a != b:
            raise Unreplayable(f"{where}: the calls read different arrays ({a} vs {b})")
        return a
    if kind == "array":
        x, y = a[1], b[1]
        if x is y:
            return ("ref", x)
        if x.shape == y.shape and x.dtype == y.dtype and _equal(x, y):
            return ("const", y.copy())
        raise Unreplayable(
            f"{where}: an array of shape {y.shape} from outside the traced arrays changed "
            f"between the first two calls (a value the recorder cannot follow, e.g. a "
            f"random draw from a generator other than tg.manual_seed's, or a copy made "
            f"with np.array)")
    if kind == "const":
        x, y = a[1], b[1]
        if isinstance(x, tuple | list) and type(x) is type(y):
            if len(x) != len(y):
                raise Unreplayable(f"{where}: {x!r} then {y!r}")
            return ("const", type(x)(merge(p, q, where) for p, q in zip(x, y)))
        if isinstance(x, dict) and isinstance(y, dict):
            if x.keys() != y.keys():
                raise Unreplayable(f"{where}: {x!r} then {y!r}")
            return ("const", {k: merge(x[k], y[k], where) for k in x})
        if not _same_const(x, y):
            raise Unreplayable(f"{where}: a Python value changed between the first two calls "
                               f"({x!r}, then {y!r}): the NumPy calls depend on Python state")
        return ("pyconst", y)
    if a[1] is not b[1]:
        raise Unreplayable(f"{where}: a different object ({a[1]!r}, then {b[1]!r})")
    return ("ref", a[1])


class Program:
    """The replayable program of one signature; `source` is its text."""

    def __init__(self, first: Recording, second: Recording, tensor_keys: list[Any],
                 result: Any, checks: list[tuple[int, tuple, np.dtype, bool | None]],
                 changed: type[Exception]) -> None:
        if len(first.instrs) != len(second.instrs):
            raise Unreplayable(f"the function made {len(first.instrs)} recorded calls the "
                               f"first time and {len(second.instrs)} the second")
        if len(first.values) != len(second.values) or not _same_sources(first.sources,
                                                                          second.sources):
            raise Unreplayable("the two calls read different inputs, parameters or buffers")
        self.values = second.values
        self.names: dict[str, Any] = {"_T": _tensor, "_F": Tensor._from_op,
                                      "_G": _graph_tensor, "np": np,
                                      "GuardFailed": GuardFailed, "Fallback": Fallback,
                                      "Changed": changed}
        self.checks = checks
        self._shared: dict[tuple[str, int], str] = {}
        self.lines: list[str] = []
        self.instrs: list[tuple[Instr, tuple, dict]] = []
        for i, (x, y) in enumerate(zip(first.instrs, second.instrs)):
            where = f"call {i} ({y.site or y.name})"
            if (x.kind, x.name, x.outs) != (y.kind, y.name, y.outs) or x.target is not y.target:
                raise Unreplayable(f"{where}: the first call ran {x.kind} {x.name}, the "
                                   f"second {y.kind} {y.name}")
            if x.kind == "guard" and not _same_const(x.expected, y.expected):
                raise Unreplayable(f"{where}: a value read in Python changed between the "
                                   f"first two calls ({x.expected!r}, then {y.expected!r})")
            y.grads = _merge_grads(x.grads, y.grads, where)
            y.post = _merge_grads(x.post, y.post, where)
            args = tuple(merge(p, q, where) for p, q in zip(x.args, y.args))
            if len(x.args) != len(y.args) or x.kwargs.keys() != y.kwargs.keys():
                raise Unreplayable(f"{where}: called with different arguments")
            kwargs = {k: merge(x.kwargs[k], y.kwargs[k], where) for k in x.kwargs}
            self.instrs.append((y, args, kwargs))
        _merge_grads(first.end_grads, second.end_grads, "the end of the call")
        self.scratch: dict[int, tuple[str, Any]] = {}
        for k, (root_a, init_a) in first.scratch.items():
            root_b, init_b = second.scratch[k]
            if root_a is root_b:
                raise Unreplayable(
                    f"the function writes into an array of shape {root_b.shape} that it "
                    f"keeps outside the modules, tensors and optimizers tg.compile can see "
                    f"(a closure, a global, an argument): its other updates could not be "
                    f"followed")
            elif init_a.shape == init_b.shape and _equal(init_a, init_b):
                self.scratch[k] = ("fresh", init_b)
            else:
                raise Unreplayable("scratch memory allocated outside the trace started with "
                                   "different contents in the two calls")
        self.tensor_keys = tensor_keys
        self.end_grads = second.end_grads
        self.sources = second.sources
        self.result = result
        self.buffered = self._buffered()
        self.source = self._generate()
        namespace = dict(self.names)
        for slot in self.recycled:  # held by the namespace alone: see _buffered
            del self.names[f"b{slot}"]
        exec(compile(self.source, "<tg.compile program>", "exec"), namespace)  # noqa: S102
        self.run: Callable[..., Any] = namespace["_replay"]
        # a recycled buffer's own reference count (its namespace entry and getrefcount's
        # argument in CPython 3.11), measured rather than assumed
        namespace["_own"] = min((sys.getrefcount(namespace[f"b{slot}"])
                                 for slot in self.recycled), default=0)

    # ---- which results reuse one buffer ----
    def _escaping(self, grads: bool = True) -> set[int]:
        """The slots whose arrays outlive the replay (returned, handed to a replayed call,
        left as a .grad; `grads=False`: not counting the .grads), with the memory they
        view and the views of it."""
        slots: set[int] = set()

        def collect(enc: Any) -> None:
            if not isinstance(enc, tuple) or not enc:
                return
            kind = enc[0]
            if kind == "slot":
                slots.add(enc[1])
            elif kind == "view" and enc[1][0] == "slot":
                slots.add(enc[1][1])
            elif kind in ("tensor", "graph"):  # a returned tensor: its encoding
                collect(enc[1])
            elif kind == "seq":  # a returned tuple or list
                for e in enc[2]:
                    collect(e)
            elif kind == "const" and isinstance(enc[1], tuple | list | dict):
                for e in (enc[1].values() if isinstance(enc[1], dict) else enc[1]):
                    collect(e)
        for instr, args, kwargs in self.instrs:
            if instr.kind == "call":
                for e in (*args, *kwargs.values()):
                    collect(e)
                for g in instr.grads if grads else ():
                    collect(g)
        for g in self.end_grads if grads else ():
            collect(g)
        collect(self.result)
        owners = {id(v): s for s, v in enumerate(self.values)
                  if isinstance(v, np.ndarray) and v.base is None}
        escaping = set(slots)
        for s in slots:  # a view that escapes keeps the memory it views alive
            v = self.values[s]
            if isinstance(v, np.ndarray):
                owner = owners.get(id(_root(v)))
                if owner is not None:
                    escaping.add(owner)
        for s, v in enumerate(self.values):  # views of escaping memory made by the program
            if isinstance(v, np.ndarray) and owners.get(id(_root(v))) in escaping:
                escaping.add(s)
        return escaping

    def _buffered(self) -> set[int]:
        """The results of ufunc calls (and reductions) written into a buffer allocated
        once (`out=b<slot>`): those that stay inside the program, and (`self.recycled`)
        those that leave it only as a .grad. A .grad's buffer is written again only when
        nothing outside holds it any more (its reference count is the program's own: the
        zero_grad of the next step dropped the Tensor, and no view of it or copy of the
        Tensor is alive); otherwise that replay writes into a new one, as eager would."""
        escaping = self._escaping()
        kept = self._escaping(grads=False)
        grad_slots = {g[1] for instr, _, _ in self.instrs if instr.kind == "call"
                      for g in instr.grads if isinstance(g, tuple) and g[0] == "slot"}
        grad_slots |= {g[1] for g in self.end_grads if isinstance(g, tuple) and g[0] == "slot"}
        buffered = set()
        self.recycled: set[int] = set()
        for instr, _, kwargs in self.instrs:
            if instr.kind != "ufunc" or instr.name not in ("__call__", "reduce") or \
                    "out" in kwargs or len(instr.outs) != 1 or instr.outs[0] is None:
                continue
            slot = instr.outs[0]
            value = self.values[slot]
            if slot in kept or value.base is not None or value.ndim == 0:
                continue
            if slot in escaping:
                if slot not in grad_slots or any(
                        isinstance(v, np.ndarray) and v is not value and _root(v) is value
                        for v in self.values):  # a view of it escapes too
                    continue
                self.recycled.add(slot)
            buffer = np.empty_like(value)
            if buffer.strides == value.strides:
                self.names[f"b{slot}"] = buffer
                buffered.add(slot)
            else:
                self.recycled.discard(slot)
        return buffered

    # ---- source generation ----
    def _name(self, prefix: str, value: Any) -> str:
        """A name for `value` in the program's namespace (one name per tensor, module,
        function or live array, however often the program uses it)."""
        shared = prefix in ("t", "m", "r", "call", "u", "o", "pg", "grp", "pl", "st")
        key = (prefix, id(value))
        if shared and key in self._shared:
            return self._shared[key]
        name = f"{prefix}{len(self.names)}"
        self.names[name] = value
        if shared:
            self._shared[key] = name
        return name

    def _expr(self, enc: Any) -> str:
        kind = enc[0]
        if kind == "slot":
            return f"v{enc[1]}"
        if kind == "view":
            root_kind, n = enc[1]
            root = f"v{n}" if root_kind == "slot" else f"s{n}"
            return (f"np.ndarray({enc[2]}, {self._name('dt', enc[5])}, buffer={root}, "
                    f"offset={enc[4]}, strides={enc[3]})")
        if kind == "ref":
            return self._name("r", enc[1])
        if kind == "const":
            value = enc[1]
            if isinstance(value, np.ndarray):
                return self._name("c", value)
            if isinstance(value, tuple):
                inner = ", ".join(self._expr(e) for e in value)
                return f"({inner},)" if len(value) == 1 else f"({inner})"
            if isinstance(value, list):
                return "[" + ", ".join(self._expr(e) for e in value) + "]"
            if isinstance(value, dict):
                return "{" + ", ".join(f"{k!r}: {self._expr(e)}" for k, e in value.items()) + "}"
        if kind == "pyconst":
            value = enc[1]
            if value is None or isinstance(value, bool | int | str) or value is Ellipsis:
                return repr(value)
            if isinstance(value, float) and math.isfinite(value):
                return repr(value)
            return self._name("k", value)
        raise AssertionError(enc)

    def _call(self, instr: Instr, args: tuple, kwargs: dict) -> str:
        if instr.kind == "ufunc" and instr.name == "__call__":  # numbers as 0-d arrays
            op = scalars.comparison(instr.target, args, kwargs, self.values)
            if op is not None:
                return f"({self._expr(args[0])} {op} {self._expr(args[1])})"
            arrays = scalars.typed(instr.target, args, kwargs, self.values)
            args = tuple(("const", arrays[i]) if i in arrays else a for i, a in enumerate(args))
        parts = [self._expr(a) for a in args]
        parts += [f"{k}={self._expr(v)}" for k, v in kwargs.items()]
        if instr.kind == "ufunc":
            ufunc = instr.target.__name__
            if not ufunc.isidentifier() or getattr(np, ufunc, None) is not instr.target:
                ufunc = self._name("u", instr.target)  # np.frompyfunc's "erf (vectorized)"
            self.names.setdefault(ufunc, instr.target)
            target = ufunc if instr.name == "__call__" else f"{ufunc}.{instr.name}"
            if instr.outs and (n := instr.outs[0]) in self.buffered:  # a tuple: 0.1 us less
                parts.append(f"out=(b{n},)" if instr.name == "__call__" else f"out=b{n}")
        elif instr.kind == "function":
            target = self._name("f_" + instr.name + "_", instr.target)
        elif instr.kind == "method":
            head, *parts = parts
            target = f"{head}.{instr.name}"
        else:  # a replay_as_call function
            target = self._name("call", instr.target)
        return f"{target}({', '.join(parts)})"

    def _guard(self, i: int, instr: Instr, args: tuple, early: bool) -> list[str]:
        """The check of a guard: a Python conversion's value, a boolean mask's count or a
        result's shape as recorded. Checked early (see guards.py), a failure makes the
        call run eagerly; later, the step is half done and GuardFailed says so."""
        value = self._expr(args[0])
        got = {"__bool__": f"bool({value})", "__int__": f"int({value})",
               "__index__": f"int({value})", "__float__": f"float({value})",
               "__complex__": f"complex({value})", "count": f"int(np.count_nonzero({value}))",
               "shape": f"{value}.shape"}.get(instr.name, f"{value}.{instr.name}()")
        what = {"count": "a boolean mask selected", "shape": "a result had shape"}.get(
            instr.name, "read")
        message = (f"call {i} ({instr.site}) {what} {instr.expected!r} when it was "
                   f"recorded; this call got another value")
        comment = f"  # {instr.site}" if instr.site else ""
        lines = [f"    if {got} != {self._expr(('pyconst', instr.expected))}:{comment}"]
        if early:
            lines.append(f"        raise Fallback({message!r})")
        else:
            message = f"tg.compile: {message}. The state is that of an eager run stopped there"
            lines.append(f"        raise GuardFailed({message!r})")
        return lines

    def _set_grads(self, grads: tuple) -> list[str]:
        """Lines giving each tensor its recorded .grad, except where the last replayed call
        already left exactly that (`self.current`, what that call was seen to leave)."""
        lines = []
        for i, (key, g) in enumerate(zip(self.tensor_keys, grads)):
            if g == "keep" or g == self.current[i]:
                continue
            self.current[i] = g
            owner = self._tensor_expr(key)
            array = g is not None and g[0] == "slot" and isinstance(self.values[g[1]], np.ndarray)
            value = "None" if g is None else f"_F(v{g[1]}, None)" if array else \
                f"_T({self._expr(g)})"  # _F: Tensor._from_op, for an array as it is
            lines.append(f"    {owner}._grad = {value}")  # the slot: the recorded grad fits
        return lines

    def _tensor_expr(self, key: Any) -> str:
        if key[0] == "arg":
            return f"args[{key[1]}]"
        return self._name("t", key[1])

    def _result_expr(self, enc: Any) -> str:
        if enc[0] == "tensor":
            return f"_T({self._expr(enc[1])})"
        if enc[0] == "graph":
            return f"_G({self._expr(enc[1])})"
        if enc[0] == "seq":
            inner = ", ".join(self._result_expr(e) for e in enc[2])
            return f"{enc[1]}(({inner},))" if enc[2] else f"{enc[1]}()"
        return self._expr(enc)

    def _generate(self) -> str:
        lines = ["def _replay(args):"]
        for slot, key in self.sources.items():
            if key[0] == "arg":
                expr = f"args[{key[1]}]" + ("._data" if key[2] else "")
            elif key[0] == "tensor":
                expr = f"{self._name('t', key[1])}._data"
            else:  # a module buffer
                expr = f"{self._name('m', key[1])}._buffers[{key[2]!r}]"
            lines.append(f"    v{slot} = {expr}  # source")
        if self.checks:  # another shape or dtype, requires_grad switched: record again
            got, expected = [], []
            for slot, shape, dtype, requires_grad in self.checks:
                got += [f"v{slot}.shape", f"v{slot}.dtype"]
                expected += [shape, dtype]
                if requires_grad is not None:
                    got.append(f"{self._tensor_expr(self.sources[slot])}.requires_grad")
                    expected.append(requires_grad)
            lines.append(f"    if ({', '.join(got)}) != {self._name('shapes', tuple(expected))}:")
            lines.append("        raise Changed()")
        self.current = ["unknown"] * len(self.tensor_keys)
        for k, (how, value) in self.scratch.items():
            lines.append(f"    s{k} = {self._name('z', value)}" + (".copy()" if how == "fresh"
                                                                    else ""))
        if self.recycled:
            self.names["_rc"] = sys.getrefcount
            lines.insert(1, "    global " + ", ".join(f"b{s}" for s in sorted(self.recycled)))
        persistent = {slot for slot, key in self.sources.items() if key[0] != "arg"}
        first = hoistable(self.instrs, self.values, persistent)
        order = sorted(first) + [i for i in range(len(self.instrs)) if i not in first]
        # pristine: nothing but the hoisted guards' pure slices ran yet; verified: the
        # optimizers whose structure a folded zero_grad checked (fold.py)
        pristine, self.verified = True, set()
        keep = self._escaping()
        fixed = simplify.constants(self.instrs, self.values, order, keep)
        self.names.update((f"v{slot}", value) for slot, value in fixed.items())  # globals
        aliases = simplify.aliases(self.instrs, self.values, order, keep)
        for i in order:
            instr, args, kwargs = self.instrs[i]
            comment = f"  # {instr.site}" if instr.site else ""
            before, pristine = pristine, pristine and i in first
            if len(instr.outs) == 1 and instr.outs[0] in fixed:
                continue
            if i in aliases:
                source, why = aliases[i]
                lines.append(f"    v{instr.outs[0]} = v{source}  # {instr.site}: {why}")
                continue
            if instr.kind == "guard":
                lines += self._guard(i, instr, args, early=i in first)
                continue
            folded = None
            if instr.kind == "call":
                lines += self._set_grads(instr.grads)
                self.current = [None if g is None else g if g != "keep" else "unknown"
                                for g in instr.post]
                call = f"{self._call(instr, args, kwargs)}{comment}"
                opt = fold.foldable(instr, args, kwargs)
                folded = fold.sgd_lines(self, opt, instr.grads, call) if opt is not None else \
                    fold.zero_grad_lines(self, instr, args, kwargs, call, before)
                if folded is None:
                    self.verified.clear()  # the call may change any optimizer
            if folded is not None:
                lines += folded
                continue
            if instr.outs and instr.outs[0] in self.recycled:
                b = f"b{instr.outs[0]}"
                lines.append(f"    if _rc({b}) != _own:  # a .grad still held outside")
                lines.append(f"        {b} = np.empty_like({b})")
            call = self._call(instr, args, kwargs)
            outs = [f"v{o}" if o is not None else "_" for o in instr.outs]
            if len(outs) > 1:
                call = f"({', '.join(outs)},) = {call}"
            elif outs and outs[0] != "_":
                call = f"{outs[0]} = {call}"
            lines.append(f"    {call}{comment}")
        lines += self._set_grads(self.end_grads)
        lines.append(f"    return {self._result_expr(self.result)}")
        return "\n".join(lines) + "\n"


def _tensor(array: Any) -> Tensor:
    return Tensor._from_op(array if isinstance(array, np.ndarray) else np.asarray(array), None)


class Replayed:
    """The grad_fn of a replayed result whose eager twin had a graph: the tensor requires
    grad as that one did, but backward through it is refused (a replay has no graph).
    Not an op (no forward): the engine only calls backward, with no parents to reach."""

    parents: tuple = ()
    saved: tuple = ()
    fresh_grads = arrays_rule = False  # no plain rule on arrays: the engine calls backward
    uses_output = False
    _out = None
    _epoch = float("inf")  # saves nothing: never behind the version clock
    _node_hooks = None
    name = "Replayed"

    def backward(self, grad: Tensor) -> None:
        raise CompileError("tg.compile: this tensor was returned by a replayed call, which "
                           "has no graph to backward through: call backward inside the "
                           "compiled function")

    def __repr__(self) -> str:
        return "<Replayed>"


def _graph_tensor(array: Any) -> Tensor:
    return Tensor._from_op(array if isinstance(array, np.ndarray) else np.asarray(array),
                           Replayed())  # type: ignore[arg-type]
