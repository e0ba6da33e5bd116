"""Module hooks, PyTorch's: forward pre-hooks, forward hooks, full backward pre-hooks and full
backward hooks, on one module or on every module (the `register_module_*` functions, public
at `tinygrad_bn.nn.modules.module` as in PyTorch), each removed through its handle.

A module call with no hook anywhere costs one class-attribute check (`Module._hooks_used`,
set by the first registration in the process); after that, PyTorch's rule: a module without
hooks of its own and no global hook calls `forward` after a few dictionary checks.

Backward hooks see gradients at the module's boundary. The module's positional input tensors
that require grad, and its output tensors, are each passed through one identity op, and a
tensor hook on that op's output catches the gradient: at the output side the grad_output
(backward pre-hooks may replace it), at the input side the grad_input (backward hooks may
replace it), after every path inside the module has contributed. Several tensors on one side
are flattened and concatenated into one tensor first, so that one hook sees all of their
gradients together, as PyTorch's single BackwardHookFunction node does. As in PyTorch, an
output that received no gradient shows as None in grad_output, an input that received none
as zeros in grad_input.
"""

from __future__ import annotations

import itertools
import threading
import warnings
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ..autograd.primitive import hooks_moved
from ..errors import ArgumentTypeError, BackwardError
from ..tensor import Function, Tensor, concatenate, is_grad_enabled
from .legacy_hooks import (  # noqa: F401 (backward_hook_kind: Module's registration reads it here)
    backward_hook_kind,
    chained,
    hook_last_node,
    warn_legacy,
)

_ids = itertools.count()  # handle ids, unique in the process (next() on a count is atomic)
_lock = threading.Lock()  # guards registration; calls iterate over snapshots


class RemovableHandle:
    """What every `register_*hook` returns (PyTorch's torch.utils.hooks.RemovableHandle):
    `.remove()` takes the hook out (again: nothing); usable as a context manager that
    removes the hook on exit. `id` is unique."""

    def __init__(self, hooks: dict, *extra: dict) -> None:
        self.id = next(_ids)
        self._dicts = tuple(weakref.ref(d) for d in (hooks, *extra))
        hooks_moved()

    def hooks_dict_ref(self) -> dict | None:
        """The dict the hook is registered in (PyTorch's weak reference, called), or None
        once that dict is gone; a removed hook is no longer in it."""
        return self._dicts[0]()

    def remove(self) -> None:
        with _lock:
            for ref in self._dicts:
                d = ref()
                if d is not None:
                    d.pop(self.id, None)
        hooks_moved()

    def __getstate__(self) -> tuple:
        """The dicts themselves (pickled with the module that holds them), not the weak
        references, as PyTorch's handle pickles."""
        return (self.id, tuple(ref() for ref in self._dicts))

    def __setstate__(self, state: tuple) -> None:
        self.id, dicts = state
        self._dicts = tuple(weakref.ref(d) if d is not None else (lambda: None) for d in dicts)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()

    def __repr__(self) -> str:
        return f"<RemovableHandle id={self.id}>"


# The global registries (every module's calls), process-wide as PyTorch's.
_global_forward_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_forward_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_forward_hooks_with_kwargs: OrderedDict[int, bool] = OrderedDict()  # weakly referable
_global_forward_hooks_always_called: OrderedDict[int, bool] = OrderedDict()
_global_backward_pre_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_backward_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_is_full_backward_hook: list[bool | None] = [None]  # the kind of the global ones

_KINDS = ("_forward_pre_hooks", "_forward_pre_hooks_with_kwargs", "_forward_hooks",
          "_forward_hooks_with_kwargs", "_forward_hooks_always_called", "_backward_pre_hooks",
          "_backward_hooks")


def module_hooks(module: Any) -> dict[str, dict]:
    """The module's hook dictionaries by kind, created on its first registration (a module
    never hooked has none: the slow path of a call reads them with `.get`)."""
    d = module.__dict__
    if "_forward_hooks" not in d:
        for kind in _KINDS:
            d[kind] = OrderedDict()  # not dict: handles hold weak references to them
    return {kind: d[kind] for kind in _KINDS}


