"""Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict, with PyTorch's
operations and errors.

Submodules are registered under their index or key, so their parameters and state-dict keys
are "0.weight", "encoder.weight", ... as in PyTorch. Sequential calls its modules in order;
ModuleList and ModuleDict define no forward (the owner decides the order). ParameterList and
ParameterDict register Parameters the same way ("params.0", "gains.scale"); a plain Tensor
put in one becomes a Parameter sharing its memory, and any other object is kept as a plain
attribute, as PyTorch 2's do.

A deletion renumbers a list's keys 0..n-1 (PyTorch's rule, Sequential built from an
OrderedDict included); an insertion takes positions -n..n, as PyTorch's Sequential.insert
(ModuleList's too: PyTorch's fails with a KeyError on a negative one).
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError, IndexOutOfRange, PathLookupError
from ..tensor import Tensor
from .module import Module, Parameter, _layout


class MissingEntryError(PathLookupError, KeyError):
    """A ParameterDict has no such key: PyTorch raises AttributeError (its lookup is an
    attribute's); a KeyError too, as a dict's."""

    def __str__(self) -> str:  # a message, not KeyError's repr of it
        return str(self.args[0]) if self.args else ""


class NotAModuleError(ArgumentTypeError, AssertionError):
    """insert() of something that is not a Module: PyTorch asserts (AssertionError)."""


def _module(owner: str, where: Any, value: Any) -> Module:
    if not isinstance(value, Module):
        raise ArgumentTypeError(f"{owner}: entry {where!r} is a {type(value).__name__}, not a "
                                f"Module")
    return value


def _position(owner: str, index: Any, n: int, what: str = "modules") -> int:
    """`index` (an int, or anything with __index__) as a position in 0..n-1."""
    try:
        index = operator.index(index)
    except TypeError:
        raise ArgumentTypeError(f"{owner}: indices must be integers or slices, got "
                                f"{type(index).__name__} {index!r}") from None
    if not -n <= index < n:
        raise IndexOutOfRange(f"{owner}: index {index} is out of range for {n} {what}")
    return index % n


def _iterable(owner: str, values: Any, tensor_too: bool = False) -> Any:
    """`values` if it is iterable (a Tensor only with `tensor_too`), else PyTorch's TypeError."""
    if not isinstance(values, Iterable) or isinstance(values, Tensor) and not tensor_too:
        raise ArgumentTypeError(f"{owner} should be called with an iterable, but got "
                                f"{type(values).__name__}")
    return values


def _pairs(owner: str, values: Any) -> Iterator[tuple[Any, Any]]:
    """The (key, value) pairs of a Mapping, or of an iterable of 2-sequences, with PyTorch's
    errors for anything else (TypeError, ValueError for a wrong length)."""
    if isinstance(values, Mapping | ModuleDict | ParameterDict):
        yield from values.items()
        return
    for j, pair in enumerate(_iterable(owner, values, tensor_too=True)):
        if not isinstance(pair, Iterable):
            raise ArgumentTypeError(f"{owner} sequence element #{j} should be Iterable; is "
                                    f"{type(pair).__name__}")
        pair = tuple(pair)
        if len(pair) != 2:
            raise ArgumentError(f"{owner} sequence element #{j} has length {len(pair)}; 2 is "
                                f"required")
        yield pair


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: submodules under "0", "1", ... ."""

    def _list(self) -> list[Module]:
        return list(self._registries()[2].values())

    def _renumber(self, modules: list[Module]) -> None:
        registry = self._registries()[2]
        registry.clear()
        for i, module in enumerate(modules):
            registry[str(i)] = module

    def __len__(self) -> int:
        return len(self._registries()[2])

    def __iter__(self) -> Iterator[Module]:
        return iter(self._list())

    def __dir__(self) -> list[str]:
        return [key for key in super().__dir__() if not key.isdigit()]

    def __setitem__(self, index: int, module: Module) -> None:
        owner = type(self).__name__
        keys = list(self._registries()[2])
        key = keys[_position(owner, index, len(keys))]
        self._registries()[2][key] = _module(owner, index, module)

    def __delitem__(self, index: int | slice) -> None:
        modules = self._list()
        if isinstance(index, slice):
            del modules[index]
        else:
            del modules[_position(type(self).__name__, index, len(modules))]
        self._renumber(modules)

    def pop(self, index: int | slice = -1) -> Any:
        """Remove the entry (or slice) at `index` and return it."""
        value = self[index]
        del self[index]
        return value

    def append(self, module: Module) -> Any:
        self.add_module(str(len(self)), _module(type(self).__name__, len(self), module))
        return self

    def extend(self, modules: Iterable[Module]) -> Any:
        for module in list(_iterable(f"{type(self).__name__}.extend", modules)):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Any:
        """Put `module` before position `index` (-len(self) <= index <= len(self); negative
        from the end, as PyTorch's Sequential.insert)."""
        owner = type(self).__name__
        if not isinstance(module, Module):
            raise NotAModuleError(f"{owner}.insert: module should be of type Module, got "
                                  f"{type(module).__name__}")
        modules = self._list()
        n, index = len(modules), operator.index(index)
        if not -n <= index <= n:
            raise IndexOutOfRange(f"{owner}.insert: index {index} is out of range for {n} "
                                  f"modules")
        modules.insert(index, _module(owner, index, module))
        self._renumber(modules)
        return self

    def __iadd__(self, other: Iterable[Module]) -> Any:
        return self.extend(other)


class Sequential(_ModuleSequence):
    """Modules applied one after another: `Sequential(a, b)(x) == b(a(x))`; from one
    OrderedDict they are registered under its keys (named children, state-dict keys)."""

    def __init__(self, *modules: Module) -> None:
        super().__init__()
        ordered = len(modules) == 1 and isinstance(modules[0], OrderedDict)
        for index, module in modules[0].items() if ordered else enumerate(modules):
            if isinstance(module, type):
                raise ArgumentTypeError(f"Sequential: argument {index!r} is the class "
                                        f"{module.__name__}, not a Module instance (did you mean "
                                        f"{module.__name__}(...)?)")
            if not isinstance(module, Module):
                raise ArgumentTypeError(f"Sequential: argument {index!r} is a "
                                        f"{type(module).__name__}, not a Module")
            self.add_module(str(index), module)

    def __getitem__(self, index: int | slice) -> Any:
        items = list(self._registries()[2].items())
        if isinstance(index, slice):  # a slice keeps the keys, as PyTorch's
            return type(self)(OrderedDict(items[index]))
        return items[_position("Sequential", index, len(items))][1]

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ArgumentError(f"add operator supports only objects of Sequential class, but "
                                f"{type(other).__name__} is given.")
        return Sequential(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise ArgumentError(f"add operator supports only objects of Sequential class, but "
                                f"{type(other).__name__} is given.")
        return self.extend(list(other))

    def _times(self, other: Any) -> int:
        if not isinstance(other, int) or isinstance(other, bool):
            raise ArgumentTypeError(f"unsupported operand type(s) for *: {type(self).__name__} "
                                    f"and {type(other).__name__}")
        if other <= 0:
            raise ArgumentError(f"Non-positive multiplication factor {other} for "
                                f"{type(self).__name__}")
        return other

    def __mul__(self, other: int) -> Sequential:
        """The same modules (not copies) `other` times over, as PyTorch's."""
        return Sequential(*(self._list() * self._times(other)))

    __rmul__ = __mul__

    def __imul__(self, other: int) -> Sequential:
        return self.extend(self._list() * (self._times(other) - 1))

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():  # (an instance attribute: no __getattr__)
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of Modules: indexing, slicing, len, iteration, append, extend, insert, pop,
    `del`, `+` (with any iterable of Modules) and `+=`."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __repr__(self) -> str:
        """PyTorch's: a run of entries with the same repr shown once, as
        `(first-last): n x repr`."""
        runs: list[list[Any]] = []  # [first index, last index, repr]
        for index, module in enumerate(self._list()):
            text = repr(module)
            if runs and runs[-1][2] == text:
                runs[-1][1] = index
            else:
                runs.append([index, index, text])
        lines = [(f"({first}): " if first == last else
                  f"({first}-{last}): {last - first + 1} x ") + text.replace("\n", "\n  ")
                 for first, last, text in runs]
        return _layout(self._get_name(), [], lines)

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)(self._list()[index])
        return self._list()[_position("ModuleList", index, len(self))]

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *_iterable("ModuleList.__add__", other)])


