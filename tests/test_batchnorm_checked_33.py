"""The batch-norm layers' kept record of their last checked call (`norm_layers._Checked`:
the next call with the same objects applies the fused op without `F.batch_norm`'s checks)
against layers that always go through `F.batch_norm`, over sequences of calls in which
the layer, its parameters, buffers and options and the input change between calls: the
same outputs, gradients, running statistics and errors. A record that missed one of
these changes would normalize with stale options or arrays, or let a refused input
through."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_bn import Tensor, nn
from tinygrad_bn.nn import functional as F

C = 4
EVENTS = ("call", "eps", "eps_int", "momentum", "momentum_none", "momentum_bad",
          "momentum_int", "eval", "train", "new_weight", "weight_shape", "weight_dtype",
          "weight_data", "weight_data_shape", "weight_data_dtype", "weight_none",
          "bias_none", "new_running_mean", "running_mean_dtype", "running_var_shape",
          "no_tracking", "composite", "x64", "x16", "batch1", "channels", "rows3")


def _plain(cls):
    """`cls` whose normalization always goes through F.batch_norm (as SyncBatchNorm's does:
    a layer with its own _batch_norm keeps no record)."""

    class Plain(cls):
        def _batch_norm(self, x, running_mean, running_var, weight, bias, use_batch, factor):
            return F.batch_norm(x, running_mean, running_var, weight, bias,
                                training=use_batch, momentum=factor, eps=self.eps,
                                impl=self.impl)

    Plain.__name__ = Plain.__qualname__ = cls.__name__  # the same messages
    return Plain


def _apply(event, layer, values):
    if event == "eps":
        layer.eps = 1e-3
    elif event == "eps_int":
        layer.eps = 1
    elif event == "momentum":
        layer.momentum = 0.3
    elif event == "momentum_none":
        layer.momentum = None
    elif event == "momentum_bad":
        layer.momentum = 1.5
    elif event == "momentum_int":
        layer.momentum = 1
    elif event == "eval":
        layer.eval()
    elif event == "train":
        layer.train()
    elif event == "new_weight":
        layer.weight = nn.Parameter(values((C,), np.float32))
    elif event == "weight_shape":
        layer.weight = nn.Parameter(values((C + 1,), np.float32))
    elif event == "weight_dtype":
        layer.weight = nn.Parameter(values((C,), np.float64))
    elif event == "weight_data":  # the same Parameter, a new array
        layer.weight.data = values((C,), np.float32)
    elif event == "weight_data_shape":
        layer.weight.data = values((C + 1,), np.float32)
    elif event == "weight_data_dtype":
        layer.weight.data = values((C,), np.float64)
    elif event == "weight_none":
        layer.weight = None
    elif event == "bias_none":
        layer.bias = None
    elif event == "new_running_mean":
        layer._buffers["running_mean"] = values((C,), np.float32)
    elif event == "running_mean_dtype":
        layer._buffers["running_mean"] = values((C,), np.float64)
    elif event == "running_var_shape":
        layer._buffers["running_var"] = np.abs(values((C + 2,), np.float32))
    elif event == "no_tracking":
        layer.track_running_stats = False
    elif event == "composite":
        layer.impl = "composite"
    elif event == "channels":
        layer.num_features = C + 1


def _input(event, values, rank):
    dtype = {"x64": np.float64, "x16": np.float16}.get(event, np.float32)
    n = 1 if event == "batch1" else 6
    c = C + 1 if event == "channels" else C
    shape = (n, c) if rank == 2 and event != "rows3" else (n, c, 3)
    return Tensor(values(shape, dtype) * 3 + 1, requires_grad=True)


def _run(cls, seed, events, rank):
    rng = np.random.default_rng(seed)

    def values(shape, dtype):
        return rng.normal(size=shape).astype(dtype)

    layer = cls(C)
    trail = []
    for event in events:
        _apply(event, layer, values)
        x = _input(event, values, rank)
        try:
            y = layer(x)
            (y * Tensor(values(y.shape, y.dtype))).sum().backward()
        except Exception as error:  # noqa: BLE001 (a refusal is an outcome to compare)
            trail.append((type(error).__name__, str(error)))
            continue
        grads = [None if t is None or t.grad is None else t.grad._data.tobytes()
                 for t in (x, layer.weight, layer.bias)]
        buffers = [None if b is None else (b.dtype.str, b.tobytes())
                   for b in layer._buffers.values()]
        trail.append((y.dtype.str, y._data.tobytes(), grads, buffers))
    return trail


@settings(max_examples=30, deadline=None)
@given(events=st.lists(st.sampled_from(EVENTS), min_size=1, max_size=6),
       seed=st.integers(0, 2**16), rank=st.sampled_from([2, 3]))
def test_the_record_follows_every_change_between_calls(events, seed, rank) -> None:
    events = ["call", "call", *events, "call"]
    assert _run(nn.BatchNorm1d, seed, events, rank) == _run(_plain(nn.BatchNorm1d), seed,
                                                            events, rank)


@pytest.mark.parametrize("rank", [2, 3])
@pytest.mark.parametrize("event", EVENTS)
def test_each_change_after_a_recorded_call(event, rank) -> None:
    # every change once, right after a call that left a record (the sequences above draw
    # only some of them)
    events = ["call", "call", event, "call"]
    assert _run(nn.BatchNorm1d, 7, events, rank) == _run(_plain(nn.BatchNorm1d), 7, events,
                                                         rank)


@pytest.mark.parametrize("cls", [nn.BatchNorm1d, nn.BatchNorm2d])
def test_a_record_is_kept_and_used(cls, monkeypatch) -> None:
    # the comparison above compares two paths only if the record is used
    layer = cls(C)
    shape = (5, C) if cls is nn.BatchNorm1d else (5, C, 2, 2)
    layer(Tensor(np.ones(shape, np.float32)))
    assert layer.__dict__["_checked"] is not None
    calls = []
    real = F.batch_norm
    monkeypatch.setattr(F, "batch_norm", lambda *a, **k: calls.append(1) or real(*a, **k))
    layer(Tensor(np.ones(shape, np.float32)))
    assert calls == []
    layer.eps = 1e-3  # a new eps object: checked again
    layer(Tensor(np.ones(shape, np.float32)))
    assert calls == [1]


def test_no_record_for_a_layer_with_its_own_normalization() -> None:
    layer = _plain(nn.BatchNorm1d)(C)
    layer(Tensor(np.ones((5, C), np.float32)))
    assert layer.__dict__["_checked"] is None
