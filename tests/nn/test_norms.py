"""layer_norm / group_norm and the LayerNorm / GroupNorm modules: closed-form forward,
numerical gradients, shape errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn import ArgumentError, ShapeError, Tensor
from tinygrad_bn.nn.norm_layers import GroupNorm, LayerNorm
from tinygrad_bn.nn.normalization import group_norm, layer_norm
from tinygrad_bn.testing import strategies as tst


def np_layer_norm(x, k, weight, bias, eps):
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    return y * weight + bias if weight is not None else y


def np_group_norm_loops(x, groups, weight, bias, eps):
    """One (sample, group) at a time: the definition of group norm."""
    n, c = x.shape[:2]
    per = c // groups
    y = np.empty_like(x)
    for i in range(n):
        for g in range(groups):
            block = x[i, g * per:(g + 1) * per]
            y[i, g * per:(g + 1) * per] = (block - block.mean()) / np.sqrt(block.var() + eps)
    if weight is not None:
        shape = (1, c) + (1,) * (x.ndim - 2)
        y = y * weight.reshape(shape) + bias.reshape(shape)
    return y


@st.composite
def layer_norm_cases(draw):
    """x (*, normalized_shape) whose every normalized block has std in [0.5, 2]."""
    lead = draw(tst.shapes(min_dims=1, max_dims=2, max_side=3))
    norm = draw(tst.shapes(min_dims=1, max_dims=2, min_side=2, max_side=3))
    ndim = len(lead) + len(norm)
    x = draw(tst.spread_arrays(lead + norm, tuple(range(len(lead), ndim))))
    weight = draw(tst.arrays(norm, away_from=(0.0,), min_distance=0.3))
    bias = draw(tst.arrays(norm))
    return x, norm, weight, bias


@given(layer_norm_cases(), st.sampled_from([1e-5, 0.01]))
def test_layer_norm_forward_closed_form(case, eps):
    x, norm, weight, bias = case
    y = layer_norm(Tensor(x), norm, Tensor(weight), Tensor(bias), eps=eps).data
    np.testing.assert_allclose(y, np_layer_norm(x, len(norm), weight, bias, eps), rtol=1e-10,
                               atol=1e-12)
    plain = layer_norm(Tensor(x), norm, eps=eps).data
    np.testing.assert_allclose(plain, np_layer_norm(x, len(norm), None, None, eps),
                               rtol=1e-10, atol=1e-12)


@st.composite
def group_norm_cases(draw):
    groups = draw(st.integers(1, 3))
    per = draw(st.integers(1, 2))
    spatial = tuple(draw(st.lists(st.integers(1, 3), min_size=0, max_size=2)))
    if per * int(np.prod(spatial)) < 2:
        spatial = spatial + (2,)
    n = draw(st.integers(1, 3))
    shape = (n, groups, per) + spatial  # (N, G, C/G, *): each (sample, group) a block
    blocks = draw(tst.spread_arrays(shape, tuple(range(2, len(shape)))))
    x = blocks.reshape((n, groups * per) + spatial)
    weight = draw(tst.arrays((groups * per,), away_from=(0.0,), min_distance=0.3))
    bias = draw(tst.arrays((groups * per,)))
    return x, groups, weight, bias


@given(group_norm_cases(), st.sampled_from([1e-5, 0.01]))
def test_group_norm_forward_against_loops(case, eps):
    x, groups, weight, bias = case
    y = group_norm(Tensor(x), groups, Tensor(weight), Tensor(bias), eps=eps).data
    np.testing.assert_allclose(y, np_group_norm_loops(x, groups, weight, bias, eps),
                               rtol=1e-10, atol=1e-12)


# both cases strategies draw (x, normalized_shape or num_groups, weight, bias)
@pytest.mark.parametrize("norm_fn, cases", [(layer_norm, layer_norm_cases()),
                                            (group_norm, group_norm_cases())],
                         ids=["layer_norm", "group_norm"])
@settings(max_examples=10)
@given(data=st.data())
def test_gradcheck(norm_fn, cases, data):
    x, arg, weight, bias = data.draw(cases)
    inputs = [Tensor(a, requires_grad=True) for a in (x, weight, bias)]
    assert tg.gradcheck(lambda x, w, b: norm_fn(x, arg, w, b), inputs)


@pytest.mark.parametrize("norm_fn, arg, shape, seed", [(layer_norm, 4, (2, 4), 0),
                                                       (group_norm, 2, (2, 4, 3), 1)],
                         ids=["layer_norm", "group_norm"])
def test_gradgradcheck(norm_fn, arg, shape, seed):
    rng = np.random.default_rng(seed)
    inputs = [Tensor(a, requires_grad=True) for a in
              (rng.standard_normal(shape), rng.uniform(0.5, 2, 4), rng.standard_normal(4))]
    assert tg.gradgradcheck(lambda x, w, b: norm_fn(x, arg, w, b), inputs)


def test_group_norm_extremes_are_layer_and_instance_norm():
    x = np.random.default_rng(2).standard_normal((3, 4, 5))
    one_group = group_norm(Tensor(x), 1).data
    np.testing.assert_allclose(one_group, np_layer_norm(x, 2, None, None, 1e-5), rtol=1e-10)
    per_channel = group_norm(Tensor(x), 4).data
    np.testing.assert_allclose(per_channel, np_layer_norm(x, 1, None, None, 1e-5), rtol=1e-10)


def test_group_norm_rejects_indivisible_channels():
    with pytest.raises(ShapeError, match="6 channels .* 4 groups"):
        group_norm(Tensor(np.ones((2, 6, 3))), 4)
    with pytest.raises(ArgumentError, match="divisible"):
        GroupNorm(4, 6)


@pytest.mark.parametrize("groups", [0, -1, 1.5, True])
def test_group_norm_rejects_bad_group_counts(groups):
    with pytest.raises(ArgumentError, match="num_groups"):
        group_norm(Tensor(np.ones((2, 4))), groups)


def test_layer_norm_shape_errors():
    with pytest.raises(ShapeError, match=r"must end with normalized_shape \(4,\)"):
        layer_norm(Tensor(np.ones((2, 3))), 4)
    with pytest.raises(ShapeError, match=r"weight has shape \(3,\), expected \(2, 3\)"):
        layer_norm(Tensor(np.ones((2, 3))), (2, 3), weight=Tensor(np.ones(3)))
    with pytest.raises(ShapeError, match=r"expected input of shape \(\*, 3, 4\)"):
        LayerNorm((3, 4))(Tensor(np.ones((3, 5), np.float32)))


def test_group_norm_module_channel_error():
    with pytest.raises(ShapeError, match=r"\(N, 6, \*\), got \(2, 4, 3\)"):
        GroupNorm(2, 6)(Tensor(np.ones((2, 4, 3), np.float32)))


def test_modules_forward_parameters_and_repr():
    rng = np.random.default_rng(3)
    ln = LayerNorm((2, 3))
    ln.weight.data[...] = rng.uniform(0.5, 2, (2, 3))
    ln.bias.data[...] = rng.standard_normal((2, 3))
    x = rng.standard_normal((4, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(ln(Tensor(x)).data,
                               np_layer_norm(x, 2, ln.weight.data, ln.bias.data, 1e-5),
                               rtol=1e-5, atol=1e-6)
    assert repr(ln) == "LayerNorm((2, 3), eps=1e-05, elementwise_affine=True, bias=True)"
    assert list(LayerNorm(3, elementwise_affine=False).parameters()) == []

    gn = GroupNorm(2, 4)
    x = rng.standard_normal((2, 4, 3, 3)).astype(np.float32)
    np.testing.assert_allclose(gn(Tensor(x)).data,
                               np_group_norm_loops(x, 2, np.ones(4), np.zeros(4), 1e-5),
                               rtol=1e-5, atol=1e-5)
    assert repr(gn) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    assert list(gn.state_dict()) == ["weight", "bias"]
    assert list(GroupNorm(2, 4, affine=False).parameters()) == []


def test_layer_norm_does_not_depend_on_the_batch():
    # unlike batch norm: a sample's output is the same alone or in a batch, train or eval
    x = np.random.default_rng(4).standard_normal((5, 6))
    ln = LayerNorm(6).to(np.float64)
    together = ln(Tensor(x)).data
    ln.eval()
    alone = ln(Tensor(x[:1])).data
    np.testing.assert_allclose(alone, together[:1], rtol=1e-12)
