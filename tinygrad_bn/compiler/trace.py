"""Tracing: run a function eagerly and write down every NumPy call it makes on the arrays
that matter.

The arrays that enter a step (the inputs, the parameters, the buffers of the modules the
function reaches) are handed to it as `Traced` arrays: an ndarray subclass that shares
their memory and whose `__array_ufunc__` / `__array_function__` (and the few ndarray
methods that bypass both: reshape, transpose, indexing, astype, ...) run the plain NumPy
call and append it to the recording. Every result is again a `Traced` array, so the whole
computation that depends on the inputs is followed, through the engine, the ops and the
optimizer alike, without any of them knowing.

Each recorded operand is encoded (`Recorder.encode`) as one of:

- `("slot", i)`: the i-th array the recording produced (or an input, parameter, buffer);
- `("view", root, shape, strides, offset)`: an untraced array that shares memory with a
  known root (a slot, or scratch memory the trace wrote into): `np.asarray(traced)` and
  views of scratch arrays stay followed;
- `("array", a)`: an array from outside the trace (a constant, or persistent state): two
  recordings decide which (tinygrad_bn/compiler/program.py);
- `("const", v)`: a Python value (number, tuple, slice, dtype, None ...), recursively;
- `("object", o)`: anything else (a bound method, a random generator), by identity.

NumPy's conversion functions (`np.asarray`, `np.array`, `np.ascontiguousarray`,
`np.asfortranarray`) do not dispatch to `__array_function__`: on a Traced array they
return a plain ndarray, and whatever the library computed from that plain array would
be invisible to the trace and frozen into the program as a constant (a ReLU-like mask
in a backward, a label check). While a recording is active anywhere in the process
(`converting()`), these four names in the numpy module are replaced by wrappers that
record the conversion when a Traced array is among the arguments (its result is traced
again) and otherwise call the original; the originals are restored when the last
recording ends.

Converting a traced value to Python (`bool`, `int`, `.item()` ...) is a *guard*: the
value is written down and checked on replay. A floating value converted to Python (a
loss's `.item()`) cannot be replayed at all: `CompileError` at recording.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

try:
    from numpy.lib.array_utils import byte_bounds
except ImportError:  # NumPy < 2
    byte_bounds = np.byte_bounds

from ..errors import TinygradError


class CompileError(TinygradError, RuntimeError):
    """A function cannot be recorded or replayed as it is (the message says why)."""


_local = threading.local()
# functions whose result's shape depends on the values, not only the shapes, of the input
_DATA_SHAPED = (np.nonzero, np.flatnonzero, np.argwhere, np.unique, np.compress, np.extract)
_MASKING = (np.compress, np.extract)
# functions that write into their first argument
WRITES_FIRST = (np.copyto, np.put_along_axis, np.put, np.place, np.putmask, np.fill_diagonal)
_CONVERSIONS = ("asarray", "array", "ascontiguousarray", "asfortranarray")
_ORIGINALS = {name: getattr(np, name) for name in _CONVERSIONS}
_patch_lock = threading.Lock()
_patch_depth = 0


def _holds_traced(value: Any) -> bool:
    if isinstance(value, Traced):
        return True
    if type(value) in (list, tuple):
        return any(_holds_traced(v) for v in value)
    return False


def _conversion(name: str) -> Callable[..., Any]:
    original = _ORIGINALS[name]

    def convert(*args: Any, **kwargs: Any) -> Any:
        recorder = current()
        if recorder is None or not (args and _holds_traced(args[0])):
            return original(*args, **kwargs)
        return recorder.function(original, args, kwargs)

    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = original.__doc__
    return convert


_WRAPPERS = {name: _conversion(name) for name in _CONVERSIONS}


class converting:  # noqa: N801 (used as a context manager, like a function)
    """While any recording runs, np.asarray & co. record conversions of Traced arrays
    (see the module docstring); nested and concurrent recordings share one patch."""

    def __enter__(self) -> None:
        global _patch_depth
        with _patch_lock:
            if _patch_depth == 0:
                for name, wrapper in _WRAPPERS.items():
                    setattr(np, name, wrapper)
            _patch_depth += 1

    def __exit__(self, *exc: Any) -> None:
        global _patch_depth
        with _patch_lock:
            _patch_depth -= 1
            if _patch_depth == 0:
                for name, original in _ORIGINALS.items():
                    setattr(np, name, original)


def current() -> Recorder | None:
    """The recorder tracing in this thread (None also while it runs a replayed call)."""
    recorder = getattr(_local, "recorder", None)
    return None if recorder is None or recorder.paused else recorder


def plain(a: Any) -> Any:
    """The ndarray behind a Traced array (the same memory); anything else unchanged."""
    return np.ndarray.view(a, np.ndarray) if isinstance(a, Traced) else a


def _unwrap(value: Any) -> Any:
    if isinstance(value, Traced):
        return np.ndarray.view(value, np.ndarray)
    if type(value) in (tuple, list):
        return type(value)(_unwrap(v) for v in value)
    if type(value) is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _root(a: np.ndarray) -> np.ndarray:
    """The array owning a's memory (through as_strided's wrapper object too)."""
    while True:
        base = a.base
        if not isinstance(base, np.ndarray):
            base = getattr(base, "base", None)  # np.lib.stride_tricks' DummyArray
            if not isinstance(base, np.ndarray):
                return a
        a = base


def _offset(a: np.ndarray, root: np.ndarray) -> int:
    return a.__array_interface__["data"][0] - root.__array_interface__["data"][0]


@dataclass
class Instr:
    """One recorded call. `kind`: "ufunc" (target: the ufunc, method in `name`),
    "function" (an array function), "method" (an ndarray method, `name`), "call" (a
    function marked replay_as_call), "guard" (a Python conversion, `name`, its value in
    `expected`). `outs`: the slots of the results (None: not an array)."""

    kind: str
    target: Any
    name: str
    args: tuple
    kwargs: dict[str, Any]
    outs: tuple[int | None, ...] = ()
    site: str = ""
    expected: Any = None
    grads: tuple = ()  # for "call": the .grad state the call must see
    post: tuple = ()  # for "call": the .grad state it leaves


@dataclass
class Recording:
    """What one eager run did: the calls, the slots' values, the sources."""

    instrs: list[Instr] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)  # slot -> plain array (or scalar)
    sources: dict[int, Any] = field(default_factory=dict)  # slot -> source key
    scratch: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    end_grads: tuple = ()
    result: Any = None


