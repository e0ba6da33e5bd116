"""nn.EmbeddingBag and F.embedding_bag: outputs, gradients, reprs and state-dict keys equal
PyTorch's for 2-d bags and offsets (include_last_offset, empty bags, padding_idx,
per_sample_weights, max_norm); gradients of every order by central differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import nn
from tinygrad_bn.errors import TinygradError
from tinygrad_bn.gradcheck import gradcheck, gradgradcheck

F = nn.functional
BAGS = [
    dict(input=np.array([[1, 2, 4, 5], [4, 3, 2, 9]])),
    dict(input=np.array([1, 2, 3, 4, 2, 2]), offsets=np.array([0, 2, 2, 5])),
    dict(input=np.array([1, 2, 3, 4, 2, 2]), offsets=np.array([0, 2, 2, 5]),
         include_last_offset=True),
    dict(input=np.array([], dtype=np.int64), offsets=np.array([0, 0])),
]


@pytest.mark.parametrize("bags", BAGS)
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_bag_equals_pytorch(bags, mode, padding_idx) -> None:
    torch = pytest.importorskip("torch")
    weight = np.random.default_rng(0).standard_normal((10, 3))
    ours_w, theirs_w = tg.tensor(weight, requires_grad=True), \
        torch.tensor(weight, requires_grad=True)
    kwargs = {k: v for k, v in bags.items() if k != "input"}
    y = F.embedding_bag(bags["input"], ours_w, mode=mode, padding_idx=padding_idx, **kwargs)
    ref = torch.nn.functional.embedding_bag(
        torch.tensor(bags["input"]), theirs_w, mode=mode, padding_idx=padding_idx,
        **{k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()})
    assert y.shape == tuple(ref.shape)
    np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-12)
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(tg.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(ours_w.grad.numpy(), theirs_w.grad.numpy(), rtol=1e-12)


def test_embedding_bag_module_per_sample_weights_and_max_norm_equal_pytorch() -> None:
    torch = pytest.importorskip("torch")
    ours = nn.EmbeddingBag(8, 4, mode="sum", max_norm=1.0, padding_idx=0).double()
    theirs = torch.nn.EmbeddingBag(8, 4, mode="sum", max_norm=1.0, padding_idx=0).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    assert repr(ours) == repr(theirs)
    assert np.all(ours.weight.numpy()[0] == 0)
    x, offsets = np.array([3, 0, 5, 7, 7, 1]), np.array([0, 3])
    psw = np.random.default_rng(2).standard_normal(6)
    a, b = tg.tensor(psw, requires_grad=True), torch.tensor(psw, requires_grad=True)
    y = ours(x, tg.tensor(offsets), per_sample_weights=a)
    ref = theirs(torch.tensor(x), torch.tensor(offsets), per_sample_weights=b)
    np.testing.assert_allclose(y.numpy(), ref.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), rtol=1e-10)
    y.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), rtol=1e-10)
    for mode in ("mean", "max"):
        assert repr(nn.EmbeddingBag(5, 2, mode=mode, norm_type=1.0)) == \
            repr(torch.nn.EmbeddingBag(5, 2, mode=mode, norm_type=1.0))


def test_embedding_bag_from_pretrained() -> None:
    table = np.arange(12.0).reshape(4, 3)
    bag = nn.EmbeddingBag.from_pretrained(tg.tensor(table), mode="max")
    assert not bag.weight.requires_grad
    np.testing.assert_array_equal(bag(np.array([[0, 3], [1, 2]])).numpy(), table[[3, 2]])


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 4), st.integers(0, 4), st.sampled_from(["sum", "mean", "max"]),
       st.integers(0, 2**16))
def test_embedding_bag_gradients_of_every_order(bags, length, mode, seed) -> None:
    rng = np.random.default_rng(seed)
    # distinct table entries: max mode's argmax is then unique and the gradient well defined
    weight = tg.tensor(rng.permutation(12).reshape(6, 2) * 0.3 + rng.uniform(0, 0.1, (6, 2)),
                       requires_grad=True)
    x = rng.integers(0, 6, (bags, length))
    psw = tg.tensor(rng.standard_normal((bags, length)), requires_grad=True)

    def fn(w, p):
        extra = dict(per_sample_weights=p) if mode == "sum" else {}
        return F.embedding_bag(x, w * w, mode=mode, **extra) * (p.sum() if mode != "sum" else 1)
    assert gradcheck(fn, [weight, psw])
    assert gradgradcheck(fn, [weight, psw])


@pytest.mark.parametrize("call, match", [
    (lambda: F.embedding_bag(np.array([[1, 2]]), tg.randn(4, 2), np.array([0])), "offsets"),
    (lambda: F.embedding_bag(np.array([1, 2]), tg.randn(4, 2)), "needs offsets"),
    (lambda: F.embedding_bag(np.array([1, 2]), tg.randn(4, 2), np.array([1])), "start at 0"),
    (lambda: F.embedding_bag(np.array([1, 2]), tg.randn(4, 2), np.array([0, 3])), "length 2"),
    (lambda: F.embedding_bag(np.array([1.0, 2]), tg.randn(4, 2), np.array([0])), "integers"),
    (lambda: F.embedding_bag(np.array([1, 9]), tg.randn(4, 2), np.array([0])), "out of range"),
    (lambda: F.embedding_bag(np.array([[1]]), tg.randn(4, 2), mode="prod"), "mode"),
    (lambda: F.embedding_bag(np.array([[1]]), tg.randn(4, 2), per_sample_weights=tg.ones(1, 1)),
     "only supported for mode='sum'"),
    (lambda: F.embedding_bag(np.array([[1]]), tg.randn(4, 2), mode="sum",
                             per_sample_weights=tg.ones(2)), "shape"),
    (lambda: nn.EmbeddingBag(4, 2, padding_idx=4), "out of range"),
])
def test_bad_input_is_refused_clearly(call, match) -> None:
    with pytest.raises(TinygradError, match=match):
        call()
