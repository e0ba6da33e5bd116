"""Random programs of out-of-place ops, in-place ops, item assignments and views, run on
tinygrad_bn and on PyTorch (float64): the values, the gradients, and whether (and at which
step) an error is raised must agree. Skipped without torch."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg

torch = pytest.importorskip("torch")

N = 4  # every tensor of a program has shape (N,)
UNARY = ("tanh", "sigmoid", "relu", "sin", "exp", "square")
BINARY = ("add", "sub", "mul")
IN_PLACE_UNARY = ("tanh_", "sigmoid_", "relu_", "exp_", "zero_", "neg_")
IN_PLACE_BINARY = ("add_", "sub_", "mul_")

step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(UNARY), st.integers(0, 99)),
    st.tuples(st.just("binary"), st.sampled_from(BINARY), st.integers(0, 99),
              st.integers(0, 99)),
    st.tuples(st.just("scale"), st.sampled_from((0.5, -2.0, 3.0)), st.integers(0, 99)),
    st.tuples(st.just("view"), st.integers(0, N - 1), st.integers(1, N), st.integers(0, 99)),
    st.tuples(st.just("inplace1"), st.sampled_from(IN_PLACE_UNARY), st.integers(0, 99)),
    st.tuples(st.just("inplace2"), st.sampled_from(IN_PLACE_BINARY), st.integers(0, 99),
              st.integers(0, 99)),
    st.tuples(st.just("setitem"), st.integers(0, N - 1), st.integers(0, 99),
              st.integers(0, 99)),
    st.tuples(st.just("iadd_slice"), st.integers(0, N - 2), st.integers(0, 99),
              st.integers(0, 99)),
    st.tuples(st.just("no_grad_write"), st.integers(0, 99), st.floats(-1, 1)),
)


def run(lib: Any, program: list[tuple], values: list[np.ndarray]) -> tuple[Any, ...]:
    """Interpret `program` with `lib` (tinygrad_bn or torch). Returns ("error", step,
    phase) or ("ok", outputs, gradients)."""
    def leaf(v, grad):
        if lib is torch:
            return torch.tensor(v, dtype=torch.float64, requires_grad=grad)
        return tg.Tensor(v.copy(), requires_grad=grad)

    leaves = [leaf(values[0], True), leaf(values[1], True)]
    pool = [*leaves, leaf(values[2], False)]
    errors = (RuntimeError,) if lib is torch else (tg.TinygradError,)
    for number, (kind, *args) in enumerate(program):
        pick = lambda k: pool[k % len(pool)]  # noqa: E731
        try:
            if kind == "unary":
                t = pick(args[1])
                pool.append(t * t if args[0] == "square" else getattr(t, args[0])())
            elif kind == "binary":
                a, b = pick(args[1]), pick(args[2])
                pool.append(getattr(a, "__" + args[0] + "__")(b))
            elif kind == "scale":
                pool.append(pick(args[1]) * args[0])
            elif kind == "view":
                t = pick(args[2])
                if t.dim() == 1:
                    start = min(args[0], t.shape[0] - 1)
                    pool.append(t[start:start + args[1]])
            elif kind == "inplace1":
                getattr(pick(args[1]), args[0])()
            elif kind == "inplace2":
                a, b = pick(args[1]), pick(args[2])
                if a.shape == b.shape or b.dim() == 0:
                    getattr(a, args[0])(b)
            elif kind == "setitem":
                a, b = pick(args[1]), pick(args[2])
                if a.dim() == 1 and args[0] < a.shape[0] and b.dim() == 1:
                    a[args[0]] = b[0] * 2
            elif kind == "iadd_slice":
                a, b = pick(args[1]), pick(args[2])
                if a.dim() == 1 and b.dim() == 1 and a.shape[0] > args[0] + 1 < b.shape[0] + 1:
                    a[args[0]:args[0] + 2] += b[:2]
            elif kind == "no_grad_write":
                with lib.no_grad():
                    pick(args[0]).add_(args[1])
        except errors:
            return ("error", number, "forward")
    total = sum(t.sum() for t in pool if t.requires_grad)
    outputs = [np.array(t.detach().numpy() if lib is torch else t.data) for t in pool]
    if not isinstance(total, int) and total.requires_grad:
        try:
            total.backward()
        except errors:
            return ("error", len(program), "backward")
    grads = [None if t.grad is None else np.array(t.grad.numpy() if lib is torch
                                                  else t.grad.data) for t in leaves]
    return ("ok", outputs, grads)


@settings(max_examples=150)
@given(program=st.lists(step, min_size=1, max_size=12),
       seed=st.integers(0, 2**16))
def test_programs_with_in_place_ops_agree_with_pytorch(program: list[tuple], seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-1, 1, N) for _ in range(3)]
    ours, theirs = run(tg, program, values), run(torch, program, values)
    assert ours[0] == theirs[0], (ours, theirs)
    if ours[0] == "error":
        assert ours[1:] == theirs[1:]
        return
    assert len(ours[1]) == len(theirs[1])
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    for a, b in zip(ours[2], theirs[2]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
