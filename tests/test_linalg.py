"""tg.linalg and the norms (issue 22): det, slogdet, logdet, inv, solve, eigh, eigvalsh,
svdvals, cross, vecdot, matmul, diagonal, vector_norm, matrix_norm, norm and Tensor.norm's
p-variants, checked as tests/test_surface_ops22.py checks its ops: gradcheck (with the
jvp) and gradgradcheck on Hypothesis-drawn well-conditioned matrices (distinct
eigenvalues and singular values), values and gradients against PyTorch in float64, the
results without a gradient and their dtypes, and bad input (these rows count for the
bad-input coverage of tests/test_bad_input_surface.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tests.test_surface_ops22 import Case, _m, check_case, check_refusal
from tinygrad_bn import Tensor

torch = pytest.importorskip("torch")


def _sym(lib, a):
    """A symmetric matrix from a: PyTorch's eigh gradient assumes one (it is symmetric even
    where the input's other triangle is never read); ours is the true derivative."""
    return (a + a.transpose(-1, -2)) * 0.5


LINALG_CASES = [
    Case("linalg.det", lambda lib, a: lib.linalg.det(a), ((3, 3),), "matrix"),
    Case("det (batch, method)", lambda lib, a: a.det(), ((2, 3, 3),), "matrix"),
    Case("linalg.slogdet", lambda lib, a: lib.linalg.slogdet(a).logabsdet * 2, ((3, 3),),
         "matrix"),
    Case("slogdet", lambda lib, a: lib.slogdet(-a).logabsdet, ((2, 2, 2),), "matrix"),
    Case("logdet", lambda lib, a: lib.logdet(a), ((3, 3),), "matrix"),
    Case("linalg.inv", lambda lib, a: lib.linalg.inv(a), ((3, 3),), "matrix"),
    Case("inverse (batch)", lambda lib, a: a.inverse(), ((2, 2, 2),), "matrix"),
    Case("linalg.solve", lambda lib, a, b: lib.linalg.solve(a, b), ((3, 3), (3, 2)),
         "matrix"),
    Case("linalg.solve (vector)", lambda lib, a, b: lib.linalg.solve(a, b[0]), ((3, 3), (1, 3)),
         "matrix"),
    Case("linalg.solve (broadcast B)", lambda lib, a, b: lib.linalg.solve(a, b),
         ((2, 3, 3), (3, 2)), "matrix"),
    Case("linalg.solve (left=False)", lambda lib, a, b: lib.linalg.solve(a, b, left=False),
         ((3, 3), (2, 3)), "matrix"),
    Case("linalg.eigvalsh", lambda lib, a: lib.linalg.eigvalsh(_sym(lib, a)), ((3, 3),),
         "matrix"),
    Case("linalg.eigvalsh (U, batch)", lambda lib, a: lib.linalg.eigvalsh(_sym(lib, a), "U"),
         ((2, 3, 3),), "matrix"),
    Case("linalg.eigh values", lambda lib, a: lib.linalg.eigh(_sym(lib, a)).eigenvalues,
         ((3, 3),), "matrix"),
    Case("linalg.eigh vectors (sign-free)",
         lambda lib, a: lib.linalg.eigh(_sym(lib, a)).eigenvectors ** 2, ((3, 3),), "matrix"),
    Case("linalg.eigh (reconstruction)", lambda lib, a: _rebuild(lib, _sym(lib, a)),
         ((3, 3),), "matrix"),
    Case("linalg.svdvals (tall)", lambda lib, a: lib.linalg.svdvals(a), ((4, 3),), "matrix"),
    Case("linalg.svdvals (wide, batch)", lambda lib, a: lib.linalg.svdvals(a), ((2, 2, 3),),
         "matrix"),
    Case("linalg.matrix_norm fro", lambda lib, a: lib.linalg.matrix_norm(a), ((2, 3, 4),)),
    Case("linalg.matrix_norm nuc", lambda lib, a: lib.linalg.matrix_norm(a, "nuc"), ((4, 3),),
         "matrix"),
    Case("linalg.matrix_norm 2", lambda lib, a: lib.linalg.matrix_norm(a, 2, keepdim=True),
         ((3, 4),), "matrix"),
    Case("linalg.matrix_norm -2", lambda lib, a: lib.linalg.matrix_norm(a, -2, (-1, 1)),
         ((2, 3, 3),), "matrix"),
    *[Case(f"linalg.matrix_norm {o}", lambda lib, a, o=o: lib.linalg.matrix_norm(a, o),
           ((2, 3, 4),), "apart") for o in (1, -1, float("inf"), float("-inf"))],
    Case("linalg.matrix_norm inf (dims, keepdim)",
         lambda lib, a: lib.linalg.matrix_norm(a, float("inf"), (2, 0), True), ((3, 2, 4),),
         "apart"),
    *[Case(f"linalg.vector_norm {o}", lambda lib, a, o=o: lib.linalg.vector_norm(a, o),
           ((3, 4),), "apart") for o in (2, 1, 3, 0.5, -1, float("inf"), float("-inf"))],
    Case("linalg.vector_norm (dim, keepdim)",
         lambda lib, a: lib.linalg.vector_norm(a, 3.5, (0, 2), True), ((2, 3, 4),)),
    Case("linalg.norm (flattened)", lambda lib, a: lib.linalg.norm(a), ((2, 3, 4),)),
    Case("linalg.norm (matrix ord)", lambda lib, a: lib.linalg.norm(a, "nuc"), ((3, 3),),
         "matrix"),
    Case("linalg.norm (vector ord)", lambda lib, a: lib.linalg.norm(a, 3, -1), ((2, 3),)),
    Case("linalg.norm (dims pair)", lambda lib, a: lib.linalg.norm(a, 1, (0, 1)), ((3, 4),)),
    Case("norm p=3 dim", lambda lib, a: a.norm(3, 1), ((3, 4),)),
    Case("norm p=-2", lambda lib, a: lib.norm(a, -2.0), ((3, 4),)),
    Case("norm fro dims", lambda lib, a: a.norm("fro", (0, 2), True), ((2, 3, 4),)),
    Case("norm nuc", lambda lib, a: a.norm("nuc"), ((3, 3),), "matrix"),
    Case("norm inf dim", lambda lib, a: a.norm(float("inf"), 0), ((3, 4),), "apart"),
    Case("linalg.cross", lambda lib, a, b: lib.linalg.cross(a, b), ((4, 3), (4, 3))),
    Case("linalg.cross (broadcast)", lambda lib, a, b: lib.linalg.cross(a, b), ((2, 3), (1, 3))),
    Case("cross (dim None)", lambda lib, a, b: lib.cross(a, b), ((2, 3, 4), (2, 3, 4))),
    Case("cross (method, dim)", lambda lib, a, b: a.cross(b, dim=0), ((3, 2), (3, 2))),
    Case("linalg.vecdot", lambda lib, a, b: lib.linalg.vecdot(a, b, dim=0), ((3, 4), (3, 1))),
    Case("linalg.matmul", lambda lib, a, b: lib.linalg.matmul(a, b), ((2, 3), (3,))),
    Case("linalg.diagonal", lambda lib, a: lib.linalg.diagonal(a, offset=1), ((2, 3, 4),)),
]


