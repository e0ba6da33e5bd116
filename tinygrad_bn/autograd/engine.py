"""The backward engine: order the graph, run each op's backward, accumulate gradients.

`run_backward` is the whole reverse pass. It orders the tensors the outputs were computed
from topologically (autograd/order.py), walks that order from the outputs, hands each
op the gradient of its output and sums what comes back per input (`unbroadcast` undoes
broadcasting, the one place that does).
Leaves receive their gradient in `.grad` (`Tensor.backward`) or as a return value
(`grad`, PyTorch's `torch.autograd.grad`). How it works, step by step: docs/autograd.md.

The walk has two forms. With create_graph (`_graph_pass`) gradients are Tensors and
every step is a recorded op. Without (`_array_pass`) they are ndarrays: an op that
writes its plain rule as `backward_arrays` (autograd/primitive.py) is handed g's array
and returns arrays (the same method its `backward` wraps under no-grad, so the bits are
the same); any other op, or a node with hooks or under detect_anomaly or a profiler, has
its `backward` called on a Tensor as before (`_tensor_rule`). Tensors are made where they
are seen: hooks, `.grad`, tg.grad's results.

It imports nothing above it: it reads `_data`, `_grad`, `requires_grad`, `_ctx`, `_hooks`
(a leaf's, even empty, sends it the slow way), `_retains_grad`, makes Tensors with
`new_tensor` and writes `_grad`, not the checked `grad` (autograd/grad_attribute.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import anomaly
from .. import modes as _modes
from ..errors import ArgumentError, ArgumentTypeError, BackwardError, ShapeError, short_repr
from ..modes import GradMode
from . import accumulate_hooks, grad_attribute, graph_task, primitive, versions
from .order import backward_order, toward
from .primitive import as_tensor, is_tensor, new_tensor

if TYPE_CHECKING:
    from ..tensor import Tensor
    from .primitive import Function, NodeHooks


def _seed_grad(output: Tensor, grad: Any) -> Tensor:
    if grad is None:
        if output._data.size != 1:
            raise BackwardError(
                f"backward: grad can be implicitly created only for a tensor with one element, "
                f"got shape {output.shape}; pass grad= of that shape")
        # ones_like: under tg.compile the seed is traced, so is all the backward computes
        return new_tensor(np.ones_like(output._data))
    if not is_tensor(grad):
        try:
            grad = as_tensor(np.asarray(grad, dtype=output.dtype))
        except (TypeError, ValueError) as error:
            raise ArgumentTypeError(f"backward: grad must be a Tensor, an ndarray or numbers of "
                                    f"the output's shape {output.shape}, got "
                                    f"{type(grad).__name__} {short_repr(grad)}") from error
    if grad.shape != output.shape:
        raise ShapeError(f"backward: grad has shape {grad.shape}, the output has {output.shape}")
    if grad.dtype != output.dtype and output.dtype.kind in "fc":
        grad = grad.astype(output.dtype)  # as PyTorch: the gradient takes the output's dtype
    return grad


def _broadcast_axes(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of a gradient of `grad_shape` that broadcasting to it from `shape` made: the
    leading ones it added and those where `shape` has 1."""
    extra = len(grad_shape) - len(shape)
    return tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad_shape[extra + i] != 1)


