"""tg.compile folds an SGD step into the replayed program (tinygrad_bn/compiler/fold.py):
the parameters, gradients and momentum buffers must come out bit for bit as the eager
step leaves them, for every combination of SGD's options, when the options change
between calls (the learning rate read at each step; a change of which options are zero
takes the eager step), and with batches sliced from one array."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn

IN, HIDDEN, OUT, BATCH, SLICES = 12, 10, 4, 8, 3


def _model(bn: bool, dtype) -> nn.Module:
    tg.manual_seed(0)
    layers = [nn.Linear(IN, HIDDEN)] + ([nn.BatchNorm1d(HIDDEN)] if bn else [])
    layers += [nn.ReLU(), nn.Linear(HIDDEN, OUT)]
    return nn.Sequential(*layers).to(dtype)


def _step_fn(model, opt):
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


@st.composite
def _sgd_options(draw):
    momentum = draw(st.sampled_from([0.0, 0.9, 0.5]))
    dampening = draw(st.sampled_from([0.0, 0.3])) if momentum else 0.0
    return {"lr": draw(st.sampled_from([0.05, 0.1, 1, 1e-3])), "momentum": momentum,
            "dampening": dampening,
            "nesterov": bool(momentum) and not dampening and draw(st.booleans()),
            "weight_decay": draw(st.sampled_from([0.0, 1e-2]))}


def _check_same(eager_model, eager_opt, model, opt, where):
    for (name, p), q in zip(eager_model.named_parameters(), model.parameters()):
        assert np.array_equal(p.data, q.data), (where, name)
        assert np.array_equal(p.grad.data, q.grad.data), (where, name, "grad")
    for a, b in zip(eager_model.buffers(), model.buffers()):
        assert np.array_equal(np.asarray(a), np.asarray(b)), where
    for s, t in zip(eager_opt.state.values(), opt.state.values()):
        assert s.keys() == t.keys()
        for k in s:
            assert np.array_equal(s[k], t[k]), (where, k)


@settings(max_examples=25, deadline=None)
@given(options=_sgd_options(), bn=st.booleans(),
       dtype=st.sampled_from([np.float32, np.float64]),
       lr_change=st.integers(2, 7), seed=st.integers(0, 2**16))
def test_a_folded_sgd_step_is_bit_identical_to_eager_on_sliced_batches(options, bn, dtype,
                                                                          lr_change, seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((SLICES * BATCH, IN)).astype(dtype)
    labels = rng.integers(0, OUT, SLICES * BATCH)
    eager_model, model = _model(bn, dtype), _model(bn, dtype)
    eager_opt = tg.optim.SGD(eager_model.parameters(), **options)
    opt = tg.optim.SGD(model.parameters(), **options)
    eager, compiled = _step_fn(eager_model, eager_opt), tg.compile(_step_fn(model, opt))
    for i in range(9):
        if i == 2:  # the eager step's scratch: refilled only if a replay calls opt.step()
            opt._scratch.clear()
        if i == lr_change:  # read at each step, as eager reads it
            for o in (eager_opt, opt):
                o.param_groups[0]["lr"] = options["lr"] * 0.5
        part = slice((i % SLICES) * BATCH, (i % SLICES + 1) * BATCH)
        a = eager(tg.Tensor(data[part]), labels[part])
        b = compiled(tg.Tensor(data[part]), labels[part])
        assert np.array_equal(a.data, b.data), i
        _check_same(eager_model, eager_opt, model, opt, i)
    assert compiled.stats == {"recorded": 2, "replayed": 7, "eager": 0}
    assert "SGD.step folded" in compiled.explain(file=open("/dev/null", "w"))  # noqa: SIM115
    assert not opt._scratch, "the replays called the optimizer instead of the folded step"


def test_options_that_change_which_operations_run_take_the_eager_step_bit_identically():
    """momentum 0.9 -> 0 -> 0.9, weight decay switched on, nesterov switched on: the folded
    lines assume the recorded ones; each change must run SGD's own step (and agree)."""
    rng = np.random.default_rng(3)
    batches = [(rng.standard_normal((BATCH, IN)), rng.integers(0, OUT, BATCH))
               for _ in range(14)]
    eager_model, model = _model(True, np.float64), _model(True, np.float64)
    eager_opt = tg.optim.SGD(eager_model.parameters(), lr=0.1, momentum=0.9)
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    eager, compiled = _step_fn(eager_model, eager_opt), tg.compile(_step_fn(model, opt))
    changes = {4: {"momentum": 0.0}, 6: {"momentum": 0.9}, 8: {"weight_decay": 0.01},
               10: {"nesterov": True}, 12: {"lr": 2}}
    for i, (x, y) in enumerate(batches):
        for o in (eager_opt, opt):
            o.param_groups[0].update(changes.get(i, {}))
        a, b = eager(tg.Tensor(x), y), compiled(tg.Tensor(x), y)
        assert np.array_equal(a.data, b.data), i
        _check_same(eager_model, eager_opt, model, opt, i)
    assert compiled.stats["eager"] == 0


def test_a_replaced_momentum_buffer_or_state_takes_the_eager_step():
    rng = np.random.default_rng(4)
    eager_model, model = _model(False, np.float64), _model(False, np.float64)
    eager_opt = tg.optim.SGD(eager_model.parameters(), lr=0.1, momentum=0.9)
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    eager, compiled = _step_fn(eager_model, eager_opt), tg.compile(_step_fn(model, opt))
    for i in range(10):
        x, y = rng.standard_normal((BATCH, IN)), rng.integers(0, OUT, BATCH)
        if i == 4:  # a new buffer array for the first parameter
            for o in (eager_opt, opt):
                first = o.param_groups[0]["params"][0]
                o.state[first]["momentum_buffer"] = o.state[first]["momentum_buffer"] * 0.5
        if i == 6:  # the state restored from a state dict: a new dict of new arrays
            for o in (eager_opt, opt):
                o.load_state_dict(o.state_dict())
        if i == 8:  # a fresh start of one parameter's state
            for o in (eager_opt, opt):
                del o.state[o.param_groups[0]["params"][1]]
        a, b = eager(tg.Tensor(x), y), compiled(tg.Tensor(x), y)
        assert np.array_equal(a.data, b.data), i
        _check_same(eager_model, eager_opt, model, opt, i)


def test_a_parameter_without_a_gradient_is_skipped_as_eager_skips_it():
    rng = np.random.default_rng(5)

    def build():
        tg.manual_seed(1)
        return nn.Linear(IN, OUT), tg.Tensor(np.ones(3), requires_grad=True)

    (lin_e, unused_e), (lin_c, unused_c) = build(), build()
    opt_e = tg.optim.SGD([*lin_e.parameters(), unused_e], lr=0.1, momentum=0.5)
    opt_c = tg.optim.SGD([*lin_c.parameters(), unused_c], lr=0.1, momentum=0.5)
    eager, compiled = _step_fn(lin_e, opt_e), tg.compile(_step_fn(lin_c, opt_c))
    for i in range(6):
        x, y = rng.standard_normal((BATCH, IN)), rng.integers(0, OUT, BATCH)
        a, b = eager(tg.Tensor(x), y), compiled(tg.Tensor(x), y)
        assert np.array_equal(a.data, b.data), i
        assert np.array_equal(lin_e.weight.data, lin_c.weight.data)
        assert unused_c.grad is None and np.array_equal(unused_c.data, np.ones(3))
    assert "SGD.step folded" in compiled.explain(file=open("/dev/null", "w"))  # noqa: SIM115
