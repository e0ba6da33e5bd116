"""A training script with the structure most projects share: a map-style Dataset class
with a transform, DataLoaders, a model built as nn.Sequential from an OrderedDict, a
per-batch LambdaLR and a per-epoch ReduceLROnPlateau, an evaluation function under
@torch.no_grad(), and checkpoints: saved every epoch to a file, loaded into a fresh
model, optimizer and schedulers, and training resumed, which must continue exactly as
the uninterrupted run; plus a state dict round trip through io.BytesIO.

Idioms: `class ToyDataset(Dataset)` with `__init__(self, features, labels,
transform=None)`, `__len__`, `__getitem__` returning `(sample, label)` with
`torch.tensor(label, dtype=torch.long)`, `Subset(dataset, indices)`,
`DataLoader(train_set, batch_size=16, shuffle=False, drop_last=True)`,
`nn.Sequential(OrderedDict([('fc1', nn.Linear(...)), ('bn1', nn.BatchNorm1d(...)),
('act1', nn.ReLU()), ...]))`, `model.fc1.weight`, `print(model)`,
`sum(p.numel() for p in model.parameters() if p.requires_grad)`, `torch.manual_seed(0)`,
`model.train()` / `model.eval()`, `nn.CrossEntropyLoss()`, `optim.SGD(...,
momentum=0.9, weight_decay=5e-4)`, `LambdaLR(optimizer, lr_lambda=lambda step: ...)`,
`ReduceLROnPlateau(optimizer, mode='min', factor=0.5, patience=0)`,
`scheduler.step(val_loss)`, `optimizer.param_groups[0]['lr']`,
`scheduler.get_last_lr()`, `torch.save({'epoch': ..., 'model_state_dict': ...,
'optimizer_state_dict': ..., 'scheduler_state_dict': ..., 'plateau_state_dict': ...,
'loss': ...}, path)` into a `tempfile.TemporaryDirectory()`, `torch.load(path,
map_location='cpu', weights_only=True)`, `optimizer.load_state_dict`,
`scheduler.load_state_dict`, `checkpoint['epoch'] + 1`, `io.BytesIO()` with `seek(0)`,
`output.argmax(1) == labels` summed with `.sum().item()`, `copy.deepcopy(model)`.

Data and initial weights come from NumPy: float32, both runs take the same path.
"""
import copy
import io
import os
import tempfile
from collections import OrderedDict

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim.lr_scheduler import LambdaLR, ReduceLROnPlateau
from torch.utils.data import DataLoader, Dataset, Subset

torch.manual_seed(0)
rng = np.random.default_rng(1)
n_classes, n_features = 3, 6
centers = rng.standard_normal((n_classes, n_features)) * 1.5
labels = np.arange(240) % n_classes
features = (centers[labels] + rng.standard_normal((240, n_features))).astype(np.float32)


class ToyDataset(Dataset):
    def __init__(self, features, labels, transform=None):
        self.features = features
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        sample = torch.from_numpy(self.features[idx])
        if self.transform:
            sample = self.transform(sample)
        return sample, torch.tensor(self.labels[idx], dtype=torch.long)


mean = torch.from_numpy(features[:180].mean(0))
std = torch.from_numpy(features[:180].std(0))
dataset = ToyDataset(features, labels, transform=lambda s: (s - mean) / std)
train_set = Subset(dataset, list(range(180)))
val_set = Subset(dataset, list(range(180, 240)))
train_loader = DataLoader(train_set, batch_size=16, shuffle=False, drop_last=True)
val_loader = DataLoader(val_set, batch_size=32)
print(len(train_loader), len(val_loader))

init = {"fc1.weight": rng.standard_normal((24, n_features)) * 0.4,
        "fc1.bias": np.zeros(24), "bn1.weight": np.ones(24), "bn1.bias": np.zeros(24),
        "fc2.weight": rng.standard_normal((n_classes, 24)) * 0.2, "fc2.bias": np.zeros(3)}


