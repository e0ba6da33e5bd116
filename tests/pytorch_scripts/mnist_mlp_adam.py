"""An MNIST classifier with batch normalization trained by Adam, whose starting weights
are loaded from a state dict, the way fine-tuning recipes start from saved weights: an
nn.Module with named layers, load_state_dict of arrays made elsewhere, an unshuffled
DataLoader over a TensorDataset, CrossEntropyLoss with label smoothing, Adam with weight
decay, a step-decayed learning rate, and evaluation in eval mode.

Idioms: `class Net(nn.Module)` with `super().__init__()`, `nn.Linear` (`bias=False`),
`nn.BatchNorm1d`, `nn.ReLU()`, `nn.Sequential`, `model.state_dict().items()` for the
names and shapes, `tuple(v.shape)`, `torch.from_numpy(array)`,
`model.load_state_dict(state)`, `TensorDataset(torch.from_numpy(x),
torch.from_numpy(y))`, `DataLoader(..., batch_size=100, shuffle=False)`,
`nn.CrossEntropyLoss(label_smoothing=0.1)`, `torch.optim.Adam(model.parameters(),
lr=1e-3, weight_decay=1e-4)`, `StepLR(optimizer, step_size=1, gamma=0.5)`,
`model.train()` / `model.eval()`, `optimizer.zero_grad()`, `loss.backward()`,
`optimizer.step()`, `scheduler.step()`, `scheduler.get_last_lr()[0]`,
`running_loss += loss.item() * x.size(0)`, `len(loader.dataset)`, `with
torch.no_grad():`, `logits.argmax(dim=1)`, `(pred == y).sum().item()`,
`model.bn.running_mean` / `running_var` read after training.

Weights from NumPy, fixed batch order, no dropout: both frameworks take the same path
in float32.
"""
import numpy as np
import torch
import torch.nn as nn
from corpus_data import digits
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, hidden=64):
        super().__init__()
        self.fc1 = nn.Linear(784, hidden, bias=False)  # the batch norm removes a bias
        self.bn = nn.BatchNorm1d(hidden)
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                  nn.Linear(hidden, 10))

    def forward(self, x):
        return self.head(self.bn(self.fc1(x)))


x_train, y_train, x_test, y_test = digits(1500, 500)
train_loader = DataLoader(TensorDataset(torch.from_numpy(x_train), torch.from_numpy(y_train)),
                          batch_size=100, shuffle=False)
test_loader = DataLoader(TensorDataset(torch.from_numpy(x_test), torch.from_numpy(y_test)),
                         batch_size=250)

model = Net()
rng = np.random.default_rng(0)
state = {}
for name, value in model.state_dict().items():
    shape = tuple(value.shape)
    if name.endswith("num_batches_tracked"):
        state[name] = torch.from_numpy(np.array(0, dtype=np.int64))
    elif name.endswith("running_var") or name.endswith("bn.weight"):
        state[name] = torch.from_numpy(np.ones(shape, dtype=np.float32))
    elif name.endswith("running_mean") or name.endswith("bias"):
        state[name] = torch.from_numpy(np.zeros(shape, dtype=np.float32))
    else:
        fan_in = shape[1]
        state[name] = torch.from_numpy(
            (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32))
model.load_state_dict(state)

criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
step = 0
for epoch in range(3):
    model.train()
    running_loss = 0.0
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running_loss += loss.item() * x.size(0)
        print(f"step {step} loss {loss.item():.8f}")
        step += 1
    scheduler.step()
    print(f"epoch {epoch}: loss {running_loss / len(train_loader.dataset):.4f}, "
          f"lr {scheduler.get_last_lr()[0]:.2e}")

model.eval()
correct = 0
with torch.no_grad():
    for x, y in test_loader:
        pred = model(x).argmax(dim=1)
        correct += (pred == y).sum().item()
print(f"final test_accuracy {correct / len(test_loader.dataset):.6f}")
print(f"final running_mean_sum {model.bn.running_mean.sum().item():.6f}")
print(f"final running_var_sum {model.bn.running_var.sum().item():.6f}")
