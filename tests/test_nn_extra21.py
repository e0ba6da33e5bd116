"""The nn extras of issues 21/22 found missing by a probe of common PyTorch idioms: channel
dropout (F.dropout1d/2d/3d, Dropout1d/2d/3d, AlphaDropout), instance norm, PReLU, the margin
and likelihood losses (nn/losses_extra.py), nn.init.eye_/dirac_,
nn.Embedding.from_pretrained, and tg.nansum/nanmean/quantile/nanquantile.

Every differentiable one passes gradcheck (reverse and forward mode) and gradgradcheck in
float64 on Hypothesis-drawn values kept away from its kinks, and agrees with PyTorch in
values and gradients (skipped without torch); each refuses bad input with a project error
naming the op (the rows count for the bad-input coverage of tests/test_bad_input_surface.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn as nn
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

Y3 = [1.0, -1.0, 1.0]
Y6 = [1.0, -1.0, -1.0, 1.0, -1.0, 1.0]
LABELS = [[1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]]
COUNTS = [[0.0, 1.0, 3.0, 2.0], [5.0, 0.0, 1.0, 4.0], [2.0, 2.0, 0.0, 7.0]]


def _seeded(lib):
    return lib.Generator().manual_seed(3)


@dataclass(frozen=True)
class Case:
    name: str
    fn: Callable  # fn(lib, F, *tensors), lib tg or torch, F its nn.functional
    inputs: tuple  # one strategy of arrays per differentiable input
    kinks: Callable | None = None  # fn(*arrays) -> values that must stay away from 0
    torch_twin: bool = True  # False: the randomness differs from PyTorch's


def _cos(a, b):
    return (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))


def _dist(a, b, p):
    return (np.abs(a - b + 1e-6) ** p).sum(-1) ** (1 / p)


def _above(norms, floor=0.3):
    """Zero (so rejected as a kink) where a norm is below `floor`: near a zero vector the
    cosine and the distances' gradients are ill-posed."""
    return np.where(norms > floor, 1.0, 0.0)


def _norms_above(*arrays):
    return [_above(np.linalg.norm(a, axis=-1)) for a in arrays]


def _arr(shape, **kw):
    return tst.arrays(shape, **kw)


