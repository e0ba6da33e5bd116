"""Functional transforms: vjp, jvp, jacobian, hessian, hvp (PyTorch 2's `torch.func` names).

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

The point x is used by value: the transforms differentiate at fresh leaves that share
x's arrays, so x need not require grad and its graph is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import ArgumentError, ArgumentTypeError, ShapeError
from .forward_ad import jvp
from .tensor import Tensor, grad

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vjp"]


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


def _tensor_outputs(result: Any, op: str) -> tuple[Tensor, ...]:
    outs = _as_tuple(result)
    for k, out in enumerate(outs):
        if not isinstance(out, Tensor):
            raise ArgumentTypeError(f"{op}: output {k} of f must be a Tensor, got "
                                    f"{type(out).__name__}")
    return outs


def vjp(f: Callable[..., Any], inputs: Any, cotangents: Any) -> tuple[Any, Any]:
    """(f(*inputs), u^T J): the cotangents u (one per output of f, of its shape) pulled back
    to the inputs by one backward pass. Returns the inputs' cotangents in the structure of
    `inputs` (zeros for an input f does not use)."""
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
    grads = grad([o for o, _ in live], list(xs), grad_outputs=[u for _, u in live]) if live \
        else [None] * len(xs)
    pulled = tuple(g if g is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))
                   for g, x in zip(grads, xs))
    return result, pulled if isinstance(inputs, tuple | list) else pulled[0]


def _jacobian_reverse(outs: tuple[Tensor, ...], xs: tuple[Tensor, ...]) -> list[list[np.ndarray]]:
    """blocks[k][i] of shape outs[k].shape + xs[i].shape, one backward per output element."""
    blocks = [[np.zeros(o.shape + x.shape, dtype=x.dtype) for x in xs] for o in outs]
    for k, out in enumerate(outs):
        if not out.requires_grad:
            continue  # constant output: zero rows
        for index in np.ndindex(*out.shape):
            seed = np.zeros(out.shape, dtype=out.dtype)
            seed[index] = 1.0
            rows = grad(out, list(xs), grad_outputs=Tensor(seed), retain_graph=True)
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


def _value_and_gradient(f: Callable[[Tensor], Tensor], x: Tensor, op: str
                        ) -> tuple[Tensor, Tensor]:
    """(f(x), df/dx) for scalar f, the gradient a differentiable graph (create_graph)."""
    out = f(x)
    if not isinstance(out, Tensor) or out.data.size != 1:
        shape = out.shape if isinstance(out, Tensor) else type(out).__name__
        raise ShapeError(f"{op}: f must return a Tensor with one element, got {shape}")
    g = grad(out, x, create_graph=True)[0] if out.requires_grad else None
    return out, g if g is not None else Tensor(np.zeros(x.shape, dtype=x.dtype))


def hessian(f: Callable[[Tensor], Tensor], x: Any) -> Tensor:
    """d^2 f / dx^2 of a scalar function of one tensor, shape x.shape + x.shape: the
    forward-mode Jacobian of the gradient (forward-over-reverse: one jvp of a
    create_graph backward per element of x)."""
    return jacobian(lambda t: _value_and_gradient(f, t, "hessian")[1],
                    _leaves(x, "hessian")[0], mode="forward")


def hvp(f: Callable[[Tensor], Tensor], x: Any, v: Any) -> tuple[Tensor, Tensor]:
    """(f(x), H v) for a scalar function of one tensor, H its Hessian at x, in one
    forward-over-reverse pass: the jvp along v of x -> grad f(x). H is never formed."""
    (leaf,) = _leaves(x, "hvp")
    v = v if isinstance(v, Tensor) else Tensor(np.asarray(v, dtype=leaf.dtype))
    if v.shape != leaf.shape:
        raise ShapeError(f"hvp: v has shape {v.shape}, x has {leaf.shape}")
    (value, _), (_, product) = jvp(lambda t: _value_and_gradient(f, t, "hvp"), leaf, v)
    return value.detach(), product.detach()
