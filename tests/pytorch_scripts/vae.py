"""A variational autoencoder on MNIST digits, laid out like PyTorch's official VAE
example: encode / reparameterize / decode methods, a loss of summed binary cross-entropy
plus the KL divergence, per-epoch train and test functions, samples from the prior.

Idioms: `torch.utils.data.DataLoader(..., shuffle=True, **kwargs)`, `nn.Linear` layers
as attributes, `F.relu`, `torch.exp(0.5*logvar)`, `torch.randn_like(std)`,
`mu + eps*std`, `torch.sigmoid`, `x.view(-1, 784)`, `F.binary_cross_entropy(recon_x,
x.view(-1, 784), reduction='sum')`, `-0.5 * torch.sum(1 + logvar - mu.pow(2) -
logvar.exp())`, `optim.Adam(model.parameters(), lr=1e-3)`, `train_loss += loss.item()`,
`'====> Epoch: {} Average loss: {:.4f}'.format(...)`, `len(train_loader.dataset)`,
`test_loss /= len(test_loader.dataset)`, `torch.cat([data[:n], recon_batch.view(batch_size,
1, 28, 28)[:n]])`, `with torch.no_grad(): sample = torch.randn(64, 8); model.decode(sample)`,
`torch.manual_seed`, a dataset of `(image, label)` pairs whose labels are ignored (`_`).

Framework randomness (initialisation, shuffling, the reparameterization noise): compared
with PyTorch as per-epoch averages, not step by step.
"""
import torch
import torch.utils.data
from corpus_data import digits
from torch import nn, optim
from torch.nn import functional as F

torch.manual_seed(1)
device = torch.device("cpu")
batch_size = 100
epochs = 4
kwargs = {}

x_train, y_train, x_test, y_test = digits(1000, 300)
train_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(x_train).view(-1, 1, 28, 28),
                                   torch.from_numpy(y_train)),
    batch_size=batch_size, shuffle=True, **kwargs)
test_loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(torch.from_numpy(x_test).view(-1, 1, 28, 28),
                                   torch.from_numpy(y_test)),
    batch_size=batch_size, shuffle=False, **kwargs)


class VAE(nn.Module):
    def __init__(self):
        super(VAE, self).__init__()
        self.fc1 = nn.Linear(784, 200)
        self.fc21 = nn.Linear(200, 8)
        self.fc22 = nn.Linear(200, 8)
        self.fc3 = nn.Linear(8, 200)
        self.fc4 = nn.Linear(200, 784)

    def encode(self, x):
        h1 = F.relu(self.fc1(x))
        return self.fc21(h1), self.fc22(h1)

    def reparameterize(self, mu, logvar):
        std = torch.exp(0.5 * logvar)
        eps = torch.randn_like(std)
        return mu + eps * std

    def decode(self, z):
        h3 = F.relu(self.fc3(z))
        return torch.sigmoid(self.fc4(h3))

    def forward(self, x):
        mu, logvar = self.encode(x.view(-1, 784))
        z = self.reparameterize(mu, logvar)
        return self.decode(z), mu, logvar


model = VAE().to(device)
optimizer = optim.Adam(model.parameters(), lr=1e-3)


def loss_function(recon_x, x, mu, logvar):
    BCE = F.binary_cross_entropy(recon_x, x.view(-1, 784), reduction='sum')
    KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return BCE + KLD


step = 0


def train(epoch):
    global step
    model.train()
    train_loss = 0
    for batch_idx, (data, _) in enumerate(train_loader):
        data = data.to(device)
        optimizer.zero_grad()
        recon_batch, mu, logvar = model(data)
        loss = loss_function(recon_batch, data, mu, logvar)
        loss.backward()
        train_loss += loss.item()
        optimizer.step()
        print(f"step {step} loss {loss.item() / len(data):.6f}")
        step += 1
    print('====> Epoch: {} Average loss: {:.4f}'.format(
          epoch, train_loss / len(train_loader.dataset)))


def test(epoch):
    model.eval()
    test_loss = 0
    with torch.no_grad():
        for i, (data, _) in enumerate(test_loader):
            data = data.to(device)
            recon_batch, mu, logvar = model(data)
            test_loss += loss_function(recon_batch, data, mu, logvar).item()
            if i == 0:
                n = min(data.size(0), 8)
                comparison = torch.cat([data[:n],
                                        recon_batch.view(batch_size, 1, 28, 28)[:n]])
                assert tuple(comparison.shape) == (2 * n, 1, 28, 28)
    test_loss /= len(test_loader.dataset)
    print('====> Test set loss: {:.4f}'.format(test_loss))
    print(f"final test_loss {test_loss:.6f}")


if __name__ == "__main__":
    for epoch in range(1, epochs + 1):
        train(epoch)
        test(epoch)
        with torch.no_grad():
            sample = torch.randn(64, 8).to(device)
            sample = model.decode(sample).cpu()
            assert tuple(sample.view(64, 1, 28, 28).shape) == (64, 1, 28, 28)
    print(f"final sample_mean {sample.mean().item():.6f}")
