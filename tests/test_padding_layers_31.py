"""The padding layers ({Reflection, Replication, Circular, Zero, Constant}Pad{1,2,3}d): outputs,
gradients and reprs equal PyTorch's, unbatched and batched, and their refusals."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn

KINDS = ("Reflection", "Replication", "Circular", "Zero", "Constant")


def _make(lib, kind: str, dims: int, padding):
    cls = getattr(lib.nn, f"{kind}Pad{dims}d")
    return cls(padding, 2.5) if kind == "Constant" else cls(padding)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("dims", [1, 2, 3])
@pytest.mark.parametrize("batched", [False, True])
def test_outputs_and_gradients_equal_pytorch(kind: str, dims: int, batched: bool) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(dims)
    shape = (2, 3)[:1 + batched] + (4, 5, 3)[:dims]
    x = rng.standard_normal(shape)
    widths = tuple(int(w) for w in rng.integers(0, 3, 2 * dims))  # < every axis length
    for padding in (widths, 1):
        ours, theirs = _make(tg, kind, dims, padding), _make(torch, kind, dims, padding)
        assert repr(ours) == repr(theirs) and ours.padding == theirs.padding
        xt = tg.tensor(x, requires_grad=True)
        xr = torch.tensor(x, requires_grad=True)
        out, ref = ours(xt), theirs(xr)
        np.testing.assert_array_equal(out.numpy(), ref.detach().numpy())
        g = rng.standard_normal(ref.shape)
        out.backward(tg.tensor(g))
        ref.backward(torch.tensor(g))
        np.testing.assert_allclose(xt.grad.numpy(), xr.grad.numpy(), rtol=1e-12, atol=1e-12)
        assert list(ours.state_dict()) == list(theirs.state_dict()) == []


def test_constant_and_zero_padding_crop_and_take_more_axes_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    for ours, theirs in ((nn.ZeroPad2d((-1, 2, 0, -2)), torch.nn.ZeroPad2d((-1, 2, 0, -2))),
                         (nn.ConstantPad1d(2, -1.0), torch.nn.ConstantPad1d(2, -1.0))):
        np.testing.assert_array_equal(ours(tg.tensor(x)).numpy(),
                                      theirs(torch.tensor(x)).numpy())
    assert isinstance(nn.ZeroPad2d(1), nn.ConstantPad2d)
    assert nn.ZeroPad3d(1).value == 0.0


@pytest.mark.parametrize("make, x, error, fragment", [
    (lambda: nn.ReflectionPad2d((1, 2)), None, tg.ArgumentTypeError, "4 ints"),
    (lambda: nn.ReplicationPad1d(1.5), None, tg.ArgumentTypeError, "padding"),
    (lambda: nn.ConstantPad2d(1, "a"), None, tg.ArgumentTypeError, "value"),
    (lambda: nn.ReflectionPad1d(1), (2, 2, 2, 2), tg.ShapeError, r"2-d \(unbatched\) or 3-d"),
    (lambda: nn.CircularPad2d(1), (3, 3), tg.ShapeError, r"3-d \(unbatched\) or 4-d"),
    (lambda: nn.ReflectionPad1d(3), (1, 3), tg.ShapeError, "reflect"),
    (lambda: nn.ZeroPad3d(1), (3, 3), tg.ShapeError, "last 3 axes"),
])
def test_bad_padding_and_inputs_are_refused_clearly(make, x, error, fragment) -> None:
    with pytest.raises(error, match=fragment) as caught:
        make()(tg.ones(*x)) if x is not None else make()
    assert isinstance(caught.value, tg.TinygradError)
