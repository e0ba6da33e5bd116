"""The losses called as PyTorch scripts call them: positional weight (F.cross_entropy(x, y,
w)), the legacy size_average= / reduce= arguments with PyTorch's mapping and deprecation
warning, the regression losses' weight=, and cross_entropy / nll_loss whose kept targets
all weigh 0 (loss and gradient NaN, as PyTorch's), each compared with torch itself."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn as nn
import tinygrad_bn.nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(33)
X = RNG.normal(size=(4, 3))
Y = RNG.normal(size=(4, 3))
P = RNG.uniform(0.05, 0.95, size=(4, 3))
B = (RNG.uniform(size=(4, 3)) > 0.5).astype(np.float64)
T = np.array([0, 2, 1, 2])
W = np.array([0.5, 2.0, 1.0])
SIGNS = np.where(RNG.uniform(size=4) > 0.5, 1.0, -1.0)

LEGACY = [(None, None), (True, None), (False, None), (None, True), (None, False),
          (True, True), (False, True), (True, False), (False, False)]


def _pair(lib, ours_value):
    return lib.tensor(ours_value) if isinstance(ours_value, np.ndarray) else ours_value


# name -> (positional arguments before size_average, in PyTorch's order, as arrays)
FUNCTIONS = {
    "cross_entropy": (X, T, W),
    "nll_loss": (X, T, W),
    "mse_loss": (X, Y),
    "l1_loss": (X, Y),
    "smooth_l1_loss": (X, Y),
    "soft_margin_loss": (X, np.sign(Y)),
    "binary_cross_entropy": (P, B, None),
    "binary_cross_entropy_with_logits": (X, B, None),
    "kl_div": (X, P),
    "hinge_embedding_loss": (X, np.sign(Y), 0.5),
    "margin_ranking_loss": (X[:, 0], Y[:, 0], SIGNS, 0.1),
    "cosine_embedding_loss": (X, Y, SIGNS, 0.2),
    "poisson_nll_loss": (X, np.abs(Y), True, False),
    "multilabel_soft_margin_loss": (X, B, None),
    "triplet_margin_loss": (X, Y, P, 1.0, 2.0, 1e-6, False),
}


def _call(lib, name: str, size_average, reduce, *, keywords: bool):
    functional = F if lib is tg else TF
    args = [_pair(lib, a) for a in FUNCTIONS[name]]
    if name == "poisson_nll_loss":  # PyTorch puts size_average before eps, reduce after it
        if keywords:
            return functional.poisson_nll_loss(*args, size_average=size_average,
                                               reduce=reduce)
        return functional.poisson_nll_loss(*args, size_average, 1e-8, reduce)
    if name in ("cross_entropy", "nll_loss"):  # ignore_index between the two
        if keywords:
            return getattr(functional, name)(*args, size_average=size_average, reduce=reduce)
        return getattr(functional, name)(*args, size_average, -100, reduce)
    if keywords:
        return getattr(functional, name)(*args, size_average=size_average, reduce=reduce)
    return getattr(functional, name)(*args, size_average, reduce)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("keywords", [False, True])
def test_legacy_arguments_map_and_warn_as_pytorchs(name: str, keywords: bool) -> None:
    for size_average, reduce in LEGACY:
        with warnings.catch_warnings(record=True) as ours_warnings:
            warnings.simplefilter("always")
            ours = _call(tg, name, size_average, reduce, keywords=keywords)
        with warnings.catch_warnings(record=True) as theirs_warnings:
            warnings.simplefilter("always")
            theirs = _call(torch, name, size_average, reduce, keywords=keywords)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14,
                                   err_msg=f"{name}({size_average}, {reduce})")

        def deprecations(caught):
            return sorted(str(w.message) for w in caught if "size_average" in str(w.message))
        assert deprecations(ours_warnings) == deprecations(theirs_warnings), (
            name, size_average, reduce)


MODULES = {  # name -> (constructor arguments before size_average, forward inputs)
    "CrossEntropyLoss": ((W,), (X, T)),
    "NLLLoss": ((W,), (X, T)),
    "MSELoss": ((), (X, Y)),
    "L1Loss": ((), (X, Y)),
    "SmoothL1Loss": ((), (X, Y)),
    "SoftMarginLoss": ((), (X, np.sign(Y))),
    "BCELoss": ((None,), (P, B)),
    "BCEWithLogitsLoss": ((None,), (X, B)),
    "KLDivLoss": ((), (X, P)),
    "HingeEmbeddingLoss": ((0.5,), (X, np.sign(Y))),
    "MarginRankingLoss": ((0.1,), (X[:, 0], Y[:, 0], SIGNS)),
    "CosineEmbeddingLoss": ((0.2,), (X, Y, SIGNS)),
    "MultiLabelSoftMarginLoss": ((None,), (X, B)),
    "TripletMarginLoss": ((1.0, 2.0, 1e-6, False), (X, Y, P)),
    "MultiLabelMarginLoss": ((), (X, np.array([[0, 2, -1], [1, -1, 0], [2, 1, 0],
                                               [0, -1, 2]]))),
    "MultiMarginLoss": ((1, 1.0, W), (X, T)),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_loss_modules_take_the_legacy_arguments_positionally(name: str) -> None:
    before, inputs = MODULES[name]
    for size_average, reduce in LEGACY:
        results = []
        for lib in (tg, torch):
            args = [_pair(lib, a) for a in before]
            legacy = [size_average, -100, reduce] if name in ("CrossEntropyLoss", "NLLLoss") \
                else [size_average, reduce]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                module = getattr(lib.nn, name)(*args, *legacy)
            assert module.reduction == ("none" if reduce is False else
                                        "sum" if size_average is False else "mean")
            results.append(module(*(_pair(lib, a) for a in inputs)).detach().numpy())
        np.testing.assert_allclose(results[0], results[1], rtol=1e-12, atol=1e-14)


def test_the_deprecation_warning_is_pytorchs_user_warning() -> None:
    with pytest.warns(UserWarning, match=r"size_average and reduce args will be deprecated, "
                                         r"please use reduction='sum' instead\."):
        nn.MSELoss(size_average=False)
    with pytest.warns(UserWarning, match="reduction='none'"):
        F.l1_loss(tg.tensor(X), tg.tensor(Y), reduce=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning without the legacy arguments
        F.mse_loss(tg.tensor(X), tg.tensor(Y), reduction="sum")
        nn.CrossEntropyLoss(tg.tensor(W), reduction="none")


def test_a_reduction_given_positionally_in_an_older_order_is_refused() -> None:
    """PyTorch reads F.mse_loss(x, y, 'sum') as size_average='sum' (truthy: a silent
    'mean'); here a string in a weight, size_average or reduce slot is refused."""
    x, y, t = tg.tensor(X), tg.tensor(Y), tg.tensor(T)
    with pytest.raises(tg.ArgumentTypeError, match=r"mse_loss: size_average must be a "
                                                   r"bool or None, got the string 'sum'"):
        F.mse_loss(x, y, "sum")
    with pytest.raises(tg.ArgumentTypeError, match=r"cross_entropy: weight must be a Tensor "
                                                   r"or None, got the string 'sum'"):
        F.cross_entropy(x, t, "sum")
    with pytest.raises(tg.ArgumentTypeError, match="binary_cross_entropy_with_logits: weight"):
        F.binary_cross_entropy_with_logits(x, tg.tensor(B), "none")
    with pytest.raises(tg.ArgumentTypeError, match="kl_div: size_average"):
        F.kl_div(x, tg.tensor(P), "batchmean")
    with pytest.raises(tg.ArgumentTypeError, match="MarginRankingLoss: size_average"):
        nn.MarginRankingLoss(0.1, "sum")
    with pytest.raises(tg.ArgumentTypeError, match="NLLLoss: weight"):
        nn.NLLLoss("sum")
    assert isinstance(tg.ArgumentTypeError("x"), TypeError)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_a_positional_weight_is_the_class_weight(name: str) -> None:
    ours = getattr(F, name)(tg.tensor(X), tg.tensor(T), tg.tensor(W))
    theirs = getattr(TF, name)(torch.tensor(X), torch.tensor(T), torch.tensor(W))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-13)
    assert ours.item() != pytest.approx(getattr(F, name)(tg.tensor(X), tg.tensor(T)).item())


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses_take_pytorchs_elementwise_weight(name: str, reduction: str) -> None:
    weight = RNG.uniform(0.1, 2.0, size=X.shape)
    grads = []
    for lib, functional in ((tg, F), (torch, TF)):
        x = lib.tensor(X, requires_grad=True)
        loss = getattr(functional, name)(x, lib.tensor(Y), reduction=reduction,
                                         weight=lib.tensor(weight))
        loss.sum().backward()
        grads.append((loss.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
    np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)
    with pytest.raises(tg.ShapeError, match=f"{name}: weight of shape"):
        getattr(F, name)(tg.tensor(X), tg.tensor(Y), weight=tg.ones(3))


CASES = [  # (keywords, targets): every kept target weighs 0, some targets ignored or not
    ({"weight": [0.0, 0.0, 1.0]}, [1, 0, 0, 1]),
    ({"weight": [0.0, 1.0, 1.0], "ignore_index": 1}, [1, 0, 1, 0]),
    ({"weight": [0.0, 0.0, 1.0], "label_smoothing": 0.2}, [1, 0, 0, 0]),
    ({"weight": [0.0, 1.0, 1.0], "reduction": "sum"}, [0, 0, 0, 0]),
    ({"weight": [0.0, 1.0, 1.0]}, [0, 2, 0, 0]),  # not degenerate: finite, as PyTorch
]


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_kept_targets_all_weighing_zero_give_pytorchs_nan_gradient(name: str, case: int
                                                                    ) -> None:
    keywords, targets = CASES[case]
    if name == "nll_loss" and "label_smoothing" in keywords:
        pytest.skip("nll_loss has no label smoothing")
    results = []
    for lib, functional in ((tg, F), (torch, TF)):
        x = lib.tensor(X, requires_grad=True)
        given = {k: lib.tensor(v, dtype=x.dtype) if k == "weight" else v
                 for k, v in keywords.items()}
        scores = x if name == "cross_entropy" else functional.log_softmax(x, dim=1)
        loss = getattr(functional, name)(scores, lib.tensor(targets), **given)
        loss.backward()
        results.append((loss.item(), x.grad.numpy()))
    (ours_loss, ours_grad), (theirs_loss, theirs_grad) = results
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=1e-12)
    np.testing.assert_array_equal(np.isnan(ours_grad), np.isnan(theirs_grad))
    np.testing.assert_allclose(ours_grad, theirs_grad, rtol=1e-12, atol=1e-15)