M34 = _arr((3, 4))
CASES = [
    *[Case(f"cosine_embedding_loss {r}",
           lambda lib, F, a, b, r=r: F.cosine_embedding_loss(a, b, lib.tensor(Y3), margin=0.1,
                                                             reduction=r),
           (M34, M34), lambda a, b: np.concatenate([_cos(a, b) - 0.1, *_norms_above(a, b)]))
      for r in ("mean", "sum", "none")],
    Case("margin_ranking_loss", lambda lib, F, a, b: F.margin_ranking_loss(
        a, b, lib.tensor(Y6), margin=0.2, reduction="sum"), (_arr((6,)), _arr((6,))),
        lambda a, b: -np.array(Y6) * (a - b) + 0.2),
    *[Case(f"triplet_margin_loss p={p} swap={swap}",
           lambda lib, F, a, q, n, p=p, swap=swap: F.triplet_margin_loss(
               a, q, n, margin=0.7, p=p, swap=swap), (M34, M34, M34),
           lambda a, q, n, p=p: np.concatenate([
               0.7 + _dist(a, q, p) - np.minimum(_dist(a, n, p), _dist(q, n, p)),
               _dist(a, n, p) - _dist(q, n, p), _above(_dist(a, q, p)), _above(_dist(a, n, p)),
               _above(_dist(q, n, p))]))
      for p in (2, 3) for swap in (False, True)],
    Case("hinge_embedding_loss", lambda lib, F, x: F.hinge_embedding_loss(
        x, lib.tensor(Y6), margin=0.5), (_arr((6,)),), lambda x: 0.5 - x),
    Case("soft_margin_loss", lambda lib, F, x: F.soft_margin_loss(
        x, lib.tensor([Y6, Y6[::-1]]), reduction="none"), (_arr((2, 6)),)),
    Case("multilabel_soft_margin_loss", lambda lib, F, x, w: F.multilabel_soft_margin_loss(
        x, lib.tensor(LABELS), weight=w), (M34, _arr((4,)))),
    Case("poisson_nll_loss log_input full", lambda lib, F, x: F.poisson_nll_loss(
        x, lib.tensor(COUNTS), full=True), (M34,)),
    Case("poisson_nll_loss rate", lambda lib, F, x: F.poisson_nll_loss(
        x, lib.tensor(COUNTS), log_input=False, reduction="sum"),
        (tst.positive_arrays((3, 4)),)),
    Case("gaussian_nll_loss", lambda lib, F, x, y, v: F.gaussian_nll_loss(x, y, v, full=True),
         (M34, M34, tst.positive_arrays((3, 4)))),
    Case("gaussian_nll_loss var per sample", lambda lib, F, x, y, v: F.gaussian_nll_loss(
        x, y, v, reduction="none"), (M34, M34, tst.positive_arrays((3,)))),
    Case("instance_norm affine", lambda lib, F, x, w, b: F.instance_norm(
        x, weight=w, bias=b), (tst.spread_arrays((2, 3, 5), axis=2), _arr((3,)), _arr((3,)))),
    Case("instance_norm 2d", lambda lib, F, x: F.instance_norm(x),
         (tst.spread_arrays((2, 2, 2, 3), axis=(2, 3)),)),
    Case("prelu per channel", lambda lib, F, x, w: F.prelu(x, w),
         (_arr((2, 3, 4), away_from=(0,)), _arr((3,)))),
    Case("prelu shared", lambda lib, F, x, w: F.prelu(x, w),
         (_arr((5,), away_from=(0,)), _arr((1,)))),
    *[Case(f"dropout{d}d", lambda lib, F, x, d=d: getattr(F, f"dropout{d}d")(
        x, 0.4, generator=_seeded(lib)) if lib is tg else None,
        (_arr((2, 3) + (2,) * d),), torch_twin=False) for d in (1, 2, 3)],
    Case("alpha_dropout", lambda lib, F, x: F.alpha_dropout(
        x, 0.3, True, generator=_seeded(lib)) if lib is tg else None, (M34,), torch_twin=False),
    Case("quantile linear dim", lambda lib, F, x: lib.quantile(x, 0.3, dim=1),
         (tst.distinct_arrays((3, 5)),)),
    Case("quantile q tensor keepdim", lambda lib, F, x: x.quantile(
        lib.tensor([0.1, 0.5, 0.85], dtype=lib.float64), 0, keepdim=True),
        (tst.distinct_arrays((6, 2)),)),
    Case("quantile all midpoint", lambda lib, F, x: x.quantile(0.4, interpolation="midpoint"),
         (tst.distinct_arrays((2, 3)),)),
    Case("nanquantile nearest", lambda lib, F, x: lib.nanquantile(
        x, 0.6, -1, interpolation="nearest"), (tst.distinct_arrays((3, 4)),)),
    Case("nansum dim", lambda lib, F, x: lib.nansum(x, 1), (M34,)),
    Case("nanmean keepdim", lambda lib, F, x: x.nanmean(dim=0, keepdim=True), (M34,)),
]


def _tensors(arrays):
    return [Tensor(a.copy(), requires_grad=True) for a in arrays]


# fewer examples than the ci profile's 25: 35 cases, each a gradgradcheck (the file's time)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@settings(max_examples=12)
@given(data=st.data())
def test_gradients_reverse_forward_and_second_order(case: Case, data: st.DataObject) -> None:
    arrays = [data.draw(s) for s in case.inputs]
    if case.kinks is not None:
        assume(np.all(np.abs(case.kinks(*arrays)) > 0.05))
    fn = lambda *t: case.fn(tg, F, *t)  # noqa: E731
    assert tg.gradcheck(fn, _tensors(arrays))
    assert tg.gradgradcheck(fn, _tensors(arrays))


