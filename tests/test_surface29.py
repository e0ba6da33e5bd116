"""The surface added by surface29 besides the special functions: tensor_split, kron,
tril_indices, triu_indices, atleast_1d/2d/3d, nanmedian, frexp, sinc, logaddexp2 (and
logaddexp's equal infinities), positive, signbit, nextafter; and the ops that return inf
or NaN silently, as PyTorch's, instead of leaking NumPy's RuntimeWarning.

Expected values are written out or come from torch (skipped without it), never from the
code under test; gradients are checked in float64 in every order.
"""

from __future__ import annotations

import math
import warnings

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
NAN, INF = float("nan"), float("inf")


def test_tensor_split_by_sections_and_by_indices() -> None:
    x = tg.arange(10.0)
    assert [t.tolist() for t in tg.tensor_split(x, 3)] == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert [t.tolist() for t in x.tensor_split([1, 5, 20])] == [
        [0], [1, 2, 3, 4], [5, 6, 7, 8, 9], []]
    assert [t.tolist() for t in x.tensor_split(tg.tensor([2, 3]))] == [
        [0, 1], [2], [3, 4, 5, 6, 7, 8, 9]]
    assert [t.shape for t in tg.zeros(3, 4).tensor_split([3, 1], dim=1)] == [
        (3, 3), (3, 0), (3, 3)]
    assert [t.shape for t in tg.zeros(3, 4).tensor_split([-1], dim=1)] == [(3, 3), (3, 1)]
    with pytest.raises(tg.ArgumentError, match="tensor_split: number of sections"):
        x.tensor_split(0)
    with pytest.raises(tg.ShapeError, match="tensor_split: expected at least a 1-dim"):
        tg.tensor(1.0).tensor_split(1)
    with pytest.raises(tg.DTypeError, match="tensor_split: indices_or_sections must have"):
        x.tensor_split(tg.tensor([1.0]))


def test_kron_of_matrices_vectors_and_scalars() -> None:
    a = tg.tensor([[1, 2], [3, 4]])
    assert tg.kron(a, tg.ones(2, 2)).tolist() == [[1, 1, 2, 2], [1, 1, 2, 2],
                                                  [3, 3, 4, 4], [3, 3, 4, 4]]
    assert tg.kron(tg.tensor([1, 10]), tg.tensor([1, 2, 3])).tolist() == [
        1, 2, 3, 10, 20, 30]
    assert tg.kron(tg.ones(2, 3), tg.ones(4)).shape == (2, 12)
    assert tg.kron(tg.ones(2), tg.ones(3, 4, 5)).shape == (3, 4, 10)
    assert tg.kron(tg.tensor(2.0), tg.tensor(3.0)).item() == 6.0


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_kron_and_tensor_split_gradients(data) -> None:
    x = Tensor(data.draw(tst.arrays((2, 3))), requires_grad=True)
    y = Tensor(data.draw(tst.arrays((3, 2))), requires_grad=True)
    assert tg.gradcheck(lambda a, b: a.kron(b), [x, y])
    assert tg.gradgradcheck(lambda a, b: a.kron(b) * a.kron(b), [x, y])
    assert tg.gradcheck(lambda a: a.tensor_split(2, dim=1)[1] * 2, [x])


def test_triangle_indices_in_row_major_order() -> None:
    assert tg.tril_indices(3, 4, 1).tolist() == [[0, 0, 1, 1, 1, 2, 2, 2, 2],
                                                 [0, 1, 0, 1, 2, 0, 1, 2, 3]]
    assert tg.triu_indices(4, 3, -1).tolist() == [[0, 0, 0, 1, 1, 1, 2, 2, 3],
                                                  [0, 1, 2, 0, 1, 2, 1, 2, 2]]
    assert tg.tril_indices(0, 3).shape == (2, 0)
    assert tg.tril_indices(3, 3).dtype == np.int64
    assert tg.triu_indices(3, 3, dtype=tg.int32).dtype == np.int32
    with pytest.raises(tg.ArgumentError, match="tril_indices: row and col must be non-neg"):
        tg.tril_indices(-1, 3)
    with pytest.raises(tg.DTypeError, match="triu_indices: dtype must be int32 or int64"):
        tg.triu_indices(3, 3, dtype=tg.float32)


