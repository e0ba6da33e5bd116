"""ComplexTensor (tinygrad_bn/complex_tensors/) against PyTorch 2.13's complex tensors:
values and gradients of every operation (PyTorch's convention: z's gradient is
dL/dx + i dL/dy), float64 gradient checks with jvp and double backward on the real layout,
|z| and arg z at 0, and the refusals of what complex tensors do not have here."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn.complex_tensors import ComplexMethodError, ComplexTensor


def _complex_array(rng: np.random.Generator, shape: tuple) -> np.ndarray:
    """Values with |z| >= 0.5 (away from the kinks of abs and angle at 0)."""
    r = rng.uniform(0.5, 2.0, size=shape)
    theta = rng.uniform(-3.0, 3.0, size=shape)
    return r * np.exp(1j * theta)


def _ours(z: np.ndarray, requires_grad: bool = False) -> ComplexTensor:
    return tg.view_as_complex(tg.tensor(np.stack([z.real, z.imag], -1),
                                        requires_grad=requires_grad))


# name -> (ours, theirs) on (z, w, r): two complex tensors and a real one of one shape
OPS: dict[str, tuple[Callable, None]] = {
    "add": (lambda z, w, r: z + w, None), "sub": (lambda z, w, r: z - w, None),
    "mul": (lambda z, w, r: z * w, None), "div": (lambda z, w, r: z / w, None),
    "add real": (lambda z, w, r: z + r, None), "rsub real": (lambda z, w, r: 2.0 - z, None),
    "mul real": (lambda z, w, r: z * r, None), "div real": (lambda z, w, r: z / r, None),
    "rdiv": (lambda z, w, r: 1.5 / z, None),
    "mul complex scalar": (lambda z, w, r: z * (2 - 1j), None),
    "div complex scalar": (lambda z, w, r: z / (1 + 2j), None),
    "rmul complex scalar": (lambda z, w, r: (0.5 + 1j) * z, None),
    "neg": (lambda z, w, r: -z, None), "conj": (lambda z, w, r: z.conj() * w, None),
    "exp": (lambda z, w, r: z.exp(), None),
    "reciprocal": (lambda z, w, r: z.reciprocal(), None),
    "abs": (lambda z, w, r: z.abs() * r, None), "angle": (lambda z, w, r: z.angle(), None),
    "real imag": (lambda z, w, r: z.real * w.imag, None),
    "sum": (lambda z, w, r: (z * w).sum(), None),
    "sum dim": (lambda z, w, r: z.sum(-1, keepdim=True) * w, None),
    "mean dim": (lambda z, w, r: z.mean(0), None), "mean": (lambda z, w, r: z.mean(), None),
    "transpose": (lambda z, w, r: z.transpose(0, -1), None),
    "flip": (lambda z, w, r: z.flip(0), None),
    "roll": (lambda z, w, r: z.roll(1, 0), None),
    "roll flat": (lambda z, w, r: z.roll(2), None),
    "reshape": (lambda z, w, r: z.reshape(-1), None),
    "flatten unsqueeze": (lambda z, w, r: z.flatten().unsqueeze(0), None),
    "getitem": (lambda z, w, r: z[0], None), "getitem ellipsis": (lambda z, w, r: z[..., :1],
                                                                  None),
    "polar": (lambda z, w, r: tg.polar(z.abs(), w.angle()), None),
    "complex": (lambda z, w, r: tg.complex(z.real, r), None),
    "tg functions": (lambda z, w, r: tg.abs(z) + tg.real(w) + tg.imag(z) + tg.angle(w), None),
}


def _call_torch(fn: Callable, z: Any, w: Any, r: Any) -> Any:
    """Run an OPS lambda on torch tensors: `tg.` inside it reads as `torch.`."""
    import torch
    g = dict(fn.__globals__)
    g["tg"] = torch
    return type(fn)(fn.__code__, g)(z, w, r)


@given(st.sampled_from(sorted(OPS)), st.lists(st.integers(1, 3), min_size=1, max_size=3),
       st.integers(0, 2**16))
def test_values_and_gradients_are_torchs(name: str, shape: list, seed: int) -> None:
    torch = pytest.importorskip("torch")
    shape = tuple(shape)
    rng = np.random.default_rng(seed)
    z, w = _complex_array(rng, shape), _complex_array(rng, shape)
    r = rng.uniform(0.5, 2.0, size=shape) * rng.choice([-1, 1], size=shape)
    ours_in = [_ours(z, True), _ours(w, True), tg.tensor(r, requires_grad=True)]
    theirs_in = [torch.tensor(v, requires_grad=True) for v in (z, w, r)]
    out = OPS[name][0](*ours_in)
    expected = _call_torch(OPS[name][0], *theirs_in)
    assert out.shape == tuple(expected.shape)
    assert isinstance(out, ComplexTensor) == expected.is_complex()
    np.testing.assert_allclose(out.numpy(), expected.detach().resolve_conj().numpy(),
                               rtol=1e-10, atol=1e-12)
    g = rng.normal(size=out.shape)
    if isinstance(out, ComplexTensor):
        g = g + 1j * rng.normal(size=out.shape)
        out.backward(_ours(g))
    else:
        out.backward(tg.tensor(g))
    expected.backward(torch.tensor(g))
    for a, b in zip(ours_in, theirs_in):
        if b.grad is None:
            assert a.grad is None or not np.any(a.grad.numpy())
            continue
        np.testing.assert_allclose(a.grad.numpy(), b.grad.resolve_conj().numpy(), rtol=1e-9,
                                   atol=1e-12)


@given(st.sampled_from(["mul", "div", "exp", "abs", "angle", "rdiv", "polar", "conj"]),
       st.lists(st.integers(1, 3), min_size=1, max_size=2), st.integers(0, 2**16))
def test_gradcheck_jvp_and_double_backward_in_float64(name: str, shape: list,
                                                      seed: int) -> None:
    rng = np.random.default_rng(seed)
    z, w = _complex_array(rng, tuple(shape)), _complex_array(rng, tuple(shape))
    r = rng.uniform(0.5, 2.0, size=tuple(shape))

    def fn(a, b, c):
        out = OPS[name][0](tg.view_as_complex(a), tg.view_as_complex(b), c)
        return tg.view_as_real(out) if isinstance(out, ComplexTensor) else out

    inputs = [tg.tensor(np.stack([v.real, v.imag], -1), requires_grad=True) for v in (z, w)]
    inputs.append(tg.tensor(r, requires_grad=True))
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


def test_abs_and_angle_at_zero_have_torchs_zero_gradient() -> None:
    torch = pytest.importorskip("torch")
    z = np.array([0.0 + 0.0j, 3.0 - 4.0j])
    for method in ("abs", "angle"):
        ours, theirs = _ours(z, True), torch.tensor(z, requires_grad=True)
        getattr(ours, method)().sum().backward()
        getattr(theirs, method)().sum().backward()
        np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), atol=1e-15)
        assert ours.grad.numpy()[0] == 0


def test_the_convention_is_dl_dx_plus_i_dl_dy() -> None:
    """|z|^2 = x^2 + y^2 has the gradient 2x + 2iy = 2z (PyTorch's docs' example)."""
    z = _ours(np.array([1.0 + 2.0j]), True)
    (z.abs() ** 2).sum().backward()
    assert z.grad.tolist() == pytest.approx([2.0 + 4.0j])
    assert z.is_leaf and z.grad.dtype == tg.complex128


def test_creation_views_and_conversions() -> None:
    torch = pytest.importorskip("torch")
    re, im = np.array([1.0, -2.0]), np.array([0.5, 3.0])
    z = tg.complex(tg.tensor(re), tg.tensor(im))
    assert z.dtype == tg.complex128 and z.dtype == np.complex128 and z.is_complex()
    np.testing.assert_array_equal(z.numpy(), torch.complex(torch.tensor(re),
                                                           torch.tensor(im)).numpy())
    f32 = tg.complex(tg.tensor(re, dtype=tg.float32), tg.tensor(im, dtype=tg.float32))
    assert f32.dtype == tg.complex64 == tg.cfloat
    assert repr(f32).startswith("tensor([") and "+0.5j" in repr(f32) and "dtype" not in repr(f32)
    assert repr(z).endswith(", dtype=torch.complex128)")  # as PyTorch's: not the default
    layout = tg.view_as_real(z)
    assert layout.shape == (2, 2) and tg.view_as_complex(layout)._ri is layout
    layout.data[0, 1] = 7.0  # one memory, as PyTorch's views
    assert z.imag.tolist() == [7.0, 3.0]
    assert z.to(tg.complex64).dtype == np.complex64 and z.to("cpu") is z
    with pytest.warns(UserWarning, match="discards the imaginary part"):
        assert z.to(tg.float32).tolist() == [1.0, -2.0]
    assert z[1].item() == -2 + 3j and np.asarray(z).dtype == np.complex128
    assert len(z) == 2 and [v.item() for v in z] == [1 + 7j, -2 + 3j]
    assert tg.is_complex(z) and not tg.is_complex(tg.ones(2))
    w = tg.complex(tg.tensor([1.0, 5.0]), tg.tensor([7.0, 3.0]))
    assert (z == w).tolist() == [True, False] and (z != w).tolist() == [False, True]
    assert (z == (1 + 7j)).tolist() == [True, False] and len({z, w}) == 2


REFUSALS = [
    ("complex", lambda: tg.complex(tg.ones(2), tg.ones(2, dtype=tg.float64)), tg.DTypeError,
     "must have the same dtype"),
    ("complex", lambda: tg.complex(tg.ones(2, dtype=tg.float16), tg.ones(2,
                                                                          dtype=tg.float16)),
     tg.DTypeError, "float32 or float64 parts"),
    ("complex", lambda: tg.complex(np.ones(2), tg.ones(2)), TypeError, "real must be a Tensor"),
    ("polar", lambda: tg.polar(tg.ones(2), tg.ones(2, dtype=tg.int64)), tg.DTypeError,
     "float32 or float64"),
    ("view_as_complex", lambda: tg.view_as_complex(tg.ones((2, 3))), tg.ShapeError,
     r"last dimension of size 2, got shape \(2, 3\)"),
    ("view_as_real", lambda: tg.view_as_real(tg.ones(2)), TypeError,
     "only supported for complex tensors"),
    ("backward", lambda: _ours(np.ones(2) * 1j, True).sum().backward(), tg.BackwardError,
     "only for real scalar outputs"),
    ("sigmoid", lambda: _ours(np.ones(2) * 1j).sigmoid(), ComplexMethodError,
     "not supported for complex tensors"),
    ("matmul", lambda: _ours(np.ones(2) * 1j) @ _ours(np.ones(2) * 1j), ComplexMethodError,
     "not supported for complex tensors"),
    ("sum", lambda: _ours(np.ones(2) * 1j).sum(dim=1), tg.AxisError, "out of range"),
    ("zeros", lambda: tg.zeros(2, dtype=tg.complex64), tg.DTypeError,
     "complex ones are ComplexTensors"),
    ("+", lambda: _ours(np.ones(2) * 1j) + "a", TypeError, "cannot use str"),
]


@pytest.mark.parametrize("name,call,error,match", REFUSALS,
                         ids=[f"{r[0]}-{i}" for i, r in enumerate(REFUSALS)])
def test_refusals_name_the_op_and_what_is_expected(name, call, error, match) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(error, match=match) as caught:
            call()
    assert str(caught.value).startswith(name) and isinstance(caught.value, tg.TinygradError)


def test_a_missing_method_is_an_attribute_error_for_hasattr() -> None:
    z = _ours(np.ones(2) * 1j)
    assert not hasattr(z, "softmax") and hasattr(z, "abs")
    with pytest.raises(AttributeError, match="softmax: not supported for complex tensors"):
        tg.softmax(z, 0)
