"""Hooks and gradient checkpointing the way feature-extraction, debugging and
memory-saving recipes use them: forward hooks that capture activations into a dict,
a forward pre-hook that rescales a layer's input, full backward hooks that record and
clip gradients, tensor hooks on parameters, a hook removed through its handle; then the
same network trained with torch.utils.checkpoint around each block, and a chain of the
blocks with checkpoint_sequential: losses and gradients must equal the plain runs'.

Idioms: `activation = {}` with `def get_activation(name): def hook(model, input, output):
activation[name] = output.detach()`, `model.fc1.register_forward_hook(...)`,
`register_forward_pre_hook(lambda module, args: (args[0] * 0.5,))`,
`register_full_backward_hook(lambda module, grad_input, grad_output: ...)` returning a
new grad_input tuple, `p.register_hook(lambda grad: grad.clamp(-c, c))` on every
parameter, `handle.remove()`, `for name, module in model.named_modules()`,
`isinstance(module, nn.Linear)`, `from torch.utils.checkpoint import checkpoint,
checkpoint_sequential`, `checkpoint(block, x, use_reentrant=False)`,
`checkpoint_sequential(model.blocks, 2, x, use_reentrant=False)`, a ModuleList of
residual blocks (`x = x + block(x)`), `nn.LayerNorm`, `nn.GELU()`, `torch.allclose` of
every `.grad`, `[p.grad.clone() for p in model.parameters()]`, `optimizer.zero_grad(
set_to_none=True)`, `torch.optim.AdamW`.

Weights and data come from NumPy; float64; no randomness: the runs take the same path.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(7)
D, H, N = 6, 12, 32
x_data = rng.standard_normal((N, D))
y_data = np.sin(x_data.sum(1, keepdims=True))


class Block(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.fc = nn.Linear(width, width)
        self.act = nn.GELU()

    def forward(self, x):
        return self.act(self.fc(self.norm(x)))


class Net(nn.Module):
    def __init__(self, use_checkpoint=None):
        super().__init__()
        self.fc1 = nn.Linear(D, H)
        self.blocks = nn.ModuleList([Block(H) for _ in range(3)])
        self.head = nn.Linear(H, 1)
        self.use_checkpoint = use_checkpoint

    def forward(self, x):
        x = torch.tanh(self.fc1(x))
        if self.use_checkpoint == "each":
            for block in self.blocks:
                x = x + checkpoint(block, x, use_reentrant=False)
        elif self.use_checkpoint == "sequential":
            x = checkpoint_sequential(nn.Sequential(*self.blocks), 2, x, use_reentrant=False)
        elif self.use_checkpoint == "chain":
            for block in self.blocks:
                x = block(x)
        else:
            for block in self.blocks:
                x = x + block(x)
        return self.head(x)


init = None


def make(use_checkpoint=None):
    global init
    model = Net(use_checkpoint)
    if init is None:
        init = {k: rng.standard_normal(tuple(v.shape)) * 0.3 for k, v in model.state_dict().items()}
    model.load_state_dict({k: torch.from_numpy(v) for k, v in init.items()})
    return model


x, y = torch.from_numpy(x_data), torch.from_numpy(y_data)
model = make()

activation = {}


def get_activation(name):
    def hook(model, input, output):
        activation[name] = output.detach()
    return hook


handles = [model.fc1.register_forward_hook(get_activation('fc1'))]
for name, module in model.named_modules():
    if isinstance(module, nn.Linear) and name.startswith('blocks'):
        handles.append(module.register_forward_hook(get_activation(name)))
out = model(x)
print(sorted(activation), tuple(activation['fc1'].shape), activation['blocks.2.fc'].requires_grad)
print(f"final act_mean {activation['blocks.1.fc'].mean().item():.15e}")
for h in handles:
    h.remove()
activation.clear()
model(x)
print("after remove:", len(activation))

pre = model.head.register_forward_pre_hook(lambda module, args: (args[0] * 0.5,))
halved = model(x)
pre.remove()
print(torch.allclose(halved - model.head.bias, (out - model.head.bias) * 0.5))

grad_norms = {}


def record(name):
    def hook(module, grad_input, grad_output):
        grad_norms[name] = grad_output[0].norm().item()
        return tuple(None if g is None else g.clamp(-0.05, 0.05) for g in grad_input)
    return hook


hooks = [module.register_full_backward_hook(record(name))
         for name, module in model.named_modules() if isinstance(module, Block)]
F.mse_loss(model(x), y).backward()
print(sorted(grad_norms))
print(f"final block_grad_norm {grad_norms['blocks.0']:.15e}")
print(f"final fc1_grad_clipped {model.fc1.weight.grad.norm().item():.15e}")
for h in hooks:
    h.remove()
model.zero_grad(set_to_none=True)

clip_handles = [p.register_hook(lambda grad: grad.clamp(-0.1, 0.1)) for p in model.parameters()]
F.mse_loss(model(x), y).backward()
print("max |grad|:", max(p.grad.abs().max().item() for p in model.parameters()) <= 0.1)
for h in clip_handles:
    h.remove()

# Training: plain, checkpointed per block, checkpoint_sequential: the same steps.
runs = {}
for mode in (None, "each", "chain", "sequential"):
    model = make(mode)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2, weight_decay=1e-2)
    losses = []
    for step in range(25):
        optimizer.zero_grad(set_to_none=True)
        loss = F.mse_loss(model(x), y)
        loss.backward()
        if step == 0:
            first_grads = [p.grad.clone() for p in model.parameters()]
        optimizer.step()
        losses.append(loss.item())
    runs[mode] = (losses, first_grads)
plain, each, chain, sequential = runs[None], runs["each"], runs["chain"], runs["sequential"]
print("checkpointed grads equal:",
      all(torch.allclose(a, b, rtol=1e-12, atol=1e-14) for a, b in zip(plain[1], each[1])))
print("each-block losses equal:", np.allclose(plain[0], each[0], rtol=1e-12, atol=0))
print("sequential-segment losses equal:", np.allclose(chain[0], sequential[0], rtol=1e-12, atol=0))
print(f"final chain_loss {sequential[0][-1]:.15e}")
for i, value in enumerate(each[0]):
    print(f"step {i} loss {value:.15e}")
