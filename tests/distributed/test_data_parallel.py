"""DistributedDataParallel in one process (world size 1, where the average over ranks is
the identity): buckets, the hooks that fill them, the rules and the wrapper's Module
face. The N-rank equality with one process on the global batch runs under mpiexec
(workers/data_parallel.py, launched by test_mpi_data_parallel.py)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn
from tinygrad_bn.errors import DistributedError
from tinygrad_bn.nn import functional as F

pytest.importorskip("mpi4py")
import tinygrad_bn.distributed as dist  # noqa: E402
from tinygrad_bn.distributed import DistributedDataParallel  # noqa: E402


def mlp(seed=0):
    tg.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 6), nn.ReLU(),
                         nn.Linear(6, 3)).to(np.float64)


def batch(seed=1, n=8):
    rng = np.random.default_rng(seed)
    return Tensor(rng.normal(size=(n, 5))), rng.integers(0, 3, n)


def twin():
    """A model and an equal copy: one to wrap, one to train bare."""
    model, bare = mlp(), mlp(seed=5)
    bare.load_state_dict(model.state_dict())
    return model, bare


def grads(model):
    return [p.grad.data.copy() for p in model.parameters()]


def test_nn_parallel_name_is_the_same_class():
    assert nn.parallel.DistributedDataParallel is DistributedDataParallel


@pytest.mark.parametrize("cap_bytes, expected", [
    (10**9, [["4.bias", "4.weight", "2.bias", "2.weight", "0.bias", "0.weight"]]),
    # 0.weight is 280 B, 2.weight 336 B: a cap of 400 B keeps each weight with at most one
    # bias, in reverse registration order; a parameter above the cap gets its own bucket
    (400, [["4.bias", "4.weight", "2.bias"], ["2.weight", "0.bias"], ["0.weight"]]),
    (8, [["4.bias"], ["4.weight"], ["2.bias"], ["2.weight"], ["0.bias"], ["0.weight"]]),
])
def test_buckets_hold_reverse_order_under_the_cap(cap_bytes, expected):
    ddp = DistributedDataParallel(mlp(), bucket_cap_mb=cap_bytes / 2**20)
    assert [b.names for b in ddp.buckets] == expected
    for b in ddp.buckets:
        assert b.nbytes <= cap_bytes or len(b.params) == 1
        assert b.nbytes == sum(p.data.nbytes for p in b.params)


def test_buckets_split_by_dtype_and_skip_frozen_parameters():
    model = mlp()
    model[0].weight.requires_grad_(False)
    model[4].to(np.float32)
    ddp = DistributedDataParallel(model)
    assert [b.names for b in ddp.buckets] == [["4.bias", "4.weight"],
                                             ["2.bias", "2.weight", "0.bias"]]
    assert [b.flat.dtype for b in ddp.buckets] == [np.float32, np.float64]


@pytest.mark.parametrize("cap_bytes", [10**9, 400, 8])
def test_one_all_reduce_per_bucket_and_gradients_as_without_the_wrapper(cap_bytes):
    model, bare = twin()
    ddp = DistributedDataParallel(model, bucket_cap_mb=cap_bytes / 2**20)
    x, y = batch()
    with dist.count_collectives() as counts:
        F.cross_entropy(ddp(x), y).backward()
    F.cross_entropy(bare(x), y).backward()
    assert counts["all_reduce"] == len(ddp.buckets) == ddp.last_sync["all_reduce"]
    assert counts["broadcast"] == 0  # no buffers to broadcast in this model
    assert ddp.last_sync["bytes"] == sum(b.nbytes for b in ddp.buckets) == \
        sum(p.data.nbytes for p in model.parameters())
    for g, h in zip(grads(model), grads(bare), strict=True):
        np.testing.assert_array_equal(g, h)


def test_accumulated_gradients_and_no_sync():
    model, bare = twin()
    ddp = DistributedDataParallel(model, bucket_cap_mb=400 / 2**20)
    for seed in (1, 2, 3):
        x, y = batch(seed)
        if seed == 2:
            with ddp.no_sync(), dist.count_collectives() as counts:
                F.cross_entropy(ddp(x), y).backward()
            assert counts["all_reduce"] == 0
        else:
            F.cross_entropy(ddp(x), y).backward()
        F.cross_entropy(bare(x), y).backward()
    for g, h in zip(grads(model), grads(bare), strict=True):
        np.testing.assert_allclose(g, h, rtol=0, atol=1e-15)


def test_training_steps_match_the_bare_model():
    model, bare = twin()
    ddp = DistributedDataParallel(model, bucket_cap_mb=400 / 2**20)
    opt = tg.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
    opt_bare = tg.optim.SGD(bare.parameters(), lr=0.1, momentum=0.9)
    for step in range(5):
        x, y = batch(step)
        for m, o in ((ddp, opt), (bare, opt_bare)):
            o.zero_grad()
            F.cross_entropy(m(x), y).backward()
            o.step()
    for (name, p), q in zip(model.named_parameters(), bare.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data, err_msg=name)


def test_state_dict_has_the_module_prefix_and_shares_parameters():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).to(np.float64)
    ddp = DistributedDataParallel(model)
    assert list(ddp.state_dict()) == ["module." + k for k in model.state_dict()]
    assert [id(p) for p in ddp.parameters()] == [id(p) for p in model.parameters()]
    bare = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).to(np.float64)
    bare.load_state_dict(ddp.module.state_dict())
    ddp.load_state_dict({"module." + k: v * 0 for k, v in bare.state_dict().items()})
    assert not model[0].weight.data.any()


def test_forward_delegates_and_follows_train_and_eval():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5)).to(np.float64)
    ddp = DistributedDataParallel(model)
    x = Tensor(np.random.default_rng(0).normal(size=(6, 3)))
    ddp.eval()
    assert not model.training and not model[2].training
    np.testing.assert_array_equal(ddp(x).data, model(x).data)
    with dist.count_collectives() as counts:
        ddp.train()
        ddp(x)
    # running_mean and running_var (float64) packed into one, num_batches_tracked (int64)
    assert counts["broadcast"] == 2
    assert counts["bytes"] == 2 * 4 * 8 + 8


def test_an_unused_parameter_is_named_at_the_next_forward():
    model = nn.Sequential(nn.Linear(5, 4), nn.Linear(4, 2)).to(np.float64)
    ddp = DistributedDataParallel(model, bucket_cap_mb=8 / 2**20)
    x, _ = batch()
    model[0](x).sum().backward()  # 1.weight and 1.bias get no gradient
    with pytest.raises(DistributedError, match=r"no gradient to parameter\(s\) "
                                                   r"1\.bias, 1\.weight"):
        ddp(x)
    model.zero_grad()
    ddp(x).sum().backward()  # the state was reset: the next step works
    assert all(p.grad is not None for p in model.parameters())


def test_create_graph_and_a_changed_dtype_are_refused():
    model = mlp()
    ddp = DistributedDataParallel(model)
    x, y = batch()
    with pytest.raises(DistributedError, match=r"create_graph=True\) is not supported"):
        F.cross_entropy(ddp(x), y).backward(create_graph=True)
    model.zero_grad()
    ddp = DistributedDataParallel(model.to(np.float32))
    model.to(np.float64)
    with pytest.raises(DistributedError, match="now float64 .* it was float32"):
        F.cross_entropy(ddp(x), y).backward()


@pytest.mark.parametrize("kwargs, fragment", [
    ({"module": "model"}, "expected an nn.Module, got str"),
    ({"module": None, "bucket_cap_mb": 0}, "bucket_cap_mb must be a positive number"),
    ({"module": None, "bucket_cap_mb": True}, "bucket_cap_mb must be a positive number"),
])
def test_bad_arguments_are_named(kwargs, fragment):
    kwargs["module"] = kwargs["module"] or mlp()
    with pytest.raises(tg.ArgumentError, match=fragment):
        DistributedDataParallel(**kwargs)


def test_a_dropped_wrapper_stops_averaging():
    model = mlp()
    DistributedDataParallel(model)  # dropped at once: its hooks find no wrapper
    x, y = batch()
    with dist.count_collectives() as counts:
        F.cross_entropy(model(x), y).backward()
    assert counts["all_reduce"] == 0
