"""The blocks of Dive into Deep Learning's chapter on modern convolutional networks, each
built the way the chapter builds it and trained briefly on 28 x 28 digits: VGG blocks
(3 x 3 convolutions then a max-pool) made by a function from an architecture tuple, NiN
blocks (a convolution followed by two 1 x 1 convolutions) ending in global average
pooling instead of a dense head, an Inception block of four branches concatenated on the
channel axis, a residual block with `nn.LazyBatchNorm2d` and an optional 1 x 1
convolution on the shortcut, and a DenseNet block that concatenates each conv block's
output to its input with `torch.cat((X, Y), dim=1)`, followed by a transition block.

Idioms: `nn.LazyConv2d(out_channels, kernel_size=3, padding=1)`, `nn.LazyBatchNorm2d()`,
`nn.LazyLinear`, shapes inferred by a dry run (`layer_summary` printing
`layer.__class__.__name__` and each output shape), `nn.Sequential(*layers)`, `nn.Sequential`
built from `*conv_blks`, `nn.AdaptiveAvgPool2d((1, 1))`, `nn.MaxPool2d(kernel_size=3,
stride=2, padding=1)`, `F.relu(self.bn1(self.conv1(X)))`, `Y += X` on the block's output,
`if self.conv3:`, `self.net = nn.Sequential(); self.net.add_module('dense', ...)`,
`for blk in self.net`, `type(module) == nn.Conv2d` / `nn.BatchNorm2d` after lazy materialisation,
`module.reset_running_stats()`,
`num_channels += num_convs * growth_rate`, `net.apply(init)`, `net.eval()`.

Weights from NumPy (Xavier-uniform bounds), biases zero, float64, batches in a fixed
order, no dropout: both frameworks take the same path.
"""
import numpy as np
import torch
import torch.nn.functional as F
from corpus_data import digits
from torch import nn

torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(5)
x_train, y_train, x_test, y_test = digits(384, 200)
X_train = torch.from_numpy(x_train).double().reshape(-1, 1, 28, 28)
X_test = torch.from_numpy(x_test).double().reshape(-1, 1, 28, 28)
Y_train, Y_test = torch.from_numpy(y_train), torch.from_numpy(y_test)


def init_cnn(module):
    """Xavier-uniform weights drawn by NumPy (the book calls nn.init.xavier_uniform_)."""
    if type(module) == nn.Linear or type(module) == nn.Conv2d:
        fan_out, fan_in = module.weight.shape[0], module.weight[0].numel()
        fan_out *= module.weight[0, 0].numel() if module.weight.dim() > 2 else 1
        bound = (6.0 / (fan_in + fan_out)) ** 0.5
        with torch.no_grad():
            module.weight.copy_(torch.from_numpy(
                rng.uniform(-bound, bound, tuple(module.weight.shape))))
            nn.init.zeros_(module.bias)
    if type(module) == nn.BatchNorm2d:  # forget the dry run's statistics
        module.reset_running_stats()


def layer_summary(net, X_shape):
    X = torch.zeros(*X_shape)
    for layer in net:
        X = layer(X)
        print(layer.__class__.__name__, 'output shape:\t', X.shape)
    return X.shape


step = 0


def fit(name, net, lr, batch_size=32):
    global step
    out_shape = layer_summary(net, (1, 1, 28, 28))
    print(f"final {name}_out_features {out_shape[-1]}")
    net.apply(init_cnn)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss = nn.CrossEntropyLoss()
    net.train()
    for i in range(0, len(X_train), batch_size):
        X, y = X_train[i:i + batch_size], Y_train[i:i + batch_size]
        l = loss(net(X), y)
        optimizer.zero_grad()
        l.backward()
        optimizer.step()
        print(f"step {step} loss {l.item():.10f}")
        step += 1
    net.eval()
    with torch.no_grad():
        Y_hat = net(X_test)
        print(f"final {name}_test_loss {loss(Y_hat, Y_test).item():.10f}")
        print(f"final {name}_test_acc {(Y_hat.argmax(dim=1) == Y_test).double().mean().item():.6f}")


def vgg_block(num_convs, out_channels):
    layers = []
    for _ in range(num_convs):
        layers.append(nn.LazyConv2d(out_channels, kernel_size=3, padding=1))
        layers.append(nn.ReLU())
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
    return nn.Sequential(*layers)


class VGG(nn.Module):
    def __init__(self, arch, num_classes=10):
        super().__init__()
        conv_blks = []
        for (num_convs, out_channels) in arch:
            conv_blks.append(vgg_block(num_convs, out_channels))
        self.net = nn.Sequential(
            *conv_blks, nn.Flatten(),
            nn.LazyLinear(64), nn.ReLU(), nn.LazyLinear(num_classes))


vgg = VGG(arch=((1, 8), (2, 16)))
fit("vgg", vgg.net, lr=0.1)


def nin_block(out_channels, kernel_size, strides, padding):
    return nn.Sequential(
        nn.LazyConv2d(out_channels, kernel_size, strides, padding), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU(),
        nn.LazyConv2d(out_channels, kernel_size=1), nn.ReLU())


