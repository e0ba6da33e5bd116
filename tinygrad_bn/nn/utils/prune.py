"""Pruning, PyTorch's `torch.nn.utils.prune`: zero entries of a module's tensor through a
mask, kept on every forward by a forward pre-hook.

Pruning `module.<name>` moves the parameter to `<name>_orig` (same Parameter object: an
optimizer holding it keeps training it), registers the buffer `<name>_mask` (1 keeps,
0 prunes) and makes `module.<name>` the plain tensor `<name>_orig * <name>_mask`,
recomputed by the hook before each call, so the pruned entries get zero gradient through
the product. Pruning the same tensor again combines the masks (a `PruningContainer`): the
new method only sees the entries (unstructured) or channels (structured) still kept.
`remove(module, name)` makes the pruned values permanent: `<name>` is the parameter again.

How many entries go: `amount` an int is a count, a float in [0, 1] a fraction of them,
rounded half to even (Python's `round`, as PyTorch). L1Unstructured prunes the entries of
least |t|, LnStructured the slices along `dim` of least Ln norm (taken over the other
dimensions), the Random methods draw from the framework's generator; ties go to the lower
index. `global_unstructured` ranks the entries of several tensors together.
"""

from __future__ import annotations

import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import Any

import numpy as np

from ...errors import ArgumentError, ArgumentTypeError, AxisError, ShapeError
from ...seeding import generator as numpy_generator
from ...tensor import Tensor
from ..module import Module, Parameter

__all__ = ["BasePruningMethod", "CustomFromMask", "Identity", "L1Unstructured",
           "LnStructured", "PruningContainer", "RandomStructured", "RandomUnstructured",
           "custom_from_mask", "global_unstructured", "identity", "is_pruned", "l1_unstructured",
           "ln_structured", "random_structured", "random_unstructured", "remove"]


# ---- amounts ----
def _check_amount(op: str, amount: Any) -> None:
    if isinstance(amount, bool) or not isinstance(amount, numbers.Real):
        raise ArgumentTypeError(f"{op}: amount must be an int or a float, got "
                                f"{type(amount).__name__} {amount!r}")
    if isinstance(amount, numbers.Integral):
        if amount < 0:
            raise ArgumentError(f"{op}: amount={amount} should be a float in [0, 1] or a "
                                f"non-negative int")
    elif not 0.0 <= float(amount) <= 1.0:
        raise ArgumentError(f"{op}: amount={amount} should be a float in [0, 1] or a "
                            f"non-negative int")


def _count(op: str, amount: Any, size: int) -> int:
    """How many of `size` entries (or channels) `amount` prunes."""
    if isinstance(amount, numbers.Integral):
        if amount > size:
            raise ArgumentError(f"{op}: amount={amount} should be at most the number of "
                                f"parameters to prune ({size})")
        return int(amount)
    return round(float(amount) * size)


def _array(t: Any) -> np.ndarray:
    return t._data if isinstance(t, Tensor) else np.asarray(t)


def _lowest(scores: np.ndarray, k: int) -> np.ndarray:
    """Flat indices of the k smallest scores (ties: lower index first)."""
    return np.argsort(scores.reshape(-1), kind="stable")[:k]


