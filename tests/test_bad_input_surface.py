"""Bad input on the newer surface (issue 23), graded against PyTorch, and the coverage of
every public callable by the bad-input suites.

Each row is a call PyTorch refuses (or, where marked, one we refuse on purpose) that
must raise a project error (a TinygradError, and the builtin given) whose message names
the op and what was expected: never a raw Python or NumPy exception, never a silent
answer. Where torch is installed its twin call is made too and must fail: our refusal
matches PyTorch's. `ours_only` rows are refusals PyTorch does not make (each says why).
Outcomes are counted by class and printed at the end of the module (pytest -s).

The coverage test lists the public callables of tg, tg.nn, tg.nn.functional, tg.optim,
tg.optim.lr_scheduler, tg.utils.data, tg.func, tg.linalg, tg.distributions, tg.fft and
tg.distributed and fails when one has no bad-input row in any suite (BAD_INPUT_SUITES)
and is not in EXEMPT (each entry says why): a public name added later fails it until it
has a row.
"""

from __future__ import annotations

import inspect
import re
import types
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor
from tinygrad_bn.autograd.primitive import Function as PrimitiveFunction

try:
    import torch
except ImportError:  # the rows still run; only the grading against PyTorch is skipped
    torch = None

OUTCOMES: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _report():
    yield
    print(f"\nbad-input surface suite: {sum(OUTCOMES.values())} calls: " +
          ", ".join(f"{k} {n}" for k, n in OUTCOMES.most_common()))


def _p() -> Tensor:
    return Tensor(np.zeros(2), requires_grad=True)


def _sgd():
    return tg.optim.SGD([_p()], lr=0.1, momentum=0.9)


def _tsgd():
    return torch.optim.SGD([torch.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)


class _FloatSampler:
    def __iter__(self):
        return iter([0.5, 1.5])

    def __len__(self):
        return 2


class _NoJvp(PrimitiveFunction):  # the engine's op class: forward on ndarrays, no jvp
    def forward(self, x):
        return x * 2

    def backward(self, g):
        return g * 2


def _scheduler_with_a_late_group():
    opt = _sgd()
    sched = tg.optim.lr_scheduler.StepLR(opt, 2)
    opt.add_param_group({"params": [_p()]})
    sched.step()


def _torch_scheduler_with_a_late_group():
    opt = _tsgd()
    sched = torch.optim.lr_scheduler.StepLR(opt, 2)
    opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)]})
    sched.step()
    raise RuntimeError("PyTorch schedules only the first group: silently")


