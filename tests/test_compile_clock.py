"""tg.compile's per-call shortcut (the structure clock, nn/structure.py, and the signature
check of the last replay): a change made between two calls is never missed. After each
change below, made to an eager model and to its compiled twin alike, every later call of
the compiled step equals the eager one bit for bit (losses, parameters, gradients,
buffers) - by a program recorded again or by an eager call, never by a stale replay."""

import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn
from tinygrad_bn.nn import structure

IN, HIDDEN, OUT, BATCH = 6, 5, 3, 8
SCALE = 1.0  # a global the step reads (the Watch checks it on every call)


class Holder:
    """A plain object holding a setting the step reads."""

    def __init__(self) -> None:
        self.shift = 0.0


def _twin(seed: int = 0):
    tg.manual_seed(seed)
    model = nn.Sequential(nn.Linear(IN, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.LeakyReLU(0.1),
                          nn.Linear(HIDDEN, OUT))
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    holder = Holder()

    def step(x, y):
        opt.zero_grad()
        out = model(x) * SCALE + holder.shift
        loss = F.cross_entropy(out, y)
        loss.backward()
        opt.step()
        return loss
    return model, opt, holder, step


def _swap_activation(model, opt):
    model.add_module("2", nn.Tanh())


def _write_registry(model, opt):  # a write into the registry itself, not through setattr
    model._modules["2"] = nn.Sigmoid()


def _replace_parameter(model, opt):
    new = nn.Parameter(np.full(OUT, 0.5, np.float32))
    model[3].bias = new
    opt.param_groups[0]["params"][-1] = new


def _reassign_buffer(model, opt):
    model[1].running_mean = np.full(HIDDEN, 0.5, np.float32)


def _delete_and_restore_bias(model, opt):
    bias = model[0].bias
    del model[0].bias
    model[0].bias = bias


def _freeze_first_weight(model, opt):
    model[0].weight.requires_grad_(False)


def _freeze_then_unfreeze(model, opt):
    model[0].weight.requires_grad = False
    model[0].weight.requires_grad = True


def _eval_mode(model, opt):
    model.eval()


def _one_module_not_training(model, opt):
    model[1].training = False


def _momentum_setting(model, opt):
    model[1].momentum = 0.5


def _slope_setting(model, opt):
    model[2].negative_slope = 0.3


def _global_setting(model, opt):
    global SCALE
    SCALE = 0.5


def _drop_parameter_from_optimizer(model, opt):
    opt.param_groups[0]["params"].pop()


def _learning_rate(model, opt):
    opt.param_groups[0]["lr"] = 0.025


CHANGES = [_swap_activation, _write_registry, _replace_parameter,
           _reassign_buffer, _delete_and_restore_bias, _freeze_first_weight,
           _freeze_then_unfreeze, _eval_mode, _one_module_not_training, _momentum_setting,
           _slope_setting, _global_setting, _drop_parameter_from_optimizer, _learning_rate]


def _snapshot(model) -> list:
    return [np.array(v) for v in model.state_dict().values()] + \
        [None if p.grad is None else p.grad.data.copy() for p in model.parameters()]


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(
        (x is None and y is None) or (x is not None and y is not None and x.shape == y.shape
                                      and x.dtype == y.dtype and np.array_equal(x, y))
        for x, y in zip(a, b))


@pytest.fixture(autouse=True)
def _restore_scale():
    global SCALE
    yield
    SCALE = 1.0


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: c.__name__.strip("_"))
def test_a_change_between_calls_is_never_replayed_stale(change):
    global SCALE
    rng = np.random.default_rng(3)
    data = rng.standard_normal((4 * BATCH, IN)).astype(np.float32)
    labels = rng.integers(0, OUT, 4 * BATCH)
    runs = []
    for compiled in (False, True):
        SCALE = 1.0
        model, opt, holder, step = _twin()
        run = tg.compile(step) if compiled else step
        losses = []
        for i in range(8):
            if i == 4:
                if compiled:  # the shortcut is armed: the change must disarm it
                    assert run._fast is not None and run.stats["replayed"] == 2
                change(model, opt)
            k = i % 4
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                loss = run(tg.Tensor(data[k * BATCH:(k + 1) * BATCH]),
                           labels[k * BATCH:(k + 1) * BATCH])
            losses.append(loss.data.copy())
        runs.append((losses, _snapshot(model), run))
    (eager_losses, eager_state, _), (losses, state, run) = runs
    assert all(np.array_equal(a, b) for a, b in zip(eager_losses, losses)), change.__name__
    assert _same(eager_state, state), change.__name__
    assert run.stats["replayed"] + run.stats["recorded"] + run.stats["eager"] == 8


def _loss_and_gradients(model):
    def f(x, y):
        model.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        return loss
    return f


def _settings_step(lin, holder):
    """A step reading a plain object's attribute and a closure cell, and the cell's setter."""
    factor = 2.0

    def f(x):
        return lin(x) * factor + holder.shift

    def change_factor():
        nonlocal factor
        factor = 3.0
    return f, change_factor


