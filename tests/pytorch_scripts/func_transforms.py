"""Jacobians, Hessians and function transforms as the autograd.functional and torch.func
tutorials use them: Jacobians of a small network by rows, by autograd.functional and by
jacrev/jacfwd; Hessians three ways; Hessian-vector products; vmap over a batch;
per-sample gradients with functional_call + vmap(grad(...)), used for a DP-SGD-like
training loop that clips each example's gradient before averaging; Newton steps with
autograd.functional.hessian.

Idioms: `from torch.autograd.functional import jacobian, hessian, vjp, jvp, hvp`,
`jacobian(f, x)` of a vector function and of a tuple of inputs, `hessian(f, x)`,
`vjp(f, x, v)` returning `(output, vjp)`, `jvp(f, x, v)`, `hvp(f, x, v)`,
`jacobian(f, x, vectorize=True)`, `from torch.func import grad, vmap, jacrev, jacfwd,
hessian, functional_call, grad_and_value`, `jacrev(f)(x)`, `jacrev(f, argnums=(0, 1))`,
`jacfwd(jacrev(f))`, `vmap(jacrev(f))(xs)`, `vmap(f, in_dims=(0, None))`,
`params = {k: v.detach() for k, v in model.named_parameters()}`,
`functional_call(model, (params, buffers), (batch,))`, `ft_compute_grad =
grad(compute_loss)`, `vmap(ft_compute_grad, in_dims=(None, None, 0, 0))`,
`torch.linalg.solve`, `torch.autograd.grad` rows stacked into a Jacobian,
`torch.allclose(..., atol=...)`, `torch.no_grad()` around a manual update of
`model.parameters()` from a dict of gradients, `out, vjp_fn = torch.func.vjp(f, x)` with
`vjp_fn(v)`, model ensembling with `params, buffers = stack_module_state(models)` and
`vmap(fmodel, in_dims=(0, 0, None))` over a `copy.deepcopy(models[0])` base.

Everything is float64 from NumPy: both runs take the same path.
"""
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vjp
from torch.func import (
    functional_call,
    grad,
    grad_and_value,
    jacfwd,
    jacrev,
    stack_module_state,
    vmap,
)
from torch.func import hessian as func_hessian
from torch.func import vjp as func_vjp

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3)
D, H, C, N = 4, 8, 3, 24
W = torch.from_numpy(rng.standard_normal((H, D)) * 0.5)
b = torch.from_numpy(rng.standard_normal(H) * 0.1)


def f(x):
    return torch.tanh(W @ x + b)


x = torch.from_numpy(rng.standard_normal(D))
J = jacobian(f, x)
rows = []
xr = x.clone().requires_grad_()
y = f(xr)
for i in range(H):
    g, = torch.autograd.grad(y[i], xr, retain_graph=True)
    rows.append(g)
J_rows = torch.stack(rows)
J_rev, J_fwd = jacrev(f)(x), jacfwd(f)(x)
print(J.shape, torch.allclose(J, J_rows), torch.allclose(J, J_rev), torch.allclose(J, J_fwd))
print(torch.allclose(jacobian(f, x, vectorize=True), J))
print(f"final jac_sum {J.sum().item():.15e}")


def pair(a, c):
    return (a * c).sin().sum(0), a.exp() * c


a = torch.from_numpy(rng.standard_normal((2, 3)))
c = torch.from_numpy(rng.standard_normal((2, 3)))
jac = jacobian(pair, (a, c))
print(len(jac), len(jac[0]), tuple(jac[0][0].shape), tuple(jac[1][1].shape))
ja, jc = jacrev(lambda a, c: pair(a, c)[0], argnums=(0, 1))(a, c)
print(torch.allclose(ja, jac[0][0]), torch.allclose(jc, jac[0][1]))


def energy(x):
    return (x ** 4).sum() / 4 - (x[:-1] * x[1:]).sum() + 0.5 * (x ** 2).sum()


