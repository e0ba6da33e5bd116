"""The engine's array pass (a backward without create_graph, gradients as ndarrays, each
op's `backward_arrays` called directly) against the ways of computing the same gradients
that do not take it: every node's `backward` on Tensors (forced by a no-op hook on each
node), `tg.grad` (results instead of .grad), a second backward with retain_graph, and the
differentiable pass (create_graph=True), on random float64 graphs of the ops that have an
array rule (Linear, ReLU, sigmoid, fused batch norm, cross-entropy) mixed with ops that
have none (broadcasting products, sums, a tensor used several times).

Bit-identical means equal bytes. The differentiable pass runs each op's Tensor rule, whose
rounding may differ (cross-entropy's softmax is recomputed, the batch norm's formulas are
rebuilt from ops): there the gradients agree to 1e-9."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn.autograd.primitive import Function

N, C = 5, 4
STEPS = ["linear", "relu", "sigmoid", "batch_norm", "scale_rows", "scale_all", "add",
         "mul", "column_sum"]


def _leaves(rng: np.random.Generator) -> dict[str, tg.Tensor]:
    shapes = {"x": (N, C), "w1": (C, C), "b1": (C,), "w2": (C, C), "b2": (C,),
              "gamma": (C,), "beta": (C,), "s": (1, C), "c": ()}
    return {k: tg.Tensor(rng.standard_normal(shape), requires_grad=True)
            for k, shape in shapes.items()}


def _build(leaves: dict[str, tg.Tensor], plan: list[tuple[str, int, int]],
           labels: np.ndarray) -> tg.Tensor:
    """The loss of the graph the plan describes: each step applies an op to tensors made
    earlier (picked by index), so tensors are shared and gradients accumulate."""
    pool = [leaves["x"]]
    for name, i, j in plan:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if name == "linear":
            k = "1" if j % 2 else "2"
            pool.append(F.linear(a, leaves["w" + k], leaves["b" + k]))
        elif name == "relu":
            pool.append(F.relu(a))
        elif name == "sigmoid":
            pool.append(F.sigmoid(a))
        elif name == "batch_norm":
            pool.append(F.batch_norm(a, None, None, leaves["gamma"], leaves["beta"],
                                     training=True))
        elif name == "scale_rows":  # (N, C) * (1, C): the engine sums s's gradient back
            pool.append(a * leaves["s"])
        elif name == "scale_all":
            pool.append(a * leaves["c"])
        elif name == "add":
            pool.append(a + b)
        elif name == "mul":
            pool.append(a * b)
        else:  # (C,) broadcast back over the rows
            pool.append(a + a.sum(axis=0))
    loss = F.cross_entropy(pool[-1], labels)
    for t in pool[1:-1:2]:  # more outputs' worth of paths into the shared tensors
        loss = loss + (t * 0.5).sum()
    return loss


def _nodes(loss: tg.Tensor) -> list[Function]:
    seen, stack, nodes = set(), [loss.grad_fn], []
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen or not isinstance(node, Function):
            continue
        seen.add(id(node))
        nodes.append(node)
        stack.extend(n for n, _ in node.next_functions)
    return nodes


def _grads(leaves: dict[str, tg.Tensor]) -> dict[str, np.ndarray]:
    return {k: t.grad.data.copy() for k, t in leaves.items() if t.grad is not None}


def _same_bits(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert a[k].dtype == b[k].dtype and a[k].shape == b[k].shape, k
        assert a[k].tobytes() == b[k].tobytes(), k


plans = st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 50), st.integers(0, 50)),
                 min_size=1, max_size=10)


def _passes(leaves: dict[str, tg.Tensor], plan: list, labels: np.ndarray,
            hooked: bool) -> list[dict[str, np.ndarray]]:
    """The leaves' gradients after one backward and after a second one through the retained
    graph (which adds into the first's .grad); `hooked`: a no-op hook on every node, which
    makes the engine run each node's Tensor backward instead of its array rule."""
    for t in leaves.values():
        t.grad = None
    loss = _build(leaves, plan, labels)
    if hooked:
        for node in _nodes(loss):
            node.register_hook(lambda grad_inputs, grad_outputs: None)
    loss.backward(retain_graph=True)
    first = _grads(leaves)
    loss.backward()
    return [first, _grads(leaves)]


def _two_graphs(leaves: dict[str, tg.Tensor], plan: list,
                labels: np.ndarray) -> dict[str, np.ndarray]:
    """The leaves' gradients after the backward of two graphs built alike: what the second
    backward through one retained graph must give (a rule that wrote into what its node
    saved would change the second)."""
    for t in leaves.values():
        t.grad = None
    _build(leaves, plan, labels).backward()
    _build(leaves, plan, labels).backward()
    return _grads(leaves)


@settings(max_examples=25, deadline=None)
@given(plan=plans, seed=st.integers(0, 2**16))
def test_array_pass_gives_the_bits_of_the_tensor_rules_and_agrees_with_create_graph(
        plan, seed):
    rng = np.random.default_rng(seed)
    leaves = _leaves(rng)
    labels = rng.integers(0, C, N)

    fast = _passes(leaves, plan, labels, hooked=False)
    for a, b in zip(fast, _passes(leaves, plan, labels, hooked=True)):
        _same_bits(a, b)
    _same_bits(fast[1], _two_graphs(leaves, plan, labels))

    # tg.grad: the same pass, the gradients returned instead of accumulated
    names = list(fast[0])
    results = tg.grad(_build(leaves, plan, labels), [leaves[k] for k in names])
    _same_bits(fast[0], {k: r.data for k, r in zip(names, results)})

    # the differentiable pass: each op's Tensor rule, equal up to rounding
    for t in leaves.values():
        t.grad = None
    _build(leaves, plan, labels).backward(create_graph=True)
    graph = _grads(leaves)
    assert graph.keys() == fast[0].keys()
    for k in graph:
        np.testing.assert_allclose(graph[k], fast[0][k], rtol=1e-9, atol=1e-12, err_msg=k)


def test_a_subclass_that_overrides_backward_does_not_inherit_the_array_rule():
    """The engine calls backward_arrays directly: a subclass that changes backward alone
    must get its own backward called, not the parent's array rule."""
    from tinygrad_bn.ops.unary import Rectify

    class Doubled(Rectify):
        def backward(self, g):
            return super().backward(g) * 2

    assert Rectify.arrays_rule and not Doubled.arrays_rule
    x = tg.Tensor(np.array([1.0, -1.0, 2.0]), requires_grad=True)
    Doubled.apply(x).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 0.0, 2.0])