class Recorder:
    """Records one eager run of a function; `tensors` are the Tensors whose .grad state the
    program must reproduce (parameters the function reaches, Tensor arguments)."""

    def __init__(self) -> None:
        self.rec = Recording()
        self.paused = False
        self.ids: dict[int, int] = {}  # id(Traced object) -> slot
        self.keep: list[Any] = []  # the Traced objects (keeps their ids unique)
        self.roots: dict[int, tuple[str, int]] = {}  # id(root memory) -> ("slot"|"scratch", n)
        self.root_objects: list[np.ndarray] = []
        self.tensors: list[Any] = []
        self.tensor_keys: list[Any] = []
        self.failure: str | None = None  # why the recording cannot become a program
        self.start_grads: dict[int, Any] = {}
        self.viewed_sources: list[tuple[int, np.ndarray]] = []  # sources that are views

    # ---- slots ----
    def new_slot(self, value: Any, source: Any = None) -> Any:
        """Register a result (or a source, with its key); returns the Traced view."""
        slot = len(self.rec.values)
        if isinstance(value, np.generic):  # a full reduction: keep it an array while traced
            value = np.asarray(value)
        if not isinstance(value, np.ndarray):
            self.rec.values.append(value)
            return value
        value = plain(value)
        self.rec.values.append(value)
        if source is not None:
            self.rec.sources[slot] = source
        if value.base is None and id(value) not in self.roots:
            self.roots[id(value)] = ("slot", slot)
            self.root_objects.append(value)
        elif source is not None and value.base is not None:  # e.g. Tensor(X[i:i + B])
            self.viewed_sources.append((slot, value))
        traced = value.view(Traced)
        self.ids[id(traced)] = slot
        self.keep.append(traced)
        return traced

    def encode(self, value: Any, writing: bool = False) -> Any:
        lost = isinstance(value, Traced)
        if lost:
            slot = self.ids.get(id(value))
            if slot is not None:
                return ("slot", slot)
            value = plain(value)  # made by a NumPy call that did not dispatch to the tracer
        if isinstance(value, np.ndarray):
            root = _root(value)
            known = self.roots.get(id(root))
            if known is None and writing:  # scratch memory allocated outside the trace
                known = ("scratch", len(self.rec.scratch))
                self.rec.scratch[known[1]] = (root, root.copy())
                self.roots[id(root)] = known
                self.root_objects.append(root)
            if known is not None:
                if known[0] == "slot" and (value is root or (
                        value.shape == root.shape and value.strides == root.strides and
                        value.dtype == root.dtype and _offset(value, root) == 0)):
                    return ("slot", known[1])  # e.g. np.asarray(traced): the same array
                return ("view", known, value.shape, value.strides, _offset(value, root),
                        value.dtype)
            within = self._within_source(value)
            if within is not None:
                return within
            if lost:  # e.g. np.asanyarray(traced, dtype=object) inside np.vectorize
                self.failure = self.failure or (
                    f"an array of shape {value.shape} was derived from the traced ones by a "
                    f"NumPy call the recorder cannot follow (at {self._site() or 'top level'})")
            return ("array", value)
        if isinstance(value, tuple | list):  # plain: a subclass (tg.Size) may check its items
            return ("const", (list if isinstance(value, list) else tuple)(
                self.encode(v, writing) for v in value))
        if isinstance(value, dict):
            return ("const", {k: self.encode(v, writing) for k, v in value.items()})
        if value is None or isinstance(value, int | float | complex | str | bytes | slice
                                       | np.generic | np.dtype | type) or value is Ellipsis:
            return ("const", value)
        return ("object", value)

    def _within_source(self, value: np.ndarray) -> Any:
        """A view into an argument, parameter or buffer that is itself a view of a larger
        array (a batch sliced from a dataset): encoded relative to that source, whose
        memory changes from call to call. Without this it would be read by reference
        (the same slice on every replay)."""
        low, high = byte_bounds(value)
        for slot, source in self.viewed_sources:
            s_low, s_high = byte_bounds(source)
            if s_low <= low and high <= s_high and value.size:
                if not source.flags.c_contiguous:
                    self.failure = (f"a view into a non-contiguous argument, parameter or "
                                    f"buffer of shape {source.shape}: pass a contiguous "
                                    f"array (np.ascontiguousarray)")
                    return None
                start = value.__array_interface__["data"][0]
                return ("view", ("slot", slot), value.shape, value.strides,
                        start - source.__array_interface__["data"][0], value.dtype)
        return None

    def _site(self) -> str:
        """The op (Function.forward/backward) or function the call came from."""
        frame = sys._getframe(3)
        fallback = ""
        while frame is not None:
            code = frame.f_code
            if "compiler" not in code.co_filename:
                owner = frame.f_locals.get("self")
                if owner is not None and code.co_name in ("forward", "backward",
                                                          "backward_arrays"):
                    # an op's plain rule on arrays is its backward, as the engine runs it
                    return f"{type(owner).__name__}.{code.co_name.removesuffix('_arrays')}"
                if not fallback and "numpy" not in code.co_filename:
                    fallback = code.co_name
            frame = frame.f_back
        return fallback

    def _record(self, kind: str, target: Any, name: str, args: tuple, kwargs: dict,
                result: Any, out_given: Any = None) -> Any:
        # out first: scratch memory it writes into is registered before an input reads it
        enc_kwargs = {k: self.encode(v, writing=(k == "out")) for k, v in kwargs.items()}
        enc_args = tuple(self.encode(a) for a in args)
        instr = Instr(kind, target, name, enc_args, enc_kwargs, site=self._site())
        self.rec.instrs.append(instr)
        if out_given is not None:  # results are the given out arrays: no new slots
            return out_given
        results = result if isinstance(result, tuple) else (result,)
        wrapped, outs = [], []
        for r in results:
            if isinstance(r, np.ndarray | np.generic):
                wrapped.append(self.new_slot(r))
                outs.append(len(self.rec.values) - 1)
            else:
                wrapped.append(r)
                outs.append(None)
        instr.outs = tuple(outs)
        return tuple(wrapped) if isinstance(result, tuple) else wrapped[0]

    # ---- what the Traced hooks call ----
    def _written(self, *targets: Any) -> None:
        """Register memory a call is about to write into BEFORE it runs: scratch memory
        (allocated outside the trace) is replayed from its content before the write."""
        for target in targets:
            for t in (target if isinstance(target, tuple) else (target,)):
                if isinstance(t, np.ndarray):
                    self.encode(t, writing=True)

    def ufunc(self, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
        out = kwargs.get("out")
        self._written(inputs[0] if method == "at" else None, out)
        result = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
        if method == "at":  # in place on its first operand
            self._record("ufunc", ufunc, method, inputs, kwargs, None, out_given=True)
            return None
        if out is not None:
            self._record("ufunc", ufunc, method, inputs, kwargs, result, out_given=True)
            return out[0] if isinstance(out, tuple) and len(out) == 1 else out
        return self._record("ufunc", ufunc, method, inputs, kwargs, result)

    def function(self, func: Callable, args: tuple, kwargs: dict) -> Any:
        self._written(kwargs.get("out"), args[0] if func in WRITES_FIRST else None)
        if func in _MASKING and len(args) > 1:  # compress(condition, a), extract(condition, a)
            self._count_masks(args[0])
        result = func(*_unwrap(args), **_unwrap(kwargs))
        if kwargs.get("out") is not None:
            self._record("function", func, func.__name__, args, kwargs, result, out_given=True)
            return kwargs["out"]
        traced = self._record("function", func, func.__name__, args, kwargs, result)
        if func in _DATA_SHAPED or (func is np.where and len(args) == 1):
            self._shape_guard(traced)
        return traced

    def method(self, obj: Traced, name: str, args: tuple, kwargs: dict) -> Any:
        if name in ("__setitem__", "fill"):
            self._written(obj)
        if name in ("__getitem__", "__setitem__") and args:
            self._count_masks(args[0])
        result = getattr(np.ndarray, name)(plain(obj), *_unwrap(args), **_unwrap(kwargs))
        if name in ("__setitem__", "fill"):
            self._record("method", None, name, (obj, *args), kwargs, None, out_given=True)
            return None
        traced = self._record("method", None, name, (obj, *args), kwargs, result)
        if name == "nonzero":
            self._shape_guard(traced)
        return traced

    def _count_masks(self, index: Any) -> None:
        """A boolean mask selects as many elements as it has True values: the count is
        part of what the program assumes (the shapes after it), so it is a guard."""
        for part in index if isinstance(index, tuple) else (index,):
            if isinstance(part, np.ndarray) and part.dtype == bool and part.ndim > 0:
                self.rec.instrs.append(Instr("guard", None, "count", (self.encode(part),), {},
                                             site=self._site(),
                                             expected=int(np.count_nonzero(plain(part)))))

    def _shape_guard(self, result: Any) -> None:
        """The shape of a result that depends on the data (nonzero, unique ...) is a guard."""
        for r in result if isinstance(result, tuple) else (result,):
            if isinstance(r, np.ndarray):
                self.rec.instrs.append(Instr("guard", None, "shape", (self.encode(r),), {},
                                             site=self._site(), expected=r.shape))

    def guard(self, obj: Traced, name: str) -> Any:
        value = getattr(plain(obj), name)() if name in ("item", "tolist") else \
            {"__bool__": bool, "__int__": int, "__index__": int, "__float__": float,
             "__complex__": complex}[name](plain(obj))
        if plain(obj).dtype.kind in "fc" and name != "__bool__":
            raise CompileError(
                f"tg.compile: {name.strip('_')}() of a floating array (shape {obj.shape}) "
                f"inside the compiled function: the value changes from call to call and "
                f"cannot be replayed; return the Tensor and convert it outside "
                f"(at {self._site() or 'top level'})")
        self.rec.instrs.append(Instr("guard", None, name, (self.encode(obj),), {},
                                     site=self._site(), expected=value))
        return value

    # ---- replay_as_call (tinygrad_bn/recording.py) ----
    def call(self, fn: Callable, args: tuple, kwargs: dict) -> Any:
        instr = Instr("call", fn, getattr(fn, "__qualname__", repr(fn)),
                      tuple(self.encode(a) for a in args),
                      {k: self.encode(v) for k, v in kwargs.items()},
                      site=getattr(fn, "__qualname__", ""), grads=self.grad_state())
        self.rec.instrs.append(instr)
        self.paused = True
        try:
            result = fn(*_unwrap(args), **_unwrap(kwargs))
        finally:
            self.paused = False
        instr.post = self.grad_state()  # what the call left: the replay skips setting it again
        if isinstance(result, np.ndarray):  # e.g. a random draw: a new source of the program
            result = self.new_slot(result)
            instr.outs = (len(self.rec.values) - 1,)
        return result

    def grad_state(self) -> tuple:
        """For each watched tensor: its .grad as a slot, None (set to None during the call),
        or "keep" (as at the start of the call)."""
        state = []
        for t in self.tensors:
            g = t._grad  # (the slot: a watched non-leaf's read does not warn)
            if g is None:  # "keep" when it was None at the start too: the call left it alone
                state.append("keep" if self.start_grads.get(id(t), 0) is None else None)
                continue
            enc = self.encode(g._data)
            if enc[0] != "slot" and g._data is not self.start_grads.get(id(t)):
                # a new gradient array the trace did not make: computed by NumPy calls
                # that did not dispatch to it (np.add.at with traced indices only)
                self.failure = (f"a gradient of shape {g._data.shape} was computed by NumPy "
                                f"calls the recorder could not follow")
            state.append(enc if enc[0] == "slot" else "keep")
        return tuple(state)

    def start(self) -> None:
        """Note each watched tensor's .grad array as the call starts ("keep" means it)."""
        self.start_grads = {id(t): None if t._grad is None else t._grad._data
                            for t in self.tensors}


class Traced(np.ndarray):
    """An ndarray whose NumPy calls the active recorder writes down (see the module doc)."""

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        recorder = current()
        if recorder is None:
            result = getattr(ufunc, method)(*_unwrap(inputs), **_unwrap(kwargs))
            out = kwargs.get("out")
            if out is not None:
                return out[0] if isinstance(out, tuple) and len(out) == 1 else out
            return result
        return recorder.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Callable, types: Any, args: tuple, kwargs: dict) -> Any:
        recorder = current()
        if recorder is None:
            result = func(*_unwrap(args), **_unwrap(kwargs))
            return kwargs["out"] if kwargs.get("out") is not None else result
        return recorder.function(func, args, kwargs)

    @property
    def T(self) -> Any:  # noqa: N802 (ndarray's name)
        return self.transpose()


def _method(name: str) -> Callable:
    def run(self: Traced, *args: Any, **kwargs: Any) -> Any:
        recorder = current()
        if recorder is None:
            return getattr(np.ndarray, name)(plain(self), *_unwrap(args), **_unwrap(kwargs))
        return recorder.method(self, name, args, kwargs)

    run.__name__ = name
    return run


def _guard(name: str) -> Callable:
    def run(self: Traced, *args: Any) -> Any:
        recorder = current()
        if recorder is None:
            base = plain(self)
            return getattr(base, name)(*args)
        return recorder.guard(self, name)

    run.__name__ = name
    return run


for _name in ("reshape", "transpose", "swapaxes", "ravel", "flatten", "squeeze", "astype",
              "copy", "__getitem__", "__setitem__", "fill", "argmax", "argmin", "repeat",
              "take", "dot", "nonzero", "cumsum", "sort", "argsort", "diagonal", "view",
              "__deepcopy__", "__copy__"):
    setattr(Traced, _name, _method(_name))
for _name in ("__bool__", "__int__", "__index__", "__float__", "__complex__", "item",
              "tolist"):
    setattr(Traced, _name, _guard(_name))