def make_model():
    model = nn.Sequential(OrderedDict([
        ('fc1', nn.Linear(n_features, 24)),
        ('bn1', nn.BatchNorm1d(24)),
        ('act1', nn.ReLU()),
        ('fc2', nn.Linear(24, n_classes)),
    ]))
    with torch.no_grad():
        for name, param in model.named_parameters():
            param.copy_(torch.from_numpy(init[name].astype(np.float32)))
    return model


def make_training(model):
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    scheduler = LambdaLR(optimizer, lr_lambda=lambda step: 1.0 / (1.0 + 0.02 * step))
    plateau = ReduceLROnPlateau(optimizer, mode='min', factor=0.5, patience=0)
    return optimizer, scheduler, plateau


@torch.no_grad()
def evaluate(model, loader, criterion):
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for inputs, targets in loader:
        output = model(inputs)
        total_loss += criterion(output, targets).item() * inputs.size(0)
        correct += (output.argmax(1) == targets).sum().item()
        count += inputs.size(0)
    return total_loss / count, correct / count


def train_epoch(model, optimizer, scheduler, criterion, log):
    model.train()
    for inputs, targets in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), targets)
        loss.backward()
        optimizer.step()
        scheduler.step()
        log.append(loss.item())
    return loss


model = make_model()
print(model)
print(model.fc1)
print("trainable:", sum(p.numel() for p in model.parameters() if p.requires_grad))
criterion = nn.CrossEntropyLoss()
optimizer, scheduler, plateau = make_training(model)
losses = []
with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "checkpoint.pt")
    saved_losses = None
    for epoch in range(6):
        loss = train_epoch(model, optimizer, scheduler, criterion, losses)
        val_loss, val_acc = evaluate(model, val_loader, criterion)
        plateau.step(val_loss)
        print(f"epoch {epoch} val_loss {val_loss:.6f} val_acc {val_acc:.4f} "
              f"lr {optimizer.param_groups[0]['lr']:.6f} {scheduler.get_last_lr()[0]:.6f}")
        if epoch == 2:
            torch.save({'epoch': epoch,
                        'model_state_dict': model.state_dict(),
                        'optimizer_state_dict': optimizer.state_dict(),
                        'scheduler_state_dict': scheduler.state_dict(),
                        'plateau_state_dict': plateau.state_dict(),
                        'loss': loss.item()}, path)
            saved_losses = list(losses)
    for i, value in enumerate(losses):
        print(f"step {i} loss {value:.8e}")
    print(f"final val_loss {val_loss:.8e}")
    print(f"final val_acc {val_acc:.6f}")

    resumed = make_model()
    new_optimizer, new_scheduler, new_plateau = make_training(resumed)
    checkpoint = torch.load(path, map_location='cpu', weights_only=True)
    resumed.load_state_dict(checkpoint['model_state_dict'])
    new_optimizer.load_state_dict(checkpoint['optimizer_state_dict'])
    new_scheduler.load_state_dict(checkpoint['scheduler_state_dict'])
    new_plateau.load_state_dict(checkpoint['plateau_state_dict'])
    start_epoch = checkpoint['epoch'] + 1
    print("resuming at epoch", start_epoch, "after loss", round(checkpoint['loss'], 6))
    resumed_losses = list(saved_losses)
    for epoch in range(start_epoch, 6):
        train_epoch(resumed, new_optimizer, new_scheduler, criterion, resumed_losses)
        val_loss_resumed, _ = evaluate(resumed, val_loader, criterion)
        new_plateau.step(val_loss_resumed)
    print("resumed run equals uninterrupted:", resumed_losses == losses,
          all(bool((a == b).all()) for a, b in zip(model.state_dict().values(),
                                                     resumed.state_dict().values())))
    print(f"final resumed_val_loss {val_loss_resumed:.8e}")


buffer = io.BytesIO()
torch.save(model.state_dict(), buffer)
buffer.seek(0)
state = torch.load(buffer)
copy_model = copy.deepcopy(model)
copy_model.load_state_dict(state)
print(list(state.keys()))
print("num_batches_tracked:", state['bn1.num_batches_tracked'].item())
print(f"final running_mean_sum {state['bn1.running_mean'].sum().item():.8e}")
