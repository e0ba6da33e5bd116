"""The optimization algorithms of Dive into Deep Learning's optimization chapter, written
by hand over a list of parameters with a matching list of state tensors, then their
`torch.optim` counterparts, on linear regression over a normalised five-feature data set
(standing in for the airfoil self-noise data): minibatch SGD, momentum, AdaGrad, RMSProp,
Adadelta, Adam and Yogi by hand; `optim.SGD(momentum=...)`, `optim.Adagrad`,
`optim.RMSprop`, `optim.Adadelta`, `optim.Adam` through a concise trainer built from
`trainer_fn(net.parameters(), **hyperparams)`. Where the library's update is the same
formula as the book's (momentum, Adadelta, Adam) the hand-written and library runs are
compared weight by weight.

Idioms: `init_*_states(feature_dim)` returning tuples of zero tensors, `for p, s in
zip(params, states):` under `torch.no_grad()`, `s[:] += torch.square(p.grad)`, `p[:] -=
hyperparams['lr'] * p.grad / torch.sqrt(s + eps)`, `v[:] = beta1 * v + (1 - beta1) *
p.grad`, `hyperparams['t'] += 1`, `torch.sign(...)` (Yogi), `p.grad.data.zero_()`,
`nn.Sequential(nn.Linear(5, 1))`, `net.apply(init_weights)`, `nn.MSELoss(reduction='none')`
then `l.mean().backward()`, `(X - X.mean(dim=0)) / X.std(dim=0)`, `torch.optim.SGD(...,
momentum=0.9)`, `torch.optim.Adadelta(..., rho=0.9)`, `torch.optim.RMSprop(..., alpha=0.9)`.

Data, weights and minibatch order from NumPy (fixed seed), float64: both frameworks take
the same path.
"""
import numpy as np
import torch
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(4)
raw = rng.normal(0, 1, (600, 5)) @ rng.normal(0, 1, (5, 5)) + rng.normal(0, 3, (5,))
data = torch.from_numpy(raw)
data = (data - data.mean(dim=0)) / data.std(dim=0)
labels = (data @ torch.tensor([[0.6], [-0.4], [0.3], [0.0], [-0.2]]) +
          0.3 * torch.sin(3 * data[:, :1]) + torch.from_numpy(rng.normal(0, 0.1, (600, 1))))
orders = [rng.permutation(600) for _ in range(2)]  # the same batches for every method


def data_iter(batch_size):
    for order in orders:
        for i in range(0, 600, batch_size):
            j = torch.from_numpy(order[i:i + batch_size])
            yield data[j], labels[j]


def linreg(X, w, b):
    return torch.matmul(X, w) + b


def squared_loss(y_hat, y):
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params, states, hyperparams):
    for p in params:
        p.data.sub_(hyperparams['lr'] * p.grad)
        p.grad.data.zero_()


def init_momentum_states(feature_dim):
    return (torch.zeros((feature_dim, 1)), torch.zeros(1))


def sgd_momentum(params, states, hyperparams):
    for p, v in zip(params, states):
        with torch.no_grad():
            v[:] = hyperparams['momentum'] * v + p.grad
            p[:] -= hyperparams['lr'] * v
        p.grad.data.zero_()


def init_adagrad_states(feature_dim):
    return (torch.zeros((feature_dim, 1)), torch.zeros(1))


def adagrad(params, states, hyperparams):
    eps = 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] += torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()


def init_rmsprop_states(feature_dim):
    return (torch.zeros((feature_dim, 1)), torch.zeros(1))


def rmsprop(params, states, hyperparams):
    gamma, eps = hyperparams['gamma'], 1e-6
    for p, s in zip(params, states):
        with torch.no_grad():
            s[:] = gamma * s + (1 - gamma) * torch.square(p.grad)
            p[:] -= hyperparams['lr'] * p.grad / torch.sqrt(s + eps)
        p.grad.data.zero_()


def init_adadelta_states(feature_dim):
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    delta_w, delta_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((s_w, delta_w), (s_b, delta_b))


def adadelta(params, states, hyperparams):
    rho, eps = hyperparams['rho'], 1e-5
    for p, (s, delta) in zip(params, states):
        with torch.no_grad():
            # In-place updates via [:]
            s[:] = rho * s + (1 - rho) * torch.square(p.grad)
            g = (torch.sqrt(delta + eps) / torch.sqrt(s + eps)) * p.grad
            p[:] -= g
            delta[:] = rho * delta + (1 - rho) * g * g
        p.grad.data.zero_()


