"""The "learning PyTorch with examples" progression on one small regression problem:
tensors with a hand-written backward pass, then autograd, then custom autograd Functions
(the tutorial's plus the less common ctx features), then nn with a manual update, optim,
a custom nn.Module, and finally a module with Python control flow and weight sharing.

Idioms: `torch.randn`-free setup (weights from linspace), `x.mm(w1)`, `h.clamp(min=0)`,
`grad_h[h < 0] = 0`, `h_relu.t().mm(grad_y_pred)`, `w1 -= learning_rate * grad_w1`,
`(y_pred - y).pow(2).sum().item()`, `requires_grad=True` factories,
`with torch.no_grad(): w -= lr * w.grad; w.grad = None`, a Function with
`ctx.needs_input_grad` returning None for an input that needs none, `ctx.mark_dirty` on a
forward that writes its input in place, `@once_differentiable` (from
torch.autograd.function) on a backward, `ctx.mark_non_differentiable` on an integer
output, `ctx.set_materialize_grads(False)` with a None grad_output, `nn.Sequential`
with `nn.Linear` and `nn.ReLU`, `model.zero_grad()`, `for param in model.parameters():
param -= learning_rate * param.grad` under no_grad, `torch.optim.Adam`, a `TwoLayerNet`
whose forward is `self.linear2(self.linear1(x).clamp(min=0))`, and a `DynamicNet` that
draws the number of reused middle layers with Python's `random` and applies one
`nn.Linear` several times (`for _ in range(random.randint(0, 3))`).

Everything is float64 and drawn from NumPy or Python's random with fixed seeds.
"""
import random

import numpy as np
import torch
import torch.nn as nn
from torch.autograd.function import once_differentiable

dtype = torch.float64
device = torch.device("cpu")
N, D_in, H, D_out = 32, 10, 16, 3
rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((N, D_in)), dtype=dtype, device=device)
y = torch.tensor(rng.standard_normal((N, D_out)), dtype=dtype, device=device)
W1 = rng.standard_normal((D_in, H)) * 0.3
W2 = rng.standard_normal((H, D_out)) * 0.3
step = 0

# 1. Tensors: the backward pass by hand.
w1 = torch.from_numpy(W1.copy())
w2 = torch.from_numpy(W2.copy())
learning_rate = 1e-3
for t in range(20):
    h = x.mm(w1)
    h_relu = h.clamp(min=0)
    y_pred = h_relu.mm(w2)
    loss = (y_pred - y).pow(2).sum().item()
    print(f"step {step} loss {loss:.15e}")
    step += 1
    grad_y_pred = 2.0 * (y_pred - y)
    grad_w2 = h_relu.t().mm(grad_y_pred)
    grad_h_relu = grad_y_pred.mm(w2.t())
    grad_h = grad_h_relu.clone()
    grad_h[h < 0] = 0
    grad_w1 = x.t().mm(grad_h)
    w1 -= learning_rate * grad_w1
    w2 -= learning_rate * grad_w2
manual = (w1.clone(), w2.clone())

# 2. Autograd: the same steps, gradients computed for us.
w1 = torch.tensor(W1, dtype=dtype, requires_grad=True)
w2 = torch.tensor(W2, dtype=dtype, requires_grad=True)
for t in range(20):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad = None
        w2.grad = None
print("autograd equals manual:", torch.allclose(w1, manual[0]) and torch.allclose(w2, manual[1]))
print(f"final manual_vs_autograd {(w1 - manual[0]).abs().max().item():.3e}")


# 3. Custom autograd Functions.
class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


class ScaledMatmul(torch.autograd.Function):
    """a @ b * scale; only the gradients that are needed are computed."""

    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a.mm(b) * scale

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad_output.mm(b.t()) * ctx.scale
        if ctx.needs_input_grad[1]:
            grad_b = a.t().mm(grad_output) * ctx.scale
        return grad_a, grad_b, None


