"""`Function`: one op of the graph, and `apply`, which runs it and records it.

An op is a small class: `forward` on ndarrays, `backward` on Tensors (so gradients are
graphs themselves and can be differentiated again) and `jvp` for forward mode, side by
side. `apply` is the template every op call goes through: unwrap the inputs, run
`forward`, wrap the result, and only when a gradient is wanted remember the inputs
(`parents`) and what the forward saved. The ops themselves: tinygrad_bn/ops/.

This module sits below tensor.py: the class Tensor is handed down to it once, when
tensor.py defines it (`set_tensor_class`), and read at call time by `new_tensor` and
`as_tensor`, so the core makes Tensors without importing the module that defines them.
"""

from __future__ import annotations

import itertools
import math
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import anomaly
from .. import modes as _modes
from ..errors import (
    AllocationError,
    ArgumentError,
    ArgumentTypeError,
    BackwardError,
    DTypeError,
    IndexOutOfRange,
    ShapeError,
    TinygradError,
)
from . import inference
from .saved_variable import SavedTensor
from .versions import CLOCK

if TYPE_CHECKING:
    from ..tensor import Tensor

_tensor_class: Any = None  # tinygrad_bn.tensor.Tensor, once tensor.py has defined it
_ANOMALY = _modes.ANOMALY  # a global, not an attribute of one: read on every op
_INFERENCE_MADE = inference.MADE  # (as CLOCK: a list held as this module's global)


def set_tensor_class(cls: type) -> None:
    """Called once by tensor.py: the class that `apply` and `new_tensor` instantiate."""
    global _tensor_class
    _tensor_class = cls


def new_tensor(data: Any, ctx: Function | None = None) -> Tensor:
    """A Tensor around `data` (an ndarray, used as it is) made by op `ctx` (None: a leaf that
    does not require grad). The hot path: no conversion, no check."""
    return _tensor_class._from_op(data, ctx)


def as_tensor(value: Any) -> Tensor:
    """`value` itself if it is a Tensor, else a new Tensor of it (see Tensor's dtype rules)."""
    return value if isinstance(value, _tensor_class) else _tensor_class(value)


def is_tensor(value: Any) -> bool:
    return isinstance(value, _tensor_class)