Hm = hessian(energy, x)
print(torch.allclose(Hm, func_hessian(energy)(x)), torch.allclose(Hm, jacfwd(jacrev(energy))(x)))
print(torch.allclose(Hm, Hm.T))
v = torch.ones(D)
out, hv = hvp(energy, x, v)
print(torch.allclose(hv, Hm @ v))
out, vj = vjp(f, x, torch.ones(H))
out, jv = jvp(f, x, torch.ones(D))
print(torch.allclose(vj, J.T @ torch.ones(H)), torch.allclose(jv, J @ torch.ones(D)))
print(f"final hess_trace {torch.trace(Hm).item():.15e}")

# Newton's method with hessian and a linear solve.
p = torch.from_numpy(rng.standard_normal(D))
step = 0
for i in range(6):
    g, value = grad_and_value(energy)(p)
    print(f"step {step} loss {value.item():.15e}")
    step += 1
    p = p - torch.linalg.solve(hessian(energy, p), g)

# Batched Jacobians with vmap.
xs = torch.from_numpy(rng.standard_normal((5, D)))
batched = vmap(jacrev(f))(xs)
print(tuple(batched.shape), torch.allclose(batched[2], jacobian(f, xs[2])))
scaled = vmap(lambda x, s: f(x) * s, in_dims=(0, None))(xs, 2.0)
print(torch.allclose(scaled, 2.0 * torch.tanh(xs @ W.T + b)))

# Per-sample gradients and a clipped-gradient training loop.
model = nn.Sequential(nn.Linear(D, H), nn.Tanh(), nn.Linear(H, C))
with torch.no_grad():
    for param in model.parameters():
        param.copy_(torch.from_numpy(rng.standard_normal(tuple(param.shape)) * 0.4))
inputs = torch.from_numpy(rng.standard_normal((N, D)))
targets = torch.from_numpy((np.arange(N) % C).astype(np.int64))
params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}


def compute_loss(params, buffers, sample, target):
    batch = sample.unsqueeze(0)
    predictions = functional_call(model, (params, buffers), (batch,))
    return F.cross_entropy(predictions, target.unsqueeze(0))


ft_compute_grad = grad(compute_loss)
ft_compute_sample_grad = vmap(ft_compute_grad, in_dims=(None, None, 0, 0))
per_sample = ft_compute_sample_grad(params, buffers, inputs, targets)
loop = [torch.autograd.grad(F.cross_entropy(model(inputs[i:i + 1]), targets[i:i + 1]),
                            list(model.parameters())) for i in range(N)]
print(all(torch.allclose(per_sample[name][i], loop[i][k])
          for k, name in enumerate(params) for i in range(N)))

max_norm, lr = 1.0, 0.5
for epoch in range(30):
    params = {k: v.detach() for k, v in model.named_parameters()}
    per_sample = ft_compute_sample_grad(params, buffers, inputs, targets)
    norms = torch.sqrt(sum(g.reshape(N, -1).pow(2).sum(1) for g in per_sample.values()))
    factor = (max_norm / (norms + 1e-6)).clamp(max=1.0)
    with torch.no_grad():
        loss = F.cross_entropy(model(inputs), targets)
        print(f"step {step} loss {loss.item():.15e}")
        step += 1
        for name, param in model.named_parameters():
            g = per_sample[name]
            clipped = g * factor.view(-1, *([1] * (g.dim() - 1)))
            param -= lr * clipped.mean(0)
print(f"final mean_norm {norms.mean().item():.15e}")

out, vjp_fn = func_vjp(f, x)
(pulled,) = vjp_fn(torch.ones(H))
print(torch.allclose(out, f(x)), torch.allclose(pulled, J.T @ torch.ones(H)))

# Model ensembling: three models' states stacked, run at once with vmap.
models = [nn.Sequential(nn.Linear(D, H), nn.Tanh(), nn.Linear(H, C)) for _ in range(3)]
with torch.no_grad():
    for m in models:
        for param in m.parameters():
            param.copy_(torch.from_numpy(rng.standard_normal(tuple(param.shape)) * 0.4))
params, buffers = stack_module_state(models)
base_model = copy.deepcopy(models[0])


def fmodel(params, buffers, x):
    return functional_call(base_model, (params, buffers), (x,))


ensemble = vmap(fmodel, in_dims=(0, 0, None))(params, buffers, inputs)
print(tuple(ensemble.shape), all(torch.allclose(ensemble[i], models[i](inputs)) for i in range(3)))
print(f"final ensemble_sum {ensemble.sum().item():.15e}")
