"""How a leaf's `.grad` takes a later backward's gradient, as PyTorch's AccumulateGrad:

- without create_graph, into the .grad tensor there is, in place (`grad += new`): whoever
  holds it (a user's `g = p.grad`, an optimizer, a tensor set as .grad by hand) sees the
  sum, and the write counts in its version (a graph that saved it refuses to backward);
- with create_graph, as a new tensor (`grad + new`), the first one a clone, so two leaves
  never share one gradient tensor;
- a retained non-leaf's .grad (retain_grad) is replaced by a new sum, never written into.

Each test runs the same code on tinygrad_bn and on PyTorch (skipped without it): the
assertions are PyTorch's behaviour, checked on PyTorch itself.
"""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg

try:
    import torch
except ImportError:
    torch = None

FRAMEWORKS = [pytest.param(tg, id="tinygrad_bn"),
              pytest.param(torch, id="torch", marks=pytest.mark.skipif(
                  torch is None, reason="PyTorch is not installed"))]


def leaf(fw, values):
    return fw.tensor(np.asarray(values, np.float64), requires_grad=True)


def values(t) -> list:
    return t.detach().numpy().tolist()


@pytest.mark.parametrize("fw", FRAMEWORKS)
def test_a_held_grad_sees_the_next_backward(fw) -> None:
    p = leaf(fw, [1.0, 2.0])
    (p * p).sum().backward()
    held = p.grad
    (p * 3.0 + p * p).sum().backward()  # two contributions in the second pass
    assert p.grad is held
    assert values(held) == [2.0 + 3.0 + 2.0, 4.0 + 3.0 + 4.0]


@pytest.mark.parametrize("fw", FRAMEWORKS)
def test_a_grad_set_by_hand_is_accumulated_into(fw) -> None:
    p = leaf(fw, [1.0, 2.0])
    mine = fw.zeros(2, dtype=fw.float64) + 10.0
    p.grad = mine
    (p * 2.0).sum().backward()
    assert p.grad is mine and values(mine) == [12.0, 12.0]


@pytest.mark.parametrize("fw", FRAMEWORKS)
def test_zero_grad_without_set_to_none_keeps_the_tensor(fw) -> None:
    p = leaf(fw, [1.0, -1.0])
    opt = fw.optim.SGD([p], lr=0.1, momentum=0.9)
    (p * p).sum().backward()
    held = p.grad
    for _ in range(3):
        opt.step()
        opt.zero_grad(set_to_none=False)
        (p * p).sum().backward()
        assert p.grad is held
    assert np.allclose(values(held), [2 * v for v in values(p)])


@pytest.mark.parametrize("fw", FRAMEWORKS)
def test_with_create_graph_the_sum_is_a_new_tensor(fw) -> None:
    p = leaf(fw, [1.0, 2.0])
    (p * p).sum().backward()
    held = p.grad
    (p * p * p).sum().backward(create_graph=True)
    assert p.grad is not held and values(held) == [2.0, 4.0]
    assert values(p.grad) == [2.0 + 3.0, 4.0 + 12.0] and p.grad.requires_grad


@pytest.mark.parametrize("fw", FRAMEWORKS)
def test_leaves_never_share_a_gradient_tensor(fw) -> None:
    """Add hands the same gradient to both inputs: with create_graph each leaf keeps a
    clone, so a later in-place accumulation into one leaves the other alone."""
    a, b = leaf(fw, [1.0]), leaf(fw, [1.0])
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad
    (a * 5.0).sum().backward()
    assert values(a.grad) == [6.0] and values(b.grad) == [1.0]


@pytest.mark.parametrize("fw", FRAMEWORKS)
def test_a_retained_non_leaf_grad_is_replaced_not_written(fw) -> None:
    p = leaf(fw, [1.0, 2.0])
    y = p * 2.0
    y.retain_grad()
    (y * y).sum().backward(retain_graph=True)
    held = y.grad
    (y * y).sum().backward()
    assert y.grad is not held and values(held) == [4.0, 8.0]
    assert values(y.grad) == [8.0, 16.0]


@pytest.mark.parametrize("fw", FRAMEWORKS)
def test_the_in_place_accumulation_counts_as_a_write(fw) -> None:
    """A graph that saved p.grad (Mul saves its inputs) refuses to backward after a later
    backward added into p.grad."""
    p, w = leaf(fw, [1.0, 2.0]), leaf(fw, [3.0, 4.0])
    (p * p).sum().backward()
    z = (w * p.grad).sum()
    (p * 2.0).sum().backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.backward()


@pytest.mark.parametrize("fw", FRAMEWORKS)
def test_backward_with_inputs_accumulates_in_place_too(fw) -> None:
    p, q = leaf(fw, [1.0, 2.0]), leaf(fw, [3.0, 4.0])
    (p * q).sum().backward(inputs=[p])
    held = p.grad
    (p * q).sum().backward(inputs=[p, q])
    assert p.grad is held and values(held) == [6.0, 8.0] and values(q.grad) == [1.0, 2.0]


@pytest.mark.parametrize("fw", FRAMEWORKS)
def test_a_leaf_with_a_hook_accumulates_the_hooked_gradient_in_place(fw) -> None:
    p = leaf(fw, [1.0, 2.0])
    p.register_hook(lambda g: g * 10.0)
    (p * 1.0).sum().backward()
    held = p.grad
    (p * 2.0).sum().backward()
    assert p.grad is held and values(held) == [30.0, 30.0]
