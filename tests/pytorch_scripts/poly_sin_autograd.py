"""Fit sin(x) on [-pi, pi] with a cubic, three ways, as the "learning PyTorch with
examples" tutorial does: raw tensors with autograd and a hand-written update, an
nn.Sequential of Linear and Flatten with a hand-written update over model.parameters(),
then the same model with torch.optim.RMSprop.

Idioms: `dtype = torch.float64` / `device = torch.device("cpu")` passed to factories,
`torch.linspace`, `torch.tensor(v, dtype=..., requires_grad=True)` scalars,
`(y_pred - y).pow(2).sum()`, `loss.backward()`, `with torch.no_grad(): a -= lr * a.grad`
(in-place update of a leaf), `a.grad = None`, `x.unsqueeze(-1).pow(p)` with an int64
exponent tensor, `torch.nn.Flatten(0, 1)`, `torch.nn.MSELoss(reduction='sum')`,
`model.zero_grad()`, `for param in model.parameters(): param -= lr * param.grad`,
`param.copy_(...)` under no_grad to set weights, `model[0]` indexing a Sequential,
`linear.weight[:, 0].item()`, `if t % 100 == 99: print(t, loss.item())`,
`optimizer.zero_grad()` / `optimizer.step()`, f-strings of `.item()` values.

Initial coefficients come from NumPy, so both frameworks start from the same point.
"""
import math

import numpy as np
import torch

dtype = torch.float64
device = torch.device("cpu")
rng = np.random.default_rng(0)

x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)

start = rng.standard_normal(4) * 0.1
a = torch.tensor(start[0], device=device, dtype=dtype, requires_grad=True)
b = torch.tensor(start[1], device=device, dtype=dtype, requires_grad=True)
c = torch.tensor(start[2], device=device, dtype=dtype, requires_grad=True)
d = torch.tensor(start[3], device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
step = 0
for t in range(300):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
    print(f"step {step} loss {loss.item():.12e}")
    step += 1
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None
print(f"Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3")

# The same polynomial as a network: features x, x^2, x^3.
p = torch.tensor([1, 2, 3])
xx = x.unsqueeze(-1).pow(p)
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1)).to(dtype)
with torch.no_grad():
    for param in model.parameters():
        param.copy_(torch.from_numpy(rng.standard_normal(tuple(param.shape)) * 0.1))
loss_fn = torch.nn.MSELoss(reduction="sum")
for t in range(300):
    y_pred = model(xx)
    loss = loss_fn(y_pred, y)
    print(f"step {step} loss {loss.item():.12e}")
    step += 1
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param -= learning_rate * param.grad
linear_layer = model[0]
print(f"Result: y = {linear_layer.bias.item()} + {linear_layer.weight[:, 0].item()} x + "
      f"{linear_layer.weight[:, 1].item()} x^2 + {linear_layer.weight[:, 2].item()} x^3")

optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(150):
    loss = loss_fn(model(xx), y)
    print(f"step {step} loss {loss.item():.12e}")
    step += 1
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"final bias {model[0].bias.item():.12e}")
