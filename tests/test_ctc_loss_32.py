"""nn.CTCLoss and F.ctc_loss: losses equal PyTorch's (padded and concatenated targets, every
reduction, empty targets, unbatched input, impossible alignments with and without
zero_infinity); gradients through log_softmax equal PyTorch's, the direct gradient in
log_probs is PyTorch's minus exp(log_probs) (the documented difference); gradients of every
order by central differences."""

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
TARGETS = np.array([[1, 2, 2, 0], [0, 0, 0, 0], [4, 3, 0, 0]])
TARGET_LENGTHS, INPUT_LENGTHS = np.array([3, 0, 2]), np.array([7, 5, 6])


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_ctc_loss_and_logit_gradients_equal_pytorch(reduction, layout) -> None:
    torch = pytest.importorskip("torch")
    logits = np.random.default_rng(0).standard_normal((7, 3, 5))
    targets = TARGETS if layout == "padded" else np.array([1, 2, 2, 4, 3])
    theirs_z = torch.tensor(logits, requires_grad=True)
    theirs = torch.nn.functional.ctc_loss(theirs_z.log_softmax(2), torch.tensor(targets),
                                          torch.tensor(INPUT_LENGTHS),
                                          torch.tensor(TARGET_LENGTHS), reduction=reduction)
    ours_z = tg.tensor(logits, requires_grad=True)
    ours = nn.CTCLoss(reduction=reduction)(F.log_softmax(ours_z, 2), targets, INPUT_LENGTHS,
                                           TARGET_LENGTHS)
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10)
    g = np.random.default_rng(1).standard_normal(ours.shape)
    ours.backward(tg.tensor(g))
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(ours_z.grad.numpy(), theirs_z.grad.numpy(), rtol=1e-8,
                               atol=1e-12)
    assert repr(nn.CTCLoss(blank=2, zero_infinity=True)) == repr(torch.nn.CTCLoss(blank=2))


def test_direct_gradient_is_pytorch_minus_exp_log_probs() -> None:
    torch = pytest.importorskip("torch")
    logits = np.random.default_rng(2).standard_normal((7, 3, 5))
    lp = torch.tensor(logits).log_softmax(2).numpy()
    theirs = torch.tensor(lp, requires_grad=True)
    torch.nn.functional.ctc_loss(theirs, torch.tensor(TARGETS), torch.tensor(INPUT_LENGTHS),
                                 torch.tensor(TARGET_LENGTHS), reduction="sum").backward()
    ours = tg.tensor(lp, requires_grad=True)
    F.ctc_loss(ours, TARGETS, INPUT_LENGTHS, TARGET_LENGTHS, reduction="sum").backward()
    within = (np.arange(7)[:, None] < INPUT_LENGTHS)[..., None]  # frames a sample has
    np.testing.assert_allclose(ours.grad.numpy() + np.exp(lp) * within, theirs.grad.numpy(),
                               rtol=1e-8, atol=1e-12)


def test_impossible_alignments_and_unbatched_input_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    lp = torch.randn(2, 1, 4, dtype=torch.float64).log_softmax(2)
    for zero_infinity in (False, True):
        ours = tg.tensor(lp.numpy(), requires_grad=True)
        loss = F.ctc_loss(ours, np.array([[1, 1, 1]]), np.array([2]), np.array([3]),
                          reduction="none", zero_infinity=zero_infinity)
        ref = torch.nn.functional.ctc_loss(lp, torch.tensor([[1, 1, 1]]), torch.tensor([2]),
                                           torch.tensor([3]), reduction="none",
                                           zero_infinity=zero_infinity)
        np.testing.assert_array_equal(loss.numpy(), ref.numpy())
        if zero_infinity:
            loss.sum().backward()
            assert np.all(ours.grad.numpy() == 0)
    single = torch.randn(5, 4, dtype=torch.float64).log_softmax(1)
    ref = torch.nn.functional.ctc_loss(single, torch.tensor([1, 2]), torch.tensor(5),
                                       torch.tensor(2), reduction="none")
    ours = F.ctc_loss(tg.tensor(single.numpy()), np.array([1, 2]), np.array(5), np.array(2),
                      reduction="none")
    assert ours.shape == tuple(ref.shape) == ()
    np.testing.assert_allclose(ours.numpy(), ref.numpy(), rtol=1e-12)


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 4), st.integers(2, 3), st.data())
def test_ctc_loss_gradients_of_every_order(frames, classes, data) -> None:
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16), label="seed"))
    count = 2
    lengths = [data.draw(st.integers(0, 2), label=f"target length {n}") for n in range(count)]
    targets = np.array([list(rng.integers(1, classes, n)) + [1] * (2 - n) for n in lengths])
    inputs = np.array([data.draw(st.integers(1, frames), label=f"frames {n}")
                       for n in range(count)])
    logits = tg.tensor(rng.standard_normal((frames, count, classes)), requires_grad=True)

    def fn(z):
        return F.ctc_loss(F.log_softmax(z, 2), targets, inputs, np.array(lengths),
                          reduction="sum", zero_infinity=True)
    assert gradcheck(fn, [logits])
    assert gradgradcheck(fn, [logits])


@pytest.mark.parametrize("call, match", [
    (lambda: F.ctc_loss(tg.randn(4, 5), np.array([[1]]), [4], [1]), "unbatched|targets"),
    (lambda: F.ctc_loss(tg.randn(4, 1, 3), np.array([[0]]), [4], [1]), "other than blank"),
    (lambda: F.ctc_loss(tg.randn(4, 1, 3), np.array([[1]]), [5], [1]), "input_lengths"),
    (lambda: F.ctc_loss(tg.randn(4, 1, 3), np.array([[1]]), [4], [2]), "max\\(target_lengths"),
    (lambda: F.ctc_loss(tg.randn(4, 1, 3), np.array([[1]]), [4, 4], [1]), "one length per"),
    (lambda: F.ctc_loss(tg.randn(4, 1, 3), np.array([[1]]), [4], [1], blank=3), "blank"),
    (lambda: F.ctc_loss(tg.randn(4, 1, 3), np.array([[1.0]]), [4], [1]), "integers"),
    (lambda: nn.CTCLoss(reduction="avg"), "reduction"),
])
def test_bad_input_is_refused_clearly(call, match) -> None:
    with pytest.raises(TinygradError, match=match):
        call()
