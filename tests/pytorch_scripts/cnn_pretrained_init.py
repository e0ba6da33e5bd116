"""A small convolutional network on MNIST digits that starts from given weights (the
usual "load a checkpoint, keep training" flow) and trains with SGD and momentum:
Conv2d/BatchNorm2d/ReLU/MaxPool2d blocks, global average pooling, a linear head, the
learning rate lowered by MultiStepLR, loss and accuracy printed per epoch.

Idioms: `nn.Conv2d(1, 8, kernel_size=3, padding=1, bias=False)`, `nn.BatchNorm2d`,
`nn.MaxPool2d(2)`, `nn.AdaptiveAvgPool2d((3, 3))`, `torch.flatten(x, 1)`, `F.relu`,
`nn.Sequential` blocks built in a helper function, `x.view(-1, 1, 28, 28)`,
`(x - mean) / std` normalisation with Python floats, `model.double()`, `.double()`,
`model.state_dict()` names and shapes, a dict comprehension of `torch.from_numpy(...)`,
`load_state_dict(..., strict=True)`, `torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)`,
`MultiStepLR(optimizer, milestones=[3], gamma=0.1)`, `for epoch in range(1, epochs +
1)`, `enumerate(loader)`, `F.cross_entropy(output, target)`, `output.argmax(1)`,
`pred.eq(target).sum().item()`, `100. * correct / total` in a `.format` string,
`model.eval()` evaluation under `torch.no_grad()`, `sum(p.numel() for p in
model.parameters() if p.requires_grad)`.

Weights from NumPy, batches in a fixed order, no dropout, float64 (`model.double()`,
`.double()` inputs): both frameworks take the same path. (In float32 this run is chaotic:
a relative 1e-7 perturbation of every matmul and convolution grows to 5e-4 in the loss
by the last step, too much to tell a rounding difference from a semantic one.)
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from corpus_data import digits
from torch.optim.lr_scheduler import MultiStepLR
from torch.utils.data import DataLoader, TensorDataset


def conv_block(c_in, c_out):
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(),
        nn.MaxPool2d(2),
    )


class SmallCNN(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(conv_block(1, 8), conv_block(8, 16))
        self.pool = nn.AdaptiveAvgPool2d((3, 3))
        self.fc = nn.Linear(16 * 3 * 3, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = self.pool(x)
        x = torch.flatten(x, 1)
        return self.fc(x)


x_train, y_train, x_test, y_test = digits(600, 300)
mean, std = 0.1307, 0.3081
train_set = TensorDataset(torch.from_numpy((x_train - mean) / std).double().view(-1, 1, 28, 28),
                          torch.from_numpy(y_train))
test_set = TensorDataset(torch.from_numpy((x_test - mean) / std).double().view(-1, 1, 28, 28),
                         torch.from_numpy(y_test))
train_loader = DataLoader(train_set, batch_size=50)
test_loader = DataLoader(test_set, batch_size=100)

model = SmallCNN().double()
print(sum(p.numel() for p in model.parameters() if p.requires_grad), "trainable parameters")
rng = np.random.default_rng(1)


def initial(name, shape):
    if name.endswith("num_batches_tracked"):
        return np.array(0, dtype=np.int64)
    if name.endswith(("running_var", "1.weight")) and len(shape) == 1:
        return np.ones(shape)
    if len(shape) == 1:
        return np.zeros(shape)
    fan_in = int(np.prod(shape[1:]))
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


checkpoint = {name: torch.from_numpy(initial(name, tuple(value.shape)))
              for name, value in model.state_dict().items()}
model.load_state_dict(checkpoint, strict=True)

optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
scheduler = MultiStepLR(optimizer, milestones=[3], gamma=0.1)
epochs = 4
step = 0
for epoch in range(1, epochs + 1):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.cross_entropy(output, target)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.15e}")
        step += 1
    scheduler.step()
    model.eval()
    correct = total = 0
    test_loss = 0.0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data)
            test_loss += F.cross_entropy(output, target, reduction="sum").item()
            pred = output.argmax(1)
            correct += pred.eq(target).sum().item()
            total += target.size(0)
    print("Epoch {}: test loss {:.4f}, accuracy {}/{} ({:.1f}%)".format(
        epoch, test_loss / total, correct, total, 100. * correct / total))
print(f"final test_loss {test_loss / total:.6f}")
print(f"final test_accuracy {correct / total:.6f}")
