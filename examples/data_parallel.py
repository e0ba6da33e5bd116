"""Data-parallel training with synchronized batch norm: the MLP of mlp_batchnorm.py on
N MPI ranks, each on its shard of every global batch.

    mpiexec -n 4 python examples/data_parallel.py [OUT_DIR]   # 4 ranks, 15 samples each
    python examples/data_parallel.py [OUT_DIR]                # the same script, one process

Needs the mpi extra (pip install "tinygrad_bn[mpi]"). Every rank runs this whole
script; only rank 0 prints and saves, into OUT_DIR (default: a tinygrad_bn_examples folder
in the system's temporary directory). Set TINYGRAD_BN_EXAMPLE_STEPS to train for
fewer (or more) steps. How it works: docs/distributed.md.
"""

import os
import sys
import tempfile
from pathlib import Path

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.distributed as dist
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.data import DataLoader, load_mnist

GLOBAL_BATCH = 60
steps = int(os.environ.get("TINYGRAD_BN_EXAMPLE_STEPS", 600))
rank, world = dist.rank(), dist.world_size()
if GLOBAL_BATCH % world:
    raise SystemExit(f"use a number of ranks that divides {GLOBAL_BATCH}")

tg.manual_seed(rank)  # different draws per rank: DDP broadcasts rank 0's weights anyway
x_train, y_train, x_test, y_test = load_mnist()
model = nn.Sequential(
    nn.Linear(784, 100), nn.BatchNorm1d(100), nn.ReLU(),
    nn.Linear(100, 100), nn.BatchNorm1d(100), nn.ReLU(),
    nn.Linear(100, 10),
)
# batch statistics over the global batch, not over this rank's 60 / N samples
model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
ddp = nn.parallel.DistributedDataParallel(model)  # gradients averaged during backward()
optimizer = tg.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)

# this rank's shard of one permutation per epoch (the same on every rank)
sampler = dist.DistributedSampler(x_train, shuffle=True, seed=0)
loader = DataLoader((x_train, y_train), batch_size=GLOBAL_BATCH // world, sampler=sampler,
                    drop_last=True)

step, epoch = 0, 0
while step < steps:
    sampler.set_epoch(epoch)  # a new permutation, identical on every rank
    for x, y in loader:
        loss = F.cross_entropy(ddp(Tensor(x)), y)
        optimizer.zero_grad()
        loss.backward()  # ... and here every rank's gradients were averaged
        optimizer.step()
        step += 1
        if step == steps:
            break
    epoch += 1

model.eval()  # running statistics: equal on every rank, no communication
with tg.no_grad():
    accuracy = float(np.mean(model(Tensor(x_test)).numpy().argmax(axis=1) == y_test))
# the replicas never diverged: every rank holds rank 0's weights
weights = dist.all_gather(model[0].weight.data)
assert all(np.array_equal(w, weights[0]) for w in weights)
if rank == 0:
    print(f"{world} rank(s), {steps} steps of {GLOBAL_BATCH} samples: "
          f"test accuracy {accuracy:.3f}")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.gettempdir()) / \
        "tinygrad_bn_examples"
    out.mkdir(parents=True, exist_ok=True)
    tg.save(ddp.module.state_dict(), out / "data_parallel.npz")  # keys without "module."
    print(f"replicas identical on every rank; saved rank 0's model to "
          f"{out / 'data_parallel.npz'}")
