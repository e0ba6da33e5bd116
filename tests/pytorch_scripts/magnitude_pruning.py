"""Pruning with torch.nn.utils.prune, in the style of the PyTorch pruning tutorial: a
LeNet whose layers are inspected before and after pruning (the parameter `weight_orig`,
the buffer `weight_mask`, the forward pre-hook, the recomputed `weight`), random and L1
unstructured pruning, structured Ln pruning of whole output channels on top (the masks
combine), `prune.remove` making it permanent, global magnitude pruning across layers with
the sparsity printed per layer, and a custom pruning method; then the usual
train / prune / fine-tune loop on digits: an MLP trained, pruned globally by 50% and then
by another 50% of what is left, fine-tuned after each round (the pruned weights stay zero
because the mask is reapplied on every forward), the masks removed at the end.

Idioms: `import torch.nn.utils.prune as prune`, `list(module.named_parameters())`,
`list(module.named_buffers())`, `module._forward_pre_hooks`, `prune.random_unstructured(
module, name="weight", amount=0.3)`, `prune.l1_unstructured(module, name="bias",
amount=3)`, `prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)`,
`hook._tensor_name`, `prune.remove(module, 'weight')`, `model.state_dict().keys()`,
`for name, module in new_model.named_modules(): if isinstance(module,
torch.nn.Conv2d)`, `parameters_to_prune = ((model.conv1, 'weight'), ...)`,
`prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured,
amount=0.2)`, `100. * float(torch.sum(model.conv1.weight == 0)) /
float(model.conv1.weight.nelement())`, `class FooBarPruningMethod(
prune.BasePruningMethod)` with `PRUNING_TYPE = 'unstructured'` and `mask.view(-1)[::2] =
0`, `FooBarPruningMethod.apply(module, name)`, `prune.is_pruned(model)`,
`torch.optim.SGD` over `model.parameters()` while pruned (it holds `weight_orig`).

The random pruning draws from the framework's generator, but only its count is printed;
the trained MLP starts from NumPy weights, batches come in a fixed order, float64: the
loss trajectory is compared step by step.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.utils.prune as prune
from corpus_data import digits

torch.manual_seed(0)
device = torch.device("cpu")


class LeNet(nn.Module):
    def __init__(self):
        super(LeNet, self).__init__()
        # 1 input image channel, 6 output channels, 5x5 square conv kernel
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)  # 5x5 image dimension
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), (2, 2))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.view(-1, int(x.nelement() / x.shape[0]))
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        return x


model = LeNet().to(device=device)
module = model.conv1
print(list(module.named_parameters()))
print(list(module.named_buffers()))

prune.random_unstructured(module, name="weight", amount=0.3)
print([name for name, _ in module.named_parameters()])
print([name for name, _ in module.named_buffers()])
print(f"final random_pruned {int(torch.sum(module.weight_mask == 0))}")
print(module._forward_pre_hooks)

prune.l1_unstructured(module, name="bias", amount=3)
print(module.bias)
print(f"final bias_zeros {int(torch.sum(module.bias == 0))}")

prune.ln_structured(module, name="weight", amount=0.5, n=2, dim=0)
print(module.weight.shape)
for hook in module._forward_pre_hooks.values():
    if hook._tensor_name == "weight":
        break
print(list(hook))
zero_channels = int((module.weight.abs().sum(dim=(1, 2, 3)) == 0).sum())
print(f"final zero_channels {zero_channels}")
print(model.state_dict().keys())

prune.remove(module, 'weight')
print([name for name, _ in module.named_parameters()])
print([name for name, _ in module.named_buffers()])

new_model = LeNet()
for name, module in new_model.named_modules():
    # prune 20% of connections in all 2D-conv layers
    if isinstance(module, torch.nn.Conv2d):
        prune.l1_unstructured(module, name='weight', amount=0.2)
    # prune 40% of connections in all linear layers
    elif isinstance(module, torch.nn.Linear):
        prune.l1_unstructured(module, name='weight', amount=0.4)
print(dict(new_model.named_buffers()).keys())

model = LeNet()
parameters_to_prune = (
    (model.conv1, 'weight'),
    (model.conv2, 'weight'),
    (model.fc1, 'weight'),
    (model.fc2, 'weight'),
    (model.fc3, 'weight'),
)
prune.global_unstructured(parameters_to_prune, pruning_method=prune.L1Unstructured, amount=0.2)
for name in ("conv1", "conv2", "fc1", "fc2", "fc3"):
    layer = getattr(model, name)
    print("Sparsity in {}.weight: {:.2f}%".format(
        name, 100. * float(torch.sum(layer.weight == 0)) / float(layer.weight.nelement())))
total_zero = sum(float(torch.sum(m.weight == 0)) for m, _ in parameters_to_prune)
total = sum(float(m.weight.nelement()) for m, _ in parameters_to_prune)
print("Global sparsity: {:.2f}%".format(100. * total_zero / total))
print(f"final global_sparsity {total_zero / total:.6f}")


class FooBarPruningMethod(prune.BasePruningMethod):
    """Prune every other entry in a tensor"""
    PRUNING_TYPE = 'unstructured'

    def compute_mask(self, t, default_mask):
        mask = default_mask.clone()
        mask.view(-1)[::2] = 0
        return mask


def foobar_unstructured(module, name):
    FooBarPruningMethod.apply(module, name)
    return module


model = LeNet()
foobar_unstructured(model.fc3, name='bias')
print(model.fc3.bias_mask)
print(f"final foobar_mask_sum {model.fc3.bias_mask.sum().item():.1f}")

# Train, prune, fine-tune, on digits.
x_train, y_train, x_test, y_test = digits(500, 200)
X = torch.from_numpy(x_train).double()
Y = torch.from_numpy(y_train)
Xt = torch.from_numpy(x_test).double()
Yt = torch.from_numpy(y_test)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 64)
        self.fc2 = nn.Linear(64, 32)
        self.fc3 = nn.Linear(32, 10)

    def forward(self, x):
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


net = MLP().double()
rng = np.random.default_rng(4)
with torch.no_grad():
    for p in net.parameters():
        bound = 1.0 / p.shape[-1] ** 0.5
        p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape))))
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
step = 0


def train(epochs):
    global step
    net.train()
    for epoch in range(epochs):
        for i in range(0, X.shape[0], 50):
            optimizer.zero_grad()
            loss = F.cross_entropy(net(X[i:i + 50]), Y[i:i + 50])
            loss.backward()
            optimizer.step()
            print(f"step {step} loss {loss.item():.10f}")
            step += 1


def accuracy():
    net.eval()
    with torch.no_grad():
        return (net(Xt).argmax(1) == Yt).float().mean().item()


train(3)
print(f"final dense_acc {accuracy():.6f}")
to_prune = [(net.fc1, 'weight'), (net.fc2, 'weight'), (net.fc3, 'weight')]
for round_ in range(2):
    prune.global_unstructured(to_prune, pruning_method=prune.L1Unstructured, amount=0.5)
    print(f"round {round_}: is_pruned {prune.is_pruned(net)}, "
          f"fc1 sparsity {float(torch.sum(net.fc1.weight == 0)) / net.fc1.weight.nelement():.3f}")
    train(2)
    print(f"final pruned_acc_{round_} {accuracy():.6f}")
zeros = sum(int(torch.sum(m.weight == 0)) for m, _ in to_prune)
for m, name in to_prune:
    prune.remove(m, name)
print(f"final zeros_kept {zeros}")
print(f"final zeros_after_remove {sum(int(torch.sum(m.weight == 0)) for m, _ in to_prune)}")
print(f"final fc1_norm {net.fc1.weight.norm().item():.10f}")
print(sorted(net.state_dict().keys()))
