"""What every experiment shares: data, models, lockstep training with timing, records.

Timing on a shared machine: models that are compared are trained in lockstep
(one step of each in turn, on their own batches), every step is timed with
`time.perf_counter`, and speeds are reported from the *median* step time. A
burst of load from another process then hits every model alike and moves the
median little, which makes ratios such as "BN cost per batch" meaningful.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, nn, no_grad
from ..data import DataLoader, load_mnist
from ..errors import ArgumentError
from ..nn import functional as F
from ..nn import init
from ..optim import SGD, Optimizer

Batch = tuple[np.ndarray, np.ndarray]
NORMS = ("batch", "layer", "group")
ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


# ---------------------------------------------------------------- data


DEFAULT_DATA_DIR = Path("~/.cache/tinygrad_bn/mnist").expanduser()
_data_dir: contextvars.ContextVar[Path | None] = contextvars.ContextVar("data_dir", default=None)


@contextlib.contextmanager
def data_source(data_dir: Path | None) -> Iterator[None]:
    """Inside the block `mnist()` gives the full MNIST from `data_dir` (downloaded there
    if missing); None keeps the embedded subset. A context variable: threads don't mix."""
    token = _data_dir.set(data_dir)
    try:
        yield
    finally:
        _data_dir.reset(token)


def mnist() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """x_train, y_train, x_test, y_test (images flattened, in [0, 1]): the embedded subset
    (4,000 + 1,000), or the full MNIST (60,000 + 10,000) inside `data_source(DIR)`."""
    data_dir = _data_dir.get()
    return load_mnist() if data_dir is None else load_mnist(data_dir, download=True)


def sizes_text(data: tuple[np.ndarray, ...]) -> str:
    """'4,000 train / 1,000 test': the sizes of the (x_train, y_train, x_test, y_test) in use,
    for titles and messages (the embedded subset or the full MNIST)."""
    return f"{len(data[0]):,} train / {len(data[2]):,} test"


def random_batches(x: np.ndarray, y: np.ndarray, batch_size: int,
                   seed: int | Sequence[int]) -> Iterator[Batch]:
    """Endless batches of indices drawn uniformly with replacement (as `np.random.choice`),
    from `np.random.default_rng(seed)`."""
    rng = np.random.default_rng(seed)
    while True:
        idx = rng.integers(0, len(x), batch_size)
        yield x[idx], y[idx]


def epoch_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int) -> Iterator[Batch]:
    """Endless shuffled epochs of full batches (a fresh permutation per epoch)."""
    loader = DataLoader((x, y), batch_size=batch_size, shuffle=True, drop_last=True, seed=seed)
    while True:
        yield from loader


def sorted_batches(x: np.ndarray, y: np.ndarray, batch_size: int) -> Iterator[Batch]:
    """Endless epochs in class order (all 0s, then all 1s, ...): each batch sees one or
    two classes, the worst case for batch statistics."""
    order = np.argsort(y, kind="stable")
    loader = DataLoader((x[order], y[order]), batch_size=batch_size, drop_last=True)
    while True:
        yield from loader


# ---------------------------------------------------------------- models


def norm_layer(norm: str, features: int, impl: str = "fused", eps: float = 1e-5,
               groups: int = 4, momentum: float = 0.1) -> nn.Module:
    """A normalization layer over `features` channels: BatchNorm1d (with `impl` and
    `momentum`), LayerNorm or GroupNorm."""
    if norm == "batch":
        return nn.BatchNorm1d(features, eps=eps, momentum=momentum, impl=impl)
    if norm == "layer":
        return nn.LayerNorm(features, eps=eps)
    if norm == "group":
        return nn.GroupNorm(groups, features, eps=eps)
    raise ArgumentError(f"norm_layer: norm must be one of {NORMS}, got {norm!r}")


def mlp(sizes: Sequence[int], activation: str = "relu", norm: str | None = None,
        impl: str = "fused", eps: float = 1e-5, momentum: float = 0.1) -> nn.Sequential:
    """Linear -> [norm] -> activation for every hidden layer, then a Linear output layer
    (the sources' placement: the normalization sits before the nonlinearity)."""
    if activation not in ACTIVATIONS:
        raise ArgumentError(f"mlp: activation must be one of {sorted(ACTIVATIONS)}, "
                            f"got {activation!r}")
    layers: list[nn.Module] = []
    for fan_in, fan_out in zip(sizes[:-2], sizes[1:-1]):
        layers.append(nn.Linear(fan_in, fan_out))
        if norm is not None:
            layers.append(norm_layer(norm, fan_out, impl=impl, eps=eps, momentum=momentum))
        layers.append(ACTIVATIONS[activation]())
    layers.append(nn.Linear(sizes[-2], sizes[-1]))
    return nn.Sequential(*layers)


def init_normal(model: nn.Module, std: float, rng: np.random.Generator) -> nn.Module:
    """Weights of every Linear and Conv2d from N(0, std^2), their biases 0 (the sources'
    initialization; norm layers keep gamma = 1, beta = 0)."""
    for module in model.modules():
        if isinstance(module, nn.Linear | nn.Conv2d):
            init.normal_(module.weight, 0.0, std, generator=rng)
            if module.bias is not None:
                init.zeros_(module.bias)
    return model


