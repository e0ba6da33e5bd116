"""A spatial transformer network, in the style of the PyTorch tutorial on it (Jaderberg et
al.): digits distorted by random rotations, scalings and shifts (themselves made with
`F.affine_grid` + `F.grid_sample` from NumPy angles), a classifier whose input first goes
through a localization network that regresses a 2x3 affine matrix, initialised to the
identity, and samples the input on the grid that matrix gives; trained with Adam and
`F.nll_loss`, then tested, and the learnt transforms of a test batch summarised.

Idioms: `self.localization = nn.Sequential(nn.Conv2d(1, 8, kernel_size=7),
nn.MaxPool2d(2, stride=2), nn.ReLU(True), ...)`, `self.fc_loc[2].weight.data.zero_()`,
`self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))`,
`xs.view(-1, 10 * 3 * 3)`, `theta.view(-1, 2, 3)`, `F.affine_grid(theta, x.size())`,
`F.grid_sample(x, grid)`, `F.relu(F.max_pool2d(self.conv1(x), 2))`, `x.view(-1, 320)`,
`F.log_softmax(x, dim=1)`, `optim.Adam(model.parameters(), lr=0.002)`,
`F.nll_loss(output, target, reduction='sum').item()`, `output.max(1, keepdim=True)[1]`,
`pred.eq(target.view_as(pred)).sum().item()`, `model.stn(data).cpu()`,
`F.grid_sample(..., padding_mode='border', align_corners=True)`.

The tutorial's dropout layers are left out and the weights come from NumPy, batches in
order, float64: both frameworks take the same path. A faint NumPy dither on the digits
keeps max-pooling from near-ties on a blank background (where the last bit of a sampled
pixel would pick the maximum, and the run would drift chaotically).
"""
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from corpus_data import digits
from torch.utils.data import DataLoader, TensorDataset

device = torch.device("cpu")
rng = np.random.default_rng(5)


def distort(images, seed):
    """Each digit rotated, scaled and shifted by a random affine map."""
    pick = np.random.default_rng(seed)
    n = len(images)
    angle = pick.uniform(-math.pi / 4, math.pi / 4, n)
    scale = pick.uniform(0.9, 1.3, n)
    shift = pick.uniform(-0.2, 0.2, (n, 2))
    theta = np.stack([np.stack([scale * np.cos(angle), -scale * np.sin(angle), shift[:, 0]], 1),
                      np.stack([scale * np.sin(angle), scale * np.cos(angle), shift[:, 1]], 1)],
                     1)
    x = torch.from_numpy(images).double().view(-1, 1, 28, 28)
    grid = F.affine_grid(torch.from_numpy(theta), x.size(), align_corners=False)
    # a faint dither, as a scanned digit has: no blank patch whose pooled maxima tie
    dither = torch.from_numpy(pick.uniform(0.0, 0.05, tuple(x.shape)))
    return F.grid_sample(x, grid, align_corners=False) + dither


x_train, y_train, x_test, y_test = digits(400, 200)
train_loader = DataLoader(TensorDataset(distort(x_train, 1), torch.from_numpy(y_train)),
                          batch_size=40, shuffle=False)