def _rebuild(lib, s):
    """V diag(w) V^T: every eigenvector's sign cancels."""
    w, v = lib.linalg.eigh(s)
    return (v * w.unsqueeze(-2)) @ v.transpose(-1, -2)



@pytest.mark.parametrize("case", LINALG_CASES, ids=[c.name for c in LINALG_CASES])
@settings(max_examples=3)
@given(data=st.data())
def test_gradients_and_pytorch_agree(case: Case, data) -> None:
    check_case(case, data)


def test_linalg_values_and_dtypes_match_pytorch() -> None:
    """The results without a gradient (ord 0, signs, float32) and the eigenvalue and
    singular value order: as PyTorch's; named tuples with PyTorch's names."""
    rng = np.random.default_rng(6)
    a = rng.normal(size=(2, 3, 3))
    x = np.where(rng.random((3, 4)) < 0.3, 0.0, rng.normal(size=(3, 4)))
    s = a + np.swapaxes(a, -1, -2)
    for call in [lambda lib, a, x, s: lib.linalg.vector_norm(x, 0),
                 lambda lib, a, x, s: lib.linalg.vector_norm(x, 0, 1, True),
                 lambda lib, a, x, s: x.norm(0),
                 lambda lib, a, x, s: lib.linalg.vector_norm(x.to(lib.float32), 1),
                 lambda lib, a, x, s: lib.linalg.norm(x.to(lib.float32), dtype=lib.float64),
                 lambda lib, a, x, s: lib.linalg.slogdet(a).sign,
                 lambda lib, a, x, s: lib.slogdet(a).sign,
                 lambda lib, a, x, s: lib.logdet(a),
                 lambda lib, a, x, s: lib.linalg.eigvalsh(s),
                 lambda lib, a, x, s: lib.linalg.eigh(s, UPLO="U").eigenvalues,
                 lambda lib, a, x, s: lib.linalg.eigvalsh(a),  # one triangle read
                 lambda lib, a, x, s: lib.linalg.svdvals(x),
                 lambda lib, a, x, s: lib.linalg.matrix_norm(x, "nuc", keepdim=True),
                 lambda lib, a, x, s: lib.linalg.det(a.to(lib.float32))]:
        ours, theirs = call(tg, Tensor(a), Tensor(x), Tensor(s)), call(
            torch, torch.tensor(a), torch.tensor(x), torch.tensor(s))
        assert ours.dtype == theirs.numpy().dtype, (ours.dtype, theirs.dtype)
        np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-5, atol=1e-6)
    assert type(tg.linalg.slogdet(Tensor(a))) is tg.return_types.linalg_slogdet
    assert type(tg.slogdet(Tensor(a))) is tg.return_types.slogdet
    assert type(tg.linalg.eigh(Tensor(s))) is tg.return_types.linalg_eigh
    assert type(torch.linalg.eigh(torch.tensor(s))).__name__ == "linalg_eigh"


