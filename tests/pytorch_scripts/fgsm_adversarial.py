"""Adversarial examples by the fast gradient sign method, in the style of the PyTorch
tutorial on adversarial example generation: a small LeNet-like classifier (trained here
for a few steps instead of loaded from a checkpoint), then, for each epsilon, every test
digit the model gets right is perturbed one at a time along the sign of the input's
gradient, clamped back to the valid pixel range, renormalised and classified again,
giving the accuracy under attack and a few adversarial examples.

Idioms: `class Net(nn.Module)` with `F.max_pool2d`, `torch.flatten(x, 1)` and
`F.log_softmax(x, dim=1)`, `F.nll_loss`, `model.double()`, `for name, p in
model.named_parameters(): p.data.copy_(...)`, `optim.SGD(..., momentum=0.9)`,
`DataLoader(..., batch_size=1, shuffle=False)`, `data.requires_grad_()`,
`output.max(1, keepdim=True)[1]`, `init_pred.item() != target.item()`, `model.zero_grad()`,
`data_grad = data.grad.data`, `data_grad.sign()`, `torch.clamp(perturbed_image, 0, 1)`,
a `denorm` with `torch.tensor(mean).to(device)` and `.view(1, -1, 1, 1)`,
`perturbed_data.squeeze().detach().cpu().numpy()`, `final_pred.item() == target.item()`,
`correct / float(len(test_loader))`, `"Epsilon: {}\\tTest Accuracy = {} / {} = {}".format(...)`.

Weights from NumPy, batches in a fixed order, no dropout (the tutorial's model only runs
in eval mode), float64, test digits dithered so that no max-pooling window holds a tie:
both frameworks take the same path.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from corpus_data import digits
from torch.utils.data import DataLoader, TensorDataset

epsilons = [0, .05, .1, .2, .3]
device = torch.device("cpu")
MEAN, STD = 0.1307, 0.3081


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 1)
        self.fc1 = nn.Linear(16 * 5 * 5, 64)
        self.fc2 = nn.Linear(64, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


x_train, y_train, x_test, y_test = digits(600, 60)
# A faint dither on the test digits: max pooling over a blank background meets exact
# ties, and which tied input gets the gradient (so the sign pattern) is up to rounding.
x_test = x_test + np.random.default_rng(5).uniform(0, 1e-3, x_test.shape)
train_loader = DataLoader(TensorDataset(
    torch.from_numpy((x_train - MEAN) / STD).double().view(-1, 1, 28, 28),
    torch.from_numpy(y_train)), batch_size=20, shuffle=False)
test_loader = DataLoader(TensorDataset(
    torch.from_numpy((x_test - MEAN) / STD).double().view(-1, 1, 28, 28),
    torch.from_numpy(y_test)), batch_size=1, shuffle=False)

model = Net().to(device).double()
rng = np.random.default_rng(11)
for name, p in model.named_parameters():
    fan_in = p[0].numel() if p.dim() > 1 else 1
    scale = 1.0 / fan_in ** 0.5 if p.dim() > 1 else 0.0
    p.data.copy_(torch.from_numpy(rng.uniform(-scale, scale, tuple(p.shape))))

optimizer = optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
model.train()
step = 0
for epoch in range(2):
    for data, target in train_loader:
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.10f}")
        step += 1

model.eval()


def fgsm_attack(image, epsilon, data_grad):
    sign_data_grad = data_grad.sign()
    perturbed_image = image + epsilon * sign_data_grad
    perturbed_image = torch.clamp(perturbed_image, 0, 1)
    return perturbed_image


def denorm(batch, mean=[MEAN], std=[STD]):
    if isinstance(mean, list):
        mean = torch.tensor(mean).to(device)
    if isinstance(std, list):
        std = torch.tensor(std).to(device)
    return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)


def test(model, device, test_loader, epsilon):
    correct = 0
    adv_examples = []
    for data, target in test_loader:
        data, target = data.to(device), target.to(device)
        data.requires_grad_()
        output = model(data)
        init_pred = output.max(1, keepdim=True)[1]
        if init_pred.item() != target.item():
            continue
        loss = F.nll_loss(output, target)
        model.zero_grad()
        loss.backward()
        data_grad = data.grad.data
        data_denorm = denorm(data)
        perturbed_data = fgsm_attack(data_denorm, epsilon, data_grad)
        perturbed_data_normalized = (perturbed_data - MEAN) / STD
        output = model(perturbed_data_normalized)
        final_pred = output.max(1, keepdim=True)[1]
        if final_pred.item() == target.item():
            correct += 1
            if epsilon == 0 and len(adv_examples) < 5:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append((init_pred.item(), final_pred.item(), adv_ex))
        else:
            if len(adv_examples) < 5:
                adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                adv_examples.append((init_pred.item(), final_pred.item(), adv_ex))
    final_acc = correct / float(len(test_loader))
    print("Epsilon: {}\tTest Accuracy = {} / {} = {}".format(epsilon, correct, len(test_loader),
                                                             final_acc))
    return final_acc, adv_examples


accuracies = []
examples = []
for eps in epsilons:
    acc, ex = test(model, device, test_loader, eps)
    accuracies.append(acc)
    examples.append(ex)
    print(f"final acc_eps_{int(eps * 100)} {acc:.6f}")

orig, adv, ex = examples[-1][0]
print(f"{orig} -> {adv}", ex.shape, ex.dtype)
print(f"final adv_pixel_sum {sum(float(e[2].sum()) for e in examples[-1]):.9f}")
