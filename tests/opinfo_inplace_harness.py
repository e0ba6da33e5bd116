"""PyTorch's operator database (OpInfo) through its in-place variants, differentiated: an
entry's in-place op (`x.add_(y)`, `F.relu(x, inplace=True)`) is applied to a tensor in the
graph (the sample's input times 1, as PyTorch's test_inplace_grad does), and the result's
values and the gradient of <result, v> with respect to every tensor of the sample that
requires grad are compared with torch's. An in-place write moves the tensor to a new node
of the graph, and whatever a node saved must survive it (cumprod_ of a 0-d tensor did
not), which the out-of-place sweep (tests/opinfo_grad_harness.py) does not reach.

Left out, as PyTorch's own test leaves them out: samples whose input is broadcast to the
other operands' shape (an in-place op cannot grow its tensor) and samples that draw.
"""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Callable
from typing import Any

import tinygrad_bn as tg
from tests.opinfo_grad_harness import _call, _compare_grads, _draws, _leaves, _random
from tests.opinfo_harness import Unconvertible, _describe, difference, to_tg


def inplace_counterpart(op: Any, torch: Any) -> Callable[..., Any] | None:
    """Our counterpart of an entry's in-place variant, or None: a Tensor method of the same
    name, an OpInfo wrapper run with tinygrad_bn as its torch, or our nn.functional
    function with the same bound arguments (inplace=True)."""
    variant = op.inplace_variant
    if variant is None:
        return None
    if inspect.isfunction(variant) and (variant.__module__ or "").startswith("torch.testing"):
        return lambda *args, **kwargs: _call(variant, *args, **kwargs)
    if isinstance(variant, functools.partial):
        try:
            return functools.partial(to_tg(variant.func, torch), *variant.args,
                                     **variant.keywords)
        except Unconvertible:
            return None
    name = getattr(variant, "__name__", "")
    if name and hasattr(tg.Tensor, name):
        return lambda x, *args, **kwargs: getattr(x, name)(*args, **kwargs)
    return None


def check_entry_inplace_grads(op: Any, torch: Any, samples: int) -> tuple[int, str | None]:
    """(samples compared, the first difference) of an entry's in-place variant on its first
    `samples` float64 samples."""
    function = inplace_counterpart(op, torch)
    if function is None or not op.supports_autograd or \
            torch.float64 not in op.supported_backward_dtypes("cpu"):
        return 0, None
    try:
        chosen = list(itertools.islice(  # only the samples compared are drawn
            (s for s in op.sample_inputs("cpu", torch.float64, requires_grad=True)
             if not s.broadcasts_input and not _random(op, s)
             and isinstance(s.input, torch.Tensor) and s.input.dtype == torch.float64),
            samples))
    except Exception:  # noqa: BLE001 (torch's own generator failing is not ours)
        return 0, None
    compared = 0
    for index, sample in enumerate(chosen):
        try:
            args, kwargs, leaves = _leaves(torch, sample)
            expected = op.inplace_variant(sample.input * 1.0, *sample.args, **sample.kwargs)
            (v,) = _draws(index, [expected])
            want = torch.autograd.grad(expected, [t for t, _ in leaves], torch.from_numpy(v),
                                       allow_unused=True)
        except Exception:  # noqa: BLE001, S112 (a sample torch refuses is no case)
            continue
        try:
            got = function(args[0] * 1.0, *args[1:], **kwargs)
            why = difference(expected.detach(), got.detach() if isinstance(got, tg.Tensor)
                             else got)
            if why is None:
                have = tg.autograd.grad(got, [m for _, m in leaves], tg.tensor(v),
                                        allow_unused=True)
                why = _compare_grads(torch, leaves, want, have, "gradient")
        except Exception as error:  # noqa: BLE001 (the difference we report)
            why = f"raises {type(error).__name__}: {str(error)[:160]}"
        if why is not None:
            return compared, f"{why} on sample {index} {_describe(sample)}"
        compared += 1
    return compared, None
