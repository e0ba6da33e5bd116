"""Gradient checks over every differentiable op, for `tinygrad-bn gradcheck`.

`OPS` lists each op (primitive, composite or fused) with a function of
float64 Tensors and the shapes and domains of its inputs. Inputs are drawn
away from the points where a numerical derivative is ill-posed: magnitudes
>= 0.2 (no kinks of relu, abs, clip, max at 0), positive for log, sqrt and
pow's base. Each op is judged by `tg.gradcheck` (random upstream gradient,
central differences, |analytic - numerical| <= 1e-5 + 1e-3 |numerical|), and
the table reports the largest errors over all elements from
`gradient_pairs`: absolute |a - n| and relative |a - n| / max(|n|, 1e-8).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..gradcheck import gradcheck, gradient_pairs
from ..nn import LSTMCell, MultiheadAttention
from ..nn import functional as F
from ..tensor import Tensor, concatenate, maximum, minimum, stack, where
from ..tensor_methods import einsum

Shape = tuple[int, ...]


@dataclass(frozen=True)
class OpCase:
    """An op to check: `fn` of Tensors built from `shapes`; `domain` is "real" (|x| >= 0.2,
    either sign) or "positive" ([0.5, 2]) per input."""

    name: str
    fn: Callable[..., Tensor]
    shapes: tuple[Shape, ...]
    domain: tuple[str, ...] = ()


@dataclass(frozen=True)
class Row:
    name: str
    max_abs_error: float
    max_rel_error: float
    elements: int
    passed: bool


def _target() -> np.ndarray:
    return np.array([0, 2, 1, 2])


def _zero_at_1() -> np.ndarray:
    return np.array([1.0, 0.0, 1.0, 1.0])


def _running() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(3), np.ones(3)


OPS: list[OpCase] = [
    # elementwise, two inputs (with broadcasting)
    OpCase("add", lambda x, y: x + y, ((3, 4), (4,))),
    OpCase("sub", lambda x, y: x - y, ((3, 4), (3, 1))),
    OpCase("mul", lambda x, y: x * y, ((3, 4), (1, 4))),
    OpCase("div", lambda x, y: x / y, ((3, 4), (3, 4))),
    OpCase("pow", lambda x, y: x ** y, ((3, 4), (3, 4)), ("positive", "real")),
    OpCase("maximum", maximum, ((3, 4), (3, 4))),
    OpCase("minimum", minimum, ((3, 4), (4,))),
    OpCase("where", lambda x, y: where(x.data > 0, x, y), ((3, 4), (3, 4))),
    OpCase("matmul", lambda x, y: x @ y, ((3, 4), (4, 2))),
    OpCase("matmul (batched)", lambda x, y: x @ y, ((2, 3, 4), (4, 2))),
    # elementwise, one input
    OpCase("neg", lambda x: -x, ((3, 4),)),
    OpCase("exp", Tensor.exp, ((3, 4),)),
    OpCase("log", Tensor.log, ((3, 4),), ("positive",)),
    OpCase("sqrt", Tensor.sqrt, ((3, 4),), ("positive",)),
    OpCase("abs", Tensor.abs, ((3, 4),)),
    OpCase("tanh", Tensor.tanh, ((3, 4),)),
    OpCase("sigmoid", Tensor.sigmoid, ((3, 4),)),
    OpCase("relu", Tensor.relu, ((3, 4),)),
    OpCase("clip", lambda x: x.clip(-0.9, 1.1), ((3, 4),)),
    # reductions
    OpCase("sum", lambda x: x.sum(axis=1), ((3, 4),)),
    OpCase("mean", lambda x: x.mean(axis=(0, 2), keepdims=True), ((2, 3, 4),)),
    OpCase("var", lambda x: x.var(axis=0), ((5, 3),)),
    OpCase("max", lambda x: x.amax(axis=1), ((3, 4),)),
    OpCase("min", lambda x: x.min(), ((3, 4),)),
    # movement
    OpCase("reshape", lambda x: x.reshape(4, -1), ((2, 3, 2),)),
    OpCase("transpose", lambda x: x.transpose(2, 0, 1), ((2, 3, 4),)),
    OpCase("expand", lambda x: x.expand(3, 2, 4), ((2, 1),)),
    OpCase("squeeze/unsqueeze", lambda x: x.squeeze(1).unsqueeze(0), ((3, 1, 2),)),
    OpCase("flatten", lambda x: x.flatten(1), ((2, 3, 2),)),
    OpCase("pad", lambda x: x.pad(((1, 0), (2, 1)), value=0.5), ((3, 2),)),
    OpCase("getitem (slices)", lambda x: x[1:, ::2], ((3, 4),)),
    OpCase("getitem (repeated indices)", lambda x: x[np.array([0, 2, 0])], ((3, 4),)),
    OpCase("concatenate", lambda x, y: concatenate([x, y], axis=1), ((2, 3), (2, 2))),
    OpCase("stack", lambda x, y: stack([x, y], axis=0), ((2, 3), (2, 3))),
    # the PyTorch surface (tinygrad_bn/tensor_methods/)
    OpCase("sin", Tensor.sin, ((3, 4),)),
    OpCase("cos", Tensor.cos, ((3, 4),)),
    OpCase("sign", Tensor.sign, ((3, 4),)),
    OpCase("clone", Tensor.clone, ((3, 4),)),
    OpCase("prod", lambda x: x.prod(dim=1), ((3, 4),)),
    OpCase("prod (with a zero)", lambda x: (x * _zero_at_1()).prod(dim=1), ((3, 4),)),
    OpCase("cumsum", lambda x: x.cumsum(dim=0), ((3, 4),)),
    OpCase("flip", lambda x: x.flip(0, 2), ((2, 3, 2),)),
    OpCase("std", lambda x: x.std(dim=0, correction=1), ((5, 3),)),
    OpCase("logsumexp", lambda x: x.logsumexp(dim=1), ((3, 4),)),
    OpCase("norm", lambda x: x.norm(dim=1), ((3, 4),)),
    OpCase("norm (p=3)", lambda x: x.norm(3), ((3, 4),)),
    OpCase("clamp (tensor bounds)", lambda x, lo, hi: x.clamp(lo - 0.1, hi + 0.1),
           ((3, 4), (4,), (3, 1))),
    OpCase("masked_fill", lambda x, v: x.masked_fill(x.data > 0, v.sum()), ((3, 4), (1,))),
    OpCase("gather", lambda x: x.gather(1, np.array([[0, 0], [3, 1], [2, 2]])), ((3, 4),)),
    OpCase("split/chunk", lambda x: x.split([1, 3], dim=1)[1] * x.chunk(2)[0].sum(),
           ((4, 4),)),
    OpCase("repeat", lambda x: x.repeat(2, 1, 3), ((2, 3),)),
    OpCase("t", Tensor.t, ((3, 4),)),
    OpCase("einsum", lambda x, y: einsum("bij,jk->bki", x, y), ((2, 3, 4), (4, 2))),
    # nn.functional
    OpCase("linear", F.linear, ((4, 3), (2, 3), (2,))),
    OpCase("softmax", lambda x: F.softmax(x, axis=1), ((3, 4),)),
    OpCase("log_softmax", lambda x: F.log_softmax(x, axis=0), ((3, 4),)),
    OpCase("cross_entropy", lambda x: F.cross_entropy(x, _target()), ((4, 3),)),
    OpCase("mse_loss", F.mse_loss, ((3, 4), (3, 4))),
    OpCase("dropout", lambda x: F.dropout(x, 0.5, generator=np.random.default_rng(0)), ((3, 4),)),
    OpCase("conv2d", lambda x, w, b: F.conv2d(x, w, b, padding=1),
           ((2, 2, 4, 4), (3, 2, 3, 3), (3,))),
    OpCase("conv2d (stride, dilation, groups)",
           lambda x, w: F.conv2d(x, w, stride=2, dilation=2, groups=2),
           ((1, 4, 6, 6), (2, 2, 2, 2))),
    OpCase("max_pool2d", lambda x: F.max_pool2d(x, 2), ((2, 2, 4, 4),)),
    OpCase("avg_pool2d", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), ((2, 2, 5, 5),)),
    OpCase("batch_norm composite (train)",
           lambda x, g, b: F.batch_norm(x, *_running(), g, b, training=True, impl="composite"),
           ((5, 3), (3,), (3,))),
    OpCase("batch_norm fused (train)",
           lambda x, g, b: F.batch_norm(x, *_running(), g, b, training=True, impl="fused"),
           ((5, 3), (3,), (3,))),
    OpCase("batch_norm fused (train, 2d)",
           lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True),
           ((2, 3, 2, 2), (3,), (3,))),
    OpCase("batch_norm fused (eval)",
           lambda x, g, b: F.batch_norm(x, *_running(), g, b, training=False),
           ((5, 3), (3,), (3,))),
    OpCase("layer_norm", lambda x, g, b: F.layer_norm(x, 4, g, b), ((3, 4), (4,), (4,))),
    OpCase("group_norm", lambda x, g, b: F.group_norm(x, 2, g, b), ((2, 4, 3), (4,), (4,))),
    # activations (nn/activations.py)
    OpCase("leaky_relu", lambda x: F.leaky_relu(x, 0.1), ((3, 4),)),
    OpCase("elu", F.elu, ((3, 4),)),
    OpCase("erf", F.erf, ((3, 4),)),
    OpCase("gelu", F.gelu, ((3, 4),)),
    OpCase("gelu (tanh)", lambda x: F.gelu(x, approximate="tanh"), ((3, 4),)),
    OpCase("silu", F.silu, ((3, 4),)),
    OpCase("softplus", lambda x: F.softplus(x, beta=2.0, threshold=1.0), ((3, 4),)),
    # losses (nn/losses.py)
    OpCase("cross_entropy (weight, ignore_index, label_smoothing)",
           lambda x: F.cross_entropy(x, np.array([0, 2, -100, 1]),
                                     weight=np.array([1.0, 2.0, 0.5]), label_smoothing=0.1),
           ((4, 3),)),
    OpCase("cross_entropy (probabilities)",
           lambda x, p: F.cross_entropy(x, p / p.sum(axis=1, keepdims=True)),
           ((4, 3), (4, 3)), ("real", "positive")),
    OpCase("cross_entropy (N, C, d)",
           lambda x: F.cross_entropy(x, np.array([[0, 2], [1, 1]])), ((2, 3, 2),)),
    OpCase("nll_loss", lambda x: F.nll_loss(x, _target(), weight=np.array([1.0, 2.0, 0.5])),
           ((4, 3),)),
    OpCase("l1_loss", F.l1_loss, ((3, 4), (3, 4))),
    OpCase("binary_cross_entropy", lambda x, y: F.binary_cross_entropy(x * 0.4, y * 0.4),
           ((3, 4), (3, 4)), ("positive", "positive")),
    OpCase("binary_cross_entropy_with_logits",
           lambda x, y, w: F.binary_cross_entropy_with_logits(x, y * 0.4, pos_weight=w),
           ((3, 4), (3, 4), (4,)), ("real", "positive", "positive")),
    # layers
    OpCase("embedding", lambda w: F.embedding(np.array([[0, 2], [2, 1]]), w), ((3, 2),)),
    OpCase("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), ((2, 2, 5, 4),)),
    OpCase("conv2d (padding='same', unbatched)",
           lambda x, w: F.conv2d(x, w, padding="same"), ((2, 5, 4), (3, 2, 2, 3))),
    OpCase("max_pool2d (dilation, ceil_mode)",
           lambda x: F.max_pool2d(x, 2, 2, 1, dilation=2, ceil_mode=True), ((1, 2, 6, 5),)),
    OpCase("avg_pool2d (ceil_mode, count_include_pad=False)",
           lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
           ((1, 2, 6, 5),)),
    # issue 22: elementwise math (ops/special.py and tensor_methods/math.py)
    OpCase("log1p", Tensor.log1p, ((3, 4),), ("positive",)),
    OpCase("expm1", Tensor.expm1, ((3, 4),)),
    OpCase("log2", Tensor.log2, ((3, 4),), ("positive",)),
    OpCase("log10", Tensor.log10, ((3, 4),), ("positive",)),
    OpCase("exp2", Tensor.exp2, ((3, 4),)),
    OpCase("tan", Tensor.tan, ((3, 4),)),
    OpCase("asin", lambda x: (x * 0.6).asin(), ((3, 4),)),
    OpCase("acos", lambda x: (x * 0.6).acos(), ((3, 4),)),
    OpCase("atan", Tensor.atan, ((3, 4),)),
    OpCase("sinh", Tensor.sinh, ((3, 4),)),
    OpCase("cosh", Tensor.cosh, ((3, 4),)),
    OpCase("asinh", Tensor.asinh, ((3, 4),)),
    OpCase("acosh", lambda x: (x + 1).acosh(), ((3, 4),), ("positive",)),
    OpCase("atanh", lambda x: (x * 0.6).atanh(), ((3, 4),)),
    OpCase("atan2", Tensor.atan2, ((3, 4), (4,))),
    OpCase("hypot", Tensor.hypot, ((3, 4), (3, 1))),
    OpCase("logaddexp", Tensor.logaddexp, ((3, 4), (4,))),
    OpCase("xlogy", Tensor.xlogy, ((3, 4), (3, 4)), ("real", "positive")),
    OpCase("logit", lambda x: (x * 0.4).sigmoid().logit(), ((3, 4),)),
    OpCase("floor/ceil/round/trunc (gradient 0)",
           lambda x: x * (x * 3.3).floor() + (x * 3.3).ceil() + (x * 3.3).round() +
           (x * 3.3).trunc(), ((3, 4),)),
    OpCase("frac", lambda x: (x * 3.3).frac(), ((3, 4),)),
    OpCase("remainder / fmod", lambda x, y: x.remainder(y) + x.fmod(y * 0.3),
           ((3, 4), (3, 4)), ("real", "positive")),
    OpCase("div (rounding_mode) + x y", lambda x, y: x.div(y, rounding_mode="trunc") + x * y,
           ((3, 4), (3, 4)), ("real", "positive")),
    OpCase("reciprocal / rsqrt / square", lambda x: x.reciprocal() + x.rsqrt() + x.square(),
           ((3, 4),), ("positive",)),
    OpCase("copysign", Tensor.copysign, ((3, 4), (3, 4))),
    OpCase("lerp", lambda a, b, w: a.lerp(b, w), ((3, 4), (3, 4), (4,))),
    # products, sorting, selecting, placing (tensor_methods/linalg.py, indexing.py)
    OpCase("mm / mv / outer", lambda a, b, v: a.mm(b).sum() + a.mv(v).sum() + v.outer(v),
           ((3, 4), (4, 2), (4,))),
    OpCase("bmm / baddbmm", lambda c, a, b: c.baddbmm(a, b, beta=0.5, alpha=2.0),
           ((2, 2, 2), (2, 2, 3), (2, 3, 2))),
    OpCase("addmm", lambda c, a, b: c.addmm(a, b, alpha=0.5), ((3, 2), (3, 4), (4, 2))),
    OpCase("inner", Tensor.inner, ((2, 3), (4, 3))),
    OpCase("sort / topk / kthvalue", lambda x: x.sort(1).values * x.topk(2, 0).values.sum()
           + x.kthvalue(2, 1).values.sum(), ((3, 4),)),
    OpCase("index_select / take / masked_select",
           lambda x: x.index_select(1, np.array([2, 0, 2])).sum() + x.take(np.array([0, 11]))
           .sum() + x.masked_select(x.data > 0).sum(), ((3, 4),)),
    OpCase("scatter / scatter_add / index_add",
           lambda x, s: x.scatter(0, np.array([[2, 0, 1, 1]]), s[:1]) +
           x.scatter_add(0, np.array([[1, 1, 0, 2]]), s[1:]) +
           x.index_add(0, np.array([2, 2]), s), ((3, 4), (2, 4))),
    OpCase("tril / triu / diagonal / diag / trace",
           lambda x: x.tril(1) + x.triu(-1) + x.diagonal(1).sum() + x.trace() +
           x[:, 0].diag()[:, :4].sum(), ((3, 4),)),
    OpCase("roll / repeat_interleave / tile / diff",
           lambda x: x.roll((1, -2), (0, 1)).sum() + x.repeat_interleave(2, 0).sum(1).sum()
           + x.tile((2, 1)).sum() + x.diff(dim=1).sum(), ((3, 4),)),
    OpCase("cummax / cummin / logcumsumexp",
           lambda x: x.cummax(1).values + x.cummin(0).values + x.logcumsumexp(1), ((3, 4),)),
    OpCase("normalize / cosine_similarity / pairwise_distance",
           lambda a, b: F.normalize(a).sum() + F.cosine_similarity(a, b) +
           F.pairwise_distance(a, b, 3.0), ((3, 4), (3, 4))),
    OpCase("smooth_l1 / huber / kl_div",
           lambda a, b: F.smooth_l1_loss(a, b * 0.1, beta=0.05) +
           F.huber_loss(a, b * 0.1, delta=0.05) + F.kl_div(a, b.abs(), "batchmean"),
           ((3, 4), (3, 4))),
    # issue 22: layers' functions (nn/)
    OpCase("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2,
                                               groups=2), ((2, 4, 9), (6, 2, 3), (6,))),
    OpCase("conv3d", lambda x, w: F.conv3d(x, w, stride=(2, 1, 1), padding=1),
           ((1, 2, 3, 4, 3), (2, 2, 2, 2, 2))),
    OpCase("conv_transpose1d", lambda x, w: F.conv_transpose1d(x, w, stride=2, padding=1,
                                                               output_padding=1),
           ((2, 2, 4), (2, 3, 3))),
    OpCase("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, groups=2),
           ((1, 4, 3, 2), (4, 1, 2, 3), (2,))),
    OpCase("pad (reflect, replicate, circular)",
           lambda x: F.pad(x, (2, 1), "reflect").sum() + F.pad(x, (1, 2, 0, 1), "replicate")
           .sum() + F.pad(x, (3, 1), "circular"), ((2, 4),)),
    OpCase("interpolate (bilinear, nearest)",
           lambda x: F.interpolate(x, scale_factor=1.7, mode="bilinear").sum() +
           F.interpolate(x, size=(3, 5)), ((1, 1, 2, 3),)),
    OpCase("pixel_shuffle / bilinear", lambda x, a, b, w: F.pixel_shuffle(x, 2).sum() +
           F.bilinear(a, b, w), ((1, 4, 2, 1), (2, 3), (2, 2), (2, 3, 2))),
    OpCase("max_pool1d / avg_pool1d / adaptive pools",
           lambda x: F.max_pool1d(x, 3, 2, 1).sum() + F.avg_pool1d(x, 2, 1).sum() +
           F.adaptive_avg_pool1d(x, 3).sum() + F.adaptive_max_pool1d(x, 2).sum() +
           F.adaptive_max_pool2d(x.unsqueeze(0), (1, 2)).sum(), ((2, 3, 5),)),
    OpCase("LSTMCell", lambda x, h, c: sum(_lstm_cell()(x, (h, c))),
           ((2, 3), (2, 4), (2, 4))),
    OpCase("scaled_dot_product_attention (causal)",
           lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
           ((2, 3, 4), (2, 3, 4), (2, 3, 2))),
    OpCase("MultiheadAttention", lambda q, k: _attention()(q, k, k)[0], ((3, 1, 4), (2, 1, 4))),
]


def _lstm_cell() -> LSTMCell:
    cell = LSTMCell(3, 4).to(np.float64)
    for k, p in enumerate(cell.parameters()):
        p.data[...] = np.cos(np.arange(p.data.size) + k).reshape(p.shape) * 0.5
    return cell


def _attention() -> MultiheadAttention:
    mha = MultiheadAttention(4, 2).to(np.float64)
    for k, p in enumerate(mha.parameters()):
        p.data[...] = np.sin(np.arange(p.data.size) + k).reshape(p.shape) * 0.5
    return mha


def names() -> list[str]:
    return [case.name for case in OPS]


def _inputs(case: OpCase, rng: np.random.Generator) -> list[Tensor]:
    tensors = []
    for k, shape in enumerate(case.shapes):
        if (case.domain[k] if k < len(case.domain) else "real") == "positive":
            values = rng.uniform(0.5, 2.0, shape)
        else:  # |x| in [0.2, 1.2): clear of the kinks at 0 of relu, abs, max, clip
            values = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 1.2, shape)
        tensors.append(Tensor(values, requires_grad=True))
    return tensors


def check(case: OpCase, seed: int = 0) -> Row:
    """Gradient-check one op: the verdict of `tg.gradcheck` and the largest errors."""
    inputs = _inputs(case, np.random.default_rng(seed))
    abs_errors, rel_errors = [], []
    for _, _, analytic, numerical in gradient_pairs(case.fn, inputs, seed=seed):
        abs_errors.append(abs(analytic - numerical))
        rel_errors.append(abs_errors[-1] / max(abs(numerical), 1e-8))
    passed = gradcheck(case.fn, inputs, raise_exception=False, seed=seed)
    return Row(case.name, max(abs_errors), max(rel_errors), len(abs_errors), passed)


def check_all(only: str | None = None) -> list[Row]:
    """Check every op of `OPS` whose name contains `only` (all when None)."""
    return [check(case) for case in OPS if only is None or only.lower() in case.name.lower()]


def format_table(rows: list[Row]) -> str:
    width = max(len(row.name) for row in rows)
    lines = [f"{'op':<{width}}  {'max abs error':>13}  {'max rel error':>13}  "
             f"{'elements':>8}  pass"]
    for row in rows:
        lines.append(f"{row.name:<{width}}  {row.max_abs_error:>13.2e}  "
                     f"{row.max_rel_error:>13.2e}  {row.elements:>8}  "
                     f"{'yes' if row.passed else 'NO'}")
    return "\n".join(lines)