def unbroadcast(grad: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum `grad` back to `shape`: the adjoint of NumPy broadcasting.

    Leading axes that broadcasting added are summed away; axes where `shape`
    has 1 are summed with keepdims. The one place where every op's
    broadcasting is undone (`_unbroadcast_array` is the same sum on an ndarray: Sum's
    forward, np.add.reduce, so both give the same bits).
    """
    if grad.shape == shape:
        return grad
    axes = _broadcast_axes(grad.shape, shape)
    summed = grad.sum(axis=axes, keepdims=True) if axes else grad
    return summed.reshape(shape)


def _unbroadcast_array(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    axes = _broadcast_axes(grad.shape, shape)
    return (np.add.reduce(grad, axis=axes, keepdims=True) if axes else grad).reshape(shape)


def run_backward(outputs: Sequence[Tensor], grad_outputs: Sequence[Any],
                 retain_graph: bool | None, create_graph: bool,
                 inputs: Sequence[Tensor] | None,
                 accumulate: bool = False) -> list[Tensor | None] | None:
    """The engine behind `Tensor.backward` and `tg.grad`.

    With `inputs=None` gradients are accumulated into the leaves' `.grad`; otherwise
    the gradients of `inputs` are returned (with `accumulate`, added into their `.grad`
    instead). The callbacks queued during the backward (autograd/graph_task.py) run last.

    Two passes over the same order: with create_graph the gradients are Tensors and every
    step is a recorded op (`_graph_pass`); without, nothing needs a graph, and the
    gradients travel as ndarrays (`_array_pass`), each op's plain rule called on arrays.
    """
    if retain_graph is None:
        retain_graph = create_graph
    for out in outputs:
        if not out.requires_grad:
            raise BackwardError(
                f"backward: the tensor (shape {out.shape}) does not require grad and has no "
                f"grad_fn; did you forget requires_grad=True, or compute it under no_grad?")
    grads: dict[int, Any] = {}
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
    order = backward_order(outputs, inputs is not None)
    if inputs is not None:
        order = toward(order, inputs)
    tasks = graph_task.tasks()
    tasks.append(None)  # this backward, for the callbacks queued at its end
    try:
        if create_graph:
            with GradMode(True):  # PyTorch takes a truthy create_graph
                _graph_pass(order, grads, wanted, results, retain_graph)
        else:
            _array_pass(order, {key: g._data for key, g in grads.items()}, wanted, results,
                        retain_graph)
        if accumulate:
            _accumulate_inputs(inputs, results, create_graph)
        graph_task.finish(tasks[-1])
    finally:
        tasks.pop()
    return results if inputs is not None else None


def _graph_pass(order: list[Tensor], grads: dict[int, Tensor],
                wanted: dict[int, list[int]] | None, results: list[Tensor | None],
                retain_graph: bool) -> None:
    """The backward with create_graph: gradients are Tensors, each sum and each op's rule
    recorded, so the gradients can be differentiated again."""
    state = _modes.state  # detect_anomaly checks what each backward returns, a profiler times it
    instrumented = state.anomaly or state.profiler is not None
    clock = versions.CLOCK[0]
    for tensor in reversed(order):
        key = id(tensor)
        grad = grads.pop(key, None)
        if grad is None:
            continue
        ctx = tensor._ctx
        if ctx is None and tensor._hooks is not None:  # a leaf's grad_dtype, if it has one
            grad = grad_attribute.cast(tensor, grad)
        if tensor._hooks:
            grad = _run_hooks(tensor, grad)
        if wanted is not None:
            for slot in wanted.get(key, ()):
                results[slot] = grad
        elif ctx is None or tensor._retains_grad:
            tensor._grad = grad.clone() if tensor._grad is None else tensor._grad + grad
        if ctx is None:
            if tensor._hooks and wanted is None:
                accumulate_hooks.run(tensor)
            continue
        if ctx._epoch < clock:  # written in place since its forward: may it still run?
            versions.check_saved(ctx)
        parent_grads = _tensor_rule(ctx, grad, instrumented)
        for parent, pgrad in zip(ctx.parents, parent_grads):
            if pgrad is None or not parent.requires_grad:
                continue
            data = parent._data
            if pgrad._data.shape != data.shape:
                pgrad = unbroadcast(pgrad, data.shape)
            if pgrad._data.dtype != data.dtype:
                pgrad = pgrad.astype(data.dtype)
            if wanted is None and parent._ctx is None and parent._hooks is None:
                # a clone: the gradient may be shared (Add hands g to both inputs), and a
                # later backward adds into a leaf's .grad in place
                parent._grad = pgrad.clone() if parent._grad is None else parent._grad + pgrad
                continue
            key = id(parent)
            grads[key] = grads[key] + pgrad if key in grads else pgrad
        if not retain_graph:
            ctx.release()


def _array_pass(order: list[Tensor], grads: dict[int, np.ndarray],
                wanted: dict[int, list[int]] | None, results: list[Tensor | None],
                retain_graph: bool) -> None:
    """The backward without create_graph, on ndarrays: an op with a plain rule on arrays
    (`Function.backward_arrays`) gets g's array and returns arrays, the very rule its
    `backward` runs under no-grad, so the gradients have the same bits; any other op (or
    one with node hooks, or under detect_anomaly or a profiler) gets g as a Tensor and its
    `backward` runs (`_tensor_rule`). Tensors are made only where someone sees them: a
    hook, `.grad`, tg.grad's results.

    Recording is switched off (no_grad) at the first Tensor rule or hook, for the rest of
    the pass: the array rules make no Tensor, so a pass of them only never pays for
    entering and leaving the mode.

    `owned`: keys of `grads` whose array nobody else holds (the engine's own sum of two
    gradients, or a `fresh_grads` op's): later gradients are added into it in place, and a
    leaf takes it as .grad without a copy. `owned_grads`: the .grad arrays this pass made
    (see _accumulate)."""
    owned: dict[int, bool] = {}  # a dict: one pop tells whether a key was there and drops it
    owned_grads: set[int] = set()
    state = _modes.state
    instrumented = state.anomaly or state.profiler is not None
    clock = versions.CLOCK[0]
    direct = wanted is None
    from_op = primitive._tensor_class._from_op
    no_grad: GradMode | None = None
    try:
        for tensor in reversed(order):
            key = id(tensor)
            grad = grads.pop(key, None)
            if grad is None:
                continue
            fresh = owned.pop(key, False)
            ctx = tensor._ctx
            if tensor._hooks or ctx is None or not direct or tensor._retains_grad:
                if ctx is None and tensor._hooks is not None:  # a grad_dtype, maybe
                    cast = grad_attribute.cast(tensor, grad)
                    fresh, grad = fresh or cast is not grad, cast
                if tensor._hooks:
                    if no_grad is None:
                        no_grad = _no_grad()
                    grad = _run_hooks(tensor, from_op(grad, None))._data
                    fresh = False  # a hook may have kept a reference to the array
                if not direct:
                    for slot in wanted.get(key, ()):  # fresh arrays, as .grad gets
                        results[slot] = from_op(grad.copy(order="K"), None)
                elif ctx is None or tensor._retains_grad:
                    _accumulate(tensor, grad, fresh and ctx is None, owned_grads)
                if ctx is None:
                    if direct and tensor._hooks:  # (PyTorch's post-accumulate-grad hooks)
                        accumulate_hooks.run(tensor)
                    continue
            if ctx._epoch < clock:  # written in place since its forward: may it still run?
                versions.check_saved(ctx)
            hooks = ctx._node_hooks
            # (a node given its own backward, by saved_tensors.py or the backward trace,
            # is called through it)
            if ctx.arrays_rule and hooks is None and not instrumented and \
                    "backward" not in ctx.__dict__:
                parent_grads = ctx.backward_arrays(grad)
                exclusive = ctx.fresh_grads
                # g has the output's shape and dtype (the seed's are checked, every sum is
                # of gradients already fitted to their tensor), so an op whose rule then
                # returns its parents' shapes and dtypes needs no fitting
                exact = ctx.exact_grads
            else:
                if no_grad is None:
                    no_grad = _no_grad()
                parent_grads = tuple(None if p is None else p._data
                                     for p in _tensor_rule(ctx, from_op(grad, None),
                                                           instrumented))
                exclusive = ctx.fresh_grads and hooks is None  # a hook may return its arrays
                exact = False  # a hook may return any shape or dtype
            for parent, pgrad in zip(ctx.parents, parent_grads):
                if pgrad is None or not parent.requires_grad:
                    continue
                if not exact:
                    data = parent._data
                    if pgrad.shape != data.shape:
                        pgrad = _unbroadcast_array(pgrad, data.shape)
                    if pgrad.dtype != data.dtype:
                        pgrad = pgrad.astype(data.dtype)
                if direct and parent._ctx is None and parent._hooks is None:
                    if exclusive and parent._grad is None:  # _accumulate's first case, inline
                        parent._grad = from_op(pgrad, None)
                        owned_grads.add(id(parent))
                    else:
                        _accumulate(parent, pgrad, exclusive, owned_grads)
                    continue
                key = id(parent)
                if key not in grads:
                    grads[key] = pgrad
                    if exclusive and type(pgrad) is np.ndarray:  # not a NumPy scalar (a 0-d
                        owned[key] = True  # rule's result), which takes no in-place add
                elif key in owned:
                    np.add(grads[key], pgrad, out=grads[key])
                else:  # asarray: 0-d + 0-d gives a NumPy scalar, which takes no in-place add
                    grads[key] = np.asarray(grads[key] + pgrad)
                    owned[key] = True
            if not retain_graph:
                ctx.release()
    finally:
        if no_grad is not None:
            no_grad.__exit__(None, None, None)


def _no_grad() -> GradMode:
    """Switch recording off in this thread until the returned context's __exit__."""
    mode = GradMode(False)
    mode.__enter__()
    return mode


def _tensor_rule(ctx: Function, grad: Tensor, instrumented: bool) -> tuple:
    """The op's `backward` on a Tensor gradient, with its node's hooks around it: a tuple
    of one gradient (Tensor or None) per input."""
    hooks = ctx._node_hooks
    if hooks is not None:
        grad = _run_pre_hooks(hooks, grad)
    parent_grads = _instrumented_backward(ctx, grad) if instrumented else ctx.backward(grad)
    if not isinstance(parent_grads, tuple):
        parent_grads = (parent_grads,)
    if hooks is not None and hooks.post:
        parent_grads = _run_post_hooks(hooks, parent_grads, grad)
    return parent_grads


def _instrumented_backward(ctx: Function, grad: Tensor) -> Any:
    """An op's backward on the instrumented path: checked by detect_anomaly, timed by this
    thread's profiler, or both."""
    s = _modes.state
    run = anomaly.backward_checked if s.anomaly else _plain_backward
    return run(ctx, grad) if s.profiler is None else s.profiler.backward(ctx, grad, run)


def _plain_backward(ctx: Function, grad: Tensor) -> Any:
    return ctx.backward(grad)


def _run_pre_hooks(hooks: NodeHooks, grad: Tensor) -> Tensor:
    """A node's pre-hooks: hook((grad,)) may return a tuple holding the gradient to use."""
    for hook in tuple(hooks.pre):
        replaced = hook((grad,))
        if replaced is not None:
            grad = replaced[0]
    return grad


def _run_post_hooks(hooks: NodeHooks, grads: tuple, grad: Tensor) -> tuple:
    """A node's hooks after its backward: hook(grad_inputs, (grad,)) may replace them."""
    for hook in tuple(hooks.post):
        replaced = hook(grads, (grad,))
        if replaced is not None:
            grads = tuple(replaced)
    return grads


def _run_hooks(tensor: Tensor, grad: Tensor) -> Tensor:
    """Call the tensor's hooks in order; a returned Tensor replaces the gradient, and must
    keep its shape and dtype (as PyTorch: a hook may not change the size)."""
    for hook in tuple(tensor._hooks):
        replaced = hook(grad)
        if replaced is None:
            continue
        name = getattr(hook, "__name__", type(hook).__name__)
        if not is_tensor(replaced):
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


def _accumulate(tensor: Tensor, grad: np.ndarray, fresh: bool, owned_grads: set[int]) -> None:
    """Add `grad` into `tensor.grad` (the array pass). `fresh`: nobody else holds grad, so
    it can become .grad as it is; otherwise .grad gets a new writable array (`grad` may be
    a read-only broadcast view, or shared with another tensor's grad: Add passes g to both
    inputs). An array made in this pass (`owned_grads`) takes later gradients in place.

    A leaf's .grad from before this pass is added into in place, as PyTorch's
    AccumulateGrad does without create_graph (`grad += new`): whoever holds that tensor
    (an optimizer, a user's `g = p.grad`) sees the sum, and the write is counted in its
    version. A retained non-leaf's .grad is replaced by a new sum, as PyTorch's
    retain_grad hook does, and so is a read-only .grad (a broadcast view set by hand)."""
    if tensor._grad is None:  # (also after a hook set it to None during this pass)
        tensor._grad = new_tensor(grad if fresh else grad.copy(order="K"))
    elif id(tensor) in owned_grads:
        np.add(tensor._grad._data, grad, out=tensor._grad._data)
        return
    elif tensor._ctx is None and tensor._grad._data.flags.writeable:
        np.add(tensor._grad._data, grad, out=tensor._grad._data, casting="unsafe")
        versions.record_write(tensor._grad)
    else:
        tensor._grad = new_tensor(tensor._grad._data + grad)
    owned_grads.add(id(tensor))


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool = True) -> list[Tensor | None]:
    """Gradients of `outputs` with respect to `inputs`, leaving every `.grad` untouched.

    Like `torch.autograd.grad`: returns a list with one entry per input (None where an
    input does not influence the outputs). With `create_graph=True` they are differentiable.
    """
    outputs = [outputs] if is_tensor(outputs) else _tensor_list("outputs", outputs)
    inputs = [inputs] if is_tensor(inputs) else _tensor_list("inputs", inputs)
    if not inputs:
        raise BackwardError("grad: no inputs given; pass the tensors to differentiate with "
                            "respect to")
    if not outputs:
        raise BackwardError("grad: no outputs given")
    if grad_outputs is None or is_tensor(grad_outputs) or isinstance(grad_outputs, np.ndarray):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    if len(grad_outputs) != len(outputs):
        raise ShapeError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    for i, t in enumerate(inputs):  # (the outputs are checked first, as PyTorch's)
        if not t.requires_grad and all(out.requires_grad for out in outputs):
            raise BackwardError(f"grad: One of the differentiated Tensors (input {i}) "
                                "does not require grad")
    results = run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=inputs)
    if not allow_unused and any(r is None for r in results):
        raise BackwardError("grad: one of the inputs was not used to compute the outputs")
    return results


