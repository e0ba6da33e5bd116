"""The project's exceptions: one base class, specialised where a builtin fits too."""

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

_F = TypeVar("_F", bound=Callable[..., Any])


class TinygradError(Exception):
    """Base class of every error raised by tinygrad_bn."""


class ShapeError(TinygradError, ValueError, RuntimeError):
    """An operand's shape does not fit the op (broadcasting, matmul, reshape, layers).
    A RuntimeError too: PyTorch raises that ("The size of tensor a (2) must match ...",
    "mat1 and mat2 shapes cannot be multiplied"), so a script's `except RuntimeError`
    catches it here as there."""


class EmptyReductionError(ShapeError, IndexError):
    """A reduction without an identity (max, min, argmax, amax ...) over an axis of size 0;
    an IndexError too, as PyTorch's "Expected reduction dim 1 to have non-zero size"."""


class AxisError(TinygradError, ValueError, IndexError, RuntimeError):
    """An axis argument is out of range or repeated; an IndexError too, as PyTorch's
    "Dimension out of range", and a RuntimeError, as its "dim 0 appears multiple times in
    the list of dims" and "narrow() cannot be applied to a 0-dim tensor"."""


class DTypeError(TinygradError, TypeError, RuntimeError):
    """An operand has a dtype the op cannot use (e.g. grad on an integer tensor); a
    RuntimeError too, as PyTorch's ("only Tensors of floating point dtype can require
    gradients", "mean(): could not infer output dtype")."""


class DTypeMismatchError(DTypeError):
    """Tensors of different dtypes given to an op that does not promote (a product, a
    convolution, a layer and its parameters): PyTorch's "mat1 and mat2 must have the same
    dtype"; the message names the op and both dtypes."""


class ArgumentTypeError(TinygradError, TypeError):
    """An argument has the wrong Python type (a class where an instance is expected, a string
    where a number is, a method not called, a single tensor where an iterable is)."""


class BackwardError(TinygradError, RuntimeError):
    """Backward cannot run: non-scalar output without a gradient, freed graph, no grad."""


class GradcheckError(TinygradError, AssertionError, RuntimeError):
    """Analytic and numerical gradients disagree (see tg.gradcheck). A RuntimeError too, as
    PyTorch's torch.autograd.gradcheck.GradcheckError, which programs catch."""


class ComparisonError(TinygradError, AssertionError):
    """`tg.testing.assert_close` found values, shapes or dtypes that differ."""


class CallOrderError(TinygradError, RuntimeError):
    """An object's methods were called out of their order (a GradScaler's step twice
    before its update)."""


class ArgumentError(TinygradError, ValueError, RuntimeError):
    """An argument's value is outside what the function accepts (a probability, a rate,
    a mode name such as `reduction`); a RuntimeError too, as PyTorch's checks of argument
    values in its kernels raise (`diagonal(dim1=0, dim2=0)`, `conv2d(..., stride=-1)`: of
    the calls in its OpInfo error inputs that ours refused with another class, 154 expect
    RuntimeError; ValueError stays for PyTorch's Python-level checks: 26 there)."""


class DataError(TinygradError, ValueError):
    """A dataset or checkpoint is missing, corrupt or malformed."""


class StateDictError(DataError, RuntimeError):
    """load_state_dict cannot load a state: missing or unexpected keys (strict), a shape or
    dtype that does not fit, a value that is not an array; a RuntimeError too, as PyTorch's
    "Error(s) in loading state_dict". The message names every offending key."""


class PathLookupError(TinygradError, AttributeError):
    """A dotted path such as `"encoder.0.weight"` names nothing, or something of the wrong kind
    (`Module.get_submodule`, `get_parameter`, `get_buffer`, `set_submodule`): an
    AttributeError too, as PyTorch's; the message names the path and the part that failed."""


class WriteError(TinygradError, OSError):
    """A file could not be written (its directory is missing or read-only, a directory is in
    the way, the disk is full); the message names the path, the OS error is the cause."""


class IndexOutOfRange(TinygradError, IndexError, RuntimeError):
    """An index is out of range for the indexed tensor: an IndexError, as PyTorch's `x[10]`,
    and a RuntimeError, as its gather/scatter/narrow ("index 34 is out of bounds for
    dimension 0 with size 3")."""


class AnomalyError(TinygradError, FloatingPointError, RuntimeError):
    """Inside `tg.detect_anomaly()`, an op's forward or backward produced a NaN or an inf.
    A RuntimeError too: PyTorch's anomaly mode raises one, which programs catch."""


class DependencyError(TinygradError, RuntimeError):
    """An optional dependency is missing: the graphviz package or the Graphviz `dot` program."""


class AllocationError(TinygradError, MemoryError):
    """An op or layer would allocate more memory than the machine can give (the message names
    the op, the shape and the bytes asked for)."""


class UnsupportedError(TinygradError, NotImplementedError):
    """A feature the call needs is missing (a user Function without a forward-mode rule
    under tg.jvp); the message says what to add."""


class DistributedError(TinygradError, RuntimeError):
    """The ranks of an MPI job disagree on a collective (which one, its op or its root), or
    a distributed layer is used in a way the ranks cannot agree on."""


def short_repr(value: object, limit: int = 40) -> str:
    """repr(value), cut to `limit` characters: how an error message quotes a bad argument."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def named(op: str, error: "TinygradError") -> "TinygradError":
    """`error` with its message led by `op` (unchanged when it already is): how a public
    function built of other ops reports itself before the inner op ("conv1d: conv2d: ...")."""
    text = str(error)
    if re.match(rf"{re.escape(op)}\b", text):
        return error
    try:
        renamed = type(error)(f"{op}: {text}")
    except TypeError:  # a subclass with its own constructor keeps its message
        return error
    return renamed


def names_errors(op: str) -> Callable[[_F], _F]:
    """Decorator: the project errors raised inside the function name `op` first (named)."""
    def decorate(function: _F) -> _F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return function(*args, **kwargs)
            except TinygradError as error:
                renamed = named(op, error)
                if renamed is error:
                    raise
                raise renamed from error
        return wrapper  # type: ignore[return-value]
    return decorate


class LinAlgError(TinygradError, RuntimeError):
    """A matrix function cannot be computed for its input: a singular matrix to invert or
    solve with, a matrix that is not positive-definite given to cholesky (PyTorch's
    torch.linalg.LinAlgError, also a RuntimeError); the message names the op, the shape and
    the batch element."""
