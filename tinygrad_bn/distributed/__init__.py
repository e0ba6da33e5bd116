"""Data-parallel training over MPI (the `mpi` extra: pip install "tinygrad_bn[mpi]").

Launch with `mpiexec -n 4 python train.py`; without mpiexec a script is a world of
size 1. Importing this package needs mpi4py (a DependencyError naming the extra
otherwise); the core package never imports it. The process group and its
collectives: `process_group` (its docstring documents the agreement check, the
collective counters and the fault handling). Synchronized batch norm:
`sync_batchnorm` (also `tinygrad_bn.nn.SyncBatchNorm`).
"""

from .data_parallel import DistributedDataParallel
from .process_group import (
    AllGather,
    AllReduce,
    ProcessGroup,
    all_gather,
    all_reduce,
    barrier,
    broadcast,
    collective_counts,
    count_collectives,
    get_group,
    rank,
    reset_collective_counts,
    set_collective_checks,
    set_collective_timeout,
    world_size,
)
from .sampler import DistributedSampler
from .sync_batchnorm import SyncBatchNorm, SyncBatchNormFunction, sync_batch_norm

get_group()  # start the group now: installs the fault guard (faults.py) under mpiexec

__all__ = [
    "AllGather", "AllReduce", "ProcessGroup", "all_gather", "all_reduce", "barrier",
    "broadcast", "collective_counts", "count_collectives", "get_group", "rank",
    "reset_collective_counts", "set_collective_checks", "set_collective_timeout",
    "world_size", "DistributedDataParallel", "DistributedSampler",
    "SyncBatchNorm", "SyncBatchNormFunction", "sync_batch_norm",
]