def autograd_grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
                  grad_outputs: Any = None, retain_graph: bool | None = None,
                  create_graph: bool = False, only_inputs: bool = True,
                  allow_unused: bool | None = None, is_grads_batched: bool = False,
                  materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """PyTorch's `torch.autograd.grad`: `grad`'s gradients as a tuple; an unused input is
    refused (a RuntimeError) unless allow_unused (None) or materialize_grads (zeros).
    `only_inputs`: PyTorch's deprecated no-op; `is_grads_batched` is not supported."""
    if is_grads_batched:
        raise BackwardError("autograd.grad: is_grads_batched=True (a vmap over grad_outputs) "
                            "is not supported; loop over the grad_outputs instead")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:  # (a ValueError, as PyTorch's)
        raise ArgumentError("autograd.grad: materialize_grads=True needs allow_unused to be "
                            "None or True")
    results = grad(outputs, inputs, grad_outputs, retain_graph, create_graph)
    unused = [k for k, r in enumerate(results) if r is None]
    if unused and not allow_unused:
        raise BackwardError(f"autograd.grad: the differentiated tensor at index {unused[0]} "
                            f"was not used to compute the outputs; pass allow_unused=True "
                            f"if that is intended (its gradient is then None)")
    if materialize_grads:
        inputs = [inputs] if is_tensor(inputs) else list(inputs)
        results = [new_tensor(np.zeros_like(t._data)) if r is None else r
                   for t, r in zip(inputs, results)]
    return tuple(results)


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Tensor | Sequence[Tensor] | None = None) -> None:
    """PyTorch's `torch.autograd.backward`: accumulate into `.grad` the gradients of the
    tensors (weighted by `grad_tensors`), of every leaf, or only of `inputs` when given."""
    tensors = [tensors] if is_tensor(tensors) else _tensor_list("tensors", tensors)
    if grad_tensors is None or is_tensor(grad_tensors) or isinstance(grad_tensors, np.ndarray):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    if len(grad_tensors) != len(tensors):
        raise ShapeError(f"backward: {len(tensors)} tensors but {len(grad_tensors)} "
                         f"grad_tensors")
    if inputs is None:
        run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None)
        return
    inputs = [inputs] if is_tensor(inputs) else _tensor_list("inputs", inputs)
    if not inputs:  # (PyTorch's refusal: an empty list would silently compute nothing)
        raise BackwardError("backward: `inputs` argument to `backward()` cannot be empty")
    run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs, accumulate=True)


def _accumulate_inputs(inputs: Sequence[Tensor], results: list[Tensor | None],
                       create_graph: bool) -> None:
    """`backward(inputs=...)`: add each input's gradient into its .grad."""
    for t, g in zip(inputs, results):
        if g is None:
            continue
        if create_graph:  # a clone, as _graph_pass gives a leaf (two inputs may share g)
            t._grad = g.clone() if t._grad is None else t._grad + g
        else:  # g is a fresh array (_array_pass copies each result)
            _accumulate(t, g._data, True, set())
        if t._hooks and t._ctx is None:
            accumulate_hooks.run(t)


def _tensor_list(role: str, values: Any) -> list[Tensor]:
    """tg.grad's outputs or inputs as a list of Tensors, or an error naming what was given."""
    if isinstance(values, list | tuple):
        bad = [type(v).__name__ for v in values if not is_tensor(v)]
        if not bad:
            return list(values)
        what = f"a {type(values).__name__} holding {', '.join(bad)}"
    else:
        what = type(values).__name__
    raise ArgumentTypeError(f"grad: {role} must be a Tensor or a list of Tensors, got {what}")
