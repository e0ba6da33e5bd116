"""Custom autograd functions the way PyTorch's tutorials write them, used inside a model
trained with SGD, with gradcheck on each function.

Idioms: `class F(torch.autograd.Function)` with `@staticmethod forward(ctx, input)` and
`backward(ctx, grad_output)`, `ctx.save_for_backward(input)`, `input, = ctx.saved_tensors`,
`ctx.needs_input_grad`, a non-tensor argument in forward (its gradient None), `F.apply`
bound to a name (`P3 = LegendreP3.apply`), a clamp-based ReLU with `grad_input =
grad_output.clone(); grad_input[input < 0] = 0` (masked item assignment), `Clamp`-like
`input.clamp(min=0)`, `torch.autograd.gradcheck(fn, (x,), eps=1e-6, atol=1e-4)` on
float64 inputs, `torch.nn.Parameter(torch.tensor(...))` in a Module, `torch.optim.SGD`
with momentum, `float(loss)`, f"{loss:.6e}" formatting a tensor directly, `model.string()`.

Weights start from fixed values, data are a deterministic grid: float64 on both sides.
"""
import math

import torch


class LegendreP3(torch.autograd.Function):
    """P3(x) = (5x^3 - 3x) / 2, derivative (15x^2 - 3) / 2."""

    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


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


class ScaledTanh(torch.autograd.Function):
    """scale * tanh(x); the scale is a Python float, so its gradient is None."""

    @staticmethod
    def forward(ctx, x, scale):
        y = torch.tanh(x)
        ctx.save_for_backward(y)
        ctx.scale = scale
        return scale * y

    @staticmethod
    def backward(ctx, grad_output):
        y, = ctx.saved_tensors
        grad_x = None
        if ctx.needs_input_grad[0]:
            grad_x = grad_output * ctx.scale * (1 - y * y)
        return grad_x, None


x64 = torch.linspace(-0.9, 0.9, 7, dtype=torch.float64, requires_grad=True)
P3 = LegendreP3.apply
print("gradcheck P3", torch.autograd.gradcheck(P3, (x64,), eps=1e-6, atol=1e-4))
shifted = (x64 + 0.05).detach().requires_grad_()
print("gradcheck relu", torch.autograd.gradcheck(MyReLU.apply, (shifted,)))
print("gradcheck tanh", torch.autograd.gradcheck(lambda t: ScaledTanh.apply(t, 2.5), (x64,)))


class Polynomial(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.a = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
        self.b = torch.nn.Parameter(torch.tensor(-1.0, dtype=torch.float64))
        self.c = torch.nn.Parameter(torch.tensor(0.0, dtype=torch.float64))
        self.d = torch.nn.Parameter(torch.tensor(0.3, dtype=torch.float64))

    def forward(self, x):
        return self.a + self.b * P3(self.c + self.d * x)

    def string(self):
        return f"y = {self.a.item()} + {self.b.item()} * P3({self.c.item()} + {self.d.item()} x)"


x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float64)
y = torch.sin(x)
model = Polynomial()
optimizer = torch.optim.SGD(model.parameters(), lr=5e-6, momentum=0.9)
criterion = torch.nn.MSELoss(reduction="sum")
for t in range(400):
    loss = criterion(model(x), y)
    print(f"step {t} loss {loss:.12e}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(model.string())

# A two-layer net whose activations are the custom functions.
w1 = torch.linspace(-1, 1, 32, dtype=torch.float64).reshape(1, 32).requires_grad_()
w2 = (torch.linspace(-0.5, 0.5, 32, dtype=torch.float64).reshape(32, 1) * 0.3).requires_grad_()
target = torch.sin(2 * x).unsqueeze(1)
for t in range(150):
    hidden = ScaledTanh.apply(MyReLU.apply(x.unsqueeze(1) @ w1 - 0.1), 1.5)
    loss = ((hidden @ w2 - target) ** 2).mean()
    print(f"step {400 + t} loss {float(loss):.12e}")
    loss.backward()
    with torch.no_grad():
        w1 -= 0.05 * w1.grad
        w2 -= 0.05 * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
print(f"final w2norm {w2.norm().item():.12e}")
