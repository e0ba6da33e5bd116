"""Custom autograd Functions under torch.func, as "Extending torch.func with
autograd.Function" writes them: Functions that leave PyTorch for NumPy in forward (a sort
returning its permutation and inverse permutation, a gather that is its backward), in the
split forward / setup_context style that the transforms need, with a vmap staticmethod
or generate_vmap_rule = True, and a jvp staticmethod; used under grad, vmap, jacrev and
jvp, and checked against the same computation in plain tensor ops. Then a digits model
whose pooling sorts the hidden units through the NumPy Function (the mean of the top
quarter), trained with SGD while per-sample gradient norms are taken by vmap(grad(...))
over functional_call.

Idioms: `def to_numpy(tensor): return tensor.cpu().numpy()`, `np.argsort(x, axis=dim)`,
`np.take_along_axis`, `torch.tensor(result, device=device)`, `forward(x, dim)` +
`setup_context(ctx, inputs, output)` with `x, dim = inputs`,
`ctx.mark_non_differentiable(ind, ind_inv)`, `ctx.save_for_backward(ind, ind_inv)` and
`ctx.save_for_forward(ind, ind_inv)`,
`backward(ctx, grad_output, _0, _1)` returning `(NumpyTake.apply(...), None)`,
`@staticmethod def vmap(info, in_dims, x, dim)` moving the batch dim with
`x.movedim(x_bdim, 0)` and returning `(outputs, out_dims)`, `generate_vmap_rule = True`,
`jvp(ctx, x_tangent, _)`, `torch.func.grad(f)(x)`, `torch.func.vmap(f)(xs)`,
`torch.func.jacrev(f)(x)`, `torch.func.jvp(f, (x,), (t,))`, `torch.func.functional_call`,
`vmap(grad(loss), in_dims=(None, 0, 0))`, `torch.optim.SGD`.

Weights and data come from NumPy; float64; no randomness: both runs take the same path.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from corpus_data import digits
from torch.func import functional_call, grad, jacrev, jvp, vmap


def to_numpy(tensor):
    return tensor.cpu().numpy()


class NumpyTake(torch.autograd.Function):
    """x gathered along dim by ind; its backward gathers by the inverse permutation."""

    @staticmethod
    def forward(x, ind, ind_inv, dim):
        device = x.device
        x = to_numpy(x)
        ind = to_numpy(ind)
        return torch.tensor(np.take_along_axis(x, ind, dim), device=device)

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, ind, ind_inv, dim = inputs
        ctx.save_for_backward(ind, ind_inv)
        ctx.save_for_forward(ind, ind_inv)
        ctx.dim = dim

    @staticmethod
    def backward(ctx, grad_output):
        ind, ind_inv = ctx.saved_tensors
        result = NumpyTake.apply(grad_output, ind_inv, ind, ctx.dim)
        return result, None, None, None

    @staticmethod
    def jvp(ctx, x_tangent, ind_tangent, ind_inv_tangent, _):
        ind, ind_inv = ctx.saved_tensors
        return NumpyTake.apply(x_tangent, ind, ind_inv, ctx.dim)

    @staticmethod
    def vmap(info, in_dims, x, ind, ind_inv, dim):
        x_bdim, ind_bdim, ind_inv_bdim, _ = in_dims
        logical_dim = x.dim() if x_bdim is None else x.dim() - 1
        dim = dim if dim >= 0 else dim + logical_dim

        def expand_bdim(t, t_bdim):
            if t_bdim is None:
                return t.expand(info.batch_size, *t.shape)
            return t.movedim(t_bdim, 0)

        x = expand_bdim(x, x_bdim)
        ind = expand_bdim(ind, ind_bdim)
        ind_inv = expand_bdim(ind_inv, ind_inv_bdim)
        return NumpyTake.apply(x, ind, ind_inv, dim + 1), 0


class NumpySort(torch.autograd.Function):
    @staticmethod
    def forward(x, dim):
        device = x.device
        x = to_numpy(x)
        ind = np.argsort(x, axis=dim, kind="stable")
        ind_inv = np.argsort(ind, axis=dim, kind="stable")
        result = np.take_along_axis(x, ind, axis=dim)
        return (torch.tensor(result, device=device), torch.tensor(ind, device=device),
                torch.tensor(ind_inv, device=device))

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, dim = inputs
        _, ind, ind_inv = output
        ctx.mark_non_differentiable(ind, ind_inv)
        ctx.save_for_backward(ind, ind_inv)
        ctx.save_for_forward(ind, ind_inv)
        ctx.dim = dim

    @staticmethod
    def backward(ctx, grad_output, _0, _1):
        ind, ind_inv = ctx.saved_tensors
        return NumpyTake.apply(grad_output, ind_inv, ind, ctx.dim), None

    @staticmethod
    def jvp(ctx, x_tangent, _):
        ind, ind_inv = ctx.saved_tensors
        return NumpyTake.apply(x_tangent, ind, ind_inv, ctx.dim), None, None

    @staticmethod
    def vmap(info, in_dims, x, dim):
        x_bdim, _ = in_dims
        x = x.movedim(x_bdim, 0)
        dim = dim if dim >= 0 else dim + x.dim() - 1
        result = NumpySort.apply(x, dim + 1)
        return result, (0, 0, 0)


class Softsign(torch.autograd.Function):
    """x / (1 + |x|) with derivative 1 / (1 + |x|)^2; its vmap rule is generated."""

    generate_vmap_rule = True

    @staticmethod
    def forward(x):
        return x / (1 + x.abs())

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, = inputs
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return grad_output / (1 + x.abs()) ** 2

    @staticmethod
    def jvp(ctx, x_tangent):
        x, = ctx.saved_tensors
        return x_tangent / (1 + x.abs()) ** 2


def numpy_sort(x, dim=-1):
    result, _, _ = NumpySort.apply(x, dim)
    return result


rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((3, 5)))
weights = torch.arange(5, dtype=torch.float64)


def weighted_sorted(t):
    return (numpy_sort(t) * weights).sum()


def reference(t):
    return (torch.sort(t, dim=-1).values * weights).sum()


g = grad(weighted_sorted)(x)
assert torch.allclose(g, grad(reference)(x))
batched = vmap(numpy_sort)(x)
assert torch.allclose(batched, torch.sort(x, dim=-1).values)
jac = jacrev(numpy_sort)(x[0])
assert torch.allclose(jac, jacrev(lambda t: torch.sort(t).values)(x[0]))
tangent = torch.tensor(rng.standard_normal((3, 5)))
_, t_out = jvp(numpy_sort, (x,), (tangent,))
_, t_ref = jvp(lambda t: torch.sort(t, dim=-1).values, (x,), (tangent,))
assert torch.allclose(t_out, t_ref)
per_row = vmap(grad(weighted_sorted))(x)
assert torch.allclose(per_row, grad(reference)(x))
assert torch.allclose(vmap(Softsign.apply)(x), F.softsign(x))
assert torch.allclose(grad(lambda t: Softsign.apply(t).sum())(x), grad(lambda t: F.softsign(t).sum())(x))
_, soft_t = jvp(Softsign.apply, (x,), (tangent,))
assert torch.allclose(soft_t, tangent / (1 + x.abs()) ** 2)
print(f"final grad_sum {g.sum().item():.15e}")
print(f"final jvp_sum {t_out.sum().item():.15e}")


class TopQuarterPool(nn.Module):
    """The mean of the largest quarter of the hidden units, sorted through NumPy."""

    def forward(self, h):
        k = h.shape[-1] // 4
        return numpy_sort(h, -1)[..., -k:].mean(-1, keepdim=True)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(784, 64)
        self.pool = TopQuarterPool()
        self.out = nn.Linear(64 + 1, 10)

    def forward(self, x):
        h = Softsign.apply(self.hidden(x))
        return self.out(torch.cat([h, self.pool(h)], dim=-1))


model = Net().double()
init = np.random.default_rng(1)
with torch.no_grad():
    for layer in (model.hidden, model.out):
        fan_in = layer.weight.shape[1]
        layer.weight.copy_(torch.tensor(init.uniform(-1, 1, tuple(layer.weight.shape))
                                        / np.sqrt(fan_in)))
        layer.bias.zero_()

x_train, y_train, x_test, y_test = digits(240, 120)
xs, ys = torch.tensor(x_train, dtype=torch.float64), torch.tensor(y_train)


def compute_loss(params, sample, target):
    out = functional_call(model, params, (sample.unsqueeze(0),))
    return F.cross_entropy(out, target.unsqueeze(0))


per_sample_grad = vmap(grad(compute_loss), in_dims=(None, 0, 0))
optimizer = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
for step in range(30):
    start = (step * 24) % 240
    xb, yb = xs[start:start + 24], ys[start:start + 24]
    loss = F.cross_entropy(model(xb), yb)
    optimizer.zero_grad()
    loss.backward()
    if step % 10 == 0:
        params = {k: v.detach() for k, v in model.named_parameters()}
        grads = per_sample_grad(params, xb, yb)
        mean_grad = grads["hidden.weight"].mean(0)
        assert torch.allclose(mean_grad, model.hidden.weight.grad, atol=1e-12)
        norms = torch.sqrt(sum(g.flatten(1).pow(2).sum(1) for g in grads.values()))
        print(f"final per_sample_norm_{step} {norms.mean().item():.12e}")
    optimizer.step()
    print(f"step {step} loss {loss.item():.15e}")
with torch.no_grad():
    accuracy = (model(torch.tensor(x_test, dtype=torch.float64)).argmax(1) ==
                torch.tensor(y_test)).double().mean().item()
print(f"final test_accuracy {accuracy:.6f}")
