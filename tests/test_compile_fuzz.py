"""The compile fuzzer: a compiled training step equals the eager one bit for bit.

Hypothesis draws a model (an MLP, or a CNN with pooling; an optional norm layer and
dropout; the activation is a parameter of the test, so every activation of tg.nn is
fuzzed), an optimizer, a learning-rate scheduler stepped inside the compiled step, a
loss (cross entropy with or without ignored targets and label smoothing, MSE), a dtype,
gradient accumulation, and a plan of 20 calls that changes the batch size, makes eval
calls under no_grad and feeds data-dependent inputs (signs, labels, ignored labels).
Two twins start equal; one runs eagerly, the other through tg.compile, under the same
seeds. After every call the loss, every parameter, gradient and buffer must be
identical (NaN equal to NaN). A call the compiled function ran eagerly (a refusal) is
allowed and counted; a difference is a failure. The counts and the refusals' reasons
are printed at the end of the module (pytest -s). Six examples per activation in CI
(TG_COMPILE_FUZZ_EXAMPLES=n for more).
"""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.compiler import CompileWarning

CALLS = 20
IN, HIDDEN, CLASSES = 5, 8, 3
# every activation module tg.nn has among PyTorch's (those added later join the fuzz)
ACTIVATIONS = [(name, kwargs) for name, kwargs in (
    ("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.1}), ("ELU", {}), ("GELU", {}),
    ("GELU", {"approximate": "tanh"}), ("SiLU", {}), ("Sigmoid", {}), ("Tanh", {}),
    ("Softplus", {}), ("ReLU6", {}), ("PReLU", {}), ("SELU", {}), ("CELU", {}),
    ("Mish", {}), ("Hardtanh", {}), ("Hardswish", {}), ("Hardsigmoid", {}),
    ("Softsign", {}), ("LogSigmoid", {}), ("Tanhshrink", {}), ("Softshrink", {}),
    ("Hardshrink", {}),
) if hasattr(nn, name)]
COUNTS = {"examples": 0, "calls": 0, "replayed": 0, "refused (ran eagerly)": 0,
          "failures": 0}


REASONS: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(f"\ncompile fuzzer: {COUNTS}")
    for reason, n in sorted(REASONS.items(), key=lambda kv: -kv[1]):
        print(f"  {n} x {reason}")


@st.composite
def _configs(draw):
    plan = []
    for _ in range(CALLS):
        plan.append((draw(st.sampled_from(["train"] * 5 + ["eval"])),
                     draw(st.sampled_from([4, 4, 4, 6])),
                     draw(st.integers(0, 2**16))))
    return {
        "kind": draw(st.sampled_from(["mlp", "cnn"])),
        "dtype": draw(st.sampled_from([np.float32, np.float64])),
        "norm": draw(st.sampled_from([None, "batch", "layer"])),
        "dropout": draw(st.booleans()),
        "optimizer": draw(st.sampled_from(["sgd", "momentum", "adam", "adamw", "rmsprop",
                                           "adagrad"])),
        "scheduler": draw(st.sampled_from([None, "step", "onecycle", "cosine",
                                           "exponential"])),
        "loss": draw(st.sampled_from(["ce", "ce_ignore", "ce_smooth", "mse"])),
        "accumulate": draw(st.booleans()),
        "plan": plan,
    }


def _activation(spec):
    name, kwargs = spec
    return getattr(nn, name)(**kwargs)


def _model(cfg, activation):
    layers = []
    if cfg["kind"] == "cnn":
        layers += [nn.Conv2d(1, 2, 3, padding=1)]
        if cfg["norm"] == "batch":
            layers.append(nn.BatchNorm2d(2))
        layers += [_activation(activation), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8, HIDDEN)]
    else:
        layers.append(nn.Linear(IN, HIDDEN))
        if cfg["norm"] == "batch":
            layers.append(nn.BatchNorm1d(HIDDEN))
        elif cfg["norm"] == "layer":
            layers.append(nn.LayerNorm(HIDDEN))
    layers.append(_activation(activation))
    if cfg["dropout"]:
        layers.append(nn.Dropout(0.3))
    layers.append(nn.Linear(HIDDEN, CLASSES))
    model = nn.Sequential(*layers)
    return model.to(cfg["dtype"])  # parameters and running statistics: PyTorch's batch
    # norm refuses statistics of another dtype than its input's


