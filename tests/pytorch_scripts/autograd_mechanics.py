"""The "autograd mechanics" notes and the gentle introduction to torch.autograd, walked as a
reader checks each claim: how requires_grad spreads, what a graph node saves for backward,
the difference between no_grad, detach and inference_mode, what the version counter
guards, the errors autograd raises (and their remedies), anomaly detection, and the
forms of backward / autograd.grad; then a logistic-regression head trained on a frozen
random-feature layer with gradients taken by torch.autograd.grad.

Idioms: `x + y` where only y requires grad, `requires_grad_(False)` to freeze a layer,
`out.grad_fn._saved_self` / `._saved_result` compared with
`torch.equal`, `grad_fn.next_functions` walked to the AccumulateGrad leaves
(`.variable`), `t.grad` of a non-leaf read under `warnings.catch_warnings(record=True)`,
`retain_grad()` and `retains_grad`, `with torch.inference_mode():` (`is_inference()` and the RuntimeError of
an inference tensor saved for backward are printed, not compared), `torch.enable_grad()` inside
`no_grad`, `torch.is_grad_enabled()`, `detach()` sharing storage (`d.zero_()` changes
the original), `x._version` after in-place ops, the leaf-in-place RuntimeError,
`backward` twice without and with `retain_graph=True`, "grad can be implicitly created
only for scalar outputs", `torch.autograd.detect_anomaly()` around a NaN-producing
backward, `torch.autograd.set_detect_anomaly(True)` / `is_anomaly_enabled()`,
`torch.autograd.backward([l1, l2], [g1, g2])`, `loss.backward(inputs=[w])`,
`torch.autograd.grad(..., allow_unused=True)` and `materialize_grads=True`,
`grad_outputs=` for a vector-Jacobian product, accumulation of `.grad` across calls.

Everything is float64 from NumPy: both runs take the same path.
"""
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from corpus_data import digits

rng = np.random.default_rng(0)
x = torch.tensor(rng.standard_normal((4, 3)))
y = torch.tensor(rng.standard_normal((4, 3)), requires_grad=True)
a = x + x
b = x + y
print("a.requires_grad", a.requires_grad, "b.requires_grad", b.requires_grad)
assert not a.requires_grad and b.requires_grad and b.grad_fn is not None and a.grad_fn is None

# What a node keeps for backward.
out = y.pow(3)
print(out.grad_fn.name(), torch.equal(out.grad_fn._saved_self, y))
assert out.grad_fn._saved_self is y
e = y.exp()
assert torch.equal(e.grad_fn._saved_result, e)

# The graph, down to the leaves.
w = torch.tensor(rng.standard_normal((3, 2)), requires_grad=True)
loss = torch.tanh(y @ w).sum()
seen, stack = [], [loss.grad_fn]
while stack:
    node = stack.pop()
    seen.append(node.name())
    for child, _ in node.next_functions:
        if child is not None:
            if hasattr(child, "variable"):
                seen.append("leaf" + str(tuple(child.variable.shape)))
            else:
                stack.append(child)
print(" ".join(seen))
assert seen.count("leaf(3, 2)") == 1 and seen.count("leaf(4, 3)") == 1

# .grad of a non-leaf: None and a warning, unless retain_grad().
h = y * 2
h2 = h * h
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    assert h.grad is None
print("warned on a non-leaf .grad:", len(caught) >= 1)
h.retain_grad()
h2.sum().backward()
assert h.retains_grad and torch.allclose(h.grad, 2 * h) and torch.allclose(y.grad, 8 * y)
y.grad = None

# no_grad, detach and inference_mode.
with torch.no_grad():
    n = y * 2
    with torch.enable_grad():
        g = y * 2
    print("grad enabled inside no_grad:", torch.is_grad_enabled())
assert not n.requires_grad and g.requires_grad and torch.is_grad_enabled()
d = y.detach()
assert d.data_ptr() == y.data_ptr() and not d.requires_grad
with torch.inference_mode():
    inf = y * 2
    print("inference mode enabled:", torch.is_inference_mode_enabled())
assert not inf.requires_grad and not n.is_inference()
print("made in inference mode:", inf.is_inference())
try:
    (y * inf).sum().backward()
    print("an inference tensor was saved for backward")
except RuntimeError as err:
    print("RuntimeError:", str(err).splitlines()[0][:70])
y.grad = None

# The version counter.
v = torch.zeros(3, dtype=torch.float64)
v0 = v._version
v.add_(1)
v[0] = 5
v.mul_(2)
print("versions", v0, v._version)
assert v._version == v0 + 3
dv = v.detach()
dv.zero_()
assert not v.any() and v._version == dv._version

