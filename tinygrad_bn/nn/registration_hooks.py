"""PyTorch's global registration hooks: `hook(module, name, value)` at every registration of
a buffer, a submodule or a parameter in any module (`register_buffer`, `add_module`,
`register_parameter`, or an attribute assignment that registers), in registration order; a
returned value is registered instead. Public at `tinygrad_bn.nn.modules.module`."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .hooks import RemovableHandle, add_hook

_global_buffer_registration_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_module_registration_hooks: OrderedDict[int, Callable] = OrderedDict()
_global_parameter_registration_hooks: OrderedDict[int, Callable] = OrderedDict()


def register_module_buffer_registration_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """`hook(module, name, buffer)` at every buffer registration (register_buffer, or an
    assignment to a buffer's name); a returned value is registered instead."""
    return add_hook("register_module_buffer_registration_hook", hook,
                    _global_buffer_registration_hooks)


def register_module_module_registration_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """`hook(module, name, submodule)` at every submodule registration (add_module, or an
    assignment of a Module); a returned value is registered instead."""
    return add_hook("register_module_module_registration_hook", hook,
                    _global_module_registration_hooks)


def register_module_parameter_registration_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """`hook(module, name, param)` at every parameter registration (register_parameter, or
    an assignment of a Parameter); a returned value is registered instead."""
    return add_hook("register_module_parameter_registration_hook", hook,
                    _global_parameter_registration_hooks)


def registration_hooks_used() -> bool:
    return bool(_global_buffer_registration_hooks or _global_module_registration_hooks
                or _global_parameter_registration_hooks)


def registered(kind: str, module: Any, name: str, value: Any) -> Any:
    """`value` after the global registration hooks of `kind` ("buffer", "module",
    "parameter"), each in turn (a returned value replaces it)."""
    hooks = {"buffer": _global_buffer_registration_hooks,
             "module": _global_module_registration_hooks,
             "parameter": _global_parameter_registration_hooks}[kind]
    for hook in tuple(hooks.values()):
        new = hook(module, name, value)
        if new is not None:
            value = new
    return value