@pytest.mark.parametrize("case", [c for c in CASES if c.torch_twin], ids=lambda c: c.name)
@settings(max_examples=12)
@given(data=st.data())
def test_values_and_gradients_match_pytorch(case: Case, data: st.DataObject) -> None:
    torch = pytest.importorskip("torch")
    arrays = [data.draw(s) for s in case.inputs]
    if case.kinks is not None:
        assume(np.all(np.abs(case.kinks(*arrays)) > 0.05))
    ours = _tensors(arrays)
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    out = case.fn(tg, F, *ours)
    twin = case.fn(torch, torch.nn.functional, *theirs)
    np.testing.assert_allclose(out.numpy(), twin.detach().numpy(), rtol=1e-10, atol=1e-12)
    upstream = np.random.default_rng(0).normal(size=out.shape)
    out.backward(Tensor(upstream))
    twin.backward(torch.tensor(upstream))
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_nan_reductions_and_quantiles_match_pytorch_with_nans() -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(1).normal(size=(4, 5))
    a[0, 1] = a[2, 3] = np.nan
    a[3] = np.nan  # an all-NaN row
    cases = [lambda lib, t: lib.nansum(t), lambda lib, t: t.nansum(0),
             lambda lib, t: lib.nanmean(t, 1), lambda lib, t: t.nanmean(),
             lambda lib, t: t.nanquantile(0.25, 1), lambda lib, t: lib.nanquantile(t, 0.7),
             lambda lib, t: t.quantile(0.5, 1), lambda lib, t: t.quantile(0.5, 0, True)]
    for fn in cases:
        ours, theirs = Tensor(a.copy(), requires_grad=True), torch.tensor(a, requires_grad=True)
        out, twin = fn(tg, ours), fn(torch, theirs)
        np.testing.assert_allclose(out.numpy(), twin.detach().numpy(), rtol=1e-12)
        out.sum().backward()
        twin.sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
def test_quantile_interpolations_match_pytorch(interpolation: str) -> None:
    torch = pytest.importorskip("torch")
    a = np.random.default_rng(2).normal(size=(3, 7))
    q = np.array([0.0, 0.1, 0.25, 0.5, 0.75, 1.0])  # 0.25 and 0.75 fall on half ranks
    out = tg.quantile(Tensor(a), Tensor(q), dim=1, interpolation=interpolation)
    twin = torch.quantile(torch.tensor(a), torch.tensor(q), dim=1, interpolation=interpolation)
    np.testing.assert_allclose(out.numpy(), twin.numpy(), rtol=1e-12)


@pytest.mark.parametrize(("layer", "shape", "kept"), [
    (nn.Dropout1d, (4, 6, 5), 2), (nn.Dropout1d, (6, 5), 1), (nn.Dropout2d, (4, 6, 3, 2), 2),
    (nn.Dropout2d, (4, 6, 5), 2), (nn.Dropout3d, (2, 6, 2, 2, 2), 2),
    (nn.Dropout3d, (6, 2, 3, 2), 1)])
def test_channel_dropout_zeroes_whole_channels_and_rescales(layer, shape, kept) -> None:
    tg.manual_seed(0)
    x = Tensor(np.random.default_rng(0).uniform(1, 2, size=shape))
    module = layer(0.5)
    y = module(x).numpy()
    ratio = (y / x.numpy()).reshape(shape[:kept] + (-1,))
    assert np.all((ratio == 0) | np.isclose(ratio, 2.0))
    assert np.all(ratio.min(-1) == ratio.max(-1))  # one decision per channel
    assert 0 < (ratio[..., 0] == 0).sum() < ratio[..., 0].size
    module.eval()
    assert module(x) is x or np.array_equal(module(x).numpy(), x.numpy())
    assert np.array_equal(F.dropout2d(x, 0.0).numpy(), x.numpy()) if len(shape) in (3, 4) \
        else True
    assert repr(module) == f"{layer.__name__}(p=0.5, inplace=False)"


def test_alpha_dropout_keeps_mean_and_variance_of_standard_normal() -> None:
    x = Tensor(np.random.default_rng(0).normal(size=200_000))
    y = F.alpha_dropout(x, 0.2, training=True, generator=tg.Generator().manual_seed(0)).numpy()
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02
    assert np.array_equal(nn.AlphaDropout(0.2).eval()(x).numpy(), x.numpy())
    assert np.all(F.alpha_dropout(x, 1.0, True).numpy() == 0)


