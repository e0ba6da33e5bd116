"""Softmax regression from scratch and concise, in the idiom of Dive into Deep Learning's
classification chapters, on 28 x 28 digits standing in for Fashion-MNIST: a softmax
written with `exp` and a row sum, a cross-entropy that picks each row's predicted
probability of the true class by fancy indexing `y_hat[list(range(len(y_hat))), y]`, an
accuracy from `argmax` and a dtype cast, hand-written minibatch SGD; then the same model
as `nn.Flatten()` + `nn.LazyLinear(10)` with `F.cross_entropy`, and the overflow that
motivates computing the softmax and the logarithm together (the naive softmax of logits
near 100 in float32 gives inf / inf = nan; the log-sum-exp form does not).

Idioms: `X_exp.sum(1, keepdims=True)`, `X.reshape((-1, W.shape[0]))`,
`torch.matmul(X, W) + b`, `-torch.log(y_hat[list(range(len(y_hat))), y]).mean()`,
`Y_hat.argmax(axis=1).type(Y.dtype)`, `(preds == Y).type(torch.float32).mean()`,
`torch.normal`-style weights drawn by NumPy, `param -= lr * param.grad` and
`param.grad.zero_()` under `torch.no_grad()`, `nn.LazyLinear`, `Y_hat.reshape((-1,
Y_hat.shape[-1]))`, `F.cross_entropy(..., reduction='mean')`, `torch.isnan(...).any()`,
`X.max(dim=1, keepdim=True).values`, `torch.logsumexp`, a batch of `torch.tensor([[...]])`
literals, `DataLoader(..., shuffle=False)` over `TensorDataset`.

Float32, as in the book; weights from NumPy, batches in a fixed order: both frameworks
take the same path (rounding differences only).
"""
import numpy as np
import torch
import torch.nn.functional as F
from corpus_data import digits
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

rng = np.random.default_rng(11)
x_train, y_train, x_test, y_test = digits(1000, 300)
train_iter = DataLoader(TensorDataset(torch.from_numpy(x_train).reshape(-1, 1, 28, 28),
                                      torch.from_numpy(y_train)), batch_size=100)
val_iter = DataLoader(TensorDataset(torch.from_numpy(x_test).reshape(-1, 1, 28, 28),
                                    torch.from_numpy(y_test)), batch_size=150)

X = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
print(X.sum(0, keepdims=True), X.sum(1, keepdims=True))


def softmax(X):
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdims=True)
    return X_exp / partition  # broadcasting over the rows


X = torch.from_numpy(rng.random((2, 5)).astype(np.float32))
X_prob = softmax(X)
print(X_prob, X_prob.sum(1))

y = torch.tensor([0, 2])
y_hat = torch.tensor([[0.1, 0.3, 0.6], [0.3, 0.2, 0.5]])
print(y_hat[[0, 1], y])


def cross_entropy(y_hat, y):
    return -torch.log(y_hat[list(range(len(y_hat))), y]).mean()


print(f"final toy_cross_entropy {cross_entropy(y_hat, y).item():.7f}")


class SoftmaxRegressionScratch:
    def __init__(self, num_inputs, num_outputs, lr, sigma=0.01):
        self.lr = lr
        self.W = torch.from_numpy(
            rng.normal(0, sigma, (num_inputs, num_outputs)).astype(np.float32))
        self.W.requires_grad_(True)
        self.b = torch.zeros(num_outputs, requires_grad=True)

    def parameters(self):
        return [self.W, self.b]

    def forward(self, X):
        X = X.reshape((-1, self.W.shape[0]))
        return softmax(torch.matmul(X, self.W) + self.b)

    def loss(self, y_hat, y):
        return cross_entropy(y_hat, y)

    def step(self):
        with torch.no_grad():
            for param in self.parameters():
                param -= self.lr * param.grad
                param.grad.zero_()


def accuracy(Y_hat, Y, averaged=True):
    Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
    preds = Y_hat.argmax(axis=1).type(Y.dtype)
    compare = (preds == Y.reshape(-1)).type(torch.float32)
    return compare.mean() if averaged else compare


step = 0


def fit(model, forward, loss_fn, update, max_epochs):
    global step
    for epoch in range(max_epochs):
        for X, y in train_iter:
            l = loss_fn(forward(X), y)
            l.backward()
            update()
            print(f"step {step} loss {l.item():.8f}")
            step += 1
        with torch.no_grad():
            acc = sum(accuracy(forward(X), y, averaged=False).sum().item()
                      for X, y in val_iter) / len(y_test)
        print(f"epoch {epoch + 1}: validation accuracy {acc:.4f}")
    return acc


scratch = SoftmaxRegressionScratch(num_inputs=784, num_outputs=10, lr=0.1)
acc = fit(scratch, scratch.forward, scratch.loss, scratch.step, max_epochs=4)
print(f"final scratch_val_accuracy {acc:.6f}")
print(f"final scratch_W_norm {scratch.W.norm().item():.6f}")


class SoftmaxRegression(nn.Module):
    def __init__(self, num_outputs, lr):
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(nn.Flatten(), nn.LazyLinear(num_outputs))

    def forward(self, X):
        return self.net(X)

    def loss(self, Y_hat, Y, averaged=True):
        Y_hat = Y_hat.reshape((-1, Y_hat.shape[-1]))
        Y = Y.reshape((-1,))
        return F.cross_entropy(Y_hat, Y, reduction='mean' if averaged else 'none')


model = SoftmaxRegression(num_outputs=10, lr=0.1)
model(torch.zeros(1, 1, 28, 28))
with torch.no_grad():
    model.net[1].weight.copy_(torch.from_numpy(
        rng.normal(0, 0.01, (10, 784)).astype(np.float32)))
    model.net[1].bias.zero_()
optimizer = torch.optim.SGD(model.parameters(), lr=model.lr)


def concise_update():
    optimizer.step()
    optimizer.zero_grad()


acc = fit(model, model, model.loss, concise_update, max_epochs=4)
print(f"final concise_val_accuracy {acc:.6f}")
with torch.no_grad():
    per_example = model.loss(model(torch.from_numpy(x_test).reshape(-1, 1, 28, 28)),
                             torch.from_numpy(y_test), averaged=False)
print(f"final concise_val_loss {per_example.mean().item():.7f}")

# Why the library computes softmax and log together: large logits overflow exp.
logits = torch.tensor([[100.0, 99.0, 90.0], [0.5, -1.0, 2.0]])
naive = softmax(logits)
print(naive)
print(f"final naive_has_nan {float(torch.isnan(naive).any())}")
shifted = logits - logits.max(dim=1, keepdim=True).values
log_probs = shifted - torch.log(torch.exp(shifted).sum(1, keepdims=True))
print(f"final stable_log_prob {log_probs[0, 0].item():.7f}")
print(f"final logsumexp_gap {(torch.logsumexp(logits, dim=1) - logits.max(dim=1).values).sum().item():.7f}")
print(f"final stable_ce {F.cross_entropy(logits, torch.tensor([1, 2])).item():.7f}")
