"""tg.compile: a replayed step computes what the eager step computes (bit for bit), keeps
every piece of state in step, and refuses what it cannot replay instead of replaying it
wrong. Each test runs an eager model and a compiled twin from the same initial state."""

import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn
from tinygrad_bn.compiler import CompileWarning, GuardFailed

IN, HIDDEN, OUT, BATCH = 12, 10, 4, 8


def _model(bn: bool, dtype, dropout: float = 0.0) -> nn.Module:
    tg.manual_seed(0)
    layers = [nn.Linear(IN, HIDDEN)] + ([nn.BatchNorm1d(HIDDEN)] if bn else []) + [nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(HIDDEN, HIDDEN), nn.Sigmoid(), nn.Linear(HIDDEN, OUT)]
    return nn.Sequential(*layers).to(dtype)


def _optimizer(name: str, model: nn.Module) -> tg.optim.Optimizer:
    if name == "sgd":
        return tg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return tg.optim.Adam(model.parameters(), lr=0.01)


def _step_fn(model, opt):
    def step(x, y):
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        return loss
    return step


def _batches(n: int, dtype, seed: int = 1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((BATCH, IN)).astype(dtype), rng.integers(0, OUT, BATCH))
            for _ in range(n)]


def _twins(bn=False, dtype=np.float64, opt="sgd", dropout=0.0):
    eager_model, model = _model(bn, dtype, dropout), _model(bn, dtype, dropout)
    eager_opt, opt_ = _optimizer(opt, eager_model), _optimizer(opt, model)
    return (eager_model, eager_opt, _step_fn(eager_model, eager_opt)), \
        (model, opt_, tg.compile(_step_fn(model, opt_)))


def _state(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: np.array(v) for k, v in model.state_dict().items()}


def _assert_identical(a: nn.Module, b: nn.Module) -> None:
    sa, sb = _state(a), _state(b)
    assert sa.keys() == sb.keys()
    for k in sa:
        assert sa[k].dtype == sb[k].dtype and np.array_equal(sa[k], sb[k]), k


