"""PyTorch's operator database (OpInfo) as a differential test of gradients: for each entry
that supports autograd, its first float64 samples with requires_grad=True are
differentiated on torch and on tinygrad_bn, and the derivatives compared
(tests/opinfo_harness.py converts the samples, calls our counterpart and compares values).

Three checks per sample, each one PyTorch's own test suite makes (test_ops_gradients):
- reverse mode: the vector-Jacobian product, i.e. the gradient of sum_i <out_i, v_i>
  (v_i a fixed-seed normal draw per differentiable floating output) with respect to every
  tensor of the sample that requires grad;
- forward mode (entries with `supports_forward_ad`): the output tangents of the
  Jacobian-vector product with fixed-seed tangents u_j on those tensors, through
  tg.forward_ad's dual numbers; an op we have no jvp rule for (UnsupportedError) is
  counted apart, not as a difference;
- double backward (entries with `supports_gradgrad`): the gradient of sum_j <g_j, w_j>,
  g the reverse-mode gradients built with create_graph=True, w fixed-seed draws.

As PyTorch's tests do, the op is called through the entry's `gradcheck_wrapper` (a
Hermitian input is symmetrised, a triangular one masked, so that the derivative is that
of the structured function) and its output passed through the sample's
`output_process_fn_grad` (which keeps the differentiable part of the results, or makes
sign-ambiguous singular vectors comparable). A gradient PyTorch returns as None (an input
the outputs do not depend on) equals a zero gradient (torch.autograd.gradcheck reads it
so too); a floating output torch makes require grad must require grad on our side too,
else `backward` would raise where PyTorch's works.

Not compared, each with its reason where the code decides it: entries and samples that
draw random numbers (the draws differ, so do the derivatives: dropouts, svd_lowrank's
sketch of a matrix of higher rank); the forward mode of a max_unpool sample that writes
two inputs to one place; a mode PyTorch's own suite marks an expected failure for the
entry (torch's derivative is the wrong one there). A tangent that differs is not ours to
fix when torch's forward and reverse modes disagree with each other on the sample and ours
agrees with torch's reverse mode (torch's jvp formula loses precision there). Nothing is
compared with a looser tolerance: tests/opinfo_harness.py's `difference` decides.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import numpy as np

import tinygrad_bn as tg
from tests.opinfo_harness import (
    DRAWS,
    META_ONLY,
    Unconvertible,
    _describe,
    _partial_view,
    bound_to_tg,
    difference,
    entry_name,
    ours,
    to_tg,
)
from tinygrad_bn.errors import UnsupportedError

# random draws: the derivative of a dropout depends on its mask, which ours draws from
# another generator than torch's
RANDOM = META_ONLY
# the unittest names of PyTorch's three gradient tests, by mode: a mode an entry's own
# decorators mark as an expected failure (float64, CPU) is one where torch's derivative
# is known wrong (as_strided_scatter's gradient reaches the overwritten elements) or
# imprecise (cov's float32 aweights); a difference found there is not ours
TORCH_TESTS = {"grad": ("TestBwdGradients", "test_fn_grad"),
               "jvp": ("TestFwdGradients", "test_forward_mode_AD"),
               "gradgrad": ("TestBwdGradients", "test_fn_gradgrad")}


class Outcome(NamedTuple):
    """What one entry's gradient checks found: per mode the first difference (None:
    none), and how many samples each mode compared."""
    grad: str | None
    jvp: str | None
    gradgrad: str | None
    counts: tuple[int, int, int]
    no_jvp: str | None  # our op has no forward-mode rule (the error), or None


def _pairs(theirs: Any, mine: Any) -> Iterator[tuple[Any, Any]]:
    """(torch tensor, our tensor) at the same place of two structures to_tg made alike."""
    if type(theirs).__name__ == "Tensor" and hasattr(theirs, "requires_grad"):
        if isinstance(mine, tg.Tensor):
            yield theirs, mine
    elif isinstance(theirs, list | tuple) and isinstance(mine, list | tuple):
        for a, b in zip(theirs, mine, strict=False):
            yield from _pairs(a, b)
    elif isinstance(theirs, dict) and isinstance(mine, dict):
        for key, value in theirs.items():
            if key in mine:
                yield from _pairs(value, mine[key])


def _outputs(theirs: Any, mine: Any) -> list[tuple[Any, Any]]:
    """The (torch, ours) floating output pairs; ours None where the structures differ."""
    if type(theirs).__name__ == "Tensor":
        return [(theirs, mine if isinstance(mine, tg.Tensor) else None)]
    if isinstance(theirs, list | tuple):
        mine = mine if isinstance(mine, list | tuple) and len(mine) == len(theirs) else \
            [None] * len(theirs)
        return [pair for a, b in zip(theirs, mine, strict=True) for pair in _outputs(a, b)]
    return []


def _call(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """function(*args, **kwargs) with the OpInfo module's torch bound to tinygrad_bn when
    it is one of that module's wrappers (a gradcheck wrapper, an output post-process)."""
    module = getattr(function, "__module__", "") or ""
    if module.startswith("torch.testing") and hasattr(function, "__globals__"):
        with bound_to_tg(function):
            return function(*args, **kwargs)
    return function(*args, **kwargs)


