"""`torch.utils.data.distributed.DistributedSampler`, PyTorch's spelling of
`tinygrad_bn.distributed.DistributedSampler`.

The name resolves on first access (PEP 562 module `__getattr__`), so importing
`tinygrad_bn.utils.data` never imports mpi4py; without it, the access raises the
distributed package's DependencyError naming the `mpi` extra.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DistributedSampler"]  # noqa: F822 (resolved by __getattr__)


def __getattr__(name: str) -> Any:
    if name == "DistributedSampler":
        from ...distributed.sampler import DistributedSampler

        return DistributedSampler
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
