"""A character-level recurrent language model from scratch, then concise, in the idiom of
Dive into Deep Learning's chapters on recurrent networks: a vocabulary of the story's
characters, minibatches of subsequences by sequential partitioning (so the hidden state
is carried from one minibatch to the next and detached between them), inputs one-hot
encoded with `F.one_hot(X.T, vocab_size)` (time-major), a tanh RNN whose weights are
`nn.Parameter`s stepping over the time axis in a Python loop, an output layer applied to
the stacked states, gradient clipping written by hand (the global norm over all
parameters, `param.grad[:] *= theta / norm`), perplexity as `exp` of the mean
cross-entropy, greedy prediction after a warm-up on a prefix; then `nn.RNN` with the same
weights copied in (the outputs must match the scratch model's), trained with
`nn.utils.clip_grad_norm_`.

Idioms: `F.one_hot(X.T, self.vocab_size).type(torch.float32)`, `for X in inputs:`,
`torch.tanh(torch.matmul(X, W_xh) + torch.matmul(state, W_hh) + b_h)`,
`torch.stack(outputs, 1)`, `torch.zeros((batch_size, num_hiddens))` as the first state,
`state.detach_()` between minibatches (and `state.detach()` for the tuple-free nn.RNN),
`torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))`, `param.grad[:] *=`,
`Y_hat.reshape(-1, Y_hat.shape[-1])`, `F.cross_entropy`, `torch.exp(loss)`,
`torch.tensor([[outputs[-1]]])`, `int(Y.argmax(axis=2).reshape(1))`,
`rnn.weight_ih_l0.copy_(W_xh.T)`, `nn.utils.clip_grad_norm_`.

Weights from NumPy, float64, a fixed partition of the text: both frameworks take the same
path.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
from corpus_data import story
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(2)

text = story(120, seed=3)
vocab = sorted(set(text))
token_to_idx = {ch: i for i, ch in enumerate(vocab)}
corpus = torch.tensor([token_to_idx[ch] for ch in text])
vocab_size = len(vocab)
print(f"{len(text)} characters, vocabulary of {vocab_size}")


def seq_data_iter_sequential(corpus, batch_size, num_steps, offset):
    """Each minibatch's row i continues row i of the minibatch before."""
    num_tokens = ((len(corpus) - offset - 1) // batch_size) * batch_size
    Xs = corpus[offset: offset + num_tokens].reshape(batch_size, -1)
    Ys = corpus[offset + 1: offset + 1 + num_tokens].reshape(batch_size, -1)
    num_batches = Xs.shape[1] // num_steps
    for i in range(0, num_steps * num_batches, num_steps):
        yield Xs[:, i: i + num_steps], Ys[:, i: i + num_steps]


def param(*shape, sigma=0.01):
    return nn.Parameter(torch.from_numpy(rng.normal(0, 1, shape)) * sigma)


class RNNScratch(nn.Module):
    def __init__(self, num_inputs, num_hiddens, sigma=0.01):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.W_xh = param(num_inputs, num_hiddens, sigma=sigma)
        self.W_hh = param(num_hiddens, num_hiddens, sigma=sigma)
        self.b_h = nn.Parameter(torch.zeros(num_hiddens))

    def forward(self, inputs, state=None):
        if state is None:
            state = torch.zeros((inputs.shape[1], self.num_hiddens))
        outputs = []
        for X in inputs:  # shape of inputs: (num_steps, batch_size, num_inputs)
            state = torch.tanh(torch.matmul(X, self.W_xh) +
                               torch.matmul(state, self.W_hh) + self.b_h)
            outputs.append(state)
        return outputs, state


class RNNLMScratch(nn.Module):
    def __init__(self, rnn, vocab_size):
        super().__init__()
        self.rnn, self.vocab_size = rnn, vocab_size
        self.W_hq = param(rnn.num_hiddens, vocab_size, sigma=0.1)
        self.b_q = nn.Parameter(torch.zeros(vocab_size))

    def one_hot(self, X):
        # Output shape: (num_steps, batch_size, vocab_size)
        return F.one_hot(X.T, self.vocab_size).type(torch.float64)

    def output_layer(self, rnn_outputs):
        outputs = [torch.matmul(H, self.W_hq) + self.b_q for H in rnn_outputs]
        return torch.stack(outputs, 1)

    def forward(self, X, state=None):
        embs = self.one_hot(X)
        rnn_outputs, state = self.rnn(embs, state)
        return self.output_layer(rnn_outputs), state

    def predict(self, prefix, num_preds):
        state, outputs = None, [token_to_idx[prefix[0]]]
        for i in range(len(prefix) + num_preds - 1):
            X = torch.tensor([[outputs[-1]]])
            embs = self.one_hot(X)
            rnn_outputs, state = self.rnn(embs, state)
            if i < len(prefix) - 1:  # warm-up period
                outputs.append(token_to_idx[prefix[i + 1]])
            else:  # predict num_preds steps
                Y = self.output_layer(rnn_outputs)
                outputs.append(int(Y.argmax(axis=2).reshape(1)))
        return ''.join([vocab[i] for i in outputs])


def clip_gradients(model, grad_clip_val):
    params = [p for p in model.parameters() if p.requires_grad]
    norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
    if norm > grad_clip_val:
        for param in params:
            param.grad[:] *= grad_clip_val / norm
    return float(norm)


def loss_fn(Y_hat, Y):
    return F.cross_entropy(Y_hat.reshape(-1, Y_hat.shape[-1]), Y.reshape(-1))


step = 0
batch_size, num_steps = 16, 12
model = RNNLMScratch(RNNScratch(num_inputs=vocab_size, num_hiddens=32), vocab_size)
initial = {name: p.detach().clone() for name, p in model.named_parameters()}
optimizer = torch.optim.SGD(model.parameters(), lr=2.0)
norms = []
for epoch in range(4):
    state = None
    for X, Y in seq_data_iter_sequential(corpus, batch_size, num_steps, offset=epoch):
        if state is not None:
            state.detach_()  # keep the value, cut the graph of the previous minibatch
        Y_hat, state = model(X, state)
        l = loss_fn(Y_hat, Y)
        optimizer.zero_grad()
        l.backward()
        norms.append(clip_gradients(model, grad_clip_val=1.0))
        optimizer.step()
        print(f"step {step} loss {l.item():.10f}")
        step += 1
    print(f"epoch {epoch + 1}: perplexity {torch.exp(l).item():.3f}")
print(model.predict('the ', 20))
print(f"final scratch_perplexity {math.exp(l.item()):.10f}")
print(f"final mean_grad_norm {sum(norms) / len(norms):.10f}")
print(f"final clipped_steps {sum(n > 1.0 for n in norms)}")


class RNNLM(nn.Module):
    """The concise model: nn.RNN for the recurrence, nn.Linear for the output."""

    def __init__(self, vocab_size, num_hiddens):
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = nn.RNN(vocab_size, num_hiddens)
        self.linear = nn.Linear(num_hiddens, vocab_size)

    def forward(self, X, state=None):
        embs = F.one_hot(X.T, self.vocab_size).type(torch.float64)
        outputs, state = self.rnn(embs, state)
        return self.linear(outputs).swapaxes(0, 1), state


concise = RNNLM(vocab_size, num_hiddens=32)
with torch.no_grad():
    concise.rnn.weight_ih_l0.copy_(initial['rnn.W_xh'].T)
    concise.rnn.weight_hh_l0.copy_(initial['rnn.W_hh'].T)
    concise.rnn.bias_ih_l0.zero_()
    concise.rnn.bias_hh_l0.copy_(initial['rnn.b_h'])
    concise.linear.weight.copy_(initial['W_hq'].T)
    concise.linear.bias.copy_(initial['b_q'])
    fresh = RNNLMScratch(RNNScratch(vocab_size, 32), vocab_size)
    fresh.load_state_dict(initial)
    X, _ = next(seq_data_iter_sequential(corpus, batch_size, num_steps, 0))
    gap = (concise(X)[0] - fresh(X)[0]).abs().max().item()
print(f"final concise_matches_scratch {float(gap < 1e-12)}")

optimizer = torch.optim.SGD(concise.parameters(), lr=2.0)
for epoch in range(4):
    state = None
    for X, Y in seq_data_iter_sequential(corpus, batch_size, num_steps, offset=epoch):
        if state is not None:
            state = state.detach()
        Y_hat, state = concise(X, state)
        l = loss_fn(Y_hat, Y)
        optimizer.zero_grad()
        l.backward()
        nn.utils.clip_grad_norm_(concise.parameters(), 1.0)
        optimizer.step()
        print(f"step {step} loss {l.item():.10f}")
        step += 1
print(f"final concise_perplexity {math.exp(l.item()):.10f}")
