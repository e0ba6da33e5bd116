"""`tg.autograd.Variable`: PyTorch's pre-0.4 wrapper, kept as PyTorch keeps it.

Since PyTorch 0.4 a Variable is a Tensor: `Variable(t, requires_grad=True)` returns a
new leaf sharing t's memory (t itself is left as it was), and `isinstance(x, Variable)`
is true of every tensor. Old tutorials and lecture notes still write both; they run
unchanged here. `volatile=` was removed in PyTorch (a warning, no effect): the same.
`Variable._execution_engine.queue_callback(fn)` queues `fn()` for the end of the running
backward (autograd/graph_task.py), as PyTorch's.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..errors import ArgumentTypeError
from .graph_task import ExecutionEngine
from .primitive import is_tensor, new_tensor


class _VariableMeta(type):
    """Calling `Variable` makes a tensor; isinstance(x, Variable) asks whether x is one."""

    def __instancecheck__(cls, obj: Any) -> bool:
        return is_tensor(obj)

    def __call__(cls, data: Any = None, requires_grad: bool = False,
                 volatile: bool | None = None) -> Any:
        if volatile is not None:
            warnings.warn("Variable: volatile was removed and has no effect; use "
                          "`with tg.no_grad():` instead", UserWarning, stacklevel=2)
        if data is None:
            return new_tensor(np.zeros(0, dtype=get_default_dtype()))
        if not is_tensor(data):
            raise ArgumentTypeError(f"Variable: data has to be a tensor, got "
                                    f"{type(data).__name__} (wrap it with tg.tensor first)")
        out = data.detach()  # a new leaf on the same memory, as PyTorch's Variable(t)
        return out.requires_grad_(True) if requires_grad else out


class Variable(metaclass=_VariableMeta):
    """`Variable(tensor, requires_grad=False)`: a leaf sharing tensor's memory (see the
    module docstring)."""

    _execution_engine = ExecutionEngine()
