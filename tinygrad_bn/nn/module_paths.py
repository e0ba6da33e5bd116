"""A Module's members by dotted path, as PyTorch's: `get_submodule("encoder.layers.0")`,
`get_parameter("encoder.layers.0.linear1.weight")`, `get_buffer("bn.running_mean")` and
`set_submodule("head", nn.Linear(8, 2))`. Each walks the path's parts through the
submodule registries (cost: the path's depth, not the model's size)."""

from __future__ import annotations

from typing import Any

from ..errors import ArgumentError, ArgumentTypeError, PathLookupError


class ModulePaths:
    """The path lookups of Module (a mixin over Module's registries)."""

    def get_submodule(self, target: str) -> Any:
        """The submodule at dotted path `target` ('' is the module itself); a
        PathLookupError (an AttributeError) names the first part that is not a submodule."""
        _check_path("get_submodule", target)
        module: Any = self
        walked: list[str] = []
        for part in target.split(".") if target else ():
            children = module._registries()[2]
            if children.get(part) is None:
                kind = _kind_of(module, part)
                where = ".".join(walked) or "the module itself"
                raise PathLookupError(
                    f"get_submodule('{target}'): {type(module).__name__} ({where}) has no "
                    f"submodule '{part}'" + (f" ('{part}' is a {kind})" if kind else ""))
            module = children[part]
            walked.append(part)
        return module

    def _member(self, op: str, target: str, registry: int, kind: str) -> Any:
        _check_path(op, target)
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        members = module._registries()[registry]
        if name not in members:
            found = _kind_of(module, name)
            raise PathLookupError(
                f"{op}('{target}'): {type(module).__name__} has no {kind} '{name}'"
                + (f" ('{name}' is a {found})" if found else ""))
        return members[name]

    def get_parameter(self, target: str) -> Any:
        """The Parameter at dotted path `target` (e.g. "0.weight")."""
        return self._member("get_parameter", target, 0, "parameter")

    def get_buffer(self, target: str) -> Any:
        """The buffer at dotted path `target` (e.g. "bn.running_mean")."""
        return self._member("get_buffer", target, 1, "buffer")

    def set_submodule(self, target: str, module: Any, strict: bool = False) -> None:
        """Put `module` at dotted path `target`, replacing the submodule there; a new name
        is added to the parent unless `strict`. The parent path must exist, and the name must
        not hold a parameter, a buffer or another attribute."""
        _check_path("set_submodule", target)
        if not target:
            raise ArgumentError("set_submodule: the target path is empty (a dotted name such "
                                "as 'encoder.head' expected)")
        if not isinstance(module, ModulePaths):  # every Module is one
            raise ArgumentError(f"set_submodule('{target}'): module must be a Module "
                                f"instance, got {type(module).__name__}")  # ValueError, as PyTorch
        path, _, name = target.rpartition(".")
        parent = self.get_submodule(path)
        children = parent._registries()[2]
        if name not in children:
            kind = _kind_of(parent, name)
            if kind or strict:
                raise PathLookupError(
                    f"set_submodule('{target}'): {type(parent).__name__} has no submodule "
                    f"'{name}'" + (f" ('{name}' is a {kind})" if kind else " (strict=True)"))
        parent.add_module(name, module)


def _check_path(op: str, target: Any) -> None:
    if not isinstance(target, str):
        raise ArgumentTypeError(f"{op}: target must be a dotted path string, got "
                                f"{type(target).__name__} {target!r}")


def _kind_of(module: Any, name: str) -> str:
    """What `name` is on `module` other than a submodule ('' if nothing)."""
    params, buffers, children = module._registries()
    if name in params:
        return "parameter"
    if name in buffers:
        return "buffer"
    if name in children:
        return "submodule slot holding None"
    if name in module.__dict__ or hasattr(type(module), name):
        return "plain attribute"
    return ""
