"""Keep the activations for backward in float16: the memory it saves, the error it costs.

    python examples/float16_saved.py

A pack hook stores every floating array an op keeps for backward as float16 (integer
arrays, such as max-pool's argmax, as they are); the unpack hook converts it back to
its dtype before the backward reads it. The forward is computed in float32 as usual;
only the backward sees rounded activations. Measured on the MNIST MLP with batch norm
(batch 256) at initialisation and after training with and without the hooks:

- kept: the memory the graph holds after the forward (tracemalloc: what the forward
  allocated and is still alive; the model and the batch existed before);
- gradient error: ||g16 - g|| / ||g|| over all parameters, and the largest such ratio
  of one weight matrix (float16 has 11 significant bits: a relative rounding of 4.9e-4);
- training: the same steps with both, the final losses side by side.
"""

import gc
import os
import tracemalloc

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.data import DataLoader, load_mnist


def hooks(model: nn.Module, batch: np.ndarray) -> tg.saved_tensors_hooks:
    """float16 storage for the activations; the parameters and the input batch, which the
    model and the caller hold anyway, are kept as they are (a float16 copy of them would
    add memory, not save it)."""
    held = {id(p.data) for p in model.parameters()} | {id(batch)}

    def pack(array: np.ndarray) -> tuple[np.dtype, np.ndarray]:
        if array.dtype.kind != "f" or id(array) in held or id(array.base) in held:
            return array.dtype, array
        return array.dtype, array.astype(np.float16)
    return tg.saved_tensors_hooks(pack, unpack)


def unpack(packed: tuple[np.dtype, np.ndarray]) -> np.ndarray:
    dtype, array = packed
    return array.astype(dtype, copy=False)


def make_model() -> nn.Sequential:
    tg.manual_seed(0)
    return nn.Sequential(nn.Linear(784, 256), nn.BatchNorm1d(256), nn.ReLU(),
                         nn.Linear(256, 256), nn.BatchNorm1d(256), nn.ReLU(),
                         nn.Linear(256, 10))


def step(model: nn.Module, x: np.ndarray, y: np.ndarray, half: bool) -> Tensor:
    """The loss of one batch, with its gradients in .grad."""
    if half:
        with hooks(model, x):
            loss = F.cross_entropy(model(Tensor(x)), y)
    else:
        loss = F.cross_entropy(model(Tensor(x)), y)
    model.zero_grad()
    loss.backward()
    return loss


def kept_bytes(model: nn.Module, x: np.ndarray, y: np.ndarray, half: bool) -> int:
    """What the graph of one forward holds (tracemalloc: allocated and still alive)."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    if half:
        with hooks(model, x):
            loss = F.cross_entropy(model(Tensor(x)), y)
    else:
        loss = F.cross_entropy(model(Tensor(x)), y)
    kept = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    del loss
    return kept


x_train, y_train, _, _ = load_mnist()
x, y = x_train[:256], y_train[:256]
model = make_model()
kept32, kept16 = kept_bytes(model, x, y, half=False), kept_bytes(model, x, y, half=True)
step(model, x, y, half=False)
grads32 = [p.grad.data.copy() for p in model.parameters()]
step(model, x, y, half=True)
grads16 = [p.grad.data.copy() for p in model.parameters()]
flat32, flat16 = np.concatenate([g.ravel() for g in grads32]), \
    np.concatenate([g.ravel() for g in grads16])
total_error = np.linalg.norm(flat16 - flat32) / np.linalg.norm(flat32)
weights = [(n, a, b) for (n, _), a, b in zip(model.named_parameters(), grads32, grads16)
           if n.endswith("weight") and a.ndim == 2]
worst = max(np.linalg.norm(b - a) / np.linalg.norm(a) for _, a, b in weights)
print(f"kept for backward after the forward: float32 {kept32 / 2**20:.2f} MiB, "
      f"float16 {kept16 / 2**20:.2f} MiB ({kept16 / kept32:.0%})")
print(f"gradient error ||g16 - g32|| / ||g32||: {total_error:.2e} (all parameters), "
      f"{worst:.2e} (worst weight matrix)")

steps = int(os.environ.get("TINYGRAD_BN_EXAMPLE_STEPS", 200))
finals = {}
for half in (False, True):
    model = make_model()
    optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader((x_train, y_train), batch_size=64, shuffle=True, drop_last=True, seed=0)
    batches = iter(loader)
    losses = []
    for _ in range(steps):
        try:
            xb, yb = next(batches)
        except StopIteration:
            batches = iter(loader)
            xb, yb = next(batches)
        loss = step(model, xb, yb, half)
        optimizer.step()
        losses.append(loss.item())
    finals[half] = float(np.mean(losses[-10:]))
print(f"{steps} SGD steps, mean loss of the last 10: float32 {finals[False]:.4f}, "
      f"float16 saved {finals[True]:.4f}")
print("float16 saved tensors: measured")
