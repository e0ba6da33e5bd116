"""PyTorch's dtype refusals and 0-d dims, as surface29 matched them: calls PyTorch refuses
that NumPy would answer (bool into abs/floor/round/trunc/ceil/relu/median/nanmedian/
kthvalue/topk/searchsorted/trace; integers into frac/lerp/hypot; `-` with a bool operand;
mixed dtypes into addmm, addmv, baddbmm, einsum) must raise the project's error
naming the op; calls PyTorch answers must be answered alike (sign of bool, any/all of
uint8 giving uint8, the dims 0 and -1 of a 0-d tensor in movedim, index_select, gather,
scatter, scatter_add, index_add, mT of a 0-d tensor, Tensor.select).

Each refusal row is checked against torch too where it is installed (torch must refuse
the twin call), so a row cannot claim a refusal PyTorch does not make.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_bn as tg

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")


def _b(lib: Any) -> Any:
    return lib.tensor([True, False])


def _i(lib: Any) -> Any:
    return lib.tensor([1, 2])


def _f64(lib: Any) -> Any:
    return lib.ones(2, 2, dtype=lib.float64)


def _f32(lib: Any) -> Any:
    return lib.ones(2, 2)


# name: (the call on a library, our error, a fragment of our message)
REFUSED: dict[str, tuple[Callable[[Any], Any], type, str]] = {
    "abs of bool": (lambda L: _b(L).abs(), tg.DTypeError, "abs"),
    "floor of bool": (lambda L: _b(L).floor(), tg.DTypeError, "floor"),
    "ceil of bool": (lambda L: _b(L).ceil(), tg.DTypeError, "ceil"),
    "round of bool": (lambda L: _b(L).round(), tg.DTypeError, "round"),
    "trunc of bool": (lambda L: _b(L).trunc(), tg.DTypeError, "trunc"),
    "relu of bool": (lambda L: _b(L).relu(), tg.DTypeError, "relu"),
    "median of bool": (lambda L: _b(L).median(), tg.DTypeError, "median"),
    "median(dim) of bool": (lambda L: _b(L).median(0), tg.DTypeError, "median"),
    "nanmedian of bool": (lambda L: _b(L).nanmedian(), tg.DTypeError, "nanmedian"),
    "kthvalue of bool": (lambda L: _b(L).kthvalue(1), tg.DTypeError, "kthvalue"),
    "topk of bool": (lambda L: _b(L).topk(1), tg.DTypeError, "topk"),
    "searchsorted in bool": (lambda L: L.searchsorted(_b(L), _b(L)), tg.DTypeError,
                             "searchsorted"),
    "trace of bool": (lambda L: L.tensor([[True]]).trace(), tg.DTypeError, "trace"),
    "round of int with decimals": (lambda L: L.round(_i(L), decimals=-1), tg.DTypeError,
                                   "round"),
    "frac of int": (lambda L: _i(L).frac(), tg.DTypeError, "frac"),
    "frac of bool": (lambda L: _b(L).frac(), tg.DTypeError, "frac"),
    "lerp of int": (lambda L: _i(L).lerp(_i(L), 0.5), tg.DTypeError, "lerp"),
    "lerp to another float dtype": (lambda L: L.ones(2).lerp(L.ones(2, dtype=L.float64), 0.5),
                                    tg.DTypeError, "lerp"),
    "lerp with an int weight tensor": (lambda L: L.ones(2).lerp(L.ones(2), _i(L)),
                                       tg.DTypeError, "lerp"),
    "hypot of ints": (lambda L: _i(L).hypot(_i(L)), tg.DTypeError, "hypot"),
    "int - True": (lambda L: _i(L) - True, tg.DTypeError, "subtraction with a bool"),
    "True - int": (lambda L: True - _i(L), tg.DTypeError, "subtraction with a bool"),
    "float - bool tensor": (lambda L: L.ones(2) - _b(L), tg.DTypeError,
                            "subtraction with a bool"),
    "bool tensor - 1": (lambda L: _b(L) - 1, tg.DTypeError, "subtraction with a bool"),
    "1 - bool tensor": (lambda L: 1 - _b(L), tg.DTypeError, "subtraction with a bool"),
    "sub(int, bool)": (lambda L: L.sub(_i(L), _b(L)), tg.DTypeError, "subtraction with a bool"),
    "addmm float32 input, float64 product": (lambda L: L.addmm(_f32(L), _f64(L), _f64(L)),
                                             tg.DTypeError, "addmm"),
    "addmv float64 input, float32 product": (lambda L: L.addmv(L.ones(2, dtype=L.float64),
                                                               _f32(L), L.ones(2)),
                                             tg.DTypeError, "addmv"),
    "baddbmm float32 input, float64 product": (
        lambda L: L.baddbmm(L.ones(1, 2, 2), L.ones(1, 2, 2, dtype=L.float64),
                            L.ones(1, 2, 2, dtype=L.float64)), tg.DTypeError, "baddbmm"),
    "einsum float64 with float32": (lambda L: L.einsum("ij,jk->ik", _f64(L), _f32(L)),
                                    tg.DTypeError, "einsum"),
    "einsum int32 with int64": (lambda L: L.einsum("i,i->", L.ones(2, dtype=L.int32),
                                                   L.ones(2, dtype=L.int64)),
                                tg.DTypeError, "einsum"),
    "select of a 0-d tensor": (lambda L: L.tensor(1.0).select(0, 0), tg.IndexOutOfRange,
                               "select"),
    "select out of range": (lambda L: L.ones(2, 3).select(1, 3), tg.IndexOutOfRange, "select"),
    "index_select of a 0-d tensor with two indices": (
        lambda L: L.tensor(1.0).index_select(0, L.tensor([0, 0])), tg.ShapeError,
        "index_select"),
    "gather of a 0-d tensor at dim 1": (lambda L: L.tensor(1.0).gather(1, L.tensor(0)),
                                        tg.AxisError, "gather"),
    "movedim of a 0-d tensor to dim 1": (lambda L: L.tensor(1.0).movedim(0, 1), tg.AxisError,
                                         "movedim"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_what_pytorch_refuses_raises_the_projects_error(name: str) -> None:
    call, error, fragment = REFUSED[name]
    with pytest.raises(error, match=fragment) as caught:
        call(tg)
    assert isinstance(caught.value, tg.TinygradError)
    if torch is not None:
        with pytest.raises(Exception):  # noqa: B017, PT011 (any refusal of PyTorch's)
            call(torch)


def test_what_pytorch_answers_is_answered_alike() -> None:
    assert tg.tensor([True, False]).sign().tolist() == [True, False]
    assert tg.tensor([True, False]).sign().dtype == np.bool_
    u = tg.tensor([[1, 0], [1, 1]], dtype=tg.uint8)
    assert u.any().dtype == np.uint8 and u.any().item() == 1
    assert u.all(1).tolist() == [0, 1] and u.all(1).dtype == np.uint8
    assert tg.tensor([1, 0]).any().dtype == np.bool_
    # integers round, floor and trunc to themselves; hypot and lerp take floats
    assert tg.tensor([15, 25]).round().tolist() == [15, 25]
    assert tg.tensor([3, 4]).hypot(tg.tensor([4.0, 3.0])).tolist() == [5.0, 5.0]
    assert tg.ones(2).lerp(tg.zeros(2), tg.tensor(0.25, dtype=tg.float64)).tolist() == [
        0.75, 0.75]
    # bool tensors still compose where PyTorch lets them: sum, cumsum, max, logical ops
    b = tg.tensor([True, False, True])
    assert b.sum().item() == 2 and (~b).tolist() == [False, True, False]


@needs_torch
def test_the_dims_of_a_0d_tensor_match_pytorch_in_values_and_gradients() -> None:
    cases = [
        (lambda s, L: s.index_select(0, L.tensor([0])), None),
        (lambda s, L: s.index_select(-1, L.tensor(0)), None),
        (lambda s, L: s.gather(-1, L.tensor([0, 0])), None),
        (lambda s, L: s.gather(0, L.tensor(0)), None),
        (lambda s, L: s.scatter_add(0, L.tensor([0, 0]), L.tensor([2.0, 3.0])), None),
        (lambda s, L: s.scatter(0, L.tensor(0), L.tensor(5.0)), None),
        (lambda s, L: s.index_add(0, L.tensor([0]), L.tensor(2.0), alpha=2), None),
        (lambda s, L: s.movedim(0, -1) * 2, None),
        (lambda s, L: s.movedim([0], [0]) * 3, None),
    ]
    for fn, _ in cases:
        a = tg.tensor(3.0, requires_grad=True)
        b = torch.tensor(3.0, requires_grad=True)
        ours, theirs = fn(a, tg), fn(b, torch)
        assert ours.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
        ours.sum().backward()
        theirs.sum().backward()
        assert a.grad.item() == b.grad.item()
    assert tg.tensor(2.0).mT.item() == 2.0  # PyTorch: the identity (deprecated there)
    with pytest.raises(tg.ShapeError, match="mT"):
        _ = tg.ones(2).mT


@needs_torch
def test_select_matches_pytorch() -> None:
    x = np.arange(24.0).reshape(2, 3, 4)
    for dim, index in [(0, 1), (1, -1), (2, 0), (-1, 3), (-2, -3)]:
        a = tg.tensor(x, requires_grad=True)
        b = torch.tensor(x, requires_grad=True)
        ours, theirs = tg.select(a, dim, index), torch.select(b, dim, index)
        np.testing.assert_array_equal(ours.data, theirs.detach().numpy())
        (ours * ours).sum().backward()
        (theirs * theirs).sum().backward()
        np.testing.assert_array_equal(a.grad.data, b.grad.numpy())
    assert tg.ones(2, 3).select(1, tg.tensor(2)).shape == (2,)