nin = nn.Sequential(
    nin_block(16, kernel_size=5, strides=1, padding=2),
    nn.MaxPool2d(3, stride=2),
    nin_block(10, kernel_size=3, strides=1, padding=1),
    nn.AdaptiveAvgPool2d((1, 1)),
    nn.Flatten())
fit("nin", nin, lr=0.1)


class Inception(nn.Module):
    # c1--c4 are the numbers of output channels of the four branches
    def __init__(self, c1, c2, c3, c4, **kwargs):
        super(Inception, self).__init__(**kwargs)
        self.b1_1 = nn.LazyConv2d(c1, kernel_size=1)
        self.b2_1 = nn.LazyConv2d(c2[0], kernel_size=1)
        self.b2_2 = nn.LazyConv2d(c2[1], kernel_size=3, padding=1)
        self.b3_1 = nn.LazyConv2d(c3[0], kernel_size=1)
        self.b3_2 = nn.LazyConv2d(c3[1], kernel_size=5, padding=2)
        self.b4_1 = nn.MaxPool2d(kernel_size=3, stride=1, padding=1)
        self.b4_2 = nn.LazyConv2d(c4, kernel_size=1)

    def forward(self, x):
        b1 = F.relu(self.b1_1(x))
        b2 = F.relu(self.b2_2(F.relu(self.b2_1(x))))
        b3 = F.relu(self.b3_2(F.relu(self.b3_1(x))))
        b4 = F.relu(self.b4_2(self.b4_1(x)))
        return torch.cat((b1, b2, b3, b4), dim=1)


googlenet = nn.Sequential(
    nn.LazyConv2d(8, kernel_size=5, stride=2, padding=2), nn.ReLU(),
    nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    Inception(4, (4, 8), (2, 4), 4),
    nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(10))
fit("googlenet", googlenet, lr=0.1)


class Residual(nn.Module):
    """The residual block of ResNet."""

    def __init__(self, num_channels, use_1x1conv=False, strides=1):
        super().__init__()
        self.conv1 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.LazyConv2d(num_channels, kernel_size=3, padding=1)
        if use_1x1conv:
            self.conv3 = nn.LazyConv2d(num_channels, kernel_size=1, stride=strides)
        else:
            self.conv3 = None
        self.bn1 = nn.LazyBatchNorm2d()
        self.bn2 = nn.LazyBatchNorm2d()

    def forward(self, X):
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3:
            X = self.conv3(X)
        Y += X
        return F.relu(Y)


blk = Residual(3)
print(blk(torch.zeros(4, 3, 6, 6)).shape)
blk = Residual(6, use_1x1conv=True, strides=2)
print(blk(torch.zeros(4, 3, 6, 6)).shape)

resnet = nn.Sequential(
    nn.LazyConv2d(8, kernel_size=3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2),
    nn.Sequential(Residual(8), Residual(8)),
    nn.Sequential(Residual(16, use_1x1conv=True, strides=2), Residual(16)),
    nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.LazyLinear(10))
fit("resnet", resnet, lr=0.05)
print(f"final resnet_running_var_sum {resnet[1].running_var.sum().item():.10f}")


def conv_block(num_channels):
    return nn.Sequential(
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.LazyConv2d(num_channels, kernel_size=3, padding=1))


class DenseBlock(nn.Module):
    def __init__(self, num_convs, num_channels):
        super(DenseBlock, self).__init__()
        layer = []
        for i in range(num_convs):
            layer.append(conv_block(num_channels))
        self.net = nn.Sequential(*layer)

    def forward(self, X):
        for blk in self.net:
            Y = blk(X)
            # Concatenate input and output of each block along the channels
            X = torch.cat((X, Y), dim=1)
        return X


def transition_block(num_channels):
    return nn.Sequential(
        nn.LazyBatchNorm2d(), nn.ReLU(),
        nn.LazyConv2d(num_channels, kernel_size=1),
        nn.AvgPool2d(kernel_size=2, stride=2))


blk = DenseBlock(2, 10)
Y = blk(torch.zeros(4, 3, 8, 8))
print(Y.shape, transition_block(10)(Y).shape)

num_channels, growth_rate = 8, 4
densenet = nn.Sequential()
densenet.add_module('stem', nn.Sequential(
    nn.LazyConv2d(num_channels, kernel_size=3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(),
    nn.MaxPool2d(kernel_size=2, stride=2)))
for i, num_convs in enumerate((2, 2)):
    densenet.add_module(f'dense_blk{i + 1}', DenseBlock(num_convs, growth_rate))
    num_channels += num_convs * growth_rate
    if i != 1:
        num_channels //= 2
        densenet.add_module(f'tran_blk{i + 1}', transition_block(num_channels))
densenet.add_module('last', nn.Sequential(
    nn.LazyBatchNorm2d(), nn.ReLU(), nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(),
    nn.LazyLinear(10)))
fit("densenet", densenet, lr=0.1)
print(f"final densenet_channels {num_channels}")
