"""In-place Tensor methods (`add_`, `mul_`, `clamp_`, `zero_`, `copy_`, `fill_diagonal_`,
`index_put_`, `apply_`, ...), the ones that change the shape (`t_`, `transpose_`,
`squeeze_`, `unsqueeze_`, `resize_`, ...), the augmented assignments (`x += y` changes x itself)
and item assignment (`x[i] = v`); the random fills (`normal_`, `random_`, ...) are in
random.py, the twins of the math methods in inplace_math.py, all written through `_write`.

Each write runs the out-of-place op and writes its result into the tensor's memory, so
every view and every holder of the array sees it. Autograd, as PyTorch does it:

- on a leaf that requires grad, refused while gradients are recorded (PyTorch's
  message); under `no_grad` a plain write (optimizer updates, initialisation);
- otherwise, when the result requires grad, the write is a node of the graph: the tensor
  keeps its Python identity, but its place in the graph moves to the new node, whose
  input is the identity it had before (`old`); nodes recorded earlier keep pointing at
  that old identity (autograd/versions.py resolves them), so their gradients stay right;
- a write through a view (`x[0].mul_(2)`, `x[i] += v`, `x.reshape(-1)[m] = 0`) also moves
  the viewed tensor to an `IndexPut` node writing the view's new values (PyTorch's
  CopySlices): at the basic index, else at the positions of view_positions.py; through a
  detach or a view of a leaf that requires grad it is refused with a clear error;
- every write counts a version of the memory; a backward that needs values written since
  its forward raises PyTorch's "modified by an inplace operation" error.

The rules and their reasons: docs/autograd.md, section "Mutation".
"""

from __future__ import annotations

import builtins
import math
import numbers
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import dtypes, ops
from ..autograd import inference, versions
from ..autograd.primitive import Function, is_tensor, new_tensor, op_observers
from ..errors import (
    ArgumentError,
    ArgumentTypeError,
    BackwardError,
    DTypeError,
    DTypeMismatchError,
    IndexOutOfRange,
    ShapeError,
    TinygradError,
    UnsupportedError,
    named,
    short_repr,
)
from ..keywords import Size, int_sizes
from ..modes import is_grad_enabled
from .indexing import fill_number
from .view_positions import owner_index

if TYPE_CHECKING:
    from ..tensor import Tensor


