"""What the OpInfo gradient sweep (tests/test_opinfo_grads_35.py) found wrong, pinned:
each test failed before its fix and compares with torch 2.13 in float64 (gradients also
with central differences where they are not zero by construction).

A result that does not depend on an input is still a result of it for autograd in
PyTorch: torch.fill, matrix_power(A, 0) and lstsq's empty residuals require grad when an
input does, so `backward` through them runs and gives zeros. Ours returned tensors that
did not require grad, and backward refused (RuntimeError) where PyTorch's works.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg

torch = pytest.importorskip("torch")

shapes = st.lists(st.integers(1, 4), min_size=0, max_size=3).map(tuple)


def _central(f, x: np.ndarray, v: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The gradient of <f(x), v> by central differences, element by element."""
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[i] = eps
        out[i] = ((f(x + step) - f(x - step)) * v).sum() / (2 * eps)
    return out


@given(shapes, st.one_of(st.booleans(), st.floats(-5, 5)), st.integers(0, 2 ** 16))
def test_fill_is_a_result_of_its_input_and_value(shape, value, seed) -> None:
    rng = np.random.default_rng(seed)
    x, v = rng.standard_normal(shape), rng.standard_normal(shape)
    ours = tg.fill(tg.tensor(x, requires_grad=True), value)
    theirs = torch.fill(torch.tensor(x, requires_grad=True), value)
    assert ours.requires_grad and theirs.requires_grad
    ours.backward(tg.tensor(v))  # (raised: does not require grad)
    # a 0-d value tensor gets the gradient summed, as torch's
    xs, ys = tg.tensor(x, requires_grad=True), tg.tensor(np.float64(value), requires_grad=True)
    gx, gy = tg.autograd.grad(tg.fill(xs, ys), [xs, ys], tg.tensor(v))
    tx, ty = torch.tensor(x, requires_grad=True), torch.tensor(float(value), dtype=torch.float64,
                                                               requires_grad=True)
    want = torch.autograd.grad(torch.fill(tx, ty), [tx, ty], torch.tensor(v))
    np.testing.assert_array_equal(gx.numpy(), want[0].numpy())
    np.testing.assert_allclose(gy.numpy(), want[1].numpy(), rtol=1e-12)
    np.testing.assert_allclose(gy.numpy(), v.sum(), rtol=1e-12)


def test_fill_refuses_a_value_of_more_than_0_dims() -> None:
    with pytest.raises(tg.ArgumentError, match="fill: only a 0-d value"):
        tg.fill(tg.zeros(3), tg.ones(2))


@given(st.lists(st.integers(0, 3), max_size=2).map(tuple), st.integers(1, 3),
       st.integers(0, 2 ** 16))