class Function:
    """One op of the graph: `forward` on ndarrays, `backward` on Tensors.

    An op whose backward reads its output declares `uses_output`; the output is then held
    by weak reference, so that the graph has no reference cycle.
    """

    __slots__ = ("parents", "saved", "_out", "_epoch", "__dict__")
    uses_output = False  # backward reads the output (exp, tanh, ...): counted as saved
    saves_inputs: tuple[int, ...] = ()  # parents whose values backward may read: counted as saved
    # backward (without create_graph) returns new arrays, distinct per input, that nothing
    # else references: the engine may then accumulate into them and hand them to leaves
    fresh_grads = False
    # An op may also define `backward_arrays(g)`: its plain rule (no create_graph) on
    # ndarrays, g's array in, a tuple of one array (or None) per input out. Its `backward`
    # then runs that same method under no-grad (`wrap_grads(self.backward_arrays(g._data))`)
    # and its Tensor rule only under create_graph; the engine's plain pass calls it
    # directly, without a Tensor per gradient (autograd/engine.py). `arrays_rule` says the
    # engine may: a subclass that overrides `backward` (and not `backward_arrays`) is
    # called through its own backward (`__init_subclass__`).
    backward_arrays: Callable[..., tuple[np.ndarray | None, ...]] | None = None
    arrays_rule = False
    # backward_arrays, given g of the output's shape and dtype, returns each parent's
    # gradient in that parent's shape and dtype (or None): the engine's plain pass then
    # skips its per-parent unbroadcast and cast (an op whose inputs' dtypes may differ
    # sets it False on the instance in forward where they do). tests/test_exact_grads.py
    # holds every op that declares it to the engine's fitting.
    exact_grads = False
    # The backward reads no value of the forward (no input's or output's array, nothing
    # saved; shapes, dtypes and constants of the op only): a backward without retain_graph
    # then keeps the node's inputs, and a second backward runs through it, as PyTorch's
    # nodes that saved no tensor (AddBackward, SumBackward, ViewBackward, ...) run again.
    # An op sets it per instance where it depends on the call (GetItem: a basic index).
    reads_no_values = False
    # set by `release` on a node it kept: a backward without retain_graph ran through it
    _backward_ran = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        owner = {name: next(c for c in cls.__mro__ if name in c.__dict__)
                 for name in ("backward", "backward_arrays")}
        cls.arrays_rule = cls.backward_arrays is not None and \
            issubclass(owner["backward_arrays"], owner["backward"])

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:
        raise NotImplementedError

    def jvp(self, *tangents: Tensor | None) -> Tensor | None:
        """Forward mode: the output's tangent from one tangent per input (None: zero), written
        with Tensor ops after `forward` ran (self.parents, self.saved and, for ops that set
        uses_output, self.output are available); None means a zero tangent. Every op
        defines it (tinygrad_bn/forward_ad.py runs it; tests/test_forward_ad.py checks that
        none is missing)."""
        raise NotImplementedError(f"{self.name} has no forward-mode (jvp) rule")

    def save_for_backward(self, *items: Any) -> None:
        self.saved = items

    def needed_inputs(self) -> tuple[int, ...]:
        """The parents whose values this backward reads, given which inputs require grad
        (the version check refuses to run if one was written in place since the
        forward). By default every input in `saves_inputs`; an op that reads an input only
        for another input's gradient (Mul: x only for dy) narrows it, as PyTorch does."""
        return self.saves_inputs

    def reads_output(self) -> bool:
        """Whether this backward reads the output (checked as `needed_inputs`)."""
        return self.uses_output

    @property
    def output(self) -> Tensor:
        if not self.uses_output:
            raise BackwardError(f"{self.name}: set the class attribute uses_output = True to "
                                f"read self.output in backward")
        out = self._out() if self._out is not None else None
        if out is None:
            raise BackwardError(f"{self.name}: its output was freed before backward")
        return out

    @property
    def name(self) -> OpName:
        return OpName(type(self).__name__)

    # ---- the node as PyTorch shows it (`y.grad_fn`): walking and hooking the graph ----
    _node_hooks: NodeHooks | None = None  # set on a node by register_hook / register_prehook

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """(node, 0) per input: the op that made it, an AccumulateGrad for a leaf that
        requires grad, None for an input without gradient (PyTorch's next_functions)."""
        if self.parents is None:
            return ()
        return tuple((p._ctx if p._ctx is not None else AccumulateGrad(p) if p.requires_grad
                      else None, 0) for p in self.parents)

    _SAVED_INPUTS = {"_saved_self": 0, "_saved_other": 1}

    def __getattr__(self, name: str) -> Any:
        """PyTorch's `grad_fn._saved_self` / `_saved_other` (the first / second input) and
        `_saved_result` (the output), where this node's backward reads them, and their
        `_raw_saved_*` forms (autograd/saved_variable.py: hooks on one saved tensor). Called
        only for a name the node lacks, so ops pay nothing."""
        raw = name.startswith("_raw_saved_")
        key = "_saved_" + name[len("_raw_saved_"):] if raw else name
        slot = Function._SAVED_INPUTS.get(key)
        if (slot is not None and slot in self.saves_inputs) or \
                (key == "_saved_result" and self.uses_output):
            if self.released:  # PyTorch frees what a node saved after its backward
                raise BackwardError(f"{self.name}.{name}: the saved tensors were freed by a "
                                    f"backward without retain_graph=True")
            if raw:
                return SavedTensor(self, slot, f"{self.name}.{name}")
            return self.output if slot is None else self.parents[slot]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    @property
    def metadata(self) -> dict[str, Any]:
        """A dict for the user's notes about this node."""
        return self.__dict__.setdefault("_metadata", {})

    def register_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(grad_inputs, grad_outputs)` after this node's backward: the gradients it sends
        to its inputs and the one it received (tuples); a returned tuple replaces the
        former."""
        return self._hooks_of_node().add("post", hook)

    def register_prehook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(grad_outputs)` before this node's backward; a returned tuple replaces the
        gradient it receives."""
        return self._hooks_of_node().add("pre", hook)

    def _hooks_of_node(self) -> NodeHooks:
        hooks = self.__dict__.get("_node_hooks")
        if hooks is None:
            hooks = self._node_hooks = NodeHooks()
        return hooks

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        ctx = cls()
        ctx.parents = inputs
        ctx.saved = ()
        ctx._out = None
        if params:
            ctx.__dict__.update(params)
        mode = _modes.state.op_mode  # this thread's: record, do not, or check for anomalies
        n = len(inputs)
        try:  # ops of one to three inputs (nearly all) skip building an argument list
            if mode == _ANOMALY:  # detect_anomaly and/or a profiler
                out_data = _instrumented_forward(ctx, inputs)
                mode = _modes.state.grad_enabled and not _modes.is_inference_mode_enabled()
            elif n == 2:
                out_data = ctx.forward(inputs[0]._data, inputs[1]._data)
            elif n == 1:
                out_data = ctx.forward(inputs[0]._data)
            elif n == 3:  # Linear with bias, batch norm with weight and bias
                out_data = ctx.forward(inputs[0]._data, inputs[1]._data, inputs[2]._data)
            else:
                out_data = ctx.forward(*[t._data for t in inputs])
        except (ValueError, IndexError, TypeError, MemoryError) as error:
            raise op_error(ctx, inputs, error) from error
        if mode:
            for t in inputs:  # a loop, not any(<generator>): this runs once per op
                if t.requires_grad:
                    ctx._epoch = CLOCK[0]  # in-place writes after this are checked
                    if _INFERENCE_MADE[0]:  # an inference tensor exists: may it be saved?
                        inference.refuse_saved(ctx)
                    out = _tensor_class._from_op(out_data, ctx)
                    if ctx.uses_output:  # only then: a weak reference costs ~0.25 us
                        ctx._out = weakref.ref(out)
                    if op_observers.count:
                        op_observers.run(ctx, out)
                    return out
        out = _tensor_class._from_op(out_data, None)
        if op_observers.count:
            op_observers.run(ctx, out)
        return out

    def release(self) -> None:
        """After a backward without retain_graph: drop the inputs and saved arrays, so the
        graph below can be freed and a second backward through this node raises (PyTorch
        frees the tensors a node saved and refuses to run it again). A node that read no
        value (`reads_no_values`) keeps its inputs, as PyTorch keeps a node's edges: a
        second backward runs through it and accumulates again. What that keeps alive: the
        input Tensors (their arrays), until the node's output is dropped."""
        if self.reads_no_values and not self.saved:
            self._backward_ran = True
            return
        self.parents = None
        self.saved = ()

    @property
    def released(self) -> bool:
        """Whether a backward without retain_graph ran through this node."""
        return self.parents is None or self._backward_ran

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _instrumented_forward(ctx: Function, inputs: Sequence[Tensor]) -> Any:
    """An op's forward on the instrumented path: checked by detect_anomaly, timed by this
    thread's profiler, or both (the profiler times the checked forward)."""
    s = _modes.state
    run = anomaly.forward_checked if s.anomaly else _plain_forward
    return run(ctx, inputs) if s.profiler is None else s.profiler.forward(ctx, inputs, run)


