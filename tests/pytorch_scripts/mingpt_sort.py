"""A small GPT learns to sort short digit sequences, in the style of minGPT's demo: a
Dataset that makes problems with torch.randint, masked targets (-1, ignored by the
loss), one fused query/key/value projection split into heads, weights initialised by
`model.apply`, AdamW with weight-decay and no-decay parameter groups, gradient clipping,
and a DataLoader over a RandomSampler that draws with replacement from an effectively
endless stream (1e10 samples), consumed one batch at a time with next(iter(...)).

Idioms: `class SortDataset(Dataset)` with `__len__`/`__getitem__`, `torch.randint(
self.num_digits, size=(self.length,), dtype=torch.long)`, `torch.rand(1).item() < 0.5`,
`inp.unique().nelement()`, `torch.sort(inp)[0]`, `torch.cat((inp, sol), dim=0)`,
`x = cat[:-1].clone()`, `y[:self.length - 1] = -1` (item assignment on a slice),
`nn.Linear(C, 3 * C)` with `.split(self.n_embd, dim=2)`, `.view(B, T, nh, C //
nh).transpose(1, 2)`, `self.register_buffer("bias", torch.tril(torch.ones(T, T)).view(1,
1, T, T))`, `att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))`,
`y.transpose(1, 2).contiguous().view(B, T, C)`, `nn.ModuleDict(dict(wte=...,
h=nn.ModuleList(...)))`, `nn.GELU()`, `self.apply(self._init_weights)` with
`torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)` and
`torch.nn.init.zeros_(module.bias)`, `for pn, p in self.named_parameters(): if
pn.endswith('c_proj.weight'): torch.nn.init.normal_(p, mean=0.0, std=0.02 /
math.sqrt(2 * n_layer))`, `named_modules()` walked to sort parameters into decay and
no_decay sets, `torch.optim.AdamW(optim_groups, lr=..., betas=(0.9, 0.95))`,
`F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
ignore_index=-1)`, `DataLoader(ds, sampler=torch.utils.data.RandomSampler(ds,
replacement=True, num_samples=int(1e10)), shuffle=False, pin_memory=True,
batch_size=..., num_workers=0)`, `try: batch = next(data_iter) except StopIteration`,
`[t.to(device) for t in batch]`, `model.zero_grad(set_to_none=True)`,
`torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)`, `v, _ = torch.topk(logits,
top_k)`, `logits[logits < v[:, [-1]]] = -float('Inf')` (boolean-mask assignment),
`torch.multinomial`, greedy `torch.topk(probs, k=1, dim=-1)`, `(inp_sorted ==
sol_candidate).all(1).cpu()`, `correct.float().mean()`.

The framework's generator makes the data, the weights and the sampled batches:
compared with PyTorch in a band.
"""
import math

import torch
import torch.nn as nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(3407)
device = 'cpu'


