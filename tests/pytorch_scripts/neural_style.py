"""Neural style transfer, in the style of the PyTorch tutorial on it (Gatys et al.): a
content image (a digit, as three channels) and a textured style image (NumPy stripes and
checks), a convolutional feature extractor walked with `cnn.children()` and rebuilt as
an `nn.Sequential` with `ContentLoss` and `StyleLoss` modules inserted after chosen
convolutions (the layers after the last loss trimmed off), Gram matrices of the
features, and the input image itself optimised by `optim.LBFGS([input_img])` through a
closure that clamps it to [0, 1] first; then once more with `optim.Adam([input_img])`
stepping the same closure. Pooling is average pooling, as many versions of the tutorial
use (max-pooling a blank background ties).

Idioms: `self.target = target.detach()`, `self.loss = F.mse_loss(input, self.target)`,
`a, b, c, d = input.size()`, `features = input.view(a * b, c * d)`,
`G = torch.mm(features, features.t())`, `G.div(a * b * c * d)`,
`torch.tensor(mean).view(-1, 1, 1)`, `(img - self.mean) / self.std`,
`for layer in cnn.children()`, `isinstance(layer, nn.Conv2d)`, `'conv_{}'.format(i)`,
`nn.ReLU(inplace=False)`, `model.add_module(name, layer)`, `model[:(i + 1)]`,
`input_img.requires_grad_(True)`, `model.eval()`, `model.requires_grad_(False)`,
`run = [0]`, `with torch.no_grad(): input_img.clamp_(0, 1)`, `style_score *=
style_weight`, `optimizer.step(closure)`, `content_img.clone()`.

Weights and images from NumPy, float64: both frameworks take the same path. The LBFGS
run is kept to its first 20 evaluations: with the clamp between evaluations it is
chaotic (a rounding model moves step 2 by 1e-12 and step 29 by 2e-5), Adam's is not.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from corpus_data import digits

device = torch.device("cpu")
torch.set_default_dtype(torch.float64)
rng = np.random.default_rng(8)
imsize = 32

digit = digits(1, 0)[0][0].reshape(28, 28)
content = np.zeros((imsize, imsize))
content[2:30, 2:30] = digit
content_img = torch.from_numpy(np.stack([content, 0.5 * content, 1.0 - content]))[None]
yy, xx = np.mgrid[0:imsize, 0:imsize]
style = np.stack([0.5 + 0.5 * np.sin(xx / 2.0 + yy / 3.0),
                  0.5 + 0.5 * np.sign(np.sin(xx / 3.0)) * np.sign(np.sin(yy / 3.0)),
                  0.5 + 0.4 * np.cos((xx - yy) / 4.0)])
style_img = torch.from_numpy(style + rng.uniform(-0.05, 0.05, style.shape)).clamp(0, 1)[None]
assert style_img.size() == content_img.size(), \
    "we need to import style and content images of the same size"


class ContentLoss(nn.Module):

    def __init__(self, target,):
        super(ContentLoss, self).__init__()
        # we 'detach' the target content from the tree used
        # to dynamically compute the gradient: this is a stated value,
        # not a variable. Otherwise the forward method of the criterion
        # will throw an error.
        self.target = target.detach()

    def forward(self, input):
        self.loss = F.mse_loss(input, self.target)
        return input


def gram_matrix(input):
    a, b, c, d = input.size()  # a=batch size(=1)
    # b=number of feature maps
    # (c,d)=dimensions of a f. map (N=c*d)

    features = input.view(a * b, c * d)  # resize F_XL into \\hat F_XL

    G = torch.mm(features, features.t())  # compute the gram product

    # we 'normalize' the values of the gram matrix
    # by dividing by the number of element in each feature maps.
    return G.div(a * b * c * d)


class StyleLoss(nn.Module):

    def __init__(self, target_feature):
        super(StyleLoss, self).__init__()
        self.target = gram_matrix(target_feature).detach()

    def forward(self, input):
        G = gram_matrix(input)
        self.loss = F.mse_loss(G, self.target)
        return input


# a small feature extractor standing in for VGG's features, its weights fixed
cnn = nn.Sequential(
    nn.Conv2d(3, 8, kernel_size=3, padding=1), nn.ReLU(inplace=True),
    nn.Conv2d(8, 8, kernel_size=3, padding=1), nn.ReLU(inplace=True),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(8, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
    nn.AvgPool2d(kernel_size=2, stride=2),
    nn.Conv2d(16, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
    nn.Conv2d(16, 16, kernel_size=3, padding=1), nn.ReLU(inplace=True),
).to(device).eval()
with torch.no_grad():
    for p in cnn.parameters():
        fan_in = p[0].numel() if p.dim() > 1 else 8
        p.copy_(torch.from_numpy(rng.normal(0.0, (2.0 / fan_in) ** 0.5, tuple(p.shape))))
cnn_normalization_mean = torch.tensor([0.485, 0.456, 0.406])
cnn_normalization_std = torch.tensor([0.229, 0.224, 0.225])


class Normalization(nn.Module):
    def __init__(self, mean, std):
        super(Normalization, self).__init__()
        # .view the mean and std to make them [C x 1 x 1] so that they can
        # directly work with image Tensor of shape [B x C x H x W].
        self.mean = torch.tensor(mean).view(-1, 1, 1)
        self.std = torch.tensor(std).view(-1, 1, 1)

    def forward(self, img):
        # normalize ``img``
        return (img - self.mean) / self.std


# desired depth layers to compute style/content losses :
content_layers_default = ['conv_4']
style_layers_default = ['conv_1', 'conv_2', 'conv_3', 'conv_4', 'conv_5']


def get_style_model_and_losses(cnn, normalization_mean, normalization_std,
                               style_img, content_img,
                               content_layers=content_layers_default,
                               style_layers=style_layers_default):
    # normalization module
    normalization = Normalization(normalization_mean, normalization_std)

    # just in order to have an iterable access to or list of content/style
    # losses
    content_losses = []
    style_losses = []

    # assuming that ``cnn`` is a ``nn.Sequential``, so we make a new ``nn.Sequential``
    # to put in modules that are supposed to be activated sequentially
    model = nn.Sequential(normalization)

    i = 0  # increment every time we see a conv
    for layer in cnn.children():
        if isinstance(layer, nn.Conv2d):
            i += 1
            name = 'conv_{}'.format(i)
        elif isinstance(layer, nn.ReLU):
            name = 'relu_{}'.format(i)
            # The in-place version doesn't play very nicely with the ``ContentLoss``
            # and ``StyleLoss`` we insert below. So we replace with out-of-place
            # ones here.
            layer = nn.ReLU(inplace=False)
        elif isinstance(layer, nn.AvgPool2d):
            name = 'pool_{}'.format(i)
        elif isinstance(layer, nn.BatchNorm2d):
            name = 'bn_{}'.format(i)
        else:
            raise RuntimeError('Unrecognized layer: {}'.format(layer.__class__.__name__))

        model.add_module(name, layer)

        if name in content_layers:
            # add content loss:
            target = model(content_img).detach()
            content_loss = ContentLoss(target)
            model.add_module("content_loss_{}".format(i), content_loss)
            content_losses.append(content_loss)

        if name in style_layers:
            # add style loss:
            target_feature = model(style_img).detach()
            style_loss = StyleLoss(target_feature)
            model.add_module("style_loss_{}".format(i), style_loss)
            style_losses.append(style_loss)

    # now we trim off the layers after the last content and style losses
    for i in range(len(model) - 1, -1, -1):
        if isinstance(model[i], ContentLoss) or isinstance(model[i], StyleLoss):
            break

    model = model[:(i + 1)]

    return model, style_losses, content_losses


input_img = content_img.clone()


def get_input_optimizer(input_img, kind="lbfgs"):
    # this line to show that input is a parameter that requires a gradient
    if kind == "adam":  # (a first-order variant; Adam's step takes the closure too)
        return optim.Adam([input_img], lr=0.02)
    optimizer = optim.LBFGS([input_img])
    return optimizer


def run_style_transfer(cnn, normalization_mean, normalization_std,
                       content_img, style_img, input_img, num_steps=300,
                       style_weight=1000000, content_weight=1, kind="lbfgs"):
    """Run the style transfer."""
    print('Building the style transfer model..')
    model, style_losses, content_losses = get_style_model_and_losses(
        cnn, normalization_mean, normalization_std, style_img, content_img)
    print(model)

    # We want to optimize the input and not the model parameters so we
    # update all the requires_grad fields accordingly
    input_img.requires_grad_(True)
    # We also put the model in evaluation mode, so that specific layers
    # such as dropout or batch normalization layers behave correctly.
    model.eval()
    model.requires_grad_(False)

    optimizer = get_input_optimizer(input_img, kind)

    print('Optimizing..')
    run = [0]
    while run[0] <= num_steps:

        def closure():
            # correct the values of updated input image
            with torch.no_grad():
                input_img.clamp_(0, 1)

            optimizer.zero_grad()
            model(input_img)
            style_score = 0
            content_score = 0

            for sl in style_losses:
                style_score += sl.loss
            for cl in content_losses:
                content_score += cl.loss

            style_score *= style_weight
            content_score *= content_weight

            loss = style_score + content_score
            loss.backward()

            global step
            print(f"step {step} loss {loss.item():.12f}")
            step += 1
            run[0] += 1
            if run[0] % 20 == 0:
                print("run {}:".format(run))
                print('Style Loss : {:4f} Content Loss: {:4f}'.format(
                    style_score.item(), content_score.item()))
                print()

            return style_score + content_score

        optimizer.step(closure)

    # a last correction...
    with torch.no_grad():
        input_img.clamp_(0, 1)

    return input_img, style_losses, content_losses


step = 0
output, style_losses, content_losses = run_style_transfer(
    cnn, cnn_normalization_mean, cnn_normalization_std, content_img, style_img, input_img,
    num_steps=15)
print(f"final lbfgs_evaluations {step}")
print(f"final lbfgs_output_mean {output.mean().item():.10f}")
print(f"final lbfgs_style_loss {sum(sl.loss.item() for sl in style_losses):.12e}")

input_img = content_img.clone()
output, style_losses, content_losses = run_style_transfer(
    cnn, cnn_normalization_mean, cnn_normalization_std, content_img, style_img, input_img,
    num_steps=50, kind="adam")
print(f"final output_mean {output.mean().item():.10f}")
print(f"final output_std {output.std().item():.10f}")
print(f"final style_loss {sum(sl.loss.item() for sl in style_losses):.12e}")
print(f"final content_loss {content_losses[0].loss.item():.12e}")
print(f"final trainable {sum(p.requires_grad for p in cnn.parameters())}")