def test_instance_norm_modules_match_pytorch_with_running_stats() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    for dims, ours_cls, twin_cls in [(1, nn.InstanceNorm1d, torch.nn.InstanceNorm1d),
                                     (2, nn.InstanceNorm2d, torch.nn.InstanceNorm2d),
                                     (3, nn.InstanceNorm3d, torch.nn.InstanceNorm3d)]:
        for momentum in (0.1, None):  # None: PyTorch keeps the running stats unchanged
            ours = ours_cls(3, affine=True, track_running_stats=True, momentum=momentum,
                            dtype=tg.float64)
            twin = twin_cls(3, affine=True, track_running_stats=True, momentum=momentum).double()
            assert set(ours.state_dict()) == set(twin.state_dict())
            for _ in range(3):
                x = rng.normal(2.0, 3.0, size=(2, 3) + (3,) * dims)
                np.testing.assert_allclose(ours(Tensor(x)).numpy(),
                                           twin(torch.tensor(x)).detach().numpy(), rtol=1e-9)
            np.testing.assert_allclose(ours.running_var, twin.running_var.numpy(), rtol=1e-12)
            assert int(ours.num_batches_tracked) == int(twin.num_batches_tracked)
            ours.eval()
            twin.eval()
            x = rng.normal(size=(3,) + (3,) * dims)  # unbatched, running statistics
            np.testing.assert_allclose(ours(Tensor(x)).numpy(),
                                       twin(torch.tensor(x)).detach().numpy(), rtol=1e-9)
    default = nn.InstanceNorm2d(4)
    assert default.weight is None and default.running_mean is None
    assert repr(default) == ("InstanceNorm2d(4, eps=1e-05, momentum=0.1, affine=False, "
                             "bias=False, track_running_stats=False)")


def test_prelu_module_and_init_helpers_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    layer = nn.PReLU(3, init=0.1)
    assert layer.weight.numpy().tolist() == pytest.approx([0.1] * 3)
    assert nn.PReLU().weight.shape == (1,) and repr(layer) == "PReLU(num_parameters=3)"
    for shape, groups in [((3, 5), 1), ((4, 3, 3), 1), ((6, 2, 3, 3), 2), ((2, 4, 1, 3, 3), 1)]:
        ours = nn.Parameter(np.full(shape, 7.0))
        twin = torch.full(shape, 7.0)
        if len(shape) == 2:
            nn.init.eye_(ours)
            torch.nn.init.eye_(twin)
        else:
            nn.init.dirac_(ours, groups)
            torch.nn.init.dirac_(twin, groups)
        np.testing.assert_array_equal(ours.numpy(), twin.numpy())


def test_embedding_from_pretrained() -> None:
    table = np.arange(12.0).reshape(4, 3)
    frozen = nn.Embedding.from_pretrained(Tensor(table))
    assert not frozen.weight.requires_grad and frozen.weight.dtype == np.float64
    np.testing.assert_array_equal(frozen(np.array([3, 0])).numpy(), table[[3, 0]])
    table[0] = 100.0  # a copy: the caller's array is not the table
    assert frozen.weight.numpy()[0, 0] == 0.0
    trained = nn.Embedding.from_pretrained(table, freeze=False, padding_idx=1)
    assert trained.weight.requires_grad and trained.padding_idx == 1
    trained(np.array([1, 2, 1])).sum().backward()
    np.testing.assert_array_equal(trained.weight.grad.numpy()[:, 0], [0, 0, 1, 0])


