"""F.max_pool{1,2,3}d_with_indices and F.adaptive_max_pool{1,2,3}d_with_indices, PyTorch's
spellings that always return (values, indices): equal to torch's, gradients included, and
nn.NLLLoss2d (PyTorch's deprecated alias of NLLLoss)."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F

torch = pytest.importorskip("torch")

CASES = [  # (name, input shape, arguments after the input)
    ("max_pool1d_with_indices", (2, 3, 9), (3, 2, 1)),
    ("max_pool2d_with_indices", (2, 3, 7, 6), (3, 2, 1, 1, True)),
    ("max_pool3d_with_indices", (1, 2, 5, 6, 4), (2,)),
    ("adaptive_max_pool1d_with_indices", (2, 3, 9), (4,)),
    ("adaptive_max_pool2d_with_indices", (2, 3, 7, 6), ((3, 2),)),
    ("adaptive_max_pool3d_with_indices", (1, 2, 5, 6, 4), (2,)),
]


@pytest.mark.parametrize("name,shape,args", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("return_indices", [False, True])
def test_with_indices_spellings_match_pytorch(name: str, shape: tuple, args: tuple,
                                              return_indices: bool) -> None:
    x = np.random.default_rng(5).permutation(np.prod(shape)).reshape(shape) / 10.0
    results = []
    for lib, functional in ((tg, F), (torch, torch.nn.functional)):
        t = lib.tensor(x, requires_grad=True)
        values, indices = getattr(functional, name)(t, *args, return_indices=return_indices)
        (values * values).sum().backward()
        results.append((values.detach().numpy(), indices.numpy(), t.grad.numpy()))
    for ours, theirs in zip(results[0], results[1], strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_with_indices_spellings_refuse_bad_input() -> None:
    for name, _shape, args in CASES:
        with pytest.raises(tg.TinygradError, match=name.removesuffix("_with_indices")[:8]):
            getattr(F, name)(tg.zeros(3), *args)


def test_nll_loss_2d_is_nll_loss() -> None:
    x = np.log(np.random.default_rng(6).dirichlet(np.ones(3), size=(2, 4, 5)))
    x = x.transpose(0, 3, 1, 2)
    t = np.random.default_rng(7).integers(0, 3, size=(2, 4, 5))
    ours = tg.nn.NLLLoss2d(reduction="sum")(tg.tensor(x), tg.tensor(t))
    theirs = torch.nn.NLLLoss2d(reduction="sum")(torch.tensor(x), torch.tensor(t))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    assert repr(tg.nn.NLLLoss2d()) == repr(torch.nn.NLLLoss2d())
    with pytest.raises(tg.ArgumentError, match="NLLLoss2d: reduction"):
        tg.nn.NLLLoss2d(reduction="avg")
