"""Super-resolution with a sub-pixel convolution, in the style of the pytorch/examples
super_resolution program: low-resolution inputs are the digits shrunk by a factor of 2
(bicubic interpolation), the network is four convolutions ending in `upscale_factor ** 2`
channels that `nn.PixelShuffle` rearranges into the full-size image, trained with MSE and
reported as PSNR against the plain bicubic upsampling; the model then super-resolves one
test digit, clamped to [0, 1].

Idioms: `nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2))`, `nn.PixelShuffle(upscale_factor)`,
`init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))` in
`_initialize_weights`, `nn.MSELoss()`, `optim.Adam(model.parameters(), lr=lr)`,
`F.interpolate(..., scale_factor=0.5, mode='bicubic', align_corners=False)`,
`10 * log10(1 / mse.item())`, `avg_psnr / len(testing_data_loader)`,
`out.clamp(0, 1)`, `torch.nn.functional.pixel_unshuffle` to check the inverse,
`batch[0].to(device), batch[1].to(device)`, a `DataLoader` over a `TensorDataset`.

Weights from NumPy after the orthogonal init (whose orthogonality is printed), batches
in order, float64: both frameworks take the same path.
"""
from math import log10

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.nn.init as init
import torch.optim as optim
from corpus_data import digits
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(123)
device = torch.device("cpu")
upscale_factor = 2
rng = np.random.default_rng(123)


class Net(nn.Module):
    def __init__(self, upscale_factor):
        super(Net, self).__init__()

        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)

        self._initialize_weights()

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        x = self.pixel_shuffle(self.conv4(x))
        return x

    def _initialize_weights(self):
        init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
        init.orthogonal_(self.conv4.weight)


def load_dataset(images):
    target = torch.from_numpy(images).double().view(-1, 1, 28, 28)
    input = F.interpolate(target, scale_factor=1 / upscale_factor, mode='bicubic',
                          align_corners=False)
    return TensorDataset(input, target)


x_train, _, x_test, _ = digits(200, 40)
train_set = load_dataset(x_train)
test_set = load_dataset(x_test)
training_data_loader = DataLoader(dataset=train_set, batch_size=20, shuffle=False)
testing_data_loader = DataLoader(dataset=test_set, batch_size=20, shuffle=False)

print('===> Building model')
model = Net(upscale_factor=upscale_factor).to(device).double()
w = model.conv1.weight.view(16, -1)
gain = init.calculate_gain('relu')
orthogonal_err = (w @ w.t() - gain ** 2 * torch.eye(16, dtype=w.dtype)).abs().max().item()
print(f"final orthogonal_rows {int(orthogonal_err < 1e-5)}")
w3 = model.conv3.weight.view(8, -1)
print(f"final orthogonal_gain {(w3 @ w3.t()).diagonal().mean().item():.5f}")
with torch.no_grad():  # the same weights on both frameworks
    for name, p in model.named_parameters():
        fan_in = p[0].numel() if p.dim() > 1 else 16
        p.copy_(torch.from_numpy(rng.normal(0.0, (2.0 / fan_in) ** 0.5, tuple(p.shape))))
        if name.endswith('bias'):
            p.zero_()
criterion = nn.MSELoss()

optimizer = optim.Adam(model.parameters(), lr=0.01)
step = 0


def train(epoch):
    global step
    epoch_loss = 0
    for iteration, batch in enumerate(training_data_loader, 1):
        input, target = batch[0].to(device), batch[1].to(device)

        optimizer.zero_grad()
        loss = criterion(model(input), target)
        epoch_loss += loss.item()
        loss.backward()
        optimizer.step()

        print(f"step {step} loss {loss.item():.12f}")
        step += 1
        print("===> Epoch[{}]({}/{}): Loss: {:.4f}".format(epoch, iteration,
                                                          len(training_data_loader),
                                                          loss.item()))

    print("===> Epoch {} Complete: Avg. Loss: {:.4f}".format(
        epoch, epoch_loss / len(training_data_loader)))


def test():
    avg_psnr = 0
    bicubic_psnr = 0
    with torch.no_grad():
        for batch in testing_data_loader:
            input, target = batch[0].to(device), batch[1].to(device)

            prediction = model(input)
            mse = criterion(prediction, target)
            psnr = 10 * log10(1 / mse.item())
            avg_psnr += psnr
            upsampled = F.interpolate(input, scale_factor=upscale_factor, mode='bicubic',
                                      align_corners=False)
            bicubic_psnr += 10 * log10(1 / criterion(upsampled, target).item())
    print("===> Avg. PSNR: {:.4f} dB (bicubic {:.4f} dB)".format(
        avg_psnr / len(testing_data_loader), bicubic_psnr / len(testing_data_loader)))
    return avg_psnr / len(testing_data_loader), bicubic_psnr / len(testing_data_loader)


for epoch in range(1, 7):
    train(epoch)
    psnr, bicubic = test()
print(f"final psnr {psnr:.10f}")
print(f"final bicubic_psnr {bicubic:.10f}")

# super_resolve: one low-resolution test digit through the model
model.eval()
img = test_set[3][0]
input = img.view(1, -1, img.size(1), img.size(2))
out = model(input)
out_img = out[0].detach().cpu().clamp(0, 1)
print("output", tuple(out_img.shape))
print(f"final out_sum {out_img.sum().item():.10f}")
features = model.conv4(model.relu(model.conv3(model.relu(model.conv2(
    model.relu(model.conv1(input)))))))
roundtrip = F.pixel_unshuffle(out, upscale_factor)
print(f"final unshuffle_err {(roundtrip - features).abs().max().item():.3e}")
