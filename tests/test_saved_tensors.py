"""tg.saved_tensors_hooks: pack sees every array an op keeps, backward gets unpack's
result, the originals are freed, tensors used after the block still work, and nothing
is installed outside a block."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.saved_tensors import packing_op
from tinygrad_bn.tensor import op_observers, topological_order
from tinygrad_bn.testing import strategies as tst


def cnn() -> nn.Module:
    tg.manual_seed(0)
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Conv2d(3, 2, 3, padding=1), nn.Tanh(),
                         nn.AvgPool2d(2), nn.Flatten(), nn.Linear(2, 3)).to(np.float64)


def chain(x: Tensor, y: Tensor) -> Tensor:
    """Many primitives, each keeping something different (inputs, outputs, masks)."""
    z = (x * y).exp() / (1.0 + y * y) + x.abs().sqrt() - (x ** 2.0).log() * x.sigmoid()
    z = tg.maximum(z, x).relu().tanh() + tg.where(x.data > 0, x, y).clip(-1.0, 1.0)
    return (z @ y.T).amax(axis=1).sum() + tg.concatenate([z, x], axis=1)[:, ::2].sum()


def loss_and_grads(f, inputs, hooks=None):
    outs = None
    if hooks is None:
        outs = f(*inputs)
    else:
        with tg.saved_tensors_hooks(*hooks):
            outs = f(*inputs)
    grads = tg.grad(outs, [t for t in inputs if t.requires_grad])
    return outs.item(), [g.data for g in grads]


IDENTITY = (lambda a: a, lambda a: a)


@settings(max_examples=10)
@given(st.data())
def test_identity_hooks_change_no_gradient_bit(data: st.DataObject) -> None:
    x = Tensor(data.draw(tst.arrays((3, 4), away_from=(0.0,), min_distance=0.1)),
               requires_grad=True)
    y = Tensor(data.draw(tst.arrays((3, 4))), requires_grad=True)
    same(loss_and_grads(chain, [x, y]), loss_and_grads(chain, [x, y], IDENTITY))
    model = cnn()
    images = Tensor(data.draw(tst.arrays((2, 2, 4, 4))), requires_grad=True)
    params = [images, *model.parameters()]
    plain = loss_and_grads(lambda t, *_: F.cross_entropy(model(t), np.array([0, 2])), params)
    hooked = loss_and_grads(lambda t, *_: F.cross_entropy(model(t), np.array([0, 2])), params,
                            IDENTITY)
    same(plain, hooked)


def same(a: tuple, b: tuple) -> None:
    assert a[0] == b[0]
    for x, y in zip(a[1], b[1], strict=True):
        np.testing.assert_array_equal(x, y)


def test_pack_sees_every_kept_array_and_names_the_op() -> None:
    x = Tensor(np.linspace(0.5, 2, 6).reshape(2, 3), requires_grad=True)
    y = Tensor(np.ones((2, 3)), requires_grad=True)
    expected: dict[str, int] = {}
    for t in topological_order([chain(x, y)]):  # what the ops keep, counted independently
        ctx = t._ctx
        if ctx is not None:
            kept = sum(i < len(ctx.parents) for i in ctx.saves_inputs) + ctx.uses_output + \
                sum(isinstance(a, np.ndarray) for a in ctx.saved)
            expected[ctx.name] = expected.get(ctx.name, 0) + kept
    seen: dict[str, int] = {}

    def pack(a: np.ndarray) -> np.ndarray:
        seen[packing_op()] = seen.get(packing_op(), 0) + 1
        return a
    with tg.saved_tensors_hooks(pack, lambda a: a):
        chain(x, y)
    assert seen == {k: v for k, v in expected.items() if v}
    assert packing_op() is None


def test_backward_sees_the_unpacked_values() -> None:
    """An unpack that returns twice the value doubles d(x*y)/dx = y."""
    x, y = Tensor(np.ones(3), requires_grad=True), Tensor(np.arange(3.0), requires_grad=True)
    with tg.saved_tensors_hooks(lambda a: a, lambda a: 2 * a):
        z = (x * y).sum()
    z.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * y.data)


def test_originals_are_freed_and_only_the_packed_form_kept() -> None:
    x = Tensor(np.full((4, 5), 0.3), requires_grad=True)
    refs = []
    for hooks in (None, (lambda a: a.astype(np.float16), lambda p: p.astype(np.float64))):
        gc.collect()
        gc.disable()  # freed by reference counting alone
        try:
            def forward():
                h = (x * 3.0).tanh()
                refs.append(weakref.ref(h))
                return (h * h).sum()
            if hooks is None:
                loss = forward()
            else:
                with tg.saved_tensors_hooks(*hooks):
                    loss = forward()
            assert (refs[-1]() is None) == (hooks is not None)
            (g,) = tg.grad(loss, x)
            expected = 2 * np.tanh(0.9) * (1 - np.tanh(0.9) ** 2) * 3
            np.testing.assert_allclose(g.data, expected, rtol=1e-2 if hooks else 1e-12)
        finally:
            gc.enable()


def test_tensor_used_after_the_block_is_reconnected() -> None:
    x = Tensor(np.linspace(-1, 1, 4), requires_grad=True)
    with tg.saved_tensors_hooks(*IDENTITY):
        h = x.tanh()
        inside = (h * 2.0).sum()
    total = inside + (h * h).sum()  # h consumed inside and after the block
    (g,) = tg.grad(total, x)
    np.testing.assert_allclose(g.data, (2 + 2 * np.tanh(x.data)) * (1 - np.tanh(x.data) ** 2),
                               rtol=1e-12)


def test_errors_create_graph_and_bad_unpack() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    with tg.saved_tensors_hooks(*IDENTITY):
        z = (x * x).sum()
    with pytest.raises(tg.BackwardError, match="create_graph=True through an op recorded"):
        tg.grad(z, x, create_graph=True)
    with tg.saved_tensors_hooks(lambda a: a, lambda a: a[:1]):
        z = (x * x).sum()
    with pytest.raises(tg.ShapeError, match=r"Mul's input 0 of shape \(3,\)"):
        z.backward()
    with pytest.raises(tg.ArgumentError, match="callables"):
        tg.saved_tensors_hooks(None, lambda a: a)


def test_nothing_installed_outside_and_hooks_are_per_thread() -> None:
    packed = []
    seen_in_thread = []
    x = Tensor(np.ones(2), requires_grad=True)

    def other() -> None:
        seen_in_thread.append(hasattr((x * x)._ctx, "_packed"))

    with tg.saved_tensors_hooks(lambda a: packed.append(a) or a, lambda a: a):
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert hasattr((x * x)._ctx, "_packed")
    assert seen_in_thread == [False] and packed
    assert op_observers.count == 0
    assert "_packed" not in vars((x * x)._ctx)