@pytest.mark.parametrize("opt", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bn", [False, True])
def test_replay_is_bit_identical_to_eager_over_100_steps(bn, dtype, opt):
    (em, eo, eager), (cm, co, compiled) = _twins(bn, dtype, opt)
    for x, y in _batches(100, dtype):
        a, b = eager(tg.Tensor(x), y), compiled(tg.Tensor(x), y)
        assert a.dtype == b.dtype and np.array_equal(a.data, b.data)
    assert compiled.stats == {"recorded": 2, "replayed": 98, "eager": 0}
    _assert_identical(em, cm)  # parameters, running statistics, num_batches_tracked
    for p, q in zip(em.parameters(), cm.parameters()):  # the gradients left behind
        assert np.array_equal(p.grad.data, q.grad.data)
    for s, t in zip(eo.state.values(), co.state.values()):  # momentum, moments, step counts
        assert s.keys() == t.keys()
        for k in s:
            assert np.array_equal(s[k], t[k]), k


def test_learning_rate_changes_and_outside_parameter_updates_act_as_in_eager():
    (em, eo, eager), (cm, co, compiled) = _twins(bn=True, opt="adam")
    for i, (x, y) in enumerate(_batches(30, np.float64)):
        if i == 10:
            eo.param_groups[0]["lr"] = co.param_groups[0]["lr"] = 0.001
        if i == 15:  # in place, through .data
            em[0].weight.data[...] *= 0.5
            cm[0].weight.data[...] *= 0.5
        if i == 20:  # a new array for a parameter, and a running statistic reset
            em[0].bias.data = em[0].bias.data + 1.0
            cm[0].bias.data = cm[0].bias.data + 1.0
            em[1].reset_running_stats()
            cm[1].reset_running_stats()
        a, b = eager(tg.Tensor(x), y), compiled(tg.Tensor(x), y)
        assert np.array_equal(a.data, b.data), i
    assert compiled.stats["replayed"] == 28
    _assert_identical(em, cm)


def test_dropout_draws_a_fresh_mask_on_every_replay_from_the_seeded_generator():
    (em, _, eager), (cm, _, compiled) = _twins(dropout=0.5)
    losses = []
    for i, (x, y) in enumerate(_batches(12, np.float64)):
        tg.manual_seed(100 + i)
        a = eager(tg.Tensor(x), y)
        tg.manual_seed(100 + i)
        b = compiled(tg.Tensor(x), y)
        assert np.array_equal(a.data, b.data), i
        losses.append(b.item())
    assert compiled.stats["replayed"] == 10
    _assert_identical(em, cm)
    # the same input twice: different masks, different outputs
    x = tg.Tensor(np.ones((BATCH, IN)))
    forward = tg.compile(lambda x: cm(x))
    outs = [forward(x).data.copy() for _ in range(4)]
    assert forward.stats["replayed"] == 2 and not np.array_equal(outs[2], outs[3])


def test_eval_mode_and_grad_mode_are_part_of_the_signature():
    eager_model, model = _model(bn=True, dtype=np.float64), _model(bn=True, dtype=np.float64)
    forward = tg.compile(lambda x: model(x))
    rng = np.random.default_rng(0)
    schedule = [("train", False)] * 3 + [("eval", False)] * 3 + [("train", True)] * 3 + \
        [("train", False)]
    for mode, grad in schedule:
        for m in (eager_model, model):
            m.train(mode == "train")
        x = rng.standard_normal((BATCH, IN))
        with tg.set_grad_enabled(grad):
            a, b = eager_model(tg.Tensor(x)), forward(tg.Tensor(x))
        assert np.array_equal(a.data, b.data), (mode, grad)
    assert len(forward.entries) == 3 and forward.stats["replayed"] == 4
    _assert_identical(eager_model, model)  # running statistics moved only in training


def test_signature_cache_is_bounded():
    model = _model(bn=False, dtype=np.float64)
    forward = tg.compile(lambda x: model(x), max_signatures=2)
    for n in (2, 3, 4, 2):
        forward(tg.Tensor(np.ones((n, IN))))
    assert len(forward.entries) == 2
    assert [key[0][0][1] for key in forward.entries] == [(4, IN), (2, IN)]


def test_a_replaced_layer_or_new_parameter_is_recorded_again_not_replayed_stale():
    (em, eo, eager), (cm, co, compiled) = _twins()
    batches = _batches(12, np.float64)
    for i, (x, y) in enumerate(batches):
        if i == 5:  # a new weight Parameter in both models (and optimizers)
            new = np.random.default_rng(7).standard_normal((HIDDEN, IN)) * 0.1
            em[0].weight, cm[0].weight = nn.Parameter(new.copy()), nn.Parameter(new.copy())
            for o, m in ((eo, em), (co, cm)):  # the new weight replaces the old in the group
                old = o.param_groups[0]["params"][0]
                o.param_groups[0]["params"][0] = m[0].weight
                o.state.pop(old, None)
        a, b = eager(tg.Tensor(x), y), compiled(tg.Tensor(x), y)
        assert np.array_equal(a.data, b.data), i
    assert compiled.stats == {"recorded": 4, "replayed": 8, "eager": 0}
    _assert_identical(em, cm)


def test_python_branch_on_a_tensor_value_is_guarded_on_replay():
    """The guard reads only the argument and a parameter as they are at the start: it is
    checked before anything runs, and a new outcome runs the call eagerly."""
    w = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)

    def f(x):
        y = x * w
        if (y.data.sum() > 0).item():  # a branch on a value: a guard
            return y * 2.0
        return y * -1.0

    step = tg.compile(f)
    for _ in range(3):
        assert np.array_equal(step(tg.Tensor(np.ones(2))).data, [2.0, 4.0])
    with pytest.warns(CompileWarning, match="read True when it was recorded.*runs eagerly"):
        out = step(tg.Tensor(-np.ones(2)))
    assert np.array_equal(out.data, [1.0, 2.0])
    assert step.stats == {"recorded": 2, "replayed": 1, "eager": 1}


def test_a_guard_after_the_step_changed_state_raises_guard_failed():
    """A branch on a parameter after the optimizer step cannot be checked first (the step
    writes what it reads): a new outcome is an error that says the step is half done."""
    w = tg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = tg.optim.SGD([w], lr=1.0)

    def f(x):
        opt.zero_grad()
        loss = (x * w).sum()
        loss.backward()
        opt.step()
        return loss * (1.0 if bool((w.data > 0).all()) else 2.0)

    step = tg.compile(f)
    for _ in range(3):
        step(tg.Tensor(np.full(2, 0.01)))
    with pytest.raises(GuardFailed, match="read True when it was recorded.*stopped there"):
        step(tg.Tensor(np.full(2, 5.0)))


def test_a_branch_that_differs_between_the_first_two_calls_runs_eagerly():
    def f(x):
        return x * 2.0 if bool(x.data[0] > 0) else x * 3.0

    step = tg.compile(f)
    signs = [1.0, -1.0, -1.0, 1.0]
    with pytest.warns(CompileWarning, match="changed between the first two calls"):
        outs = [step(tg.Tensor(np.full(2, s))).data[0] for s in signs]
    assert outs == [2.0, -3.0, -3.0, 2.0] and step.stats["eager"] == 2


