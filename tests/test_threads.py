"""Grad mode and anomaly mode are per thread (as in PyTorch), and a mode context restores
what the contexts still open say, whatever order they exit in (issue 12, threads)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn


@pytest.fixture
def fast_switching() -> Iterator[None]:
    """Let the interpreter switch threads every 10 us instead of 5 ms, so that two threads
    interleave inside each other's no_grad blocks many times per test."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _run_in_threads(*targets: Callable[[], object]) -> list[object]:
    results: list[object] = [None] * len(targets)
    errors: list[BaseException] = []

    def run(i: int, target: Callable[[], object]) -> None:
        try:
            results[i] = target()
        except BaseException as error:  # re-raised in the main thread below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def test_non_lifo_exit_of_two_no_grad_contexts_leaves_grad_mode_on() -> None:
    a, b = tg.no_grad(), tg.no_grad()
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    assert not tg.is_grad_enabled()  # b is still open
    b.__exit__(None, None, None)
    assert tg.is_grad_enabled()


def test_non_lifo_exit_follows_the_contexts_still_open() -> None:
    off, on = tg.no_grad(), tg.enable_grad()
    off.__enter__()
    on.__enter__()
    assert tg.is_grad_enabled()
    off.__exit__(None, None, None)
    assert tg.is_grad_enabled()  # enable_grad is still open
    on.__exit__(None, None, None)
    assert tg.is_grad_enabled()
    with tg.no_grad():
        inner = tg.enable_grad()
        inner.__enter__()
    assert tg.is_grad_enabled()  # the no_grad block closed; enable_grad is still open
    inner.__exit__(None, None, None)
    assert tg.is_grad_enabled()


def test_non_lifo_exit_of_anomaly_contexts() -> None:
    a, b = tg.detect_anomaly(), tg.detect_anomaly()
    a.__enter__()
    b.__enter__()
    a.__exit__(None, None, None)
    with pytest.raises(tg.AnomalyError):  # b still open
        Tensor(np.array([-1.0])).log()
    b.__exit__(None, None, None)
    with np.errstate(all="ignore"):  # both closed: the NaN passes silently
        assert np.isnan(Tensor(np.array([-1.0])).log().data[0])


def test_no_grad_in_one_thread_does_not_stop_recording_in_another() -> None:
    inside, done = threading.Event(), threading.Event()

    def holder() -> None:
        with tg.no_grad():
            inside.set()
            done.wait(5)

    def recorder() -> bool:
        inside.wait(5)
        try:
            x = Tensor(np.ones(2), requires_grad=True)
            return (x * 2).requires_grad and tg.is_grad_enabled()
        finally:
            done.set()

    assert _run_in_threads(holder, recorder) == [None, True]


def test_a_new_thread_starts_with_grad_on_and_anomaly_off() -> None:
    def probe() -> tuple[bool, bool]:
        x = Tensor(np.array([0.0]), requires_grad=True)
        with np.errstate(all="ignore"):
            y = x.log()  # -inf: only an error in anomaly mode
        return tg.is_grad_enabled(), y.requires_grad

    with tg.no_grad(), tg.detect_anomaly():
        (result,) = _run_in_threads(probe)
    assert result == (True, True)


def test_detect_anomaly_in_one_thread_does_not_reach_another() -> None:
    inside, done = threading.Event(), threading.Event()

    def holder() -> None:
        with tg.detect_anomaly():
            inside.set()
            done.wait(5)

    def other() -> float:
        inside.wait(5)
        try:
            with np.errstate(all="ignore"):
                return float(Tensor(np.array([0.0])).log().data[0])
        finally:
            done.set()

    assert _run_in_threads(holder, other)[1] == -np.inf


def test_one_no_grad_decorator_shared_by_two_threads(fast_switching: None) -> None:
    @tg.no_grad()
    def evaluate(x: Tensor) -> bool:
        return (x * 2).requires_grad

    def worker() -> list[bool]:
        x = Tensor(np.ones(3), requires_grad=True)
        seen = []
        for _ in range(300):
            seen.append(evaluate(x))
            seen.append((x * 2).requires_grad)
        return seen

    for seen in _run_in_threads(worker, worker):
        assert seen == [False, True] * 300
    assert tg.is_grad_enabled()


def _train(seed: int, steps: int = 300) -> list[np.ndarray]:
    """A small MLP trained by SGD with a no_grad evaluation every step; weights from `seed`
    directly (not the shared tg.manual_seed generator)."""
    rng = np.random.default_rng(seed)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
    for p in model.parameters():
        p.data[...] = rng.standard_normal(p.shape).astype(p.dtype) * 0.5
    x = Tensor(rng.standard_normal((16, 4)).astype(np.float32))
    target = rng.integers(0, 3, 16)
    optimizer = tg.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    evaluations = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), target)
        with tg.no_grad():
            evaluations.append(nn.functional.mse_loss(model(x), np.zeros((16, 3))).item())
        loss.backward()
        optimizer.step()
    return [p.data.copy() for p in model.parameters()] + [np.array(evaluations)]


def test_two_threads_train_two_models_bit_identical_to_sequential_runs(
        fast_switching: None) -> None:
    sequential = [_train(1), _train(2)]
    parallel = _run_in_threads(lambda: _train(1), lambda: _train(2))
    for alone, together in zip(sequential, parallel):
        for a, b in zip(alone, together):
            np.testing.assert_array_equal(a, b)
