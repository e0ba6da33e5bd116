"""A small DCGAN on 16x16 digits, laid out like the DCGAN tutorial: a generator of
transposed convolutions with BatchNorm2d and ReLU ending in Tanh, a discriminator of
strided convolutions with BatchNorm2d and LeakyReLU ending in Sigmoid, both initialised
by a `weights_init` applied through `.apply`, BCELoss with real and fake labels, the
discriminator stepped on a real batch and a detached fake batch, then the generator
through the updated discriminator, progress printed with the tutorial's statistics, and
a grid of samples from fixed noise at the end.

Idioms: `class Generator(nn.Module)` with `self.main = nn.Sequential(...)`,
`nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False)`, `nn.ConvTranspose2d(ngf * 2, ngf,
4, 2, 1, bias=False)`, `nn.BatchNorm2d(ngf)`, `nn.ReLU(True)`, `nn.Tanh()`,
`nn.Conv2d(nc, ndf, 4, 2, 1, bias=False)`, `nn.LeakyReLU(0.2, inplace=True)`,
`nn.Sigmoid()`, `classname.find('Conv') != -1`, `nn.init.normal_(m.weight.data, 0.0,
0.02)`, `nn.init.constant_(m.bias.data, 0)`, `netG.apply(weights_init)`, images scaled
to [-1, 1] by `(x - 0.5) / 0.5` after `F.pad` and `F.avg_pool2d` (28 -> 32 -> 16),
`TensorDataset` and `DataLoader(shuffle=True, drop_last=True)`,
`torch.randn(64, nz, 1, 1, device=device)` as fixed noise, `data[0].to(device)`,
`real_cpu.size(0)`, `torch.full((b_size,), real_label, dtype=torch.float, device=device)`,
`netD(real_cpu).view(-1)`, `label.fill_(fake_label)`, `netD(fake.detach())`,
`errD = errD_real + errD_fake`, `D_x = output.mean().item()`, two Adam optimizers with
`betas=(beta1, 0.999)`, `with torch.no_grad(): fake = netG(fixed_noise).detach().cpu()`,
`fake.clamp(-1, 1)`, `torch.cat` of rows into a grid.

Every random draw (weights, shuffling, noise) comes from the framework's generator:
compared with PyTorch in a band on the discriminator's loss, which need not fall.
"""
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from corpus_data import digits
from torch.utils.data import DataLoader, TensorDataset

manualSeed = 999
random.seed(manualSeed)
torch.manual_seed(manualSeed)

device = torch.device("cpu")
batch_size = 32
image_size = 16
nc = 1
nz = 16
ngf = 16
ndf = 16
num_epochs = 3
lr = 0.0005
beta1 = 0.5

x_train, _, _, _ = digits(480, 0)
images = torch.from_numpy(x_train).view(-1, 1, 28, 28)
images = F.avg_pool2d(F.pad(images, (2, 2, 2, 2)), 2)
images = (images - 0.5) / 0.5
dataset = TensorDataset(images)
dataloader = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=True)


def weights_init(m):
    classname = m.__class__.__name__
    if classname.find('Conv') != -1:
        nn.init.normal_(m.weight.data, 0.0, 0.02)
    elif classname.find('BatchNorm') != -1:
        nn.init.normal_(m.weight.data, 1.0, 0.02)
        nn.init.constant_(m.bias.data, 0)


class Generator(nn.Module):
    def __init__(self):
        super(Generator, self).__init__()
        self.main = nn.Sequential(
            # nz x 1 x 1 -> (ngf*2) x 4 x 4
            nn.ConvTranspose2d(nz, ngf * 2, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            # -> ngf x 8 x 8
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            # -> nc x 16 x 16
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh()
        )

    def forward(self, input):
        return self.main(input)


class Discriminator(nn.Module):
    def __init__(self):
        super(Discriminator, self).__init__()
        self.main = nn.Sequential(
            # nc x 16 x 16 -> ndf x 8 x 8
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            # -> (ndf*2) x 4 x 4
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            # -> 1 x 1 x 1
            nn.Conv2d(ndf * 2, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )

    def forward(self, input):
        return self.main(input)


netG = Generator().to(device)
netG.apply(weights_init)
netD = Discriminator().to(device)
netD.apply(weights_init)
print(netG)

criterion = nn.BCELoss()
fixed_noise = torch.randn(8, nz, 1, 1, device=device)
real_label = 1.
fake_label = 0.
optimizerD = optim.Adam(netD.parameters(), lr=lr, betas=(beta1, 0.999))
optimizerG = optim.Adam(netG.parameters(), lr=lr, betas=(beta1, 0.999))

img_list = []
G_losses = []
D_losses = []
iters = 0
print("Starting Training Loop...")
for epoch in range(num_epochs):
    for i, data in enumerate(dataloader, 0):
        # (1) Update D: maximize log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        real_cpu = data[0].to(device)
        b_size = real_cpu.size(0)
        label = torch.full((b_size,), real_label, dtype=torch.float, device=device)
        output = netD(real_cpu).view(-1)
        errD_real = criterion(output, label)
        errD_real.backward()
        D_x = output.mean().item()

        noise = torch.randn(b_size, nz, 1, 1, device=device)
        fake = netG(noise)
        label.fill_(fake_label)
        output = netD(fake.detach()).view(-1)
        errD_fake = criterion(output, label)
        errD_fake.backward()
        D_G_z1 = output.mean().item()
        errD = errD_real + errD_fake
        optimizerD.step()

        # (2) Update G: maximize log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)
        output = netD(fake).view(-1)
        errG = criterion(output, label)
        errG.backward()
        D_G_z2 = output.mean().item()
        optimizerG.step()

        if i % 5 == 0:
            print('[%d/%d][%d/%d]\tLoss_D: %.4f\tLoss_G: %.4f\tD(x): %.4f\tD(G(z)): %.4f / %.4f'
                  % (epoch, num_epochs, i, len(dataloader),
                     errD.item(), errG.item(), D_x, D_G_z1, D_G_z2))
        print(f"step {iters} loss {errD.item():.6f}")
        G_losses.append(errG.item())
        D_losses.append(errD.item())
        iters += 1

    with torch.no_grad():
        fake = netG(fixed_noise).detach().cpu()
    img_list.append(fake)

grid = torch.cat([img.clamp(-1, 1) for img in img_list[-1]], dim=2)
print(tuple(grid.shape))
print(f"final mean_G_loss {sum(G_losses[-10:]) / 10:.6f}")
print(f"final sample_mean {img_list[-1].mean().item():.6f}")