def _optimizer(cfg, params):
    kind = cfg["optimizer"]
    if kind == "sgd":
        return tg.optim.SGD(params, lr=0.05)
    if kind == "momentum":
        return tg.optim.SGD(params, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3)
    if kind == "adam":
        return tg.optim.Adam(params, lr=0.01)
    if kind == "adamw":
        return tg.optim.AdamW(params, lr=0.01, weight_decay=0.1)
    if kind == "rmsprop":
        return tg.optim.RMSprop(params, lr=0.01)
    return tg.optim.Adagrad(params, lr=0.05)


def _scheduler(cfg, opt):
    kind = cfg["scheduler"]
    s = tg.optim.lr_scheduler
    if kind == "step":
        return s.StepLR(opt, step_size=3, gamma=0.5)
    if kind == "onecycle":
        return s.OneCycleLR(opt, max_lr=0.05, total_steps=CALLS * 2 + 2,
                            cycle_momentum=cfg["optimizer"] != "adagrad")
    if kind == "cosine":
        return s.CosineAnnealingLR(opt, T_max=7)
    if kind == "exponential":
        return s.ExponentialLR(opt, gamma=0.9)
    return None


def _loss(cfg, out, y):
    if cfg["loss"] == "mse":
        return F.mse_loss(out, y)
    if cfg["loss"] == "ce_smooth":
        return F.cross_entropy(out, y, label_smoothing=0.1)
    return F.cross_entropy(out, y)


def _setup(cfg, activation):
    tg.manual_seed(0)
    model = _model(cfg, activation)
    opt = _optimizer(cfg, model.parameters())
    sched = _scheduler(cfg, opt)

    def step(x, y, first, last):
        if first:
            opt.zero_grad()
        loss = _loss(cfg, model(x), y)
        loss.backward()
        if last:
            opt.step()
            if sched is not None:
                sched.step()
        return loss.detach()

    def evaluate(x):
        return model(x)

    return model, step, evaluate


def _batch(cfg, size, seed):
    rng = np.random.default_rng(seed)
    shape = (size, 1, 4, 4) if cfg["kind"] == "cnn" else (size, IN)
    x = (rng.standard_normal(shape) * rng.choice([-3.0, 0.3, 1.0])).astype(cfg["dtype"])
    y = rng.integers(0, CLASSES, size)
    if cfg["loss"] == "mse":
        return x, rng.standard_normal((size, CLASSES)).astype(cfg["dtype"])
    if cfg["loss"] == "ce_ignore":
        y[rng.random(size) < 0.3] = -100
    return x, y


def _state(model):
    out = []
    for p in model.parameters():
        out += [p.data, None if p.grad is None else p.grad.data]
    out += [b for b in model._buffers.values()]
    for m in model.modules() if hasattr(model, "modules") else []:
        out += list(m._buffers.values())
    return out


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("activation", ACTIVATIONS, ids=lambda a: a[0] + "".join(
    f"-{v}" for v in a[1].values()))
@settings(max_examples=int(os.environ.get("TG_COMPILE_FUZZ_EXAMPLES", "6")))
@given(cfg=_configs())
def test_compiled_steps_equal_eager_bit_for_bit(activation, cfg):
    eager_model, eager_step, eager_eval = _setup(cfg, activation)
    model, step, evaluate = _setup(cfg, activation)
    compiled, compiled_eval = tg.compile(step), tg.compile(evaluate)
    COUNTS["examples"] += 1
    pending = False  # an accumulation step waits for its second half
    for i, (what, size, seed) in enumerate(cfg["plan"]):
        x, y = _batch(cfg, size, seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", CompileWarning)
            if what == "eval":
                eager_model.eval(), model.eval()
                with tg.no_grad():
                    tg.manual_seed(seed)
                    a = eager_eval(Tensor(x))
                    tg.manual_seed(seed)
                    b = compiled_eval(Tensor(x))
                eager_model.train(), model.train()
            else:
                first = not pending
                last = not cfg["accumulate"] or pending
                pending = not last
                tg.manual_seed(seed)
                a = eager_step(Tensor(x), Tensor(y), first, last)
                tg.manual_seed(seed)
                b = compiled(Tensor(x), Tensor(y), first, last)
        COUNTS["calls"] += 1
        for w in caught:
            REASONS[str(w.message)[:160]] = REASONS.get(str(w.message)[:160], 0) + 1
        same = _same(a.data, b.data) and all(
            _same(p, q) for p, q in zip(_state(eager_model), _state(model)))
        if not same:
            COUNTS["failures"] += 1
        assert same, f"call {i} ({what}, batch {size}): compiled differs from eager; {cfg}"
    for f in (compiled, compiled_eval):
        COUNTS["replayed"] += f.stats["replayed"]
        COUNTS["refused (ran eagerly)"] += f.stats["eager"]