class ModuleDict(Module):
    """An ordered dict of Modules: d[key], keys/values/items (dict views), update (a mapping
    or (key, module) pairs), pop, clear, `in`, len."""

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        registry = self._registries()[2]
        if key not in registry:
            raise KeyError(f"ModuleDict: no module {key!r} (keys: {list(registry)})")
        return registry[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _module("ModuleDict", key, module))

    def __delitem__(self, key: str) -> None:
        self.pop(key)

    def __len__(self) -> int:
        return len(self._registries()[2])

    def __iter__(self) -> Iterator[str]:
        return iter(self._registries()[2])

    def __contains__(self, key: object) -> bool:
        return key in self._registries()[2]

    def keys(self) -> Any:
        return self._registries()[2].keys()

    def values(self) -> Any:
        return self._registries()[2].values()

    def items(self) -> Any:
        return self._registries()[2].items()

    def pop(self, key: str) -> Module:
        module = self[key]
        del self._registries()[2][key]
        return module

    def clear(self) -> None:
        self._registries()[2].clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        for key, module in list(_pairs("ModuleDict.update", modules)):
            self[key] = module


def _as_entry(value: Any) -> Any:
    """What a parameter container stores: a Parameter as it is, another Tensor wrapped into
    a Parameter sharing its memory, any other object as it is (a plain attribute)."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _put_entry(owner: Module, key: str, value: Any) -> None:
    """Register a Parameter (or None in a parameter's place) under `key`; keep any other
    object as a plain attribute (out of the parameters)."""
    params = owner._registries()[0]
    if isinstance(value, Parameter) or value is None and key in params:
        owner._store(key, value, params)
    else:
        params.pop(key, None)
        Module.__setattr__(owner, key, value)


def _entry_line(name: str, value: Any) -> str:
    """PyTorch's line for one entry (indented once more than the module's other lines)."""
    if isinstance(value, Tensor):
        size = "x".join(str(n) for n in value.shape)
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        return f"  ({name}): {kind} containing: [tg.{value.dtype} of size {size}]"
    return f"  ({name}): Object of type: {type(value).__name__}"


class ParameterList(Module):
    """A list of Parameters, registered under "0", "1", ...: indexing, slicing, len,
    iteration, append, extend, `+=`; a Tensor is wrapped into a Parameter, another object
    kept as it is."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return iter([self[i] for i in range(len(self))])

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return type(self)([self[i] for i in range(len(self))[index]])
        return getattr(self, str(_position("ParameterList", index, len(self), "parameters")))

    def __setitem__(self, index: int, value: Any) -> None:
        key = str(_position("ParameterList", index, len(self), "parameters"))
        _put_entry(self, key, _as_entry(value))

    def __dir__(self) -> list[str]:
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, value: Any) -> ParameterList:
        object.__setattr__(self, "_size", self._size + 1)
        _put_entry(self, str(self._size - 1), _as_entry(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        for value in list(_iterable("ParameterList.extend", values)):
            self.append(value)
        return self

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def extra_repr(self) -> str:
        return "\n".join(_entry_line(str(i), p) for i, p in enumerate(self))


class ParameterDict(Module):
    """An ordered dict of Parameters, registered under their keys: d[key], keys/values/
    items, update, pop, popitem, get, setdefault, fromkeys, copy, `|`, `in`, len; a Tensor is
    wrapped into a Parameter, another object kept as it is. As PyTorch's, update() and the
    constructor take a plain dict's items sorted by key (an OrderedDict's in order)."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
                 ) -> None:
        super().__init__()
        object.__setattr__(self, "_keys", {})
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise MissingEntryError(f"ParameterDict: no entry {key!r} (keys: "
                                    f"{list(self._keys)})")
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise ArgumentTypeError(f"ParameterDict: keys must be str, got "
                                    f"{type(key).__name__} {key!r}")
        value = _as_entry(value)
        self._check_name(key)
        self._keys[key] = None
        _put_entry(self, key, value)

    def __delitem__(self, key: str) -> None:
        self[key]  # noqa: B018 (the missing key's error)
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._keys))

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Any:
        return self._keys.keys()

    def values(self) -> Iterator[Any]:
        return (self[k] for k in list(self._keys))

    def items(self) -> Iterator[tuple[str, Any]]:
        return ((k, self[k]) for k in list(self._keys))

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self else default

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def pop(self, key: str) -> Any:
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def clear(self) -> None:
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same Parameters (not copies)."""
        return ParameterDict(OrderedDict(self.items()))

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        return ParameterDict(OrderedDict((k, default) for k in keys))

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        if isinstance(parameters, Mapping) and not isinstance(parameters, OrderedDict):
            pairs: Iterable[tuple[Any, Any]] = sorted(parameters.items())
        else:
            pairs = list(_pairs("ParameterDict.update", parameters))
        for key, value in pairs:
            self[key] = value

    def __or__(self, other: ParameterDict) -> ParameterDict:
        if not isinstance(other, ParameterDict):
            return NotImplemented
        joined = self.copy()
        joined.update(OrderedDict(other.items()))
        return joined

    def __ror__(self, other: ParameterDict) -> ParameterDict:
        if not isinstance(other, ParameterDict):
            return NotImplemented
        return other.__or__(self)

    def __ior__(self, other: Any) -> ParameterDict:
        self.update(other)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_entry_line(k, p) for k, p in self.items())