def _run(mine: Any, op: Any, function: Callable[..., Any], sample: Any, args: tuple,
         kwargs: dict) -> Any:
    """The op through the entry's gradcheck wrapper and the sample's output process;
    with tinygrad_bn bound as the wrappers' torch when `mine` is set."""
    if mine is not None:
        out = _call(op.gradcheck_wrapper, function, *args, **kwargs)
        return _call(sample.output_process_fn_grad, out)
    return sample.output_process_fn_grad(op.gradcheck_wrapper(op.op, *args, **kwargs))


def _draws(seed: int, like: list[Any]) -> list[np.ndarray]:
    """Fixed-seed normal draws of the shapes and dtypes of the (torch) tensors `like`."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(tuple(t.shape)).astype(str(t.dtype).rsplit(".", 1)[-1])
            for t in like]


def _zeros_for_none(torch: Any, like: Any, value: Any) -> Any:
    """value, or zeros shaped like `like` for None and for PyTorch's ZeroTensor (its
    efficient zero, which has no array): both mean a zero derivative."""
    if value is None or value._is_zerotensor():
        return torch.zeros_like(like)
    return value.detach()


def _compare_grads(torch: Any, leaves: list[tuple[Any, Any]], expected: Any, got: Any,
                   what: str) -> str | None:
    """How our gradients (got, one per leaf) differ from torch's (None: zero)."""
    for k, ((t, m), want, have) in enumerate(zip(leaves, expected, got, strict=True)):
        want = _zeros_for_none(torch, t, want)
        have = tg.zeros_like(m) if have is None else have.detach()
        if (why := difference(want, have)) is not None:
            return f"{what} of input {k}: {why}{_worst(want, have)}"
    return None


def _worst(want: Any, have: Any) -> str:
    """' (max |ours - torch| e at index i, torch v)': the size of a values difference."""
    a, b = want.detach().numpy(), have.detach().numpy()
    if a.shape != b.shape or not a.size or a.dtype.kind != "f":
        return ""
    gap = np.abs(np.nan_to_num(a - b.astype(a.dtype), nan=np.inf))
    at = np.unravel_index(int(np.argmax(gap)), a.shape)
    return f" (max |ours - torch| {gap[at]:.3g} at {tuple(int(i) for i in at)}, " \
           f"torch {a[at]:.6g}, ours {b[at]:.6g})"


class _NoCase(Exception):
    """torch itself refuses the sample or its derivative: nothing to compare."""


def _leaves(torch: Any, sample: Any) -> tuple[tuple, dict, list[tuple[Any, Any]]]:
    """(our args, our kwargs, the (torch, ours) pairs of floating tensors requiring grad):
    a fresh copy each call, so no check sees another's graph or tangents."""
    copy = to_tg((sample.input, *sample.args, sample.kwargs), torch)
    args, kwargs = copy[:-1], copy[-1]
    pairs = [(t, m) for t, m in _pairs((sample.input, *sample.args, sample.kwargs), copy)
             if t.requires_grad and t.dtype.is_floating_point]
    return args, kwargs, pairs


