"""A word-level language model with nn.TransformerEncoder, in the style of the PyTorch
tutorial on language modelling with nn.Transformer: a vocabulary built from the tokens,
the token stream batchified into columns, `get_batch` cutting bptt-long windows, a model
of Embedding scaled by sqrt(d_model), a sinusoidal PositionalEncoding held as a buffer,
a TransformerEncoder with a causal mask from generate_square_subsequent_mask, and a
linear decoder; trained with SGD at learning rate 5, gradient clipping and StepLR,
evaluated per epoch, the best model's state dict saved to a temporary directory and
loaded back for the test split.

Idioms: `class PositionalEncoding(nn.Module)` with `torch.arange(max_len).unsqueeze(1)`,
`torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))`, `pe =
torch.zeros(max_len, 1, d_model)`, `pe[:, 0, 0::2] = torch.sin(position * div_term)`,
`self.register_buffer('pe', pe)`, `x + self.pe[:x.size(0)]`, `nn.TransformerEncoderLayer(
d_model, nhead, d_hid, dropout)` (sequence first), `nn.TransformerEncoder(encoder_layers,
nlayers)`, `self.embedding.weight.data.uniform_(-initrange, initrange)`,
`self.linear.bias.data.zero_()`, `nn.Transformer.generate_square_subsequent_mask(len(src))
.to(device)`, `self.transformer_encoder(src, src_mask)`, `torch.cat(tuple(filter(lambda
t: t.numel() > 0, data)))`, `data.view(bsz, seq_len).t().contiguous()`,
`source[i+1:i+1+seq_len].reshape(-1)`, `output.view(-1, ntokens)`,
`torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)`,
`torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)`,
`scheduler.get_last_lr()[0]`, `math.exp(cur_loss)`, `TemporaryDirectory()`,
`torch.save(model.state_dict(), path)`, `model.load_state_dict(torch.load(path))`.

Weights, dropout and nothing else come from the framework's generator (the batches are
in a fixed order): compared in a band.
"""
import math
import os
import time
from collections import Counter
from tempfile import TemporaryDirectory

import torch
from corpus_data import story
from torch import nn
from torch.nn import TransformerEncoder, TransformerEncoderLayer

torch.manual_seed(0)
device = torch.device('cpu')


class TransformerModel(nn.Module):

    def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.5):
        super().__init__()
        self.model_type = 'Transformer'
        self.pos_encoder = PositionalEncoding(d_model, dropout)
        encoder_layers = TransformerEncoderLayer(d_model, nhead, d_hid, dropout)
        self.transformer_encoder = TransformerEncoder(encoder_layers, nlayers)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)
        self.init_weights()

    def init_weights(self):
        initrange = 0.1
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.linear.bias.data.zero_()
        self.linear.weight.data.uniform_(-initrange, initrange)

    def forward(self, src, src_mask=None):
        """src: [seq_len, batch_size]; output: [seq_len, batch_size, ntoken]"""
        src = self.embedding(src) * math.sqrt(self.d_model)
        src = self.pos_encoder(src)
        if src_mask is None:
            src_mask = nn.Transformer.generate_square_subsequent_mask(len(src)).to(device)
        output = self.transformer_encoder(src, src_mask)
        output = self.linear(output)
        return output


