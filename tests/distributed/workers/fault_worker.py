"""Run under `mpiexec -n N python fault_worker.py SCENARIO` (N >= 2): the last rank
fails in one of the ways a rank can leave a job while the others wait for it in an
all-reduce it never joins. The job must end within seconds, name the failing rank and
exit with a deterministic code (tests/distributed/test_mpi_faults.py checks all three).
Before failing, the last rank prints "fault at <time.time()>" to stderr.

    exception   raise RuntimeError                      exit 1
    sys_exit    sys.exit(3)                              exit 3
    os_exit     os._exit(3)                              exit 3
    finish      the script ends (no final barrier)       exit 1
    os_exit0    os._exit(0)                              exit 1
    sigkill     os.kill(own pid, SIGKILL)                exit 9
    timeout     sleeps past a 2 s collective timeout     exit 1
    clean       every rank ends after a final barrier    exit 0
"""

from __future__ import annotations

import os
import signal
import sys
import time

import numpy as np

import tinygrad_bn.distributed as dist

scenario = sys.argv[1] if len(sys.argv) > 1 else "exception"
last = dist.rank() == dist.world_size() - 1
dist.all_reduce(np.ones(3))  # one collective completed by everyone first
dist.barrier()
if scenario == "timeout":  # set after the barrier: ranks start up at different times
    dist.set_collective_timeout(2.0)
if last and scenario != "clean":
    sys.stderr.write(f"fault at {time.time()}\n")
    sys.stderr.flush()
    if scenario == "exception":
        raise RuntimeError("deliberate failure in the fault test")
    if scenario == "sys_exit":
        sys.exit(3)
    if scenario == "os_exit":
        os._exit(3)
    if scenario == "os_exit0":
        os._exit(0)
    if scenario == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    if scenario == "timeout":
        time.sleep(30)
    if scenario == "finish":
        sys.exit(0)
    raise SystemExit(f"unknown scenario {scenario!r}")
dist.all_reduce(np.zeros(3))  # the failing rank never arrives
if scenario != "clean":
    print("unreachable: the all-reduce returned")
dist.barrier()
