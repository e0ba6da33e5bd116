"""`functional_call(module, tensors, args)`, PyTorch's `torch.func.functional_call`: call a
module with some of its parameters and buffers replaced, by dotted name, for that call only
(the module's own tensors are back afterwards, also when the call raises). Gradients flow to
the tensors given: the basis of per-sample gradients and model ensembling with tg.func.

A name that is no parameter or buffer is set as a plain attribute of its submodule for the
call (and removed, or its tensor put back, afterwards), as PyTorch's; its submodules must
exist (PathLookupError, an AttributeError) and what it replaces must be a tensor.

With tie_weights (the default), a tensor shared under several names (tied embeddings) is
replaced everywhere it appears when any one of its names is given; strict requires a value
for every parameter and buffer and no other name (a StateDictError, a RuntimeError as
PyTorch's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ...errors import ArgumentError, ArgumentTypeError, StateDictError
from ...tensor import Tensor
from ..module import Module

__all__ = ["functional_call"]


def _merged(op: str, dicts: Any) -> dict[str, Any]:
    items = [dicts] if isinstance(dicts, Mapping) else dicts
    if not isinstance(items, Sequence) or not all(isinstance(d, Mapping) for d in items):
        raise ArgumentTypeError(f"{op}: parameter_and_buffer_dicts must be a dict of name -> "
                                f"Tensor or a sequence of such dicts, got "
                                f"{type(dicts).__name__}")
    merged: dict[str, Any] = {}
    for d in items:
        for name, value in d.items():
            if name in merged:
                raise ArgumentError(f"{op}: '{name}' appears in more than one of the dicts")
            if not isinstance(value, Tensor | np.ndarray):
                raise ArgumentTypeError(f"{op}: the value of '{name}' must be a Tensor, got "
                                        f"{type(value).__name__}")
            merged[name] = value
    return merged


def functional_call(module: Module, parameter_and_buffer_dicts: Any, args: Any = None,
                    kwargs: dict[str, Any] | None = None, *, tie_weights: bool = True,
                    strict: bool = False) -> Any:
    """module(*args, **kwargs) with the named parameters and buffers replaced by the given
    tensors for the call (see the module docstring); args may be a single non-tuple."""
    op = "functional_call"
    if not isinstance(module, Module):
        raise ArgumentTypeError(f"{op}: module must be a Module, got {type(module).__name__}")
    given = _merged(op, parameter_and_buffer_dicts)
    slots = []  # (registry, local name, full name, current value) of every occurrence
    for prefix, owner in module.named_modules(remove_duplicate=False):
        params, buffers, _ = owner._registries()
        for registry in (params, buffers):
            for local, value in registry.items():
                if value is not None:
                    slots.append((registry, local, f"{prefix}.{local}" if prefix else local,
                                  value))
    names = {full for _, _, full, _ in slots}
    unexpected = [name for name in given if name not in names]
    missing = [name for name in sorted(names) if name not in given]
    if strict and (missing or unexpected):
        raise StateDictError(f"{op}: strict=True: missing {missing}, unexpected {unexpected}")
    plain = [_plain_slot(op, module, name) for name in unexpected]
    by_tensor = {}  # a tied tensor: the value given for any of its names
    if tie_weights:
        for _, _, full, value in slots:
            if full in given:
                previous = by_tensor.setdefault(id(value), given[full])
                if previous is not given[full]:
                    raise ArgumentError(f"{op}: tied tensors got different values ('{full}' "
                                        f"and another name of the same tensor)")
    swapped = []
    set_plain: list[tuple[Module, str, Any]] = []
    try:
        for registry, local, full, value in slots:
            new = given.get(full, by_tensor.get(id(value)))
            if new is not None:
                swapped.append((registry, local, value))
                registry[local] = new
        for (owner, local, value), name in zip(plain, unexpected):
            set_plain.append((owner, local, value))
            setattr(owner, local, given[name])
        if args is None:
            args = ()
        elif not isinstance(args, tuple):
            args = (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for registry, local, value in reversed(swapped):
            registry[local] = value
        for owner, local, value in reversed(set_plain):
            if value is _MISSING:
                delattr(owner, local)
            else:
                setattr(owner, local, value)


_MISSING = object()


def _plain_slot(op: str, module: Module, name: str) -> tuple[Module, str, Any]:
    """(submodule, attribute, its value or _MISSING) for a name that is no parameter or
    buffer: PyTorch's functional_call sets it as a plain attribute for the call (a tensor
    kept as an attribute, or a new one), provided its submodules exist and what it
    replaces is a tensor."""
    path, _, local = name.rpartition(".")
    owner = module.get_submodule(path) if path else module  # PathLookupError (AttributeError)
    value = owner.__dict__.get(local, _MISSING)
    if value is not _MISSING and not isinstance(value, Tensor | np.ndarray):
        raise ArgumentTypeError(f"{op}: '{name}' of {type(module).__name__} is neither a "
                                f"parameter, a buffer nor a tensor attribute: it holds "
                                f"{type(value).__name__} {value!r:.40}")
    if value is _MISSING and hasattr(owner, local):  # a method, a property: not replaced
        raise ArgumentTypeError(f"{op}: '{name}' of {type(module).__name__} is a "
                                f"{type(getattr(type(owner), local, None)).__name__} of its "
                                f"class, not a parameter, a buffer or a tensor attribute")
    return owner, local, value
