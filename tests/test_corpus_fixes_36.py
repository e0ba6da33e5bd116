"""What the corpus programs of session 36 (tests/pytorch_scripts/d2l_*.py, in the idiom of
Dive into Deep Learning) found missing or different from PyTorch, each pinned here: every
test failed before its fix.

- d2l_attention's masked softmax writes through a reshape of a tensor in the graph
  (`X = scores.reshape(-1, n); X[~mask] = -1e6`): refused before, now recorded on the
  owner at the view's positions (tensor_methods/view_positions.py).
- `Tensor.flip` shared its input's memory (NumPy's flip is a view); PyTorch's is a copy.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
from tinygrad_bn.errors import BackwardError
from tinygrad_bn.tensor_methods.view_positions import positions

# ------------------------------------------------- writes through reshape / transpose views


def _masked_softmax(lib, scores, valid_lens):
    """d2l's masked softmax: the mask written through a reshape of `scores`."""
    shape = scores.shape
    lens = lib.repeat_interleave(valid_lens, shape[1])
    X = scores.reshape(-1, shape[-1])
    mask = lib.arange(shape[-1])[None, :] < lens[:, None]
    X[~mask] = -1e6
    return lib.nn.functional.softmax(X.reshape(shape), dim=-1)


def test_masked_softmax_through_a_reshape_view_trains() -> None:
    """Before: BackwardError "an in-place write through a view made by reshape ..."."""
    w = tg.tensor(np.linspace(-1.0, 1.0, 8).reshape(2, 4), dtype=tg.float64,
                  requires_grad=True)
    scores = (w * 3.0).reshape(2, 1, 4)  # a view: its owner is w * 3.0
    probs = _masked_softmax(tg, scores, tg.tensor([2, 3]))
    assert probs[0, 0, 2:].abs().max().item() == 0.0 and probs[1, 0, 3].item() == 0.0
    (probs[:, 0, 0] * tg.tensor([1.0, 2.0], dtype=tg.float64)).sum().backward()
    # the masked scores do not reach the loss: their gradient is exactly zero
    assert w.grad[0, 2:].abs().max().item() == 0.0 and w.grad[1, 3].item() == 0.0
    p = probs.detach()[:, 0, :].numpy()
    expected = np.zeros((2, 4))
    for row, scale in ((0, 1.0), (1, 2.0)):  # d p0 / d s_j = p0 (delta_0j - p_j), times 3
        expected[row] = scale * 3.0 * p[row, 0] * ((np.arange(4) == 0) - p[row])
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-12, atol=1e-15)


@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.integers(0, 5),
       st.sampled_from(["reshape", "transpose", "permute", "flatten", "mT"]))
def test_a_masked_write_through_a_view_differentiates_as_torch_where(
        a: int, b: int, c: int, seed: int, kind: str) -> None:
    """The write through the view equals the out-of-place `where` on the owner."""
    rng = np.random.default_rng(seed)
    values = rng.normal(size=(a, b, c))
    weights = rng.normal(size=(a, b, c))
    fill = rng.normal(size=())
    views = {"reshape": lambda t: t.reshape(c, a * b), "transpose": lambda t: t.transpose(0, 2),
             "permute": lambda t: t.permute(1, 2, 0), "flatten": lambda t: t.reshape(-1),
             "mT": lambda t: t.mT}
    make = views[kind]
    mask_of = make(tg.tensor(rng.random((a, b, c)) < 0.5))
    x = tg.tensor(values, requires_grad=True)
    owner = x.sin() * 2.0
    view = make(owner)
    view[mask_of] = tg.tensor(fill, dtype=tg.float64)
    ((owner * tg.tensor(weights)).sum() + (view ** 2).sum()).backward()
    y = tg.tensor(values, requires_grad=True)
    kept = tg.where(mask_of.numpy().size and tg.tensor(_unview(kind, mask_of, (a, b, c))),
                    tg.tensor(fill, dtype=tg.float64), y.sin() * 2.0)
    ((kept * tg.tensor(weights)).sum() + (kept ** 2).sum()).backward()
    np.testing.assert_allclose(owner.detach().numpy(), kept.detach().numpy(), rtol=0, atol=0)
    np.testing.assert_allclose(x.grad.numpy(), y.grad.numpy(), rtol=1e-13, atol=1e-13)


