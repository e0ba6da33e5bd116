"""torch.jit's spellings, so that scripts decorated for TorchScript run here unchanged.

TorchScript compiles a function or module into a graph that runs without Python. Its
results are, by TorchScript's own contract, those of the eager code it was made from, so
here `script` returns its argument itself and the code runs eagerly (tg.compile is this
library's record-and-replay). `trace` runs the function once on the example inputs, as
PyTorch's does to record it, and returns it; one difference stays: PyTorch's trace freezes
the Python control flow of that one run (warning with a TracerWarning where a branch
depends on the data), ours keeps it live. Both warn as PyTorch 2.13's do: TorchScript is
deprecated there in favour of torch.compile. Saving or loading TorchScript archives needs
TorchScript's file format: refused (save a state dict with tg.save instead).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from .errors import ArgumentTypeError, UnsupportedError

__all__ = ["Final", "annotate", "export", "freeze", "ignore", "is_scripting", "is_tracing",
           "load", "optimize_for_inference", "save", "script", "trace", "trace_module", "unused"]

T = TypeVar("T")


def script(obj: T, optimize: Any = None, _frames_up: int = 0, _rcb: Any = None,
           example_inputs: Any = None) -> T:
    """torch.jit.script: obj itself (a function, a Module or a class), run eagerly."""
    if not callable(obj):
        raise UnsupportedError(f"jit.script: expected a function, a Module or a class, got "
                               f"{type(obj).__name__}")
    _deprecated("script")
    return obj


def trace(func: Callable[..., Any], example_inputs: Any = None, optimize: Any = None,
          check_trace: bool = True, check_inputs: Any = None, check_tolerance: float = 1e-5,
          strict: bool = True, _force_outplace: bool = False, _module_class: Any = None,
          _compilation_unit: Any = None, example_kwarg_inputs: dict[str, Any] | None = None,
          _store_inputs: bool = True) -> Callable[..., Any]:
    """torch.jit.trace: func run once on example_inputs (a tuple of arguments, or one
    argument) and example_kwarg_inputs, then func itself (control flow stays live)."""
    if not callable(func):
        raise UnsupportedError(f"jit.trace: expected a function or a Module, got "
                               f"{type(func).__name__}")
    if example_inputs is None and example_kwarg_inputs is None:
        raise ArgumentTypeError("jit.trace: give example_inputs (a tuple of arguments) or "
                        "example_kwarg_inputs (a dict) to run func on")
    _deprecated("trace")
    args = example_inputs if isinstance(example_inputs, tuple) else \
        () if example_inputs is None else (example_inputs,)
    func(*args, **(example_kwarg_inputs or {}))
    return func


def _deprecated(name: str) -> None:
    warnings.warn(f"`torch.jit.{name}` is deprecated. Please switch to `torch.compile` or "
                  f"`torch.export` (tinygrad_bn runs the code eagerly)", DeprecationWarning,
                  stacklevel=3)


def trace_module(mod: Any, inputs: dict[str, Any], **kwargs: Any) -> Any:
    """torch.jit.trace_module: each named method of mod run once on its example inputs,
    then mod itself."""
    for name, example in inputs.items():
        trace(getattr(mod, name), example)
    return mod


def _passthrough(fn: T) -> T:
    return fn


# decorators that tell the TorchScript compiler what to skip
ignore = unused = export = _passthrough


def freeze(mod: T, preserved_attrs: Any = None, optimize_numerics: bool = True) -> T:
    """torch.jit.freeze: mod itself (there is no TorchScript graph to inline weights into)."""
    return mod


def optimize_for_inference(mod: T, other_methods: Any = None) -> T:
    """torch.jit.optimize_for_inference: mod itself."""
    return mod


def is_scripting() -> bool:
    """False: code never runs under the TorchScript compiler here."""
    return False


def is_tracing() -> bool:
    """False: trace runs the function as plain Python."""
    return False


def annotate(the_type: Any, the_value: T) -> T:
    """torch.jit.annotate: the value (the type is for the TorchScript compiler)."""
    return the_value


class Final(Generic[T]):
    """torch.jit.Final[T]: an annotation only."""


def save(m: Any, f: Any, _extra_files: Any = None) -> None:
    """torch.jit.save: refused (TorchScript archives need TorchScript's format)."""
    raise UnsupportedError("jit.save: TorchScript archives are not available in tinygrad_bn; "
                           "save the weights with tg.save(model.state_dict(), path)")


def load(f: Any, map_location: Any = None, _extra_files: Any = None) -> Any:
    """torch.jit.load: refused (TorchScript archives need TorchScript's format)."""
    raise UnsupportedError("jit.load: TorchScript archives are not available in tinygrad_bn; "
                           "build the model in Python and load_state_dict(tg.load(path))")
