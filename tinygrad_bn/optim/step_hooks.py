"""Optimizer step hooks, PyTorch's: `optimizer.register_step_pre_hook(hook)` and
`register_step_post_hook(hook)` for one optimizer, `register_optimizer_step_pre_hook` and
`register_optimizer_step_post_hook` for every optimizer in the process.

A pre-hook is called `hook(optimizer, args, kwargs)` before the step, `args` the step's
positional arguments with the optimizer first (as PyTorch's), and may return
`(new_args, new_kwargs)` to replace them; a post-hook is called the same way after it.
Order, as PyTorch's: the global pre-hooks, the optimizer's own pre-hooks, the step, the
optimizer's own post-hooks, the global post-hooks. Each registration returns a
handle whose `remove()` unregisters the hook. Every optimizer class's `step` runs through
`hooked` (Optimizer applies it to its subclasses' steps); with no hook anywhere it costs
two list checks.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from ..autograd.primitive import RemovableHandle
from ..errors import ArgumentTypeError

_global_pre: list[Callable[..., Any]] = []
_global_post: list[Callable[..., Any]] = []
_lock = threading.Lock()  # registrations from several threads; calls read a snapshot


def _add(hooks: list[Callable[..., Any]], hook: Any, op: str) -> RemovableHandle:
    if not callable(hook):
        raise ArgumentTypeError(f"{op}: the hook must be callable, got {type(hook).__name__}")
    with _lock:
        hooks.append(hook)
    return RemovableHandle(hooks, hook)


def register_optimizer_step_pre_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """`hook(optimizer, args, kwargs)` before every optimizer's step (see the module)."""
    return _add(_global_pre, hook, "register_optimizer_step_pre_hook")


def register_optimizer_step_post_hook(hook: Callable[..., Any]) -> RemovableHandle:
    """`hook(optimizer, args, kwargs)` after every optimizer's step."""
    return _add(_global_post, hook, "register_optimizer_step_post_hook")


class StepHooks:
    """The hook registration methods of Optimizer (a mixin)."""

    def _own_hooks(self) -> tuple[list, list]:
        hooks = self.__dict__.get("_step_hooks")
        if hooks is None:
            hooks = self.__dict__["_step_hooks"] = ([], [])
        return hooks

    def register_step_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(optimizer, args, kwargs)` before this optimizer's step; it may return
        (new_args, new_kwargs)."""
        return _add(self._own_hooks()[0], hook, f"{type(self).__name__}.register_step_pre_hook")

    def register_step_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(optimizer, args, kwargs)` after this optimizer's step."""
        return _add(self._own_hooks()[1], hook,
                    f"{type(self).__name__}.register_step_post_hook")


def hooked(step: Callable[..., Any]) -> Callable[..., Any]:
    """`step` with the hooks run around it."""
    if getattr(step, "_runs_hooks", False):
        return step

    @functools.wraps(step)
    def wrapper(self: Any, *rest: Any, **kwargs: Any) -> Any:
        own = self.__dict__.get("_step_hooks")
        if own is None and not _global_pre and not _global_post:
            return step(self, *rest, **kwargs)
        pre, post = own if own is not None else ((), ())
        args = (self, *rest)
        for hook in (*_global_pre, *pre):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise ArgumentTypeError(
                        f"{type(self).__name__}.step: a step pre-hook must return None or "
                        f"(args, kwargs), got {type(result).__name__}")
                args, kwargs = tuple(result[0]), dict(result[1])
        out = step(*args, **kwargs)
        for hook in (*post, *_global_post):
            hook(self, args, kwargs)
        return out

    wrapper._runs_hooks = True  # type: ignore[attr-defined]
    return wrapper
