"""`tg.autograd.functional`: PyTorch's torch.autograd.functional (vjp, jvp, jacobian,
hessian, hvp, vhp) with its signatures, on tg.func's transforms.

The math is tg.func's (tinygrad_bn/func.py); this module adapts PyTorch's calling
convention to it: `inputs` a Tensor or a tuple of Tensors (passed to func as its
arguments), `v` optional where the function's input or output has one element, the
outputs returned without a graph. `vhp` is the one transform tg.func lacks: v^T H by
reverse-over-reverse (the gradient of <grad f, v>); for a twice continuously
differentiable f it equals hvp, since H is symmetric.

Not supported (each refused with an UnsupportedError rather than ignored):
`create_graph=True` (the results here are constants; differentiate through
tg.autograd.grad with create_graph=True instead) and `strict=True`. `vectorize` is a
speed hint and is accepted; the Jacobian's strategies map to tg.func.jacobian's modes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import func as tgfunc
from .errors import ArgumentError, ArgumentTypeError, ShapeError, UnsupportedError
from .modes import enable_grad, no_grad
from .tensor import Tensor, grad

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _inputs(op: str, inputs: Any) -> tuple[bool, tuple[Tensor, ...]]:
    """(whether inputs is a tuple, the inputs as a tuple), as PyTorch takes them."""
    many = isinstance(inputs, tuple)
    items = inputs if many else (inputs,)
    if not items or not all(isinstance(t, Tensor) for t in items):
        raise ArgumentTypeError(f"autograd.functional.{op}: inputs must be a Tensor or a tuple "
                                f"of Tensors, got {type(inputs).__name__}")
    return many, items


def _refuse(op: str, create_graph: bool, strict: bool) -> None:
    if create_graph:
        raise UnsupportedError(f"autograd.functional.{op}: create_graph=True is not supported "
                               f"(the results are constants); use tg.autograd.grad with "
                               f"create_graph=True to differentiate a gradient")
    if strict:
        raise UnsupportedError(f"autograd.functional.{op}: strict=True is not supported")


def _vectors(op: str, v: Any, like: tuple[Tensor, ...], what: str) -> tuple[Tensor, ...]:
    """v as one Tensor per entry of `like`, each of its shape; None: ones, allowed only for
    one tensor of one element (PyTorch's rule)."""
    if v is None:
        if len(like) != 1 or like[0].numel() != 1:
            raise ArgumentError(f"autograd.functional.{op}: v can only be None if the {what} "
                                f"is a single Tensor with a single element")
        return (Tensor(np.ones(like[0].shape, dtype=like[0].dtype)),)
    vs = v if isinstance(v, tuple | list) else (v,)
    if len(vs) != len(like):
        raise ShapeError(f"autograd.functional.{op}: {len(like)} {what}s but {len(vs)} "
                         f"vectors v")
    out = []
    for k, (u, t) in enumerate(zip(vs, like)):
        u = u if isinstance(u, Tensor) else Tensor(np.asarray(u, dtype=t.dtype))
        if u.shape != t.shape:
            raise ShapeError(f"autograd.functional.{op}: v {k} has shape {u.shape}, but the "
                             f"{what} has shape {t.shape}")
        out.append(u)
    return tuple(out)


def vjp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), v^T J): tg.func.vjp, with v optional for a one-element output."""
    _refuse("vjp", create_graph, strict)
    many, xs = _inputs("vjp", inputs)
    if v is None:
        with no_grad():
            outs = func(*xs)
        v = _vectors("vjp", None, outs if isinstance(outs, tuple) else (outs,), "output")[0]
    result, pulled = tgfunc.vjp(func, xs if many else xs[0], v)
    return tgfunc.detached(result), pulled


def jvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Any, Any]:
    """(func(inputs), J v): tg.func.jvp, with v optional for a one-element input."""
    _refuse("jvp", create_graph, strict)
    many, xs = _inputs("jvp", inputs)
    vs = _vectors("jvp", v, xs, "input")
    with enable_grad():
        result, tangents = tgfunc.jvp(func, [x.detach() for x in xs], list(vs))
    return tgfunc.detached(result), tgfunc.detached(tangents)


def jacobian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
             strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode") -> Any:
    """d func / d inputs: tg.func.jacobian (result[i][j] = d output_i / d input_j; a
    Tensor where func has one output and inputs is one Tensor)."""
    _refuse("jacobian", create_graph, strict)
    modes = {"reverse-mode": "reverse", "forward-mode": "forward"}
    if strategy not in modes:
        raise ArgumentError(f"autograd.functional.jacobian: strategy must be 'forward-mode' or "
                            f"'reverse-mode', got {strategy!r}")
    many, xs = _inputs("jacobian", inputs)
    return tgfunc.jacobian(func, xs if many else xs[0], mode=modes[strategy])


def hessian(func: Callable[..., Any], inputs: Any, create_graph: bool = False,
            strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode") -> Any:
    """d^2 func / d inputs^2 of a one-element func: tg.func.hessian (result[i][j] for a
    tuple of inputs). Both outer strategies give the same numbers."""
    _refuse("hessian", create_graph, strict)
    if outer_jacobian_strategy not in ("reverse-mode", "forward-mode"):
        raise ArgumentError(f"autograd.functional.hessian: outer_jacobian_strategy must be "
                            f"'forward-mode' or 'reverse-mode', got {outer_jacobian_strategy!r}")
    many, xs = _inputs("hessian", inputs)
    return tgfunc.hessian(func, xs if many else xs[0])


def hvp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensor, Any]:
    """(func(inputs), H v) of a one-element func: tg.func.hvp (forward-over-reverse)."""
    _refuse("hvp", create_graph, strict)
    many, xs = _inputs("hvp", inputs)
    vs = _vectors("hvp", v, xs, "input")
    return tgfunc.hvp(func, xs if many else xs[0], vs if many else vs[0])


def vhp(func: Callable[..., Any], inputs: Any, v: Any = None, create_graph: bool = False,
        strict: bool = False) -> tuple[Tensor, Any]:
    """(func(inputs), v^T H) of a one-element func, by reverse-over-reverse: the gradient
    of <grad func, v>, with grad func a differentiable graph (create_graph)."""
    _refuse("vhp", create_graph, strict)
    many, xs = _inputs("vhp", inputs)
    vs = _vectors("vhp", v, xs, "input")
    leaves = [x.detach().requires_grad_() for x in xs]
    with enable_grad():
        out = func(*leaves)
        if not isinstance(out, Tensor) or out.numel() != 1:
            shape = out.shape if isinstance(out, Tensor) else type(out).__name__
            raise ShapeError(f"autograd.functional.vhp: func must return a Tensor with one "
                             f"element, got {shape}")
        grads = grad(out, leaves, create_graph=True) if out.requires_grad else []
        live = [(g, u) for g, u in zip(grads, vs) if g is not None and g.requires_grad]
        products = grad([g for g, _ in live], leaves, grad_outputs=[u for _, u in live]) \
            if live else [None] * len(leaves)
    result = tuple(p.detach() if p is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))
                   for p, x in zip(products, xs))
    return out.detach(), result if many else result[0]
