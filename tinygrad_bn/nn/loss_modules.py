"""The loss Modules of losses.py's functions (MSELoss, L1Loss, NLLLoss, CrossEntropyLoss,
BCELoss, BCEWithLogitsLoss) and their bases `_Loss` (the reduction, from PyTorch's legacy
size_average= / reduce= too) and `_WeightedLoss` (a class-weight buffer, saved in the state
dict as PyTorch's)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..dtypes import get_default_dtype
from ..tensor import Tensor
from .legacy_reduction import check_reduction as _check_reduction
from .legacy_reduction import legacy_reduction
from .losses import (
    _check_smoothing,
    _not_a_reduction,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    l1_loss,
    mse_loss,
    nll_loss,
)
from .module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "L1Loss", "MSELoss", "NLLLoss",
           "NLLLoss2d"]


class _Loss(Module):
    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        reduction = legacy_reduction(type(self).__name__, size_average, reduce, reduction)
        _check_reduction(type(self).__name__, reduction)
        self.reduction = reduction  # not in the repr: PyTorch's losses show no arguments


class _WeightedLoss(_Loss):
    """A loss with an optional class-weight buffer (saved in the state dict, as PyTorch)."""

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        _not_a_reduction(type(self).__name__, weight)
        array = weight._data if isinstance(weight, Tensor) else weight
        # a tensor's (or array's) dtype is kept; numbers take the default dtype
        dtype = None if hasattr(array, "dtype") else get_default_dtype()
        self.register_buffer("weight", None if array is None else np.asarray(array, dtype))

    def _class_weight(self) -> Tensor | None:
        """The weight buffer as a Tensor: the functions then check its dtype against the
        input's (PyTorch's class-weighted losses do not promote it)."""
        return None if self.weight is None else Tensor(self.weight)


class MSELoss(_Loss):
    """mse_loss as a module."""

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """l1_loss as a module."""

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return l1_loss(input, target, reduction=self.reduction)


class NLLLoss(_WeightedLoss):
    """nll_loss as a module."""

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return nll_loss(input, target, self._class_weight(), ignore_index=self.ignore_index,
                        reduction=self.reduction)


class NLLLoss2d(NLLLoss):
    """PyTorch's deprecated name of NLLLoss (for (N, C, H, W) scores, which NLLLoss takes)."""


class CrossEntropyLoss(_WeightedLoss):
    """cross_entropy as a module."""

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        _check_smoothing("CrossEntropyLoss", label_smoothing)
        self.ignore_index, self.label_smoothing = ignore_index, label_smoothing

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return cross_entropy(input, target, self._class_weight(),
                             ignore_index=self.ignore_index, reduction=self.reduction,
                             label_smoothing=self.label_smoothing)


class BCELoss(_WeightedLoss):
    """binary_cross_entropy as a module."""

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class BCEWithLogitsLoss(_WeightedLoss):
    """binary_cross_entropy_with_logits as a module; pos_weight is a buffer too."""

    def __init__(self, weight: Any = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        array = pos_weight._data if isinstance(pos_weight, Tensor) else pos_weight
        self.register_buffer("pos_weight", None if array is None else np.asarray(array))

    def forward(self, input: Any, target: Any) -> Tensor:  # noqa: A002
        return binary_cross_entropy_with_logits(input, target, self.weight,
                                                reduction=self.reduction,
                                                pos_weight=self.pos_weight)
