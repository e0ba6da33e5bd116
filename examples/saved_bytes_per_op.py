"""Count what each op keeps for backward, with a saved-tensor pack hook.

    python examples/saved_bytes_per_op.py

`tg.saved_tensors_hooks(pack, unpack)` hands every array an op keeps for backward
(its saved items, the inputs its backward reads, its output if the rule needs it) to
`pack` while the forward runs; `packing_op()` names the op. Here pack only counts and
returns the array itself, and unpack returns it back: the gradients are unchanged.
The model: the MNIST MLP with batch norm (fused and composite) and a small CNN.
"""

from collections import defaultdict

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.saved_tensors import packing_op


def count_saved(model: nn.Module, x: np.ndarray, y: np.ndarray) -> dict[str, list[int]]:
    """op name -> [arrays kept, bytes kept] for one forward of the loss."""
    kept: dict[str, list[int]] = defaultdict(lambda: [0, 0])

    def pack(array: np.ndarray) -> np.ndarray:
        kept[packing_op()][0] += 1
        kept[packing_op()][1] += array.nbytes
        return array

    with tg.saved_tensors_hooks(pack, lambda array: array):
        loss = F.cross_entropy(model(Tensor(x)), y)
    loss.backward()  # the unpacked arrays are the originals: an ordinary backward
    return dict(kept)


def mlp(impl: str) -> nn.Module:
    return nn.Sequential(nn.Linear(784, 100), nn.BatchNorm1d(100, impl=impl), nn.ReLU(),
                         nn.Linear(100, 100), nn.BatchNorm1d(100, impl=impl), nn.ReLU(),
                         nn.Linear(100, 10))


def cnn() -> nn.Module:
    return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


tg.manual_seed(0)
rng = np.random.default_rng(0)
images = rng.random((60, 784)).astype(np.float32)
labels = rng.integers(0, 10, 60)
cases = [("MLP, fused BN", mlp("fused"), images), ("MLP, composite BN", mlp("composite"), images),
         ("CNN", cnn(), images.reshape(60, 1, 28, 28))]
for title, model, x in cases:
    kept = count_saved(model, x, labels)
    total = sum(b for _, b in kept.values())
    print(f"\n{title}, batch of 60 (float32): {total / 2**10:.1f} KiB kept for backward")
    print(f"  {'op':<16}{'arrays':>7}{'KiB':>10}{'share':>8}")
    for op, (arrays, nbytes) in sorted(kept.items(), key=lambda kv: -kv[1][1]):
        print(f"  {op:<16}{arrays:>7}{nbytes / 2**10:>10.1f}{nbytes / total:>8.1%}")
print("\nsaved bytes per op: counted")
