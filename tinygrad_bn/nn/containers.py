"""ModuleList and ModuleDict: submodules held in a list or a dict, registered under their
index or key (so their parameters and state-dict keys are "0.weight", "encoder.weight", ...
as in PyTorch). Unlike Sequential, neither defines forward: the owner decides the order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import ArgumentTypeError, IndexOutOfRange
from .module import Module


def _module(owner: str, where: Any, value: Any) -> Module:
    if not isinstance(value, Module):
        raise ArgumentTypeError(f"{owner}: entry {where!r} is a {type(value).__name__}, not a "
                                f"Module")
    return value


class ModuleList(Module):
    """A list of Modules: indexing, len, iteration, append, extend, insert."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _list(self) -> list[Module]:
        return list(self._registries()[2].values())

    def _index(self, index: int) -> int:
        n = len(self)
        if not isinstance(index, int) or not -n <= index < n:
            raise IndexOutOfRange(f"ModuleList: index {index!r} is out of range for {n} "
                                  f"modules")
        return index % n

    def _reset(self, modules: list[Module]) -> None:
        registry = self._registries()[2]
        registry.clear()
        for i, module in enumerate(modules):
            registry[str(i)] = module

    def __len__(self) -> int:
        return len(self._registries()[2])

    def __iter__(self) -> Iterator[Module]:
        return iter(self._list())

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ModuleList(self._list()[index])
        return self._list()[self._index(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        self._registries()[2][str(self._index(index))] = _module("ModuleList", index, module)

    def __delitem__(self, index: int | slice) -> None:
        modules = self._list()
        del modules[index if isinstance(index, slice) else self._index(index)]
        self._reset(modules)

    def append(self, module: Module) -> ModuleList:
        self._registries()[2][str(len(self))] = _module("ModuleList", len(self), module)
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = self._list()
        modules.insert(index, _module("ModuleList", index, module))
        self._reset(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])


class ModuleDict(Module):
    """An ordered dict of Modules: d[key], keys/values/items, update, pop, `in`, len."""

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
        return iter(list(self._registries()[2]))

    def __contains__(self, key: object) -> bool:
        return key in self._registries()[2]

    def keys(self) -> list[str]:
        return list(self._registries()[2])

    def values(self) -> list[Module]:
        return list(self._registries()[2].values())

    def items(self) -> list[tuple[str, Module]]:
        return list(self._registries()[2].items())

    def pop(self, key: str) -> Module:
        module = self[key]
        del self._registries()[2][key]
        return module

    def clear(self) -> None:
        self._registries()[2].clear()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        pairs = modules.items() if isinstance(modules, Mapping | ModuleDict) else modules
        for key, module in pairs:
            self[key] = module
