"""The engine's recursive order (`order.backward_order`) against the iterative
`topological_order` it stands in for: the same tensors in the same order on random graphs
(shared tensors, a tensor used twice by one op, leaves with and without hooks, inputs that
need no gradient, several outputs, tensors written in place after their use), the same
error for a freed graph, and the iterative walk taking over past the recursion limit. And
the array pass's no_grad, entered only at its first Tensor rule or hook: hooks and Tensor
rules still run without recording, and the mode is back after the pass, also after an
error."""

from __future__ import annotations

import inspect
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn.autograd import engine, order
from tinygrad_bn.errors import BackwardError

OPS = ["add", "mul", "square", "relu", "linear", "sum_rows", "exp", "write"]


def _graph(plan: list[tuple[str, int, int]], hooked: list[bool],
           outputs: list[int]) -> tuple[list[tg.Tensor], list[tg.Tensor]]:
    """Leaves (two needing no gradient, some with hooks) and the tensors the plan makes
    from them, each step an op on two tensors picked by index; 'write' adds into a
    tensor in place after it was used (its consumers' edges then point at its old
    identity). Returns the outputs picked (repeats allowed) and every tensor made."""
    rng = np.random.default_rng(0)
    leaves = [tg.Tensor(rng.standard_normal((3, 3)), requires_grad=k < len(hooked))
              for k in range(len(hooked) + 2)]
    for leaf, hook in zip(leaves, hooked):
        if hook:
            leaf.register_hook(lambda g: None)
    pool = list(leaves)
    for name, i, j in plan:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if name == "add":
            pool.append(a + b)
        elif name == "mul":
            pool.append(a * b)
        elif name == "square":  # one op with the same parent twice
            pool.append(a * a)
        elif name == "relu":
            pool.append(F.relu(a))
        elif name == "linear":
            pool.append(F.linear(a, b))
        elif name == "sum_rows":
            pool.append(a.sum(axis=0, keepdims=True) + b)
        elif name == "exp":
            pool.append(a.exp())
        elif a._ctx is not None:  # write: only into an op's output (leaves stay leaves)
            with tg.no_grad():
                a.add_(1.0)
    made = [t for t in pool if t.requires_grad]
    return [made[k % len(made)] for k in outputs], pool


def _ids(order: list[tg.Tensor]) -> list[int]:
    return [id(t) for t in order]


@settings(max_examples=25, deadline=None)
@given(plan=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 40), st.integers(0, 40)),
                     min_size=1, max_size=14),
       hooked=st.lists(st.booleans(), min_size=1, max_size=4),
       outputs=st.lists(st.integers(0, 40), min_size=1, max_size=3),
       leaves=st.booleans())
def test_recursive_order_is_the_iterative_one(plan, hooked, outputs, leaves) -> None:
    outs, _ = _graph(plan, hooked, outputs)
    expected = order.topological_order(outs, leaves=leaves)
    assert _ids(order.backward_order(outs, leaves)) == _ids(expected)
    # a second walk (edges of written tensors already resolved) gives it again
    assert _ids(order.backward_order(outs, leaves)) == _ids(expected)


@settings(max_examples=10, deadline=None)
@given(plan=st.lists(st.tuples(st.sampled_from(OPS), st.integers(0, 40), st.integers(0, 40)),
                     min_size=1, max_size=10),
       outputs=st.lists(st.integers(0, 40), min_size=1, max_size=2))
def test_backward_gives_the_gradients_of_the_iterative_order(plan, outputs) -> None:
    """The whole backward with the engine's order replaced by the iterative one: the
    same .grad bytes, hooks called in the same order, the same refusal."""
    grads = []
    for order_fn in (engine.backward_order,
                     lambda outs, leaves: order.topological_order(outs, leaves=leaves)):
        outs, pool = _graph(plan, [True, False, True], outputs)
        calls: list[int] = []
        for k, t in enumerate(pool):
            if t.requires_grad:
                t.register_hook(lambda g, k=k, calls=calls: calls.append(k))
        saved, engine.backward_order = engine.backward_order, order_fn
        error = None
        try:
            tg.autograd.backward([o.sum() for o in outs])
        except BackwardError as e:  # a saved input written in place: refused alike
            error = str(e)
        finally:
            engine.backward_order = saved
        grads.append(([None if t.grad is None else t.grad.numpy().tobytes()
                       for t in pool[:3]], calls, error))
    assert grads[0] == grads[1]


def _chain(depth: int) -> tuple[tg.Tensor, tg.Tensor]:
    x = tg.Tensor(np.ones(2), requires_grad=True)
    y = x
    for _ in range(depth):
        y = y * 1.0
    return x, y.sum()


def test_past_the_recursion_limit_the_iterative_walk_takes_over() -> None:
    x, loss = _chain(400)
    expected = _ids(order.topological_order([loss], leaves=False))
    limit = sys.getrecursionlimit()
    depth = len(inspect.stack(0))
    sys.setrecursionlimit(depth + 100)  # the recursive walk fails some 100 nodes down
    try:
        walked = order.backward_order([loss], False)
        assert _ids(walked) == expected
        loss.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert np.array_equal(x.grad.numpy(), np.ones(2))


def test_a_freed_graph_is_refused_with_the_iterative_walks_error() -> None:
    x = tg.Tensor(np.ones(3), requires_grad=True)
    y = (x.exp() * 2.0).sum()
    y.backward()
    errors = []
    for walk in (lambda: order.backward_order([y], False),
                 lambda: order.topological_order([y], leaves=False)):
        with pytest.raises(BackwardError) as info:
            walk()
        errors.append(str(info.value))
    assert errors[0] == errors[1] and "retain_graph=True" in errors[0]


def test_the_array_pass_runs_hooks_and_tensor_rules_without_recording() -> None:
    seen = []

    class Twice(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2.0

        @staticmethod
        def backward(ctx, g):
            seen.append(("rule", tg.is_grad_enabled()))
            return g * 2.0

    w = tg.Tensor(np.ones((3, 3)), requires_grad=True)
    h = F.relu(F.linear(tg.Tensor(np.ones((2, 3))), w))  # array rules first
    h.register_hook(lambda g: seen.append(("hook", tg.is_grad_enabled())))
    Twice.apply(h).sum().backward()
    assert seen == [("rule", False), ("hook", False)]
    assert tg.is_grad_enabled()
    assert w.grad is not None and w.grad._ctx is None


def test_grad_mode_is_back_after_a_hook_raises() -> None:
    x = tg.Tensor(np.ones(3), requires_grad=True)
    h = F.relu(x * 1.0)

    def bad(g):
        raise ValueError("hook failed")

    h.register_hook(bad)
    with pytest.raises(ValueError, match="hook failed"):
        (h * 2.0).sum().backward()
    assert tg.is_grad_enabled()
    y = F.relu(x * 1.0)
    y.register_hook(lambda g: None)
    loss = y.sum()
    with tg.no_grad():  # a no_grad around the backward is what holds after it
        loss.backward()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_a_hook_before_any_tensor_rule_runs_without_recording() -> None:
    w = tg.Tensor(np.ones((3, 3)), requires_grad=True)
    h = F.linear(tg.Tensor(np.ones((2, 3))), w)
    seen = []
    h.register_hook(lambda g: seen.append(tg.is_grad_enabled()))
    F.cross_entropy(F.relu(h), tg.Tensor(np.array([0, 2]))).backward()  # array rules only
    assert seen == [False] and tg.is_grad_enabled()
