"""Gated recurrent units and long short-term memory from scratch, then concise, in the
idiom of Dive into Deep Learning's chapter on modern recurrent networks: gates written
with `torch.sigmoid` / `torch.tanh` over weight triples made by a small lambda, the GRU's
reset gate applied to the state before the candidate's matmul and its update gate
interpolating old and candidate states, the LSTM carrying the tuple `(H, C)`; a
character-level language model over made-up names trained on minibatches drawn by random
sampling (a random offset, subsequences in a random order, a fresh state for each
minibatch); then `nn.LSTM` with the scratch LSTM's weights stacked in PyTorch's gate order
(input, forget, cell, output: the outputs must agree), `nn.GRU` trained on its own, a
two-layer GRU and a bidirectional LSTM whose output doubles the hidden size.

Idioms: `init_weight = lambda *shape: nn.Parameter(...)`, `triple = lambda: (...)` unpacked
into three attributes, `for X in inputs:`, `Z * H + (1 - Z) * H_tilde`,
`F * C + I * C_tilde`, `O * torch.tanh(C)`, `H, C = H_C`, `return outputs, (H, C)`,
`torch.stack(outputs, 1)`, `F.one_hot(X.T, vocab_size)`, `torch.cat([...], dim=1).T` into
`weight_ih_l0`, `nn.GRU(num_inputs, num_hiddens, num_layers=2)`,
`nn.LSTM(..., bidirectional=True)`, `rnn(inputs, (H0, C0))`, `outputs.swapaxes(0, 1)`,
`nn.utils.clip_grad_norm_`, `torch.optim.SGD`.

Weights, offsets and minibatch order from NumPy (fixed seed), float64: both frameworks
take the same path.
"""
import numpy as np
import torch
import torch.nn.functional as F
from corpus_data import names
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(8)
text = ".".join(names(300, seed=4)) + "."
vocab = sorted(set(text))
idx = {ch: i for i, ch in enumerate(vocab)}
corpus = [idx[ch] for ch in text]
vocab_size = len(vocab)


def seq_data_iter_random(corpus, batch_size, num_steps):
    """Subsequences from a random offset, taken in a random order (NumPy's generator)."""
    corpus = corpus[int(rng.integers(0, num_steps)):]
    num_subseqs = (len(corpus) - 1) // num_steps
    initial_indices = list(range(0, num_subseqs * num_steps, num_steps))
    rng.shuffle(initial_indices)
    num_batches = num_subseqs // batch_size
    for i in range(0, batch_size * num_batches, batch_size):
        starts = initial_indices[i: i + batch_size]
        X = [corpus[j: j + num_steps] for j in starts]
        Y = [corpus[j + 1: j + 1 + num_steps] for j in starts]
        yield torch.tensor(X), torch.tensor(Y)


def randn(*shape):
    return torch.from_numpy(rng.normal(0.0, 1.0, shape))