def test_parameter_data_of_a_new_shape_records_again():
    """`.data` of another shape (the last layer grown by one class), without an optimizer:
    the eager optimizers keep scratch memory of a parameter's old shape."""
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((BATCH, IN)).astype(np.float32), rng.integers(0, OUT, BATCH)
    runs = []
    for compiled in (False, True):
        tg.manual_seed(0)
        model = nn.Sequential(nn.Linear(IN, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, OUT))
        f = _loss_and_gradients(model)
        run = tg.compile(f) if compiled else f
        out = [run(tg.Tensor(x), y).data.copy() for _ in range(3)]
        last = model[2]
        last.weight.data = np.concatenate([last.weight.data, last.weight.data[:1] * 0.5])
        last.bias.data = np.concatenate([last.bias.data, [0.25]]).astype(np.float32)
        out += [run(tg.Tensor(x), y).data.copy() for _ in range(3)]
        runs.append((out, _snapshot(model)))
    assert all(np.array_equal(a, b) for a, b in zip(runs[0][0], runs[1][0]))
    assert _same(runs[0][1], runs[1][1])
    assert runs[1][1][-1].shape == (OUT + 1,)


def test_plain_object_and_closure_settings_are_checked_on_every_call():
    """What the clock does not cover (a plain object's attribute, a closure cell) is checked
    on the shortcut too."""
    for what in ("holder", "cell"):
        results = []
        for compiled in (False, True):
            tg.manual_seed(0)
            holder = Holder()
            f, change_factor = _settings_step(nn.Linear(IN, OUT), holder)
            run = tg.compile(f) if compiled else f
            x = tg.Tensor(np.ones((BATCH, IN), np.float32))
            out = [run(x).data.copy() for _ in range(3)]
            if what == "holder":
                holder.shift = 1.5
            else:
                change_factor()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out += [run(x).data.copy() for _ in range(3)]
            results.append(out)
        assert all(np.array_equal(a, b) for a, b in zip(*results)), what


def test_grad_mode_and_arguments_select_the_signature():
    tg.manual_seed(0)
    model = nn.Linear(IN, OUT)
    run = tg.compile(lambda x: model(x.float()) * 2.0)  # (a float64 x cast: PyTorch's Linear
    x = np.ones((BATCH, IN), np.float32)                 # does not promote)
    for _ in range(3):
        run(tg.Tensor(x))
    assert run._fast is not None
    with tg.no_grad():
        out = run(tg.Tensor(x))
    assert not out.requires_grad
    wide = np.ones((BATCH, 2 * IN), np.float32)[:, ::2]  # the same shape, other strides
    assert np.array_equal(run(tg.Tensor(wide)).data, (model(tg.Tensor(wide)) * 2.0).data)
    assert np.array_equal(run(tg.Tensor(x.astype(np.float64))).data,
                          (model(tg.Tensor(x.astype(np.float64)).float()) * 2.0).data)
    keys = {key[0][0][1:4] + (key[1],) for key in run.entries}
    assert len(keys) == 4  # float32 with and without grad, strided, float64


def test_the_clock_moves_on_every_change_made_through_a_module():
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2))
    changes = [
        lambda: setattr(model[1], "momentum", 0.2),
        lambda: model[1].register_buffer("extra", np.zeros(2)),
        lambda: delattr(model[1], "extra"),
        lambda: setattr(model[0], "bias", nn.Parameter(np.zeros(2, np.float32))),
        lambda: model.add_module("2", nn.ReLU()),
        lambda: model._modules.pop("2"),
        lambda: model._buffers.update(b=np.zeros(1)),
        lambda: model._buffers.setdefault("c", np.zeros(1)),
        lambda: model._buffers.popitem(),
        lambda: model._buffers.clear(),
        lambda: model._parameters.__ior__({}),
        lambda: model.train(),
        lambda: model.eval(),
    ]
    for i, change in enumerate(changes):
        before = structure.now
        change()
        assert structure.now != before, i
    model._buffers["x"] = np.zeros(1)
    before = structure.now
    del model._buffers["x"]
    assert structure.now != before


def test_a_module_that_bypasses_the_clock_is_checked_in_full():
    """A module class with its own __setattr__ may change attributes without moving the
    clock: a compiled function reaching it checks every call in full."""

    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(IN, OUT)
            self.scale = 2.0

        def __setattr__(self, name, value):  # bypasses Module's (and the clock)
            if name == "scale":
                object.__setattr__(self, name, value)
            else:
                super().__setattr__(name, value)

        def forward(self, x):
            return self.lin(x) * self.scale

    tg.manual_seed(0)
    model = Scaled()
    run = tg.compile(lambda x: model(x))
    x = tg.Tensor(np.ones((BATCH, IN), np.float32))
    for _ in range(3):
        run(x)
    assert run._fast is None
    model.scale = 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert np.array_equal(run(x).data, model(x).data)


def test_a_compiled_function_called_inside_another_is_part_of_its_recording():
    tg.manual_seed(0)
    lin = nn.Linear(IN, OUT)
    inner = tg.compile(lambda x: lin(x) * 2.0)
    outer = tg.compile(lambda x: inner(x).relu().sum())
    for i in range(5):
        x = tg.Tensor(np.full((BATCH, IN), float(i) - 2.0, np.float32))
        assert np.array_equal(outer(x).data, (lin(x) * 2.0).relu().sum().data), i
    assert inner.stats == {"recorded": 0, "replayed": 0, "eager": 0}
    assert outer.stats == {"recorded": 2, "replayed": 3, "eager": 0}
