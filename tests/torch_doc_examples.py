"""PyTorch's own docstring examples, run on PyTorch and on tinygrad_bn side by side.

Every `>>>` example in the docstrings of torch.*, torch.Tensor.*, torch.nn.functional.*,
torch.linalg.*, torch.special.*, torch.nn.*, torch.optim.*, torch.distributions.*,
torch.autograd.*, torch.func.*, torch.utils.data.* and torch.testing.* is a small program
written by PyTorch's authors to show what a function does. Each function's examples run
statement by statement twice: once as written, on torch, and once with `torch` bound to
tinygrad_bn (import lines swapped by tests/torch_swap.py). The values of expression
statements (what the interactive prompt would print) are compared: tensors by shape,
dtype and values, sequences element by element, numbers by value.

Random draws differ between the two libraries' generators, so they are replayed: on the
torch run every draw (torch.randn, torch.rand, ... and the in-place fills x.uniform_(),
x.normal_() ...) is recorded with the example that made it; on the tinygrad_bn run the
same call happens (so its errors and shape checks still run) and its result is replaced
by the recorded numbers. Values that are uninitialised memory (torch.empty) compare by
shape and dtype only.

Only the first difference of a function is reported: later statements of the same
function read the names it left unset or stale, so their differences are its echoes.
"""

from __future__ import annotations

import contextlib
import doctest
import importlib
import inspect
import io
import math
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from tests.torch_swap import to_tinygrad_bn

# functions whose results are drawn at random: their results are replayed
RANDOM_FUNCTIONS = frozenset("""rand randn randint randperm normal rand_like randn_like
    randint_like bernoulli multinomial""".split())
RANDOM_FILLS = ("uniform_", "normal_", "random_", "bernoulli_", "exponential_", "geometric_",
                "cauchy_", "log_normal_")
# whose results are uninitialised memory: compared by shape and dtype only
UNINITIALISED = ("torch.empty", ".new_empty", "torch.empty_like", "torch.empty_strided")
# examples that change the process for the examples after them
STATEFUL = frozenset({"torch.set_default_device", "torch.set_default_tensor_type",
                      "torch.set_flush_denormal", "torch.Event"})
NAMESPACES = ("torch", "torch.nn.functional", "torch.linalg", "torch.special", "torch.nn",
              "torch.nn.init", "torch.nn.utils", "torch.nn.utils.rnn",
              "torch.nn.utils.parametrize", "torch.optim", "torch.optim.lr_scheduler",
              "torch.distributions", "torch.autograd", "torch.autograd.functional",
              "torch.func", "torch.utils.data", "torch.testing")


def collect(torch: Any) -> dict[str, list[doctest.Example]]:
    """Every documented function's examples, by its qualified name."""
    parser = doctest.DocTestParser()
    found: dict[str, list[doctest.Example]] = {}

    def add(name: str, obj: Any) -> None:
        doc = getattr(obj, "__doc__", None)
        if not isinstance(doc, str) or name in STATEFUL:
            return
        try:
            examples = parser.get_examples(doc)
        except ValueError:  # a docstring whose prompts are not doctest's format
            return
        if examples:
            found[name] = examples

    for namespace in NAMESPACES:
        module = importlib.import_module(namespace)
        for attr in dir(module):
            obj = getattr(module, attr, None)
            if not attr.startswith("_") and callable(obj) and not inspect.ismodule(obj):
                add(f"{namespace}.{attr}", obj)
    for attr in dir(torch.Tensor):
        if not attr.startswith("_"):
            add(f"torch.Tensor.{attr}", getattr(torch.Tensor, attr, None))
    return found


class Tape:
    """The random draws of one function's examples: (example index, ndarray) in order."""

    def __init__(self) -> None:
        self.draws: list[tuple[int, np.ndarray]] = []
        self.example = 0

    def take(self, shape: tuple[int, ...]) -> np.ndarray | None:
        """The next recorded draw of the current example, if it has that shape."""
        while self.draws and self.draws[0][0] < self.example:
            self.draws.pop(0)  # draws of an example the replay did not reach
        if self.draws and self.draws[0][0] == self.example and \
                self.draws[0][1].shape == shape:
            return self.draws.pop(0)[1]
        return None


