"""`nn.DataParallel`, as PyTorch 2.13 behaves without an accelerator: the wrapper keeps the
module (`.module`, so its state-dict keys read "module.weight", ...) and its forward is the
module's, results unchanged. PyTorch's constructor finds no GPU and returns before reading
device_ids, output_device or dim: `device_ids` is then [] and the other two are not kept,
and neither are they here (a script that spreads a batch over GPUs runs it whole on the
CPU). Data parallelism over processes is tg.distributed's DistributedDataParallel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """module(*inputs, **kwargs) on the CPU: the one device there is."""

    def __init__(self, module: Module, device_ids: Sequence[Any] | None = None,
                 output_device: Any = None, dim: int = 0) -> None:
        super().__init__()
        self.module = module
        self.device_ids: list[Any] = []  # PyTorch's without a GPU, whatever was asked

    def forward(self, *inputs: Any, **kwargs: Any) -> Any:
        return self.module(*inputs, **kwargs)
