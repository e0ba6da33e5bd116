"""The op tables of the sixth differential-fuzz round (tests/test_differential_fuzz_34.py):
torch.nn.functional with drawn arguments, as the earlier rounds drew them only at their
defaults. Convolutions (1-3 d, transposed, string paddings, dilation, groups,
output_padding, padding_mode and output_size through the modules), pools (ceil_mode,
dilation, count_include_pad, divisor_override, return_indices, Lp, adaptive sizes that do
not divide and None, unpooling), interpolation (every mode and dimension, align_corners,
scale_factor tuples, recompute_scale_factor, antialias), F.pad in every mode with negative
widths, unfold / fold, pixel (un)shuffle, embedding's max_norm renorm, distances (p 0 and
inf, eps, broadcasting), activations at their edge arguments and the losses with every
reduction, weight, ignore_index and shape. Inputs in float16 / float32 / float64 and, now
and then, integers (whether PyTorch refuses them). Over 500 lines: the tables are the
point of the file."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.test_differential_fuzz import Arr, Op

B, I64, I32, U8 = np.bool_, np.int64, np.int32, np.uint8
F16, F32, F64 = np.float16, np.float32, np.float64
FLOATS = (F16, F32, F64, F64)
MOSTLY_FLOATS = (F32, F64, F64, F64, F16, I64)
REDUCTIONS = ("mean", "sum", "none")


def F(m: Any) -> Any:
    """The library's nn.functional."""
    return m.nn.functional


def _values(dtype: type, lo: float = -3, hi: float = 3) -> st.SearchStrategy:
    if np.issubdtype(dtype, np.integer):
        return st.integers(max(int(lo), 0) if dtype is U8 else int(lo), int(hi))
    if dtype is B:
        return st.booleans()
    return st.floats(lo, hi, width=16 if dtype is F16 else 32, allow_subnormal=False)


@st.composite
def tensor(draw: st.DrawFn, shape: tuple, dtypes: tuple = MOSTLY_FLOATS, lo: float = -3,
           hi: float = 3, grad: bool | None = None) -> Arr:
    """A finite tensor of `shape`; a float64 one asks for its gradient unless told."""
    dtype = draw(st.sampled_from(dtypes))
    value = draw(hnp.arrays(dtype, shape, elements=_values(dtype, lo, hi)))
    want = draw(st.integers(0, 3)) > 0 if grad is None else grad
    return Arr(value, want and dtype is F64)


def _like(x: Arr, shape: tuple, lo: float = -3, hi: float = 3) -> st.SearchStrategy:
    return tensor(shape, (x.value.dtype.type,), lo, hi)


def _per_dim(draw: st.DrawFn, ndim: int, values: st.SearchStrategy) -> Any:
    """An int for every dim, or one int for all of them."""
    if draw(st.booleans()):
        return draw(values)
    return tuple(draw(values) for _ in range(ndim))


def _each(v: Any, ndim: int) -> tuple:
    return tuple(v) if isinstance(v, tuple) else (v,) * ndim


# ---- convolutions -----------------------------------------------------------------------