def test_matrix_power_zero_is_a_result_of_a(batch, n, seed) -> None:
    a = np.random.default_rng(seed).standard_normal((*batch, n, n))
    ours = tg.linalg.matrix_power(tg.tensor(a, requires_grad=True), 0)
    theirs = torch.linalg.matrix_power(torch.tensor(a, requires_grad=True), 0)
    assert ours.requires_grad and theirs.requires_grad
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    x = tg.tensor(a, requires_grad=True)
    (g,) = tg.autograd.grad(x.matrix_power(0).sum(), [x])
    np.testing.assert_array_equal(g.numpy(), np.zeros_like(a))
    # and n != 0 unchanged: against central differences
    v = np.random.default_rng(seed + 1).standard_normal(a.shape)
    x = tg.tensor(a, requires_grad=True)
    (g,) = tg.autograd.grad(tg.linalg.matrix_power(x, 3), [x], tg.tensor(v))
    np.testing.assert_allclose(g.numpy(), _central(lambda m: np.linalg.matrix_power(m, 3),
                                                   a, v), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("driver", ["gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize("m, n", [(2, 3), (3, 3), (4, 3)])
def test_lstsq_results_require_grad_as_torchs(driver, m, n) -> None:
    rng = np.random.default_rng(m * 10 + n)
    a, b = rng.standard_normal((m, n)), rng.standard_normal((m, 2))
    for grad_of in ("A", "B"):
        ta, tb = torch.tensor(a, requires_grad=grad_of == "A"), \
            torch.tensor(b, requires_grad=grad_of == "B")
        ga, gb = tg.tensor(a, requires_grad=grad_of == "A"), \
            tg.tensor(b, requires_grad=grad_of == "B")
        theirs = torch.linalg.lstsq(ta, tb, driver=driver)
        ours = tg.linalg.lstsq(ga, gb, driver=driver)
        for name in ("solution", "residuals", "rank", "singular_values"):
            mine, want = getattr(ours, name), getattr(theirs, name)
            assert mine.shape == tuple(want.shape), (name, grad_of)
            assert mine.requires_grad == want.requires_grad, (name, grad_of)
        if not ours.residuals.numel():
            leaf = ga if grad_of == "A" else gb
            (g,) = tg.autograd.grad(ours.residuals.sum() + ours.solution.sum(), [leaf])
            want_g = torch.autograd.grad(theirs.residuals.sum() + theirs.solution.sum(),
                                         [ta if grad_of == "A" else tb])[0]
            np.testing.assert_allclose(g.numpy(), want_g.numpy(), rtol=1e-9, atol=1e-12)


@given(st.integers(1, 6), st.integers(1, 3), st.sampled_from(["quantile", "nanquantile"]),
       st.booleans(), st.integers(0, 2 ** 16))
def test_quantile_is_differentiable_in_q(n, levels, name, with_nan, seed) -> None:
    """Linear interpolation's weight q * (n - 1) - lo moves with q: the gradient in q is
    (v_hi - v_lo) * (n - 1) (of the non-NaN count for nanquantile), zero in a slice ranked
    at its NaN. Ours was zero everywhere (OpInfo's quantile sample 37)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, n))
    if with_nan:
        x[0, 0] = np.nan
    q = np.sort(rng.uniform(0.05, 0.95, levels))
    v = rng.standard_normal((levels, 3))
    gx, gq = tg.tensor(x, requires_grad=True), tg.tensor(q, requires_grad=True)
    tx, tq = torch.tensor(x, requires_grad=True), torch.tensor(q, requires_grad=True)
    ours = tg.autograd.grad(getattr(tg, name)(gx, gq, 1), [gx, gq], tg.tensor(v))
    theirs = torch.autograd.grad(getattr(torch, name)(tx, tq, 1), [tx, tq], torch.tensor(v))
    for mine, want in zip(ours, theirs):
        np.testing.assert_allclose(mine.numpy(), want.numpy(), rtol=1e-12, atol=1e-12)
    # central differences in q (the ranks stay between the same order statistics)
    fn = getattr(np, name)
    rows = [1, 2] if with_nan else [0, 1, 2]  # (NumPy's nanquantile warns on a NaN row)
    numeric = _central(lambda qq: fn(x[rows], qq, axis=1), q, v[:, rows], eps=1e-7)
    exact = tg.autograd.grad(getattr(tg, name)(tg.tensor(x[rows]), gq, 1), [gq],
                             tg.tensor(v[:, rows]))[0]
    np.testing.assert_allclose(exact.numpy(), numeric, rtol=1e-5, atol=1e-6)


@given(shapes.filter(lambda s: len(s) >= 1), st.booleans(), st.booleans(),
       st.integers(0, 2 ** 16))
def test_diff_of_order_zero_is_a_copy_of_x(shape, prepend, append, seed) -> None:
    """diff(x, n=0) is x, without prepend and append (PyTorch's and NumPy's); ours joined
    them (OpInfo's diff sample 22: shape (8, 5), torch (5, 5)) and, without them,
    returned x itself, so writing to the result wrote to x."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape)
    edge = (*shape[:-1], 2)
    kw = {"prepend": rng.standard_normal(edge) if prepend else None,
          "append": rng.standard_normal(edge) if append else None}
    gx = tg.tensor(x, requires_grad=True)
    ours = gx.diff(0, -1, **{k: None if v is None else tg.tensor(v) for k, v in kw.items()})
    theirs = torch.tensor(x).diff(0, -1, **{k: None if v is None else torch.tensor(v)
                                           for k, v in kw.items()})
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.numpy())
    np.testing.assert_array_equal(ours.detach().numpy(), np.diff(x, 0, -1, **{
        k: v for k, v in kw.items() if v is not None}))
    v = rng.standard_normal(shape)
    (g,) = tg.autograd.grad(ours, [gx], tg.tensor(v))
    np.testing.assert_array_equal(g.numpy(), v)
    plain = tg.tensor(x)
    copy = plain.diff(0)
    copy.add_(1.0)
    np.testing.assert_array_equal(plain.numpy(), x)


@given(st.sampled_from(["sum", "prod", "mean", "amax", "amin"]), st.booleans(),
       st.sampled_from([(), (1,), (3,)]), st.integers(0, 2 ** 16))
def test_scatter_reduce_into_a_0d_tensor(reduce, include_self, index_shape, seed) -> None:
    """A 0-d x takes dim 0 (or -1), as one element of a 1-d tensor, as PyTorch's
    scatter_reduce (and our scatter, scatter_add, index_add) do; ours raised AxisError
    (OpInfo's scatter_reduce.* sample 18). Values and gradients as torch's."""
    rng = np.random.default_rng(seed)
    x, src = rng.standard_normal(()), rng.standard_normal(index_shape)  # (no ties)
    index = np.zeros(index_shape, np.int64)
    gx, gs = tg.tensor(x, requires_grad=True), tg.tensor(src, requires_grad=True)
    tx, ts = torch.tensor(x, requires_grad=True), torch.tensor(src, requires_grad=True)
    ours = gx.scatter_reduce(0, tg.tensor(index), gs, reduce, include_self=include_self)
    theirs = tx.scatter_reduce(0, torch.tensor(index), ts, reduce, include_self=include_self)
    assert ours.shape == ()
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-12)
    mine = tg.autograd.grad(ours, [gx, gs])
    want = torch.autograd.grad(theirs, [tx, ts])
    for a, b in zip(mine, want):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("batch", [(), (0,), (2,)])
@pytest.mark.parametrize("n, k", [(0, 4), (0, 0), (3, 0)])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve_of_empty_systems(batch, n, k, adjoint) -> None:
    """An empty system (n = 0, or no right-hand side) solves to an empty result, as
    PyTorch's; ours raised NumPy's 'cannot reshape array of size 0' while turning the
    pivots into a permutation (OpInfo's linalg.lu_solve sample 216, lu_solve's 54)."""
    rng = np.random.default_rng(n * 10 + k)
    a = rng.standard_normal((*batch, n, n)) + 3 * np.eye(n)
    b = rng.standard_normal((*batch, n, k))
    lu, piv = torch.linalg.lu_factor(torch.tensor(a))
    theirs = torch.linalg.lu_solve(lu, piv, torch.tensor(b), adjoint=adjoint)
    glu, gb = tg.tensor(lu.numpy(), requires_grad=True), tg.tensor(b, requires_grad=True)
    ours = tg.linalg.lu_solve(glu, tg.tensor(piv.numpy()), gb, adjoint=adjoint)
    assert ours.shape == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), rtol=1e-10)
    grads = tg.autograd.grad(ours.sum(), [glu, gb])
    assert [g.shape for g in grads] == [glu.shape, gb.shape]


@pytest.mark.parametrize("dim", [0, -1])
def test_cumprod_in_place_of_a_0d_tensor(dim) -> None:
    """cumprod_ of a 0-d tensor in the graph: the Cumprod of a reshaped view saved the view,
    which the write then changed, so backward refused ('modified by an inplace
    operation'), where PyTorch's works (OpInfo's cumprod sample 3, in place)."""
    x = tg.tensor(1.7, dtype=tg.float64, requires_grad=True)
    t = torch.tensor(1.7, dtype=torch.float64, requires_grad=True)
    ours, theirs = (x * 3.0).cumprod_(dim), (t * 3.0).cumprod_(dim)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    (g,) = tg.autograd.grad(ours, [x])
    np.testing.assert_array_equal(g.numpy(), torch.autograd.grad(theirs, [t])[0].numpy())
    assert x.cumprod(dim).requires_grad and x.cumprod(dim).shape == ()