def test_norms_of_matrices_without_elements_as_pytorch() -> None:
    for shape, refused in (((2, 3, 0), (-2, -1)), ((2, 0, 3), (-2, -np.inf))):
        empty = np.zeros(shape)
        for ord in (2, -2, "nuc", "fro", 1, -1, np.inf, -np.inf):
            if ord in refused:
                with pytest.raises(tg.ShapeError, match=f"matrix_norm: ord={ord}"):
                    tg.linalg.matrix_norm(Tensor(empty), ord)
                with pytest.raises((RuntimeError, IndexError)):
                    torch.linalg.matrix_norm(torch.tensor(empty), ord)
                continue
            ours = tg.linalg.matrix_norm(Tensor(empty), ord)
            theirs = torch.linalg.matrix_norm(torch.tensor(empty), ord)
            np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_eigh_gradient_reads_one_triangle() -> None:
    """eigvalsh reads the lower (or upper) triangle alone, as LAPACK: the gradient of
    the other triangle is 0 (the true derivative, checked numerically; PyTorch returns a
    symmetric gradient there, the derivative for symmetric perturbations only)."""
    a = np.array([[2.0, 0.3, -0.2], [0.5, 1.0, 0.1], [0.4, -0.6, -1.0]])
    for uplo in ("L", "U"):
        x = Tensor(a, requires_grad=True)
        assert tg.gradcheck(lambda t, uplo=uplo: tg.linalg.eigvalsh(t, uplo), [x])
        assert tg.gradgradcheck(lambda t, u=uplo: tg.linalg.eigh(t, u).eigenvectors ** 2, [x])
        tg.linalg.eigvalsh(x, uplo).sum().backward()
        other = np.triu(np.ones((3, 3)), 1) if uplo == "L" else np.tril(np.ones((3, 3)), -1)
        assert (x.grad.data[other > 0] == 0).all()


