"""Custom autograd Functions that support double backward, as the "Double Backward with
Custom Functions" tutorial builds them: a backward written with differentiable tensor ops
on a saved input, one on a saved output, intermediate results returned as extra outputs
so they can be saved, and a backward that is itself a custom Function with its own
backward; each checked with gradcheck and gradgradcheck. Then Sobolev training: a small
network built from these Functions fits both a function and its derivative, so every
step differentiates through the custom backwards (create_graph=True).

Idioms: `forward(ctx, x)` with `ctx.save_for_backward(x)` and a backward of tensor ops,
the split style `forward(x)` + `setup_context(ctx, inputs, output)` with `x, = inputs`,
a forward returning `(out, expx, expnegx)` whose `setup_context` saves the extra outputs
and whose `backward(ctx, grad_out, grad_expx, grad_expnegx)` accumulates all three,
a wrapper `def sinh(x): return Sinh.apply(x)[0]`, `ctx.mark_non_differentiable`, a
`CubeBackward(torch.autograd.Function)` called from `Cube.backward`, `@once_differentiable`
(from torch.autograd.function) with gradgradcheck raising, `torch.autograd.gradcheck(f,
(x,))` and `torch.autograd.gradgradcheck(f, (x,))` on float64 inputs with
`requires_grad=True`, `torch.autograd.grad(y.sum(), x, create_graph=True)` inside a
training loop, `torch.optim.Adam`.

Weights and data come from NumPy, float64, no randomness: both runs take the same path.
"""

import numpy as np
import torch
from torch.autograd.function import once_differentiable


class Softplus(torch.autograd.Function):
    """log(1 + e^x); its backward sigmoid(x) * g is made of differentiable ops on x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.log1p(torch.exp(-x.abs())) + x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return grad_out * torch.sigmoid(x)


class Exp(torch.autograd.Function):
    """e^x, its backward reads the saved output."""

    @staticmethod
    def forward(x):
        return x.exp()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad_out):
        result, = ctx.saved_tensors
        return grad_out * result


class Cosh(torch.autograd.Function):
    """cosh(x) = (e^x + e^-x) / 2; e^x and e^-x are returned too so that they can be saved
    (a tensor made inside forward and saved would be no part of the graph)."""

    @staticmethod
    def forward(x):
        expx, expnegx = torch.exp(x), torch.exp(-x)
        return (expx + expnegx) / 2, expx, expnegx

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, expx, expnegx = output
        ctx.save_for_backward(expx, expnegx)

    @staticmethod
    def backward(ctx, grad_out, grad_expx, grad_expnegx):
        expx, expnegx = ctx.saved_tensors
        grad_input = grad_out * (expx - expnegx) / 2
        # the extra outputs are used by the double backward: their gradients count
        grad_input = grad_input + grad_expx * expx
        grad_input = grad_input - grad_expnegx * expnegx
        return grad_input


def cosh(x):
    return Cosh.apply(x)[0]


class CubeBackward(torch.autograd.Function):
    """The backward of x^3 as a Function of its own: g * 3x^2, differentiated by hand."""

    @staticmethod
    def forward(grad_out, x):
        return grad_out * 3 * x ** 2

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(*inputs)

    @staticmethod
    def backward(ctx, grad_out):
        grad_prev, x = ctx.saved_tensors
        return grad_out * 3 * x ** 2, grad_out * grad_prev * 6 * x


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(x):
        return x ** 3

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, = inputs
        ctx.save_for_backward(x)

    @staticmethod
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return CubeBackward.apply(grad_out, x)


class RoundedSquare(torch.autograd.Function):
    """x^2 whose backward is not differentiable: gradgradcheck must refuse it."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        x, = ctx.saved_tensors
        return grad_out * 2 * x