def init_adam_states(feature_dim):
    v_w, v_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    s_w, s_b = torch.zeros((feature_dim, 1)), torch.zeros(1)
    return ((v_w, s_w), (v_b, s_b))


def adam(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-6
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = beta2 * s + (1 - beta2) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr) + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


def yogi(params, states, hyperparams):
    beta1, beta2, eps = 0.9, 0.999, 1e-3
    for p, (v, s) in zip(params, states):
        with torch.no_grad():
            v[:] = beta1 * v + (1 - beta1) * p.grad
            s[:] = s + (1 - beta2) * torch.sign(
                torch.square(p.grad) - s) * torch.square(p.grad)
            v_bias_corr = v / (1 - beta1 ** hyperparams['t'])
            s_bias_corr = s / (1 - beta2 ** hyperparams['t'])
            p[:] -= hyperparams['lr'] * v_bias_corr / (torch.sqrt(s_bias_corr) + eps)
        p.grad.data.zero_()
    hyperparams['t'] += 1


step = 0
start_w = rng.normal(0.0, 0.01, (5, 1))


def train_ch11(name, trainer_fn, states, hyperparams, batch_size=20):
    global step
    w = torch.from_numpy(start_w.copy()).requires_grad_(True)
    b = torch.zeros((1), requires_grad=True)
    for X, y in data_iter(batch_size):
        l = squared_loss(linreg(X, w, b), y).mean()
        l.backward()
        trainer_fn([w, b], states, hyperparams)
        print(f"step {step} loss {l.item():.12f}")
        step += 1
    with torch.no_grad():
        full = squared_loss(linreg(data, w, b), labels).mean().item()
    print(f"final {name}_loss {full:.12f}")
    return torch.cat([w.detach().reshape(-1), b.detach()])


def train_concise_ch11(name, trainer_fn, hyperparams, batch_size=20):
    global step
    net = nn.Sequential(nn.Linear(5, 1))

    def init_weights(module):
        if type(module) == nn.Linear:
            with torch.no_grad():
                module.weight.copy_(torch.from_numpy(start_w.T.copy()))
                module.bias.zero_()

    net.apply(init_weights)
    optimizer = trainer_fn(net.parameters(), **hyperparams)
    loss = nn.MSELoss(reduction='none')
    for X, y in data_iter(batch_size):
        optimizer.zero_grad()
        out = net(X)
        y = y.reshape(out.shape)
        l = loss(out, y) / 2
        l.mean().backward()
        optimizer.step()
        print(f"step {step} loss {l.mean().item():.12f}")
        step += 1
    with torch.no_grad():
        full = (loss(net(data), labels) / 2).mean().item()
    print(f"final {name}_loss {full:.12f}")
    return torch.cat([net[0].weight.detach().reshape(-1), net[0].bias.detach()])


train_ch11("sgd", sgd, None, {'lr': 0.05})
momentum_w = train_ch11("momentum", sgd_momentum, init_momentum_states(5),
                        {'lr': 0.01, 'momentum': 0.9})
train_ch11("adagrad", adagrad, init_adagrad_states(5), {'lr': 0.1})
train_ch11("rmsprop", rmsprop, init_rmsprop_states(5), {'lr': 0.01, 'gamma': 0.9})
adadelta_w = train_ch11("adadelta", adadelta, init_adadelta_states(5), {'rho': 0.9})
adam_w = train_ch11("adam", adam, init_adam_states(5), {'lr': 0.01, 't': 1})
train_ch11("yogi", yogi, init_adam_states(5), {'lr': 0.01, 't': 1})

concise_momentum = train_concise_ch11("optim_momentum", torch.optim.SGD,
                                      {'lr': 0.01, 'momentum': 0.9})
train_concise_ch11("optim_adagrad", torch.optim.Adagrad, {'lr': 0.1})
train_concise_ch11("optim_rmsprop", torch.optim.RMSprop, {'lr': 0.01, 'alpha': 0.9})
concise_adadelta = train_concise_ch11("optim_adadelta", torch.optim.Adadelta,
                                      {'rho': 0.9, 'eps': 1e-5})
concise_adam = train_concise_ch11("optim_adam", torch.optim.Adam, {'lr': 0.01, 'eps': 1e-6})
print(f"final momentum_gap {(momentum_w - concise_momentum).abs().max().item():.3e}")
print(f"final adadelta_gap {(adadelta_w - concise_adadelta).abs().max().item():.3e}")
print(f"final adam_gap {(adam_w - concise_adam).abs().max().item():.3e}")
