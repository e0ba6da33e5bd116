"""SyncBatchNorm in one process (world size 1): it is BatchNorm, gradient-checked, and
the converter; the multi-rank equalities run under mpiexec in test_mpi.py."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import Tensor, nn
from tinygrad_bn.testing import strategies as tst

pytest.importorskip("mpi4py")
from tinygrad_bn.distributed import SyncBatchNorm, sync_batch_norm  # noqa: E402


def test_reachable_from_nn():
    assert nn.SyncBatchNorm is SyncBatchNorm
    with pytest.raises(AttributeError, match="no attribute 'NoSuchLayer'"):
        nn.NoSuchLayer  # noqa: B018


@given(tst.well_conditioned_batches(max_batch=3, max_side=2), st.sampled_from(["fused",
                                                                                  "composite"]))
def test_sync_batch_norm_gradients(x, impl):
    c = x.shape[1]
    rng = np.random.default_rng(0)
    weight = Tensor(rng.uniform(0.5, 1.5, c), requires_grad=True)
    bias = Tensor(rng.normal(size=c), requires_grad=True)

    def fn(xt, w, b):
        return sync_batch_norm(xt, None, None, w, b, training=True, impl=impl)

    inputs = [Tensor(x, requires_grad=True), weight, bias]
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize("impl", ["fused", "composite"])
@pytest.mark.parametrize("shape", [(6, 3), (6, 3, 4), (4, 3, 2, 3)])
def test_one_rank_equals_batchnorm(impl, shape):
    rng = np.random.default_rng(1)
    x, g = rng.normal(2.0, 3.0, shape), rng.normal(size=shape)
    plain = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(3).to(np.float64)
    sync = nn.SyncBatchNorm(3, impl=impl, momentum=None).to(np.float64)
    plain.momentum = None
    results = []
    for layer in (plain, sync):
        layer.weight.data[...] = [0.5, 1.0, 2.0]
        outs = []
        for _ in range(2):  # two steps: the cumulative average of momentum=None
            xt = Tensor(x.copy(), requires_grad=True)
            y = layer(xt)
            y.backward(Tensor(g))
            outs += [y.data, xt.grad.data]
        results.append(outs + [layer.weight.grad.data, layer.bias.grad.data,
                               layer.running_mean, layer.running_var])
    for a, b in zip(*results):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    assert sync.state_dict().keys() == plain.state_dict().keys()
    assert int(sync.num_batches_tracked) == 2


def test_input_errors_name_the_layer_and_shape():
    layer = nn.SyncBatchNorm(3)
    with pytest.raises(tg.ShapeError, match=r"SyncBatchNorm\(3.*\(N, C\), \(N, C, L\), "
                                            r"\(N, C, H, W\) or \(N, C, D, H, W\) with C = 3, "
                                            r"got \(2, 4\)"):
        layer(Tensor(np.ones((2, 4), np.float32)))
    # (N, C, D, H, W) is BatchNorm3d's layout, which PyTorch's SyncBatchNorm takes too
    with pytest.raises(tg.ShapeError, match="got \\(2, 3, 1, 1, 1, 1\\)"):
        layer(Tensor(np.ones((2, 3, 1, 1, 1, 1), np.float32)))
    with pytest.raises(tg.ShapeError, match="more than 1 value per channel over all ranks"):
        layer(Tensor(np.ones((1, 3), np.float32)))
    with pytest.raises(tg.ArgumentError, match="impl must be"):
        nn.SyncBatchNorm(3, impl="other")
    with pytest.raises(tg.DTypeError, match="SyncBatchNorm: input must be floating"):
        sync_batch_norm(Tensor(np.ones((2, 3), np.int64)), None, None, training=True)
    with pytest.raises(tg.ShapeError, match="weight has shape \\(2,\\), expected \\(3,\\)"):
        sync_batch_norm(Tensor(np.ones((2, 3))), None, None, Tensor(np.ones(2)), training=True)


def test_convert_sync_batchnorm_keeps_parameters_and_buffers():
    inner = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2, momentum=0.3, eps=1e-3),
                          nn.ReLU())
    model = nn.Sequential(inner, nn.Flatten(), nn.Linear(8, 4),
                          nn.BatchNorm1d(4, affine=False, impl="composite"))
    bn2, bn1 = inner[1], model[3]
    weight, mean = bn2.weight, bn2.running_mean
    model.eval()
    state = model.state_dict()
    assert SyncBatchNorm.convert_sync_batchnorm(model) is model
    new2, new1 = model[0][1], model[3]
    assert isinstance(new2, SyncBatchNorm) and isinstance(new1, SyncBatchNorm)
    assert new2.weight is weight and new2.running_mean is mean
    assert (new2.momentum, new2.eps, new2.impl) == (0.3, 1e-3, "fused")
    assert new1.weight is None and not new1.affine and new1.impl == "composite"
    assert not new2.training and not new1.training
    assert model.state_dict().keys() == state.keys()
    assert bn1 is not new1
    single = nn.BatchNorm1d(5)
    converted = SyncBatchNorm.convert_sync_batchnorm(single)
    assert isinstance(converted, SyncBatchNorm) and converted.num_features == 5