def _unview(kind: str, mask: tg.Tensor, shape: tuple[int, int, int]) -> np.ndarray:
    """The mask made by the view in `kind`, back in the owner's layout."""
    m = mask.numpy()
    a, b, c = shape
    if kind in ("reshape", "flatten"):
        return m.reshape(shape)
    if kind == "transpose":
        return m.transpose(2, 1, 0)
    if kind == "permute":
        return m.transpose(2, 0, 1)
    return m.swapaxes(-1, -2)


def test_writes_through_transposed_and_chained_views_match_pytorch() -> None:
    torch = pytest.importorskip("torch")
    results = []
    for lib in (tg, torch):
        a = lib.tensor(np.arange(1.0, 7.0), dtype=lib.float64, requires_grad=True)
        w = lib.tensor([5.0, 7.0], dtype=lib.float64, requires_grad=True)
        owner = a * a
        s = owner.reshape(2, 3).t()  # (3, 2)
        s[1].mul_(w)  # a basic view of a transpose of a reshape
        v = s.unsqueeze(0).permute(2, 0, 1).squeeze(1)  # (2, 3), a chain of views
        v[:, 2] += w
        out = (v ** 2).sum() + (owner * lib.arange(6.0, dtype=lib.float64)).sum()
        out.backward()
        results.append([out.item(), *a.grad.tolist(), *w.grad.tolist()])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-14)


def test_a_write_through_a_view_of_a_leaf_or_a_detach_is_still_refused() -> None:
    a = tg.ones(6, dtype=tg.float64, requires_grad=True)
    with pytest.raises(BackwardError, match="view .* of a leaf"):
        a.reshape(2, 3)[0, 0] = 2.0
    w = tg.ones(2, dtype=tg.float64, requires_grad=True)
    d = (a * 2).detach().reshape(3, 2)
    with pytest.raises(BackwardError, match="not a differentiable view"):
        d[0] = w


def test_positions_locate_a_view_in_its_owner() -> None:
    owner = np.arange(24.0).reshape(4, 6)[:, ::2]  # not contiguous itself
    view = owner.T[1:, ::-1]
    index = positions(view, owner)
    assert index is not None and np.shares_memory(view, owner)
    np.testing.assert_array_equal(owner[index], view)
    assert positions(np.arange(3.0), owner) is None  # other memory
    flat = np.arange(6.0)
    assert positions(flat.view(np.int32), flat) is None  # another element size


# ------------------------------------------------------------------------ flip copies


def test_flip_returns_a_copy_as_pytorch() -> None:
    """Before: writing the flipped tensor wrote x (NumPy's flip is a view)."""
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    f = x.flip(1)
    f[0, 0] = 100.0
    assert x.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert f.tolist() == [[100.0, 2.0, 1.0], [6.0, 5.0, 4.0]]
    assert tg.flip(x, (0,)).is_contiguous()


# ------------------------------------------------- a 0-d integer tensor index is an integer


def test_a_0d_integer_tensor_index_writes_a_value_of_another_dtype() -> None:
    """d2l's anchor assignment: `jaccard[:, box_idx] = col_discard` (float32 written with
    an int64 row, box_idx a 0-d long tensor). Before: DTypeMismatchError, as if the index
    were an integer array; PyTorch selects by the integer, then copies with a cast."""
    jaccard = tg.zeros(3, 3)
    jaccard[:, tg.tensor(1)] = tg.full((3,), -1)
    jaccard[tg.tensor(2), :] = tg.full((3,), 7)
    assert jaccard.dtype == tg.float32
    assert jaccard.tolist() == [[0, -1, 0], [0, -1, 0], [7, 7, 7]]
    with pytest.raises(TypeError, match="int64"):  # an integer array still needs the dtype
        jaccard[tg.tensor(0), [0, 2]] = tg.tensor([5, 6])
    with pytest.raises(TypeError, match="int64"):
        jaccard[tg.tensor([0]), 1] = tg.tensor([5])