def test_atleast_nd_shapes_and_grouping() -> None:
    s, v, m = tg.tensor(1.0), tg.ones(3), tg.ones(2, 3)
    assert tg.atleast_1d(s).shape == (1,)
    assert tg.atleast_2d(v).shape == (1, 3)
    assert tg.atleast_3d(v).shape == (1, 3, 1)
    assert tg.atleast_3d(m).shape == (2, 3, 1)
    assert tg.atleast_3d(s).shape == (1, 1, 1)
    assert tg.atleast_1d(m) is m
    both = tg.atleast_2d(s, v)
    assert isinstance(both, tuple) and [t.shape for t in both] == [(1, 1), (1, 3)]
    assert [t.shape for t in tg.atleast_1d([s, v])] == [(1,), (3,)]
    with pytest.raises(tg.ArgumentTypeError, match="atleast_1d: expects tensors"):
        tg.atleast_1d(1.0)


def test_nanmedian_ignores_nans() -> None:
    x = tg.tensor([[1.0, NAN, 3.0, 2.0], [NAN, NAN, NAN, NAN], [4.0, 1.0, NAN, 2.0]])
    assert tg.nanmedian(x).item() == 2.0
    values, indices = x.nanmedian(1)
    assert values.tolist()[0] == 2.0 and np.isnan(values.tolist()[1])
    assert values.tolist()[2] == 2.0 and indices.tolist()[0] == 3 and indices.tolist()[2] == 3
    assert x.nanmedian(dim=0, keepdim=True).values.tolist() == [[1.0, 1.0, 3.0, 2.0]]
    assert np.isnan(tg.tensor([NAN, NAN]).nanmedian().item())
    assert tg.tensor([3, 1, 2]).nanmedian().item() == 2
    # the gradient goes to the median, split between ties, as PyTorch's
    y = Tensor(np.array([1.0, 1.0, NAN]), requires_grad=True)
    y.nanmedian().backward()
    assert y.grad.tolist() == [0.5, 0.5, 0.0]
    z = Tensor(x.data, requires_grad=True)
    z.nanmedian(1).values[[0, 2]].sum().backward()
    assert z.grad.tolist() == [[0, 0, 0, 1], [0, 0, 0, 0], [0, 0, 0, 1]]


def test_frexp_mantissa_exponent_and_gradient() -> None:
    x = Tensor(np.array([0.0, 1.0, -3.5, 1e-310, INF, NAN, 8.0]), requires_grad=True)
    mantissa, exponent = tg.frexp(x)
    assert exponent.dtype == np.int32
    assert exponent.tolist() == [0, 1, 2, -1029, 0, 0, 4]
    m = mantissa.data
    assert m[:3].tolist() == [0.0, 0.5, -0.875] and m[6] == 0.5 and m[4] == INF
    assert m[3] == math.ldexp(1e-310, 1029) and np.isnan(m[5])  # exact for a subnormal
    mantissa[[1, 2, 6]].sum().backward()
    assert x.grad.data[[1, 2, 6]].tolist() == [0.5, 0.25, 1 / 16]  # 2^-e
    assert tg.frexp(tg.tensor([1.0], dtype=tg.float16)).mantissa.dtype == np.float16
    with pytest.raises(tg.DTypeError, match="frexp: only supports floating-point"):
        tg.frexp(tg.tensor([1]))


def test_sinc_positive_signbit_nextafter() -> None:
    out = tg.sinc(tg.tensor([0.0, 0.5, 1.0, INF], dtype=tg.float64)).data
    assert out[0] == 1.0 and out[1] == pytest.approx(2 / np.pi, rel=1e-15)
    assert abs(out[2]) < 1e-16 and np.isnan(out[3])
    assert tg.sinc(tg.tensor([0, 1])).dtype == np.float32
    x = Tensor(np.array([0.0, 0.7, -1.5]), requires_grad=True)
    tg.sinc(x).sum().backward()
    assert x.grad.data[0] == 0.0  # the limit's slope, as PyTorch's
    ints = tg.tensor([1, 2])
    assert tg.positive(ints) is ints
    with pytest.raises(tg.DTypeError, match="positive: the `\\+` operator on a bool"):
        tg.positive(tg.tensor([True]))
    assert tg.signbit(tg.tensor([-0.0, 0.0, -1.0, NAN, -NAN])).tolist() == [
        True, False, True, False, True]
    assert tg.signbit(tg.tensor([-1, 2])).tolist() == [True, False]
    one = tg.tensor([1.0, 1.0], dtype=tg.float64)
    after = tg.nextafter(one, tg.tensor([2.0, 0.0], dtype=tg.float64)).data
    assert after.tolist() == [1 + 2.0 ** -52, 1 - 2.0 ** -53]
    assert tg.nextafter(tg.tensor([1.0]), tg.tensor([2.0], dtype=tg.float64)).dtype == np.float64
    with pytest.raises(tg.ArgumentTypeError, match="nextafter: other must be a Tensor"):
        tg.nextafter(one, 2.0)
    with pytest.raises(tg.DTypeError, match="nextafter: only supports floating"):
        tg.nextafter(tg.tensor([1]), tg.tensor([2]))
    a = Tensor(np.array([1.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 5.0]), requires_grad=True)
    tg.nextafter(a, b).sum().backward()
    assert a.grad.tolist() == [1.0, 1.0] and b.grad.tolist() == [0.0, 0.0]