def _torch_derivatives(torch: Any, op: Any, sample: Any, seed: int, second: bool
                       ) -> tuple[Any, list, list | None, list | None]:
    """torch's (output, v per differentiable output, gradients, second derivatives (None
    when not asked or torch has none)); _NoCase when torch refuses the first ones."""
    inputs = [t for t in _flat(torch, (sample.input, *sample.args, sample.kwargs))
              if t.requires_grad and t.dtype.is_floating_point]
    try:
        out = _run(None, op, op.op, sample, (sample.input, *sample.args), sample.kwargs)
        outs = [a for a, _ in _outputs(out, out) if a.requires_grad]
        if not outs or not inputs:
            raise _NoCase
        vs = _draws(seed, outs)
        grads = torch.autograd.grad(outs, inputs, [torch.from_numpy(v) for v in vs],
                                    allow_unused=True, create_graph=second)
    except Exception as error:
        raise _NoCase from error
    seconds = None
    live = [k for k, g in enumerate(grads) if g is not None and g.requires_grad]
    if second and live:
        ws = _draws(seed + 1, [grads[k] for k in live])
        try:
            seconds = list(torch.autograd.grad([grads[k] for k in live], inputs,
                                               [torch.from_numpy(w) for w in ws],
                                               allow_unused=True))
        except Exception:  # noqa: BLE001 (torch has no second derivative here)
            seconds = None
    elif second:
        seconds = [None] * len(inputs)  # every gradient is constant in the inputs
    return out, vs, list(grads), seconds


