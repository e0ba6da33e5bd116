"""A character-level GPT (token and position embeddings, causal self-attention heads,
feed-forward, pre-LayerNorm residual blocks) trained on a small text, in the style of the
"let's build GPT from scratch" lecture: a get_batch from random offsets, an
estimate_loss under @torch.no_grad() with model.eval(), AdamW, and generation by
sampling.

Idioms: `chars = sorted(list(set(text)))`, `encode = lambda s: [stoi[c] for c in s]`,
`torch.tensor(encode(text), dtype=torch.long)`, `n = int(0.9*len(data))`,
`ix = torch.randint(len(data) - block_size, (batch_size,))`, `torch.stack([data[i:i +
block_size] for i in ix])` (slicing with 0-d tensors), `x.to(device)`,
`self.register_buffer('tril', torch.tril(torch.ones(block_size, block_size)))`,
`B, T, C = x.shape`, `q @ k.transpose(-2, -1) * k.shape[-1]**-0.5`,
`wei.masked_fill(self.tril[:T, :T] == 0, float('-inf'))`, `F.softmax(wei, dim=-1)`,
`nn.Dropout`, `nn.ModuleList([Head(head_size) for _ in range(num_heads)])`,
`torch.cat([h(x) for h in self.heads], dim=-1)`, `nn.Sequential(nn.Linear, nn.ReLU,
nn.Linear, nn.Dropout)`, `x = x + self.sa(self.ln1(x))`, `nn.Sequential(*[Block(...) for
_ in range(n_layer)])`, `nn.Embedding`, `torch.arange(T, device=device)`,
`logits.view(B*T, C)`, `targets.view(B*T)`, `F.cross_entropy`, `idx[:, -block_size:]`,
`logits[:, -1, :]`, `torch.multinomial(probs, num_samples=1)`, `torch.cat((idx,
idx_next), dim=1)`, `losses = torch.zeros(eval_iters)` with `losses[k] = loss.item()`,
`out[split] = losses.mean()`, `model.train()`, `sum(p.numel() for p in
m.parameters())/1e6`, `torch.optim.AdamW(model.parameters(), lr=learning_rate)`,
`optimizer.zero_grad(set_to_none=True)`, `f"step {iter}: train loss
{losses['train']:.4f}"` (formatting a 0-d tensor), `torch.zeros((1, 1), dtype=torch.long,
device=device)`, `m.generate(context, max_new_tokens=...)[0].tolist()`.

Initialisation, batches, dropout and sampling all come from the framework's generator:
compared with PyTorch in a band.
"""
import torch
import torch.nn as nn
from corpus_data import story
from torch.nn import functional as F

batch_size = 16
block_size = 32
max_iters = 120
eval_interval = 40
learning_rate = 3e-3
device = 'cuda' if torch.cuda.is_available() else 'cpu'
eval_iters = 10
n_embd = 32
n_head = 4
n_layer = 2
dropout = 0.1

torch.manual_seed(1337)
text = story(300, seed=0)
chars = sorted(list(set(text)))
vocab_size = len(chars)
stoi = {ch: i for i, ch in enumerate(chars)}
itos = {i: ch for i, ch in enumerate(chars)}
encode = lambda s: [stoi[c] for c in s]
decode = lambda l: ''.join([itos[i] for i in l])

data = torch.tensor(encode(text), dtype=torch.long)
n = int(0.9 * len(data))
train_data = data[:n]
val_data = data[n:]


def get_batch(split):
    data = train_data if split == 'train' else val_data
    ix = torch.randint(len(data) - block_size, (batch_size,))
    x = torch.stack([data[i:i + block_size] for i in ix])
    y = torch.stack([data[i + 1:i + block_size + 1] for i in ix])
    x, y = x.to(device), y.to(device)
    return x, y


@torch.no_grad()
def estimate_loss():
    out = {}
    model.eval()
    for split in ['train', 'val']:
        losses = torch.zeros(eval_iters)
        for k in range(eval_iters):
            X, Y = get_batch(split)
            logits, loss = model(X, Y)
            losses[k] = loss.item()
        out[split] = losses.mean()
    model.train()
    return out


class Head(nn.Module):
    def __init__(self, head_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer('tril', torch.tril(torch.ones(block_size, block_size)))
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        B, T, C = x.shape
        k = self.key(x)
        q = self.query(x)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float('-inf'))
        wei = F.softmax(wei, dim=-1)
        wei = self.dropout(wei)
        v = self.value(x)
        return wei @ v


class MultiHeadAttention(nn.Module):
    def __init__(self, num_heads, head_size):
        super().__init__()
        self.heads = nn.ModuleList([Head(head_size) for _ in range(num_heads)])
        self.proj = nn.Linear(head_size * num_heads, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        out = torch.cat([h(x) for h in self.heads], dim=-1)
        return self.dropout(self.proj(out))


class FeedFoward(nn.Module):
    def __init__(self, n_embd):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_embd, 4 * n_embd),
            nn.ReLU(),
            nn.Linear(4 * n_embd, n_embd),
            nn.Dropout(dropout),
        )

    def forward(self, x):
        return self.net(x)


class Block(nn.Module):
    def __init__(self, n_embd, n_head):
        super().__init__()
        head_size = n_embd // n_head
        self.sa = MultiHeadAttention(n_head, head_size)
        self.ffwd = FeedFoward(n_embd)
        self.ln1 = nn.LayerNorm(n_embd)
        self.ln2 = nn.LayerNorm(n_embd)

    def forward(self, x):
        x = x + self.sa(self.ln1(x))
        x = x + self.ffwd(self.ln2(x))
        return x


class GPTLanguageModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(*[Block(n_embd, n_head=n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        tok_emb = self.token_embedding_table(idx)
        pos_emb = self.position_embedding_table(torch.arange(T, device=device))
        x = tok_emb + pos_emb
        x = self.blocks(x)
        x = self.ln_f(x)
        logits = self.lm_head(x)
        if targets is None:
            loss = None
        else:
            B, T, C = logits.shape
            logits = logits.view(B * T, C)
            targets = targets.view(B * T)
            loss = F.cross_entropy(logits, targets)
        return logits, loss

    def generate(self, idx, max_new_tokens):
        for _ in range(max_new_tokens):
            idx_cond = idx[:, -block_size:]
            logits, loss = self(idx_cond)
            logits = logits[:, -1, :]
            probs = F.softmax(logits, dim=-1)
            idx_next = torch.multinomial(probs, num_samples=1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


model = GPTLanguageModel()
m = model.to(device)
print(sum(p.numel() for p in m.parameters()) / 1e6, 'M parameters')
optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate)

for iter in range(max_iters):
    if iter % eval_interval == 0 or iter == max_iters - 1:
        losses = estimate_loss()
        print(f"step {iter}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
    xb, yb = get_batch('train')
    logits, loss = model(xb, yb)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    optimizer.step()
    print(f"step {iter} loss {loss.item():.6f}")
print(f"final val_loss {losses['val'].item():.6f}")

context = torch.zeros((1, 1), dtype=torch.long, device=device)
print(decode(m.generate(context, max_new_tokens=60)[0].tolist()))
