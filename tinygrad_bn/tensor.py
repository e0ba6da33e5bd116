"""`Tensor`: an n-d array that records the ops applied to it, for reverse-mode autograd.

A Tensor holds an ndarray (`data`), its gradient (`grad`) and, if an op made it
while gradients were being recorded, that op (`_ctx`, a `Function`). The
graph is the chain of `_ctx.parents`; `backward` hands it to the engine
(tinygrad_bn/autograd/engine.py). This file holds the class itself: construction, the
array-like properties, the operators and gradients. PyTorch's long tail of methods comes
from the mixins in tinygrad_bn/tensor_methods/, the ops from tinygrad_bn/ops/.

Reading guide, the core in order: modes.py, anomaly.py, autograd/primitive.py,
autograd/engine.py, ops/, tensor_methods/, this file (docs/autograd.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import ops, printing
from .autograd import inference, versions
from .autograd import primitive as _primitive
from .autograd.engine import backward as autograd_backward
from .autograd.engine import grad, run_backward, unbroadcast
from .autograd.grad_attribute import GradAttribute
from .autograd.order import topological_order
from .autograd.primitive import Function, RemovableHandle, as_tensor, op_observers
from .data_array import DataArray
from .dtypes import get_default_dtype, numpy_dtype, result_type
from .errors import (
    ArgumentError,
    ArgumentTypeError,
    BackwardError,
    DTypeError,
    ShapeError,
    TinygradError,
    short_repr,
)
from .foreign_operands import defers
from .keywords import Size, normalize_axes, one_of, parse_size
from .modes import INFERENCE_OPEN, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .tensor_methods import (
    ArrangementMethods,
    ComparisonMethods,
    ConversionMethods,
    DecompositionMethods,
    ElementwiseMethods,
    IndexingMethods,
    InplaceMathMethods,
    InplaceMethods,
    LinalgMethods,
    MathMethods,
    MatrixMethods,
    MovementMethods,
    PlacingMethods,
    PyTorchSurfaceMethods,
    RandomMethods,
    ReduceMethods,
    ScanMethods,
    ShapingMethods,
    SpecialMathMethods,
    StatisticsMethods,
    concatenate,
    maximum,
    minimum,
    stack,
    where,
)
from .tensor_methods.math import no_bool_subtraction, power

# Names that were importable from here before the core was split into packages; they keep
# working (tests/test_import_paths.py).
__all__ = [
    "Function", "Tensor", "as_tensor", "concatenate", "enable_grad", "grad",
    "is_grad_enabled", "maximum", "minimum", "no_grad", "normalize_axes", "op_observers",
    "run_backward", "set_grad_enabled", "stack", "topological_order", "unbroadcast", "where"]

_COMPARISONS = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">=",
                "equal": "==", "not_equal": "!="}
# ops whose NumPy result is right for a Python int outside the tensor's integer range
_OUT_OF_RANGE_OK = frozenset(_COMPARISONS.values()) | {"/"}


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data._data
    elif isinstance(data, DataArray):  # another tensor's .data: the plain array it views
        data = data.view(np.ndarray)
    if dtype is not None:
        dtype = numpy_dtype("Tensor", dtype, " (expected e.g. np.float32 or 'float64')")
    if isinstance(data, np.ndarray):
        array = data if dtype is None else data.astype(dtype, copy=False)
    elif isinstance(data, np.generic):
        array = np.asarray(data, dtype=dtype)
    else:
        try:
            array = np.asarray(data, dtype=dtype)
        except ValueError as error:  # e.g. ragged nesting: [[1, 2], [3]]
            raise ShapeError(f"Tensor: cannot make an array of {type(data).__name__} data: "
                             f"{error}") from error
        if dtype is None and array.dtype.kind in "iuf":
            array = array.astype(get_default_dtype())  # Python data: the default dtype
    if array.dtype.kind == "O":  # None, a dict, an arbitrary object
        raise DTypeError(f"Tensor: cannot make a tensor of {type(data).__name__} {short_repr(data)}"
                         f"; expected numbers, (nested) lists of numbers or an ndarray")
    if array.dtype.kind == "c":  # complex numbers: ComplexTensor's (complex_tensors/)
        raise DTypeError(f"Tensor: complex values (dtype {array.dtype}, from "
                         f"{type(data).__name__} data) make a ComplexTensor, not a Tensor: "
                         f"tg.complex(real, imag) or tg.view_as_complex")
    if array.dtype.kind not in "biuf":  # strings, bytes: no op here supports them
        raise DTypeError(f"Tensor: unsupported dtype {array.dtype} (from {type(data).__name__} "
                         f"data); expected a boolean, integer or floating dtype")
    return array


def _same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are the same cells: one address, shape, strides and dtype."""
    return (a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
            and a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype)


