"""Worker run by test_mpi_data_parallel.py as `mpiexec -n N python data_parallel.py CASE`.

Every rank checks its own assertions; a failing rank raises, the process group's
abort hook ends the job with a non-zero exit, and the launcher reports stderr.
Rank 0 prints one "ok CASE ..." line per passed case.

Cases:
  mlp      20 SGD steps (momentum) of an MLP without BN: DDP on N ranks, each on its
           part of the global batch cut by DistributedSampler + DataLoader, ends with
           the parameters of one process trained on the global batches (float64, 1e-10);
           the ranks start from different initialisations (the wrapper's broadcast makes
           them equal); at most one all-reduce per bucket, counted.
  cnn      the same for a small CNN with SyncBatchNorm2d (running statistics too), and
           the control: with plain BatchNorm2d ("ghost" BN) on N >= 2 ranks the result
           must differ from the global batch.
  sampler  the shards of four epochs gathered from all ranks: the same epoch order on
           every rank, disjoint shards that together cover the dataset.
"""

from __future__ import annotations

import sys

import numpy as np

import tinygrad_bn as tg
import tinygrad_bn.distributed as dist
from tinygrad_bn import Tensor, nn
from tinygrad_bn.data import DataLoader
from tinygrad_bn.nn import functional as F

RANK, WORLD = dist.rank(), dist.world_size()
GLOBAL_BATCH, SAMPLES, STEPS = 24, 96, 20  # 24 and 96 divide by 1, 2, 3, 4
TOL = 1e-10


def mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 12), nn.ReLU(),
                         nn.Linear(12, 4)).to(np.float64)


def cnn(norm: type[nn.Module]) -> nn.Module:
    return nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), norm(4), nn.ReLU(),
                         nn.Conv2d(4, 4, 3, stride=2), norm(4), nn.ReLU(), nn.Flatten(),
                         nn.Linear(4 * 2 * 2, 4)).to(np.float64)


def dataset(shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(123)  # the same data on every rank
    return rng.normal(size=(SAMPLES, *shape)), rng.integers(0, 4, SAMPLES)


def train(model: nn.Module, data, sampler, batch: int, ddp=None) -> list[int]:
    """STEPS steps of SGD with momentum; returns the all-reduce count of each backward."""
    wrapped = ddp or model
    opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = DataLoader(data, batch_size=batch, sampler=sampler)
    counts, step, epoch = [], 0, 0
    while step < STEPS:
        sampler.set_epoch(epoch)
        for x, y in loader:
            if step == STEPS:
                break
            opt.zero_grad()
            loss = F.cross_entropy(wrapped(Tensor(x)), y)
            with dist.count_collectives() as c:
                loss.backward()
            counts.append(c["all_reduce"])
            opt.step()
            step += 1
        epoch += 1
    return counts


def run_parallel(build_reference, build, shape, sync_layers: int = 0):
    """Train one process on the global batch (the reference, trained alike on every rank
    with no communication) and N ranks on their shards; return both models."""
    data = dataset(shape)
    tg.manual_seed(0)
    reference = build_reference()
    start = {k: v.clone() for k, v in reference.state_dict().items()}  # before training
    train(reference, data, dist.DistributedSampler(data, 1, 0, seed=7), GLOBAL_BATCH)

    tg.manual_seed(100 + RANK)  # a different start per rank: DDP must broadcast rank 0's
    model = build()
    if RANK == 0:
        model.load_state_dict(start)
    ddp = dist.DistributedDataParallel(model, bucket_cap_mb=1024 / 2**20)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, start[name], err_msg=f"broadcast {name}")
    assert len(ddp.buckets) >= 2, [b.nbytes for b in ddp.buckets]
    counts = train(model, data, dist.DistributedSampler(data, seed=7), GLOBAL_BATCH // WORLD,
                   ddp)
    # each backward: one all-reduce per bucket, plus each SyncBN layer's one
    assert counts == [len(ddp.buckets) + sync_layers] * STEPS, counts
    assert ddp.last_sync["all_reduce"] == len(ddp.buckets)
    return reference, model


def max_difference(a: nn.Module, b: nn.Module) -> float:
    sa, sb = a.state_dict(), b.state_dict()
    return max(float(np.max(np.abs(sa[k] - sb[k]))) for k in sa)


def case_mlp() -> str:
    reference, model = run_parallel(mlp, mlp, (6,))
    diff = max_difference(reference, model)
    assert diff <= TOL, f"rank {RANK}: DDP vs one process differ by {diff}"
    moved = max_difference(reference, _fresh(mlp))
    assert moved > 1e-2, moved  # the training did change the parameters
    return f"max |diff| {diff:.1e}"


def case_cnn() -> str:
    def plain() -> nn.Module:
        return cnn(nn.BatchNorm2d)

    def synced() -> nn.Module:
        return cnn(nn.SyncBatchNorm)

    reference, model = run_parallel(plain, synced, (2, 6, 6), sync_layers=2)
    diff = max_difference(reference, model)
    assert diff <= TOL, f"rank {RANK}: DDP + SyncBN vs one process differ by {diff}"
    # the control: BN per rank ("ghost" BN) must not match the global batch on N >= 2
    _, ghost = run_parallel(plain, plain, (2, 6, 6))
    ghost_diff = max_difference(reference, ghost)
    if WORLD >= 2:
        assert ghost_diff > 1e-6, f"ghost BN on {WORLD} ranks matched: {ghost_diff}"
    else:
        assert ghost_diff <= TOL, ghost_diff
    return f"max |diff| {diff:.1e}, ghost BN {ghost_diff:.1e}"


def case_sampler() -> str:
    for drop_last, n in ((True, 30), (False, 30), (True, 96)):
        sampler = dist.DistributedSampler(range(n), seed=3, drop_last=drop_last)
        for epoch in range(4):
            sampler.set_epoch(epoch)
            order = sampler.epoch_order()
            orders = dist.all_gather(order)
            assert all(np.array_equal(o, order) for o in orders), "epoch orders differ"
            shard = np.array(list(sampler))
            everything = dist.all_gather(shard).ravel()
            if drop_last:
                assert len(set(everything.tolist())) == everything.size == n - n % WORLD
            else:
                assert set(everything.tolist()) == set(range(n))
                assert everything.size == -(-n // WORLD) * WORLD
    return "shards agree"


def _fresh(build):
    tg.manual_seed(0)
    return build()


if __name__ == "__main__":
    cases = {"mlp": case_mlp, "cnn": case_cnn, "sampler": case_sampler}
    for name in sys.argv[1:]:
        result = cases[name]()
        dist.barrier()
        if RANK == 0:
            print(f"ok {name} on {WORLD} ranks: {result}", flush=True)
