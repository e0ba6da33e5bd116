"""Ops that declare `exact_grads` (their plain rule returns each parent's gradient in that
parent's shape and dtype, so the engine's array pass skips its unbroadcast and cast): the
declaration holds, and the gradients are the bits, dtypes and shapes the engine's fitting
gives (the same backward with `exact_grads` off on every op), for inputs of one dtype and
of mixed dtypes (float16, float32, float64), with and without each input requiring grad."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn.autograd.primitive import Function
from tinygrad_bn.nn.functional import Affine
from tinygrad_bn.nn.losses import CrossEntropy
from tinygrad_bn.nn.normalization import FusedBatchNorm
from tinygrad_bn.ops.unary import Logistic, Rectify

DECLARED = {Affine, CrossEntropy, FusedBatchNorm, Logistic, Rectify}
DTYPES = st.sampled_from([np.float16, np.float32, np.float64])


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _subclasses(sub)
    return found


def test_every_op_that_declares_exact_grads_is_checked_here() -> None:
    declared = {cls for cls in _subclasses(Function) if cls.__dict__.get("exact_grads")}
    assert declared == DECLARED


def _tensor(rng, shape, dtype, requires_grad):
    return tg.Tensor(rng.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def _grads(build, leaves, exact: bool) -> list:
    """The leaves' gradients of sum(build() * r), with exact_grads as given on every
    declaring op (the fitting then runs for all of them or none)."""
    with pytest.MonkeyPatch.context() as patch:
        if not exact:
            for cls in DECLARED:
                patch.setattr(cls, "exact_grads", False)
        for t in leaves:
            t.grad = None
        y = build()
        r = np.random.default_rng(7).standard_normal(y.shape).astype(y.dtype)
        (y * tg.Tensor(r)).sum().backward()
        return [None if t.grad is None else t.grad._data for t in leaves]


def _same(a: list, b: list, leaves: list) -> None:
    for ga, gb, t in zip(a, b, leaves):
        if ga is None or gb is None:
            assert ga is None and gb is None
            continue
        assert ga.dtype == gb.dtype == t._data.dtype
        assert ga.shape == gb.shape == t._data.shape
        assert ga.tobytes() == gb.tobytes()


def _check_rule(op_output: tg.Tensor) -> None:
    """The declaration itself: backward_arrays on g of the output's shape and dtype gives
    each parent's shape and dtype (when the node kept exact_grads)."""
    ctx = op_output._ctx
    if not ctx.exact_grads:
        return
    g = np.ones_like(op_output._data)
    for parent, grad in zip(ctx.parents, ctx.backward_arrays(g)):
        if grad is not None and parent.requires_grad:
            assert (grad.shape, grad.dtype) == (parent._data.shape, parent._data.dtype)


@settings(max_examples=25, deadline=None)
@given(dx=DTYPES, dw=DTYPES, db=DTYPES, bias=st.booleans(), x_grad=st.booleans(),
       seed=st.integers(0, 2**16))
def test_linear(dx, dw, db, bias, x_grad, seed) -> None:
    rng = np.random.default_rng(seed)
    x = _tensor(rng, (5, 3), dx, x_grad)
    w = _tensor(rng, (4, 3), dw, True)
    b = _tensor(rng, (4,), db, True) if bias else None
    leaves = [x, w] + ([b] if bias else [])
    if dw != dx or (bias and db != dx):
        # F.linear refuses mixed dtypes (as PyTorch); the op itself still takes them, and
        # its forward must turn the declaration off
        with pytest.raises(tg.DTypeMismatchError):
            F.linear(x, w, b)

        def build():
            return Affine.apply(x, w) if b is None else Affine.apply(x, w, b)
    else:
        def build():
            return F.linear(x, w, b)
    _check_rule(build())
    _same(_grads(build, leaves, True), _grads(build, leaves, False), leaves)


@settings(max_examples=25, deadline=None)
@given(dx=DTYPES, dw=DTYPES, db=DTYPES, affine=st.sampled_from(["both", "weight", "bias",
                                                                  "none"]),
       training=st.booleans(), x_grad=st.booleans(), spatial=st.booleans(),
       seed=st.integers(0, 2**16))
def test_batch_norm(dx, dw, db, affine, training, x_grad, spatial, seed) -> None:
    rng = np.random.default_rng(seed)
    shape = (6, 3, 2) if spatial else (6, 3)
    x = _tensor(rng, shape, dx, x_grad)
    w = _tensor(rng, (3,), dw, True) if affine in ("both", "weight") else None
    b = _tensor(rng, (3,), db, True) if affine in ("both", "bias") else None
    leaves = [t for t in (x, w, b) if t is not None]
    if len(leaves) == 1 and not x_grad:
        x.requires_grad = True  # something must need a gradient

    def build():
        stat = np.float32 if dx is np.float16 else dx  # PyTorch's rule for the statistics
        running = (np.zeros(3, stat), np.ones(3, stat))
        return F.batch_norm(x, *running, weight=w, bias=b, training=training)

    half_single = {np.dtype(np.float16), np.dtype(np.float32)}
    if any(p is not None and p.dtype != x.dtype and {p.dtype, x.dtype} != half_single
           for p in (w, b)):  # mixed dtypes other than float16 with float32: refused
        with pytest.raises(tg.DTypeMismatchError):
            build()
        return
    out = build()
    _check_rule(out if out._ctx is not None and isinstance(out._ctx, FusedBatchNorm)
                else out._ctx.parents[0])  # float16 x: the op runs in float32, then a cast
    _same(_grads(build, leaves, True), _grads(build, leaves, False),
          leaves)


@settings(max_examples=25, deadline=None)
@given(dtype=DTYPES, op=st.sampled_from(["relu", "sigmoid", "cross_entropy"]),
       seed=st.integers(0, 2**16))
def test_one_input_ops(dtype, op, seed) -> None:
    rng = np.random.default_rng(seed)
    x = _tensor(rng, (5, 4), dtype, True)
    labels = rng.integers(0, 4, 5)
    build = {"relu": lambda: x.relu(), "sigmoid": lambda: x.sigmoid(),
             "cross_entropy": lambda: F.cross_entropy(x, labels)}[op]
    _check_rule(build())
    _same(_grads(build, [x], True), _grads(build, [x], False), [x])


def test_mixed_inputs_turn_the_declaration_off_in_forward() -> None:
    x = tg.Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    w = tg.Tensor(np.ones((4, 3), np.float64), requires_grad=True)
    assert Affine.apply(x, w)._ctx.exact_grads is False  # F.linear refuses this pair
    assert F.linear(x, w.astype(np.float32).detach())._ctx.exact_grads is True
    gamma = tg.Tensor(np.ones(3, np.float16), requires_grad=True)
    y = F.batch_norm(x, None, None, weight=gamma, training=True)
    assert y._ctx.exact_grads is False
    with pytest.raises(AssertionError):  # the check above is able to fail
        _check_rule_strict(Affine.apply(x, w))


def _check_rule_strict(op_output: tg.Tensor) -> None:
    ctx = op_output._ctx
    g = np.ones_like(op_output._data)
    for parent, grad in zip(ctx.parents, ctx.backward_arrays(g)):
        if grad is not None:
            assert grad.dtype == parent._data.dtype
