"""Linear regression three ways, then weight decay, in the idiom of Dive into Deep
Learning's linear-networks chapters: a synthetic data module whose loaders index the
tensors with a slice object, a from-scratch model whose weights are plain leaf tensors
updated by a hand-written SGD class (`param -= lr * param.grad` under `torch.no_grad()`,
`param.grad.zero_()`), the concise model with `nn.LazyLinear(1)` (shape inferred at the
first call), `weight.data.normal_`-style init replaced by NumPy draws copied into `.data`,
`nn.MSELoss()` and `torch.optim.SGD`, then high-dimensional linear regression (200
inputs, 20 examples) with an L2 penalty written by hand and with the optimizer's
`weight_decay` set on one parameter group only.

Idioms: `torch.from_numpy(...).requires_grad_()`, `X[indices]` with a `slice`,
`torch.utils.data.TensorDataset(*tensors)`, a generator method `__iter__` over index
lists, `y.reshape(y_hat.shape)`, `torch.matmul(X, w) + b`, `param.grad is not None`,
`self.net.weight.data.copy_(...)`, `self.net.bias.data.fill_(0)`, `nn.LazyLinear`
materialised by a dry run, `optim.SGD([{'params': w, 'weight_decay': wd}, {'params': b}])`,
`torch.norm(w).item()`, `w - w_true.reshape(w.shape)`, `net.eval()`.

Data, initial weights and batch order from NumPy (a fixed seed), float64: both
frameworks take the same path.
"""
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(3)
step = 0


class SyntheticRegressionData:
    """y = X w + b + noise, split into training and validation rows."""

    def __init__(self, w, b, noise=0.01, num_train=400, num_val=400, batch_size=32):
        self.w, self.b, self.batch_size = w, b, batch_size
        self.num_train, self.num_val = num_train, num_val
        n = num_train + num_val
        self.X = torch.from_numpy(rng.normal(0.0, 1.0, (n, len(w))))
        noise = torch.from_numpy(rng.normal(0.0, noise, (n, 1)))
        self.y = torch.matmul(self.X, w.reshape((-1, 1))) + b + noise

    def get_tensorloader(self, tensors, train, indices=slice(0, None)):
        tensors = tuple(a[indices] for a in tensors)
        dataset = torch.utils.data.TensorDataset(*tensors)
        order = rng.permutation(len(dataset)) if train else np.arange(len(dataset))
        for i in range(0, len(order), self.batch_size):
            yield dataset[torch.tensor(order[i:i + self.batch_size])]

    def train_dataloader(self):
        return self.get_tensorloader((self.X, self.y), True, slice(0, self.num_train))

    def val_dataloader(self):
        return self.get_tensorloader((self.X, self.y), False, slice(self.num_train, None))


class LinearRegressionScratch:
    def __init__(self, num_inputs, lr, sigma=0.01):
        self.lr = lr
        self.w = torch.from_numpy(rng.normal(0.0, sigma, (num_inputs, 1))).requires_grad_()
        self.b = torch.zeros(1, requires_grad=True)

    def forward(self, X):
        return torch.matmul(X, self.w) + self.b

    def loss(self, y_hat, y):
        l = (y_hat - y.reshape(y_hat.shape)) ** 2 / 2
        return l.mean()

    def parameters(self):
        return [self.w, self.b]

    def configure_optimizers(self):
        return SGD(self.parameters(), self.lr)


class SGD:
    """Minibatch stochastic gradient descent, by hand."""

    def __init__(self, params, lr):
        self.params, self.lr = params, lr

    def step(self):
        with torch.no_grad():
            for param in self.params:
                param -= self.lr * param.grad

    def zero_grad(self):
        for param in self.params:
            if param.grad is not None:
                param.grad.zero_()


def fit(model, data, max_epochs):
    global step
    optim = model.configure_optimizers()
    for epoch in range(max_epochs):
        for X, y in data.train_dataloader():
            loss = model.loss(model.forward(X), y)
            optim.zero_grad()
            loss.backward()
            optim.step()
            print(f"step {step} loss {loss.item():.12f}")
            step += 1
        with torch.no_grad():
            val = [model.loss(model.forward(X), y).item() for X, y in data.val_dataloader()]
        print(f"epoch {epoch + 1}: validation loss {sum(val) / len(val):.6f}")
    return sum(val) / len(val)


true_w, true_b = torch.tensor([2.0, -3.4]), 4.2
data = SyntheticRegressionData(w=true_w, b=true_b)
X, y = next(iter(data.train_dataloader()))
print('X shape:', X.shape, '\ny shape:', y.shape)
model = LinearRegressionScratch(2, lr=0.03)
fit(model, data, max_epochs=3)
with torch.no_grad():
    print(f'error in estimating w: {true_w - model.w.reshape(true_w.shape)}')
    print(f'error in estimating b: {true_b - model.b}')
    print(f"final scratch_w_error {torch.norm(true_w - model.w.reshape(true_w.shape)).item():.12f}")
    print(f"final scratch_b {model.b.item():.12f}")


class LinearRegression(nn.Module):
    def __init__(self, lr):
        super().__init__()
        self.lr = lr
        self.net = nn.LazyLinear(1)

    def forward(self, X):
        return self.net(X)

    def loss(self, y_hat, y):
        fn = nn.MSELoss()
        return fn(y_hat, y)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), self.lr)

    def get_w_b(self):
        return (self.net.weight.data, self.net.bias.data)


model = LinearRegression(lr=0.03)
model(torch.zeros(1, 2))  # materialise the lazy layer
model.net.weight.data.copy_(torch.from_numpy(rng.normal(0.0, 0.01, (1, 2))))
model.net.bias.data.fill_(0)
print(model)
fit(model, data, max_epochs=3)
w, b = model.get_w_b()
print(f"final concise_w_error {torch.norm(true_w - w.reshape(true_w.shape)).item():.12f}")
print(f"final concise_b {b.item():.12f}")


def l2_penalty(w):
    return (w ** 2).sum() / 2


class WeightDecayScratch(LinearRegressionScratch):
    def __init__(self, num_inputs, lambd, lr, sigma=0.01):
        super().__init__(num_inputs, lr, sigma)
        self.lambd = lambd

    def loss(self, y_hat, y):
        return super().loss(y_hat, y) + self.lambd * l2_penalty(self.w)


class WeightDecay(LinearRegression):
    def __init__(self, wd, lr):
        super().__init__(lr)
        self.wd = wd

    def configure_optimizers(self):
        return torch.optim.SGD([
            {'params': self.net.weight, 'weight_decay': self.wd},
            {'params': self.net.bias}], lr=self.lr)


num_inputs = 200
high_dim = SyntheticRegressionData(w=torch.ones(num_inputs) * 0.01, b=0.05, num_train=20,
                                   num_val=100, batch_size=5)
for lambd in (0, 3):
    model = WeightDecayScratch(num_inputs, lambd=lambd, lr=0.01)
    val = fit(model, high_dim, max_epochs=4)
    print(f"final scratch_l2_{lambd}_w_norm {l2_penalty(model.w).item():.12f}")
    print(f"final scratch_l2_{lambd}_val {val:.12f}")

model = WeightDecay(wd=3, lr=0.01)
model(torch.zeros(1, num_inputs))
model.net.weight.data.copy_(torch.from_numpy(rng.normal(0.0, 0.01, (1, num_inputs))))
model.net.bias.data.fill_(0)
val = fit(model, high_dim, max_epochs=4)
print(f"final concise_wd_w_norm {l2_penalty(model.get_w_b()[0]).item():.12f}")
print(f"final concise_wd_val {val:.12f}")
