"""Plain SGD's group step (options read once per group, `SGD._group_step`) against the loop
over parameters that every other rule takes (`Optimizer.step` with `SGD._update`): the same
bits, the same (empty) state, the same errors, whatever the dtypes, lr types, missing
gradients and replaced `.data`."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_bn import Tensor, nn, optim

DTYPES = (np.float16, np.float32, np.float64)


class _Loop(optim.SGD):
    """SGD through the per-parameter loop: the reference the group step must match."""

    def _group_step(self, group):
        return False


def _pair(dtypes, shapes, seed):
    """The same parameters twice, for the two optimizers."""
    rng = np.random.default_rng(seed)
    arrays = [rng.normal(size=s).astype(d) for d, s in zip(dtypes, shapes)]
    return ([nn.Parameter(a.copy()) for a in arrays], [nn.Parameter(a.copy()) for a in arrays])


@settings(max_examples=25, deadline=None)
@given(dtypes=st.lists(st.sampled_from(DTYPES), min_size=1, max_size=4),
       lr=st.sampled_from([0.1, 0.0, 1, 3, np.float32(0.05), np.float64(0.2), 1e-3]),
       missing=st.lists(st.booleans(), min_size=4, max_size=4),
       steps=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_the_group_step_gives_the_loops_bits(dtypes, lr, missing, steps, seed) -> None:
    shapes = [(3, 2), (4,), (), (2, 1, 3)][:len(dtypes)]
    fast, loop = _pair(dtypes, shapes, seed)
    opt_fast, opt_loop = optim.SGD(fast, lr=lr), _Loop(loop, lr=lr)
    rng = np.random.default_rng(seed + 1)
    for _ in range(steps):
        for a, b, skip in zip(fast, loop, missing):
            g = None if skip else rng.normal(size=a.shape).astype(a.dtype)
            a.grad, b.grad = (None, None) if g is None else (Tensor(g), Tensor(g.copy()))
        opt_fast.step()
        opt_loop.step()
        for a, b in zip(fast, loop):
            assert a._data.dtype == b._data.dtype
            assert a._data.tobytes() == b._data.tobytes()
    assert opt_fast.state == opt_loop.state == {}
    assert opt_fast.state_dict() == opt_loop.state_dict()


def test_plain_sgd_takes_the_group_step_and_the_others_the_loop(monkeypatch) -> None:
    # the comparison above compares two paths: plain SGD never calls _update
    calls = []
    rule = optim.SGD._update
    monkeypatch.setattr(optim.SGD, "_update", lambda self, *a: calls.append(1) or rule(self, *a))
    params, _ = _pair([np.float32], [(3,)], 0)
    params[0].grad = Tensor(np.ones(3, np.float32))
    optim.SGD(params, lr=0.1).step()
    assert calls == []
    for options in ({"momentum": 0.9}, {"weight_decay": 0.1}, {"maximize": True}):
        optim.SGD(params, lr=0.1, **options).step()
    assert len(calls) == 3


class _Named(optim.SGD):
    """A subclass that keeps SGD's rule (and its group step): errors name it."""


@pytest.mark.parametrize("cls", [optim.SGD, _Loop, _Named])
def test_the_same_errors_on_both_paths(cls) -> None:
    params, _ = _pair([np.float64], [(3, 2)], 0)
    opt = cls(params, lr=0.1)
    # `.grad =` refuses a wrong gradient (PyTorch's check); one that stopped fitting when
    # the parameter's array was replaced reaches the step
    params[0].grad = Tensor(np.ones((3, 2)))
    params[0].data = np.zeros((2, 3))
    with pytest.raises(Exception) as wrong_shape:
        opt.step()
    assert (type(wrong_shape.value).__name__, str(wrong_shape.value)) == (
        "ShapeError", f"{cls.__name__}.step: a parameter of shape (2, 3) has a .grad of "
        "shape (3, 2); they must match")


@pytest.mark.parametrize("cls", [optim.SGD, _Loop, _Named])
def test_replaced_data_on_both_paths(cls) -> None:
    params, _ = _pair([np.float32, np.float32], [(3, 2), (4,)], 0)
    opt = cls(params, lr=0.5)
    for p in params:
        p.grad = Tensor(np.ones(p.shape, np.float32))
    opt.step()
    # a new array of another shape and dtype, with a gradient to match: followed
    params[0].data = np.zeros((2, 2), np.float64)
    params[0].grad = Tensor(np.ones((2, 2)))
    opt.step()
    np.testing.assert_array_equal(params[0]._data, np.full((2, 2), -0.5))
    assert params[0]._data.dtype == np.float64
    assert opt.state == {}
    # a state left by an earlier momentum step cannot continue at a new shape, even
    # while momentum is 0 (the same refusal as every stateful rule's)
    opt.state[params[1]] = {"momentum_buffer": np.zeros(4, np.float32)}
    params[1].data = np.zeros(5, np.float32)
    params[1].grad = Tensor(np.ones(5, np.float32))
    with pytest.raises(Exception) as refused:
        opt.step()
    assert type(refused.value).__name__ == "ShapeError"
    assert "its state 'momentum_buffer' was made for shape (4,)" in str(refused.value)
