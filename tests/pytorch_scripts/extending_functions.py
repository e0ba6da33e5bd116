"""Extending PyTorch with custom autograd Functions and the modules that wrap them, the way
the "Extending PyTorch" notes and the custom-Function recipes write them: a linear
Function in the split forward / setup_context style with needs_input_grad, wrapped in an
nn.Module with extra_repr; a Function taking a non-tensor constant; a Function with an
integer output marked non-differentiable; one that returns a view of its input; one that
skips work with set_materialize_grads(False); one with its own forward-mode rule used by
torch.func.jvp; gradcheck on each, with check_forward_ad where a jvp exists. Then a
digits classifier built from the custom linear modules trained with SGD and compared, step
by step in the script, with the same network of nn.Linear.

Idioms: `class LinearFunction(Function)` with `forward(input, weight, bias=None)` and
`setup_context(ctx, inputs, output)` unpacking `input, weight, bias = inputs`,
`grad_input = grad_weight = grad_bias = None`, `if ctx.needs_input_grad[0]:`,
`grad_output.mm(weight)`, `grad_output.t().mm(input)`, `grad_output.sum(0)`,
`if bias is not None and ctx.needs_input_grad[2]`, `class Linear(nn.Module)` with
`nn.Parameter(torch.empty(output_features, input_features))`,
`self.register_parameter('bias', None)`, `nn.init.uniform_(self.weight, -0.1, 0.1)`
then overwritten from NumPy, `def extra_repr(self): return 'input_features={}, ...'.format(
...)`, `MulConstant.apply(tensor, constant)` returning `(grad_output * ctx.constant,
None)`, `ctx.mark_non_differentiable(idx)` on `torch.sort` indices, `ctx.set_
materialize_grads(False)` with `if grad_output is None: return None`, a Function returning
`x.view_as(x)`, `jvp(ctx, *tangents)`, `torch.func.jvp(fn, (x,), (t,))`,
`torch.autograd.gradcheck(LinearFunction.apply, (input, weight), eps=1e-6, atol=1e-4)`
and `check_forward_ad=True`, `print(module)`, `F.cross_entropy`, `optim.SGD`.

Weights and data come from NumPy, float64, no randomness: both runs take the same path.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from corpus_data import digits
from torch.autograd import Function


class LinearFunction(Function):
    @staticmethod
    def forward(input, weight, bias=None):
        output = input.mm(weight.t())
        if bias is not None:
            output += bias.unsqueeze(0).expand_as(output)
        return output

    @staticmethod
    def setup_context(ctx, inputs, output):
        input, weight, bias = inputs
        ctx.save_for_backward(input, weight, bias)

    @staticmethod
    def backward(ctx, grad_output):
        input, weight, bias = ctx.saved_tensors
        grad_input = grad_weight = grad_bias = None
        if ctx.needs_input_grad[0]:
            grad_input = grad_output.mm(weight)
        if ctx.needs_input_grad[1]:
            grad_weight = grad_output.t().mm(input)
        if bias is not None and ctx.needs_input_grad[2]:
            grad_bias = grad_output.sum(0)
        return grad_input, grad_weight, grad_bias


class Linear(nn.Module):
    def __init__(self, input_features, output_features, bias=True):
        super().__init__()
        self.input_features = input_features
        self.output_features = output_features
        self.weight = nn.Parameter(torch.empty(output_features, input_features))
        if bias:
            self.bias = nn.Parameter(torch.empty(output_features))
        else:
            self.register_parameter('bias', None)
        nn.init.uniform_(self.weight, -0.1, 0.1)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -0.1, 0.1)

    def forward(self, input):
        return LinearFunction.apply(input, self.weight, self.bias)

    def extra_repr(self):
        return 'input_features={}, output_features={}, bias={}'.format(
            self.input_features, self.output_features, self.bias is not None)


class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output * ctx.constant, None


class SortValues(Function):
    @staticmethod
    def forward(ctx, x):
        values, idx = torch.sort(x, dim=-1)
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return values, idx

    @staticmethod
    def backward(ctx, grad_values, grad_idx):
        idx, = ctx.saved_tensors
        grad = torch.zeros_like(grad_values)
        return grad.scatter(-1, idx, grad_values)


class Halves(Function):
    """Two outputs; a caller that uses one leaves the other's gradient None."""

    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        return x * 0.5, x * -0.5

    @staticmethod
    def backward(ctx, grad_first, grad_second):
        if grad_first is None and grad_second is None:
            return None
        total = torch.zeros_like(grad_first if grad_first is not None else grad_second)
        if grad_first is not None:
            total = total + 0.5 * grad_first
        if grad_second is not None:
            total = total - 0.5 * grad_second
        return total


