"""The arguments of torch.func's transforms: nested containers of Tensors ("pytrees":
dicts, lists, tuples and named tuples, as `grad(loss)(params_dict, x)` and vmap's
outputs use them) and the points a transform differentiates at.

`differentiable(arg, ...)` turns one argument into the leaves a gradient is taken with
respect to. A Tensor that already requires grad is used in place (the point of an outer
transform: the result must stay differentiable with respect to it); any other becomes a
fresh leaf sharing its array, and keeps the forward-mode tangent it carries, so that an
outer jvp or jacfwd sees through the inner reverse pass (forward-over-reverse). In both
nested cases the caller must differentiate with create_graph.
"""

from __future__ import annotations

from typing import Any

from .errors import ArgumentError, ArgumentTypeError, DTypeError
from .forward_ad import attach_tangent, tangent_of
from .tensor import Tensor

__all__ = ["differentiable", "tree_flatten", "tree_unflatten"]

# a structure: None for a leaf, else (kind, the container's type, its keys or length, the
# structures of its items)
Spec = Any


def tree_flatten(value: Any) -> tuple[list[Any], Spec]:
    """The leaves of `value` in order (a dict's values in its key order, a list's or
    tuple's items; anything else is a leaf) and its structure for tree_unflatten."""
    leaves: list[Any] = []

    def walk(v: Any) -> Spec:
        if isinstance(v, dict):
            return ("dict", type(v), list(v), [walk(item) for item in v.values()])
        if isinstance(v, tuple | list):
            return ("seq", type(v), len(v), [walk(item) for item in v])
        leaves.append(v)
        return None

    return leaves, walk(value)


def tree_unflatten(leaves: list[Any], spec: Spec) -> Any:
    """The structure `spec` (from tree_flatten) rebuilt with `leaves` in order."""
    items = iter(leaves)

    def build(s: Spec) -> Any:
        if s is None:
            return next(items)
        kind, cls, keys, children = s
        built = [build(child) for child in children]
        if kind == "dict":
            return cls(zip(keys, built))
        if hasattr(cls, "_fields"):  # a named tuple takes its fields as arguments
            return cls(*built)
        return cls(built)

    return build(spec)


def differentiable(arg: Any, op: str, position: int) -> tuple[Any, list[Tensor], bool]:
    """(the argument with each Tensor replaced by the leaf to differentiate at, those
    leaves in tree order, whether any is nested in an outer transform)."""
    leaves, spec = tree_flatten(arg)
    if not leaves:
        raise ArgumentTypeError(f"{op}: argument {position} holds no Tensor to differentiate")
    points, nested = [], False
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise ArgumentTypeError(f"{op}: argument {position} must be a Tensor (or a dict, "
                                    f"list or tuple of Tensors), got {type(leaf).__name__}")
        if leaf.dtype.kind != "f":
            raise DTypeError(f"{op}: argument {position} must be floating to be "
                             f"differentiated, got dtype {leaf.dtype}")
        if leaf.requires_grad:  # in a graph already (an outer grad): differentiate there
            points.append(leaf)
            nested = True
            continue
        point = Tensor._from_op(leaf.data, None).requires_grad_()
        tangent = tangent_of(leaf)
        if tangent is not None:  # an outer forward-mode transform: keep its direction
            attach_tangent(point, tangent)
            nested = True
        points.append(point)
    return tree_unflatten(points, spec), points, nested


def argnum_positions(argnums: Any, op: str) -> tuple[bool, tuple[int, ...]]:
    """(whether argnums is a tuple, the positions): torch.func's argnums, an int or a
    non-empty tuple of ints."""
    many = isinstance(argnums, tuple)
    positions = argnums if many else (argnums,)
    if not positions or not all(isinstance(p, int) and not isinstance(p, bool)
                                for p in positions):
        raise ArgumentTypeError(f"{op}: argnums must be an int or a non-empty tuple of ints, "
                                f"got {argnums!r}")
    return many, positions


def differentiable_points(args: list, positions: tuple[int, ...], op: str
                          ) -> tuple[list[Tensor], list, bool]:
    """Replace args[p] by its points to differentiate at (func_args.differentiable); the
    points in order, each argument's (start, count, structure), whether nested."""
    points: list[Tensor] = []
    specs, nested = [], False
    for p in positions:
        if not -len(args) <= p < len(args):
            raise ArgumentError(f"{op}: argnums {p}, but only {len(args)} positional inputs "
                                f"were given")
        args[p], leaves, inner = differentiable(args[p], op, p)
        nested = nested or inner
        specs.append((len(points), len(leaves), tree_flatten(args[p])[1]))
        points.extend(leaves)
    return points, specs, nested
