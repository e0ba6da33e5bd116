"""Second derivatives: differentiate a gradient with `create_graph=True`.

    python examples/second_derivatives.py

Every backward rule is written with Tensor ops, so with `create_graph=True`
a gradient is itself a graph and can be differentiated again.
"""

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor

# 1. d/dx tanh(x) = 1 - tanh^2(x),  d2/dx2 tanh(x) = -2 tanh(x) (1 - tanh^2(x))
x = Tensor(np.array([-1.0, 0.0, 0.5, 2.0]), requires_grad=True)
(dy,) = tg.grad(x.tanh().sum(), x, create_graph=True)
(d2y,) = tg.grad(dy.sum(), x)
t = np.tanh(x.numpy())
np.testing.assert_allclose(dy.numpy(), 1 - t**2, rtol=1e-12)
np.testing.assert_allclose(d2y.numpy(), -2 * t * (1 - t**2), rtol=1e-12)
print("tanh'' at", x.numpy(), "=", np.round(d2y.numpy(), 4))

# 2. a Hessian-vector product without forming the Hessian: H v = d/dw <grad f(w), v>
#    for the loss f(w) of a logistic-regression model
rng = np.random.default_rng(0)
features, labels = rng.standard_normal((32, 5)), rng.integers(0, 3, 32)
w = Tensor(rng.standard_normal((5, 3)) * 0.1, requires_grad=True)
v = Tensor(rng.standard_normal((5, 3)))


def loss_fn(w: Tensor) -> Tensor:
    return F.cross_entropy(Tensor(features) @ w, labels)


(g,) = tg.grad(loss_fn(w), w, create_graph=True)
(hv,) = tg.grad((g * v).sum(), w)
# check against finite differences of the gradient: (grad f(w + eps v) - grad f(w - eps v)) / 2eps
eps = 1e-6
plus = Tensor(w.numpy() + eps * v.numpy(), requires_grad=True)
minus = Tensor(w.numpy() - eps * v.numpy(), requires_grad=True)
numerical = (tg.grad(loss_fn(plus), plus)[0].numpy()
             - tg.grad(loss_fn(minus), minus)[0].numpy()) / (2 * eps)
np.testing.assert_allclose(hv.numpy(), numerical, rtol=1e-5, atol=1e-8)
print(f"Hessian-vector product matches finite differences (max |diff| "
      f"{np.abs(hv.numpy() - numerical).max():.1e})")

# 3. second derivatives through batch norm, both implementations, checked numerically
xb = Tensor(rng.standard_normal((6, 3)), requires_grad=True)
gamma = Tensor(rng.uniform(0.5, 1.5, 3), requires_grad=True)
for impl in ("composite", "fused"):
    assert tg.gradgradcheck(
        lambda x, g, impl=impl: F.batch_norm(x, None, None, g, training=True, impl=impl),
        [xb, gamma])
    print(f"gradgradcheck of {impl} batch norm passes")