# name: (our bad call, project error, builtin, message fragments, PyTorch's twin or None,
#        ours_only: why we refuse what PyTorch accepts, or None)
ROWS: dict[str, tuple[Callable[[], Any], type, type, tuple[str, ...],
                      Callable[[], Any] | None, str | None]] = {
    "std correction str": (lambda: Tensor([[1.0, 2.0]]).std(dim=1, correction="a"),
                           tg.ArgumentTypeError, TypeError, ("std", "correction"),
                           lambda: torch.tensor([[1.0, 2.0]]).std(dim=1, correction="a"), None),
    "std bad axis names std": (lambda: Tensor([[1.0, 2.0]]).std(dim=5), tg.AxisError,
                               ValueError, ("std", "axis 5"),
                               lambda: torch.tensor([[1.0, 2.0]]).std(dim=5), None),
    "split float sections": (lambda: tg.zeros(4).split([1.5, 2.5]), tg.ArgumentTypeError,
                             TypeError, ("split", "[1.5, 2.5]"),
                             lambda: torch.zeros(4).split([1.5, 2.5]), None),
    "full None": (lambda: tg.full((2,), None), tg.ArgumentTypeError, TypeError,
                  ("full", "fill_value", "None"), lambda: torch.full((2,), None), None),
    "full inf int32": (lambda: tg.full((2,), float("inf"), dtype=np.int32), tg.ArgumentError,
                       ValueError, ("full", "inf", "int32"),
                       lambda: torch.full((2,), float("inf"), dtype=torch.int32), None),
    "arange int dtype fractional step": (
        lambda: tg.arange(0, 1, 0.3, dtype=np.int64), tg.ArgumentError, ValueError,
        ("arange", "int64", "0.3"), lambda: torch.arange(0, 1, 0.3, dtype=torch.int64), None),
    "arange nan": (lambda: tg.arange(float("nan")), tg.ArgumentError, ValueError,
                   ("arange", "nan"), lambda: torch.arange(float("nan")), None),
    "arange 1e18": (lambda: tg.arange(1e18), tg.AllocationError, MemoryError,
                    ("arange", "bytes"), lambda: torch.arange(1e18), None),
    "where str condition": (lambda: tg.where("abc", tg.zeros(1), tg.ones(1)),
                            tg.ArgumentTypeError, TypeError, ("where", "condition", "str"),
                            lambda: torch.where("abc", torch.zeros(1), torch.ones(1)), None),
    "einsum None": (lambda: tg.einsum(None, tg.zeros(2)), tg.ArgumentTypeError, TypeError,
                    ("einsum", "equation", "NoneType"),
                    lambda: torch.einsum(None, torch.zeros(2)), None),
    "bce target above 1": (
        lambda: F.binary_cross_entropy(Tensor([0.5]), Tensor([2.0])), tg.ArgumentError,
        ValueError, ("binary_cross_entropy", "target", "[0, 1]"),
        lambda: torch.nn.functional.binary_cross_entropy(torch.tensor([0.5]),
                                                         torch.tensor([2.0])), None),
    "cross_entropy label_smoothing str": (
        lambda: F.cross_entropy(tg.zeros(2, 3), Tensor(np.array([0, 1])),
                                label_smoothing="0.1"),
        tg.ArgumentTypeError, TypeError, ("cross_entropy", "label_smoothing"),
        lambda: torch.nn.functional.cross_entropy(torch.zeros(2, 3), torch.tensor([0, 1]),
                                                  label_smoothing="0.1"), None),
    "adaptive_avg_pool2d three sizes": (
        lambda: F.adaptive_avg_pool2d(tg.zeros(1, 1, 4, 4), (2, 2, 2)), tg.ArgumentError,
        ValueError, ("adaptive_avg_pool2d", "output_size", "(2, 2, 2)"),
        lambda: torch.nn.functional.adaptive_avg_pool2d(torch.zeros(1, 1, 4, 4), (2, 2, 2)),
        None),
    "adaptive_avg_pool2d empty plane": (
        lambda: F.adaptive_avg_pool2d(tg.zeros(1, 1, 0, 4), (2, 2)), tg.ShapeError,
        ValueError, ("adaptive_avg_pool2d", "(1, 1, 0, 4)"),
        lambda: torch.nn.functional.adaptive_avg_pool2d(torch.zeros(1, 1, 0, 4), (2, 2)),
        None),
    "default_collate mixed shapes": (
        lambda: tg.utils.data.default_collate([np.zeros(2), np.zeros(3)]), tg.ShapeError,
        ValueError, ("default_collate", "(2,)", "(3,)"),
        lambda: torch.utils.data.default_collate([torch.zeros(2), torch.zeros(3)]), None),
    "DataLoader typo": (lambda: tg.utils.data.DataLoader([1, 2], shufle=True),
                        tg.ArgumentTypeError, TypeError, ("DataLoader", "shufle"),
                        lambda: torch.utils.data.DataLoader([1, 2], shufle=True), None),
    "DataLoader num_workers -1": (
        lambda: tg.utils.data.DataLoader([1, 2], num_workers=-1), tg.ArgumentError,
        ValueError, ("DataLoader", "num_workers", "-1"),
        lambda: torch.utils.data.DataLoader([1, 2], num_workers=-1), None),
    "DataLoader float sampler": (
        lambda: list(tg.utils.data.DataLoader([1, 2], sampler=_FloatSampler())),
        tg.DataError, ValueError, ("sampler", "0.5"),
        lambda: list(torch.utils.data.DataLoader(torch.arange(2), sampler=_FloatSampler())),
        None),
    "optimizer load_state_dict malformed group": (
        lambda: _sgd().load_state_dict({"state": {}, "param_groups": [{}]}), tg.DataError,
        ValueError, ("SGD.load_state_dict", "param_groups"),
        lambda: _tsgd().load_state_dict({"state": {}, "param_groups": [{}]}), None),
    "optimizer load_state_dict lr -1": (
        lambda: _sgd().load_state_dict({"state": {}, "param_groups": [
            {"lr": -1, "momentum": 0.9, "nesterov": False, "weight_decay": 0.0,
             "params": [0]}]}),
        tg.DataError, ValueError, ("SGD.load_state_dict", "lr", "-1"), None,
        "PyTorch loads lr = -1 and then ascends; its constructor refuses it, so do we here"),
    "optimizer load_state_dict None": (lambda: _sgd().load_state_dict(None), tg.DataError,
                                       ValueError, ("SGD.load_state_dict", "None"),
                                       lambda: _tsgd().load_state_dict(None), None),
    "scheduler load_state_dict None": (
        lambda: tg.optim.lr_scheduler.StepLR(_sgd(), 2).load_state_dict(None), tg.DataError,
        ValueError, ("StepLR.load_state_dict",),
        lambda: torch.optim.lr_scheduler.StepLR(_tsgd(), 2).load_state_dict(None), None),
    "scheduler load_state_dict bad epoch": (
        lambda: tg.optim.lr_scheduler.StepLR(_sgd(), 2).load_state_dict({"last_epoch": "x"}),
        tg.DataError, ValueError, ("StepLR.load_state_dict", "last_epoch"), None,
        "PyTorch stores the string and fails at the next step() with a TypeError"),
    "scheduler with a group added later": (
        _scheduler_with_a_late_group, tg.ArgumentError, ValueError,
        ("StepLR", "2 parameter groups", "made for 1"), _torch_scheduler_with_a_late_group,
        "PyTorch silently schedules only the groups it was made with"),
    "OneCycleLR div_factor 0": (
        lambda: tg.optim.lr_scheduler.OneCycleLR(_sgd(), max_lr=0.1, total_steps=10,
                                                 div_factor=0),
        tg.ArgumentError, ValueError, ("OneCycleLR", "div_factor", "0"),
        lambda: torch.optim.lr_scheduler.OneCycleLR(_tsgd(), max_lr=0.1, total_steps=10,
                                                    div_factor=0), None),
    "jvp on ndarrays": (lambda: tg.func.jvp(lambda x: x * 2, np.ones(2), np.ones(2)),
                        tg.ArgumentTypeError, TypeError, ("jvp", "input 0", "ndarray"),
                        lambda: torch.func.jvp(lambda x: x * 2, (np.ones(2),), (np.ones(2),)),
                        None),
    "jvp of a function returning a float": (
        lambda: tg.func.jvp(lambda x: 3.0, Tensor(np.ones(2)), Tensor(np.ones(2))),
        tg.ArgumentTypeError, TypeError, ("jvp", "output 0", "float"),
        lambda: torch.func.jvp(lambda x: 3.0, (torch.ones(2),), (torch.ones(2),)), None),
    "jvp through a Function without a jvp rule": (
        lambda: tg.func.jvp(lambda x: _NoJvp.apply(x), Tensor(np.ones(2)), Tensor(np.ones(2))),
        tg.UnsupportedError, NotImplementedError, ("_NoJvp", "jvp"), None,
        "PyTorch's custom Functions raise the same for a missing jvp (no torch twin here)"),
    "set_printoptions unknown profile": (
        lambda: tg.set_printoptions(profile="long"), tg.ArgumentError, ValueError,
        ("set_printoptions", "profile", "'long'"), None,
        "PyTorch ignores an unknown profile silently (and applies nothing of it)"),
    "pad_sequence no sequences": (
        lambda: tg.nn.utils.rnn.pad_sequence([]), tg.ShapeError, ValueError,
        ("pad_sequence", "empty"), lambda: torch.nn.utils.rnn.pad_sequence([]), None),
    "pack_padded_sequence unsorted lengths": (
        lambda: tg.nn.utils.rnn.pack_padded_sequence(tg.zeros(3, 2), [1, 3]), tg.ArgumentError,
        ValueError, ("pack_padded_sequence", "decreasing"),
        lambda: torch.nn.utils.rnn.pack_padded_sequence(torch.zeros(3, 2), [1, 3]), None),
    "pack_padded_sequence length past the padding": (
        lambda: tg.nn.utils.rnn.pack_padded_sequence(tg.zeros(3, 2), [5, 3]), tg.ArgumentError,
        ValueError, ("pack_padded_sequence", "[1, 3]"), None,
        "PyTorch packs a length longer than the padded input without a check (reading past "
        "the padding)"),
    "vector_to_parameters short vector": (
        lambda: tg.nn.utils.vector_to_parameters(tg.zeros(5), tg.nn.Linear(2, 3).parameters()),
        tg.ShapeError, ValueError, ("vector_to_parameters", "9"),
        lambda: torch.nn.utils.vector_to_parameters(torch.zeros(5),
                                                    torch.nn.Linear(2, 3).parameters()), None),
    "parameters_to_vector of numbers": (
        lambda: tg.nn.utils.parameters_to_vector([1.0, 2.0]), tg.ArgumentTypeError, TypeError,
        ("parameters_to_vector", "float"),
        lambda: torch.nn.utils.parameters_to_vector([1.0, 2.0]), None),
    "autograd.functional.vjp without v": (
        lambda: tg.autograd.functional.vjp(lambda x: x * 2, tg.ones(2)), tg.ArgumentError,
        ValueError, ("vjp", "v can only be None"),
        lambda: torch.autograd.functional.vjp(lambda x: x * 2, torch.ones(2)), None),
    "autograd.functional.hessian of a vector": (
        lambda: tg.autograd.functional.hessian(lambda x: x * 2, tg.ones(2)), tg.ShapeError,
        ValueError, ("hessian", "one element"),
        lambda: torch.autograd.functional.hessian(lambda x: x * 2, torch.ones(2)), None),
    "autograd.Variable of a list": (
        lambda: tg.autograd.Variable([1.0]), tg.ArgumentTypeError, TypeError,
        ("Variable", "list"), lambda: torch.autograd.Variable([1.0]), None),
    "MultiStepLR milestones str": (
        lambda: tg.optim.lr_scheduler.MultiStepLR(_sgd(), milestones="ab"),
        tg.ArgumentTypeError, TypeError, ("MultiStepLR", "milestones"), None,
        "PyTorch iterates the string and compares its letters with the epoch later"),
}


