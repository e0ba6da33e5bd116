"""The PyTorch surface against PyTorch itself (float64, Hypothesis-drawn inputs): forward
values and gradients of every new op, and the semantics of the non-differentiable ones.
Skipped when torch is not installed (CI never needs it)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

torch = pytest.importorskip("torch")


def same_as_torch(ours: Callable, theirs: Callable, arrays: list[np.ndarray],
                  seed: int = 0) -> None:
    """Forward values equal, and the gradients of <v, f(x)> for a random v."""
    xs = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    ts = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, expected = ours(*xs), theirs(*ts)
    assert out.shape == tuple(expected.shape)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    v = np.random.default_rng(seed).standard_normal(out.shape)
    grads = tg.grad(out, xs, grad_outputs=Tensor(v))
    expected_grads = torch.autograd.grad(expected, ts, grad_outputs=torch.tensor(v),
                                         allow_unused=True)
    for g, e in zip(grads, expected_grads):
        want = np.zeros(g.shape) if e is None else e.numpy()
        np.testing.assert_allclose(g.data, want, rtol=1e-10, atol=1e-12)


UNARY = {
    # name: (ours, PyTorch's, strategy of the input for a shape)
    "sin": (Tensor.sin, torch.sin, tst.arrays),
    "cos": (Tensor.cos, torch.cos, tst.arrays),
    "sign": (Tensor.sign, torch.sign, lambda s: tst.arrays(s, away_from=(0.0,))),
    "clone": (Tensor.clone, torch.clone, tst.arrays),
    "prod": (Tensor.prod, torch.prod, tst.arrays),
    "logsumexp": (lambda x: x.logsumexp(), lambda t: t.logsumexp(tuple(range(t.ndim))),
                  tst.arrays),
    "norm": (Tensor.norm, torch.norm, lambda s: tst.arrays(s, away_from=(0.0,), min_distance=.3)),
    "norm p=1": (lambda x: x.norm(1), lambda t: t.norm(1),
                 lambda s: tst.arrays(s, away_from=(0.0,))),
    "norm p=3": (lambda x: x.norm(3), lambda t: t.norm(3),
                 lambda s: tst.arrays(s, away_from=(0.0,), min_distance=0.3)),
    "norm p=inf": (lambda x: x.norm(float("inf")), lambda t: t.norm(float("inf")),
                   lambda s: tst.distinct_arrays(s).map(lambda a: a + np.sign(a) * 0.2)),
    "clamp": (lambda x: x.clamp(-1.0, 0.5), lambda t: t.clamp(-1.0, 0.5),
              lambda s: tst.arrays(s, away_from=(-1.0, 0.5))),
    "t": (Tensor.t, torch.t, lambda s: tst.arrays(tst.shapes(max_dims=2))),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_ops_equal_pytorchs(name: str, data: st.DataObject) -> None:
    ours, theirs, values = UNARY[name]
    same_as_torch(ours, theirs, [data.draw(values(tst.shapes()))])


@st.composite
def shape_and_axis(draw: st.DrawFn) -> tuple:
    shape = draw(tst.shapes(min_dims=1))
    return shape, draw(st.integers(-len(shape), len(shape) - 1)), draw(st.booleans())


@given(case=shape_and_axis(), data=st.data())
def test_reductions_along_dim_equal_pytorchs(case: tuple, data: st.DataObject) -> None:
    shape, dim, keep = case
    x = data.draw(st.one_of(tst.arrays(shape), hnp.arrays(np.float64, shape, elements=st.one_of(
        st.just(0.0), st.floats(-2, 2)))))  # with exact zeros, for prod
    same_as_torch(lambda t: t.prod(dim=dim, keepdim=keep), lambda t: t.prod(dim, keep), [x])
    same_as_torch(lambda t: t.cumsum(dim=dim), lambda t: t.cumsum(dim), [x])
    same_as_torch(lambda t: t.logsumexp(dim, keep), lambda t: t.logsumexp(dim, keep), [x])
    same_as_torch(lambda t: t.sum(dim=dim, keepdim=keep), lambda t: t.sum(dim, keep), [x])
    same_as_torch(lambda t: t.mean(dim=dim, keepdim=keep), lambda t: t.mean(dim, keep), [x])
    same_as_torch(lambda t: t.flip(dim), lambda t: t.flip(dim), [x])
    if shape[dim] > 1:
        spread = data.draw(tst.spread_arrays(shape, dim))
        c = data.draw(st.integers(0, 1))
        same_as_torch(lambda t: t.std(dim=dim, keepdim=keep, correction=c),
                      lambda t: t.std(dim, keepdim=keep, correction=c), [spread])
        same_as_torch(lambda t: t.var(dim, unbiased=True), lambda t: t.var(dim), [spread])
    away = data.draw(tst.arrays(shape, away_from=(0.0,), min_distance=0.3))
    same_as_torch(lambda t: t.norm(dim=dim, keepdim=keep), lambda t: t.norm(dim=dim, keepdim=keep),
                  [away])
    ours = tg.nn.functional.softmax(Tensor(x), dim=dim).data
    np.testing.assert_allclose(ours, torch.softmax(torch.tensor(x), dim).numpy(), rtol=1e-12)


@given(shapes=tst.broadcastable_shapes(3, max_dims=3), data=st.data())
def test_clamp_with_tensor_bounds_equals_pytorchs(shapes: tuple, data: st.DataObject) -> None:
    """Values on a grid of 1/8 and jittered by < 1/40: no ties; bounds may cross."""
    shapes = (np.broadcast_shapes(*shapes),) + shapes[1:]  # PyTorch keeps the input's shape
    x, lo, hi = (data.draw(hnp.arrays(np.int64, s, elements=st.integers(-16, 16))) / 8.0 +
                 data.draw(hnp.arrays(np.float64, s, elements=st.floats(-0.02, 0.02)))
                 + k / 24.0 for k, s in enumerate(shapes))
    same_as_torch(lambda a, b, c: a.clamp(b, c), lambda a, b, c: a.clamp(b, c), [x, lo, hi])
    same_as_torch(lambda a, b: a.clamp(min=b), lambda a, b: a.clamp(min=b), [x, lo])
    same_as_torch(lambda a, c: a.clamp(max=c), lambda a, c: a.clamp(max=c), [x, hi])


@given(shape=tst.shapes(min_dims=1), data=st.data())
def test_masked_fill_gather_repeat_equal_pytorchs(shape: tuple, data: st.DataObject) -> None:
    x = data.draw(tst.arrays(shape))
    mask = data.draw(hnp.arrays(np.bool_, shape[1:]))
    fill = np.array(data.draw(st.floats(-2, 2)))
    same_as_torch(lambda a, v: a.masked_fill(Tensor(mask), v),
                  lambda a, v: a.masked_fill(torch.tensor(mask), v), [x, fill])
    dim = data.draw(st.integers(0, len(shape) - 1))
    index_shape = tuple(data.draw(st.integers(1, 4)) if d == dim else data.draw(
        st.integers(1, n)) for d, n in enumerate(shape))
    index = data.draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, shape[dim] - 1)))
    same_as_torch(lambda a: a.gather(dim, Tensor(index)),
                  lambda a: a.gather(dim, torch.tensor(index)), [x])
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=len(shape),
                                    max_size=len(shape) + 1)))
    same_as_torch(lambda a: a.repeat(*reps), lambda a: a.repeat(*reps), [x])


@given(shape=tst.shapes(min_dims=1), data=st.data())
def test_split_and_chunk_give_pytorchs_pieces(shape: tuple, data: st.DataObject) -> None:
    x = data.draw(tst.arrays(shape))
    dim = data.draw(st.integers(0, len(shape) - 1))
    size, chunks = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    for ours, theirs in ((Tensor(x).split(size, dim), torch.tensor(x).split(size, dim)),
                         (Tensor(x).chunk(chunks, dim), torch.tensor(x).chunk(chunks, dim))):
        assert [p.shape for p in ours] == [tuple(p.shape) for p in theirs]
        for p, q in zip(ours, theirs):
            np.testing.assert_array_equal(p.data, q.numpy())


@pytest.mark.parametrize("spec", ["ij,jk->ik", "bij,bjk->bik", "ij->i", "ij->", "i,j->ij",
                                  "ij,jk", "ij,jk,kl->il", "...ij,...jk->...ik", "ijk->kji"])
@given(data=st.data())
def test_einsum_equals_pytorchs(spec: str, data: st.DataObject) -> None:
    sizes = {c: data.draw(st.integers(1, 3)) for c in "ijklb"}
    batch = (2,)
    operands = spec.split("->")[0].split(",")
    arrays = [data.draw(tst.arrays(batch * ("..." in s) + tuple(sizes[c] for c in
                                                              s.replace("...", ""))))
              for s in operands]
    same_as_torch(lambda *ts: tg.einsum(spec, *ts), lambda *ts: torch.einsum(spec, *ts), arrays)


@given(case=shape_and_axis(), data=st.data())
def test_queries_equal_pytorchs(case: tuple, data: st.DataObject) -> None:
    shape, dim, keep = case
    values = data.draw(hnp.arrays(np.float64, shape, elements=st.sampled_from(
        [-1.0, 0.0, 2.0, np.nan, np.inf])))  # ties everywhere: the first index must win
    finite = np.nan_to_num(values, nan=0.5, posinf=3.0)
    ours, theirs = Tensor(finite), torch.tensor(finite)
    for name in ("argmax", "argmin"):
        np.testing.assert_array_equal(getattr(ours, name)(dim=dim, keepdim=keep).data,
                                      getattr(theirs, name)(dim=dim, keepdim=keep).numpy())
        assert getattr(ours, name)().item() == getattr(theirs, name)().item()
    for name in ("any", "all"):
        np.testing.assert_array_equal(getattr(ours, name)(dim=dim, keepdim=keep).data,
                                      getattr(theirs, name)(dim=dim, keepdim=keep).numpy())
    for name in ("isnan", "isfinite", "isinf"):
        np.testing.assert_array_equal(getattr(Tensor(values), name)().data,
                                      getattr(torch, name)(torch.tensor(values)).numpy())
    assert Tensor(values).size() == tuple(torch.tensor(values).size())
    assert Tensor(values).size(dim) == torch.tensor(values).size(dim)
    assert Tensor(values).numel() == torch.tensor(values).numel()


_DTYPES = {np.float32: torch.float32, np.float64: torch.float64, np.int64: torch.int64,
           np.bool_: torch.bool, np.int32: torch.int32}


def _dtype_of(t: torch.Tensor) -> type:
    return {v: k for k, v in _DTYPES.items()}[t.dtype]


@pytest.mark.parametrize("make", [
    lambda m: m.tensor([1, 2]), lambda m: m.tensor([1.5]), lambda m: m.tensor([True, False]),
    lambda m: m.tensor(3), lambda m: m.zeros(2, 3), lambda m: m.ones((4,)),
    lambda m: m.full((2,), 7), lambda m: m.full((2,), 0.5), lambda m: m.full((1,), True),
    lambda m: m.arange(5), lambda m: m.arange(1, 7, 2), lambda m: m.arange(0, 1, 0.125),
    lambda m: m.arange(2.0), lambda m: m.eye(3),
    lambda m: m.eye(2, 4), lambda m: m.zeros_like(m.ones(2, dtype=m.float64)),
    lambda m: m.full_like(m.ones(2, dtype=m.int64), 3), lambda m: m.ones(2, 2).long(),
    lambda m: m.arange(4).float(), lambda m: m.arange(4).double(), lambda m: m.ones(3).bool(),
    lambda m: m.ones(3).to(m.int32), lambda m: m.tensor([1.7, -1.7]).long(),
], ids=lambda make: "")
def test_creation_gives_pytorchs_values_and_dtypes(make: Callable) -> None:
    ours, theirs = make(tg), make(torch)
    assert ours.dtype == _dtype_of(theirs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_linspace_equals_pytorchs_bit_for_bit() -> None:
    """PyTorch computes linspace in the output dtype with fused multiply-adds (its float32
    zero comes out as -3e-8): so does tinygrad_bn (fused_arithmetic)."""
    ours = tg.linspace(-1, 1, 7)
    assert ours.dtype == np.float32 and ours.data[3] == np.float32(-2.9802322e-08)
    np.testing.assert_array_equal(ours.data, torch.linspace(-1, 1, 7).numpy())


@pytest.mark.parametrize("call", [
    lambda m, x: x.new_zeros(2, 3), lambda m, x: x.new_ones((2,)), lambda m, x: x.new_full((2,), 7),
    lambda m, x: x.new_tensor([1, 2]), lambda m, x: x.new_zeros(2, dtype=m.int64),
    lambda m, x: m.arange(3).type_as(x), lambda m, x: x[:1].expand_as(x),
    lambda m, x: x.reshape(-1).view_as(x), lambda m, x: x.t().reshape_as(x),
], ids=lambda call: "")
def test_new_and_as_methods_equal_pytorchs(call: Callable) -> None:
    a = np.arange(6.0).reshape(2, 3)
    ours, theirs = call(tg, Tensor(a)), call(torch, torch.tensor(a))
    assert ours.dtype == _dtype_of(theirs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())