def add_hook(owner: str, hook: Any, hooks: OrderedDict, flags: tuple[dict, ...] = (),
             prepend: bool = False) -> RemovableHandle:
    """Register `hook` in `hooks` (first if `prepend`), with `flags` set for it; the handle
    removes it from all of them."""
    if not callable(hook):
        raise ArgumentTypeError(f"{owner}: the hook must be callable, got "
                                f"{type(hook).__name__} {hook!r}")
    handle = RemovableHandle(hooks, *flags)
    with _lock:
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        for flag in flags:
            flag[handle.id] = True
    first_registration()  # from now on module calls check for hooks
    return handle


def first_registration() -> None:
    """Set by nn/module.py to switch `Module.__call__` to the path that checks for hooks
    (set there, so that this module does not import that one)."""


def register_module_forward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """`hook(module, args)` before every module's forward (before the module's own pre-hooks);
    a returned value replaces the positional arguments (a non-tuple becomes a 1-tuple)."""
    return add_hook("register_module_forward_pre_hook", hook, _global_forward_pre_hooks)


def register_module_forward_hook(hook: Callable[..., Any], *, with_kwargs: bool = False,
                                 always_call: bool = False) -> RemovableHandle:
    """`hook(module, args, output)` (with_kwargs: `hook(module, args, kwargs, output)`) after
    every module's forward, before the module's own forward hooks; a returned value replaces
    the output. always_call: also run when forward raised."""
    flags = tuple(d for d, on in ((_global_forward_hooks_with_kwargs, with_kwargs),
                                  (_global_forward_hooks_always_called, always_call)) if on)
    return add_hook("register_module_forward_hook", hook, _global_forward_hooks, flags)


def register_module_full_backward_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """`hook(module, grad_output)` for every module, when the gradients of its outputs are
    known; a returned tuple replaces grad_output."""
    return add_hook("register_module_full_backward_pre_hook", hook, _global_backward_pre_hooks)


def register_module_full_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """`hook(module, grad_input, grad_output)` for every module, when the gradients of its
    positional inputs are known; a returned tuple replaces grad_input."""
    _global_kind(full=True)
    return add_hook("register_module_full_backward_hook", hook, _global_backward_hooks)


def register_module_backward_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """PyTorch's legacy global backward hook: `hook(module, grad_input, grad_output)` on the
    last node of every module's forward, as Module.register_backward_hook (before the
    module's own); not combinable with global full backward hooks."""
    _global_kind(full=False)
    return add_hook("register_module_backward_hook", hook, _global_backward_hooks)


def _global_kind(full: bool) -> None:
    """PyTorch's rule: the global backward hooks are all full or all legacy (the kind of
    the first one registered while none is left decides)."""
    if not _global_backward_hooks:
        _global_is_full_backward_hook[0] = None
    if _global_is_full_backward_hook[0] not in (None, full):
        raise BackwardError("Cannot use both regular backward hooks and full backward hooks as "
                            "a global Module hook. Please use only one of them.")
    _global_is_full_backward_hook[0] = full


