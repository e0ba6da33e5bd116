"""Which module call produced which op: `trace_modules` records it while a forward runs."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import ArgumentError
from ..tensor import Tensor


@dataclass(eq=False)
class ModuleCall:
    """One call of a submodule during `trace_modules`: its dotted path and type."""

    path: str
    type_name: str
    parent: ModuleCall | None
    is_leaf: bool  # a module without submodules: the unit `collapse_modules` draws as one node
    number: int    # 1 for the module's first call, 2 for its second, ...

    @property
    def label(self) -> str:
        again = f" (call {self.number})" if self.number > 1 else ""
        return f"{self.path}: {self.type_name}{again}"

    def within(self, other: ModuleCall) -> bool:
        call: ModuleCall | None = self
        while call is not None and call is not other:
            call = call.parent
        return call is other


class ModuleTrace:
    """Which module call produced each op (and owns each parameter), from `trace_modules`."""

    def __init__(self) -> None:
        self.calls: list[ModuleCall] = []
        # by id, with a weak reference to tell a live tensor from a new one at a reused id
        self._owners: dict[int, tuple[weakref.ref, ModuleCall]] = {}

    def owner(self, tensor: Tensor) -> ModuleCall | None:
        entry = self._owners.get(id(tensor))
        return entry[1] if entry is not None and entry[0]() is tensor else None

    def _claim(self, call: ModuleCall, outputs: list[Tensor], inputs: list[Tensor],
               module: Any) -> None:
        """Own the ops between the call's inputs and outputs that no inner call owns, and the
        module's parameters they use. Inner calls finish first, so they claim first."""
        stop = {id(t) for t in inputs}
        own_params = {id(p) for p in module.parameters()}
        seen: set[int] = set()
        stack = list(outputs)
        while stack:
            tensor = stack.pop()
            if id(tensor) in seen or id(tensor) in stop:
                continue
            seen.add(id(tensor))
            owner = self.owner(tensor)
            if owner is not None and not owner.within(call):
                continue  # made before this call (by a sibling): upstream of its inputs
            if owner is None and (tensor._ctx is not None or id(tensor) in own_params):
                self._owners[id(tensor)] = (weakref.ref(tensor), call)
            if tensor._ctx is not None:
                stack.extend(tensor._ctx.parents or ())


def _tensors_in(values: Iterable[Any]) -> list[Tensor]:
    found = []
    for value in values:
        if isinstance(value, Tensor):
            found.append(value)
        elif isinstance(value, tuple | list):
            found.extend(v for v in value if isinstance(v, Tensor))
    return found


@contextlib.contextmanager
def trace_modules(model: Any) -> Iterator[ModuleTrace]:
    """Record which submodule of `model` produced which ops during the block.

    Pass the trace to `to_dot(..., modules=trace)` to draw one cluster per
    module call, or add `collapse_modules=True` to draw each innermost
    module call (Linear, BatchNorm1d, ...) as a single node::

        with tg.viz.trace_modules(model) as trace:
            loss = F.cross_entropy(model(x), y)
        tg.viz.to_dot(loss, params=model, modules=trace, collapse_modules=True)
    """
    if not hasattr(model, "named_modules"):
        raise ArgumentError(f"trace_modules: needs an nn.Module, got {type(model).__name__}")
    trace = ModuleTrace()
    active: list[ModuleCall] = []
    patched = []
    for path, module in model.named_modules():
        if module is model:
            continue  # the whole model's cluster would be the whole graph
        patched.append((module, module.__dict__.get("forward")))
        object.__setattr__(module, "forward", _traced(trace, active, path, module))
    try:
        yield trace
    finally:
        for module, own_forward in patched:
            del module.__dict__["forward"]  # the class's forward shows through again
            if own_forward is not None:
                object.__setattr__(module, "forward", own_forward)


def _traced(trace: ModuleTrace, active: list[ModuleCall], path: str, module: Any) -> Any:
    forward = module.forward
    is_leaf = next(iter(module.named_children()), None) is None

    def traced_forward(*args: Any, **kwargs: Any) -> Any:
        number = 1 + sum(call.path == path for call in trace.calls)
        call = ModuleCall(path, type(module).__name__, active[-1] if active else None, is_leaf,
                          number)
        active.append(call)
        try:
            out = forward(*args, **kwargs)
        finally:
            active.pop()
        trace._claim(call, _tensors_in([out]), _tensors_in([*args, *kwargs.values()]), module)
        trace.calls.append(call)
        return out

    return traced_forward