class InplaceSquare(torch.autograd.Function):
    """Squares its input in place: the input is marked dirty and returned."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x.clone())
        x.mul_(x)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_output):
        original, = ctx.saved_tensors
        return 2 * original * grad_output


class SortWithIndices(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        values, indices = torch.sort(x, dim=1)
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(indices)
        ctx.set_materialize_grads(False)
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        if grad_values is None:
            return None
        indices, = ctx.saved_tensors
        grad = torch.zeros_like(grad_values)
        grad.scatter_(1, indices, grad_values)
        return grad


w1 = torch.tensor(W1, dtype=dtype, requires_grad=True)
w2 = torch.tensor(W2, dtype=dtype, requires_grad=True)
relu = MyReLU.apply
for t in range(20):
    y_pred = ScaledMatmul.apply(relu(x.mm(w1)), w2, 1.0)
    loss = (y_pred - y).pow(2).sum()
    print(f"step {step} loss {loss.item():.15e}")
    step += 1
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad = None
        w2.grad = None
print("custom equals autograd:", torch.allclose(w1, manual[0]))

a = torch.tensor([[0.5, -1.5, 2.0]], dtype=dtype, requires_grad=True)
b = a * 1.0
out = InplaceSquare.apply(b)
print(out is b, out.requires_grad)
out.sum().backward()
print(a.grad.tolist())
c = torch.tensor([1.0, 2.0], dtype=dtype, requires_grad=True)
g, = torch.autograd.grad(InplaceSquare.apply(c * 1.0).sum(), c, create_graph=True)
print(g.tolist())
try:
    g.sum().backward()
    raise AssertionError("a once_differentiable backward cannot be differentiated")
except RuntimeError:
    print("once_differentiable refuses double backward")
values, indices = SortWithIndices.apply(a)
print(indices.requires_grad, indices.tolist())
(values * torch.tensor([[1.0, 2.0, 3.0]], dtype=dtype)).sum().backward()
print(a.grad.tolist())
print(f"final sort_grad {a.grad.sum().item():.15e}")

# 4. nn: a Sequential and a hand-written update.
model = nn.Sequential(nn.Linear(D_in, H), nn.ReLU(), nn.Linear(H, D_out)).double()
with torch.no_grad():
    model[0].weight.copy_(torch.from_numpy(W1.T))
    model[0].bias.fill_(0.01)
    model[2].weight.copy_(torch.from_numpy(W2.T))
    model[2].bias.zero_()
loss_fn = nn.MSELoss(reduction='sum')
for t in range(20):
    loss = loss_fn(model(x), y)
    print(f"step {step} loss {loss.item():.15e}")
    step += 1
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad

# 5. optim.
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
for t in range(20):
    loss = loss_fn(model(x), y)
    print(f"step {step} loss {loss.item():.15e}")
    step += 1
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


# 6. A custom Module.
class TwoLayerNet(nn.Module):
    def __init__(self, D_in, H, D_out):
        super(TwoLayerNet, self).__init__()
        self.linear1 = nn.Linear(D_in, H)
        self.linear2 = nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.linear1(x).clamp(min=0)
        return self.linear2(h_relu)


model = TwoLayerNet(D_in, H, D_out).to(dtype)
model.load_state_dict({"linear1.weight": torch.from_numpy(W1.T.copy()),
                       "linear1.bias": torch.zeros(H, dtype=dtype),
                       "linear2.weight": torch.from_numpy(W2.T.copy()),
                       "linear2.bias": torch.zeros(D_out, dtype=dtype)})
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.5)
for t in range(20):
    loss = criterion(model(x), y)
    print(f"step {step} loss {loss.item():.15e}")
    step += 1
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


# 7. Control flow and weight sharing.
class DynamicNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.input_linear = nn.Linear(D_in, H)
        self.middle_linear = nn.Linear(H, H)
        self.output_linear = nn.Linear(H, D_out)

    def forward(self, x):
        h_relu = self.input_linear(x).clamp(min=0)
        for _ in range(random.randint(0, 3)):
            h_relu = self.middle_linear(h_relu).clamp(min=0)
        return self.output_linear(h_relu)


model = DynamicNet().double()
with torch.no_grad():
    for i, p in enumerate(model.parameters()):
        p.copy_(torch.from_numpy(rng.standard_normal(tuple(p.shape)) * 0.2))
print(model)
random.seed(0)
optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9)
for t in range(40):
    loss = criterion(model(x), y)
    print(f"step {step} loss {loss.item():.15e}")
    step += 1
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"final middle_norm {model.middle_linear.weight.norm().item():.15e}")
