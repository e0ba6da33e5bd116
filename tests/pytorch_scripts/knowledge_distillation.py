"""Knowledge distillation, in the style of the PyTorch tutorial on it: a wide teacher
trained with cross-entropy, a narrow student trained once on the labels alone and once
(from the same initial weights) on a weighted sum of the labels' cross-entropy and the
temperature-softened teacher's distribution, the teacher held in eval mode under
no_grad; then the same soft-target loss written as Hinton's KL divergence with
`nn.KLDivLoss(reduction="batchmean")` and a hidden-representation (cosine) term.

Idioms: `nn.Sequential` inside `__init__` with `nn.Flatten()`, `train(model, train_loader,
epochs, learning_rate, device)` / `test(...)` helpers, `optim.Adam(model.parameters(),
lr=learning_rate)`, `running_loss / len(train_loader)`, `torch.max(outputs.data, 1)`,
`(predicted == labels).sum().item()`, `teacher.eval()` and `student.train()`,
`with torch.no_grad(): teacher_logits = teacher(inputs)`,
`nn.functional.softmax(teacher_logits / T, dim=-1)`,
`nn.functional.log_softmax(student_logits / T, dim=-1)`,
`torch.sum(soft_targets * (soft_targets.log() - soft_prob)) / soft_prob.size()[0] *
(T**2)`, `F.kl_div(..., reduction="batchmean")`, `nn.KLDivLoss(reduction="batchmean",
log_target=True)`, `nn.CosineEmbeddingLoss()` with `torch.ones(inputs.size(0))`,
`student.load_state_dict(copy.deepcopy(initial_state))`, `sum(p.numel() for p in
model.parameters())`, `torch.norm(model.fc[0].weight).item()`.

Weights from NumPy, batches in a fixed order, no dropout, float64: both frameworks take
the same path.
"""
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from corpus_data import digits
from torch.utils.data import DataLoader, TensorDataset

device = "cpu"
rng = np.random.default_rng(21)


class DeepNN(nn.Module):
    def __init__(self, num_classes=10):
        super(DeepNN, self).__init__()
        self.features = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 128),
            nn.ReLU(),
            nn.Linear(128, 64),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(64, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))


