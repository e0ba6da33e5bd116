"""torch.func.jvp: forward mode over nested containers of Tensors.

    out, jvp_out = jvp(func, primals, tangents)      # = (func(*primals), J tangents)

`primals` is the tuple of func's arguments, each a Tensor or a dict / list / tuple of
them ("pytrees", as `functional_call`'s parameter dicts are); `tangents` has the same
structure, a tangent of each primal's shape. Both results have the structure of func's
output. With `has_aux=True` func returns (output, aux), and jvp returns (output,
jvp_out, aux). One forward pass of tinygrad_bn/forward_ad.py's `jvp` over the flattened
leaves; arguments without containers go to it unchanged (tg.jvp's forms and errors).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import forward_ad
from .errors import ArgumentTypeError, ShapeError
from .func_args import tree_flatten, tree_unflatten
from .tensor import Tensor

__all__ = ["jvp"]


def _nested(value: Any) -> bool:
    """A tuple or list holding containers (dicts, lists, tuples): a pytree of arguments."""
    return isinstance(value, tuple | list) and any(isinstance(v, dict | tuple | list)
                                                   for v in value)


def jvp(func: Callable[..., Any], primals: Any, tangents: Any, *, strict: bool = False,
        has_aux: bool = False) -> tuple[Any, ...]:
    """(func(*primals), J_func(primals) @ tangents[, aux]); see the module docstring."""
    if not has_aux and not _nested(primals) and not _nested(tangents):
        return forward_ad.jvp(func, primals, tangents)
    if not isinstance(primals, tuple | list) or not isinstance(tangents, tuple | list):
        raise ArgumentTypeError(f"jvp: primals and tangents must be tuples (one item per "
                                f"argument of func), got {type(primals).__name__} and "
                                f"{type(tangents).__name__}")
    leaves, spec = tree_flatten(tuple(primals))
    tangent_leaves, tangent_spec = tree_flatten(tuple(tangents))
    if tangent_spec != spec:
        raise ShapeError("jvp: tangents must have the structure of primals (the same "
                         "containers, keys and lengths)")
    for k, leaf in enumerate(leaves):
        if not isinstance(leaf, Tensor):
            raise ArgumentTypeError(f"jvp: every primal must be a Tensor, got "
                                    f"{type(leaf).__name__} at leaf {k}")
    found: dict[str, Any] = {}

    def flat_func(*flat: Tensor) -> tuple[Tensor, ...]:
        output = func(*tree_unflatten(list(flat), spec))
        if has_aux:
            if not isinstance(output, tuple | list) or len(output) != 2:
                raise ArgumentTypeError(f"jvp: with has_aux=True func must return a pair "
                                        f"(output, aux), got {type(output).__name__}")
            output, found["aux"] = output
        outs, found["spec"] = tree_flatten(output)
        return tuple(outs)

    outs, out_tangents = forward_ad.jvp(flat_func, list(leaves), list(tangent_leaves))
    result = (tree_unflatten(list(outs), found["spec"]),
              tree_unflatten(list(out_tangents), found["spec"]))
    return (*result, found["aux"]) if has_aux else result
