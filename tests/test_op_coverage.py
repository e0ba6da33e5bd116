"""`tinygrad-bn gradcheck`'s op coverage: every op class is listed, every case passes all
four checks, and a wrong backward or a missing jvp shows in the table."""

from __future__ import annotations

import numpy as np
import pytest

from tests.wrong_gradients import FrozenSquare, HalfSquare
from tinygrad_bn import ops
from tinygrad_bn.autograd.primitive import Function
from tinygrad_bn.experiments import op_coverage, op_gradients
from tinygrad_bn.experiments.op_gradients import OpCase


class SquareWithoutJvp(Function):
    """z = x^2;  dx = 2 g x; no jvp rule."""

    def forward(self, x):
        return x * x

    def backward(self, g):
        return 2 * g * self.parents[0]


def test_the_enumeration_finds_the_ops_of_every_family() -> None:
    names = {cls.__name__ for cls in op_coverage.op_classes()}
    assert {"Add", "Mul", "MatMul", "Convolution", "Sum", "Reshape", "Exp", "Log1p",
            "FusedBatchNorm", "CrossEntropy"} <= names
    assert not any(name.startswith("_") for name in names)


def test_the_table_lists_every_op_class_of_tinygrad_bn_ops() -> None:
    primitives = {v for v in vars(ops).values() if isinstance(v, type) and
                  issubclass(v, Function) and v is not Function}
    table = op_coverage.coverage(op_coverage.check_all(run=False))
    assert primitives <= set(table)
    text = op_coverage.format_ops(table)
    assert all(f"\n{cls.__name__} " in text for cls in primitives)


def test_every_case_passes_every_check_and_gives_the_documented_table() -> None:
    results = op_coverage.check_all()
    failed = {r.name: r.notes for r in results if not r.passed}
    assert failed == {}
    torch = op_coverage.torch_module()
    assert all(r.verdicts["cross-checked"] is (None if torch is None or
                                                case.torch_fn is None else True)
               for r, case in zip(results, op_gradients.OPS))
    if torch is not None:  # the fast path of docs/op-coverage.md takes every check as passed
        assert op_coverage.coverage(results) == op_coverage.coverage(
            op_coverage.check_all(run=False))


def test_a_wrong_backward_fails_reverse_and_jvp_but_is_reported_per_check() -> None:
    result = op_coverage.check_case(OpCase("half square", HalfSquare.apply, ((3, 2),)))
    # the jvp is right (2 x tx) but disagrees with the wrong reverse: both are flagged
    assert result.verdicts["reverse"] is False and result.verdicts["cross-checked"] is None
    assert result.max_rel_error == pytest.approx(0.5, rel=1e-4)
    assert result.ops["reverse"] == {HalfSquare}
    table = op_coverage.coverage([result], [HalfSquare])
    assert table[HalfSquare]["reverse"] is False
    assert "HalfSquare" in op_coverage.format_ops(table).splitlines()[1]
    assert op_coverage.format_ops(table).splitlines()[1].split()[2] == "-"


def test_a_backward_that_is_not_differentiable_fails_double_backward() -> None:
    result = op_coverage.check_case(OpCase("frozen square", FrozenSquare.apply, ((3,),)))
    assert result.verdicts["reverse"] and result.verdicts["jvp"]
    assert result.verdicts["double backward"] is False
    assert op_coverage.coverage([result], [FrozenSquare])[FrozenSquare]["double backward"] \
        is False


def test_an_op_without_jvp_fails_jvp_and_shows_dash() -> None:
    result = op_coverage.check_case(OpCase("no jvp", SquareWithoutJvp.apply, ((2, 2),)))
    assert result.verdicts["jvp"] is False and result.verdicts["reverse"] is True
    assert any("no forward-mode (jvp) rule" in note for note in result.notes)
    table = op_coverage.coverage([result], [SquareWithoutJvp])
    assert table[SquareWithoutJvp] == {"reverse": True, "jvp": False,
                                       "double backward": True, "cross-checked": False}
    row = op_coverage.format_ops(table).splitlines()[1].split()
    assert row[2:] == ["yes", "-", "yes", "-"]


def test_a_wrong_torch_twin_fails_the_cross_check() -> None:
    pytest.importorskip("torch")
    result = op_coverage.check_case(OpCase("exp as sin", lambda x: x.exp(), ((3,),),
                                           torch_fn=lambda x: x.sin()))
    assert result.verdicts["reverse"] and result.verdicts["cross-checked"] is False
    assert any(note.startswith("torch: output 0") for note in result.notes)


def test_inputs_avoid_kinks() -> None:
    (x,) = op_gradients.inputs(OpCase("relu", lambda x: x.relu(), ((50, 50),)))
    assert np.abs(x.data).min() >= 0.2 and x.dtype == np.float64 and x.requires_grad
