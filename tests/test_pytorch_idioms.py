"""Common PyTorch idioms (issue 21's probe of tutorial and lecture code) with PyTorch's
semantics, signatures and defaults: each compared with torch where it is installed (that
part skipped without it), differentiable ones by gradcheck, bad input by a clear error."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst


def _torch():
    return pytest.importorskip("torch")


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- Tensor methods


def test_mT_and_mH_swap_the_last_two_axes() -> None:
    a = _rng().normal(size=(2, 3, 4))
    assert np.array_equal(Tensor(a).mT.data, np.swapaxes(a, -1, -2))
    assert np.array_equal(Tensor(a).mH.data, np.swapaxes(a, -1, -2))
    x = Tensor(a, requires_grad=True)
    (x.mT * Tensor(np.arange(24.0).reshape(2, 4, 3))).sum().backward()
    assert np.array_equal(x.grad.data, np.swapaxes(np.arange(24.0).reshape(2, 4, 3), -1, -2))
    with pytest.raises(tg.ShapeError, match="mT.*at least 2 dims"):
        _ = Tensor(np.ones(3)).mT
    torch = pytest.importorskip("torch")
    assert np.array_equal(torch.tensor(a).mT.numpy(), Tensor(a).mT.data)


def test_new_empty_has_the_size_and_dtype_asked_for() -> None:
    x = Tensor(np.ones(2, np.float64))
    assert x.new_empty(3, 2).shape == (3, 2) and x.new_empty((3,)).dtype == np.float64
    assert x.new_empty(2, dtype=tg.int64).dtype == np.int64
    assert x.new_empty(2, requires_grad=True).requires_grad


def test_type_names_and_casts_as_pytorch() -> None:
    dtypes = [np.float16, np.float32, np.float64, np.int8, np.uint8, np.int16, np.int32,
              np.int64, np.bool_]
    names = [Tensor(np.zeros(2, d)).type() for d in dtypes]
    assert names[1] == "torch.FloatTensor" and names[-1] == "torch.BoolTensor"
    x = Tensor(np.ones(2, np.float32))
    assert x.type(tg.float64).dtype == np.float64
    assert x.type("torch.DoubleTensor").dtype == np.float64
    assert x.type(tg.IntTensor).dtype == np.int32
    assert x.type(tg.float32) is x
    with pytest.raises(tg.DTypeError, match="type: invalid type 'torch.Foo'"):
        x.type("torch.Foo")
    with pytest.raises(tg.ArgumentTypeError, match="type: expected a dtype"):
        x.type(Tensor)
    torch = pytest.importorskip("torch")
    tdtypes = [torch.float16, torch.float32, torch.float64, torch.int8, torch.uint8,
               torch.int16, torch.int32, torch.int64, torch.bool]
    assert names == [torch.zeros(2, dtype=d).type() for d in tdtypes]


def test_is_contiguous_and_contiguous_as_pytorch() -> None:
    a = np.arange(12.0).reshape(3, 4)
    views = {"x": lambda t: t, "t()": lambda t: t.t(), "cols": lambda t: t[:, ::2],
             "rows": lambda t: t[1:], "col": lambda t: t[:, 1], "t().contiguous()":
             lambda t: t.t().contiguous()}
    ours = {k: f(Tensor(a)).is_contiguous() for k, f in views.items()}
    assert ours == {"x": True, "t()": False, "cols": False, "rows": True, "col": False,
                    "t().contiguous()": True}
    x = Tensor(a)
    assert x.contiguous() is x
    y = x.t().contiguous()
    y[0, 0] = 100.0  # a copy: the base is untouched, as PyTorch's
    assert x.data[0, 0] == 0.0
    leaf = Tensor(a, requires_grad=True)
    (leaf.t().contiguous() * Tensor(np.arange(12.0).reshape(4, 3))).sum().backward()
    assert np.array_equal(leaf.grad.data, np.arange(12.0).reshape(4, 3).T)
    torch = pytest.importorskip("torch")
    assert ours == {k: f(torch.tensor(a)).is_contiguous() for k, f in views.items()}


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_unbind_gives_the_slices_and_their_gradients(dim: int) -> None:
    a = _rng(1).normal(size=(2, 3))
    x = Tensor(a, requires_grad=True)
    parts = x.unbind(dim)
    assert len(parts) == a.shape[dim]
    for i, part in enumerate(parts):
        assert np.array_equal(part.data, np.take(a, i, axis=dim))
    (parts[0] * 3 + parts[-1]).sum().backward()
    expected = np.zeros_like(a)
    np.moveaxis(expected, dim, 0)[0] += 3
    np.moveaxis(expected, dim, 0)[-1] += 1
    assert np.array_equal(x.grad.data, expected)
    assert [p.tolist() for p in tg.unbind(Tensor(a), dim)] == [p.tolist() for p in parts]
    with pytest.raises(tg.AxisError, match="unbind"):
        Tensor(np.float64(1.0)).unbind()
    with pytest.raises(tg.AxisError, match="unbind"):
        x.unbind(2)
    torch = pytest.importorskip("torch")
    assert [p.tolist() for p in torch.tensor(a).unbind(dim)] == [p.tolist() for p in parts]


@settings(max_examples=15, deadline=None)
@given(shapes=tst.broadcastable_shapes(3, max_dims=2, max_side=3), seed=st.integers(0, 99),
       value=st.sampled_from([1, 0.5, -2.0]))
def test_addcmul_and_addcdiv_gradients(shapes, seed, value) -> None:
    rng = _rng(seed)
    x, t1 = (Tensor(rng.normal(size=s), requires_grad=True) for s in shapes[:2])
    t2 = Tensor(rng.uniform(0.5, 2.0, size=shapes[2]) * rng.choice([-1, 1], size=shapes[2]),
                requires_grad=True)
    for name in ("addcmul", "addcdiv"):
        def f(a, b, c, name=name):
            return getattr(tg, name)(a, b, c, value=value)
        assert tg.gradcheck(f, [x, t1, t2])
        assert tg.gradgradcheck(f, [x, t1, t2])
        method = getattr(x, name)(t1, t2, value=value)
        expected = x.data + value * (t1.data * t2.data if name == "addcmul"
                                     else t1.data / t2.data)
        np.testing.assert_allclose(method.data, expected, rtol=1e-12)


def test_addcdiv_refuses_integer_division() -> None:
    ints = Tensor(np.array([1, 2]))
    with pytest.raises(tg.DTypeError, match="addcdiv: integer division"):
        Tensor(np.ones(2)).addcdiv(ints, ints)
    torch = pytest.importorskip("torch")
    with pytest.raises(RuntimeError):
        torch.ones(2).addcdiv(torch.tensor([1, 2]), torch.tensor([1, 2]))


def _inplace_pair(torch, name: str, make_args, seed: int = 0):
    """Run x = a * 1; x.name_(*args) in both libraries; compare values and gradients."""
    rng = _rng(seed)
    a = rng.normal(size=(3, 3))
    args = make_args(rng)
    ours_leaf = Tensor(a, requires_grad=True)
    ours = ours_leaf * 1
    version = ours._version
    ours_args = [Tensor(v, requires_grad=True) if isinstance(v, np.ndarray) else v
                 for v in args]
    out = getattr(ours, name)(*ours_args)
    assert out is ours and ours._version == version + 1
    (ours * Tensor(np.arange(9.0).reshape(3, 3))).sum().backward()
    if torch is None:
        return ours, ours_leaf
    their_leaf = torch.tensor(a, requires_grad=True)
    theirs = their_leaf * 1
    their_args = [torch.tensor(v, requires_grad=True) if isinstance(v, np.ndarray) else v
                  for v in args]
    getattr(theirs, name)(*their_args)
    (theirs * torch.arange(9.0, dtype=torch.float64).reshape(3, 3)).sum().backward()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_leaf.grad.data, their_leaf.grad.numpy(), rtol=1e-12)
    for o, t in zip(ours_args, their_args):
        if isinstance(o, Tensor):
            np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-12)
    return ours, ours_leaf


@pytest.mark.parametrize("name,make_args", [
    ("addcmul_", lambda r: [r.normal(size=3), r.normal(size=(3, 1))]),
    ("addcdiv_", lambda r: [r.normal(size=3), r.uniform(1, 2, size=(3, 3))]),
    ("lerp_", lambda r: [r.normal(size=(3, 3)), 0.3]),
    ("lerp_", lambda r: [r.normal(size=3), r.uniform(size=(3, 3))]),
    ("fill_diagonal_", lambda r: [2.5]),
])
def test_inplace_methods_match_pytorch(name, make_args) -> None:
    try:
        import torch
    except ImportError:
        torch = None
    _inplace_pair(torch, name, make_args)


@pytest.mark.parametrize("index,accumulate", [
    ((np.array([0, 2, 1]), np.array([1, 1, 0])), False),
    ((np.array([0, 2, 0]), np.array([1, 1, 1])), True),
    ((np.array([True, False, True]),), True),
    ((np.array([True, False, True]),), False),
])
def test_index_put_matches_pytorch(index, accumulate) -> None:
    rng = _rng(4)
    a = rng.normal(size=(3, 3))
    values = rng.normal(size=3)
    leaf, v = Tensor(a, requires_grad=True), Tensor(values, requires_grad=True)
    ours = leaf * 1
    ours.index_put_(tuple(Tensor(i) for i in index), v, accumulate=accumulate)
    weights = rng.normal(size=(3, 3))
    (ours * Tensor(weights)).sum().backward()
    torch = pytest.importorskip("torch")
    tleaf, tv = torch.tensor(a, requires_grad=True), torch.tensor(values, requires_grad=True)
    theirs = tleaf * 1
    theirs.index_put_(tuple(torch.tensor(i) for i in index), tv, accumulate=accumulate)
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.data, theirs.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(leaf.grad.data, tleaf.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.grad.data, tv.grad.numpy(), rtol=1e-12)


def test_index_put_gradients_and_refusals() -> None:
    x = Tensor(np.zeros(4), requires_grad=True)
    v = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 1
    y.index_put_((Tensor(np.array([1, 1])),), v, accumulate=True)
    assert y.tolist() == [0.0, 3.0, 0.0, 0.0]
    (y * Tensor(np.array([1.0, 2.0, 3.0, 4.0]))).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0, 4.0] and v.grad.tolist() == [2.0, 2.0]
    z = Tensor(np.zeros(4))
    with pytest.raises(tg.IndexOutOfRange, match="index_put_"):
        z.index_put_((Tensor(np.array([7])),), Tensor(np.array(1.0)))
    with pytest.raises(tg.ShapeError, match="index_put_: values of shape"):
        z.index_put_((Tensor(np.array([1])),), Tensor(np.ones(3)))
    with pytest.raises(tg.DTypeError, match="index_put_: index 0"):
        z.index_put_((Tensor(np.array([0.5])),), Tensor(np.array(1.0)))
    with pytest.raises(tg.ArgumentTypeError, match="index_put_: indices must be a tuple"):
        z.index_put_(Tensor(np.array([1])), Tensor(np.array(1.0)))
    with pytest.raises(tg.BackwardError, match="index_put_: a leaf"):
        Tensor(np.zeros(2), requires_grad=True).index_put_((Tensor(np.array([0])),),
                                                           Tensor(np.array(1.0)))


@pytest.mark.parametrize("shape,wrap", [((3, 4), False), ((4, 3), False), ((7, 3), True),
                                        ((7, 3), False), ((3, 3, 3), False)])
def test_fill_diagonal_as_pytorch(shape, wrap) -> None:
    ours = Tensor(np.zeros(shape)).fill_diagonal_(5.0, wrap=wrap)
    torch = pytest.importorskip("torch")
    theirs = torch.zeros(shape, dtype=torch.float64).fill_diagonal_(5.0, wrap=wrap)
    assert np.array_equal(ours.data, theirs.numpy())


def test_fill_diagonal_refuses_shapes_pytorch_refuses() -> None:
    with pytest.raises(tg.ShapeError, match="fill_diagonal_: needs at least 2 dims"):
        Tensor(np.zeros(3)).fill_diagonal_(1.0)
    with pytest.raises(tg.ShapeError, match="same length"):
        Tensor(np.zeros((2, 3, 3))).fill_diagonal_(1.0)


def test_apply_calls_the_function_per_element() -> None:
    assert Tensor(np.arange(3)).apply_(lambda v: v * 1.5).tolist() == [0, 1, 3]
    x = Tensor(np.array([1.0, 4.0]))
    assert x.apply_(math.sqrt) is x and x.tolist() == [1.0, 2.0]
    with pytest.raises(tg.BackwardError, match="apply_.*requires grad"):
        Tensor(np.ones(2), requires_grad=True).apply_(abs)
    with pytest.raises(tg.ArgumentTypeError, match="apply_: the function must return a real"):
        Tensor(np.ones(2)).apply_(lambda v: "a")
    with pytest.raises(tg.ArgumentTypeError, match="apply_: expects a function"):
        Tensor(np.ones(2)).apply_(3)
    torch = pytest.importorskip("torch")
    assert torch.arange(3).apply_(lambda v: v * 1.5).tolist() == [0, 1, 3]


def test_t_in_place_transposes_the_tensor_itself() -> None:
    x = Tensor(np.arange(6.0).reshape(2, 3))
    assert x.t_() is x and x.shape == (3, 2) and x._version == 1
    assert np.array_equal(x.data, np.arange(6.0).reshape(2, 3).T)
    leaf = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = leaf * 2
    y.t_()
    (y * Tensor(np.arange(6.0).reshape(3, 2))).sum().backward()
    assert np.array_equal(leaf.grad.data, 2 * np.arange(6.0).reshape(3, 2).T)
    with pytest.raises(tg.BackwardError, match="t_: a leaf"):
        Tensor(np.ones((2, 3)), requires_grad=True).t_()
    with pytest.raises(tg.ShapeError, match="t_: expects a tensor with at most 2 dims"):
        Tensor(np.ones((2, 3, 4))).t_()
    torch = pytest.importorskip("torch")
    t = torch.arange(6.0).reshape(2, 3)
    assert t.t_().tolist() == x.tolist() and t._version == 1


# ---------------------------------------------------------------- tg functions and modes


def test_inference_mode_records_nothing_as_no_grad() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    with tg.inference_mode():
        assert not (x * 2).requires_grad and tg.is_inference_mode_enabled()
    assert (x * 2).requires_grad and not tg.is_inference_mode_enabled()
    with tg.inference_mode(False):
        assert (x * 2).requires_grad

    @tg.inference_mode
    def bare(t):
        return (t * 2).requires_grad

    @tg.inference_mode()
    def called(t):
        return (t * 2).requires_grad

    assert not bare(x) and not called(x) and tg.is_grad_enabled()


def test_as_tensor_shares_memory_when_it_can() -> None:
    a = np.zeros(3, np.float32)
    shared = tg.as_tensor(a)
    a[0] = 7.0
    assert shared.data[0] == 7.0
    assert tg.as_tensor(a, dtype=tg.float32).data[0] == 7.0
    cast = tg.as_tensor(a, dtype=tg.float64)
    a[1] = 1.0
    assert cast.dtype == np.float64 and cast.data[1] == 0.0
    t = Tensor(np.ones(2))
    assert tg.as_tensor(t) is t and tg.as_tensor(t, dtype=tg.float64) is t
    assert tg.as_tensor([1, 2]).dtype == np.int64
    assert tg.as_tensor([1, 2], dtype=tg.float32).dtype == np.float32
    assert tg.as_tensor([1.5]).dtype == np.float32
    with pytest.raises(tg.DTypeError, match="as_tensor"):
        tg.as_tensor([1], dtype="complex")
    torch = pytest.importorskip("torch")
    assert torch.as_tensor([1, 2]).dtype == torch.int64


def test_legacy_typed_constructors() -> None:
    assert tg.FloatTensor([1, 2]).dtype == np.float32
    assert tg.LongTensor([1.5, 2]).tolist() == [1, 2]
    assert tg.DoubleTensor(2, 3).shape == (2, 3) and tg.IntTensor().shape == (0,)
    assert tg.FloatTensor(tg.Size([2, 3])).shape == (2, 3)
    assert tg.FloatTensor((2, 3)).tolist() == [2.0, 3.0]  # a tuple is data, as PyTorch's
    assert tg.BoolTensor([1, 0]).dtype == np.bool_ and tg.ByteTensor([1]).dtype == np.uint8
    assert tg.HalfTensor([1]).dtype == np.float16
    x = Tensor(np.ones(2, np.float32))
    assert isinstance(x, tg.FloatTensor) and not isinstance(x, tg.DoubleTensor)
    assert not isinstance(np.ones(2, np.float32), tg.FloatTensor)
    assert x.type(tg.LongTensor).dtype == np.int64
    with pytest.raises(tg.DTypeError, match="FloatTensor: expected a tensor of dtype"):
        tg.FloatTensor(Tensor(np.array([1, 2])))
    torch = pytest.importorskip("torch")
    assert torch.LongTensor([1.5, 2]).tolist() == [1, 2]
    assert torch.FloatTensor((2, 3)).tolist() == [2.0, 3.0]
    with pytest.raises(TypeError):
        torch.FloatTensor(torch.tensor([1, 2]))


@pytest.fixture
def _printoptions():
    yield
    tg.set_printoptions(profile="default")


def test_set_printoptions_changes_the_repr(_printoptions) -> None:
    x = Tensor(np.array([1.23456, 2.5], np.float32))
    assert "1.2346" in repr(x)
    tg.set_printoptions(precision=2)
    assert "1.23" in repr(x) and "1.2346" not in repr(x)
    tg.set_printoptions(sci_mode=True)
    assert "e+00" in repr(x)
    tg.set_printoptions(threshold=4, edgeitems=1)
    assert "..." in repr(tg.arange(10)) and "shape=(10,)" in repr(tg.arange(10))
    tg.set_printoptions(profile="full")
    assert "..." not in repr(tg.arange(100))
    tg.set_printoptions(profile="default")
    assert "1.2346" in repr(x) and "..." in repr(tg.arange(100))
    with pytest.raises(tg.ArgumentError, match="set_printoptions: profile"):
        tg.set_printoptions(profile="long")
    with pytest.raises(tg.ArgumentTypeError, match="set_printoptions: precision"):
        tg.set_printoptions(precision="3")
    with pytest.raises(tg.ArgumentError, match="set_printoptions: edgeitems"):
        tg.set_printoptions(edgeitems=-1)


def test_finfo_and_iinfo_as_pytorch() -> None:
    assert tg.finfo().dtype == "float32" and tg.finfo(tg.float64).bits == 64
    assert tg.iinfo(tg.int64).max == 2 ** 63 - 1 and tg.iinfo(tg.uint8).min == 0
    with pytest.raises(tg.DTypeError, match="finfo: needs a floating dtype"):
        tg.finfo(tg.int32)
    with pytest.raises(tg.DTypeError, match="iinfo: needs an integer dtype"):
        tg.iinfo(tg.float32)
    with pytest.raises(tg.DTypeError, match="iinfo: needs an integer dtype"):
        tg.iinfo(tg.bool)
    torch = pytest.importorskip("torch")
    for ours, theirs in [(tg.float16, torch.float16), (tg.float32, torch.float32),
                         (tg.float64, torch.float64)]:
        for name in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution",
                     "dtype"):
            assert getattr(tg.finfo(ours), name) == getattr(torch.finfo(theirs), name), name
    for ours, theirs in [(tg.int8, torch.int8), (tg.uint8, torch.uint8),
                         (tg.int32, torch.int32), (tg.int64, torch.int64)]:
        for name in ("bits", "max", "min", "dtype"):
            assert getattr(tg.iinfo(ours), name) == getattr(torch.iinfo(theirs), name), name


def test_constants() -> None:
    assert (tg.pi, tg.e, tg.inf) == (math.pi, math.e, math.inf) and math.isnan(tg.nan)
    assert Tensor(np.ones(3))[:, tg.newaxis].shape == (3, 1)


@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
def test_std_mean_and_var_mean_as_pytorch(name) -> None:
    a = _rng(2).normal(size=(3, 4))
    calls = [((), {}), ((1,), {}), ((1, False), {}), (((0, 1),), {"keepdim": True}),
             ((0,), {"correction": 0}), ((), {"dim": 1, "correction": 2, "keepdim": True})]
    for args, kwargs in calls:
        spread, mean = getattr(tg, name)(Tensor(a), *args, **kwargs)
        kind = name.split("_")[0]
        dim = kwargs.get("dim", args[0] if args else None)
        np.testing.assert_allclose(mean.data, a.mean(axis=dim, keepdims=kwargs.get(
            "keepdim", False)), rtol=1e-12)
        assert spread.shape == mean.shape
        ddof = 0 if len(args) > 1 and args[1] is False else kwargs.get("correction", 1)
        expected = np.var(a, axis=dim, ddof=ddof, keepdims=kwargs.get("keepdim", False))
        np.testing.assert_allclose(spread.data, expected if kind == "var" else np.sqrt(expected),
                                   rtol=1e-12)
    torch = pytest.importorskip("torch")
    for args, kwargs in calls:
        ours = getattr(tg, name)(Tensor(a), *args, **kwargs)
        theirs = getattr(torch, name)(torch.tensor(a), *args, **kwargs)
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.data, t.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- cdist


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.0, math.inf])
def test_cdist_values_and_gradients_match_pytorch(p) -> None:
    rng = _rng(3)
    a, b = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 5, 3))
    a[0, 0] = b[0, 0]  # one zero distance
    a[1, 1, 0] = b[1, 2, 0]  # one zero coordinate difference
    x1, x2 = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = tg.cdist(x1, x2, p=p)
    weights = rng.normal(size=out.shape)
    (out * Tensor(weights)).sum().backward()
    assert np.all(np.isfinite(x1.grad.data)) and np.all(np.isfinite(x2.grad.data))
    assert out.data[0, 0, 0] == 0.0
    torch = pytest.importorskip("torch")
    t1, t2 = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    theirs = torch.cdist(t1, t2, p=p, compute_mode="donot_use_mm_for_euclid_dist")
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(out.data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(x1.grad.data, t1.grad.numpy(), rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(x2.grad.data, t2.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_cdist_broadcasts_batch_axes() -> None:
    out = tg.cdist(Tensor(np.ones((2, 1, 2, 3))), Tensor(np.zeros((3, 4, 3))))
    assert out.shape == (2, 3, 2, 4) and np.allclose(out.data, math.sqrt(3))


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 999), p=st.sampled_from([1.0, 1.5, 2.0, 3.0]))
def test_cdist_gradcheck(seed, p) -> None:
    rng = _rng(seed)
    # coordinates on a grid of spacing 1 plus small noise: no difference near 0 (|.| kink)
    x1 = Tensor(rng.integers(0, 4, size=(3, 2)) + rng.uniform(0.1, 0.4, size=(3, 2)),
                requires_grad=True)
    x2 = Tensor(rng.integers(0, 4, size=(2, 2)) + rng.uniform(0.6, 0.9, size=(2, 2)),
                requires_grad=True)
    assert tg.gradcheck(lambda a, b: tg.cdist(a, b, p=p), [x1, x2])
    assert tg.gradgradcheck(lambda a, b: tg.cdist(a, b, p=p), [x1, x2])


def test_cdist_gradient_at_zero_distance_is_zero_to_second_order() -> None:
    x = Tensor(np.zeros((1, 2)), requires_grad=True)
    y = Tensor(np.zeros((1, 2)))
    (g,) = tg.grad(tg.cdist(x, y).sum(), x, create_graph=True)
    assert g.tolist() == [[0.0, 0.0]]
    (gg,) = tg.grad(g.sum(), x)
    assert np.all(np.isfinite(gg.data))


def test_cdist_refuses_bad_input() -> None:
    with pytest.raises(tg.ShapeError, match="cdist: x1 and x2 must have the same number of "
                                            "columns"):
        tg.cdist(tg.ones(2, 3), tg.ones(2, 4))
    with pytest.raises(tg.ShapeError, match="cdist: x1 must have at least 2 dims"):
        tg.cdist(tg.ones(3), tg.ones(3))
    with pytest.raises(tg.ArgumentError, match="cdist: p must be non-negative"):
        tg.cdist(tg.ones(2, 3), tg.ones(2, 3), p=-1)
    with pytest.raises(tg.DTypeError, match="cdist: x1 must be floating"):
        tg.cdist(Tensor(np.ones((2, 3), np.int64)), tg.ones(2, 3))
    with pytest.raises(tg.ShapeError, match="cdist: the batch axes"):
        tg.cdist(tg.ones(2, 2, 3), tg.ones(3, 2, 3))


# ---------------------------------------------------------------- autograd and func


def test_variable_is_a_leaf_sharing_memory() -> None:
    t = Tensor(np.ones(2))
    v = tg.autograd.Variable(t, requires_grad=True)
    assert v is not t and v.requires_grad and not t.requires_grad and v.is_leaf
    t.data[0] = 5.0
    assert v.data[0] == 5.0
    assert isinstance(t, tg.autograd.Variable) and not isinstance(3, tg.autograd.Variable)
    assert tg.autograd.Variable().shape == (0,)
    with pytest.warns(UserWarning, match="volatile"):
        tg.autograd.Variable(t, volatile=True)
    with pytest.raises(tg.ArgumentTypeError, match="Variable: data has to be a tensor"):
        tg.autograd.Variable([1.0])
    with pytest.raises(tg.DTypeError):
        tg.autograd.Variable(Tensor(np.array([1, 2])), requires_grad=True)
    torch = pytest.importorskip("torch")
    tt = torch.ones(2)
    tv = torch.autograd.Variable(tt, requires_grad=True)
    assert tv is not tt and tv.requires_grad and not tt.requires_grad


def _cubic(x):
    return (x ** 3).sum()


def _pair(a, b):
    return (a * a * b).sum()


def test_autograd_functional_as_pytorch() -> None:
    from tinygrad_bn.autograd.functional import jacobian  # the import path works too
    af = tg.autograd.functional
    assert jacobian is af.jacobian
    a = np.array([1.0, 2.0])
    x = Tensor(a)
    calls = {
        "vjp": lambda m, t: m.vjp(_cubic, t(a)),
        "vjp v": lambda m, t: m.vjp(lambda y: y ** 2, t(a), t(np.array([1.0, -1.0]))),
        "vjp tuple": lambda m, t: m.vjp(lambda p, q: (p * q, p), (t(a), t(a + 1)),
                                        (t(np.ones(2)), t(np.ones(2)))),
        "jvp": lambda m, t: m.jvp(lambda y: y ** 2, t(a), t(np.array([1.0, 3.0]))),
        "jvp None": lambda m, t: m.jvp(lambda y: y ** 2, t(np.array([3.0]))),
        "jacobian": lambda m, t: m.jacobian(lambda y: y ** 2, t(a)),
        "jacobian tuple": lambda m, t: m.jacobian(lambda y: (y ** 2, y.sum()), (t(a),)),
        "hessian": lambda m, t: m.hessian(_cubic, t(a)),
        "hessian tuple": lambda m, t: m.hessian(_pair, (t(a), t(a + 1))),
        "hvp": lambda m, t: m.hvp(_cubic, t(a), t(np.array([1.0, -2.0]))),
        "vhp": lambda m, t: m.vhp(_cubic, t(a), t(np.array([1.0, -2.0]))),
        "hvp tuple": lambda m, t: m.hvp(_pair, (t(a), t(a + 1)), (t(np.ones(2)), t(a))),
        "vhp tuple": lambda m, t: m.vhp(_pair, (t(a), t(a + 1)), (t(np.ones(2)), t(a))),
    }
    ours = {k: c(af, Tensor) for k, c in calls.items()}
    np.testing.assert_allclose(ours["vjp"][1].data, 3 * a ** 2)
    np.testing.assert_allclose(ours["hessian"].data, np.diag(6 * a))
    np.testing.assert_allclose(ours["vhp"][1].data, 6 * a * np.array([1.0, -2.0]))
    assert not ours["vjp"][0].requires_grad and not x.requires_grad
    torch = pytest.importorskip("torch")
    theirs = {k: c(torch.autograd.functional, lambda v: torch.tensor(v))
              for k, c in calls.items()}

    def flat(r):
        return [np.asarray(r.data if isinstance(r, Tensor) else r.numpy())] if not \
            isinstance(r, tuple | list) else [a for item in r for a in flat(item)]
    for k in calls:
        o, t = flat(ours[k]), flat(theirs[k])
        assert len(o) == len(t), k
        for p, q in zip(o, t):
            np.testing.assert_allclose(p, q, rtol=1e-12, err_msg=k)


def test_autograd_functional_refusals() -> None:
    af = tg.autograd.functional
    x = Tensor(np.ones(2))
    with pytest.raises(tg.ArgumentError, match="vjp: v can only be None"):
        af.vjp(lambda y: y ** 2, x)
    with pytest.raises(tg.ArgumentError, match="jvp: v can only be None"):
        af.jvp(lambda y: y ** 2, x)
    with pytest.raises(tg.ShapeError, match="hvp: v 0 has shape"):
        af.hvp(_cubic, x, Tensor(np.ones(3)))
    with pytest.raises(tg.ArgumentTypeError, match="inputs must be a Tensor or a tuple"):
        af.jacobian(lambda y: y, [x])
    with pytest.raises(tg.ArgumentError, match="jacobian: strategy"):
        af.jacobian(lambda y: y, x, strategy="bad")
    with pytest.raises(tg.UnsupportedError, match="create_graph=True is not supported"):
        af.jacobian(lambda y: y, x, create_graph=True)
    with pytest.raises(tg.UnsupportedError, match="strict=True"):
        af.vjp(_cubic, x, strict=True)
    with pytest.raises(tg.ShapeError, match="vhp: func must return a Tensor with one"):
        af.vhp(lambda y: y, x, x)


def test_func_grad_as_torch_func() -> None:
    from tinygrad_bn.func import grad, grad_and_value
    x = Tensor(np.array([1.0, 2.0]))
    assert grad(lambda y: (y ** 2).sum())(x).tolist() == [2.0, 4.0]
    gx, gy = grad(lambda p, q: (p * q).sum(), argnums=(0, 1))(x, Tensor(np.array([3.0, 4.0])))
    assert gx.tolist() == [3.0, 4.0] and gy.tolist() == [1.0, 2.0]
    g, aux = grad(lambda y: ((y ** 2).sum(), y + 1), has_aux=True)(x)
    assert g.tolist() == [2.0, 4.0] and aux.tolist() == [2.0, 3.0] and not aux.requires_grad
    g, (value, aux) = grad_and_value(lambda y: ((y ** 2).sum(), "tag"), has_aux=True)(x)
    assert float(value) == 5.0 and aux == "tag"
    assert float(grad(grad(lambda y: y ** 3))(Tensor(np.float64(2.0)))) == 12.0
    leaf = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    inner = grad(lambda y: (y ** 3).sum())(leaf)
    assert inner.requires_grad  # differentiable at a point that requires grad, as torch's
    inner.sum().backward()
    assert leaf.grad.tolist() == [6.0, 12.0]
    assert grad(lambda y: Tensor(np.float64(1.0)))(x).tolist() == [0.0, 0.0]
    with pytest.raises(tg.ShapeError, match="grad: func must return a scalar"):
        grad(lambda y: y)(x)
    with pytest.raises(tg.ArgumentError, match="grad: argnums 3"):
        grad(lambda y: y.sum(), argnums=3)(x)
    with pytest.raises(tg.DTypeError, match="grad: argument 0 must be floating"):
        grad(lambda y: y.sum())(Tensor(np.array([1, 2])))
    with pytest.raises(tg.ArgumentTypeError, match="grad: argnums must be"):
        grad(lambda y: y.sum(), argnums="0")
    torch = pytest.importorskip("torch")
    tx = torch.tensor([1.0, 2.0])
    assert torch.func.grad(lambda y: (y ** 2).sum())(tx).tolist() == [2.0, 4.0]
    assert float(torch.func.grad(torch.func.grad(lambda y: y ** 3))(torch.tensor(2.0))) == 12.0


def test_func_vmap_loops_and_stacks() -> None:
    from tinygrad_bn.func import vmap
    a, v = _rng(5).normal(size=(4, 3)), _rng(6).normal(size=3)
    out = vmap(lambda row, w: (row * w).sum(), in_dims=(0, None))(Tensor(a), Tensor(v))
    np.testing.assert_allclose(out.data, a @ v, rtol=1e-12)
    first, second = vmap(lambda col: (col * 2, col.sum()), in_dims=1, out_dims=(1, 0))(
        Tensor(a))
    np.testing.assert_allclose(first.data, a * 2)
    np.testing.assert_allclose(second.data, a.sum(axis=0))
    leaf = Tensor(a, requires_grad=True)
    vmap(lambda row: (row ** 2).sum())(leaf).sum().backward()
    np.testing.assert_allclose(leaf.grad.data, 2 * a)
    with pytest.raises(tg.ShapeError, match="vmap: the mapped dims must have the same size"):
        vmap(lambda p, q: p + q)(Tensor(np.ones((3, 2))), Tensor(np.ones((4, 2))))
    with pytest.raises(tg.ArgumentError, match="vmap: at least one argument must be mapped"):
        vmap(lambda p: p, in_dims=None)(Tensor(np.ones(2)))
    with pytest.raises(tg.UnsupportedError, match="randomness='same'"):
        vmap(lambda p: p, randomness="same")
    torch = pytest.importorskip("torch")
    theirs = torch.func.vmap(lambda row, w: (row * w).sum(), in_dims=(0, None))(
        torch.tensor(a), torch.tensor(v))
    np.testing.assert_allclose(out.data, theirs.numpy(), rtol=1e-12)


# ---------------------------------------------------------------- nn


def test_parameter_list_and_dict_register_parameters_as_pytorch() -> None:
    m = tg.nn.Module()
    m.pl = tg.nn.ParameterList([tg.nn.Parameter(tg.ones(2)), tg.ones(3)])
    m.pd = tg.nn.ParameterDict({"a": tg.nn.Parameter(tg.ones(1)), "b": tg.ones(2)})
    keys = list(m.state_dict())
    assert keys == ["pl.0", "pl.1", "pd.a", "pd.b"]
    assert all(isinstance(p, tg.nn.Parameter) and p.requires_grad for p in m.parameters())
    assert len(list(m.parameters())) == 4 and len(m.pl) == 2 and "a" in m.pd
    m.pl.append(tg.zeros(4))
    m.pd["c"] = tg.zeros(1)
    assert m.pl[-1].shape == (4,) and m.pd.get("c").shape == (1,)
    assert [k for k, _ in m.named_parameters()] == ["pl.0", "pl.1", "pl.2", "pd.a", "pd.b",
                                                    "pd.c"]
    opt = tg.optim.SGD(m.parameters(), lr=0.5)
    (m.pl[0].sum() + m.pd["a"].sum()).backward()
    opt.step()
    assert m.pl[0].tolist() == [0.5, 0.5] and m.pd["a"].tolist() == [0.5]
    held = tg.nn.ParameterList([3])  # PyTorch 2 keeps a non-tensor as a plain attribute
    assert held[0] == 3 and list(held.parameters()) == []
    with pytest.raises(tg.IndexOutOfRange, match="ParameterList: index 5"):
        m.pl[5]
    with pytest.raises(KeyError, match="ParameterDict: no entry 'z'"):
        m.pd["z"]
    torch = pytest.importorskip("torch")
    tm = torch.nn.Module()
    tm.pl = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(2)), torch.ones(3)])
    tm.pd = torch.nn.ParameterDict({"a": torch.nn.Parameter(torch.ones(1)), "b": torch.ones(2)})
    assert list(tm.state_dict()) == keys


def test_sequential_from_an_ordered_dict_names_its_children() -> None:
    from collections import OrderedDict
    net = tg.nn.Sequential(OrderedDict([("fc", tg.nn.Linear(2, 3)), ("act", tg.nn.ReLU())]))
    assert [n for n, _ in net.named_children()] == ["fc", "act"]
    assert list(net.state_dict()) == ["fc.weight", "fc.bias"]
    assert net.fc is net[0] and net(tg.ones(1, 2)).shape == (1, 3)
    with pytest.raises(tg.ArgumentTypeError, match="Sequential: argument 'x' is a int"):
        tg.nn.Sequential(OrderedDict([("x", 3)]))
    torch = pytest.importorskip("torch")
    tnet = torch.nn.Sequential(OrderedDict([("fc", torch.nn.Linear(2, 3)),
                                            ("act", torch.nn.ReLU())]))
    assert list(tnet.state_dict()) == list(net.state_dict())


def test_parameters_to_vector_and_back() -> None:
    from tinygrad_bn.nn.utils import parameters_to_vector, vector_to_parameters
    lin = tg.nn.Linear(2, 3)
    vec = parameters_to_vector(lin.parameters())
    assert vec.shape == (9,)
    np.testing.assert_array_equal(vec.data, np.concatenate([lin.weight.data.ravel(),
                                                            lin.bias.data]))
    vec.sum().backward()  # differentiable: each parameter gets ones
    assert lin.weight.grad.tolist() == [[1.0, 1.0]] * 3
    new = Tensor(np.arange(9.0, dtype=np.float32))
    vector_to_parameters(new, lin.parameters())
    assert lin.weight.tolist() == [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
    assert lin.bias.tolist() == [6.0, 7.0, 8.0]
    new.data[0] = 100.0  # the parameters view vec's memory, as PyTorch's
    assert lin.weight.data[0, 0] == 100.0
    with pytest.raises(tg.ShapeError, match="vector_to_parameters: vec must be 1-d with 9"):
        vector_to_parameters(Tensor(np.zeros(5, np.float32)), lin.parameters())
    with pytest.raises(tg.ArgumentTypeError, match="vector_to_parameters: vec must be a"):
        vector_to_parameters([0.0] * 9, lin.parameters())
    with pytest.raises(tg.ArgumentTypeError, match="parameters_to_vector: expects an iterable"):
        parameters_to_vector(lin.weight)
    torch = pytest.importorskip("torch")
    tlin = torch.nn.Linear(2, 3)
    assert torch.nn.utils.parameters_to_vector(tlin.parameters()).shape == (9,)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("side", ["right", "left"])
def test_pad_sequence_as_pytorch(batch_first, side) -> None:
    from tinygrad_bn.nn.utils.rnn import pad_sequence
    rng = _rng(7)
    arrays = [rng.normal(size=(n, 2)) for n in (4, 1, 2)]
    seqs = [Tensor(a, requires_grad=True) for a in arrays]
    out = pad_sequence(seqs, batch_first=batch_first, padding_value=-1.0, padding_side=side)
    assert out.shape == ((3, 4, 2) if batch_first else (4, 3, 2))
    weights = rng.normal(size=out.shape)
    (out * Tensor(weights)).sum().backward()
    for s, a in zip(seqs, arrays):
        assert s.grad.shape == a.shape
    torch = pytest.importorskip("torch")
    tseqs = [torch.tensor(a, requires_grad=True) for a in arrays]
    theirs = torch.nn.utils.rnn.pad_sequence(tseqs, batch_first=batch_first, padding_value=-1.0,
                                             padding_side=side)
    (theirs * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(out.data, theirs.detach().numpy())
    for s, t in zip(seqs, tseqs):
        np.testing.assert_array_equal(s.grad.data, t.grad.numpy())


def test_pad_sequence_refusals() -> None:
    from tinygrad_bn.nn.utils.rnn import pad_sequence
    with pytest.raises(tg.ShapeError, match="pad_sequence: received an empty list"):
        pad_sequence([])
    with pytest.raises(tg.ShapeError, match="pad_sequence: sequence 1 has shape"):
        pad_sequence([tg.ones(2, 3), tg.ones(1, 4)])
    with pytest.raises(tg.ArgumentError, match="pad_sequence: padding_side"):
        pad_sequence([tg.ones(2)], padding_side="middle")
    assert pad_sequence(Tensor(np.ones((2, 3)))).shape == (3, 2)  # a tensor: its rows


def test_pack_and_pad_round_trip() -> None:
    from tinygrad_bn.nn.utils.rnn import (
        PackedSequence,
        pack_padded_sequence,
        pack_sequence,
        pad_packed_sequence,
    )
    a = np.arange(12.0).reshape(3, 4, 1)  # batch_first: 3 sequences of up to 4 steps
    packed = pack_padded_sequence(Tensor(a), [2, 4, 1], batch_first=True, enforce_sorted=False)
    assert isinstance(packed, PackedSequence) and packed.batch_sizes.tolist() == [3, 2, 1, 1]
    assert packed.data.reshape(-1).tolist() == [4.0, 0.0, 8.0, 5.0, 1.0, 6.0, 7.0]
    assert packed.sorted_indices.tolist() == [1, 0, 2]
    padded, lengths = pad_packed_sequence(packed, batch_first=True, total_length=5)
    assert lengths.tolist() == [2, 4, 1] and padded.shape == (3, 5, 1)
    expected = np.zeros((3, 5, 1))
    for i, n in enumerate([2, 4, 1]):
        expected[i, :n] = a[i, :n]
    assert np.array_equal(padded.data, expected)
    seqs = pack_sequence([Tensor(np.ones((3, 2))), Tensor(np.ones((1, 2)))])
    assert seqs.batch_sizes.tolist() == [2, 1, 1] and seqs.sorted_indices is None
    with pytest.raises(tg.ArgumentError, match="must be sorted in decreasing order"):
        pack_padded_sequence(Tensor(a), [2, 4, 1], batch_first=True)
    with pytest.raises(tg.ArgumentError, match=r"every length must lie in \[1, 4\]"):
        pack_padded_sequence(Tensor(a), [2, 5, 1], batch_first=True, enforce_sorted=False)
    with pytest.raises(tg.ShapeError, match="expected 3 lengths"):
        pack_padded_sequence(Tensor(a), [2, 1], batch_first=True)
    with pytest.raises(tg.ArgumentError, match="total_length 2 is shorter"):
        pad_packed_sequence(packed, total_length=2)
    torch = pytest.importorskip("torch")
    theirs = torch.nn.utils.rnn.pack_padded_sequence(torch.tensor(a), [2, 4, 1],
                                                     batch_first=True, enforce_sorted=False)
    assert theirs.data.reshape(-1).tolist() == packed.data.reshape(-1).tolist()
    assert theirs.batch_sizes.tolist() == packed.batch_sizes.tolist()


@pytest.mark.parametrize("cls", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_layers_run_packed_sequences_as_pytorch(cls, bidirectional) -> None:
    from tinygrad_bn.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
    torch = _torch()
    theirs = getattr(torch.nn, cls)(3, 4, num_layers=2, bidirectional=bidirectional).double()
    ours = getattr(tg.nn, cls)(3, 4, num_layers=2, bidirectional=bidirectional,
                               dtype=tg.float64)
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    a = _rng(8).normal(size=(5, 3, 3))
    lengths = [2, 5, 3]
    x, tx = Tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, h = ours(pack_padded_sequence(x, lengths, enforce_sorted=False))
    tout, th = theirs(torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False))
    h, th = (h[0], th[0]) if cls == "LSTM" else (h, th)
    padded, got = pad_packed_sequence(out)
    tpadded, _ = torch.nn.utils.rnn.pad_packed_sequence(tout)
    assert got.tolist() == lengths
    np.testing.assert_allclose(padded.data, tpadded.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-10, atol=1e-12)
    (padded.sum() + h.sum()).backward()
    (tpadded.sum() + th.sum()).backward()
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ["addcmul_", "addcdiv_", "lerp_", "fill_diagonal_",
                                  "index_put_", "index_put_ accumulate", "t_"])
def test_inplace_methods_carry_forward_mode_tangents(name) -> None:
    rng = _rng(9)
    a, b, c = rng.normal(size=(3, 3)), rng.normal(size=(3, 3)), rng.uniform(1, 2, size=(3, 3))
    index = (Tensor(np.array([0, 2, 0])), Tensor(np.array([1, 1, 1])))
    inplace = {
        "addcmul_": lambda y, x: y.addcmul_(x, Tensor(b), value=0.5),
        "addcdiv_": lambda y, x: y.addcdiv_(x, Tensor(c)),
        "lerp_": lambda y, x: y.lerp_(x * x, 0.25),
        "fill_diagonal_": lambda y, x: y.fill_diagonal_(2.0),
        "index_put_": lambda y, x: y.index_put_(index, x[0] * 3),
        "index_put_ accumulate": lambda y, x: y.index_put_(index, x[0] * 3, accumulate=True),
        "t_": lambda y, x: y.t_(),
    }[name]

    def f(x):
        y = x * 2
        inplace(y, x)
        return y

    x, t = Tensor(a), Tensor(rng.normal(size=(3, 3)))
    _, tangent = tg.jvp(f, x, t)
    eps = 1e-6
    numerical = (f(Tensor(a + eps * t.data)).data - f(Tensor(a - eps * t.data)).data) / (2 * eps)
    np.testing.assert_allclose(tangent.data, numerical, rtol=1e-6, atol=1e-8)
