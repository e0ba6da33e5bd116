"""PyTorch's `torch.utils.checkpoint`: `checkpoint(function, *args, use_reentrant=...)`
and `checkpoint_sequential(functions, segments, input)` over tg.checkpoint (the
segment node that keeps its inputs and recomputes its inside in backward; see
tinygrad_bn/checkpoint.py for what the segment may read).

The two implementations PyTorch chooses between with `use_reentrant` compute the same
gradients; here there is one, so the flag is accepted and only type-checked. The random
state is always replayed for the recompute (PyTorch's default preserve_rng_state=True):
with False PyTorch's recompute may draw other dropout masks than the forward did, which
makes its gradients those of another function; here they are the forward's. Keyword
arguments other than checkpoint's own go to `function`, as in PyTorch.

tg.checkpoint sits above nn (it leaves batch norm's running statistics alone in the
recompute), utils beside nn: the import runs up the layers on first use, by design
(pyproject.toml's ignore_imports), so that `import tinygrad_bn.utils` stays light.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError, UnsupportedError
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def _segment(fn: Callable[..., Tensor], *args: Any) -> Tensor:
    from ..checkpoint import checkpoint as segment  # up the layers, on first use

    return segment(fn, *args)


def _check_flags(op: str, use_reentrant: Any, preserve_rng_state: Any, determinism_check: Any,
                 context_fn: Any) -> None:
    if use_reentrant is not None and not isinstance(use_reentrant, bool):
        raise ArgumentTypeError(f"{op}: use_reentrant must be a bool or None, got "
                                f"{type(use_reentrant).__name__}")
    if not isinstance(preserve_rng_state, bool):
        raise ArgumentTypeError(f"{op}: preserve_rng_state must be a bool, got "
                                f"{type(preserve_rng_state).__name__}")
    if determinism_check not in ("default", "none"):
        raise ArgumentError(f"{op}: determinism_check must be 'default' or 'none', got "
                            f"{determinism_check!r}")
    if context_fn is not None:
        raise UnsupportedError(f"{op}: context_fn (selective activation checkpointing) is not "
                               f"supported; leave it unset")


def checkpoint(function: Callable[..., Tensor], *args: Any, use_reentrant: bool | None = None,
               context_fn: Callable[..., Any] | None = None, determinism_check: str = "default",
               debug: bool = False, preserve_rng_state: bool = True, **kwargs: Any) -> Tensor:
    """function(*args, **kwargs), its activations recomputed in backward instead of kept
    (function returns one Tensor)."""
    _check_flags("checkpoint", use_reentrant, preserve_rng_state, determinism_check, context_fn)
    if not callable(function):
        raise ArgumentTypeError(f"checkpoint: function must be callable, got "
                                f"{type(function).__name__}")
    if kwargs:
        return _segment(lambda *a: function(*a, **kwargs), *args)
    return _segment(function, *args)


def checkpoint_sequential(functions: Any, segments: int, input: Tensor,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Tensor:
    """Run the modules of `functions` (an nn.Sequential or a list of modules) in order on
    `input`, cut into `segments` runs of len // segments modules: every run but the last
    is checkpointed, the last (with the remainder) runs normally, as PyTorch cuts them.
    `preserve_rng_state` may be passed as in PyTorch."""
    preserve_rng_state = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ArgumentTypeError(f"checkpoint_sequential: unexpected keyword arguments "
                                f"{sorted(kwargs)}")
    _check_flags("checkpoint_sequential", use_reentrant, preserve_rng_state, "default", None)
    modules: Sequence[Any] = list(functions.children()) if hasattr(functions, "children") \
        else list(functions)
    if not isinstance(segments, int) or isinstance(segments, bool) or segments < 1:
        raise ArgumentError(f"checkpoint_sequential: segments must be a positive int, got "
                            f"{segments!r}")
    if segments > len(modules):
        raise ArgumentError(f"checkpoint_sequential: {segments} segments for "
                            f"{len(modules)} modules; at most one segment per module")

    def run(start: int, end: int) -> Callable[[Tensor], Tensor]:
        def forward(x: Tensor) -> Tensor:
            for module in modules[start:end]:
                x = module(x)
            return x
        return forward

    size = len(modules) // segments
    end = 0
    for start in range(0, size * (segments - 1), size):
        end = start + size
        input = _segment(run(start, end), input)
    return run(end, len(modules))(input)
