"""PyTorch's operator database's error inputs (OpInfo `error_inputs`: the bad calls
PyTorch's own test suite makes of each operator, with the exception class it expects) run
on tinygrad_bn: every call torch refuses must be refused here too, with an exception that
is an instance of the class PyTorch raises (our errors derive from the builtin classes
PyTorch uses: ArgumentError is a ValueError and a RuntimeError ...), so that a script's
`except RuntimeError` or a test's `assertRaises(IndexError)` works unchanged. Messages are
ours (they name the op, the shapes and what was expected), so they are not compared.
A sample whose tensors share memory (out= a view of an input, an expanded out=) is
converted keeping that sharing: one copy of each storage, each tensor a view of it.

ERRORS_DIFFER lists the entries where some error input is accepted or refused with
another class, found by this sweep and not yet changed; each test says which. Skipped
without torch and expecttest (which PyTorch's test module imports).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import tinygrad_bn as tg

torch = pytest.importorskip("torch")
pytest.importorskip("expecttest")
if not torch.__version__.startswith("2.13"):
    pytest.skip("the OpInfo database is torch 2.13's", allow_module_level=True)

from torch.testing._internal.common_methods_invocations import op_db  # noqa: E402

from tests.opinfo_harness import entry_name, ours, to_tg  # noqa: E402


def _error_inputs(op: Any) -> list[Any]:
    try:
        return list(op.error_inputs("cpu"))
    except Exception:  # noqa: BLE001 (torch's own generator failing is no case)
        return []


# the reflected dunders' entries call the unbound method on a number (Tensor.__radd__(2, t)),
# which only a C method can refuse: no script does that
ENTRIES = {entry_name(op): op for op in op_db if op.error_inputs_func is not None and
           not op.name.startswith("__r")}
ERRORS_DIFFER = frozenset("""
    cat gather
""".split())
# Why, by line: cat takes a Tensor as its sequence of tensors (its rows), PyTorch refuses
# (TypeError); gather's out= that is a view grows into new memory when resized, where
# PyTorch's grows in place into the storage under it (and then overlaps the index).


def _flat_tensors(value: Any) -> list[Any]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _flat_tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _flat_tensors(v)]
    return []


def _shares_memory(value: Any) -> bool:
    """Some tensor of value is given twice, shares its storage with another, or writes one
    element twice (an expanded out=): the cases whose conversion must keep the memory."""
    tensors = _flat_tensors(value)
    storages = [t.untyped_storage().data_ptr() for t in tensors if t.numel()]
    return len({id(t) for t in tensors}) < len(tensors) or \
        len(set(storages)) < len(storages) or \
        any(s == 0 and n > 1 for t in tensors for s, n in zip(t.stride(), t.shape))


def _to_tg_sharing(value: Any, memo: dict[Any, Any]) -> Any:
    """to_tg, with the tensors that share memory in torch sharing it here: one NumPy copy of
    each storage, and each tensor a strided view of it (tg.from_numpy keeps the strides)."""
    if isinstance(value, list | tuple):
        return type(value)(_to_tg_sharing(v, memo) for v in value)
    if isinstance(value, dict):
        return {k: _to_tg_sharing(v, memo) for k, v in value.items()}
    if not isinstance(value, torch.Tensor):
        return to_tg(value, torch)
    if id(value) in memo:
        return memo[id(value)]
    if not value.numel():  # (a clone: NumPy's view would make torch's storage unresizable)
        memo[id(value)] = to_tg(value.detach().clone(), torch)
        return memo[id(value)]
    storage = value.untyped_storage()
    key = (storage.data_ptr(), value.dtype)
    if key not in memo:
        whole = value.new_empty(0).set_(storage, 0, (storage.nbytes() // value.element_size(),))
        memo[key] = whole.detach().clone().numpy()
    item = value.element_size()
    view = np.lib.stride_tricks.as_strided(memo[key][value.storage_offset():], value.shape,
                                           tuple(s * item for s in value.stride()))
    memo[id(value)] = tg.from_numpy(view)
    return memo[id(value)]


def _describe(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"T{tuple(value.shape)}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_describe(v) for v in value) + "]"
    return repr(value)[:30]


def error_difference(op: Any) -> str | None:
    """The first error input of op that tinygrad_bn accepts, or refuses with an exception
    that is not an instance of the class PyTorch raises; None when all agree."""
    function = ours(op)
    if function is None:
        return None  # no counterpart: test_opinfo_34 lists it as MISSING
    for case in _error_inputs(op):
        sample = case.sample_input
        if any(isinstance(v, torch.layout) and v != torch.strided for v in sample.kwargs.values()):
            continue  # a sparse layout asked for: tinygrad_bn has none to refuse
        try:
            if _shares_memory((sample.input, sample.args, sample.kwargs)):
                memo: dict[Any, Any] = {}
                args = _to_tg_sharing((sample.input, *sample.args), memo)
                kwargs = _to_tg_sharing(sample.kwargs, memo)
            else:
                args = to_tg((sample.input, *sample.args), torch)
                kwargs = to_tg(sample.kwargs, torch)
        except Exception:  # noqa: BLE001, S112 (sparse, meta or complex: no counterpart)
            continue
        try:
            op.op(sample.input, *sample.args, **sample.kwargs)
            continue  # torch accepts it on the CPU (a CUDA-only error input)
        except Exception:  # noqa: BLE001, S110 (the refusal we compare with)
            pass
        call = f"{_describe((sample.input, *sample.args))} {_describe(sample.kwargs)}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                function(*args, **kwargs)
        except case.error_type:
            continue
        except Exception as error:  # noqa: BLE001 (the difference we report)
            return f"raises {type(error).__name__} ({str(error)[:80]}), PyTorch a " \
                   f"{case.error_type.__name__}, on {call}"
        return f"accepts what PyTorch refuses with {case.error_type.__name__} " \
               f"({str(case.error_regex)[:60]}) on {call}"
    return None


@pytest.mark.parametrize("name", sorted(ENTRIES))
def test_error_inputs_are_refused_as_pytorch_refuses_them(name: str) -> None:
    difference = error_difference(ENTRIES[name])
    if name in ERRORS_DIFFER:
        if difference is not None:
            pytest.xfail(difference)
        return
    assert difference is None, f"{name}: {difference}"


def test_the_list_names_entries() -> None:
    assert len(ENTRIES) > 150
    assert ERRORS_DIFFER <= set(ENTRIES), sorted(ERRORS_DIFFER - set(ENTRIES))
