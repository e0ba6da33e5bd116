"""Checking a hand-written backward pass, intermediate by intermediate.

Writing the backward pass of a network by hand (the loss's gradient with respect to every
intermediate, in reverse order) is the classic way to learn backpropagation; the check is
to compare each hand-written gradient with the one autograd computed. Autograd only keeps
the gradients of leaves, so the intermediates to compare are retained first:

    logits = tg.lab.retain(h @ w2 + b2)   # one tensor (retain_grad, returned)
    with tg.lab.retain_all():            # or: every tensor the ops in the block make
        ...forward...
    loss.backward()
    tg.lab.check_grad("logits", dlogits, logits)

`check_grad` prints one row of a table (name, exact, approximate, largest difference) and
returns it; a wrong shape is explained (a reduction that lost `keepdim=True`, a broadcast
in the forward whose gradient must be summed) instead of compared.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ArgumentTypeError, BackwardError
from ..tensor import Function, Tensor, op_observers

__all__ = ["GradCheck", "check_grad", "retain", "retain_all"]

_PRIORITY = 3  # after forward mode, saved-tensor hooks and checkpoint: it only marks tensors


def retain(*tensors: Tensor) -> Any:
    """Keep `.grad` on each tensor after backward (`retain_grad`); returns the tensor, or the
    tuple of tensors when given several, so it can wrap an expression."""
    for t in tensors:
        if not isinstance(t, Tensor):
            raise ArgumentTypeError(f"retain: expected Tensors, got {type(t).__name__}")
        if t.requires_grad:
            t.retain_grad()
    return tensors[0] if len(tensors) == 1 else tensors


@contextlib.contextmanager
def retain_all() -> Iterator[None]:
    """In the block (this thread), every op output that requires grad keeps its `.grad`."""

    def mark(ctx: Function, out: Tensor) -> None:
        if out.requires_grad:
            out.retain_grad()

    op_observers.push(_PRIORITY, mark)
    try:
        yield
    finally:
        op_observers.remove(mark)


@dataclass(frozen=True)
class GradCheck:
    """One comparison: `exact` (every element equal), `approx` (within rtol 1e-5, atol 1e-8,
    as torch.allclose), `maxdiff` (largest absolute difference; NaN when the shapes differ),
    and `explanation` (why the shapes differ, else empty)."""

    name: str
    exact: bool
    approx: bool
    maxdiff: float
    explanation: str = ""

    def row(self) -> str:
        """The printed line: `name | exact: .. | approximate: .. | maxdiff: ..`."""
        text = (f"{self.name:15s} | exact: {self.exact!s:5s} | approximate: {self.approx!s:5s} "
                f"| maxdiff: {self.maxdiff:.3g}")
        return text + (f"\n{'':15s}   {self.explanation}" if self.explanation else "")

    def __bool__(self) -> bool:
        return self.approx


def _explain_shapes(manual: tuple[int, ...], auto: tuple[int, ...]) -> str:
    """Why a hand-written gradient of shape `manual` cannot be the gradient of a tensor of
    shape `auto`, and what usually fixes it."""
    head = f"shape mismatch: your gradient is {manual}, the tensor is {auto}"
    if int(np.prod(manual)) == int(np.prod(auto)) and \
            [n for n in manual if n != 1] == [n for n in auto if n != 1]:
        lost = [i for i, n in enumerate(auto) if n == 1]
        return (f"{head}: the same values with size-1 axes {lost} missing or moved - a "
                f"reduction without keepdim=True? (reshape to {auto}, or sum/mean with "
                f"keepdim=True)")
    try:
        np.broadcast_shapes(manual, auto)
        broadcastable = np.broadcast_shapes(manual, auto) == manual
    except ValueError:
        broadcastable = False
    if broadcastable:
        extra = len(manual) - len(auto)
        axes = list(range(extra)) + [extra + i for i, n in enumerate(auto)
                                     if n == 1 and manual[extra + i] != 1]
        return (f"{head}: the tensor was broadcast in the forward pass, so its gradient is the "
                f"sum over the broadcast axes - sum yours over axes {tuple(axes)}"
                + (" with keepdim=True" if extra == 0 else
                   f" and reshape to {auto}"))
    try:
        smaller = np.broadcast_shapes(manual, auto) == auto
    except ValueError:
        smaller = False
    if smaller:
        return (f"{head}: yours is missing axes the tensor has - summed over an axis that was "
                f"not broadcast in the forward pass? A gradient has its tensor's full shape")
    return f"{head}: a gradient always has the shape of its tensor"


def check_grad(name: str, manual: Any, tensor: Tensor, verbose: bool = True) -> GradCheck:
    """Compare `manual` (your gradient of the loss with respect to `tensor`: an ndarray, a
    Tensor or a number) with `tensor.grad` from autograd; prints the result's row unless
    `verbose=False` and returns it (a `GradCheck`, true when approximately equal)."""
    if not isinstance(tensor, Tensor):
        raise ArgumentTypeError(f"check_grad('{name}'): the third argument is the tensor whose "
                                f"autograd gradient is compared, got {type(tensor).__name__}")
    if tensor.grad is None:
        hint = ("it does not require grad" if not tensor.requires_grad else
                "it is an intermediate: call tg.lab.retain(t) on it (or build the forward "
                "inside `with tg.lab.retain_all():`) before backward"
                if tensor.grad_fn is not None else "no backward has reached it yet")
        raise BackwardError(f"check_grad('{name}'): the tensor (shape {tensor.shape}) has no "
                            f".grad to compare with: {hint}")
    mine = np.asarray(manual._data if isinstance(manual, Tensor) else manual)
    auto = tensor.grad._data
    if mine.shape != auto.shape:
        result = GradCheck(name, False, False, float("nan"),
                           _explain_shapes(mine.shape, auto.shape))
    else:
        with np.errstate(invalid="ignore"):
            diff = np.abs(mine.astype(np.float64) - auto)
        result = GradCheck(name, bool(np.array_equal(mine, auto)),
                           bool(np.allclose(mine, auto, rtol=1e-5, atol=1e-8)),
                           float(diff.max()) if diff.size else 0.0)
    if verbose:
        print(result.row())
    return result
