"""PyTorch's database of custom autograd.Functions (torch.testing._internal
.autograd_function_db: NumpyCube, NumpyMul, NumpySort, Select, ... written with
`setup_context`, `save_for_forward`, `mark_dirty`, `mark_non_differentiable`,
`once_differentiable`, `jvp` and `vmap` staticmethods) run on tinygrad_bn.

Each torch Function class of that module gets a tinygrad_bn twin: a subclass of
tg.autograd.Function with the same staticmethods (a `once_differentiable` backward is
unwrapped and wrapped again in tinygrad_bn's). While a twin runs, the module's names
`torch` and the Function classes are bound to tinygrad_bn and the twins, so a backward that
calls `NumpyMul.apply` or `torch.tensor` calls ours.

Checks per entry, on its first float64 sample (inputs requiring grad): the outputs
("forward"); the gradients of the float outputs against drawn cotangents ("backward");
the gradients of those gradients ("double backward", where the entry says it supports it);
forward-mode tangents through tg.jvp ("jvp", where it supports forward AD); vmap over a
batch of 2 along the first input's dim 0 ("vmap"). Values compared as tests/opinfo_harness
compares them.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Iterator
from typing import Any

import numpy as np

import tinygrad_bn as tg
from tests.opinfo_harness import difference, to_tg

CHECKS = ("forward", "backward", "double backward", "jvp", "vmap")


class TorchRefuses(Exception):  # noqa: N818 (not an error of ours: the check does not apply)
    """torch itself refuses the check (NumpyCubeNotComposable has no jvp nor vmap rule)."""


def _torch(function: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 (torch refusing: no case)
        raise TorchRefuses(f"{type(error).__name__}: {str(error)[:120]}") from error


def twins(module: Any, torch: Any) -> dict[str, type]:
    """tinygrad_bn twins of the module's torch.autograd.Function classes, by name."""
    out: dict[str, type] = {}
    for name, cls in vars(module).items():
        if not (isinstance(cls, type) and issubclass(cls, torch.autograd.Function)
                and cls.__module__ == module.__name__):
            continue
        attrs: dict[str, Any] = {}
        for key, value in vars(cls).items():
            if isinstance(value, staticmethod):
                function = value.__func__
                if key == "backward" and hasattr(function, "__wrapped__"):
                    function = tg.autograd.function.once_differentiable(function.__wrapped__)
                attrs[key] = staticmethod(function)
            elif not key.startswith("__") and not callable(value):
                attrs[key] = value  # generate_vmap_rule, ScaleGradGenVmap.scale
        out[name] = type(name, (tg.autograd.Function,), attrs)
    return out


@contextlib.contextmanager
def bound(module: Any, twin_classes: dict[str, type]) -> Iterator[None]:
    """The module's `torch` and Function names bound to tinygrad_bn's while ours run."""
    names = vars(module)
    saved = {k: names[k] for k in ("torch", *twin_classes)}
    names.update({"torch": tg, **twin_classes})
    try:
        yield
    finally:
        names.update(saved)


class _Ours:
    """`with ours:` binds the module's names to tinygrad_bn's for the code of our side."""

    def __init__(self, module: Any, twin_classes: dict[str, type]) -> None:
        self.module, self.twin_classes = module, twin_classes
        self.stack: list[Any] = []

    def __enter__(self) -> None:
        context = bound(self.module, self.twin_classes)
        context.__enter__()
        self.stack.append(context)

    def __exit__(self, *exc: Any) -> None:
        self.stack.pop().__exit__(*exc)


def _ours(op: Any, twin_classes: dict[str, type]) -> Any:
    if inspect.ismethod(op.op):  # Cls.apply
        return twin_classes[op.op.__self__.__name__].apply
    return op.op  # a lambda of the module, calling the (bound) classes


def _tensors(value: Any) -> list[Any]:
    return list(value) if isinstance(value, tuple | list) else [value]


def _float_outputs(outputs: list[Any]) -> list[Any]:
    return [o for o in outputs if getattr(o, "requires_grad", False)
            and str(o.dtype).endswith(("float64", "float32"))]


def run_check(op: Any, check: str, module: Any, torch: Any) -> str | None:
    """How tinygrad_bn differs from torch on one check of one entry, or None."""
    twin_classes = twins(module, torch)
    sample = next(iter(op.sample_inputs("cpu", torch.float64, requires_grad=True)))
    args = (sample.input, *sample.args)
    ours_args = to_tg(args, torch)
    ours_kwargs = to_tg(sample.kwargs, torch)
    fn = _ours(op, twin_classes)
    rng = np.random.default_rng(0)
    ours = _Ours(module, twin_classes)
    try:
        if check == "forward":
            want = _torch(op.op, *args, **sample.kwargs)
            with ours:
                return difference(want, fn(*ours_args, **ours_kwargs))
        if check in ("backward", "double backward"):
            return _backward(op, fn, args, ours_args, sample.kwargs, ours_kwargs, rng,
                             torch, ours, twice=check == "double backward")
        if check == "jvp":
            return _jvp(op, fn, args, ours_args, sample.kwargs, ours_kwargs, rng, torch, ours)
        return _vmap(op, fn, args, ours_args, sample.kwargs, ours_kwargs, torch, ours)
    except TorchRefuses:
        raise
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return f"raises {type(error).__name__}: {str(error)[:200]}"


