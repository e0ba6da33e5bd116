"""torch.func's Jacobian transforms: jacrev, jacfwd and hessian as functions of func's
arguments (tg.func.jacobian and tg.func.hessian(f, x) are the autograd.functional-style
forms that take the point directly).

For func: args[argnums] -> outputs, each output o and each differentiated tensor x give a
block of shape o.shape + x.shape, d o / d x:

    jacrev(func)(*args)   one backward pass per element of each output (reverse mode)
    jacfwd(func)(*args)   one jvp per element of each differentiated tensor (forward mode)
    hessian(func)(*args)  jacfwd(jacrev(func)): the forward-mode Jacobian of the
                          reverse-mode Jacobian, shape o.shape + x.shape + x.shape

The blocks are nested as torch.func nests them: the outputs' structure outside (a Tensor,
or a tuple, list or dict of them), the arguments' inside (one argument's own structure,
a tuple of them when argnums is a tuple). The transforms compose with each other and
with grad and vmap: a point that requires grad (an outer reverse transform's) or carries
a tangent (an outer forward one's) is differentiated with create_graph, so the blocks
are differentiable in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, DTypeError
from .forward_ad import jvp
from .func_args import argnum_positions, differentiable_points, tree_flatten, tree_unflatten
from .modes import enable_grad
from .tensor import Tensor, stack
from .tensor import grad as _grad  # tg.autograd.grad's list form: None for an unused input

__all__ = ["jacfwd", "jacrev", "jacobian_hessian"]


def _split(result: Any, has_aux: bool, op: str) -> tuple[Any, Any]:
    """(output, aux) of func's result; the output's leaves must be Tensors."""
    if has_aux:
        if not isinstance(result, tuple | list) or len(result) != 2:
            raise ArgumentTypeError(f"{op}: with has_aux=True func must return a pair "
                                    f"(output, aux), got {type(result).__name__}")
        output, aux = result
    else:
        output, aux = result, None
    for k, leaf in enumerate(tree_flatten(output)[0]):
        if not isinstance(leaf, Tensor):
            raise ArgumentTypeError(f"{op}: output {k} of func must be a Tensor, got "
                                    f"{type(leaf).__name__}")
    return output, aux


def _nest(blocks: list[list[Tensor]], output: Any, specs: list, many: bool) -> Any:
    """blocks[k][j] (output leaf k, point j) nested as torch.func nests them."""
    per_output = []
    for row in blocks:
        per_arg = [tree_unflatten(row[start:start + n], spec) for start, n, spec in specs]
        per_output.append(tuple(per_arg) if many else per_arg[0])
    return tree_unflatten(per_output, tree_flatten(output)[1])


def jacrev(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *,
           has_aux: bool = False, chunk_size: int | None = None) -> Callable[..., Any]:
    """torch.func.jacrev: a function of func's arguments returning the Jacobian of
    func(*args) with respect to args[argnums], one backward pass per output element
    (`chunk_size` is accepted for PyTorch's signature: the passes run one at a time).
    With `has_aux` func returns (output, aux) and the result is (jacobian, aux)."""
    if not callable(func):
        raise ArgumentTypeError(f"jacrev: func must be callable, got {type(func).__name__}")
    many, positions = argnum_positions(argnums, "jacrev")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args = list(args)
        points, specs, nested = differentiable_points(args, positions, "jacrev")
        with enable_grad():
            output, aux = _split(func(*args, **kwargs), has_aux, "jacrev")
            blocks = []
            for out in tree_flatten(output)[0]:
                rows: list[list[Tensor]] = [[] for _ in points]
                for index in np.ndindex(*out.shape):
                    seed = np.zeros(out.shape, dtype=out.dtype)
                    seed[index] = 1.0
                    found = _grad(out, points, grad_outputs=Tensor(seed), retain_graph=True,
                                  create_graph=nested) if out.requires_grad \
                        else [None] * len(points)
                    for row, g, x in zip(rows, found, points):
                        row.append(g if g is not None
                                   else Tensor(np.zeros(x.shape, dtype=x.dtype)))
                blocks.append([
                    stack(row).reshape(out.shape + x.shape) if row
                    else Tensor(np.zeros(out.shape + x.shape, dtype=x.dtype))
                    for row, x in zip(rows, points)])
        jac = _nest(blocks, output, specs, many)
        if not nested:  # as torch.func: results leave the transform as constants
            jac = _detach_tree(jac)
        return (jac, aux) if has_aux else jac

    return wrapper


def jacfwd(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0, *,
           has_aux: bool = False, randomness: str = "error") -> Callable[..., Any]:
    """torch.func.jacfwd: the same Jacobian as jacrev, computed in forward mode with one
    jvp per element of the differentiated tensors (cheaper when they are fewer than the
    output elements). `randomness` is accepted for PyTorch's signature."""
    if not callable(func):
        raise ArgumentTypeError(f"jacfwd: func must be callable, got {type(func).__name__}")
    many, positions = argnum_positions(argnums, "jacfwd")

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        args = list(args)
        specs, points = [], []
        for p in positions:
            if not -len(args) <= p < len(args):
                raise ArgumentError(f"jacfwd: argnums {p}, but only {len(args)} positional "
                                    f"inputs were given")
            leaves, spec = tree_flatten(args[p])
            for leaf in leaves:
                if not isinstance(leaf, Tensor):
                    raise ArgumentTypeError(f"jacfwd: argument {p} must be a Tensor (or a "
                                            f"dict, list or tuple of Tensors), got "
                                            f"{type(leaf).__name__}")
                if leaf.dtype.kind != "f":
                    raise DTypeError(f"jacfwd: argument {p} must be floating to be "
                                     f"differentiated, got dtype {leaf.dtype}")
            specs.append((len(points), len(leaves), spec))
            points.extend(leaves)
        output, aux = _split(func(*args, **kwargs), has_aux, "jacfwd")
        outs = tree_flatten(output)[0]

        def flat(*ts: Tensor) -> tuple[Tensor, ...]:
            call = list(args)
            for p, (start, n, spec) in zip(positions, specs):
                call[p] = tree_unflatten(list(ts[start:start + n]), spec)
            return tuple(tree_flatten(_split(func(*call, **kwargs), has_aux, "jacfwd")[0])[0])

        columns: list[list[list[Tensor]]] = [[[] for _ in points] for _ in outs]
        for j, x in enumerate(points):
            for index in np.ndindex(*x.shape):
                tangents = [np.zeros(t.shape, dtype=t.dtype) for t in points]
                tangents[j][index] = 1.0
                _, out_tangents = jvp(flat, list(points), tangents)
                for k, tangent in enumerate(out_tangents):
                    columns[k][j].append(tangent)
        blocks = [[stack(column, dim=-1).reshape(out.shape + x.shape) if column
                   else Tensor(np.zeros(out.shape + x.shape, dtype=x.dtype))
                   for column, x in zip(row, points)] for row, out in zip(columns, outs)]
        jac = _nest(blocks, output, specs, many)
        if not any(x.requires_grad for x in points):  # no outer reverse transform
            jac = _detach_tree(jac)
        return (jac, aux) if has_aux else jac

    return wrapper


def jacobian_hessian(func: Callable[..., Any], argnums: int | tuple[int, ...] = 0
                     ) -> Callable[..., Any]:
    """torch.func.hessian: jacfwd(jacrev(func, argnums), argnums)."""
    return jacfwd(jacrev(func, argnums), argnums)


def _detach_tree(value: Any) -> Any:
    leaves, spec = tree_flatten(value)
    return tree_unflatten([leaf.detach() for leaf in leaves], spec)
