"""Lazy modules, PyTorch's: LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d,
LazyBatchNorm1d/2d/3d and LazyInstanceNorm1d/2d/3d take every constructor argument of their
layer but the input size (in_features, in_channels, num_features), which the first call
reads from its input (or loading a state dict from its tensors' shapes). Until then the
parameters are `UninitializedParameter`s (empty, of the layer's dtype: `.double()` and
friends still apply) and the size attribute is 0; then the layer is built as its eager class
would be with that size (PyTorch's initialisation), each placeholder Parameter becomes the
real one in place (the same object), and the module's class becomes the eager one
(`LazyLinear` -> `Linear`), as PyTorch's `cls_to_become`.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor, as_tensor
from .arguments import factory_dtype
from .conv_layers import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from .instance_norm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .layers import Linear
from .module import Module, Parameter
from .norm_layers import BatchNorm1d, BatchNorm2d, BatchNorm3d


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet: empty, of a dtype; `materialize(shape)`
    gives it an (uninitialised) array of that shape and makes it a plain Parameter."""

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        dtype = factory_dtype("UninitializedParameter", device, dtype)
        super().__init__(np.empty(0, dtype=dtype), requires_grad)

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Become a Parameter of `shape` (and `dtype`, by default the current one)."""
        self.data = np.empty(tuple(shape), dtype=np.dtype(dtype or self.dtype))
        self.__class__ = self.cls_to_become

    def __repr__(self) -> str:
        return "<UninitializedParameter>"


class LazyModuleMixin:
    """What the lazy layers share: `cls_to_become` (the eager class), `_size_name` (the
    attribute the input fixes), `_infer_size(input)` and `_size_from_state(state, prefix)`."""

    cls_to_become: type[Module]
    _size_name: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        eager = self.cls_to_become
        bound = inspect.signature(eager.__init__).bind(self, 1, *args, **kwargs)
        bound.apply_defaults()
        # a size any grouping divides: the layer is built once to get every attribute
        args, kwargs = args_of(bound, _dummy_size(bound.arguments))
        eager.__init__(self, *args, **kwargs)  # type: ignore[misc]
        object.__setattr__(self, "_lazy_arguments", bound)
        setattr(self, self._size_name, 0)
        params, buffers, _ = self._registries()  # type: ignore[attr-defined]
        for name, param in params.items():
            if param is not None:
                params[name] = UninitializedParameter(param.requires_grad, dtype=param.dtype)
        for name, buffer in buffers.items():
            if buffer is not None and buffer.ndim:  # a 0-d counter needs no size
                buffers[name] = np.empty(0, dtype=buffer.dtype)
        self.register_load_state_dict_pre_hook(_load_sizes)  # type: ignore[attr-defined]

    def has_uninitialized_params(self) -> bool:
        """Whether the input size is still unknown."""
        return "_lazy_arguments" in self.__dict__

    def initialize_parameters(self, input: Any) -> None:  # noqa: A002
        """Build the layer for `input`'s size (nothing once built)."""
        if self.has_uninitialized_params():
            self._materialize(self._infer_size(as_tensor(input)))

    def _materialize(self, size: int) -> None:
        bound = self.__dict__.pop("_lazy_arguments")
        params, buffers, _ = self._registries()  # type: ignore[attr-defined]
        placeholders = dict(params)
        dtype = next((p.dtype for p in params.values() if p is not None),
                     next((b.dtype for b in buffers.values() if b is not None and b.ndim),
                          None))
        if dtype is not None and "dtype" in bound.arguments:
            bound.arguments["dtype"] = dtype
        training = self.training  # type: ignore[attr-defined]
        args, kwargs = args_of(bound, size)
        self.cls_to_become.__init__(self, *args, **kwargs)  # type: ignore[misc]
        self.training = training
        params = self._registries()[0]  # type: ignore[attr-defined]
        for name, old in placeholders.items():  # the same Parameter objects, now real
            new = params.get(name)
            if isinstance(old, UninitializedParameter) and new is not None:
                old.materialize(new.shape, dtype=new.dtype)
                old.data = new._data
                params[name] = old
        self.__class__ = self.cls_to_become

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The first call: build the layer for the input's size, then run it."""
        first = args[0] if args else kwargs.get("input")  # PyTorch's name for it
        if first is None:
            raise ShapeError(f"{type(self).__name__}: the first call needs the input "
                             f"(positionally or as input=), to read its size")
        self.initialize_parameters(first)
        return self.forward(*args, **kwargs)


def args_of(bound: inspect.BoundArguments, size: int) -> tuple[tuple[Any, ...], dict]:
    """The eager constructor's positional arguments (without self) with `size` first, and
    its keyword-only ones."""
    values = list(bound.args[1:])
    values[0] = size
    return tuple(values), dict(bound.kwargs)


def _dummy_size(arguments: dict[str, Any]) -> int:
    groups = arguments.get("groups", 1)
    return groups if isinstance(groups, int) and groups > 0 else 1


def _load_sizes(module: Any, state: dict, prefix: str, *rest: Any) -> None:
    """Load pre-hook: a lazy module not yet built takes its size from the state dict."""
    if isinstance(module, LazyModuleMixin) and module.has_uninitialized_params():
        size = module._size_from_state(state, prefix)
        if size is not None:
            module._materialize(size)


