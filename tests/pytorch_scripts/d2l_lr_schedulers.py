"""Learning-rate scheduling in the idiom of Dive into Deep Learning's chapter on it: one
training function that either steps a scheduler from `torch.optim.lr_scheduler` or, for
a scheduler written by hand, sets `param_group['lr']` on every parameter group; told
apart by `scheduler.__module__ == lr_scheduler.__name__`, as the book does. Schedules: a
square-root decay, a multiplicative factor with a floor, `lr_scheduler.MultiStepLR`, and a
cosine schedule with linear warm-up; the hand-written cosine is compared with
`lr_scheduler.CosineAnnealingLR` value by value.

Idioms: `from torch.optim import lr_scheduler`, `scheduler.__module__ ==
lr_scheduler.__name__`, `for param_group in trainer.param_groups: param_group['lr'] =
scheduler(epoch)`, `scheduler.step()` per epoch, `scheduler.get_last_lr()[0]`,
`trainer.param_groups[0]['lr']`, `lr_scheduler.MultiStepLR(trainer, milestones=[4, 8],
gamma=0.5)`, `lr_scheduler.CosineAnnealingLR(opt, T_max=..., eta_min=...)`, a scheduler
class with `__call__(self, num_update)`, `pow(num_update + 1.0, -0.5)`, `math.cos`,
`nn.Sequential(nn.Flatten(), nn.Linear(...), nn.ReLU(), nn.Linear(...))`,
`net.apply(init)`, `torch.optim.SGD(net.parameters(), lr=lr)`.

Weights from NumPy, batches in a fixed order, float64: both frameworks take the same path.
"""
import math

import numpy as np
import torch
from corpus_data import digits
from torch import nn
from torch.optim import lr_scheduler

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(9)
x_train, y_train, x_test, y_test = digits(500, 200)
X_train = torch.from_numpy(x_train).double().reshape(-1, 1, 28, 28)
X_test = torch.from_numpy(x_test).double().reshape(-1, 1, 28, 28)
Y_train, Y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)
start = [rng.normal(0, 0.05, (64, 784)), rng.normal(0, 0.2, (10, 64))]


def net_fn():
    net = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
    weights = iter(start)

    def init(module):
        if type(module) == nn.Linear:
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(next(weights)))
                module.bias.zero_()

    net.apply(init)
    return net


step = 0
loss = nn.CrossEntropyLoss()


def train(name, net, trainer, num_epochs, scheduler=None, batch_size=100):
    global step
    lrs = []
    for epoch in range(num_epochs):
        for i in range(0, len(X_train), batch_size):
            trainer.zero_grad()
            l = loss(net(X_train[i:i + batch_size]), Y_train[i:i + batch_size])
            l.backward()
            trainer.step()
            print(f"step {step} loss {l.item():.10f}")
            step += 1
        lrs.append(trainer.param_groups[0]['lr'])
        if scheduler:
            if scheduler.__module__ == lr_scheduler.__name__:
                # a scheduler of the library
                scheduler.step()
            else:
                # a scheduler written here
                for param_group in trainer.param_groups:
                    param_group['lr'] = scheduler(epoch)
    with torch.no_grad():
        test_loss = loss(net(X_test), Y_test).item()
    print(f"{name}: lrs {[round(lr, 4) for lr in lrs]}")
    print(f"final {name}_test_loss {test_loss:.10f}")
    print(f"final {name}_last_lr {lrs[-1]:.10f}")


class SquareRootScheduler:
    def __init__(self, lr=0.1):
        self.lr = lr

    def __call__(self, num_update):
        return self.lr * pow(num_update + 1.0, -0.5)


class FactorScheduler:
    def __init__(self, factor=1, stop_factor_lr=1e-7, base_lr=0.1):
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.base_lr = base_lr

    def __call__(self, num_update):
        self.base_lr = max(self.stop_factor_lr, self.base_lr * self.factor)
        return self.base_lr


class CosineScheduler:
    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0,
                 warmup_begin_lr=0):
        self.base_lr_orig = base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.warmup_steps = warmup_steps
        self.warmup_begin_lr = warmup_begin_lr
        self.max_steps = self.max_update - self.warmup_steps

    def get_warmup_lr(self, epoch):
        increase = (self.base_lr_orig - self.warmup_begin_lr) \
            * float(epoch) / float(self.warmup_steps)
        return self.warmup_begin_lr + increase

    def __call__(self, epoch):
        if epoch < self.warmup_steps:
            return self.get_warmup_lr(epoch)
        if epoch <= self.max_update:
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * (
                1 + math.cos(math.pi * (epoch - self.warmup_steps) / self.max_steps)) / 2
        return self.base_lr


lr, num_epochs = 0.5, 10
net = net_fn()
train("constant", net, torch.optim.SGD(net.parameters(), lr=lr), num_epochs)

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=lr)
train("sqrt", net, trainer, num_epochs, scheduler=SquareRootScheduler(lr=lr))

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=lr)
train("factor", net, trainer, num_epochs,
      scheduler=FactorScheduler(factor=0.8, stop_factor_lr=0.1, base_lr=lr))

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=lr)
scheduler = lr_scheduler.MultiStepLR(trainer, milestones=[4, 8], gamma=0.5)
train("multistep", net, trainer, num_epochs, scheduler=scheduler)
print(f"final multistep_get_last_lr {scheduler.get_last_lr()[0]:.10f}")

net = net_fn()
trainer = torch.optim.SGD(net.parameters(), lr=lr)
train("cosine_warmup", net, trainer, num_epochs,
      scheduler=CosineScheduler(8, warmup_steps=2, base_lr=lr, final_lr=0.05))

# The hand-written cosine without warm-up is CosineAnnealingLR's closed form.
ours = CosineScheduler(max_update=12, base_lr=lr, final_lr=0.05)
opt = torch.optim.SGD(net_fn().parameters(), lr=lr)
library = lr_scheduler.CosineAnnealingLR(opt, T_max=12, eta_min=0.05)
gap = 0.0
for epoch in range(12):
    gap = max(gap, abs(opt.param_groups[0]['lr'] - ours(epoch)))
    opt.step()
    library.step()
print(f"final cosine_gap {gap:.3e}")
