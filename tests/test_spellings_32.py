"""PyTorch's top-level spellings of nn.functional added at stop 32 (tinygrad_bn/nn_spellings.py):
torch.batch_norm / instance_norm (weight first), torch.embedding (weight first, padding_idx
-1 for none), losses with an int reduction, pools returning indices, in-place dropout_.
Values and gradients against PyTorch (float64), the rules by hand, bad input."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.errors import ArgumentError, TinygradError

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
rng = np.random.default_rng(32)
X = rng.standard_normal((4, 3, 5))
W, B = rng.standard_normal(3), rng.standard_normal(3)
A1, A2 = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
Y = np.array([1.0, -1.0, 1.0, -1.0])
LOGP = np.log(rng.dirichlet(np.ones(3), 4))
Q = rng.dirichlet(np.ones(3), 4)
TABLE = [("batch_norm", (X, W, B, np.zeros(3), np.ones(3), True, 0.1, 1e-5, False)),
         ("batch_norm", (X, W, B, np.zeros(3), np.ones(3), False, 0.1, 1e-5, False)),
         ("instance_norm", (X, W, B, None, None, True, 0.1, 1e-5, False)),
         ("embedding", (A1, np.array([[0, 3], [2, 2]]))),
         ("embedding", (A1, np.array([[0, 3], [2, 2]]), 2)),
         ("constant_pad_nd", (X, [1, 2], 3.0)),
         ("adaptive_max_pool1d", (X, 2)),
         ("max_pool1d_with_indices", (X, 2)),
         ("max_pool1d_with_indices", (X, 3, 1, 1)),
         ("rms_norm", (X, [5])),
         ("binary_cross_entropy_with_logits", (A1, (A2 > 0) * 1.0, None, None, 0)),
         ("binary_cross_entropy_with_logits", (A1, (A2 > 0) * 1.0, W, W ** 2, 2)),
         ("kl_div", (LOGP, Q)),  # no reduction given: 'none', as PyTorch's top level
         ("kl_div", (LOGP, Q, 1)),
         ("cosine_embedding_loss", (A1, A2, Y)),
         ("triplet_margin_loss", (A1, A2, A1 * 0.5)),
         ("kl_div", (LOGP, Q, 2)),
         ("cosine_embedding_loss", (A1, A2, Y, 0.1, 2)),
         ("hinge_embedding_loss", (A1, np.sign(A2), 0.5, 0)),
         ("margin_ranking_loss", (A1[:, 0], A2[:, 0], Y, 0.2, 1)),
         ("poisson_nll_loss", (A1, np.abs(A2), True, False, 1e-8, 1)),
         ("triplet_margin_loss", (A1, A2, A1 * 0.5, 1.0, 2.0, 1e-6, True, 2))]


def _run(lib, name, args):
    tensors = [lib.tensor(a, requires_grad=a.dtype == np.float64 and i == 0)
               if isinstance(a, np.ndarray) else a for i, a in enumerate(args)]
    out = getattr(lib, name)(*tensors)
    first = out[0] if isinstance(out, tuple) else out
    first.sum().backward() if first.ndim else first.backward()
    outs = out if isinstance(out, tuple) else (out,)
    grad = tensors[0].grad
    return [o.detach().numpy() for o in outs], None if grad is None else grad.numpy()


@needs_torch
@pytest.mark.parametrize("name, args", TABLE, ids=[f"{n}-{i}" for i, (n, _) in enumerate(TABLE)])
def test_values_and_gradients_match_pytorch(name, args) -> None:
    ours, ours_grad = _run(tg, name, args)
    theirs, theirs_grad = _run(torch, name, args)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours_grad, theirs_grad, rtol=1e-11, atol=1e-12)


def test_the_rules_by_hand() -> None:
    weight = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert tg.embedding(weight, tg.tensor([1, 0])).tolist() == [[3.0, 4.0], [1.0, 2.0]]
    mean, var = tg.zeros(2), tg.ones(2)
    x = tg.tensor([[0.0, 1.0], [2.0, 5.0]])
    tg.batch_norm(x, None, None, mean, var, True, 0.5, 1e-5, True)
    assert mean.tolist() == [0.5, 1.5]  # running statistics move as F.batch_norm's
    loss = tg.kl_div(tg.tensor([[-1.0, -2.0]]), tg.tensor([[0.5, 0.5]]), 0)
    assert loss.shape == (1, 2)  # 0: 'none'
    t = tg.tensor(np.ones(1000))
    assert tg.dropout_(t, 0.5, True) is t and set(np.unique(t.numpy())) == {0.0, 2.0}
    assert t._version == 1
    kept = tg.tensor([1.0, 2.0])
    assert tg.dropout_(kept, 0.5, False) is kept and kept.tolist() == [1.0, 2.0]
    values, indices = tg.max_pool1d_with_indices(tg.tensor([[[1.0, 3.0, 2.0, 0.0]]]), 2)
    assert values.tolist() == [[[3.0, 2.0]]] and indices.tolist() == [[[1, 2]]]


def test_bad_input_names_the_op() -> None:
    with pytest.raises(ArgumentError, match=r"kl_div: reduction is an int.*'mean'"):
        tg.kl_div(tg.tensor(LOGP), tg.tensor(Q), "mean")
    with pytest.raises(ArgumentError, match="margin_ranking_loss: reduction"):
        tg.margin_ranking_loss(tg.tensor(Y), tg.tensor(Y), tg.tensor(Y), 0.0, 3)
    with pytest.raises(TinygradError, match="embedding"):
        tg.embedding(tg.ones(2, 2), tg.tensor([5]))
    with pytest.raises(TinygradError, match="alpha_dropout_"):
        tg.alpha_dropout_(tg.ones(2), 1.5, True)  # p outside [0, 1]
    with pytest.raises(ArgumentError, match="rrelu: a generator"):
        tg.rrelu(tg.ones(2), generator=tg.Generator())
    with pytest.raises(TinygradError, match="batch_norm"):
        tg.batch_norm(tg.ones(2, 3), None, None, tg.zeros(2), tg.ones(2), False, 0.1, 1e-5,
                      False)
