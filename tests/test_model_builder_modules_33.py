"""Modules a model builder reaches for, against torch itself: nn.FractionalMaxPool2d /
F.fractional_max_pool2d given the same _random_samples (values, indices, gradients),
nn.AdaptiveLogSoftmaxWithLoss after copying torch's weights (output, loss, log_prob,
predict, gradients of the input and of every parameter), and the legacy
Module.register_backward_hook (its call, its FutureWarning, its exclusion of full hooks)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn as nn
import tinygrad_bn.nn.functional as F

torch = pytest.importorskip("torch")


@st.composite
def _pooling_cases(draw):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    oh, ow = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    h, w = oh + kh - 1 + draw(st.integers(0, 6)), ow + kw - 1 + draw(st.integers(0, 6))
    n, c = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**31))
    batched = draw(st.booleans())
    dtype = draw(st.sampled_from([np.float64, np.float32]))
    return (kh, kw), (oh, ow), (n, c, h, w), seed, batched, dtype


@given(_pooling_cases())
def test_fractional_max_pool2d_matches_pytorch_given_the_samples(case) -> None:
    kernel, out, (n, c, h, w), seed, batched, dtype = case
    rng = np.random.default_rng(seed)
    shape = (n, c, h, w) if batched else (c, h, w)
    x = rng.permutation(np.arange(np.prod(shape))).reshape(shape).astype(dtype)  # no ties
    samples = rng.uniform(size=(n if batched else 1, c, 2)).astype(dtype)
    grad = rng.normal(size=((n, c) if batched else (c,)) + out).astype(dtype)
    results = []
    for lib, functional in ((tg, F), (torch, torch.nn.functional)):
        t = lib.tensor(x, requires_grad=True)
        y, i = functional.fractional_max_pool2d(t, kernel, out, return_indices=True,
                                                _random_samples=lib.tensor(samples))
        y.backward(lib.tensor(grad))
        results.append((y.detach().numpy(), i.numpy(), t.grad.numpy()))
    for ours, theirs in zip(results[0], results[1], strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_fractional_max_pool2d_module_ratio_repr_and_reproducible_draws() -> None:
    x = np.random.default_rng(1).normal(size=(2, 3, 10, 9))
    samples = np.random.default_rng(2).uniform(size=(2, 3, 2))
    ours = nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.6), return_indices=True,
                                  _random_samples=tg.tensor(samples))
    theirs = torch.nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.6), return_indices=True,
                                          _random_samples=torch.tensor(samples))
    (a, i), (b, j) = ours(tg.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    np.testing.assert_array_equal(i.numpy(), j.numpy())
    assert a.shape == (2, 3, 5, 5) and repr(ours) == repr(theirs)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict()) == ["_random_samples"]
    free = nn.FractionalMaxPool2d(2, output_size=4)
    tg.manual_seed(7)
    first = free(tg.tensor(x)).numpy()
    tg.manual_seed(7)
    np.testing.assert_array_equal(free(tg.tensor(x)).numpy(), first)


def test_fractional_max_pool2d_gradchecks() -> None:
    x = np.random.default_rng(3).permutation(49).reshape(1, 1, 7, 7).astype(np.float64) / 7
    samples = np.array([[[0.3, 0.8]]])
    assert tg.gradcheck(lambda t: F.fractional_max_pool2d(t, 2, 3, _random_samples=samples),
                        [tg.tensor(x, requires_grad=True)])
    assert tg.gradgradcheck(lambda t: F.fractional_max_pool2d(t, 2, 3,
                                                              _random_samples=samples) ** 2,
                            [tg.tensor(x, requires_grad=True)])


@pytest.mark.parametrize("bad,error,match", [
    (dict(kernel_size=2), tg.ArgumentError, "requires specifying either an output_size"),
    (dict(kernel_size=4, output_size=4), tg.ShapeError,
     r"output size \(4, 4\) with kernel \(4, 4\) does not fit input"),
    (dict(kernel_size=2, output_size=2, _random_samples=np.zeros((1, 1, 2))), tg.ShapeError,
     r"_random_samples must have shape \(M, 3, 2\) with M >= 2"),
])
def test_fractional_max_pool2d_bad_input(bad: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=f"fractional_max_pool2d: {match}"):
        F.fractional_max_pool2d(tg.zeros(2, 3, 6, 6), **bad)
    with pytest.raises(tg.ShapeError, match=r"fractional_max_pool2d: expected input of shape "
                                            r"\(N, C, H, W\) or \(C, H, W\), got \(6, 6\)"):
        F.fractional_max_pool2d_with_indices(tg.zeros(6, 6), 2, 2)
    with pytest.raises(tg.ArgumentError, match="only one of output_size and output_ratio"):
        nn.FractionalMaxPool2d(2, output_size=3, output_ratio=0.5)
    with pytest.raises(ValueError, match="output_ratio must be between 0 and 1"):
        nn.FractionalMaxPool2d(2, output_ratio=1.5)


def _adaptive_pair(head_bias: bool):
    torch.manual_seed(0)
    theirs = torch.nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], div_value=2.0,
                                                 head_bias=head_bias).double()
    ours = nn.AdaptiveLogSoftmaxWithLoss(16, 20, [4, 10, 15], div_value=2.0,
                                         head_bias=head_bias, dtype=tg.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("head_bias", [False, True])
def test_adaptive_log_softmax_matches_pytorch_with_its_weights(head_bias: bool) -> None:
    ours, theirs = _adaptive_pair(head_bias)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(4)
    x = rng.normal(size=(12, 16))
    for y in (np.array([0, 3, 4, 9, 10, 14, 15, 19, 2, 11, 5, 18]),  # every cluster
              np.array([0, 1, 2, 3] * 3),  # the shortlist only
              np.array([16, 17, 19, 15] * 3)):  # one tail cluster only
        ours.zero_grad()
        theirs.zero_grad()
        a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        mine, want = ours(a, tg.tensor(y)), theirs(b, torch.tensor(y))
        np.testing.assert_allclose(mine.output.numpy(), want.output.detach().numpy(),
                                   rtol=1e-12)
        np.testing.assert_allclose(mine.loss.item(), want.loss.item(), rtol=1e-12)
        mine.loss.backward()
        want.loss.backward()
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-15)
        grads = {name: p.grad for name, p in theirs.named_parameters()}
        for name, p in ours.named_parameters():
            expected = grads[name]
            if expected is None:  # a tail no target reached
                assert p.grad is None or not np.any(p.grad.numpy())
            else:
                np.testing.assert_allclose(p.grad.numpy(), expected.numpy(), rtol=1e-10,
                                           atol=1e-15, err_msg=name)
    np.testing.assert_allclose(ours.log_prob(x).numpy(),
                               theirs.log_prob(torch.tensor(x)).detach().numpy(), rtol=1e-12)
    np.testing.assert_array_equal(ours.predict(x).numpy(),
                                  theirs.predict(torch.tensor(x)).numpy())
    single = ours(x[0], np.array(7))
    assert single.output.shape == () and single.loss.shape == ()
    np.testing.assert_allclose(single.output.item(),
                               theirs(torch.tensor(x[0]), torch.tensor(7)).output.item())


def test_adaptive_log_softmax_bad_input() -> None:
    with pytest.raises(tg.ArgumentError, match="cutoffs should be a sequence of unique"):
        nn.AdaptiveLogSoftmaxWithLoss(32, 10, [5, 3])
    with pytest.raises(ValueError, match="cutoffs should be a sequence of unique"):
        nn.AdaptiveLogSoftmaxWithLoss(32, 10, [3, 10])
    layer = nn.AdaptiveLogSoftmaxWithLoss(32, 10, [3, 6])
    with pytest.raises(tg.IndexOutOfRange, match=r"Target values should be in \[0, 9\]"):
        layer(tg.zeros(2, 32), np.array([1, 10]))
    with pytest.raises(tg.ShapeError, match="same size in the batch dimension"):
        layer(tg.zeros(2, 32), np.array([1, 2, 3]))


def _legacy_trace(lib, x_requires_grad_leaf: bool):
    seen = []
    layer = lib.nn.ReLU()
    layer.register_backward_hook(
        lambda module, grad_input, grad_output: seen.append(
            (module is layer, [g.numpy().copy() for g in grad_input],
             [g.numpy().copy() for g in grad_output])))
    x = lib.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = layer(x if x_requires_grad_leaf else x * 2.0)
    (y * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    messages = [str(w.message) for w in caught if issubclass(w.category, FutureWarning)]
    return seen, messages, x.grad.numpy()


@pytest.mark.parametrize("leaf", [True, False])
def test_legacy_backward_hook_on_a_one_node_module_is_pytorchs(leaf: bool) -> None:
    ours, theirs = _legacy_trace(tg, leaf), _legacy_trace(torch, leaf)
    assert len(ours[0]) == len(theirs[0]) == 1
    assert ours[0][0][0] and theirs[0][0][0]
    for a, b in zip(ours[0][0][1] + ours[0][0][2], theirs[0][0][1] + theirs[0][0][2],
                    strict=True):
        np.testing.assert_array_equal(a, b)
    assert ours[1] == theirs[1]  # the FutureWarning (a leaf input: "multiple nodes") or none
    np.testing.assert_array_equal(ours[2], theirs[2])


def test_legacy_backward_hook_replaces_grad_input_and_excludes_full_hooks() -> None:
    for lib in (tg, torch):
        layer = lib.nn.Tanh()
        layer.register_backward_hook(lambda m, gi, go: (gi[0] * 0.0 + 5.0,))
        x = lib.tensor([0.5, -0.5], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layer(x * 1.0).sum().backward()
        assert x.grad.tolist() == [5.0, 5.0]
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks and "
                                               "full backward hooks on a single Module"):
            layer.register_full_backward_hook(lambda m, gi, go: None)
        other = lib.nn.Tanh()
        other.register_full_backward_hook(lambda m, gi, go: None)
        with pytest.raises(RuntimeError, match="Cannot use both regular backward hooks"):
            other.register_backward_hook(lambda m, gi, go: None)