def _x() -> Tensor:
    return Tensor(np.ones((2, 3), np.float32))


def _tx():
    return torch.ones(2, 3)


def _sched(cls: str, **kw: Any):
    return getattr(tg.optim.lr_scheduler, cls)(tg.optim.SGD([_p()], lr=0.1), **kw)


def _tsched(cls: str, **kw: Any):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    getattr(torch.optim.lr_scheduler, cls)(opt, **kw).step()


TF = None if torch is None else torch.nn.functional
# more rows, one per public callable the older suites do not call: (our bad call, error,
# the op's name in the message, PyTorch's twin); the builtin is the error's own
SIMPLE_ROWS: dict[str, tuple[Callable[[], Any], type, str, Callable[[], Any]]] = {
    "argmax": (lambda: _x().argmax(dim=5), tg.AxisError, "argmax", lambda: _tx().argmax(dim=5)),
    "argmin": (lambda: tg.argmin(_x(), 5), tg.AxisError, "argmin", lambda: torch.argmin(_tx(), 5)),
    "checkpoint": (lambda: tg.checkpoint(3, _x()), tg.ArgumentError, "checkpoint",
                   lambda: torch.utils.checkpoint.checkpoint(3, _tx(), use_reentrant=False)),
    "chunk": (lambda: _x().chunk(0), tg.ArgumentError, "chunk", lambda: _tx().chunk(0)),
    "clamp": (lambda: _x().clamp(), tg.ArgumentError, "clamp", lambda: _tx().clamp()),
    "cumsum": (lambda: _x().cumsum(dim=4), tg.AxisError, "cumsum", lambda: _tx().cumsum(dim=4)),
    "empty_like": (lambda: tg.empty_like(3), tg.ArgumentTypeError, "empty_like",
                   lambda: torch.empty_like(3)),
    "ones_like": (lambda: tg.ones_like([1, 2]), tg.ArgumentTypeError, "ones_like",
                  lambda: torch.ones_like([1, 2])),
    "eye": (lambda: tg.eye(-1), tg.ShapeError, "eye", lambda: torch.eye(-1)),
    "full_like": (lambda: tg.full_like(_x(), "a"), tg.ArgumentTypeError, "full",
                  lambda: torch.full_like(_tx(), "a")),
    "gather": (lambda: _x().gather(1, Tensor(np.array([[0.5]]))), tg.DTypeError, "gather",
               lambda: _tx().gather(1, torch.tensor([[0.5]]))),
    "linspace": (lambda: tg.linspace(0, 1, -1), tg.ArgumentError, "linspace",
                 lambda: torch.linspace(0, 1, -1)),
    "logsumexp": (lambda: _x().logsumexp(dim=7), tg.AxisError, "logsumexp",
                  lambda: _tx().logsumexp(dim=7)),
    "masked_fill": (lambda: _x().masked_fill(np.ones(3, bool), "a"), tg.DTypeError,
                    "masked_fill", lambda: _tx().masked_fill(torch.ones(3, dtype=torch.bool),
                                                             "a")),
    "norm": (lambda: _x().norm(p="nuc2"), tg.ArgumentError, "norm", lambda: _tx().norm(p="nuc2")),
    "rand": (lambda: tg.rand(-1), tg.ShapeError, "rand", lambda: torch.rand(-1)),
    "rand_like": (lambda: tg.rand_like(Tensor(np.ones(2, np.int64))), tg.ArgumentError, "rand",
                  lambda: torch.rand_like(torch.ones(2, dtype=torch.int64))),
    "randint": (lambda: tg.randint(5, 2, (3,)), tg.ArgumentError, "randint",
                lambda: torch.randint(5, 2, (3,))),
    "randint_like": (lambda: tg.randint_like(_x(), 0), tg.ArgumentError, "randint",
                     lambda: torch.randint_like(_tx(), 0)),
    "randn": (lambda: tg.randn(2, "a"), tg.ShapeError, "randn", lambda: torch.randn(2, "a")),
    "randn_like": (lambda: tg.randn_like(Tensor(np.ones(2, np.int64))), tg.ArgumentError,
                   "randn", lambda: torch.randn_like(torch.ones(2, dtype=torch.int64))),
    "AdaptiveAvgPool2d": (lambda: tg.nn.AdaptiveAvgPool2d((1, 2, 3))(tg.zeros(1, 1, 4, 4)),
                          tg.ArgumentError, "adaptive_avg_pool2d",
                          lambda: torch.nn.AdaptiveAvgPool2d((1, 2, 3))(torch.zeros(1, 1, 4, 4))),
    "BCELoss": (lambda: tg.nn.BCELoss(reduction="avg"), tg.ArgumentError, "BCELoss",
                lambda: torch.nn.BCELoss(reduction="avg")(torch.zeros(1), torch.zeros(1))),
    "BCEWithLogitsLoss": (lambda: tg.nn.BCEWithLogitsLoss()(tg.zeros(2), tg.zeros(3)),
                          tg.ShapeError, "binary_cross_entropy_with_logits",
                          lambda: torch.nn.BCEWithLogitsLoss()(torch.zeros(2), torch.zeros(3))),
    "BatchNorm3d": (lambda: tg.nn.BatchNorm3d(2)(tg.zeros(1, 2, 3)), tg.ShapeError,
                    "BatchNorm3d", lambda: torch.nn.BatchNorm3d(2)(torch.zeros(1, 2, 3))),
    "CrossEntropyLoss": (lambda: tg.nn.CrossEntropyLoss(reduction="x"), tg.ArgumentError,
                         "CrossEntropyLoss", lambda: torch.nn.CrossEntropyLoss(reduction="x")(
                             torch.zeros(2, 3), torch.tensor([0, 1]))),
    "Embedding": (lambda: tg.nn.Embedding(-1, 3), tg.ArgumentError, "Embedding",
                  lambda: torch.nn.Embedding(-1, 3)),
    "L1Loss": (lambda: tg.nn.L1Loss()(tg.zeros(2), tg.zeros(3)), tg.ShapeError, "l1_loss",
               lambda: torch.nn.L1Loss()(torch.zeros(2), torch.zeros(3))),
    "MSELoss": (lambda: tg.nn.MSELoss(reduction=None), tg.ArgumentError, "MSELoss",
                lambda: torch.nn.MSELoss(reduction=None)(torch.zeros(1), torch.zeros(1))),
    "NLLLoss": (lambda: tg.nn.NLLLoss()(tg.zeros(2, 3), Tensor(np.array([0, 5]))),
                tg.IndexOutOfRange, "nll_loss",
                lambda: torch.nn.NLLLoss()(torch.zeros(2, 3), torch.tensor([0, 5]))),
    "avg_pool2d": (lambda: F.avg_pool2d(tg.zeros(1, 1, 4, 4), 0), tg.ArgumentError,
                   "avg_pool2d", lambda: TF.avg_pool2d(torch.zeros(1, 1, 4, 4), 0)),
    "binary_cross_entropy_with_logits": (
        lambda: F.binary_cross_entropy_with_logits(tg.zeros(2), tg.zeros(3)), tg.ShapeError,
        "binary_cross_entropy_with_logits",
        lambda: TF.binary_cross_entropy_with_logits(torch.zeros(2), torch.zeros(3))),
    "conv2d": (lambda: F.conv2d(tg.zeros(1, 2, 4, 4), tg.zeros(1, 3, 3, 3)), tg.ShapeError,
               "conv2d", lambda: TF.conv2d(torch.zeros(1, 2, 4, 4), torch.zeros(1, 3, 3, 3))),
    "embedding": (lambda: F.embedding(Tensor(np.array([5])), tg.zeros(3, 2)),
                  tg.IndexOutOfRange, "embedding",
                  lambda: TF.embedding(torch.tensor([5]), torch.zeros(3, 2))),
    "group_norm": (lambda: F.group_norm(tg.zeros(1, 4, 2), 3), tg.ShapeError, "group_norm",
                   lambda: TF.group_norm(torch.zeros(1, 4, 2), 3)),
    "l1_loss": (lambda: F.l1_loss(tg.zeros(2), tg.zeros(2), reduction="x"), tg.ArgumentError,
                "l1_loss", lambda: TF.l1_loss(torch.zeros(2), torch.zeros(2), reduction="x")),
    "layer_norm": (lambda: F.layer_norm(tg.zeros(2, 3), (4,)), tg.ShapeError, "layer_norm",
                   lambda: TF.layer_norm(torch.zeros(2, 3), (4,))),
    "linear": (lambda: F.linear(tg.zeros(2, 3), tg.zeros(4, 5)), tg.ShapeError, "linear",
               lambda: TF.linear(torch.zeros(2, 3), torch.zeros(4, 5))),
    "log_softmax": (lambda: F.log_softmax(tg.zeros(2, 3), dim=3), tg.AxisError, "log_softmax",
                    lambda: TF.log_softmax(torch.zeros(2, 3), dim=3)),
    "max_pool2d": (lambda: F.max_pool2d(tg.zeros(1, 1, 2, 2), 3), tg.ShapeError, "max_pool2d",
                   lambda: TF.max_pool2d(torch.zeros(1, 1, 2, 2), 3)),
    "nll_loss": (lambda: F.nll_loss(tg.zeros(2, 3), Tensor(np.array([0.5, 1.0]))),
                 tg.DTypeError, "nll_loss",
                 lambda: TF.nll_loss(torch.zeros(2, 3), torch.tensor([0.5, 1.0]))),
    "softmax": (lambda: F.softmax(tg.zeros(2, 3), dim=-3), tg.AxisError, "softmax",
                lambda: TF.softmax(torch.zeros(2, 3), dim=-3)),
    "CosineAnnealingLR": (lambda: _sched("CosineAnnealingLR", T_max=0), tg.ArgumentError,
                          "CosineAnnealingLR", lambda: _tsched("CosineAnnealingLR", T_max=0)),
    "ExponentialLR": (lambda: _sched("ExponentialLR", gamma="a"), tg.ArgumentTypeError,
                      "ExponentialLR", lambda: _tsched("ExponentialLR", gamma="a")),
    "LambdaLR": (lambda: _sched("LambdaLR", lr_lambda=3), tg.ArgumentError, "LambdaLR",
                 lambda: _tsched("LambdaLR", lr_lambda=3)),
    "vjp": (lambda: tg.func.vjp(lambda x: x * 2, Tensor(np.ones(2)), Tensor(np.ones(3))),
            tg.ShapeError, "vjp", lambda: torch.autograd.functional.vjp(
                lambda x: x * 2, torch.ones(2), torch.ones(3))),
    "hessian": (lambda: tg.func.hessian(lambda x: x, Tensor(np.ones(2))), tg.ShapeError,
                "hessian", lambda: torch.autograd.functional.hessian(lambda x: x, torch.ones(2))),
    "hvp": (lambda: tg.func.hvp(lambda x: x.sum(), Tensor(np.ones(2)), Tensor(np.ones(3))),
            tg.ShapeError, "hvp", lambda: torch.autograd.functional.hvp(
                lambda x: x.sum(), torch.ones(2), torch.ones(3))),
    "jacobian": (lambda: tg.func.jacobian(lambda x: 3.0, Tensor(np.ones(2))),
                 tg.ArgumentTypeError, "jacobian",
                 lambda: torch.func.jacrev(lambda x: 3.0)(torch.ones(2))),
    "addcmul": (lambda: tg.addcmul(_x(), _x(), tg.ones(4)), tg.ShapeError, "addcmul",
                lambda: torch.addcmul(_tx(), _tx(), torch.ones(4))),
    "addcdiv": (lambda: tg.addcdiv(_x(), tg.tensor([1, 2, 3]), tg.tensor([1, 2, 3])),
                tg.DTypeError, "addcdiv",
                lambda: torch.addcdiv(_tx(), torch.tensor([1, 2, 3]), torch.tensor([1, 2, 3]))),
    "as_tensor": (lambda: tg.as_tensor([1], dtype="complex"), tg.DTypeError, "as_tensor",
                  lambda: torch.as_tensor([1], dtype="complex")),
    "cdist": (lambda: tg.cdist(_x(), tg.ones(2, 4)), tg.ShapeError, "cdist",
              lambda: torch.cdist(_tx(), torch.ones(2, 4))),
    "finfo": (lambda: tg.finfo(tg.int32), tg.DTypeError, "finfo",
              lambda: torch.finfo(torch.int32)),
    "iinfo": (lambda: tg.iinfo(tg.float32), tg.DTypeError, "iinfo",
              lambda: torch.iinfo(torch.float32)),
    "std_mean": (lambda: tg.std_mean(_x(), dim=5), tg.AxisError, "std",
                 lambda: torch.std_mean(_tx(), dim=5)),
    "var_mean": (lambda: tg.var_mean(_x(), dim=5), tg.AxisError, "var",
                 lambda: torch.var_mean(_tx(), dim=5)),
    "unbind": (lambda: tg.unbind(_x(), 2), tg.AxisError, "unbind",
               lambda: torch.unbind(_tx(), 2)),
    "ParameterList": (lambda: tg.nn.ParameterList()[0], tg.IndexOutOfRange, "ParameterList",
                      lambda: torch.nn.ParameterList()[0]),
    "ParameterDict": (lambda: tg.nn.ParameterDict({"a.b": tg.ones(1)}), tg.ArgumentError,
                      "ParameterDict", lambda: torch.nn.ParameterDict({"a.b": torch.ones(1)})),
    "grad": (lambda: tg.func.grad(lambda x: x * 2)(tg.ones(2)), tg.ShapeError, "grad",
             lambda: torch.func.grad(lambda x: x * 2)(torch.ones(2))),
    "grad_and_value": (lambda: tg.func.grad_and_value(lambda x: x.sum(), argnums=2)(tg.ones(2)),
                       tg.ArgumentError, "grad",
                       lambda: torch.func.grad_and_value(lambda x: x.sum(), argnums=2)(
                           torch.ones(2))),
    "vmap": (lambda: tg.func.vmap(lambda p, q: p + q)(tg.ones(3, 2), tg.ones(4, 2)),
             tg.ShapeError, "vmap",
             lambda: torch.func.vmap(lambda p, q: p + q)(torch.ones(3, 2), torch.ones(4, 2))),
    # the legacy typed constructors refuse a tensor of another dtype, as PyTorch's
    **{name: (lambda name=name: getattr(tg, name)(_x().double() if name != "DoubleTensor"
                                                  else _x()),
              tg.DTypeError, name,
              lambda name=name: getattr(torch, name)(_tx().double() if name != "DoubleTensor"
                                                     else _tx()))
       for name in ["BoolTensor", "ByteTensor", "CharTensor", "DoubleTensor", "FloatTensor",
                    "HalfTensor", "IntTensor", "LongTensor", "ShortTensor"]},
}