def _entry_shape(state: dict, key: str) -> tuple[int, ...] | None:
    value = state.get(key)
    value = value._data if isinstance(value, Tensor) else value
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None and len(shape) else None


class LazyLinear(LazyModuleMixin, Linear):
    """Linear whose in_features is the first input's last size."""

    cls_to_become = Linear
    _size_name = "in_features"

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        LazyModuleMixin.__init__(self, out_features, bias, device, dtype)

    def _infer_size(self, x: Tensor) -> int:
        if x.ndim < 1:
            raise ShapeError(f"LazyLinear: expected input of shape (..., in_features), got "
                             f"{x.shape}")
        return x.shape[-1]

    def _size_from_state(self, state: dict, prefix: str) -> int | None:
        shape = _entry_shape(state, prefix + "weight")
        return shape[1] if shape is not None and len(shape) == 2 else None


class _LazyConv(LazyModuleMixin):
    """A convolution whose in_channels is the first input's channel count."""

    _size_name = "in_channels"

    def __init__(self, out_channels: int, kernel_size: Any, *args: Any, **kwargs: Any
                 ) -> None:
        LazyModuleMixin.__init__(self, out_channels, kernel_size, *args, **kwargs)

    def _infer_size(self, x: Tensor) -> int:
        dims = self.cls_to_become.dims  # type: ignore[attr-defined]
        if x.ndim not in (dims + 1, dims + 2):
            raise ShapeError(f"{type(self).__name__}: expected a {dims + 2}-d (batched) or "
                             f"{dims + 1}-d (unbatched) input, got shape {x.shape}")
        return x.shape[1] if x.ndim == dims + 2 else x.shape[0]

    def _size_from_state(self, state: dict, prefix: str) -> int | None:
        shape = _entry_shape(state, prefix + "weight")
        if shape is None:
            return None
        transposed = self.cls_to_become.transposed  # type: ignore[attr-defined]
        return shape[0] if transposed else shape[1] * self.groups  # type: ignore[attr-defined]


class _LazyNorm(LazyModuleMixin):
    """A batch or instance norm whose num_features is the first input's channel count; the
    defaults affine=True, track_running_stats=True for both kinds (PyTorch's, also for the
    lazy instance norms, unlike the eager ones)."""

    _size_name = "num_features"
    _unbatched_rank = 0  # instance norm also takes unbatched input of this rank

    def __init__(self, eps: float = 1e-5, momentum: float | None = 0.1, affine: bool = True,
                 track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        LazyModuleMixin.__init__(self, eps, momentum, affine, track_running_stats, device,
                                 dtype, bias=bias)

    def _infer_size(self, x: Tensor) -> int:
        if x.ndim < 2:
            raise ShapeError(f"{type(self).__name__}: expected input with a channel axis, "
                             f"got shape {x.shape}")
        return x.shape[0] if x.ndim == self._unbatched_rank else x.shape[1]

    def _size_from_state(self, state: dict, prefix: str) -> int | None:
        for name in ("weight", "running_mean"):
            shape = _entry_shape(state, prefix + name)
            if shape is not None:
                return shape[0]
        return None


def _lazy(eager: type, base: type, **extra: Any) -> type:
    """The lazy twin of an eager layer class: `base`'s size inference, then `eager`."""
    name = f"Lazy{eager.__name__}"
    cls = type(name, (base, eager), {
        "cls_to_become": eager, "__module__": __name__, "__qualname__": name,
        "__doc__": f"{eager.__name__} with {base._size_name} from the first input.", **extra})
    if base is _LazyConv:  # shown as the eager constructor's without in_channels (PyTorch's)
        def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
            _LazyConv.__init__(self, *args, **kwargs)
        signature = inspect.signature(eager.__init__)
        self_, _, *rest = signature.parameters.values()
        __init__.__signature__ = signature.replace(parameters=[self_, *rest])  # type: ignore
        __init__.__qualname__ = f"{name}.__init__"
        cls.__init__ = __init__  # type: ignore[misc]
    return cls


LazyConv1d = _lazy(Conv1d, _LazyConv)
LazyConv2d = _lazy(Conv2d, _LazyConv)
LazyConv3d = _lazy(Conv3d, _LazyConv)
LazyConvTranspose1d = _lazy(ConvTranspose1d, _LazyConv)
LazyConvTranspose2d = _lazy(ConvTranspose2d, _LazyConv)
LazyConvTranspose3d = _lazy(ConvTranspose3d, _LazyConv)
LazyBatchNorm1d = _lazy(BatchNorm1d, _LazyNorm)
LazyBatchNorm2d = _lazy(BatchNorm2d, _LazyNorm)
LazyBatchNorm3d = _lazy(BatchNorm3d, _LazyNorm)
# unbatched instance-norm input has one axis fewer: (C, L), (C, H, W), (C, D, H, W)
LazyInstanceNorm1d = _lazy(InstanceNorm1d, _LazyNorm, _unbatched_rank=2)
LazyInstanceNorm2d = _lazy(InstanceNorm2d, _LazyNorm, _unbatched_rank=3)
LazyInstanceNorm3d = _lazy(InstanceNorm3d, _LazyNorm, _unbatched_rank=4)
