"""`Tensor` and the reverse-mode engine.

A Tensor holds an ndarray (`data`), its gradient (`grad`) and, if an op made it
while gradients were being recorded, that op (`_ctx`, a `Function`). The
graph is the chain of `_ctx.parents`. `backward` orders it topologically
(iteratively: deep graphs must not hit Python's recursion limit), walks it
from the output and hands each op the gradient of its output. Every op's
backward is written with Tensor ops, so with `create_graph=True` the
gradients are graphs themselves and can be differentiated again.

How it works, step by step: docs/autograd.md. The ops: tinygrad_bn/ops.py.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import modes as _modes
from .errors import (
    AllocationError,
    ArgumentError,
    ArgumentTypeError,
    AxisError,
    BackwardError,
    DTypeError,
    IndexOutOfRange,
    ShapeError,
    TinygradError,
)
from .keywords import axis_keywords, one_of, variance_ddof
from .modes import is_grad_enabled as is_grad_enabled  # re-exported: ops and nn import it here
from .modes import set_grad_enabled

DEFAULT_DTYPE = np.float32



def no_grad() -> set_grad_enabled:
    """Inside `with no_grad():` ops record nothing: outputs have no `_ctx` (this thread)."""
    return set_grad_enabled(False)


def enable_grad() -> set_grad_enabled:
    """Turn recording back on inside a `no_grad` block (this thread)."""
    return set_grad_enabled(True)


class Function:
    """One op of the graph: `forward` on ndarrays, `backward` on Tensors.

    `apply` is the template: unwrap the inputs, run `forward`, wrap the result,
    and only when a gradient is wanted remember the inputs (`parents`) and
    what the forward saved. An op whose backward reads its output declares
    `uses_output`; the output is then held by weak reference, so that the graph
    has no reference cycle.
    """

    __slots__ = ("parents", "saved", "_out", "__dict__")
    uses_output = False  # backward reads the output (exp, tanh, ...): counted as saved
    saves_inputs: tuple[int, ...] = ()  # parents whose values backward may read: counted as saved
    # backward (without create_graph) returns new arrays, distinct per input, that nothing
    # else references: the engine may then accumulate into them and hand them to leaves
    fresh_grads = False

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:
        raise NotImplementedError

    def jvp(self, *tangents: Tensor | None) -> Tensor | None:
        """Forward mode: the output's tangent from one tangent per input (None: zero), written
        with Tensor ops after `forward` ran (self.parents, self.saved and, for ops that set
        uses_output, self.output are available); None means a zero tangent. Every op
        defines it (tinygrad_bn/forward_ad.py runs it; tests/test_forward_ad.py checks that
        none is missing)."""
        raise NotImplementedError(f"{self.name} has no forward-mode (jvp) rule")

    def save_for_backward(self, *items: Any) -> None:
        self.saved = items

    @property
    def output(self) -> Tensor:
        if not self.uses_output:
            raise BackwardError(f"{self.name}: set the class attribute uses_output = True to "
                                f"read self.output in backward")
        out = self._out() if self._out is not None else None
        if out is None:
            raise BackwardError(f"{self.name}: its output was freed before backward")
        return out

    @property
    def name(self) -> str:
        return type(self).__name__

    @classmethod
    def apply(cls, *inputs: Tensor, **params: Any) -> Tensor:
        ctx = cls()
        ctx.parents = inputs
        ctx.saved = ()
        ctx._out = None
        if params:
            ctx.__dict__.update(params)
        mode = _modes.state.op_mode  # this thread's: record, do not, or check for anomalies
        if mode == _modes.ANOMALY:
            out = anomaly_mode.run(ctx, inputs)
            if op_observers.count:
                op_observers.run(ctx, out)
            return out
        try:  # one- and two-input ops (nearly all) skip building an argument list
            if len(inputs) == 2:
                out_data = ctx.forward(inputs[0].data, inputs[1].data)
            elif len(inputs) == 1:
                out_data = ctx.forward(inputs[0].data)
            else:
                out_data = ctx.forward(*[t.data for t in inputs])
        except (ValueError, IndexError, TypeError, MemoryError) as error:
            raise _op_error(ctx, inputs, error) from error
        if mode:
            for t in inputs:  # a loop, not any(<generator>): this runs once per op
                if t.requires_grad:
                    out = Tensor._from_op(out_data, ctx)
                    if ctx.uses_output:  # only then: a weak reference costs ~0.25 us
                        ctx._out = weakref.ref(out)
                    if op_observers.count:
                        op_observers.run(ctx, out)
                    return out
        out = Tensor._from_op(out_data, None)
        if op_observers.count:
            op_observers.run(ctx, out)
        return out

    def release(self) -> None:
        """Drop the inputs and saved arrays: the graph below can be freed."""
        self.parents = None
        self.saved = ()

    def __repr__(self) -> str:
        return f"<{self.name}>"


def _op_error(ctx: Function, inputs: Sequence[Tensor], error: Exception) -> Exception:
    """NumPy's error from inside a forward, restated with the op's name and shapes."""
    shapes = ", ".join(str(t.shape) for t in inputs)
    if isinstance(error, MemoryError):  # NumPy's says which array it could not allocate
        shape, dtype = getattr(error, "shape", None), getattr(error, "dtype", None)
        asked = (f"{math.prod(int(n) for n in shape) * np.dtype(dtype).itemsize:,} bytes "
                 f"for an array of shape {tuple(shape)} and dtype {dtype}"
                 if shape is not None and dtype is not None else "more memory than is free")
        return AllocationError(f"{ctx.name}: cannot allocate {asked} (inputs of shapes "
                               f"{shapes})")
    if isinstance(error, TypeError):  # NumPy has no such loop: bool - bool, -bool, ...
        dtypes = ", ".join(str(t.dtype) for t in inputs)
        return DTypeError(f"{ctx.name}: not defined for inputs of dtypes {dtypes} (shapes "
                          f"{shapes}): {error}")
    if isinstance(error, IndexError):
        kind: type[TinygradError] = IndexOutOfRange
    elif any(word in str(error) for word in ("shape", "broadcast", "dimension", "size")):
        kind = ShapeError
    else:  # a value NumPy refuses, e.g. an integer to a negative integer power
        kind = ArgumentError
    return kind(f"{ctx.name}: cannot apply to inputs of shapes {shapes}: {error}")


class _AnomalyMode:
    """The hooks of `detect_anomaly` (tinygrad_bn/anomaly.py) into the engine; whether it is on
    is per thread (tinygrad_bn/modes.py)."""

    @property
    def enabled(self) -> bool:
        return _modes.state.anomaly

    def run(self, ctx: Function, inputs: tuple[Tensor, ...]) -> Tensor:
        from .anomaly import run_checked

        return run_checked(ctx, inputs)

    def backward(self, ctx: Function, grad: Tensor) -> Tensor | None | tuple[Tensor | None, ...]:
        from .anomaly import backward_checked

        return backward_checked(ctx, grad)


anomaly_mode = _AnomalyMode()


class _OpObservers:
    """Callbacks `fn(ctx, out)` run after every op's forward (forward-mode AD, saved-tensor
    hooks), each thread with its own list, ordered by priority. `count` is the number of
    callbacks installed in all threads: while it is 0, apply pays one attribute check."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self._local = threading.local()

    def current(self) -> list[tuple[int, Callable[[Function, Tensor], None]]]:
        stack = getattr(self._local, "stack", None)
        if stack is None:
            stack = self._local.stack = []
        return stack

    def push(self, priority: int, fn: Callable[[Function, Tensor], None]) -> None:
        stack = self.current()
        stack.append((priority, fn))
        stack.sort(key=lambda entry: entry[0])
        with self._lock:
            self.count += 1

    def remove(self, fn: Callable[[Function, Tensor], None]) -> None:
        stack = self.current()
        for i, (_, f) in enumerate(stack):
            if f is fn:
                del stack[i]
                with self._lock:
                    self.count -= 1
                return

    def run(self, ctx: Function, out: Tensor) -> None:
        for _, fn in tuple(self.current()):
            fn(ctx, out)