BAD = [
    ("linalg.det int", lambda: tg.linalg.det(tg.tensor([[1, 2], [3, 4]])), tg.DTypeError,
     ("det", "int64")),
    ("det non-square", lambda: _m().det(), tg.ShapeError, ("det", "(3, 4)")),
    ("slogdet 1-d", lambda: tg.slogdet(Tensor(np.ones(3))), tg.ShapeError, ("slogdet", "(3,)")),
    ("linalg.slogdet", lambda: tg.linalg.slogdet(_m()), tg.ShapeError, ("slogdet",)),
    ("logdet", lambda: tg.logdet(_m()), tg.ShapeError, ("slogdet", "(3, 4)")),
    ("linalg.inv singular", lambda: tg.linalg.inv(tg.zeros(2, 2)), tg.linalg.LinAlgError,
     ("inverse", "singular")),
    ("inverse non-square", lambda: tg.inverse(_m()), tg.ShapeError, ("inverse", "(3, 4)")),
    ("linalg.solve shapes", lambda: tg.linalg.solve(tg.eye(3), tg.ones(4, 2)), tg.ShapeError,
     ("linalg.solve", "(3, 3)", "(4, 2)")),
    ("linalg.solve singular", lambda: tg.linalg.solve(tg.zeros(2, 2), tg.ones(2)),
     tg.linalg.LinAlgError, ("linalg.solve", "singular")),
    ("linalg.solve batch", lambda: tg.linalg.solve(tg.ones(2, 3, 3), tg.ones(4, 3, 1)),
     tg.ShapeError, ("linalg.solve", "broadcast")),
    ("linalg.eigvalsh UPLO", lambda: tg.linalg.eigvalsh(tg.eye(2), "X"), tg.ArgumentError,
     ("eigvalsh", "UPLO")),
    ("linalg.eigh non-square", lambda: tg.linalg.eigh(_m()), tg.ShapeError,
     ("linalg.eigh", "(3, 4)")),
    ("linalg.svdvals 1-d", lambda: tg.linalg.svdvals(tg.ones(3)), tg.ShapeError,
     ("svdvals", "(3,)")),
    ("linalg.vector_norm int", lambda: tg.linalg.vector_norm(tg.tensor([1, 2])), tg.DTypeError,
     ("vector_norm", "int64")),
    ("linalg.vector_norm ord", lambda: tg.linalg.vector_norm(_m(), "fro"),
     tg.ArgumentTypeError, ("vector_norm", "ord", "'fro'")),
    ("linalg.vector_norm dtype", lambda: tg.linalg.vector_norm(_m(), dtype=tg.float32),
     tg.DTypeError, ("vector_norm", "float32", "float64")),
    ("linalg.matrix_norm ord", lambda: tg.linalg.matrix_norm(_m(), 3), tg.ArgumentError,
     ("matrix_norm", "ord", "3")),
    ("linalg.matrix_norm dim", lambda: tg.linalg.matrix_norm(_m(), dim=1), tg.ArgumentError,
     ("matrix_norm", "pair")),
    ("linalg.norm 3-d", lambda: tg.linalg.norm(tg.ones(2, 2, 2), 2), tg.ShapeError,
     ("linalg.norm", "(2, 2, 2)")),
    ("norm p", lambda: _m().norm("abc"), tg.ArgumentError, ("norm", "'abc'")),
    ("linalg.cross", lambda: tg.linalg.cross(tg.ones(2, 4), tg.ones(2, 4)), tg.ShapeError,
     ("cross", "size 3")),
    ("cross broadcast", lambda: tg.cross(tg.ones(2, 3), tg.ones(4, 3)), tg.ShapeError,
     ("cross", "broadcast")),
    ("linalg.vecdot", lambda: tg.linalg.vecdot(tg.ones(2, 3), tg.ones(4)), tg.ShapeError,
     ("vecdot", "(2, 3)", "(4,)")),
    ("linalg.matmul", lambda: tg.linalg.matmul(tg.ones(2, 3), tg.ones(2, 3)), tg.ShapeError,
     ("matmul", "(2, 3)")),
    ("linalg.diagonal", lambda: tg.linalg.diagonal(_m(), dim1=0, dim2=0), tg.ArgumentError,
     ("diagonal", "differ")),
]


@pytest.mark.parametrize("call, error, fragments", [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
def test_bad_input_raises_a_project_error_naming_the_op(call, error, fragments) -> None:
    check_refusal(call, error, fragments)
