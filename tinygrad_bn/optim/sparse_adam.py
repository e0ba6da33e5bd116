"""SparseAdam, PyTorch's name and options: Adam for sparse gradients, which update only the
rows present in the gradient. tinygrad_bn has no sparse tensors (Embedding(sparse=True)
gives a dense gradient of the same values), so, as PyTorch's SparseAdam does when it meets a
dense gradient, `step` refuses: use Adam (or Adam over the embedding with its rows)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import UnsupportedError
from .optimizer import Optimizer, _check_betas, _check_range, _Scratch


class SparseAdam(Optimizer):
    """PyTorch's SparseAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
    built and checked as PyTorch's; a step with a (necessarily dense) gradient raises
    UnsupportedError, PyTorch's refusal of dense gradients."""

    def __init__(self, params: Any, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, maximize: bool = False) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize})

    def _check_group(self, group: dict[str, Any]) -> None:
        super()._check_group(group)
        _check_range("SparseAdam", lr=group["lr"], eps=group["eps"])
        _check_betas("SparseAdam", group["betas"])

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict[str, Any],
                group: dict[str, Any], s: _Scratch) -> None:
        raise UnsupportedError("SparseAdam.step: SparseAdam does not support dense gradients "
                               "(tinygrad_bn has no sparse tensors: every gradient is dense); "
                               "use optim.Adam instead")
