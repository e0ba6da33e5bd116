"""tg.checkpoint: the same gradients as without (bit for bit), dropout's mask replayed,
batch norm's statistics updated once, fewer bytes kept, and its contract's errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.benchmarking.memory import graph_saved_bytes
from tinygrad_bn.testing import strategies as tst


def blocks(width: int, depth: int, dropout: float = 0.0) -> list[nn.Module]:
    tg.manual_seed(1)
    return [nn.Sequential(nn.Linear(width, width), nn.BatchNorm1d(width), nn.ReLU(),
                          nn.Dropout(dropout)).to(np.float64) for _ in range(depth)]


def step(model: list[nn.Module], x: np.ndarray, target: np.ndarray, every: int | None,
         seed: int = 3) -> tuple[float, list[np.ndarray], np.ndarray]:
    """One fwd+bwd with checkpoint segments of `every` blocks (None: no checkpoint);
    returns the loss, the gradients (x's and every parameter's) and the next draw of the
    project generator."""
    tg.manual_seed(seed)
    xt = Tensor(x, requires_grad=True)
    h = xt
    for start in range(0, len(model), every or len(model)):
        segment = model[start:start + (every or len(model))]

        def run(t: Tensor, segment: list = segment) -> Tensor:
            for block in segment:
                t = block(t)
            return t
        h = tg.checkpoint(run, h) if every else run(h)
    loss = F.cross_entropy(h, target)
    loss.backward()
    grads = [xt.grad.data] + [p.grad.data.copy() for m in model for p in m.parameters()]
    for m in model:
        m.zero_grad()
    return loss.item(), grads, tg.seeding.generator().random(3)


@settings(max_examples=10)
@given(st.data())
def test_same_gradients_bit_for_bit_with_dropout_and_batch_norm(data: st.DataObject) -> None:
    width, depth = data.draw(st.integers(2, 5)), data.draw(st.integers(1, 4))
    every = data.draw(st.integers(1, depth))
    p = data.draw(st.sampled_from([0.0, 0.3]))
    x = data.draw(tst.arrays((6, width)))
    target = np.array(data.draw(st.lists(st.integers(0, width - 1), min_size=6, max_size=6)))
    plain_model, checked_model = blocks(width, depth, p), blocks(width, depth, p)
    loss, grads, after = step(plain_model, x, target, None)
    loss_c, grads_c, after_c = step(checked_model, x, target, every)
    assert loss == loss_c
    for g, gc in zip(grads, grads_c):
        np.testing.assert_array_equal(g, gc)
    np.testing.assert_array_equal(after, after_c)  # the generator moved on the same way
    for a, b in zip(plain_model, checked_model):  # running stats updated exactly once
        for (name, x1), (_, x2) in zip(a.state_dict().items(), b.state_dict().items()):
            np.testing.assert_array_equal(x1, x2, err_msg=name)


def test_dropout_mask_is_replayed_not_redrawn() -> None:
    """Without the replay the recompute would draw a new mask: the gradient would then
    be zero exactly where the forward's mask kept the value but the new one dropped it."""
    tg.manual_seed(0)
    x = Tensor(np.ones((50, 40)), requires_grad=True)
    y = tg.checkpoint(lambda t: F.dropout(t * 2.0, p=0.5), x)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, y.data)  # at x = 1, y = 4 mask = dy/dx


def test_keeps_fewer_bytes_and_grad_reaches_closure_parameters() -> None:
    model = blocks(32, 6)
    x = np.random.default_rng(0).standard_normal((64, 32))
    params = [p for m in model for p in m.parameters()]
    own = [x] + [p.data for p in params] + [b for m in model for b in m.buffers()]

    def forward(every: int | None) -> Tensor:
        h = Tensor(x, requires_grad=True)
        for start in range(0, 6, every or 6):
            seg = model[start:start + (every or 6)]
            h = tg.checkpoint(nn.Sequential(*seg), h) if every else nn.Sequential(*seg)(h)
        return h.sum()
    plain, checked = forward(None), forward(3)
    kept, kept_c = graph_saved_bytes(plain, own), graph_saved_bytes(checked, own)
    assert kept_c < kept / 3
    assert kept_c == 2 * 64 * 32 * 8  # only the two segments' outputs (64 x 32 float64)
    g_plain = tg.grad(plain, params)
    g_checked = tg.grad(checked, params)  # tg.grad works too: parameters are parents
    for a, b in zip(g_plain, g_checked):
        np.testing.assert_array_equal(a.data, b.data)


@given(x=tst.tensors(shape=tst.shapes(min_dims=1, max_dims=2, max_side=3)))
def test_gradcheck_gradgradcheck_and_forward_mode_through_a_segment(x: Tensor) -> None:
    w = Tensor(np.linspace(-1, 1, x.shape[-1]), requires_grad=True)

    def f(t: Tensor, v: Tensor) -> Tensor:
        return tg.checkpoint(lambda a: (a * w).tanh() * a + v.exp(), t)
    v = Tensor(np.full(x.shape[-1], 0.5), requires_grad=True)
    assert tg.gradcheck(f, [x, v])  # with its forward-mode check: Checkpoint.jvp
    assert tg.gradgradcheck(f, [x, v])


def test_nested_checkpoints() -> None:
    x = Tensor(np.linspace(-1, 1, 5), requires_grad=True)
    inner = lambda t: (t * t).tanh()  # noqa: E731
    y = tg.checkpoint(lambda t: tg.checkpoint(inner, t) * 3.0, x)
    (g,) = tg.grad(y.sum(), x)
    np.testing.assert_allclose(g.data, 3 * (1 - np.tanh(x.data ** 2) ** 2) * 2 * x.data)


def test_contract_errors_and_no_grad_passthrough() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    outside = x * 2.0  # a non-leaf read by closure
    with pytest.raises(tg.ArgumentError, match="outside the segment; pass it"):
        tg.checkpoint(lambda t: t + outside, x)
    with pytest.raises(tg.ArgumentError, match="one Tensor"):
        tg.checkpoint(lambda t: (t, t), x)
    with tg.no_grad():
        y = tg.checkpoint(lambda t: t * 2.0, x)
    assert y._ctx is None
    assert tg.checkpoint(lambda t: t * 2.0, Tensor(np.ones(3)))._ctx is None
