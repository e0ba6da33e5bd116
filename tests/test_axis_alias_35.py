"""PyTorch's `axis=`, its alias for `dim=` in every torch function and Tensor method bound
from C++ (`x.softmax(axis=0)`, `x.topk(1, axis=0)`, `torch.var_mean(x, axis=0)`): ours take
it too, with the same result as dim=, and refuse it beside an explicit dim."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import pytest

import tinygrad_bn as tg
from tinygrad_bn.errors import ArgumentError

A = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])

# (where, name, arguments before dim, the axis): where is "Tensor" (a method) or "tg" (a
# function); each refused axis= before tinygrad_bn's axis35 change
CASES: list[tuple[str, str, tuple, int]] = [
    *[("Tensor", name, (), 0) for name in (
        "softmax", "log_softmax", "aminmax", "count_nonzero", "cummax", "cummin", "cumprod",
        "cumprod_", "cumsum_", "diff", "logcumsumexp", "median", "mode", "nanmean",
        "nanmedian", "nansum", "size", "stride", "unbind")],
    ("Tensor", "squeeze_", (), 0), ("Tensor", "unsqueeze_", (), 1),
    ("Tensor", "topk", (1,), 0), ("Tensor", "kthvalue", (1,), 0),
    ("Tensor", "repeat_interleave", (2,), 0), ("Tensor", "tensor_split", (1,), 0),
    *[("tg", name, (), 0) for name in (
        "softmax", "log_softmax", "std_mean", "var_mean", "trapezoid", "trapz",
        "cumulative_trapezoid", "gradient", "mode", "median", "diff")],
    ("tg", "topk", (1,), 0), ("tg", "kthvalue", (1,), 0),
]


def _call(module: Any, where: str, name: str, x: Any, pre: tuple, **keywords: Any) -> Any:
    if where == "Tensor":
        return getattr(x, name)(*pre, **keywords)
    return getattr(module, name)(x, *pre, **keywords)


def _numpy(result: Any) -> Any:
    if isinstance(result, tuple | list):
        return [_numpy(r) for r in result]
    return np.asarray(result.detach().numpy() if hasattr(result, "detach") else
                      result.numpy() if isinstance(result, tg.Tensor) else result, float)


def _assert_same(ours: Any, theirs: Any) -> None:
    ours, theirs = _numpy(ours), _numpy(theirs)
    if isinstance(theirs, list):
        assert isinstance(ours, list) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs, strict=True):
            _assert_same(a, b)
        return
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("where", "name", "pre", "axis"), CASES,
                         ids=[f"{w}.{n}" for w, n, _, _ in CASES])
def test_axis_is_dim_as_in_pytorch(where: str, name: str, pre: tuple, axis: int) -> None:
    torch = pytest.importorskip("torch")
    theirs = _call(torch, where, name, torch.tensor(A), pre, axis=axis)
    ours = _call(tg, where, name, tg.Tensor(A.copy()), pre, axis=axis)
    _assert_same(ours, theirs)


@pytest.mark.parametrize(("where", "name", "pre", "axis"), CASES,
                         ids=[f"{w}.{n}" for w, n, _, _ in CASES])
def test_axis_is_dim(where: str, name: str, pre: tuple, axis: int) -> None:
    """Without torch: axis= gives what dim= gives (also where dim's default is another
    axis, such as topk's and kthvalue's -1: axis= alone wins)."""
    _assert_same(_call(tg, where, name, tg.Tensor(A.copy()), pre, axis=axis),
                 _call(tg, where, name, tg.Tensor(A.copy()), pre, dim=axis))


# methods whose dim comes before other arguments, called with keywords as PyTorch allows
# (x.index_select(axis=0, index=i)): (name, its other arguments as arrays or values)
_I, _IDX, _SRC = np.array([1]), np.array([[1, 0, 1]]), np.array([[5.0, 6.0, 7.0]])
KEYWORD_CASES: list[tuple[str, dict[str, Any]]] = [
    ("index_select", {"index": _I}), ("narrow", {"start": 1, "length": 1}),
    ("narrow_copy", {"start": 1, "length": 1}), ("select", {"index": 1}),
    ("index_fill", {"index": _I, "value": 0.0}), ("index_add", {"index": _I, "source": _SRC}),
    ("index_copy", {"index": _I, "source": _SRC}), ("scatter", {"index": _IDX, "src": _SRC}),
    ("scatter_add", {"index": _IDX, "src": _SRC}),
    ("scatter_reduce", {"index": _IDX, "src": _SRC, "reduce": "amax"}),
    ("index_reduce", {"index": _I, "source": _SRC, "reduce": "prod"}),
    ("take_along_dim", {"indices": _IDX}), ("renorm", {"p": 2, "maxnorm": 1.0}),
    ("quantile", {"q": 0.5}), ("nanquantile", {"q": 0.5}), ("unsafe_chunk", {"chunks": 2}),
    ("unsafe_split", {"split_size": 1}), ("select_scatter", {"src": _SRC[0], "index": 1}),
    ("slice_scatter", {"src": _SRC, "start": 1}),
    *[(name, keywords) for name, keywords in (
        ("index_fill_", {"index": _I, "value": 0.0}), ("index_add_", {"index": _I, "source": _SRC}),
        ("index_copy_", {"index": _I, "source": _SRC}), ("scatter_", {"index": _IDX, "src": _SRC}),
        ("scatter_add_", {"index": _IDX, "src": _SRC}),
        ("scatter_reduce_", {"index": _IDX, "src": _SRC, "reduce": "sum"}),
        ("index_reduce_", {"index": _I, "source": _SRC, "reduce": "prod"}),
        ("renorm_", {"p": 2, "maxnorm": 1.0}))],
]


def _keywords(module: Any, keywords: dict[str, Any]) -> dict[str, Any]:
    return {k: module.tensor(v) if isinstance(v, np.ndarray) else v
            for k, v in keywords.items()}


@pytest.mark.filterwarnings("ignore:index_reduce\\(\\) is in beta")  # PyTorch's own warning
@pytest.mark.parametrize(("name", "keywords"), KEYWORD_CASES,
                         ids=[name for name, _ in KEYWORD_CASES])
def test_axis_by_keyword_as_in_pytorch(name: str, keywords: dict[str, Any]) -> None:
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.tensor(A), name)(axis=0, **_keywords(torch, keywords))
    ours = getattr(tg.Tensor(A.copy()), name)(axis=0, **_keywords(tg, keywords))
    _assert_same(ours, theirs)


@pytest.mark.parametrize(("name", "keywords"), KEYWORD_CASES,
                         ids=[name for name, _ in KEYWORD_CASES])
def test_axis_by_keyword_is_dim(name: str, keywords: dict[str, Any]) -> None:
    _assert_same(getattr(tg.Tensor(A.copy()), name)(axis=0, **_keywords(tg, keywords)),
                 getattr(tg.Tensor(A.copy()), name)(dim=0, **_keywords(tg, keywords)))


def test_axis_wins_over_a_default_dim() -> None:
    x = tg.Tensor(A)
    np.testing.assert_array_equal(x.kthvalue(1, axis=0).values.numpy(), [0.5, 1.0, -1.0])
    np.testing.assert_array_equal(x.topk(1, axis=0).indices.numpy(), [[0, 1, 0]])
    np.testing.assert_allclose(x.softmax(axis=0).numpy().sum(axis=0), [1.0, 1.0, 1.0])
    assert x.size(axis=1) == 3


@pytest.mark.parametrize("call", [
    lambda x: x.softmax(1, axis=0), lambda x: x.log_softmax(dim=1, axis=0),
    lambda x: x.topk(1, 1, axis=0), lambda x: x.kthvalue(1, dim=-1, axis=0),
    lambda x: x.size(1, axis=0), lambda x: tg.var_mean(x, 1, axis=0),
    lambda x: x.index_select(1, tg.tensor([0]), axis=0),
    lambda x: tg.trapezoid(x, dim=-1, axis=0)])
def test_dim_and_axis_together_are_refused(call: Any) -> None:
    with pytest.raises(ArgumentError, match="both dim=.* and axis=0"):
        call(tg.Tensor(A))


def test_the_signature_shows_axis() -> None:
    for method in (tg.Tensor.topk, tg.Tensor.median, tg.Tensor.softmax, tg.Tensor.size):
        parameter = inspect.signature(method).parameters["axis"]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is None
