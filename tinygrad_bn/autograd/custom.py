"""`tg.autograd.Function`: custom ops written the PyTorch way.

    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    y = Cube.apply(x)

`forward` runs on Tensors without recording (as in PyTorch); `apply` then records one
node whose backward calls yours, written with Tensor ops, so double backward works when
your backward is differentiable. The engine's own ops use the primitive `Function`
(autograd/primitive.py), whose forward works on ndarrays; docs/autograd.md explains both.

Several outputs are packed into one hidden tensor (one node, one backward call with every
output's gradient; an output nothing used gets zeros, or None after
`ctx.set_materialize_grads(False)`); they must share a dtype.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentTypeError, BackwardError, DTypeError, ShapeError, UnsupportedError
from ..modes import is_grad_enabled, no_grad
from . import versions
from .primitive import Function as PrimitiveFunction
from .primitive import OpName, is_tensor, new_tensor, op_observers

if TYPE_CHECKING:
    from ..tensor import Tensor


class FunctionCtx:
    """The `ctx` that a custom Function's forward, backward and jvp share."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self.materialize_grads = True
        self._saved: tuple[Any, ...] = ()
        self._saved_versions: tuple[int, ...] = ()
        self._non_differentiable: set[int] = set()
        self._dirty: set[int] = set()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for backward (checked then: written in place since is an error)."""
        for t in tensors:
            if t is not None and not is_tensor(t):
                raise ArgumentTypeError(f"save_for_backward: takes Tensors (or None), got "
                                        f"{type(t).__name__}; keep other values as ctx "
                                        f"attributes")
        self._saved = tensors
        self._saved_versions = tuple(0 if t is None else versions.version(t) for t in tensors)

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        for i, (t, saved) in enumerate(zip(self._saved, self._saved_versions)):
            if t is not None and versions.version(t) != saved:
                raise BackwardError(
                    f"one of the variables needed for gradient computation has been modified "
                    f"by an inplace operation: saved tensor {i} (shape {t.shape}, dtype "
                    f"{t.dtype}) is at version {versions.version(t)}; expected version {saved} "
                    f"instead")
        return self._saved

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        self._non_differentiable.update(id(t) for t in tensors)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Declare inputs that forward wrote in place (and returns)."""
        self._dirty.update(id(t) for t in tensors)

    def set_materialize_grads(self, value: bool) -> None:
        """False: an output nothing used gets None in backward instead of zeros."""
        self.materialize_grads = bool(value)


