"""Siamese networks, in the style of the pytorch/examples siamese_network program and the
contrastive/triplet-loss tutorials that follow it: a `Dataset` whose `__getitem__` returns
two digits and whether they are the same class, one shared convolutional tower applied
to both (`forward_once`), the embeddings' absolute difference fed to a small head with a
sigmoid and `nn.BCELoss`, a `StepLR` schedule; then an embedding trained with the
contrastive loss of Hadsell et al. (`F.pairwise_distance`, a margin), and one with
`nn.TripletMarginLoss` over (anchor, positive, negative) triples, scored by how often the
positive is nearer than the negative.

Idioms: `class APP_MATCHER(Dataset)` with `__len__`/`__getitem__` returning
`image_1, image_2, target`, `torch.tensor(1, dtype=torch.float)`, `self.cnn1 =
nn.Sequential(...)`, `output = output.view(output.size()[0], -1)`,
`torch.abs(output1 - output2)`, `self.sigmoid(output)`, `loss_fn(outputs,
targets)` with `outputs.squeeze()`, `StepLR(optimizer, step_size=1, gamma=0.7)`,
`torch.where(outputs > 0.5, 1, 0)`, `pred.eq(targets.view_as(pred)).sum().item()`,
`class ContrastiveLoss(torch.nn.Module)` with `torch.mean((1 - label) *
torch.pow(euclidean_distance, 2) + label * torch.pow(torch.clamp(self.margin -
euclidean_distance, min=0.0), 2))`, `F.pairwise_distance(output1, output2,
keepdim=True)`, `nn.TripletMarginLoss(margin=1.0, p=2)`,
`nn.TripletMarginWithDistanceLoss(distance_function=...)`, `F.cosine_similarity`.

Weights from NumPy, pairs and triples drawn once by NumPy, batches in order, float64:
both frameworks take the same path.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from corpus_data import digits
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, Dataset

device = torch.device("cpu")
rng = np.random.default_rng(7)
x_train, y_train, x_test, y_test = digits(300, 100)


class APP_MATCHER(Dataset):
    def __init__(self, images, labels, count, seed):
        super(APP_MATCHER, self).__init__()
        self.images = torch.from_numpy(images).double().view(-1, 1, 28, 28)
        self.labels = labels
        pick = np.random.default_rng(seed)
        self.group_examples = {c: np.flatnonzero(labels == c) for c in range(10)}
        self.pairs = []
        for index in range(count):
            first = int(pick.integers(len(labels)))
            label = int(labels[first])
            if index % 2 == 0:  # a positive pair: another image of the same class
                second = int(pick.choice(self.group_examples[label]))
                target = 1
            else:  # a negative pair: an image of another class
                other = int(pick.choice([c for c in range(10) if c != label]))
                second = int(pick.choice(self.group_examples[other]))
                target = 0
            self.pairs.append((first, second, target))

    def __len__(self):
        return len(self.pairs)

    def __getitem__(self, index):
        first, second, target = self.pairs[index]
        image_1 = self.images[first].clone().float().double()
        image_2 = self.images[second].clone().double()
        return image_1, image_2, torch.tensor(target, dtype=torch.float)


class SiameseNetwork(nn.Module):
    def __init__(self):
        super(SiameseNetwork, self).__init__()
        self.cnn1 = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, stride=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, stride=2),
            nn.Conv2d(6, 8, kernel_size=3),
            nn.ReLU(inplace=True),
        )
        self.fc_in_features = 8 * 4 * 4
        self.fc = nn.Sequential(
            nn.Linear(self.fc_in_features, 32),
            nn.ReLU(inplace=True),
            nn.Linear(32, 1),
        )
        self.sigmoid = nn.Sigmoid()

    def forward_once(self, x):
        output = self.cnn1(x)
        output = output.view(output.size()[0], -1)
        return output

    def forward(self, input1, input2):
        output1 = self.forward_once(input1)
        output2 = self.forward_once(input2)
        # the component-wise distance of the two embeddings (Koch et al.'s L1 siamese)
        output = torch.abs(output1 - output2)
        output = self.fc(output)
        output = self.sigmoid(output)
        return output


def numpy_init(model):
    with torch.no_grad():
        for p in model.parameters():
            fan_in = p[0].numel() if p.dim() > 1 else p.numel()
            bound = 1.0 / fan_in ** 0.5
            p.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape))))
    return model


step = 0


def train(model, device, train_loader, optimizer, epoch):
    global step
    model.train()
    criterion = nn.BCELoss()
    for batch_idx, (images_1, images_2, targets) in enumerate(train_loader):
        images_1, images_2, targets = images_1.to(device), images_2.to(device), \
            targets.to(device)
        optimizer.zero_grad()
        outputs = model(images_1, images_2).squeeze()
        loss = criterion(outputs, targets.double())
        loss.backward()
        optimizer.step()
        print(f"step {step} loss {loss.item():.12f}")
        step += 1
        if batch_idx % 5 == 0:
            print('Train Epoch: {} [{}/{} ({:.0f}%)]\tLoss: {:.6f}'.format(
                epoch, batch_idx * len(images_1), len(train_loader.dataset),
                100. * batch_idx / len(train_loader), loss.item()))


def test(model, device, test_loader):
    model.eval()
    test_loss = 0
    correct = 0
    criterion = nn.BCELoss(reduction='sum')
    with torch.no_grad():
        for (images_1, images_2, targets) in test_loader:
            images_1, images_2, targets = images_1.to(device), images_2.to(device), \
                targets.to(device)
            outputs = model(images_1, images_2).squeeze()
            test_loss += criterion(outputs, targets.double()).item()
            pred = torch.where(outputs > 0.5, 1, 0)
            correct += pred.eq(targets.view_as(pred)).sum().item()
    test_loss /= len(test_loader.dataset)
    print('\nTest set: Average loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))
    return test_loss, correct / len(test_loader.dataset)


train_loader = DataLoader(APP_MATCHER(x_train, y_train, 400, seed=1), batch_size=40)
test_loader = DataLoader(APP_MATCHER(x_test, y_test, 200, seed=2), batch_size=100)
model = numpy_init(SiameseNetwork().to(device).double())
optimizer = optim.Adam(model.parameters(), lr=0.01)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
for epoch in range(1, 5):
    train(model, device, train_loader, optimizer, epoch)
    test_loss, test_acc = test(model, device, test_loader)
    scheduler.step()
print(f"final bce_test_loss {test_loss:.10f}")
print(f"final bce_test_acc {test_acc:.4f}")
print(f"final last_lr {scheduler.get_last_lr()[0]:.6f}")


class ContrastiveLoss(torch.nn.Module):
    """Hadsell et al.: similar pairs (label 0) pulled together, others pushed to a margin."""

    def __init__(self, margin=2.0):
        super(ContrastiveLoss, self).__init__()
        self.margin = margin

    def forward(self, output1, output2, label):
        euclidean_distance = F.pairwise_distance(output1, output2, keepdim=True)
        loss_contrastive = torch.mean((1 - label) * torch.pow(euclidean_distance, 2)
                                      + (label) * torch.pow(torch.clamp(
                                          self.margin - euclidean_distance, min=0.0), 2))
        return loss_contrastive


class EmbeddingNet(nn.Module):
    def __init__(self):
        super(EmbeddingNet, self).__init__()
        self.cnn1 = nn.Sequential(
            nn.Conv2d(1, 4, kernel_size=5, stride=2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2, stride=2),
        )
        self.fc1 = nn.Sequential(
            nn.Linear(4 * 6 * 6, 32),
            nn.ReLU(inplace=True),
            nn.Linear(32, 8),
        )

    def forward_once(self, x):
        output = self.cnn1(x)
        output = output.view(output.size()[0], -1)
        output = self.fc1(output)
        return output

    def forward(self, input1, input2):
        return self.forward_once(input1), self.forward_once(input2)


net = numpy_init(EmbeddingNet().double())
criterion = ContrastiveLoss()
optimizer = optim.Adam(net.parameters(), lr=0.005)
for epoch in range(3):
    for i, (img0, img1, same) in enumerate(train_loader):
        label = (1 - same).double().view(-1, 1)  # 1 for a dissimilar pair
        optimizer.zero_grad()
        output1, output2 = net(img0, img1)
        loss_contrastive = criterion(output1, output2, label)
        loss_contrastive.backward()
        optimizer.step()
        print(f"step {step} loss {loss_contrastive.item():.12f}")
        step += 1
    print("Epoch number {}\n Current loss {}\n".format(epoch, loss_contrastive.item()))

with torch.no_grad():
    near = far = 0.0
    for img0, img1, same in test_loader:
        output1, output2 = net(img0, img1)
        distance = F.pairwise_distance(output1, output2)
        near += distance[same == 1].sum().item()
        far += distance[same == 0].sum().item()
print(f"final same_distance {near / 100:.10f}")
print(f"final other_distance {far / 100:.10f}")

# Triplets: an anchor, another digit of its class, a digit of another class.
pick = np.random.default_rng(3)
triples = []
for _ in range(300):
    anchor = int(pick.integers(len(y_train)))
    positive = int(pick.choice(np.flatnonzero(y_train == y_train[anchor])))
    negative = int(pick.choice(np.flatnonzero(y_train != y_train[anchor])))
    triples.append((anchor, positive, negative))
triples = torch.tensor(triples)
images = torch.from_numpy(x_train).double().view(-1, 1, 28, 28)
tnet = numpy_init(EmbeddingNet().double())
triplet_loss = nn.TripletMarginLoss(margin=1.0, p=2)
optimizer = optim.SGD(tnet.parameters(), lr=0.05, momentum=0.9)
for epoch in range(2):
    for batch in triples.split(30):
        anchor = tnet.forward_once(images[batch[:, 0]])
        positive = tnet.forward_once(images[batch[:, 1]])
        negative = tnet.forward_once(images[batch[:, 2]])
        output = triplet_loss(anchor, positive, negative)
        optimizer.zero_grad()
        output.backward()
        optimizer.step()
        print(f"step {step} loss {output.item():.12f}")
        step += 1

with torch.no_grad():
    a, p, n = (tnet.forward_once(images[triples[:, k]]) for k in range(3))
    nearer = (F.pairwise_distance(a, p) < F.pairwise_distance(a, n)).double().mean()
    cosine = nn.TripletMarginWithDistanceLoss(
        distance_function=lambda x, y: 1.0 - F.cosine_similarity(x, y), margin=0.5)(a, p, n)
print(f"final triplet_nearer {nearer.item():.6f}")
print(f"final cosine_triplet {cosine.item():.10f}")
