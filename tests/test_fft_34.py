"""tg.fft against torch.fft (PyTorch 2.13): values for every transform with drawn shapes,
n / s, dims and norms; gradients (reverse against central differences, forward-mode jvp,
double backward) in float64 on the real layout; the vector-Jacobian products and jvps
against torch's complex autograd; the helpers; the refusals (docs/complex.md)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.fft as tfft
from tinygrad_bn.complex_tensors import ComplexTensor

NORMS = st.sampled_from([None, "backward", "forward", "ortho"])
# by the input they take: complex (a real one is promoted), real only
COMPLEX_IN = ["fft", "ifft", "fft2", "ifft2", "fftn", "ifftn", "irfft", "irfft2", "irfftn",
              "hfft", "hfft2", "hfftn"]
REAL_IN = ["rfft", "rfft2", "rfftn", "ihfft", "ihfft2", "ihfftn"]
ONE_DIM = {"fft", "ifft", "rfft", "irfft", "hfft", "ihfft"}
# the half spectrum in, a real signal out
TO_REAL = {"irfft", "irfft2", "irfftn", "hfft", "hfft2", "hfftn"}


@st.composite
def fft_case(draw: st.DrawFn, names: list[str]) -> tuple[str, np.ndarray, dict[str, Any]]:
    """(name, input, keywords): a transform, its input (complex for COMPLEX_IN) and drawn
    n / s, dim and norm that PyTorch accepts."""
    name = draw(st.sampled_from(names))
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple))
    ndim = len(shape)
    if name.endswith("2") and ndim < 2:
        shape, ndim = (2, *shape), ndim + 1
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.normal(size=shape)
    if name in COMPLEX_IN:
        x = x + 1j * rng.normal(size=shape)
    kwargs: dict[str, Any] = {"norm": draw(NORMS)}
    if name in ONE_DIM:
        dim = draw(st.integers(-ndim, ndim - 1))
        kwargs["dim"] = dim
        if draw(st.booleans()):
            kwargs["n"] = draw(st.integers(1, 7))
        elif name in TO_REAL and shape[dim] == 1:
            kwargs["n"] = draw(st.integers(1, 7))  # the default 2 (m - 1) would be 0
    else:
        count = 2 if name.endswith("2") else draw(st.integers(1, ndim))
        dims = draw(st.permutations(range(-ndim, 0)))[:count]
        if name.endswith("2"):
            dims = [-2, -1]
        if not name.endswith("2") or draw(st.booleans()):
            kwargs["dim"] = tuple(dims)
        sizes = [draw(st.integers(1, 6)) for _ in dims] if draw(st.booleans()) else None
        if name in TO_REAL and sizes is None and shape[dims[-1]] == 1:
            sizes = [shape[d] for d in dims[:-1]] + [draw(st.integers(1, 6))]
        if sizes is not None:
            kwargs["s"] = tuple(sizes)
    return name, x, kwargs


def _ours(x: np.ndarray) -> Any:
    if np.iscomplexobj(x):
        return tg.view_as_complex(tg.tensor(np.stack([x.real, x.imag], -1)))
    return tg.tensor(x)


def _values(out: Any) -> np.ndarray:
    return out.numpy() if isinstance(out, ComplexTensor) else out.numpy()


@given(fft_case(COMPLEX_IN + REAL_IN))
def test_values_dtypes_and_shapes_are_torchs(case) -> None:
    torch = pytest.importorskip("torch")
    name, x, kwargs = case
    out = getattr(tfft, name)(_ours(x), **kwargs)
    expected = getattr(torch.fft, name)(torch.tensor(x), **kwargs).resolve_conj()
    assert out.shape == tuple(expected.shape)
    assert isinstance(out, ComplexTensor) == expected.is_complex()
    assert str(out.dtype) == str(expected.dtype).removeprefix("torch.")
    np.testing.assert_allclose(_values(out), expected.numpy(), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name", ["fft", "rfft", "ifft2", "irfftn", "hfft", "ihfft", "hfftn",
                                  "ihfft2"])
def test_float32_gives_complex64_and_integers_take_the_default_float(name: str) -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    ours, theirs = getattr(tfft, name)(tg.tensor(x)), getattr(torch.fft, name)(torch.tensor(x))
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(_values(ours), theirs.resolve_conj().numpy(), rtol=1e-5,
                               atol=1e-4)
    ints = getattr(tfft, name)(tg.tensor(x.astype(np.int64)))
    assert str(ints.dtype) == str(getattr(torch.fft, name)(
        torch.tensor(x.astype(np.int64))).dtype).removeprefix("torch.")


# ---------------------------------------------------------------- gradients


def _layout_fn(name: str, kwargs: dict, complex_in: bool, square: bool):
    """The transform as a function of real Tensors (the real layout for complex values),
    squared elementwise when `square` (a nonlinearity for the second derivative)."""
    def fn(a):
        out = getattr(tfft, name)(tg.view_as_complex(a) if complex_in else a, **kwargs)
        out = tg.view_as_real(out) if isinstance(out, ComplexTensor) else out
        return out * out if square else out
    return fn


def _layout(x: np.ndarray) -> np.ndarray:
    return np.stack([x.real, x.imag], -1) if np.iscomplexobj(x) else x


@given(fft_case(COMPLEX_IN + REAL_IN), st.booleans())
def test_gradcheck_jvp_and_double_backward_in_float64(case, square: bool) -> None:
    name, x, kwargs = case
    fn = _layout_fn(name, kwargs, np.iscomplexobj(x), square)
    a = tg.tensor(_layout(x), requires_grad=True)
    assert tg.gradcheck(fn, [a])  # reverse and forward mode against central differences
    assert tg.gradgradcheck(fn, [a])


def _backward_both(out: Any, expected: Any, seed: int) -> None:
    """out.backward and expected.backward (torch's) with one drawn gradient, complex for a
    complex output."""
    import torch
    rng = np.random.default_rng(seed)
    g = rng.normal(size=out.shape)
    if isinstance(out, ComplexTensor):
        g = g + 1j * rng.normal(size=out.shape)
    out.backward(_ours(g))
    expected.backward(torch.tensor(g))


@given(fft_case(COMPLEX_IN + REAL_IN))
def test_vector_jacobian_products_are_torchs_complex_autograd(case) -> None:
    """backward(g) of a complex output, g complex: PyTorch's convention (the gradient of
    Re sum conj(g) y), the input's gradient dL/dx + i dL/dy."""
    torch = pytest.importorskip("torch")
    name, x, kwargs = case
    ours_in = _ours(x).requires_grad_()
    theirs_in = torch.tensor(x, requires_grad=True)
    out = getattr(tfft, name)(ours_in, **kwargs)
    expected = getattr(torch.fft, name)(theirs_in, **kwargs)
    _backward_both(out, expected, 3)
    expected_grad = theirs_in.grad.resolve_conj().numpy()
    np.testing.assert_allclose(_values(ours_in.grad), expected_grad,
                               rtol=1e-9, atol=1e-10)
    assert ours_in.grad.shape == expected_grad.shape


