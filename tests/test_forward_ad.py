"""Forward mode (tinygrad_bn/forward_ad.py): every op has a jvp rule, tg.jvp's contract,
dual tensors, and the state being per thread. Each op's rule is checked against reverse
mode and central differences by tg.gradcheck in the op's own Hypothesis test."""

from __future__ import annotations

import importlib
import pkgutil
import threading

import numpy as np
import pytest
from hypothesis import given

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn import forward_ad as fwd
from tinygrad_bn.tensor import Function, op_observers
from tinygrad_bn.testing import strategies as tst


def _all_subclasses(cls: type) -> list[type]:
    found, stack = [], [cls]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return found


def test_every_function_in_the_package_has_a_jvp_rule() -> None:
    """A new op that forgets its forward-mode rule fails here (the rule itself is then
    checked by gradcheck, which compares it with reverse mode and central differences)."""
    for module in pkgutil.walk_packages(tg.__path__, prefix="tinygrad_bn."):
        if not module.name.endswith("__main__"):  # that one runs the command line
            importlib.import_module(module.name)
    ops = [c for c in _all_subclasses(Function) if c.__module__.startswith("tinygrad_bn")]
    # 29 primitives, Linear, CrossEntropy, 8 conv/pool ops, FusedBatchNorm, 2 collectives
    assert len(ops) >= 42
    missing = [f"{c.__module__}.{c.__qualname__}" for c in ops if c.jvp is Function.jvp]
    assert not missing, f"Functions without a jvp rule: {missing}"


def test_an_op_without_a_rule_names_itself() -> None:
    class NoRule(Function):
        def forward(self, x):
            return x * 2

        def backward(self, g):
            return g * 2

    with pytest.raises(tg.UnsupportedError, match="NoRule has no forward-mode"):
        tg.jvp(NoRule.apply, Tensor(np.ones(2)), np.ones(2))


@given(x=tst.tensors(), t=tst.tensors())
def test_jvp_of_a_chain_equals_the_closed_form(x: Tensor, t: Tensor) -> None:
    t = Tensor(np.resize(t.data, x.shape))
    out, tangent = tg.jvp(lambda a: (a * a).tanh(), x, t)
    np.testing.assert_allclose(out.data, np.tanh(x.data ** 2), rtol=1e-13, atol=1e-13)
    expected = (1 - np.tanh(x.data ** 2) ** 2) * 2 * x.data * t.data
    np.testing.assert_allclose(tangent.data, expected, rtol=1e-12, atol=1e-12)


def test_jvp_with_several_inputs_and_outputs_and_a_constant_output() -> None:
    x, y = Tensor(np.array([1.0, 2.0])), Tensor(np.array([3.0, -1.0]))
    tx, ty = np.array([1.0, 0.5]), np.array([-2.0, 1.0])
    outs, tangents = tg.jvp(lambda a, b: (a * b, a.sum(), Tensor(np.ones(3))), [x, y], [tx, ty])
    assert isinstance(outs, tuple) and isinstance(tangents, tuple) and len(tangents) == 3
    np.testing.assert_allclose(tangents[0].data, tx * y.data + x.data * ty)
    np.testing.assert_allclose(tangents[1].data, tx.sum())
    np.testing.assert_array_equal(tangents[2].data, np.zeros(3))  # no dependence: zeros


def test_broadcast_input_gets_a_tangent_of_the_output_shape() -> None:
    x, b = Tensor(np.ones((3, 2))), Tensor(np.array([1.0, 2.0]))
    _, tangent = tg.jvp(lambda t: x + t, b, np.array([1.0, -1.0]))
    assert tangent.shape == (3, 2)
    np.testing.assert_array_equal(tangent.data, [[1.0, -1.0]] * 3)


def test_dual_api_tangent_stays_float32_and_is_dropped_on_exit() -> None:
    x = Tensor(np.array([0.5, 1.5], dtype=np.float32))
    with fwd.dual_level():
        d = fwd.make_dual(x, np.array([1.0, 2.0]))  # float64 tangent: cast to the primal's
        y = d.exp()
        primal, tangent = fwd.unpack_dual(y)
        assert primal is y and tangent.dtype == np.float32
        np.testing.assert_allclose(tangent.data, np.exp(x.data) * [1.0, 2.0], rtol=1e-6)
        assert fwd.unpack_dual(x).tangent is None  # the primal itself carries none
    assert fwd.tangent_of(y) is None
    assert op_observers.count == 0  # nothing left installed: ops are back to one check


def test_wrong_tangent_shape_and_nesting_and_no_level_are_clear_errors() -> None:
    x = Tensor(np.ones(3))
    with pytest.raises(tg.ShapeError, match=r"tangent of shape \(2,\).*\(3,\)"):
        tg.jvp(lambda a: a, x, np.ones(2))
    with pytest.raises(tg.ArgumentError, match="needs an open level"):
        fwd.make_dual(x, np.ones(3))
    with fwd.dual_level(), pytest.raises(tg.ArgumentError, match="do not nest"):
        tg.jvp(lambda a: a, x, np.ones(3))
    with pytest.raises(tg.DTypeError, match="floating"):
        tg.jvp(lambda a: a, Tensor(np.arange(3)), np.ones(3))


def test_level_is_per_thread() -> None:
    """Another thread's ops see no tangents while this thread has a level open."""
    seen: list = []
    x = Tensor(np.ones(2))

    def other() -> None:
        seen.append(fwd.tangent_of(x * 2))
        with fwd.dual_level():  # and it may open its own level meanwhile
            seen.append(fwd.unpack_dual(fwd.make_dual(x, np.ones(2)) * 3).tangent.data.tolist())

    with fwd.dual_level():
        d = fwd.make_dual(x, np.ones(2))
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        assert fwd.tangent_of(d * 5).data.tolist() == [5.0, 5.0]
    assert seen == [None, [3.0, 3.0]]


def test_a_level_keeps_no_intermediate_alive() -> None:
    import gc
    import weakref
    x = Tensor(np.ones(4))
    with fwd.dual_level():
        d = fwd.make_dual(x, np.ones(4))
        ref = weakref.ref(d.exp())
        gc.collect()
        assert ref() is None


def test_tangents_are_differentiable_reverse_over_forward() -> None:
    """d/dx of the jvp of x^3 along t is 6 x t: the tangent is an ordinary graph."""
    x = Tensor(np.array([0.5, -2.0]), requires_grad=True)
    t = np.array([1.0, 3.0])
    _, tangent = tg.jvp(lambda a: a ** 3, x, t)
    (g,) = tg.grad(tangent.sum(), x)
    np.testing.assert_allclose(g.data, 6 * x.data * t)
