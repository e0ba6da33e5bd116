"""Plain SGD's kept plan (`rules._SGDPlan`: the group's parameters, arrays and scratch
arrays, checked by identity at each step) against the loop over parameters that every
other rule takes, over sequences of steps in which the group and its parameters change
between steps: the same bits, state and errors. A plan that missed one of these changes
would update a stale array, skip a new parameter or miss a refusal."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_bn import Tensor, nn, optim

EVENTS = ("step", "replace_data", "replace_data_shape", "swap_param", "append_param",
          "drop_param", "grad_none", "grad_parameter", "lr", "lr_int", "momentum_on",
          "momentum_off", "dtype")


class _Loop(optim.SGD):
    """SGD through the per-parameter loop: the reference."""

    def _group_step(self, group):
        return False


def _apply(event, params, opt, rng, arrays):
    """Change the group (or its parameters) as `event` says, identically for both sides:
    `arrays` supplies the same random values to both."""
    group = opt.param_groups[0]
    p = params[0]
    if event == "replace_data":
        p.data = arrays(p.shape, p._data.dtype)
    elif event == "replace_data_shape":
        p.data = arrays((p._data.size + 1,), p._data.dtype)
    elif event == "swap_param":  # in place, same length: only identities tell
        group["params"][1] = params[1] = nn.Parameter(arrays((2, 3), np.float32))
    elif event == "append_param":
        extra = nn.Parameter(arrays((4,), np.float32))
        group["params"].append(extra)
        params.append(extra)
    elif event == "drop_param" and len(group["params"]) > 2:
        group["params"].pop()
        params.pop()
    elif event == "lr":
        group["lr"] = 0.05
    elif event == "lr_int":
        group["lr"] = 1
    elif event == "momentum_on":
        group["momentum"] = 0.5
    elif event == "momentum_off":
        group["momentum"] = 0.0
    elif event == "dtype":  # a group of two dtypes
        params[-1].data = arrays(params[-1].shape, np.float64)


def _grads(params, arrays, event):
    for i, p in enumerate(params):
        g = arrays(p.shape, p._data.dtype)
        if event == "grad_none" and i == 0:
            p.grad = None
        elif event == "grad_parameter" and i == 0:  # a Tensor subclass as .grad
            p.grad = nn.Parameter(g)
        else:
            p.grad = Tensor(g)


def _side(cls, seed, events):
    """Run `events` on a fresh model with optimizer class `cls`; return its parameters'
    bytes after each step and the state dicts."""
    rng = np.random.default_rng(seed)

    def arrays(shape, dtype):
        return rng.normal(size=shape).astype(dtype)

    params = [nn.Parameter(arrays((3, 2), np.float32)), nn.Parameter(arrays((2, 3), np.float32)),
              nn.Parameter(arrays((5,), np.float32))]
    opt = cls(list(params), lr=0.1)
    trail = []
    for event in events:
        _apply(event, params, opt, rng, arrays)
        _grads(params, arrays, event)
        try:
            opt.step()
        except Exception as error:  # noqa: BLE001 (a refusal is an outcome to compare)
            trail.append(_outcome(error, cls))
            break
        trail.append([(p._data.dtype.str, p._data.shape, p._data.tobytes()) for p in params])
    try:
        state = repr(opt.state_dict())
    except Exception as error:  # noqa: BLE001 (a state left for a parameter swapped out:
        state = type(error).__name__  # a KeyError naming an id, another on each side)
    return trail, state


def _outcome(error, cls):
    return type(error).__name__, str(error).replace(cls.__name__, "SGD")


@settings(max_examples=40, deadline=None)
@given(events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=8),
       seed=st.integers(0, 2**16))
def test_the_plan_follows_every_change_between_steps(events, seed) -> None:
    fast_trail, fast_state = _side(optim.SGD, seed, ["step", "step", *events])
    loop_trail, loop_state = _side(_Loop, seed, ["step", "step", *events])
    assert fast_trail == loop_trail
    assert fast_state == loop_state


def test_a_plan_is_kept_and_used() -> None:
    # the comparison above compares the plan with the loop only if the plan runs
    params = [nn.Parameter(np.ones(3, np.float32)), nn.Parameter(np.ones(2, np.float32))]
    opt = optim.SGD(params, lr=0.5)
    for _ in range(2):
        for p in params:
            p.grad = Tensor(np.ones(p.shape, np.float32))
        opt.step()
    plan = opt._sgd_plans[id(opt.param_groups[0])]
    assert [entry[0] for entry in plan.entries] == params
    assert all(entry[1] is p._data for entry, p in zip(plan.entries, params))
    np.testing.assert_array_equal(params[0]._data, np.zeros(3, np.float32))


def test_the_plan_writes_the_optimizers_own_scratch() -> None:
    # momentum turned on later continues in the same scratch memory the plain steps used
    params = [nn.Parameter(np.ones(3, np.float32))]
    opt = optim.SGD(params, lr=0.5)
    for _ in range(2):
        params[0].grad = Tensor(np.ones(3, np.float32))
        opt.step()
    plan = opt._sgd_plans[id(opt.param_groups[0])]
    assert plan.entries[0][2] is opt._scratch[id(params[0])].arrays[0]


@pytest.mark.parametrize("when", [0, 1, 3])
def test_refusals_after_the_plan_is_made(when) -> None:
    # a wrong .grad met by the plan raises the loop's error, after the parameters before it
    # were updated as the loop updates them
    results = []
    for cls in (optim.SGD, _Loop):
        params = [nn.Parameter(np.ones((2, 2))), nn.Parameter(np.ones((3, 2)))]
        opt = cls(params, lr=0.25)
        for _ in range(when):
            for p in params:
                p.grad = Tensor(np.ones(p.shape))
            opt.step()
        params[0].grad = Tensor(np.ones((2, 2)))
        # (`.grad =` refuses a wrong gradient: one that stopped fitting when the
        # parameter's array was replaced reaches the step)
        params[1].grad = Tensor(np.ones((3, 2)))
        params[1].data = np.ones((2, 3))
        with pytest.raises(Exception) as wrong_shape:
            opt.step()
        results.append((type(wrong_shape.value).__name__,
                        str(wrong_shape.value).replace(cls.__name__, "SGD"),
                        [p._data.tobytes() for p in params]))
    assert results[0] == results[1]
    assert results[0][0] == "ShapeError"