class Tensor(GradAttribute, ElementwiseMethods, MathMethods, ComparisonMethods, ReduceMethods,
             ScanMethods, MovementMethods, IndexingMethods, LinalgMethods, ConversionMethods,
             InplaceMethods, InplaceMathMethods, PlacingMethods, RandomMethods,
             StatisticsMethods, ShapingMethods, MatrixMethods, SpecialMathMethods,
             DecompositionMethods, ArrangementMethods, PyTorchSurfaceMethods):
    """An n-d array with reverse-mode autograd.

    `Tensor(np.ndarray)` keeps the array's dtype (and shares its memory); Python numbers and
    lists become float32; `Tensor(2, 3)`, sizes, is PyTorch's legacy constructor (zeroed
    here). Only floating tensors can require a gradient."""

    # _data: the ndarray; _grad: `.grad`'s (autograd/grad_attribute.py). Set only when
    # needed (read with getattr, so that making a tensor costs nothing for them): _base,
    # the tensor owning the memory this one views (views and detach share its version
    # counter); _view_of, (tensor, index) for a view by basic indexing (an in-place write
    # through it updates that tensor's graph too); _inplace, what in-place writes did
    # (autograd/versions.py); _data_view, the cached `.data`; _inference, made under
    # inference_mode (autograd/inference.py)
    __slots__ = ("_data", "_grad", "requires_grad", "_ctx", "_hooks", "_retains_grad", "name",
                 "_base", "_view_of", "_inplace", "_data_view", "_inference", "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None, *sizes: int) -> None:
        if isinstance(requires_grad, int | float) and type(requires_grad) is not bool:  # sizes
            shape = (data, requires_grad, *(v for v in (dtype, name) if v is not None), *sizes)
            data, requires_grad, dtype, name = parse_size("Tensor", shape), 0, None, None
            data = np.zeros(data, get_default_dtype())
        self._data = _to_array(data, dtype)
        if INFERENCE_OPEN[0]:  # made under tg.inference_mode(): autograd/inference.py
            inference.mark(self)
        self._grad: Tensor | None = None
        self._ctx: Function | None = None
        self._hooks: list[Callable[[Tensor], Tensor | None]] | None = None
        self._retains_grad = False
        self.name = name
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _from_op(cls, data: np.ndarray, ctx: Function | None) -> Tensor:
        # The hot path for op outputs: no conversions, no checks.
        t = cls.__new__(cls)
        t._data = data if isinstance(data, np.ndarray) else np.asarray(data)
        t._grad = None
        t._ctx = ctx
        t._hooks = None
        t._retains_grad = False
        t.name = None
        t.requires_grad = ctx is not None
        if INFERENCE_OPEN[0]:
            inference.mark(t)
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind != "f":
            raise DTypeError(
                f"requires_grad: only floating tensors can require a gradient, got dtype "
                f"{self._data.dtype} (convert with .astype(np.float32) first)")
        if requires_grad:
            inference.check_requires_grad(self)
        elif self._ctx is not None:
            raise BackwardError("requires_grad_(False) on a non-leaf tensor: use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    # ---- array-like properties ----
    @property
    def data(self) -> DataArray:
        """The tensor's array (its memory, writable): NumPy takes it everywhere, and it has
        PyTorch's in-place methods (`p._data.normal_()`, tinygrad_bn/data_array.py). Writes
        through it are invisible to autograd, as in PyTorch."""
        view = getattr(self, "_data_view", None)
        if view is None:
            view = self._data_view = self._data.view(DataArray)
        return view

    @data.setter
    def data(self, value: Any) -> None:
        """Replace the array: a Tensor's array (shared), an ndarray, or numbers."""
        if isinstance(value, np.ndarray) and _same_memory(value, self._data):
            return  # `x._data += y` wrote in place and assigns (a view of) the array back
        self._data = _to_array(value, None) if isinstance(value, Tensor | np.ndarray) \
            else _to_array(np.asarray(value), None)
        self._data_view = None
        self._base = self._view_of = None

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has had (PyTorch's `_version`)."""
        return inference.version_of(self)

    @property
    def shape(self) -> Size:
        return Size.of(self._data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Function | None:
        return self._ctx

    def __len__(self) -> int:
        if self.ndim == 0:
            raise ArgumentTypeError("len() of a 0-d tensor (it has no first axis; use item())")
        return self.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        """The slices x[0], x[1], ... along the first axis; a 0-d tensor is refused, as
        PyTorch refuses it (indexing until IndexError would yield nothing, silently)."""
        if self.ndim == 0:
            raise ArgumentTypeError("iteration over a 0-d tensor (use item())")
        return (self[i] for i in range(self.shape[0]))

    def numpy(self) -> np.ndarray:
        return self._data

    def item(self) -> float | int | bool:
        if self._data.size != 1:
            raise ShapeError(f"item: needs a tensor with one element, got shape {self.shape}")
        return self._data.item()

    def tolist(self) -> Any:
        return self._data.tolist()

    def detach(self) -> Tensor:
        """A leaf sharing the same memory (and its version counter), cut from the graph."""
        out = Tensor._from_op(self._data, None)
        out._base = versions.root(self)
        return inference.detached(out) if inference.MADE[0] else out

    def astype(self, dtype: Any) -> Tensor:
        dtype = numpy_dtype("astype", dtype)
        if dtype.kind not in "biuf":
            raise DTypeError(f"astype: unsupported dtype {dtype}; expected a boolean, integer "
                             f"or floating dtype (as Tensor())")
        if dtype == self.dtype:
            return self
        if dtype.kind != "f":  # an integer or bool tensor holds no gradient (PyTorch's `to`)
            return Tensor._from_op(self._data.astype(dtype), None)
        return ops.Cast.apply(self, dtype=dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self._data if dtype is None else self._data.astype(dtype)

    def __repr__(self) -> str:
        return printing.tensor_repr(self._data, self.shape, self._ctx, self.requires_grad)

    # identity, as object's (== is elementwise, so Python would leave Tensors unhashable);
    # object's own slot, not a Python method: no Python call per dict or set lookup (the
    # optimizers' state, the engine's bookkeeping)
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise ShapeError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self._data)

    # one-element tensors as Python numbers: float(t), int(t), f"{t:.3f}", "%d" % t, [..][t]
    def __float__(self) -> float:
        return float(self._one_value("float"))

    def __int__(self) -> int:
        return int(self._one_value("int"))

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub":
            raise DTypeError(f"only integer tensors of a single element can be converted to "
                             f"an index, got dtype {self.dtype}")
        return int(self._one_value("index"))

    def __format__(self, spec: str) -> str:
        if self._data.size == 1 and self._data.ndim == 0 or spec and self._data.size == 1:
            return format(self._data.item(), spec)
        return format(repr(self), spec) if spec else repr(self)

    def _one_value(self, what: str) -> Any:
        if self._data.size != 1:
            raise ShapeError(f"{what}(): only a tensor with one element can be converted to a "
                             f"Python number, got shape {self.shape}")
        return self._data.item()

    # ---- gradients ----
    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned
        Tensor replaces the gradient. Returns a handle whose `remove()` unregisters it."""
        if not callable(hook):
            raise ArgumentTypeError(f"register_hook: the hook must be callable as hook(grad), "
                                    f"got {type(hook).__name__} {hook!r}")
        if not self.requires_grad:
            raise BackwardError("register_hook: the tensor does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return RemovableHandle(self._hooks, hook, lasting=self._ctx is None)

    def backward(self, grad: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Any = None, *, gradient: Any = None
                 ) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (only into the `inputs`'
        when given).

        `grad` (PyTorch's keyword: `gradient`) is the gradient of some scalar with respect
        to self (needed unless self has one element). The graph's saved arrays are
        released afterwards unless `retain_graph` (default: `create_graph`).
        """
        grad = one_of("backward", "grad", grad, "gradient", gradient)
        if inputs is None:
            run_backward([self], [grad], retain_graph, create_graph, inputs=None)
        else:
            autograd_backward(self, grad, retain_graph, create_graph, inputs)

    # ---- operators: each a primitive op from tinygrad_bn/ops/ ----
    def _coerce(self, other: Any, op: str = "op") -> Tensor:
        """Wrap a non-Tensor operand of `op`; Python scalars take this tensor's dtype (no
        upcast). What cannot be a tensor (None, a string, a dict) is refused naming `op`,
        or is NotImplemented, for its reflected operator, if it has one (foreign_operands.py)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, np.ndarray) and other.dtype.kind in "biuf":
            return Tensor._from_op(other, None)  # what Tensor(other) makes, without its checks
        if isinstance(other, int | float):  # bool is an int too
            # PyTorch's weak scalars: the tensor's dtype unless the scalar's category is
            # higher, then that category's default (int tensor * 2.5 -> float32)
            dtype = self._data.dtype
            if isinstance(other, float):
                if dtype.kind != "f":
                    dtype = get_default_dtype()
            elif type(other) is not bool and dtype.kind == "b":
                dtype = np.dtype(np.int64)
            try:
                return Tensor._from_op(np.asarray(other, dtype=dtype), None)
            except OverflowError as error:
                if op in _OUT_OF_RANGE_OK:  # NumPy 2 compares / divides by any Python int
                    return Tensor._from_op(np.asarray(other), None)
                raise ArgumentError(f"{op}: the Python int {other} is out of range for the "
                                    f"tensor's dtype {dtype} (NumPy refuses it too); cast the "
                                    f"tensor with .astype() first") from error
        try:
            return Tensor(other)
        except TinygradError as error:
            if defers(other, op):
                return NotImplemented
            raise type(error)(f"{op}: cannot use {type(other).__name__} {short_repr(other)} as an "
                              f"operand of a tensor of shape {self.shape} and dtype "
                              f"{self.dtype} ({error})") from error

    def _operands(self, other: Any, op: str, true_division: bool = False
                  ) -> tuple[Tensor, Tensor] | Any:
        """(self, other) as an op of two tensors takes them: other wrapped, both cast to
        PyTorch's result type (dtypes.result_type); `true_division`: integers as the
        default float dtype (int / int is a float, as in PyTorch). NotImplemented for an
        operand of a class that takes the operation over."""
        other = self._coerce(other, op)
        if other is NotImplemented:
            return other
        a, b = self._data.dtype, other._data.dtype
        dtype = a if a is b else result_type(a, self._data.ndim > 0, b, other._data.ndim > 0)
        if true_division and dtype.kind != "f":
            dtype = get_default_dtype()
        if dtype is a and a is b or np.result_type(a, b) == dtype:
            return self, other  # NumPy's op gives PyTorch's dtype itself: no cast op needed
        return (self if a == dtype else self.astype(dtype),
                other if b == dtype else other.astype(dtype))

    def __add__(self, other: Any) -> Tensor:
        if type(other) is Tensor and other._data.dtype is self._data.dtype:  # the hot path
            return ops.Add.apply(self, other)
        pair = self._operands(other, "+")
        return pair if pair is NotImplemented else ops.Add.apply(*pair)

    def __radd__(self, other: Any) -> Tensor:
        pair = self._operands(other, "+")
        return pair if pair is NotImplemented else ops.Add.apply(pair[1], pair[0])

    def __sub__(self, other: Any) -> Tensor:
        if type(other) is Tensor and other._data.dtype is self._data.dtype:  # the hot path
            return ops.Sub.apply(self, other)
        no_bool_subtraction(self, other)
        pair = self._operands(other, "-")
        return pair if pair is NotImplemented else ops.Sub.apply(*pair)

    def __rsub__(self, other: Any) -> Tensor:
        no_bool_subtraction(self, other)
        pair = self._operands(other, "-")
        return pair if pair is NotImplemented else ops.Sub.apply(pair[1], pair[0])

    def __mul__(self, other: Any) -> Tensor:
        if type(other) is Tensor and other._data.dtype is self._data.dtype:  # the hot path
            return ops.Mul.apply(self, other)
        pair = self._operands(other, "*")
        return pair if pair is NotImplemented else ops.Mul.apply(*pair)

    def __rmul__(self, other: Any) -> Tensor:
        pair = self._operands(other, "*")
        return pair if pair is NotImplemented else ops.Mul.apply(pair[1], pair[0])

    def __truediv__(self, other: Any) -> Tensor:
        pair = self._operands(other, "/", true_division=True)
        return pair if pair is NotImplemented else ops.Div.apply(*pair)

    def __rtruediv__(self, other: Any) -> Tensor:
        pair = self._operands(other, "/", true_division=True)
        return pair if pair is NotImplemented else ops.Div.apply(pair[1], pair[0])

    def __pow__(self, exponent: Any) -> Tensor:
        return power(self, exponent)

    def __rpow__(self, base: Any) -> Tensor:
        return power(self, base, reflected=True)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __pos__(self) -> Tensor:
        return self

    def __abs__(self) -> Tensor:
        return self.abs()

    def __matmul__(self, other: Any) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._coerce(other, "@").matmul(self)

    def __getitem__(self, index: Any) -> Tensor:
        return self._indexed(ops.array_index("getitem", index))

    # comparisons: no gradient, a bool tensor
    def _compare(self, other: Any, compare: np.ufunc) -> Tensor:
        symbol = _COMPARISONS[compare.__name__]
        other = self._coerce(other, symbol)
        if other is NotImplemented:
            return other
        try:
            return Tensor._from_op(compare(self._data, other._data), None)
        except ValueError as error:
            raise ShapeError(f"{symbol}: cannot compare tensors of shapes {self.shape} and "
                             f"{other.shape} (they do not broadcast)") from error

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor | bool:  # type: ignore[override]
        return False if other is None else self._compare(other, np.equal)  # None: PyTorch's

    def __ne__(self, other: Any) -> Tensor | bool:  # type: ignore[override]
        return True if other is None else self._compare(other, np.not_equal)


_primitive.set_tensor_class(Tensor)
