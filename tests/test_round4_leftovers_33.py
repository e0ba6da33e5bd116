"""The fourth fuzzing round's leftovers, each checked against PyTorch 2.13 (skipped without
torch): prelu's gradient with an infinite slope (where's backward selected by multiplying
with its mask, so 0 * inf from an unused branch became NaN), searchsorted with NaN in the
sorted sequence (PyTorch's binary search, not NumPy's NaN-last order), detach_ on a view
(refused, as PyTorch), slogdet's sign and vector_norm(x, 0) (step functions: in the graph,
requiring grad, with a zero gradient), and torch.result_type's three ranks."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg

torch = pytest.importorskip("torch")


def _grads(lib, x_values, w_values):
    x = lib.tensor(x_values, dtype=lib.float64, requires_grad=True)
    w = lib.tensor(w_values, dtype=lib.float64, requires_grad=True)
    y = lib.nn.functional.prelu(x, w)
    v = lib.tensor(np.linspace(-1.0, 1.5, len(x_values)), dtype=lib.float64)
    gx, gw = lib.autograd.grad((y * v).sum(), [x, w])
    return [np.asarray(t.detach().numpy() if lib is torch else t.data) for t in (y, gx, gw)]


@pytest.mark.parametrize("slope", [-math.inf, math.inf, 0.25])
def test_prelu_gradient_with_an_infinite_slope_is_pytorchs(slope: float) -> None:
    """Failed before: the input's gradient was NaN where x > 0 (its unused branch a * x
    sent 0 * inf there)."""
    xs = [-1.0, 2.0, 0.0, 3.5, -0.5]
    for got, want in zip(_grads(tg, xs, [slope]), _grads(torch, xs, [slope])):
        np.testing.assert_array_equal(got, want)


def test_where_backward_keeps_a_nan_out_of_the_branch_not_taken() -> None:
    """Failed before: g * mask turned an inf upstream gradient into NaN in the other
    branch; PyTorch's where selects."""
    for lib in (tg, torch):
        x = lib.tensor([1.0, -1.0], dtype=lib.float64, requires_grad=True)
        y = lib.tensor([2.0, 2.0], dtype=lib.float64, requires_grad=True)
        z = lib.where(lib.tensor([True, False]), x, y)
        gx, gy = lib.autograd.grad(z, [x, y], lib.tensor([math.inf, 1.0], dtype=lib.float64))
        assert gx.tolist() == [math.inf, 0.0] and gy.tolist() == [0.0, 1.0], lib.__name__


def test_where_double_backward_is_unchanged() -> None:
    x = tg.tensor([1.0, -2.0, 3.0], dtype=tg.float64, requires_grad=True)
    assert tg.gradcheck(lambda t: tg.where(t > 0, t * t, t ** 3), [x])
    assert tg.gradgradcheck(lambda t: tg.where(t > 0, t * t, t ** 3), [x])


_SORTED_WITH_NAN = st.lists(st.sampled_from([-1.0, 0.0, 1.0, 2.0, math.nan, math.inf]),
                            min_size=1, max_size=6)
_VALUES = st.lists(st.sampled_from([-2.0, -1.0, 0.5, 1.0, 3.0, math.nan, math.inf, -math.inf]),
                   min_size=1, max_size=5)


@given(seq=_SORTED_WITH_NAN, values=_VALUES, right=st.booleans(), rows=st.integers(0, 2))
def test_searchsorted_with_nan_in_the_sequence_is_pytorchs(seq, values, right, rows) -> None:
    """Failed before: NumPy's search orders NaN last ([1, 2, nan] with 3.0: 2, PyTorch 3)."""
    s = sorted(seq, key=lambda v: (math.isnan(v), v))  # sorted as torch.sort leaves it
    if rows:
        s_arr, v_arr = np.array([s] * rows), np.array([values] * rows)
    else:
        s_arr, v_arr = np.array(s), np.array(values)
    got = tg.searchsorted(tg.tensor(s_arr), tg.tensor(v_arr), right=right)
    want = torch.searchsorted(torch.tensor(s_arr), torch.tensor(v_arr), right=right)
    assert got.tolist() == want.tolist()


def test_searchsorted_with_nan_unsorted_placement_is_pytorchs() -> None:
    """A NaN not at the end reads as smaller than any value where the search meets it."""
    for seq in ([1.0, math.nan, math.nan], [math.nan, 1.0, 2.0], [0.0, math.nan, 2.0, 3.0]):
        for right in (False, True):
            vals = [0.5, 1.5, 3.0, math.nan, -math.inf]
            got = tg.searchsorted(tg.tensor(seq), tg.tensor(vals), right=right).tolist()
            assert got == torch.searchsorted(torch.tensor(seq), torch.tensor(vals),
                                             right=right).tolist(), (seq, right)


_VIEWS = {"x[:1]": lambda x: x[:1], "x.view(2, 1)": lambda x: x.view(2, 1),
          "x.t()": lambda x: x.t(), "x.expand(2, 2)": lambda x: x.expand(2, 2),
          "x[0]": lambda x: x[0], "x.reshape(2)": lambda x: x.reshape(2)}


