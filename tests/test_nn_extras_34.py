"""surface34's nn pieces against PyTorch 2.13: nn.DataParallel (on the CPU the module's
results unchanged) and F.conv_tbc (values, gradients, second derivatives, errors)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn

# ------------------------------------------------------------------ DataParallel


def test_data_parallel_is_the_module_on_the_cpu_as_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    tg.manual_seed(0)
    inner = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    wrapped = nn.DataParallel(inner, device_ids=[0, 1], output_device=0, dim=1)
    theirs = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(3, 4),
                                                       torch.nn.BatchNorm1d(4)), [0, 1], 0, 1)
    assert wrapped.module is inner and wrapped.device_ids == theirs.device_ids == []
    assert hasattr(wrapped, "dim") == hasattr(theirs, "dim")
    assert list(wrapped.state_dict()) == list(theirs.state_dict())
    assert list(wrapped.state_dict())[0] == "module.0.weight"
    assert repr(wrapped) == repr(theirs)
    assert nn.parallel.DataParallel is nn.DataParallel
    x = tg.randn(5, 3, dtype=tg.float64)
    inner.double()
    expected = inner(x)  # training mode: the running statistics move on each call
    y = wrapped(x)
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-12)
    y.sum().backward()
    assert inner[0].weight.grad is not None
    assert [p is q for p, q in zip(wrapped.parameters(), inner.parameters())] == [True] * 4


def test_data_parallel_passes_keywords_and_any_result() -> None:
    class Pair(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale, {"n": x.shape[0]}

    out, extra = nn.DataParallel(Pair())(tg.ones(2), scale=3.0)
    assert out.tolist() == [3.0, 3.0] and extra == {"n": 2}


# ------------------------------------------------------------------ conv_tbc


@st.composite
def tbc_case(draw: st.DrawFn) -> tuple:
    k = draw(st.integers(1, 3))
    pad = draw(st.integers(-1, 2))
    t = draw(st.integers(max(1, k - 2 * pad), 5))
    b, cin, cout = (draw(st.integers(1, 3)) for _ in range(3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return (rng.normal(size=(t, b, cin)), rng.normal(size=(k, cin, cout)),
            rng.normal(size=(cout,)), pad)


@given(tbc_case())
def test_conv_tbc_values_and_gradients_are_pytorchs(case: tuple) -> None:
    torch = pytest.importorskip("torch")
    x, w, b, pad = case
    ours = [tg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv_tbc(*ours, pad)
    expected = torch.nn.functional.conv_tbc(*theirs, pad)
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = np.random.default_rng(1).normal(size=y.shape)
    (y * tg.tensor(v)).sum().backward()
    (expected * torch.tensor(v)).sum().backward()
    for a, e in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), e.grad.numpy(), rtol=1e-10, atol=1e-12)


@given(tbc_case())
def test_conv_tbc_gradcheck_jvp_and_second_order(case: tuple) -> None:
    x, w, b, pad = case
    inputs = [tg.tensor(a, requires_grad=True) for a in (x, w, b)]

    def fn(x, w, b):
        return F.conv_tbc(x, w, b, pad)

    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize(("shapes", "pad", "match"), [
    (((5, 3), (3, 3, 4), (4,)), 0, r"input must have 3 dims.*\(5, 3\)"),
    (((5, 2, 3), (3, 2, 4), (4,)), 0, "input channels 3"),
    (((5, 2, 3), (3, 3, 4), (2,)), 0, "bias size 2 != weight dim 2"),
    (((5, 2, 3), (3, 3), (4,)), 0, "weight must have 3 dims"),
    (((5, 2, 3), (3, 3, 4), (4,)), -2, "input length 5 with pad=-2 is shorter than the kernel"),
])
def test_conv_tbc_bad_input_names_the_op_and_shapes(shapes, pad, match) -> None:
    x, w, b = (tg.zeros(s, dtype=tg.float64) for s in shapes)
    with pytest.raises(tg.ShapeError, match=f"conv_tbc: {match}"):
        F.conv_tbc(x, w, b, pad)
    with pytest.raises(TypeError, match="pad must be an int"):
        F.conv_tbc(tg.zeros((5, 2, 3)), tg.zeros((3, 3, 4)), tg.zeros(4), 1.5)