@st.composite
def conv_args(draw: st.DrawFn, ndim: int) -> tuple:
    """x, weight, bias, stride, padding (ints, a tuple, 'same', 'valid'), dilation, groups."""
    groups = draw(st.sampled_from([1, 1, 2, 3]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    size = tuple(draw(st.integers(1, 6 - ndim)) for _ in range(ndim))
    batch = draw(st.sampled_from([(1,), (2,), (), (0,)]))
    x = draw(tensor(batch + (cin,) + size))
    if draw(st.integers(0, 9)) == 0:  # a channel count that does not fit
        x = draw(_like(x, batch + (cin + 1,) + size))
    w = draw(_like(x, (cout, cin // groups) + kernel))
    b = draw(st.none() | _like(x, (cout,)))
    padding = draw(st.sampled_from(["same", "valid", 0, 1, "tuple"]))
    if padding == "tuple":
        padding = tuple(draw(st.integers(0, 2)) for _ in range(ndim))
    stride = _per_dim(draw, ndim, st.integers(1, 2))
    if padding == "same" and draw(st.integers(0, 4)):
        stride = 1  # (mostly: PyTorch refuses 'same' with a stride)
    return x, w, b, stride, padding, _per_dim(draw, ndim, st.integers(1, 2)), groups


@st.composite
def conv_transpose_args(draw: st.DrawFn, ndim: int) -> tuple:
    """x, weight (cin, cout / groups, *k), bias, stride, padding, output_padding, groups,
    dilation; output_padding at times not below stride or dilation (refused)."""
    groups = draw(st.sampled_from([1, 1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(ndim))
    size = tuple(draw(st.integers(1, 5 - ndim)) for _ in range(ndim))
    batch = draw(st.sampled_from([(1,), (2,), ()]))
    x = draw(tensor(batch + (cin,) + size))
    w = draw(_like(x, (cin, cout // groups) + kernel))
    b = draw(st.none() | _like(x, (cout,)))
    stride = _per_dim(draw, ndim, st.integers(1, 3))
    dilation = _per_dim(draw, ndim, st.integers(1, 2))
    padding = _per_dim(draw, ndim, st.integers(0, 2))
    limit = [max(s, d) for s, d in zip(_each(stride, ndim), _each(dilation, ndim))]
    output_padding = tuple(draw(st.integers(0, n - 1 + (draw(st.integers(0, 9)) == 0)))
                           for n in limit)
    sizes = [(n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in zip(
        size, _each(stride, ndim), _each(padding, ndim), _each(dilation, ndim), kernel,
        output_padding)]
    # (an output size of 0: PyTorch returns an empty tensor for a batch of 2 and refuses it
    # for a batch of 1; ours refuses it, docs/coming-from-pytorch.md)
    assume(0 not in sizes)
    return x, w, b, stride, padding, output_padding, groups, dilation


@st.composite
def conv_module_args(draw: st.DrawFn, ndim: int) -> tuple:
    """Conv{ndim}d's options with padding_mode, its weight and bias, an input."""
    groups = draw(st.sampled_from([1, 1, 2]))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    kernel = draw(st.integers(1, 3))
    size = tuple(draw(st.integers(2, 6 - ndim)) for _ in range(ndim))
    x = draw(tensor(draw(st.sampled_from([(1,), (2,), ()])) + (cin,) + size, (F32, F64, F64)))
    mode = draw(st.sampled_from(["zeros", "reflect", "replicate", "circular"]))
    padding = draw(st.sampled_from([0, 1, 2, "same", "valid"]))
    stride = 1 if padding == "same" else draw(st.integers(1, 2))
    options = dict(stride=stride, padding=padding, dilation=draw(st.integers(1, 2)),
                   groups=groups, bias=draw(st.booleans()), padding_mode=mode,
                   dtype=x.value.dtype.name)
    w = Arr(draw(hnp.arrays(x.value.dtype, (cout, cin // groups) + (kernel,) * ndim,
                            elements=_values(x.value.dtype.type))))
    b = Arr(draw(hnp.arrays(x.value.dtype, (cout,), elements=_values(x.value.dtype.type))))
    return ndim, cin, cout, kernel, options, w, b, x


def _conv_module(m: Any, ndim: int, cin: int, cout: int, k: int, options: dict, w: Any,
                 b: Any, x: Any) -> Any:
    options = {**options, "dtype": getattr(m, options["dtype"])}
    conv = getattr(m.nn, f"Conv{ndim}d")(cin, cout, k, **options)
    with m.no_grad():
        conv.weight.copy_(w)
        if conv.bias is not None:
            conv.bias.copy_(b)
    return conv(x)


@st.composite
def conv_transpose_module_args(draw: st.DrawFn) -> tuple:
    """ConvTranspose2d with forward's output_size (every size it can reach and one past)."""
    stride, kernel, padding = draw(st.integers(1, 3)), draw(st.integers(1, 3)), \
        draw(st.integers(0, 1))
    x = draw(tensor((1, 2, draw(st.integers(1, 3)), draw(st.integers(1, 3))), (F64,)))
    smallest = [(n - 1) * stride - 2 * padding + kernel for n in x.value.shape[2:]]
    size = [n + draw(st.integers(0, stride)) for n in smallest]
    w = Arr(draw(hnp.arrays(F64, (2, 1, kernel, kernel), elements=_values(F64))))
    return x, w, stride, kernel, padding, size


def _conv_transpose_module(m: Any, x: Any, w: Any, s: int, k: int, p: int, size: list) -> Any:
    conv = m.nn.ConvTranspose2d(2, 1, k, s, p, bias=False, dtype=m.float64)
    with m.no_grad():
        conv.weight.copy_(w)
    return conv(x, output_size=size)


def _conv(n: int) -> Callable:
    return lambda m, x, w, b, s, p, d, g: getattr(F(m), f"conv{n}d")(
        x, w, b, stride=s, padding=p, dilation=d, groups=g)


def _conv_t(n: int) -> Callable:
    return lambda m, x, w, b, s, p, op, g, d: getattr(F(m), f"conv_transpose{n}d")(
        x, w, b, s, p, op, g, d)


CONV = {
    **{f"conv{n}d": Op(conv_args(n), _conv(n)) for n in (1, 2, 3)},
    **{f"conv_transpose{n}d": Op(conv_transpose_args(n), _conv_t(n)) for n in (1, 2, 3)},
    **{f"Conv{n}d padding_mode": Op(conv_module_args(n), _conv_module) for n in (1, 2)},
    "ConvTranspose2d output_size": Op(conv_transpose_module_args(), _conv_transpose_module),
}


# ---- pooling -----------------------------------------------------------------------------

@st.composite
def pool_args(draw: st.DrawFn, ndim: int, dtypes: tuple = MOSTLY_FLOATS) -> tuple:
    """x, kernel, stride (None at times), padding (now and then past half the kernel,
    refused), dilation, ceil_mode, and a flag (return_indices / count_include_pad)."""
    kernel = _per_dim(draw, ndim, st.integers(1, 3))
    size = tuple(draw(st.integers(1, 7 - ndim)) for _ in range(ndim))
    x = draw(tensor(draw(st.sampled_from([(1, 2), (2,), (0, 1)])) + size, dtypes))
    stride = draw(st.none() | st.just(_per_dim(draw, ndim, st.integers(1, 3))))
    half = min(_each(kernel, ndim)) // 2
    padding = draw(st.integers(0, half + (draw(st.integers(0, 9)) == 0)))
    dilation = _per_dim(draw, ndim, st.integers(1, 2))
    ceil = draw(st.booleans())
    if padding_only_window(size, _each(kernel, ndim), _each(stride or kernel, ndim), padding,
                           _each(dilation, ndim), ceil):
        # (max pooling: PyTorch's gradient of such a window lands outside its plane, in
        # the next channel; values and indices are still compared)
        x = Arr(x.value)
    return x, kernel, stride, padding, dilation, ceil, draw(st.booleans())


def padding_only_window(size: tuple, kernel: tuple, stride: tuple, padding: int,
                        dilation: tuple, ceil: bool) -> bool:
    """Whether a dilated pooling window sees padding only (its taps skip the input)."""
    for n, k, s, d in zip(size, kernel, stride, dilation):
        span = d * (k - 1) + 1
        count = (n + 2 * padding - span + (s - 1 if ceil else 0)) // s + 1
        if ceil and count > 0 and (count - 1) * s >= n + padding:
            count -= 1
        for o in range(max(count, 0)):
            if not any(0 <= o * s - padding + i * d < n for i in range(k)):
                return True
    return False


def _max_pool(n: int) -> Callable:
    return lambda m, x, k, s, p, d, c, i: getattr(F(m), f"max_pool{n}d")(
        x, k, s, p, d, ceil_mode=c, return_indices=i)


def _avg_pool(n: int, divisor: bool = False) -> Callable:
    def call(m: Any, x: Any, k: Any, s: Any, p: int, d: Any, c: bool, i: bool) -> Any:
        extra = {"divisor_override": 2} if divisor else {}
        return getattr(F(m), f"avg_pool{n}d")(x, k, s, p, ceil_mode=c, count_include_pad=i,
                                              **extra)
    return call


def _lp_pool(n: int) -> Callable:
    def call(m: Any, x: Any, k: Any, s: Any, p: int, d: Any, c: bool, i: bool) -> Any:
        if n == 1:  # (PyTorch's lp_pool1d takes ints only: a tuple fails inside it)
            k, s = _each(k, 1)[0], None if s is None else _each(s, 1)[0]
        norm = 2.0 if i else 1.5
        return getattr(F(m), f"lp_pool{n}d")(x.abs() + 0.5 if x.is_floating_point() else x,
                                             norm, k, s, ceil_mode=c)
    return call


@st.composite
def adaptive_args(draw: st.DrawFn, ndim: int) -> tuple:
    size = tuple(draw(st.integers(1, 7 - ndim)) for _ in range(ndim))
    x = draw(tensor(draw(st.sampled_from([(1, 2), (2,), (0, 2)])) + size))
    out = tuple(draw(st.none() | st.integers(0, 5)) for _ in range(ndim))
    if ndim == 1 or draw(st.booleans()):
        out = out[0] if out[0] is not None or ndim > 1 else draw(st.integers(1, 5))
    # (an empty integer input or output: PyTorch's adaptive average returns it, ours refuses
    # integers at every size)
    assume(x.value.dtype.kind == "f" or x.value.size and 0 not in _each(out, ndim))
    return x, out, draw(st.booleans())


def _adaptive(kind: str, n: int) -> Callable:
    def call(m: Any, x: Any, size: Any, indices: bool) -> Any:
        f = getattr(F(m), f"adaptive_{kind}_pool{n}d")
        return f(x, size, indices) if kind == "max" else f(x, size)
    return call


@st.composite
def unpool_args(draw: st.DrawFn, ndim: int) -> tuple:
    x = draw(tensor((1, 2) + tuple(draw(st.integers(2, 5)) for _ in range(ndim)), (F64,)))
    kernel, stride = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    grow = draw(st.integers(0, 2))
    return x, kernel, stride, grow


def _unpool(n: int) -> Callable:
    def call(m: Any, x: Any, k: int, s: int, grow: int) -> Any:
        pooled, index = getattr(F(m), f"max_pool{n}d")(x, k, s, return_indices=True)
        size = [(a - 1) * s + k + grow for a in pooled.shape[2:]]
        return getattr(F(m), f"max_unpool{n}d")(pooled, index, k, s, output_size=size)
    return call


POOLS = {
    # (integers only from 2-d on: PyTorch's max_pool1d refuses them unless return_indices,
    # ours takes them, docs/coming-from-pytorch.md)
    "max_pool1d": Op(pool_args(1, FLOATS), _max_pool(1)),
    **{f"max_pool{n}d": Op(pool_args(n), _max_pool(n)) for n in (2, 3)},
    **{f"avg_pool{n}d": Op(pool_args(n), _avg_pool(n)) for n in (1, 2, 3)},
    **{f"avg_pool{n}d divisor_override": Op(pool_args(n), _avg_pool(n, True)) for n in (2, 3)},
    **{f"lp_pool{n}d": Op(pool_args(n), _lp_pool(n)) for n in (1, 2)},
    **{f"adaptive_{k}_pool{n}d": Op(adaptive_args(n), _adaptive(k, n))
       for k in ("avg", "max") for n in (1, 2, 3)},
    **{f"max_unpool{n}d": Op(unpool_args(n), _unpool(n)) for n in (1, 2)},
}


# ---- interpolation, padding, unfold / fold, pixel shuffle, embedding --------------------

MODES = {"nearest": (1, 2, 3), "nearest-exact": (1, 2, 3), "linear": (1,), "bilinear": (2,),
         "bicubic": (2,), "trilinear": (3,), "area": (1, 2, 3)}


@st.composite
def interpolate_args(draw: st.DrawFn) -> tuple:
    """A mode (now and then on an input of the wrong rank), size or scale_factor (a number or
    a tuple), align_corners (also where PyTorch refuses it), recompute_scale_factor,
    antialias."""
    mode = draw(st.sampled_from(sorted(MODES)))
    ndim = draw(st.sampled_from(MODES[mode])) if draw(st.integers(0, 9)) else \
        draw(st.integers(1, 3))
    x = draw(tensor((1, 2) + tuple(draw(st.integers(1, 4)) for _ in range(ndim)),
                    (F32, F64, F64, F16, I64, U8)))
    if draw(st.booleans()):
        size = draw(st.integers(1, 6)) if draw(st.booleans()) else \
            tuple(draw(st.integers(1, 6)) for _ in range(ndim))
        scale = None
    else:
        size = None
        numbers = st.sampled_from([2.0, 0.5, 1.5, 3.0, 1.0, 0.75, 2.5, 2])
        scale = draw(numbers) if draw(st.booleans()) else \
            tuple(draw(numbers) for _ in range(ndim))
    corners = draw(st.sampled_from([None, True, False])) if mode in (
        "linear", "bilinear", "bicubic", "trilinear") or not draw(st.integers(0, 9)) else None
    recompute = draw(st.sampled_from([None, None, True, False])) if scale is not None else None
    # (uint8 in the linear modes: PyTorch rounds in fixed point, ours refuses it,
    # docs/coming-from-pytorch.md)
    assume(x.value.dtype != U8 or mode not in ("bilinear", "bicubic"))
    antialias = mode in ("bilinear", "bicubic") and draw(st.booleans())
    if antialias and x.value.shape[-1] == 1:
        # (PyTorch's antialiased kernel on a width of 1 kept at 1 repeats the first output
        # row: docs/coming-from-pytorch.md)
        assume(size is None and _each(scale, ndim)[-1] >= 2 or
               size is not None and _each(size, ndim)[-1] != 1)
    return x, size, scale, mode, corners, recompute, antialias


def _interpolate(m: Any, x: Any, size: Any, scale: Any, mode: str, corners: Any,
                 recompute: Any, antialias: bool) -> Any:
    return F(m).interpolate(x, size=size, scale_factor=scale, mode=mode, align_corners=corners,
                            recompute_scale_factor=recompute, antialias=antialias)


@st.composite
def upsample_args(draw: st.DrawFn) -> tuple:
    module = draw(st.sampled_from(["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]))
    x = draw(tensor((1, 2, draw(st.integers(1, 3)), draw(st.integers(1, 3))), (F32, F64)))
    if draw(st.booleans()):
        options: dict = {"size": (draw(st.integers(1, 5)), draw(st.integers(1, 5)))}
    else:
        options = {"scale_factor": draw(st.sampled_from([2, 1.5, (2.0, 1.0)]))}
    if module == "Upsample":
        options["mode"] = draw(st.sampled_from(["nearest", "bilinear", "bicubic"]))
    return module, options, x


@st.composite
def pad_args(draw: st.DrawFn) -> tuple:
    """x of 1-5 dims, widths (negative ones too, at times more pairs than the mode pads),
    a mode and a fill value."""
    mode = draw(st.sampled_from(["constant", "constant", "reflect", "replicate", "circular"]))
    nd = draw(st.integers(1, 5))
    x = draw(tensor(tuple(draw(st.integers(1, 4)) for _ in range(nd)), MOSTLY_FLOATS))
    pairs = draw(st.integers(1, max(1, min(3, nd - (mode != "constant")))))
    width = tuple(draw(st.integers(-2, 4)) for _ in range(2 * pairs))
    if draw(st.integers(0, 19)) == 0:
        width = width[:-1]  # an odd length: refused
    else:
        sizes = x.value.shape[::-1]
        # (PyTorch's 3-d replicate pad returns an empty axis its 1-d and 2-d refuse, and
        # circular wrapping more than the cropped axis holds reads memory it never wrote:
        # ours refuses both, docs/coming-from-pytorch.md)
        for k in range(pairs):
            lo, hi, n = width[2 * k], width[2 * k + 1], sizes[k]
            assume(mode != "replicate" or n + lo + hi >= 1)
            assume(mode != "circular" or max(lo, hi) <= n - max(-lo, 0) - max(-hi, 0))
    return x, width, mode, draw(st.sampled_from([0.0, 1.5, -2]))


def _pad(m: Any, x: Any, width: tuple, mode: str, value: float) -> Any:
    if mode == "constant":
        return F(m).pad(x, width, mode=mode, value=value)
    return F(m).pad(x, width, mode=mode)


@st.composite
def unfold_args(draw: st.DrawFn) -> tuple:
    x = draw(tensor(draw(st.sampled_from([(1, 2), (2,), (2, 1)])) +
                    (draw(st.integers(1, 5)), draw(st.integers(1, 5)))))
    return (x, _per_dim(draw, 2, st.integers(1, 3)), _per_dim(draw, 2, st.integers(1, 2)),
            _per_dim(draw, 2, st.integers(0, 1)), _per_dim(draw, 2, st.integers(1, 2)))


@st.composite
def fold_args(draw: st.DrawFn) -> tuple:
    """fold's input made to fit output_size (or one block count off, refused)."""
    kernel = tuple(draw(st.integers(1, 3)) for _ in range(2))
    dilation, padding, stride = (tuple(draw(st.integers(lo, hi)) for _ in range(2))
                                 for lo, hi in ((1, 2), (0, 1), (1, 2)))
    out = tuple(draw(st.integers(1, 5)) for _ in range(2))
    blocks = [(o + 2 * p - d * (k - 1) - 1) // s + 1
              for o, p, d, k, s in zip(out, padding, dilation, kernel, stride)]
    count = max(blocks[0], 0) * max(blocks[1], 0) + (draw(st.integers(0, 9)) == 0)
    channels = draw(st.integers(1, 2))
    batch = draw(st.sampled_from([(1,), (2,), ()]))
    x = draw(tensor(batch + (channels * kernel[0] * kernel[1], count)))
    return x, out, kernel, dilation, padding, stride


@st.composite
def shuffle_args(draw: st.DrawFn) -> tuple:
    r = draw(st.integers(1, 3))
    lead = draw(st.sampled_from([(), (1,), (2, 1)]))
    c = draw(st.sampled_from([1, 2, 4, 9]))
    # (no empty input: PyTorch's pixel_unshuffle returns it unchanged, (1, 0, 2) for
    # (4, 0, 1); docs/coming-from-pytorch.md)
    h, w = draw(st.integers(1, 3)) * r, draw(st.integers(1, 3)) * r
    if draw(st.integers(0, 9)) == 0:
        w += 1
    return draw(tensor(lead + (c, h, w), (F32, F64, I64))), r


@st.composite
def embedding_args(draw: st.DrawFn) -> tuple:
    """Indices, a weight (its rows large enough, at times, for max_norm to renormalize
    them in place), padding_idx, max_norm, norm_type, scale_grad_by_freq."""
    n = draw(st.integers(1, 4))
    weight = draw(tensor((n, 3), (F32, F64, F64)))
    hi = n - 1 + (draw(st.integers(0, 9)) == 0)
    index = Arr(draw(hnp.arrays(draw(st.sampled_from([I64, I64, I32])),
                                draw(st.sampled_from([(0,), (3,), (2, 2), ()])),
                                elements=st.integers(-1 if draw(st.integers(0, 9)) == 0 else 0,
                                                     hi))))
    padding_idx = draw(st.sampled_from([None, 0, -1, n - 1]))
    max_norm = draw(st.sampled_from([None, None, 1.0, 2.5]))
    if max_norm is not None:
        weight = Arr(weight.value)  # (the renorm writes into a leaf: no gradient)
    return index, weight, padding_idx, max_norm, draw(st.sampled_from([2.0, 1.0, 3.0])), \
        draw(st.booleans())


def _embedding(m: Any, i: Any, w: Any, p: Any, mn: Any, nt: float, freq: bool) -> Any:
    out = F(m).embedding(i, w, padding_idx=p, max_norm=mn, norm_type=nt,
                         scale_grad_by_freq=freq)
    return out, w.detach().clone()


RESAMPLE = {
    "interpolate": Op(interpolate_args(), _interpolate),
    "interpolate again": Op(interpolate_args(), _interpolate),
    "Upsample modules": Op(upsample_args(), lambda m, name, o, x: getattr(m.nn, name)(**o)(x)),
    "pad": Op(pad_args(), _pad),
    "pad again": Op(pad_args(), _pad),
    "unfold": Op(unfold_args(), lambda m, x, k, d, p, s: F(m).unfold(x, k, d, p, s)),
    "fold": Op(fold_args(), lambda m, x, o, k, d, p, s: F(m).fold(x, o, k, d, p, s)),
    "pixel_shuffle": Op(shuffle_args(), lambda m, x, r: F(m).pixel_shuffle(x, r)),
    "pixel_unshuffle": Op(shuffle_args(), lambda m, x, r: F(m).pixel_unshuffle(x, r)),
    "embedding": Op(embedding_args(), _embedding),
}


# ---- distances, normalize, one_hot --------------------------------------------------------

P_VALUES = [0.0, 1.0, 2.0, 3.0, 0.5, math.inf]


@st.composite
def broadcast_pair(draw: st.DrawFn, min_dims: int = 1) -> tuple:
    shape = tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(min_dims, 3))))
    other = tuple(1 if draw(st.integers(0, 3)) == 0 else n for n in shape)
    other = other[draw(st.integers(0, len(other) - min_dims)):]
    if draw(st.booleans()):
        shape, other = other, shape
    a = draw(tensor(shape, (F32, F64, F64, F16)))
    return a, draw(_like(a, other))


@st.composite
def distance_args(draw: st.DrawFn) -> tuple:
    a, b = draw(broadcast_pair())
    return a, b, draw(st.sampled_from(P_VALUES)), draw(st.sampled_from([1e-6, 0.0, 0.5])), \
        draw(st.booleans())


@st.composite
def cosine_args(draw: st.DrawFn) -> tuple:
    a, b = draw(broadcast_pair())
    nd = max(a.value.ndim, b.value.ndim)
    return a, b, draw(st.integers(-nd, nd - 1)), draw(st.sampled_from([1e-8, 0.5]))


@st.composite
def cdist_args(draw: st.DrawFn) -> tuple:
    batch = draw(st.sampled_from([(), (2,), (1,)]))
    p_, r, m = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 3))
    a = draw(tensor(batch + (p_, m), (F32, F64, F64)))
    other = draw(st.sampled_from([batch, (2,) if batch == (1,) else batch]))
    return a, draw(_like(a, other + (r, m))), draw(st.sampled_from(P_VALUES))


@st.composite
def normalize_args(draw: st.DrawFn) -> tuple:
    x = draw(tensor(tuple(draw(st.integers(0, 3)) for _ in range(draw(st.integers(1, 3))))))
    return x, draw(st.sampled_from(P_VALUES + [-1.0])), \
        draw(st.integers(-x.value.ndim, x.value.ndim - 1)), draw(st.sampled_from([1e-12, 0.5]))


@st.composite
def one_hot_args(draw: st.DrawFn) -> tuple:
    x = Arr(draw(hnp.arrays(draw(st.sampled_from([I64, I64, I32, F32])),
                            tuple(draw(st.integers(0, 3)) for _ in range(draw(st.integers(0, 2)))),
                            elements=st.integers(-1 if draw(st.integers(0, 9)) == 0 else 0, 4))))
    return x, draw(st.sampled_from([-1, -1, 5, 3, 0, 7]))


def _pdist(m: Any, x: Any, p: float) -> Any:
    return F(m).pdist(x, p)


DISTANCES = {
    "pairwise_distance": Op(distance_args(), lambda m, a, b, p, e, k: F(m).pairwise_distance(
        a, b, p, e, k)),
    "cosine_similarity": Op(cosine_args(), lambda m, a, b, d, e: F(m).cosine_similarity(
        a, b, d, e)),
    "cdist": Op(cdist_args(), lambda m, a, b, p: m.cdist(a, b, p)),
    "pdist": Op(st.tuples(st.integers(0, 4).flatmap(lambda n: tensor((n, 2), (F32, F64, F64))),
                          st.sampled_from(P_VALUES)), _pdist),
    "normalize": Op(normalize_args(), lambda m, x, p, d, e: F(m).normalize(x, p, d, e)),
    "one_hot": Op(one_hot_args(), lambda m, x, n: F(m).one_hot(x, n)),
}


# ---- activations at their edge arguments ---------------------------------------------------

def _act_input(dtypes: tuple = MOSTLY_FLOATS) -> st.SearchStrategy:
    return st.integers(0, 3).flatmap(lambda nd: st.tuples(*(
        st.integers(0, 3) for _ in range(nd)))).flatmap(lambda s: tensor(s, dtypes, -25, 25))


def _with(call: Callable, *options: st.SearchStrategy, dtypes: tuple = MOSTLY_FLOATS) -> Op:
    return Op(st.tuples(_act_input(dtypes), *options), call)


@st.composite
def _dim_input(draw: st.DrawFn, dtypes: tuple = MOSTLY_FLOATS) -> tuple:
    x = draw(tensor(tuple(draw(st.integers(0, 4)) for _ in range(draw(st.integers(0, 3)))),
                    dtypes, -25, 25))
    # (an empty integer tensor: PyTorch's softmax returns it, ours refuses integers as for
    # any size, as round 4 noted)
    assume(x.value.size or x.value.dtype.kind == "f")
    nd = max(x.value.ndim, 1)
    return x, draw(st.integers(-nd, nd - 1) | st.integers(-nd - 1, nd))


def _softmax(name: str) -> Callable:
    def call(m: Any, xd: tuple, dtype: Any) -> Any:
        x, d = xd
        kw = {} if dtype is None else {"dtype": getattr(m, dtype)}
        if dtype in ("float32", "float16"):
            x = x.detach()  # (a gradient in the narrower dtype cast to float64: rounding)
        return getattr(F(m), name)(x, d, **kw)
    return call


def _gumbel(m: Any, xd: tuple, tau: float, hard: bool) -> Any:
    """What is not random: the shape, dtype, the sums along dim and (hard) the 0/1 values."""
    x, d = xd
    y = F(m).gumbel_softmax(x, tau=tau, hard=hard, dim=d)
    sums = y.sum(d)
    return (y.shape, y.dtype == x.dtype, y.requires_grad,
            sums.detach().round(decimals=3) if y.is_floating_point() else sums,
            ((y == 0) | (y == 1)).all() if hard else None)


ACTIVATIONS = {
    "softplus": _with(lambda m, x, b, t: F(m).softplus(x, b, t),
                      st.sampled_from([1.0, 2.0, 0.5, -1.0, 10.0]),
                      st.sampled_from([20.0, 1.0, 0.0, -1.0, 5.0])),
    "elu": _with(lambda m, x, a: F(m).elu(x, a), st.sampled_from([1.0, 0.0, -0.5, 2.5])),
    "celu": _with(lambda m, x, a: F(m).celu(x, a), st.sampled_from([1.0, -0.5, 2.5, 0.0])),
    "selu": _with(lambda m, x: F(m).selu(x)),
    "gelu": _with(lambda m, x, a: F(m).gelu(x, approximate=a),
                  st.sampled_from(["none", "tanh", "tanh", "exact"])),
    "hardtanh": _with(lambda m, x, lo, hi: F(m).hardtanh(x, lo, hi),
                      st.sampled_from([-1.0, -3, 0.5, 2.0]), st.sampled_from([1.0, 4, 0.5, -2.0])),
    "threshold": _with(lambda m, x, t, v: F(m).threshold(x, t, v),
                       st.sampled_from([0.5, -1.0, 0, 3]), st.sampled_from([0.0, 2.0, -7, 1.5])),
    "rrelu eval": _with(lambda m, x, lo, hi: F(m).rrelu(x, lo, hi, training=False),
                        st.sampled_from([0.125, 0.0, 0.3]), st.sampled_from([1 / 3, 0.5, 0.1])),
    "leaky_relu": _with(lambda m, x, s: F(m).leaky_relu(x, s), st.sampled_from([0.01, -2.0, 3])),
    "relu6": _with(lambda m, x: F(m).relu6(x)),
    "silu": _with(lambda m, x: F(m).silu(x)),
    "mish": _with(lambda m, x: F(m).mish(x)),
    "hardswish": _with(lambda m, x: F(m).hardswish(x)),
    "hardsigmoid": _with(lambda m, x: F(m).hardsigmoid(x.detach())),
    "softsign": _with(lambda m, x: F(m).softsign(x)),
    "tanhshrink": _with(lambda m, x: F(m).tanhshrink(x)),
    "softshrink": _with(lambda m, x, v: F(m).softshrink(x, v), st.sampled_from([0.5, 0.0, 2])),
    "hardshrink": _with(lambda m, x, v: F(m).hardshrink(x, v), st.sampled_from([0.5, 0.0, 2])),
    "logsigmoid": _with(lambda m, x: F(m).logsigmoid(x)),
    "sigmoid": _with(lambda m, x: F(m).sigmoid(x)),
    "tanh": _with(lambda m, x: F(m).tanh(x)),
    "relu": _with(lambda m, x: F(m).relu(x)),
    "prelu scalar weight": _with(lambda m, x: F(m).prelu(x, m.tensor([0.25], dtype=x.dtype))),
    "glu": Op(st.tuples(_dim_input()), lambda m, xd: F(m).glu(*xd)),
    "softmax": Op(st.tuples(_dim_input(), st.sampled_from([None, None, "float64", "float32"])),
                  _softmax("softmax")),
    "log_softmax": Op(st.tuples(_dim_input(), st.sampled_from([None, "float64", "float32"])),
                      _softmax("log_softmax")),
    "softmin": Op(st.tuples(_dim_input(), st.sampled_from([None, "float64", "float16"])),
                  _softmax("softmin")),
    "gumbel_softmax": Op(st.tuples(_dim_input(), st.sampled_from([1.0, 0.5]), st.booleans()),
                         _gumbel),
}


# ---- losses ----------------------------------------------------------------------------------

@st.composite
def class_args(draw: st.DrawFn) -> tuple:
    """Scores (N, C, d1, d2...) or (C,), an empty batch at times; class indices (ignore_index
    among them) or probabilities; class weights; label_smoothing."""
    c = draw(st.integers(1, 4))
    n = draw(st.sampled_from([0, 1, 2, 3]))
    extra = tuple(draw(st.integers(0 if n else 1, 2)) for _ in range(draw(st.integers(0, 2))))
    shape = draw(st.sampled_from([(n, c) + extra, (c,)]))
    x = draw(tensor(shape, (F32, F64, F64, F16)))
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    ignore = draw(st.sampled_from([-100, 0, 1, -1]))
    if draw(st.integers(0, 3)) == 0:
        t = draw(_like(x, shape, 0, 1))
        target = Arr(t.value, t.grad and draw(st.booleans()))
    else:
        hi = c - 1 + (draw(st.integers(0, 19)) == 0)
        values = st.one_of(st.integers(0, hi), st.just(ignore))
        # (int64 or uint8: ours takes every integer dtype, docs/coming-from-pytorch.md)
        target = Arr(draw(hnp.arrays(I64, target_shape, elements=values)))
    weight = draw(st.none() | hnp.arrays(x.value.dtype, (c,), elements=st.floats(
        0.25, 2, width=16 if x.value.dtype == F16 else 32)))
    return (x, target, None if weight is None else Arr(weight), ignore,
            draw(st.sampled_from(REDUCTIONS)), draw(st.sampled_from([0.0, 0.0, 0.1, 1.0])))


def _cross_entropy(m: Any, x: Any, t: Any, w: Any, ignore: int, r: str, smooth: float) -> Any:
    return F(m).cross_entropy(x, t, weight=w, ignore_index=ignore, reduction=r,
                              label_smoothing=smooth)


def _nll(m: Any, x: Any, t: Any, w: Any, ignore: int, r: str, smooth: float) -> Any:
    return F(m).nll_loss(x, t, weight=w, ignore_index=ignore, reduction=r)


@st.composite
def pair_args(draw: st.DrawFn, lo: float = -3, positive: bool = False) -> tuple:
    """input, target (one shape, an empty one at times), reduction."""
    shape = tuple(draw(st.integers(0, 3)) for _ in range(draw(st.integers(0, 3))))
    x = draw(tensor(shape, (F32, F64, F64, F16)))
    t = draw(_like(x, shape, 0 if positive else lo, 3))
    return x, t, draw(st.sampled_from(REDUCTIONS))


@st.composite
def bce_args(draw: st.DrawFn) -> tuple:
    """Probabilities (0 and 1 among them), targets in [0, 1], a weight that broadcasts."""
    shape = tuple(draw(st.integers(0, 3)) for _ in range(draw(st.integers(0, 3))))
    dtype = draw(st.sampled_from([F32, F64, F64, F16]))
    p = draw(hnp.arrays(dtype, shape, elements=st.sampled_from([0.0, 1.0]) | st.floats(
        0.0625, 0.9375, width=16 if dtype is F16 else 32)))
    t = draw(hnp.arrays(dtype, shape, elements=st.sampled_from([0.0, 1.0, 0.25])))
    w_shape = shape[draw(st.integers(0, len(shape))):]
    w = draw(st.none() | hnp.arrays(dtype, w_shape, elements=st.floats(0.25, 2, width=16)))
    return Arr(p, dtype is F64 and bool(p.size) and bool(np.all((p > 0) & (p < 1)))), Arr(t), \
        None if w is None else Arr(w), draw(st.sampled_from(REDUCTIONS))


def _loss(name: str, **options: Any) -> Callable:
    return lambda m, x, t, r: getattr(F(m), name)(x, t, reduction=r, **options)


@st.composite
def margin_args(draw: st.DrawFn, kind: str) -> tuple:
    """multi_margin / multilabel_margin / multilabel_soft_margin: (N, C) or (C,) scores and
    their targets."""
    c = draw(st.integers(1, 4))
    # (no empty batch for the margin losses: PyTorch's mean and sum of one read memory it
    # never wrote, 1.96e+20 for a sum over nothing)
    shape = draw(st.sampled_from([(draw(st.integers(1 if kind != "soft" else 0, 3)), c), (c,)]))
    x = draw(tensor(shape, (F32, F64, F64)))
    if kind == "multi":
        t = Arr(draw(hnp.arrays(I64, shape[:-1], elements=st.integers(0, c - 1))))
    elif kind == "multilabel":
        t = Arr(draw(hnp.arrays(I64, shape, elements=st.integers(-1, c - 1))))
    else:
        t = Arr(draw(hnp.arrays(x.value.dtype, shape, elements=st.sampled_from([0.0, 1.0]))))
    w = draw(st.none() | hnp.arrays(x.value.dtype, (c,), elements=st.floats(0.25, 2, width=32)))
    return x, t, None if w is None else Arr(w), draw(st.sampled_from(REDUCTIONS))


@st.composite
def triplet_args(draw: st.DrawFn) -> tuple:
    shape = draw(st.sampled_from([(draw(st.integers(0, 3)), 3), (3,)]))
    a = draw(tensor(shape, (F32, F64, F64)))
    return a, draw(_like(a, shape)), draw(_like(a, shape)), \
        draw(st.sampled_from([1.0, 0.0, 2.5])), draw(st.sampled_from([2.0, 1.0, 3.0])), \
        draw(st.booleans()), draw(st.sampled_from(REDUCTIONS))


@st.composite
def gaussian_args(draw: st.DrawFn) -> tuple:
    """input, target, var of the full shape, one dim fewer, or with a last dim of 1."""
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    x = draw(tensor(shape, (F32, F64, F64)))
    var_shape = draw(st.sampled_from([shape, shape[:-1], shape[:-1] + (1,)]))
    var = draw(_like(x, var_shape, 0 if draw(st.integers(0, 9)) == 0 else 0.25, 2))
    return x, draw(_like(x, shape)), var, draw(st.booleans()), draw(st.sampled_from(REDUCTIONS))


@st.composite
def pair_label_args(draw: st.DrawFn) -> tuple:
    """margin_ranking / hinge_embedding / cosine_embedding: inputs and a +-1 target."""
    n = draw(st.integers(0, 3))
    x = draw(tensor((n, 3), (F32, F64, F64)))
    y = draw(_like(x, (n, 3)))
    label = draw(hnp.arrays(x.value.dtype, (n,), elements=st.sampled_from([1.0, -1.0])))
    return x, y, Arr(label), draw(st.sampled_from([0.0, 0.5, 1.0])), \
        draw(st.sampled_from(REDUCTIONS))


LOSSES = {
    "cross_entropy": Op(class_args(), _cross_entropy),
    "cross_entropy again": Op(class_args(), _cross_entropy),
    "nll_loss": Op(class_args(), _nll),
    "mse_loss": Op(pair_args(), _loss("mse_loss")),
    "l1_loss": Op(pair_args(), _loss("l1_loss")),
    "smooth_l1_loss beta 0": Op(pair_args(), _loss("smooth_l1_loss", beta=0.0)),
    "smooth_l1_loss beta 2": Op(pair_args(), _loss("smooth_l1_loss", beta=2.0)),
    "huber_loss": Op(pair_args(), _loss("huber_loss", delta=0.25)),
    "soft_margin_loss": Op(pair_args(), _loss("soft_margin_loss")),
    "kl_div batchmean": Op(st.tuples(pair_args(positive=True), st.booleans()),
                           lambda m, a, lt: F(m).kl_div(a[0], a[1], reduction="batchmean"
                                                        if a[2] == "mean" else a[2],
                                                        log_target=lt)),
    "poisson_nll_loss": Op(st.tuples(pair_args(positive=True), st.booleans(), st.booleans()),
                           lambda m, a, li, full: F(m).poisson_nll_loss(
                               a[0].abs() if not li else a[0], a[1], log_input=li, full=full,
                               reduction=a[2])),
    "binary_cross_entropy": Op(bce_args(), lambda m, p, t, w, r: F(m).binary_cross_entropy(
        p, t, w, reduction=r)),
    "binary_cross_entropy_with_logits": Op(
        st.tuples(bce_args(), st.booleans()),
        lambda m, a, pw: F(m).binary_cross_entropy_with_logits(
            a[0] * 4 - 2, a[1], a[2], reduction=a[3], pos_weight=a[2] if pw else None)),
    "multi_margin_loss": Op(st.tuples(margin_args("multi"), st.sampled_from([1, 2]),
                                      st.sampled_from([1.0, 0.5])),
                            lambda m, a, p, mg: F(m).multi_margin_loss(
                                a[0], a[1], p, mg, a[2], reduction=a[3])),
    "multilabel_margin_loss": Op(margin_args("multilabel"), lambda m, x, t, w, r:
                                 F(m).multilabel_margin_loss(x, t, reduction=r)),
    "multilabel_soft_margin_loss": Op(margin_args("soft"), lambda m, x, t, w, r:
                                      F(m).multilabel_soft_margin_loss(x, t, w, reduction=r)),
    "triplet_margin_loss": Op(triplet_args(), lambda m, a, p, n, mg, pn, sw, r:
                              F(m).triplet_margin_loss(a, p, n, mg, pn, swap=sw, reduction=r)),
    "gaussian_nll_loss": Op(gaussian_args(), lambda m, x, t, v, full, r: F(m).gaussian_nll_loss(
        x, t, v, full=full, reduction=r)),
    "margin_ranking_loss": Op(pair_label_args(), lambda m, x, y, t, mg, r:
                              F(m).margin_ranking_loss(x[:, 0], y[:, 0], t, mg, reduction=r)),
    "hinge_embedding_loss": Op(pair_label_args(), lambda m, x, y, t, mg, r:
                               F(m).hinge_embedding_loss(x[:, 0], t, mg, reduction=r)),
    "cosine_embedding_loss": Op(pair_label_args(), lambda m, x, y, t, mg, r:
                                F(m).cosine_embedding_loss(x, y, t, mg, reduction=r)),
}
