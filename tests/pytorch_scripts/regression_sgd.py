"""A small regression network in double precision trained by SGD with Nesterov
momentum, weight decay, gradient-norm clipping and a cosine learning-rate schedule,
with separate train and validation loaders: the shape of countless tabular-regression
notebooks.

Idioms: NumPy features and targets turned into tensors with `torch.from_numpy`,
`.unsqueeze(1)` on the target, `TensorDataset` and `DataLoader(batch_size=32)`,
`nn.Sequential(nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear)`, `model.double()`,
`model.load_state_dict` from NumPy arrays keyed by `state_dict()` names,
`nn.MSELoss()`, `torch.optim.SGD(model.parameters(), lr=..., momentum=0.9,
nesterov=True, weight_decay=1e-3)`, `CosineAnnealingLR(optimizer, T_max=epochs)`,
`optimizer.zero_grad()`, `loss.backward()`,
`nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)` (its returned total norm
read with `.item()`), `optimizer.step()`, `scheduler.step()` once per epoch,
`optimizer.param_groups[0]["lr"]`, `model.eval()` + `torch.no_grad()` validation
summing `loss.item() * len(xb)`, `torch.cat` of batch predictions, R^2 from tensor
reductions (`((pred - y) ** 2).sum() / ((y - y.mean()) ** 2).sum()`).

Weights and data come from NumPy, batches in a fixed order, float64: both frameworks
take the same path.
"""
import numpy as np
import torch
import torch.nn as nn
from torch.optim.lr_scheduler import CosineAnnealingLR
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(0)
X = rng.standard_normal((600, 8))
true_w = rng.standard_normal(8)
y = np.sin(X @ true_w) + 0.1 * X[:, 0] ** 2 + 0.05 * rng.standard_normal(600)
X_train, X_val = torch.from_numpy(X[:480]), torch.from_numpy(X[480:])
y_train, y_val = torch.from_numpy(y[:480]).unsqueeze(1), torch.from_numpy(y[480:]).unsqueeze(1)
train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=32)
val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=60)

model = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(),
                      nn.Linear(32, 1))
model.double()
state = {}
for name, value in model.state_dict().items():
    shape = tuple(value.shape)
    scale = 1 / np.sqrt(shape[-1]) if len(shape) == 2 else 0.1
    state[name] = torch.from_numpy(rng.standard_normal(shape) * scale)
model.load_state_dict(state)

epochs = 12
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True,
                            weight_decay=1e-3)
scheduler = CosineAnnealingLR(optimizer, T_max=epochs)
step = 0
for epoch in range(epochs):
    model.train()
    largest_norm = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        total_norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        largest_norm = max(largest_norm, total_norm.item())
        optimizer.step()
        print(f"step {step} loss {loss.item():.15e}")
        step += 1
    scheduler.step()
    model.eval()
    val_loss = 0.0
    with torch.no_grad():
        for xb, yb in val_loader:
            val_loss += criterion(model(xb), yb).item() * len(xb)
    print(f"epoch {epoch:2d} lr {optimizer.param_groups[0]['lr']:.5f} "
          f"largest grad norm {largest_norm:.3f} val {val_loss / len(X_val):.5f}")

with torch.no_grad():
    pred = torch.cat([model(xb) for xb, _ in val_loader])
r2 = 1 - ((pred - y_val) ** 2).sum() / ((y_val - y_val.mean()) ** 2).sum()
print(f"final val_r2 {r2.item():.12f}")
