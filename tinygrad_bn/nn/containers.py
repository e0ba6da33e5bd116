"""ModuleList and ModuleDict: submodules held in a list or a dict, registered under their
index or key (so their parameters and state-dict keys are "0.weight", "encoder.weight", ...
as in PyTorch). Unlike Sequential, neither defines forward: the owner decides the order.
ParameterList and ParameterDict hold parameters the same way ("0", "scale": state-dict
keys "params.0", "gains.scale"); a plain Tensor put in one becomes a Parameter sharing its
memory, as PyTorch's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import ArgumentTypeError, IndexOutOfRange
from ..tensor import Tensor
from .module import Module, Parameter, _layout


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


def _parameter(owner: str, where: Any, value: Any) -> Parameter:
    """`value` as the Parameter a container registers: a Parameter itself, a Tensor wrapped
    (sharing its memory, requiring grad)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, Tensor):
        return Parameter(value)
    raise ArgumentTypeError(f"{owner}: entry {where!r} is a {type(value).__name__}, not a "
                            f"Tensor or Parameter")


def _parameter_line(name: str, p: Parameter) -> str:
    size = "x".join(str(n) for n in p.shape)
    return f"({name}): Parameter containing: [tg.{p.dtype} of size {size}]"


class ParameterList(Module):
    """A list of Parameters, registered under "0", "1", ...: indexing, len, iteration,
    append, extend; a Tensor is wrapped into a Parameter."""

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def _list(self) -> list[Parameter]:
        return list(self._registries()[0].values())

    def _index(self, index: int) -> int:
        n = len(self)
        if not isinstance(index, int) or not -n <= index < n:
            raise IndexOutOfRange(f"ParameterList: index {index!r} is out of range for {n} "
                                  f"parameters")
        return index % n

    def __len__(self) -> int:
        return len(self._registries()[0])

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._list())

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return ParameterList(self._list()[index])
        return self._list()[self._index(index)]

    def __setitem__(self, index: int, value: Any) -> None:
        self._registries()[0][str(self._index(index))] = _parameter("ParameterList", index,
                                                                    value)

    def append(self, value: Any) -> ParameterList:
        self.register_parameter(str(len(self)), _parameter("ParameterList", len(self), value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        if isinstance(values, Tensor):
            raise ArgumentTypeError("ParameterList.extend: expects an iterable of tensors, got "
                                    "a single Tensor (use append)")
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(str(i), p) for i, p in enumerate(self))


class ParameterDict(Module):
    """An ordered dict of Parameters, registered under their keys: d[key], keys/values/
    items, update, pop, get, `in`, len; a Tensor is wrapped into a Parameter."""

    def __init__(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None
                 ) -> None:
        super().__init__()
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Parameter:
        registry = self._registries()[0]
        if key not in registry:
            raise KeyError(f"ParameterDict: no parameter {key!r} (keys: {list(registry)})")
        return registry[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.register_parameter(key, _parameter("ParameterDict", key, value))

    def __delitem__(self, key: str) -> None:
        self.pop(key)

    def __len__(self) -> int:
        return len(self._registries()[0])

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._registries()[0]))

    def __contains__(self, key: object) -> bool:
        return key in self._registries()[0]

    def keys(self) -> list[str]:
        return list(self._registries()[0])

    def values(self) -> list[Parameter]:
        return list(self._registries()[0].values())

    def items(self) -> list[tuple[str, Parameter]]:
        return list(self._registries()[0].items())

    def get(self, key: str, default: Any = None) -> Any:
        return self._registries()[0].get(key, default)

    def pop(self, key: str) -> Parameter:
        value = self[key]
        del self._registries()[0][key]
        return value

    def clear(self) -> None:
        self._registries()[0].clear()

    def update(self, parameters: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
        pairs = parameters.items() if isinstance(parameters, Mapping | ParameterDict) \
            else parameters
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(_parameter_line(k, p) for k, p in self.items())