def call_with_hooks(module: Any, args: tuple, kwargs: dict) -> Any:
    """`module(*args, **kwargs)` with its hooks and the global ones, in PyTorch's order: global
    then own forward pre-hooks, forward, global then own forward hooks; backward hooks set up
    around forward when grad mode is on."""
    d = module.__dict__
    if not (d.get("_forward_pre_hooks") or d.get("_forward_hooks") or d.get("_backward_hooks")
            or d.get("_backward_pre_hooks") or _global_forward_pre_hooks
            or _global_forward_hooks or _global_backward_hooks or _global_backward_pre_hooks):
        return module.forward(*args, **kwargs)  # hooks exist, but none for this call
    own = {kind: d.get(kind) or {} for kind in _KINDS}
    result = None
    called: set[int] = set()
    forward_hooks = (*_global_forward_hooks.items(), *own["_forward_hooks"].items())
    with_kwargs = own["_forward_hooks_with_kwargs"]
    always = own["_forward_hooks_always_called"]
    try:
        for hook_id, hook in (*_global_forward_pre_hooks.items(),
                              *own["_forward_pre_hooks"].items()):
            if hook_id in own["_forward_pre_hooks_with_kwargs"]:
                new = hook(module, args, kwargs)
                if new is not None:
                    if not (isinstance(new, tuple) and len(new) == 2):
                        raise BackwardError(
                            f"forward pre-hook of {type(module).__name__} (with_kwargs=True) must "
                            f"return None or a tuple (new_args, new_kwargs), got {new!r}")
                    args, kwargs = new
            else:
                new = hook(module, args)
                if new is not None:
                    args = new if isinstance(new, tuple) else (new,)
        # a module's legacy hooks (register_backward_hook) go on its output's last node,
        # as PyTorch's; full ones (its own or the global ones) on the call's boundary
        legacy = d.get("_is_full_backward_hook") is False
        global_legacy = _global_is_full_backward_hook[0] is False
        own_backward = tuple(own["_backward_hooks"].values())
        legacy_hooks = (*(_global_backward_hooks.values() if global_legacy else ()),
                        *(own_backward if legacy else ()))
        backward_hooks = (*(() if global_legacy else _global_backward_hooks.values()),
                          *(() if legacy else own_backward))
        backward_pre_hooks = (*_global_backward_pre_hooks.values(),
                              *own["_backward_pre_hooks"].values())
        boundary = None
        plain_args = args
        if (backward_hooks or backward_pre_hooks) and is_grad_enabled():
            boundary = _Boundary(module, backward_hooks, backward_pre_hooks)
            args = boundary.wrap_inputs(args)
        result = module.forward(*args, **kwargs)
        if legacy_hooks and is_grad_enabled():
            warn_legacy(plain_args, args, result)
        for hook_id, hook in forward_hooks:
            if hook_id in always or hook_id in _global_forward_hooks_always_called:
                called.add(hook_id)
            if hook_id in with_kwargs or hook_id in _global_forward_hooks_with_kwargs:
                new = hook(module, args, kwargs, result)
            else:
                new = hook(module, args, result)
            if new is not None:
                result = new
        if boundary is not None:
            result = boundary.wrap_outputs(result)
        if legacy_hooks and is_grad_enabled():
            hook_last_node(module, legacy_hooks, result)
        return result
    except Exception:
        for hook_id, hook in forward_hooks:  # always_call hooks that did not run yet
            if hook_id in called or not (hook_id in always
                                         or hook_id in _global_forward_hooks_always_called):
                continue
            try:
                if hook_id in with_kwargs or hook_id in _global_forward_hooks_with_kwargs:
                    new = hook(module, args, kwargs, result)
                else:
                    new = hook(module, args, result)
                if new is not None:
                    result = new
            except Exception as error:  # the forward's error is the one to report
                warnings.warn(f"forward hook with always_call=True raised {error!r}, silenced "
                              f"because forward raised first", stacklevel=2)
        raise


class _HookIdentity(Function):
    """z = x (the same array, a fresh graph node whose gradient a hook catches);  dx = g.

    tz = tx."""

    def forward(self, x):
        return x

    def backward(self, g):
        return g

    def jvp(self, tx):
        return tx


