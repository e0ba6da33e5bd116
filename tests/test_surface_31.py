"""The surface added by surface31 (tensor_methods/stacking.py, calculus.py, positions.py,
pairs.py, choosing.py, attributes.py; tinygrad_bn/surface_functions.py): values and
gradients against PyTorch (skipped without it), gradients of every order in float64 on
Hypothesis values (reverse, forward mode, double backward), and bad input refused with a
project error naming the op.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
RNG = np.random.default_rng(31)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((3, 4))
V = RNG.standard_normal(5)
X = np.array([0.0, 0.5, 1.5, 1.75, 3.0])
C3 = RNG.standard_normal((2, 3, 4))
IDX = np.array([[0, 5, -1], [7, 2, 3]])


def _tg(a):
    return Tensor(a) if isinstance(a, np.ndarray) else a


def _torch(a):
    return torch.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a


# name -> (function of a namespace (tg or torch) and a converter, arrays)
VALUE_CASES = {
    "hstack": lambda m, c: m.hstack([c(A), c(B)]),
    "hstack_1d": lambda m, c: m.hstack([c(V), c(V[:2])]),
    "vstack": lambda m, c: m.vstack([c(A), c(A[0])]),
    "row_stack": lambda m, c: m.row_stack([c(A[0]), c(B[1])]),
    "dstack": lambda m, c: m.dstack([c(A), c(B)]),
    "column_stack": lambda m, c: m.column_stack([c(V[:3]), c(A), c(np.array(2.0))
                                                 .expand(3) if m is torch else
                                                 c(np.full(3, 2.0))]),
    "hsplit": lambda m, c: m.hsplit(c(A), 2),
    "hsplit_indices": lambda m, c: m.hsplit(c(A), [1, 3]),
    "vsplit": lambda m, c: c(C3).vsplit([1]),
    "dsplit": lambda m, c: m.dsplit(c(C3), 2),
    "split_with_sizes": lambda m, c: c(A).split_with_sizes([1, 3], 1),
    "trapezoid": lambda m, c: m.trapezoid(c(A)),
    "trapezoid_dx": lambda m, c: m.trapezoid(c(A), dx=0.5, dim=0),
    "trapezoid_x": lambda m, c: m.trapezoid(c(V), c(X)),
    "trapezoid_x_nd": lambda m, c: m.trapezoid(c(A), c(B), dim=0),
    "trapz": lambda m, c: m.trapz(c(A), c(np.arange(4.0))),
    "cumulative_trapezoid": lambda m, c: m.cumulative_trapezoid(c(A)),
    "cumulative_trapezoid_x": lambda m, c: m.cumulative_trapezoid(c(V), c(X)),
    "cumulative_trapezoid_dx": lambda m, c: m.cumulative_trapezoid(c(A), dx=2.0, dim=0),
    "gradient": lambda m, c: m.gradient(c(A)),
    "gradient_spacing": lambda m, c: m.gradient(c(A), spacing=[2.0, 0.5]),
    "gradient_edge2": lambda m, c: m.gradient(c(A), dim=1, edge_order=2),
    "gradient_coords": lambda m, c: m.gradient(c(V), spacing=(c(X),)),
    "gradient_coords_edge2": lambda m, c: m.gradient(c(V), spacing=(c(X),), edge_order=2),
    "combinations": lambda m, c: m.combinations(c(V[:4])),
    "combinations_r3": lambda m, c: m.combinations(c(V[:4]), r=3),
    "combinations_replacement": lambda m, c: m.combinations(c(V[:3]), with_replacement=True),
    "pdist": lambda m, c: m.pdist(c(A)),
    "pdist_1": lambda m, c: m.pdist(c(A), p=1),
    "pdist_inf": lambda m, c: m.pdist(c(A), p=math.inf),
    "renorm": lambda m, c: c(A).renorm(2, 0, 1.0),
    "renorm_p1_dim1": lambda m, c: m.renorm(c(A), 1, 1, 1.5),
    "as_strided": lambda m, c: m.as_strided(c(A), (3, 3), (1, 2), 1),
    "as_strided_windows": lambda m, c: c(V).as_strided((3, 3), (1, 1)),
    "put": lambda m, c: c(A).put(c(np.array([0, -1, 5])), c(np.array([1.0, 2.0, 3.0]))),
    "put_accumulate": lambda m, c: c(A).put(c(np.array([1, 1, 2])), c(np.array([1.0, 2.0, 3.0])),
                                            accumulate=True),
    "index_put": lambda m, c: m.index_put(c(A), (c(np.array([0, 2])), c(np.array([1, 3]))),
                                          c(np.array(9.0))),
    "index_put_accumulate": lambda m, c: c(A).index_put((c(np.array([0, 0])),),
                                                        c(np.ones(4)), accumulate=True),
    "slice_scatter": lambda m, c: m.slice_scatter(c(A), c(np.ones((3, 2))), 1, 0, 4, 2),
    "select_scatter": lambda m, c: m.select_scatter(c(A), c(np.ones(4)), 0, -1),
    "diagonal_scatter": lambda m, c: m.diagonal_scatter(c(A), c(np.ones(3)), 1),
    "diagonal_scatter_batch": lambda m, c: c(C3).diagonal_scatter(c(np.ones((2, 2))), -1, 1, 2),
    "unravel_index": lambda m, c: m.unravel_index(c(IDX), (2, 4)),
    "fmax": lambda m, c: m.fmax(c(np.array([1.0, np.nan, 2.0, np.nan])),
                                c(np.array([np.nan, 0.0, 3.0, np.nan]))),
    "fmin": lambda m, c: c(np.array([1.0, np.nan, 2.0])).fmin(c(np.array([np.nan, 0.0, 3.0]))),
    "isin": lambda m, c: m.isin(c(np.array([1, 2, 3, 4])), c(np.array([2, 4, 9]))),
    "isin_invert": lambda m, c: m.isin(c(np.array([1, 2])), 2, invert=True),
    "isneginf": lambda m, c: m.isneginf(c(np.array([-np.inf, np.inf, 1.0]))),
    "isposinf": lambda m, c: c(np.array([-np.inf, np.inf, np.nan])).isposinf(),
    "angle": lambda m, c: m.angle(c(np.array([-1.0, 0.0, 2.0, np.nan]))),
    "angle_int": lambda m, c: m.angle(c(np.array([-3, 4]))),
    "sum_to_size": lambda m, c: c(C3).sum_to_size(3, 1),
    "where_method": lambda m, c: c(A).where(c(A > 0), c(B)),
    "maximum_method": lambda m, c: c(A).maximum(c(B)),
    "logspace": lambda m, c: m.logspace(-1, 2, 5, base=2.0),
    "rsub": lambda m, c: m.rsub(c(A), 3.0, alpha=2),
    "hann_window": lambda m, c: m.hann_window(6),
    "hann_window_symmetric": lambda m, c: m.hann_window(6, periodic=False),
    "hamming_window": lambda m, c: m.hamming_window(7),
    "blackman_window": lambda m, c: m.blackman_window(5, False),
    "bartlett_window": lambda m, c: m.bartlett_window(5),
    "kaiser_window": lambda m, c: m.kaiser_window(6, True, 5.0),
    "window_of_one": lambda m, c: m.hann_window(1),
    "trapezoid_int": lambda m, c: m.trapezoid(c(np.array([1, 2, 4]))),
    "gradient_int": lambda m, c: m.gradient(c(np.array([1, 2, 4, 8]))),
}


def _as_numpy(out):
    if isinstance(out, tuple | list):
        return [_as_numpy(o) for o in out]
    return out.numpy() if hasattr(out, "numpy") else np.asarray(out)


@needs_torch
@pytest.mark.parametrize("name", sorted(VALUE_CASES))
def test_values_match_pytorch(name: str) -> None:
    call = VALUE_CASES[name]
    ours, theirs = _as_numpy(call(tg, _tg)), _as_numpy(call(torch, _torch))
    ours = ours if isinstance(ours, list) else [ours]
    theirs = theirs if isinstance(theirs, list) else [theirs]
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- gradients, every order

def _check(fn, *tensors) -> None:
    assert tg.gradcheck(fn, list(tensors))
    assert tg.gradgradcheck(fn, list(tensors))


def _leaf(array) -> Tensor:
    return Tensor(np.asarray(array, np.float64), requires_grad=True)


@settings(max_examples=6, deadline=None)
@given(data=st.data(), shape=tst.shapes(min_dims=2, max_dims=3, min_side=2, max_side=4))
def test_stacking_and_splitting_gradients(data, shape) -> None:
    a, b = (_leaf(data.draw(tst.arrays(shape))) for _ in range(2))
    _check(lambda p, q: tg.hstack([p, q]) * tg.vstack([q, p]).sum(), a, b)
    _check(lambda p, q: tg.dstack([p, q * q]), a, b)
    _check(lambda p: tg.column_stack([p.reshape(-1), p.reshape(-1)]) ** 2, a)
    _check(lambda p: p.hsplit([1])[1] * p.vsplit([1])[0].sum(), a)


@settings(max_examples=6, deadline=None)
@given(data=st.data(), shape=tst.shapes(min_dims=1, max_dims=3, min_side=3, max_side=5))
def test_trapezoid_and_gradient_gradients(data, shape) -> None:
    y = _leaf(data.draw(tst.arrays(shape)))
    n = shape[-1]
    steps = data.draw(tst.positive_arrays((n - 1,), min_value=0.2, max_value=2.0))
    x = _leaf(np.concatenate([[0.0], np.cumsum(steps)]))
    _check(lambda p, q: tg.trapezoid(p * p, q), y, x)
    _check(lambda p: tg.trapezoid(p * p, dx=0.3, dim=0), y)
    _check(lambda p, q: tg.cumulative_trapezoid(p.sin(), q), y, x)
    _check(lambda p: tg.cumulative_trapezoid(p * p, dx=2.0, dim=0), y)
    for order in (1, 2):
        _check(lambda p, k=order: tg.gradient(p * p, edge_order=k)[-1], y)
        _check(lambda p, q, k=order: tg.gradient(p * p, spacing=(q,), dim=-1, edge_order=k)[0],
               y, x)


@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_pairs_gradients(data) -> None:
    rows = _leaf(data.draw(tst.distinct_arrays((4, 3), gap=0.2)))
    for p in (1.5, 2):
        _check(lambda t, p=p: tg.pdist(t, p), rows)
    i, j = np.triu_indices(4, 1)
    top = np.sort(np.abs(rows.data[i] - rows.data[j]), axis=1)
    if np.min(top[:, -1] - top[:, -2]) > 1e-3:  # inf: the largest difference is one element
        _check(lambda t: tg.pdist(t, math.inf), rows)
    _check(lambda t: tg.combinations(t.reshape(-1)[:5], 3) ** 2, rows)
    # renorm: drawn away from the threshold so the scaled slices stay the scaled ones
    norms = np.linalg.norm(rows.data, axis=1)
    limit = float(np.median(norms))
    if np.min(np.abs(norms - limit)) > 0.05:
        _check(lambda t: t.renorm(2, 0, limit), rows)
    _check(lambda t: t.renorm(3, 1, 0.01), rows)


@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_position_gradients(data) -> None:
    x = _leaf(data.draw(tst.arrays((3, 4))))
    src = _leaf(data.draw(tst.arrays((3, 2))))
    _check(lambda t: t.as_strided((3, 3), (1, 1), 2) * t.as_strided((3, 3), (1, 1), 2), x)
    _check(lambda t, s: t.slice_scatter(s * s, 1, 1, None, 2), x, src)
    _check(lambda t, s: t.select_scatter(s.reshape(-1)[:4], 0, 1) ** 2, x, src)
    _check(lambda t, s: t.diagonal_scatter(s.reshape(-1)[:3], 1) ** 2, x, src)
    index = Tensor(np.array([0, 5, -1]))
    _check(lambda t, s: t.put(index, s.reshape(-1)[:3], accumulate=True) ** 2, x, src)
    _check(lambda t, s: t.put(index, s.reshape(-1)[:3]) * t, x, src)
    rows, cols = Tensor(np.array([0, 2, 0])), Tensor(np.array([1, 3, 1]))
    _check(lambda t, s: t.index_put((rows, cols), s[0, :1] * s[1, :1], accumulate=True) ** 2,
           x, src)


@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_choosing_gradients(data) -> None:
    x, y = (_leaf(a) for a in data.draw(st.tuples(
        *[tst.distinct_arrays((3, 4), gap=0.1)] * 2)))
    if np.min(np.abs(x.data - y.data)) < 0.05:
        return  # fmax's choice must not flip within the finite-difference step
    _check(lambda p, q: p.fmax(q) * p, x, y)
    _check(lambda p, q: tg.fmin(p, q) ** 2, x, y)
    _check(lambda p: p.sum_to_size(1, 4) ** 2, x)
    _check(lambda p, q: p.where(p > 0, q) ** 2, x, y)


@needs_torch
def test_gradients_match_pytorch() -> None:
    def both(fn_tg, fn_torch, *arrays):
        ours = [Tensor(a.copy(), requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        fn_tg(*ours).sum().backward()
        fn_torch(*theirs).sum().backward()
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12)

    both(lambda a: tg.pdist(a) ** 2, lambda a: torch.pdist(a) ** 2, A)
    both(lambda a: a.renorm(2, 1, 0.5), lambda a: a.renorm(2, 1, 0.5), A)
    both(lambda a, x: tg.trapezoid(a * a, x), lambda a, x: torch.trapezoid(a * a, x), V, X)
    both(lambda a, x: tg.gradient(a ** 3, spacing=(x,), edge_order=2)[0],
         lambda a, x: torch.gradient(a ** 3, spacing=(x,), edge_order=2)[0], V, X)
    both(lambda a: a.as_strided((2, 3), (2, 1)) ** 2,
         lambda a: a.as_strided((2, 3), (2, 1)) ** 2, A)
    both(lambda a, b: tg.fmax(a, b) * a, lambda a, b: torch.fmax(a, b) * a, A, B)
    both(lambda a: a.put(Tensor(np.array([1, 1])), Tensor(np.array([2.0, 3.0])),
                         accumulate=True) ** 2,
         lambda a: a.put(torch.tensor([1, 1]), torch.tensor([2.0, 3.0], dtype=torch.float64),
                         accumulate=True) ** 2, A)


def test_in_place_forms_write_into_x() -> None:
    x = Tensor(np.array([[3.0, 4.0], [0.3, 0.4]]))
    assert x.renorm_(2, 0, 1.0) is x
    np.testing.assert_allclose(x.data, [[0.6, 0.8], [0.3, 0.4]], rtol=1e-6)
    y = tg.zeros(2, 2)
    y.put_(Tensor(np.array([3])), tg.tensor([5.0]))
    assert y.tolist() == [[0.0, 0.0], [0.0, 5.0]]
    z = tg.tensor([-1.0, 2.0])
    assert tg.relu_(z) is z and z.tolist() == [0.0, 2.0]
    assert tg.zero_(z) is z and z.tolist() == [0.0, 0.0]


# ---------------------------------------------------------------- attributes and queries

def test_queries_answer_as_pytorch_cpu_tensors() -> None:
    x = tg.arange(6.0).reshape(2, 3)
    assert x.is_cpu and not x.is_sparse and not x.is_quantized and not x.is_meta
    assert x.layout == "strided" and x.get_device() == -1
    assert x.is_signed() and not tg.ones(2, dtype=tg.bool).is_signed()
    assert not tg.ones(2, dtype=tg.uint8).is_signed() and tg.is_signed(tg.ones(1))
    assert tg.tensor([2.0]).is_nonzero() and not tg.is_nonzero(tg.tensor(0))
    assert x.is_same_size(tg.zeros(2, 3)) and not tg.is_same_size(x, tg.zeros(3, 2))
    assert x.storage_offset() == 0 and x[1:].storage_offset() == 3
    assert x[:, 1:][1:].storage_offset() == 4
    assert x.conj() is x and x.resolve_conj() is x and x.real is x and tg.real(x) is x
    assert not x.is_conj() and not tg.is_neg(x) and x.resolve_neg() is x
    assert x.H.shape == (3, 2) and x.reshape(1, 2, 3).adjoint().shape == (1, 3, 2)
    assert x.byte().dtype == np.uint8 and x.char().dtype == np.int8
    assert x.short().dtype == np.int16
    assert x.new(2, 2).shape == (2, 2) and x.new([1, 2]).dtype == np.float32
    assert x.new().shape == (0,) and x.new(tg.Size([4])).shape == (4,)
    assert x.share_memory_() is x and not x.is_shared() and not x.is_pinned()
    assert not x.is_inference() and not tg.is_inference(x)
    y = x * 2
    assert not y.retains_grad
    w = Tensor(np.ones(2), requires_grad=True) * 2
    w.retain_grad()
    assert w.retains_grad
    assert tg.isreal(x).all().item()
    assert tg.concat([x, x]).shape == (4, 3)
    assert tg.amax(x, 1).tolist() == [2.0, 5.0] and tg.amin(x).item() == 0.0
    assert tg.swapaxes(x, 0, 1).shape == (3, 2) and not tg.detach(x).requires_grad
    assert tg.fill(x, 7.0).tolist() == [[7.0] * 3] * 2 and x[0, 0].item() == 0.0
    assert tg.scalar_tensor(3).dtype == np.float32 and tg.scalar_tensor(3).item() == 3.0
    assert tg.promote_types(tg.int32, tg.float32) == np.float32
    assert tg.can_cast(tg.int64, tg.uint8) and not tg.can_cast(tg.float64, tg.int32)
    assert tg.result_type(tg.ones(2, dtype=tg.int32), 1.0) == np.float32
    assert tg.result_type(tg.ones(2, dtype=tg.int32), tg.tensor(1)) == np.int32


def test_combinations_and_windows_edge_sizes() -> None:
    v = tg.tensor([1.0, 2.0])
    assert tg.combinations(v, 3).shape == (0, 3)
    assert tg.combinations(v, 0).shape == (0,)
    assert tg.hann_window(0).shape == (0,) and tg.pdist(tg.ones(1, 3)).shape == (0,)
    assert tg.trapezoid(tg.ones(2, 0)).tolist() == [0.0, 0.0]
    assert tg.cumulative_trapezoid(tg.ones(2, 1)).shape == (2, 0)


# ---------------------------------------------------------------- bad input

BAD = {
    "hstack": (lambda m, c: m.hstack(c(A)), tg.ArgumentTypeError, "hstack"),
    "vstack": (lambda m, c: m.vstack([c(A), c(V)]), tg.ShapeError, "concatenate"),
    "dstack": (lambda m, c: m.dstack([]), tg.ShapeError, "dstack"),
    "column_stack": (lambda m, c: m.column_stack([c(A), c(V)]), tg.ShapeError, "concatenate"),
    "row_stack": (lambda m, c: m.row_stack(5), tg.ArgumentTypeError, "row_stack"),
    "hsplit": (lambda m, c: m.hsplit(c(A), 3), tg.ArgumentError, "hsplit"),
    "vsplit": (lambda m, c: m.vsplit(c(V), 1), tg.ShapeError, "vsplit"),
    "dsplit": (lambda m, c: m.dsplit(c(A), 1), tg.ShapeError, "dsplit"),
    "split_with_sizes": (lambda m, c: c(A).split_with_sizes([1, 1]), tg.ShapeError, "split"),
    "trapezoid": (lambda m, c: m.trapezoid(c(V), c(X[:3])), tg.ShapeError, "trapezoid"),
    "trapz": (lambda m, c: m.trapz(c(np.array(1.0))), tg.ShapeError, "trapz"),
    "cumulative_trapezoid": (lambda m, c: m.cumulative_trapezoid(c(A), dim=2), tg.AxisError,
                             "cumulative_trapezoid"),
    "gradient": (lambda m, c: m.gradient(c(V[:2]), edge_order=2), tg.ShapeError, "gradient"),
    "gradient_spacing": (lambda m, c: m.gradient(c(A), spacing=[1.0, 2.0, 3.0]),
                         tg.ArgumentError, "gradient"),
    "gradient_edge_order": (lambda m, c: m.gradient(c(A), edge_order=3), tg.ArgumentError,
                            "gradient"),
    "combinations": (lambda m, c: m.combinations(c(A)), tg.ShapeError, "combinations"),
    "combinations_r": (lambda m, c: m.combinations(c(V), r=-1), tg.ArgumentError,
                       "combinations"),
    "pdist": (lambda m, c: m.pdist(c(C3)), tg.ShapeError, "pdist"),
    "pdist_p": (lambda m, c: m.pdist(c(A), p=-1.0), tg.ArgumentError, "pdist"),
    "pdist_int": (lambda m, c: m.pdist(c(np.ones((2, 2), np.int64))), tg.DTypeError, "pdist"),
    "renorm": (lambda m, c: m.renorm(c(A), -1, 0, 1.0), tg.ArgumentError, "renorm"),
    "renorm_maxnorm": (lambda m, c: c(A).renorm(2, 0, -1.0), tg.ArgumentError, "renorm"),
    "renorm_1d": (lambda m, c: c(V).renorm(2, 0, 1.0), tg.ShapeError, "renorm"),
    "renorm_": (lambda m, c: c(V).renorm_(2, 0, 1.0), tg.ShapeError, "renorm"),
    "as_strided": (lambda m, c: m.as_strided(c(V), (2, 2), (1, 1), 4), tg.ShapeError,
                   "as_strided"),
    "as_strided_stride": (lambda m, c: c(V).as_strided((2,), (-1,)), tg.ArgumentError,
                          "as_strided"),
    "as_strided_length": (lambda m, c: c(V).as_strided((2, 2), (1,)), tg.ShapeError,
                          "as_strided"),
    "put": (lambda m, c: c(V).put(c(np.array([5])), c(np.array([1.0]))), tg.IndexOutOfRange,
            "put_"),
    "put_dtype": (lambda m, c: c(V.astype(np.float32)).put(c(np.array([0])),
                                                             c(np.array([1.0]))),
                  tg.DTypeError, "put_"),
    "put_": (lambda m, c: c(V).put_(c(np.array([0], np.int32)), c(np.array([1.0]))),
             tg.DTypeError, "put_"),
    "put_count": (lambda m, c: c(V).put(c(np.array([0, 1])), c(np.array([1.0]))),
                  tg.ShapeError, "put_"),
    "index_put": (lambda m, c: m.index_put(c(V), (c(np.array([9])),), c(np.array(1.0))),
                  tg.IndexOutOfRange, "index_put"),
    "slice_scatter": (lambda m, c: m.slice_scatter(c(V), c(np.ones(3)), 0, 0, 2),
                      tg.ShapeError, "slice_scatter"),
    "select_scatter": (lambda m, c: m.select_scatter(c(A), c(np.ones(4)), 0, 5),
                       tg.IndexOutOfRange, "select_scatter"),
    "diagonal_scatter": (lambda m, c: m.diagonal_scatter(c(A), c(np.ones(3)), 2),
                         tg.ShapeError, "diagonal_scatter"),
    "unravel_index": (lambda m, c: m.unravel_index(c(np.array([1.0])), (2, 3)),
                      tg.DTypeError, "unravel_index"),
    "fmax": (lambda m, c: m.fmax(c(A), c(V)), tg.ShapeError, "fmax"),
    "fmin": (lambda m, c: c(A).fmin(c(C3[:, :2])), tg.ShapeError, "fmin"),
    "isin": (lambda m, c: m.isin(1, 2), tg.ArgumentTypeError, "isin"),
    "sum_to_size": (lambda m, c: c(A).sum_to_size(2, 2), tg.ShapeError, "sum_to_size"),
    "is_nonzero": (lambda m, c: c(V).is_nonzero(), tg.ShapeError, "is_nonzero"),
    "imag": (lambda m, c: c(V).imag, tg.UnsupportedError, "imag"),
    "H": (lambda m, c: c(V).H, tg.ShapeError, "H"),
    "adjoint": (lambda m, c: m.adjoint(c(V)), tg.ShapeError, "adjoint"),
    "conj_physical": (lambda m, c: m.conj_physical("a"), tg.TinygradError, "conj_physical"),
    "logspace": (lambda m, c: m.logspace(0, 1, -1), tg.ArgumentError, "linspace"),
    "hann_window": (lambda m, c: m.hann_window(-1), tg.ArgumentError, "hann_window"),
    "hamming_window": (lambda m, c: m.hamming_window(4, dtype=m.int64), tg.ArgumentError,
                       "hamming_window"),
    "blackman_window": (lambda m, c: m.blackman_window(2.5), tg.ArgumentError,
                        "blackman_window"),
    "bartlett_window": (lambda m, c: m.bartlett_window(-2), tg.ArgumentError,
                        "bartlett_window"),
    "kaiser_window": (lambda m, c: m.kaiser_window(-2), tg.ArgumentError, "kaiser_window"),
    "scalar_tensor": (lambda m, c: m.scalar_tensor("a"), tg.ArgumentTypeError,
                      "scalar_tensor"),
    "promote_types": (lambda m, c: m.promote_types(1, m.float32), tg.ArgumentTypeError,
                      "promote_types"),
    "can_cast": (lambda m, c: m.can_cast("float", m.float32), tg.ArgumentTypeError,
                 "can_cast"),
    "result_type": (lambda m, c: m.result_type(c(V), "a"), tg.ArgumentTypeError,
                    "result_type"),
    "rsub": (lambda m, c: m.rsub(c(A), c(V)), tg.ShapeError, "rsub"),
    "fill": (lambda m, c: m.fill(c(V), "a"), tg.TinygradError, "fill"),
}
# PyTorch accepts these: refused here on purpose, each for the reason given
OURS_ONLY = {
    "unravel_index_range": (lambda m, c: m.unravel_index(c(np.array([6])), (2, 3)),
                            tg.IndexOutOfRange, "unravel_index",
                            "PyTorch wraps an index past the end around silently (6 in a 2x3 "
                            "shape gives (0, 0)): a silently wrong coordinate"),
    "cuda": (lambda m, c: c(V).cuda(), tg.UnsupportedError, "cuda",
             "PyTorch built with CUDA would copy; a CPU-only build refuses (AssertionError)"),
    "bfloat16": (lambda m, c: c(V).bfloat16(), tg.DTypeError, "bfloat16",
                 "NumPy has no bfloat16, so the cast cannot be made"),
    "pin_memory": (lambda m, c: c(V).pin_memory(), tg.UnsupportedError, "pin_memory",
                   "PyTorch refuses too without an accelerator, with a RuntimeError"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_input_is_refused_with_a_project_error_as_pytorch(name: str) -> None:
    call, error, op = BAD[name]
    with pytest.raises(error, match=op):
        call(tg, _tg)
    if torch is not None:
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal of PyTorch's)
            call(torch, _torch)


@pytest.mark.parametrize("name", sorted(OURS_ONLY))
def test_refusals_of_our_own(name: str) -> None:
    call, error, op, why = OURS_ONLY[name]
    assert len(why) > 20
    with pytest.raises(error, match=op):
        call(tg, _tg)


IN_PLACE_FORMS = [
    'abs_', 'acos_', 'acosh_', 'arccos_', 'arccosh_', 'arcsin_', 'arcsinh_', 'arctan_',
    'arctanh_', 'as_strided_', 'asin_', 'asinh_', 'atan_', 'atanh_', 'ceil_', 'clamp_',
    'clamp_max_',
    'clamp_min_', 'clip_', 'conj_physical_', 'cos_', 'cosh_', 'deg2rad_', 'erf_', 'erfc_',
    'exp2_', 'exp_', 'expm1_', 'fill_', 'fix_', 'floor_', 'frac_', 'gcd_', 'i0_',
    'index_put_', 'lcm_', 'ldexp_', 'log10_', 'log1p_', 'log2_', 'log_', 'logit_',
    'nan_to_num_', 'neg_', 'negative_', 'rad2deg_', 'reciprocal_', 'relu_', 'round_',
    'resize_as_', 'rsqrt_', 'sigmoid_', 'sin_', 'sinc_', 'sinh_', 'sqrt_', 'square_', 'tan_',
    'tanh_', 'trunc_', 'xlogy_', 'zero_']


def test_the_in_place_forms_listed_are_all_there_are() -> None:
    assert IN_PLACE_FORMS == [n for n in tg.surface_functions.__all__ if n.endswith("_")]


@pytest.mark.parametrize("name", IN_PLACE_FORMS)
def test_in_place_function_forms_refuse_a_non_tensor(name: str) -> None:
    with pytest.raises(tg.ArgumentTypeError, match=f"{name}: writes into its input"):
        getattr(tg, name)([1.0, 2.0])