@pytest.mark.parametrize("name", sorted(SIMPLE_ROWS))
def test_more_public_callables_refuse_bad_calls_as_pytorch(name):
    call, error, op, twin = SIMPLE_ROWS[name]
    builtin = next(b for b in error.__mro__ if b.__module__ == "builtins" and
                   b is not object and not issubclass(b, tg.TinygradError))
    _check(call, error, builtin, (op,), twin, None)


@pytest.mark.parametrize("name", sorted(ROWS))
def test_bad_calls_raise_a_clear_project_error_as_pytorch_refuses(name):
    _check(*ROWS[name])


def _check(call: Callable[[], Any], error: type, builtin: type, fragments: tuple[str, ...],
           twin: Callable[[], Any] | None, ours_only: str | None) -> None:
    try:
        call()
    except tg.TinygradError as raised:
        OUTCOMES[type(raised).__name__] += 1
        assert isinstance(raised, error) and isinstance(raised, builtin), repr(raised)
        missing = [f for f in fragments if f not in str(raised)]
        assert not missing, f"message {str(raised)!r} lacks {missing}"
    except Exception as raised:  # noqa: BLE001 (a raw exception is the failure we test for)
        OUTCOMES["raw"] += 1
        pytest.fail(f"raw {type(raised).__name__}: {raised}")
    else:
        OUTCOMES["accepted"] += 1
        pytest.fail("accepted a bad call")
    if twin is not None and torch is not None:
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal of PyTorch's)
            twin()
    assert ours_only is None or len(ours_only) > 20


