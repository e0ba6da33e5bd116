"""`nn.parallel.DistributedDataParallel`, PyTorch's spelling of
`tinygrad_bn.distributed.DistributedDataParallel`, and `nn.parallel.DataParallel`
(nn/data_parallel.py).

The name resolves on first access (PEP 562 module `__getattr__`), so importing
`tinygrad_bn.nn` never imports mpi4py; without it, the access raises the
distributed package's DependencyError naming the `mpi` extra.
"""

from __future__ import annotations

from typing import Any

from .data_parallel import DataParallel

__all__ = ["DataParallel", "DistributedDataParallel"]  # noqa: F822 (the second by __getattr__)


def __getattr__(name: str) -> Any:
    if name == "DistributedDataParallel":
        from ..distributed.data_parallel import DistributedDataParallel

        return DistributedDataParallel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