# ---- methods ----
class BasePruningMethod(ABC):
    """A pruning method: `compute_mask(t, default_mask)` says which entries to keep. As a
    forward pre-hook it sets `module.<name> = <name>_orig * <name>_mask` before each call."""

    PRUNING_TYPE: str = "unstructured"
    _tensor_name: str | None = None

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self._tensor_name, self.apply_mask(module))

    @abstractmethod
    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The mask for `t`, pruning on top of `default_mask` (zeros stay zeros)."""

    def apply_mask(self, module: Module) -> Tensor:
        """`<name>_orig * <name>_mask`, differentiable in the original."""
        name = self._tensor_name
        return getattr(module, name + "_orig") * getattr(module, name + "_mask")

    @classmethod
    def apply(cls, module: Module, name: str, *args: Any, importance_scores: Any = None,
              **kwargs: Any) -> BasePruningMethod:
        """Prune `module.<name>` with `cls(*args, **kwargs)` (combined with an earlier
        pruning of it), ranking by `importance_scores` (default: the tensor itself)."""
        op = f"{cls.__name__}.apply"
        if not isinstance(module, Module):
            raise ArgumentTypeError(f"{op}: expected a Module, got {type(module).__name__}")
        old, old_handle = _own_method(module, name)
        method = cls(*args, **kwargs)
        method._tensor_name = name
        if old is None:
            orig = module._registries()[0].get(name)
            if not isinstance(orig, Parameter):
                raise ArgumentError(f"{op}: {type(module).__name__} has no parameter "
                                    f"'{name}' to prune")
        else:
            if isinstance(old, PruningContainer):
                old.add_pruning_method(method)
                method = old
            else:
                method = PruningContainer(old, method)
            orig = getattr(module, name + "_orig")
        # ranked by default as PyTorch does: the tensor as the module holds it now (once
        # pruned, the masked weight of the last forward or pruning)
        scores = getattr(module, name) if importance_scores is None else importance_scores
        if tuple(np.shape(_array(scores))) != tuple(orig.shape):
            raise ShapeError(f"{op}: importance_scores of shape {tuple(np.shape(_array(scores)))}"
                             f" should have the shape of {name} {tuple(orig.shape)}")
        default = Tensor(np.ones_like(orig._data)) if old is None else \
            Tensor(getattr(module, name + "_mask")._data.copy())
        mask = method.compute_mask(Tensor(np.array(_array(scores))), default_mask=default)
        mask = mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask))
        if old is None:
            module.register_parameter(name + "_orig", orig)
            del module._registries()[0][name]
        else:
            old_handle.remove()
        module.register_buffer(name + "_mask", Tensor(mask._data.astype(orig.dtype, copy=True)))
        setattr(module, name, method.apply_mask(module))
        method._handle = module.register_forward_pre_hook(method)
        return method

    def prune(self, t: Tensor, default_mask: Tensor | None = None,
              importance_scores: Tensor | None = None) -> Tensor:
        """`t` with this method's mask applied (no module involved)."""
        scores = t if importance_scores is None else importance_scores
        default = Tensor(np.ones_like(_array(t))) if default_mask is None else default_mask
        return t * self.compute_mask(scores, default_mask=default)

    def remove(self, module: Module) -> None:
        """Make the pruning permanent: the masked values become the parameter `<name>`."""
        name = self._tensor_name
        weight = self.apply_mask(module)
        module.__dict__.pop(name, None)
        orig = module._registries()[0][name + "_orig"]
        orig.data = np.array(weight._data)
        del module._registries()[0][name + "_orig"]
        delattr(module, name + "_mask")
        module.register_parameter(name, orig)


class PruningContainer(BasePruningMethod):
    """Several prunings of one tensor in order; the last one prunes what the earlier ones
    kept."""

    def __init__(self, *methods: BasePruningMethod) -> None:
        self._pruning_methods: tuple[BasePruningMethod, ...] = ()
        for method in methods:
            self.add_pruning_method(method)

    def add_pruning_method(self, method: BasePruningMethod) -> None:
        if not isinstance(method, BasePruningMethod) and method is not None:
            raise ArgumentTypeError(f"PruningContainer: {type(method).__name__} is not a "
                                    f"BasePruningMethod subclass")
        if method is None:
            return
        if self._tensor_name is None:
            self._tensor_name = method._tensor_name
        elif method._tensor_name != self._tensor_name:
            raise ArgumentError(f"PruningContainer: can only add methods pruning "
                                f"'{self._tensor_name}', got one pruning "
                                f"'{method._tensor_name}'")
        self._pruning_methods += (method,)

    def __len__(self) -> int:
        return len(self._pruning_methods)

    def __iter__(self) -> Any:
        return iter(self._pruning_methods)

    def __getitem__(self, idx: int) -> BasePruningMethod:
        return self._pruning_methods[idx]

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        """The last method's mask computed on the part `default_mask` keeps: the kept
        entries (unstructured), the channels along its dim not wholly pruned (structured),
        or everything (global), written into `default_mask`."""
        method = self._pruning_methods[-1]
        mask = np.array(_array(default_mask), dtype=_array(t).dtype)
        if method.PRUNING_TYPE == "unstructured":
            keep = mask == 1
            part = method.compute_mask(Tensor(_array(t)[keep]), default_mask=Tensor(mask[keep]))
            mask[keep] = _array(part)
            return Tensor(mask)
        if method.PRUNING_TYPE == "structured":
            dim = _axis("PruningContainer", getattr(method, "dim", None), mask.ndim)
            others = tuple(d for d in range(mask.ndim) if d != dim)
            index = [slice(None)] * mask.ndim
            index[dim] = mask.sum(axis=others) != 0
            index = tuple(index)
        elif method.PRUNING_TYPE == "global":
            index = (slice(None),) * mask.ndim
        else:
            raise ArgumentError(f"PruningContainer: unknown PRUNING_TYPE "
                                f"{method.PRUNING_TYPE!r} of {type(method).__name__}")
        part = method.compute_mask(Tensor(_array(t)[index]), default_mask=Tensor(mask[index]))
        mask[index] = _array(part)
        return Tensor(mask)


class Identity(BasePruningMethod):
    """Prunes nothing (the mask is all ones)."""

    PRUNING_TYPE = "unstructured"

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        return default_mask

    @classmethod
    def apply(cls, module: Module, name: str) -> BasePruningMethod:  # type: ignore[override]
        return super().apply(module, name)