# ---------------------------------------------------------------- coverage of the surface

BAD_INPUT_SUITES = ["test_bad_input.py", "test_bad_input_nn.py", "test_errors.py",
                    "test_bad_input_rows22.py", "nn/test_errors_nn.py", "test_bad_input_surface.py",
                    "test_surface_ops22.py", "test_linalg.py", "test_nn_extra21.py",
                    "distributed/test_process_group.py", "test_compile.py",
                    "optim/test_optim_groups_and_state.py", "data/test_utils_data.py",
                    "distributed/test_sampler.py", "distributed/test_sync_batchnorm.py",
                    "distributed/test_data_parallel.py", "test_surface_fn22.py",
                    "test_distributions.py", "test_surface29.py", "test_dtype_refusals29.py",
                    "test_linalg_decompositions.py", "test_distributions_mvn.py",
                    "test_distributions_gamma.py",
                    "test_linalg_methods.py", "test_layer_dtypes30.py", "test_arrangements30.py",
                    "test_transformer_more30.py", "test_surface_31.py",
                    "test_bad_input_nn_31.py", "test_spellings_31.py", "test_grid_sample31.py",
                    "test_bad_input_nn_32.py", "test_corpus_fixes_32.py",
                    "test_amp_32.py", "test_testing_32.py", "test_spellings_32.py",
                    "test_corpus_fixes_33.py", "test_model_builder_modules_33.py",
                    "test_pool_indices_33.py", "test_distributions_34_bad_input.py",
                    "test_bad_input_34.py", "test_nn_extras_34.py", "test_fft_34.py",
                    "test_complex_34.py", "test_moduleinfo_fixes_35.py",
                    "test_bad_input_optim_35.py"]


