"""Bad input raises a project error (a `TinygradError`, and the fitting builtin) whose
message names the op and the shapes or values involved."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pytest

import tinygrad_bn as tg
from tests.error_cases import assert_project_error
from tinygrad_bn import Tensor


def _a() -> Tensor:
    return Tensor(np.ones((2, 3)), requires_grad=True)


def _b() -> Tensor:
    return Tensor(np.ones(4))


# name: (bad call, project error, builtin it also is, fragments the message must contain)
CASES: dict[str, tuple[Callable[[], object], type, type, tuple[str, ...]]] = {
    # non-broadcastable shapes
    "add": (lambda: _a() + _b(), tg.ShapeError, ValueError, ("Add", "(2, 3)", "(4,)")),
    "sub": (lambda: _a() - _b(), tg.ShapeError, ValueError, ("Sub", "(2, 3)", "(4,)")),
    "mul": (lambda: _b() * _a(), tg.ShapeError, ValueError, ("Mul", "(4,)", "(2, 3)")),
    "div": (lambda: _a() / _b(), tg.ShapeError, ValueError, ("Div", "(2, 3)", "(4,)")),
    "pow": (lambda: _a() ** _b(), tg.ShapeError, ValueError, ("Pow", "(2, 3)", "(4,)")),
    "maximum": (lambda: tg.maximum(_a(), _b()), tg.ShapeError, ValueError,
                ("Maximum", "(2, 3)", "(4,)")),
    "where": (lambda: tg.where(np.ones(5, bool), _a(), _a()), tg.ShapeError, ValueError,
              ("Where", "(5,)", "(2, 3)")),
    "expand": (lambda: _a().expand(3, 3), tg.ShapeError, ValueError,
               ("expand", "(2, 3)", "(3, 3)")),
    "concatenate": (lambda: tg.concatenate([_a(), Tensor(np.ones((3, 3)))], axis=1),
                    tg.ShapeError, ValueError, ("concatenate", "(2, 3)", "(3, 3)")),
    "stack": (lambda: tg.stack([_a(), _b()]), tg.ShapeError, ValueError,
              ("stack", "(2, 3)", "(4,)")),
    # matmul
    "matmul inner": (lambda: _a() @ Tensor(np.ones((4, 2))), tg.ShapeError, ValueError,
                     ("matmul", "inner", "(2, 3)", "(4, 2)", "3 != 4")),
    "matmul vector": (lambda: _a() @ _b(), tg.ShapeError, ValueError,
                      ("matmul", "(2, 3)", "(4,)")),
    "matmul batch": (lambda: Tensor(np.ones((2, 2, 3))) @ Tensor(np.ones((3, 3, 2))),
                     tg.ShapeError, ValueError, ("matmul", "batch", "(2,)", "(3,)")),
    "matmul 0-d": (lambda: _a() @ Tensor(np.float64(2.0)), tg.ShapeError, ValueError,
                   ("matmul", "0-d", "()")),
    # axes
    "sum axis": (lambda: _a().sum(axis=2), tg.AxisError, ValueError,
                 ("sum", "axis 2", "2 dims")),
    "mean negative axis": (lambda: _a().mean(axis=-3), tg.AxisError, ValueError,
                           ("mean", "axis -3")),
    "max repeated axis": (lambda: _a().max(axis=(1, -1)), tg.AxisError, ValueError,
                          ("max", "repeated", "(1, -1)")),
    "var float axis": (lambda: _a().var(axis=1.0), tg.ArgumentTypeError, TypeError,
                       ("var", "1.0")),
    "axis of 0-d": (lambda: Tensor(np.float64(1.0)).sum(axis=1), tg.AxisError, ValueError,
                    ("sum", "0 dims")),
    "transpose": (lambda: _a().transpose(0, 2), tg.AxisError, ValueError,
                  ("transpose", "axis 2")),
    "swapaxes": (lambda: _a().swapaxes(0, 2), tg.AxisError, ValueError, ("swapaxes", "axis 2")),
    "unsqueeze": (lambda: _a().unsqueeze(4), tg.AxisError, ValueError, ("unsqueeze", "axis 4")),
    "squeeze": (lambda: _a().squeeze(2), tg.AxisError, ValueError,
                ("squeeze", "axis 2", "2 dims")),
    "concatenate axis": (lambda: tg.concatenate([_a(), _a()], axis=2), tg.AxisError, ValueError,
                         ("concatenate", "axis 2")),
    # reshape and other shape arguments
    "reshape": (lambda: _a().reshape(4, 2), tg.ShapeError, ValueError,
                ("reshape", "(2, 3)", "6 elements", "(4, 2)")),
    "reshape -1": (lambda: _a().reshape(-1, 4), tg.ShapeError, ValueError,
                   ("reshape", "(2, 3)", "(-1, 4)")),
    "pad": (lambda: _a().pad(((1, 1),) * 3), tg.ShapeError, ValueError, ("pad", "(2, 3)")),
    "var ddof": (lambda: _a().var(axis=0, ddof="1"), tg.ArgumentTypeError, TypeError,
                 ("var", "ddof", "'1'")),
    "max of empty": (lambda: Tensor(np.ones((0, 3))).max(axis=0), tg.ShapeError, ValueError,
                     ("max", "(0, 3)")),
    "item": (lambda: _a().item(), tg.ShapeError, ValueError, ("item", "(2, 3)")),
    "ragged data": (lambda: Tensor([[1.0, 2.0], [3.0]]), tg.ShapeError, ValueError,
                    ("Tensor",)),
    # indexing
    "index": (lambda: _a()[5], tg.IndexOutOfRange, IndexError, ("GetItem", "(2, 3)", "5")),
    "index in tuple": (lambda: _a()[0, -4], tg.IndexOutOfRange, IndexError,
                       ("GetItem", "(2, 3)", "-4")),
    "index array": (lambda: _a()[np.array([0, 2])], tg.IndexOutOfRange, IndexError,
                    ("GetItem", "(2, 3)", "2")),
    "too many indices": (lambda: _a()[0, 0, 0], tg.IndexOutOfRange, IndexError,
                         ("GetItem", "(2, 3)")),
    # backward
    "backward non-scalar": (lambda: (_a() * 2.0).backward(), tg.BackwardError, RuntimeError,
                            ("backward", "(2, 3)", "grad")),
    "backward no grad": (lambda: (Tensor(np.ones(3)) * 2.0).sum().backward(), tg.BackwardError,
                         RuntimeError, ("backward", "does not require grad")),
    "backward grad shape": (lambda: (_a() * 2.0).backward(np.ones(3)), tg.ShapeError,
                            ValueError, ("backward", "(3,)", "(2, 3)")),
    "grad of non-tensor": (lambda: tg.grad((_a() * 2.0).sum(), [np.ones(2)]),
                           tg.ArgumentTypeError, TypeError, ("grad", "inputs", "ndarray")),
    # dtypes
    "requires_grad int": (lambda: Tensor(np.array([1, 2]), requires_grad=True), tg.DTypeError,
                          TypeError, ("requires_grad", "int64")),
    "requires_grad_ bool": (lambda: Tensor(np.array([True])).requires_grad_(), tg.DTypeError,
                            TypeError, ("requires_grad", "bool")),
    "string data": (lambda: Tensor(["a", "b"]), tg.DTypeError, TypeError, ("Tensor", "<U1")),
    "gradcheck float32": (lambda: tg.gradcheck(lambda x: x * 2, [
        Tensor(np.ones(2, np.float32), requires_grad=True)]), tg.DTypeError, TypeError,
        ("gradcheck", "input 0", "float32", "float64")),
    "gradcheck float16 second input": (lambda: tg.gradcheck(lambda x, y: x * y, [
        Tensor(np.ones(2), requires_grad=True), Tensor(np.ones(2, np.float16),
                                                       requires_grad=True)]),
        tg.DTypeError, TypeError, ("gradcheck", "input 1", "float16")),
    "gradgradcheck float32": (lambda: tg.gradgradcheck(lambda x: x * 2, [
        Tensor(np.ones(2, np.float32), requires_grad=True)]), tg.DTypeError, TypeError,
        ("gradgradcheck", "float32")),
    "gradcheck nothing to check": (lambda: tg.gradcheck(lambda x: x * 2, [Tensor(np.ones(2))]),
                                   tg.DTypeError, TypeError, ("gradcheck", "requires grad")),
    # issue 12: what used to leak a raw NumPy / Python exception from the tensor/ops layer
    "unknown dtype": (lambda: Tensor([1, 2], dtype="notadtype"), tg.DTypeError, TypeError,
                      ("Tensor", "'notadtype'", "dtype")),
    "compare shapes": (lambda: Tensor(np.ones((2, 3))) < Tensor(np.ones(4)), tg.ShapeError,
                       ValueError, ("<", "(2, 3)", "(4,)")),
    "compare eq shapes": (lambda: Tensor(np.ones((2, 3))) == Tensor(np.ones(4)), tg.ShapeError,
                          ValueError, ("==", "(2, 3)", "(4,)")),
    "reshape str": (lambda: _a().reshape(2, "a"), tg.ArgumentTypeError, TypeError,
                    ("reshape", "str", "'a'")),
    "backward str": (lambda: (_a() * 2.0).backward("a"), tg.ArgumentTypeError, TypeError,
                     ("backward", "grad", "str")),
    "backward dict": (lambda: (_a() * 2.0).backward({"g": 1}), tg.ArgumentTypeError,
                      TypeError, ("backward", "grad", "dict")),
    "grad of float": (lambda: tg.grad(3.0, [_a()]), tg.ArgumentTypeError, TypeError,
                      ("grad", "outputs", "float")),
    "hook not callable": (lambda: _a().register_hook(5), tg.ArgumentTypeError, TypeError,
                          ("register_hook", "int", "5")),
    "pad 0-d": (lambda: Tensor(np.float64(1.0)).pad(1), tg.ShapeError, ValueError,
                ("pad", "0-d")),
    "astype nonsense": (lambda: _a().astype("nonsense"), tg.DTypeError, TypeError,
                        ("astype", "'nonsense'")),
    "expand huge then mul": (lambda: Tensor(np.ones(1)).expand(10**6, 10**6) * 2,
                             tg.AllocationError, MemoryError,
                             ("Mul", "8,000,000,000,000 bytes", "(1000000, 1000000)")),
    "pad huge": (lambda: _a().pad(10**7), tg.AllocationError, MemoryError,
                 ("Pad", "bytes", "(20000002, 20000003)")),
    "Tensor(None)": (lambda: Tensor(None), tg.DTypeError, TypeError, ("Tensor", "NoneType")),
    "Tensor(dict)": (lambda: Tensor({"a": 1}), tg.DTypeError, TypeError, ("Tensor", "dict")),
    "add str": (lambda: _a() + "a", tg.DTypeError, TypeError, ("+", "str", "'a'")),
    "add None": (lambda: _a() + None, tg.DTypeError, TypeError, ("+", "NoneType")),
    "radd None": (lambda: None + _a(), tg.DTypeError, TypeError, ("+", "NoneType")),
    "mul list of str": (lambda: _a() * ["x"], tg.DTypeError, TypeError, ("*", "list")),
    "pow object": (lambda: _a() ** object(), tg.DTypeError, TypeError, ("**", "object")),
    "compare str": (lambda: _a() < "a", tg.DTypeError, TypeError, ("<", "str")),
    "matmul None": (lambda: _a() @ None, tg.DTypeError, TypeError, ("@", "NoneType")),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_raises_project_error_naming_op_and_shapes(name: str) -> None:
    assert_project_error(*CASES[name])


def test_second_backward_error_names_retain_graph_and_the_op() -> None:
    x = _a()
    loss = (x.exp() * x).sum()
    loss.backward()
    with pytest.raises(tg.BackwardError, match=re.escape("retain_graph=True")) as info:
        loss.backward()
    # Sum saved no tensor and runs again (as PyTorch's); Mul saved x and exp(x): freed
    assert "Mul" in str(info.value) and isinstance(info.value, RuntimeError)


def test_errors_chain_the_numpy_cause() -> None:
    """The NumPy error stays available as __cause__ for whoever needs its detail."""
    with pytest.raises(tg.ShapeError) as info:
        _a() + _b()
    assert isinstance(info.value.__cause__, ValueError)
    assert not isinstance(info.value.__cause__, tg.TinygradError)


def test_one_base_class_for_all_project_errors() -> None:
    for cls in (tg.ShapeError, tg.AxisError, tg.DTypeError, tg.BackwardError,
                tg.GradcheckError, tg.DataError, tg.IndexOutOfRange):
        assert issubclass(cls, tg.TinygradError)