class LightNN(nn.Module):
    def __init__(self, num_classes=10):
        super(LightNN, self).__init__()
        self.features = nn.Sequential(
            nn.Flatten(),
            nn.Linear(784, 16),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(16, num_classes)

    def forward(self, x):
        return self.classifier(self.features(x))

    def hidden(self, x):
        return self.features(x)


def numpy_init(model):
    for p in model.parameters():
        bound = 1.0 / p.shape[-1] ** 0.5
        p.data.copy_(torch.from_numpy(rng.uniform(-bound, bound, tuple(p.shape))))
    return model


x_train, y_train, x_test, y_test = digits(500, 200)
train_loader = DataLoader(TensorDataset(torch.from_numpy(x_train).double().view(-1, 1, 28, 28),
                                        torch.from_numpy(y_train)), batch_size=50)
test_loader = DataLoader(TensorDataset(torch.from_numpy(x_test).double().view(-1, 1, 28, 28),
                                       torch.from_numpy(y_test)), batch_size=100)
step = 0


def train(model, train_loader, epochs, learning_rate, device):
    global step
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=learning_rate)
    model.train()
    for epoch in range(epochs):
        running_loss = 0.0
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            outputs = model(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            print(f"step {step} loss {loss.item():.10f}")
            step += 1
        print(f"Epoch {epoch + 1}/{epochs}, Loss: {running_loss / len(train_loader)}")


def test(model, test_loader, device):
    model.to(device)
    model.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for inputs, labels in test_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = model(inputs)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    accuracy = 100 * correct / total
    print(f"Test Accuracy: {accuracy:.2f}%")
    return accuracy


def train_knowledge_distillation(teacher, student, train_loader, epochs, learning_rate, T,
                                 soft_target_loss_weight, ce_loss_weight, device):
    global step
    ce_loss = nn.CrossEntropyLoss()
    optimizer = optim.Adam(student.parameters(), lr=learning_rate)
    teacher.eval()
    student.train()
    for epoch in range(epochs):
        running_loss = 0.0
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            with torch.no_grad():
                teacher_logits = teacher(inputs)
            student_logits = student(inputs)
            soft_targets = nn.functional.softmax(teacher_logits / T, dim=-1)
            soft_prob = nn.functional.log_softmax(student_logits / T, dim=-1)
            soft_targets_loss = torch.sum(soft_targets * (soft_targets.log() - soft_prob)) \
                / soft_prob.size()[0] * (T**2)
            label_loss = ce_loss(student_logits, labels)
            loss = soft_target_loss_weight * soft_targets_loss + ce_loss_weight * label_loss
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            print(f"step {step} loss {loss.item():.10f}")
            step += 1
        print(f"Epoch {epoch + 1}/{epochs}, Loss: {running_loss / len(train_loader)}")


nn_deep = numpy_init(DeepNN(num_classes=10).to(device).double())
train(nn_deep, train_loader, epochs=3, learning_rate=0.001, device=device)
test_accuracy_deep = test(nn_deep, test_loader, device)

nn_light = numpy_init(LightNN(num_classes=10).to(device).double())
initial_state = copy.deepcopy(nn_light.state_dict())
new_nn_light = LightNN(num_classes=10).to(device).double()
new_nn_light.load_state_dict(copy.deepcopy(initial_state))
print("Norm of 1st layer of nn_light:", torch.norm(nn_light.features[1].weight).item())
print("Norm of 1st layer of new_nn_light:", torch.norm(new_nn_light.features[1].weight).item())

total_params_deep = "{:,}".format(sum(p.numel() for p in nn_deep.parameters()))
total_params_light = "{:,}".format(sum(p.numel() for p in nn_light.parameters()))
print(f"DeepNN parameters: {total_params_deep}, LightNN parameters: {total_params_light}")

train(nn_light, train_loader, epochs=3, learning_rate=0.001, device=device)
test_accuracy_light_ce = test(nn_light, test_loader, device)

train_knowledge_distillation(teacher=nn_deep, student=new_nn_light, train_loader=train_loader,
                             epochs=3, learning_rate=0.001, T=2, soft_target_loss_weight=0.25,
                             ce_loss_weight=0.75, device=device)
test_accuracy_light_ce_and_kd = test(new_nn_light, test_loader, device)

print(f"Teacher accuracy: {test_accuracy_deep:.2f}%")
print(f"Student accuracy without teacher: {test_accuracy_light_ce:.2f}%")
print(f"Student accuracy with CE + KD: {test_accuracy_light_ce_and_kd:.2f}%")
print(f"final teacher_acc {test_accuracy_deep:.4f}")
print(f"final student_ce_acc {test_accuracy_light_ce:.4f}")
print(f"final student_kd_acc {test_accuracy_light_ce_and_kd:.4f}")

# The soft-target term as Hinton's KL divergence, and a cosine term on hidden features.
inputs, labels = next(iter(train_loader))
T = 4.0
with torch.no_grad():
    teacher_logits = nn_deep(inputs)
student_logits = new_nn_light(inputs)
tutorial_form = torch.sum(F.softmax(teacher_logits / T, dim=-1)
                          * (F.log_softmax(teacher_logits / T, dim=-1)
                             - F.log_softmax(student_logits / T, dim=-1))) / inputs.size(0)
kl_form = F.kl_div(F.log_softmax(student_logits / T, dim=1), F.softmax(teacher_logits / T, dim=1),
                   reduction="batchmean")
kl_module = nn.KLDivLoss(reduction="batchmean", log_target=True)(
    F.log_softmax(student_logits / T, dim=1), F.log_softmax(teacher_logits / T, dim=1))
print(f"final kl_batchmean {kl_form.item() * T * T:.12f}")
print(f"final kl_forms_differ {abs(kl_form.item() - tutorial_form.item()) + abs(kl_module.item() - kl_form.item()):.3e}")

cosine_loss = nn.CosineEmbeddingLoss()
teacher_hidden = nn_deep.features[:4](inputs).detach()[:, :16]
student_hidden = new_nn_light.hidden(inputs)
hidden_loss = cosine_loss(student_hidden, teacher_hidden, target=torch.ones(inputs.size(0)).double())
(hidden_loss + kl_form * T * T).backward()
print(f"final cosine_loss {hidden_loss.item():.12f}")
print(f"final student_grad_norm {new_nn_light.features[1].weight.grad.norm().item():.12f}")
