"""surface34's nn pieces against PyTorch 2.13: nn.DataParallel (on the CPU the module's
results unchanged) and F.conv_tbc (values, gradients, second derivatives, errors)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import nn

# ------------------------------------------------------------------ DataParallel


def test_data_parallel_is_the_module_on_the_cpu_as_pytorchs() -> None:
    torch = pytest.importorskip("torch")
    tg.manual_seed(0)
    inner = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    wrapped = nn.DataParallel(inner, device_ids=[0, 1], output_device=0, dim=1)
    theirs = torch.nn.DataParallel(torch.nn.Sequential(torch.nn.Linear(3, 4),
                                                       torch.nn.BatchNorm1d(4)), [0, 1], 0, 1)
    assert wrapped.module is inner and wrapped.device_ids == theirs.device_ids == []
    assert hasattr(wrapped, "dim") == hasattr(theirs, "dim")
    assert list(wrapped.state_dict()) == list(theirs.state_dict())
    assert list(wrapped.state_dict())[0] == "module.0.weight"
    assert repr(wrapped) == repr(theirs)
    assert nn.parallel.DataParallel is nn.DataParallel
    x = tg.randn(5, 3, dtype=tg.float64)
    inner.double()
    expected = inner(x)  # training mode: the running statistics move on each call
    y = wrapped(x)
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-12)
    y.sum().backward()
    assert inner[0].weight.grad is not None
    assert [p is q for p, q in zip(wrapped.parameters(), inner.parameters())] == [True] * 4


def test_data_parallel_passes_keywords_and_any_result() -> None:
    class Pair(nn.Module):
        def forward(self, x, scale=1.0):
            return x * scale, {"n": x.shape[0]}

    out, extra = nn.DataParallel(Pair())(tg.ones(2), scale=3.0)
    assert out.tolist() == [3.0, 3.0] and extra == {"n": 2}


# ------------------------------------------------------------------ conv_tbc


@st.composite
def tbc_case(draw: st.DrawFn) -> tuple:
    k = draw(st.integers(1, 3))
    pad = draw(st.integers(-1, 2))
    t = draw(st.integers(max(1, k - 2 * pad), 5))
    b, cin, cout = (draw(st.integers(1, 3)) for _ in range(3))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    return (rng.normal(size=(t, b, cin)), rng.normal(size=(k, cin, cout)),
            rng.normal(size=(cout,)), pad)


@given(tbc_case())
def test_conv_tbc_values_and_gradients_are_pytorchs(case: tuple) -> None:
    torch = pytest.importorskip("torch")
    x, w, b, pad = case
    ours = [tg.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = F.conv_tbc(*ours, pad)
    expected = torch.nn.functional.conv_tbc(*theirs, pad)
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    v = np.random.default_rng(1).normal(size=y.shape)
    (y * tg.tensor(v)).sum().backward()
    (expected * torch.tensor(v)).sum().backward()
    for a, e in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.numpy(), e.grad.numpy(), rtol=1e-10, atol=1e-12)


@given(tbc_case())
def test_conv_tbc_gradcheck_jvp_and_second_order(case: tuple) -> None:
    x, w, b, pad = case
    inputs = [tg.tensor(a, requires_grad=True) for a in (x, w, b)]

    def fn(x, w, b):
        return F.conv_tbc(x, w, b, pad)

    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


@pytest.mark.parametrize(("shapes", "pad", "match"), [
    (((5, 3), (3, 3, 4), (4,)), 0, r"input must have 3 dims.*\(5, 3\)"),
    (((5, 2, 3), (3, 2, 4), (4,)), 0, "input channels 3"),
    (((5, 2, 3), (3, 3, 4), (2,)), 0, "bias size 2 != weight dim 2"),
    (((5, 2, 3), (3, 3), (4,)), 0, "weight must have 3 dims"),
    (((5, 2, 3), (3, 3, 4), (4,)), -2, "input length 5 with pad=-2 is shorter than the kernel"),
])
def test_conv_tbc_bad_input_names_the_op_and_shapes(shapes, pad, match) -> None:
    x, w, b = (tg.zeros(s, dtype=tg.float64) for s in shapes)
    with pytest.raises(tg.ShapeError, match=f"conv_tbc: {match}"):
        F.conv_tbc(x, w, b, pad)
    with pytest.raises(TypeError, match="pad must be an int"):
        F.conv_tbc(tg.zeros((5, 2, 3)), tg.zeros((3, 3, 4)), tg.zeros(4), 1.5)


# ------------------------------------------------------------------ multi_head_attention_forward


@st.composite
def mha_case(draw: st.DrawFn) -> dict:
    """Drawn shapes and options of F.multi_head_attention_forward, with float64 arrays."""
    heads = draw(st.integers(1, 2))
    e = heads * draw(st.integers(1, 3))
    length, source, batch = (draw(st.integers(1, 3)) for _ in range(3))
    unbatched = draw(st.booleans())
    separate = draw(st.booleans())
    kdim, vdim = (draw(st.integers(1, 4)), draw(st.integers(1, 4))) if separate else (e, e)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))

    def seq(n, d):
        return rng.normal(size=(n, d) if unbatched else (n, batch, d))

    case = {"query": seq(length, e), "key": seq(source, kdim), "value": seq(source, vdim),
            "embed_dim_to_check": e, "num_heads": heads,
            "in_proj_weight": None if separate else rng.normal(size=(3 * e, e)) * 0.5,
            "in_proj_bias": rng.normal(size=(3 * e,)) if draw(st.booleans()) else None,
            "add_zero_attn": draw(st.booleans()), "dropout_p": 0.3,
            "out_proj_weight": rng.normal(size=(e, e)) * 0.5,
            "out_proj_bias": rng.normal(size=(e,)) if draw(st.booleans()) else None,
            "training": False, "need_weights": draw(st.booleans()),
            "average_attn_weights": draw(st.booleans()),
            "use_separate_proj_weight": separate}
    bias_kv = draw(st.booleans())
    case["bias_k"] = rng.normal(size=(1, 1, e)) if bias_kv else None
    case["bias_v"] = rng.normal(size=(1, 1, e)) if bias_kv else None
    if separate:
        case.update(q_proj_weight=rng.normal(size=(e, e)) * 0.5,
                    k_proj_weight=rng.normal(size=(e, kdim)) * 0.5,
                    v_proj_weight=rng.normal(size=(e, vdim)) * 0.5)
    mask_kind = draw(st.sampled_from(["none", "bool", "float", "3d"]))
    if mask_kind == "bool":  # the first key always attended: no row fully masked
        mask = rng.random((length, source)) < 0.4
        mask[:, 0] = False
        case["attn_mask"] = mask
    elif mask_kind == "float":
        case["attn_mask"] = rng.normal(size=(length, source))
    elif mask_kind == "3d":
        case["attn_mask"] = rng.normal(size=((1 if unbatched else batch) * heads, length,
                                             source))
    if draw(st.booleans()):
        pad = rng.random(source if unbatched else (batch, source)) < 0.4
        pad[..., 0] = False
        case["key_padding_mask"] = pad
    if not bias_kv and draw(st.booleans()):
        rows = (1 if unbatched else batch) * heads
        case["static_k"] = rng.normal(size=(rows, source, e // heads))
        case["static_v"] = rng.normal(size=(rows, source, e // heads))
    return case


_MASKS = ("attn_mask", "key_padding_mask")


def _mha_call(lib, case: dict, tensors: dict):
    args = {k: (tensors[k] if k in tensors else
                (lib.tensor(v) if isinstance(v, np.ndarray) else v)) for k, v in case.items()}
    module = F if lib is tg else __import__("torch").nn.functional
    return module.multi_head_attention_forward(**args)


@given(mha_case())
def test_multi_head_attention_forward_values_and_gradients_are_torchs(case: dict) -> None:
    torch = pytest.importorskip("torch")
    names = [k for k, v in case.items() if isinstance(v, np.ndarray) and k not in _MASKS]
    ours = {k: tg.tensor(case[k], requires_grad=True) for k in names}
    theirs = {k: torch.tensor(case[k], requires_grad=True) for k in names}
    out, weights = _mha_call(tg, case, ours)
    expected, expected_weights = _mha_call(torch, case, theirs)
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-11)
    assert (weights is None) == (expected_weights is None)
    total, expected_total = out.sum() * 1.0, expected.sum() * 1.0
    if weights is not None:
        assert weights.shape == tuple(expected_weights.shape)
        np.testing.assert_allclose(weights.numpy(), expected_weights.detach().numpy(),
                                   rtol=1e-9, atol=1e-11)
        total, expected_total = total + (weights * weights).sum(), \
            expected_total + (expected_weights * expected_weights).sum()
    total.backward()
    expected_total.backward()
    for k in names:
        if theirs[k].grad is None:  # key and value beside static_k / static_v: unused
            assert ours[k].grad is None or not np.any(ours[k].grad.numpy()), k
            continue
        np.testing.assert_allclose(ours[k].grad.numpy(), theirs[k].grad.numpy(), rtol=1e-8,
                                   atol=1e-10, err_msg=k)


def test_multi_head_attention_forward_gradcheck_jvp_and_second_order() -> None:
    rng = np.random.default_rng(0)
    q, k, v = (tg.tensor(rng.normal(size=(2, 1, 4)), requires_grad=True) for _ in range(3))
    w_in = tg.tensor(rng.normal(size=(12, 4)) * 0.5, requires_grad=True)
    w_out = tg.tensor(rng.normal(size=(4, 4)) * 0.5, requires_grad=True)
    bias_k = tg.tensor(rng.normal(size=(1, 1, 4)), requires_grad=True)

    def fn(q, k, v, w_in, w_out, bias_k):
        out, weights = F.multi_head_attention_forward(
            q, k, v, 4, 2, w_in, None, bias_k, bias_k * 2, True, 0.0, w_out, None,
            attn_mask=np.array([[False, True], [False, False]]))
        return out.sum(-1) + weights.sum(-1)

    inputs = [q, k, v, w_in, w_out, bias_k]
    assert tg.gradcheck(fn, inputs)
    assert tg.gradgradcheck(fn, inputs)


def test_multihead_attention_module_and_function_agree() -> None:
    tg.manual_seed(1)
    mha = nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True).double()
    q, k, v = tg.randn(3, 2, 4, dtype=tg.float64), tg.randn(2, 2, 3, dtype=tg.float64), \
        tg.randn(2, 2, 5, dtype=tg.float64)
    out, weights = mha(q, k, v, average_attn_weights=False)
    out2, weights2 = F.multi_head_attention_forward(
        q, k, v, 4, 2, None, mha.in_proj_bias, mha.bias_k, mha.bias_v, False, 0.0,
        mha.out_proj.weight, mha.out_proj.bias, use_separate_proj_weight=True,
        q_proj_weight=mha.q_proj_weight, k_proj_weight=mha.k_proj_weight,
        v_proj_weight=mha.v_proj_weight, average_attn_weights=False)
    np.testing.assert_array_equal(out.numpy(), out2.numpy())
    np.testing.assert_array_equal(weights.numpy(), weights2.numpy())


def _z(*shape: int) -> tg.Tensor:
    return tg.zeros(*shape, dtype=tg.float64)


def _mha(*, q=None, k=None, e=4, heads=2, w_in=None, **kwargs):
    """F.multi_head_attention_forward of zeros (2, 1, 4) with packed (12, 4) weights,
    with the given changes."""
    query = _z(2, 1, 4) if q is None else q
    key = _z(2, 1, 4) if k is None else k
    w_in = _z(3 * e, e) if w_in is None else w_in
    return F.multi_head_attention_forward(query, key, _z(2, 1, 4), e, heads,
                                          None if isinstance(w_in, str) else w_in, None, None, None,
                                          False, 0.0, _z(4, 4), None, **kwargs)


MHA_BAD = [
    (lambda: _mha(e=6), tg.ShapeError, "expecting embedding dimension of 6, but got 4"),
    (lambda: _mha(heads=3), tg.ArgumentError, "not divisible by num_heads 3"),
    (lambda: _mha(w_in="none"), tg.ArgumentError, "in_proj_weight is None"),
    (lambda: _mha(use_separate_proj_weight=True), tg.ArgumentError,
     "q_proj_weight, k_proj_weight or v_proj_weight is None"),
    (lambda: _mha(k=_z(3, 1, 4)), tg.ShapeError, "must have one length"),
    (lambda: _mha(attn_mask=np.zeros((3, 3))), tg.ShapeError, r"attn_mask must be \(2, 2\)"),
    (lambda: _mha(static_k=_z(2, 2, 3), static_v=_z(2, 2, 2)), tg.ShapeError,
     r"static_k of shape \(2, S, 2\)"),
]


@pytest.mark.parametrize("call,error,match", MHA_BAD)
def test_multi_head_attention_forward_bad_input(call, error, match) -> None:
    with pytest.raises(error, match=f"multi_head_attention_forward: .*{match}"):
        call()


# ------------------------------------------------------------------ CrossMapLRN2d


@given(st.integers(1, 6), st.integers(1, 6), st.integers(0, 2**16))
def test_cross_map_lrn2d_values_are_torchs(size: int, channels: int, seed: int) -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(seed).normal(size=(2, channels, 2, 3))
    ours = nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.5)
    theirs = torch.nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.5)
    np.testing.assert_allclose(ours(tg.tensor(x)).numpy(), theirs(torch.tensor(x)).numpy(),
                               rtol=1e-12, atol=1e-14)
    assert repr(ours) == repr(theirs)


@given(st.integers(1, 5), st.integers(1, 4), st.integers(0, 2**16))
def test_cross_map_lrn2d_gradcheck_jvp_and_second_order(size: int, channels: int,
                                                        seed: int) -> None:
    """The true derivatives of the forward (PyTorch's backward is not: see below)."""
    x = tg.tensor(np.random.default_rng(seed).normal(size=(1, channels, 2, 2)),
                  requires_grad=True)
    layer = nn.CrossMapLRN2d(size, alpha=0.5, beta=0.75, k=1.0)
    assert tg.gradcheck(layer, [x])
    assert tg.gradgradcheck(layer, [x])


def test_cross_map_lrn2d_gradient_differs_from_torchs_which_fails_its_own_gradcheck() -> None:
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).normal(size=(1, 5, 2, 2))
    theirs = torch.tensor(x, requires_grad=True)
    assert not torch.autograd.gradcheck(torch.nn.CrossMapLRN2d(3, 0.5), (theirs,),
                                        raise_exception=False)
    assert tg.gradcheck(nn.CrossMapLRN2d(3, 0.5), [tg.tensor(x, requires_grad=True)])