def _plain_forward(ctx: Function, inputs: Sequence[Tensor]) -> Any:
    return ctx.forward(*[t._data for t in inputs])


class OpName(str):
    """An op's name: a string, also callable as PyTorch's `grad_fn.name()`."""

    __slots__ = ()

    def __call__(self) -> str:
        return str(self)


class AccumulateGrad:
    """The node PyTorch shows for a leaf that requires grad: its gradient is accumulated
    into `variable.grad`."""

    name = OpName("AccumulateGrad")
    next_functions: tuple = ()

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable

    def __repr__(self) -> str:
        return "<AccumulateGrad>"


# The hook clock: moved by every hook registered or removed (tensor, node and module hooks).
# A program of tg.compile runs the hooks that were there when it was recorded; it records
# again when this reading differs from the one it was recorded at.
_hook_ticks = itertools.count(1)  # next() on a count is atomic: concurrent moves never collide
HOOK_CLOCK = [0]


def hooks_moved() -> None:
    """Move the hook clock (a hook was registered or removed)."""
    HOOK_CLOCK[0] = next(_hook_ticks)


class RemovableHandle:
    """What registering a hook returns: `handle.remove()` unregisters it. `lasting`: the
    hook is on a leaf tensor, which outlives a step (a hook on a step's own intermediate
    tensors or nodes is part of that step and does not move the hook clock)."""

    def __init__(self, hooks: list[Any], hook: Any, lasting: bool = False) -> None:
        self._hooks, self._hook, self._lasting = hooks, hook, lasting
        if lasting:
            hooks_moved()

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
            if self._lasting:
                hooks_moved()


