"""A small GAN on two-dimensional points, laid out like the DCGAN tutorial's training
loop: a `weights_init` applied to both networks that draws weights in place through
`.data`, BCELoss against label tensors built with torch.full and refilled with fill_,
the discriminator updated on a real batch and a detached fake batch, then the generator
through the updated discriminator, with the tutorial's D(x) and D(G(z)) statistics.

Idioms: `classname = m.__class__.__name__`, `classname.find('Linear') != -1`,
`nn.init.normal_(m.weight.data, 0.0, 0.02)`, `m.weight.data.normal_(1.0, 0.02)`,
`m.bias.data.fill_(0)`, `nn.init.constant_(m.bias.data, 0)`, `netG.apply(weights_init)`,
`nn.Sequential` with `nn.BatchNorm1d`, `nn.LeakyReLU(0.2, inplace=True)`,
`nn.ReLU(True)`, `nn.Sigmoid()`, `.view(-1)`, `torch.full((b_size,), real_label,
dtype=torch.float, device=device)`, `label.fill_(fake_label)`, `torch.randn(b_size, nz,
device=device)`, `netD(fake.detach())`, `errD = errD_real + errD_fake`,
`output.mean().item()`, `optimizerD = optim.Adam(netD.parameters(), lr=lr, betas=(beta1,
0.999))`, `netD.zero_grad()`, two optimizers stepping in turn, `G_losses.append(
errG.item())`, `'[%d/%d][%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f /
%.4f' % (...)` printf formatting of floats, `torch.cos`/`torch.sin` of `torch.rand`
angles for the real data, `torch.no_grad()` sampling, `fake.std(0)`.

Every random draw (data, noise, weights) comes from the framework's generator:
compared with PyTorch in a band on the discriminator's loss.
"""
import math

import torch
import torch.nn as nn
import torch.optim as optim

torch.manual_seed(999)
device = torch.device("cpu")
nz = 4
batch_size = 64
num_steps = 150
lr = 2e-3
beta1 = 0.5
real_label = 1.
fake_label = 0.


def real_batch(n):
    angle = torch.rand(n, device=device) * 2 * math.pi
    radius = 1.0 + 0.05 * torch.randn(n, device=device)
    return torch.stack([radius * torch.cos(angle), radius * torch.sin(angle)], dim=1)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Linear') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.2)
        m.bias.data.fill_(0)
    elif classname.find('BatchNorm') != -1:
        m.weight.data.normal_(1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


netG = nn.Sequential(
    nn.Linear(nz, 32), nn.BatchNorm1d(32), nn.ReLU(True),
    nn.Linear(32, 32), nn.BatchNorm1d(32), nn.ReLU(True),
    nn.Linear(32, 2),
).to(device)
netD = nn.Sequential(
    nn.Linear(2, 32), nn.LeakyReLU(0.2, inplace=True),
    nn.Linear(32, 32), nn.LeakyReLU(0.2, inplace=True),
    nn.Linear(32, 1), nn.Sigmoid(),
).to(device)
netG.apply(weights_init)
netD.apply(weights_init)
print(netG)

criterion = nn.BCELoss()
optimizerD = optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=lr, betas=(beta1, 0.999))
G_losses = []
D_losses = []
for i in range(num_steps):
    netD.zero_grad()
    real = real_batch(batch_size)
    b_size = real.size(0)
    label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
    output = netD(real).view(-1)
    errD_real = criterion(output, label)
    errD_real.backward()
    D_x = output.mean().item()

    noise = torch.randn(b_size, nz, device=device)
    fake = netG(noise)
    label.fill_(fake_label)
    output = netD(fake.detach()).view(-1)
    errD_fake = criterion(output, label)
    errD_fake.backward()
    D_G_z1 = output.mean().item()
    errD = errD_real + errD_fake
    optimizerD.step()

    netG.zero_grad()
    label.fill_(real_label)
    output = netD(fake).view(-1)
    errG = criterion(output, label)
    errG.backward()
    D_G_z2 = output.mean().item()
    optimizerG.step()

    G_losses.append(errG.item())
    D_losses.append(errD.item())
    print(f"step {i} loss {errD.item():.6f}")
    if i % 50 == 0:
        print('[%d/%d][%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f'
              % (0, 1, i, num_steps, errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))

netG.eval()
with torch.no_grad():
    fake = netG(torch.randn(500, nz, device=device))
radius = fake.norm(dim=1)
print('fake spread', fake.std(0).tolist())
print(f"final mean_radius {radius.mean().item():.6f}")
print(f"final mean_G_loss {sum(G_losses[-50:]) / 50:.6f}")
