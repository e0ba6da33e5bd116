"""Train an MLP with batch norm on the embedded MNIST subset (offline), save and reload it.

    python examples/mlp_batchnorm.py [OUT_DIR]

The checkpoint goes to OUT_DIR (default: a tinygrad_bn_examples folder in the system's
temporary directory). Set TINYGRAD_BN_EXAMPLE_STEPS to train for fewer (or more) steps.
"""

import itertools
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.data import DataLoader, load_mnist


def make_model() -> nn.Sequential:
    # Linear -> BatchNorm1d -> ReLU: BN before the nonlinearity, as in the original paper
    return nn.Sequential(
        nn.Linear(784, 100), nn.BatchNorm1d(100), nn.ReLU(),
        nn.Linear(100, 100), nn.BatchNorm1d(100), nn.ReLU(),
        nn.Linear(100, 10),
    )


def test_accuracy(model: nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()  # batch norm now normalizes with its running mean and variance
    with tg.no_grad():
        predictions = model(Tensor(x)).numpy().argmax(axis=1)
    return float(np.mean(predictions == y))


steps = int(os.environ.get("TINYGRAD_BN_EXAMPLE_STEPS", 600))
tg.manual_seed(0)
x_train, y_train, x_test, y_test = load_mnist()  # (4000, 784) floats in [0, 1], int labels

model = make_model()
optimizer = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
loader = DataLoader((x_train, y_train), batch_size=60, shuffle=True, drop_last=True, seed=0)

# endless: the loader reshuffles at the start of every epoch (66 batches)
batches = (batch for epoch in itertools.count() for batch in loader)
for step in range(1, steps + 1):
    x, y = next(batches)
    loss = F.cross_entropy(model(Tensor(x)), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 200 == 0 or step == steps:
        print(f"step {step:4d}  loss {loss.item():.3f}")

accuracy = test_accuracy(model, x_test, y_test)
print(f"test accuracy: {accuracy:.3f}")

# checkpoints are .npz files (no pickle): parameters and BN running statistics
default_out = Path(tempfile.gettempdir()) / "tinygrad_bn_examples"
out = Path(sys.argv[1]) if len(sys.argv) > 1 else default_out
out.mkdir(parents=True, exist_ok=True)
tg.save(model.state_dict(), out / "mlp_batchnorm.npz")
restored = make_model()
restored.load_state_dict(tg.load(out / "mlp_batchnorm.npz"))
assert test_accuracy(restored, x_test, y_test) == accuracy
print(f"saved to {out / 'mlp_batchnorm.npz'} and reloaded: same accuracy")
