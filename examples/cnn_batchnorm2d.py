"""A small conv net with BatchNorm2d on the embedded MNIST subset.

    python examples/cnn_batchnorm2d.py

BatchNorm2d normalizes each channel over the batch and every spatial position
(N * H * W values per channel) and learns one gamma and one beta per channel.
Set TINYGRAD_BN_EXAMPLE_STEPS to train for fewer (or more) steps.
"""

import itertools
import os

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.data import DataLoader, load_mnist

steps = int(os.environ.get("TINYGRAD_BN_EXAMPLE_STEPS", 300))
tg.manual_seed(0)
x_train, y_train, x_test, y_test = load_mnist(flatten=False)  # NCHW images (N, 1, 28, 28)

model = nn.Sequential(
    nn.Conv2d(1, 8, kernel_size=3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
)
optimizer = tg.optim.SGD(model.parameters(), lr=0.1)
loader = DataLoader((x_train, y_train), batch_size=60, shuffle=True, drop_last=True, seed=0)

# endless: the loader reshuffles at the start of every epoch (66 batches)
batches = (batch for epoch in itertools.count() for batch in loader)
for step in range(1, steps + 1):
    x, y = next(batches)
    loss = F.cross_entropy(model(Tensor(x)), y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if step % 50 == 0 or step == steps:
        print(f"step {step:4d}  loss {loss.item():.3f}")

bn = model[1]
print(f"first BatchNorm2d: gamma {bn.weight.shape}, running_mean {bn.running_mean.shape}, "
      f"{int(bn.num_batches_tracked)} batches tracked")

model.eval()
with tg.no_grad():
    correct = sum(int((model(Tensor(x_test[i:i + 250])).numpy().argmax(1)
                       == y_test[i:i + 250]).sum()) for i in range(0, len(x_test), 250))
print(f"test accuracy: {correct / len(x_test):.3f}")
