"""PyTorch's spellings added by surface31's second part: the top-level nn.functional names
(tinygrad_bn/nn_spellings.py), the process settings (settings.py), torch.autograd's modes
(set_detect_anomaly, detect_anomaly, no_grad ...), the in-place twins of the special
functions and products (tensor_methods/inplace_more.py) and the unsafe_ splits: values
against PyTorch (skipped without it), gradients of the twins in every order, bad input.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
RNG = np.random.default_rng(3131)
X4 = RNG.standard_normal((2, 4, 5, 5))
W4 = RNG.standard_normal((3, 4, 3, 3))
X3 = RNG.standard_normal((2, 4, 6))
W3 = RNG.standard_normal((3, 4, 3))
M = RNG.standard_normal((3, 4))
W_BILINEAR = RNG.standard_normal((5, 4, 2))


def _tg(a):
    return Tensor(a) if isinstance(a, np.ndarray) else a


def _torch(a):
    return torch.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a


SPELLINGS = {
    "conv1d": lambda m, c: m.conv1d(c(X3), c(W3), None, 1, 1),
    "conv2d": lambda m, c: m.conv2d(c(X4), c(W4), stride=2, padding=1),
    "conv3d": lambda m, c: m.conv3d(c(X4[:, :, None].copy()), c(W4[:, :, None].copy()), None),
    "conv_transpose1d": lambda m, c: m.conv_transpose1d(c(X3[:, :3]), c(W3[:3]), stride=2),
    "conv_transpose2d": lambda m, c: m.conv_transpose2d(c(X4[:, :3]), c(W4[:3]), padding=1),
    "layer_norm": lambda m, c: m.layer_norm(c(X3), (6,), c(np.ones(6)), c(np.zeros(6)), 1e-5,
                                            True),
    "group_norm": lambda m, c: m.group_norm(c(X3), 2, None, None, 1e-5, True),
    "dropout": lambda m, c: m.dropout(c(M), 0.5, False),
    "alpha_dropout": lambda m, c: m.alpha_dropout(c(M), 0.5, False),
    "selu": lambda m, c: m.selu(c(M)),
    "celu": lambda m, c: m.celu(c(M), 0.5),
    "threshold": lambda m, c: m.threshold(c(M), 0.1, -1.0),
    "prelu": lambda m, c: m.prelu(c(X3), c(np.full(4, 0.25))),
    "hardshrink": lambda m, c: m.hardshrink(c(M), 0.3),
    "bilinear": lambda m, c: m.bilinear(c(M), c(M[:, :2].copy()), c(W_BILINEAR), None),
    "pixel_shuffle": lambda m, c: m.pixel_shuffle(c(X4), 2),
    "pixel_unshuffle": lambda m, c: m.pixel_unshuffle(c(X4[:, :, :4, :4]), 2),
    "cosine_similarity": lambda m, c: m.cosine_similarity(c(M), c(M[::-1].copy()), 0),
    "pairwise_distance": lambda m, c: m.pairwise_distance(c(M), c(M[::-1].copy())),
    "max_pool1d": lambda m, c: m.max_pool1d(c(X3), 2),
    "max_pool2d": lambda m, c: m.max_pool2d(c(X4), 2, 1),
    "avg_pool1d": lambda m, c: m.avg_pool1d(c(X3), 3, 2),
    "adaptive_avg_pool1d": lambda m, c: m.adaptive_avg_pool1d(c(X3), 4),
    "unsafe_split": lambda m, c: c(M).unsafe_split(2, 1),
    "unsafe_chunk": lambda m, c: m.unsafe_chunk(c(M), 2),
    "unsafe_split_with_sizes": lambda m, c: m.unsafe_split_with_sizes(c(M), [1, 2]),
    "digamma_": lambda m, c: c(np.abs(M) + 0.5).digamma_(),
    "lgamma_": lambda m, c: c(np.abs(M) + 0.5).lgamma_(),
    "i0_": lambda m, c: m.i0_(c(M.copy())),
    "sinc_": lambda m, c: m.sinc_(c(M.copy())),
    "polygamma_": lambda m, c: c(np.abs(M) + 0.5).polygamma_(2),
    "mvlgamma_": lambda m, c: c(np.abs(M) + 2.0).mvlgamma_(2),
    "nextafter_": lambda m, c: c(M.copy()).nextafter_(c(np.zeros((3, 4)))),
    "addbmm_": lambda m, c: c(M.copy()).addbmm_(c(np.ones((2, 3, 2))), c(np.ones((2, 2, 4))),
                                                beta=0.5, alpha=2),
    "addr_": lambda m, c: c(M.copy()).addr_(c(np.ones(3)), c(np.arange(4.0)), alpha=3),
    "conj_physical_": lambda m, c: m.conj_physical_(c(M.copy())),
    "index_reduce_prod": lambda m, c: c(M).index_reduce(1, c(np.array([0, 3, 0])),
                                                        c(M[:, :3] + 2.0), "prod"),
    "index_reduce_mean": lambda m, c: m.index_reduce(c(M), 0, c(np.array([2, 2])), c(M[:2]),
                                                     "mean", include_self=False),
    "index_reduce_amax": lambda m, c: c(M).index_reduce(0, c(np.array([1, 0])), c(M[:2] * 2),
                                                        "amax"),
    "index_reduce_": lambda m, c: c(M.copy()).index_reduce_(1, c(np.array([1])),
                                                            c(M[:, :1].copy()), "amin"),
}


def _numpy(out):
    if isinstance(out, tuple | list):
        return [_numpy(o) for o in out]
    return out.detach().numpy() if hasattr(out, "detach") else np.asarray(out)


@needs_torch
@pytest.mark.parametrize("name", sorted(SPELLINGS))
def test_spellings_match_pytorch(name: str) -> None:
    ours, theirs = _numpy(SPELLINGS[name](tg, _tg)), _numpy(SPELLINGS[name](torch, _torch))
    ours = ours if isinstance(ours, list) else [ours]
    theirs = theirs if isinstance(theirs, list) else [theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_in_place_twins_write_into_x_and_are_differentiable() -> None:
    base = Tensor(np.abs(M) + 0.5, requires_grad=True)

    def through(name, *args, **kwargs):
        def fn(t):
            y = t * 1.0  # a non-leaf, which may be written in place
            getattr(y, name)(*args, **kwargs)
            return y
        return fn

    for name, args, kwargs in [("digamma_", (), {}), ("lgamma_", (), {}),
                               ("i0_", (), {}), ("sinc_", (), {}), ("polygamma_", (1,), {}),
                               ("mvlgamma_", (1,), {}),
                               ("addr_", (Tensor(np.ones(3)), Tensor(np.arange(4.0))),
                                {"beta": 2.0})]:
        assert tg.gradcheck(through(name, *args, **kwargs), [base]), name
        assert tg.gradgradcheck(through(name, *args, **kwargs), [base]), name
    y = tg.ones(2, 2)
    assert y.addbmm_(tg.ones(1, 2, 2), tg.ones(1, 2, 2)) is y and y.tolist() == [[3.0] * 2] * 2


def test_index_reduce_gradients_in_every_order() -> None:
    x = Tensor(M + 0.0, requires_grad=True)
    src = Tensor(M[:, :3] * 1.7 + 0.3, requires_grad=True)
    index = Tensor(np.array([0, 3, 0]))
    for reduce in ("prod", "mean", "amax", "amin"):
        def fn(a, b, reduce=reduce):
            return a.index_reduce(1, index, b, reduce) ** 2
        assert tg.gradcheck(fn, [x, src]), reduce
        assert tg.gradgradcheck(fn, [x, src]), reduce


def test_binomial_draws() -> None:
    gen = tg.Generator().manual_seed(5)
    counts = tg.tensor([0.0, 1.0, 10.0, 1000.0]).double()
    draws = tg.binomial(counts, tg.tensor([0.5, 0.0, 1.0, 0.25]).double(), generator=gen)
    assert draws.dtype == np.float64 and draws.tolist()[:3] == [0.0, 0.0, 10.0]
    assert 200 <= draws.tolist()[3] <= 300
    again = tg.binomial(counts, tg.tensor(0.5).double(), generator=tg.Generator().manual_seed(5))
    assert again.shape == (4,)


def test_vmap_is_funcs() -> None:
    assert tg.vmap is tg.func.vmap
    assert tg.vmap(lambda r: r.sum())(tg.ones(3, 2)).tolist() == [2.0] * 3


BAD = {
    "conv2d": (lambda m, c: m.conv2d(c(X4), c(W3)), tg.ShapeError, "conv2d"),
    "conv1d": (lambda m, c: m.conv1d(c(X3), c(W4)), tg.ShapeError, "conv1d"),
    "conv3d": (lambda m, c: m.conv3d(c(X4), c(W4)), tg.ShapeError, "conv3d"),
    "conv_transpose1d": (lambda m, c: m.conv_transpose1d(c(X3), c(W4)), tg.ShapeError,
                         "conv_transpose1d"),
    "conv_transpose2d": (lambda m, c: m.conv_transpose2d(c(X4), c(W3)), tg.ShapeError,
                         "conv_transpose2d"),
    "layer_norm": (lambda m, c: m.layer_norm(c(X3), (5,)), tg.ShapeError, "layer_norm"),
    "group_norm": (lambda m, c: m.group_norm(c(X3), 3), tg.ShapeError, "group_norm"),
    "dropout": (lambda m, c: m.dropout(c(M), 1.5, True), tg.ArgumentError, "dropout"),
    "alpha_dropout": (lambda m, c: m.alpha_dropout(c(M), -0.5, True), tg.ArgumentError,
                      "alpha_dropout"),
    "selu": (lambda m, c: m.selu("a"), tg.TinygradError, "selu"),
    "celu": (lambda m, c: m.celu(c(M), 0.0), tg.ArgumentError, "celu"),
    "threshold": (lambda m, c: m.threshold(c(M), "a", 1.0), tg.TinygradError, "threshold"),
    "prelu": (lambda m, c: m.prelu(c(X3), c(np.ones(3))), tg.ShapeError, "prelu"),
    "hardshrink": (lambda m, c: m.hardshrink("a"), tg.TinygradError, "hardshrink"),
    "bilinear": (lambda m, c: m.bilinear(c(M), c(M), c(np.ones((2, 3, 3)))), tg.ShapeError,
                 "bilinear"),
    "pixel_shuffle": (lambda m, c: m.pixel_shuffle(c(X4), 3), tg.ShapeError, "pixel_shuffle"),
    "pixel_unshuffle": (lambda m, c: m.pixel_unshuffle(c(X4), 2), tg.ShapeError,
                        "pixel_unshuffle"),
    "cosine_similarity": (lambda m, c: m.cosine_similarity(c(M), c(X3)), tg.ShapeError,
                          "cosine_similarity"),
    "pairwise_distance": (lambda m, c: m.pairwise_distance(c(M), c(X3)), tg.ShapeError,
                          "pairwise_distance"),
    "max_pool1d": (lambda m, c: m.max_pool1d(c(X3), 0), tg.ArgumentError, "max_pool1d"),
    "max_pool2d": (lambda m, c: m.max_pool2d(c(X4), 9), tg.ShapeError, "max_pool2d"),
    "avg_pool1d": (lambda m, c: m.avg_pool1d(c(X3), 0), tg.ArgumentError, "avg_pool1d"),
    "adaptive_avg_pool1d": (lambda m, c: m.adaptive_avg_pool1d(c(X3), -1), tg.ArgumentError,
                            "adaptive_avg_pool1d"),
    "unsafe_split": (lambda m, c: c(M).unsafe_split(0), tg.ArgumentError, "split"),
    "unsafe_chunk": (lambda m, c: m.unsafe_chunk(c(M), 0), tg.ArgumentError, "chunk"),
    "unsafe_split_with_sizes": (lambda m, c: m.unsafe_split_with_sizes(c(M), [1, 1]),
                                tg.ShapeError, "split"),
    "digamma_": (lambda m, c: c(np.ones(2, np.int64)).digamma_(), tg.DTypeError, "digamma_"),
    "polygamma_": (lambda m, c: c(M.copy()).polygamma_(-1), tg.ArgumentError, "polygamma"),
    "mvlgamma_": (lambda m, c: c(M.copy()).mvlgamma_(0), tg.ArgumentError, "mvlgamma"),
    "nextafter_": (lambda m, c: c(M.copy()).nextafter_(c(np.zeros((2, 3, 4)))), tg.ShapeError,
                   "nextafter_"),
    "addbmm_": (lambda m, c: c(M.copy()).addbmm_(c(np.ones((2, 3, 2))), c(np.ones((2, 3, 4)))),
                tg.ShapeError, "addbmm"),
    "addr_": (lambda m, c: c(M.copy()).addr_(c(np.ones(2)), c(np.ones(4))), tg.ShapeError,
              "addr_"),
    "set_float32_matmul_precision": (lambda m, c: m.set_float32_matmul_precision(1),
                                     tg.ArgumentError, "set_float32_matmul_precision"),
    "set_default_device": (lambda m, c: m.set_default_device(1.5), tg.ArgumentError,
                           "set_default_device"),
    "set_default_tensor_type": (lambda m, c: m.set_default_tensor_type("torch.LongTensor"),
                                tg.ArgumentTypeError, "set_default_tensor_type"),
    "set_flush_denormal": (lambda m, c: m.set_flush_denormal("yes"), tg.ArgumentTypeError,
                           "set_flush_denormal"),
    "set_num_interop_threads": (lambda m, c: m.set_num_interop_threads(0), tg.ArgumentError,
                                "set_num_interop_threads"),
    "set_warn_always": (lambda m, c: m.set_warn_always(None), tg.ArgumentTypeError,
                        "set_warn_always"),
    "set_anomaly_enabled": (lambda m, c: m.set_anomaly_enabled("on"), tg.ArgumentTypeError,
                            "set_detect_anomaly"),
    "asarray": (lambda m, c: m.asarray("abc"), tg.DTypeError, "as_tensor"),
    "index_reduce": (lambda m, c: c(M).index_reduce(0, c(np.array([0])), c(M), "sum"),
                     tg.ArgumentError, "index_reduce"),
    "index_reduce_shape": (lambda m, c: c(M).index_reduce(0, c(np.array([0])), c(M), "prod"),
                           tg.ShapeError, "index_reduce"),
    "index_reduce_index": (lambda m, c: c(M).index_reduce(0, c(np.array([0.0])), c(M[:1]),
                                                          "prod"), tg.DTypeError, "index_reduce"),
    "binomial": (lambda m, c: m.binomial(c(np.ones(2, np.int64)), c(np.ones(2) / 2)),
                 tg.DTypeError, "binomial"),
    "binomial_prob": (lambda m, c: m.binomial(c(np.ones(2)), c(np.full(2, 1.5))),
                      tg.ArgumentError, "binomial"),
    "binomial_count": (lambda m, c: m.binomial(c(np.full(2, -1.0)), c(np.ones(2) / 2)),
                       tg.ArgumentError, "binomial"),
}
# refused here on purpose, each for the reason given
OURS_ONLY = {
    "set_float32_matmul_precision": "PyTorch warns and ignores an unknown precision; a typo "
                                    "here would silently keep the old setting",
    "set_flush_denormal": "PyTorch takes any object as a truth value; the modes here take bools",
    "set_warn_always": "PyTorch takes any object as a truth value; the modes here take bools",
    "set_default_device": "PyTorch would fail later, at the first tensor made; refused here",
    "asarray": "PyTorch's asarray of a str fails as a TypeError too, with another message",
    "binomial_prob": "PyTorch draws from a probability above 1 silently (10 trials at 1.5 "
                     "gave 8): a silently wrong draw",
    "binomial_count": "PyTorch gives 0 for a negative count silently",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_refused_with_a_project_error(name: str) -> None:
    call, error, op = BAD[name]
    with pytest.raises(error, match=op):
        call(tg, _tg)
    if torch is not None and name not in OURS_ONLY:
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal of PyTorch's)
            call(torch, _torch)


def test_our_own_refusals_say_why() -> None:
    assert all(len(why) > 20 for why in OURS_ONLY.values())
    assert set(OURS_ONLY) <= set(BAD)
