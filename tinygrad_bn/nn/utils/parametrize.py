"""Parametrizations, PyTorch's `torch.nn.utils.parametrize`: a module's tensor computed on
every access from the tensors it is parametrized by.

`register_parametrization(module, "weight", P())` moves `module.weight` to
`module.parametrizations.weight.original` (a ParametrizationList holding the chain of
parametrizations) and makes `module.weight` a property returning P()(original): the
module's class is replaced by a subclass `Parametrized<Class>` that holds the property.
If P has a `right_inverse`, the stored original is `right_inverse(weight)` (several
originals `original0`, `original1`, ... when it returns a tuple), and assigning
`module.weight = value` stores `right_inverse(value)`. The state dict's keys are
PyTorch's (`parametrizations.weight.original`). `remove_parametrizations` puts a plain
tensor back (the parametrized value, or the original), and the module's class with it.
Inside `with cached():` each parametrized tensor is computed once.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from ...errors import ArgumentError, ArgumentTypeError
from ...modes import no_grad
from ...tensor import Tensor
from ..containers import ModuleDict, ModuleList
from ..module import Module, Parameter

__all__ = ["ParametrizationList", "cached", "is_parametrized", "register_parametrization",
           "remove_parametrizations", "type_before_parametrizations"]

_cache = threading.local()  # per thread: whether cached() is on, and the values computed


def _cache_store() -> dict | None:
    return getattr(_cache, "values", None)


@contextlib.contextmanager
def cached() -> Iterator[None]:
    """Compute each parametrized tensor once inside the block (e.g. a weight used at every
    step of a recurrent loop); nested blocks share the outer one's cache."""
    if _cache_store() is not None:
        yield
        return
    _cache.values = {}
    try:
        yield
    finally:
        _cache.values = None


class ParametrizationList(ModuleList):
    """The parametrizations of one tensor, applied in order, and the original tensor(s)
    they start from: `original`, or `original0`, `original1`, ... when the first
    parametrization's right_inverse returns a tuple."""

    def __init__(self, modules: list[Module], original: Tensor, unsafe: bool = False) -> None:
        super().__init__(modules)
        self.unsafe = unsafe
        first = modules[0]
        new = original
        if hasattr(first, "right_inverse"):
            try:
                with no_grad():
                    new = first.right_inverse(original)
            except NotImplementedError:  # as PyTorch: then it is taken as the identity
                new = original
        self.is_tensor = isinstance(new, Tensor)
        self.ntensors = 1 if self.is_tensor else len(new)
        if self.is_tensor:
            _check_same(type(first).__name__, "right_inverse", original, new, unsafe)
            with no_grad():  # keep the object (optimizers hold it), take the new values
                original.data = new._data
            _register_original(self, "original", original)
        else:
            if not isinstance(new, list | tuple) or not all(isinstance(t, Tensor) for t in new):
                raise ArgumentTypeError(f"register_parametrization: {type(first).__name__}."
                                        f"right_inverse must return a Tensor or a sequence of "
                                        f"Tensors, got {type(new).__name__}")
            for i, tensor in enumerate(new):
                fresh = Parameter(np.array(tensor._data), original.requires_grad) \
                    if isinstance(original, Parameter) else Tensor(np.array(tensor._data))
                _register_original(self, f"original{i}", fresh)
        if not unsafe:
            _check_same(type(first).__name__, "forward", original, self(), unsafe)

    def right_inverse(self, value: Tensor) -> None:
        """Store `value` through the chain's right inverses (last parametrization first), as
        assigning to the parametrized tensor does."""
        with no_grad():
            for module in reversed(list(self)):
                if not hasattr(module, "right_inverse"):
                    raise ArgumentError(f"setting a parametrized tensor needs a right_inverse "
                                        f"on {type(module).__name__}")
                value = module.right_inverse(value)
            if self.is_tensor:
                if not isinstance(value, Tensor):
                    raise ArgumentTypeError(f"right_inverse must return a Tensor, got "
                                            f"{type(value).__name__}")
                self.original.data = value._data
            else:
                if not isinstance(value, list | tuple) or len(value) != self.ntensors:
                    raise ArgumentTypeError(f"right_inverse must return a sequence of "
                                            f"{self.ntensors} Tensors, got {value!r}")
                for i, tensor in enumerate(value):
                    getattr(self, f"original{i}").data = tensor._data

    def forward(self) -> Tensor:
        modules = list(self)
        if self.is_tensor:
            x = modules[0](self.original)
        else:
            x = modules[0](*(getattr(self, f"original{i}") for i in range(self.ntensors)))
        for module in modules[1:]:
            x = module(x)
        return x


def _register_original(owner: Module, name: str, tensor: Tensor) -> None:
    if isinstance(tensor, Parameter):
        owner.register_parameter(name, tensor)
    else:
        owner.register_buffer(name, tensor)