@pytest.mark.parametrize("view", sorted(_VIEWS))
@pytest.mark.parametrize("grad", [True, False])
def test_detach_in_place_of_a_view_is_refused(view: str, grad: bool) -> None:
    """Failed before (accepted): PyTorch refuses detach_ on any view, of a tensor in the
    graph or not."""
    for lib in (torch, tg):
        x = lib.tensor([[1.0, 2.0]], requires_grad=grad) * 2
        with pytest.raises(RuntimeError, match="(?i)detach"):
            _VIEWS[view](x).detach_()


def test_detach_in_place_of_a_non_view_is_allowed() -> None:
    """The guards: a result, a clone and a detach() may be detached in place."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    for t in (x * 2, (x * 2).clone(), x.detach(), (x * 2).contiguous()):
        out = t.detach_()
        assert out is t and not t.requires_grad and t.grad_fn is None


def _slogdet_sign(lib):
    a = lib.tensor([[2.0, 1.0], [1.0, -3.0]], dtype=lib.float64, requires_grad=True)
    sign, logabsdet = lib.linalg.slogdet(a)
    (g,) = lib.autograd.grad((sign * 3 + logabsdet).sum(), a)
    return sign.requires_grad, sign.grad_fn is not None, sign.item(), g.tolist()


def test_slogdet_sign_requires_grad_with_a_zero_gradient() -> None:
    """Failed before: the sign was a constant, requires_grad False (PyTorch: True)."""
    assert _slogdet_sign(tg) == _slogdet_sign(torch)
    for spelling in (lambda t: t.slogdet(), lambda t: tg.slogdet(t)):
        a = tg.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=tg.float64, requires_grad=True)
        assert spelling(a)[0].requires_grad


def test_vector_norm_ord_0_requires_grad_with_a_zero_gradient() -> None:
    """Failed before: ord=0 (the count of nonzeros) dropped requires_grad; PyTorch keeps it
    (its gradient there is undefined: ours is 0, as for every step function)."""
    x = tg.tensor([[1.0, 0.0], [3.0, 4.0]], dtype=tg.float64, requires_grad=True)
    tx = torch.tensor([[1.0, 0.0], [3.0, 4.0]], dtype=torch.float64, requires_grad=True)
    for dim, keepdim in ((None, False), (1, True), ((0, 1), False)):
        ours, theirs = tg.linalg.vector_norm(x, 0, dim, keepdim), \
            torch.linalg.vector_norm(tx, 0, dim, keepdim)
        assert ours.requires_grad and theirs.requires_grad
        assert ours.tolist() == theirs.tolist() and ours.shape == tuple(theirs.shape)
        (g,) = tg.autograd.grad(ours.sum(), x)
        assert g.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_stepwise_tangent_and_second_derivative_are_zero() -> None:
    """The op behind both: forward mode gives a zero tangent, create_graph a zero
    second derivative."""
    x = tg.tensor([1.0, 0.0, -2.0], dtype=tg.float64, requires_grad=True)
    _, tangent = tg.func.jvp(lambda t: tg.linalg.vector_norm(t, 0) + t.sum(), (x,),
                             (tg.ones(3, dtype=tg.float64),))
    assert tangent.item() == 3.0  # the sum's tangent alone
    (g,) = tg.autograd.grad(tg.linalg.vector_norm(x, 0) * 2 + (x * x).sum(), x,
                            create_graph=True)
    (gg,) = tg.autograd.grad(g.sum(), x)
    assert g.tolist() == [2.0, 0.0, -4.0] and gg.tolist() == [2.0, 2.0, 2.0]


_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
_OPERANDS = [("tensor", d, s) for d in _DTYPES for s in ((), (2,))] + \
    [("number", v, None) for v in (True, 2, 2.5)]


def _operand(lib, spec):
    kind, what, shape = spec
    return what if kind == "number" else lib.zeros(shape, dtype=getattr(lib, what))


def test_result_type_is_pytorchs_for_every_pair() -> None:
    """Failed before: result_type read the first operand's dtype after coercion (bool
    matrix and 0-d int8: bool; 0-d int16 and an int64 matrix: int16)."""
    wrong = []
    for a, b in itertools.product(_OPERANDS, _OPERANDS):
        if a[0] == b[0] == "number":
            continue
        want = str(torch.result_type(_operand(torch, a), _operand(torch, b)))
        got = np.dtype(tg.result_type(_operand(tg, a), _operand(tg, b))).name
        if want.removeprefix("torch.") != got:
            wrong.append((a, b, got, want))
    assert not wrong, wrong[:5]


def test_result_type_of_numpy_scalars() -> None:
    """A NumPy scalar counts as a number of its kind (np.float64(1) with an int tensor:
    the default float, as torch.result_type of a Python float)."""
    t, tt = tg.zeros(2, dtype=tg.int32), torch.zeros(2, dtype=torch.int32)
    for number in (np.float64(1.5), np.int8(1)):  # (np.bool_: PyTorch says float32)
        want = str(torch.result_type(tt, number)).removeprefix("torch.")
        assert np.dtype(tg.result_type(t, number)).name == want, number


def test_prelu_unchanged_for_finite_slopes() -> None:
    """A guard: finite slopes give PyTorch's values and gradients, as before."""
    for w in ([0.25], [-1.5]):
        for got, want in zip(_grads(tg, [-1.0, 0.5, 0.0], w), _grads(torch, [-1.0, 0.5, 0.0], w)):
            np.testing.assert_allclose(got, want, rtol=1e-12)
