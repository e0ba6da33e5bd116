"""The empirical neural tangent kernel, computed the two ways the torch.func NTK tutorial
shows (contracting per-example Jacobians, and NTK-vector products built from vjp and
jvp), in its full, trace and diagonal forms; then the network trained by SGD while the
kernel on a fixed probe set is watched move less and less (lazy training), and the
kernel regression predictor from the initial kernel next to the trained network.

Idioms: `from torch.func import functional_call, vmap, vjp, jvp, jacrev`,
`params = {k: v.detach() for k, v in net.named_parameters()}`, `def fnet_single(params,
x): return functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)`,
`vmap(jacrev(fnet_single), (None, 0))(params, x1)`, `jac1.values()` flattened with
`[j.flatten(2) for j in jac1]`, `torch.einsum('Naf,Mbf->NMab', j1, j2)` summed over the
parameter tensors with `torch.stack([...]).sum(0)`, the 'trace' (`'Naf,Maf->NM'`) and
'diagonal' (`'Naf,Maf->NMa'`) contractions, `vjp(func_x1, params)` returning `vjp_fn`,
`jvp(func_x2, (params,), vjp_fn(vec))`, `torch.eye(out_dim).view(out_dim, -1, out_dim)`
basis vectors under `vmap(get_ntk_slice)`, `vmap(vmap(get_ntk, (None, 0)), (0, None))`,
`torch.allclose(result_from_jacobian_contraction, result_from_ntk_vps, atol=1e-5)`, a
small CNN with `nn.Conv2d`, `nn.ReLU`, `nn.Flatten`, `torch.linalg.solve` for kernel
regression, `torch.linalg.norm` of the kernel change.

Weights and data come from NumPy, float64: both runs take the same path.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from corpus_data import digits
from torch.func import functional_call, jacrev, jvp, vjp, vmap


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 4, 3, stride=2)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=2)
        self.fc = nn.Linear(6 * 2 * 2, 3)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.fc(x.flatten(1))


net = CNN().double()
init = np.random.default_rng(0)
with torch.no_grad():
    for name, p in net.named_parameters():
        fan_in = p[0].numel() if p.ndim > 1 else 1
        scale = 1 / np.sqrt(fan_in) if p.ndim > 1 else 0.1
        p.copy_(torch.tensor(init.uniform(-1, 1, tuple(p.shape)) * scale))

x_train, y_train, _, _ = digits(120, 0)
# 12x12 crops from the centre of each digit, three classes
keep = y_train < 3
images = torch.tensor(x_train[keep], dtype=torch.float64).reshape(-1, 1, 28, 28)[:, :, 8:20, 8:20]
labels = torch.tensor(y_train[keep])
x1, x2 = images[:5], images[5:9]
print(images.shape, net(x1).shape)


def fnet_single(params, x):
    return functional_call(net, params, (x.unsqueeze(0),)).squeeze(0)


def empirical_ntk_jacobian_contraction(params, x1, x2, compute="full"):
    jac1 = vmap(jacrev(fnet_single), (None, 0))(params, x1)
    jac1 = [j.flatten(2) for j in jac1.values()]
    jac2 = vmap(jacrev(fnet_single), (None, 0))(params, x2)
    jac2 = [j.flatten(2) for j in jac2.values()]
    einsum_expr = {"full": "Naf,Mbf->NMab", "trace": "Naf,Maf->NM",
                   "diagonal": "Naf,Maf->NMa"}[compute]
    result = torch.stack([torch.einsum(einsum_expr, j1, j2) for j1, j2 in zip(jac1, jac2)])
    return result.sum(0)


def empirical_ntk_ntk_vps(params, x1, x2, compute="full"):
    def get_ntk(x1, x2):
        def func_x1(params):
            return fnet_single(params, x1)

        def func_x2(params):
            return fnet_single(params, x2)

        output, vjp_fn = vjp(func_x1, params)

        def get_ntk_slice(vec):
            vjps = vjp_fn(vec)
            _, jvps = jvp(func_x2, (params,), vjps)
            return jvps

        basis = torch.eye(output.numel(), dtype=output.dtype).view(output.numel(), -1)
        return vmap(get_ntk_slice)(basis)

    result = vmap(vmap(get_ntk, (None, 0)), (0, None))(x1, x2)
    if compute == "trace":
        return torch.einsum("NMKK->NM", result)
    if compute == "diagonal":
        return torch.einsum("NMKK->NMK", result)
    return result


params = {k: v.detach() for k, v in net.named_parameters()}
full = empirical_ntk_jacobian_contraction(params, x1, x2)
by_products = empirical_ntk_ntk_vps(params, x1, x2)
print("ntk shape", tuple(full.shape))
assert torch.allclose(full, by_products, atol=1e-10)
trace = empirical_ntk_jacobian_contraction(params, x1, x2, "trace")
assert torch.allclose(trace, torch.einsum("NMKK->NM", full))
diagonal = empirical_ntk_jacobian_contraction(params, x1, x2, "diagonal")
assert torch.allclose(diagonal, empirical_ntk_ntk_vps(params, x1, x2, "diagonal"))
print(f"final ntk_sum {full.sum().item():.12e}")
print(f"final ntk_trace_sum {trace.sum().item():.12e}")

# Kernel regression with the initial kernel (trace form), one-hot targets.
train_x, train_y = images[:24], labels[:24]
test_x, test_y = images[24:], labels[24:]
K_train = empirical_ntk_jacobian_contraction(params, train_x, train_x, "trace")
K_test = empirical_ntk_jacobian_contraction(params, test_x, train_x, "trace")
targets = F.one_hot(train_y, 3).double()
alpha = torch.linalg.solve(K_train + 1e-3 * torch.eye(24, dtype=torch.float64), targets)
kernel_acc = ((K_test @ alpha).argmax(1) == test_y).double().mean().item()
print(f"final kernel_accuracy {kernel_acc:.6f}")

# Train, watching the kernel on the probe set.
probe = images[:6]
start_kernel = empirical_ntk_jacobian_contraction(params, probe, probe, "trace")
optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
for step in range(24):
    loss = F.cross_entropy(net(train_x), train_y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    print(f"step {step} loss {loss.item():.15e}")
    if step % 8 == 7:
        now = {k: v.detach() for k, v in net.named_parameters()}
        kernel = empirical_ntk_jacobian_contraction(now, probe, probe, "trace")
        change = torch.linalg.norm(kernel - start_kernel) / torch.linalg.norm(start_kernel)
        print(f"final kernel_change_{step} {change.item():.12e}")
with torch.no_grad():
    net_acc = (net(test_x).argmax(1) == test_y).double().mean().item()
print(f"final net_accuracy {net_acc:.6f}")
