"""The PyTorch-shaped losses: cross_entropy's options (weight, ignore_index, label_smoothing,
probability targets, (N, C, d1, ...) and unbatched input), nll_loss, l1_loss,
binary_cross_entropy (+ with logits, pos_weight) and the loss modules. Each against a NumPy
reference written from PyTorch's documented formulas, gradcheck'ed, and cross-checked
against PyTorch in float64 (forward and gradient; skipped without torch)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.testing import strategies as tst

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def reference_cross_entropy(x: np.ndarray, t: np.ndarray, weight: np.ndarray | None,
                            ignore: int, smoothing: float, reduction: str) -> np.ndarray:
    """PyTorch's documented formula, one row at a time."""
    axis = 0 if x.ndim == 1 else 1
    logp = np.moveaxis(_log_softmax(x, axis), axis, -1).reshape(-1, x.shape[axis])
    classes = logp.shape[1]
    w = np.ones(classes) if weight is None else weight
    losses, weights = [], []
    for row, target in zip(logp, t.reshape(-1)):
        if target == ignore:
            losses.append(0.0)
            continue
        nll = -w[target] * row[target]
        smooth = -(w * row).sum()
        losses.append((1 - smoothing) * nll + smoothing / classes * smooth)
        weights.append(w[target])
    losses = np.array(losses)
    if reduction == "none":
        return losses.reshape(t.shape)
    return losses.sum() / (np.sum(weights) if reduction == "mean" else 1.0)


@st.composite
def ce_cases(draw: st.DrawFn) -> dict[str, Any]:
    """Logits of shape (C,), (N, C) or (N, C, d), integer targets (some ignored), options."""
    layout = draw(st.sampled_from(["unbatched", "2d", "3d"]))
    c = draw(st.integers(2, 4))
    n, d = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    shape = {"unbatched": (c,), "2d": (n, c), "3d": (n, c, d)}[layout]
    target_shape = {"unbatched": (), "2d": (n,), "3d": (n, d)}[layout]
    x = draw(tst.arrays(shape))
    t = np.array(draw(st.lists(st.integers(0, c - 1), min_size=int(np.prod(target_shape)),
                               max_size=int(np.prod(target_shape)))),
                 dtype=np.int64).reshape(target_shape)
    ignore = draw(st.sampled_from([-100, 0]))
    if (t == ignore).all():  # at least one kept target: "mean" divides by their weight
        t = np.full(target_shape, 1, dtype=np.int64)
    weight = draw(st.none() | tst.positive_arrays((c,), min_value=0.5, max_value=2.0))
    return {"x": x, "t": t, "weight": weight, "ignore": ignore,
            "smoothing": draw(st.sampled_from([0.0, 0.2])), "reduction": draw(REDUCTIONS)}


def _ours(case: dict[str, Any], x: Tensor) -> Tensor:
    return F.cross_entropy(x, case["t"], reduction=case["reduction"], weight=case["weight"],
                           ignore_index=case["ignore"], label_smoothing=case["smoothing"])


@given(ce_cases())
def test_cross_entropy_options_match_the_documented_formula_and_gradcheck(case) -> None:
    expected = reference_cross_entropy(case["x"], case["t"], case["weight"], case["ignore"],
                                       case["smoothing"], case["reduction"])
    np.testing.assert_allclose(_ours(case, Tensor(case["x"])).data, expected, rtol=1e-12,
                               atol=1e-12)
    assert tg.gradcheck(lambda x: _ours(case, x), [Tensor(case["x"], requires_grad=True)])


@settings(max_examples=10)
@given(ce_cases())
def test_cross_entropy_options_second_derivatives(case) -> None:
    assert tg.gradgradcheck(lambda x: _ours(case, x), [Tensor(case["x"], requires_grad=True)])


def _torch_check(torch: Any, ours: Tensor, theirs: Any, out: Tensor, expected: Any,
                 upstream: np.ndarray) -> None:
    (out * Tensor(upstream)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-10, atol=1e-12)