def _flat(torch: Any, value: Any) -> Iterator[Any]:
    """The torch tensors of a sample's structure, in _pairs' order."""
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _flat(torch, v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _flat(torch, v)


def _check_reverse(torch: Any, op: Any, function: Callable[..., Any], sample: Any,
                   seed: int, second: bool) -> tuple[str | None, str | None, bool]:
    """(the reverse-mode difference, the double-backward one, whether torch computed
    second derivatives) of one sample; _NoCase when torch has no derivative."""
    expected, vs, grads, seconds = _torch_derivatives(torch, op, sample, seed, second)
    args, kwargs, leaves = _leaves(torch, sample)
    try:
        got = _run(function, op, function, sample, args, kwargs)
        pairs = [(a, b) for a, b in _outputs(expected, got) if a.requires_grad]
        for k, (_, b) in enumerate(pairs):
            if b is None:
                return f"output {k} is missing", None, False
            if not b.requires_grad:
                return f"output {k} does not require grad (torch's does)", None, False
        mine = tg.autograd.grad([b for _, b in pairs], [m for _, m in leaves],
                                [tg.tensor(v.astype(b.dtype)) for v, (_, b) in
                                 zip(vs, pairs, strict=True)],
                                allow_unused=True, create_graph=seconds is not None)
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return f"raises {type(error).__name__}: {str(error)[:160]}", None, False
    if (why := _compare_grads(torch, leaves, grads, mine, "gradient")) is not None or \
            seconds is None:
        return why, None, False
    # double backward, d/dx <g(x), w>: a gradient of ours that does not require grad is
    # constant in x, so its part is zero (as torch's None)
    live = [k for k, g in enumerate(grads) if g is not None and g.requires_grad]
    ws = _draws(seed + 1, [grads[k] for k in live])
    taken = [(mine[k], w) for k, w in zip(live, ws, strict=True)
             if mine[k] is not None and mine[k].requires_grad]
    try:
        mine_seconds = tg.autograd.grad([g for g, _ in taken], [m for _, m in leaves],
                                        [tg.tensor(w) for _, w in taken],
                                        allow_unused=True) if taken else [None] * len(leaves)
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return None, f"raises {type(error).__name__}: {str(error)[:160]}", True
    return None, _compare_grads(torch, leaves, seconds, mine_seconds,
                                "second derivative"), True


def _check_forward(torch: Any, op: Any, function: Callable[..., Any], sample: Any,
                   seed: int) -> tuple[str | None, str | None]:
    """(the forward-mode difference, our missing jvp rule) of one sample; _NoCase when
    torch has no forward derivative of it."""
    import torch.autograd.forward_ad as fwad

    if _repeated_unpool_indices(op, sample):
        raise _NoCase
    inputs = [t for t in _flat(torch, (sample.input, *sample.args, sample.kwargs))
              if t.requires_grad and t.dtype.is_floating_point]
    us = _draws(seed + 2, inputs)
    duals: dict[int, Any] = {}

    def dual(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            return duals.get(id(value), value)
        if isinstance(value, list | tuple):
            return type(value)(dual(v) for v in value)
        if isinstance(value, dict):
            return {k: dual(v) for k, v in value.items()}
        return value
    with fwad.dual_level():
        duals.update({id(t): fwad.make_dual(t.detach(), torch.from_numpy(u))
                      for t, u in zip(inputs, us, strict=True)})
        try:
            expected = _run(None, op, op.op, sample, dual((sample.input, *sample.args)),
                            dual(sample.kwargs))
            want = [(a, fwad.unpack_dual(a).tangent)
                    for a, _ in _outputs(expected, expected) if a.dtype.is_floating_point]
        except Exception as error:
            raise _NoCase from error
    args, kwargs, leaves = _leaves(torch, sample)
    try:
        with tg.forward_ad.dual_level():
            for (_, m), u in zip(leaves, us, strict=True):
                tg.forward_ad.attach_tangent(m, u)
            got = _run(function, op, function, sample, args, kwargs)
            outs = [b for a, b in _outputs(expected, got) if a.dtype.is_floating_point]
            have = [None if b is None else tg.forward_ad.tangent_of(b) for b in outs]
    except UnsupportedError as error:
        if "jvp" in str(error) or "forward" in str(error):
            return None, str(error)[:160]
        return f"raises UnsupportedError: {str(error)[:160]}", None
    except Exception as error:  # noqa: BLE001 (the difference we report)
        return f"raises {type(error).__name__}: {str(error)[:160]}", None
    for k, ((a, w), b, h) in enumerate(zip(want, outs, have, strict=True)):
        if b is None:
            return f"output {k} is missing", None
        w = _zeros_for_none(torch, a, w)
        h = tg.zeros_like(b) if h is None else h.detach()
        if (why := difference(w, h)) is not None:
            if _torch_jvp_is_off(torch, op, sample, inputs, us, want, have, seed):
                return None, None
            return f"tangent of output {k}: {why}{_worst(w, h)}", None
    return None, None


def _torch_jvp_is_off(torch: Any, op: Any, sample: Any, inputs: list, us: list,
                      want: list, have: list, seed: int) -> bool:
    """Whether torch's forward mode is the inaccurate side: <v, J u> by torch's reverse
    mode (<J^T v, u>, another code path) agrees with ours to 1e-10 of its scale for three
    draws of v, and not with torch's own tangents (its jvp formula loses precision on a
    few samples: logcumsumexp's beside a 1e4 element, cholesky_inverse's near-singular
    factor, where ours agree with central differences too)."""
    out = _run(None, op, op.op, sample, (sample.input, *sample.args), sample.kwargs)
    outs = [a for a, _ in _outputs(out, out) if a.dtype.is_floating_point]
    if len(outs) != len(want) or not all(a.requires_grad for a in outs) or \
            any(h is not None and tuple(h.shape) != tuple(a.shape)
                for h, a in zip(have, outs, strict=True)):
        return False
    for draw in range(3):
        vs = _draws(seed + 10 + draw, outs)
        grads = torch.autograd.grad(outs, inputs, [torch.from_numpy(v) for v in vs],
                                    allow_unused=True, retain_graph=True)
        terms = [g.detach().numpy() * u for g, u in zip(grads, us, strict=True)
                 if g is not None]
        reverse = float(sum(t.sum() for t in terms))
        scale = float(sum(np.abs(t).sum() for t in terms)) or 1.0
        theirs = sum(float((_zeros_for_none(torch, a, w).numpy() * v).sum())
                     for (a, w), v in zip(want, vs, strict=True))
        mine = sum(float((h.numpy() * v).sum()) for h, v in
                   zip([None if h is None else h.detach() for h in have], vs, strict=True)
                   if h is not None)
        if abs(mine - reverse) > 1e-10 * scale or abs(theirs - reverse) <= 1e-10 * scale:
            return False
    return True


def _repeated_unpool_indices(op: Any, sample: Any) -> bool:
    """Whether a max_unpool sample writes two inputs to one place (overlapping pooling
    windows picked the same maximum twice): the values are equal, but which one's tangent
    the output takes is the write order's, and PyTorch's forward-mode kernel keeps the
    first write in one sample and the last in another (measured), so there is no tangent
    to compare with; the reverse mode, which gathers, is still compared."""
    if not op.name.startswith("nn.functional.max_unpool"):
        return False
    index = sample.args[0] if sample.args else sample.kwargs.get("indices")
    spatial = int(op.name[len("nn.functional.max_unpool")])  # 1d, 2d, 3d
    planes = index.reshape(-1, math.prod(index.shape[index.ndim - spatial:]))
    return any(len(set(plane.tolist())) < len(plane) for plane in planes)


def _random(op: Any, sample: Any) -> bool:
    """Whether the op draws random numbers on this sample (derivatives then differ)."""
    # svd_lowrank of a rank-q product less a full-rank M: A - M has more than q singular
    # values, so its rank-q result (and derivative) depends on the random sketch
    sketched = op.name == "svd_lowrank" and sample.kwargs.get("M") is not None
    return op.name in RANDOM or sketched or bool(sample.kwargs.get("dropout_p", 0)) or \
        DRAWS.get(op.name, lambda _: False)(sample)


def check_entry_grads(op: Any, torch: Any, samples: int, gradgrad_samples: int,
                      dtype: Any = None) -> Outcome:
    """The gradient checks of one OpInfo entry on its first `samples` samples of `dtype`
    (float64 by default; double backward on the first `gradgrad_samples` of them)."""
    dtype = torch.float64 if dtype is None else dtype
    name = entry_name(op)
    function = ours(op)
    found: dict[str, str | None] = {"grad": None, "jvp": None, "gradgrad": None}
    counts, no_jvp = [0, 0, 0], None
    if function is None or not op.supports_autograd or \
            dtype not in op.supported_backward_dtypes("cpu"):
        return Outcome(None, None, None, (0, 0, 0), None)
    try:
        chosen = []
        for sample in op.sample_inputs("cpu", dtype, requires_grad=True):
            if len(chosen) == samples:
                break
            if not _random(op, sample) and not (name.startswith("as_strided") and
                                                _partial_view(sample.input)):
                chosen.append(sample)
    except Exception:  # noqa: BLE001 (torch's own generator failing is not ours)
        chosen = []
    for index, sample in enumerate(chosen):
        where, seed = f" on sample {index} {_describe(sample)}", 1000 * index + 7
        second = op.supports_gradgrad and counts[2] < gradgrad_samples
        try:
            reverse, twice, compared_twice = _check_reverse(torch, op, function, sample,
                                                            seed, second)
        except (_NoCase, Unconvertible):
            continue
        counts[0] += reverse is None
        counts[2] += compared_twice
        found["grad"] = found["grad"] or (reverse and reverse + where)
        found["gradgrad"] = found["gradgrad"] or (twice and twice + where)
        if op.supports_forward_ad and no_jvp is None:
            try:
                forward, no_jvp = _check_forward(torch, op, function, sample, seed)
            except _NoCase:
                continue
            counts[1] += no_jvp is None and forward is None
            found["jvp"] = found["jvp"] or (forward and forward + where)
    for mode in found:
        if found[mode] is not None and _torch_expects_failure(op, dtype, mode):
            found[mode] = None
    return Outcome(found["grad"], found["jvp"], found["gradgrad"], tuple(counts), no_jvp)


def _torch_expects_failure(op: Any, dtype: Any, mode: str) -> bool:
    """Whether PyTorch's own suite marks this entry's `mode` test an expected failure (on
    the CPU, for dtype)."""
    import unittest

    cls_name, test_name = TORCH_TESTS[mode]
    return any(unittest.expectedFailure in getattr(info, "decorators", ()) and
               info.is_active(cls_name, test_name, "cpu", dtype, {})
               for info in op.decorators if hasattr(info, "is_active"))