class _Side:
    """One side (the inputs or the outputs) of a module call: its tensors that require grad,
    routed through one node whose tensor hook sees all their gradients at once and may
    replace them (`on_grads(grads) -> grads or None`, one entry per value)."""

    def __init__(self, what: str, values: tuple, on_grads: Callable[[tuple], tuple | None],
                 none_if_unreached: bool) -> None:
        self.what = what
        self.none_if_unreached = none_if_unreached
        self.n = len(values)
        self.index = [i for i, v in enumerate(values)
                      if isinstance(v, Tensor) and v.requires_grad]
        self.tensors = [values[i] for i in self.index]
        self.on_grads = on_grads
        self.reached: set[int] = set()  # positions in self.index that received a gradient

    def wrap(self, values: tuple) -> tuple:
        """`values` with each tensor that requires grad replaced by its image after the node."""
        if len(self.tensors) == 1:
            node = _HookIdentity.apply(self.tensors[0])
            images = [node]
        else:
            node = concatenate([t.reshape(-1) for t in self.tensors])
            images, start = [], 0
            for t in self.tensors:
                images.append(node[start:start + t._data.size].reshape(t.shape).astype(t.dtype))
                start += t._data.size
        if self.none_if_unreached:
            for k, image in enumerate(images):
                image.register_hook(lambda g, k=k: self.reached.add(k))
        node.register_hook(self._caught)
        out = list(values)
        for i, image in zip(self.index, images):
            out[i] = image
        return tuple(out)

    def _pieces(self, grad: Tensor) -> list[Tensor]:
        if len(self.tensors) == 1:
            return [grad]
        pieces, start = [], 0
        for t in self.tensors:
            pieces.append(grad[start:start + t._data.size].reshape(t.shape).astype(t.dtype))
            start += t._data.size
        return pieces

    def _caught(self, grad: Tensor) -> Tensor | None:
        reached, self.reached = self.reached, set()
        full: list[Tensor | None] = [None] * self.n
        for k, piece in enumerate(self._pieces(grad)):
            if k in reached or not self.none_if_unreached:
                full[self.index[k]] = piece
        replaced = self.on_grads(tuple(full))
        if replaced is None:
            return None
        parts = []
        for i, t in zip(self.index, self.tensors):
            g = replaced[i]
            if g is None:
                g = Tensor._from_op(t._data * 0, None)
            elif not isinstance(g, Tensor):
                raise BackwardError(f"{self.what}: entry {i} is a {type(g).__name__}; a hook "
                                    f"returns Tensors (or None) in the tuple")
            elif g.shape != t.shape:
                raise BackwardError(f"{self.what}: entry {i} has shape {g.shape}, the "
                                    f"gradient it replaces has shape {t.shape}")
            parts.append(g if len(self.tensors) == 1 else g.reshape(-1))
        joined = parts[0] if len(parts) == 1 else concatenate(parts)
        return joined if joined.dtype == grad.dtype else joined.astype(grad.dtype)


class _Boundary:
    """The backward hooks of one module call: the output side records grad_output and runs
    the backward pre-hooks, the input side runs the backward hooks with (grad_input,
    grad_output). Without an input that requires grad, the backward hooks run at the output
    side with grad_input all None, as PyTorch's."""

    def __init__(self, module: Any, hooks: tuple, pre_hooks: tuple) -> None:
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_output: tuple | None = None
        self.inputs: _Side | None = None
        self.n_inputs = 0

    def wrap_inputs(self, args: tuple) -> tuple:
        self.n_inputs = len(args)
        side = _Side(f"backward hook of {type(self.module).__name__}", args, self._input_grads,
                     none_if_unreached=False)
        if not side.index:
            return args
        self.inputs = side
        return side.wrap(args)

    def wrap_outputs(self, result: Any) -> Any:
        if not isinstance(result, Tensor | tuple):  # PyTorch's warning: no hook will run
            warnings.warn(f"For backward hooks to be called, module output should be a Tensor "
                          f"or a tuple of Tensors but received {type(result)}", UserWarning,
                          stacklevel=4)
            return result
        single = not isinstance(result, tuple)
        values = (result,) if single else result
        side = _Side(f"backward pre-hook of {type(self.module).__name__}", values,
                     self._output_grads, none_if_unreached=True)
        if not side.index:
            return result
        wrapped = side.wrap(values)
        return wrapped[0] if single else wrapped

    def _output_grads(self, grads: tuple) -> tuple | None:
        name = type(self.module).__name__
        grads, changed = chained(self.pre_hooks, lambda hook, g: hook(self.module, g), grads,
                                  f"backward pre-hook of {name}", "grad_output")
        self.grad_output = grads
        if self.inputs is None:  # PyTorch warns with pre-hooks alone too
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients. See "
                          "Module.register_full_backward_hook's documentation.", UserWarning,
                          stacklevel=2)
        if self.inputs is None and self.hooks:
            grad_input = (None,) * self.n_inputs
            for hook in self.hooks:
                new = hook(self.module, grad_input, grads)
                if new is not None and not (isinstance(new, tuple)
                                            and all(g is None for g in new)):
                    raise BackwardError(f"backward hook of {name}: no input of the module "
                                        f"requires grad, so the hook must return None (or "
                                        f"None for every grad_input), got {new!r}")
            self.grad_output = None
        return grads if changed else None

    def _input_grads(self, grads: tuple) -> tuple | None:
        if self.grad_output is None:  # the gradient reached the inputs without the outputs
            return None
        grads, changed = chained(self.hooks,
                                  lambda hook, g: hook(self.module, g, self.grad_output), grads,
                                  f"backward hook of {type(self.module).__name__}", "grad_input")
        self.grad_output = None
        return grads if changed else None
