"""Differences found by PyTorch's OpInfo database (tests/test_opinfo_34.py), fixed and
pinned here against torch 2.13: each test failed before its fix."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg

torch = pytest.importorskip("torch")


def _same(got: tg.Tensor, want: torch.Tensor) -> None:
    assert tuple(got.shape) == tuple(want.shape)
    assert str(got.dtype) == str(want.dtype).rsplit(".", 1)[-1]
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)


DATA = np.arange(20.0).reshape(4, 5) ** 1.5


# ---- var/std(x, True): PyTorch's overload var(input, unbiased) ----
@pytest.mark.parametrize("unbiased", [True, False])
@pytest.mark.parametrize("name", ["var", "std"])
def test_a_bool_in_the_dims_place_is_unbiased(name: str, unbiased: bool) -> None:
    x, t = tg.tensor(DATA), torch.tensor(DATA)
    _same(getattr(x, name)(unbiased), getattr(t, name)(unbiased))
    _same(getattr(tg, name)(x, unbiased), getattr(torch, name)(t, unbiased))


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
def test_var_mean_std_mean_read_a_bool_as_unbiased(name: str) -> None:
    got = getattr(tg, name)(tg.tensor(DATA), False)
    want = getattr(torch, name)(torch.tensor(DATA), False)
    for g, w in zip(got, want, strict=True):
        _same(g, w)


def test_a_bool_dim_with_unbiased_too_is_refused() -> None:
    with pytest.raises(TypeError, match="var"):
        tg.tensor(DATA).var(True, True)


# ---- the dtype casts take memory_format= ----
@pytest.mark.parametrize("name", ["float", "double", "half", "int", "long", "bool", "byte",
                                  "char", "short"])
def test_the_casts_take_memory_format(name: str) -> None:
    data = np.arange(120).reshape(2, 3, 4, 5) % 7
    x, t = tg.tensor(data), torch.tensor(data)
    got = getattr(x, name)(memory_format=tg.channels_last)
    want = getattr(t, name)(memory_format=torch.channels_last)
    assert str(got.dtype) == str(want.dtype).rsplit(".", 1)[-1]
    assert got.stride() == want.stride()
    np.testing.assert_array_equal(got.numpy(), want.numpy())
    assert getattr(x, name)(memory_format=tg.preserve_format).stride() == \
        getattr(t, name)(memory_format=torch.preserve_format).stride()


# ---- Tensor.to(device, dtype, non_blocking, copy) positionally ----
def test_to_reads_positional_non_blocking_and_copy() -> None:
    x = tg.tensor(DATA)
    same = x.to("cpu", tg.float64, False, False)
    copied = x.to("cpu", tg.float64, False, True)
    assert same is x
    assert copied is not x and copied.dtype == np.float64
    assert x.to(tg.float64, True, True) is not x
    assert x.to(x, False, False) is x
    want = torch.tensor(DATA)
    assert want.to("cpu", torch.float64, False, True) is not want  # the same reading
    assert want.to("cpu", torch.float64, False, False) is want


# ---- the addmm family: integer beta/alpha truncated, beta = 0 ignores the input ----
def _addmm_family(lib: object, data: dict[str, np.ndarray]) -> dict[str, object]:
    t = {k: lib.tensor(v) for k, v in data.items()}
    return {
        "addmm": lambda **kw: lib.addmm(t["m"], t["a"], t["b"], **kw),
        "addmv": lambda **kw: lib.addmv(t["v"], t["a"], t["w"], **kw),
        "addr": lambda **kw: lib.addr(t["m"], t["r"], t["u"], **kw),
        "baddbmm": lambda **kw: lib.baddbmm(t["m"], t["p"], t["q"], **kw),
        "addbmm": lambda **kw: lib.addbmm(t["m"], t["p"], t["q"], **kw),
    }


FAMILY = ["addmm", "addmv", "addr", "baddbmm", "addbmm"]


@pytest.mark.parametrize("name", FAMILY)
@pytest.mark.parametrize("beta, alpha", [(0.2, 0.6), (1.7, 2.6), (2, 3), (0, 1)])
def test_addmm_family_of_int64_stays_int64(name: str, beta: float, alpha: float) -> None:
    rng = np.random.default_rng(0)
    data = {"m": rng.integers(-9, 9, (2, 3)), "a": rng.integers(-9, 9, (2, 4)),
            "b": rng.integers(-9, 9, (4, 3)), "v": rng.integers(-9, 9, 2),
            "w": rng.integers(-9, 9, 4), "u": rng.integers(-9, 9, 3),
            "r": rng.integers(-9, 9, 2),
            "p": rng.integers(-9, 9, (5, 2, 4)), "q": rng.integers(-9, 9, (5, 4, 3))}
    if name == "addr" and isinstance(beta, float):  # PyTorch's addr refuses float factors
        with pytest.raises(RuntimeError):
            _addmm_family(torch, data)[name](beta=beta, alpha=alpha)
        with pytest.raises(TypeError, match="addr.*beta"):
            _addmm_family(tg, data)[name](beta=beta, alpha=alpha)
        return
    got = _addmm_family(tg, data)[name](beta=beta, alpha=alpha)
    want = _addmm_family(torch, data)[name](beta=beta, alpha=alpha)
    assert str(got.dtype) == "int64"
    np.testing.assert_array_equal(got.numpy(), want.numpy())


@pytest.mark.parametrize("name", FAMILY)
def test_addmm_family_with_beta_0_ignores_nan_and_inf(name: str) -> None:
    rng = np.random.default_rng(1)
    data = {"m": np.array([[np.nan, np.inf, 1.0]] * 2), "v": np.array([np.nan, -np.inf]),
            "a": rng.normal(size=(2, 4)), "b": rng.normal(size=(4, 3)),
            "w": rng.normal(size=4), "u": rng.normal(size=3), "r": rng.normal(size=2),
            "p": rng.normal(size=(5, 2, 4)), "q": rng.normal(size=(5, 4, 3))}
    got = _addmm_family(tg, data)[name](beta=0.0, alpha=0.5)
    want = _addmm_family(torch, data)[name](beta=0.0, alpha=0.5)
    _same(got, want)
    assert np.isfinite(got.numpy()).all()


def test_beta_0_still_gives_the_input_a_zero_gradient() -> None:
    x = tg.tensor(np.full((2, 3), np.nan), requires_grad=True)
    tg.addmm(x, tg.ones(2, 4, dtype=tg.float64), tg.ones(4, 3, dtype=tg.float64),
             beta=0).sum().backward()
    t = torch.tensor(np.full((2, 3), np.nan), requires_grad=True)
    torch.addmm(t, torch.ones(2, 4, dtype=torch.float64), torch.ones(4, 3, dtype=torch.float64),
                beta=0).sum().backward()
    _same(x.grad, t.grad)


# ---- layer_norm, group_norm, instance_norm, rms_norm take any eps (PyTorch's) ----
NORMS = {
    "layer_norm": lambda F, x, eps: F.layer_norm(x, [3], eps=eps),
    "group_norm": lambda F, x, eps: F.group_norm(x, 2, eps=eps),
    "instance_norm": lambda F, x, eps: F.instance_norm(x, eps=eps),
    "rms_norm": lambda F, x, eps: F.rms_norm(x, [3], eps=eps),
}


@pytest.mark.parametrize("eps", [-0.5, -1e-3, float("nan")])
@pytest.mark.parametrize("name", sorted(NORMS))
def test_norms_take_a_negative_or_nan_eps(name: str, eps: float) -> None:
    data = np.random.default_rng(2).normal(size=(2, 6, 3))
    got = NORMS[name](tg.nn.functional, tg.tensor(data), eps)
    want = NORMS[name](torch.nn.functional, torch.tensor(data), eps)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-10, atol=1e-12)


def test_batch_norm_still_refuses_a_negative_eps_as_pytorch() -> None:
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="eps"):
        torch.nn.functional.batch_norm(torch.tensor(x), None, None, training=True, eps=-0.5)
    with pytest.raises(ValueError, match="eps"):
        tg.nn.functional.batch_norm(tg.tensor(x), None, None, training=True, eps=-0.5)


# ---- searchsorted's sorter= ----
@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("shape", [(7,), (3, 7), (0,)])
def test_searchsorted_reads_the_sequence_through_sorter(shape: tuple[int, ...],
                                                         right: bool) -> None:
    rng = np.random.default_rng(3)
    seq = rng.integers(0, 5, shape).astype(np.float64)
    values = rng.integers(-1, 6, shape[:-1] + (4,)).astype(np.float64)
    order = np.argsort(seq, axis=-1, kind="stable")
    got = tg.searchsorted(tg.tensor(seq), tg.tensor(values), right=right,
                          sorter=tg.tensor(order))
    want = torch.searchsorted(torch.tensor(seq), torch.tensor(values), right=right,
                              sorter=torch.tensor(order))
    _same(got, want)


def test_searchsorted_refuses_a_sorter_of_another_shape() -> None:
    with pytest.raises(ValueError, match="searchsorted.*sorter"):
        tg.searchsorted(tg.tensor([3.0, 1.0, 2.0]), tg.tensor([2.0]),
                        sorter=tg.tensor([1, 2]))


# ---- expand_copy / permute_copy of a 0-d tensor with an empty size; linalg.vander of 0-d ----
@pytest.mark.parametrize("name", ["expand_copy", "permute_copy"])
def test_view_copies_of_0d_with_an_empty_sequence(name: str) -> None:
    _same(getattr(tg, name)(tg.tensor(2.5, dtype=tg.float64), []),
          getattr(torch, name)(torch.tensor(2.5, dtype=torch.float64), []))
    with pytest.raises(TypeError, match=name):
        getattr(tg, name)(tg.ones(1), 0)


@pytest.mark.parametrize("n", [2, 3])
def test_vander_of_0d_is_one_row(n: int) -> None:
    _same(tg.linalg.vander(tg.tensor(2.0, dtype=tg.float64), N=n),
          torch.linalg.vander(torch.tensor(2.0, dtype=torch.float64), N=n))


def test_vander_refuses_n_1_as_pytorch() -> None:
    with pytest.raises(RuntimeError, match="N must be"):
        torch.linalg.vander(torch.ones(3), N=1)
    with pytest.raises(ValueError, match="vander.*N"):
        tg.linalg.vander(tg.ones(3), N=1)


# ---- gradient(spacing=None); resize_as_ as a function ----
def test_gradient_spacing_none_is_1() -> None:
    data = np.arange(12.0).reshape(3, 4) ** 2
    for g, w in zip(tg.gradient(tg.tensor(data), spacing=None, dim=None),
                    torch.gradient(torch.tensor(data), spacing=None, dim=None), strict=True):
        _same(g, w)


def test_resize_as_is_a_function_writing_into_its_input() -> None:
    x, template = tg.zeros(2, 3, dtype=tg.float64), tg.ones(3, 3)
    out = tg.resize_as_(x, template)
    assert out is x and tuple(x.shape) == tuple(torch.resize_as_(torch.zeros(2, 3),
                                                                 torch.ones(3, 3)).shape)
    with pytest.raises(TypeError, match="resize_as_"):
        tg.resize_as_(np.zeros(3), template)


# ---- gather with an empty index of another rank; index_reduce of a 0-d tensor ----
@pytest.mark.parametrize("index_shape", [(2, 0), (0,), (0, 3, 1)])
def test_gather_with_an_empty_index_is_empty(index_shape: tuple[int, ...]) -> None:
    data = np.arange(5.0)
    got = tg.gather(tg.tensor(data), 0, tg.zeros(index_shape, dtype=tg.int64))
    want = torch.gather(torch.tensor(data), 0, torch.zeros(index_shape, dtype=torch.int64))
    _same(got, want)


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_of_0d(reduce: str, include_self: bool) -> None:
    got = tg.tensor(2.0, dtype=tg.float64).index_reduce(
        0, tg.tensor([0]), tg.tensor(-3.0, dtype=tg.float64), reduce, include_self=include_self)
    want = torch.tensor(2.0, dtype=torch.float64).index_reduce(
        0, torch.tensor([0]), torch.tensor(-3.0, dtype=torch.float64), reduce,
        include_self=include_self)
    _same(got, want)
    with pytest.raises(ValueError, match="index_reduce"):
        tg.tensor(2.0).index_reduce(0, tg.tensor([0]), tg.tensor([3.0]), reduce)


# ---- feature_alpha_dropout outside training; the margin losses of 0-d input ----
@pytest.mark.parametrize("shape", [(5,), ()])
def test_feature_alpha_dropout_outside_training_passes_any_rank(shape: tuple[int, ...]) -> None:
    data = np.full(shape, 0.25)
    _same(tg.nn.functional.feature_alpha_dropout(tg.tensor(data), p=0.5, training=False),
          torch.nn.functional.feature_alpha_dropout(torch.tensor(data), p=0.5, training=False))
    with pytest.raises(ValueError, match="feature_alpha_dropout"):
        tg.nn.functional.feature_alpha_dropout(tg.tensor(np.ones(5)), p=0.5, training=True)


MARGIN_CASES = [  # (input, target) as PyTorch accepts them
    ("multi_margin_loss", 0.7, 0), ("multi_margin_loss", 0.7, [0]),
    ("multi_margin_loss", [0.3, -1.2, 2.0], [1]), ("multi_margin_loss", [0.3, -1.2, 2.0], 2),
    ("multilabel_margin_loss", 0.7, 0), ("multilabel_margin_loss", 0.7, -1),
    ("multilabel_margin_loss", 0.7, [0]),
]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("name, scores, target", MARGIN_CASES)
def test_margin_losses_of_0d_or_one_sample(name: str, scores: object, target: object,
                                           reduction: str) -> None:
    got = getattr(tg.nn.functional, name)(tg.tensor(np.array(scores)),
                                          tg.tensor(np.array(target)), reduction=reduction)
    want = getattr(torch.nn.functional, name)(torch.tensor(np.array(scores)),
                                              torch.tensor(np.array(target)),
                                              reduction=reduction)
    _same(got, want)


# ---- average pools: a negative divisor_override, 1-element and empty size lists ----
POOLS = {
    "avg_pool2d neg divisor": lambda F, x: F.avg_pool2d(x, [2, 2], divisor_override=-3),
    "avg_pool3d neg divisor": lambda F, x: F.avg_pool3d(x.unsqueeze(0), [2, 2, 1],
                                                        stride=[2, 2, 1], divisor_override=-2),
    "avg_pool2d padding [1]": lambda F, x: F.avg_pool2d(x, [3, 3], [1, 1], [1], True, False),
    "avg_pool2d stride []": lambda F, x: F.avg_pool2d(x, [2, 2], [], [0]),
    "max_pool2d [3] [1] [1]": lambda F, x: F.max_pool2d(x, [3], [1], [1]),
    "conv2d stride [2] padding [1]": lambda F, x: F.conv2d(x, x[:1, :, :3, :3], stride=[2],
                                                           padding=[1]),
}


@pytest.mark.parametrize("dtype", ["float64", "int64"])
@pytest.mark.parametrize("name", sorted(POOLS))
def test_pools_take_pytorchs_size_spellings(name: str, dtype: str) -> None:
    if dtype == "int64" and ("max" in name or "conv" in name):
        pytest.skip("no int64 kernel in PyTorch")
    data = (np.arange(2 * 3 * 5 * 4).reshape(2, 3, 5, 4) % 11 - 4).astype(dtype)
    _same(POOLS[name](tg.nn.functional, tg.tensor(data)),
          POOLS[name](torch.nn.functional, torch.tensor(data)))


def test_divisor_override_0_is_refused() -> None:
    with pytest.raises(ValueError, match="avg_pool2d.*divisor_override"):
        tg.nn.functional.avg_pool2d(tg.ones(1, 1, 2, 2), 2, divisor_override=0)


# ---- tensordot's size-1 axes; tensorsolve's sizes; unfold of an empty batch; linspace ----
def test_tensordot_spreads_a_size_1_paired_axis() -> None:
    a, b = np.arange(3.0).reshape(1, 3, 1) + 2, np.arange(8.0).reshape(2, 2, 2)
    _same(tg.tensordot(tg.tensor(a), tg.tensor(b), dims=[[0, 2], [2, 0]]),
          torch.tensordot(torch.tensor(a), torch.tensor(b), dims=[[0, 2], [2, 0]]))
    with pytest.raises(ValueError, match="tensordot"):
        tg.tensordot(tg.ones(2, 3), tg.ones(3, 3), dims=[[0], [0]])


def test_tensorsolve_checks_sizes_only_as_pytorch() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2, 3, 6)), rng.normal(size=(2, 3))
    _same(tg.linalg.tensorsolve(tg.tensor(a), tg.tensor(b), dims=[0, 2]),
          torch.linalg.tensorsolve(torch.tensor(a), torch.tensor(b), dims=[0, 2]))
    with pytest.raises(ValueError, match="tensorsolve"):
        tg.linalg.tensorsolve(tg.ones(2, 3, 6), tg.ones(2, 2))


def test_unfold_of_an_empty_batch() -> None:
    _same(tg.nn.functional.unfold(tg.zeros(0, 2, 5, 5, dtype=tg.float64), 2),
          torch.nn.functional.unfold(torch.zeros(0, 2, 5, 5, dtype=torch.float64), 2))


@pytest.mark.parametrize("dtype", ["int64", "float64"])
def test_linspace_takes_0d_tensors(dtype: str) -> None:
    got = tg.linspace(tg.tensor(-2.0), tg.tensor(-3), 5, dtype=getattr(tg, dtype))
    want = torch.linspace(torch.tensor(-2.0), torch.tensor(-3), 5, dtype=getattr(torch, dtype))
    _same(got, want)
    with pytest.raises(ValueError, match="linspace.*0-d"):
        tg.linspace(tg.ones(2), 3.0, 4)


# ---- histogramdd with edges running backwards counts nothing (PyTorch's) ----
@pytest.mark.parametrize("density", [False, True])
def test_histogramdd_with_backward_edges_is_empty(density: bool) -> None:
    x = np.random.default_rng(5).normal(size=(6, 2))
    edges = [np.array([1.0, 0.0]), np.array([-1.0, 0.0, 1.0])]
    got = tg.histogramdd(tg.tensor(x), [tg.tensor(e) for e in edges], density=density)
    want = torch.histogramdd(torch.tensor(x), [torch.tensor(e) for e in edges],
                             density=density)
    np.testing.assert_array_equal(got.hist.numpy(), want.hist.numpy())
    with pytest.raises(ValueError, match="histogramdd.*increase"):
        tg.histogramdd(tg.tensor(x), [tg.tensor([0.0, 2.0, 1.0]), tg.tensor(edges[1])])


# ---- svd_lowrank and pca_lowrank (new: lowrank.py) ----
def _aligned(u: np.ndarray, v: np.ndarray, like_u: np.ndarray) -> tuple[np.ndarray, ...]:
    """u and v with each singular pair's sign turned to like_u's (signs are free)."""
    signs = np.where((u * like_u).sum(axis=-2, keepdims=True) < 0, -1.0, 1.0)
    return u * signs, v * signs


LOWRANK_SHAPES = [((5, 2), (4, 2)), ((3, 2), (6, 2)), ((2, 4, 3), (2, 5, 3))]


@pytest.mark.parametrize("a_shape, b_shape", LOWRANK_SHAPES)
@pytest.mark.parametrize("name, kwargs", [("svd_lowrank", {}), ("svd_lowrank", {"niter": 0}),
                                          ("pca_lowrank", {"center": False}),
                                          ("pca_lowrank", {"center": True})])
def test_lowrank_of_a_low_rank_matrix_is_its_svd(name: str, kwargs: dict, a_shape: tuple,
                                                 b_shape: tuple) -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=a_shape) @ np.swapaxes(rng.normal(size=b_shape), -1, -2)
    q = a_shape[-1] + (1 if kwargs.get("center") else 0)  # centring adds at most one rank
    u, s, v = getattr(tg, name)(tg.tensor(x), q=q, **kwargs)
    tu, ts, tv = getattr(torch, name)(torch.tensor(x), q=q, **kwargs)
    assert (u.shape, s.shape, v.shape) == (tu.shape, ts.shape, tv.shape)
    np.testing.assert_allclose(s.numpy(), ts.numpy(), atol=1e-10)
    kept = ts.numpy() > 1e-8  # singular vectors of a zero singular value are free
    u, v = _aligned(u.numpy(), v.numpy(), tu.numpy())
    np.testing.assert_allclose((u - tu.numpy()) * kept[..., None, :], 0, atol=1e-8)
    np.testing.assert_allclose((v - tv.numpy()) * kept[..., None, :], 0, atol=1e-8)


def test_svd_lowrank_shapes_and_m_as_pytorch() -> None:
    x = np.random.default_rng(7).normal(size=(4, 5))
    for q in (2, 4, 7):
        got = tg.svd_lowrank(tg.tensor(x), q=q)
        want = torch.svd_lowrank(torch.tensor(x), q=q)
        assert [g.shape for g in got] == [tuple(w.shape) for w in want]
    m = x.mean(axis=0, keepdims=True)
    got = tg.svd_lowrank(tg.tensor(x), q=4, M=tg.tensor(m))[1]
    want = np.linalg.svd(x - m, compute_uv=False)
    np.testing.assert_allclose(got.numpy(), want, atol=1e-10)


def test_lowrank_singular_values_have_gradients() -> None:
    x = tg.tensor(np.random.default_rng(8).normal(size=(5, 3)), requires_grad=True)

    def values(a: tg.Tensor) -> tg.Tensor:
        tg.manual_seed(0)  # the same random basis at every evaluation
        return tg.svd_lowrank(a, q=3)[1]

    assert tg.gradcheck(values, (x,))
    assert tg.gradgradcheck(values, (x,))


def test_pca_lowrank_refuses_q_past_min_m_n() -> None:
    with pytest.raises(ValueError, match="pca_lowrank.*q"):
        tg.pca_lowrank(tg.ones(4, 5), q=6)


# ---- normal(..., layout=) ----
def test_normal_takes_the_dense_layout() -> None:
    x = tg.normal(1.6, 0.3, (2, 3), dtype=tg.float64, layout=None)
    y = tg.normal(1.6, 0.3, (2, 3), layout=x.layout)
    assert (x.shape, y.shape, x.dtype) == ((2, 3), (2, 3), np.float64)
    with pytest.raises(ValueError, match="normal.*layout"):
        tg.normal(0.0, 1.0, (2,), layout="sparse_coo")


# ---- tg.signal.windows (new: signal/windows.py) ----
WINDOWS = [("bartlett", {}), ("blackman", {}), ("cosine", {}), ("hann", {}), ("hamming", {}),
           ("nuttall", {}), ("general_cosine", {"a": [0.4, 0.35, 0.25]}),
           ("general_hamming", {"alpha": 0.61}), ("gaussian", {"std": 1.7}),
           ("exponential", {"tau": 2.5}), ("kaiser", {"beta": 4.0}), ("kaiser", {})]


@pytest.mark.parametrize("sym", [True, False])
@pytest.mark.parametrize("name, kwargs", WINDOWS)
def test_signal_windows_equal_pytorchs(name: str, kwargs: dict, sym: bool) -> None:
    for m in (0, 1, 2, 7, 10):
        for dtype in ("float32", "float64"):
            got = getattr(tg.signal.windows, name)(m, sym=sym, dtype=getattr(tg, dtype),
                                                   **kwargs)
            want = getattr(torch.signal.windows, name)(m, sym=sym,
                                                       dtype=getattr(torch, dtype), **kwargs)
            assert str(got.dtype) == dtype and got.shape == tuple(want.shape)
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-6, atol=1e-7)


def test_a_periodic_exponential_window_may_move_its_center() -> None:
    _same(tg.signal.windows.exponential(6, center=1.0, sym=False, dtype=tg.float64),
          torch.signal.windows.exponential(6, center=1.0, sym=False, dtype=torch.float64))


@pytest.mark.parametrize("call", [
    lambda w, i64: w.hann(-1), lambda w, i64: w.gaussian(4, std=-1.0),
    lambda w, i64: w.kaiser(4, beta=-1.0), lambda w, i64: w.exponential(4, tau=0.0),
    lambda w, i64: w.exponential(4, center=1.0), lambda w, i64: w.hann(4, dtype=i64),
])
def test_signal_windows_refuse_what_pytorch_refuses(call: object) -> None:
    with pytest.raises((ValueError, RuntimeError)):
        call(torch.signal.windows, torch.int64)
    with pytest.raises(tg.TinygradError) as raised:
        call(tg.signal.windows, tg.int64)
    assert isinstance(raised.value, ValueError | TypeError)
