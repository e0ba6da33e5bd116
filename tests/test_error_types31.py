"""Errors are caught by the builtin class PyTorch raises for the same mistake, so a script's
`except RuntimeError` / `except IndexError` works unchanged (and by the project's own class)."""

import pytest

import tinygrad_bn as tg

# (what goes wrong, the call on a library `m` (tinygrad_bn or torch), the builtin PyTorch raises)
CASES = [
    ("broadcast", lambda m: m.ones(2) + m.ones(3), RuntimeError),
    ("matmul inner dims", lambda m: m.ones(2, 3) @ m.ones(2, 3), RuntimeError),
    ("mm inner dims", lambda m: m.ones(2, 3).mm(m.ones(2, 3)), RuntimeError),
    ("view size", lambda m: m.ones(6).view(4), RuntimeError),
    ("reshape size", lambda m: m.ones(6).reshape(4), RuntimeError),
    ("cat shapes", lambda m: m.cat([m.ones(2, 3), m.ones(3, 2)]), RuntimeError),
    ("stack shapes", lambda m: m.stack([m.ones(2), m.ones(3)]), RuntimeError),
    ("expand", lambda m: m.ones(2, 3).expand(4, 3), RuntimeError),
    ("dim out of range", lambda m: m.ones(2).sum(dim=3), IndexError),
    ("negative dim out of range", lambda m: m.ones(2, 3).softmax(dim=-3), IndexError),
    ("transpose dim", lambda m: m.ones(2, 3).transpose(0, 2), IndexError),
    ("integer requires grad", lambda m: m.ones(2, dtype=m.int64).requires_grad_(), RuntimeError),
    ("linear channels", lambda m: m.nn.Linear(3, 2)(m.ones(4, 5)), RuntimeError),
    ("batch norm channels", lambda m: m.nn.BatchNorm1d(3)(m.ones(4, 5)), RuntimeError),
]


@pytest.mark.parametrize("what, call, builtin", CASES, ids=[c[0] for c in CASES])
def test_the_error_is_the_builtin_pytorch_raises(what: str, call, builtin: type) -> None:
    with pytest.raises(builtin) as info:
        call(tg)
    assert isinstance(info.value, tg.TinygradError)


@pytest.mark.parametrize("what, call, builtin", CASES, ids=[c[0] for c in CASES])
def test_pytorch_raises_that_builtin(what: str, call, builtin: type) -> None:
    """The table above is PyTorch's behaviour, not a guess."""
    torch = pytest.importorskip("torch")
    with pytest.raises(builtin):
        call(torch)


def test_the_classes_keep_their_python_bases() -> None:
    """Code written against the earlier classes (ValueError, TypeError) still catches them."""
    assert issubclass(tg.ShapeError, ValueError) and issubclass(tg.ShapeError, RuntimeError)
    assert issubclass(tg.AxisError, ValueError) and issubclass(tg.AxisError, IndexError)
    assert issubclass(tg.DTypeError, TypeError) and issubclass(tg.DTypeError, RuntimeError)
    assert issubclass(tg.DTypeMismatchError, tg.DTypeError)
