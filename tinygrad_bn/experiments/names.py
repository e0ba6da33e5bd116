"""Character-level language models of first names: an MLP in the style of Bengio et al.
(2003) and an LSTM, on the 1990 US Census first names shipped with the package.

Both predict the next character (27 symbols: a-z and '.', the end of a name) and are scored
by the cross-entropy in nats per character on held-out names (80/10/10 split, seeded).

- MLP: the previous block_size = 3 characters, each embedded in 10 dimensions (a shared
  table C), concatenated, a tanh layer of 200 units, a linear layer to 27 logits.
- LSTM: each character embedded in 16 dimensions, one LSTM layer of 64 units reading the
  name from its start symbol, a linear layer from each hidden state to 27 logits; names
  are padded and the padding is left out of the loss (ignore_index).

References for the loss: the uniform guess (log 27 = 3.30 nats) and the bigram model
(counts with add-one smoothing, fitted on the training names). Both networks train with
Adam at batch 32 for the same number of steps; the record keeps the curves, the final
validation and test losses, the steps per second and twenty sampled names from each.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import nn, optim
from ..data.names import (
    ALPHABET,
    END,
    context_windows,
    decode,
    load_names,
    padded_sequences,
    split_names,
)
from ..nn import functional as F
from ..tensor import Tensor, no_grad
from .common import Progress, write_record
from .plotting import pyplot, save

NAME = "names"
VOCAB = len(ALPHABET)


def config(quick: bool) -> dict[str, Any]:
    return {
        "data": "1990 US Census first names (tinygrad_bn/data/embedded/names.txt), split "
                "80/10/10 by a seeded shuffle",
        "mlp": {"block_size": 3, "embedding": 10, "hidden": 200, "activation": "tanh"},
        "lstm": {"embedding": 16, "hidden": 64, "layers": 1},
        "optimizer": "Adam", "lr": 3e-3, "batch_size": 32,
        "steps": 60 if quick else 4000, "eval_every": 20 if quick else 200,
        "lr_decay": "x0.1 for the last quarter of the steps (MultiStepLR)",
        "samples": 20,
    }


class BengioMLP(nn.Module):
    """logits = W2 tanh(W1 [C(c_1) ... C(c_block)] + b1) + b2."""

    def __init__(self, block_size: int, embedding: int, hidden: int) -> None:
        super().__init__()
        self.block_size = block_size
        self.embed = nn.Embedding(VOCAB, embedding)
        self.hidden = nn.Linear(block_size * embedding, hidden)
        self.out = nn.Linear(hidden, VOCAB)

    def forward(self, context: np.ndarray) -> Tensor:
        e = self.embed(context)  # (N, block, embedding)
        return self.out(self.hidden(e.reshape(e.shape[0], -1)).tanh())


class CharLSTM(nn.Module):
    """logits_t = W h_t + b, h_t from an LSTM over the embedded characters."""

    def __init__(self, embedding: int, hidden: int, layers: int = 1) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, embedding)
        self.lstm = nn.LSTM(embedding, hidden, num_layers=layers, batch_first=True)
        self.out = nn.Linear(hidden, VOCAB)

    def forward(self, inputs: np.ndarray, state: Any = None) -> tuple[Tensor, Any]:
        h, state = self.lstm(self.embed(inputs), state)
        return self.out(h), state


def bigram_loss(train: list[str], names: list[str]) -> float:
    """Nats per character of the add-one-smoothed bigram model of `train` on `names`."""
    counts = np.ones((VOCAB, VOCAB))
    x, y = context_windows(train, 1)
    np.add.at(counts, (x[:, 0], y), 1)
    logp = np.log(counts / counts.sum(1, keepdims=True))
    x, y = context_windows(names, 1)
    return float(-logp[x[:, 0], y].mean())


def _mlp_loss(model: BengioMLP, x: np.ndarray, y: np.ndarray) -> Tensor:
    return F.cross_entropy(model(x), y)


def _lstm_loss(model: CharLSTM, x: np.ndarray, y: np.ndarray) -> Tensor:
    logits, _ = model(x)
    return F.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1), ignore_index=-100)


def _mean_loss(loss_fn: Any, model: nn.Module, x: np.ndarray, y: np.ndarray,
               batch: int = 512) -> float:
    """Loss per character over a whole split (LSTM padding excluded)."""
    total, count = 0.0, 0
    model.eval()
    with no_grad():
        for start in range(0, len(x), batch):
            xb, yb = x[start:start + batch], y[start:start + batch]
            n = int((yb != -100).sum())
            total += float(loss_fn(model, xb, yb).item()) * n
            count += n
    model.train()
    return total / count


def sample_mlp(model: BengioMLP, count: int, rng: np.random.Generator) -> list[str]:
    names = []
    with no_grad():
        for _ in range(count):
            context, out = [END] * model.block_size, []
            while len(out) < 20:
                p = F.softmax(model(np.array([context])), -1).numpy()[0]
                index = int(rng.choice(VOCAB, p=p / p.sum()))
                if index == END:
                    break
                out.append(index)
                context = context[1:] + [index]
            names.append(decode(out))
    return names


def sample_lstm(model: CharLSTM, count: int, rng: np.random.Generator) -> list[str]:
    names = []
    with no_grad():
        for _ in range(count):
            index, state, out = END, None, []
            while len(out) < 20:
                logits, state = model(np.array([[index]]), state)
                p = F.softmax(logits.reshape(-1), -1).numpy()
                index = int(rng.choice(VOCAB, p=p / p.sum()))
                if index == END:
                    break
                out.append(index)
            names.append(decode(out))
    return names


def _train(name: str, model: nn.Module, loss_fn: Any, data: dict[str, tuple], cfg: dict,
           seed: int, bar: Progress) -> dict[str, Any]:
    x_train, y_train = data["train"]
    opt = optim.Adam(model.parameters(), lr=cfg["lr"])
    sched = optim.lr_scheduler.MultiStepLR(opt, [cfg["steps"] * 3 // 4], 0.1)
    rng = np.random.default_rng(seed + 1)
    curve: dict[str, list] = {"step": [], "train_batch_loss": [], "val_loss": []}
    seconds, window = 0.0, []
    for step in range(1, cfg["steps"] + 1):
        rows = rng.integers(0, len(x_train), cfg["batch_size"])
        start = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(model, x_train[rows], y_train[rows])
        loss.backward()
        opt.step()
        sched.step()
        seconds += time.perf_counter() - start
        window.append(float(loss.item()))
        if step % cfg["eval_every"] == 0 or step == cfg["steps"]:
            curve["step"].append(step)
            curve["train_batch_loss"].append(float(np.mean(window)))
            curve["val_loss"].append(_mean_loss(loss_fn, model, *data["val"]))
            window = []
        bar.update(1)
    return {"model": name, "parameters": sum(p.numel() for p in model.parameters()),
            "curve": curve, "steps_per_s": cfg["steps"] / seconds,
            "val_loss": curve["val_loss"][-1],
            "test_loss": _mean_loss(loss_fn, model, *data["test"])}


def run(out: Path, quick: bool = False, seed: int = 0, progress: bool = False) -> list[Path]:
    cfg = config(quick)
    train, val, test = split_names(load_names(), seed)
    block = cfg["mlp"]["block_size"]
    windows = {k: context_windows(v, block) for k, v in
               (("train", train), ("val", val), ("test", test))}
    sequences = {k: padded_sequences(v) for k, v in
                 (("train", train), ("val", val), ("test", test))}
    bar = Progress(2 * cfg["steps"], NAME, progress)
    nn.init.manual_seed(seed)
    mlp = BengioMLP(block, cfg["mlp"]["embedding"], cfg["mlp"]["hidden"])
    lstm = CharLSTM(cfg["lstm"]["embedding"], cfg["lstm"]["hidden"], cfg["lstm"]["layers"])
    results = [_train("mlp", mlp, _mlp_loss, windows, cfg, seed, bar),
               _train("lstm", lstm, _lstm_loss, sequences, cfg, seed, bar)]
    bar.close()
    rng = np.random.default_rng(seed)
    results[0]["samples"] = sample_mlp(mlp, cfg["samples"], rng)
    results[1]["samples"] = sample_lstm(lstm, cfg["samples"], rng)
    training = set(train)
    for r in results:
        r["samples_not_in_training_set"] = sum(s not in training for s in r["samples"])
    references = {"uniform": math.log(VOCAB), "bigram_val": bigram_loss(train, val),
                  "bigram_test": bigram_loss(train, test)}
    summary = {"names": {"train": len(train), "val": len(val), "test": len(test)},
               **{f"{r['model']}_test_loss": r["test_loss"] for r in results},
               **{f"{r['model']}_steps_per_s": r["steps_per_s"] for r in results},
               "bigram_test_loss": references["bigram_test"]}
    record = {"config": cfg, "seed": seed, "quick": quick, "summary": summary,
              "references": references, "results": results}
    return [write_record(out, NAME, record), *plot(results, references, out)]


def plot(results: list[dict[str, Any]], references: dict[str, float], out: Path) -> list[Path]:
    plt = pyplot()
    if plt is None:
        return []
    fig, (ax, text) = plt.subplots(1, 2, figsize=(10, 4), gridspec_kw={"width_ratios": [3, 2]})
    colors = {"mlp": "#1f77b4", "lstm": "#d62728"}
    labels = {"mlp": "MLP (Bengio et al. 2003)", "lstm": "LSTM"}
    for r in results:
        c = r["curve"]
        ax.plot(c["step"], c["val_loss"], color=colors[r["model"]],
                label=f"{labels[r['model']]}: validation (test {r['test_loss']:.3f})")
        ax.plot(c["step"], c["train_batch_loss"], color=colors[r["model"]], alpha=0.35, lw=1,
                label=f"{labels[r['model']]}: training batches")
    ax.axhline(references["bigram_val"], color="gray", ls="--",
               label=f"bigram counts ({references['bigram_val']:.3f})")
    ax.set(xlabel="training step (batch of 32 names / contexts)",
           ylabel="cross-entropy (nats per character)", title="Next-character loss",
           ylim=(1.6, 3.4))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    text.axis("off")
    lines = ["Sampled names", ""]
    for r in results:
        lines.append(f"{labels[r['model']]}:")
        for k in range(0, min(len(r["samples"]), 12), 4):
            lines.append("  " + ", ".join(r["samples"][k:k + 4]))
        lines.append("")
    text.text(0.0, 1.0, "\n".join(lines), va="top", family="monospace", fontsize=9)
    fig.suptitle("Character-level models of 1990 US Census first names")
    return [save(fig, out / f"{NAME}.png")]