@given(fft_case(COMPLEX_IN + REAL_IN))
def test_jvps_are_torchs_forward_mode(case) -> None:
    torch = pytest.importorskip("torch")
    name, x, kwargs = case
    rng = np.random.default_rng(5)
    t = rng.normal(size=x.shape) + (1j * rng.normal(size=x.shape) if np.iscomplexobj(x)
                                    else 0)
    _, ours = tg.autograd.functional.jvp(_layout_fn(name, kwargs, np.iscomplexobj(x), False),
                                         tg.tensor(_layout(x)), tg.tensor(_layout(t)))
    _, theirs = torch.func.jvp(lambda v: getattr(torch.fft, name)(v, **kwargs),
                               (torch.tensor(x),), (torch.tensor(t),))
    theirs = theirs.resolve_conj()
    expected = torch.view_as_real(theirs) if theirs.is_complex() else theirs
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-9, atol=1e-10)


@given(fft_case(COMPLEX_IN))
def test_a_real_input_to_a_complex_transform_gets_torchs_real_gradient(case) -> None:
    """A real signal is taken as complex with zero imaginary parts; its gradient is the
    real part of the complex one (PyTorch's)."""
    torch = pytest.importorskip("torch")
    name, x, kwargs = case
    x = x.real
    ours_in, theirs_in = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = getattr(tfft, name)(ours_in, **kwargs)
    expected = getattr(torch.fft, name)(theirs_in, **kwargs)
    np.testing.assert_allclose(_values(out), expected.detach().resolve_conj().numpy(),
                               rtol=1e-10, atol=1e-10)
    _backward_both(out, expected, 4)
    assert ours_in.grad.dtype == np.float64
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-9,
                               atol=1e-10)