def test_cross_map_lrn2d_bad_input() -> None:
    with pytest.raises(tg.ShapeError, match=r"CrossMapLRN2d: Expected input to be 4D.*3D"):
        nn.CrossMapLRN2d(3)(tg.zeros(2, 3, 4))
    with pytest.raises(tg.ArgumentError, match="CrossMapLRN2d"):
        nn.CrossMapLRN2d(0)


# ------------------------------------------------------------------ FractionalMaxPool3d


@st.composite
def fractional3d_case(draw: st.DrawFn, small: bool = False) -> tuple:
    """(x, kernel, output size, samples); `small`: one volume of at most 4^3 (for the
    second-order check, which costs a backward per element)."""
    kernel = tuple(draw(st.integers(1, 2)) for _ in range(3))
    out = tuple(draw(st.integers(1, 2 if small else 3)) for _ in range(3))
    size = tuple(o + k + draw(st.integers(0, 0 if small else 2)) for o, k in zip(out, kernel))
    batched = draw(st.booleans())
    n, c = (1, 1) if small else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x = rng.permutation(n * c * int(np.prod(size))).reshape(n, c, *size) * 0.1  # no ties
    samples = rng.random((n, c, 3))
    return (x if batched else x[0]), kernel, out, (samples if batched else samples[:1])