@given(ce_cases(), st.data())
def test_cross_entropy_options_match_pytorch(case, data) -> None:
    torch = pytest.importorskip("torch")
    ours, theirs = Tensor(case["x"], requires_grad=True), torch.tensor(case["x"],
                                                                       requires_grad=True)
    out = _ours(case, ours)
    weight = None if case["weight"] is None else torch.tensor(case["weight"])
    expected = torch.nn.functional.cross_entropy(
        theirs, torch.tensor(case["t"]), weight=weight, ignore_index=case["ignore"],
        reduction=case["reduction"], label_smoothing=case["smoothing"])
    _torch_check(torch, ours, theirs, out, expected, data.draw(tst.arrays(out.shape)))


@st.composite
def probability_cases(draw: st.DrawFn) -> dict[str, Any]:
    shape = draw(st.sampled_from([(3,), (2, 3), (2, 3, 2)]))
    raw = draw(tst.positive_arrays(shape))
    return {"x": draw(tst.arrays(shape)), "p": raw / raw.sum(axis=0 if len(shape) == 1 else 1,
                                                           keepdims=True),
            "weight": draw(st.none() | tst.positive_arrays((3,))),
            "smoothing": draw(st.sampled_from([0.0, 0.1])), "reduction": draw(REDUCTIONS)}


