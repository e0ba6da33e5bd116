"""What PyTorch's docstring examples (tests/test_torch_doc_examples_34.py) found missing or
wrong, each pinned on its own and compared with torch 2.13 where it is installed: view as
another dtype, out= on the module-level functions, inner of two vectors, cov of integers,
einsum's sublist form, repeat_interleave of counts, empty(memory_format=), strided and
permuted empties, frombuffer, DLPack, range, the *_copy functions, as_strided_scatter,
nonzero_static, histogramdd, vmap's in_dims matching a dict argument. Each failed before."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_bn as tg

try:
    import torch
except ImportError:  # the cross-checks skip; the checks of our own still run
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="torch not installed")

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


# ---- view(dtype) ----
@given(st.sampled_from(DTYPES), st.sampled_from(DTYPES),
       hnp.array_shapes(min_dims=1, max_dims=3, max_side=8), st.booleans())
def test_view_as_dtype_reads_the_same_bytes(src: str, dst: str, shape: tuple[int, ...],
                                            transposed: bool) -> None:
    array = np.arange(int(np.prod(shape)), dtype=np.int64).astype(src).reshape(shape)
    x = tg.tensor(array)
    if transposed and x.ndim > 1:
        x, array = x.mT, np.swapaxes(array, -1, -2)
    old, new = np.dtype(src).itemsize, np.dtype(dst).itemsize
    last = array.shape[-1]
    fits = old == new or ((array.strides[-1] == old or last == 1) and (last * old) % new == 0)
    if not fits:
        with pytest.raises(tg.ShapeError, match="view"):
            x.view(getattr(tg, dst))
        return
    y = x.view(getattr(tg, dst))
    expected = array.view(dst) if old == new else np.ascontiguousarray(array).view(dst)
    assert y.dtype == np.dtype(dst) and y.shape == expected.shape
    assert np.array_equal(y.numpy(), expected)


def test_view_as_dtype_shares_memory_and_never_requires_grad() -> None:
    x = tg.zeros(4, 4, requires_grad=True)
    y = x.detach().view(tg.int32)
    y[0, 0] = 1065353216  # the bits of 1.0f
    assert x[0, 0].item() == 1.0
    assert not x.view(tg.float32).requires_grad
    with pytest.raises(tg.ShapeError, match="0-d"):
        tg.tensor(1.0).view(tg.float16)


# ---- out= ----
def test_out_takes_the_result_resizes_and_casts() -> None:
    out = tg.zeros(2, 2)
    with pytest.warns(UserWarning, match="resized"):
        result = tg.add(tg.ones(3), 1, out=out)
    assert result is out and out.shape == (3,) and out.tolist() == [2.0, 2.0, 2.0]
    empty = tg.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning for an out without elements
        tg.mul(tg.ones(2), 3, out=empty)
    assert empty.tolist() == [3.0, 3.0]
    wide = tg.zeros(2, dtype=tg.float64)
    tg.add(tg.ones(2), 1, out=wide)
    assert wide.dtype == np.float64 and wide.tolist() == [2.0, 2.0]
    flags = tg.zeros(3, dtype=tg.int16)
    tg.logical_not(tg.tensor([0.0, 1.0, -10.0]), out=flags)
    assert flags.tolist() == [1, 0, 0]


def test_out_refuses_a_narrowing_cast_and_autograd() -> None:
    with pytest.raises(tg.DTypeError, match="can't be cast"):
        tg.add(tg.ones(2), 1, out=tg.zeros(2, dtype=tg.int64))
    a = tg.ones(2, requires_grad=True)
    with pytest.raises(tg.BackwardError, match="automatic differentiation"):
        tg.mul(a, 2, out=tg.zeros(2))
    out = tg.zeros(2)
    with tg.no_grad():
        tg.mul(a, 2, out=out)
    assert out.tolist() == [2.0, 2.0] and not out.requires_grad


def test_out_of_several_results_and_of_cat_stack() -> None:
    values, indices = tg.zeros(0), tg.zeros(0, dtype=tg.int64)
    result = tg.max(tg.tensor([[1.0, 3.0], [4.0, 2.0]]), 1, out=(values, indices))
    assert result.values is values and result.indices is indices
    assert values.tolist() == [3.0, 4.0] and indices.tolist() == [1, 0]
    out = tg.empty(0)
    assert tg.cat([tg.ones(2), tg.zeros(1)], out=out) is out and out.tolist() == [1, 1, 0]
    with pytest.warns(UserWarning, match="resized"):
        assert tg.stack([tg.ones(2)] * 2, out=out).shape == (2, 2)


# ---- small functions ----
def test_inner_of_vectors_and_cov_of_integers() -> None:
    assert tg.inner(tg.tensor([1, 2, 3]), tg.tensor([0, 2, 1])).item() == 7
    assert tg.inner(tg.tensor([1.0, 2.0]), tg.tensor([3.0, 4.0])).item() == 11.0
    c = tg.cov(tg.tensor([[0, 1, 2], [2, 1, 0]]))
    assert c.dtype == np.float32 and c.tolist() == [[1.0, -1.0], [-1.0, 1.0]]
    assert tg.corrcoef(tg.tensor([[0, 1, 2], [2, 1, 0]])).tolist() == [[1.0, -1.0], [-1.0, 1.0]]


def test_einsum_sublist_form() -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 4, 5))
    got = tg.einsum(tg.tensor(a), [..., 0, 1], tg.tensor(b), [..., 1, 2], [..., 0, 2])
    np.testing.assert_allclose(got.numpy(), a @ b, rtol=1e-12)
    assert tg.einsum(tg.tensor(a), [0, 1, 2], [2]).shape == (4,)
    with pytest.raises(tg.ArgumentError, match="sublist"):
        tg.einsum(tg.tensor(a), [0, 1, 99])


def test_repeat_interleave_of_counts_and_range() -> None:
    assert tg.repeat_interleave(tg.tensor([1, 2, 3])).tolist() == [0, 1, 1, 2, 2, 2]
    with pytest.warns(UserWarning, match="deprecated"):
        r = tg.range(0, 1, 0.3)
    np.testing.assert_allclose(r.numpy(), [0.0, 0.3, 0.6, 0.9], rtol=1e-6)
    with pytest.warns(UserWarning):
        assert tg.range(1, 4, dtype=tg.int64).tolist() == [1, 2, 3, 4]


def test_strided_and_permuted_empties() -> None:
    assert tg.empty(2, 3, 4, 5, memory_format=tg.channels_last).stride() == (60, 1, 15, 3)
    assert tg.empty_strided((2, 3), (1, 2)).stride() == (1, 2)
    assert tg.empty_permuted((2, 3, 5, 7), (0, 2, 3, 1)).stride() == (105, 1, 21, 3)
    assert tg.zeros(2, dtype=tg.int64).new_empty_strided((2, 3), (3, 1)).dtype == np.int64
    assert tg.empty(2, 3, 5, 7).transpose(1, 2).dim_order() == (0, 2, 1, 3)
    with pytest.raises(tg.ArgumentError, match="permutation"):
        tg.empty_permuted((2, 3), (0, 0))


def test_frombuffer_and_dlpack_share_memory() -> None:
    buffer = bytearray(np.array([1, 2, 3], np.int32).tobytes())
    t = tg.frombuffer(buffer, dtype=tg.int32, count=2, offset=4)
    assert t.tolist() == [2, 3]
    t[0] = 9
    assert np.frombuffer(buffer, np.int32).tolist() == [1, 9, 3]
    array = np.arange(4.0)
    shared = tg.from_dlpack(array)
    shared[0] = 7.0
    assert array[0] == 7.0
    back = tg.from_dlpack(tg.utils.dlpack.to_dlpack(shared))
    back[1] = 5.0
    assert array[1] == 5.0 and np.from_dlpack(shared)[1] == 5.0
    with pytest.raises(tg.BackwardError, match="detach"):
        tg.ones(2, requires_grad=True).__dlpack__()


@needs_torch
def test_dlpack_with_torch() -> None:
    theirs = torch.arange(3.0)
    ours = tg.from_dlpack(theirs)
    ours[1] = 7.0
    assert theirs.tolist() == [0.0, 7.0, 2.0]
    back = torch.from_dlpack(tg.arange(3.0))
    assert back.tolist() == [0.0, 1.0, 2.0]


# ---- *_copy, as_strided_scatter, nonzero_static, histogramdd ----
COPIES = [("view_copy", ([3, 2],)), ("t_copy", ()), ("permute_copy", ((1, 0),)),
          ("slice_copy", (1, 0, 2)), ("select_copy", (1, 0)), ("diagonal_copy", ()),
          ("transpose_copy", (0, 1)), ("unsqueeze_copy", (1,)), ("squeeze_copy", ()),
          ("alias_copy", ()), ("detach_copy", ()), ("expand_copy", ([2, 2, 3],)),
          ("unfold_copy", (1, 2, 1)), ("narrow_copy", (1, 1, 2)),
          ("as_strided_copy", ((2, 2), (1, 2)))]


@pytest.mark.parametrize("name, args", COPIES, ids=[c[0] for c in COPIES])
def test_copy_functions_give_the_view_in_new_memory(name: str, args: tuple) -> None:
    x = tg.arange(6.0).reshape(2, 3).requires_grad_()
    out = getattr(tg, name)(x, *args)
    assert out.is_contiguous()
    if name != "detach_copy":
        out.sum().backward()
        assert x.grad is not None
    if torch is not None:
        tx = torch.arange(6.0).reshape(2, 3).requires_grad_()
        expected = getattr(torch, name)(tx, *args)
        np.testing.assert_array_equal(out.detach().numpy(), expected.detach().numpy())
        if name != "detach_copy":
            expected.sum().backward()
            np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_split_and_unbind_copies() -> None:
    x = tg.arange(6.0).reshape(2, 3)
    assert [p.tolist() for p in tg.split_copy(x, 1)] == [[[0, 1, 2]], [[3, 4, 5]]]
    assert [p.tolist() for p in tg.unbind_copy(x, 1)] == [[0, 3], [1, 4], [2, 5]]
    assert tg.split_with_sizes_copy(x, [1, 2], 1)[1].tolist() == [[1, 2], [4, 5]]


def test_as_strided_scatter_values_and_gradients() -> None:
    a = tg.arange(9.0).reshape(3, 3).requires_grad_()
    b = tg.ones(2, 2, requires_grad=True)
    out = tg.as_strided_scatter(a, b * 2, (2, 2), (1, 2))
    assert out.tolist() == [[2, 2, 2], [2, 4, 5], [6, 7, 8]]
    (out * tg.arange(9.0).reshape(3, 3)).sum().backward()
    assert a.grad.tolist() == [[0, 0, 0], [0, 4, 5], [6, 7, 8]]
    assert b.grad.tolist() == [[0, 4], [2, 6]]
    with pytest.raises(tg.ShapeError, match="reach outside"):
        tg.as_strided_scatter(a, b, (2, 2), (4, 5))


def test_nonzero_static_and_histogramdd() -> None:
    rows = tg.nonzero_static(tg.tensor([[1, 0], [0, 1]]), size=3)
    assert rows.tolist() == [[0, 0], [1, 1], [-1, -1]]
    assert tg.nonzero_static(tg.tensor([1, 0, 1]), size=1, fill_value=5).tolist() == [[0]]
    points = tg.tensor([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0]])
    hist, edges = tg.histogramdd(points, bins=[3, 3], weight=tg.tensor([1.0, 2.0, 4.0, 8.0]))
    assert hist.tolist() == [[0, 1, 0], [2, 0, 0], [4, 0, 8]] and len(edges) == 2
    dense = tg.histogramdd(tg.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]), bins=[2, 2],
                           range=[0.0, 1.0, 0.0, 1.0], density=True)
    assert dense.hist.tolist() == [[2, 0], [0, 2]]


def test_vmap_in_dims_matching_a_dict() -> None:
    x, y = tg.randn(3, 5), tg.randn(5)
    got = tg.vmap(lambda d: tg.dot(d["x"], d["y"]), in_dims=({"x": 0, "y": None},))(
        {"x": x, "y": y})
    np.testing.assert_allclose(got.numpy(), x.numpy() @ y.numpy(), rtol=1e-5)
    with pytest.raises(tg.ArgumentTypeError, match="structure"):
        tg.vmap(lambda d: d["x"], in_dims=({"x": 0},))({"x": x, "y": y})


# ---- found by the examples of torch.nn, torch.func, torch.nn.utils.rnn ----
def test_sizes_may_be_one_element_integer_tensors() -> None:
    total = tg.tensor([1, 2, 3]).sum()  # a 0-d int64 tensor, as in nn.CTCLoss's example
    assert tg.randint(1, 3, size=(total,)).shape == (6,)
    assert tg.zeros(tg.tensor(2), 3).shape == (2, 3)
    assert tg.ones(6).view(tg.tensor(2), 3).shape == (2, 3)
    assert tg.zeros(tg.tensor([2])).shape == (2,)
    for bad in (2.0, True, tg.tensor(2.0)):
        with pytest.raises(tg.ShapeError, match="zeros"):
            tg.zeros(bad)


def test_sync_batch_norm_takes_five_dims_as_batch_norm_3d() -> None:
    x = tg.randn(4, 3, 2, 5, 6, dtype=tg.float64, requires_grad=True)
    for impl in ("fused", "composite"):
        sync, plain = tg.nn.SyncBatchNorm(3, impl=impl).double(), tg.nn.BatchNorm3d(3).double()
        y, z = sync(x), plain(x)
        np.testing.assert_allclose(y.detach().numpy(), z.detach().numpy(), atol=1e-12)
        gy = tg.autograd.grad((y * y * x).sum(), x)[0]
        gz = tg.autograd.grad((z * z * x).sum(), x)[0]
        np.testing.assert_allclose(gy.numpy(), gz.numpy(), atol=1e-12)


def test_linearize_is_the_jvp_at_the_point() -> None:
    x = np.random.default_rng(1).standard_normal(5)
    out, jvp_fn = tg.func.linearize(tg.sin, tg.tensor(x))
    np.testing.assert_allclose(out.numpy(), np.sin(x), rtol=1e-15)
    np.testing.assert_allclose(jvp_fn(tg.tensor(np.full(5, 2.0))).numpy(), 2 * np.cos(x),
                               rtol=1e-15)
    with pytest.raises(tg.DTypeError, match="dtype"):
        jvp_fn(tg.ones(5))  # float32 tangent of a float64 primal


def test_unpad_and_unpack_sequences_invert_pad_and_pack() -> None:
    from tinygrad_bn.nn.utils.rnn import (
        pack_sequence,
        pad_sequence,
        unpack_sequence,
        unpad_sequence,
    )
    seqs = [tg.tensor([1, 2, 3]), tg.tensor([4, 5]), tg.tensor([6])]
    assert [s.tolist() for s in unpack_sequence(pack_sequence(seqs))] == [[1, 2, 3], [4, 5], [6]]
    shuffled = [seqs[1], seqs[0], seqs[2]]
    assert [s.tolist() for s in unpack_sequence(pack_sequence(shuffled, enforce_sorted=False))] \
        == [[4, 5], [1, 2, 3], [6]]
    for batch_first in (False, True):
        padded = pad_sequence(seqs, batch_first=batch_first)
        back = unpad_sequence(padded, tg.tensor([3, 2, 1]), batch_first=batch_first)
        assert [s.tolist() for s in back] == [[1, 2, 3], [4, 5], [6]]


def test_poisson_of_a_0d_rate() -> None:
    """NumPy draws a Python int for a 0-d rate; tg.poisson raised a raw AttributeError
    (reported by dist34)."""
    tg.manual_seed(0)
    draw = tg.poisson(tg.tensor(2.0))
    assert draw.shape == () and draw.dtype == np.float32 and draw.item() >= 0