class Function:
    """Subclass with `@staticmethod forward(ctx, *args, **kwargs)` and
    `@staticmethod backward(ctx, *grads)`, optionally `@staticmethod jvp(ctx, *tangents)`;
    call `Cls.apply(*args, **kwargs)`."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a custom Function defines @staticmethod forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:
        raise NotImplementedError("a custom Function defines @staticmethod backward(ctx, ...)")

    jvp: Callable[..., Any] | None = None

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        needs = tuple(bool(is_tensor(a) and a.requires_grad) for a in args)
        ctx = FunctionCtx(needs)
        record = any(needs) and is_grad_enabled()
        inputs = {id(a): a for a in args if is_tensor(a)}
        before = {key: t._identity() for key, t in inputs.items()} if record else {}
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        for key in ctx._dirty:
            if key not in inputs:
                raise ArgumentTypeError(f"{cls.__name__}: mark_dirty takes inputs of forward")
            dirty = inputs[key]
            if record and dirty.requires_grad and dirty._ctx is None:
                raise BackwardError(f"{cls.__name__}: a leaf tensor that requires grad (shape "
                                    f"{dirty.shape}) is being used in an in-place operation")
            versions.record_write(dirty)
        if not record and not op_observers.count:
            return result
        node = _CustomNode()
        node.parents = tuple(before[id(a)] if id(a) in ctx._dirty else a
                             for a in args if is_tensor(a))
        node.saved, node._out = (), None
        node._epoch = versions.CLOCK[0]
        node.fn, node.ctx, node.kinds = cls, ctx, tuple(is_tensor(a) for a in args)
        wrapped = _wrap(cls, node, ctx, outputs, inputs, before, record)
        return wrapped[0] if single else tuple(wrapped)


class _CustomNode(PrimitiveFunction):
    """The graph node of one call of a custom Function."""

    @property
    def name(self) -> OpName:
        return OpName(f"{self.fn.__name__}Backward")

    def backward(self, g: Tensor) -> tuple[Tensor | None, ...]:
        grads = self._split(g)
        returned = self.fn.backward(self.ctx, *grads)
        returned = returned if isinstance(returned, tuple) else (returned,)
        if len(returned) != len(self.kinds):
            raise BackwardError(f"{self.fn.__name__}.backward returned {len(returned)} "
                                f"gradients; forward took {len(self.kinds)} arguments (one "
                                f"each, None for non-tensors)")
        out = []
        tensors = iter(self.parents)
        for i, (is_t, grad) in enumerate(zip(self.kinds, returned)):
            if not is_t:
                if grad is not None:
                    raise BackwardError(f"{self.fn.__name__}.backward: argument {i} of forward "
                                        f"is not a Tensor; its gradient must be None")
                continue
            parent = next(tensors)
            if grad is not None and not is_tensor(grad):
                grad = new_tensor(np.asarray(grad, dtype=parent.dtype))
            if grad is not None and grad.shape != parent.shape:
                raise ShapeError(f"{self.fn.__name__}.backward: the gradient of argument {i} "
                                 f"has shape {grad.shape}, the input has {parent.shape}")
            out.append(grad)
        return tuple(out)

    def release(self) -> None:
        """As PyTorch: the tensors of ctx.save_for_backward are freed, and a node that
        saved some runs no second backward; one that saved none (its other ctx attributes
        are kept) runs again."""
        if self.ctx._saved:
            self.ctx._saved = ()
            super().release()
        else:
            self._backward_ran = True

    def _split(self, g: Tensor) -> list[Tensor | None]:
        """One gradient per output of forward: its part of g for a differentiable output,
        zeros (None without materialized grads, and for non-tensors) for the others."""
        grads: list[Tensor | None] = []
        start = 0
        for differentiable, shape in self.layout:
            if shape is None:
                grads.append(None)
                continue
            if not differentiable:
                part = new_tensor(np.zeros(shape, dtype=g.dtype))
                grads.append(part if self.ctx.materialize_grads else None)
                continue
            if not self.packed:
                grads.append(g)
                continue
            size = int(np.prod(shape))
            part = g[start:start + size].reshape(shape)
            start += size
            unused = not self.ctx.materialize_grads and not part._data.any()
            grads.append(None if unused else part)
        return grads

    def jvp(self, *tangents: Tensor | None) -> Tensor | None:
        if self.fn.jvp is None:
            raise UnsupportedError(
                f"{self.fn.__name__} has no forward-mode rule: define @staticmethod "
                f"jvp(ctx, *tangents) returning the output's tangent, to use it under tg.jvp")
        per_arg, given = [], iter(tangents)
        for is_t in self.kinds:
            per_arg.append(next(given) if is_t else None)
        return self.fn.jvp(self.ctx, *per_arg)


def _wrap(cls: type, node: _CustomNode, ctx: FunctionCtx, outputs: tuple, inputs: dict,
          before: dict, record: bool) -> list[Any]:
    """The outputs as the node's outputs (the returned objects themselves where possible)."""
    differentiable = [i for i, o in enumerate(outputs) if is_tensor(o) and
                      id(o) not in ctx._non_differentiable]
    node.layout = [(i in differentiable, tuple(o.shape) if is_tensor(o) else None)
                   for i, o in enumerate(outputs)]
    node.packed = len(differentiable) > 1
    wrapped = list(outputs)
    for i, o in enumerate(outputs):  # an input returned without mark_dirty: a new tensor
        if is_tensor(o) and id(o) in inputs and id(o) not in ctx._dirty:
            wrapped[i] = new_tensor(o._data)
    if not differentiable:
        return wrapped
    if len(differentiable) == 1:
        k = differentiable[0]
        _attach(node, wrapped[k], inputs, before, record)
        return wrapped
    dtypes = {wrapped[k].dtype for k in differentiable}
    if len(dtypes) > 1:
        raise DTypeError(f"{cls.__name__}: several differentiable outputs must share a dtype "
                         f"(got {sorted(map(str, dtypes))}); mark the others non-differentiable")
    packed = new_tensor(np.concatenate([wrapped[k]._data.reshape(-1) for k in differentiable]))
    _attach(node, packed, inputs, before, record)
    start = 0
    for k in differentiable:  # each output: its slice of the packed tensor, a view of it
        size = wrapped[k]._data.size
        piece = packed[start:start + size].reshape(wrapped[k].shape)
        start += size
        if id(outputs[k]) in ctx._dirty:  # an input written in place: it becomes the piece
            np.copyto(outputs[k]._data, piece._data)
            _rebind(outputs[k], piece._ctx, before)
        else:
            wrapped[k] = piece
    return wrapped


def _attach(node: _CustomNode, out: Tensor, inputs: dict, before: dict, record: bool) -> None:
    """Make `out` the node's output (an input written in place moves to the node)."""
    if record:
        if id(out) in inputs:  # mark_dirty: the input itself is the output now
            _rebind(out, node, before)
        else:
            out._ctx = node
            out.requires_grad = True
    if op_observers.count:
        op_observers.run(node, out)


def _rebind(t: Tensor, ctx: Any, before: dict) -> None:
    epoch = versions.CLOCK[0]
    versions.mutations(t).identities.append((epoch, before.get(id(t), t)))
    t._ctx = ctx
    t.requires_grad = True
    ctx.written_at = epoch