class SortDataset(Dataset):
    def __init__(self, split, length=6, num_digits=3):
        assert split in {'train', 'test'}
        self.split = split
        self.length = length
        self.num_digits = num_digits

    def __len__(self):
        return 10000

    def get_vocab_size(self):
        return self.num_digits

    def get_block_size(self):
        return self.length * 2 - 1

    def __getitem__(self, idx):
        while True:
            inp = torch.randint(self.num_digits, size=(self.length,), dtype=torch.long)
            if torch.rand(1).item() < 0.5:
                if inp.unique().nelement() > self.length // 2:
                    continue
            break
        sol = torch.sort(inp)[0]
        cat = torch.cat((inp, sol), dim=0)
        x = cat[:-1].clone()
        y = cat[1:].clone()
        y[:self.length - 1] = -1
        return x, y


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        assert n_embd % n_head == 0
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.register_buffer("bias", torch.tril(torch.ones(block_size, block_size))
                             .view(1, 1, block_size, block_size))
        self.n_head = n_head
        self.n_embd = n_embd

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float('-inf'))
        att = F.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, block_size)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = nn.ModuleDict(dict(
            c_fc=nn.Linear(n_embd, 4 * n_embd),
            c_proj=nn.Linear(4 * n_embd, n_embd),
            act=nn.GELU(),
        ))
        m = self.mlp
        self.mlpf = lambda x: m.c_proj(m.act(m.c_fc(x)))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlpf(self.ln_2(x))
        return x


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer=2, n_head=4, n_embd=48):
        super().__init__()
        self.block_size = block_size
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab_size, n_embd),
            wpe=nn.Embedding(block_size, n_embd),
            h=nn.ModuleList([Block(n_embd, n_head, block_size) for _ in range(n_layer)]),
            ln_f=nn.LayerNorm(n_embd),
        ))
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.apply(self._init_weights)
        for pn, p in self.named_parameters():
            if pn.endswith('c_proj.weight'):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))
        n_params = sum(p.numel() for p in self.transformer.parameters())
        print("number of parameters: %.2fM" % (n_params / 1e6,))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
        elif isinstance(module, nn.LayerNorm):
            torch.nn.init.zeros_(module.bias)
            torch.nn.init.ones_(module.weight)

    def configure_optimizers(self, learning_rate, weight_decay, betas):
        decay = set()
        no_decay = set()
        whitelist_weight_modules = (torch.nn.Linear, )
        blacklist_weight_modules = (torch.nn.LayerNorm, torch.nn.Embedding)
        for mn, m in self.named_modules():
            for pn, p in m.named_parameters():
                fpn = '%s.%s' % (mn, pn) if mn else pn
                if pn.endswith('bias'):
                    no_decay.add(fpn)
                elif pn.endswith('weight') and isinstance(m, whitelist_weight_modules):
                    decay.add(fpn)
                elif pn.endswith('weight') and isinstance(m, blacklist_weight_modules):
                    no_decay.add(fpn)
        param_dict = {pn: p for pn, p in self.named_parameters()}
        assert len(decay & no_decay) == 0
        assert len(param_dict.keys() - (decay | no_decay)) == 0
        optim_groups = [
            {"params": [param_dict[pn] for pn in sorted(list(decay))],
             "weight_decay": weight_decay},
            {"params": [param_dict[pn] for pn in sorted(list(no_decay))],
             "weight_decay": 0.0},
        ]
        return torch.optim.AdamW(optim_groups, lr=learning_rate, betas=betas)

    def forward(self, idx, targets=None):
        b, t = idx.size()
        assert t <= self.block_size
        pos = torch.arange(0, t, dtype=torch.long, device=idx.device).unsqueeze(0)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1),
                                   ignore_index=-1)
        return logits, loss

    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, do_sample=False, top_k=None):
        for _ in range(max_new_tokens):
            idx_cond = idx if idx.size(1) <= self.block_size else idx[:, -self.block_size:]
            logits, _ = self(idx_cond)
            logits = logits[:, -1, :] / temperature
            if top_k is not None:
                v, _ = torch.topk(logits, top_k)
                logits[logits < v[:, [-1]]] = -float('Inf')
            probs = F.softmax(logits, dim=-1)
            if do_sample:
                idx_next = torch.multinomial(probs, num_samples=1)
            else:
                _, idx_next = torch.topk(probs, k=1, dim=-1)
            idx = torch.cat((idx, idx_next), dim=1)
        return idx


train_dataset = SortDataset('train')
x, y = train_dataset[0]
print(x.tolist(), y.tolist())
model = GPT(train_dataset.get_vocab_size(), train_dataset.get_block_size())
optimizer = model.configure_optimizers(learning_rate=5e-3, weight_decay=0.1, betas=(0.9, 0.95))
train_loader = DataLoader(
    train_dataset,
    sampler=torch.utils.data.RandomSampler(train_dataset, replacement=True,
                                           num_samples=int(1e10)),
    shuffle=False,
    pin_memory=True,
    batch_size=32,
    num_workers=0,
)
model.train()
data_iter = iter(train_loader)
for iter_num in range(100):
    try:
        batch = next(data_iter)
    except StopIteration:
        data_iter = iter(train_loader)
        batch = next(data_iter)
    batch = [t.to(device) for t in batch]
    x, y = batch
    logits, loss = model(x, y)
    model.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    print(f"step {iter_num} loss {loss.item():.6f}")
    if iter_num % 50 == 0:
        print(f"iter {iter_num}: train loss {loss.item():.5f}")

model.eval()
test_dataset = SortDataset('test')
n = test_dataset.length
loader = DataLoader(test_dataset, batch_size=100, num_workers=0, drop_last=False)
results = []
for b, (x, y) in enumerate(loader):
    inp = x[:, :n]
    sol = y[:, -n:]
    cat = model.generate(inp, n, do_sample=False)
    sol_candidate = cat[:, n:]
    correct = (sol == sol_candidate).all(1).cpu()
    results.append(correct.float().mean().item())
    if b == 1:
        break
print(f"final test_accuracy {sum(results) / len(results):.6f}")
sample = model.generate(torch.tensor([[2, 0, 1, 2, 0, 1]]), n, do_sample=True, top_k=2)
print(sample.tolist())
