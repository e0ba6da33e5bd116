"""Our nn.functional functions, nn Module constructors, optimizers, lr schedulers and
utils.data classes have PyTorch 2.13's signatures: parameter names, order, kinds and
defaults, compared with `inspect.signature` of torch's own (where torch's is introspectable).

A difference fails the test unless ALLOWED lists it with the reason. Annotations are not
compared (ours name our types); a default compares by value (0 == 0.0) and a function
default by name (activation=F.relu)."""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn as nn
import tinygrad_bn.nn.functional as F
import tinygrad_bn.utils.data as data

torch = pytest.importorskip("torch")

_EMPTY = inspect.Parameter.empty

# name -> (our parameters that PyTorch lacks, why): dropped before comparing, so that the
# rest (PyTorch's own) must still match exactly
EXTRA: dict[str, tuple[tuple[str, ...], str]] = {
    **{f"F.{name}": (("generator",), "keyword-only generator=: seeded dropout without the "
                                     "global generator")
       for name in ("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
                    "feature_alpha_dropout")},
    **{f"nn.BatchNorm{d}d": (("impl",), "the fused or composite kernel; in the repr only "
                                        "when not the default") for d in (1, 2, 3)},
    "data.DataLoader": (("unexpected",), "**unexpected: refused with a message naming it"),
}

# name -> why our signature differs from PyTorch's as a whole (a decision, not an oversight)
ALLOWED: dict[str, str] = {
    "F.softmax": "the charter (shared/design.md) fixes F.softmax(x, axis=-1): NumPy's axis "
                 "with the last as default, where PyTorch has (input, dim=None, _stacklevel, "
                 "dtype) and picks an implicit dim (0 for 0-, 1- and 3-d input) with a "
                 "warning; dim= and dtype= are taken by keyword",
    "F.log_softmax": "as F.softmax",
    "optim.SGD": "the charter (shared/design.md, tests/test_api_contract.py) fixes "
                 "SGD(params, lr, momentum, nesterov, weight_decay) with lr required; "
                 "PyTorch's is (params, lr=1e-3, momentum, dampening, weight_decay, nesterov)",
    "optim.RMSprop": "the charter fixes (..., eps, momentum, weight_decay); PyTorch's order "
                     "is weight_decay, momentum",
    "F.batch_norm": "its first parameter is x, not input (perf33's fast path: the rename is "
                    "theirs), and the extra impl= after PyTorch's arguments",
    "nn.SyncBatchNorm": "no process_group (MPI's world is the group) and the extra impl=",
    "nn.Embedding": "no _weight/_freeze (private; Embedding.from_pretrained is the API)",
    "nn.RNNCellBase": "a private base: ours takes the cell's mode first, PyTorch num_chunks",
    "data.random_split": "generator=None draws from the default generator, as PyTorch's "
                         "default_generator object does",
}


def _same_default(ours: Any, theirs: Any) -> bool:
    if ours is _EMPTY or theirs is _EMPTY:
        return ours is theirs
    if callable(ours) and callable(theirs):
        return getattr(ours, "__name__", None) == getattr(theirs, "__name__", None)
    if isinstance(theirs, torch.Tensor) or isinstance(ours, tg.Tensor):
        return False
    try:
        return bool(type(ours) is type(theirs) or (
            isinstance(ours, int | float) and isinstance(theirs, int | float))) and \
            bool(ours == theirs)
    except Exception:  # noqa: BLE001 - an uncomparable pair is a difference
        return False


def _signature(function: Callable) -> inspect.Signature | None:
    try:
        return inspect.signature(function)
    except (TypeError, ValueError):
        return None


def _opaque(signature: inspect.Signature) -> bool:
    """PyTorch's (self, *args, **kwargs): nothing to compare."""
    kinds = [p.kind for p in signature.parameters.values() if p.name != "self"]
    return not kinds or set(kinds) <= {inspect.Parameter.VAR_POSITIONAL,
                                       inspect.Parameter.VAR_KEYWORD}


