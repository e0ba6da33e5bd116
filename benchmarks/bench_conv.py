"""conv2d fwd + bwd at the small CNN's shapes: tinygrad_bn vs hand-written NumPy vs PyTorch.

Two layers of the suite's small CNN, float32, 3x3 kernels, stride 1, padding 1:

- conv1: x (64, 1, 28, 28), 16 filters; the input needs no gradient (dW, db only);
- conv2: x (64, 16, 14, 14), 32 filters; dx, dW and db.

Each is timed forward only and forward + backward (a fixed upstream gradient; leaf
gradients reset before each call). The NumPy reference is the suite's hand-written
im2col bound (tinygrad_bn/benchmarking/bound.py: one (N*H*W, C*9) GEMM forward, col2im by
nine slice-adds backward); PyTorch CPU eager is timed when `torch` is importable.
Measurement is the suite's: interleaved blocks, median per call, a pause between
frameworks (their BLAS threads interfere on 2 cores). Before timing, the three
implementations are checked to agree.

Usage: python benchmarks/bench_conv.py [--rounds 7] [--no-torch]
The machine may be shared: medians move by tens of percent between runs.
"""

from __future__ import annotations

import argparse
from types import ModuleType
from typing import Any

import numpy as np

import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor
from tinygrad_bn.benchmarking import (
    NP,
    ONE,
    TG,
    TORCH,
    Impl,
    Settings,
    Switcher,
    Workload,
    check_agreement,
    import_torch,
    measure,
)
from tinygrad_bn.benchmarking.bound import conv3x3, conv3x3_backward

LAYERS = {"conv1": ((64, 1, 28, 28), 16), "conv2": ((64, 16, 14, 14), 32)}


def conv_workload(name: str, x_shape: tuple[int, ...], filters: int, backward: bool,
                  torch: ModuleType | None) -> Workload:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal((filters, x_shape[1], 3, 3), dtype=np.float32) * 0.1
    b = rng.standard_normal(filters, dtype=np.float32)
    up = rng.standard_normal((x_shape[0], filters) + x_shape[2:], dtype=np.float32)
    need_dx = x_shape[1] > 1  # the network's input (one channel) needs no gradient

    xt, wt, bt = Tensor(x, requires_grad=need_dx), Tensor(w, requires_grad=True), \
        Tensor(b, requires_grad=True)

    def tg_step(_: None) -> Any:
        xt.grad = wt.grad = bt.grad = None
        y = F.conv2d(xt, wt, bt, padding=1)
        if not backward:
            return y
        y.backward(up)
        return wt.grad

    def np_step(_: None) -> Any:
        y, cols = conv3x3(x, w, b)
        if not backward:
            return y
        return conv3x3_backward(up, w, cols, x.shape, need_dx)[1]

    impls = [Impl(TG, NP, tg_step), Impl(NP, NP, np_step)]
    if torch is not None:
        xq = torch.from_numpy(x).requires_grad_(need_dx)
        wq, bq = (torch.from_numpy(a.copy()).requires_grad_() for a in (w, b))
        uq = torch.from_numpy(up)

        def torch_step(_: None) -> Any:
            xq.grad = wq.grad = bq.grad = None
            y = torch.nn.functional.conv2d(xq, wq, bq, padding=1)
            if not backward:
                return y
            y.backward(uq)
            return wq.grad

        impls.append(Impl(TORCH, TORCH, torch_step))
    label = f"{name} {x_shape} x {filters} 3x3 {'fwd+bwd' if backward else 'fwd'}"
    return Workload("conv", label, impls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=Settings.rounds)
    parser.add_argument("--no-torch", action="store_true")
    args = parser.parse_args()
    torch = import_torch(not args.no_torch)
    settings = Settings(rounds=args.rounds)
    switcher = Switcher(settings.pause)
    print("| workload | tinygrad_bn | NumPy im2col | PyTorch | tg / NumPy | tg / PyTorch |")
    print("|---|---|---|---|---|---|")
    for name, (x_shape, filters) in LAYERS.items():
        for backward in (False, True):
            workload = conv_workload(name, x_shape, filters, backward, torch)
            diff = check_agreement(workload)
            if diff > 1e-4:
                raise SystemExit(f"{workload.name}: implementations disagree (rel diff {diff:.2g})")
            measured = measure(workload, settings, switcher)[ONE]
            times = {k: v["median_s"] for k, v in measured.items()}
            ms = [f"{times[k] * 1e3:.3f} ms" if k in times else "-" for k in (TG, NP, TORCH)]
            ratios = [f"{times[TG] / times[k]:.2f}x" if k in times else "-" for k in (NP, TORCH)]
            print(f"| {workload.name} | " + " | ".join(ms + ratios) + " |", flush=True)


if __name__ == "__main__":
    main()