def test_loss_modules_forward_to_the_functions() -> None:
    rng = np.random.default_rng(0)
    a, b, c = (Tensor(rng.normal(size=(3, 4))) for _ in range(3))
    y = Tensor(np.array(Y3))
    pairs = [(nn.CosineEmbeddingLoss(0.2)(a, b, y), F.cosine_embedding_loss(a, b, y, 0.2)),
             (nn.MarginRankingLoss(0.1, reduction="sum")(a, b, Tensor(np.sign(c.numpy()))),
              F.margin_ranking_loss(a, b, Tensor(np.sign(c.numpy())), 0.1, reduction="sum")),
             (nn.TripletMarginLoss(swap=True)(a, b, c), F.triplet_margin_loss(a, b, c, swap=True)),
             (nn.HingeEmbeddingLoss()(a, Tensor(np.sign(c.numpy()))),
              F.hinge_embedding_loss(a, Tensor(np.sign(c.numpy())))),
             (nn.SoftMarginLoss()(a, Tensor(np.sign(c.numpy()))),
              F.soft_margin_loss(a, Tensor(np.sign(c.numpy())))),
             (nn.MultiLabelSoftMarginLoss()(a, Tensor(np.array(LABELS))),
              F.multilabel_soft_margin_loss(a, Tensor(np.array(LABELS)))),
             (nn.PoissonNLLLoss(full=True)(a, Tensor(np.array(COUNTS))),
              F.poisson_nll_loss(a, Tensor(np.array(COUNTS)), full=True)),
             (nn.GaussianNLLLoss(eps=1e-3)(a, b, c.abs()), F.gaussian_nll_loss(a, b, c.abs(),
                                                                               eps=1e-3))]
    for module_out, function_out in pairs:
        assert module_out.shape == () and module_out.item() == function_out.item()


# ---------------------------------------------------------------- bad input

