"""Two PyTorch training scripts of the usual kind (a CNN and an MLP on MNIST: a custom
Dataset, DataLoader, an nn.Module subclass, CrossEntropyLoss, Adam with weight decay, StepLR,
train()/eval(), evaluation under no_grad with argmax(dim=1), a state_dict saved and loaded)
run on tinygrad_bn with only their import lines changed (tests/torch_swap.py), then exec.

They must train (test accuracy far above chance), be reproducible under manual_seed, and,
when torch is installed, reach the accuracy the unmodified scripts reach on PyTorch within 1
point, with identical state_dict keys. The data are the embedded MNIST subset (4,000 train,
1,000 test digits), handed to both runs as the same NumPy arrays."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.torch_swap import to_tinygrad_bn
from tinygrad_bn.data import MNIST

CNN = '''
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset
from torch.optim.lr_scheduler import StepLR

torch.manual_seed(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Digits(Dataset):
    def __init__(self, images, labels):
        self.images = images.reshape(-1, 1, 28, 28)
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = torch.from_numpy(self.images[i]).float()
        return (image - 0.1307) / 0.3081, int(self.labels[i])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm2d(16)
        self.pool = nn.MaxPool2d(2)
        self.fc = nn.Linear(16 * 7 * 7, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        return self.fc(x.flatten(1))


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            correct += (model(images).argmax(dim=1) == labels).sum().item()
    return correct / len(loader.dataset)


train_loader = DataLoader(Digits(train_images, train_labels), batch_size=64, shuffle=True)
test_loader = DataLoader(Digits(test_images, test_labels), batch_size=500)
model = Net().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
scheduler = StepLR(optimizer, step_size=1, gamma=0.5)
losses = []
for epoch in range(EPOCHS):
    model.train()
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()

torch.save(model.state_dict(), CHECKPOINT)
restored = Net().to(device)
restored.load_state_dict(torch.load(CHECKPOINT))
test_accuracy = evaluate(restored, test_loader)
state_keys = list(restored.state_dict().keys())
'''

MLP = '''
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from torch.optim.lr_scheduler import StepLR

torch.manual_seed(0)


class MLP(nn.Module):
    def __init__(self, hidden=128, classes=10):
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(784, hidden),
            nn.BatchNorm1d(hidden),
            nn.ReLU(),
            nn.Dropout(0.1),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.head(self.body(x))


train_set = TensorDataset(torch.tensor(train_images), torch.tensor(train_labels))
test_set = TensorDataset(torch.tensor(test_images), torch.tensor(test_labels))
train_loader = DataLoader(train_set, batch_size=100, shuffle=True)
test_loader = DataLoader(test_set, batch_size=250, shuffle=False)

model = MLP()
criterion = nn.CrossEntropyLoss(label_smoothing=0.05)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
scheduler = StepLR(optimizer, step_size=2, gamma=0.3)

losses = []
for epoch in range(EPOCHS):
    model.train()
    running = 0.0
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        running += loss.item() * x.shape[0]
    losses.append(running / len(train_set))
    scheduler.step()

model.eval()
correct = 0
with torch.no_grad():
    for x, y in test_loader:
        predicted = model(x).argmax(dim=1)
        correct += (predicted == y).sum().item()
test_accuracy = correct / len(test_set)

torch.save(model.state_dict(), CHECKPOINT)
reloaded = MLP()
reloaded.load_state_dict(torch.load(CHECKPOINT))
reloaded.eval()
with torch.no_grad():
    x, y = next(iter(test_loader))
    same = bool((reloaded(x).argmax(dim=1) == model(x).argmax(dim=1)).all())
state_keys = list(reloaded.state_dict().keys())
'''

SCRIPTS = {"cnn": (CNN, 2), "mlp": (MLP, 4)}  # script, epochs


def run(script: str, epochs: int, tmp_path: Path) -> dict[str, Any]:
    train, test = MNIST(train=True), MNIST(train=False)
    namespace: dict[str, Any] = {
        "__name__": "__script__", "EPOCHS": epochs, "CHECKPOINT": str(tmp_path / "model.pt"),
        "train_images": train.images, "train_labels": train.labels,
        "test_images": test.images, "test_labels": test.labels,
    }
    exec(compile(script, "<script>", "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture(scope="module")
def ours_once(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Any]]:
    """Each script's first run on tinygrad_bn, made once for the two tests that read it
    (the reproducibility test makes the second run itself and checks that it is this one,
    so rerunning it for the comparison with PyTorch would check nothing more)."""
    runs: dict[str, dict[str, Any]] = {}

    def first_run(name: str) -> dict[str, Any]:
        if name not in runs:
            script, epochs = SCRIPTS[name]
            runs[name] = run(to_tinygrad_bn(script), epochs, tmp_path_factory.mktemp(name))
        return runs[name]

    return first_run


def test_only_the_import_lines_change() -> None:
    for script, _ in SCRIPTS.values():
        before, after = script.splitlines(), to_tinygrad_bn(script).splitlines()
        changed = [(a, b) for a, b in zip(before, after) if a != b]
        assert len(before) == len(after) and changed
        assert all(a.startswith(("import torch", "from torch")) for a, _ in changed)


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_trains_on_tinygrad_bn_and_is_reproducible(name, tmp_path, ours_once) -> None:
    script, epochs = SCRIPTS[name]
    first = ours_once(name)
    assert first["test_accuracy"] > 0.85  # chance is 0.1
    assert first["losses"][-1] < first["losses"][0]
    if name == "mlp":
        assert first["same"]  # the reloaded model predicts as the trained one
    second = run(to_tinygrad_bn(script), epochs, tmp_path)
    assert second["losses"] == first["losses"]  # tg.manual_seed(0): init, shuffle, dropout
    assert second["test_accuracy"] == first["test_accuracy"]


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_matches_the_pytorch_original(name, tmp_path, ours_once) -> None:
    torch = pytest.importorskip("torch")
    script, epochs = SCRIPTS[name]
    ours = ours_once(name)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 2 cores shared by the whole suite: threads only contend
    try:
        theirs = run(script, epochs, tmp_path)
    finally:
        torch.set_num_threads(threads)
    assert ours["state_keys"] == theirs["state_keys"]
    assert abs(ours["test_accuracy"] - theirs["test_accuracy"]) <= 0.01, \
        (ours["test_accuracy"], theirs["test_accuracy"])


if __name__ == "__main__":  # python tests/test_pytorch_scripts.py: both accuracies side by side
    import tempfile

    import torch

    torch.set_num_threads(1)
    for script_name, (script, epochs) in sorted(SCRIPTS.items()):
        with tempfile.TemporaryDirectory() as directory:
            ours = run(to_tinygrad_bn(script), epochs, Path(directory))
            theirs = run(script, epochs, Path(directory))
        print(f"{script_name}: tinygrad_bn {ours['test_accuracy']:.3f}, "
              f"PyTorch {theirs['test_accuracy']:.3f}")
