"""The process group in one plain process (world size 1), and the core without mpi4py.

At world size 1 every collective is the identity; these tests pin the API (in place
for arrays, a new Tensor from the differentiable op for Tensors, counts kept) and
gradient-check the two differentiable collectives. The multi-rank behaviour runs
under mpiexec in test_mpi.py; the core without mpi4py in test_optional_mpi.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import tinygrad_bn as tg
from tinygrad_bn import Tensor
from tinygrad_bn.testing import strategies as tst

pytest.importorskip("mpi4py")
import tinygrad_bn.distributed as dist  # noqa: E402


def test_world_of_one_process():
    assert dist.rank() == 0
    assert dist.world_size() == 1
    dist.barrier()


def test_array_collectives_work_in_place_and_are_counted():
    a = np.arange(6.0).reshape(2, 3)
    expected = a.copy()
    with dist.count_collectives() as counts:
        assert dist.all_reduce(a) is a
        assert dist.broadcast(a, root=0) is a
        gathered = dist.all_gather(a)
    np.testing.assert_array_equal(a, expected)
    assert gathered.shape == (1, 2, 3)
    np.testing.assert_array_equal(gathered[0], expected)
    assert counts == {"all_reduce": 1, "broadcast": 1, "all_gather": 1, "barrier": 0,
                      "checks": 0, "bytes": 3 * a.nbytes}


def test_collective_counts_reset():
    dist.all_reduce(np.zeros(4))
    assert dist.collective_counts()["all_reduce"] >= 1
    dist.reset_collective_counts()
    assert dist.collective_counts() == dict.fromkeys(
        ("all_reduce", "broadcast", "all_gather", "barrier", "checks", "bytes"), 0)


def test_tensor_all_reduce_is_a_new_tensor_from_the_op():
    x = Tensor(np.arange(3.0), requires_grad=True)
    y = dist.all_reduce(x)
    assert y is not x and y.grad_fn is not None and y.grad_fn.name == "AllReduce"
    y.data[0] = 99.0  # the op's output is its own buffer
    assert x.data[0] == 0.0
    t = Tensor(np.ones(2))
    assert dist.broadcast(t) is t


@given(tst.tensors(tst.arrays(tst.shapes(max_dims=3, max_side=3))))
def test_all_reduce_gradients(x):
    assert tg.gradcheck(lambda t: dist.all_reduce(t), [x])
    assert tg.gradgradcheck(lambda t: dist.all_reduce(t, op="mean") ** 2, [x])


@given(tst.tensors(tst.arrays(tst.shapes(max_dims=2, max_side=3))))
def test_all_gather_gradients(x):
    assert tg.gradcheck(lambda t: dist.all_gather(t), [x])
    assert tg.gradgradcheck(lambda t: dist.all_gather(t) ** 2, [x])


def test_bad_arguments_are_named():
    with pytest.raises(tg.ArgumentError, match="all_reduce: op must be one of"):
        dist.all_reduce(np.zeros(2), op="prod")
    with pytest.raises(tg.ArgumentError, match="not differentiable"):
        dist.all_reduce(Tensor(np.zeros(2), requires_grad=True), op="max")
    with pytest.raises(tg.ArgumentError, match=r"broadcast: root must be a rank in \[0, 1\)"):
        dist.broadcast(np.zeros(2), root=1)
    with pytest.raises(tg.DTypeError, match="all_reduce: expected an ndarray or a Tensor"):
        dist.all_reduce([1.0, 2.0])
    with pytest.raises(tg.DTypeError, match="op='mean' needs a floating array"):
        dist.all_reduce(np.zeros(2, np.int64), op="mean")
    maxed = dist.all_reduce(Tensor(np.array([1.0, -2.0])), op="max")
    np.testing.assert_array_equal(maxed.data, [1.0, -2.0])


@pytest.mark.parametrize("bad", [0, -1.0, "10", True, float("nan")])
def test_set_collective_timeout_refuses_what_is_not_a_positive_number(bad):
    with pytest.raises(tg.errors.ArgumentError, match="set_collective_timeout"):
        dist.set_collective_timeout(bad)


def test_the_timeout_from_the_environment(monkeypatch):
    from tinygrad_bn.distributed.faults import timeout_from_env
    monkeypatch.delenv("TINYGRAD_BN_COLLECTIVE_TIMEOUT", raising=False)
    assert timeout_from_env() == 1800.0
    for value, expected in (("2.5", 2.5), ("0", None), ("none", None)):
        monkeypatch.setenv("TINYGRAD_BN_COLLECTIVE_TIMEOUT", value)
        assert timeout_from_env() == expected
    for value in ("-3", "soon", "nan"):
        monkeypatch.setenv("TINYGRAD_BN_COLLECTIVE_TIMEOUT", value)
        with pytest.raises(tg.errors.ArgumentError, match="TINYGRAD_BN_COLLECTIVE_TIMEOUT"):
            timeout_from_env()