class GRUScratch(nn.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.num_hiddens = num_hiddens
        init_weight = lambda *shape: nn.Parameter(randn(*shape) * sigma)
        triple = lambda: (init_weight(num_inputs, num_hiddens),
                          init_weight(num_hiddens, num_hiddens),
                          nn.Parameter(torch.zeros(num_hiddens)))
        self.W_xz, self.W_hz, self.b_z = triple()  # update gate
        self.W_xr, self.W_hr, self.b_r = triple()  # reset gate
        self.W_xh, self.W_hh, self.b_h = triple()  # candidate hidden state

    def forward(self, inputs, H=None):
        if H is None:
            H = torch.zeros((inputs.shape[1], self.num_hiddens))
        outputs = []
        for X in inputs:
            Z = torch.sigmoid(torch.matmul(X, self.W_xz) + torch.matmul(H, self.W_hz) + self.b_z)
            R = torch.sigmoid(torch.matmul(X, self.W_xr) + torch.matmul(H, self.W_hr) + self.b_r)
            H_tilde = torch.tanh(torch.matmul(X, self.W_xh) +
                                 torch.matmul(R * H, self.W_hh) + self.b_h)
            H = Z * H + (1 - Z) * H_tilde
            outputs.append(H)
        return torch.stack(outputs, 0), H


class LSTMScratch(nn.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.num_hiddens = num_hiddens
        init_weight = lambda *shape: nn.Parameter(randn(*shape) * sigma)
        triple = lambda: (init_weight(num_inputs, num_hiddens),
                          init_weight(num_hiddens, num_hiddens),
                          nn.Parameter(torch.zeros(num_hiddens)))
        self.W_xi, self.W_hi, self.b_i = triple()  # input gate
        self.W_xf, self.W_hf, self.b_f = triple()  # forget gate
        self.W_xo, self.W_ho, self.b_o = triple()  # output gate
        self.W_xc, self.W_hc, self.b_c = triple()  # input node

    def forward(self, inputs, H_C=None):
        if H_C is None:
            H = torch.zeros((inputs.shape[1], self.num_hiddens))
            C = torch.zeros((inputs.shape[1], self.num_hiddens))
        else:
            H, C = H_C
        outputs = []
        for X in inputs:
            I = torch.sigmoid(torch.matmul(X, self.W_xi) + torch.matmul(H, self.W_hi) + self.b_i)
            F = torch.sigmoid(torch.matmul(X, self.W_xf) + torch.matmul(H, self.W_hf) + self.b_f)
            O = torch.sigmoid(torch.matmul(X, self.W_xo) + torch.matmul(H, self.W_ho) + self.b_o)
            C_tilde = torch.tanh(torch.matmul(X, self.W_xc) +
                                 torch.matmul(H, self.W_hc) + self.b_c)
            C = F * C + I * C_tilde
            H = O * torch.tanh(C)
            outputs.append(H)
        return torch.stack(outputs, 0), (H, C)


class RNNLM(nn.Module):
    """One-hot inputs, any recurrent layer returning (time-major outputs, state), a head."""

    def __init__(self, rnn, num_hiddens):
        super().__init__()
        self.rnn = rnn
        self.linear = nn.Linear(num_hiddens, vocab_size)
        with torch.no_grad():
            self.linear.weight.copy_(randn(vocab_size, num_hiddens) * 0.1)
            self.linear.bias.zero_()

    def forward(self, X, state=None):
        outputs, state = self.rnn(F.one_hot(X.T, vocab_size).type(torch.float64), state)
        return self.linear(outputs).swapaxes(0, 1), state


step = 0


def train(model, num_epochs, lr, batch_size=16, num_steps=10):
    global step
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for epoch in range(num_epochs):
        for X, Y in seq_data_iter_random(corpus, batch_size, num_steps):
            Y_hat, _ = model(X)  # random sampling: a fresh state for every minibatch
            l = F.cross_entropy(Y_hat.reshape(-1, vocab_size), Y.reshape(-1))
            optimizer.zero_grad()
            l.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            print(f"step {step} loss {l.item():.10f}")
            step += 1
    return l.item()


num_hiddens = 24
gru = RNNLM(GRUScratch(vocab_size, num_hiddens), num_hiddens)
print(f"final gru_scratch_loss {train(gru, 3, lr=4.0):.10f}")

lstm_scratch = LSTMScratch(vocab_size, num_hiddens)
lstm = RNNLM(lstm_scratch, num_hiddens)
start = {k: v.detach().clone() for k, v in lstm.state_dict().items()}
print(f"final lstm_scratch_loss {train(lstm, 3, lr=4.0):.10f}")

# The concise LSTM with the scratch model's starting weights: PyTorch's gate order is
# input, forget, cell (the input node), output, stacked along the rows.
concise = RNNLM(nn.LSTM(vocab_size, num_hiddens), num_hiddens)
with torch.no_grad():
    concise.rnn.weight_ih_l0.copy_(torch.cat(
        [start[f'rnn.W_x{g}'] for g in 'ifco'], dim=1).T)
    concise.rnn.weight_hh_l0.copy_(torch.cat(
        [start[f'rnn.W_h{g}'] for g in 'ifco'], dim=1).T)
    concise.rnn.bias_ih_l0.copy_(torch.cat([start[f'rnn.b_{g}'] for g in 'ifco']))
    concise.rnn.bias_hh_l0.zero_()
    concise.linear.load_state_dict({'weight': start['linear.weight'],
                                    'bias': start['linear.bias']})
    fresh = RNNLM(LSTMScratch(vocab_size, num_hiddens), num_hiddens)
    fresh.load_state_dict(start)
    X, _ = next(seq_data_iter_random(corpus, 4, 10))
    H0 = C0 = torch.from_numpy(rng.normal(0, 0.5, (1, 4, num_hiddens)))
    ours = concise(X, (H0, C0))
    theirs = fresh(X, (H0[0], C0[0]))
    gap = max((ours[0] - theirs[0]).abs().max().item(),
              (ours[1][1][0] - theirs[1][1]).abs().max().item())
print(f"final lstm_concise_matches {float(gap < 1e-12)}")
print(f"final lstm_concise_loss {train(concise, 2, lr=4.0):.10f}")


def init_from_numpy(module):
    with torch.no_grad():
        for name, p in module.named_parameters():
            p.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, tuple(p.shape))))


concise_gru = RNNLM(nn.GRU(vocab_size, num_hiddens), num_hiddens)
init_from_numpy(concise_gru.rnn)
print(f"final gru_concise_loss {train(concise_gru, 2, lr=4.0):.10f}")

deep = RNNLM(nn.GRU(vocab_size, num_hiddens, num_layers=2), num_hiddens)
init_from_numpy(deep.rnn)
print(f"final deep_gru_loss {train(deep, 2, lr=4.0):.10f}")
print(f"final deep_gru_state_layers {deep(X)[1].shape[0]}")

birnn = nn.LSTM(vocab_size, num_hiddens, bidirectional=True)
init_from_numpy(birnn)
outputs, (H, C) = birnn(F.one_hot(X.T, vocab_size).type(torch.float64))
print(f"final birnn_output_size {outputs.shape[-1]}")
print(f"final birnn_backward_first {outputs[0, :, num_hiddens:].sum().item():.10f}")
print(f"final birnn_last_state {H[1].sum().item():.10f}")
