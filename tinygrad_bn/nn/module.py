"""`Module` and `Parameter`: what every layer is built from (the containers, Sequential
included, are in containers.py).

A Module keeps three ordered registries, filled by plain attribute assignment: parameters
(`Parameter`, trained by optimizers), buffers (Tensors, or ndarrays such as batch-norm running
statistics: saved in the state dict unless `persistent=False`, never trained) and submodules,
named like `"0.weight"` or `"block.bn.running_mean"` (the state dict's keys). Changing them, an
attribute or the training flag moves the structure clock (nn/structure.py).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ..errors import ArgumentError, ArgumentTypeError
from ..recording import replay_as_call
from ..tensor import Tensor
from . import hooks as _hooks
from .hooks import RemovableHandle
from .module_casting import ModuleCasting
from .module_paths import ModulePaths
from .module_state import ModuleState
from .registration_hooks import registered, registration_hooks_used
from .structure import Registry, moved


class NameTakenError(ArgumentError, KeyError):
    """A name register_parameter, register_buffer or add_module cannot take (empty, dotted,
    or another kind of attribute already): PyTorch raises KeyError."""

    def __str__(self) -> str:  # a message, not KeyError's repr of it
        return str(self.args[0]) if self.args else ""


class Parameter(Tensor):
    """A Tensor that a Module registers as trainable: `requires_grad=True`.

    Built from an ndarray (its dtype is kept and its memory shared) or from a
    Tensor (sharing that tensor's data); Python data becomes float32.
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        super().__init__(np.empty(0, np.float32) if data is None else data,
                         requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Buffer(Tensor):
    """PyTorch's nn.Buffer: a Tensor that, assigned to a Module attribute, is registered as a
    buffer (persistent unless persistent=False); the module keeps a plain Tensor sharing it."""

    __slots__ = ("persistent",)

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        super().__init__(np.empty(0, np.float32) if data is None else data)
        self.persistent = bool(persistent)


class Module(ModulePaths, ModuleState, ModuleCasting):
    """Base class of every layer and model.

    Subclasses call `super().__init__()` first, assign parameters, buffers
    (via `register_buffer`) and submodules as attributes, and define
    `forward`; calling the module calls `forward`.
    """

    training: bool
    call_super_init = False  # PyTorch's flag for multiple inheritance (read, never acted on)
    _hooks_used = False  # set when the first hook of any kind is registered (nn/hooks.py)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Arguments only with `call_super_init = True` (PyTorch's flag for cooperative
        multiple inheritance): then they go on to the next class's __init__."""
        if not self.call_super_init and kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                            f"argument '{next(iter(kwargs))}'")
        if not self.call_super_init and args:
            raise TypeError(f"{type(self).__name__}.__init__() takes 1 positional argument but "
                            f"{len(args) + 1} were given")
        object.__setattr__(self, "_parameters", Registry())
        object.__setattr__(self, "_buffers", Registry())
        object.__setattr__(self, "_modules", Registry())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "training", True)
        if self.call_super_init:
            super().__init__(*args, **kwargs)

    @property
    def _non_persistent_buffers_set(self) -> set[str]:
        """PyTorch's name for the set of buffers left out of the state dict (code written
        for PyTorch reads and edits it)."""
        return self.__dict__["_non_persistent_buffers"]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._hooks_used:  # until a hook exists anywhere, a call is just forward
            return _hooks.call_with_hooks(self, args, kwargs)
        return self.forward(*args, **kwargs)

    # ---- hooks (PyTorch's; the machinery is in nn/hooks.py) ----
    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """`hook(module, args)` before forward: a returned value replaces the positional
        arguments (a non-tuple becomes a 1-tuple). with_kwargs: `hook(module, args, kwargs)`
        returning None or `(args, kwargs)`. prepend: run before the hooks registered so far."""
        own = _hooks.module_hooks(self)
        flags = (own["_forward_pre_hooks_with_kwargs"],) if with_kwargs else ()
        return _hooks.add_hook(f"{type(self).__name__}.register_forward_pre_hook", hook,
                               own["_forward_pre_hooks"], flags, prepend)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False
                              ) -> RemovableHandle:
        """`hook(module, args, output)` after forward (with_kwargs: `hook(module, args, kwargs,
        output)`): a returned value replaces the output. always_call: run even when forward
        raised."""
        own = _hooks.module_hooks(self)
        flags = tuple(d for d, on in ((own["_forward_hooks_with_kwargs"], with_kwargs),
                                      (own["_forward_hooks_always_called"], always_call)) if on)
        return _hooks.add_hook(f"{type(self).__name__}.register_forward_hook", hook,
                               own["_forward_hooks"], flags, prepend)

    def register_full_backward_pre_hook(self, hook: Callable[..., Any], prepend: bool = False
                                        ) -> RemovableHandle:
        """`hook(module, grad_output)` when the gradients of the module's outputs are known
        (a tuple, None for an output no gradient reached); a returned tuple replaces them."""
        return _hooks.add_hook(f"{type(self).__name__}.register_full_backward_pre_hook", hook,
                               _hooks.module_hooks(self)["_backward_pre_hooks"], (), prepend)

    def register_full_backward_hook(self, hook: Callable[..., Any], prepend: bool = False
                                    ) -> RemovableHandle:
        """`hook(module, grad_input, grad_output)` when the gradients of the module's
        positional inputs are known (not its parameters': None for inputs that are not
        tensors requiring grad); a returned tuple replaces grad_input."""
        _hooks.backward_hook_kind(self, full=True)
        return _hooks.add_hook(f"{type(self).__name__}.register_full_backward_hook", hook,
                               _hooks.module_hooks(self)["_backward_hooks"], (), prepend)

    def register_backward_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's legacy backward hook, `hook(module, grad_input, grad_output)`, with its
        FutureWarning at each call whose forward is more than one autograd node fed by the
        inputs. As PyTorch's, it hooks the last node of the forward (the one that made the
        output's first tensor): grad_input is that node's input gradients, the module's
        inputs' only when the forward is one op (ReLU, Tanh ...); for Linear, addmm's
        (d bias, d input, d weight^T) (mm's without a bias; a 1-d or >2-d input's last node
        is the reshape of the (N, out) product). Not combinable with full backward hooks on
        one module."""
        _hooks.backward_hook_kind(self, full=False)
        return _hooks.add_hook(f"{type(self).__name__}.register_backward_hook", hook,
                               _hooks.module_hooks(self)["_backward_hooks"])

    # ---- registration ----
    def _registries(self) -> tuple[dict, dict, dict]:
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() in __init__ "
                                 f"before assigning parameters, buffers or submodules")
        return d["_parameters"], d["_buffers"], d["_modules"]

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, Buffer):
            _register_buffer(self, name, value.detach(), value.persistent)
        elif isinstance(value, Parameter | Module) or ("_parameters" in self.__dict__ and any(
                name in registry for registry in self._registries())):
            self._register(name, value)
        else:
            object.__setattr__(self, name, value)
            moved()

    def _register(self, name: str, value: Any) -> None:
        """Put `value` in the registry its type (or the name's current registry) asks for."""
        params, buffers, modules = self._registries()
        if isinstance(value, Parameter):
            kind, registry = "parameter", params
        elif isinstance(value, Module):
            kind, registry = "submodule", modules
        elif name in params:
            kind, registry = "parameter", params
        elif name in buffers:
            kind, registry = "buffer", buffers
        else:
            kind, registry = "submodule", modules
        expected = {"parameter": (Parameter,), "buffer": (Tensor, np.ndarray),
                    "submodule": (Module,)}[kind]
        if value is not None and not isinstance(value, expected):
            names = " or ".join(t.__name__ for t in expected)
            raise ArgumentTypeError(f"{type(self).__name__}: cannot assign a "
                                    f"{type(value).__name__} to {kind} '{name}' "
                                    f"({names} or None expected)")
        self._store(name, value, registry)

    def _store(self, name: str, value: Any, registry: dict[str, Any]) -> None:
        """Put `value` under `name` in `registry`, and nowhere else: a name has one kind.
        The global registration hooks (register_module_*_registration_hook) see it first."""
        registries = self._registries()
        if value is not None and registration_hooks_used():
            kinds = ("parameter", "buffer", "module")
            kind = kinds[[r is registry for r in registries].index(True)]
            value = registered(kind, self, name, value)
        for other in registries:
            if other is not registry:
                other.pop(name, None)
        self.__dict__.pop(name, None)
        registry[name] = value

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register `param` under `name`; None reserves the name (e.g. `bias=False`)."""
        self._check_name(name, self._registries()[0], "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise ArgumentTypeError(f"{type(self).__name__}: register_parameter('{name}') needs a "
                            f"Parameter or None, got {type(param).__name__}")
        self._store(name, param, self._registries()[0])

    def register_buffer(self, name: str, tensor: Tensor | np.ndarray | None,
                        persistent: bool = True) -> None:
        """Register a Tensor (or an ndarray, or None) that is not trained; it is saved in
        the state dict unless `persistent=False`. The name must not be taken by a
        parameter, a submodule or another attribute."""
        self._check_name(name, self._registries()[1], "buffer")
        buffers = self._registries()[1]
        if tensor is not None and not isinstance(tensor, Tensor | np.ndarray):
            raise ArgumentTypeError(f"{type(self).__name__}: register_buffer('{name}') needs a "
                                    f"Tensor, an ndarray or None, got {type(tensor).__name__}")
        self._store(name, tensor, buffers)
        if persistent:
            self.__dict__["_non_persistent_buffers"].discard(name)
        else:
            self.__dict__["_non_persistent_buffers"].add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register `module` (or None) as a submodule under `name`, as attribute assignment."""
        self._check_name(name, self._registries()[2], "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__}: add_module('{name}') needs a Module or "
                            f"None, got {type(module).__name__}")
        self._store(name, module, self._registries()[2])
    register_module = add_module

    def _check_name(self, name: str, registry: dict | None = None, what: str = "attribute"
                    ) -> None:
        """PyTorch's rules for a name given to register_parameter, register_buffer or
        add_module: a str (TypeError), non-empty and without '.', and not an attribute of
        another kind already (KeyError: NameTakenError)."""
        if not isinstance(name, str):
            raise ArgumentTypeError(f"{type(self).__name__}: {what} name should be a string. Got "
                                    f"{type(name).__name__} ({name!r})")
        if not name or "." in name:
            raise NameTakenError(f"{type(self).__name__}: invalid attribute name {name!r} "
                                 f"(a non-empty string without '.')")
        if registry is not None and name not in registry and hasattr(self, name):
            raise NameTakenError(f"{type(self).__name__}: attribute '{name}' already exists")

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails: the registries hold the attribute.
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry in d and name in d[registry]:
                return d[registry][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for registry in self._registries():
            if name in registry:
                del registry[name]
                self.__dict__["_non_persistent_buffers"].discard(name)
                return
        object.__delattr__(self, name)
        moved()

    # ---- traversal ----
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct submodules by name; one registered twice is listed once, as PyTorch's
        (named_modules(remove_duplicate=False) lists it under each name)."""
        seen: set[int] = set()
        for name, module in self._registries()[2].items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """This module and every descendant with dotted names ('' for self, or `prefix`),
        depth first; a module reached twice is listed once unless not remove_duplicate
        (then under every path, as the state dict lists it). `memo`: modules to skip (and
        add to), PyTorch's."""
        seen: set[Module] = set() if memo is None else memo  # modules hash by identity
        stack = [(prefix, self, ())]
        while stack:
            name, module, ancestors = stack.pop()
            if remove_duplicate:
                if module in seen:
                    continue
                seen.add(module)
            elif id(module) in ancestors:  # a module inside itself: listed once per cycle
                continue
            yield name, module
            inner = (*ancestors, id(module))
            children = [(f"{name}.{child}" if name else child, sub, inner)
                        for child, sub in module._registries()[2].items() if sub is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def _named_members(self, registry: int, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        seen: set[int] = set()  # a shared parameter is listed once
        modules = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                   if recurse else iter([(prefix, self)]))
        for path, module in modules:
            for name, value in module._registries()[registry].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{path}.{name}" if path else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs, depth first in registration order; a shared
        parameter once unless not remove_duplicate."""
        return self._named_members(0, prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, Tensor | np.ndarray]]:
        return self._named_members(1, prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor | np.ndarray]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call `fn` on every submodule and then on self (e.g. custom initialisation), in
        PyTorch's order: depth first, each child's subtree in registration order before its
        parent (an init drawing from one generator draws the same numbers as on PyTorch)."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients ----
    def train(self, mode: bool = True) -> Module:
        """Set training mode (Dropout active, BatchNorm uses batch statistics) recursively."""
        if not isinstance(mode, bool | np.bool_):
            raise ArgumentError(f"{type(self).__name__}.train: training mode is expected to be "
                                f"boolean, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        moved()
        return self

    def eval(self) -> Module:
        return self.train(False)

    @replay_as_call  # tg.compile calls it again on replay (tinygrad_bn/recording.py)
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default, as PyTorch), or to zeros in
        place when set_to_none=False."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad._data[...] = 0

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set requires_grad on every parameter (freeze with False); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def __dir__(self) -> list[str]:
        """PyTorch's: the class's and instance's attributes with the parameters', buffers' and
        submodules' names (those starting with a digit left out)."""
        keys = [*dir(type(self)), *self.__dict__, *(name for registry in self._registries()
                                                    for name in registry)]
        return sorted({key for key in keys if not key[:1].isdigit()})

    # ---- printing ----
    def extra_repr(self) -> str:
        """The constructor arguments shown between the parentheses of the repr."""
        return ""

    def _get_name(self) -> str:
        """The class name the repr starts with (PyTorch's hook for renaming it)."""
        return type(self).__name__

    def __repr__(self) -> str:
        """PyTorch's layout: Name(extra) on one line without children, else the extra_repr
        lines and one `(name): repr` per child (None children included), indented by 2."""
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + repr(module).replace("\n", "\n  ")
                       for name, module in self._registries()[2].items()]
        return _layout(self._get_name(), extra_lines, child_lines)


def _layout(head: str, extra_lines: list[str], child_lines: list[str]) -> str:
    """Module.__repr__'s text from its parts (also ModuleList's, whose lines group)."""
    lines = extra_lines + child_lines
    if not lines:
        return f"{head}()"
    if len(extra_lines) == 1 and not child_lines:
        return f"{head}({extra_lines[0]})"
    return head + "(\n  " + "\n  ".join(lines) + "\n)"


def _register_buffer(module: Module, name: str, tensor: Any, persistent: bool) -> None:
    """`module.register_buffer(name, tensor, persistent)`, or without `persistent` for a
    subclass whose register_buffer does not take it (PyTorch allows that: then the buffer must
    be persistent)."""
    if type(module).register_buffer is Module.register_buffer or \
            "persistent" in inspect.signature(module.register_buffer).parameters:
        module.register_buffer(name, tensor, persistent)
    elif not persistent:
        raise ArgumentError(f"{type(module).__name__}: its register_buffer takes no persistent "
                            f"argument, so a non-persistent Buffer cannot be assigned to "
                            f"'{name}'")
    else:
        module.register_buffer(name, tensor)


def _hooks_in_use() -> None:
    Module._hooks_used = True


_hooks.first_registration = _hooks_in_use  # the first hook switches every call's path