def test_logaddexp_and_logaddexp2_of_equal_infinities_and_ints() -> None:
    # log(e^inf + e^inf) = inf, log(0 + 0) = -inf: no inf - inf NaN, as PyTorch
    x = tg.tensor([INF, -INF, 1.0])
    assert tg.logaddexp(x, x).tolist()[:2] == [INF, -INF]
    assert tg.logaddexp2(x, x).tolist()[:2] == [INF, -INF]
    assert tg.logaddexp2(tg.tensor([1.0]), tg.tensor([1.0])).item() == 2.0
    for name in ("logaddexp", "logaddexp2"):
        with pytest.raises(tg.DTypeError, match=f"{name}: only supports floating"):
            getattr(tg, name)(tg.tensor([1, 2]), tg.tensor([1, 2]))


@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_elementwise_gradients_of_every_order(data) -> None:
    x = Tensor(data.draw(tst.arrays((2, 3), away_from=(0.0,), min_distance=0.2)),
               requires_grad=True)
    y = Tensor(data.draw(tst.arrays((2, 3))), requires_grad=True)
    for fn in (lambda a, b: a.sinc() * b, lambda a, b: tg.logaddexp2(a, b)):
        assert tg.gradcheck(fn, [x, y])
        assert tg.gradgradcheck(fn, [x, y])
    # frexp between powers of two, where the mantissa is smooth
    z = Tensor(data.draw(tst.arrays((2, 3), min_value=1.05, max_value=1.95)), requires_grad=True)
    assert tg.gradcheck(lambda a, b: (a * 3).frexp().mantissa * b, [z, y])
    assert tg.gradgradcheck(lambda a, b: (a * 3).frexp().mantissa * b, [z, y])