leaf = torch.ones(3, dtype=torch.float64, requires_grad=True)
try:
    leaf.add_(1)
    raise AssertionError("in-place on a leaf that requires grad must be refused")
except RuntimeError as err:
    print("RuntimeError:", str(err).splitlines()[0][:70])
with torch.no_grad():
    leaf.add_(1)  # allowed: this is how optimizers update parameters
assert torch.allclose(leaf, torch.full_like(leaf, 2.0))

s = leaf.sigmoid()
s.mul_(3)
try:
    s.sum().backward()
    raise AssertionError("backward through a modified saved result must fail")
except RuntimeError as err:
    print("RuntimeError:", str(err).splitlines()[0][:70])

# Backward twice, and non-scalar outputs.
q = (leaf * leaf).sum()
q.backward(retain_graph=True)
q.backward()
assert torch.allclose(leaf.grad, 4 * leaf)  # the two calls accumulate
q = (leaf * leaf).sum()
q.backward()
try:
    q.backward()
    raise AssertionError("a second backward through a freed graph must fail")
except RuntimeError as err:
    print("RuntimeError:", str(err).splitlines()[0][:70])
try:
    (leaf * 2).backward()
    raise AssertionError("backward of a vector needs a gradient")
except RuntimeError as err:
    print("RuntimeError:", str(err).splitlines()[0][:70])

# Anomaly detection.
z = torch.zeros(2, dtype=torch.float64, requires_grad=True)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    with torch.autograd.detect_anomaly():
        print("anomaly enabled:", torch.is_anomaly_enabled())
        r = torch.sqrt(z) * 0
        try:
            r.sum().backward()
            raise AssertionError("anomaly mode must catch the NaN gradient")
        except RuntimeError as err:
            print("RuntimeError:", str(err).splitlines()[0][:70])
assert not torch.is_anomaly_enabled()
torch.autograd.set_detect_anomaly(True)
assert torch.is_anomaly_enabled()
torch.autograd.set_detect_anomaly(False)

# The forms of backward and grad.
p = torch.tensor(rng.standard_normal(3), requires_grad=True)
r = torch.tensor(rng.standard_normal(3), requires_grad=True)
l1, l2 = (p * r).sum(), (p ** 2).sum()
torch.autograd.backward([l1, l2], [torch.tensor(2.0, dtype=torch.float64),
                                   torch.tensor(-1.0, dtype=torch.float64)])
assert torch.allclose(p.grad, 2 * r - 2 * p) and torch.allclose(r.grad, 2 * p)
p.grad, r.grad = None, None
(p * r).sum().backward(inputs=[p])
assert r.grad is None and torch.allclose(p.grad, r)
unused = torch.tensor(rng.standard_normal(3), requires_grad=True)
gp, gu = torch.autograd.grad((p * 3).sum(), [p, unused], allow_unused=True)
assert gu is None and torch.allclose(gp, torch.full_like(p, 3.0))
gp, gu = torch.autograd.grad((p * 3).sum(), [p, unused], materialize_grads=True)
assert torch.equal(gu, torch.zeros_like(unused))
vec = torch.tensor([1.0, 0.5, -1.0], dtype=torch.float64)
vjp, = torch.autograd.grad(torch.sin(p), p, grad_outputs=vec)
assert torch.allclose(vjp, vec * torch.cos(p))
print(f"final vjp_sum {vjp.sum().item():.15e}")

# A logistic-regression head on a frozen random-feature layer: 0 against 1.
x_train, y_train, _, _ = digits(400, 0)
keep = (y_train == 0) | (y_train == 1)
xb = torch.tensor(x_train[keep], dtype=torch.float64)
yb = torch.tensor(y_train[keep], dtype=torch.float64)
features = torch.nn.Linear(784, 32).double()
with torch.no_grad():
    features.weight.copy_(torch.tensor(rng.standard_normal((32, 784)) / 28))
    features.bias.zero_()
features.requires_grad_(False)
head_w = torch.zeros(32, dtype=torch.float64, requires_grad=True)
head_b = torch.zeros((), dtype=torch.float64, requires_grad=True)
for step in range(30):
    hidden = torch.relu(features(xb))
    assert not hidden.requires_grad
    logits = hidden @ head_w + head_b
    loss = F.binary_cross_entropy_with_logits(logits, yb)
    print(f"step {step} loss {loss.item():.15e}")
    gw, gb = torch.autograd.grad(loss, (head_w, head_b))
    with torch.no_grad():
        head_w -= 0.5 * gw
        head_b -= 0.5 * gb
assert features.weight.grad is None
with torch.inference_mode():
    accuracy = ((torch.relu(features(xb)) @ head_w + head_b > 0).double() == yb).double().mean()
print(f"final accuracy {accuracy.item():.6f}")
print(f"final head_norm {head_w.norm().item():.12e}")
