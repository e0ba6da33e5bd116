"""Time-sequence prediction, in the style of the pytorch/examples time_sequence_prediction
program: shifted sine waves, a `Sequence` of two `nn.LSTMCell`s and a linear readout
unrolled by hand over the time steps (and `future` steps more, feeding each prediction
back in), trained with `optim.LBFGS` through a closure that prints each evaluation's
loss, then asked to continue the test waves; the same model once more with
`max_iter`/`history_size`/`line_search_fn="strong_wolfe"` set.

Idioms: `x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)`,
`np.sin(x / 1.0 / T).astype('float64')`, `torch.from_numpy(data[3:, :-1])`,
`torch.zeros(input.size(0), 51, dtype=torch.double)`, `for input_t in input.split(1,
dim=1)`, `h_t, c_t = self.lstm1(input_t, (h_t, c_t))`, `outputs += [output]`,
`torch.cat(outputs, dim=1)`, `seq.double()`, `optim.LBFGS(seq.parameters(), lr=0.8)`,
`def closure(): optimizer.zero_grad(); ...; loss.backward(); return loss`,
`optimizer.step(closure)`, `pred[:, :-future]`, `pred.detach().numpy()`.

Weights from NumPy, float64 (as the example): both frameworks take the same path,
LBFGS's line search included.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


def generate_sine_wave(T=20, L=60, N=24):
    np.random.seed(2)
    x = np.empty((N, L), 'int64')
    x[:] = np.array(range(L)) + np.random.randint(-4 * T, 4 * T, N).reshape(N, 1)
    return np.sin(x / 1.0 / T).astype('float64')


class Sequence(nn.Module):
    def __init__(self, hidden=16):
        super(Sequence, self).__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden)
        self.lstm2 = nn.LSTMCell(hidden, hidden)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), self.hidden, dtype=torch.double)

        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):  # if we should predict the future
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        outputs = torch.cat(outputs, dim=1)
        return outputs


def numpy_init(model, seed):
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for p in model.parameters():
            bound = 1.0 / model.hidden ** 0.5
            p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape))))
    return model


step = 0
data = generate_sine_wave()
# load data and make training set
input = torch.from_numpy(data[3:, :-1])
target = torch.from_numpy(data[3:, 1:])
test_input = torch.from_numpy(data[:3, :-1])
test_target = torch.from_numpy(data[:3, 1:])


def fit(seq, optimizer, steps, tag):
    global step
    criterion = nn.MSELoss()
    for i in range(steps):
        print('STEP: ', i)

        def closure():
            global step
            optimizer.zero_grad()
            out = seq(input)
            loss = criterion(out, target)
            print('loss:', loss.item())
            print(f"step {step} loss {loss.item():.12f}")
            step += 1
            loss.backward()
            return loss
        optimizer.step(closure)
        # begin to predict, no need to track gradient here
        with torch.no_grad():
            future = 30
            pred = seq(test_input, future=future)
            loss = criterion(pred[:, :-future], test_target)
            print('test loss:', loss.item())
            y = pred.detach().numpy()
    print(f"final {tag}_test_loss {loss.item():.12f}")
    print(f"final {tag}_future_mean {y[:, -30:].mean():.12f}")
    print(f"final {tag}_evaluations {step}")


seq = numpy_init(Sequence().double(), seed=0)
optimizer = optim.LBFGS(seq.parameters(), lr=0.8, max_iter=8)
fit(seq, optimizer, steps=4, tag="plain")

seq = numpy_init(Sequence().double(), seed=1)
optimizer = optim.LBFGS(seq.parameters(), lr=1, max_iter=10, history_size=5,
                        line_search_fn="strong_wolfe")
fit(seq, optimizer, steps=2, tag="wolfe")
state = optimizer.state[optimizer.param_groups[0]['params'][0]]
print(f"final wolfe_func_evals {state['func_evals']}")
print(f"final wolfe_n_iter {state['n_iter']}")
