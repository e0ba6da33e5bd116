"""Fast neural style, in the style of the pytorch/examples fast_neural_style program
(Johnson et al.): a feed-forward `TransformerNet` (reflection-padded convolutions,
`nn.InstanceNorm2d(affine=True)`, residual blocks, nearest-neighbour upsampling
convolutions) trained so that a fixed feature network sees its output keep the content
image's features and take on the style image's Gram matrices; the style image is a
NumPy texture, the content images digits as three channels, the loss network a small
convolutional stack standing in for VGG16 with its weights fixed.

Idioms: `class ConvLayer(torch.nn.Module)` with `reflection_padding = kernel_size // 2`
and `torch.nn.ReflectionPad2d(reflection_padding)`, `torch.nn.InstanceNorm2d(32,
affine=True)`, `class ResidualBlock` returning `out + residual`,
`torch.nn.functional.interpolate(x_in, mode='nearest', scale_factor=self.upsample)`,
`(b, ch, h, w) = y.size()`, `features.bmm(features_t) / (ch * h * w)`,
`features.transpose(1, 2)`, `namedtuple("VggOutputs", [...])`,
`batch.div_(255)` style normalisation `(batch - mean) / std` with `batch.new_tensor(...)`,
`style.repeat(n_batch, 1, 1, 1)`, `[gram_matrix(y) for y in features_style]`,
`mse_loss(features_y.relu2_2, features_x.relu2_2)`, `for ft_y, gm_s in
zip(features_y, gram_style)`, `gm_s[:n_batch, :, :]`, `param.requires_grad = False`,
`agg_content_loss += content_loss.item()`.

Weights and images from NumPy, batches in order, float64: both frameworks take the same
path.
"""
from collections import namedtuple

import numpy as np
import torch
from corpus_data import digits
from torch.optim import Adam
from torch.utils.data import DataLoader, TensorDataset

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(31)


class ConvLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super(ConvLayer, self).__init__()
        reflection_padding = kernel_size // 2
        self.reflection_pad = torch.nn.ReflectionPad2d(reflection_padding)
        self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        out = self.reflection_pad(x)
        out = self.conv2d(out)
        return out


class ResidualBlock(torch.nn.Module):
    """ResidualBlock
    introduced in: https://arxiv.org/abs/1512.03385
    recommended architecture: http://torch.ch/blog/2016/02/04/resnets.html
    """

    def __init__(self, channels):
        super(ResidualBlock, self).__init__()
        self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in1 = torch.nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in2 = torch.nn.InstanceNorm2d(channels, affine=True)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        residual = x
        out = self.relu(self.in1(self.conv1(x)))
        out = self.in2(self.conv2(out))
        out = out + residual
        return out


class UpsampleConvLayer(torch.nn.Module):
    """UpsampleConvLayer
    Upsamples the input and then does a convolution. This method gives better results
    compared to ConvTranspose2d.
    """

    def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
        super(UpsampleConvLayer, self).__init__()
        self.upsample = upsample
        reflection_padding = kernel_size // 2
        self.reflection_pad = torch.nn.ReflectionPad2d(reflection_padding)
        self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        x_in = x
        if self.upsample:
            x_in = torch.nn.functional.interpolate(x_in, mode='nearest',
                                                   scale_factor=self.upsample)
        out = self.reflection_pad(x_in)
        out = self.conv2d(out)
        return out


class TransformerNet(torch.nn.Module):
    def __init__(self):
        super(TransformerNet, self).__init__()
        # Initial convolution layers
        self.conv1 = ConvLayer(3, 8, kernel_size=5, stride=1)
        self.in1 = torch.nn.InstanceNorm2d(8, affine=True)
        self.conv2 = ConvLayer(8, 16, kernel_size=3, stride=2)
        self.in2 = torch.nn.InstanceNorm2d(16, affine=True)
        # Residual layers
        self.res1 = ResidualBlock(16)
        self.res2 = ResidualBlock(16)
        # Upsampling Layers
        self.deconv1 = UpsampleConvLayer(16, 8, kernel_size=3, stride=1, upsample=2)
        self.in4 = torch.nn.InstanceNorm2d(8, affine=True)
        self.deconv3 = ConvLayer(8, 3, kernel_size=5, stride=1)
        # Non-linearities
        self.relu = torch.nn.ReLU()

    def forward(self, X):
        y = self.relu(self.in1(self.conv1(X)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.res1(y)
        y = self.res2(y)
        y = self.relu(self.in4(self.deconv1(y)))
        y = self.deconv3(y)
        return y


class LossNet(torch.nn.Module):
    """Four slices of a small fixed convolutional stack (VGG16's relu1_2 ... relu4_3)."""

    def __init__(self, requires_grad=False):
        super(LossNet, self).__init__()
        self.slice1 = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU())
        self.slice2 = torch.nn.Sequential(torch.nn.AvgPool2d(2), torch.nn.Conv2d(8, 12, 3, padding=1),
                                          torch.nn.ReLU())
        self.slice3 = torch.nn.Sequential(torch.nn.AvgPool2d(2), torch.nn.Conv2d(12, 16, 3, padding=1),
                                          torch.nn.ReLU())
        self.slice4 = torch.nn.Sequential(torch.nn.Conv2d(16, 16, 3, padding=1), torch.nn.ReLU())
        if not requires_grad:
            for param in self.parameters():
                param.requires_grad = False

    def forward(self, X):
        h = self.slice1(X)
        h_relu1_2 = h
        h = self.slice2(h)
        h_relu2_2 = h
        h = self.slice3(h)
        h_relu3_3 = h
        h = self.slice4(h)
        h_relu4_3 = h
        vgg_outputs = namedtuple("VggOutputs", ['relu1_2', 'relu2_2', 'relu3_3', 'relu4_3'])
        out = vgg_outputs(h_relu1_2, h_relu2_2, h_relu3_3, h_relu4_3)
        return out


def gram_matrix(y):
    (b, ch, h, w) = y.size()
    features = y.view(b, ch, w * h)
    features_t = features.transpose(1, 2)
    gram = features.bmm(features_t) / (ch * h * w)
    return gram


def normalize_batch(batch):
    # normalize using imagenet mean and std
    mean = batch.new_tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
    std = batch.new_tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)
    batch = batch.div_(255.0)
    return (batch - mean) / std