@needs_torch
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_values_and_gradients_match_pytorch(data) -> None:
    x = data.draw(tst.arrays((2, 3), min_value=0.55, max_value=0.95))  # frexp: smooth here
    y = data.draw(tst.arrays((3, 2)))
    pairs = [(lambda a, b: a.kron(b) + 0 * b.sum(), lambda a, b: a.kron(b)),
             (lambda a, b: a.sinc() + a.logaddexp2(b.T) + a.frexp().mantissa,
              lambda a, b: a.sinc() + a.logaddexp2(b.T) + a.frexp().mantissa),
             (lambda a, b: tg.nanmedian(a) + a.nanmedian(1).values.sum() * b.sum(),
              lambda a, b: torch.nanmedian(a) + a.nanmedian(1).values.sum() * b.sum())]
    for ours, theirs in pairs:
        a, b = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
        ta, tb = torch.tensor(x, requires_grad=True), torch.tensor(y, requires_grad=True)
        out, want = ours(a, b), theirs(ta, tb)
        np.testing.assert_allclose(out.data, want.detach().numpy(), rtol=1e-12)
        out.sum().backward()
        want.sum().backward()
        np.testing.assert_allclose(a.grad.data, ta.grad.numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b.grad.data, tb.grad.numpy(), rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- no NumPy warnings

SILENT = {
    "log": lambda x: x.log(), "sqrt": lambda x: x.sqrt(), "pow": lambda x: x ** 0.5,
    "div by zero": lambda x: x / 0, "reciprocal": lambda x: x.reciprocal(),
    "asin": lambda x: (x * 2).asin(), "acosh": lambda x: x.acosh(),
    "atanh": lambda x: (x * 2).atanh(), "log2": lambda x: x.log2(),
    "log1p": lambda x: (x - 1).log1p(), "rsqrt": lambda x: x.rsqrt(),
    "exp overflow": lambda x: (x * 1000).exp(), "logit": lambda x: x.logit(),
    "xlogy": lambda x: x.xlogy(x), "int / 0": lambda x: tg.tensor([1, 0]) / 0,
    "log float32": lambda x: x.float().log(), "lgamma overflow to float32":
        lambda x: (x.float() * 1e38).lgamma(),
}


def _log_backward(x: Tensor) -> Tensor:
    leaf = Tensor(x.data, requires_grad=True)
    leaf.log().sum().backward()  # 1 / 0 in the backward too
    return leaf.grad


SILENT["log backward at 0"] = _log_backward


@pytest.mark.parametrize("name", list(SILENT))
def test_invalid_values_give_inf_or_nan_without_a_numpy_warning(name: str) -> None:
    x = tg.tensor([-1.0, 0.0, 2.0], dtype=tg.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any RuntimeWarning fails the test
        out = SILENT[name](x)
    assert not np.isfinite(out.data).all()


@needs_torch
def test_the_silent_values_are_pytorchs() -> None:
    x = np.array([-1.0, 0.0, 2.0])
    for ours, theirs in [(lambda t: t.log(), torch.log), (lambda t: t.sqrt(), torch.sqrt),
                         (lambda t: t / 0, lambda t: t / 0), (lambda t: (t * 2).asin(),
                                                              lambda t: (t * 2).asin())]:
        np.testing.assert_array_equal(ours(Tensor(x)).data, theirs(torch.tensor(x)).numpy())


# ---------------------------------------------------------------- bad input (a suite of
# tests/test_bad_input_surface.py's BAD_INPUT_SUITES): the project's error naming the op,
# where PyTorch refuses too

BAD = {
    "atleast_1d": (lambda: tg.atleast_1d(1.0), tg.ArgumentTypeError,
                   lambda: torch.atleast_1d(1.0)),
    "atleast_2d": (lambda: tg.atleast_2d([tg.ones(1), 2]), tg.ArgumentTypeError,
                   lambda: torch.atleast_2d([torch.ones(1), 2])),
    "atleast_3d": (lambda: tg.atleast_3d("a"), tg.ArgumentTypeError,
                   lambda: torch.atleast_3d("a")),
    "digamma": (lambda: tg.digamma(None), tg.DTypeError, lambda: torch.digamma(None)),
    "frexp": (lambda: tg.frexp(tg.tensor([1, 2])), tg.DTypeError,
              lambda: torch.frexp(torch.tensor([1, 2]))),
    "i0": (lambda: tg.i0(None), tg.DTypeError, lambda: torch.i0(None)),
    "kron": (lambda: tg.kron(tg.ones(2), "a"), tg.DTypeError,
             lambda: torch.kron(torch.ones(2), "a")),
    "lgamma": (lambda: tg.lgamma(None), tg.DTypeError, lambda: torch.lgamma(None)),
    "logaddexp2": (lambda: tg.logaddexp2(tg.ones(2), tg.ones(3)), tg.ShapeError,
                   lambda: torch.logaddexp2(torch.ones(2), torch.ones(3))),
    "mvlgamma": (lambda: tg.mvlgamma(tg.tensor([2.0]), 0), tg.ArgumentError,
                 lambda: torch.mvlgamma(torch.tensor([2.0]), 0)),
    "nanmedian": (lambda: tg.nanmedian(tg.ones(2), 3), tg.AxisError,
                  lambda: torch.nanmedian(torch.ones(2), 3)),
    "nextafter": (lambda: tg.nextafter(tg.ones(2), 1.0), tg.ArgumentTypeError,
                  lambda: torch.nextafter(torch.ones(2), 1.0)),
    "polygamma": (lambda: tg.polygamma(-1, tg.ones(2)), tg.ArgumentError,
                  lambda: torch.polygamma(-1, torch.ones(2))),
    "sinc": (lambda: tg.sinc(None), tg.DTypeError, lambda: torch.sinc(None)),
    "tensor_split": (lambda: tg.tensor_split(tg.ones(3), 0), tg.ArgumentError,
                     lambda: torch.tensor_split(torch.ones(3), 0)),
    "tril_indices": (lambda: tg.tril_indices(-1, 3), tg.ArgumentError,
                     lambda: torch.tril_indices(-1, 3)),
    "triu_indices": (lambda: tg.triu_indices(3, 3, dtype=tg.float32), tg.DTypeError,
                     lambda: torch.triu_indices(3, 3, dtype=torch.float32)),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_calls_raise_the_projects_error_as_pytorch_refuses(name: str) -> None:
    call, error, twin = BAD[name]
    with pytest.raises(error, match=name):
        call()
    if torch is not None:
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal of PyTorch's)
            twin()