def _backward(op: Any, fn: Any, args: tuple, ours_args: tuple, kwargs: dict,
              ours_kwargs: dict, rng: np.random.Generator, torch: Any, ours: _Ours,
              twice: bool) -> str | None:
    inputs = [a for a in args if getattr(a, "requires_grad", False)]
    ours_inputs = [a for a in ours_args if getattr(a, "requires_grad", False)]
    outputs = _float_outputs(_tensors(_torch(op.op, *args, **kwargs)))
    cotangents = [rng.standard_normal(tuple(o.shape)) for o in outputs]
    grads = _torch(torch.autograd.grad, outputs, inputs,
                   [torch.tensor(c) for c in cotangents], allow_unused=True, create_graph=twice)
    with ours:
        ours_outputs = _float_outputs(_tensors(fn(*ours_args, **ours_kwargs)))
        if len(ours_outputs) != len(outputs):
            return f"{len(ours_outputs)} differentiable outputs, torch {len(outputs)}"
        ours_grads = tg.autograd.grad(ours_outputs, ours_inputs,
                                      [tg.tensor(c) for c in cotangents], allow_unused=True,
                                      create_graph=twice)
    if not twice:
        return _differences(grads, ours_grads, "gradient")
    weights = [rng.standard_normal(tuple(g.shape)) for g in grads if g is not None]
    picked = [(g, h) for g, h in zip(grads, ours_grads, strict=True)
              if g is not None and g.requires_grad]
    if not picked:
        return None
    total = sum((g * torch.tensor(w)).sum() for (g, _), w in zip(picked, weights, strict=False))
    second = _torch(torch.autograd.grad, total, inputs, allow_unused=True)
    with ours:
        ours_total = sum((h * tg.tensor(w)).sum() for (_, h), w in zip(picked, weights,
                                                                       strict=False))
        ours_second = tg.autograd.grad(ours_total, ours_inputs, allow_unused=True)
    return _differences(second, ours_second, "second-order gradient")


def _differences(want: Any, have: Any, what: str) -> str | None:
    for k, (w, h) in enumerate(zip(want, have, strict=True)):
        if w is None or h is None:
            if (w is None) != (h is None):
                return f"{what} {k}: {h!r:.40}, torch {w!r:.40}"
            continue
        if (why := difference(w, h)) is not None:
            return f"{what} {k}: {why}"
    return None


def _jvp(op: Any, fn: Any, args: tuple, ours_args: tuple, kwargs: dict, ours_kwargs: dict,
         rng: np.random.Generator, torch: Any, ours: _Ours) -> str | None:
    at = [k for k, a in enumerate(args) if getattr(a, "requires_grad", False)]
    tangents = [rng.standard_normal(tuple(args[k].shape)) for k in at]

    def call(module: Any, function: Any, all_args: tuple, kw: dict) -> Any:
        def f(*primals: Any) -> Any:
            full = list(all_args)
            for k, p in zip(at, primals, strict=True):
                full[k] = p
            return tuple(_float_outputs_of(function(*full, **kw), module))
        return f

    torch_primals = tuple(args[k].detach() for k in at)
    _, want = _torch(torch.func.jvp, call(torch, op.op, args, kwargs), torch_primals,
                     tuple(torch.tensor(t) for t in tangents))
    ours_primals = tuple(ours_args[k].detach() for k in at)
    with ours:
        _, have = tg.jvp(call(tg, fn, ours_args, ours_kwargs), ours_primals,
                         tuple(tg.tensor(t) for t in tangents))
    return difference(tuple(want), tuple(_tensors(have)))


def _float_outputs_of(result: Any, module: Any) -> list[Any]:
    return [o for o in _tensors(result) if str(o.dtype).endswith(("float64", "float32"))]


def _vmap(op: Any, fn: Any, args: tuple, ours_args: tuple, kwargs: dict, ours_kwargs: dict,
          torch: Any, ours: _Ours) -> str | None:
    batched = torch.stack([args[0].detach(), args[0].detach() * 0.5 + 0.25])
    in_dims = (0, *([None] * (len(args) - 1)))
    want = _torch(torch.func.vmap(op.op, in_dims=in_dims), batched, *args[1:], **kwargs)
    with ours:
        have = tg.func.vmap(fn, in_dims=in_dims)(tg.tensor(batched.numpy()), *ours_args[1:],
                                                 **ours_kwargs)
    return difference(want, have)