def copy_weights(source: nn.Module, target: nn.Module) -> None:
    """Give the k-th Linear/Conv2d of `target` the weights of the k-th Linear/Conv2d of
    `source`, so that models with and without norm layers start from the same draws."""
    kinds = nn.Linear | nn.Conv2d
    pairs = list(zip([m for m in source.modules() if isinstance(m, kinds)],
                     [m for m in target.modules() if isinstance(m, kinds)], strict=True))
    for src, dst in pairs:
        dst.weight.data[...] = src.weight.data
        if src.bias is not None and dst.bias is not None:
            dst.bias.data[...] = src.bias.data


def bn_copy(plain: nn.Module, sizes: Sequence[int], **kwargs: Any) -> nn.Sequential:
    """`mlp(sizes, norm="batch", **kwargs)` starting from the weights of `plain`, an MLP of
    the same sizes (see `copy_weights`)."""
    model = mlp(sizes, norm="batch", **kwargs)
    copy_weights(plain, model)
    return model


# ---------------------------------------------------------------- training


def train_step(model: nn.Module, optimizer: Optimizer, x: np.ndarray, y: np.ndarray) -> float:
    """One SGD step on the mean cross-entropy of a batch; returns the loss."""
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)  # an array: a constant of the model's dtype
    loss.backward()
    optimizer.step()
    return float(loss.item())


def _fraction_correct(model: nn.Module, x: np.ndarray, y: np.ndarray, batch_size: int) -> float:
    correct = 0
    with no_grad():
        for start in range(0, len(x), batch_size):
            logits = model(x[start:start + batch_size]).data
            correct += int((logits.argmax(axis=1) == y[start:start + batch_size]).sum())
    return correct / len(x)


def accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray, batch_size: int = 1000) -> float:
    """Fraction of correct argmax predictions in eval mode (batch norm uses its running
    statistics); the model's mode is restored afterwards."""
    was_training = model.training
    model.eval()
    result = _fraction_correct(model, x, y, batch_size)
    model.train(was_training)
    return result


def batch_stat_accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray,
                        batch_size: int) -> float:
    """Accuracy in train mode: each batch of `batch_size` is normalized with its own
    statistics, as during training (a last partial batch is dropped). The running
    statistics are restored afterwards."""
    saved = [(b, b.copy()) for b in model.buffers() if b is not None]
    was_training = model.training
    model.train()
    usable = len(x) // batch_size * batch_size
    result = _fraction_correct(model, x[:usable], y[:usable], batch_size)
    for live, copy in saved:
        live[...] = copy
    model.train(was_training)
    return result


@dataclass
class Run:
    """One model being trained: its optimizer, its stream of batches, and what happened."""

    name: str
    model: nn.Module
    optimizer: Optimizer
    batches: Iterator[Batch]
    losses: list[float] = field(default_factory=list)
    step_times: list[float] = field(default_factory=list)
    evals: dict[str, list[float]] = field(default_factory=dict)

    def record(self, metrics: dict[str, float]) -> None:
        for key, value in metrics.items():
            self.evals.setdefault(key, []).append(value)

    def steps_per_s(self) -> float:
        """1 / median step time (forward, backward and update; no data or evaluation)."""
        return 1.0 / float(np.median(self.step_times)) if self.step_times else math.nan

    def summary(self) -> dict[str, Any]:
        return {"losses": self.losses, "evals": self.evals,
                "median_step_s": float(np.median(self.step_times)) if self.step_times
                else None, "steps_per_s": self.steps_per_s(),
                "total_train_s": float(np.sum(self.step_times))}


def sgd_runs(models: dict[str, nn.Module], lr: float,
             batches: Callable[[], Iterator[Batch]]) -> list[Run]:
    """A Run per named model, in order, each with its own `SGD(lr)` and its own stream
    `batches()`: streams made from one seed give every model the same batches."""
    return [Run(name, model, SGD(model.parameters(), lr=lr), batches())
            for name, model in models.items()]


def bn_cost_per_batch(result: dict[str, Any]) -> float:
    """Median step time of the "bn" summary in `result` over that of the "plain" one."""
    return result["bn"]["median_step_s"] / result["plain"]["median_step_s"]


def accuracy_on(x: np.ndarray, y: np.ndarray) -> Callable[[Run], dict[str, float]]:
    """An `evaluate` for `train_lockstep`: {"test_acc": eval-mode accuracy on (x, y)}."""
    return lambda run: {"test_acc": accuracy(run.model, x, y)}