X34 = Tensor(np.zeros((3, 4)))
BAD = [
    ("dropout1d", lambda: F.dropout1d(Tensor(np.zeros(3)), 0.5), tg.ShapeError),
    ("dropout2d", lambda: F.dropout2d(X34, 1.5), tg.ArgumentError),
    ("dropout3d", lambda: F.dropout3d(X34, 0.5), tg.ShapeError),
    ("Dropout2d", lambda: nn.Dropout2d(p="half"), TypeError),
    ("alpha_dropout", lambda: F.alpha_dropout(X34, -0.1, True), tg.ArgumentError),
    ("AlphaDropout", lambda: nn.AlphaDropout(2.0), tg.ArgumentError),
    ("Dropout1d", lambda: nn.Dropout1d(None), TypeError),
    ("Dropout3d", lambda: nn.Dropout3d()(X34), tg.ShapeError),
    ("instance_norm", lambda: F.instance_norm(X34), tg.ShapeError),
    ("instance_norm", lambda: F.instance_norm(Tensor(np.zeros((2, 3, 1)))), tg.ShapeError),
    ("instance_norm", lambda: F.instance_norm(Tensor(np.zeros((2, 3, 4))),
                                              weight=Tensor(np.ones(2))), tg.ShapeError),
    ("InstanceNorm1d", lambda: nn.InstanceNorm1d(3, affine=True)(Tensor(np.zeros((2, 4, 5)))),
     tg.ShapeError),
    ("InstanceNorm2d", lambda: nn.InstanceNorm2d(-1), tg.ArgumentError),
    ("InstanceNorm3d", lambda: nn.InstanceNorm3d(3)(X34), tg.ShapeError),
    ("prelu", lambda: F.prelu(Tensor(np.zeros((2, 3))), Tensor(np.ones(4))), tg.ShapeError),
    ("PReLU", lambda: nn.PReLU(-1), tg.ArgumentError),
    ("cosine_embedding_loss", lambda: F.cosine_embedding_loss(X34, X34, Tensor(np.ones(4))),
     tg.ShapeError),
    ("CosineEmbeddingLoss", lambda: nn.CosineEmbeddingLoss(reduction="avg"), tg.ArgumentError),
    ("margin_ranking_loss", lambda: F.margin_ranking_loss(X34, X34, Tensor(np.ones(3))),
     tg.ShapeError),
    ("MarginRankingLoss", lambda: nn.MarginRankingLoss(margin="1"), TypeError),
    ("triplet_margin_loss", lambda: F.triplet_margin_loss(X34, X34, Tensor(np.zeros((3, 5)))),
     tg.ShapeError),
    ("triplet_margin_loss", lambda: F.triplet_margin_loss(X34, X34, X34, margin=0.0),
     tg.ArgumentError),
    ("TripletMarginLoss", lambda: nn.TripletMarginLoss()(X34, X34, None), TypeError),
    ("hinge_embedding_loss", lambda: F.hinge_embedding_loss(X34, X34, reduction="avg"),
     tg.ArgumentError),
    ("HingeEmbeddingLoss", lambda: nn.HingeEmbeddingLoss()(X34, Tensor(np.ones(5))),
     tg.ShapeError),
    ("soft_margin_loss", lambda: F.soft_margin_loss(X34, X34, reduction="avg"), tg.ArgumentError),
    ("SoftMarginLoss", lambda: nn.SoftMarginLoss()(X34, Tensor(np.ones(3))), tg.ShapeError),
    ("multilabel_soft_margin_loss", lambda: F.multilabel_soft_margin_loss(
        Tensor(np.zeros((2, 3, 4))), Tensor(np.zeros((2, 3, 4)))), tg.ShapeError),
    ("MultiLabelSoftMarginLoss", lambda: nn.MultiLabelSoftMarginLoss(weight=np.ones(5))(
        X34, X34), tg.ShapeError),
    ("poisson_nll_loss", lambda: F.poisson_nll_loss(X34, Tensor(np.zeros(4))), tg.ShapeError),
    ("PoissonNLLLoss", lambda: nn.PoissonNLLLoss(eps="small"), TypeError),
    ("gaussian_nll_loss", lambda: F.gaussian_nll_loss(X34, X34, Tensor(np.ones((2, 4)))),
     tg.ShapeError),
    ("gaussian_nll_loss", lambda: F.gaussian_nll_loss(X34, X34, Tensor(-np.ones(3))),
     tg.ArgumentError),
    ("GaussianNLLLoss", lambda: nn.GaussianNLLLoss()(X34, Tensor(np.zeros(5)), X34),
     tg.ShapeError),
    ("eye_", lambda: nn.init.eye_(nn.Parameter(np.zeros((2, 2, 2)))), tg.ShapeError),
    ("dirac_", lambda: nn.init.dirac_(nn.Parameter(np.zeros((3, 2)))), tg.ShapeError),
    ("dirac_", lambda: nn.init.dirac_(nn.Parameter(np.zeros((3, 2, 3))), 2), tg.ArgumentError),
    ("from_pretrained", lambda: nn.Embedding.from_pretrained(np.zeros(3)), tg.ShapeError),
    ("from_pretrained", lambda: nn.Embedding.from_pretrained(np.zeros((3, 2)), max_norm=-1.0),
     tg.ArgumentError),
    ("nansum", lambda: tg.nansum(X34, 2), tg.TinygradError),
    ("nanmean", lambda: tg.nanmean(Tensor(np.zeros(3, np.int64))), tg.DTypeError),
    ("quantile", lambda: tg.quantile(X34, 1.5), tg.ArgumentError),
    ("quantile", lambda: X34.quantile(0.5, interpolation="cubic"), tg.ArgumentError),
    ("quantile", lambda: tg.quantile(Tensor(np.zeros(3, np.int64)), 0.5), tg.DTypeError),
    ("quantile", lambda: tg.quantile(Tensor(np.zeros((0,))), 0.5), tg.ShapeError),
    ("nanquantile", lambda: tg.nanquantile(X34, [[0.5]]), tg.ArgumentError),
    ("nanquantile", lambda: X34.nanquantile(0.5, dim=3), tg.TinygradError),
]


@pytest.mark.parametrize(("op", "call", "error"), BAD, ids=[f"{o}-{i}" for i, (o, _, _) in
                                                            enumerate(BAD)])
def test_bad_input_is_refused_with_a_message_naming_the_op(op, call, error) -> None:
    with pytest.raises(error) as raised:
        call()
    assert isinstance(raised.value, tg.TinygradError)
    # a Module's refusal may come from its function (TripletMarginLoss: triplet_margin_loss)
    squash = lambda text: text.lower().replace("_", "")  # noqa: E731
    assert squash(op) in squash(str(raised.value))