def test_item_of_a_floating_value_inside_the_function_is_a_compile_error():
    model = _model(bn=False, dtype=np.float64)

    def f(x):
        return model(x).sum().item()

    with pytest.raises(tg.CompileError, match=r"item\(\) of a floating array"):
        tg.compile(f)(tg.Tensor(np.ones((2, IN))))


def test_state_the_recorder_cannot_see_makes_the_signature_eager():
    total = np.zeros(IN)

    def f(x):
        np.add(total, x.data.sum(axis=0), out=total)  # a global array, not a module buffer
        return x * 2.0

    step = tg.compile(f)
    with pytest.warns(CompileWarning, match="keeps outside the modules"):
        for _ in range(4):
            step(tg.Tensor(np.ones((3, IN))))
    assert np.array_equal(total, np.full(IN, 12.0)) and step.stats["eager"] == 2


def test_a_random_draw_from_an_unknown_generator_is_not_replayed():
    rng = np.random.default_rng(0)

    def f(x):
        return x * tg.Tensor(rng.random(2))

    step = tg.compile(f)
    with pytest.warns(CompileWarning, match="changed between the first two calls"):
        outs = [step(tg.Tensor(np.ones(2))).data.copy() for _ in range(4)]
    assert not np.array_equal(outs[2], outs[3]) and step.stats["eager"] == 2


def test_explain_prints_the_recorded_program(capsys):
    (_, _, _), (_, _, compiled) = _twins(bn=True)
    for x, y in _batches(2, np.float64):
        compiled(tg.Tensor(x), y)
    capsys.readouterr()
    text = compiled.explain()
    assert capsys.readouterr().out == text
    for piece in ("def _replay(args):", "matmul(", "# FusedBatchNorm.forward",
                  "# Affine.backward", "# Optimizer.step", "# Optimizer.zero_grad"):
        assert piece in text, piece
    shown = tg.compile(lambda x: x * 2.0, explain=True)
    for _ in range(2):
        shown(tg.Tensor(np.ones(3)))
    assert "multiply(" in capsys.readouterr().out


def test_compile_refuses_what_is_not_a_function():
    with pytest.raises(tg.CompileError, match="expected a function"):
        tg.compile(3)


def test_replayed_outputs_and_gradients_are_fresh_arrays_each_call():
    (_, _, _), (cm, _, compiled) = _twins()
    losses, grads = [], []
    for x, y in _batches(5, np.float64):
        losses.append(compiled(tg.Tensor(x), y))
        grads.append(cm[0].weight.grad.data)
    values = [loss.data.copy() for loss in losses]
    assert len({id(loss.data) for loss in losses}) == 5 and len({id(g) for g in grads}) == 5
    assert all(np.array_equal(loss.data, v) for loss, v in zip(losses, values))


def test_no_warning_for_a_plain_training_step():
    (_, _, _), (_, _, compiled) = _twins(bn=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x, y in _batches(4, np.float64):
            compiled(tg.Tensor(x), y)


def test_a_small_cnn_step_with_batchnorm2d_and_pooling_replays_bit_identically():
    def cnn():
        tg.manual_seed(3)
        return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(),
                             nn.AvgPool2d(2), nn.Flatten(), nn.Linear(6 * 2 * 2, 3)).to(np.float64)
    em, cm = cnn(), cnn()
    eo = tg.optim.SGD(em.parameters(), lr=0.1, momentum=0.9)
    co = tg.optim.SGD(cm.parameters(), lr=0.1, momentum=0.9)
    eager, compiled = _step_fn(em, eo), tg.compile(_step_fn(cm, co))
    rng = np.random.default_rng(4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager
        for _ in range(8):
            x, y = rng.standard_normal((5, 1, 8, 8)), rng.integers(0, 3, 5)
            a, b = eager(tg.Tensor(x), y), compiled(tg.Tensor(x), y)
            assert np.array_equal(a.data, b.data)
    assert compiled.stats["replayed"] == 6
    _assert_identical(em, cm)


def test_a_step_recorded_in_one_thread_replays_in_another_identically_to_eager():
    import threading

    (em, _, eager), (cm, _, compiled) = _twins(bn=True)
    batches = _batches(40, np.float64)
    expected = [eager(tg.Tensor(x), y).data for x, y in batches]
    got: dict[int, np.ndarray] = {}
    lock = threading.Lock()
    order = iter(range(len(batches)))

    def worker():
        while True:
            with lock:  # one call at a time, in a fixed order, from either thread
                i = next(order, None)
                if i is None:
                    return
                x, y = batches[i]
                got[i] = compiled(tg.Tensor(x), y).data

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.array_equal(got[i], expected[i]) for i in range(len(batches)))
    _assert_identical(em, cm)
