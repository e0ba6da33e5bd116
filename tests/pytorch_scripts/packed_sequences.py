"""Variable-length sequences, in the style of the many tutorials on padding and packing:
a custom `Dataset` of names (character ids) and their language, a `collate_fn` that
pads a batch with `pad_sequence` and keeps the lengths, a bidirectional LSTM run on
`pack_padded_sequence(..., enforce_sorted=False)` so that padding never reaches it, the
final hidden states of both directions concatenated into a classifier; the packed
outputs unpacked with `pad_packed_sequence` for a masked mean-pooling variant, and a
check that the packed run equals running each name alone.

Idioms: `class NamesDataset(Dataset)` with `__len__`/`__getitem__`,
`DataLoader(dataset, batch_size=16, shuffle=False, collate_fn=collate_batch)`,
`pad_sequence(sequences, batch_first=True, padding_value=0)`,
`torch.tensor([len(s) for s in sequences])`, `nn.Embedding(vocab, dim, padding_idx=0)`,
`pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)`,
`packed_output, (hidden, cell) = self.lstm(packed)`,
`torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)`,
`pad_packed_sequence(packed_output, batch_first=True)`,
`torch.arange(max_len)[None, :] < lengths[:, None]`, `mask.unsqueeze(-1)`,
`packed.batch_sizes`, `packed.sorted_indices`, `nn.CrossEntropyLoss()`,
`optim.RMSprop(model.parameters(), lr=...)`.

Weights from NumPy, batches in a fixed order, float64: both frameworks take the same
path.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from corpus_data import languages
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(17)
data = languages(seed=3, per_language=80)
all_letters = sorted({c for names in data.values() for name in names for c in name})
letter_to_id = {c: i + 1 for i, c in enumerate(all_letters)}  # 0 is the padding
labels = sorted(data)


class NamesDataset(Dataset):
    def __init__(self, data, part):
        self.samples = []
        for label, names in sorted(data.items()):
            chosen = names[:60] if part == "train" else names[60:]
            for name in chosen:
                self.samples.append((name, labels.index(label)))
        order = np.random.default_rng(0 if part == "train" else 1).permutation(
            len(self.samples))
        self.samples = [self.samples[i] for i in order]

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, idx):
        name, label = self.samples[idx]
        ids = torch.tensor([letter_to_id[c] for c in name], dtype=torch.long)
        return ids, label


def collate_batch(batch):
    sequences = [item[0] for item in batch]
    targets = torch.tensor([item[1] for item in batch])
    lengths = torch.tensor([len(s) for s in sequences])
    padded = pad_sequence(sequences, batch_first=True, padding_value=0)
    return padded, lengths, targets


class NameClassifier(nn.Module):
    def __init__(self, vocab_size, embed_dim, hidden_dim, num_classes, pooling="last"):
        super().__init__()
        self.pooling = pooling
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, hidden_dim, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden_dim, num_classes)

    def forward(self, text, lengths):
        embedded = self.embedding(text)
        packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        packed_output, (hidden, cell) = self.lstm(packed)
        if self.pooling == "last":
            features = torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)
        else:
            output, output_lengths = pad_packed_sequence(packed_output, batch_first=True)
            mask = torch.arange(output.size(1))[None, :] < output_lengths[:, None]
            features = (output * mask.unsqueeze(-1)).sum(1) / output_lengths[:, None]
        return self.fc(features)


def numpy_init(model):
    with torch.no_grad():
        for p in model.parameters():
            bound = 1.0 / p.shape[-1] ** 0.5
            p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape))))
    return model


train_loader = DataLoader(NamesDataset(data, "train"), batch_size=16, shuffle=False,
                          collate_fn=collate_batch)
test_loader = DataLoader(NamesDataset(data, "test"), batch_size=20, shuffle=False,
                         collate_fn=collate_batch)
padded, lengths, targets = next(iter(train_loader))
print("batch", tuple(padded.shape), "lengths", lengths.tolist()[:6])
packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
print(f"final batch_sizes_sum {packed.batch_sizes.sum().item()}")
print(f"final first_sorted_index {packed.sorted_indices[0].item()}")

step = 0


def evaluate(model, loader):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for text, lengths, targets in loader:
            predicted = model(text, lengths).argmax(1)
            correct += (predicted == targets).sum().item()
            total += targets.size(0)
    return correct / total


for pooling in ("last", "mean"):
    model = numpy_init(NameClassifier(len(all_letters) + 1, 8, 12, len(labels),
                                      pooling).double())
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.RMSprop(model.parameters(), lr=0.005)
    for epoch in range(4):
        model.train()
        for text, lengths, targets in train_loader:
            optimizer.zero_grad()
            loss = criterion(model(text, lengths), targets)
            loss.backward()
            optimizer.step()
            print(f"step {step} loss {loss.item():.12f}")
            step += 1
        print(f"{pooling} epoch {epoch} accuracy {evaluate(model, test_loader):.3f}")
    print(f"final {pooling}_accuracy {evaluate(model, test_loader):.6f}")

# The packed batch equals each name run alone (padding never reaches the LSTM).
model.eval()
with torch.no_grad():
    text, lengths, targets = next(iter(test_loader))
    together = model(text, lengths)
    alone = torch.cat([model(text[i:i + 1, :lengths[i]], lengths[i:i + 1])
                       for i in range(text.size(0))])
print(f"final packed_vs_alone {(together - alone).abs().max().item():.3e}")
