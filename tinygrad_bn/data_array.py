"""`Tensor.data`: the tensor's ndarray, with PyTorch's in-place methods on it.

`x.data` is a NumPy array viewing the tensor's memory (so `x.data[...] = w` writes the
tensor, and NumPy takes it everywhere), of a subclass that also answers the idioms
PyTorch code uses on `.data`: `p.data.copy_(t)`, `p.data.normal_(0, 0.02)`,
`p.data.uniform_(-a, a)`, `p.data.zero_()`, `p.data.fill_(v)`, `p.data.add_(g, alpha=-lr)`,
`p.data.mul_(0.1)` ... and in-place arithmetic with tensors (`p.data += -lr * p.grad`).
As in PyTorch, writes through `.data` are invisible to autograd: no version is counted.

Every NumPy function or operator applied to it returns a plain ndarray (the subclass
never spreads), and the engine itself reads the tensor's plain array (`Tensor._data`).

PyTorch code also calls Tensor methods on `.data` (`p.data.norm()`,
`out.data.max(1)[1]`, `p.data.std()`, `t.data.view(-1)`, `x.data.size(0)`). A Tensor
method NumPy lacks runs on a tensor sharing this memory (without a graph) and answers
as PyTorch does. The methods both have under one name with different meanings (`std`
and `var` divide by n - 1 in PyTorch, `max(1)` gives (values, indices), `sort` is not in
place, `repeat` tiles, `view(-1)` reshapes, `size` is callable, ...) follow PyTorch when
called without NumPy's keywords and NumPy when called with them (`axis=`, `out=`, `ddof=`
...: what NumPy's own functions pass when they reach a subclass's method), so that
`np.std(x.data)` is still NumPy's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .autograd.primitive import new_tensor
from .errors import ShapeError
from .seeding import generator as chosen_generator

# keywords only NumPy's methods take: a call with one of them is NumPy's
_NUMPY_KEYWORDS = frozenset({"axis", "out", "keepdims", "ddof", "initial", "where", "kind",
                             "order", "axes", "type", "repeats"})
# ndarray methods whose PyTorch namesake means something else
_SHARED = ("std", "var", "sum", "mean", "prod", "max", "min", "argmax", "argmin", "sort",
           "repeat", "flatten", "transpose", "cumsum", "cumprod", "all", "any")


def _plain(value: Any) -> Any:
    """An operand as NumPy sees it: a DataArray as its plain array, a Tensor as its array."""
    if isinstance(value, DataArray):
        return value.view(np.ndarray)
    array = getattr(value, "_data", None)  # a Tensor (this module sits below tensor.py)
    return value if array is None else array


def _unwrapped(value: Any) -> Any:
    """`value` with every DataArray in it (inside tuples, lists and dicts too) plain."""
    if isinstance(value, DataArray):
        return value.view(np.ndarray)
    if isinstance(value, tuple | list):
        return type(value)(_unwrapped(v) for v in value)
    if isinstance(value, dict):
        return {k: _unwrapped(v) for k, v in value.items()}
    return value


class _CallableSize(int):
    """`x.data.size`: NumPy's element count, which PyTorch code calls as `size()` / `size(d)`
    for the shape."""

    def __new__(cls, array: DataArray) -> _CallableSize:
        out = super().__new__(cls, int(np.prod(array.shape, dtype=np.int64)))
        out._array = array
        return out

    def __call__(self, dim: int | None = None) -> Any:
        return self._array._tensor().size(dim)


class DataArray(np.ndarray):
    """An ndarray with PyTorch's in-place methods; see the module docstring."""

    # above Tensor's 1000: `x.data += tensor` stays an in-place NumPy op instead of
    # deferring to Tensor.__radd__ (which would make a new tensor)
    __array_priority__ = 2000

    def __array_wrap__(self, array: np.ndarray, context: Any = None,
                       return_scalar: bool = False) -> Any:
        """What a ufunc or method made from this array comes out plain (so the subclass
        never spreads into results and tensors); results written into `out=` stay where
        they were written."""
        if array is self:  # written into this array (`out=`): the answer is the array itself
            return self
        plain = array.view(np.ndarray) if isinstance(array, DataArray) else array
        return plain[()] if return_scalar else plain

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        """NumPy's functions see a plain ndarray (they call methods such as `flatten()` or
        `sort()` on their argument, which here are PyTorch's)."""
        return func(*_unwrapped(args), **_unwrapped(kwargs))

    def _tensor(self) -> Any:
        """A tensor (no graph) sharing this memory."""
        return new_tensor(self.view(np.ndarray))

    def __getattr__(self, name: str) -> Any:
        """A Tensor method NumPy lacks (`norm`, `abs`, `view_as`, `numel`, `clone`, `eq`...),
        run on a tensor sharing this memory."""
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._tensor(), name)

    @property
    def size(self) -> _CallableSize:  # type: ignore[override]
        return _CallableSize(self)

    @property
    def data(self) -> DataArray:  # type: ignore[override]
        """`x.data.data` is the same memory again, as in PyTorch (NumPy's attribute is a
        memoryview: code that keeps `.data` of a `.data`, as a from-scratch BatchNorm's
        moving statistics do, would lose its array)."""
        return self

    @property
    def device(self) -> Any:  # type: ignore[override]
        """The tensor's device (NumPy's attribute is the string 'cpu')."""
        return self._tensor().device

    def view(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        """NumPy's view (`view(dtype)`, `view(type=...)`), or PyTorch's `view(*shape)`
        when given sizes."""
        sizes = args[0] if len(args) == 1 and isinstance(args[0], tuple | list) else args
        if sizes and not kwargs and all(isinstance(v, int | np.integer) for v in sizes):
            return self._tensor().view(*sizes)
        return super().view(*args, **kwargs)

    def _write(self, op: str, values: Any) -> DataArray:
        values = np.asarray(_plain(values))
        try:
            np.copyto(self.view(np.ndarray), values, casting="unsafe")
        except ValueError as error:
            raise ShapeError(f"data.{op}: cannot write values of shape {values.shape} into an "
                             f"array of shape {self.shape}") from error
        return self

    def copy_(self, src: Any, non_blocking: bool = False) -> DataArray:
        """Copy `src` (broadcast, cast to this dtype) in."""
        return self._write("copy_", src)

    def fill_(self, value: Any) -> DataArray:
        return self._write("fill_", value)

    def zero_(self) -> DataArray:
        return self._write("zero_", 0)

    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None
                ) -> DataArray:
        return self._write("normal_", chosen_generator(generator, "normal_").normal(
            mean, std, self.shape))

    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> DataArray:
        return self._write("uniform_", chosen_generator(generator, "uniform_").uniform(
            a, b, self.shape))

    def add_(self, other: Any, *, alpha: float = 1) -> DataArray:
        return self._write("add_", self.view(np.ndarray) + alpha * np.asarray(_plain(other)))

    def sub_(self, other: Any, *, alpha: float = 1) -> DataArray:
        return self._write("sub_", self.view(np.ndarray) - alpha * np.asarray(_plain(other)))

    def mul_(self, other: Any) -> DataArray:
        return self._write("mul_", self.view(np.ndarray) * _plain(other))

    def div_(self, other: Any) -> DataArray:
        return self._write("div_", self.view(np.ndarray) / _plain(other))

    def clamp_(self, min: Any = None, max: Any = None) -> DataArray:  # noqa: A002
        return self._write("clamp_", np.clip(self.view(np.ndarray), _plain(min), _plain(max)))


def _either(name: str) -> Any:
    numpy_method = getattr(np.ndarray, name)

    def method(self: DataArray, *args: Any, **kwargs: Any) -> Any:
        if kwargs.keys() & _NUMPY_KEYWORDS:
            return numpy_method(self, *args, **kwargs)
        return getattr(self._tensor(), name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"PyTorch's `{name}` unless called with NumPy's keywords (then NumPy's)."
    return method


for _name in _SHARED:
    setattr(DataArray, _name, _either(_name))