class _Namespace:
    """`torch` as the examples see it: the library, its random functions recorded or
    replayed."""

    def __init__(self, lib: Any, tape: Tape, recording: bool, make: Any) -> None:
        self._lib, self._tape, self._recording, self._make = lib, tape, recording, make

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._lib, name)
        if name not in RANDOM_FUNCTIONS:
            return value

        def draw(*args: Any, **kwargs: Any) -> Any:
            result = value(*args, **kwargs)
            if self._recording:
                self._tape.draws.append((self._tape.example, result.detach().numpy().copy()))
                return result
            recorded = self._tape.take(tuple(result.shape))
            if recorded is None:
                return result
            return self._make(recorded, requires_grad=result.requires_grad)

        return draw


@contextlib.contextmanager
def _fills(tensor_class: type, tape: Tape, recording: bool) -> Iterator[None]:
    """The in-place random fills of tensor_class recorded or replayed, for the duration."""
    saved = {name: getattr(tensor_class, name) for name in RANDOM_FILLS
             if hasattr(tensor_class, name)}

    def wrap(original: Any) -> Any:
        def fill(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            if recording:
                tape.draws.append((tape.example, result.detach().numpy().copy()))
            elif (recorded := tape.take(tuple(self.shape))) is not None:
                with _no_grad(self):
                    self.copy_(type(self)(recorded))
            return result
        return fill

    try:
        for name, original in saved.items():
            setattr(tensor_class, name, wrap(original))
        yield
    finally:
        for name, original in saved.items():
            setattr(tensor_class, name, original)


def _no_grad(tensor: Any) -> Any:
    lib = sys.modules[type(tensor).__module__.split(".")[0]]
    return lib.no_grad()


@dataclass
class Outcome:
    """One statement's result: ok with the printed value (None for a statement), or err."""

    ok: bool
    value: Any
    source: str


def run(examples: list[doctest.Example], lib: Any, tape: Tape, recording: bool,
        swap: bool) -> list[Outcome]:
    """Run the examples in one fresh namespace with `torch` bound to lib."""
    make = lib.tensor
    # the names the examples take as imported: torch, nn, F, optim, NumPy
    namespace: dict[str, Any] = {"torch": _Namespace(lib, tape, recording, make),
                                 "np": np, "numpy": np, "nn": lib.nn,
                                 "F": lib.nn.functional, "optim": lib.optim}
    outcomes: list[Outcome] = []
    tensor_class = lib.Tensor
    # examples that save files (torch.save(x, 'tensor.pt')) write into a scratch directory
    with _fills(tensor_class, tape, recording), warnings.catch_warnings(), \
            tempfile.TemporaryDirectory() as scratch, contextlib.chdir(scratch):
        warnings.simplefilter("ignore")
        for index, example in enumerate(examples):
            tape.example = index
            source = example.source
            if swap:
                with contextlib.suppress(ValueError):
                    source = to_tinygrad_bn(source)
            shown: list[Any] = []
            hook = sys.displayhook
            sys.displayhook = shown.append
            try:
                code = compile(source, "<example>", "single")
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(code, namespace)  # noqa: S102 (PyTorch's own example, on purpose)
                outcomes.append(Outcome(True, shown[0] if shown else None, example.source))
            except Exception as error:  # noqa: BLE001 (compared with torch's outcome)
                outcomes.append(Outcome(False, f"{type(error).__name__}: {error}",
                                        example.source))
            finally:
                sys.displayhook = hook
    return outcomes


def _is_tensor(value: Any) -> bool:
    return type(value).__name__ == "Tensor" and hasattr(value, "detach")


def _dtype_name(dtype: Any) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def difference(expected: Any, got: Any, source: str) -> str | None:
    """How got (tinygrad_bn's) differs from expected (torch's), or None if it agrees."""
    if _is_tensor(expected):
        if not _is_tensor(got):
            return f"a {type(got).__name__} where torch gives a Tensor"
        if tuple(expected.shape) != tuple(got.shape):
            return f"shape {tuple(got.shape)}, torch {tuple(expected.shape)}"
        if _dtype_name(expected.dtype) != _dtype_name(got.dtype):
            return f"dtype {_dtype_name(got.dtype)}, torch {_dtype_name(expected.dtype)}"
        if any(name in source for name in UNINITIALISED):
            return None
        want, have = expected.detach().numpy(), got.detach().numpy()
        if want.dtype.kind in "fc" and want.size:
            scale = float(np.nanmax(np.abs(want[np.isfinite(want)]), initial=1.0))
            close = np.allclose(have, want, rtol=1e-4, atol=1e-5 * scale, equal_nan=True)
        else:
            close = np.array_equal(have, want)
        return None if close else "values differ"
    if isinstance(expected, tuple | list):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return f"{type(got).__name__} {got!r:.60}, torch {expected!r:.60}"
        for want, have in zip(expected, got, strict=True):
            if (why := difference(want, have, source)) is not None:
                return why
        return None
    if isinstance(expected, bool | int | float) and not _is_tensor(got):
        try:
            same = math.isclose(float(expected), float(got), rel_tol=1e-6) or \
                (math.isnan(float(expected)) and math.isnan(float(got)))
        except (TypeError, ValueError):
            return f"{type(got).__name__} {got!r:.60}, torch {expected!r}"
        return None if same else f"{got!r}, torch {expected!r}"
    return None  # other values (modules, dtypes, strings) are not compared


@contextlib.contextmanager
def process_state(*libs: Any) -> Iterator[None]:
    """The process-wide settings an example may change (torch.use_deterministic_algorithms,
    set_default_dtype, set_num_threads, anomaly mode, print options ...) put back as they
    were afterwards, so that no later test of the worker sees them."""
    saved = []
    for lib in libs:
        state = {"dtype": lib.get_default_dtype(), "grad": lib.is_grad_enabled(),
                 "threads": lib.get_num_threads(),
                 "deterministic": lib.are_deterministic_algorithms_enabled(),
                 "warn_only": lib.is_deterministic_algorithms_warn_only_enabled()}
        if hasattr(lib, "is_anomaly_enabled"):
            state["anomaly"] = lib.is_anomaly_enabled()
        if hasattr(lib, "get_float32_matmul_precision"):
            state["precision"] = lib.get_float32_matmul_precision()
        saved.append((lib, state))
    try:
        yield
    finally:
        for lib, state in saved:
            lib.set_default_dtype(state["dtype"])
            lib.set_grad_enabled(state["grad"])
            lib.set_num_threads(state["threads"])
            lib.use_deterministic_algorithms(state["deterministic"],
                                             warn_only=state["warn_only"])
            lib.set_printoptions(profile="default")
            if "anomaly" in state:
                lib.set_anomaly_enabled(state["anomaly"])
            if "precision" in state:
                lib.set_float32_matmul_precision(state["precision"])


def first_difference(name: str, examples: list[doctest.Example], torch: Any,
                     tg: Any) -> str | None:
    """The first statement of name's examples where tinygrad_bn differs from torch."""
    for lib in (torch, tg):
        lib.set_default_dtype(lib.float32)
        lib.set_grad_enabled(True)
    tape = Tape()
    torch.manual_seed(0)
    with process_state(torch, tg):
        expected = run(examples, torch, tape, recording=True, swap=False)
        got = run(examples, tg, tape, recording=False, swap=True)
    for want, have in zip(expected, got, strict=True):
        where = want.source.strip().replace("\n", " ")[:100]
        if not want.ok and not have.ok:
            continue
        if not have.ok:
            return f"{where}: {str(have.value)[:200]}"
        if not want.ok:
            return f"{where}: accepted where torch raises {str(want.value)[:120]}"
        if (why := difference(want.value, have.value, want.source)) is not None:
            return f"{where}: {why}"
    return None
