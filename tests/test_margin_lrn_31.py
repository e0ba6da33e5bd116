"""The multi-class margin losses (multi_margin_loss, multilabel_margin_loss and their modules)
and local response normalisation: values and gradients equal PyTorch's for every reduction,
p, weight, unbatched input and window size; float64 gradient checks; refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn
from tinygrad_bn.gradcheck import gradcheck, gradgradcheck


def _compare(torch, ours, theirs, x: np.ndarray, rtol: float = 1e-12) -> None:
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(a), theirs(b)
    np.testing.assert_allclose(out.detach().numpy(), ref.detach().numpy(), rtol=rtol,
                               atol=1e-14)
    out.sum().backward()
    ref.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=rtol, atol=1e-14)


@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_multi_margin_loss_matches_pytorch(p, reduction, weighted) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(p)
    x, y, w = rng.standard_normal((4, 5)), np.array([0, 3, 4, 1]), rng.uniform(0.5, 2, 5)
    ours = nn.MultiMarginLoss(p, 0.7, tg.tensor(w) if weighted else None, reduction=reduction)
    theirs = torch.nn.MultiMarginLoss(p, 0.7, torch.tensor(w) if weighted else None,
                                      reduction=reduction)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _compare(torch, lambda t: ours(t, tg.tensor(y)), lambda t: theirs(t, torch.tensor(y)), x)
    _compare(torch, lambda t: F.multi_margin_loss(t, tg.tensor(2), p),
             lambda t: torch.nn.functional.multi_margin_loss(t, torch.tensor(2), p), x[0])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss_matches_pytorch(reduction) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((4, 5))
    y = np.array([[3, 0, -1, 1, 2], [1, 2, 3, 4, 0], [-1, 0, 0, 0, 0], [4, 4, -1, 2, 2]])
    ours, theirs = nn.MultiLabelMarginLoss(reduction=reduction), \
        torch.nn.MultiLabelMarginLoss(reduction=reduction)
    _compare(torch, lambda t: ours(t, tg.tensor(y)), lambda t: theirs(t, torch.tensor(y)), x)
    _compare(torch, lambda t: F.multilabel_margin_loss(t, tg.tensor(y[0])),
             lambda t: torch.nn.functional.multilabel_margin_loss(t, torch.tensor(y[0])), x[0])


@pytest.mark.parametrize("shape", [(2, 5, 4), (1, 6, 3, 3), (1, 4, 2, 2, 2)])
@pytest.mark.parametrize("size", [1, 2, 3, 5, 8])
def test_local_response_norm_matches_pytorch(shape, size) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = nn.LocalResponseNorm(size, 0.5, 0.8, 1.5), \
        torch.nn.LocalResponseNorm(size, 0.5, 0.8, 1.5)
    assert repr(ours) == repr(theirs)
    _compare(torch, ours, theirs, np.random.default_rng(size).standard_normal(shape))


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 3), st.integers(2, 5), st.integers(1, 4))
def test_losses_and_lrn_pass_gradcheck_in_float64(n: int, c: int, size: int) -> None:
    rng = np.random.default_rng(n * 10 + c)
    x = tg.tensor(rng.standard_normal((n, c)) * 3, requires_grad=True)
    y = tg.tensor(rng.integers(0, c, n))
    # margins away from the hinge's kink, where the derivative jumps
    gaps = x.detach().numpy() - x.detach().numpy()[np.arange(n), y.numpy()][:, None] + 1.0
    if np.min(np.abs(gaps)) > 1e-3:
        assert gradcheck(lambda t: F.multi_margin_loss(t, y, 2), (x,))
    images = tg.tensor(rng.standard_normal((1, c, 3)), requires_grad=True)
    assert gradcheck(lambda t: F.local_response_norm(t, size, 0.3, 0.75, 1.0), (images,))
    assert gradgradcheck(lambda t: F.local_response_norm(t, size, 0.3, 0.75, 1.0), (images,))


@pytest.mark.parametrize("call, error, fragment", [
    (lambda: F.multi_margin_loss(tg.ones(2, 3), tg.tensor([0, 3])), tg.IndexOutOfRange,
     "out of range"),
    (lambda: F.multi_margin_loss(tg.ones(2, 3), tg.tensor([0, 1]), p=3), tg.ArgumentError,
     "p == 1"),
    (lambda: F.multi_margin_loss(tg.ones(2, 3), tg.tensor([0.0, 1.0])), tg.DTypeError,
     "integers"),
    (lambda: F.multi_margin_loss(tg.ones(2, 3), tg.tensor([0, 1, 2])), tg.ShapeError,
     "does not fit"),
    (lambda: F.multilabel_margin_loss(tg.ones(2, 3), tg.tensor([[0, 5, -1], [0, 1, 2]])),
     tg.IndexOutOfRange, "class indices"),
    (lambda: F.local_response_norm(tg.ones(2, 3), 2), tg.ShapeError, "3 or more dims"),
    (lambda: nn.LocalResponseNorm(0), tg.ArgumentError, "size"),
])
def test_bad_input_is_refused_clearly(call, error, fragment) -> None:
    with pytest.raises(error, match=fragment):
        call()
