"""The optimizer surface as PyTorch's: step(closure) on every optimizer, step pre/post hooks
(own and global, their order, argument replacement, removal), MultiplicativeLR and the
deprecated scheduler.step(epoch), and the gradient-norm utilities (get_total_norm,
clip_grads_with_norm_, clip_grad_norm_ with foreach and mixed dtypes)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.optim.optimizer import (
    register_optimizer_step_post_hook,
    register_optimizer_step_pre_hook,
)

OPTIMIZERS = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
              "RAdam", "ASGD", "Rprop"]


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_step_with_a_closure_returns_its_loss_and_steps_as_pytorch(name: str) -> None:
    torch = pytest.importorskip("torch")
    start = np.array([1.0, -2.0, 0.5])
    runs = []
    for lib in (tg, torch):
        p = lib.tensor(start.copy(), requires_grad=True)
        optimizer = getattr(lib.optim, name)([p], lr=0.1)
        losses = []

        def closure(p=p, optimizer=optimizer, lib=lib):
            optimizer.zero_grad()
            loss = (p * p * lib.tensor([1.0, 2.0, 3.0], dtype=p.dtype)).sum()
            loss.backward()
            return loss
        for _ in range(3):
            with (tg.no_grad() if lib is tg else torch.no_grad()):  # the step enables grad
                losses.append(float(optimizer.step(closure)))
        runs.append((losses, p.detach().numpy().copy()))
    # NAdam's and ASGD's scalar state is float32 in PyTorch (its default scalar dtype)
    rtol = 1e-7 if name in ("NAdam", "ASGD") else 1e-12
    np.testing.assert_allclose(runs[0][0], runs[1][0], rtol=rtol)
    np.testing.assert_allclose(runs[0][1], runs[1][1], rtol=rtol)


def test_step_without_closure_returns_none_and_a_bad_closure_is_refused() -> None:
    p = tg.zeros(2, requires_grad=True)
    optimizer = tg.optim.SGD([p], lr=0.1)
    p.grad = tg.ones(2)
    assert optimizer.step() is None
    with pytest.raises(tg.ArgumentTypeError, match="closure must be callable"):
        optimizer.step(3)


def _trace(lib, register_global_pre, register_global_post, optimizer_name: str = "SGD"):
    """The order in which hooks and the step ran, and what the hooks saw."""
    events: list[str] = []
    p = lib.zeros(2, requires_grad=True)
    optimizer = getattr(lib.optim, optimizer_name)([p], lr=0.1)
    p.grad = lib.ones(2)
    handles = [
        register_global_pre(lambda opt, args, kwargs: events.append(f"global pre {len(args)}")),
        register_global_post(lambda opt, args, kwargs: events.append("global post")),
        optimizer.register_step_pre_hook(
            lambda opt, args, kwargs: events.append(f"own pre {opt is optimizer}")),
        optimizer.register_step_post_hook(lambda opt, args, kwargs: events.append("own post")),
    ]
    optimizer.step()
    for handle in handles:
        handle.remove()
    optimizer.step()
    return events, p.detach().numpy()


def test_step_hooks_run_in_pytorch_order_and_are_removed() -> None:
    torch = pytest.importorskip("torch")
    from torch.optim.optimizer import (
        register_optimizer_step_post_hook as torch_post,
    )
    from torch.optim.optimizer import (
        register_optimizer_step_pre_hook as torch_pre,
    )
    ours = _trace(tg, register_optimizer_step_pre_hook, register_optimizer_step_post_hook)
    theirs = _trace(torch, torch_pre, torch_post)
    # args holds the optimizer itself, as PyTorch's wrapper passes them
    assert ours[0] == theirs[0] == ["global pre 1", "own pre True", "own post", "global post"]
    np.testing.assert_allclose(ours[1], theirs[1])


def test_a_pre_hook_may_replace_the_step_arguments_and_subclass_steps_run_hooks() -> None:
    p = tg.tensor([1.0, 2.0], requires_grad=True)
    optimizer = tg.optim.LBFGS([p], lr=0.5)
    calls = []

    def closure():
        calls.append(1)
        optimizer.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    handle = optimizer.register_step_pre_hook(lambda opt, args, kwargs: ((opt, closure), {}))
    seen = []
    optimizer.register_step_post_hook(lambda opt, args, kwargs: seen.append(args))
    optimizer.step()  # LBFGS needs a closure: the pre-hook hands one in
    assert calls and seen == [(optimizer, closure)]
    handle.remove()
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: 5)
    with pytest.raises(tg.ArgumentTypeError, match=r"None or \(args, kwargs\)"):
        optimizer.step(closure)
    with pytest.raises(tg.ArgumentTypeError, match="callable"):
        optimizer.register_step_post_hook("not a hook")


def test_multiplicative_lr_matches_pytorch_and_its_state_round_trips() -> None:
    torch = pytest.importorskip("torch")

    class Factor:
        def __init__(self) -> None:
            self.base = 0.9

        def __call__(self, epoch: int) -> float:
            return self.base if epoch % 2 else 0.5

    lrs = []
    for lib in (tg, torch):
        params = [lib.zeros(2, requires_grad=True), lib.zeros(1, requires_grad=True)]
        optimizer = lib.optim.SGD([{"params": params[:1]}, {"params": params[1:], "lr": 2.0}],
                                  lr=1.0)
        scheduler = lib.optim.lr_scheduler.MultiplicativeLR(
            optimizer, [Factor(), lambda epoch: 0.95])
        seen = []
        for _ in range(6):
            optimizer.step()
            scheduler.step()
            seen.append(scheduler.get_last_lr())
        state = scheduler.state_dict()
        lrs.append(seen)
    np.testing.assert_allclose(lrs[0], lrs[1], rtol=1e-12)
    assert state["lr_lambdas"][0] == {"base": 0.9} and state["lr_lambdas"][1] is None
    # a recursive schedule chains, as PyTorch's ChainedScheduler steps each in turn
    p = tg.zeros(1, requires_grad=True)
    optimizer = tg.optim.SGD([p], lr=1.0)
    chained = tg.optim.lr_scheduler.ChainedScheduler(
        [tg.optim.lr_scheduler.MultiplicativeLR(optimizer, lambda e: 0.9)])
    chained.step()
    chained.step()
    assert chained.get_last_lr() == pytest.approx([0.81])
    with pytest.raises(tg.ArgumentError, match="MultiplicativeLR: lr_lambda"):
        tg.optim.lr_scheduler.MultiplicativeLR(optimizer, [lambda e: 1.0] * 2)


def test_scheduler_step_with_an_epoch_warns_and_jumps_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tg, torch):
        optimizer = lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=1.0)
        scheduler = lib.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            scheduler.step(5)
        assert any("epoch parameter" in str(w.message) for w in caught)
        results.append((scheduler.last_epoch, scheduler.get_last_lr()))
        scheduler.step()
        results.append((scheduler.last_epoch, scheduler.get_last_lr()))
    assert results[:2] == results[2:]
    with pytest.raises(tg.ArgumentTypeError, match="epoch"):
        tg.optim.lr_scheduler.StepLR(tg.optim.SGD([tg.zeros(1, requires_grad=True)], lr=1.0),
                                     2).step("5")


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.5, math.inf, 0.0, "inf"])
def test_gradient_norms_and_clipping_match_pytorch(norm_type) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    grads = [rng.standard_normal((3, 2)).astype(np.float32), rng.standard_normal(4)]
    ours = [tg.zeros(g.shape, dtype=g.dtype, requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float32 if g.dtype == np.float32 else
                          torch.float64, requires_grad=True) for g in grads]
    for o, t, g in zip(ours, theirs, grads):
        o.grad, t.grad = tg.tensor(g.copy()), torch.tensor(g.copy())
    total = tg.nn.utils.get_total_norm([o.grad for o in ours], norm_type)
    reference = torch.nn.utils.get_total_norm([t.grad for t in theirs], norm_type)
    assert str(total.dtype) == str(reference.dtype).replace("torch.", "")
    np.testing.assert_allclose(float(total), float(reference), rtol=1e-6)
    returned = tg.nn.utils.clip_grad_norm_(ours, 0.5, norm_type, foreach=True)
    torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type, foreach=True)
    np.testing.assert_allclose(float(returned), float(reference), rtol=1e-6)
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grads_with_norm_and_the_edge_cases_as_pytorch() -> None:
    torch = pytest.importorskip("torch")
    p, q = tg.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    p.grad, q.grad = tg.tensor([3.0, 4.0, 0.0]), torch.tensor([3.0, 4.0, 0.0])
    tg.nn.utils.clip_grads_with_norm_([p], 1.0, tg.tensor(10.0))
    torch.nn.utils.clip_grads_with_norm_([q], 1.0, torch.tensor(10.0))
    np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy())
    assert float(tg.nn.utils.get_total_norm([])) == float(torch.nn.utils.get_total_norm([]))
    assert float(tg.nn.utils.clip_grad_norm_([], 1.0)) == 0.0
    p.grad = tg.tensor([math.inf, 1.0, 0.0])
    with pytest.raises(RuntimeError, match="total gradient norm is inf") as caught:
        tg.nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    assert isinstance(caught.value, tg.TinygradError)
    with pytest.warns(FutureWarning, match="clip_grad_norm_"):
        tg.nn.utils.clip_grad_norm([p], 1.0)
    with pytest.raises(tg.ArgumentError, match="norm_type"):
        tg.nn.utils.get_total_norm([p.grad], -1.0)
    with pytest.raises(tg.ArgumentTypeError, match="Tensor"):
        tg.nn.utils.get_total_norm([np.ones(2)])