@given(fractional3d_case())
def test_fractional_max_pool3d_values_indices_and_gradients_are_torchs(case: tuple) -> None:
    torch = pytest.importorskip("torch")
    x, kernel, out, samples = case
    ours_x, theirs_x = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    y, idx = F.fractional_max_pool3d(ours_x, kernel, out, return_indices=True,
                                     _random_samples=tg.tensor(samples))
    expected, expected_idx = torch.nn.functional.fractional_max_pool3d(
        theirs_x, kernel, out, return_indices=True, _random_samples=torch.tensor(samples))
    np.testing.assert_array_equal(y.numpy(), expected.detach().numpy())
    np.testing.assert_array_equal(idx.numpy(), expected_idx.numpy())
    v = np.random.default_rng(2).normal(size=y.shape)
    (y * tg.tensor(v)).sum().backward()
    (expected * torch.tensor(v)).sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy(), rtol=1e-12)
    module = nn.FractionalMaxPool3d(kernel, output_size=out, _random_samples=samples)
    np.testing.assert_array_equal(module(tg.tensor(x)).numpy(), y.numpy())
    assert repr(module) == repr(torch.nn.FractionalMaxPool3d(kernel, output_size=out))


@given(fractional3d_case(small=True))
def test_fractional_max_pool3d_gradcheck_jvp_and_second_order(case: tuple) -> None:
    x, kernel, out, samples = case

    def fn(x):
        return F.fractional_max_pool3d(x, kernel, out, _random_samples=samples) ** 2

    assert tg.gradcheck(fn, [tg.tensor(x, requires_grad=True)])
    assert tg.gradgradcheck(fn, [tg.tensor(x, requires_grad=True)])


