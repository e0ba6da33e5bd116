"""A tour of autograd the way the autograd tutorials and "autograd mechanics" notes
walk it: gradients of a vector function with an external gradient, the graph seen
through grad_fn and next_functions, no_grad and detach, hooks, retain_grad, a
vector-Jacobian product, the in-place error autograd raises when a saved tensor was
changed, and second derivatives with torch.autograd.grad(create_graph=True), used for
Newton's method on the Rosenbrock function next to plain gradient descent.

Idioms: `torch.tensor([2., 3.], requires_grad=True)`, `Q.backward(gradient=
external_grad)`, `9*a**2 == a.grad`, `loss.grad_fn`, `loss.grad_fn.next_functions[0][0]`,
`grad_fn.name()`, `z.requires_grad` after `with torch.no_grad()`, `z.detach()`,
`x.requires_grad_(True)`, `x.is_leaf`, `h = t.register_hook(lambda grad: grad * 2)` /
`h.remove()`, `y.retain_grad()`, `while y.data.norm() < 1000: y = y * 2`,
`y.backward(v)`, `b = a.sigmoid(); b.mul_(2)` then `except RuntimeError as e` around
backward, in-place on a non-leaf that autograd accepts (`h = x * 2; h.add_(1)`),
`torch.autograd.grad(f, x, create_graph=True)`, `torch.stack` of Hessian rows,
the 2x2 inverse by `torch.stack` of 0-d entries, `x -= step` under no_grad, `x.grad.zero_()`,
`torch.set_grad_enabled(False)` as a context, `@torch.no_grad()` on a function,
`torch.allclose`, float64 throughout.

Everything is deterministic float64: the losses must agree to rounding.
"""
import torch

a = torch.tensor([2., 3.], dtype=torch.float64, requires_grad=True)
b = torch.tensor([6., 4.], dtype=torch.float64, requires_grad=True)
Q = 3 * a ** 3 - b ** 2
external_grad = torch.tensor([1., 1.], dtype=torch.float64)
Q.backward(gradient=external_grad)
print(9 * a ** 2 == a.grad)
print(-2 * b == b.grad)
assert bool((9 * a ** 2 == a.grad).all()) and bool((-2 * b == b.grad).all())

x = torch.ones(5, dtype=torch.float64)
y = torch.zeros(3, dtype=torch.float64)
w = torch.linspace(-1, 1, 15, dtype=torch.float64).reshape(5, 3).requires_grad_()
bias = torch.full((3,), 0.1, dtype=torch.float64, requires_grad=True)
z = torch.matmul(x, w) + bias
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print('Gradient function for z =', z.grad_fn)
print('Gradient function for loss =', loss.grad_fn)
node = loss.grad_fn
names = []
while node is not None:
    names.append(node.name())
    parents = [f for f, _ in node.next_functions if f is not None]
    node = parents[0] if parents else None
print(' -> '.join(names))
loss.backward()
print(w.grad)
print(f"final w_grad_sum {w.grad.sum().item():.15e}")

with torch.no_grad():
    z = torch.matmul(x, w) + bias
print(z.requires_grad)
z_det = (torch.matmul(x, w) + bias).detach()
print(z_det.requires_grad, w.is_leaf, z_det.is_leaf)

t = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64)
t.requires_grad_(True)
h = t.register_hook(lambda grad: grad * 2)
(t * t).sum().backward()
print(t.grad)
assert torch.allclose(t.grad, 4 * t)
h.remove()
t.grad = None
mid = t * 3
mid.retain_grad()
(mid ** 2).sum().backward()
assert torch.allclose(mid.grad, 2 * mid) and torch.allclose(t.grad, 18 * t)

x = torch.tensor([0.5, -0.25, 0.125], dtype=torch.float64, requires_grad=True)
y = x * 2
while y.data.norm() < 1000:
    y = y * 2
v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float64)
y.backward(v)
print(x.grad)
print(f"final vjp_sum {x.grad.sum().item():.15e}")

a = torch.tensor([0.1, 0.2, 0.3], dtype=torch.float64, requires_grad=True)
b = a.sigmoid()
b.mul_(2)
try:
    b.sum().backward()
    raise AssertionError("backward through a modified saved output must fail")
except RuntimeError as e:
    print('RuntimeError:', str(e).splitlines()[0][:80])

x = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
h = x * 2
h.add_(1)
(h * h).sum().backward()
assert torch.allclose(x.grad, 4 * (2 * x + 1))


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
step = 0
for i in range(10):
    f = rosenbrock(p)
    print(f"step {step} loss {f.item():.15e}")
    step += 1
    grad, = torch.autograd.grad(f, p, create_graph=True)
    hessian = torch.stack([torch.autograd.grad(grad[k], p, retain_graph=True)[0]
                           for k in range(2)])
    with torch.no_grad():
        det = hessian[0, 0] * hessian[1, 1] - hessian[0, 1] * hessian[1, 0]
        inverse = torch.stack([torch.stack([hessian[1, 1], -hessian[0, 1]]),
                               torch.stack([-hessian[1, 0], hessian[0, 0]])]) / det
        p -= inverse @ grad
print(p)

p = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
for i in range(200):
    f = rosenbrock(p)
    print(f"step {step} loss {f.item():.15e}")
    step += 1
    f.backward()
    with torch.no_grad():
        p -= 1e-3 * p.grad
    p.grad.zero_()


@torch.no_grad()
def value_at(q):
    return rosenbrock(q)


with torch.set_grad_enabled(False):
    assert not rosenbrock(p).requires_grad
print(f"final gd_value {value_at(p).item():.15e}")