def _public() -> dict[str, list[str]]:
    modules = {"tg": tg, "tg.nn": tg.nn, "tg.nn.functional": F, "tg.optim": tg.optim,
               "tg.optim.lr_scheduler": tg.optim.lr_scheduler, "tg.utils.data": tg.utils.data,
               "tg.func": tg.func, "tg.linalg": tg.linalg,
               "tg.distributions": tg.distributions, "tg.fft": tg.fft}
    try:
        import tinygrad_bn.distributed as dist
        modules["tg.distributed"] = dist
    except tg.DependencyError:
        pass
    out = {}
    for prefix, module in modules.items():
        names = getattr(module, "__all__", None) or [n for n in dir(module)
                                                     if not n.startswith("_")]
        out[prefix] = sorted(n for n in names if _is_callable_api(getattr(module, n, None)))
    return out


def _is_callable_api(obj: Any) -> bool:
    if obj is None or not callable(obj) or isinstance(obj, types.ModuleType | np.dtype):
        return False
    if inspect.isclass(obj) and (issubclass(obj, BaseException | np.generic)):
        return False  # error classes and dtypes (tg.float32) take no input to refuse
    return True


def _covered(names: set[str]) -> set[str]:
    """The names a bad-input suite calls: `name(` or a quoted "name" in one of the files."""
    root = Path(__file__).parent
    text = "\n".join((root / f).read_text() for f in BAD_INPUT_SUITES if (root / f).exists())
    return {n for n in names if re.search(rf"(\b|\.){re.escape(n)}\(|[\"']{re.escape(n)}[\"']",
                                          text)}