def _check_same(op: str, what: str, original: Tensor, new: Any, unsafe: bool) -> None:
    """Unless unsafe, a parametrization must keep the tensor's shape and dtype."""
    if unsafe:
        return
    if not isinstance(new, Tensor):
        raise ArgumentTypeError(f"register_parametrization: {op}.{what} must return a Tensor "
                                f"(or pass unsafe=True), got {type(new).__name__}")
    if new.shape != original.shape or new.dtype != original.dtype:
        raise ArgumentError(f"register_parametrization: {op}.{what} changed the tensor from "
                            f"shape {original.shape} dtype {original.dtype} to shape "
                            f"{new.shape} dtype {new.dtype} (pass unsafe=True to allow it)")


def _inject_class(module: Module) -> None:
    cls = type(module)
    name = f"Parametrized{cls.__name__}"
    module.__class__ = type(name, (cls,), {"__module__": cls.__module__,
                                           "_before_parametrizations": cls})


def _inject_property(module: Module, tensor_name: str) -> None:
    def get(self: Module) -> Tensor:
        store = _cache_store()
        if store is None:
            return self.parametrizations[tensor_name]()
        key = (id(self), tensor_name)
        if key not in store:
            store[key] = self.parametrizations[tensor_name]()
        return store[key]

    def put(self: Module, value: Any) -> None:
        self.parametrizations[tensor_name].right_inverse(value)

    setattr(type(module), tensor_name, property(get, put))


def register_parametrization(module: Module, tensor_name: str, parametrization: Module, *,
                             unsafe: bool = False) -> Module:
    """Make `module.<tensor_name>` the output of `parametrization` (see the module
    docstring); a second registration on the same tensor chains after the first.
    Returns the module."""
    if not isinstance(module, Module):
        raise ArgumentTypeError(f"register_parametrization: module must be a Module, got "
                                f"{type(module).__name__}")
    if not isinstance(parametrization, Module):
        raise ArgumentTypeError(f"register_parametrization: the parametrization must be a "
                                f"Module, got {type(parametrization).__name__}")
    if is_parametrized(module, tensor_name):
        chain = module.parametrizations[tensor_name]
        if not unsafe:
            value = getattr(module, tensor_name)
            out = parametrization(value)
            _check_same(type(parametrization).__name__, "forward", value, out, unsafe)
            if hasattr(parametrization, "right_inverse"):
                back = parametrization.right_inverse(out)
                _check_same(type(parametrization).__name__, "right_inverse", value, back,
                            unsafe)
        chain.append(parametrization)
        chain.unsafe |= unsafe
        return module
    params, buffers, _ = module._registries()
    if tensor_name not in params and tensor_name not in buffers:
        raise ArgumentError(f"register_parametrization: {type(module).__name__} has no "
                            f"parameter or buffer '{tensor_name}'")
    original = params.get(tensor_name, buffers.get(tensor_name))
    if original is None:
        raise ArgumentError(f"register_parametrization: {type(module).__name__}.{tensor_name} "
                            f"is None")
    if not isinstance(original, Tensor):  # an ndarray buffer: parametrize a Tensor of it
        original = Tensor(original)
    chain = ParametrizationList([parametrization], original, unsafe=unsafe)
    delattr(module, tensor_name)
    if not is_parametrized(module):
        _inject_class(module)
        module.parametrizations = ModuleDict()
    module.parametrizations[tensor_name] = chain
    _inject_property(module, tensor_name)
    return module


def is_parametrized(module: Module, tensor_name: str | None = None) -> bool:
    """Whether the module has parametrizations (on `tensor_name`, if given)."""
    chains = module._registries()[2].get("parametrizations") if isinstance(module, Module) \
        else None
    if not isinstance(chains, ModuleDict):
        return False
    return len(chains) > 0 if tensor_name is None else tensor_name in chains


def type_before_parametrizations(module: Module) -> type:
    """The module's class before parametrizations replaced it."""
    return getattr(type(module), "_before_parametrizations", type(module)) \
        if is_parametrized(module) else type(module)


def remove_parametrizations(module: Module, tensor_name: str,
                            leave_parametrized: bool = True) -> Module:
    """Put a plain tensor back at `module.<tensor_name>`: the parametrized value (default,
    stored into the original Parameter object) or the original itself; the class is restored
    when no parametrization is left."""
    if not is_parametrized(module, tensor_name):
        raise ArgumentError(f"remove_parametrizations: {type(module).__name__} has no "
                            f"parametrization on '{tensor_name}'")
    chain = module.parametrizations[tensor_name]
    if chain.is_tensor:
        original = chain.original
        if leave_parametrized:
            with no_grad():
                value = getattr(module, tensor_name)
            original.data = np.array(value._data)
    elif leave_parametrized:
        with no_grad():
            value = getattr(module, tensor_name)
        first = chain.original0
        original = Parameter(np.array(value._data), first.requires_grad) \
            if isinstance(first, Parameter) else Tensor(np.array(value._data))
    else:
        raise ArgumentError("remove_parametrizations: a tensor parametrized by several "
                            "originals cannot be left unparametrized "
                            "(leave_parametrized=False)")
    delattr(type(module), tensor_name)
    del module.parametrizations[tensor_name]
    _register_original(module, tensor_name, original)
    if not is_parametrized(module):
        del module.parametrizations
        module.__class__ = type(module)._before_parametrizations
    return module
