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

The other way PyTorch (2.0 on) writes one, which its function transforms need: a
`forward(*args)` without ctx and a `setup_context(ctx, inputs, output)` that saves what
backward and jvp need (`inputs` with forward's defaults filled in, as PyTorch's):

    class Cube(tg.autograd.Function):
        @staticmethod
        def forward(x):
            return x ** 3

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(inputs[0])

`forward` runs on Tensors without recording (as in PyTorch); `apply` then records one
node whose backward calls yours, written with Tensor ops, so double backward works when
your backward is differentiable. The engine's own ops use the primitive `Function`
(autograd/primitive.py), whose forward works on ndarrays; docs/autograd.md explains both.

Several outputs are packed into one hidden tensor (one node, one backward call with every
output's gradient; an output nothing used gets zeros, or None after
`ctx.set_materialize_grads(False)`); they must share a dtype.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ArgumentTypeError, BackwardError, DTypeError, ShapeError, UnsupportedError
from ..modes import is_grad_enabled, no_grad
from . import inference, versions
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
        self._saved_forward: tuple[Any, ...] | None = None
        self._in_jvp = False
        self._non_differentiable: set[int] = set()
        self._dirty: set[int] = set()

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for backward (checked then: written in place since is an error)."""
        _only_tensors("save_for_backward", tensors)
        self._saved = tensors
        self._saved_versions = tuple(0 if t is None else versions.version(t) for t in tensors)

    def save_for_forward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for the jvp rule: there `ctx.saved_tensors` gives these (PyTorch's
        split of what backward and forward mode need; without it jvp sees backward's)."""
        _only_tensors("save_for_forward", tensors)
        self._saved_forward = tensors

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        if self._in_jvp and self._saved_forward is not None:
            return self._saved_forward
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


def _only_tensors(op: str, tensors: tuple[Any, ...]) -> None:
    for t in tensors:
        if t is not None and not is_tensor(t):
            raise ArgumentTypeError(f"{op}: takes Tensors (or None), got {type(t).__name__}; "
                                    f"keep other values as ctx attributes")


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

    @staticmethod
    def setup_context(ctx: FunctionCtx, inputs: tuple[Any, ...], output: Any) -> None:
        """Defined by a Function whose forward takes no ctx (see the module docstring)."""
        raise NotImplementedError("setup_context is defined by a Function whose forward "
                                  "takes no ctx")

    jvp: Callable[..., Any] | None = None

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        separate = cls.setup_context is not Function.setup_context
        if separate:  # forward(*args) and setup_context: its inputs with the defaults
            args, kwargs = _bound_args(cls.forward, args, kwargs), {}
        needs = tuple(bool(is_tensor(a) and a.requires_grad) for a in args)
        ctx = FunctionCtx(needs)
        record = any(needs) and is_grad_enabled()
        inputs = {id(a): a for a in args if is_tensor(a)}
        before = {key: t._identity() for key, t in inputs.items()} if record else {}
        with no_grad():
            if separate:
                result = cls.forward(*args)
                cls.setup_context(ctx, args, result)
            else:
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
        if record and inference.MADE[0]:  # PyTorch's refusal, as for the built-in ops
            inference.refuse_saved_tensors(cls.__name__, ctx._saved)
        if not record and not op_observers.count:
            return result
        node = _CustomNode()
        # an input written in place: its identity before the write (kept when recording;
        # under forward AD alone the tensor itself, which carries the tangent)
        node.parents = tuple(before.get(id(a), a) if id(a) in ctx._dirty else a
                             for a in args if is_tensor(a))
        node.saved, node._out = (), None
        node._epoch = versions.CLOCK[0]
        node.fn, node.ctx, node.kinds = cls, ctx, tuple(is_tensor(a) for a in args)
        wrapped = _wrap(cls, node, ctx, outputs, inputs, before, record)
        _save_outputs(ctx, outputs, wrapped)
        return wrapped[0] if single else tuple(wrapped)