def test_rfft_abs_loss_gradient_is_torchs() -> None:
    """The real-in, real-out path scripts use: a loss on |rfft(x)|."""
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(3, 16))
    a, b = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (tfft.rfft(a, norm="ortho").abs() ** 2).mean().backward()
    (torch.fft.rfft(b, norm="ortho").abs() ** 2).mean().backward()
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_a_filter_through_rfft_and_irfft_trains_as_torchs() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    x, h = rng.normal(size=(2, 12)), rng.normal(size=(7, 2))

    def ours(x, h):
        spectrum = tfft.rfft(x) * tg.view_as_complex(h)
        return (tfft.irfft(spectrum, n=12) - x).pow(2).sum()

    def theirs(x, h):
        spectrum = torch.fft.rfft(x) * torch.view_as_complex(h)
        return (torch.fft.irfft(spectrum, n=12) - x).pow(2).sum()

    a, b = tg.tensor(h, requires_grad=True), torch.tensor(h, requires_grad=True)
    loss, expected = ours(tg.tensor(x), a), theirs(torch.tensor(x), b)
    loss.backward()
    expected.backward()
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- helpers


@given(st.integers(0, 9), st.sampled_from([1.0, 0.1, 2.5]),
       st.sampled_from([None, tg.float64]))
def test_fftfreq_and_rfftfreq_are_torchs(n: int, d: float, dtype: Any) -> None:
    torch = pytest.importorskip("torch")
    theirs_dtype = None if dtype is None else torch.float64
    for name in ("fftfreq", "rfftfreq"):
        ours = getattr(tfft, name)(n, d, dtype=dtype)
        theirs = getattr(torch.fft, name)(n, d, dtype=theirs_dtype)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


@given(st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple), st.data())
def test_fftshift_and_ifftshift_are_torchs_and_undo_each_other(shape, data) -> None:
    torch = pytest.importorskip("torch")
    ndim = len(shape)
    dim = data.draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1),
                              st.permutations(range(ndim)).map(lambda p: tuple(p[:2]))))
    x = np.arange(np.prod(shape)).reshape(shape) + 1j * np.ones(shape)
    for name in ("fftshift", "ifftshift"):
        ours = getattr(tfft, name)(_ours(x), dim=dim)
        np.testing.assert_array_equal(ours.numpy(), getattr(torch.fft, name)(
            torch.tensor(x), dim=dim).numpy())
        real = getattr(tfft, name)(tg.tensor(x.real), dim)
        np.testing.assert_array_equal(real.numpy(), getattr(torch.fft, name)(
            torch.tensor(x.real), dim).numpy())
    back = tfft.ifftshift(tfft.fftshift(_ours(x), dim), dim)
    np.testing.assert_array_equal(back.numpy(), x)


