"""`Tensor.data`: the tensor's ndarray, with PyTorch's in-place methods on it.

`x.data` is a NumPy array viewing the tensor's memory (so `x.data[...] = w` writes the
tensor, and NumPy takes it everywhere), of a subclass that also answers the idioms
PyTorch code uses on `.data`: `p.data.copy_(t)`, `p.data.normal_(0, 0.02)`,
`p.data.uniform_(-a, a)`, `p.data.zero_()`, `p.data.fill_(v)`, `p.data.add_(g, alpha=-lr)`,
`p.data.mul_(0.1)` ... and in-place arithmetic with tensors (`p.data += -lr * p.grad`).
As in PyTorch, writes through `.data` are invisible to autograd: no version is counted.

Every NumPy function or operator applied to it returns a plain ndarray (the subclass
never spreads), and the engine itself reads the tensor's plain array (`Tensor._data`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ShapeError
from .seeding import generator as chosen_generator


def _plain(value: Any) -> Any:
    """An operand as NumPy sees it: a DataArray as its plain array, a Tensor as its array."""
    if isinstance(value, DataArray):
        return value.view(np.ndarray)
    array = getattr(value, "_data", None)  # a Tensor (this module sits below tensor.py)
    return value if array is None else array


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
