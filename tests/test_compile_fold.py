"""The allocation-free replay: tg.compile folds an SGD step into the replayed program
(tinygrad_bn/compiler/fold.py) and writes gradients into buffers it reuses while nobody
else holds them (compiler/program.py). The parameters, gradients and momentum buffers
must come out bit for bit as the eager step leaves them, for every combination of SGD's
options, when the options change between calls (the learning rate read at each step; a
change of which options are zero takes the eager step), with batches sliced from one
array; a gradient the caller keeps must keep its values, as in eager."""

import tracemalloc

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
    """maximize switched on and off, momentum 0.9 -> 0 -> 0.9, weight decay switched on,
    nesterov switched on: the folded lines assume the recorded ones; each change must run
    SGD's own step (and agree)."""
    rng = np.random.default_rng(3)
    batches = [(rng.standard_normal((BATCH, IN)), rng.integers(0, OUT, BATCH))
               for _ in range(16)]
    eager_model, model = _model(True, np.float64), _model(True, np.float64)
    eager_opt = tg.optim.SGD(eager_model.parameters(), lr=0.1, momentum=0.9)
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    eager, compiled = _step_fn(eager_model, eager_opt), tg.compile(_step_fn(model, opt))
    changes = {3: {"maximize": True}, 4: {"maximize": False, "momentum": 0.0},
               6: {"momentum": 0.9}, 8: {"weight_decay": 0.01}, 10: {"nesterov": True},
               12: {"lr": 2}, 14: {"maximize": True, "lr": 0.01}}
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
        x = rng.standard_normal((BATCH, IN), dtype=np.float32)
        y = rng.integers(0, OUT, BATCH)
        a, b = eager(tg.Tensor(x), y), compiled(tg.Tensor(x), y)
        assert np.array_equal(a.data, b.data), i
        assert np.array_equal(lin_e.weight.data, lin_c.weight.data)
        assert unused_c.grad is None and np.array_equal(unused_c.data, np.ones(3))
    assert "SGD.step folded" in compiled.explain(file=open("/dev/null", "w"))  # noqa: SIM115


def _mlp(dtype=np.float32):
    tg.manual_seed(2)
    return nn.Sequential(nn.Linear(256, 128), nn.BatchNorm1d(128), nn.ReLU(),
                         nn.Linear(128, OUT)).to(dtype)


def test_gradients_reuse_their_buffers_unless_the_caller_holds_them():
    rng = np.random.default_rng(6)
    eager_model, model = _mlp(), _mlp()
    eager_opt = tg.optim.SGD(eager_model.parameters(), lr=0.1, momentum=0.9)
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    eager, compiled = _step_fn(eager_model, eager_opt), tg.compile(_step_fn(model, opt))
    held, expected, addresses = [], [], []  # reuse itself: the allocation test below
    for i in range(12):
        x = rng.standard_normal((BATCH, 256)).astype(np.float32)
        y = rng.integers(0, OUT, BATCH)
        a, b = eager(tg.Tensor(x), y), compiled(tg.Tensor(x), y)
        assert np.array_equal(a.data, b.data), i
        _check_same(eager_model, eager_opt, model, opt, i)
        weight_grad = model[0].weight.grad
        addresses.append(weight_grad.data.__array_interface__["data"][0])
        if i in (6, 7):  # the caller keeps these two: later steps must not write into them
            held.append(weight_grad)
            expected.append(eager_model[0].weight.grad.data.copy())
        del weight_grad
    assert len(set(addresses[6:9])) == 3, "a held gradient buffer was written again"
    for g, e in zip(held, expected):
        assert np.array_equal(g.data, e)


def test_a_replay_allocates_no_array_of_a_parameters_size():
    rng = np.random.default_rng(7)
    model = _mlp()
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    compiled = tg.compile(_step_fn(model, opt))
    data = rng.standard_normal((4 * BATCH, 256)).astype(np.float32)
    labels = rng.integers(0, OUT, 4 * BATCH)

    def step(i):
        part = slice((i % 4) * BATCH, (i % 4 + 1) * BATCH)
        return compiled(tg.Tensor(data[part]), labels[part])

    for i in range(4):
        step(i)
    eager_model = _mlp()
    eager_opt = tg.optim.SGD(eager_model.parameters(), lr=0.1, momentum=0.9)
    eager = _step_fn(eager_model, eager_opt)
    peaks = {}
    for name, run in (("replay", lambda: step(5)),
                      ("eager", lambda: eager(tg.Tensor(data[:BATCH]), labels[:BATCH]))):
        run()
        tracemalloc.start()
        run()
        peaks[name] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    weight_bytes = model[0].weight.data.nbytes  # 128 KiB
    assert peaks["eager"] > weight_bytes  # the measure sees a parameter-sized allocation
    assert peaks["replay"] < weight_bytes / 4, peaks


def test_an_sgd_with_an_option_the_folded_lines_do_not_know_keeps_its_step_a_call():
    model = _model(False, np.float64)
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    opt.defaults["future_option"] = False  # as if SGD had grown an option
    compiled = tg.compile(_step_fn(model, opt))
    rng = np.random.default_rng(8)
    for _ in range(3):
        compiled(tg.Tensor(rng.standard_normal((BATCH, IN))), rng.integers(0, OUT, BATCH))
    text = compiled.explain(file=open("/dev/null", "w"))  # noqa: SIM115
    assert "SGD.step folded" not in text and "Optimizer.step" in text
