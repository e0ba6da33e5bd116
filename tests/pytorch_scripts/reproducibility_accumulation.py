"""The reproducibility recipe and the gradient accumulation / clipping recipes on one
small digits MLP: seeds set for every source of randomness, deterministic algorithms
requested, a DataLoader whose shuffling follows its own seeded Generator, two runs from
the same seed that must match exactly, the generator's state saved and restored to
replay a draw, gradients accumulated over micro-batches (equal to the full batch's),
clipping by norm and by value, and a training loop that accumulates four micro-batches
per optimizer step with the gradient norm clipped.

Idioms: `torch.manual_seed(0)`, `random.seed(0)`, `np.random.seed(0)`,
`torch.use_deterministic_algorithms(True)`, `torch.are_deterministic_algorithms_enabled()`,
`torch.backends.cudnn.deterministic = True`, `torch.backends.cudnn.benchmark = False`,
`def seed_worker(worker_id): worker_seed = torch.initial_seed() % 2**32`,
`g = torch.Generator(); g.manual_seed(0)`, `DataLoader(..., shuffle=True,
worker_init_fn=seed_worker, generator=g)`, `state = torch.get_rng_state()` /
`torch.set_rng_state(state)`, `torch.rand(3)` replayed, `torch.randperm(n, generator=g)`,
`(loss / accumulation_steps).backward()`, `if (i + 1) % accumulation_steps == 0:`,
`torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)` (its returned total
norm), `torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)`,
`torch.nn.utils.get_total_norm([p.grad for p in ...])`, `optimizer.zero_grad(
set_to_none=True)`, `nn.Dropout(0.1)` in training mode.

Initial weights, shuffling and dropout come from the framework's generator: the losses
are compared as means over windows, within the spread across seeds.
"""
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from corpus_data import digits
from torch.utils.data import DataLoader, TensorDataset


def set_seed(seed):
    torch.manual_seed(seed)
    random.seed(seed)
    np.random.seed(seed)


def seed_worker(worker_id):
    worker_seed = torch.initial_seed() % 2**32
    np.random.seed(worker_seed)
    random.seed(worker_seed)


torch.use_deterministic_algorithms(True)
torch.backends.cudnn.deterministic = True
torch.backends.cudnn.benchmark = False
print("deterministic:", torch.are_deterministic_algorithms_enabled())

set_seed(0)
state = torch.get_rng_state()
first = torch.rand(3)
torch.set_rng_state(state)
assert torch.equal(torch.rand(3), first)
g = torch.Generator()
g.manual_seed(7)
perm_a = torch.randperm(10, generator=g)
g.manual_seed(7)
assert torch.equal(torch.randperm(10, generator=g), perm_a)

x_train, y_train, x_test, y_test = digits(512, 200)
dataset = TensorDataset(torch.tensor(x_train), torch.tensor(y_train))


def make_model():
    return nn.Sequential(nn.Linear(784, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10))


def short_run(seed):
    set_seed(seed)
    model = make_model()
    g = torch.Generator()
    g.manual_seed(seed)
    loader = DataLoader(dataset, batch_size=64, shuffle=True, worker_init_fn=seed_worker,
                        generator=g)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for xb, yb in loader:
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


assert short_run(3) == short_run(3)
print("two runs from seed 3 agree")

# Accumulated micro-batch gradients equal the full batch's.
set_seed(1)
model = make_model()
model.eval()  # no dropout: the same function on every micro-batch
xb, yb = dataset[:64]
F.cross_entropy(model(xb), yb).backward()
full = [p.grad.clone() for p in model.parameters()]
model.zero_grad()
for chunk in range(4):
    part = slice(16 * chunk, 16 * (chunk + 1))
    (F.cross_entropy(model(xb[part]), yb[part]) / 4).backward()
for p, expected in zip(model.parameters(), full):
    assert torch.allclose(p.grad, expected, atol=1e-6)
norm = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
clipped_from = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
assert torch.allclose(norm, clipped_from)
after = torch.nn.utils.get_total_norm([p.grad for p in model.parameters()])
print(f"norm {norm.item():.4f} clipped to {after.item():.4f}")
assert after.item() <= 0.5 + 1e-5
torch.nn.utils.clip_grad_value_(model.parameters(), clip_value=0.01)
assert max(p.grad.abs().max().item() for p in model.parameters()) <= 0.01

# Training with four micro-batches per step.
set_seed(0)
model = make_model()
g = torch.Generator()
g.manual_seed(0)
loader = DataLoader(dataset, batch_size=16, shuffle=True, generator=g)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
accumulation_steps = 4
step, running, norms = 0, 0.0, []
model.train()
optimizer.zero_grad(set_to_none=True)
for epoch in range(3):
    for i, (xb, yb) in enumerate(loader):
        loss = F.cross_entropy(model(xb), yb) / accumulation_steps
        loss.backward()
        running += loss.item()
        if (i + 1) % accumulation_steps == 0:
            norms.append(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0).item())
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            print(f"step {step} loss {running:.10f}")
            step, running = step + 1, 0.0
model.eval()
with torch.no_grad():
    logits = model(torch.tensor(x_test))
    test_loss = F.cross_entropy(logits, torch.tensor(y_test)).item()
    accuracy = (logits.argmax(1) == torch.tensor(y_test)).float().mean().item()
print(f"final test_loss {test_loss:.6f}")
print(f"final test_accuracy {accuracy:.6f}")
print(f"final mean_clip_norm {sum(norms) / len(norms):.6f}")
