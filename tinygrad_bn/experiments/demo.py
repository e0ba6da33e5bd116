"""`tinygrad-bn demo`: the seed-B MLP on the embedded MNIST, with and without batch norm.

Trains the two ReLU models of experiment B (`mlp.py`) in lockstep, prints a
table (test accuracy, steps/s, BN cost per batch), and writes into the output
directory: the accuracy-vs-iteration figure, the graphs of one BN layer
built from primitive ops and as the fused op, and a JSON of config + results.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .. import graph_examples
from ..errors import DependencyError
from .common import Progress, mnist, sizes_text, write_record
from .mlp import accuracy_axes, bn_vs_plain
from .mlp import config as mlp_config
from .plotting import pyplot, save

NAME = "demo"


def config(quick: bool) -> dict[str, Any]:
    cfg = mlp_config(quick)
    cfg.update(activations=["relu"], steps=60 if quick else 2500,
               eval_every=20 if quick else 50)
    return cfg


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = True) -> list[Path]:
    cfg = config(quick)
    data = mnist()
    print(f"Training two MLPs {'-'.join(map(str, cfg['sizes']))} (ReLU) on {len(data[0]):,} MNIST "
          f"digits (tested on {len(data[2]):,}), "
          f"{cfg['steps']} steps of {cfg['batch_size']}, SGD lr {cfg['lr']}, weights "
          f"N(0, {cfg['init_std']}²): one with BatchNorm1d (fused), one without.")
    bar = Progress(cfg["steps"], "training", progress)
    result = bn_vs_plain(cfg, "relu", seed, data, bar)
    bar.close()
    print(table(result))
    files = [write_record(out, NAME, {"config": cfg, "seed": seed, "quick": quick,
                                      "result": result})]
    files += plot(result, out, sizes_text(data))
    files += graphs(out)
    return files


def table(result: dict[str, Any]) -> str:
    """The summary table: one row per model, then the BN cost per batch."""
    lines = [f"{'model':<16}{'test accuracy':>14}{'steps/s':>10}{'train time':>12}"
             f"{'step at 90%':>13}"]
    for key, text in (("bn", "batch norm"), ("plain", "no batch norm")):
        r = result[key]
        reached = r["first_step_at_target"]
        lines.append(f"{text:<16}{r['evals']['test_acc'][-1]:>14.3f}{r['steps_per_s']:>10.0f}"
                     f"{r['total_train_s']:>11.1f}s{'never' if reached is None else reached:>13}")
    lines.append(f"BN cost per batch: {result['bn_cost_per_batch']:.2f}x the time of a batch "
                 f"without BN (median step times; the article measured 1.9x)")
    return "\n".join(lines)


def plot(result: dict[str, Any], out: Path, sizes: str) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    accuracy_axes(ax, result, f"MLP 784-100-100-100-10 on MNIST ({sizes}), with and without "
                              f"batch norm")
    return [save(fig, out / "demo-accuracy.png")]


def graphs(out: Path) -> list[Path]:
    """One BN layer drawn twice: from primitive ops (composite) and as the fused op. Without
    Graphviz, the DOT sources (.gv) are still written and the reason is printed."""
    files = []
    for name in ("bn-composite", "bn-fused"):
        path = out / f"graph-{name}"
        try:
            files.append(Path(graph_examples.build(name).render(str(path), format="svg")))
        except DependencyError as error:
            print(f"note: {error}", file=sys.stderr)
            gv = path.with_suffix(".gv")
            if gv.exists():
                files.append(gv)
    return files