class InplaceMethods:
    """The mixin of Tensor's in-place methods."""

    __slots__ = ()

    # ---- the one way a tensor is written ----
    def _write(self, op: str, compute: Callable[[Tensor], Tensor],
               casting: str = "same_kind") -> Tensor:
        """Replace this tensor's values by `compute(self)` in place (see the module
        docstring); `casting`: which result dtypes may be written (NumPy's rule names)."""
        recording = is_grad_enabled()
        self._refuse_recorded_leaf(op, recording)
        if not self._data.flags.writeable:
            raise ArgumentError(f"{op}: the tensor's array (shape {self.shape}) is a read-only "
                                f"view (e.g. from expand); clone() it first")
        if not recording:
            result = compute(self)
        else:
            old = self._identity()
            versions.pass_tangent(self, old)  # forward mode: old carries the tangent
            made: list[Function] = []  # the nodes compute records (a composite: several)

            def note(ctx: Function, out: Tensor) -> None:
                if out._ctx is ctx:
                    made.append(ctx)

            op_observers.push(_WATCHING, note)
            try:
                result = compute(old)
            finally:
                op_observers.remove(note)
            if result.requires_grad:
                return self._write_recorded(op, old, result, casting, made)
        self._store(op, result, casting)
        versions.record_write(self)
        versions.pass_tangent(result, self)
        view = self
        while getattr(view, "_view_of", None) is not None:  # forward mode: the bases' tangents
            base, index = view._view_of
            versions.put_tangent(base, view, index)
            view = base
        return self

    def _refuse_recorded_leaf(self, op: str, recording: bool, views: bool = False) -> None:
        inference.check_write(self, op)  # an inference tensor outside inference mode
        leaf = versions.root(self) if views else self  # views: a view of a leaf counts too
        if recording and self.requires_grad and leaf.requires_grad and leaf._ctx is None:
            what = "a view of a leaf" if getattr(self, "_base", None) is not None else "a leaf"
            raise BackwardError(
                f"{op}: {what} tensor that requires grad (shape {self.shape}) is being used in "
                f"an in-place operation; do it inside `with tg.no_grad():`, or on a clone")

    def _identity(self) -> Tensor:
        """A new tensor object standing for this one as it is now: same memory (written
        later), same place in the graph."""
        old = new_tensor(self._data, self._ctx)
        old.requires_grad = self.requires_grad
        old._base = versions.root(self)
        return old

    def _store(self, op: str, result: Tensor, casting: str) -> None:
        """Write `result`'s values into this tensor's memory, as PyTorch checks them."""
        if result.shape != self.shape:
            raise ShapeError(f"{op}: the result has shape {result.shape}, which does not fit "
                             f"in place into a tensor of shape {self.shape} (an in-place "
                             f"op cannot broadcast the tensor it writes)")
        if not dtypes.can_cast(result.dtype, self.dtype, casting):
            raise DTypeError(f"{op}: result type {result.dtype} can't be cast to the tensor's "
                             f"dtype {self.dtype} in place; cast the tensor first")
        np.copyto(self._data, result._data, casting="unsafe")

    def _write_recorded(self, op: str, old: Tensor, result: Tensor, casting: str,
                        made: list[Function]) -> Tensor:
        """The write as a node of the graph, through every view level (CopySlices)."""
        chain = []  # (base, index) of each view level, from this tensor up
        view = self
        while getattr(view, "_view_of", None) is not None:  # a view by basic indexing
            base, index = view._view_of
            if base.requires_grad and base._ctx is None:
                raise BackwardError(
                    f"{op}: a view of a leaf tensor that requires grad (shape {base.shape}) "
                    f"is being used in an in-place operation; do it inside "
                    f"`with tg.no_grad():`, or on a clone")
            chain.append((base, index))
            view = base
        owner = versions.root(view)
        if owner is not view and (owner.requires_grad or result.requires_grad):
            chain.append((owner, owner_index(op, view, owner)))  # reshape, permute ...
        if any(node.parents[i] is old for node in made for i in node.needed_inputs()):
            # a backward reads the value being overwritten (the op's, or that of a node inside
            # a composite such as logit_): as PyTorch, it keeps a copy
            old._data, old._base = old._data.copy(), None
        if result.dtype != self.dtype and dtypes.can_cast(result.dtype, self.dtype, casting):
            result = result.astype(self.dtype)
        self._store(op, result, casting)  # through the views, into every base's memory
        epoch = versions.record_write(self)
        if result is not old:  # the op made a new node: the tensor moves to it
            _move(self, old, result._ctx, epoch)
        versions.pass_tangent(result, self)
        written = self
        for base, index in chain:  # each base's graph: the view's new values written in
            base_old = base._identity()
            versions.pass_tangent(base, base_old)
            put = ops.IndexPut.apply(base_old, written, index=index)
            _move(base, base_old, put._ctx, epoch)
            versions.pass_tangent(put, base)
            written = base
        return self

    # ---- arithmetic ----
    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._write("add_", lambda t: t + (other if alpha == 1 else other * alpha))

    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        return self._write("sub_", lambda t: t - (other if alpha == 1 else other * alpha))

    def mul_(self, other: Any) -> Tensor:
        return self._write("mul_", lambda t: t * other)

    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        return self._write("div_", lambda t: t.div(other, rounding_mode=rounding_mode))

    def pow_(self, exponent: Any) -> Tensor:
        return self._write("pow_", lambda t: t ** exponent)

    def neg_(self) -> Tensor:
        return self._write("neg_", lambda t: -t)

    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self._write("clamp_", lambda t: t.clamp(min, max))

    def clip_(self, min: Any = None, max: Any = None) -> Tensor:  # noqa: A002
        return self.clamp_(min, max)

    def __iadd__(self, other: Any) -> Tensor:
        return self._write("+=", lambda t: t + other)

    def __isub__(self, other: Any) -> Tensor:
        return self._write("-=", lambda t: t - other)

    def __imul__(self, other: Any) -> Tensor:
        return self._write("*=", lambda t: t * other)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._write("/=", lambda t: t / other)

    def __ipow__(self, other: Any) -> Tensor:
        return self._write("**=", lambda t: t ** other)

    # ---- elementwise functions ----
    def exp_(self) -> Tensor:
        return self._write("exp_", lambda t: t.exp())

    def log_(self) -> Tensor:
        return self._write("log_", lambda t: t.log())

    def sqrt_(self) -> Tensor:
        return self._write("sqrt_", lambda t: t.sqrt())

    def abs_(self) -> Tensor:
        return self._write("abs_", lambda t: t.abs())

    def sin_(self) -> Tensor:
        return self._write("sin_", lambda t: t.sin())

    def cos_(self) -> Tensor:
        return self._write("cos_", lambda t: t.cos())

    def tanh_(self) -> Tensor:
        return self._write("tanh_", lambda t: t.tanh())

    def sigmoid_(self) -> Tensor:
        return self._write("sigmoid_", lambda t: t.sigmoid())

    def relu_(self) -> Tensor:
        return self._write("relu_", lambda t: t.relu())

    def sign_(self) -> Tensor:
        return self._write("sign_", lambda t: t.sign())

    def masked_fill_(self, mask: Any, value: Any) -> Tensor:
        return self._write("masked_fill_", lambda t: t._masked_fill("masked_fill_", mask, value,
                                                                     grow=False))

    # ---- filling ----
    def fill_(self, value: Any) -> Tensor:
        """Set every element to `value` (a number or a one-element tensor); a tensor value
        that requires grad receives the sum of the gradient."""
        fill = value if is_tensor(value) else np.asarray(fill_number("fill_", self, value))
        if np.size(fill._data if is_tensor(fill) else fill) != 1:
            raise ShapeError(f"fill_: needs one value, got shape {fill.shape}")
        return self._write("fill_", lambda t: _filled(t, fill), casting="unsafe")

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """Copy `src` (broadcast to this shape, cast to this dtype) in; the gradient of a
        src that requires grad is g summed back to its shape."""
        source = src if is_tensor(src) else new_tensor(np.asarray(src))
        try:
            if np.broadcast_shapes(source.shape, self.shape) != self.shape:
                raise ValueError("the source has more or larger axes")
        except ValueError as error:
            raise ShapeError(f"copy_: cannot copy a source of shape {source.shape} into a "
                             f"tensor of shape {self.shape}: {error}") from None
        return self._write("copy_", lambda t: _copied(t, source), casting="unsafe")

    # ---- PyTorch's other in-place methods ----
    def fill_diagonal_(self, fill_value: Any, wrap: bool = False) -> Tensor:
        """Set the main diagonal (x[i, i, ...]) to `fill_value`; every axis must have the
        same length unless x is a matrix. A tall matrix with `wrap=True` starts the diagonal
        again after every n + 1 rows (n its columns), as PyTorch and NumPy."""
        if self.ndim < 2:
            raise ShapeError(f"fill_diagonal_: needs at least 2 dims, got shape {self.shape}")
        if self.ndim > 2 and len(set(self.shape)) != 1:
            raise ShapeError(f"fill_diagonal_: all dims of a tensor with more than 2 dims must "
                             f"have the same length, got shape {self.shape}")
        diagonal = np.zeros(self.shape, dtype=bool)
        np.fill_diagonal(diagonal, True, wrap=bool(wrap))
        return self._write("fill_diagonal_", lambda t: t.masked_fill(diagonal, fill_value))

    def index_put_(self, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
        """x[indices] = values (`indices` a tuple of index tensors, integer or boolean; values
        broadcast); with `accumulate=True` x[indices] += values, repeated indices adding up
        (np.add.at). Differentiable in x and values."""
        if not isinstance(indices, tuple | list):
            raise ArgumentTypeError(f"index_put_: indices must be a tuple of index tensors, got "
                                    f"{type(indices).__name__}")
        index = ops.byte_masks("index_put_", tuple(map(ops.index_array, indices)))
        for k, i in enumerate(index):
            if i.dtype.kind not in "biu":
                raise DTypeError(f"index_put_: index {k} must hold integers or booleans, got "
                                 f"dtype {i.dtype}")
        put = self._value_at("index_put_", index, values,
                             accumulate or _puts_by_position(index, values))
        if not accumulate:
            return self._write("index_put_", lambda t: ops.IndexPut.apply(t, put, index=index),
                               casting="unsafe")
        target = np.empty(self.shape, dtype=bool)[index].shape
        return self._write("index_put_", lambda t: t + ops.ScatterAdd.apply(
            put.expand(target), index=index, shape=t.shape))

    def apply_(self, callable: Callable[[Any], Any]) -> Tensor:  # noqa: A002 (PyTorch's name)
        """Replace each element v by callable(v) (a Python number in, cast to the dtype),
        in Python, element by element; as PyTorch, only on a tensor that does not require
        grad (the function is opaque to autograd)."""
        if not builtins.callable(callable):
            raise ArgumentTypeError(f"apply_: expects a function of one number, got "
                                    f"{type(callable).__name__} {short_repr(callable)}")
        if self.requires_grad:
            raise BackwardError("apply_: can't call apply_() on a tensor that requires grad; "
                                "use x.detach().apply_(f) instead")
        results = [callable(v) for v in self._data.reshape(-1).tolist()]
        for r in results:
            if not isinstance(r, numbers.Real):
                raise ArgumentTypeError(f"apply_: the function must return a real number, got "
                                        f"{type(r).__name__} {short_repr(r)}")
        values = np.array(results, dtype=np.float64 if self.dtype.kind == "f" else None)
        values = values.astype(self.dtype, copy=False).reshape(self.shape)
        return self._write("apply_", lambda t: new_tensor(values), casting="unsafe")

    # ---- in place, the same memory seen with other sizes and strides ----
    def t_(self) -> Tensor:
        """In place, this matrix becomes its transpose `t()`; 0-d and 1-d tensors stay as
        they are."""
        if self.ndim > 2:
            raise ShapeError(f"t_: expects a tensor with at most 2 dims, got shape "
                             f"{self.shape}; use transpose_(a, b)")
        return self._restride("t_", lambda t: t.t())

    def transpose_(self, dim0: int, dim1: int) -> Tensor:
        """In place, axes dim0 and dim1 swap (`transpose(dim0, dim1)`)."""
        return self._restride("transpose_", lambda t: t._swap("transpose_", dim0, dim1))

    def swapdims_(self, dim0: int, dim1: int) -> Tensor:
        return self._restride("swapdims_", lambda t: t._swap("swapdims_", dim0, dim1))

    def swapaxes_(self, axis0: int, axis1: int) -> Tensor:
        return self._restride("swapaxes_", lambda t: t._swap("swapaxes_", axis0, axis1))

    def squeeze_(self, dim: Any = None, *, axis: Any = None) -> Tensor:
        """In place, the size-1 axes among dim (all of them by default) go (`squeeze`)."""
        return self._restride("squeeze_", lambda t: t.squeeze(dim, axis=axis))

    def unsqueeze_(self, dim: int | None = None, *, axis: int | None = None) -> Tensor:
        """In place, a size-1 axis is inserted at dim (`unsqueeze`)."""
        return self._restride("unsqueeze_", lambda t: t.unsqueeze(axis, dim=dim))

    def _restride(self, op: str, view: Callable[[Tensor], Tensor]) -> Tensor:
        """This tensor becomes `view(self)` in place: the same memory with other sizes and
        strides (PyTorch changes the tensor's metadata), counted as a write. In the graph
        the tensor moves to the view's node, so the gradient flows as through the
        out-of-place view; on a leaf that requires grad it is refused, as every in-place
        op. A view made by indexing becomes a plain view of its base (the index no longer
        describes it), so a later write through it in the graph is refused (_write)."""
        recording = is_grad_enabled()
        self._refuse_recorded_leaf(op, recording, views=True)
        in_graph = recording and self.requires_grad
        old = self._identity() if in_graph else self
        if in_graph:
            versions.pass_tangent(self, old)  # forward mode: old carries the tangent
        try:
            out = view(old)  # a view (a node of the graph when in it), or old itself
        except TinygradError as error:
            raise named(op, error) from error
        self._data = out._data
        self._data_view = self._view_of = None
        epoch = versions.record_write(self)
        if in_graph and out is not old:
            _move(self, old, out._ctx, epoch)
        if out is not self:
            versions.pass_tangent(out, self)  # forward mode: the tangent moved the same way
        return self

    def resize_(self, *sizes: Any, memory_format: Any = None) -> Tensor:
        """PyTorch's resize_: this tensor takes the shape `sizes`, its elements the first of
        its memory in order (in place if there are enough, else copied into new memory and
        zeros after: PyTorch leaves them uninitialized). Refused on a tensor that requires
        grad, as PyTorch's; a non-contiguous one keeps its shape (PyTorch's reinterprets)."""
        shape = int_sizes("resize_", tuple(sizes[0]) if len(sizes) == 1 and isinstance(
            sizes[0], tuple | list | Size) else sizes)
        if any(n < 0 for n in shape):
            raise ShapeError(f"resize_: sizes must be non-negative, got {shape}")
        if self.requires_grad:
            raise BackwardError(f"resize_: cannot resize a tensor that requires grad (shape "
                                f"{self.shape}); resize a detach().clone() of it")
        data = self._data
        if shape != self.shape:
            inference.check_write(self, "resize_")  # its own shape: no write, as PyTorch
            if not data.flags.c_contiguous:
                raise UnsupportedError(f"resize_: a non-contiguous tensor (shape {self.shape}) "
                                       f"can only keep its shape, got {shape}; call "
                                       f"contiguous() first")
            count = math.prod(shape)
            if count <= data.size:  # the same memory, its first elements
                data = data.reshape(-1)[:count].reshape(shape)
            else:  # new memory: this tensor stops sharing it with its views and base
                data = np.zeros(shape, self.dtype)
                data.reshape(-1)[:self._data.size] = self._data.reshape(-1)
                self._base = None
        self._data = data
        self._data_view = self._view_of = None
        versions.record_write(self)
        return self

    def resize_as_(self, the_template: Any, memory_format: Any = None) -> Tensor:
        """resize_ to the shape of the tensor `the_template`."""
        if not is_tensor(the_template):
            raise ArgumentTypeError(f"resize_as_: the template must be a Tensor, got "
                                    f"{type(the_template).__name__} {short_repr(the_template)}")
        return self.resize_(the_template.shape)

    # ---- item assignment ----
    def __setitem__(self, index: Any, value: Any) -> None:
        """`x[index] = value`: basic, integer-array and boolean indices, value broadcast to
        x[index]'s shape; recorded as an IndexPut node when it requires grad."""
        index = ops.array_index("setitem", index)
        put = self._value_at("setitem", index, value, _puts_by_position(index, value))
        self._write("setitem", lambda t: ops.IndexPut.apply(t, put, index=index), casting="unsafe")

    def _value_at(self, op: str, index: Any, value: Any, by_position: bool = True) -> Tensor:
        """`value` as written at x[index]: a tensor of x's dtype (cast as PyTorch's
        assignment casts, 1.5 into int: 1) that broadcasts to x[index]'s shape; written
        `by_position` (PyTorch's index_put), a tensor of another dtype is refused."""
        if by_position and is_tensor(value) and value.dtype != self.dtype:
            raise DTypeMismatchError(f"{op}: writing through an index of arrays or masks "
                                     f"needs the value's dtype {value.dtype} to be the "
                                     f"tensor's {self.dtype} (as PyTorch); cast it first")
        try:
            target = np.empty(self.shape, dtype=bool)[index].shape
        except IndexError as error:
            raise IndexOutOfRange(f"{op}: index {short_repr(index)} does not fit a tensor of "
                                  f"shape {self.shape}: {error}") from None
        put = value if is_tensor(value) else new_tensor(np.asarray(fill_number(op, self, value)))
        # x[index] = value drops the value's leading 1s (PyTorch's setitem); index_put_
        # broadcasts the value as it is
        while op != "index_put_" and put.ndim > len(target) and put.shape[0] == 1:
            put = put.squeeze(0)
        if put.dtype.kind not in "biuf":
            raise DTypeError(f"{op}: cannot write {type(value).__name__} "
                             f"{short_repr(value)} into a tensor of dtype {self.dtype}")
        try:
            if np.broadcast_shapes(put.shape, target) != target:
                raise ValueError("the value has more or larger axes")
        except ValueError as error:
            raise ShapeError(f"{op}: values of shape {put.shape} cannot be written at an "
                             f"index selecting shape {target} of a tensor of shape "
                             f"{self.shape}: {error}") from None
        if put.dtype != self.dtype:
            put = put.astype(self.dtype) if put.requires_grad and self.dtype.kind == "f" \
                else new_tensor(put._data.astype(self.dtype))
        return put


def _puts_by_position(index: Any, value: Any) -> bool:
    """Whether PyTorch writes x[index] = value by index_put, which refuses another dtype: for
    integer arrays, a 0-d mask, or masks and several values (one value: masked_fill, casting);
    a 0-d integer tensor is an integer (a select, then a casting copy)."""
    arrays = [np.asarray(i) for i in (index if isinstance(index, tuple) else (index,))
              if isinstance(i, list | np.ndarray)]
    several = is_tensor(value) and value._data.size != 1
    return any(a.ndim > 0 if a.dtype.kind != "b" else a.ndim == 0 or several for a in arrays)


_WATCHING = -1  # the op observer noting compute's nodes: before the saved-tensor hooks


def _move(tensor: Tensor, before: Tensor, ctx: Any, epoch: int) -> None:
    """Give `tensor` the place of `ctx`'s output in the graph; nodes recorded before the
    write at `epoch` keep `before` (its old identity) as their input."""
    versions.mutations(tensor).identities.append((epoch, before))
    tensor._ctx = ctx
    tensor.requires_grad = True
    ctx.written_at = epoch  # the node's output is the value after this write
    if ctx.uses_output:
        ctx._out = weakref.ref(tensor)


_EVERYWHERE = np.ones((), dtype=bool)  # Where's condition for "all of the first operand"


def _filled(t: Tensor, values: Any) -> Tensor:
    """`values` (broadcast to t's shape) in place of t: t's gradient is 0 from here on, a
    tensor value's is the sum of g."""
    fill = values.reshape(()) if is_tensor(values) else new_tensor(np.asarray(values))
    return _copied(t, fill)


def _copied(t: Tensor, source: Tensor) -> Tensor:
    """`source` broadcast to t's shape and cast to its dtype, differentiable in source."""
    if source.dtype != t.dtype:
        source = source.astype(t.dtype) if source.requires_grad and t.dtype.kind == "f" \
            else new_tensor(source._data.astype(t.dtype))
    out = ops.Where.apply(source, t, cond=_EVERYWHERE)
    return out if out.shape == t.shape else out.expand(t.shape)

