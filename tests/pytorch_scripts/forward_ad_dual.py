"""Forward-mode automatic differentiation as the forward-AD tutorial teaches it: dual
tensors inside a dual level, their primal and tangent, Jacobian-vector products of a
function, of a module whose parameters are made dual (by attribute swap and by
functional_call), a custom Function with a forward-mode rule, and torch.func.jvp / jacfwd
agreeing with reverse mode; then forward-gradient descent (a direction drawn per step, the
directional derivative by one forward pass, the step along the direction) on a small
regression, next to the same loop with reverse-mode gradients.

Idioms: `import torch.autograd.forward_ad as fwAD`, `with fwAD.dual_level():`,
`fwAD.make_dual(primal, tangent)`, `fwAD.unpack_dual(dual_output).tangent` and
`.primal`, unpacking `primal, tangent = fwAD.unpack_dual(t)`, a tangent of None for a
non-dual tensor, `fn(x, y)` with one dual argument, `model = nn.Linear(5, 5)` with
`delattr(model, name)` / `setattr(model, name, fwAD.make_dual(p, tangent))` on
`model.named_parameters()` detached copies, `from torch.func import functional_call,
jvp, jacfwd, jacrev`, `functional_call(model, dual_params, (input,))`, a custom Function
with `@staticmethod jvp(ctx, gI)` reading `ctx.save_for_forward(x)` / `ctx.saved_tensors`
and a `ctx.fn` attribute, `torch.func.jvp(f, (x,), (v,))` returning `(out, jvp_out)`,
`jacfwd(f)(x)` against `jacrev(f)(x)`, `torch.autograd.grad` for the reverse check.

Data, weights and directions come from NumPy; float64: both runs take the same path.
"""
import numpy as np
import torch
import torch.autograd.forward_ad as fwAD
import torch.nn as nn
from torch.func import functional_call, jacfwd, jacrev, jvp

rng = np.random.default_rng(0)
primal = torch.tensor(rng.standard_normal((4, 3)))
tangent = torch.tensor(rng.standard_normal((4, 3)))
other = torch.tensor(rng.standard_normal((4, 3)))


def fn(x, y):
    return x ** 2 + torch.sin(y) * x


with fwAD.dual_level():
    dual_input = fwAD.make_dual(primal, tangent)
    plain = fwAD.unpack_dual(other)
    assert plain.tangent is None
    dual_output = fn(dual_input, other)
    jvp_out = fwAD.unpack_dual(dual_output).tangent
    out_primal, out_tangent = fwAD.unpack_dual(dual_output)
expected = (2 * primal + torch.sin(other)) * tangent
assert torch.allclose(jvp_out, expected) and torch.allclose(out_primal, fn(primal, other))
print(f"final fn_jvp_sum {jvp_out.sum().item():.15e}")

# A module's parameters made dual.
model = nn.Linear(5, 5).double()
with torch.no_grad():
    model.weight.copy_(torch.tensor(rng.standard_normal((5, 5)) / 3))
    model.bias.copy_(torch.tensor(rng.standard_normal(5) / 3))
input = torch.tensor(rng.standard_normal((16, 5)))
params = {name: p.detach().clone() for name, p in model.named_parameters()}
tangents = {name: torch.tensor(rng.standard_normal(tuple(p.shape))) for name, p in params.items()}
with fwAD.dual_level():
    for name, p in params.items():
        delattr(model, name)
        setattr(model, name, fwAD.make_dual(p, tangents[name]))
    swapped = fwAD.unpack_dual(model(input)).tangent
model = nn.Linear(5, 5).double()  # a fresh one: functional_call needs registered parameters
with fwAD.dual_level():
    dual_params = {name: fwAD.make_dual(p, tangents[name]) for name, p in params.items()}
    called = fwAD.unpack_dual(functional_call(model, dual_params, (input,))).tangent
expected = input @ tangents["weight"].T + tangents["bias"]
assert torch.allclose(swapped, expected) and torch.allclose(called, expected)
print(f"final module_jvp_sum {called.sum().item():.15e}")


class ScaledExp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, scale):
        result = x.exp() * scale
        ctx.save_for_backward(result)
        ctx.save_for_forward(result)
        ctx.scale = scale
        return result

    @staticmethod
    def backward(ctx, grad_out):
        result, = ctx.saved_tensors
        return grad_out * result, None

    @staticmethod
    def jvp(ctx, x_t, scale_t):
        result, = ctx.saved_tensors
        return x_t * result


x = torch.tensor(rng.standard_normal(6))
v = torch.tensor(rng.standard_normal(6))
with fwAD.dual_level():
    dual = fwAD.make_dual(x, v)
    t_custom = fwAD.unpack_dual(ScaledExp.apply(dual, 1.5)).tangent
assert torch.allclose(t_custom, 1.5 * x.exp() * v)
assert torch.autograd.gradcheck(lambda t: ScaledExp.apply(t, 1.5), (x.clone().requires_grad_(),))


def g(t):
    return torch.tanh(t) * t.sum() + t ** 3


out, jvp_value = jvp(g, (x,), (v,))
assert torch.allclose(out, g(x))
assert torch.allclose(jacfwd(g)(x), jacrev(g)(x))
assert torch.allclose(jvp_value, jacrev(g)(x) @ v)
print(f"final func_jvp_sum {jvp_value.sum().item():.15e}")

# Forward-gradient descent against reverse-mode gradient descent.
features = torch.tensor(rng.standard_normal((64, 6)))
true_w = torch.tensor(rng.standard_normal(6))
targets = features @ true_w + 0.1 * torch.tensor(rng.standard_normal(64))
directions = torch.tensor(rng.standard_normal((60, 6)))


def loss_fn(w):
    return ((features @ w - targets) ** 2).mean()


w = torch.zeros(6, dtype=torch.float64)
for step in range(60):
    with fwAD.dual_level():
        loss = loss_fn(fwAD.make_dual(w, directions[step]))
        value, slope = fwAD.unpack_dual(loss)
    print(f"step {step} loss {value.item():.15e}")
    w = w - 0.05 * slope * directions[step]
forward_w = w

w = torch.zeros(6, dtype=torch.float64, requires_grad=True)
for step in range(60, 90):
    loss = loss_fn(w)
    print(f"step {step} loss {loss.item():.15e}")
    grad, = torch.autograd.grad(loss, w)
    with torch.no_grad():
        w -= 0.05 * grad
print(f"final forward_w_error {(forward_w - true_w).norm().item():.12e}")
print(f"final reverse_w_error {(w.detach() - true_w).norm().item():.12e}")