def test_fractional_max_pool3d_output_ratio_and_drawn_samples() -> None:
    tg.manual_seed(0)
    y = nn.FractionalMaxPool3d(2, output_ratio=0.5)(tg.randn(1, 2, 6, 8, 5))
    assert y.shape == (1, 2, 3, 4, 2)


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: F.fractional_max_pool3d(tg.zeros(2, 3, 4), 2, 1), tg.ShapeError,
     r"expected input of shape \(N, C, T, H, W\)"),
    (lambda: F.fractional_max_pool3d(tg.zeros(1, 1, 4, 4, 4), 2), tg.ArgumentError,
     "either an output_size or an output_ratio"),
    (lambda: F.fractional_max_pool3d_with_indices(tg.zeros(1, 1, 4, 4, 4, dtype=tg.int64), 2,
                                                  1), tg.ArgumentError,
     "input must be floating"),
    (lambda: F.fractional_max_pool3d(tg.zeros(1, 1, 4, 5, 5), 2, 3), tg.ShapeError,
     "pool time 2 too large relative to input time 4"),
    (lambda: F.fractional_max_pool3d(tg.zeros(1, 1, 4, 4, 4), (2, 2), 2), tg.ArgumentError,
     "kernel_size must be a number or a triple"),
    (lambda: F.fractional_max_pool3d(tg.zeros(1, 1, 4, 4, 4), 2, 2,
                                     _random_samples=np.zeros((1, 1, 2))), tg.ShapeError,
     r"_random_samples must have shape \(M, 1, 3\) with M >= 1"),
    (lambda: nn.FractionalMaxPool3d(2, output_size=2, output_ratio=0.5), tg.ArgumentError,
     "only one of output_size and output_ratio"),
    (lambda: nn.FractionalMaxPool3d(2, output_ratio=1.5), tg.ArgumentError,
     "between 0 and 1"),
])
def test_fractional_max_pool3d_bad_input(call, error, match) -> None:
    with pytest.raises(error, match=match) as caught:
        call()
    assert "ractional" in str(caught.value)