def train_lockstep(runs: Sequence[Run], steps: int, progress: Progress | None = None,
                   evaluate: Callable[[Run], dict[str, float]] | None = None,
                   eval_every: int = 0) -> list[int]:
    """Train every run for `steps` steps, one step of each in turn. With `evaluate`, each
    run is also evaluated at step 0, every `eval_every` steps and at the end; returns the
    evaluated steps."""
    evaluated: list[int] = []

    def evaluate_all(step: int) -> None:
        evaluated.append(step)
        for run in runs:
            run.record(evaluate(run))
        if progress is not None:  # the first metric of each run, after the bar
            progress.show({run.name: next(iter(run.evals.values()))[-1] for run in runs})

    if evaluate is not None:
        evaluate_all(0)
    for step in range(1, steps + 1):
        for run in runs:
            x, y = next(run.batches)
            start = time.perf_counter()
            loss = train_step(run.model, run.optimizer, x, y)
            run.step_times.append(time.perf_counter() - start)
            run.losses.append(loss)
        if evaluate is not None and (step % eval_every == 0 or step == steps):
            evaluate_all(step)
        if progress is not None:
            progress.update(1)
    return evaluated


# ---------------------------------------------------------------- progress


class Progress:
    """A live tqdm bar when `enabled`, tqdm is installed and stderr is a terminal; otherwise
    silent, so that piped output and logs hold no carriage-return fragments."""

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self._bar = None
        if enabled and sys.stderr.isatty():
            try:
                from tqdm import tqdm
            except ImportError:
                print("(install tqdm for a progress bar: pip install tqdm)", file=sys.stderr)
            else:
                self._bar = tqdm(total=total, desc=desc, unit="step", leave=True,
                                 dynamic_ncols=True, mininterval=0.5)

    def update(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def show(self, values: dict[str, float]) -> None:
        """Numbers shown after the bar (e.g. each model's latest accuracy)."""
        if self._bar is not None:
            self._bar.set_postfix({k: f"{v:.3f}" for k, v in values.items()}, refresh=False)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


# ---------------------------------------------------------------- records


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with one BLAS thread if threadpoolctl is installed.

    The matrices here are small (batch x 100s): a second BLAS thread gains
    little, and on a loaded 2-core machine its spin-waiting made a step up to
    10x slower and the timings erratic. Without threadpoolctl nothing changes
    (set OPENBLAS_NUM_THREADS=1 before starting Python to the same effect).
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def blas_threads() -> int | None:
    """BLAS threads in use now (None when threadpoolctl cannot tell)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return None
    counts = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    return max(counts) if counts else None


def versions() -> dict[str, Any]:
    """Software and machine: what a reader needs to judge the timings."""
    info = {"tinygrad_bn": __version__, "numpy": np.__version__,
            "python": platform.python_version(), "platform": platform.platform(),
            "cpu_count": os.cpu_count(), "blas_threads": blas_threads()}
    if hasattr(os, "getloadavg"):
        info["load_average_1m"] = os.getloadavg()[0]  # the machine may be shared
    return info


def _jsonable(value: Any) -> Any:
    """Plain JSON values: NumPy scalars and arrays to Python, NaN/inf to null, Paths to str."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_record(out: Path, name: str, record: dict[str, Any]) -> Path:
    """Write `record` (plus versions) as `out/<name>.json`; returns the path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.json"
    payload = {"experiment": name, **record, "versions": versions()}
    path.write_text(json.dumps(_jsonable(payload), indent=1) + "\n")
    return path


# ---------------------------------------------------------------- result tables

SUMMARY_KEYS = ("summary", "final_train_acc", "results")  # where each record keeps its result


def _table_rows(value: Any, label: str) -> list[tuple[str, dict[str, Any]]]:
    """(row label, {column: scalar}) for every dict of scalars inside `value`, labelled by
    the keys (or list positions) that lead to it."""
    if isinstance(value, list):
        return [row for i, item in enumerate(value)
                for row in _table_rows(item, f"{label} {i}".strip())]
    if not isinstance(value, dict):
        return []
    scalars = {k: v for k, v in value.items()
               if v is None or isinstance(v, (bool, int, float, str))}
    rows = [(label, scalars)] if scalars else []
    for key, item in value.items():
        if key not in scalars:
            rows += _table_rows(item, f"{label} {key}".strip())
    return rows


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "-" if value is None else str(value)


def _text_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    columns = list(dict.fromkeys(c for _, row in rows for c in row))
    table = [["", *columns]] + [[label, *(_cell(row.get(c)) for c in columns)]
                                for label, row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(cell.rjust(w) if i else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(line, widths))).rstrip()
                     for line in table)


def result_table(record: dict[str, Any]) -> str:
    """The record's result (its `summary`, or what stands for it) as text tables: one row
    per group of numbers, one column per quantity; rows with other quantities start a new
    table."""
    key = next((k for k in SUMMARY_KEYS if k in record), None)
    rows = _table_rows(record[key], "") if key is not None else []
    if not rows:
        return "(no summary in the record)"
    blocks: list[list[tuple[str, dict[str, Any]]]] = []
    for row in rows:
        if blocks and list(blocks[-1][-1][1]) == list(row[1]):
            blocks[-1].append(row)
        else:
            blocks.append([row])
    return "\n\n".join(_text_table(block) for block in blocks)