class _Unstructured(BasePruningMethod):
    """Prunes the `amount` entries of least score (`_scores`, one per entry)."""

    PRUNING_TYPE = "unstructured"

    def __init__(self, amount: int | float) -> None:
        _check_amount(type(self).__name__, amount)
        self.amount = amount

    def _scores(self, data: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        data = _array(t)
        k = _count(type(self).__name__, self.amount, data.size)
        mask = np.array(_array(default_mask))
        if k:
            mask.reshape(-1)[_lowest(self._scores(data), k)] = 0
        return Tensor(mask)


class RandomUnstructured(_Unstructured):
    """Prunes `amount` entries drawn uniformly at random."""

    def _scores(self, data: np.ndarray) -> np.ndarray:
        return numpy_generator(None, "random_unstructured").random(data.size)

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float  # type: ignore[override]
              ) -> BasePruningMethod:
        return super().apply(module, name, amount=amount)


class L1Unstructured(_Unstructured):
    """Prunes the `amount` entries of least absolute value."""

    def _scores(self, data: np.ndarray) -> np.ndarray:
        return np.abs(data)

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float,  # type: ignore[override]
              importance_scores: Any = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, importance_scores=importance_scores)


def _axis(op: str, dim: Any, ndim: int) -> int:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise ArgumentTypeError(f"{op}: dim must be an int, got {dim!r}")
    if not -ndim <= dim < ndim:
        raise AxisError(f"{op}: dim {dim} is out of range for a tensor of {ndim} dimensions")
    return dim % ndim


class _Structured(BasePruningMethod):
    """Prunes the `amount` slices along `dim` of least score (`_scores`, one per slice),
    on top of `default_mask`."""

    PRUNING_TYPE = "structured"

    def __init__(self, amount: int | float, dim: int = -1) -> None:
        _check_amount(type(self).__name__, amount)
        self.amount, self.dim = amount, dim

    def _scores(self, data: np.ndarray, dim: int) -> np.ndarray:
        raise NotImplementedError

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        op, data = type(self).__name__, _array(t)
        if data.ndim <= 1:
            raise ShapeError(f"{op}: structured pruning needs a tensor of at least 2 "
                             f"dimensions, got shape {data.shape}")
        dim = _axis(op, self.dim, data.ndim)
        k = _count(op, self.amount, data.shape[dim])
        if k == 0:
            return default_mask
        kept = np.ones(data.shape[dim], dtype=bool)
        kept[_lowest(self._scores(data, dim), k)] = False
        mask = np.zeros_like(data)
        index = [slice(None)] * data.ndim
        index[dim] = kept
        mask[tuple(index)] = 1
        return Tensor(mask * _array(default_mask).astype(mask.dtype))


class RandomStructured(_Structured):
    """Prunes `amount` slices along `dim`, drawn at random."""

    def _scores(self, data: np.ndarray, dim: int) -> np.ndarray:
        return numpy_generator(None, "random_structured").random(data.shape[dim])

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float,  # type: ignore[override]
              dim: int = -1) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, dim=dim)


def _ln_norm(data: np.ndarray, n: Any, axes: tuple[int, ...]) -> np.ndarray:
    """torch.norm(t, p=n, dim=axes) for a number n (inf, -inf, 0 included) or 'fro'."""
    a = np.abs(data)
    if n == "fro":
        n = 2
    if isinstance(n, bool) or not isinstance(n, numbers.Real):
        raise ArgumentTypeError(f"LnStructured: n must be a number or 'fro', got {n!r}")
    if n == np.inf:
        return a.max(axis=axes)
    if n == -np.inf:
        return a.min(axis=axes)
    if n == 0:
        return (a != 0).sum(axis=axes).astype(a.dtype)
    return (a ** n).sum(axis=axes) ** (1.0 / n)


class LnStructured(_Structured):
    """Prunes the `amount` slices along `dim` of least Ln norm (over the other dims)."""

    def __init__(self, amount: int | float, n: Any, dim: int = -1) -> None:
        super().__init__(amount, dim)
        self.n = n

    def _scores(self, data: np.ndarray, dim: int) -> np.ndarray:
        return _ln_norm(data, self.n, tuple(d for d in range(data.ndim) if d != dim))

    @classmethod
    def apply(cls, module: Module, name: str, amount: int | float,  # type: ignore[override]
              n: Any, dim: int, importance_scores: Any = None) -> BasePruningMethod:
        return super().apply(module, name, amount=amount, n=n, dim=dim,
                             importance_scores=importance_scores)