class ViewOf(Function):
    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class Square(Function):
    @staticmethod
    def forward(x):
        return x ** 2

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, = inputs
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)

    @staticmethod
    def backward(ctx, grad_output):
        x, = ctx.saved_tensors
        return 2 * x * grad_output

    @staticmethod
    def jvp(ctx, x_t):
        x, = ctx.saved_tensors
        return 2 * x * x_t


rng = np.random.default_rng(0)
input = torch.tensor(rng.standard_normal((5, 4)), requires_grad=True)
weight = torch.tensor(rng.standard_normal((3, 4)), requires_grad=True)
bias = torch.tensor(rng.standard_normal(3), requires_grad=True)
print("gradcheck linear", torch.autograd.gradcheck(LinearFunction.apply, (input, weight),
                                                   eps=1e-6, atol=1e-4))
assert torch.autograd.gradcheck(LinearFunction.apply, (input, weight, bias))
out = LinearFunction.apply(input.detach(), weight, None)
out.sum().backward()
assert torch.allclose(weight.grad, torch.ones(5, 3, dtype=torch.float64).t() @ input.detach())
weight.grad = None

x = torch.tensor(rng.standard_normal(6), requires_grad=True)
assert torch.allclose(torch.autograd.grad(MulConstant.apply(x, 2.5).sum(), x)[0],
                      torch.full_like(x, 2.5))
values, idx = SortValues.apply(x)
assert values.requires_grad and not idx.requires_grad and idx.dtype == torch.int64
(values * torch.arange(6, dtype=torch.float64)).sum().backward()
assert torch.equal(x.grad[idx], torch.arange(6, dtype=torch.float64))
assert torch.autograd.gradcheck(lambda t: SortValues.apply(t)[0], (x,))
x.grad = None
first, second = Halves.apply(x)
first.sum().backward()
assert torch.allclose(x.grad, torch.full_like(x, 0.5))
assert torch.autograd.gradcheck(lambda t: Halves.apply(t)[1], (x,))
v = ViewOf.apply(x)
assert v.shape == x.shape and v.requires_grad
assert torch.autograd.gradcheck(Square.apply, (x,), check_forward_ad=True)
tangent = torch.tensor(rng.standard_normal(6))
primal_out, tangent_out = torch.func.jvp(Square.apply, (x.detach(),), (tangent,))
assert torch.allclose(tangent_out, 2 * x.detach() * tangent)
print(f"final jvp_sum {tangent_out.sum().item():.15e}")

# A digits classifier of the custom Linear, against the same one of nn.Linear.
x_train, y_train, x_test, y_test = digits(320, 200)
xs, ys = torch.tensor(x_train, dtype=torch.float64), torch.tensor(y_train)
init = np.random.default_rng(1)
w1, w2 = init.uniform(-1, 1, (40, 784)) / 28, init.uniform(-1, 1, (10, 40)) / np.sqrt(40)


def build(layer):
    model = nn.Sequential(layer(784, 40), nn.Tanh(), layer(40, 10, bias=False)).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(w1))
        model[0].bias.zero_()
        model[2].weight.copy_(torch.tensor(w2))
    return model


custom, reference = build(Linear), build(nn.Linear)
print(custom)
assert "input_features=784, output_features=40, bias=True" in repr(custom)
assert custom[2].bias is None and len(list(custom.parameters())) == 3
opt_custom = torch.optim.SGD(custom.parameters(), lr=0.3, momentum=0.5)
opt_reference = torch.optim.SGD(reference.parameters(), lr=0.3, momentum=0.5)
for step in range(30):
    start = (step * 32) % 320
    xb, yb = xs[start:start + 32], ys[start:start + 32]
    losses = []
    for model, opt in ((custom, opt_custom), (reference, opt_reference)):
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert abs(losses[0] - losses[1]) <= 1e-9 * losses[1]
    print(f"step {step} loss {losses[0]:.15e}")
with torch.no_grad():
    predicted = custom(torch.tensor(x_test, dtype=torch.float64)).argmax(1)
accuracy = (predicted == torch.tensor(y_test)).double().mean().item()
print(f"final test_accuracy {accuracy:.6f}")