def numpy_init(model):
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() > 1:
                fan_in = p[0].numel()
                p.copy_(torch.from_numpy(rng.normal(0.0, (2.0 / fan_in) ** 0.5,
                                                    tuple(p.shape))))
            elif "in" in name.split(".")[-2] and name.endswith("weight"):
                p.fill_(1.0)
            else:
                p.zero_()
    return model


x_train = digits(64, 0)[0].reshape(-1, 1, 28, 28)
content = 255.0 * np.concatenate([x_train, 0.6 * x_train, 1.0 - x_train], axis=1).astype(np.float64)
train_loader = DataLoader(TensorDataset(torch.from_numpy(content),
                                        torch.zeros(len(content))), batch_size=8)
yy, xx = np.mgrid[0:28, 0:28]
style_np = 255.0 * np.stack([0.5 + 0.5 * np.sin(xx / 2.0 + yy / 3.0),
                             0.5 + 0.5 * np.sign(np.sin(xx / 3.0)) * np.sign(np.sin(yy / 3.0)),
                             0.5 + 0.4 * np.cos((xx - yy) / 4.0)])

transformer = numpy_init(TransformerNet())
optimizer = Adam(transformer.parameters(), 1e-2)
mse_loss = torch.nn.MSELoss()

vgg = numpy_init(LossNet(requires_grad=False))
print("loss-network parameters needing grad:", sum(p.requires_grad for p in vgg.parameters()))
style = torch.from_numpy(style_np)
style = style.repeat(8, 1, 1, 1)

features_style = vgg(normalize_batch(style))
gram_style = [gram_matrix(y) for y in features_style]
content_weight, style_weight = 1e5, 1e10
step = 0

for e in range(4):
    transformer.train()
    agg_content_loss = 0.
    agg_style_loss = 0.
    count = 0
    for batch_id, (x, _) in enumerate(train_loader):
        n_batch = len(x)
        count += n_batch
        optimizer.zero_grad()

        y = transformer(x)

        y = normalize_batch(y)
        x = normalize_batch(x)

        features_y = vgg(y)
        features_x = vgg(x)

        content_loss = content_weight * mse_loss(features_y.relu2_2, features_x.relu2_2)

        style_loss = 0.
        for ft_y, gm_s in zip(features_y, gram_style):
            gm_y = gram_matrix(ft_y)
            style_loss += mse_loss(gm_y, gm_s[:n_batch, :, :])
        style_loss *= style_weight

        total_loss = content_loss + style_loss
        total_loss.backward()
        optimizer.step()

        agg_content_loss += content_loss.item()
        agg_style_loss += style_loss.item()
        print(f"step {step} loss {total_loss.item():.10f}")
        step += 1
    mesg = "Epoch {}:\t[{}/{}]\tcontent: {:.6f}\tstyle: {:.6f}\ttotal: {:.6f}".format(
        e + 1, count, len(train_loader.dataset), agg_content_loss / (batch_id + 1),
        agg_style_loss / (batch_id + 1), (agg_content_loss + agg_style_loss) / (batch_id + 1))
    print(mesg)

transformer.eval()
with torch.no_grad():
    output = transformer(torch.from_numpy(content[:4]))
    img = output[0].clone().clamp(0, 255).numpy()
print(f"final content_loss {agg_content_loss / (batch_id + 1):.8f}")
print(f"final style_loss {agg_style_loss / (batch_id + 1):.8f}")
print(f"final stylized_mean {img.mean():.8f}")
print(f"final in1_weight_sum {transformer.in1.weight.sum().item():.10f}")
