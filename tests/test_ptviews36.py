"""Views as PyTorch's test_view_ops.py, test_indexing.py and test_type_promotion.py expect
them, checked against torch: diagonal, unfold and as_strided share their base's memory
(writes reach it, also in the graph), as_strided_ re-strides in place, and the `*_copy`
functions take `axis=` for `dim=`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor

torch = pytest.importorskip("torch")


def _pair(shape: tuple[int, ...], seed: int = 0, grad: bool = False):
    values = np.random.default_rng(seed).normal(size=shape)
    return (Tensor(values.copy(), requires_grad=grad),
            torch.tensor(values.copy(), requires_grad=grad))


DIAGONALS = [((3, 3), {}), ((3, 4), {"offset": 1}), ((4, 3), {"offset": -2}),
             ((2, 3, 4), {"offset": 1, "dim1": 0, "dim2": 2}),
             ((2, 3, 4), {"offset": -1, "dim1": 2, "dim2": 1}), ((3, 3), {"offset": 5})]


@pytest.mark.parametrize(("shape", "kwargs"), DIAGONALS, ids=str)
def test_diagonal_is_a_view_writes_reach_the_base(shape, kwargs) -> None:
    ours, theirs = _pair(shape)
    for x, lib in ((ours, tg), (theirs, torch)):
        d = x.diagonal(**kwargs)
        d.mul_(-3).add_(1)
        lib.diagonal(x, **kwargs).sub_(0.5)  # the function too
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    d = ours.diagonal(**kwargs)
    assert d._base is ours and d._version == ours._version == theirs._version == 3
    assert d.stride() == theirs.diagonal(**kwargs).stride()
    if d.numel():  # (PyTorch's data_ptr of an empty tensor is 0)
        assert d.data_ptr() - ours.data_ptr() == \
            (theirs.diagonal(**kwargs).data_ptr() - theirs.data_ptr())


def test_linalg_diagonal_and_diagonal_of_a_view_write_through() -> None:
    ours, theirs = _pair((2, 3, 3))
    for x, lib in ((ours, tg), (theirs, torch)):
        lib.linalg.diagonal(x).fill_(7.0)
        x.mT.diagonal(1).zero_()  # a view of a view
        x[1].diagonal()[0] = -1.0  # item assignment into it
    np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_diagonal_write_in_the_graph_as_pytorch() -> None:
    """An in-place op through the diagonal of a non-leaf rewrites the base's graph (PyTorch's
    CopySlices): both the values and the gradients follow."""
    ours, theirs = _pair((4, 4), grad=True)
    outs = []
    for x in (ours, theirs):
        b = x * 2
        b.diagonal(1).mul_(x.diagonal(-1)).exp_()
        outs.append(b)
        (b ** 2).sum().backward()
    np.testing.assert_allclose(outs[0].data, outs[1].detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)
    # the other diagonal shares b's version counter: saved by mul_, then changed by exp_
    for x, error in ((ours, tg.BackwardError), (theirs, RuntimeError)):
        b = x * 2
        b.diagonal(1).mul_(b.diagonal(-1)).exp_()
        with pytest.raises(error, match="modified by an inplace operation"):
            b.sum().backward()


@settings(max_examples=8)
@given(n=st.integers(1, 4), m=st.integers(1, 4), offset=st.integers(-2, 2),
       seed=st.integers(0, 2**16))
def test_diagonal_write_in_the_graph_gradients(n, m, offset, seed) -> None:
    """Reverse mode, jvp and double backward of a function that writes through a diagonal."""
    x0 = np.random.default_rng(seed).uniform(-1, 1, size=(n, m))

    def f(x: Tensor) -> Tensor:
        b = x * x
        b.diagonal(offset).mul_(x.diagonal(offset).sin())
        return b

    x = Tensor(x0, requires_grad=True)
    assert tg.gradcheck(f, [x]) and tg.gradgradcheck(f, [x])


def test_unfold_is_a_view() -> None:
    ours, theirs = _pair((3, 7))
    for x in (ours, theirs):
        x.unfold(1, 2, 3).mul_(10)  # windows apart: each element at most once
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    u = ours.unfold(0, 2, 1)
    assert u._base is ours and u.stride() == theirs.unfold(0, 2, 1).stride()
    assert np.shares_memory(u.data, ours.data)


def test_unfold_write_in_the_graph() -> None:
    ours, theirs = _pair((2, 6), grad=True)
    for x in (ours, theirs):
        b = x + 1
        b.unfold(1, 2, 3).pow_(3)
        (b * b.detach()).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)


def test_overlapping_windows_refuse_a_write_in_the_graph() -> None:
    """One value written per memory element cannot follow two windows' gradients: refused
    (a wrong gradient otherwise); outside the graph the write reaches the memory."""
    x = Tensor(np.arange(6.0), requires_grad=True)
    with pytest.raises(tg.BackwardError, match="mul_.*overlapping windows"):
        (x * 1).unfold(0, 2, 1).mul_(2)
    with pytest.raises(tg.BackwardError, match="add_"):
        (x * 1).as_strided((2, 2), (1, 1)).add_(1)
    y = Tensor(np.zeros(4))
    y.unfold(0, 2, 1)[1, 0] = 5.0
    assert y.tolist() == [0.0, 5.0, 0.0, 0.0]


def test_as_strided_of_a_contiguous_tensor_is_a_view() -> None:
    ours, theirs = _pair((3, 4))
    for x in (ours, theirs):
        x.as_strided((2, 2), (4, 1), 5).neg_()
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    v = ours.as_strided((3,), (5,))
    assert v._base is ours and v.stride() == (5,)
    t = ours.mT  # not row-major: a copy of flat(x), which is no memory here
    assert not np.shares_memory(t.as_strided((2,), (1,)).data, ours.data)


def test_as_strided_write_in_the_graph() -> None:
    ours, theirs = _pair((12,), grad=True)
    for x in (ours, theirs):
        b = x * 3
        b.as_strided((2, 3), (6, 2), 1).sin_()
        (b ** 2).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)


def test_as_strided_in_place() -> None:
    ours, theirs = _pair((6,))
    for x in (ours, theirs):
        assert x.as_strided_((2, 2), (1, 2), 1) is x
    np.testing.assert_array_equal(ours.data, theirs.numpy())
    assert ours.stride() == theirs.stride() and ours._version == theirs._version == 1
    # in the graph: the gradient flows as through as_strided; on a leaf: refused
    a, ta = _pair((5,), grad=True)
    for x in (a, ta):
        b = x * 1
        b.as_strided_((2,), (2,), 1)
        (b * b).sum().backward()
    np.testing.assert_allclose(a.grad.data, ta.grad.numpy())
    with pytest.raises(tg.BackwardError, match="as_strided_"):
        a.as_strided_((2,), (1,))
    with pytest.raises(tg.UnsupportedError, match="as_strided_.*contiguous"):
        Tensor(np.ones((2, 3))).mT.as_strided_((2,), (1,))
    with pytest.raises(tg.ShapeError, match="as_strided"):
        Tensor(np.ones(4)).as_strided_((3,), (2,))


COPIES = [("slice_copy", (), {"axis": 1, "start": 1}), ("split_copy", (2,), {"axis": 1}),
          ("squeeze_copy", (), {"axis": 1}), ("unbind_copy", (), {"axis": 1}),
          ("unsqueeze_copy", (), {"axis": 2}), ("narrow_copy", (), {"axis": 2, "start": 1,
                                                                      "length": 2}),
          ("select_copy", (), {"axis": 0, "index": 1}),
          ("split_with_sizes_copy", ([1, 3],), {"axis": 2})]


@pytest.mark.parametrize(("name", "args", "kwargs"), COPIES, ids=[c[0] for c in COPIES])
def test_copy_functions_take_axis_for_dim(name, args, kwargs) -> None:
    ours, theirs = _pair((2, 1, 4))
    got, want = (getattr(lib, name)(x, *args, **kwargs) for lib, x in ((tg, ours),
                                                                       (torch, theirs)))
    got, want = (r if isinstance(r, tuple | list) else [r] for r in (got, want))
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g.data, w.numpy())
        assert not np.shares_memory(g.data, ours.data)
    with pytest.raises(tg.ArgumentError, match=f"{name}.*dim.*axis"):
        getattr(tg, name)(ours, *args, dim=0, **kwargs)


def test_view_is_always_a_new_tensor_an_alias() -> None:
    """view(its own shape) and view_as(x) are new tensors sharing x's memory: an in-place
    change of their sizes (t_, unsqueeze_, as_strided_) leaves x as it is."""
    for change, index, at in ((lambda v: v.t_(), (0, 1), (1, 0)),
                              (lambda v: v.swapdims_(0, 1), (0, 1), (1, 0)),
                              (lambda v: v.unsqueeze_(1), (0, 0, 1), (0, 1)),
                              (lambda v: v.as_strided_((25,), (1,)), 6, (1, 1))):
        for lib in (tg, torch):
            t = lib.ones(5, 5)
            v = change(t.view_as(t))
            v[index] = 0
            assert tuple(t.shape) == (5, 5) and float(t[at]) == 0.0
    x = tg.ones(2, 3)
    assert x.view(2, 3) is not x and x.view(2, 3)._base is x
    with pytest.raises(tg.ShapeError, match="view"):  # view_as is a view, not a reshape
        x.t().view_as(tg.ones(6))


def test_a_copy_by_reshape_is_no_view_of_its_input() -> None:
    """A transposed matrix reshaped is a copy: it does not share the input's version
    counter, so writing the input later does not fail a backward that saved the copy."""
    ours, theirs = _pair((2, 3), grad=True)
    for x in (ours, theirs):
        b = x * 1
        y = b.t().reshape(-1)
        loss = (y * y).sum()
        b.add_(1)
        loss.backward()
        assert y._version == 0 and getattr(y, "_base", None) is None
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy())


def test_ravel_is_a_view_or_a_row_major_copy() -> None:
    for make in (lambda lib: lib.ones(5, 5), lambda lib: lib.ones(5, 5).t(),
                 lambda lib: lib.ones(10)[::2], lambda lib: lib.tensor(123.0)):
        answers = []
        for lib in (tg, torch):
            s = make(lib)
            flat = s.ravel()
            answers.append((getattr(flat, "_base", None) is s, flat.is_contiguous()))
        assert answers[0] == answers[1]


def test_flip_copies_as_pytorch() -> None:
    for lib in (tg, torch):
        x = lib.zeros(3)
        for y in (x.flip(0), lib.fliplr(x.reshape(1, 3)), lib.flipud(x)):
            y.fill_(1.0)
        assert x.tolist() == [0.0, 0.0, 0.0]


def test_narrow_takes_a_0d_integer_tensor_start_only() -> None:
    x = tg.arange(9).reshape(3, 3)
    assert x.narrow(0, tg.tensor(1), 1).tolist() == [[3, 4, 5]]
    for bad in (tg.tensor([0]), tg.tensor(0.0), tg.tensor([0, 1])):
        with pytest.raises(RuntimeError, match="narrow"):
            x.narrow(0, bad, 1)


@pytest.mark.filterwarnings("ignore:adjoint.*deprecated")  # (PyTorch's, on a 0-d tensor)
def test_transposes_keywords_and_0d_adjoint_as_pytorch() -> None:
    for lib in (tg, torch):
        x = lib.ones(2, 3, 4)
        assert tuple(x.transpose(dim0=0, dim1=-1).shape) == (4, 3, 2)
        assert tuple(x.transpose(0, dim1=1).shape) == (3, 2, 4)
        assert tuple(lib.transpose(x, dim0=2, dim1=1).shape) == (2, 4, 3)
        assert tuple(x.swapaxes(axis0=0, axis1=1).shape) == (3, 2, 4)
        assert tuple(lib.swapaxes(x, axis0=2, axis1=0).shape) == (4, 3, 2)
        assert lib.tensor(2.0).adjoint().item() == 2.0
        with pytest.raises(RuntimeError):
            lib.ones(2).adjoint()


def test_broadcast_shapes_refuses_floats_with_pytorch_classes() -> None:
    for lib in (tg, torch):
        with pytest.raises(RuntimeError):
            lib.broadcast_shapes(1.1)
        for bad in ((1.0, 2.0), "ab"):
            with pytest.raises(TypeError):
                lib.broadcast_shapes(bad)
    with pytest.raises(tg.ArgumentError, match="broadcast_shapes.*1.1"):
        tg.broadcast_shapes((2,), 1.1)
    assert tg.broadcast_shapes(1, (3, 1), [2, 1, 1]) == (2, 3, 1)


def test_a_uint8_index_is_a_mask_as_pytorch() -> None:
    """PyTorch reads a uint8 index tensor as a boolean mask (deprecated, with a warning);
    NumPy would read it as the positions 0 and 1."""
    for lib in (tg, torch):
        v = lib.arange(15.0).reshape(5, 3)
        with pytest.warns(UserWarning, match="uint8"):
            got = v[lib.tensor([1, 0, 1, 1, 0], dtype=lib.uint8)]
        assert got.tolist() == [[0, 1, 2], [6, 7, 8], [9, 10, 11]]
        y = lib.ones(4, 4)
        with pytest.warns(UserWarning, match="uint8"):
            y.index_put_((lib.zeros(4, dtype=lib.uint8),), y[:0], accumulate=True)
        assert y.tolist() == [[1.0] * 4] * 4
    v = tg.arange(15.0).reshape(5, 3)  # (PyTorch's masked_fill_ refuses a scalar here)
    with pytest.warns(UserWarning, match="uint8"):
        v[:, tg.tensor([0, 1, 0], dtype=tg.uint8)] = -1.0
    assert v[:, 1].tolist() == [-1.0] * 5 and v[:, 0].tolist() == [0, 3, 6, 9, 12]


@pytest.mark.filterwarnings("ignore:.*non-tuple sequence")  # (the short list's, as PyTorch's)
def test_a_long_list_of_lists_is_one_array_index() -> None:
    """A list of sequences is read as a tuple of indices only below 32 items (PyTorch's
    legacy rule); from 32 on it is an integer array."""
    windows = [range(i, i + 10) for i in range(40)]
    for lib in (tg, torch):
        t = lib.arange(60.0)
        assert tuple(t[windows].shape) == (40, 10)
        assert tuple(t[windows[:32]].shape) == (32, 10)
        with pytest.raises(IndexError):
            t[windows[:31]]


def test_flip_without_dims_is_a_type_error_as_pytorch() -> None:
    for lib in (tg, torch):
        with pytest.raises(TypeError):
            lib.ones(2, 2).flip()
    with pytest.raises(tg.ArgumentTypeError, match="flip.*dims"):
        tg.ones(2).flip()


@pytest.mark.parametrize(("shape", "kwargs"), DIAGONALS[3:5], ids=str)
def test_diagonal_write_in_the_graph_of_more_dims(shape, kwargs) -> None:
    ours, theirs = _pair(shape, grad=True)
    for x in (ours, theirs):
        b = x * 1
        b.diagonal(**kwargs).mul_(3).sin_()
        (b ** 2).sum().backward()
    np.testing.assert_allclose(ours.grad.data, theirs.grad.numpy(), rtol=1e-12)


def test_a_0d_integer_tensor_index_selects_a_view() -> None:
    """x[torch.tensor(0)] is x[0], a view: a write through it reaches x (it was a copy,
    and the write was silently lost)."""
    for lib in (tg, torch):
        a = lib.zeros(2, 3)
        zero, one = lib.tensor(0), lib.tensor(1)
        a[zero][1] = 5.0
        a[one, zero] = 7.0
        a[1][one.int()] += 1.0
        assert a.tolist() == [[0.0, 5.0, 0.0], [7.0, 1.0, 0.0]]
        assert a[0, 1].data_ptr() == a[zero, one].data_ptr()
        with pytest.raises(IndexError):
            lib.tensor(2.0)[zero]
    x = Tensor(np.arange(3.0), requires_grad=True)
    (x[tg.tensor(2)] * 3).backward()
    assert x.grad.tolist() == [0.0, 0.0, 3.0]
