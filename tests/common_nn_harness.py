"""torch 2.13's common_nn dictionaries (criterion_tests, module_tests,
get_new_module_tests()) run through tests/moduleinfo_harness.py's Case: each entry's module
built on both sides, torch's state copied into ours, train and eval mode compared.

A common_nn entry built by a lambda or by wrap_functional (a module whose forward calls a
lambda of common_nn) is built on our side by calling the same code with common_nn's names
torch, nn and F bound to tinygrad_bn's and the torch tensors its closure holds converted.
A module-named entry is built from tg.nn's class of that name with the same constructor
arguments; inputs come from the entry's input/target value, _fn or _size (randn in the
entry's default dtype, float64 mostly, which tinygrad_bn's default dtype follows meanwhile).
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any

import tinygrad_bn as tg
from tests.moduleinfo_harness import (
    Case,
    constructor_to_tg,
    copy_state,
    state_difference,
    tg_dtype,
)
from tests.opinfo_harness import Unconvertible, bound_to_tg, to_tg


def converted(function: Any, torch: Any) -> Callable[..., Any]:
    """function with the torch values its closure holds as tinygrad_bn's, called with
    its module's torch/nn/F bound to tinygrad_bn's."""
    cells = function.__closure__ or ()
    closure = tuple(types.CellType(_cell_to_tg(c.cell_contents, torch)) for c in cells)
    inner = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                               function.__defaults__, closure or None)
    inner.__kwdefaults__ = to_tg(function.__kwdefaults__, torch)

    def call(*args: Any, **kwargs: Any) -> Any:
        with bound_to_tg(function, ("torch", "nn", "F")):
            return inner(*args, **kwargs)
    return call


def _cell_to_tg(value: Any, torch: Any) -> Any:
    """A value a common_nn lambda holds: its own lambdas converted, torch's functions
    (F.interpolate itself) replaced by ours, tensors copied."""
    if isinstance(value, types.FunctionType) and value.__module__.startswith("torch.testing"):
        return converted(value, torch)
    return to_tg(value, torch)


class _Functional:
    """Our side of a wrap_functional module: its lambda, converted, with its kwargs."""

    def __init__(self, fn: Any, kwargs: dict, torch: Any) -> None:
        self.fn, self.kwargs = _cell_to_tg(fn, torch), to_tg(kwargs, torch)

    def __call__(self, *args: Any) -> Any:
        return self.fn(*args, **self.kwargs)


def nn_test_name(test: dict) -> str:
    if test.get("fullname"):
        return test["fullname"]
    return test["module_name"] + (f"_{test['desc']}" if test.get("desc") else "")


def _our_nn_module(test: dict, theirs: Any, torch: Any) -> Any:
    """tinygrad_bn's counterpart of a common_nn entry's module, before the state copy."""
    if "module_name" in test:
        cls = getattr(tg.nn, test["module_name"], None)
        if cls is None:
            raise LookupError(f"no tg.nn.{test['module_name']}")
        return cls(*constructor_to_tg(tuple(test.get("constructor_args", ())), torch))
    constructor = test["constructor"]
    if isinstance(constructor, type) and constructor.__name__ == "FunctionalModule":
        forward = constructor.forward
        free = dict(zip(forward.__code__.co_freevars, (c.cell_contents for c in
                                                        forward.__closure__), strict=True))
        return _Functional(free["fn"], free["kwargs"], torch)
    return converted(constructor, torch)(*constructor_to_tg(
        tuple(test.get("constructor_args", ())), torch))


def _nn_value(test: dict, name: str, torch: Any) -> Any:
    if name in test:
        return test[name]
    if f"{name}_fn" in test:
        return test[f"{name}_fn"]()
    if f"{name}_size" in test:
        def make(size: Any) -> Any:
            return [make(s) for s in size] if isinstance(size, list) else torch.randn(size)
        return make(test[f"{name}_size"])
    return None


def check_nn_test(test: dict, torch: Any, second: bool = False) -> tuple[bool, str | None]:
    """(whether it was compared, its first difference) for one common_nn entry, in the
    default dtype it names (float64 mostly), in train mode and in eval mode; with second,
    the second derivatives (Case.compare_double_backward) rather than the first."""
    dtype = test.get("default_dtype") or torch.float64
    previous, our_previous = torch.get_default_dtype(), tg.get_default_dtype()
    torch.set_default_dtype(dtype)
    tg.set_default_dtype(tg_dtype(dtype))
    try:
        compared = False
        for training in (True, False):
            done, why = _nn_case(test, torch, dtype, training, second)
            if why is not None:
                return True, f"{'train' if training else 'eval'}: {why}"
            compared = compared or done
        return compared, None
    finally:
        torch.set_default_dtype(previous)
        tg.set_default_dtype(our_previous)


def _nn_case(test: dict, torch: Any, dtype: Any, training: bool, second: bool
             ) -> tuple[bool, str | None]:
    torch.manual_seed(0)
    if "module_name" in test:
        theirs = getattr(torch.nn, test["module_name"])(*test.get("constructor_args", ()))
    else:
        theirs = test["constructor"](*test.get("constructor_args", ()))
    inputs = _nn_value(test, "input", torch)
    target = _nn_value(test, "target", torch)
    args = [inputs] if not isinstance(inputs, tuple) else list(inputs)
    args = [a.detach().requires_grad_(a.dtype.is_floating_point)
            if isinstance(a, torch.Tensor) else a for a in args]
    if target is not None:
        args.append(target)
    args += list(test.get("extra_args", ()))
    try:
        ours = _our_nn_module(test, theirs, torch)
    except Unconvertible:
        return False, None
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return True, f"constructor raises {type(error).__name__}: {str(error)[:160]}"
    if isinstance(theirs, torch.nn.Module) and isinstance(ours, tg.nn.Module):
        ours = ours.to(tg_dtype(dtype))
        if (why := state_difference(theirs, ours)) is not None:
            return True, why
        if (why := copy_state(theirs, ours, torch)) is not None:
            return True, why
        theirs.train(training)
        ours.train(training)
    elif not training:
        return False, None  # a function: no mode
    try:
        case = Case(theirs, ours, tuple(args), {}, torch)
    except Unconvertible:
        return False, None
    return True, case.compare_double_backward() if second else case.compare()
