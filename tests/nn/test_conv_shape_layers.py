"""Conv1d, Conv3d, ConvTranspose1d/2d, padding modes (F.pad and Conv*d(padding_mode=)),
interpolate/Upsample, PixelShuffle/PixelUnshuffle, Unflatten, Bilinear and the 1-D and
adaptive max pools: gradcheck (reverse, forward mode, second order) on Hypothesis-drawn
geometries, and forward values, indices and gradients equal to PyTorch's in float64 (skipped
without torch), layers loaded from PyTorch's state dicts."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import tinygrad_bn as tg
import tinygrad_bn.nn.functional as F
from tinygrad_bn import Tensor, nn
from tinygrad_bn.testing import strategies as tst


def _against_torch(ours, theirs, arrays: list[np.ndarray], seed: int = 0) -> None:
    torch = pytest.importorskip("torch")
    o_in = [Tensor(a, requires_grad=True) for a in arrays]
    t_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    o, t = ours(*o_in), theirs(*t_in)
    if isinstance(t, tuple):  # (values, indices)
        np.testing.assert_array_equal(o[1].numpy(), t[1].numpy())
        o, t = o[0], t[0]
    assert o.shape == tuple(t.shape)
    np.testing.assert_allclose(o.numpy(), t.detach().numpy(), rtol=0, atol=1e-10)
    up = np.random.default_rng(seed).normal(size=o.shape)
    (o * Tensor(up)).sum().backward()
    (t * torch.tensor(up)).sum().backward()
    for a, b in zip(o_in, t_in):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=0, atol=1e-10)


def _gradchecks(fn, arrays: list[np.ndarray], second: bool = True) -> None:
    inputs = [Tensor(a, requires_grad=True) for a in arrays]
    assert tg.gradcheck(fn, inputs)
    if second:
        assert tg.gradgradcheck(fn, inputs)


@st.composite
def conv_cases(draw: st.DrawFn, dims: int, transposed: bool = False) -> dict:
    groups = draw(st.sampled_from([1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
    stride = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    dilation = tuple(draw(st.integers(1, 2)) for _ in range(dims))
    padding = tuple(draw(st.integers(0, 1)) for _ in range(dims))
    reach = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    sizes = tuple(draw(st.integers(max(r - 2 * p, 1), max(r - 2 * p, 1) + 3))
                  for r, p in zip(reach, padding))
    case = {"groups": groups, "stride": stride, "dilation": dilation, "padding": padding,
            "bias": draw(st.booleans()), "seed": draw(st.integers(0, 2**16))}
    rng = np.random.default_rng(case["seed"])
    if transposed:
        case["output_padding"] = tuple(draw(st.integers(0, max(s, d) - 1))
                                       for s, d in zip(stride, dilation))
        assume(all((n - 1) * s - 2 * p + d * (k - 1) + o >= 0 for n, s, p, d, k, o in zip(
            sizes, stride, padding, dilation, kernel, case["output_padding"])))
        case["weight"] = rng.normal(size=(cin, cout // groups, *kernel))
    else:
        case["weight"] = rng.normal(size=(cout, cin // groups, *kernel))
    batched = draw(st.booleans())
    case["x"] = rng.normal(size=((2,) if batched else ()) + (cin, *sizes))
    case["b"] = rng.normal(size=cout)
    return case


def _conv_args(case: dict) -> list[np.ndarray]:
    return [case["x"], case["weight"]] + ([case["b"]] if case["bias"] else [])


@settings(max_examples=20)
@given(case=st.one_of(conv_cases(1), conv_cases(3)))
def test_conv1d_conv3d_match_pytorch(case: dict) -> None:
    torch = pytest.importorskip("torch")
    dims = case["weight"].ndim - 2
    ours, theirs = (F.conv1d, torch.nn.functional.conv1d) if dims == 1 else \
        (F.conv3d, torch.nn.functional.conv3d)
    kw = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
    _against_torch(lambda *a: ours(*a, **kw), lambda *a: theirs(*a, **kw), _conv_args(case),
                   case["seed"])


@settings(max_examples=20)
@given(case=st.one_of(conv_cases(1, True), conv_cases(2, True)))
def test_transposed_convolutions_match_pytorch(case: dict) -> None:
    torch = pytest.importorskip("torch")
    dims = case["weight"].ndim - 2
    ours, theirs = (F.conv_transpose1d, torch.nn.functional.conv_transpose1d) if dims == 1 \
        else (F.conv_transpose2d, torch.nn.functional.conv_transpose2d)
    kw = {k: case[k] for k in ("stride", "padding", "output_padding", "groups", "dilation")}
    _against_torch(lambda *a: ours(*a, **kw), lambda *a: theirs(*a, **kw), _conv_args(case),
                   case["seed"])


@settings(max_examples=8)
@given(case=st.one_of(conv_cases(1), conv_cases(3), conv_cases(2, True)))
def test_convolutions_gradcheck(case: dict) -> None:
    dims = case["weight"].ndim - 2
    if "output_padding" in case:
        kw = {k: case[k] for k in ("stride", "padding", "output_padding", "groups",
                                   "dilation")}
        fn = F.conv_transpose2d
    else:
        kw = {k: case[k] for k in ("stride", "padding", "dilation", "groups")}
        fn = F.conv1d if dims == 1 else F.conv3d
    _gradchecks(lambda *a: fn(*a, **kw), _conv_args(case), second=dims < 3)


@settings(max_examples=20)
@given(mode=st.sampled_from(["constant", "reflect", "replicate", "circular"]),
       shape=st.tuples(st.integers(2, 4), st.integers(2, 5), st.integers(2, 5)),
       data=st.data())
def test_pad_modes_match_pytorch_and_gradcheck(mode: str, shape: tuple, data) -> None:
    low = -1 if mode == "constant" else 0
    widths = []
    for n in reversed(shape[1:]):
        high = n - 1 if mode == "reflect" else n
        widths += [data.draw(st.integers(low, high)), data.draw(st.integers(low, high))]
    x = np.random.default_rng(len(widths)).normal(size=shape)
    torch = pytest.importorskip("torch")
    _against_torch(lambda t: F.pad(t, widths, mode), lambda t: torch.nn.functional.pad(
        t, widths, mode), [x])
    _gradchecks(lambda t: F.pad(t, widths, mode), [x])


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("kind, shape", [("Conv1d", (2, 4, 7)), ("Conv2d", (2, 4, 6, 7)),
                                         ("Conv3d", (1, 4, 4, 5, 5))])
def test_conv_layers_load_pytorch_state_and_match(padding_mode: str, kind: str,
                                                  shape: tuple) -> None:
    torch = pytest.importorskip("torch")
    args = dict(in_channels=4, out_channels=6, kernel_size=3, stride=1, padding=1, dilation=1,
                groups=2, padding_mode=padding_mode)
    theirs = getattr(torch.nn, kind)(**args).double()
    ours = getattr(nn, kind)(**args).to(np.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    _against_torch(ours, theirs, [np.random.default_rng(0).normal(size=shape)])
    same = getattr(torch.nn, kind)(4, 2, 2, padding="same", dilation=1,
                                   padding_mode=padding_mode).double()
    ours_same = getattr(nn, kind)(4, 2, 2, padding="same", padding_mode=padding_mode
                                  ).to(np.float64)
    ours_same.load_state_dict({k: v.detach().numpy() for k, v in same.state_dict().items()})
    _against_torch(ours_same, same, [np.random.default_rng(1).normal(size=shape)])


@pytest.mark.parametrize("kind, shape", [("ConvTranspose1d", (2, 4, 5)),
                                         ("ConvTranspose2d", (2, 4, 4, 5))])
def test_transposed_layers_match_pytorch_with_output_size(kind: str, shape: tuple) -> None:
    torch = pytest.importorskip("torch")
    theirs = getattr(torch.nn, kind)(4, 6, 3, stride=2, padding=1, groups=2).double()
    ours = getattr(nn, kind)(4, 6, 3, stride=2, padding=1, groups=2).to(np.float64)
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    size = [2 * n for n in shape[2:]]
    _against_torch(lambda x: ours(x, output_size=size), lambda x: theirs(x, output_size=size),
                   [np.random.default_rng(0).normal(size=shape)])
    with pytest.raises(tg.ShapeError, match="output_size"):
        ours(Tensor(np.zeros(shape)), output_size=[n + 5 for n in size])


def test_default_initialisation_bounds_match_pytorch() -> None:
    for layer, fan_in in [(nn.Conv1d(4, 6, 3, groups=2), 6), (nn.Conv3d(2, 3, 2), 16),
                          (nn.ConvTranspose2d(4, 6, 3, groups=2), 27),
                          (nn.Bilinear(4, 5, 3), 4)]:
        bound = 1 / np.sqrt(fan_in)
        for p in layer.parameters():
            assert p.dtype == np.float32 and np.abs(p.data).max() <= bound + 1e-7


@settings(max_examples=20)
@given(mode=st.sampled_from(["nearest", "nearest-exact", "linear", "bilinear"]),
       align=st.booleans(), by_size=st.booleans(),
       sizes=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       factors=st.tuples(st.floats(0.5, 3.0), st.floats(0.5, 3.0)), seed=st.integers(0, 99))
def test_interpolate_matches_pytorch(mode: str, align: bool, by_size: bool, sizes: tuple,
                                     factors: tuple, seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    dims = 1 if mode == "linear" else 2
    x = rng.normal(size=(2, 3) + (4, 5)[:dims])
    kw: dict = {"mode": mode}
    if mode in ("linear", "bilinear"):
        kw["align_corners"] = align
    if by_size:
        kw["size"] = sizes[:dims]
    else:
        if any(int(n * f) < 1 for n, f in zip(x.shape[2:], factors)):
            return
        kw["scale_factor"] = factors[:dims]
    _against_torch(lambda t: F.interpolate(t, **kw),
                   lambda t: torch.nn.functional.interpolate(t, **kw), [x])
    up = nn.Upsample(**kw)
    np.testing.assert_allclose(up(Tensor(x)).numpy(), F.interpolate(Tensor(x), **kw).numpy())


def test_shape_layers_match_pytorch_and_gradcheck() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 8, 3, 2))
    _against_torch(nn.PixelShuffle(2), torch.nn.PixelShuffle(2), [x])
    _against_torch(nn.PixelUnshuffle(2), torch.nn.PixelUnshuffle(2), [rng.normal(size=(3, 4, 6))])
    _against_torch(nn.Unflatten(1, (2, -1)), torch.nn.Unflatten(1, (2, -1)), [x])
    theirs = torch.nn.Bilinear(3, 4, 5).double()
    ours = nn.Bilinear(3, 4, 5).to(np.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    _against_torch(ours, theirs, [rng.normal(size=(2, 6, 3)), rng.normal(size=(2, 6, 4))])
    _gradchecks(lambda a, b, w: F.bilinear(a, b, w), [rng.normal(size=(2, 3)),
                                                      rng.normal(size=(2, 2)),
                                                      rng.normal(size=(2, 3, 2))])
    _gradchecks(lambda t: F.pixel_shuffle(t, 2), [rng.normal(size=(1, 4, 2, 1))])
    _gradchecks(lambda t: F.interpolate(t, scale_factor=1.5, mode="bilinear"),
                [rng.normal(size=(1, 1, 2, 3))])


@settings(max_examples=20)
@given(data=st.data(), batched=st.booleans(), length=st.integers(3, 9))
def test_one_d_and_adaptive_pools_match_pytorch(data, batched: bool, length: int) -> None:
    torch = pytest.importorskip("torch")
    TF = torch.nn.functional
    lead = (2, 3) if batched else (3,)
    x = data.draw(tst.distinct_arrays(lead + (length,)))  # no ties: one max per window
    k = data.draw(st.integers(1, 3))
    s, p = data.draw(st.integers(1, 3)), data.draw(st.integers(0, k // 2))
    d = data.draw(st.integers(1, 2))
    ceil = data.draw(st.booleans())
    if d * (k - 1) + 1 <= length + 2 * p:
        _against_torch(lambda t: F.max_pool1d(t, k, s, p, d, ceil, True),
                       lambda t: TF.max_pool1d(t, k, s, p, d, ceil, True), [x])
    if k <= length + 2 * p:
        _against_torch(lambda t: F.avg_pool1d(t, k, s, p, ceil, bool(d - 1)),
                       lambda t: TF.avg_pool1d(t, k, s, p, ceil, bool(d - 1)), [x])
    m = data.draw(st.integers(1, length + 1))
    _against_torch(lambda t: F.adaptive_avg_pool1d(t, m), lambda t: TF.adaptive_avg_pool1d(t, m),
                   [x])
    _against_torch(lambda t: F.adaptive_max_pool1d(t, m, True),
                   lambda t: TF.adaptive_max_pool1d(t, m, True), [x])
    plane = data.draw(tst.distinct_arrays(lead + (length, 4)))
    size = (data.draw(st.integers(1, length)), data.draw(st.sampled_from([None, 1, 3, 5])))
    _against_torch(nn.AdaptiveMaxPool2d(size, return_indices=True),
                   torch.nn.AdaptiveMaxPool2d(size, return_indices=True), [plane])
    _gradchecks(lambda t: F.adaptive_max_pool2d(t, size), [plane])
    _gradchecks(lambda t: nn.MaxPool1d(k, s, p)(t), [x]) if k <= length + 2 * p else None


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.pad(Tensor(np.zeros((2, 3))), (3, 0), "reflect"), tg.ShapeError, "reflect"),
    (lambda: F.pad(Tensor(np.zeros((2, 3))), (1,)), tg.ArgumentTypeError, "even length"),
    (lambda: F.pad(Tensor(np.zeros((2, 3))), (1, 1), "wrap"), tg.ArgumentError, "mode"),
    (lambda: F.pad(Tensor(np.zeros((2, 3))), (-2, -1), "replicate"), tg.ShapeError,
     "leave nothing"),
    (lambda: nn.Conv2d(2, 2, 3, padding_mode="mirror"), tg.ArgumentError, "padding_mode"),
    (lambda: nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect"), tg.ArgumentError,
     "padding_mode"),
    (lambda: F.conv_transpose1d(Tensor(np.zeros((1, 2, 3))), Tensor(np.zeros((2, 1, 2))),
                                stride=2, output_padding=2), tg.ArgumentError,
     "output_padding"),
    (lambda: F.conv_transpose1d(Tensor(np.zeros((1, 2, 1))), Tensor(np.zeros((2, 1, 1))),
                                padding=1), tg.ShapeError, "output would have size (-1,)"),
    (lambda: F.conv1d(Tensor(np.zeros((1, 2, 3, 4))), Tensor(np.zeros((2, 2, 2)))),
     tg.ShapeError, "conv1d"),
    (lambda: F.conv3d(Tensor(np.zeros((1, 2, 1, 3, 3))), Tensor(np.zeros((2, 2, 2, 1, 1)))),
     tg.ShapeError, "depth"),
    (lambda: F.interpolate(Tensor(np.zeros((1, 1, 3))), scale_factor=2, mode="bilinear"),
     tg.ShapeError, "4-D"),
    (lambda: F.interpolate(Tensor(np.zeros((1, 1, 3)))), tg.ArgumentError, "exactly one"),
    (lambda: F.pixel_shuffle(Tensor(np.zeros((1, 3, 2, 2))), 2), tg.ShapeError, "divisible"),
    (lambda: nn.Unflatten(1, (4, 2))(Tensor(np.zeros((2, 6)))), tg.ShapeError, "split"),
    (lambda: F.adaptive_max_pool2d(Tensor(np.zeros((2, 3))), 1), tg.ShapeError, "(N, C, H, W)"),
])
def test_bad_arguments_raise_project_errors(call, error, message: str) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