class PositionalEncoding(nn.Module):

    def __init__(self, d_model, dropout=0.1, max_len=500):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        position = torch.arange(max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer('pe', pe)

    def forward(self, x):
        """x: [seq_len, batch_size, embedding_dim]"""
        x = x + self.pe[:x.size(0)]
        return self.dropout(x)


def tokenizer(line):
    return line.replace('.', ' .').split()


train_iter = story(300, seed=11).splitlines()
val_iter = story(40, seed=12).splitlines()
test_iter = story(40, seed=13).splitlines()
counter = Counter(tok for line in train_iter for tok in tokenizer(line))
itos = ['<unk>'] + sorted(counter)
stoi = {tok: i for i, tok in enumerate(itos)}


def vocab(tokens):
    return [stoi.get(tok, 0) for tok in tokens]


def data_process(raw_text_iter):
    """Converts raw text into a flat Tensor."""
    data = [torch.tensor(vocab(tokenizer(item)), dtype=torch.long) for item in raw_text_iter]
    return torch.cat(tuple(filter(lambda t: t.numel() > 0, data)))


train_data = data_process(train_iter)
val_data = data_process(val_iter)
test_data = data_process(test_iter)


def batchify(data, bsz):
    """Divides the data into bsz separate sequences, removing extra elements that
    wouldn't cleanly fit. Returns [N // bsz, bsz]."""
    seq_len = data.size(0) // bsz
    data = data[:seq_len * bsz]
    data = data.view(bsz, seq_len).t().contiguous()
    return data.to(device)


batch_size = 10
eval_batch_size = 5
train_data = batchify(train_data, batch_size)
val_data = batchify(val_data, eval_batch_size)
test_data = batchify(test_data, eval_batch_size)
print(train_data.shape, val_data.shape)

bptt = 12


def get_batch(source, i):
    seq_len = min(bptt, len(source) - 1 - i)
    data = source[i:i + seq_len]
    target = source[i + 1:i + 1 + seq_len].reshape(-1)
    return data, target


ntokens = len(itos)
emsize = 32
d_hid = 64
nlayers = 2
nhead = 2
dropout = 0.1
model = TransformerModel(ntokens, emsize, nhead, d_hid, nlayers, dropout).to(device)

criterion = nn.CrossEntropyLoss()
lr = 5.0
optimizer = torch.optim.SGD(model.parameters(), lr=lr)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.95)
step = 0


def train(model):
    global step
    model.train()
    total_loss = 0.
    log_interval = 10
    start_time = time.time()
    num_batches = len(train_data) // bptt
    for batch, i in enumerate(range(0, train_data.size(0) - 1, bptt)):
        data, targets = get_batch(train_data, i)
        output = model(data)
        output_flat = output.view(-1, ntokens)
        loss = criterion(output_flat, targets)

        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        optimizer.step()

        total_loss += loss.item()
        print(f"step {step} loss {loss.item():.6f}")
        step += 1
        if batch % log_interval == 0 and batch > 0:
            lr = scheduler.get_last_lr()[0]
            ms_per_batch = (time.time() - start_time) * 1000 / log_interval
            cur_loss = total_loss / log_interval
            ppl = math.exp(cur_loss)
            print(f'| epoch {epoch:3d} | {batch:5d}/{num_batches:5d} batches | '
                  f'lr {lr:02.2f} | ms/batch {ms_per_batch:5.2f} | '
                  f'loss {cur_loss:5.2f} | ppl {ppl:8.2f}')
            total_loss = 0
            start_time = time.time()


def evaluate(model, eval_data):
    model.eval()
    total_loss = 0.
    with torch.no_grad():
        for i in range(0, eval_data.size(0) - 1, bptt):
            data, targets = get_batch(eval_data, i)
            seq_len = data.size(0)
            output = model(data)
            output_flat = output.view(-1, ntokens)
            total_loss += seq_len * criterion(output_flat, targets).item()
    return total_loss / (len(eval_data) - 1)


best_val_loss = float('inf')
epochs = 3

with TemporaryDirectory() as tempdir:
    best_model_params_path = os.path.join(tempdir, "best_model_params.pt")

    for epoch in range(1, epochs + 1):
        epoch_start_time = time.time()
        train(model)
        val_loss = evaluate(model, val_data)
        val_ppl = math.exp(val_loss)
        elapsed = time.time() - epoch_start_time
        print('-' * 89)
        print(f'| end of epoch {epoch:3d} | time: {elapsed:5.2f}s | '
              f'valid loss {val_loss:5.2f} | valid ppl {val_ppl:8.2f}')
        print('-' * 89)

        if val_loss < best_val_loss:
            best_val_loss = val_loss
            torch.save(model.state_dict(), best_model_params_path)

        scheduler.step()
    model.load_state_dict(torch.load(best_model_params_path))

test_loss = evaluate(model, test_data)
test_ppl = math.exp(test_loss)
print('=' * 89)
print(f'| End of training | test loss {test_loss:5.2f} | test ppl {test_ppl:8.2f}')
print('=' * 89)
print(f"final best_val_loss {best_val_loss:.6f}")
print(f"final test_loss {test_loss:.6f}")
