"""Functional transforms: vjp, jvp, jacobian, hessian, hvp, and torch.func's grad,
grad_and_value and vmap (PyTorch 2's `torch.func` names); torch.func's jacrev, jacfwd
and hessian(f) are in func_jacobians.py, stack_module_state in func_ensembles.py.

Each takes a function f of Tensors and the point to differentiate at, and returns
plain results; none touches any `.grad`. For f: R^n -> R^m with Jacobian J:

    vjp(f, x, u)        = (f(x), u^T J)           one backward pass (reverse mode)
    jvp(f, x, t)        = (f(x), J t)             one forward pass (forward mode)
    jacobian(f, x)      = J, shape f(x).shape + x.shape:
                          mode="reverse": m backward passes, one per output element;
                          mode="forward": n forward passes, one per input element
                          (cheaper when n < m)
    hessian(f, x)       = d^2 f / dx^2 for scalar f: the forward-mode Jacobian of the
                          reverse-mode gradient (forward-over-reverse), n passes
    hvp(f, x, v)        = (f(x), H v) in one forward-over-reverse pass: the gradient
                          computed with `create_graph=True` inside a jvp, so the tangent
                          of the gradient is H v (Pearlmutter's trick), at a few times
                          the cost of one gradient and without forming H
    grad(f)(x)          = df/dx for scalar f, as a function (torch.func.grad; with
                          `argnums` the gradients of several arguments; composable:
                          grad(grad(f)) is the second derivative)
    vmap(f)(xs)         = stack(f(x) for x in xs): torch.func.vmap as a loop over the
                          mapped axis (the same numbers; no batching speed-up)
    functional_call(m, tensors, args) = m(*args) with some parameters and buffers
                          replaced for the call (nn/utils/stateless.py): with grad, the
                          gradient of a loss in the parameters as a function of them

The point x is used by value: the transforms differentiate at fresh leaves that share
x's arrays, so x need not require grad and its graph is left alone. `grad` is the
exception, as torch.func.grad: an argument that requires grad (a parameter, or the point
of an outer `grad`) is differentiated in place, and the gradient is then differentiable
with respect to it (create_graph), which is what makes grad(grad(f)) work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, DTypeError, ShapeError, UnsupportedError
from .func_args import (
    argnum_positions,
    differentiable,
    differentiable_points,
    tree_flatten,
    tree_unflatten,
)
from .func_ensembles import stack_module_state
from .func_jacobians import jacfwd, jacobian_hessian, jacrev
from .func_jvp import jvp
from .modes import enable_grad
from .nn.utils.stateless import functional_call
from .tensor import Tensor, stack
from .tensor import grad as _grad  # the autograd function (tg.autograd.grad), not tg.func.grad

_PRIMAL_ONLY: Any = object()  # vjp called as torch.func.vjp(f, x): no cotangents

__all__ = ["functional_call", "grad", "grad_and_value", "hessian", "hvp", "jacfwd", "jacobian",
           "linearize",
           "jacrev", "jvp", "stack_module_state", "vjp", "vmap"]


def _as_tuple(value: Any) -> tuple:
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def _leaves(inputs: Any, op: str) -> tuple[Tensor, ...]:
    """Fresh leaves requiring grad, sharing the arrays of `inputs` (Tensors or arrays)."""
    leaves = []
    for i, x in enumerate(_as_tuple(inputs)):
        array = x.data if isinstance(x, Tensor) else np.asarray(x)
        if array.dtype.kind != "f":
            raise ArgumentError(f"{op}: input {i} must be floating, got dtype {array.dtype}")
        leaves.append(Tensor._from_op(array, None).requires_grad_())
    return tuple(leaves)


def detached(result: Any) -> Any:
    """`result` (a Tensor, or nested tuples and lists of them and other values) with every
    Tensor cut from the graph."""
    if isinstance(result, tuple | list):
        return type(result)(detached(r) for r in result)
    return result.detach() if isinstance(result, Tensor) else result


def _tensor_outputs(result: Any, op: str) -> tuple[Tensor, ...]:
    outs = _as_tuple(result)
    for k, out in enumerate(outs):
        if not isinstance(out, Tensor):
            raise ArgumentTypeError(f"{op}: output {k} of f must be a Tensor, got "
                                    f"{type(out).__name__}")
    return outs


def vjp(f: Callable[..., Any], inputs: Any, cotangents: Any = _PRIMAL_ONLY, *,
        has_aux: bool = False) -> tuple[Any, ...]:
    """(f(*inputs), u^T J): the cotangents u (one per output of f, of its shape) pulled back
    to the inputs by one backward pass. Returns the inputs' cotangents in the structure of
    `inputs` (zeros for an input f does not use).

    Without cotangents it is torch.func.vjp with one primal: `out, vjp_fn = vjp(f, x)`
    (f called as f(x); x a Tensor or a dict/list/tuple of them), and `vjp_fn(u)` (u in
    the structure of out; callable again) returns the 1-tuple (u^T J in x's structure,);
    with `has_aux` f returns (out, aux) and so does the result: (out, vjp_fn, aux).
    (torch.func.vjp(f, x, y) with two primals reads here as a point and its cotangents.)"""
    if cotangents is _PRIMAL_ONLY:
        return _vjp_function(f, inputs, has_aux)
    if has_aux:
        raise ArgumentError("vjp: has_aux needs the torch.func form vjp(f, x) (no cotangents)")
    xs = _leaves(inputs, "vjp")
    result = f(*xs)
    outs = _tensor_outputs(result, "vjp")
    us = _as_tuple(cotangents)
    if len(us) != len(outs):
        raise ShapeError(f"vjp: f has {len(outs)} outputs but {len(us)} cotangents were given")
    us = [u if isinstance(u, Tensor) else Tensor(np.asarray(u, dtype=o.dtype))
          for u, o in zip(us, outs)]
    for k, (u, o) in enumerate(zip(us, outs)):
        if u.shape != o.shape:
            raise ShapeError(f"vjp: cotangent {k} has shape {u.shape}, output {k} has {o.shape}")
    live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
    grads = _grad([o for o, _ in live], list(xs), grad_outputs=[u for _, u in live]) if live \
        else [None] * len(xs)
    pulled = tuple(g if g is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))
                   for g, x in zip(grads, xs))
    return result, pulled if isinstance(inputs, tuple | list) else pulled[0]


def _vjp_function(f: Callable[..., Any], primal: Any, has_aux: bool) -> tuple[Any, ...]:
    """torch.func.vjp(f, primal): (f(primal), vjp_fn[, aux]); see vjp."""
    arg, points, nested = differentiable(primal, "vjp", 0)
    in_spec = tree_flatten(arg)[1]
    with enable_grad():
        result = f(arg)
    if has_aux:
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise ArgumentTypeError(f"vjp: with has_aux=True f must return a pair (output, "
                                    f"aux), got {type(result).__name__}")
        result, aux = result
    outs = tree_flatten(result)[0]
    for k, out in enumerate(outs):
        if not isinstance(out, Tensor):
            raise ArgumentTypeError(f"vjp: output {k} of f must be a Tensor, got "
                                    f"{type(out).__name__}")

    def vjp_fn(cotangents: Any) -> tuple[Any]:
        us = tree_flatten(cotangents)[0]
        if len(us) != len(outs):
            raise ShapeError(f"vjp: f has {len(outs)} outputs but {len(us)} cotangents were "
                             f"given")
        us = [u if isinstance(u, Tensor) else Tensor(np.asarray(u, dtype=o.dtype))
              for u, o in zip(us, outs)]
        for k, (u, o) in enumerate(zip(us, outs)):
            if u.shape != o.shape:
                raise ShapeError(f"vjp: cotangent {k} has shape {u.shape}, output {k} has "
                                 f"{o.shape}")
        live = [(o, u) for o, u in zip(outs, us) if o.requires_grad]
        found = _grad([o for o, _ in live], points, grad_outputs=[u for _, u in live],
                      retain_graph=True, create_graph=nested) if live else [None] * len(points)
        grads = [g if g is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))
                 for g, x in zip(found, points)]
        return (tree_unflatten(grads, in_spec),)

    output = result if nested else detached(result)
    return (output, vjp_fn, aux) if has_aux else (output, vjp_fn)


def _jacobian_reverse(outs: tuple[Tensor, ...], xs: tuple[Tensor, ...]) -> list[list[np.ndarray]]:
    """blocks[k][i] of shape outs[k].shape + xs[i].shape, one backward per output element."""
    blocks = [[np.zeros(o.shape + x.shape, dtype=x.dtype) for x in xs] for o in outs]
    for k, out in enumerate(outs):
        if not out.requires_grad:
            continue  # constant output: zero rows
        for index in np.ndindex(*out.shape):
            seed = np.zeros(out.shape, dtype=out.dtype)
            seed[index] = 1.0
            rows = _grad(out, list(xs), grad_outputs=Tensor(seed), retain_graph=True)
            for i, row in enumerate(rows):
                if row is not None:
                    blocks[k][i][index] = row.data
    return blocks


def _jacobian_forward(f: Callable[..., Any], xs: tuple[Tensor, ...], n_outs: int
                      ) -> list[list[np.ndarray]]:
    """The same blocks, one jvp per input element (a unit tangent on that element)."""
    blocks: list[list[np.ndarray | None]] = [[None] * len(xs) for _ in range(n_outs)]
    for i, x in enumerate(xs):
        for index in np.ndindex(*x.shape):
            tangents = [np.zeros(t.shape, dtype=t.dtype) for t in xs]
            tangents[i][index] = 1.0
            outs, out_tangents = jvp(f, list(xs), tangents)
            out_tangents = _as_tuple(out_tangents)
            for k, (out, tangent) in enumerate(zip(_as_tuple(outs), out_tangents)):
                if blocks[k][i] is None:
                    blocks[k][i] = np.zeros(out.shape + x.shape, dtype=x.dtype)
                blocks[k][i][(...,) + index] = tangent.data
    for k in range(n_outs):  # an input with no elements: no pass ran
        for i, x in enumerate(xs):
            if blocks[k][i] is None:
                blocks[k][i] = np.zeros((0,) + x.shape, dtype=x.dtype)
    return blocks


def jacobian(f: Callable[..., Any], inputs: Any, mode: str = "reverse") -> Any:
    """d f(inputs) / d inputs, as Tensors of shape output.shape + input.shape.

    One input and one output: a Tensor. Several inputs (a tuple or list) or outputs:
    nested tuples, result[k][i] = d output_k / d input_i (result[i] alone if f has one
    output and inputs is a tuple; result[k] alone if f has several outputs and inputs is
    one Tensor). `mode="reverse"` costs one backward pass per output element,
    `mode="forward"` one forward pass per input element; both give the same numbers up
    to rounding."""
    if mode not in ("reverse", "forward"):
        raise ArgumentError(f"jacobian: mode must be 'reverse' or 'forward', got {mode!r}")
    xs = _leaves(inputs, "jacobian")
    if mode == "reverse":
        result = f(*xs)
        blocks = _jacobian_reverse(_tensor_outputs(result, "jacobian"), xs)
    else:
        result = f(*xs)  # for the structure of the outputs (and their shapes)
        _tensor_outputs(result, "jacobian")
        blocks = _jacobian_forward(f, xs, len(_as_tuple(result)))
    tensors = tuple(tuple(Tensor(b) for b in row) for row in blocks)
    many_in, many_out = isinstance(inputs, tuple | list), isinstance(result, tuple | list)
    if not many_out:
        return tensors[0] if many_in else tensors[0][0]
    return tensors if many_in else tuple(row[0] for row in tensors)


def _value_and_gradients(f: Callable[..., Tensor], xs: tuple[Tensor, ...], op: str
                         ) -> tuple[Tensor, ...]:
    """(f(*xs), df/dx_1, ..., df/dx_n) for scalar f, the gradients differentiable graphs
    (create_graph); zeros for an input f does not use."""
    out = f(*xs)
    if not isinstance(out, Tensor) or out.data.size != 1:
        shape = out.shape if isinstance(out, Tensor) else type(out).__name__
        raise ShapeError(f"{op}: f must return a Tensor with one element, got {shape}")
    grads = _grad(out, list(xs), create_graph=True) if out.requires_grad else [None] * len(xs)
    return (out, *(g if g is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))
                   for g, x in zip(grads, xs)))


def hessian(f: Callable[..., Tensor], x: Any = None, argnums: int | tuple[int, ...] = 0
            ) -> Any:
    """d^2 f / dx^2 of a scalar function, shape x.shape + x.shape: the forward-mode
    Jacobian of the gradient (forward-over-reverse: one jvp of a create_graph backward
    per element of x). With several inputs (a tuple or list) f takes them as arguments and
    the result is nested tuples, result[i][j] = d^2 f / dx_i dx_j.

    Without a point (`hessian(f)`, `hessian(f, argnums=1)`, `hessian(f, 1)`) it is
    torch.func.hessian: a function of f's arguments (func_jacobians.jacobian_hessian)."""
    if x is None or _is_argnums(x):
        return jacobian_hessian(f, argnums if x is None else x)
    xs = _leaves(x, "hessian")
    many = isinstance(x, tuple | list)

    def gradients(*ts: Tensor) -> Any:
        found = _value_and_gradients(f, ts, "hessian")[1:]
        return found if many else found[0]

    return jacobian(gradients, xs if many else xs[0], mode="forward")


def _is_argnums(x: Any) -> bool:
    """An int or a non-empty tuple of ints (torch.func.hessian's argnums), not a point."""
    ints = x if isinstance(x, tuple) and x else (x,)
    return all(isinstance(i, int) and not isinstance(i, bool) for i in ints)


def hvp(f: Callable[..., Tensor], x: Any, v: Any) -> tuple[Tensor, Any]:
    """(f(x), H v) for a scalar function, H its Hessian at x, in one forward-over-reverse
    pass: the jvp along v of x -> grad f(x). H is never formed. With several inputs (a
    tuple or list) v is a tuple of the same shapes and H v the tuple of
    sum_j d^2 f / dx_i dx_j v_j."""
    leaves = _leaves(x, "hvp")
    vs = _as_tuple(v)
    if len(vs) != len(leaves):
        raise ShapeError(f"hvp: {len(leaves)} inputs but {len(vs)} vectors v")
    vs = tuple(u if isinstance(u, Tensor) else Tensor(np.asarray(u, dtype=leaf.dtype))
               for u, leaf in zip(vs, leaves))
    for u, leaf in zip(vs, leaves):
        if u.shape != leaf.shape:
            raise ShapeError(f"hvp: v has shape {u.shape}, x has {leaf.shape}")
    outs, tangents = jvp(lambda *ts: _value_and_gradients(f, ts, "hvp"), list(leaves), list(vs))
    products = tuple(t.detach() for t in tangents[1:])
    return outs[0].detach(), products if isinstance(x, tuple | list) else products[0]


def grad_and_value(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """torch.func.grad_and_value: a function of func's arguments returning (gradient,
    value): the gradient of the scalar (0-d) func(*args) with respect to args[argnums]
    (a tuple of gradients when argnums is a tuple). An argument may be a Tensor or a dict,
    list or tuple of them (a model's parameters by name): its gradient has the same
    structure. With `has_aux` func returns (value, aux) and the result is (gradient,
    (value, aux)). Composable: an argument that requires grad (an outer grad's point) or
    carries a tangent (an outer jvp's) is differentiated with create_graph."""
    if not callable(func):
        raise ArgumentTypeError(f"grad: func must be callable, got {type(func).__name__}")
    many, positions = argnum_positions(argnums, "grad")

    def wrapper(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        args = list(args)
        points, specs, nested = differentiable_points(args, positions, "grad")
        with enable_grad():
            result = func(*args, **kwargs)
            if has_aux:
                if not isinstance(result, tuple | list) or len(result) != 2:
                    raise ArgumentTypeError(f"grad: with has_aux=True func must return a pair "
                                            f"(output, aux), got {type(result).__name__}")
                value, aux = result
            else:
                value = result
            if not isinstance(value, Tensor) or value.ndim != 0:
                shape = value.shape if isinstance(value, Tensor) else type(value).__name__
                raise ShapeError(f"grad: func must return a scalar (0-d) Tensor, got {shape}; "
                                 f"for other outputs use tg.func.vjp or jacobian")
            found = _grad(value, points, create_graph=nested) if value.requires_grad \
                else [None] * len(points)
        found = [g if g is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))
                 for g, x in zip(found, points)]
        grads = tuple(tree_unflatten(found[start:start + n], spec) for start, n, spec in specs)
        gradient = grads if many else grads[0]
        if not nested:  # as torch.func: the value and aux leave the transform as constants
            value, aux = value.detach(), detached(aux) if has_aux else None
        return (gradient, (value, aux)) if has_aux else (gradient, value)

    return wrapper


def grad(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """torch.func.grad: a function of func's arguments returning the gradient of the
    scalar (0-d) func(*args) with respect to args[argnums] (with `has_aux`: (gradient,
    aux)). See grad_and_value."""
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        gradient, value = both(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapper


def linearize(func: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., Any]]:
    """torch.func.linearize: (func(*primals), jvp_fn), where jvp_fn(*tangents) is the
    Jacobian-vector product J t of func at primals (one tangent per primal, of its shape).
    Here jvp_fn runs func again in forward mode at each call (PyTorch replays a traced
    graph); the values are the same."""
    if not callable(func):
        raise ArgumentTypeError(f"linearize: func must be callable, got {type(func).__name__}")
    output = detached(func(*primals))

    def jvp_fn(*tangents: Any) -> Any:
        if len(tangents) != len(primals):
            raise ArgumentError(f"linearize: jvp_fn expects {len(primals)} tangents (one per "
                                f"primal), got {len(tangents)}")
        for k, (p, t) in enumerate(zip(primals, tangents)):
            if isinstance(p, Tensor) and (not isinstance(t, Tensor) or t.shape != p.shape):
                raise ShapeError(f"linearize: tangent {k} must be a Tensor of the primal's "
                                 f"shape {p.shape}, got {getattr(t, 'shape', type(t).__name__)}")
            if isinstance(p, Tensor) and t.dtype != p.dtype:
                raise DTypeError(f"linearize: tangent {k} has dtype {t.dtype}, its primal "
                                 f"{p.dtype}; they must match")
        return jvp(func, primals, tangents)[1]

    return output, jvp_fn


def vmap(func: Callable[..., Any], in_dims: Any = 0, out_dims: Any = 0,
         randomness: str = "error", *, chunk_size: int | None = None) -> Callable[..., Any]:
    """torch.func.vmap as a loop: func applied to each slice along `in_dims` (an int or
    None for every argument, or one per argument; None: passed whole) and the results
    (a Tensor or a tuple of Tensors) stacked along `out_dims`. The numbers are func's
    per slice, gradients flow through; there is no batching speed-up. Random ops draw
    anew for each slice (PyTorch's randomness="different"); "same" is not supported.
    `chunk_size` is accepted for PyTorch's signature (a loop has no chunks)."""
    if not callable(func):
        raise ArgumentTypeError(f"vmap: func must be callable, got {type(func).__name__}")
    if randomness not in ("error", "different", "same"):
        raise ArgumentError(f"vmap: randomness must be 'error', 'different' or 'same', got "
                            f"{randomness!r}")
    if randomness == "same":
        raise UnsupportedError("vmap: randomness='same' is not supported (the loop draws anew "
                               "for each slice, as randomness='different')")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        dims = tuple(in_dims) if isinstance(in_dims, tuple | list) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ArgumentError(f"vmap: in_dims has {len(dims)} entries for {len(args)} "
                                f"positional arguments")
        sizes = {}
        for k, (arg, d) in enumerate(zip(args, dims)):
            for leaf, leaf_dim in _mapped_leaves(arg, d, k):
                if not isinstance(leaf, Tensor):
                    raise ArgumentTypeError(f"vmap: argument {k} is mapped along in_dims "
                                            f"{leaf_dim!r}, so it must be a Tensor (or a dict, "
                                            f"list or tuple of them), got "
                                            f"{type(leaf).__name__}")
                if not -leaf.ndim <= leaf_dim < max(leaf.ndim, 1) or leaf.ndim == 0:
                    raise ShapeError(f"vmap: argument {k} of shape {leaf.shape} has no dim "
                                     f"{leaf_dim}")
                if sizes.setdefault(k, leaf.shape[leaf_dim]) != leaf.shape[leaf_dim]:
                    raise ShapeError(f"vmap: the tensors of argument {k} have sizes "
                                     f"{sizes[k]} and {leaf.shape[leaf_dim]} along their "
                                     f"in_dims; they must be equal")
        if not sizes:
            raise ArgumentError("vmap: at least one argument must be mapped (in_dims is None "
                                "for all of them)")
        if len(set(sizes.values())) != 1:
            raise ShapeError(f"vmap: the mapped dims must have the same size, got sizes "
                             f"{sorted(sizes.items())} (argument: size)")
        n = next(iter(sizes.values()))
        if n == 0:
            raise ShapeError("vmap: the mapped dims have size 0: no slice to call func on")
        results = []
        for i in range(n):
            sliced = [_slice_arg(arg, d, i) for arg, d in zip(args, dims)]
            results.append(func(*sliced, **kwargs))
        many = isinstance(results[0], tuple | list)
        columns = list(zip(*results)) if many else [results]
        outs = tuple(out_dims) if isinstance(out_dims, tuple | list) else (out_dims,) * len(
            columns)
        if len(outs) != len(columns):
            raise ArgumentError(f"vmap: out_dims has {len(outs)} entries for {len(columns)} "
                                f"outputs of func")
        stacked = [_stack_trees(column, d, k) for k, (column, d) in enumerate(zip(columns, outs))]
        return type(results[0])(stacked) if many else stacked[0]

    return wrapper


def _mapped_leaves(arg: Any, dims: Any, k: int) -> list[tuple[Any, int]]:
    """The (leaf, dim) pairs of argument k that are mapped: `dims` is an int or None for
    the whole argument, or a dict/list/tuple of them matching its structure (a prefix of
    it, as torch.func's in_dims)."""
    if dims is None:
        return []
    if isinstance(dims, int) and not isinstance(dims, bool):
        return [(leaf, dims) for leaf in tree_flatten(arg)[0]]
    if isinstance(dims, dict) and isinstance(arg, dict) and dims.keys() == arg.keys():
        return [pair for key in dims for pair in _mapped_leaves(arg[key], dims[key], k)]
    if isinstance(dims, tuple | list) and isinstance(arg, tuple | list) and \
            len(dims) == len(arg):
        return [pair for a, d in zip(arg, dims) for pair in _mapped_leaves(a, d, k)]
    raise ArgumentTypeError(f"vmap: in_dims {dims!r} of argument {k} must be an int, None, or "
                            f"a dict/list/tuple matching the argument's structure "
                            f"({type(arg).__name__})")


def _slice_arg(arg: Any, dims: Any, i: int) -> Any:
    """Slice i of argument arg along its in_dims `dims` (see _mapped_leaves)."""
    if dims is None:
        return arg
    if isinstance(dims, int):
        return _slice_tree(arg, dims, i)
    if isinstance(dims, dict):
        return {key: _slice_arg(arg[key], dims[key], i) for key in arg}
    return type(arg)(_slice_arg(a, d, i) for a, d in zip(arg, dims))


def _slice_tree(arg: Any, dim: int, i: int) -> Any:
    """Slice i along `dim` of every Tensor in `arg` (a Tensor or a dict/list/tuple of them)."""
    leaves, spec = tree_flatten(arg)
    return tree_unflatten([leaf[(slice(None),) * (dim % leaf.ndim) + (i,)] for leaf in leaves],
                          spec)


def _stack_trees(column: Any, dim: int, k: int) -> Any:
    """Output k of every call (Tensors, or dicts/lists/tuples of them of one structure)
    stacked leaf by leaf along `dim`."""
    flat = [tree_flatten(result) for result in column]
    for leaves, spec in flat:
        if spec != flat[0][1] or not all(isinstance(leaf, Tensor) for leaf in leaves):
            kind = type(next((x for x in leaves if not isinstance(x, Tensor)), column[0]))
            raise ArgumentTypeError(f"vmap: output {k} of func must be a Tensor (or a dict, "
                                    f"list or tuple of them, the same for every slice), got "
                                    f"{kind.__name__}")
    return tree_unflatten([stack(list(group), dim=dim) for group in zip(*(f[0] for f in flat))],
                          flat[0][1])
