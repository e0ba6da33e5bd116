"""Fine-tuning with a frozen feature extractor, laid out like PyTorch's transfer-learning
tutorial: a "pretrained" backbone whose parameters are frozen, its classifier replaced by
a new nn.Linear, an optimizer over the new layer only, a train/val loop over phases with
`torch.set_grad_enabled(phase == 'train')`, the best weights kept with copy.deepcopy of
the state dict and restored at the end.

Idioms: `for param in model.parameters(): param.requires_grad = False`, replacing a
submodule attribute (`model.fc = nn.Linear(num_ftrs, 10)`), `model.fc.in_features`,
`optim.SGD(model.fc.parameters(), lr=..., momentum=0.9)`, `lr_scheduler.StepLR`,
`dataloaders = {x: DataLoader(...) for x in ['train', 'val']}`, `dataset_sizes`,
`model.train()` / `model.eval()` by phase, `with torch.set_grad_enabled(phase ==
'train'):`, `_, preds = torch.max(outputs, 1)`, `running_loss += loss.item() *
inputs.size(0)`, `running_corrects += torch.sum(preds == labels.data)` (a tensor
accumulated onto a Python int), `running_corrects.double() / dataset_sizes[phase]`,
`'{} Loss: {:.4f} Acc: {:.4f}'.format(phase, epoch_loss, epoch_acc)` (formatting a 0-d
tensor), `copy.deepcopy(model.state_dict())`, `model.load_state_dict(best_model_wts)`,
`sum(p.numel() for p in model.parameters() if p.requires_grad)`, `time.time()`,
`torch.set_default_dtype(torch.float64)`.

Backbone and head weights come from NumPy, batches in a fixed order, float64: both
frameworks take the same path.
"""
import copy
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from corpus_data import digits
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)
x_train, y_train, x_val, y_val = digits(1000, 400)
image_datasets = {
    'train': TensorDataset(torch.from_numpy(x_train.astype(np.float64)), torch.from_numpy(y_train)),
    'val': TensorDataset(torch.from_numpy(x_val.astype(np.float64)), torch.from_numpy(y_val)),
}
dataloaders = {x: DataLoader(image_datasets[x], batch_size=50, shuffle=False)
               for x in ['train', 'val']}
dataset_sizes = {x: len(image_datasets[x]) for x in ['train', 'val']}


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64),
                                      nn.ReLU())
        self.fc = nn.Linear(64, 1000)

    def forward(self, x):
        return self.fc(self.features(x))


rng = np.random.default_rng(4)
model = Backbone()
pretrained = {name: torch.from_numpy(rng.standard_normal(tuple(v.shape)) / np.sqrt(v.shape[-1]))
              for name, v in model.state_dict().items()}
model.load_state_dict(pretrained)
for param in model.parameters():
    param.requires_grad = False
num_ftrs = model.fc.in_features
model.fc = nn.Linear(num_ftrs, 10)
with torch.no_grad():
    model.fc.weight.copy_(torch.from_numpy(rng.standard_normal((10, num_ftrs)) * 0.01))
    model.fc.bias.zero_()
print(sum(p.numel() for p in model.parameters() if p.requires_grad), 'trainable')

criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.fc.parameters(), lr=0.1, momentum=0.9)
exp_lr_scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)


def train_model(model, criterion, optimizer, scheduler, num_epochs=3):
    since = time.time()
    best_model_wts = copy.deepcopy(model.state_dict())
    best_acc = 0.0
    step = 0
    for epoch in range(num_epochs):
        print(f'Epoch {epoch}/{num_epochs - 1}')
        for phase in ['train', 'val']:
            if phase == 'train':
                model.train()
            else:
                model.eval()
            running_loss = 0.0
            running_corrects = 0
            for inputs, labels in dataloaders[phase]:
                optimizer.zero_grad()
                with torch.set_grad_enabled(phase == 'train'):
                    outputs = model(inputs)
                    _, preds = torch.max(outputs, 1)
                    loss = criterion(outputs, labels)
                    if phase == 'train':
                        loss.backward()
                        optimizer.step()
                        print(f"step {step} loss {loss.item():.15e}")
                        step += 1
                running_loss += loss.item() * inputs.size(0)
                running_corrects += torch.sum(preds == labels.data)
            if phase == 'train':
                scheduler.step()
            epoch_loss = running_loss / dataset_sizes[phase]
            epoch_acc = running_corrects.double() / dataset_sizes[phase]
            print('{} Loss: {:.4f} Acc: {:.4f}'.format(phase, epoch_loss, epoch_acc))
            if phase == 'val' and epoch_acc > best_acc:
                best_acc = epoch_acc
                best_model_wts = copy.deepcopy(model.state_dict())
    print(f'Training complete in {time.time() - since:.0f}s, best val Acc: {best_acc:4f}')
    model.load_state_dict(best_model_wts)
    return model, float(best_acc)


model, best = train_model(model, criterion, optimizer, exp_lr_scheduler, num_epochs=3)
print(f"final best_val_accuracy {best:.12f}")
print(f"final head_weight_norm {model.fc.weight.norm().item():.12e}")
