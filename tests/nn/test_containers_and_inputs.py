"""ModuleList / ModuleDict, the Module traversal and conversion methods, Embedding,
AdaptiveAvgPool2d, BatchNorm3d, gradient clipping, and the one input rule: every module and
nn function takes ndarrays as constant Tensors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.testing import strategies as tst

# ------------------------------------------------------------------ the input rule

# every module that takes one input, with an input it accepts
MODULES = [
    (lambda: nn.Linear(3, 2), (4, 3)),
    (lambda: nn.Conv2d(2, 3, 3, padding=1), (2, 2, 5, 5)),
    (lambda: nn.MaxPool2d(2), (1, 2, 4, 4)),
    (lambda: nn.AvgPool2d(2), (1, 2, 4, 4)),
    (lambda: nn.AdaptiveAvgPool2d((2, 3)), (1, 2, 5, 7)),
    (lambda: nn.BatchNorm1d(3), (4, 3)),
    (lambda: nn.BatchNorm2d(2), (3, 2, 2, 2)),
    (lambda: nn.BatchNorm3d(2), (3, 2, 2, 2, 2)),
    (lambda: nn.LayerNorm(3), (4, 3)),
    (lambda: nn.GroupNorm(2, 4), (3, 4, 2)),
    (nn.Flatten, (2, 3, 2)),
    (lambda: nn.Dropout(0.0), (2, 3)),
    (nn.ReLU, (2, 3)), (nn.Sigmoid, (2, 3)), (nn.Tanh, (2, 3)), (nn.SiLU, (2, 3)),
    (nn.GELU, (2, 3)), (nn.ELU, (2, 3)), (nn.LeakyReLU, (2, 3)), (nn.Softplus, (2, 3)),
    (lambda: nn.Softmax(dim=1), (2, 3)), (lambda: nn.LogSoftmax(dim=1), (2, 3)),
    (nn.Identity, (2, 3)),
    (lambda: nn.Sequential(nn.Linear(3, 2), nn.ReLU()), (4, 3)),
]


@pytest.mark.parametrize("make, shape", MODULES, ids=[repr(m()) for m, _ in MODULES])
def test_every_module_takes_an_ndarray_as_a_constant_tensor(make, shape) -> None:
    tg.manual_seed(0)
    module = make().to(np.float64)
    x = np.random.default_rng(0).normal(size=shape)
    from_array = module(x)
    assert isinstance(from_array, Tensor)
    np.testing.assert_array_equal(from_array.data, module(Tensor(x)).data)


FUNCTIONS = [
    (F.relu, (2, 3)), (F.sigmoid, (2, 3)), (F.tanh, (2, 3)), (F.gelu, (2, 3)),
    (F.silu, (2, 3)), (F.elu, (2, 3)), (F.leaky_relu, (2, 3)), (F.softplus, (2, 3)),
    (F.softmax, (2, 3)), (F.log_softmax, (2, 3)), (F.erf, (2, 3)),
    (lambda x: F.dropout(x, 0.0), (2, 3)),
    (lambda x: F.linear(x, Tensor(np.ones((2, 3)))), (4, 3)),
    (lambda x: F.conv2d(x, np.ones((1, 2, 2, 2))), (1, 2, 3, 3)),
    (lambda x: F.max_pool2d(x, 2), (1, 1, 4, 4)), (lambda x: F.avg_pool2d(x, 2), (1, 1, 4, 4)),
    (lambda x: F.adaptive_avg_pool2d(x, 1), (1, 1, 4, 4)),
    (lambda x: F.batch_norm(x, None, None, training=True), (4, 3)),
    (lambda x: F.layer_norm(x, 3), (4, 3)), (lambda x: F.group_norm(x, 1, None), (2, 2, 3)),
    (lambda x: F.mse_loss(x, np.zeros((2, 3))), (2, 3)),
    (lambda x: F.l1_loss(x, np.zeros((2, 3))), (2, 3)),
    (lambda x: F.cross_entropy(x, np.array([0, 1])), (2, 3)),
    (lambda x: F.binary_cross_entropy_with_logits(x, np.zeros((2, 3))), (2, 3)),
]


@pytest.mark.parametrize("fn, shape", FUNCTIONS, ids=[str(i) for i in range(len(FUNCTIONS))])
def test_every_nn_function_takes_an_ndarray_as_a_constant_tensor(fn, shape) -> None:
    x = np.random.default_rng(1).normal(size=shape)
    out = fn(x)
    assert isinstance(out, Tensor) and not out.requires_grad
    np.testing.assert_array_equal(out.data, fn(Tensor(x)).data)


# ------------------------------------------------------------------ containers

def test_module_list_registers_its_entries_under_their_indices() -> None:
    layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU()])
    layers.append(nn.Linear(2, 1))
    layers.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in layers] == ["Linear", "Tanh", "ReLU", "Linear"]
    assert list(layers.state_dict()) == ["0.weight", "0.bias", "3.weight", "3.bias"]
    del layers[1]
    assert list(layers.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(layers) == 3 and isinstance(layers[-1], nn.Linear)
    assert len(layers[:2]) == 2 and len(layers + [nn.ReLU()]) == 4
    with pytest.raises(tg.IndexOutOfRange, match="index 3 is out of range for 3 modules"):
        layers[3]
    with pytest.raises(TypeError, match="entry 3 is a int, not a Module"):
        layers.append(3)
    with pytest.raises(NotImplementedError):
        layers(np.zeros(2))


def test_module_dict_keeps_order_and_keys() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.heads = nn.ModuleDict({"a": nn.Linear(2, 1), "b": nn.Linear(2, 3)})

        def forward(self, x, head):
            return self.heads[head](x)

    net = Net()
    assert list(net.state_dict()) == ["heads.a.weight", "heads.a.bias", "heads.b.weight",
                                      "heads.b.bias"]
    assert net(np.zeros((1, 2)), "b").shape == (1, 3)
    heads = net.heads
    assert list(heads.keys()) == ["a", "b"] and "a" in heads and len(heads) == 2
    heads["c"] = nn.Identity()
    assert [k for k, _ in heads.items()] == ["a", "b", "c"]
    assert isinstance(heads.pop("a"), nn.Linear) and list(heads) == ["b", "c"]
    with pytest.raises(KeyError, match="no module 'z'"):
        heads["z"]


def test_module_traversal_add_module_apply_and_requires_grad() -> None:
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    model.add_module("head", nn.Linear(3, 1))
    assert [n for n, _ in model.named_children()] == ["0", "1", "head"]
    assert [n for n, _ in model.named_modules()] == ["", "0", "1", "head"]
    assert len(list(model.children())) == 3 and len(list(model.modules())) == 4
    assert [n for n, _ in model.named_buffers()] == ["1.running_mean", "1.running_var",
                                                      "1.num_batches_tracked"]
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Linear", "BatchNorm1d", "Linear", "Sequential"]
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    model.requires_grad_()
    assert all(p.requires_grad for p in model.parameters())
    assert model.double() is model and model[0].weight.dtype == np.float64
    assert model.float()[0].weight.dtype == np.float32
    assert model.to("cpu") is model
    with pytest.raises(TypeError, match=r"add_module\('x'\) needs a Module or None"):
        model.add_module("x", 3)


def test_module_zero_grad_zeros_in_place_when_asked() -> None:
    layer = nn.Linear(2, 1)
    layer(np.ones((1, 2))).sum().backward()
    grad = layer.weight.grad
    layer.zero_grad(set_to_none=False)
    assert layer.weight.grad is grad and np.all(grad.data == 0)
    layer.zero_grad()
    assert layer.weight.grad is None


# ------------------------------------------------------------------ Embedding

@given(st.data())
def test_embedding_looks_up_rows_and_scatter_adds_their_gradients(data) -> None:
    n, d = data.draw(st.integers(2, 5)), data.draw(st.integers(1, 3))
    shape = data.draw(tst.shapes(min_dims=1, max_dims=2))
    indices = data.draw(st.lists(st.integers(0, n - 1), min_size=math.prod(shape),
                                 max_size=math.prod(shape)))
    indices = np.array(indices).reshape(shape)
    padding = data.draw(st.none() | st.integers(0, n - 1))
    weight = Tensor(data.draw(tst.arrays((n, d))), requires_grad=True)
    out = F.embedding(indices, weight, padding)
    np.testing.assert_array_equal(out.data, weight.data[indices])
    upstream = data.draw(tst.arrays(out.shape))
    (out * Tensor(upstream)).sum().backward()
    expected = np.zeros((n, d))
    np.add.at(expected, indices.reshape(-1), upstream.reshape(-1, d))
    if padding is not None:
        expected[padding] = 0
    np.testing.assert_allclose(weight.grad.data, expected, rtol=1e-12, atol=1e-12)
    # the padding row's gradient is zero by definition (not the derivative): gradcheck without
    assert tg.gradcheck(lambda w: F.embedding(indices, w), [weight])
    torch = pytest.importorskip("torch")
    theirs = torch.tensor(weight.data, requires_grad=True)
    expected_out = torch.nn.functional.embedding(torch.tensor(indices), theirs, padding)
    (expected_out * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(weight.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_embedding_module_init_and_errors() -> None:
    tg.manual_seed(0)
    table = nn.Embedding(10, 4, padding_idx=-1)
    assert table.padding_idx == 9 and np.all(table.weight.data[9] == 0)
    assert table(np.array([[1, 9]])).shape == (1, 2, 4)
    assert repr(table) == "Embedding(10, 4, padding_idx=9)"
    with pytest.raises(tg.IndexOutOfRange, match="index 10 is out of range for 10 embeddings"):
        table(np.array([10]))
    with pytest.raises(tg.DTypeError, match="indices must be integers, got dtype float64"):
        table(np.array([1.0]))


# ------------------------------------------------------------------ AdaptiveAvgPool2d

@given(st.data())
def test_adaptive_avg_pool_means_pytorchs_bins_and_gradchecks(data) -> None:
    h, w = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 6))
    out_h, out_w = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    x = data.draw(tst.arrays((2, 2, h, w)))
    y = F.adaptive_avg_pool2d(Tensor(x), (out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * h // out_h, math.ceil((i + 1) * h / out_h))
            cols = slice(j * w // out_w, math.ceil((j + 1) * w / out_w))
            np.testing.assert_allclose(y.data[..., i, j], x[..., rows, cols].mean(axis=(2, 3)),
                                       rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(lambda t: F.adaptive_avg_pool2d(t, (out_h, out_w)),
                        [Tensor(x, requires_grad=True)])
    torch = pytest.importorskip("torch")
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    upstream = data.draw(tst.arrays(y.shape))
    (F.adaptive_avg_pool2d(ours, (out_h, out_w)) * Tensor(upstream)).sum().backward()
    expected = torch.nn.functional.adaptive_avg_pool2d(theirs, (out_h, out_w))
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(y.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_adaptive_avg_pool_keeps_none_sizes_and_takes_unbatched_input() -> None:
    x = np.arange(24.0).reshape(2, 3, 4)
    assert F.adaptive_avg_pool2d(x, (None, 2)).shape == (2, 3, 2)
    np.testing.assert_allclose(nn.AdaptiveAvgPool2d(1)(x).data[:, 0, 0], x.mean(axis=(1, 2)))
    with pytest.raises(tg.ShapeError, match=r"\(N, C, H, W\) or \(C, H, W\), got \(2, 3\)"):
        F.adaptive_avg_pool2d(np.zeros((2, 3)), 1)


# ------------------------------------------------------------------ BatchNorm3d

def test_batchnorm3d_normalizes_over_n_d_h_w_per_channel() -> None:
    x = np.random.default_rng(3).normal(size=(3, 2, 2, 3, 2))
    layer = nn.BatchNorm3d(2).to(np.float64)
    y = layer(Tensor(x)).data
    mean = x.mean(axis=(0, 2, 3, 4), keepdims=True)
    var = x.var(axis=(0, 2, 3, 4), keepdims=True)
    np.testing.assert_allclose(y, (x - mean) / np.sqrt(var + 1e-5), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(layer.running_var, 0.9 + 0.1 * x.var(axis=(0, 2, 3, 4), ddof=1))
    with pytest.raises(tg.ShapeError, match=r"expected input of shape \(N, C, D, H, W\)"):
        layer(np.zeros((3, 2, 2, 2)))
    torch = pytest.importorskip("torch")
    theirs = torch.nn.BatchNorm3d(2).double()
    np.testing.assert_allclose(y, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(layer.running_var, theirs.running_var.numpy(), rtol=1e-12)


# ------------------------------------------------------------------ clipping

@given(st.data(), st.sampled_from([1.0, 2.0, 3.0, math.inf]))
def test_clip_grad_norm_scales_to_max_norm_as_pytorch(data, norm_type) -> None:
    shapes = data.draw(st.lists(tst.shapes(min_dims=1, max_dims=2), min_size=1, max_size=3))
    grads = [data.draw(tst.arrays(s)) for s in shapes]
    params = [Tensor(np.zeros(s), requires_grad=True) for s in shapes]
    for p, g in zip(params, grads):
        p.grad = Tensor(g.copy())
    max_norm = data.draw(st.floats(0.1, 5.0))
    flat = np.concatenate([g.reshape(-1) for g in grads])
    total = np.abs(flat).max() if norm_type == math.inf else (np.abs(flat) ** norm_type).sum() \
        ** (1 / norm_type)
    returned = tg.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    np.testing.assert_allclose(returned.item(), total, rtol=1e-12)
    scale = min(1.0, max_norm / (total + 1e-6))
    for p, g in zip(params, grads):
        np.testing.assert_allclose(p.grad.data, g * scale, rtol=1e-12, atol=1e-15)
    torch = pytest.importorskip("torch")
    theirs = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in shapes]
    for t, g in zip(theirs, grads):
        t.grad = torch.tensor(g)
    torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    for p, t in zip(params, theirs):
        np.testing.assert_allclose(p.grad.data, t.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_clip_grad_value_clamps_in_place_and_skips_missing_grads() -> None:
    p, q = Tensor(np.zeros(3), requires_grad=True), Tensor(np.zeros(2), requires_grad=True)
    p.grad = Tensor(np.array([-3.0, 0.5, 2.0]))
    grad = p.grad
    tg.nn.utils.clip_grad_value_([p, q], 1.0)
    assert p.grad is grad and q.grad is None
    np.testing.assert_array_equal(grad.data, [-1.0, 0.5, 1.0])
    with pytest.raises(tg.ArgumentError, match="clip_value must be >= 0"):
        tg.nn.utils.clip_grad_value_(p, -1)
    p.grad = Tensor(np.array([np.inf, 0.0, 0.0]))
    with pytest.raises(tg.TinygradError, match="total gradient norm is inf"):
        tg.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
