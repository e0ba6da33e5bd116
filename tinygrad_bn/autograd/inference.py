"""Inference tensors: what `tg.inference_mode()` makes, as PyTorch's.

A tensor made while inference mode is on in its thread (modes.inference_mode) is an
inference tensor, and so is a view of one (views share their root's memory, and the mark
is read on the root). PyTorch gives them no version counter, which is what makes the mode
cheaper there; here nothing is saved, but the rules are the same, so that a script moves
between the two unchanged:

- `t._version` raises (there is no counter to read);
- an in-place write (`add_`, `x[i] = v`, `copy_`, `t_` ...; not `resize_`) outside the mode
  raises: no counter could tell a graph recorded later that the values changed. It
  raises before writing (PyTorch writes, then raises). Through `.data` it is allowed,
  as PyTorch allows it;
- `requires_grad_(True)` outside inference mode raises.

Marking costs the tensors made outside the mode one test of a global integer
(`modes.INFERENCE_OPEN`, the number of blocks open in every thread): tensor.py calls
`mark` only while it is not 0; the checks cost a write one read of `MADE` until the
process has made an inference tensor. Inside inference mode nothing is recorded even
under `enable_grad()`, as PyTorch's (modes.py). Not built: PyTorch's refusal to save an
inference tensor for backward (checking each recorded op's saved inputs cost ~0.8 us per
op once one existed: +60% for a small op). Gradients stay right without it: writes are
still counted inside, so a backward that reads an inference tensor written since its
forward raises "modified by an inplace operation". `x.detach()` of an inference tensor
is one too here, so writes through it are refused (PyTorch's detach allows them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import BackwardError
from ..modes import is_inference_mode_enabled
from .versions import root, version

if TYPE_CHECKING:
    from ..tensor import Tensor


# whether any inference tensor was made in this process: until then the checks below
# cost one read (an unset slot read with getattr raises inside: ~0.3 us each)
MADE = [False]


def mark(t: Tensor) -> None:
    """Make `t` an inference tensor if inference mode is on in this thread."""
    if is_inference_mode_enabled():
        t._inference = MADE[0] = True


def is_inference(t: Tensor) -> bool:
    """PyTorch's `t.is_inference()`: made under inference mode, or a view of such one."""
    return MADE[0] and getattr(root(t), "_inference", False)


def check_write(t: Tensor, op: str) -> None:
    """Refuse an in-place write into an inference tensor outside inference mode."""
    if MADE[0] and getattr(root(t), "_inference", False) and not is_inference_mode_enabled():
        raise BackwardError(f"{op}: Inplace update to inference tensor outside InferenceMode "
                            f"is not allowed. The tensor, of shape {tuple(t.shape)}, was made "
                            f"under tg.inference_mode(): make a clone() to get a normal "
                            f"tensor before doing an in-place update")


def check_requires_grad(t: Tensor) -> None:
    """Refuse requires_grad_(True) on an inference tensor outside inference mode."""
    if MADE[0] and getattr(root(t), "_inference", False) and not is_inference_mode_enabled():
        raise BackwardError("requires_grad_: Setting requires_grad=True on inference tensor "
                            "outside InferenceMode is not allowed. Make a clone() of it first")


def version_of(t: Tensor) -> int:
    """`t._version`, refused for an inference tensor as PyTorch refuses it."""
    if MADE[0] and getattr(root(t), "_inference", False):
        raise BackwardError("_version: Inference tensors do not track version counter. The "
                            "tensor was made under tg.inference_mode()")
    return version(t)