@pytest.mark.parametrize("create_graph", [False, True])
def test_tensor_hooks_see_tensors_and_their_replacement_is_used(create_graph):
    seen = []
    x = tg.Tensor(np.array([[1.0, -2.0], [3.0, 4.0]]), requires_grad=True)
    h = F.relu(x)

    def hook(g):
        seen.append(type(g))
        return g * 3

    h.register_hook(hook)
    (h * h).sum().backward(create_graph=create_graph)
    assert seen == [tg.Tensor]
    np.testing.assert_array_equal(x.grad.data, [[6.0, 0.0], [18.0, 24.0]])


@pytest.mark.parametrize("order", ["product first", "sum first"])
def test_one_array_sent_to_two_inputs_is_not_added_into(order):
    """Add sends the same gradient array to both inputs: when one of them receives another
    gradient later, the sum must not be written into the array the other one holds."""
    x = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    p, q = x * 2.0, x * 3.0
    r = p + q
    loss = (p * p + r).sum() if order == "product first" else (r + p * p).sum()
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, 5.0 + 8.0 * x.data)  # 2 (1 + 2p) + 3


def test_zero_dim_gradients_of_fresh_rules_add_up():
    """A rule's arithmetic on 0-d arrays returns NumPy scalars, which take no in-place
    add: two such gradients of one tensor must still be summed (TypeError before)."""
    x = tg.Tensor(np.array(0.5), requires_grad=True)
    h = x * 2.0
    (F.sigmoid(h) + F.sigmoid(h)).backward()
    s = 1.0 / (1.0 + np.exp(-1.0))
    np.testing.assert_allclose(x.grad.data, 2.0 * 2.0 * s * (1.0 - s), rtol=1e-15)