@given(probability_cases(), st.data())
def test_cross_entropy_with_probability_targets(case, data) -> None:
    def fn(x: Tensor) -> Tensor:
        return F.cross_entropy(x, case["p"], reduction=case["reduction"], weight=case["weight"],
                               label_smoothing=case["smoothing"])

    x, p, weight = case["x"], case["p"], case["weight"]
    axis = 0 if x.ndim == 1 else 1
    q = p * (1 - case["smoothing"]) + case["smoothing"] / 3
    w = (np.ones(3) if weight is None else weight).reshape((3,) + (1,) * (x.ndim - 1 - axis))
    losses = -(w * q * _log_softmax(x, axis)).sum(axis=axis)
    expected = {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[case["reduction"]]
    np.testing.assert_allclose(fn(Tensor(x)).data, expected, rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(fn, [Tensor(x, requires_grad=True)])
    torch = pytest.importorskip("torch")
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = fn(ours)
    expected = torch.nn.functional.cross_entropy(
        theirs, torch.tensor(p), weight=None if weight is None else torch.tensor(weight),
        reduction=case["reduction"], label_smoothing=case["smoothing"])
    _torch_check(torch, ours, theirs, out, expected, data.draw(tst.arrays(out.shape)))


@given(ce_cases(), st.data())
def test_nll_loss_matches_pytorch_and_gradchecks(case, data) -> None:
    x = case["x"]
    logp = _log_softmax(x, 0 if x.ndim == 1 else 1)

    def fn(t: Tensor) -> Tensor:
        return F.nll_loss(t, case["t"], reduction=case["reduction"], weight=case["weight"],
                          ignore_index=case["ignore"])

    expected = reference_cross_entropy(x, case["t"], case["weight"], case["ignore"], 0.0,
                                       case["reduction"])
    np.testing.assert_allclose(fn(Tensor(logp)).data, expected, rtol=1e-12, atol=1e-12)
    assert tg.gradcheck(fn, [Tensor(logp, requires_grad=True)])
    torch = pytest.importorskip("torch")
    ours, theirs = Tensor(logp, requires_grad=True), torch.tensor(logp, requires_grad=True)
    out = fn(ours)
    weight = None if case["weight"] is None else torch.tensor(case["weight"])
    expected = torch.nn.functional.nll_loss(theirs, torch.tensor(case["t"]), weight=weight,
                                            ignore_index=case["ignore"],
                                            reduction=case["reduction"])
    _torch_check(torch, ours, theirs, out, expected, data.draw(tst.arrays(out.shape)))


@st.composite
def binary_cases(draw: st.DrawFn) -> dict[str, Any]:
    shape = draw(tst.shapes(min_dims=1, max_dims=2))
    c = shape[-1]
    return {"logits": draw(tst.arrays(shape, min_value=-5, max_value=5)),
            "probabilities": draw(tst.arrays(shape, min_value=0.05, max_value=0.95)),
            "target": draw(tst.arrays(shape, min_value=0.0, max_value=1.0)),
            "weight": draw(st.none() | tst.positive_arrays((c,))),
            "pos_weight": draw(st.none() | tst.positive_arrays((c,))),
            "reduction": draw(REDUCTIONS)}


BINARY = {
    # name: (ours(x, case), theirs(torch, x, case), input key, NumPy reference)
    "binary_cross_entropy": (
        lambda x, c: F.binary_cross_entropy(x, c["target"], c["weight"],
                                            reduction=c["reduction"]),
        lambda torch, x, c: torch.nn.functional.binary_cross_entropy(
            x, torch.tensor(c["target"]), weight=_opt(torch, c["weight"]),
            reduction=c["reduction"]),
        "probabilities",
        lambda x, c: -(c["target"] * np.log(x) + (1 - c["target"]) * np.log(1 - x))
        * _ones(c["weight"])),
    "binary_cross_entropy_with_logits": (
        lambda x, c: F.binary_cross_entropy_with_logits(
            x, c["target"], reduction=c["reduction"], weight=c["weight"],
            pos_weight=c["pos_weight"]),
        lambda torch, x, c: torch.nn.functional.binary_cross_entropy_with_logits(
            x, torch.tensor(c["target"]), weight=_opt(torch, c["weight"]),
            pos_weight=_opt(torch, c["pos_weight"]), reduction=c["reduction"]),
        "logits",
        lambda x, c: -(_ones(c["pos_weight"]) * c["target"] * np.log(1 / (1 + np.exp(-x)))
                       + (1 - c["target"]) * np.log(1 - 1 / (1 + np.exp(-x))))
        * _ones(c["weight"])),
    "l1_loss": (lambda x, c: F.l1_loss(x, c["target"], reduction=c["reduction"]),
                lambda torch, x, c: torch.nn.functional.l1_loss(
                    x, torch.tensor(c["target"]), reduction=c["reduction"]),
                "logits", lambda x, c: np.abs(x - c["target"])),
    "mse_loss": (lambda x, c: F.mse_loss(x, c["target"], reduction=c["reduction"]),
                 lambda torch, x, c: torch.nn.functional.mse_loss(
                     x, torch.tensor(c["target"]), reduction=c["reduction"]),
                 "logits", lambda x, c: (x - c["target"]) ** 2),
}


def _opt(torch: Any, array: np.ndarray | None) -> Any:
    return None if array is None else torch.tensor(array)


def _ones(array: np.ndarray | None) -> Any:
    return 1.0 if array is None else array


@pytest.mark.parametrize("name", sorted(BINARY))
@given(case=binary_cases(), data=st.data())
def test_elementwise_losses_match_formula_pytorch_and_gradcheck(name, case, data) -> None:
    ours_fn, theirs_fn, key, reference = BINARY[name]
    x = case[key]
    if name == "l1_loss":  # clear of the kink of |x - target|
        x = np.where(np.abs(x - case["target"]) < 0.05, case["target"] + 0.5, x)
    losses = reference(x, case)
    expected = {"mean": np.mean(losses), "sum": np.sum(losses), "none": losses}
    np.testing.assert_allclose(ours_fn(Tensor(x), case).data, expected[case["reduction"]],
                               rtol=1e-10, atol=1e-12)
    assert tg.gradcheck(lambda t: ours_fn(t, case), [Tensor(x, requires_grad=True)])
    torch = pytest.importorskip("torch")
    ours, theirs = Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = ours_fn(ours, case)
    _torch_check(torch, ours, theirs, out, theirs_fn(torch, theirs, case),
                 data.draw(tst.arrays(out.shape)))


def test_bce_clamps_log_at_minus_100_and_refuses_non_probabilities() -> None:
    loss = F.binary_cross_entropy(Tensor(np.array([0.0, 1.0])), np.array([1.0, 0.0]),
                                  reduction="none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0])
    with pytest.raises(tg.ArgumentError, match=r"probabilities in \[0, 1\], got values in "
                                               r"\[-0.5, 0.5\]"):
        F.binary_cross_entropy(Tensor(np.array([-0.5, 0.5])), np.array([1.0, 0.0]))


def test_bce_with_logits_is_finite_for_large_logits() -> None:
    x = Tensor(np.array([1000.0, -1000.0]), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, np.array([0.0, 1.0]), reduction="sum")
    assert loss.item() == 2000.0
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, -1.0])


def test_loss_modules_equal_their_functions_and_keep_weights_as_buffers() -> None:
    rng = np.random.default_rng(0)
    x, t, w = rng.normal(size=(4, 3)), np.array([0, 2, 1, 2]), np.array([1.0, 2.0, 0.5])
    criterion = nn.CrossEntropyLoss(weight=w, ignore_index=1, label_smoothing=0.1,
                                    reduction="sum")
    assert criterion(x, t).item() == F.cross_entropy(
        x, t, reduction="sum", weight=w, ignore_index=1, label_smoothing=0.1).item()
    assert list(criterion.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    logp = F.log_softmax(x, axis=1)
    assert nn.NLLLoss(weight=w)(logp, t).item() == F.nll_loss(logp, t, weight=w).item()
    y = rng.uniform(size=(4, 3))
    assert nn.MSELoss()(x, y).item() == F.mse_loss(x, y).item()
    assert nn.L1Loss(reduction="sum")(x, y).item() == F.l1_loss(x, y, reduction="sum").item()
    p = 1 / (1 + np.exp(-x))
    assert nn.BCELoss(weight=w)(p, y).item() == F.binary_cross_entropy(p, y, weight=w).item()
    module = nn.BCEWithLogitsLoss(pos_weight=w)
    assert list(module.state_dict()) == ["pos_weight"]
    assert module(x, y).item() == F.binary_cross_entropy_with_logits(x, y, pos_weight=w).item()
    with pytest.raises(tg.ArgumentError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")


def test_cross_entropy_names_bad_weights_targets_and_smoothing() -> None:
    x = Tensor(np.zeros((2, 3)))
    with pytest.raises(tg.ShapeError, match=r"weight of shape \(2,\), expected \(3,\)"):
        F.cross_entropy(x, np.array([0, 1]), weight=np.ones(2))
    with pytest.raises(tg.IndexOutOfRange, match="target class 5 is out of range for 3"):
        F.cross_entropy(x, np.array([5, -100]))
    with pytest.raises(tg.ShapeError, match=r"target of shape \(2, 1\) does not fit input of "
                                            r"shape \(2, 3, 2\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3, 2))), np.zeros((2, 1), dtype=np.int64))
    with pytest.raises(tg.ShapeError, match="must have the input's shape"):
        F.cross_entropy(x, np.full((2, 2), 0.5))
    with pytest.raises(tg.ArgumentError, match=r"label_smoothing must be in \[0, 1\]"):
        F.cross_entropy(x, np.array([0, 1]), label_smoothing=1.5)


def test_ignored_targets_get_no_gradient() -> None:
    x = Tensor(np.random.default_rng(2).normal(size=(3, 4)), requires_grad=True)
    F.cross_entropy(x, np.array([1, -100, 3])).backward()
    np.testing.assert_array_equal(x.grad.data[1], 0.0)
    assert np.all(x.grad.data[[0, 2]] != 0)


@pytest.mark.parametrize("name", ["binary_cross_entropy", "binary_cross_entropy_with_logits",
                                  "mse_loss"])
@settings(max_examples=8)
@given(case=binary_cases())
def test_smooth_elementwise_losses_second_derivatives(name, case) -> None:
    ours_fn, _, key, _ = BINARY[name]
    assert tg.gradgradcheck(lambda t: ours_fn(t, case), [Tensor(case[key], requires_grad=True)])
