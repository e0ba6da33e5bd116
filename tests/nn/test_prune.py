"""nn.utils.prune (tinygrad_bn/nn/utils/prune.py): the masks of each method against
PyTorch's on the same weights (skipped without it) and against their definitions, the
pruned layout (`<name>_orig`, `<name>_mask`, the forward pre-hook), masks combined by a
second pruning, the gradient through the mask, `remove`, global pruning, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn as nn
import tinygrad_bn.nn.utils.prune as prune

try:
    import torch
    import torch.nn.utils.prune as torch_prune
except ImportError:
    torch = torch_prune = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _layers(seed: int, shape=(6, 4, 3, 3)):
    """The same weights in a tinygrad_bn Conv2d and (if torch is there) a torch Conv2d:
    continuous draws, so no ranking (of entries or of channel norms) has a tie, whose
    order PyTorch leaves unspecified."""
    rng = np.random.default_rng(seed)
    weight = rng.standard_normal(shape)
    bias = rng.standard_normal(shape[0])
    ours = nn.Conv2d(shape[1], shape[0], shape[2]).double()
    ours.weight.data = weight.copy()
    ours.bias.data = bias.copy()
    theirs = None
    if torch is not None:
        theirs = torch.nn.Conv2d(shape[1], shape[0], shape[2]).double()
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(weight))
            theirs.bias.copy_(torch.from_numpy(bias))
    return ours, theirs


def _mask(module, name="weight") -> np.ndarray:
    mask = getattr(module, name + "_mask")
    return mask.detach().numpy() if torch is not None and isinstance(mask, torch.Tensor) \
        else np.asarray(mask.tolist())


@needs_torch
@given(seed=st.integers(0, 10_000), amount=st.one_of(st.integers(0, 216),
                                                      st.floats(0.0, 1.0)))
def test_l1_unstructured_mask_as_pytorch(seed: int, amount) -> None:
    ours, theirs = _layers(seed)
    prune.l1_unstructured(ours, "weight", amount=amount)
    torch_prune.l1_unstructured(theirs, "weight", amount=amount)
    np.testing.assert_array_equal(_mask(ours), _mask(theirs))


@needs_torch
@given(seed=st.integers(0, 10_000), amount=st.one_of(st.integers(0, 6), st.floats(0.0, 1.0)),
       n=st.sampled_from([1, 2, 3, 0.5, float("inf"), -float("inf")]),
       dim=st.integers(-4, 3))
def test_ln_structured_mask_as_pytorch(seed: int, amount, n, dim: int) -> None:
    ours, theirs = _layers(seed)
    if isinstance(amount, int) and amount > ours.weight.shape[dim]:
        amount = ours.weight.shape[dim]
    prune.ln_structured(ours, "weight", amount=amount, n=n, dim=dim)
    torch_prune.ln_structured(theirs, "weight", amount=amount, n=n, dim=dim)
    np.testing.assert_array_equal(_mask(ours), _mask(theirs))


@needs_torch
@given(seed=st.integers(0, 10_000), first=st.floats(0.0, 0.9), second=st.floats(0.0, 0.9))
def test_iterative_pruning_combines_masks_as_pytorch(seed: int, first: float,
                                                      second: float) -> None:
    ours, theirs = _layers(seed)
    for lib, module in ((prune, ours), (torch_prune, theirs)):
        lib.l1_unstructured(module, "weight", amount=first)
        lib.ln_structured(module, "weight", amount=second, n=1, dim=0)
        lib.l1_unstructured(module, "weight", amount=second)
    np.testing.assert_array_equal(_mask(ours), _mask(theirs))
    assert [type(m).__name__ for m in next(iter(ours._forward_pre_hooks.values()))] == \
        ["L1Unstructured", "LnStructured", "L1Unstructured"]


@needs_torch
@given(seed=st.integers(0, 10_000), amount=st.floats(0.0, 1.0))
def test_global_unstructured_as_pytorch(seed: int, amount: float) -> None:
    (a1, t1), (a2, t2) = _layers(seed), _layers(seed + 1, shape=(5, 6, 2, 2))
    prune.l1_unstructured(a1, "weight", amount=0.25)
    torch_prune.l1_unstructured(t1, "weight", amount=0.25)
    prune.global_unstructured([(a1, "weight"), (a2, "weight"), (a2, "bias")],
                              pruning_method=prune.L1Unstructured, amount=amount)
    torch_prune.global_unstructured([(t1, "weight"), (t2, "weight"), (t2, "bias")],
                                    pruning_method=torch_prune.L1Unstructured, amount=amount)
    for ours, theirs, name in ((a1, t1, "weight"), (a2, t2, "weight"), (a2, t2, "bias")):
        np.testing.assert_array_equal(_mask(ours, name), _mask(theirs, name))


def test_l1_unstructured_prunes_the_smallest_magnitudes() -> None:
    layer = nn.Linear(4, 1, bias=False).double()
    layer.weight.data = np.array([[0.5, -0.1, 2.0, -0.3]])
    prune.l1_unstructured(layer, "weight", amount=0.5)  # round(2.0): two entries
    assert layer.weight_mask.tolist() == [[1.0, 0.0, 1.0, 0.0]]
    assert layer.weight.tolist() == [[0.5, 0.0, 2.0, 0.0]]


def test_amount_rounds_half_to_even() -> None:
    layer = nn.Linear(5, 1, bias=False).double()
    layer.weight.data = np.array([[1.0, 2.0, 3.0, 4.0, 5.0]])
    prune.l1_unstructured(layer, "weight", amount=0.5)  # round(2.5) == 2
    assert layer.weight_mask.tolist() == [[0.0, 0.0, 1.0, 1.0, 1.0]]


def test_pruned_layout_hook_and_gradient() -> None:
    layer = nn.Linear(3, 2).double()
    weight = layer.weight
    layer.weight.data = np.array([[0.1, -2.0, 0.3], [1.0, -0.05, 0.7]])
    prune.l1_unstructured(layer, "weight", amount=2)
    assert [n for n, _ in layer.named_parameters()] == ["bias", "weight_orig"]
    assert [n for n, _ in layer.named_buffers()] == ["weight_mask"]
    assert layer.weight_orig is weight  # an optimizer holding it keeps training it
    assert prune.is_pruned(layer) and not isinstance(layer.weight, nn.Parameter)
    layer(tg.ones(4, 3, dtype=tg.float64)).sum().backward()
    assert layer.weight_orig.grad.tolist() == [[0.0, 4.0, 4.0], [4.0, 0.0, 4.0]]
    with tg.no_grad():
        layer.weight_orig.fill_(1.0)
    layer(tg.ones(1, 3, dtype=tg.float64))  # the hook recomputes the weight
    assert layer.weight.tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]
    prune.remove(layer, "weight")
    assert [n for n, _ in layer.named_parameters()] == ["bias", "weight"]
    assert layer.weight is weight and list(layer.named_buffers()) == []
    assert layer.weight.tolist() == [[0.0, 1.0, 1.0], [1.0, 0.0, 1.0]]
    assert not prune.is_pruned(layer)
    assert sorted(layer.state_dict()) == ["bias", "weight"]


def test_random_unstructured_prunes_the_count_asked() -> None:
    layer = nn.Linear(10, 10)
    prune.random_unstructured(layer, "weight", amount=0.3)
    assert int((layer.weight_mask == 0).sum()) == 30


def test_random_structured_prunes_whole_slices() -> None:
    layer = nn.Conv2d(2, 6, 3)
    prune.random_structured(layer, "weight", amount=2, dim=0)
    per_channel = layer.weight_mask.sum(dim=(1, 2, 3)).tolist()
    assert sorted(per_channel) == [0.0, 0.0, 18.0, 18.0, 18.0, 18.0]


def test_custom_method_and_custom_from_mask() -> None:
    class EveryOther(prune.BasePruningMethod):
        PRUNING_TYPE = "unstructured"

        def compute_mask(self, t, default_mask):
            mask = default_mask.clone()
            mask.view(-1)[::2] = 0
            return mask

    layer = nn.Linear(2, 5)
    EveryOther.apply(layer, "bias")
    assert layer.bias_mask.tolist() == [0.0, 1.0, 0.0, 1.0, 0.0]
    prune.custom_from_mask(layer, "bias", mask=tg.tensor([1.0, 0.0, 1.0, 1.0, 1.0]))
    assert layer.bias_mask.tolist() == [0.0, 0.0, 0.0, 1.0, 0.0]
    identity = nn.Linear(2, 2)
    prune.identity(identity, "weight")
    assert identity.weight_mask.tolist() == [[1.0, 1.0], [1.0, 1.0]]


def test_prune_method_on_a_tensor() -> None:
    t = tg.tensor([3.0, -1.0, 2.0, 0.5])
    assert prune.L1Unstructured(amount=2).prune(t).tolist() == [3.0, 0.0, 2.0, 0.0]


@pytest.mark.parametrize("amount, error", [(-1, ValueError), (1.5, ValueError),
                                           ("half", TypeError), (True, TypeError)])
def test_bad_amount(amount, error) -> None:
    with pytest.raises(error, match="amount"):
        prune.l1_unstructured(nn.Linear(2, 2), "weight", amount=amount)


def test_amount_above_the_count_is_refused() -> None:
    layer = nn.Linear(2, 2)
    with pytest.raises(ValueError, match=r"amount=5 should be at most .* \(4\)"):
        prune.l1_unstructured(layer, "weight", amount=5)
    assert isinstance(layer.weight, nn.Parameter) and not prune.is_pruned(layer)


def test_bad_names_dims_and_shapes() -> None:
    with pytest.raises(ValueError, match="no parameter 'kernel'"):
        prune.l1_unstructured(nn.Linear(2, 2), "kernel", amount=1)
    with pytest.raises(ValueError, match="has to be pruned before"):
        prune.remove(nn.Linear(2, 2), "weight")
    with pytest.raises(IndexError, match="dim 2 is out of range"):
        prune.ln_structured(nn.Linear(2, 2), "weight", amount=1, n=2, dim=2)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        prune.ln_structured(nn.Linear(2, 2), "bias", amount=1, n=2, dim=0)
    with pytest.raises(ValueError, match="importance_scores of shape"):
        prune.l1_unstructured(nn.Linear(2, 2), "weight", amount=1,
                              importance_scores=tg.ones(3))
    with pytest.raises(TypeError, match="only unstructured"):
        prune.global_unstructured([(nn.Linear(2, 2), "weight")],
                                  pruning_method=prune.LnStructured, amount=1, n=2, dim=0)
