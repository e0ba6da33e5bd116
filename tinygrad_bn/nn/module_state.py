"""A Module's state dict: `state_dict` saves every parameter and persistent buffer under its
dotted name, `load_state_dict` copies a state dict back (in place, or by assignment).

As PyTorch's, the state dict is an OrderedDict whose `_metadata` attribute records each
module's state-dict `version` (a class attribute `_version`, 1 unless a layer changed its
state's layout): loading an older or unversioned state dict (a plain dict, a loaded
checkpoint) lets each module `_upgrade_state` it first, e.g. batch norm fills the
`num_batches_tracked` counter that version 1 lacked. A module overriding
`get_extra_state`/`set_extra_state` saves and restores any object under `<prefix>_extra_state`.

State-dict hooks, PyTorch's, per module (`register_state_dict_pre_hook`,
`register_state_dict_post_hook` and the private `_register_state_dict_hook` whose result may
replace the root's dict; `register_load_state_dict_pre_hook` (also the private
`_register_load_state_dict_pre_hook`) and `register_load_state_dict_post_hook`). Pre-hooks run
as each module is reached (parents first), post-hooks after the module's descendants. Load
pre-hooks see the whole state dict being loaded (a copy: renaming keys there is how they
migrate old checkpoints). Loading changes nothing unless everything fits, except when a load
post-hook exists: then, as PyTorch, the matching entries are loaded, the post-hooks may
clear the missing/unexpected lists they are given, and only what remains raises under strict.
One difference from PyTorch, whose loading walks the modules and runs each one's post-hooks
after its descendants are loaded: here every load pre-hook runs first, then the matching and
loading, then the post-hooks (each module's after its descendants'), each seeing the complete
key lists rather than the keys found so far.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..errors import ArgumentTypeError, StateDictError
from ..tensor import Tensor
from .hooks import RemovableHandle

EXTRA_STATE = "_extra_state"
# the hook dictionaries, under PyTorch's attribute names, created on first registration
SAVE_PRE, SAVE_POST = "_state_dict_pre_hooks", "_state_dict_hooks"
LOAD_PRE, LOAD_POST = "_load_state_dict_pre_hooks", "_load_state_dict_post_hooks"


class _IncompatibleKeys(NamedTuple):
    """What `load_state_dict` did not match (PyTorch's namedtuple, printed as PyTorch
    prints it: `<All keys matched successfully>` when both lists are empty)."""

    missing_keys: list[str]
    unexpected_keys: list[str]

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return (f"{type(self).__name__}(missing_keys={self.missing_keys!r}, "
                f"unexpected_keys={self.unexpected_keys!r})")

    __str__ = __repr__


class _Slot(NamedTuple):
    owner: Any          # the module holding the value
    registry: dict      # its _parameters or _buffers
    local: str          # the name inside that module
    value: Any          # the live Parameter, Tensor or ndarray


def _array(value: Any) -> Any:
    """The ndarray of a state-dict value (a Tensor, an ndarray, a NumPy scalar, or another
    library's tensor that converts with np.asarray); anything else is returned unchanged."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray | np.generic) or not hasattr(value, "__array__"):
        return value
    try:
        return np.asarray(value)
    except (TypeError, ValueError, RuntimeError):
        return value


class ModuleState:
    """The state-dict methods of Module (a mixin: the registries and the traversal are
    Module's own)."""

    _version: int = 1

    def _state_items(self) -> Iterator[tuple[str, _Slot]]:
        """(dotted name, slot) of every live parameter and persistent buffer, in state-dict
        order: each module's own parameters, then its buffers, then its children's."""
        for prefix, module in self.named_modules(  # type: ignore[attr-defined]
                remove_duplicate=False):
            for name, slot in _own_state(module):
                yield (f"{prefix}.{name}" if prefix else name), slot

    def _extra_state_owners(self, overridden: str) -> dict[str, Any]:
        """key -> module, for the modules whose class overrides `overridden`
        (set_extra_state when loading)."""
        return {(f"{prefix}." if prefix else "") + EXTRA_STATE: module
                for prefix, module in self.named_modules(  # type: ignore[attr-defined]
                    remove_duplicate=False)
                if _overrides(module, overridden)}

    def get_extra_state(self) -> Any:
        """Override (with set_extra_state) to save an object beside the tensors, under
        `<prefix>_extra_state`."""
        raise RuntimeError(f"{type(self).__name__}.get_extra_state: not overridden, so "
                           f"there is no extra state to get")

    def set_extra_state(self, state: Any) -> None:
        """Override (with get_extra_state) to restore what get_extra_state returned."""
        raise RuntimeError(f"{type(self).__name__}.set_extra_state: not overridden, so "
                           f"there is no extra state to set")

    def _upgrade_state(self, state: dict[str, Any], prefix: str, version: int | None) -> None:
        """Bring this module's entries of `state` (a copy; keys `prefix + name`) saved at
        state-dict `version` (None: unknown) up to the current layout. Nothing by default."""

    # ---- hooks ----
    def _add_state_hook(self, kind: str, method: str, hook: Callable[..., Any]
                        ) -> RemovableHandle:
        if not callable(hook):
            raise ArgumentTypeError(f"{type(self).__name__}.{method}: the hook must be "
                                    f"callable, got {type(hook).__name__} {hook!r}")
        hooks = self.__dict__.setdefault(kind, OrderedDict())
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle

    def register_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(module, prefix, keep_vars)` before the module's entries are saved."""
        return self._add_state_hook(SAVE_PRE, "register_state_dict_pre_hook", hook)

    def register_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(module, state_dict, prefix, local_metadata)` after the module's and its
        descendants' entries are saved; it may change state_dict in place, returns None."""
        return self._add_state_hook(SAVE_POST, "register_state_dict_post_hook",
                                    _PublicPostHook(hook))

    def _register_state_dict_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """PyTorch's older post-hook: like register_state_dict_post_hook, but a dict it
        returns at the root replaces the state dict."""
        return self._add_state_hook(SAVE_POST, "_register_state_dict_hook", hook)

    def register_load_state_dict_pre_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(module, state_dict, prefix, local_metadata, strict, missing_keys,
        unexpected_keys, error_msgs)` before anything is matched; it may edit state_dict (a
        copy of what is being loaded) and append to error_msgs (then loading raises)."""
        return self._add_state_hook(LOAD_PRE, "register_load_state_dict_pre_hook", hook)

    def _register_load_state_dict_pre_hook(self, hook: Callable[..., Any],
                                           with_module: bool = False) -> RemovableHandle:
        """PyTorch's private spelling: the hook is called without the module unless
        with_module."""
        called = hook if with_module else _WithoutModule(hook)
        return self._add_state_hook(LOAD_PRE, "_register_load_state_dict_pre_hook", called)

    def register_load_state_dict_post_hook(self, hook: Callable[..., Any]) -> RemovableHandle:
        """`hook(module, incompatible_keys)` after loading; it may remove entries from
        incompatible_keys.missing_keys / unexpected_keys (only those left raise under
        strict); it must return None."""
        return self._add_state_hook(LOAD_POST, "register_load_state_dict_post_hook", hook)

    def state_dict(self, *, destination: dict[str, Any] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Any]:
        """An OrderedDict of dotted name -> every parameter and persistent buffer as a
        detached Tensor sharing its memory (and its version counter), as PyTorch's
        `param.detach()`: an in-place write to `sd[name]` changes the module; keep_vars
        gives the live Parameter, Tensor (or ndarray buffer) itself. Names are prefixed by
        `prefix` and written into `destination` if given; its `_metadata` holds each
        module's state-dict version. State-dict hooks run as the module docstring says."""
        if destination is None:
            destination = OrderedDict()
        if not hasattr(destination, "_metadata"):
            try:
                destination._metadata = OrderedDict()  # type: ignore[attr-defined]
            except AttributeError:  # a plain dict takes no attribute
                pass
        metadata = getattr(destination, "_metadata", None)
        base = prefix[:-1] if prefix.endswith(".") else prefix
        open_modules: list[tuple[str, Any, dict]] = []  # visited, descendants still to come
        result = destination
        for path, module in self.named_modules(  # type: ignore[attr-defined]
                remove_duplicate=False):
            while open_modules and not _inside(path, open_modules[-1][0]):
                result = _save_post_hooks(*open_modules.pop(), destination, prefix, result)
            local = {"version": module._version}
            if metadata is not None:
                metadata[".".join(part for part in (base, path) if part)] = local
            head = prefix + (f"{path}." if path else "")
            for hook in tuple(module.__dict__.get(SAVE_PRE, {}).values()):
                hook(module, head, keep_vars)
            for name, slot in _own_state(module):
                destination[head + name] = slot.value if keep_vars else _detached(slot.value)
            if _overrides(module, "get_extra_state"):
                destination[head + EXTRA_STATE] = module.get_extra_state()
            open_modules.append((path, module, local))
        while open_modules:
            result = _save_post_hooks(*open_modules.pop(), destination, prefix, result)
        return result

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> _IncompatibleKeys:
        """Copy `state_dict`'s tensors (or ndarrays) into the parameters and buffers in
        place (so optimizers keep their references), casting to each target's dtype; with
        `assign`, put the state's arrays in their place instead (new Parameters sharing the
        given memory, keeping requires_grad).

        Nothing is changed unless everything fits: shape mismatches and values that are
        neither Tensors nor arrays always raise a StateDictError (a DataError and a
        RuntimeError) naming every offending key; missing and unexpected keys raise when
        `strict`. Returns PyTorch's `_IncompatibleKeys(missing_keys, unexpected_keys)`.
        """
        if not isinstance(state_dict, Mapping):
            raise ArgumentTypeError(f"load_state_dict into {type(self).__name__}: state must be a "
                                    f"mapping of name -> tensor (e.g. from state_dict() or "
                                    f"tg.load), got {type(state_dict).__name__}")
        state = OrderedDict(state_dict)
        metadata = getattr(state_dict, "_metadata", None) or {}
        missing: list[str] = []
        unexpected: list[str] = []
        problems: list[str] = []  # PyTorch's error_msgs: hooks may append
        modules = list(self.named_modules(  # type: ignore[attr-defined]
            remove_duplicate=False))
        for name, module in modules:
            local = dict(metadata.get(name) or {})
            prefix = f"{name}." if name else ""
            module._upgrade_state(state, prefix, local.get("version"))
            for hook in tuple(module.__dict__.get(LOAD_PRE, {}).values()):
                # strict is always True here, as PyTorch passes it to _load_from_state_dict
                hook(module, state, prefix, local, True, missing, unexpected, problems)
        slots = dict(self._state_items())
        extras = self._extra_state_owners("set_extra_state")
        missing += [name for name in (*slots, *extras) if name not in state]
        unexpected += [name for name in state if name not in slots and name not in extras]
        arrays: dict[str, np.ndarray] = {}
        for name, slot in slots.items():
            if name not in state:
                continue
            value = _array(state[name])
            target = slot.value._data if isinstance(slot.value, Tensor) else slot.value
            if not isinstance(value, np.ndarray | np.generic):
                problems.append(f'While copying the parameter named "{name}", expected a '
                                f'Tensor or an ndarray from checkpoint but received '
                                f'{type(value).__name__}')
            elif value.shape != target.shape:
                problems.append(f"size mismatch for {name}: copying a param with shape "
                                f"{value.shape} from checkpoint, the shape in current model "
                                f"is {target.shape}.")
            elif not assign and not np.can_cast(value.dtype, target.dtype, casting="same_kind"):
                problems.append(f'While copying the parameter named "{name}": dtype '
                                f'{value.dtype} cannot be stored in {target.dtype}')
            else:
                arrays[name] = value
        post_hooks = any(module.__dict__.get(LOAD_POST) for _, module in modules)
        if not post_hooks:  # all or nothing: refuse before changing anything
            problems[:0] = _key_problems(strict, missing, unexpected)
        if problems:
            raise StateDictError(_loading_errors(self, problems))
        for name, value in arrays.items():
            _put(slots[name], value, assign)
        for key, module in extras.items():
            if key in state:
                module.set_extra_state(state[key])
        result = _IncompatibleKeys(missing, unexpected)
        if post_hooks:  # PyTorch's order: each module after its descendants, then strict
            for module in _post_order(modules):
                for hook in tuple(module.__dict__.get(LOAD_POST, {}).values()):
                    if hook(module, result) is not None:
                        raise StateDictError(f"load_state_dict: a load_state_dict post-hook "
                                             f"must return None, {hook!r} did not")
            problems = _key_problems(strict, missing, unexpected)
            if problems:  # (the matching entries are loaded, as in PyTorch)
                raise StateDictError(_loading_errors(self, problems))
        return result


class _PublicPostHook:
    """A hook from register_state_dict_post_hook: it must return None (PyTorch's rule)."""

    def __init__(self, hook: Callable[..., Any]) -> None:
        self.hook = hook

    def __call__(self, *args: Any) -> None:
        if self.hook(*args) is not None:
            raise StateDictError(f"state_dict: a state_dict post-hook must return None, "
                                 f"{self.hook!r} did not")


class _WithoutModule:
    """A load pre-hook registered without the module: called without it."""

    def __init__(self, hook: Callable[..., Any]) -> None:
        self.hook = hook

    def __call__(self, module: Any, *args: Any) -> Any:
        return self.hook(*args)


def _inside(path: str, ancestor: str) -> bool:
    """Whether the module at dotted `path` lies below the one at `ancestor`."""
    return ancestor == "" or path.startswith(ancestor + ".")


def _save_post_hooks(path: str, module: Any, local: dict, destination: dict, prefix: str,
                     result: dict) -> dict:
    """Run a module's state-dict post-hooks. A dict one returns is what the module's later
    hooks see and, at the root, the result; below the root it is dropped (PyTorch's parent
    keeps writing into its own dict)."""
    head = prefix + (f"{path}." if path else "")
    current = destination if path else result
    for hook in tuple(module.__dict__.get(SAVE_POST, {}).values()):
        returned = hook(module, current, head, local)
        if returned is not None:
            current = returned
    return current if path == "" else result


def _post_order(modules: list[tuple[str, Any]]) -> Iterator[Any]:
    """The modules of a pre-order (path, module) list, each after its descendants."""
    open_modules: list[tuple[str, Any]] = []
    for path, module in modules:
        while open_modules and not _inside(path, open_modules[-1][0]):
            yield open_modules.pop()[1]
        open_modules.append((path, module))
    while open_modules:
        yield open_modules.pop()[1]


def _key_problems(strict: bool, missing: list[str], unexpected: list[str]) -> list[str]:
    """PyTorch's lines for the keys that do not match (only when `strict`)."""
    if not strict:
        return []
    return ([f"Missing key(s) in state_dict: {_quoted(missing)}. "] if missing else []) + \
        ([f"Unexpected key(s) in state_dict: {_quoted(unexpected)}. "] if unexpected else [])


def _quoted(keys: list[str]) -> str:
    return ", ".join(f'"{key}"' for key in keys)


def _loading_errors(module: Any, problems: list[str]) -> str:
    """PyTorch's message, one problem a line (scripts and test suites match its phrases:
    "Missing key(s) in state_dict", "size mismatch for")."""
    return f"Error(s) in loading state_dict for {type(module).__name__}:\n\t" + \
        "\n\t".join(problems)


def _own_state(module: Any) -> Iterator[tuple[str, _Slot]]:
    """(name, slot) of one module's own parameters, then its persistent buffers."""
    params, buffers, _ = module._registries()
    skipped = module.__dict__.get("_non_persistent_buffers", ())
    for registry in (params, buffers):
        for name, value in registry.items():
            if value is not None and not (registry is buffers and name in skipped):
                yield name, _Slot(module, registry, name, value)


def _detached(value: Any) -> Tensor:
    """A state-dict entry: the tensor detached (same memory, same version counter, no
    gradient), or an ndarray buffer wrapped in a Tensor over the same memory."""
    if isinstance(value, Tensor):
        return value.detach()
    return Tensor(value if isinstance(value, np.ndarray) else np.asarray(value))


def _overrides(module: Any, method: str) -> bool:
    """Whether the module's class defines its own get_extra_state or set_extra_state."""
    return getattr(type(module), method) is not getattr(ModuleState, method)


def _put(slot: _Slot, value: np.ndarray, assign: bool) -> None:
    """Store a checked array into a slot: in place, or (assign) as the slot's new value (a
    parameter stays a Parameter of the same class, keeping requires_grad)."""
    target = slot.value
    if not assign:
        np.copyto(target._data if isinstance(target, Tensor) else target, value,
                  casting="same_kind")
    elif slot.registry is slot.owner._registries()[0]:
        slot.registry[slot.local] = type(target)(np.asarray(value), target.requires_grad)
    elif isinstance(target, Tensor):
        slot.registry[slot.local] = Tensor(np.asarray(value))
    else:
        slot.registry[slot.local] = np.asarray(value)
