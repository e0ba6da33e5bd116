"""An MNIST MLP trained through DataLoaders built from samplers, in the style of the
classifier tutorials and the many train/validation-split recipes: a shuffled index list
cut into SubsetRandomSampler train and validation parts, class-balancing with a
WeightedRandomSampler over an unbalanced subset, a BatchSampler over a SequentialSampler
as `batch_sampler=`, seeded `torch.Generator`s passed to samplers and loaders, and the
classic tutorial evaluation loop.

Idioms: `indices = list(range(len(dataset)))`, `np.random.seed`/`np.random.shuffle`,
`split = int(np.floor(valid_size * num_train))`, `SubsetRandomSampler(train_idx,
generator=g)`, `DataLoader(dataset, batch_size=..., sampler=...)`,
`torch.Generator().manual_seed(0)`, `torch.bincount(labels)`, `1.0 / class_counts`,
`sample_weights = class_weights[labels]`, `WeightedRandomSampler(weights=sample_weights,
num_samples=len(sample_weights), replacement=True, generator=g)`,
`BatchSampler(SequentialSampler(dataset), batch_size=..., drop_last=False)` as
`batch_sampler=`, `RandomSampler(dataset, generator=g)`, `DataLoader(..., shuffle=True,
generator=g)`, `nn.Sequential(nn.Flatten(), nn.Linear, nn.ReLU, ...)`,
`optim.SGD(net.parameters(), lr=0.1, momentum=0.9)`, `running_loss += loss.item()` with
`if i % 10 == 9: print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 10:.3f}')`,
`_, predicted = torch.max(outputs.data, 1)`, `total += labels.size(0)`, `correct +=
(predicted == labels).sum().item()`, per-class accuracy with `zip(labels, predictions)`
and `label.item()` dict keys, `100 * correct // total`, `.tolist()` of a bincount.

Batch order and initial weights come from the frameworks' generators: compared with
PyTorch in a band. The counts the samplers deliver are checked by the script itself.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from corpus_data import digits
from torch.utils.data import (
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)

torch.manual_seed(0)
x_train, y_train, x_test, y_test = digits(1200, 400)
dataset = TensorDataset(torch.from_numpy(x_train).view(-1, 1, 28, 28),
                        torch.from_numpy(y_train))
testset = TensorDataset(torch.from_numpy(x_test).view(-1, 1, 28, 28),
                        torch.from_numpy(y_test))

valid_size = 0.2
num_train = len(dataset)
indices = list(range(num_train))
split = int(np.floor(valid_size * num_train))
np.random.seed(0)
np.random.shuffle(indices)
train_idx, valid_idx = indices[split:], indices[:split]
g = torch.Generator().manual_seed(0)
train_loader = DataLoader(dataset, batch_size=40,
                          sampler=SubsetRandomSampler(train_idx, generator=g))
valid_loader = DataLoader(dataset, batch_size=120, sampler=SubsetRandomSampler(valid_idx))
seen = sum(len(labels) for _, labels in train_loader)
assert seen == len(train_idx), seen

net = nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)


def evaluate(loader):
    correct = 0
    total = 0
    net.eval()
    with torch.no_grad():
        for images, labels in loader:
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    net.train()
    return correct / total


step = 0
for epoch in range(2):
    running_loss = 0.0
    for i, data in enumerate(train_loader, 0):
        inputs, labels = data
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        print(f"step {step} loss {loss.item():.6f}")
        step += 1
        if i % 10 == 9:
            print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 10:.3f}')
            running_loss = 0.0
    print(f"final valid_accuracy {evaluate(valid_loader):.6f}")

# An unbalanced subset (few sevens, eights and nines), rebalanced by a weighted sampler.
keep = [i for i in range(num_train) if y_train[i] < 7 or i % 3 == 0]
labels = torch.from_numpy(y_train[keep])
class_counts = torch.bincount(labels)
print('class counts', class_counts.tolist())
class_weights = 1.0 / class_counts.float()
sample_weights = class_weights[labels]
sampler = WeightedRandomSampler(weights=sample_weights, num_samples=len(sample_weights),
                                replacement=True, generator=torch.Generator().manual_seed(1))
subset = TensorDataset(dataset.tensors[0][keep], labels)
weighted_loader = DataLoader(subset, batch_size=50, sampler=sampler)
drawn = torch.cat([y for _, y in weighted_loader])
drawn_counts = torch.bincount(drawn, minlength=10)
print('drawn counts', drawn_counts.tolist())
assert drawn_counts.min().item() > 0.5 * len(drawn) / 10, drawn_counts
for inputs, targets in weighted_loader:
    optimizer.zero_grad()
    loss = criterion(net(inputs), targets)
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.6f}")
    step += 1

ordered = DataLoader(testset, batch_sampler=BatchSampler(SequentialSampler(testset),
                                                         batch_size=64, drop_last=False))
first_labels = next(iter(ordered))[1]
assert first_labels.tolist() == y_test[:64].tolist()
shuffled = DataLoader(testset, batch_size=100,
                      sampler=RandomSampler(testset, generator=torch.Generator().manual_seed(2)))
assert sorted(torch.cat([y for _, y in shuffled]).tolist()) == sorted(y_test.tolist())

classes = [str(k) for k in range(10)]
correct_pred = {classname: 0 for classname in classes}
total_pred = {classname: 0 for classname in classes}
correct = total = 0
net.eval()
with torch.no_grad():
    for images, labels in ordered:
        outputs = net(images)
        _, predictions = torch.max(outputs, 1)
        for label, prediction in zip(labels, predictions):
            if label == prediction:
                correct_pred[classes[label.item()]] += 1
            total_pred[classes[label]] += 1
        total += labels.size(0)
        correct += (predictions == labels).sum().item()
for classname, correct_count in correct_pred.items():
    accuracy = 100 * float(correct_count) / total_pred[classname]
    print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
print(f'Accuracy of the network on the test images: {100 * correct // total} %')
print(f"final test_accuracy {correct / total:.6f}")
