"""Profile a training step with composite and with fused batch norm (tg.profiler).

    python examples/profile_bn.py [OUT_DIR]

The MLP 784-100-100-100-10 with BatchNorm1d after each hidden Linear, batch 60, SGD: a few
warm-up steps, then 20 profiled steps per implementation. Prints PyTorch-style tables (the
ops that take the most time of their own, the bytes each keeps for backward) and writes a
Chrome trace per implementation into OUT_DIR (default: the current directory), to open
in Perfetto (ui.perfetto.dev) or chrome://tracing.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn

STEPS = int(os.environ.get("TINYGRAD_BN_EXAMPLE_STEPS", "20"))


def mlp(impl: str) -> nn.Sequential:
    tg.manual_seed(0)
    layers: list[nn.Module] = []
    for a, b in ((784, 100), (100, 100), (100, 100)):
        layers += [nn.Linear(a, b), nn.BatchNorm1d(b, impl=impl), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(100, 10))


def main(out: Path) -> None:
    rng = np.random.default_rng(0)
    x, y = Tensor(rng.random((60, 784), dtype=np.float32)), rng.integers(0, 10, 60)
    out.mkdir(parents=True, exist_ok=True)
    totals = {}
    for impl in ("composite", "fused"):
        model = mlp(impl)
        optimizer = tg.optim.SGD(model.parameters(), lr=0.01)

        def step(model=model, optimizer=optimizer) -> None:
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()

        for _ in range(3):  # warm-up: first calls allocate
            step()
        with tg.profiler.profile(profile_memory=True) as prof:
            for _ in range(STEPS):
                with tg.profiler.record_function("train step"):
                    step()
        rows = prof.key_averages()
        totals[impl] = next(r for r in rows if r.key == "train step").cpu_time_total / STEPS
        print(f"{impl} batch norm, {STEPS} steps:")
        print(rows.table(sort_by="self_cpu_time_total", row_limit=8))
        print(f"chrome trace: {prof.export_chrome_trace(out / f'profile-{impl}.json')}\n")
    print(f"per step: composite {totals['composite'] / 1e3:.2f} ms, fused "
          f"{totals['fused'] / 1e3:.2f} ms ({totals['composite'] / totals['fused']:.2f}x)")
    print("profiled: composite and fused batch norm")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("."))