class NodeHooks:
    """A node's hooks, run by the engine around its backward (autograd/engine.py)."""

    def __init__(self) -> None:
        self.pre: list[Callable[..., Any]] = []
        self.post: list[Callable[..., Any]] = []

    def add(self, kind: str, hook: Callable[..., Any]) -> RemovableHandle:
        if not callable(hook):
            raise ArgumentTypeError(f"register_{kind}hook: the hook must be callable, got "
                                    f"{type(hook).__name__}")
        hooks = self.pre if kind == "pre" else self.post
        hooks.append(hook)
        return RemovableHandle(hooks, hook)


def op_error(ctx: Function, inputs: Sequence[Tensor], error: Exception) -> Exception:
    """NumPy's error from inside a forward, restated with the op's name and shapes."""
    shapes = ", ".join(str(t.shape) for t in inputs)
    if isinstance(error, MemoryError):  # NumPy's says which array it could not allocate
        shape, dtype = getattr(error, "shape", None), getattr(error, "dtype", None)
        asked = (f"{math.prod(int(n) for n in shape) * np.dtype(dtype).itemsize:,} bytes "
                 f"for an array of shape {tuple(shape)} and dtype {dtype}"
                 if shape is not None and dtype is not None else "more memory than is free")
        return AllocationError(f"{ctx.name}: cannot allocate {asked} (inputs of shapes "
                               f"{shapes})")
    if isinstance(error, TypeError):  # NumPy has no such loop: bool - bool, -bool, ...
        dtypes = ", ".join(str(t.dtype) for t in inputs)
        return DTypeError(f"{ctx.name}: not defined for inputs of dtypes {dtypes} (shapes "
                          f"{shapes}): {error}")
    if isinstance(error, IndexError):
        kind: type[TinygradError] = IndexOutOfRange
    elif any(word in str(error) for word in ("shape", "broadcast", "dimension", "size")):
        kind = ShapeError
    else:  # a value NumPy refuses, e.g. an integer to a negative integer power
        kind = ArgumentError
    return kind(f"{ctx.name}: cannot apply to inputs of shapes {shapes}: {error}")


class _OpObservers:
    """Callbacks `fn(ctx, out)` run after every op's forward (forward-mode AD, saved-tensor
    hooks), each thread with its own list, ordered by priority. `count` is the number of
    callbacks installed in all threads: while it is 0, apply pays one attribute check."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    def current(self) -> list[tuple[int, Callable[[Function, Tensor], None]]]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def push(self, priority: int, fn: Callable[[Function, Tensor], None]) -> None:
        stack = self.current()
        stack.append((priority, fn))
        stack.sort(key=lambda entry: entry[0])
        with self._lock:
            self.count += 1

    def remove(self, fn: Callable[[Function, Tensor], None]) -> None:
        stack = self.current()
        for i, (_, f) in enumerate(stack):
            if f is fn:
                del stack[i]
                with self._lock:
                    self.count -= 1
                return

    def run(self, ctx: Function, out: Tensor) -> None:
        for _, fn in tuple(self.current()):
            fn(ctx, out)


op_observers = _OpObservers()


# ---------------------------------------------------------------- helpers of the jvp rules


def wrap_grads(arrays: tuple[np.ndarray | None, ...]) -> Any:
    """`backward_arrays`' gradients as the Tensors `backward` returns (None stays None): a
    tuple, or the Tensor alone for an op of one input."""
    grads = tuple(None if a is None else _tensor_class._from_op(a, None) for a in arrays)
    return grads[0] if len(grads) == 1 else grads


def sum_tangents(*terms: Tensor | None) -> Tensor | None:
    """The sum of the terms, None standing for a zero tangent (so a rule computes only the
    terms it has); None if all are."""
    total = None
    for term in terms:
        if term is not None:
            total = term if total is None else total + term
    return total


def or_zeros(parents: Sequence[Tensor], tangents: Sequence[Tensor | None]) -> list[Tensor]:
    """Each tangent, or zeros of its parent's shape and dtype where it is None."""
    return [new_tensor(np.zeros(p.shape, dtype=p.dtype)) if t is None else t
            for p, t in zip(parents, tangents)]