class CustomFromMask(BasePruningMethod):
    """Prunes where the given mask is 0."""

    PRUNING_TYPE = "global"

    def __init__(self, mask: Any) -> None:
        self.mask = mask

    def compute_mask(self, t: Tensor, default_mask: Tensor) -> Tensor:
        given, default = _array(self.mask), _array(default_mask)
        if given.shape != default.shape:
            raise ShapeError(f"CustomFromMask: the mask of shape {given.shape} should have the "
                             f"tensor's shape {default.shape}")
        return Tensor(default * given.astype(default.dtype))

    @classmethod
    def apply(cls, module: Module, name: str, mask: Any  # type: ignore[override]
              ) -> BasePruningMethod:
        return super().apply(module, name, mask=mask)


# ---- functions ----
def _own_method(module: Module, name: str) -> tuple[BasePruningMethod | None, Any]:
    """The pruning hook of `module.<name>` and its handle, if it is pruned."""
    for hook in module.__dict__.get("_forward_pre_hooks", {}).values():
        if isinstance(hook, BasePruningMethod) and hook._tensor_name == name:
            return hook, hook._handle
    return None, None


def identity(module: Module, name: str) -> Module:
    """Prune nothing, but give `module.<name>` the pruned layout (`_orig`, `_mask`)."""
    Identity.apply(module, name)
    return module


def random_unstructured(module: Module, name: str, amount: int | float) -> Module:
    """Prune `amount` entries of `module.<name>` drawn at random."""
    RandomUnstructured.apply(module, name, amount)
    return module


def l1_unstructured(module: Module, name: str, amount: int | float,
                    importance_scores: Any = None) -> Module:
    """Prune the `amount` entries of `module.<name>` of least |importance| (default: the
    tensor's own values)."""
    L1Unstructured.apply(module, name, amount=amount, importance_scores=importance_scores)
    return module


def random_structured(module: Module, name: str, amount: int | float, dim: int) -> Module:
    """Prune `amount` random slices of `module.<name>` along `dim`."""
    RandomStructured.apply(module, name, amount, dim)
    return module


def ln_structured(module: Module, name: str, amount: int | float, n: Any, dim: int,
                  importance_scores: Any = None) -> Module:
    """Prune the `amount` slices of `module.<name>` along `dim` of least Ln norm."""
    LnStructured.apply(module, name, amount, n, dim, importance_scores=importance_scores)
    return module


def custom_from_mask(module: Module, name: str, mask: Any) -> Module:
    """Prune `module.<name>` where `mask` is 0."""
    CustomFromMask.apply(module, name, mask)
    return module


def global_unstructured(parameters: Iterable[tuple[Module, str]], pruning_method: type,
                        importance_scores: dict | None = None, **kwargs: Any) -> None:
    """Prune the (module, name) tensors together: `pruning_method(**kwargs)` (an
    unstructured method) ranks all their still-kept entries as one vector."""
    if isinstance(parameters, str) or not isinstance(parameters, Iterable):
        raise ArgumentTypeError("global_unstructured: parameters must be an iterable of "
                                "(module, name) pairs")
    pairs = list(parameters)
    if not pairs or not all(isinstance(p, tuple) and len(p) == 2 for p in pairs):
        raise ArgumentTypeError(f"global_unstructured: parameters must be (module, name) "
                                f"pairs, got {pairs!r}")
    scores = importance_scores or {}
    flat_scores = np.concatenate([
        _array(scores.get((m, n), getattr(m, n))).reshape(-1) for m, n in pairs])
    flat_default = np.concatenate([
        _array(getattr(m, n + "_mask")).reshape(-1) if hasattr(m, n + "_mask")
        else np.ones(getattr(m, n).numel(), dtype=flat_scores.dtype) for m, n in pairs])
    method = pruning_method(**kwargs)
    if method.PRUNING_TYPE != "unstructured":
        raise ArgumentTypeError(f"global_unstructured: only unstructured methods, got "
                                f"{pruning_method.__name__} ({method.PRUNING_TYPE})")
    method._tensor_name = "temp"
    final = _array(PruningContainer(method).compute_mask(Tensor(flat_scores),
                                                          Tensor(flat_default)))
    start = 0
    for module, name in pairs:
        shape = tuple(getattr(module, name).shape)
        size = int(np.prod(shape, dtype=np.int64))
        custom_from_mask(module, name, mask=Tensor(final[start:start + size].reshape(shape)))
        start += size


def remove(module: Module, name: str) -> Module:
    """Make the pruning of `module.<name>` permanent and drop its hook, `_orig` and
    `_mask`."""
    method, handle = _own_method(module, name)
    if method is None:
        raise ArgumentError(f"prune.remove: parameter '{name}' of {type(module).__name__} has "
                            f"to be pruned before pruning can be removed")
    method.remove(module)
    handle.remove()
    return module


def is_pruned(module: Module) -> bool:
    """Whether any submodule of `module` (itself included) has a pruning hook."""
    return any(isinstance(hook, BasePruningMethod)
               for m in module.modules()
               for hook in m.__dict__.get("_forward_pre_hooks", {}).values())