def _save_outputs(ctx: FunctionCtx, outputs: tuple, wrapped: list) -> None:
    """Saved tensors that are outputs of forward, as PyTorch saves them: the outputs that
    apply returns (in the graph, so a double backward flows through them), at their
    version after forward's in-place writes (an input written in place and saved is the
    written one)."""
    if not ctx._saved and not ctx._saved_forward:
        return
    returned = {id(o): w for o, w in zip(outputs, wrapped) if is_tensor(o)}
    if not any(id(t) in returned for t in (*ctx._saved, *(ctx._saved_forward or ()))):
        return
    ctx._saved = tuple(returned.get(id(t), t) for t in ctx._saved)
    ctx._saved_versions = tuple(0 if t is None else versions.version(t) for t in ctx._saved)
    if ctx._saved_forward is not None:
        ctx._saved_forward = tuple(returned.get(id(t), t) for t in ctx._saved_forward)


_SIGNATURES: dict[Any, inspect.Signature] = {}


def _bound_args(forward: Callable[..., Any], args: tuple, kwargs: dict) -> tuple[Any, ...]:
    """forward's arguments as one tuple, in its order, its defaults filled in (PyTorch's
    bind_default_args: what setup_context gets as `inputs`)."""
    signature = _SIGNATURES.get(forward)
    if signature is None:
        signature = _SIGNATURES[forward] = inspect.signature(forward)
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as error:
        raise ArgumentTypeError(f"{getattr(forward, '__qualname__', 'forward')}: {error}") \
            from error
    bound.apply_defaults()
    return bound.args


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
                grad = _summed_to(self.fn.__name__, i, grad, parent.shape)
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
        self.ctx._in_jvp = True
        try:
            returned = self.fn.jvp(self.ctx, *per_arg)
        finally:
            self.ctx._in_jvp = False
        if not self.packed:  # one differentiable output: its tangent
            if not isinstance(returned, tuple):
                return returned
            tangent = [t for (differentiable, _), t in zip(self.layout, returned) if
                       differentiable]
            return tangent[0] if tangent else None
        return self._packed_tangent(returned)

    def _packed_tangent(self, returned: Any) -> Tensor | None:
        """The tangents of several differentiable outputs (one per output of forward, None
        for zero) as the packed output's: flattened and joined in its layout. (The joined
        tangent is a new leaf: the engine has no op to join them with; a tangent's own
        graph matters only to a derivative of a jvp through such a Function.)"""
        returned = returned if isinstance(returned, tuple) else (returned,)
        if len(returned) != len(self.layout):
            raise BackwardError(f"{self.fn.__name__}.jvp returned {len(returned)} tangents; "
                                f"forward returned {len(self.layout)} outputs")
        pieces = []
        for (differentiable, shape), t in zip(self.layout, returned):
            if not differentiable:
                continue
            pieces.append(np.zeros(int(np.prod(shape))) if t is None else
                          np.asarray(t._data if is_tensor(t) else t).reshape(-1))
        if all(t is None for t in returned):
            return None
        return new_tensor(np.concatenate(pieces))


def _summed_to(name: str, i: int, grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """A gradient of a broadcast shape summed down to its input's `shape`, as PyTorch's
    engine does (a backward may return the gradient of the broadcast input); a shape the
    input does not broadcast to is refused."""
    lead = grad.ndim - len(shape)
    if lead < 0 or any(g != s and s != 1 for g, s in zip(grad.shape[lead:], shape)):
        raise ShapeError(f"{name}.backward: the gradient of argument {i} has shape "
                         f"{tuple(grad.shape)}, the input has {tuple(shape)} (and does not "
                         f"broadcast to it)")
    if lead:
        grad = grad.sum(tuple(range(lead)))
    ones = tuple(k for k, (g, s) in enumerate(zip(grad.shape, shape)) if s == 1 and g != 1)
    return grad.sum(ones, keepdim=True) if ones else grad


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