def test_tg_fft_is_loaded_on_first_use_and_not_by_the_core() -> None:
    import subprocess
    import sys
    code = ("import sys, tinygrad_bn as tg; assert 'tinygrad_bn.fft' not in sys.modules; "
            "assert tg.fft.rfft is tg.fft.transforms.rfft; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.stdout.strip() == "ok", result.stderr


# ---------------------------------------------------------------- refusals


def _c(shape=(4,)):
    return _ours(np.ones(shape) + 1j * np.ones(shape))


BAD = [
    ("fft", lambda L: L.fft.fft(L.ones(4), norm="bad"), tg.ArgumentError,
     "invalid normalization mode 'bad'"),
    ("fft", lambda L: L.fft.fft(L.ones(4), n=0), tg.ArgumentError,
     r"invalid number of data points \(0\)"),
    ("fft", lambda L: L.fft.fft(L.ones(4), dim=3), tg.AxisError, "dimension 3 is out of range"),
    ("fft", lambda L: L.fft.fft(L.ones(())), tg.AxisError, "no dimension"),
    ("fft", lambda L: L.fft.fft(L.ones(4, dtype=L.float16)), tg.DTypeError, "float16"),
    ("fftn", lambda L: L.fft.fftn(L.ones((4, 3)), s=(2, 3, 4)), tg.ArgumentError,
     "shape with 3 values but input tensor only has 2"),
    ("fftn", lambda L: L.fft.fftn(L.ones((4, 3)), s=(2,), dim=(0, 1)), tg.ArgumentError,
     "must have the same length"),
    ("fftn", lambda L: L.fft.fftn(L.ones((4, 3)), dim=(0, 0)), tg.ArgumentError,
     "dims must be unique"),
    ("rfft", lambda L: L.fft.rfft(L.c()), tg.DTypeError, "expects a real input"),
    ("ihfft", lambda L: L.fft.ihfft(L.c()), tg.DTypeError, "expects a real input"),
    ("irfft", lambda L: L.fft.irfft(L.c((1,))), tg.ArgumentError,
     r"invalid number of data points \(0\)"),
    ("ifft2", lambda L: L.fft.ifft2(L.ones(3)), tg.AxisError, "dimension -2 is out of range"),
    ("fftfreq", lambda L: L.fft.fftfreq(-1), tg.ArgumentError, "n must be non-negative"),
    ("rfftfreq", lambda L: L.fft.rfftfreq(2.5), TypeError, "n must be an int"),
    ("fftshift", lambda L: L.fft.fftshift(L.ones(3), dim=2), tg.AxisError, "out of range"),
    ("ifftshift", lambda L: L.fft.ifftshift(L.ones(3), dim=(0, 1.5)), TypeError,
     "dim must be an int"),
    ("ifft", lambda L: L.fft.ifft(L.c(), n=-2), tg.ArgumentError, r"data points \(-2\)"),
    ("ifftn", lambda L: L.fft.ifftn(L.c((2, 2)), dim=(0, 2)), tg.AxisError, "dimension 2"),
    ("fft2", lambda L: L.fft.fft2(L.ones((2, 2)), norm="BACKWARD"), tg.ArgumentError,
     "invalid normalization mode"),
    ("rfft2", lambda L: L.fft.rfft2(L.c((2, 2))), tg.DTypeError, "expects a real input"),
    ("rfftn", lambda L: L.fft.rfftn(L.ones((2, 2)), s=(0, 2)), tg.ArgumentError,
     r"data points \(0\)"),
    ("irfft2", lambda L: L.fft.irfft2(L.c((2, 2)), s=(2, 2, 2)), tg.ArgumentError,
     "must have the same length"),
    ("irfftn", lambda L: L.fft.irfftn(L.c((2, 2)), dim=(1, -1)), tg.ArgumentError,
     "dims must be unique"),
    ("hfft", lambda L: L.fft.hfft(L.c(), dim=1.0), TypeError, "dim must be an int"),
    ("hfft2", lambda L: L.fft.hfft2(L.c()), tg.AxisError, "dimension -2 is out of range"),
    ("hfftn", lambda L: L.fft.hfftn(L.c(), norm="none"), tg.ArgumentError,
     "invalid normalization mode"),
    ("ihfft2", lambda L: L.fft.ihfft2(L.c((2, 2))), tg.DTypeError, "expects a real input"),
    ("ihfftn", lambda L: L.fft.ihfftn(L.ones((2, 2)), s=(2, 0)), tg.ArgumentError,
     r"data points \(0\)"),
]


class _Ours:
    fft, ones, float16 = tfft, tg.ones, tg.float16
    c = staticmethod(_c)


def _theirs() -> Any:
    import torch

    class Theirs:
        fft, ones, float16 = torch.fft, torch.ones, torch.float16

        @staticmethod
        def c(shape=(4,)):
            return torch.ones(shape, dtype=torch.complex128)
    return Theirs


@pytest.mark.parametrize("name,call,error,match", BAD, ids=[f"{b[0]}-{i}"
                                                            for i, b in enumerate(BAD)])
def test_bad_input_is_refused_naming_the_op_as_torch_refuses_it(name, call, error,
                                                                  match) -> None:
    with pytest.raises(error, match=match) as caught:
        call(_Ours)
    assert str(caught.value).startswith(name)
    assert isinstance(caught.value, tg.TinygradError)
    try:
        import torch  # noqa: F401
    except ImportError:
        return
    with pytest.raises((RuntimeError, TypeError, ValueError, IndexError)):
        call(_theirs())
