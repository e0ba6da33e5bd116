"""Run under `mpiexec -n N python fault_worker.py` (N >= 2): the last rank raises while
the others wait in an all-reduce that it never joins. The process group's excepthook
must print the rank and the error and abort the job: mpiexec then exits non-zero at
once instead of hanging (the test runs this with a timeout)."""

from __future__ import annotations

import numpy as np

import tinygrad_bn.distributed as dist

dist.barrier()
if dist.rank() == dist.world_size() - 1:
    raise RuntimeError("deliberate failure in the fault test")
dist.all_reduce(np.zeros(3))  # blocks: the failing rank never arrives
print("unreachable: the all-reduce returned")
