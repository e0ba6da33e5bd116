"""tg.bfloat16: the name exists (PyTorch scripts spell it) and every use of it is refused
with a DTypeError naming the dtype and what to use instead (NumPy has no bfloat16;
docs/coming-from-pytorch.md, "Dtypes are NumPy's")."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import nn

X = tg.ones(2)
USES = {
    "zeros": lambda: tg.zeros(2, dtype=tg.bfloat16),
    "zeros by name": lambda: tg.zeros(2, dtype="torch.bfloat16"),
    "tensor": lambda: tg.tensor([1.0], dtype=tg.bfloat16),
    "Tensor": lambda: tg.Tensor([1.0], dtype=tg.bfloat16),
    "as_tensor": lambda: tg.as_tensor([1.0], dtype=tg.bfloat16),
    "randn": lambda: tg.randn(2, dtype=tg.bfloat16),
    "full": lambda: tg.full((2,), 1.0, dtype=tg.bfloat16),
    "arange": lambda: tg.arange(3, dtype=tg.bfloat16),
    "eye": lambda: tg.eye(2, dtype=tg.bfloat16),
    "zeros_like": lambda: tg.zeros_like(X, dtype=tg.bfloat16),
    "new_zeros": lambda: X.new_zeros(2, dtype=tg.bfloat16),
    "to": lambda: X.to(tg.bfloat16),
    "to dtype=": lambda: X.to(dtype=tg.bfloat16),
    "type": lambda: X.type(tg.bfloat16),
    "astype": lambda: X.astype(tg.bfloat16),
    "bfloat16()": lambda: X.bfloat16(),
    "sum dtype=": lambda: X.sum(dtype=tg.bfloat16),
    "softmax dtype=": lambda: X.softmax(0, dtype=tg.bfloat16),
    "finfo": lambda: tg.finfo(tg.bfloat16),
    "set_default_dtype": lambda: tg.set_default_dtype(tg.bfloat16),
    "Linear dtype=": lambda: nn.Linear(2, 2, dtype=tg.bfloat16),
    "Module.to": lambda: nn.Linear(2, 2).to(tg.bfloat16),
    "np.dtype": lambda: np.dtype(tg.bfloat16),
}


@pytest.mark.parametrize("use", sorted(USES))
def test_every_use_of_bfloat16_is_refused_naming_it_and_the_alternative(use: str) -> None:
    with pytest.raises(tg.DTypeError, match="bfloat16") as caught:
        USES[use]()
    assert "float16" in str(caught.value) or "float32" in str(caught.value)
    assert tg.get_default_dtype() == np.float32  # set_default_dtype left it alone


def test_bfloat16_is_a_dtype_name_as_in_pytorch() -> None:
    torch = pytest.importorskip("torch")
    assert isinstance(torch.bfloat16, torch.dtype) and isinstance(tg.bfloat16, tg.dtype)
    assert "bfloat16" in tg.__all__ and repr(tg.bfloat16).startswith("torch.bfloat16")
    # PyTorch makes one; here the same line names what to use instead
    assert torch.zeros(2, dtype=torch.bfloat16).dtype == torch.bfloat16
    with pytest.raises(tg.DTypeError, match=r"torch\.bfloat16 is not supported.*float32"):
        tg.zeros(2, dtype=tg.bfloat16)


def test_other_dtype_errors_keep_their_messages() -> None:
    with pytest.raises(tg.DTypeError, match="'float99' is not a dtype"):
        tg.Tensor([1.0], dtype="float99")
    with pytest.raises(tg.DTypeError, match="is not a dtype"):
        X.astype(object())
