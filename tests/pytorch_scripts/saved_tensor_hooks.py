"""Hooks for autograd's saved tensors and on graph nodes, the way the saved-tensor-hooks
tutorial and the autograd notes use them: pack/unpack hooks that count and measure what
the forward keeps, hooks that keep it on disk or store it at lower precision, save_on_cpu,
hooks registered on one node's saved tensor, node hooks before and after a node's
backward; then an MLP on digits trained with its activations kept in temporary files
(every other step), whose losses must equal the plain run's.

Idioms: `torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook)` as a context
manager, `def pack_hook(x): ... return x` counting `x.numel()`, a `SelfDeletingTempFile`
whose `__del__` removes the file, `torch.save(tensor, temp_file.name)` in pack and
`torch.load(temp_file.name)` in unpack, a pack hook returning `(x.dtype, x.to(
torch.float32))` and an unpack hook restoring the dtype, `torch.autograd.graph.save_on_cpu(
pin_memory=False)`, a subclass of `saved_tensors_hooks` with `super().__init__(pack,
unpack)`, `y.grad_fn._raw_saved_self.register_hooks(pack, unpack)`,
`y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 2,))`,
`y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: ...)`, `handle.remove()`,
`isinstance(y.grad_fn, torch.autograd.graph.Node)`,
`t.register_post_accumulate_grad_hook(lambda t: ...)` reading `t.grad` once accumulated.

Weights and data come from NumPy; float64; no randomness: the runs take the same path.
"""
import os
import tempfile

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from corpus_data import digits

rng = np.random.default_rng(0)

# 1. Count what the forward keeps.
saved_numel = []


def counting_pack(x):
    saved_numel.append(x.numel())
    return x


def identity_unpack(x):
    return x


a = torch.tensor(rng.standard_normal((5, 4)), requires_grad=True)
b = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
with torch.autograd.graph.saved_tensors_hooks(counting_pack, identity_unpack):
    out = torch.tanh(a @ b).pow(2).sum()
print("tensors saved:", len(saved_numel), "elements:", sum(saved_numel))
assert len(saved_numel) >= 3
out.backward()
grad_a, grad_b = a.grad.clone(), b.grad.clone()
a.grad, b.grad = None, None
torch.tanh(a @ b).pow(2).sum().backward()
assert torch.allclose(a.grad, grad_a) and torch.allclose(b.grad, grad_b)

# 2. Keep them on disk.
tmp_dir = tempfile.TemporaryDirectory()
files_made = [0]


class SelfDeletingTempFile:
    def __init__(self):
        files_made[0] += 1
        self.name = os.path.join(tmp_dir.name, f"saved_{files_made[0]}.pt")

    def __del__(self):
        if os.path.exists(self.name):
            os.remove(self.name)


def pack_to_disk(tensor):
    temp_file = SelfDeletingTempFile()
    torch.save(tensor, temp_file.name)
    return temp_file


def unpack_from_disk(temp_file):
    return torch.load(temp_file.name, weights_only=True)


# 3. Store at lower precision, restore the dtype.
def pack_low(x):
    return x.dtype, x.to(torch.float32)


def unpack_low(packed):
    dtype, low = packed
    return low.to(dtype)


class LowPrecision(torch.autograd.graph.saved_tensors_hooks):
    def __init__(self):
        super().__init__(pack_low, unpack_low)


a.grad = None
with LowPrecision():
    loss = (torch.sin(a) * a).sum()
loss.backward()
exact = torch.cos(a) * a + torch.sin(a)
error = (a.grad - exact).abs().max().item()
print(f"float32 storage error {error:.3e}")
assert 0 < error < 1e-6

a.grad = None
with torch.autograd.graph.save_on_cpu(pin_memory=False):
    loss = (torch.sin(a) * a).sum()
loss.backward()
assert torch.allclose(a.grad, exact)

# 4. Hooks on one node's saved tensor, and on the node itself.
x = torch.tensor(rng.standard_normal(4), requires_grad=True)
y = x.pow(2)
unpacked = []
y.grad_fn._raw_saved_self.register_hooks(lambda t: t * 10, lambda t: unpacked.append(1) or t)
y.sum().backward()
print("gradient through a scaled saved input", x.grad)
assert unpacked and torch.allclose(x.grad, 20 * x)

x.grad = None
y = torch.exp(x)
assert isinstance(y.grad_fn, torch.autograd.graph.Node)
seen = {}
pre = y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 2,))
post = y.grad_fn.register_hook(
    lambda grad_inputs, grad_outputs: seen.update(inp=grad_inputs[0].clone(),
                                                  out=grad_outputs[0].clone()))
y.sum().backward()
assert torch.allclose(seen["out"], torch.full_like(x, 2.0))
assert torch.allclose(x.grad, 2 * torch.exp(x)) and torch.allclose(seen["inp"], x.grad)
pre.remove()
post.remove()
x.grad = None
torch.exp(x).sum().backward()
assert torch.allclose(x.grad, torch.exp(x))

p = torch.tensor(rng.standard_normal(3), requires_grad=True)
q = torch.tensor(rng.standard_normal(3), requires_grad=True)
norms = []
handles = [t.register_post_accumulate_grad_hook(lambda t: norms.append(t.grad.norm()))
           for t in (p, q)]
(p * q).sum().backward()
for handle in handles:
    handle.remove()
assert len(norms) == 2 and torch.allclose(norms[0] ** 2 + norms[1] ** 2,
                                          (p ** 2).sum() + (q ** 2).sum())
print(f"final accumulated_norm {(norms[0] ** 2 + norms[1] ** 2).item():.12e}")

# 5. An MLP trained with its activations on disk every other step.
x_train, y_train, _, _ = digits(256, 0)
xs = torch.tensor(x_train, dtype=torch.float64)
ys = torch.tensor(y_train)


def make_model():
    model = nn.Sequential(nn.Linear(784, 48), nn.ReLU(), nn.Linear(48, 10)).double()
    init = np.random.default_rng(1)
    with torch.no_grad():
        for layer in (model[0], model[2]):
            fan_in = layer.weight.shape[1]
            layer.weight.copy_(torch.tensor(init.uniform(-1, 1, tuple(layer.weight.shape))
                                            / np.sqrt(fan_in)))
            layer.bias.zero_()
    return model


def train(on_disk):
    model = make_model()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
    losses = []
    for step in range(24):
        start = (step * 64) % 256
        xb, yb = xs[start:start + 64], ys[start:start + 64]
        optimizer.zero_grad()
        if on_disk and step % 2 == 0:
            with torch.autograd.graph.saved_tensors_hooks(pack_to_disk, unpack_from_disk):
                loss = F.cross_entropy(model(xb), yb)
        else:
            loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


plain = train(on_disk=False)
files_before = files_made[0]
stored = train(on_disk=True)
print("files written:", files_made[0] - files_before)
assert files_made[0] > files_before
for step, (one, other) in enumerate(zip(plain, stored)):
    assert abs(one - other) <= 1e-9 * abs(one), (step, one, other)
    print(f"step {step} loss {other:.15e}")
print("files left:", len(os.listdir(tmp_dir.name)))
