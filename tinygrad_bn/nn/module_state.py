"""A Module's state dict: `state_dict` saves every parameter and persistent buffer under its
dotted name, `load_state_dict` copies a state dict back (in place, or by assignment).

As PyTorch's, the state dict is an OrderedDict whose `_metadata` attribute records each
module's state-dict `version` (a class attribute `_version`, 1 unless a layer changed its
state's layout): loading an older or unversioned state dict (a plain dict, a loaded
checkpoint) lets each module `_upgrade_state` it first, e.g. batch norm fills the
`num_batches_tracked` counter that version 1 lacked. A module overriding
`get_extra_state`/`set_extra_state` saves and restores any object under `<prefix>_extra_state`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..errors import ArgumentTypeError, StateDictError
from ..tensor import Tensor

EXTRA_STATE = "_extra_state"


class IncompatibleKeys(NamedTuple):
    """What `load_state_dict(strict=False)` did not match."""

    missing_keys: list[str]
    unexpected_keys: list[str]


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

    def state_dict(self, *, destination: dict[str, Any] | None = None, prefix: str = "",
                   keep_vars: bool = False) -> OrderedDict[str, Any]:
        """An OrderedDict of dotted name -> a copy of every parameter's and persistent
        buffer's array (keep_vars: the live Parameter, Tensor or ndarray itself), names
        prefixed by `prefix`, written into `destination` if given; its `_metadata` holds
        each module's state-dict version."""
        if destination is None:
            destination = OrderedDict()
        if not hasattr(destination, "_metadata"):
            try:
                destination._metadata = OrderedDict()  # type: ignore[attr-defined]
            except AttributeError:  # a plain dict takes no attribute
                pass
        metadata = getattr(destination, "_metadata", None)
        base = prefix[:-1] if prefix.endswith(".") else prefix
        for path, module in self.named_modules(  # type: ignore[attr-defined]
                remove_duplicate=False):
            if metadata is not None:
                metadata[".".join(part for part in (base, path) if part)] = {
                    "version": module._version}
            head = prefix + (f"{path}." if path else "")
            for name, slot in _own_state(module):
                value = slot.value
                if not keep_vars:
                    value = (value._data if isinstance(value, Tensor) else value).copy()
                destination[head + name] = value
            if _overrides(module, "get_extra_state"):
                destination[head + EXTRA_STATE] = module.get_extra_state()
        return destination

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy `state_dict`'s arrays into the parameters and buffers in place (so optimizers
        keep their references), casting to each target's dtype; with `assign`, put the
        state's arrays in their place instead (new Parameters, keeping requires_grad).

        Nothing is changed unless everything fits: shape mismatches and values that are
        not arrays always raise a StateDictError (a DataError and a RuntimeError) naming
        every offending key; missing and unexpected keys raise when `strict`, else are
        returned.
        """
        if not isinstance(state_dict, Mapping):
            raise ArgumentTypeError(f"load_state_dict into {type(self).__name__}: state must be a "
                                    f"mapping of name -> array (e.g. from state_dict() or "
                                    f"tg.load), got {type(state_dict).__name__}")
        state = dict(state_dict)
        metadata = getattr(state_dict, "_metadata", None) or {}
        for name, module in self.named_modules(  # type: ignore[attr-defined]
                remove_duplicate=False):
            version = (metadata.get(name) or {}).get("version")
            module._upgrade_state(state, f"{name}." if name else "", version)
        slots = dict(self._state_items())
        extras = self._extra_state_owners("set_extra_state")
        missing = [name for name in (*slots, *extras) if name not in state]
        unexpected = [name for name in state if name not in slots and name not in extras]
        problems = []
        arrays: dict[str, np.ndarray] = {}
        for name, slot in slots.items():
            if name not in state:
                continue
            value = _array(state[name])
            target = slot.value._data if isinstance(slot.value, Tensor) else slot.value
            if not isinstance(value, np.ndarray | np.generic):
                problems.append(f"'{name}': expected an ndarray, got {type(value).__name__}")
            elif value.shape != target.shape:
                problems.append(f"'{name}': shape {value.shape} in the checkpoint, "
                                f"{target.shape} in the model")
            elif not assign and not np.can_cast(value.dtype, target.dtype, casting="same_kind"):
                problems.append(f"'{name}': dtype {value.dtype} cannot be stored in "
                                f"{target.dtype}")
            else:
                arrays[name] = value
        if strict:
            if missing:
                problems.append("missing keys: " + ", ".join(missing))
            if unexpected:
                problems.append("unexpected keys: " + ", ".join(unexpected))
        if problems:
            raise StateDictError(f"load_state_dict into {type(self).__name__}: "
                                 + "; ".join(problems))
        for name, value in arrays.items():
            _put(slots[name], value, assign)
        for key, module in extras.items():
            if key in state:
                module.set_extra_state(state[key])
        return IncompatibleKeys(missing, unexpected)


def _own_state(module: Any) -> Iterator[tuple[str, _Slot]]:
    """(name, slot) of one module's own parameters, then its persistent buffers."""
    params, buffers, _ = module._registries()
    skipped = module.__dict__.get("_non_persistent_buffers", ())
    for registry in (params, buffers):
        for name, value in registry.items():
            if value is not None and not (registry is buffers and name in skipped):
                yield name, _Slot(module, registry, name, value)


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