class ArgmaxAndMax(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        values, indices = x.max(dim=1)
        ctx.mark_non_differentiable(indices)
        ctx.save_for_backward(x, indices)
        return values, indices

    @staticmethod
    def backward(ctx, grad_values, grad_indices):
        x, indices = ctx.saved_tensors
        grad = torch.zeros_like(x)
        grad.scatter_(1, indices.unsqueeze(1), grad_values.unsqueeze(1))
        return grad


x = torch.linspace(-1.5, 1.5, 7, dtype=torch.float64, requires_grad=True)
for name, fn in (("softplus", Softplus.apply), ("exp", Exp.apply), ("cosh", cosh),
                 ("cube", Cube.apply)):
    ok = torch.autograd.gradcheck(fn, (x,)) and torch.autograd.gradgradcheck(fn, (x,))
    print(name, "gradcheck and gradgradcheck:", ok)
    assert ok
assert torch.autograd.gradcheck(RoundedSquare.apply, (x,))
try:
    torch.autograd.gradgradcheck(RoundedSquare.apply, (x,))
    raise AssertionError("a once_differentiable backward has no double backward")
except RuntimeError as err:
    print("RuntimeError:", str(err).splitlines()[0][:70])

m = torch.tensor([[0.1, 0.9, 0.3], [0.8, 0.2, 0.4]], dtype=torch.float64, requires_grad=True)
values, indices = ArgmaxAndMax.apply(m)
assert not indices.requires_grad and values.requires_grad
(values * torch.tensor([2.0, 3.0], dtype=torch.float64)).sum().backward()
assert m.grad.tolist() == [[0.0, 2.0, 0.0], [3.0, 0.0, 0.0]]
assert torch.autograd.gradcheck(lambda t: ArgmaxAndMax.apply(t)[0], (m,))

# The second derivatives through the custom backwards, against autograd's own.
y = torch.linspace(-1, 1, 5, dtype=torch.float64, requires_grad=True)
for fn, ref in ((Softplus.apply, torch.nn.functional.softplus), (cosh, torch.cosh),
                (Cube.apply, lambda t: t ** 3)):
    g1, = torch.autograd.grad(fn(y).sum(), y, create_graph=True)
    g2, = torch.autograd.grad(g1.sum(), y)
    r1, = torch.autograd.grad(ref(y).sum(), y, create_graph=True)
    r2, = torch.autograd.grad(r1.sum(), y)
    assert torch.allclose(g1, r1) and torch.allclose(g2, r2)

# Sobolev training: fit f(t) = sin(2t) and f'(t) with a net of the custom Functions.
rng = np.random.default_rng(0)
t = torch.linspace(-2, 2, 48, dtype=torch.float64).unsqueeze(1)
target = torch.sin(2 * t)
target_slope = 2 * torch.cos(2 * t)
w1 = torch.tensor(rng.standard_normal((1, 16)), requires_grad=True)
b1 = torch.tensor(rng.standard_normal(16) * 0.5, requires_grad=True)
w2 = torch.tensor(rng.standard_normal((16, 16)) / 4, requires_grad=True)
w3 = torch.tensor(rng.standard_normal((16, 1)) / 4, requires_grad=True)
params = [w1, b1, w2, w3]
optimizer = torch.optim.Adam(params, lr=0.01)


def net(inputs):
    h = Softplus.apply(inputs @ w1 + b1)
    h = cosh(h @ w2 * 0.5) - 1
    return Cube.apply(h) @ w3 * 0.5 + h @ w3


for step in range(40):
    inputs = t.clone().requires_grad_(True)
    out = net(inputs)
    slope, = torch.autograd.grad(out.sum(), inputs, create_graph=True)
    loss = ((out - target) ** 2).mean() + 0.5 * ((slope - target_slope) ** 2).mean()
    print(f"step {step} loss {loss.item():.15e}")
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

inputs = t.clone().requires_grad_(True)
out = net(inputs)
slope, = torch.autograd.grad(out.sum(), inputs)
print(f"final value_error {((out - target) ** 2).mean().item():.12e}")
print(f"final slope_error {((slope - target_slope) ** 2).mean().item():.12e}")
print(f"final w3_norm {w3.norm().item():.12e}")
