"""A convolutional MNIST classifier laid out like PyTorch's official MNIST example:
argparse settings, `train(args, model, device, train_loader, optimizer, epoch)` and
`test(model, device, test_loader)` functions, Adadelta with StepLR, dropout, a
`main()` behind `if __name__ == '__main__'`.

Idioms: `argparse` with `parser.parse_args()`, `torch.manual_seed(args.seed)`,
`torch.device("cuda" if use_cuda else "cpu")`, `train_kwargs.update(cuda_kwargs)`,
`nn.Conv2d`, `nn.Dropout`, `F.relu`, `F.max_pool2d(x, 2)`, `torch.flatten(x, 1)`,
`F.log_softmax(x, dim=1)`, `F.nll_loss`, `data.to(device)`, `batch_idx % log_interval`
progress lines formatted with `.format(... loss.item())`,
`F.nll_loss(output, target, reduction='sum').item()`,
`output.argmax(dim=1, keepdim=True)`, `pred.eq(target.view_as(pred)).sum().item()`,
`optim.Adadelta`, `StepLR(optimizer, step_size=1, gamma=args.gamma)`,
`scheduler.step()`, `model.train()` / `model.eval()`, a `Dataset` subclass whose
`__getitem__` returns `(tensor, int)`, `DataLoader(..., shuffle=True)`.

Framework randomness throughout (initialisation, shuffling, dropout): compared with
PyTorch statistically, not step by step.
"""
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from corpus_data import digits
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(2304, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


class Digits(Dataset):
    def __init__(self, images, labels):
        self.images = ((images - 0.1307) / 0.3081).reshape(-1, 1, 28, 28).astype(np.float32)
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, index):
        return torch.from_numpy(self.images[index]), int(self.labels[index])


step = 0


def train(args, model, device, train_loader, optimizer, epoch):
    global step
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.6f}")
        step += 1
        if batch_idx % args.log_interval == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction='sum').item()
            pred = output.argmax(dim=1, keepdim=True)
            correct += pred.eq(target.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    print(f"final test_loss {test_loss:.6f}")
    print(f"final test_accuracy {correct / len(test_loader.dataset):.6f}")


def main():
    parser = argparse.ArgumentParser(description='PyTorch MNIST Example')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--test-batch-size', type=int, default=250)
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--lr', type=float, default=1.0)
    parser.add_argument('--gamma', type=float, default=0.7)
    parser.add_argument('--no-cuda', action='store_true', default=False)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--log-interval', type=int, default=10)
    args = parser.parse_args()
    use_cuda = not args.no_cuda and torch.cuda.is_available()
    torch.manual_seed(args.seed)
    device = torch.device("cuda" if use_cuda else "cpu")

    train_kwargs = {'batch_size': args.batch_size}
    test_kwargs = {'batch_size': args.test_batch_size}
    if use_cuda:
        cuda_kwargs = {'num_workers': 1, 'pin_memory': True, 'shuffle': True}
        train_kwargs.update(cuda_kwargs)
        test_kwargs.update(cuda_kwargs)

    x_train, y_train, x_test, y_test = digits(800, 500)
    train_loader = DataLoader(Digits(x_train, y_train), shuffle=True, **train_kwargs)
    test_loader = DataLoader(Digits(x_test, y_test), **test_kwargs)

    model = Net().to(device)
    optimizer = optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, device, train_loader, optimizer, epoch)
        test(model, device, test_loader)
        scheduler.step()


if __name__ == '__main__':
    main()
