"""PyTorch's `out=` argument of its module-level functions: `tg.add(a, b, out=c)` computes
`a + b` and writes it into c, which it returns.

PyTorch's rules, followed here:
- the result's dtype must be castable to out's (no float into an integer tensor, no
  number into a bool one): the result is computed as without out, then cast;
- out takes the result's shape: resized when it differs (with PyTorch's deprecation
  warning when out had elements);
- out= does not record for autograd: refused while grad mode is on and an argument
  requires grad;
- a function with several results (values and indices) takes a tuple of tensors.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

from .autograd.primitive import is_tensor
from .dtypes import can_cast
from .errors import ArgumentTypeError, BackwardError, DTypeError
from .tensor import is_grad_enabled, no_grad


def write_out(op: str, result: Any, out: Any) -> Any:
    """Write result (a Tensor or a tuple of them) into out and return out."""
    if isinstance(result, tuple):
        if not isinstance(out, tuple | list) or len(out) != len(result):
            raise ArgumentTypeError(f"{op}: out must be a tuple of {len(result)} tensors (one "
                                    f"per result), got {type(out).__name__}")
        written = [write_out(op, r, o) for r, o in zip(result, out, strict=True)]
        return type(result)(*written) if hasattr(result, "_fields") else tuple(written)
    if not is_tensor(out):
        raise ArgumentTypeError(f"{op}: out must be a Tensor, got {type(out).__name__}")
    if not is_tensor(result):
        raise ArgumentTypeError(f"{op}: gives a {type(result).__name__}, which has no out=")
    if result.requires_grad and is_grad_enabled():
        raise BackwardError(f"{op}(): functions with out=... arguments don't support "
                            f"automatic differentiation, but one of the arguments requires "
                            f"grad")
    if not can_cast(result.dtype, out.dtype, "same_kind"):
        raise DTypeError(f"{op}: result type {result.dtype} can't be cast to the desired "
                         f"output type {out.dtype} (out=)")
    if tuple(out.shape) != tuple(result.shape):
        if out.numel():
            warnings.warn(f"{op}: an output with one or more elements was resized since it had "
                          f"shape {list(out.shape)}, which does not match the required output "
                          f"shape {list(result.shape)}. This behavior is deprecated, and in a "
                          f"future PyTorch release outputs will not be resized unless they "
                          f"have zero elements.", UserWarning, stacklevel=4)
        out.resize_(tuple(result.shape))
    with no_grad():
        out.copy_(result.detach())
    return out


def accepts_out(op: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """function with PyTorch's keyword `out=` (see the module docstring)."""

    @functools.wraps(function)
    def with_out(*args: Any, out: Any = None, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        return result if out is None else write_out(op, result, out)

    return with_out
