"""Inference tensors: what `tg.inference_mode()` makes, as PyTorch's.

A tensor made while inference mode is on in its thread (modes.inference_mode) is an
inference tensor, and so is a view of one (views share their root's memory, and the mark
is read on the root). PyTorch gives them no version counter, which is what makes the mode
cheaper there; here nothing is saved, but the rules are the same, so that a script moves
between the two unchanged:

- `t._version` raises (there is no counter to read);
- an in-place write (`add_`, `x[i] = v`, `copy_`, `t_` ...) outside the mode
  raises: no counter could tell a graph recorded later that the values changed. It
  raises before writing (PyTorch writes, then raises). Through `.data` it is allowed,
  as PyTorch allows it;
- `requires_grad_(True)` outside inference mode raises;
- an op that records a node whose backward reads an inference tensor (its
  `needed_inputs`: `x * c` with x requiring grad saves c) raises PyTorch's "Inference
  tensors cannot be saved for backward"; `x + c` saves nothing and is allowed; a
  recorded `tg.autograd.Function` that saved one (`save_for_backward`) raises the same;
- `resize_` to another shape is a write (to its own shape, none).

`x.detach()` of an inference tensor made outside the mode is an inference tensor with a
version counter of its own, which may be written outside the mode (its views may not):
PyTorch's rules, quirks included.

Marking costs the tensors made outside the mode one test of a global integer
(`modes.INFERENCE_OPEN`, the number of blocks open in every thread): tensor.py calls
`mark` only while it is not 0; the checks cost a write one read of `MADE` until the
process has made an inference tensor, and so does a recorded op (autograd/primitive.py:
~7 ns). Once one exists, each recorded op calls `refuse_saved`: ~0.2 us when every input
requires grad, ~2 us (on a loaded machine) when one does not, whose unset slots are read
(timeit of refuse_saved on Mul nodes, session 36). Inside inference mode nothing is
recorded even under `enable_grad()`, as PyTorch's (modes.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import BackwardError
from ..modes import is_inference_mode_enabled
from .versions import root, version

if TYPE_CHECKING:
    from ..tensor import Tensor
    from .primitive import Function


# whether any inference tensor was made in this process: until then the checks below
# cost one read (an unset slot read with getattr raises inside: ~0.3 us each)
MADE = [False]
# `_inference` of a detach() of an inference tensor: an inference tensor (is_inference,
# requires_grad_ refused, not saved for backward) that may be written outside the mode and
# has a version counter of its own, as PyTorch's detach gives (its views may not be written)
DETACHED = 2


def mark(t: Tensor) -> None:
    """Make `t` an inference tensor if inference mode is on in this thread."""
    if is_inference_mode_enabled():
        t._inference = MADE[0] = True


def is_inference(t: Tensor) -> bool:
    """PyTorch's `t.is_inference()`: made under inference mode, or a view of such one."""
    return MADE[0] and bool(getattr(root(t), "_inference", False))


def detached(out: Tensor) -> Tensor:
    """`out`, a detach() of a tensor (its `_base` the memory's owner): of an inference
    tensor, made a `DETACHED` one, with its own counter (PyTorch's detach of one)."""
    if getattr(out._base, "_inference", False) is True and \
            getattr(out, "_inference", False) is not True:  # (made outside the mode)
        out._base = None
        out._inference = DETACHED
    return out


def check_write(t: Tensor, op: str) -> None:
    """Refuse an in-place write into an inference tensor outside inference mode (a
    detach() of one may be written, not its views: PyTorch's rules)."""
    if not MADE[0]:
        return
    owner = root(t)
    mark = getattr(owner, "_inference", False)
    if (mark is True or (mark == DETACHED and owner is not t)) and \
            not is_inference_mode_enabled():
        raise BackwardError(f"{op}: Inplace update to inference tensor outside InferenceMode "
                            f"is not allowed. The tensor, of shape {tuple(t.shape)}, was made "
                            f"under tg.inference_mode(): make a clone() to get a normal "
                            f"tensor before doing an in-place update")


def refuse_saved(ctx: Function) -> None:
    """Refuse to record op `ctx` if its backward would read an inference tensor (PyTorch's
    "Inference tensors cannot be saved for backward": no counter could tell that backward
    whether the values changed). Called by `Function.apply` for each op it records, once
    the process has made an inference tensor."""
    parents = ctx.parents
    # A tensor that requires grad is an op's output or a leaf made to require it (a
    # parameter): not an inference tensor but for a leaf made so inside the mode, which is
    # let through. Only the others are looked at (reading the unset slots costs ~0.3 us).
    for t in parents:
        if not t.requires_grad:
            break
    else:
        return
    for i in ctx.needed_inputs():
        t = parents[i]
        if not t.requires_grad and getattr(root(t), "_inference", False):
            raise _not_saved(ctx.name, f"its input {i}", t)


def refuse_saved_tensors(name: str, tensors: tuple) -> None:
    """The same refusal for what a recorded custom Function saved (`save_for_backward`)."""
    for i, t in enumerate(tensors):
        if t is not None and getattr(root(t), "_inference", False):
            raise _not_saved(name, f"saved tensor {i}", t)


def _not_saved(name: str, which: str, t: Tensor) -> BackwardError:
    return BackwardError(
        f"{name}: Inference tensors cannot be saved for backward: {which} (shape "
        f"{tuple(t.shape)}) was made under tg.inference_mode(), and its backward would "
        f"read it. Make a clone() of it outside inference mode (or compute under no_grad "
        f"instead of inference_mode)")


def check_requires_grad(t: Tensor) -> None:
    """Refuse requires_grad_(True) on an inference tensor outside inference mode."""
    if MADE[0] and getattr(root(t), "_inference", False) and not is_inference_mode_enabled():
        raise BackwardError("requires_grad_: Setting requires_grad=True on inference tensor "
                            "outside InferenceMode is not allowed. Make a clone() of it first")


def version_of(t: Tensor) -> int:
    """`t._version`, refused for an inference tensor as PyTorch refuses it."""
    if MADE[0] and getattr(root(t), "_inference", False) is True:
        raise BackwardError("_version: Inference tensors do not track version counter. The "
                            "tensor was made under tg.inference_mode()")
    return version(t)
