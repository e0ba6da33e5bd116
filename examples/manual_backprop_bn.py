"""Exercise: backpropagate through a batch-norm MLP by hand, and check every step.

    python examples/manual_backprop_bn.py

The forward pass of a one-hidden-layer MLP with batch norm (Linear -> BN -> tanh ->
Linear -> cross-entropy, on a batch of 32 MNIST digits, float64) is written out as small
steps, each a named intermediate. `tg.lab.retain_all()` keeps autograd's gradient of each
of them, and `tg.lab.check_grad` compares a hand-written gradient with it: one table row
per intermediate (exact, approximately equal, largest difference).

The exercise: cover `backward_by_hand` below, write your own (NumPy is enough: the
forward's values are in `f`), and run the script; a wrong row, or a shape explanation,
says where you went astray. The body below is the solution, in the order the chain rule
walks the graph: from the loss back to the weights. The last check is the batch-norm
backward in one formula (docs/batchnorm.md derives it): the same numbers in one line.
"""

from __future__ import annotations

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor
from tinygrad_bn.data import load_mnist

N, HIDDEN, EPS = 32, 64, 1e-5


def parameters(rng: np.random.Generator) -> dict[str, Tensor]:
    p = {"W1": rng.normal(0, (5 / 3) / np.sqrt(784), (HIDDEN, 784)),
         "b1": rng.normal(0, 0.1, HIDDEN),  # a bias before BN: its gradient must come out 0
         "gamma": 1 + rng.normal(0, 0.1, HIDDEN), "beta": rng.normal(0, 0.1, HIDDEN),
         "W2": rng.normal(0, 0.1, (10, HIDDEN)), "b2": np.zeros(10)}
    return {name: Tensor(value, requires_grad=True) for name, value in p.items()}


def forward(p: dict[str, Tensor], x: Tensor, y: np.ndarray) -> dict[str, Tensor]:
    """The forward pass in small steps; returns every intermediate by name."""
    f: dict[str, Tensor] = {}
    with tg.lab.retain_all():  # keep autograd's gradient of every intermediate
        f["hprebn"] = x @ p["W1"].T + p["b1"]                 # (N, H) pre-activations
        f["bnmean"] = f["hprebn"].mean(0, keepdim=True)        # (1, H)
        f["bndiff"] = f["hprebn"] - f["bnmean"]                # (N, H)
        f["bndiff2"] = f["bndiff"] ** 2
        f["bnvar"] = f["bndiff2"].mean(0, keepdim=True)        # biased, as training-mode BN
        f["bnvar_inv"] = (f["bnvar"] + EPS) ** -0.5            # (1, H)
        f["bnraw"] = f["bndiff"] * f["bnvar_inv"]              # (N, H) normalized
        f["hpreact"] = p["gamma"] * f["bnraw"] + p["beta"]     # (N, H)
        f["h"] = f["hpreact"].tanh()
        f["logits"] = f["h"] @ p["W2"].T + p["b2"]             # (N, 10)
        f["loss"] = F.cross_entropy(f["logits"], y)
    return f


def backward_by_hand(p: dict[str, Tensor], f: dict[str, Tensor], x: np.ndarray,
                     y: np.ndarray) -> dict[str, np.ndarray]:
    """The solution: d loss / d every intermediate and parameter, with NumPy only."""
    v = {name: t.data for name, t in f.items()}
    d: dict[str, np.ndarray] = {}
    # cross-entropy of the mean: softmax minus the one-hot target, over N
    e = np.exp(v["logits"] - v["logits"].max(axis=1, keepdims=True))
    d["logits"] = e / e.sum(axis=1, keepdims=True)
    d["logits"][np.arange(N), y] -= 1
    d["logits"] /= N
    d["h"] = d["logits"] @ p["W2"].data
    d["W2"] = d["logits"].T @ v["h"]
    d["b2"] = d["logits"].sum(axis=0)
    d["hpreact"] = (1 - v["h"] ** 2) * d["h"]                 # tanh' = 1 - tanh^2
    d["gamma"] = (v["bnraw"] * d["hpreact"]).sum(axis=0)      # gamma was broadcast over N
    d["beta"] = d["hpreact"].sum(axis=0)
    d["bnraw"] = p["gamma"].data * d["hpreact"]
    d["bnvar_inv"] = (v["bndiff"] * d["bnraw"]).sum(axis=0, keepdims=True)
    d["bnvar"] = -0.5 * (v["bnvar"] + EPS) ** -1.5 * d["bnvar_inv"]
    d["bndiff2"] = np.ones_like(v["bndiff2"]) / N * d["bnvar"]  # mean: 1/N to every row
    # bndiff feeds two ops (bnraw and bndiff2): the two contributions add up
    d["bndiff"] = v["bnvar_inv"] * d["bnraw"] + 2 * v["bndiff"] * d["bndiff2"]
    d["bnmean"] = -d["bndiff"].sum(axis=0, keepdims=True)
    d["hprebn"] = d["bndiff"] + np.ones_like(v["hprebn"]) / N * d["bnmean"]
    d["W1"] = d["hprebn"].T @ x
    d["b1"] = d["hprebn"].sum(axis=0)
    return d


def bn_backward_in_one_line(p: dict[str, Tensor], f: dict[str, Tensor],
                            dhpreact: np.ndarray) -> np.ndarray:
    """d loss / d hprebn straight from d loss / d hpreact (the fused op's formula):
    gamma * invstd / N * (N g - sum g - xhat * sum(g * xhat)), sums over the batch."""
    xhat, invstd = f["bnraw"].data, f["bnvar_inv"].data
    return p["gamma"].data * invstd / N * (
        N * dhpreact - dhpreact.sum(axis=0) - xhat * (dhpreact * xhat).sum(axis=0))


def main() -> None:
    x_train, y_train, _, _ = load_mnist(dtype=np.float64)
    x, y = x_train[:N], y_train[:N]
    p = parameters(np.random.default_rng(0))
    f = forward(p, Tensor(x), y)
    f["loss"].backward()
    d = backward_by_hand(p, f, x, y)
    print(f"loss {f['loss'].item():.4f}; each hand-written gradient against autograd's:")
    results = [tg.lab.check_grad(name, d[name], f[name] if name in f else p[name])
               for name in ("logits", "h", "W2", "b2", "hpreact", "gamma", "beta", "bnraw",
                            "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmean", "hprebn",
                            "W1", "b1")]
    one_line = tg.lab.check_grad("hprebn (1 line)",
                                 bn_backward_in_one_line(p, f, d["hpreact"]), f["hprebn"])
    assert all(results) and one_line, "a hand-written gradient disagrees with autograd"
    print(f"b1's gradient is zero up to rounding (max |db1| = {np.abs(d['b1']).max():.1e}): "
          f"BN subtracts the batch mean, so a bias before it has no effect")
    print("manual backprop: every gradient agrees")


if __name__ == "__main__":
    main()