test_loader = DataLoader(TensorDataset(distort(x_test, 2), torch.from_numpy(y_test)),
                         batch_size=100, shuffle=False)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 10, kernel_size=5)
        self.conv2 = nn.Conv2d(10, 20, kernel_size=5)
        self.fc1 = nn.Linear(320, 50)
        self.fc2 = nn.Linear(50, 10)

        # Spatial transformer localization-network
        self.localization = nn.Sequential(
            nn.Conv2d(1, 8, kernel_size=7),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True),
            nn.Conv2d(8, 10, kernel_size=5),
            nn.MaxPool2d(2, stride=2),
            nn.ReLU(True)
        )

        # Regressor for the 3 * 2 affine matrix
        self.fc_loc = nn.Sequential(
            nn.Linear(10 * 3 * 3, 32),
            nn.ReLU(True),
            nn.Linear(32, 3 * 2)
        )

        # Initialize the weights/bias with identity transformation
        self.fc_loc[2].weight.data.zero_()
        self.fc_loc[2].bias.data.copy_(torch.tensor([1, 0, 0, 0, 1, 0], dtype=torch.float))

    # Spatial transformer network forward function
    def stn(self, x):
        xs = self.localization(x)
        xs = xs.view(-1, 10 * 3 * 3)
        theta = self.fc_loc(xs)
        theta = theta.view(-1, 2, 3)

        grid = F.affine_grid(theta, x.size(), align_corners=False)
        x = F.grid_sample(x, grid, align_corners=False)

        return x

    def forward(self, x):
        # transform the input
        x = self.stn(x)

        # Perform the usual forward pass
        x = F.relu(F.max_pool2d(self.conv1(x), 2))
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        x = x.view(-1, 320)
        x = F.relu(self.fc1(x))
        x = self.fc2(x)
        return F.log_softmax(x, dim=1)


model = Net().to(device)
with torch.no_grad():  # the same weights on both frameworks; fc_loc[2] stays the identity
    for name, p in model.named_parameters():
        if name.startswith("fc_loc.2"):
            continue
        fan_in = p[0].numel() if p.dim() > 1 else p.numel()
        bound = 1.0 / fan_in ** 0.5
        p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape))))
model = model.double()
print("identity theta", model.fc_loc[2].bias.tolist())

optimizer = optim.Adam(model.parameters(), lr=0.002)
step = 0


def train(epoch):
    global step
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)

        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.12f}")
        step += 1
        if batch_idx % 5 == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(data), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test():
    with torch.no_grad():
        model.eval()
        test_loss = 0
        correct = 0
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)

            # sum up batch loss
            test_loss += F.nll_loss(output, target, reduction='sum').item()
            # get the index of the max log-probability
            pred = output.max(1, keepdim=True)[1]
            correct += pred.eq(target.view_as(pred)).sum().item()

        test_loss /= len(test_loader.dataset)
        print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'
              .format(test_loss, correct, len(test_loader.dataset),
                      100. * correct / len(test_loader.dataset)))
        return test_loss, correct / len(test_loader.dataset)


for epoch in range(1, 7):
    train(epoch)
    test_loss, accuracy = test()
print(f"final test_loss {test_loss:.10f}")
print(f"final test_accuracy {accuracy:.4f}")

# Visualize the STN transformation on some input batch (here: summarised in numbers)
with torch.no_grad():
    data = next(iter(test_loader))[0].to(device)
    input_tensor = data.cpu()
    transformed_input_tensor = model.stn(data).cpu()
    theta = model.fc_loc(model.localization(data).view(-1, 10 * 3 * 3)).view(-1, 2, 3)
print(f"final transformed_sum {transformed_input_tensor.sum().item():.10f}")
print(f"final theta_mean_abs {theta.abs().mean().item():.10f}")
print(f"final theta_det_mean {torch.linalg.det(theta[:, :, :2]).mean().item():.10f}")

# The same sampling with border padding and corner-aligned grids, and its gradients
theta = theta[:8].clone().requires_grad_(True)
image = input_tensor[:8].clone().requires_grad_(True)
grid = F.affine_grid(theta, image.size(), align_corners=True)
out = F.grid_sample(image, grid, mode='bilinear', padding_mode='border', align_corners=True)
(out * out).sum().backward()
print(f"final border_sum {out.sum().item():.10f}")
print(f"final theta_grad_norm {theta.grad.norm().item():.10f}")
print(f"final image_grad_sum {image.grad.sum().item():.10f}")
nearest = F.grid_sample(image, grid, mode='nearest', padding_mode='zeros', align_corners=True)
print(f"final nearest_sum {nearest.sum().item():.10f}")