_NO_ARGUMENT = "takes no argument: nothing to refuse (a stray one is Python's own TypeError)"
# public callables without a bad-input row, each with the reason; every other public
# callable must have a row, so a name added later fails the test until it has one
EXEMPT: dict[str, str] = {
    **{f"tg.{n}": _NO_ARGUMENT for n in """are_deterministic_algorithms_enabled
        get_default_dtype get_num_threads get_rng_state initial_seed is_grad_enabled
        is_deterministic_algorithms_warn_only_enabled detect_anomaly no_grad
        enable_grad""".split()},
    "tg.utils.data.get_worker_info": _NO_ARGUMENT,
    "tg.is_tensor": "answers any object (False for a non-tensor), as PyTorch's",
    "tg.utils.data.default_convert": "converts the arrays it finds and returns anything else "
                                     "unchanged, as PyTorch's",
    "tg.nn.Identity": "passes its input through unchanged, whatever it is, as PyTorch's",
    "tg.nn.Module": "a base class: calling one without a forward raises NotImplementedError, as "
                    "PyTorch's (its subclasses have rows)",
    "tg.utils.data.Dataset": "a base class without arguments: indexing one without a "
                             "__getitem__ raises NotImplementedError, as PyTorch's",
    "tg.utils.data.IterableDataset": "a base class without arguments (its subclasses have rows)",
    "tg.utils.data.Sampler": "a base class whose argument PyTorch ignores too (its subclasses "
                             "have rows)",
    "tg.is_inference_mode_enabled": f"added in this session by idioms21: {_NO_ARGUMENT}",
    **{f"tg.{n}": f"surface31's getters (tests/test_modes_31.py): {_NO_ARGUMENT}" for n in
       """get_default_device get_float32_matmul_precision get_num_interop_threads
       is_anomaly_check_nan_enabled is_anomaly_enabled is_warn_always_enabled""".split()},
    "tg.typename": "answers any object (a type name), as PyTorch's",
    "tg.is_storage": "answers any object (False: no storages here), as PyTorch's",
    "tg.distributed.AllGather": "the autograd Function all_gather applies (all_gather has rows)",
    "tg.distributed.SyncBatchNormFunction": "the autograd Function sync_batch_norm applies "
                                            "(sync_batch_norm has rows)",
    "tg.distributed.ProcessGroup": "made by the MPI launch (get_group), not by user calls",
    "tg.distributed.get_group": _NO_ARGUMENT,
    "tg.distributed.set_collective_checks": "a debt: takes any truthy value as True (should "
                                            "refuse a non-bool)",
}


def test_every_public_callable_has_bad_input_rows(capsys):
    public = _public()
    missing, exempt = [], []
    for prefix, names in public.items():
        covered = _covered(set(names))
        for name in names:
            qualified = f"{prefix}.{name}"
            if qualified in EXEMPT:
                exempt.append(qualified)
                assert name not in covered, f"{qualified} has rows now: drop it from EXEMPT"
            elif name not in covered:
                missing.append(qualified)
    public_names = {f"{p}.{n}" for p, names in public.items() for n in names}
    stale = sorted(n for n in set(EXEMPT) - public_names  # pending names may not be here yet
                   if "distributed" not in n and "added in this session" not in EXEMPT[n])
    total = len(public_names)
    with capsys.disabled():
        print(f"\npublic callables: {total}; exempt (EXEMPT, with reasons): {len(exempt)}; "
              f"without bad-input rows: {len(missing)}: {', '.join(missing) or 'none'}")
    assert not stale, f"EXEMPT names no public callable: {stale}"
    assert not missing, f"public callables without bad-input rows (add a row to a suite in " \
        f"BAD_INPUT_SUITES, or an EXEMPT entry with the reason): {missing}"
