"""Memory of one batch-norm fwd+bwd: the bytes the graph keeps alive for backward and the
tracemalloc peak, fused vs composite (and PyTorch's saved tensors)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Sequence
from types import ModuleType
from typing import Any

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn.tensor import topological_order

from .measure import DTYPE, TG, TORCH


def graph_saved_bytes(output: tg.Tensor, exclude: Sequence[np.ndarray] = ()) -> int:
    """Bytes of the distinct buffers the graph below `output` keeps alive for backward:
    every op's inputs, saved items and (if it uses it) output, views counted once by
    their base buffer, the buffers of `exclude` (the user's own arrays) not counted."""
    def root(a: np.ndarray) -> np.ndarray:
        while isinstance(a.base, np.ndarray):
            a = a.base
        return a

    seen = {id(root(a)) for a in (*exclude, output.data)}
    total = 0
    for tensor in topological_order([output]):
        ctx = tensor._ctx
        if ctx is None:
            continue
        held = [p.data for p in ctx.parents] + list(ctx.saved) + list(vars(ctx).values())
        if ctx.uses_output:
            held.append(ctx.output.data)
        for item in held:
            array = item.data if isinstance(item, tg.Tensor) else item
            if isinstance(array, np.ndarray) and id(root(array)) not in seen:
                seen.add(id(root(array)))
                total += root(array).nbytes
    return total


def bn_memory(shape: tuple[int, ...], torch: ModuleType | None) -> dict[str, Any]:
    """Saved bytes (beyond the inputs) and tracemalloc peak of one BN2d fwd+bwd per impl."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal(shape).astype(DTYPE)
    up = rng.standard_normal(shape).astype(DTYPE)
    channels = shape[1]
    report: dict[str, Any] = {"shape": list(shape), "input_bytes": x.nbytes}
    for impl in ("fused", "composite"):
        xt = tg.Tensor(x, requires_grad=True)
        wt = tg.Tensor(np.ones(channels, DTYPE), requires_grad=True)
        bt = tg.Tensor(np.zeros(channels, DTYPE), requires_grad=True)
        rm, rv = np.zeros(channels, DTYPE), np.ones(channels, DTYPE)
        gt = tg.Tensor(up)
        out = F.batch_norm(xt, rm, rv, wt, bt, training=True, impl=impl)
        saved = graph_saved_bytes(out, exclude=[x, wt.data, bt.data, rm, rv])
        with_inputs = graph_saved_bytes(out)
        del out
        tracemalloc.start()
        try:
            base = tracemalloc.get_traced_memory()[0]
            F.batch_norm(xt, rm, rv, wt, bt, training=True, impl=impl).backward(gt)
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
        report[f"{TG} {impl}"] = {"saved_bytes": saved, "saved_bytes_with_inputs": with_inputs,
                                  "peak_bytes": peak}
    if torch is not None:
        held: dict[int, int] = {}
        xq = torch.tensor(x, requires_grad=True)
        wq = torch.ones(channels, requires_grad=True)
        bq = torch.zeros(channels, requires_grad=True)
        inputs = {xq.data_ptr(), wq.data_ptr(), bq.data_ptr()}

        def pack(t: Any) -> Any:
            if t.data_ptr() not in inputs:
                held[t.data_ptr()] = t.untyped_storage().nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            torch.nn.functional.batch_norm(xq, torch.zeros(channels), torch.ones(channels),
                                           wq, bq, training=True).backward(torch.from_numpy(up))
        report[TORCH] = {"saved_bytes": sum(held.values())}
    return report