op_observers = _OpObservers()


_COMPARISONS = {"less": "<", "less_equal": "<=", "greater": ">", "greater_equal": ">=",
                "equal": "==", "not_equal": "!="}
# ops whose NumPy result is right for a Python int outside the tensor's integer range
_OUT_OF_RANGE_OK = frozenset(_COMPARISONS.values()) | {"/"}


def _short(value: Any, limit: int = 40) -> str:
    """repr(value), cut to `limit` characters for an error message."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _to_array(data: Any, dtype: Any) -> np.ndarray:
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        try:
            dtype = np.dtype(dtype)
        except (TypeError, ValueError) as error:
            raise DTypeError(f"Tensor: {_short(dtype)} is not a dtype (expected e.g. "
                             f"np.float32 or 'float64')") from error
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
            array = array.astype(DEFAULT_DTYPE)  # Python data: float32, as in PyTorch
    if array.dtype.kind == "O":  # None, a dict, an arbitrary object
        raise DTypeError(f"Tensor: cannot make a tensor of {type(data).__name__} "
                         f"{_short(data)}; expected numbers, (nested) lists of numbers or an "
                         f"ndarray")
    if array.dtype.kind not in "biuf":  # strings, bytes, complex: no op here supports them
        raise DTypeError(f"Tensor: unsupported dtype {array.dtype} (from "
                         f"{type(data).__name__} data); expected a boolean, integer or "
                         f"floating dtype")
    return array


class Tensor:
    """An n-d array with reverse-mode autograd.

    `Tensor(np.ndarray)` keeps the array's dtype (and shares its memory);
    Python numbers and lists become float32. Only floating tensors can
    require a gradient.
    """

    __slots__ = ("data", "grad", "requires_grad", "_ctx", "_hooks", "_retains_grad", "name",
                 "__weakref__")
    __array_priority__ = 1000  # ndarray (op) Tensor defers to Tensor's reflected operator

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 name: str | None = None) -> None:
        self.data = _to_array(data, dtype)
        self.grad: Tensor | None = None
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
        t.data = data if isinstance(data, np.ndarray) else np.asarray(data)
        t.grad = None
        t._ctx = ctx
        t._hooks = None
        t._retains_grad = False
        t.name = None
        t.requires_grad = ctx is not None
        return t

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self.data.dtype.kind != "f":
            raise DTypeError(
                f"requires_grad: only floating tensors can require a gradient, got dtype "
                f"{self.data.dtype} (convert with .astype(np.float32) first)")
        if not requires_grad and self._ctx is not None:
            raise BackwardError("requires_grad_(False) on a non-leaf tensor: use .detach()")
        self.requires_grad = bool(requires_grad)
        return self

    # ---- array-like properties ----
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def is_leaf(self) -> bool:
        return self._ctx is None

    @property
    def grad_fn(self) -> Function | None:
        return self._ctx

    def __len__(self) -> int:
        if self.ndim == 0:
            raise ShapeError("len() of a 0-d tensor")
        return self.shape[0]

    def numpy(self) -> np.ndarray:
        return self.data

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ShapeError(f"item: needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def detach(self) -> Tensor:
        """A leaf sharing the same data, cut from the graph."""
        return Tensor._from_op(self.data, None)

    def astype(self, dtype: Any) -> Tensor:
        from .ops import Cast
        try:
            dtype = np.dtype(dtype)
        except (TypeError, ValueError) as error:
            raise DTypeError(f"astype: {dtype!r} is not a dtype") from error
        if dtype.kind not in "biuf":
            raise DTypeError(f"astype: unsupported dtype {dtype}; expected a boolean, integer "
                             f"or floating dtype (as Tensor())")
        if dtype == self.dtype:
            return self
        return Cast.apply(self, dtype=dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, threshold=20, edgeitems=2,
                               prefix="Tensor(")
        extra = f", dtype={self.dtype}"
        if self.data.size > 20:  # the summary elides values: say what the shape is
            extra = f", shape={self.shape}{extra}"
        if self._ctx is not None:
            extra += f", grad_fn=<{self._ctx.name}>"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    def __hash__(self) -> int:
        return id(self)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ShapeError(f"the truth value of a tensor of shape {self.shape} is ambiguous")
        return bool(self.data)

    # ---- gradients ----
    def retain_grad(self) -> Tensor:
        """Keep `.grad` on this non-leaf tensor after backward."""
        self._retains_grad = True
        return self

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> Callable[[], None]:
        """Call `hook(grad)` when this tensor's gradient is computed; a returned
        Tensor replaces the gradient. Returns a function that removes the hook."""
        if not callable(hook):
            raise ArgumentTypeError(f"register_hook: the hook must be callable as hook(grad), "
                                    f"got {type(hook).__name__} {hook!r}")
        if not self.requires_grad:
            raise BackwardError("register_hook: the tensor does not require grad")
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return lambda: self._hooks.remove(hook) if hook in self._hooks else None

    def backward(self, grad: Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad`.

        `grad` is the gradient of some scalar with respect to self (needed
        unless self has one element). The graph's saved arrays are released
        afterwards unless `retain_graph` (default: `create_graph`).
        """
        run_backward([self], [grad], retain_graph, create_graph, inputs=None)

    # ---- operators: each a primitive op from ops.py ----
    def _coerce(self, other: Any, op: str = "op") -> Tensor:
        """Wrap a non-Tensor operand of `op`; Python scalars take this tensor's dtype (no
        upcast). What cannot be a tensor (None, a string, a dict) is refused naming `op`."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, np.ndarray) and other.dtype.kind in "biuf":
            return Tensor._from_op(other, None)  # what Tensor(other) makes, without its checks
        if isinstance(other, int | float):  # bool is an int too
            kind = self.data.dtype.kind
            if kind == "f" and type(other) is not bool or kind in "iu" and type(other) is int:
                dtype = self.data.dtype  # the common cases: NEP 50's answer, without asking
            else:  # NumPy 2's weak-scalar promotion: bool + 2 -> int64, int16 * 2.5 -> float64
                dtype = np.result_type(self.data.dtype, other)
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
            raise type(error)(f"{op}: cannot use {type(other).__name__} {_short(other)} as an "
                              f"operand of a tensor of shape {self.shape} and dtype "
                              f"{self.dtype} ({error})") from error

    def __add__(self, other: Any) -> Tensor:
        return ops.Add.apply(self, self._coerce(other, "+"))

    def __radd__(self, other: Any) -> Tensor:
        return ops.Add.apply(self._coerce(other, "+"), self)

    def __sub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(self, self._coerce(other, "-"))

    def __rsub__(self, other: Any) -> Tensor:
        return ops.Sub.apply(self._coerce(other, "-"), self)

    def __mul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self, self._coerce(other, "*"))

    def __rmul__(self, other: Any) -> Tensor:
        return ops.Mul.apply(self._coerce(other, "*"), self)

    def __truediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(self, self._coerce(other, "/"))

    def __rtruediv__(self, other: Any) -> Tensor:
        return ops.Div.apply(self._coerce(other, "/"), self)

    def __pow__(self, exponent: Any) -> Tensor:
        return ops.Pow.apply(self, self._coerce(exponent, "**"))

    def __rpow__(self, base: Any) -> Tensor:
        return ops.Pow.apply(self._coerce(base, "**"), self)

    def __neg__(self) -> Tensor:
        return ops.Neg.apply(self)

    def __matmul__(self, other: Any) -> Tensor:
        return self.matmul(other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._coerce(other, "@").matmul(self)

    def __getitem__(self, index: Any) -> Tensor:
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        return ops.GetItem.apply(self, index=index)

    # comparisons: no gradient, a bool tensor
    def _compare(self, other: Any, compare: np.ufunc) -> Tensor:
        symbol = _COMPARISONS[compare.__name__]
        other = self._coerce(other, symbol)
        try:
            return Tensor._from_op(compare(self.data, other.data), None)
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

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    # ---- elementwise ----
    def exp(self) -> Tensor:
        return ops.Exp.apply(self)

    def log(self) -> Tensor:
        return ops.Log.apply(self)

    def sqrt(self) -> Tensor:
        return ops.Sqrt.apply(self)

    def abs(self) -> Tensor:
        return ops.Abs.apply(self)

    def tanh(self) -> Tensor:
        return ops.Tanh.apply(self)

    def sigmoid(self) -> Tensor:
        return ops.Sigmoid.apply(self)

    def relu(self) -> Tensor:
        return ops.ReLU.apply(self)

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        if min is None and max is None:
            raise ShapeError("clip: give at least one of min and max")
        return ops.Clip.apply(self, low=min, high=max)

    # ---- reductions ----
    def sum(self, axis: int | Sequence[int] | None = None, keepdims: bool = False, *,
            dim: int | Sequence[int] | None = None, keepdim: bool | None = None) -> Tensor:
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("sum", axis, keepdims, dim, keepdim)
        axes = normalize_axes("sum", axis, self.ndim, scalar_axis=True)
        return ops.Sum.apply(self, axes=axes, keepdims=keepdims)

    def mean(self, axis: int | Sequence[int] | None = None, keepdims: bool = False, *,
             dim: int | Sequence[int] | None = None, keepdim: bool | None = None) -> Tensor:
        """sum / n over the axes: a composite, its gradient g/n follows from Sum and Mul.
        Over an empty axis (n = 0) the mean is NaN, as in NumPy and PyTorch. As NumPy,
        integers and bools are averaged in float64 (their sum could wrap around) and
        float16 is summed in float32 (its sum overflows past 65504), the result cast back."""
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("mean", axis, keepdims, dim, keepdim)
        axes = normalize_axes("mean", axis, self.ndim, scalar_axis=True)
        count = math.prod([self.shape[a] for a in axes])
        factor = 1.0 / count if count else math.nan
        kind = self.data.dtype.kind
        if kind == "f" and self.data.dtype.itemsize > 2:  # float32/64: the common case
            return self.sum(axes, keepdims) * factor
        if kind == "f":
            return (self.astype(np.float32).sum(axes, keepdims) * factor).astype(self.dtype)
        return self.astype(np.float64).sum(axes, keepdims) * factor

    def var(self, axis: int | Sequence[int] | None = None, keepdims: bool = False,
            ddof: int = 0, *, dim: int | Sequence[int] | None = None,
            keepdim: bool | None = None, correction: int | None = None,
            unbiased: bool | None = None) -> Tensor:
        """mean of squared deviations, sum((x - mean)^2) / (n - ddof): a composite. With no
        degrees of freedom (n <= ddof) it divides by 0 as NumPy does: NaN where the squared
        deviations sum to 0, inf elsewhere. PyTorch's `correction=` is `ddof`, `unbiased=True`
        is ddof=1 (the default stays 0)."""
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("var", axis, keepdims, dim, keepdim)
        if correction is not None or unbiased is not None:
            ddof = variance_ddof("var", ddof, correction, unbiased)
        axes = normalize_axes("var", axis, self.ndim, scalar_axis=True)
        count = math.prod([self.shape[a] for a in axes])
        if not isinstance(ddof, int | np.integer) or isinstance(ddof, bool):
            raise ArgumentTypeError(f"var: ddof must be an int, got {type(ddof).__name__} "
                                    f"{ddof!r}")
        centered = self - self.mean(axes, keepdims=True)
        factor = 1.0 / (count - ddof) if count > ddof else math.inf
        return (centered * centered).sum(axes, keepdims) * factor

    def _check_nonempty(self, op: str, axes: tuple[int, ...]) -> None:
        if any(self.shape[a] == 0 for a in axes):  # an empty axis has no max; other axes may
            raise ShapeError(f"{op}: zero-size reduction over axes {axes} of shape {self.shape}")

    def max(self, axis: int | Sequence[int] | None = None, keepdims: bool = False, *,
            dim: int | Sequence[int] | None = None, keepdim: bool | None = None) -> Tensor:
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("max", axis, keepdims, dim, keepdim)
        axes = normalize_axes("max", axis, self.ndim, scalar_axis=True)
        self._check_nonempty("max", axes)
        return ops.Max.apply(self, axes=axes, keepdims=keepdims)

    def min(self, axis: int | Sequence[int] | None = None, keepdims: bool = False, *,
            dim: int | Sequence[int] | None = None, keepdim: bool | None = None) -> Tensor:
        if dim is not None or keepdim is not None:
            axis, keepdims = axis_keywords("min", axis, keepdims, dim, keepdim)
        axes = normalize_axes("min", axis, self.ndim, scalar_axis=True)
        self._check_nonempty("min", axes)
        return ops.Min.apply(self, axes=axes, keepdims=keepdims)

    # ---- shape ----
    def reshape(self, *shape: Any) -> Tensor:
        shape = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], Sequence | np.ndarray) \
            else shape
        target = _int_sizes("reshape", shape)
        size = self.data.size
        if target.count(-1) == 1:
            known = math.prod([n for n in target if n != -1])
            if known > 0 and size % known == 0:
                target = tuple(size // known if n == -1 else n for n in target)
        if math.prod(target) != size or any(n < 0 for n in target):
            raise ShapeError(f"reshape: cannot reshape a tensor of shape {self.shape} "
                             f"({self.data.size} elements) into {shape}")
        if target == self.shape:
            return self
        return ops.Reshape.apply(self, shape=target)

    def view(self, *shape: Any) -> Tensor:
        return self.reshape(*shape)

    def transpose(self, *axes: Any) -> Tensor:
        """`transpose(a, b)`: swap axes a and b (at every rank, as PyTorch); one tuple or
        list, or one int per axis: a NumPy permutation; no argument: all axes reversed."""
        if not axes:
            return ops.Transpose.apply(self, axes=tuple(range(self.ndim - 1, -1, -1)))
        if len(axes) == 2 and not isinstance(axes[0], tuple | list):
            return self._swap("transpose", *axes)
        return self.permute(*axes)

    def permute(self, *dims: Any) -> Tensor:
        """Reorder the axes: output axis i is input axis dims[i] (negatives count from the
        end); `permute(2, 0, 1)` or `permute((2, 0, 1))`. The gradient is g permuted back."""
        if len(dims) == 1 and isinstance(dims[0], tuple | list):
            dims = tuple(dims[0])
        if len(dims) != self.ndim or any(not isinstance(d, int | np.integer) for d in dims):
            raise AxisError(f"permute: dims {dims} are not a permutation of the {self.ndim} "
                            f"axes of a tensor of shape {self.shape}")
        order = tuple(int(d) % self.ndim if -self.ndim <= d < self.ndim else -1 for d in dims)
        if sorted(order) != list(range(self.ndim)):
            raise AxisError(f"permute: dims {dims} are not a permutation of the {self.ndim} "
                            f"axes of a tensor of shape {self.shape}")
        return ops.Transpose.apply(self, axes=order)

    @property
    def T(self) -> Tensor:  # noqa: N802
        return self.transpose()

    def swapaxes(self, axis1: int, axis2: int) -> Tensor:
        return self._swap("swapaxes", axis1, axis2)

    def _swap(self, op: str, axis1: int, axis2: int) -> Tensor:
        a, b = (normalize_axes(op, axis, self.ndim)[0] for axis in (axis1, axis2))
        order = list(range(self.ndim))
        order[a], order[b] = order[b], order[a]
        return ops.Transpose.apply(self, axes=tuple(order))

    def expand(self, *shape: Any) -> Tensor:
        shape = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
        new_axes = len(shape) - self.ndim
        if any(n == -1 for n in shape[:max(new_axes, 0)]):
            raise ShapeError(f"expand: -1 (keep the size) in {shape} is only allowed for the "
                             f"existing axes of shape {self.shape}, not for new leading axes")
        shape = tuple(self.shape[i - new_axes] if n == -1 else n for i, n in enumerate(shape))
        if shape == self.shape:
            return self
        try:
            broadcast = np.broadcast_shapes(self.shape, shape)
        except ValueError as error:
            raise ShapeError(f"expand: cannot broadcast shape {self.shape} to {shape}") from error
        if broadcast != shape:
            raise ShapeError(f"expand: cannot broadcast shape {self.shape} to {shape}")
        return ops.Expand.apply(self, shape=shape)

    def broadcast_to(self, *shape: Any) -> Tensor:
        return self.expand(*shape)

    def squeeze(self, axis: int | Sequence[int] | None = None, *,
                dim: int | Sequence[int] | None = None) -> Tensor:
        axis = one_of("squeeze", "axis", axis, "dim", dim)
        if axis is None:
            axes = tuple(i for i, n in enumerate(self.shape) if n == 1)
        else:
            axes = normalize_axes("squeeze", axis, self.ndim, scalar_axis=True)
            if any(self.shape[a] != 1 for a in axes):
                raise ShapeError(f"squeeze: axis {axis} of shape {self.shape} is not of size 1")
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if i not in axes))

    def unsqueeze(self, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        axis = one_of("unsqueeze", "axis", axis, "dim", dim)
        if axis is None:
            raise AxisError("unsqueeze: missing the axis (axis= or dim=) of the new size-1 axis")
        (axis,) = normalize_axes("unsqueeze", axis, self.ndim + 1)
        return self.reshape(self.shape[:axis] + (1,) + self.shape[axis:])

    def flatten(self, start_axis: int = 0, end_axis: int = -1, *, start_dim: int | None = None,
                end_dim: int | None = None) -> Tensor:
        start_axis = one_of("flatten", "start_axis", start_axis or None, "start_dim", start_dim,
                            default=0)
        end_axis = one_of("flatten", "end_axis", None if end_axis == -1 else end_axis, "end_dim",
                          end_dim, default=-1)
        if self.ndim == 0:
            return self.reshape(1)
        start, end = (normalize_axes("flatten", a, self.ndim)[0] for a in (start_axis, end_axis))
        if start > end:
            raise AxisError(f"flatten: start axis {start_axis} comes after end axis {end_axis} "
                            f"for a tensor of shape {self.shape}")
        merged = math.prod(self.shape[start:end + 1])  # explicit: -1 is ambiguous at size 0
        return self.reshape(self.shape[:start] + (merged,) + self.shape[end + 1:])

    def pad(self, pad_width: Any, value: float = 0.0) -> Tensor:
        """Constant padding, NumPy's `pad_width`: an int, a (before, after) pair, or one pair
        per axis."""
        if self.ndim == 0:
            raise ShapeError(f"pad: a 0-d tensor has no axis to pad (pad_width {pad_width!r})")
        widths = np.asarray(pad_width)
        if widths.dtype.kind not in "iu" and widths.size:
            raise ArgumentTypeError(f"pad: pad_width must hold ints, got {pad_width!r} "
                                    f"(dtype {widths.dtype})")
        try:
            widths = np.broadcast_to(widths.astype(np.int64), (self.ndim, 2))
        except ValueError as error:
            raise ShapeError(f"pad: pad_width {pad_width!r} does not fit a tensor of shape "
                             f"{self.shape}") from error
        if (widths < 0).any():
            raise ShapeError(f"pad: negative pad_width {pad_width!r}")
        widths = tuple((int(lo), int(hi)) for lo, hi in widths)
        return ops.Pad.apply(self, pad_width=widths, value=value)

    def matmul(self, other: Any) -> Tensor:
        other = self._coerce(other, "@")
        if self.ndim == 0 or other.ndim == 0:
            raise ShapeError(f"matmul: 0-d operands are not allowed (shapes {self.shape} and "
                             f"{other.shape}); use * for scalars")
        if self.shape[-1] != other.shape[-2 if other.ndim > 1 else 0]:
            raise ShapeError(f"matmul: inner dimensions differ: {self.shape} @ {other.shape} "
                             f"({self.shape[-1]} != {other.shape[-2 if other.ndim > 1 else 0]})")
        try:  # batch dimensions (only operands above 2-d have any)
            if self.ndim > 2 or other.ndim > 2:
                np.broadcast_shapes(self.shape[:-2], other.shape[:-2])
        except ValueError as error:
            raise ShapeError(f"matmul: batch dimensions of {self.shape} @ {other.shape} do not "
                             f"broadcast: {self.shape[:-2]} vs {other.shape[:-2]}") from error
        if self.ndim == 1:  # a vector is a row on the left, its extra axis removed after
            return self.unsqueeze(0).matmul(other).squeeze(-2 if other.ndim > 1 else -1)
        if other.ndim == 1:
            return self.matmul(other.unsqueeze(1)).squeeze(-1)
        return ops.MatMul.apply(self, other)

    def dot(self, other: Any) -> Tensor:
        return self.matmul(other)

    # ---- PyTorch's Tensor methods: signatures, math and docs in tinygrad_bn/composite.py ----
    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        """The shape, or the length of axis `dim` (PyTorch's size; the count is numel())."""
        return composite.size(self, dim)

    def numel(self) -> int:
        return int(self.data.size)

    def dim(self) -> int:
        return self.data.ndim

    def sin(self) -> Tensor:
        return extra_ops.Sin.apply(self)

    def cos(self) -> Tensor:
        return extra_ops.Cos.apply(self)

    def sign(self) -> Tensor:
        return extra_ops.Sign.apply(self)

    def clone(self) -> Tensor:
        return extra_ops.Clone.apply(self)

    def contiguous(self) -> Tensor:
        return self

    def clamp(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return composite.clamp(self, min, max)

    def std(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.std(self, *args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.prod(self, *args, **kwargs)

    def cumsum(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.cumsum(self, *args, **kwargs)

    def logsumexp(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.logsumexp(self, *args, **kwargs)

    def norm(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.norm(self, *args, **kwargs)

    def argmax(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.argmax(self, *args, **kwargs)

    def argmin(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.argmin(self, *args, **kwargs)

    def any(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.any(self, *args, **kwargs)

    def all(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.all(self, *args, **kwargs)

    def isnan(self) -> Tensor:
        return composite.isnan(self)

    def isfinite(self) -> Tensor:
        return composite.isfinite(self)

    def isinf(self) -> Tensor:
        return composite.isinf(self)

    def flip(self, *axes: Any, dims: Any = None) -> Tensor:
        return composite.flip(self, *axes, dims=dims)

    def t(self) -> Tensor:
        return composite.t(self)

    def masked_fill(self, mask: Any, value: Any) -> Tensor:
        return composite.masked_fill(self, mask, value)

    def gather(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.gather(self, *args, **kwargs)

    def split(self, *args: Any, **kwargs: Any) -> tuple[Tensor, ...]:
        return composite.split(self, *args, **kwargs)

    def chunk(self, *args: Any, **kwargs: Any) -> tuple[Tensor, ...]:
        return composite.chunk(self, *args, **kwargs)

    def repeat(self, *sizes: Any) -> Tensor:
        return composite.repeat(self, *sizes)

    def to(self, *args: Any, **kwargs: Any) -> Tensor:
        return composite.to(self, *args, **kwargs)

    def cpu(self) -> Tensor:
        return self

    def float(self) -> Tensor:
        return composite.to_dtype(self, np.float32)

    def double(self) -> Tensor:
        return composite.to_dtype(self, np.float64)

    def half(self) -> Tensor:
        return composite.to_dtype(self, np.float16)

    def long(self) -> Tensor:
        return composite.to_dtype(self, np.int64)

    def int(self) -> Tensor:
        return composite.to_dtype(self, np.int32)

    def bool(self) -> Tensor:
        return composite.to_dtype(self, np.bool_)

    def zero_(self) -> Tensor:
        return composite.zero_(self)

    def fill_(self, value: Any) -> Tensor:
        return composite.fill_(self, value)

    def copy_(self, src: Any) -> Tensor:
        return composite.copy_(self, src)

    def type_as(self, other: Tensor) -> Tensor:
        return composite.to_dtype(self, other.dtype)

    def expand_as(self, other: Tensor) -> Tensor:
        return self.expand(other.shape)

    def view_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def reshape_as(self, other: Tensor) -> Tensor:
        return self.reshape(other.shape)

    def new_zeros(self, *size: Any, **kwargs: Any) -> Tensor:
        return composite.new_full(self, size, 0, **kwargs)

    def new_ones(self, *size: Any, **kwargs: Any) -> Tensor:
        return composite.new_full(self, size, 1, **kwargs)

    def new_full(self, size: Any, fill_value: Any, **kwargs: Any) -> Tensor:
        return composite.new_full(self, (size,), fill_value, **kwargs)

    def new_tensor(self, data: Any, **kwargs: Any) -> Tensor:
        return composite.new_tensor(self, data, **kwargs)


def _seed_grad(output: Tensor, grad: Any) -> Tensor:
    if grad is None:
        if output.data.size != 1:
            raise BackwardError(
                f"backward: grad can be implicitly created only for a tensor with one element, "
                f"got shape {output.shape}; pass grad= of that shape")
        return Tensor._from_op(np.array(1, output.data.dtype).reshape(output.data.shape), None)
    if not isinstance(grad, Tensor):
        try:
            grad = Tensor(np.asarray(grad, dtype=output.dtype))
        except (TypeError, ValueError) as error:
            raise ArgumentTypeError(f"backward: grad must be a Tensor, an ndarray or numbers of "
                                    f"the output's shape {output.shape}, got "
                                    f"{type(grad).__name__} {_short(grad)}") from error
    if grad.shape != output.shape:
        raise ShapeError(f"backward: grad has shape {grad.shape}, the output has {output.shape}")
    return grad


def topological_order(outputs: Sequence[Tensor], constants: bool = False,
                      leaves: bool = True) -> list[Tensor]:
    """Tensors that need a gradient, each after every tensor it was computed from
    (with `constants=True`, every tensor the outputs depend on, as the graph
    drawings want; with `leaves=False`, without the leaves that have no hooks,
    which the engine serves directly as their gradients arrive).

    Iterative depth-first search with an explicit stack (a recursive one fails
    past ~1000 nodes deep).
    """
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(t, False) for t in reversed(outputs)]
    while stack:
        tensor, children_done = stack.pop()
        if children_done:
            order.append(tensor)
            continue
        if id(tensor) in visited:
            continue
        visited.add(id(tensor))
        stack.append((tensor, True))
        ctx = tensor._ctx
        if ctx is None:
            continue
        if ctx.parents is None:
            raise BackwardError(
                f"the graph below {ctx.name} (output shape {tensor.shape}) was freed by a "
                f"backward: to backward through it a second time or draw it afterwards, pass "
                f"retain_graph=True to the first backward (or tg.grad)")
        for parent in reversed(ctx.parents):  # first input first: drawings read in order
            # every tensor an op made requires grad; a leaf is visited if it needs a gradient
            # (and, with leaves=False, has hooks) or if constants are wanted
            if (parent._ctx is not None or constants or parent.requires_grad and
                    (leaves or parent._hooks)) and id(parent) not in visited:
                stack.append((parent, False))
    return order


def unbroadcast(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum `grad` back to `shape`: the adjoint of NumPy broadcasting.

    Leading axes that broadcasting added are summed away; axes where `shape`
    has 1 are summed with keepdims. The one place where every op's
    broadcasting is undone.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    summed = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)


def run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence[Any],
                 retain_graph: bool | None, create_graph: bool,
                 inputs: Sequence[Tensor] | None) -> list[Tensor | None] | None:
    """The engine behind `Tensor.backward` and `tg.grad`.

    With `inputs=None` gradients are accumulated into the leaves' `.grad`;
    otherwise the gradients of `inputs` are returned and no `.grad` changes.
    """
    if retain_graph is None:
        retain_graph = create_graph
    for out in outputs:
        if not out.requires_grad:
            raise BackwardError(
                f"backward: the tensor (shape {out.shape}) does not require grad and has no "
                f"grad_fn; did you forget requires_grad=True, or compute it under no_grad?")
    grads: dict[int, Tensor] = {}
    for out, g in zip(outputs, grad_outputs):
        g = _seed_grad(out, g)
        grads[id(out)] = grads[id(out)] + g if id(out) in grads else g
    wanted: dict[int, list[int]] | None = None
    if inputs is not None:  # an input may be listed more than once: each slot gets the gradient
        wanted = {}
        for i, t in enumerate(inputs):
            wanted.setdefault(id(t), []).append(i)
    results: list[Tensor | None] = [None] * len(inputs) if inputs is not None else []
    # Leaves without hooks are left out of the order: each gradient that reaches one is
    # accumulated into its .grad at once (tg.grad, which must not touch .grad, visits them)
    direct = inputs is None
    order = topological_order(outputs, leaves=not direct)
    # keys of `grads` whose array nobody else holds (the engine's own sum of two gradients,
    # or a Function's declared `fresh_grads`): later gradients are added in place into it,
    # and a leaf takes it as .grad without a copy
    owned: set[int] = set()
    owned_grads: set[int] = set()  # tensors whose .grad array this pass made (see _accumulate)
    anomaly = _modes.state.anomaly
    with set_grad_enabled(create_graph):
        for tensor in reversed(order):
            key = id(tensor)
            grad = grads.pop(key, None)
            if grad is None:
                continue
            fresh = key in owned
            if fresh:
                owned.discard(key)
            if tensor._hooks:
                grad = _run_hooks(tensor, grad)
                fresh = False  # a hook may have kept a reference to the array
            ctx = tensor._ctx
            if wanted is not None:
                for slot in wanted.get(key, ()):  # fresh arrays, as .grad gets in _accumulate
                    results[slot] = grad if create_graph \
                        else Tensor._from_op(grad.data.copy(order="K"), None)
            elif ctx is None or tensor._retains_grad:
                _accumulate(tensor, grad, fresh and ctx is None, create_graph, owned_grads)
            if ctx is None:
                continue
            if anomaly:
                parent_grads = anomaly_mode.backward(ctx, grad)
            else:
                parent_grads = ctx.backward(grad)
            if not isinstance(parent_grads, tuple):
                parent_grads = (parent_grads,)
            exclusive = ctx.fresh_grads and not create_graph
            for parent, pgrad in zip(ctx.parents, parent_grads):
                if pgrad is None or not parent.requires_grad:
                    continue
                data = parent.data
                if pgrad.data.shape != data.shape:
                    pgrad = unbroadcast(pgrad, data.shape)
                if pgrad.data.dtype != data.dtype:
                    pgrad = pgrad.astype(data.dtype)
                if direct and parent._ctx is None and not parent._hooks:
                    _accumulate(parent, pgrad, exclusive, create_graph, owned_grads)
                    continue
                key = id(parent)
                if key not in grads:
                    grads[key] = pgrad
                    if exclusive:
                        owned.add(key)
                elif create_graph:  # the sum must be differentiable
                    grads[key] = grads[key] + pgrad
                elif key in owned:
                    np.add(grads[key].data, pgrad.data, out=grads[key].data)
                else:
                    grads[key] = Tensor._from_op(grads[key].data + pgrad.data, None)
                    owned.add(key)
            if not retain_graph:
                ctx.release()
    return results if inputs is not None else None


def _run_hooks(tensor: Tensor, grad: Tensor) -> Tensor:
    """Call the tensor's hooks in order; a returned Tensor replaces the gradient, and must
    keep its shape and dtype (as PyTorch: a hook may not change the size)."""
    for hook in tuple(tensor._hooks):
        replaced = hook(grad)
        if replaced is None:
            continue
        name = getattr(hook, "__name__", type(hook).__name__)
        if not isinstance(replaced, Tensor):
            raise BackwardError(f"backward: hook {name} returned {type(replaced).__name__}; a "
                                f"hook must return a Tensor (of shape {grad.shape}, dtype "
                                f"{grad.dtype}) or None, not an ndarray or another type")
        if replaced.shape != grad.shape:
            raise BackwardError(f"backward: hook has changed the size of the gradient: {name} "
                                f"returned shape {replaced.shape} for a gradient of shape "
                                f"{grad.shape}")
        if replaced.dtype != grad.dtype:
            raise BackwardError(f"backward: hook has changed the dtype of the gradient: {name} "
                                f"returned {replaced.dtype} for a gradient of dtype {grad.dtype}")
        grad = replaced
    return grad


def _accumulate(tensor: Tensor, grad: Tensor, fresh: bool, create_graph: bool,
                owned_grads: set[int]) -> None:
    """Add `grad` into `tensor.grad`. `fresh`: nobody else holds grad's array, so it can
    become .grad as it is; otherwise .grad gets a new writable array (`grad` may be a
    read-only broadcast view, or shared with another tensor's grad: Add passes g to both
    inputs). An array made in this pass (`owned_grads`) takes later gradients in place;
    an earlier pass's .grad is never written to, since the user may hold it."""
    if create_graph:  # keep the accumulated gradient differentiable
        tensor.grad = grad if tensor.grad is None else tensor.grad + grad
    elif id(tensor) in owned_grads:
        np.add(tensor.grad.data, grad.data, out=tensor.grad.data)
    else:
        if tensor.grad is None:
            tensor.grad = grad if fresh and not grad.requires_grad \
                else Tensor._from_op(grad.data.copy(order="K"), None)
        else:
            tensor.grad = Tensor._from_op(tensor.grad.data + grad.data, None)
        owned_grads.add(id(tensor))


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = True) -> list[Tensor | None]:
    """Gradients of `outputs` with respect to `inputs`, leaving every `.grad` untouched.

    Like `torch.autograd.grad`: returns a list with one entry per input (None
    where an input does not influence the outputs). With `create_graph=True`
    the returned gradients are differentiable.
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else _tensor_list("outputs", outputs)
    inputs = [inputs] if isinstance(inputs, Tensor) else _tensor_list("inputs", inputs)
    if not inputs:
        raise BackwardError("grad: no inputs given; pass the tensors to differentiate with "
                            "respect to")
    if not outputs:
        raise BackwardError("grad: no outputs given")
    if grad_outputs is None or isinstance(grad_outputs, Tensor | np.ndarray):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ShapeError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for t in inputs:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise BackwardError("grad: every input must be a Tensor that requires grad")
    results = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs)
    if not allow_unused and any(r is None for r in results):
        raise BackwardError("grad: one of the inputs was not used to compute the outputs")
    return results


def _tensor_list(role: str, values: Any) -> list[Tensor]:
    """tg.grad's outputs or inputs as a list of Tensors, or an error naming what was given."""
    if isinstance(values, list | tuple):
        bad = [type(v).__name__ for v in values if not isinstance(v, Tensor)]
        if not bad:
            return list(values)
        what = f"a {type(values).__name__} holding {', '.join(bad)}"
    else:
        what = type(values).__name__
    raise ArgumentTypeError(f"grad: {role} must be a Tensor or a list of Tensors, got {what}")


def normalize_axes(op: str, axis: int | Sequence[int] | None, ndim: int,
                   scalar_axis: bool = False) -> tuple[int, ...]:
    """Turn `axis` (None, int or tuple, negatives allowed) into sorted positive axes.
    `scalar_axis`: as NumPy's and PyTorch's reductions and squeeze, a 0-d tensor takes
    axis 0 (or -1), which names no axis at all: the result is ()."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, checked cheaply
        return (axis % ndim,)
    try:
        axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    except TypeError as error:
        raise AxisError(f"{op}: axis must be None, an int or a tuple of ints, "
                        f"got {axis!r}") from error
    result = []
    for a in axes:
        if not isinstance(a, int | np.integer):
            raise AxisError(f"{op}: axis must be int or tuple of ints, got {axis!r}")
        if ndim == 0 and scalar_axis and a in (0, -1):
            result.append(0)
            continue
        if not -ndim <= a < ndim:  # as NumPy: a 0-d tensor has no axis at all
            valid = f"valid: {-ndim}..{ndim - 1}" if ndim else "a 0-d tensor has no axes"
            raise AxisError(f"{op}: axis {a} is out of range for a tensor with {ndim} dims "
                            f"({valid})")
        result.append(int(a) % ndim)
    if len(set(result)) != len(result):
        raise AxisError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(result)) if ndim else ()


def _int_sizes(op: str, sizes: Sequence[Any]) -> tuple[int, ...]:
    """`sizes` as Python ints; floats (even 2.0), strings and bools are refused, not cast."""
    for n in sizes:
        if not isinstance(n, int | np.integer) or isinstance(n, bool | np.bool_):
            raise ArgumentTypeError(f"{op}: sizes must be ints, got {type(n).__name__} {n!r} "
                                    f"in {tuple(sizes)}")
    return tuple(int(n) for n in sizes)


def as_tensor(value: Any) -> Tensor:
    """`value` itself if it is a Tensor, else a new Tensor of it (see Tensor's dtype rules)."""
    return value if isinstance(value, Tensor) else Tensor(value)


def concatenate(tensors: Sequence[Tensor], axis: int | None = None, *,
                dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis (default 0; `tg.cat` is this function)."""
    axis = one_of("concatenate", "axis", axis, "dim", dim, default=0)
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("concatenate: needs at least one tensor")
    (axis,) = normalize_axes("concatenate", axis, tensors[0].ndim)
    shapes = [t.shape for t in tensors]
    if any(len(s) != len(shapes[0]) or s[:axis] + s[axis + 1:] != shapes[0][:axis] +
           shapes[0][axis + 1:] for s in shapes):
        raise ShapeError(f"concatenate: shapes {shapes} differ outside axis {axis}")
    return ops.Concatenate.apply(*tensors, axis=axis)


def stack(tensors: Sequence[Tensor], axis: int | None = None, *, dim: int | None = None
          ) -> Tensor:
    """Join tensors along a new axis (default 0)."""
    axis = one_of("stack", "axis", axis, "dim", dim, default=0)
    tensors = [as_tensor(t) for t in tensors]
    if not tensors:
        raise ShapeError("stack: needs at least one tensor")
    if any(t.shape != tensors[0].shape for t in tensors):
        raise ShapeError(f"stack: all shapes must be equal, got {[t.shape for t in tensors]}")
    (axis,) = normalize_axes("stack", axis, tensors[0].ndim + 1)
    return concatenate([t.unsqueeze(axis) for t in tensors], axis)


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """x where condition else y (broadcasting); the condition gets no gradient."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    x = x if isinstance(x, Tensor) else \
        (y._coerce(x, "where") if isinstance(y, Tensor) else Tensor(x))
    y = y if isinstance(y, Tensor) else x._coerce(y, "where")
    return ops.Where.apply(x, y, cond=cond)


def maximum(x: Any, y: Any) -> Tensor:
    """Elementwise max; the gradient goes to the larger input (split on ties)."""
    x = x if isinstance(x, Tensor) else y._coerce(x, "maximum")
    return ops.Maximum.apply(x, x._coerce(y, "maximum"))


def minimum(x: Any, y: Any) -> Tensor:
    """Elementwise min; the gradient goes to the smaller input (split on ties)."""
    x = x if isinstance(x, Tensor) else y._coerce(x, "minimum")
    return ops.Minimum.apply(x, x._coerce(y, "minimum"))


from . import composite, extra_ops, ops  # noqa: E402  (they need Tensor defined first)
