"""The backward engine: ordering, accumulation, retention, hooks, no_grad, freeing, memory,
`tg.grad`, and the dtype policy."""

from __future__ import annotations

import gc
import math
import weakref
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.tensor import Function


@pytest.fixture
def refcount_only() -> Iterator[None]:
    """Run with the cycle collector off: whatever is freed is freed by reference counting,
    which proves no reference cycle holds it."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def leaf(values: object, dtype: type = np.float64) -> Tensor:
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


# ------------------------------------------------------------------ graph order

def test_50000_op_chain_backpropagates_without_recursion_error() -> None:
    x = leaf([1.0, 2.0])
    c = 1.0 + 1e-5
    y = x
    for _ in range(50_000):
        y = y * c
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [c**50_000] * 2, rtol=1e-9)


def test_dropping_a_deep_unfreed_chain_does_not_overflow_the_stack() -> None:
    x = leaf([1.0])
    y = x
    for _ in range(50_000):
        y = y + 1.0
    ref = weakref.ref(y)
    del y
    assert ref() is None


def test_reused_node_gets_summed_gradient() -> None:
    x = leaf([0.5, -1.0, 2.0])
    total = x
    for _ in range(99):
        total = total + x
    assert tg.grad(total.sum(), x)[0].data.tolist() == [100.0] * 3


def test_diamond_graph_sums_both_paths() -> None:
    """b = a*a + a with a = e^x: db/dx = e^x (2 e^x + 1), through three paths to a."""
    x = leaf([0.3, -0.7])
    a = x.exp()
    (a * a + a).sum().backward()
    e = np.exp(x.data)
    np.testing.assert_allclose(x.grad.data, e * (2 * e + 1), rtol=1e-12)


def test_leaf_backward_seeds_its_own_grad() -> None:
    x = leaf([1.0, 2.0])
    x.backward(np.array([3.0, 4.0]))
    assert x.grad.data.tolist() == [3.0, 4.0]


# ------------------------------------------------------------------ .grad

def test_grad_accumulates_across_backward_calls_until_reset() -> None:
    x = leaf([1.0, 2.0])
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert x.grad.data.tolist() == [4.0, 8.0]
    x.grad = None
    (x * 3.0).sum().backward()
    assert x.grad.data.tolist() == [3.0, 3.0]


def test_leaf_grad_is_a_fresh_writable_array() -> None:
    """An optimizer may update .grad in place: it must not alias the seed, another leaf's
    grad, or a read-only broadcast view."""
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    seed = np.array([1.0, 1.0])
    (x + y).backward(seed)
    x.grad.data *= 10
    assert y.grad.data.tolist() == [1.0, 1.0] and seed.tolist() == [1.0, 1.0]
    z = leaf(np.zeros((2, 3)))
    z.sum().backward()
    assert z.grad.data.flags.writeable and not z.grad.requires_grad


def test_gradients_summed_in_place_never_alias_a_gradient_passed_on() -> None:
    """x gets three gradients: the engine sums the first two into a new array and adds
    the third in place, never into the g that Add also handed to y (or the seed)."""
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    seed = np.array([1.0, 1.0])
    ((x + y) + x + x).backward(seed)
    assert x.grad.data.tolist() == [3.0, 3.0] and y.grad.data.tolist() == [1.0, 1.0]
    assert seed.tolist() == [1.0, 1.0]
    x.grad.data *= 10  # the adopted sum is x's own array
    assert y.grad.data.tolist() == [1.0, 1.0]


class _Scale(Function):
    """z = x * y with fresh gradient arrays (declares fresh_grads), for the test below."""

    fresh_grads = True

    def forward(self, x, y):
        return x * y

    def backward(self, g):
        x, y = self.parents
        return Tensor(g.data * y.data), Tensor(g.data * x.data)


def test_fresh_gradients_are_summed_in_place_and_adopted_by_leaves_correctly() -> None:
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    z = _Scale.apply(x, y) + _Scale.apply(x, x)  # x: y + 2x; y: x
    z.backward(np.array([1.0, 1.0]))
    assert x.grad.data.tolist() == [5.0, 8.0] and y.grad.data.tolist() == [1.0, 2.0]
    x.grad.data *= 0  # each leaf owns its array
    assert y.grad.data.tolist() == [1.0, 2.0]


def test_a_later_backward_adds_into_the_leafs_grad_in_place() -> None:
    """Accumulation across calls adds into the .grad tensor there is, as PyTorch's
    AccumulateGrad (`grad += new` without create_graph): a user (or optimizer) holding it
    sees the sum, also when the leaf gets several gradients in the second pass (more
    cases, against PyTorch: tests/test_grad_accumulation_31.py)."""
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    first = x.grad
    (x * x + x * 5.0).sum().backward()
    assert x.grad is first
    assert first.data.tolist() == [3.0 + 2.0 + 5.0, 3.0 + 4.0 + 5.0]


def test_leaf_used_by_many_ops_gets_every_gradient_in_one_pass() -> None:
    """Leaves without hooks take their gradients as they arrive (not at a turn of their own
    in the order): all contributions, through broadcasting and a dtype cast, must add up."""
    w = leaf([[1.0, 2.0, 3.0]])  # (1, 3), broadcast against (2, 3)
    x = leaf([[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])
    y = (w * x).sum() + (w.astype(np.float32) * 2.0).sum() + (w * w).sum()
    y.backward()
    expected = x.data.sum(axis=0, keepdims=True) + 2.0 + 2.0 * w.data
    assert x.grad.data.tolist() == np.broadcast_to(w.data, (2, 3)).tolist()
    assert w.grad.data.tolist() == expected.tolist() and w.grad.dtype == np.float64


class _ReadsOutputUndeclared(Function):
    """exp whose backward reads self.output without declaring uses_output."""

    def forward(self, x):
        return np.exp(x)

    def backward(self, g):
        return g * self.output


class _ReadsOutput(_ReadsOutputUndeclared):
    uses_output = True


def test_reading_the_output_in_backward_needs_uses_output() -> None:
    x = leaf([0.0, 1.0])
    with pytest.raises(tg.BackwardError, match="_ReadsOutputUndeclared: set the class "
                                               "attribute uses_output = True"):
        _ReadsOutputUndeclared.apply(x).sum().backward()
    _ReadsOutput.apply(x).sum().backward()
    assert x.grad.data.tolist() == np.exp(x.data).tolist()


def test_non_leaf_grad_kept_only_with_retain_grad() -> None:
    x = leaf([1.0, 2.0])
    h = x * 3.0
    kept = x * 2.0
    kept.retain_grad()
    (h * kept).sum().backward()
    assert h.grad is None
    assert kept.grad.data.tolist() == (3.0 * x.data).tolist()
    assert x.grad.data.tolist() == (12.0 * x.data).tolist()


# ------------------------------------------------------------------ hooks

def test_hook_can_replace_the_gradient_flowing_on() -> None:
    x = leaf([1.0, 2.0])
    h = x * 2.0
    h.register_hook(lambda g: g * 10.0)
    h.sum().backward()
    assert x.grad.data.tolist() == [20.0, 20.0]


def test_observing_hook_sees_gradient_and_leaves_it_alone() -> None:
    x = leaf([1.0, 2.0])
    seen: list[np.ndarray] = []
    x.register_hook(lambda g: seen.append(g.data.copy()))
    (x * x).sum().backward()
    assert [s.tolist() for s in seen] == [[2.0, 4.0]]
    assert x.grad.data.tolist() == [2.0, 4.0]


def test_hook_on_leaf_changes_its_grad_and_removal_stops_it() -> None:
    x = leaf([1.0, 2.0])
    handle = x.register_hook(lambda g: -g)
    x.sum().backward()
    assert x.grad.data.tolist() == [-1.0, -1.0]
    handle.remove()
    x.grad = None
    x.sum().backward()
    assert x.grad.data.tolist() == [1.0, 1.0]


def test_leaf_hook_runs_once_on_the_summed_gradient() -> None:
    x = leaf([1.0, 2.0])
    seen: list[list[float]] = []
    x.register_hook(lambda g: seen.append(g.data.tolist()) or g * 2.0)
    (x * 3.0 + x * x).sum().backward()
    assert seen == [[3.0 + 2.0, 3.0 + 4.0]]
    assert x.grad.data.tolist() == [10.0, 14.0]


def test_hook_on_tensor_without_grad_is_refused() -> None:
    with pytest.raises(tg.BackwardError, match="register_hook"):
        Tensor(np.ones(2)).register_hook(lambda g: g)


# ------------------------------------------------------------------ no_grad

def test_no_grad_records_nothing() -> None:
    x = leaf([1.0, 2.0])
    with tg.no_grad():
        y = (x * 2.0).exp().sum()
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            z = x * 2.0
    assert tg.is_grad_enabled()
    assert y._ctx is None and not y.requires_grad
    assert z.requires_grad and z._ctx is not None
    with pytest.raises(tg.BackwardError, match="does not require grad"):
        y.backward()


def test_no_grad_restores_state_after_exception() -> None:
    with pytest.raises(ZeroDivisionError), tg.no_grad():
        raise ZeroDivisionError
    assert tg.is_grad_enabled()


def test_set_grad_enabled_as_decorator_and_nested_reuse() -> None:
    off = tg.set_grad_enabled(False)

    @tg.no_grad()
    def recorded() -> bool:
        return tg.is_grad_enabled()

    # as PyTorch's, making it turned recording off at once; leaving `with off` restores it
    assert recorded() is False and not tg.is_grad_enabled()
    with off:
        with tg.enable_grad():
            with off:  # the same object entered twice restores each level
                assert not tg.is_grad_enabled()
            assert tg.is_grad_enabled()
        assert not tg.is_grad_enabled()
    assert tg.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_data() -> None:
    x = leaf([1.0, 2.0])
    d = (x * 2.0).detach()
    assert d.is_leaf and not d.requires_grad
    y = x * 2.0
    assert np.shares_memory(y.detach().data, y.data)


# ------------------------------------------------------------------ freeing

def test_backward_releases_saved_inputs_and_second_backward_names_retain_graph() -> None:
    x = leaf([1.0, 2.0])
    h = x.exp()
    loss = (h * h).sum()
    loss.backward()
    assert h._ctx.parents is None and h._ctx.saved == ()
    with pytest.raises(tg.BackwardError, match="retain_graph=True"):
        loss.backward()


def test_retain_graph_allows_a_second_backward() -> None:
    x = leaf([1.0, 2.0])
    loss = (x.exp() * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    e = np.exp(x.data)
    np.testing.assert_allclose(x.grad.data, 2 * e * (x.data + 1), rtol=1e-12)


def test_intermediates_freed_by_backward_while_output_is_kept(refcount_only: None) -> None:
    x = leaf(np.ones(1000))
    h = x.exp()
    tensor_ref, array_ref = weakref.ref(h), weakref.ref(h.data)
    loss = (h * 2.0).tanh().sum()
    del h
    assert tensor_ref() is not None
    loss.backward()
    assert tensor_ref() is None and array_ref() is None
    assert loss.item() > 0  # the output itself is still usable


def _graph_refs(build: Callable[[Tensor], Tensor]) -> tuple[Tensor, list[weakref.ref]]:
    """Build a graph; return its output and weak references to every intermediate tensor,
    op and saved array below it."""
    x = leaf(np.linspace(-1, 1, 100))
    out = build(x)
    refs, stack, seen = [], [out], set()
    while stack:
        t = stack.pop()
        if id(t) in seen or t is x:
            continue
        seen.add(id(t))
        if t is not out:
            refs += [weakref.ref(t), weakref.ref(t.data)]
        if t._ctx is not None:
            refs.append(weakref.ref(t._ctx))
            stack.extend(t._ctx.parents)
    return out, refs


GRAPHS = {
    "elementwise": lambda x: ((x * 2.0).exp() + x.tanh()).sigmoid().sum(),
    "uses_output ops": lambda x: (x.exp().sqrt().tanh() * x).sum(),
    "reductions and indexing": lambda x: (x.reshape(10, 10)[::2, [1, 1, 3]].amax(axis=0)
                                          - x.var()).sum(),
    "joining": lambda x: tg.stack([x, x * x]).pad(1).mean(),
}


@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_no_reference_cycles_keep_intermediates_alive(name: str, refcount_only: None) -> None:
    out, refs = _graph_refs(GRAPHS[name])
    assert refs and all(r() is not None for r in refs)
    del out
    assert [r for r in refs if r() is not None] == []


def test_tg_grad_with_create_graph_leaves_no_cycles(refcount_only: None) -> None:
    def build(x: Tensor) -> Tensor:
        (g,) = tg.grad((x.tanh() * x).sum(), x, create_graph=True)
        return (g * g).sum()
    out, refs = _graph_refs(build)
    del out
    assert [r for r in refs if r() is not None] == []


def test_tensors_can_be_weakly_referenced() -> None:
    t = Tensor(np.ones(2))
    ref = weakref.ref(t)
    assert ref() is t
    del t
    assert ref() is None


# ------------------------------------------------------------------ tg.grad

def test_tg_grad_returns_gradients_and_leaves_dot_grad_untouched() -> None:
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    y.grad = Tensor(np.array([7.0, 7.0]))
    h = x * y
    h.retain_grad()
    gx, gy = tg.grad((h * x).sum(), [x, y])
    assert gx.data.tolist() == (2 * x.data * y.data).tolist()
    assert gy.data.tolist() == (x.data**2).tolist()
    assert x.grad is None and h.grad is None and y.grad.data.tolist() == [7.0, 7.0]


def test_tg_grad_results_are_fresh_writable_arrays() -> None:
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    gx, gy = tg.grad((x + y).sum(), [x, y])
    gx.data *= 5.0
    assert gy.data.tolist() == [1.0, 1.0]


def test_tg_grad_create_graph_gives_differentiable_gradients() -> None:
    x = leaf([0.5, -1.5])
    (g,) = tg.grad((x**3).sum(), x, create_graph=True)
    assert g.requires_grad
    (gg,) = tg.grad(g.sum(), x)
    assert gg.data.tolist() == (6 * x.data).tolist()
    assert not gg.requires_grad


def test_tg_grad_without_create_graph_frees_the_graph() -> None:
    x = leaf([1.0, 2.0])
    loss = (x.exp() * x).sum()
    (g,) = tg.grad(loss, x)
    assert not g.requires_grad
    with pytest.raises(tg.BackwardError, match="retain_graph"):
        loss.backward()


def test_tg_grad_retain_graph_then_backward() -> None:
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    (g,) = tg.grad(loss, x, retain_graph=True)
    loss.backward()
    assert x.grad.data.tolist() == g.data.tolist() == [2.0, 4.0]


def test_tg_grad_with_grad_outputs_and_non_leaf_input() -> None:
    x = leaf([1.0, 2.0])
    h = x * 3.0
    out = h * h
    gh, gx = tg.grad(out, [h, x], grad_outputs=Tensor(np.array([1.0, -1.0])))
    assert gh.data.tolist() == [6.0, -12.0]
    assert gx.data.tolist() == [18.0, -36.0]


def test_tg_grad_unused_input() -> None:
    x, unused = leaf([1.0]), leaf([2.0])
    assert tg.grad((x * 2.0).sum(), [x, unused], retain_graph=True)[1] is None
    with pytest.raises(tg.BackwardError, match="not used"):
        tg.grad((x * 2.0).sum(), [x, unused], allow_unused=False)


def test_backward_create_graph_accumulates_differentiable_grad() -> None:
    x = leaf([2.0])
    (x**3).sum().backward(create_graph=True)
    assert x.grad.requires_grad and x.grad.data.tolist() == [12.0]
    (gg,) = tg.grad(x.grad.sum(), x)
    assert gg.data.tolist() == [12.0]


# ------------------------------------------------------------------ dtype policy

def test_ndarray_dtype_kept_and_memory_shared() -> None:
    for dtype in (np.float16, np.float32, np.float64, np.int32, np.int64, np.bool_):
        a = np.zeros(3, dtype=dtype)
        t = Tensor(a)
        assert t.dtype == dtype and t.numpy() is a
    assert Tensor(np.float64(2.0)).dtype == np.float64


def test_python_data_becomes_float32() -> None:
    for data in (1, 2.5, [1, 2], [[1.0, 2.0], [3.0, 4.0]], (1, 2)):
        assert Tensor(data).dtype == np.float32
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64


def test_integer_tensors_cannot_require_grad() -> None:
    for dtype in (np.int32, np.int64, np.uint8, np.bool_):
        with pytest.raises(tg.DTypeError, match="only floating tensors"):
            Tensor(np.zeros(2, dtype=dtype), requires_grad=True)
        with pytest.raises(TypeError):
            Tensor(np.zeros(2, dtype=dtype)).requires_grad_()


F32_OPS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
    "div": lambda x, y: x / y, "pow": lambda x, y: x**y, "neg": lambda x, y: -x,
    "matmul": lambda x, y: x @ y.T, "matmul 1-D": lambda x, y: x[0] @ y[1],
    "scalar add": lambda x, y: 2.5 + x - 1, "scalar mul": lambda x, y: 0.1 * x / 3,
    "scalar pow": lambda x, y: x**2.5, "rpow": lambda x, y: 1.5**x, "int pow": lambda x, y: x**2,
    "numpy scalar": lambda x, y: x * np.float64(0.5),
    "exp": lambda x, y: x.exp(), "log": lambda x, y: x.log(), "sqrt": lambda x, y: x.sqrt(),
    "abs": lambda x, y: x.abs(), "tanh": lambda x, y: x.tanh(),
    "sigmoid": lambda x, y: (x * 100.0).sigmoid(), "relu": lambda x, y: (x - 1.0).relu(),
    "clip": lambda x, y: x.clip(0.5, 1.0), "sum": lambda x, y: x.sum(axis=0),
    "mean": lambda x, y: x.mean(axis=1, keepdims=True), "var": lambda x, y: x.var(ddof=1),
    "max": lambda x, y: x.amax(axis=0), "min": lambda x, y: x.min(),
    "reshape": lambda x, y: x.reshape(-1), "transpose": lambda x, y: x.T,
    "swapaxes": lambda x, y: x.swapaxes(0, 1), "expand": lambda x, y: x[:1].expand(4, 3),
    "squeeze": lambda x, y: x[:1].squeeze(0), "unsqueeze": lambda x, y: x.unsqueeze(1),
    "flatten": lambda x, y: x.flatten(), "pad": lambda x, y: x.pad(1, value=2.0),
    "getitem": lambda x, y: x[1:, ::2], "getitem array": lambda x, y: x[[0, 0, 1]],
    "concatenate": lambda x, y: tg.concatenate([x, y], axis=1),
    "stack": lambda x, y: tg.stack([x, y]), "where": lambda x, y: tg.where(x > y, x, 0.0),
    "maximum": lambda x, y: tg.maximum(x, y), "minimum": lambda x, y: tg.minimum(x, y.detach()),
    "astype": lambda x, y: x.astype(np.float64).astype(np.float32),
}


@pytest.mark.parametrize("name", sorted(F32_OPS))
def test_float32_op_and_its_gradients_stay_float32(name: str) -> None:
    rng = np.random.default_rng(0)
    x, y = (leaf(rng.uniform(0.5, 2.0, (3, 3)), dtype=np.float32) for _ in range(2))
    out = F32_OPS[name](x, y)
    assert out.dtype == np.float32
    grads = tg.grad(out, [x, y], grad_outputs=Tensor(np.ones(out.shape, np.float32)),
                    create_graph=True)
    assert all(g is None or g.dtype == np.float32 for g in grads)
    assert math.isfinite(float(out.data.sum()))