def difference(ours: Callable, theirs: Callable, extra: tuple[str, ...] = ()) -> str | None:
    """None when the signatures agree (ours without its `extra` parameters), else both, as
    text."""
    a, b = _signature(ours), _signature(theirs)
    if b is None or _opaque(b):
        return None
    if a is None:
        return f"ours is not introspectable; PyTorch's is {b}"
    missing = set(extra) - set(a.parameters)
    if missing:
        return f"ours has no {sorted(missing)} (stale EXTRA entry)"
    pa = [p for p in a.parameters.values() if p.name not in extra]
    pb = list(b.parameters.values())
    same = len(pa) == len(pb) and all(
        x.name == y.name and x.kind == y.kind and _same_default(x.default, y.default)
        for x, y in zip(pa, pb, strict=True))
    return None if same else f"\n  ours    {a}\n  PyTorch {b}"


def _functional() -> Iterator[tuple[str, Callable, Callable]]:
    for name in sorted(dir(torch.nn.functional)):
        theirs = getattr(torch.nn.functional, name)
        if name.startswith("_") or inspect.isclass(theirs) or inspect.ismodule(theirs) \
                or not callable(theirs) or not hasattr(F, name):
            continue
        yield f"F.{name}", getattr(F, name), theirs


def _classes(theirs_module: Any, ours_module: Any, prefix: str, base: type | None = None
             ) -> Iterator[tuple[str, Callable, Callable]]:
    for name in sorted(dir(theirs_module)):
        theirs = getattr(theirs_module, name)
        if name.startswith("_") or not inspect.isclass(theirs) or \
                (base is not None and not issubclass(theirs, base)) or \
                not hasattr(ours_module, name):
            continue
        yield f"{prefix}.{name}", getattr(ours_module, name).__init__, theirs.__init__


def _data() -> Iterator[tuple[str, Callable, Callable]]:
    for name in sorted(torch.utils.data.__all__):
        theirs = getattr(torch.utils.data, name)
        if not callable(theirs) or not hasattr(data, name):
            continue
        ours = getattr(data, name)
        if inspect.isclass(theirs):
            yield f"data.{name}", ours.__init__, theirs.__init__
        else:
            yield f"data.{name}", ours, theirs


def _pairs() -> list[tuple[str, Callable, Callable]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [*_functional(), *_classes(torch.nn, nn, "nn", torch.nn.Module),
                *_classes(torch.optim, tg.optim, "optim", torch.optim.Optimizer),
                *_classes(torch.optim.lr_scheduler, tg.optim.lr_scheduler, "lr_scheduler",
                          torch.optim.lr_scheduler.LRScheduler), *_data()]


PAIRS = _pairs()


@pytest.mark.parametrize("name", [name for name, _, _ in PAIRS])
def test_signature_is_pytorchs(name: str) -> None:
    _, ours, theirs = next(pair for pair in PAIRS if pair[0] == name)
    found = difference(ours, theirs, EXTRA.get(name, ((), ""))[0])
    if name in ALLOWED:
        if found is None:
            pytest.fail(f"{name} now matches PyTorch: drop it from ALLOWED")
        return
    assert found is None, f"{name}: {found}"


def test_the_comparison_can_fail() -> None:
    def theirs(input, target, weight=None, reduction="mean"): ...  # noqa: A002, ANN001, ANN202
    def swapped(input, target, reduction="mean", weight=None): ...  # noqa: A002, ANN001, ANN202
    def renamed(x, target, weight=None, reduction="mean"): ...  # noqa: ANN001, ANN202
    def keyword(input, target, *, weight=None, reduction="mean"): ...  # noqa: A002, ANN001, ANN202
    def default(input, target, weight=None, reduction="sum"): ...  # noqa: A002, ANN001, ANN202
    def extra(input, target, weight=None, reduction="mean", *, impl="x"): ...  # noqa: A002, ANN001, ANN202
    for ours in (swapped, renamed, keyword, default, extra):
        assert difference(ours, theirs) is not None, ours.__name__
    assert difference(theirs, theirs) is None
    assert difference(extra, theirs, ("impl",)) is None
    assert difference(default, theirs, ("impl",)) is not None


def test_the_comparison_covers_the_surface() -> None:
    names = {name for name, _, _ in PAIRS}
    assert {"F.cross_entropy", "nn.Conv2d", "nn.LayerNorm", "optim.SGD",
            "lr_scheduler.StepLR", "data.DataLoader"} <= names
    assert len(names) > 250
    stale = (set(ALLOWED) | set(EXTRA)) - names
    assert not stale, f"ALLOWED or EXTRA names no compared callable: {sorted(stale)}"
    assert not set(ALLOWED) & set(EXTRA)
