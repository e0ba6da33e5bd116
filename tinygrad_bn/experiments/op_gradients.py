"""The cases of `tinygrad-bn gradcheck`: every differentiable op, checked by
tinygrad_bn/experiments/op_coverage.py.

`OPS` lists cases, each a function of float64 Tensors (one op, primitive, composite or
fused, or a few related ones) with the shapes and domains of its inputs, and where the
PyTorch twin is plain, that twin (`torch_fn`, a function of torch Tensors; `torch` and
`TF` below are torch and torch.nn.functional, imported when a twin first runs). Inputs
are drawn away from the points where a numerical derivative is ill-posed: magnitudes
>= 0.2 (no kinks of relu, abs, clip, max at 0), positive for log, sqrt and pow's base.

It runs over 500 lines because it is one table: a new op's case (and its twin) goes
beside the others, and the cases read best in one place.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import complex_tensors, fft, linalg, special
from ..checkpoint import checkpoint
from ..nn import LSTMCell, MultiheadAttention
from ..nn import functional as F
from ..tensor import Tensor, concatenate, maximum, minimum, stack, where
from ..tensor_methods import block_diag, cartesian_prod, einsum, meshgrid

Shape = tuple[int, ...]


class _Lazy:
    """A module imported on first attribute access: torch only when a twin runs."""

    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


torch = _Lazy("torch")
TF = _Lazy("torch.nn.functional")


def _t(values: Any) -> Any:
    """A torch tensor of `values` with NumPy's dtype (float64, int64)."""
    return torch.as_tensor(np.asarray(values))


def _twin(ours: Any, theirs: Any) -> Any:
    """Torch module `theirs` in float64 with our module's parameters (same state_dict keys)."""
    theirs = theirs.double()
    theirs.load_state_dict({k: _t(v.data) for k, v in ours.state_dict().items()})
    return theirs


@dataclass(frozen=True)
class OpCase:
    """An op to check: `fn` of Tensors built from `shapes`; `domain` is "real" (|x| >= 0.2,
    either sign) or "positive" ([0.5, 2]) per input."""

    name: str
    fn: Callable[..., Tensor]
    shapes: tuple[Shape, ...]
    domain: tuple[str, ...] = ()
    torch_fn: Callable[..., Any] | None = None  # the same function in PyTorch, if plain


def _target() -> np.ndarray:
    return np.array([0, 2, 1, 2])


def _zero_at_1() -> np.ndarray:
    return np.array([1.0, 0.0, 1.0, 1.0])


def _flat(cat: Callable[..., Any], *parts: Any) -> Any:
    """Several results as one vector (cat: concatenate or torch.cat): each part's gradient
    is checked."""
    return cat([p.reshape(-1) for p in parts])


def _scatter_index() -> np.ndarray:
    return np.array([[0, 1, 0, 2], [1, 1, 1, 0], [2, 0, 0, 0]])


_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _order_statistics(x: Any) -> Any:
    """median (all, and along a dim), mode and aminmax: the same calls in both libraries."""
    return x.median() + x.median(1).values.sum() + x.mode(0).values.sum() * x.aminmax().max


def _norms(la: Any, stack_fn: Callable[..., Any], a: Any) -> Any:
    """vector_norm's p-variants and matrix_norm's ords, la being tg.linalg or torch.linalg."""
    return stack_fn([la.vector_norm(a, p) for p in (3, 1, -1, float("inf"))] +
                    [la.matrix_norm(a, p) for p in (1, float("inf"), 2, "nuc", "fro")])


def _running() -> tuple[np.ndarray, np.ndarray]:
    return np.zeros(3), np.ones(3)


OPS: list[OpCase] = [
    # elementwise, two inputs (with broadcasting)
    OpCase("add", lambda x, y: x + y, ((3, 4), (4,)),
           torch_fn=lambda x, y: x + y),
    OpCase("sub", lambda x, y: x - y, ((3, 4), (3, 1)),
           torch_fn=lambda x, y: x - y),
    OpCase("mul", lambda x, y: x * y, ((3, 4), (1, 4)),
           torch_fn=lambda x, y: x * y),
    OpCase("div", lambda x, y: x / y, ((3, 4), (3, 4)),
           torch_fn=lambda x, y: x / y),
    OpCase("pow", lambda x, y: x ** y, ((3, 4), (3, 4)), ("positive", "real"),
           torch_fn=lambda x, y: x ** y),
    OpCase("maximum", maximum, ((3, 4), (3, 4)),
           torch_fn=lambda x, y: torch.maximum(x, y)),
    OpCase("minimum", minimum, ((3, 4), (4,)),
           torch_fn=lambda x, y: torch.minimum(x, y)),
    OpCase("where", lambda x, y: where(x.data > 0, x, y), ((3, 4), (3, 4)),
           torch_fn=lambda x, y: torch.where(x > 0, x, y)),
    OpCase("matmul", lambda x, y: x @ y, ((3, 4), (4, 2)),
           torch_fn=lambda x, y: x @ y),
    OpCase("matmul (batched)", lambda x, y: x @ y, ((2, 3, 4), (4, 2)),
           torch_fn=lambda x, y: x @ y),
    # elementwise, one input
    OpCase("neg", lambda x: -x, ((3, 4),),
           torch_fn=lambda x: -x),
    OpCase("exp", Tensor.exp, ((3, 4),),
           torch_fn=lambda x: x.exp()),
    OpCase("log", Tensor.log, ((3, 4),), ("positive",),
           torch_fn=lambda x: x.log()),
    OpCase("sqrt", Tensor.sqrt, ((3, 4),), ("positive",),
           torch_fn=lambda x: x.sqrt()),
    OpCase("abs", Tensor.abs, ((3, 4),),
           torch_fn=lambda x: x.abs()),
    OpCase("tanh", Tensor.tanh, ((3, 4),),
           torch_fn=lambda x: x.tanh()),
    OpCase("sigmoid", Tensor.sigmoid, ((3, 4),),
           torch_fn=lambda x: x.sigmoid()),
    OpCase("relu", Tensor.relu, ((3, 4),),
           torch_fn=lambda x: x.relu()),
    OpCase("clip", lambda x: x.clip(-0.9, 1.1), ((3, 4),),
           torch_fn=lambda x: x.clip(-0.9, 1.1)),
    # reductions
    OpCase("sum", lambda x: x.sum(axis=1), ((3, 4),),
           torch_fn=lambda x: x.sum(dim=1)),
    OpCase("mean", lambda x: x.mean(axis=(0, 2), keepdims=True), ((2, 3, 4),),
           torch_fn=lambda x: x.mean(dim=(0, 2), keepdim=True)),
    OpCase("var", lambda x: x.var(axis=0), ((5, 3),),
           torch_fn=lambda x: x.var(dim=0)),
    OpCase("max", lambda x: x.amax(axis=1), ((3, 4),),
           torch_fn=lambda x: x.amax(dim=1)),
    OpCase("min", lambda x: x.min(), ((3, 4),),
           torch_fn=lambda x: x.min()),
    # movement
    OpCase("reshape", lambda x: x.reshape(4, -1), ((2, 3, 2),),
           torch_fn=lambda x: x.reshape(4, -1)),
    OpCase("transpose", lambda x: x.transpose(2, 0, 1), ((2, 3, 4),),
           torch_fn=lambda x: x.permute(2, 0, 1)),
    OpCase("expand", lambda x: x.expand(3, 2, 4), ((2, 1),),
           torch_fn=lambda x: x.expand(3, 2, 4)),
    OpCase("squeeze/unsqueeze", lambda x: x.squeeze(1).unsqueeze(0), ((3, 1, 2),),
           torch_fn=lambda x: x.squeeze(1).unsqueeze(0)),
    OpCase("flatten", lambda x: x.flatten(1), ((2, 3, 2),),
           torch_fn=lambda x: x.flatten(1)),
    OpCase("pad", lambda x: x.pad(((1, 0), (2, 1)), value=0.5), ((3, 2),),
           torch_fn=lambda x: TF.pad(x, (2, 1, 1, 0), value=0.5)),
    OpCase("getitem (slices)", lambda x: x[1:, ::2], ((3, 4),),
           torch_fn=lambda x: x[1:, ::2]),
    OpCase("getitem (repeated indices)", lambda x: x[np.array([0, 2, 0])], ((3, 4),),
           torch_fn=lambda x: x[_t([0, 2, 0])]),
    OpCase("concatenate", lambda x, y: concatenate([x, y], axis=1), ((2, 3), (2, 2)),
           torch_fn=lambda x, y: torch.cat([x, y], dim=1)),
    OpCase("stack", lambda x, y: stack([x, y], axis=0), ((2, 3), (2, 3)),
           torch_fn=lambda x, y: torch.stack([x, y], dim=0)),
    # the PyTorch surface (tinygrad_bn/tensor_methods/)
    OpCase("sin", Tensor.sin, ((3, 4),),
           torch_fn=lambda x: x.sin()),
    OpCase("cos", Tensor.cos, ((3, 4),),
           torch_fn=lambda x: x.cos()),
    OpCase("sign", Tensor.sign, ((3, 4),),
           torch_fn=lambda x: x.sign()),
    OpCase("clone", Tensor.clone, ((3, 4),),
           torch_fn=lambda x: x.clone()),
    OpCase("prod", lambda x: x.prod(dim=1), ((3, 4),),
           torch_fn=lambda x: x.prod(dim=1)),
    OpCase("prod (with a zero)", lambda x: (x * _zero_at_1()).prod(dim=1), ((3, 4),),
           torch_fn=lambda x: (x * _t(_zero_at_1())).prod(dim=1)),
    OpCase("cumsum", lambda x: x.cumsum(dim=0), ((3, 4),),
           torch_fn=lambda x: x.cumsum(dim=0)),
    OpCase("flip", lambda x: x.flip(0, 2), ((2, 3, 2),),
           torch_fn=lambda x: x.flip(0, 2)),
    OpCase("std", lambda x: x.std(dim=0, correction=1), ((5, 3),),
           torch_fn=lambda x: x.std(dim=0, correction=1)),
    OpCase("logsumexp", lambda x: x.logsumexp(dim=1), ((3, 4),),
           torch_fn=lambda x: x.logsumexp(dim=1)),
    OpCase("norm", lambda x: x.norm(dim=1), ((3, 4),),
           torch_fn=lambda x: x.norm(dim=1)),
    OpCase("norm (p=3)", lambda x: x.norm(3), ((3, 4),),
           torch_fn=lambda x: x.norm(3)),
    OpCase("clamp (tensor bounds)", lambda x, lo, hi: x.clamp(lo - 0.1, hi + 0.1),
           ((3, 4), (4,), (3, 1)),
           torch_fn=lambda x, lo, hi: x.clamp(lo - 0.1, hi + 0.1)),
    OpCase("masked_fill", lambda x, v: x.masked_fill(x.data > 0, v.sum()), ((3, 4), (1,)),
           torch_fn=lambda x, v: x.masked_fill(x > 0, v.sum())),
    OpCase("gather", lambda x: x.gather(1, np.array([[0, 0], [3, 1], [2, 2]])), ((3, 4),),
           torch_fn=lambda x: x.gather(1, _t([[0, 0], [3, 1], [2, 2]]))),
    OpCase("split/chunk", lambda x: x.split([1, 3], dim=1)[1] * x.chunk(2)[0].sum(),
           ((4, 4),),
           torch_fn=lambda x: x.split([1, 3], dim=1)[1] * x.chunk(2)[0].sum()),
    OpCase("repeat", lambda x: x.repeat(2, 1, 3), ((2, 3),),
           torch_fn=lambda x: x.repeat(2, 1, 3)),
    OpCase("t", Tensor.t, ((3, 4),),
           torch_fn=lambda x: x.t()),
    OpCase("einsum", lambda x, y: einsum("bij,jk->bki", x, y), ((2, 3, 4), (4, 2)),
           torch_fn=lambda x, y: torch.einsum("bij,jk->bki", x, y)),
    # nn.functional
    OpCase("linear", F.linear, ((4, 3), (2, 3), (2,)),
           torch_fn=lambda x, w, b: TF.linear(x, w, b)),
    OpCase("softmax", lambda x: F.softmax(x, axis=1), ((3, 4),),
           torch_fn=lambda x: TF.softmax(x, dim=1)),
    OpCase("log_softmax", lambda x: F.log_softmax(x, axis=0), ((3, 4),),
           torch_fn=lambda x: TF.log_softmax(x, dim=0)),
    OpCase("cross_entropy", lambda x: F.cross_entropy(x, _target()), ((4, 3),),
           torch_fn=lambda x: TF.cross_entropy(x, _t(_target()))),
    OpCase("mse_loss", F.mse_loss, ((3, 4), (3, 4)),
           torch_fn=lambda x, y: TF.mse_loss(x, y)),
    # no torch twin: torch draws its own mask
    OpCase("dropout", lambda x: F.dropout(x, 0.5, generator=np.random.default_rng(0)), ((3, 4),)),
    OpCase("conv2d", lambda x, w, b: F.conv2d(x, w, b, padding=1),
           ((2, 2, 4, 4), (3, 2, 3, 3), (3,)),
           torch_fn=lambda x, w, b: TF.conv2d(x, w, b, padding=1)),
    OpCase("conv2d (stride, dilation, groups)",
           lambda x, w: F.conv2d(x, w, stride=2, dilation=2, groups=2),
           ((1, 4, 6, 6), (2, 2, 2, 2)),
           torch_fn=lambda x, w: TF.conv2d(x, w, stride=2, dilation=2, groups=2)),
    OpCase("max_pool2d", lambda x: F.max_pool2d(x, 2), ((2, 2, 4, 4),),
           torch_fn=lambda x: TF.max_pool2d(x, 2)),
    OpCase("avg_pool2d", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1), ((2, 2, 5, 5),),
           torch_fn=lambda x: TF.avg_pool2d(x, 3, stride=2, padding=1)),
    OpCase("batch_norm composite (train)",
           lambda x, g, b: F.batch_norm(x, *_running(), g, b, training=True, impl="composite"),
           ((5, 3), (3,), (3,)),
           torch_fn=lambda x, g, b: TF.batch_norm(x, *_t(_running()), g, b, training=True)),
    OpCase("batch_norm fused (train)",
           lambda x, g, b: F.batch_norm(x, *_running(), g, b, training=True, impl="fused"),
           ((5, 3), (3,), (3,)),
           torch_fn=lambda x, g, b: TF.batch_norm(x, *_t(_running()), g, b, training=True)),
    OpCase("batch_norm fused (train, 2d)",
           lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True),
           ((2, 3, 2, 2), (3,), (3,)),
           torch_fn=lambda x, g, b: TF.batch_norm(x, None, None, g, b, training=True)),
    OpCase("batch_norm fused (eval)",
           lambda x, g, b: F.batch_norm(x, *_running(), g, b, training=False),
           ((5, 3), (3,), (3,)),
           torch_fn=lambda x, g, b: TF.batch_norm(x, *_t(_running()), g, b, training=False)),
    OpCase("layer_norm", lambda x, g, b: F.layer_norm(x, 4, g, b), ((3, 4), (4,), (4,)),
           torch_fn=lambda x, g, b: TF.layer_norm(x, (4,), g, b)),
    OpCase("group_norm", lambda x, g, b: F.group_norm(x, 2, g, b), ((2, 4, 3), (4,), (4,)),
           torch_fn=lambda x, g, b: TF.group_norm(x, 2, g, b)),
    # activations (nn/activations.py)
    OpCase("leaky_relu", lambda x: F.leaky_relu(x, 0.1), ((3, 4),),
           torch_fn=lambda x: TF.leaky_relu(x, 0.1)),
    OpCase("elu", F.elu, ((3, 4),),
           torch_fn=lambda x: TF.elu(x)),
    OpCase("erf", F.erf, ((3, 4),),
           torch_fn=lambda x: x.erf()),
    OpCase("gelu", F.gelu, ((3, 4),),
           torch_fn=lambda x: TF.gelu(x)),
    OpCase("gelu (tanh)", lambda x: F.gelu(x, approximate="tanh"), ((3, 4),),
           torch_fn=lambda x: TF.gelu(x, approximate="tanh")),
    OpCase("silu", F.silu, ((3, 4),),
           torch_fn=lambda x: TF.silu(x)),
    OpCase("softplus", lambda x: F.softplus(x, beta=2.0, threshold=1.0), ((3, 4),),
           torch_fn=lambda x: TF.softplus(x, beta=2.0, threshold=1.0)),
    # losses (nn/losses.py)
    OpCase("cross_entropy (weight, ignore_index, label_smoothing)",
           lambda x: F.cross_entropy(x, np.array([0, 2, -100, 1]),
                                     weight=np.array([1.0, 2.0, 0.5]), label_smoothing=0.1),
           ((4, 3),),
           torch_fn=lambda x: TF.cross_entropy(x, _t([0, 2, -100, 1]),
                                               weight=_t([1.0, 2.0, 0.5]), label_smoothing=0.1)),
    OpCase("cross_entropy (probabilities)",
           lambda x, p: F.cross_entropy(x, p / p.sum(axis=1, keepdims=True)),
           ((4, 3), (4, 3)), ("real", "positive"),
           torch_fn=lambda x, p: TF.cross_entropy(x, p / p.sum(dim=1, keepdim=True))),
    OpCase("cross_entropy (N, C, d)",
           lambda x: F.cross_entropy(x, np.array([[0, 2], [1, 1]])), ((2, 3, 2),),
           torch_fn=lambda x: TF.cross_entropy(x, _t([[0, 2], [1, 1]]))),
    OpCase("nll_loss", lambda x: F.nll_loss(x, _target(), weight=np.array([1.0, 2.0, 0.5])),
           ((4, 3),),
           torch_fn=lambda x: TF.nll_loss(x, _t(_target()), weight=_t([1.0, 2.0, 0.5]))),
    OpCase("l1_loss", F.l1_loss, ((3, 4), (3, 4)),
           torch_fn=lambda x, y: TF.l1_loss(x, y)),
    OpCase("binary_cross_entropy", lambda x, y: F.binary_cross_entropy(x * 0.4, y * 0.4),
           ((3, 4), (3, 4)), ("positive", "positive"),
           torch_fn=lambda x, y: TF.binary_cross_entropy(x * 0.4, y * 0.4)),
    OpCase("binary_cross_entropy_with_logits",
           lambda x, y, w: F.binary_cross_entropy_with_logits(x, y * 0.4, pos_weight=w),
           ((3, 4), (3, 4), (4,)), ("real", "positive", "positive"),
           # torch does not differentiate its pos_weight: the twin is its documented formula
           torch_fn=lambda x, y, w: ((1 - 0.4 * y) * x + (1 + (w - 1) * 0.4 * y) *
                                     TF.softplus(-x)).mean()),
    # layers
    OpCase("embedding", lambda w: F.embedding(np.array([[0, 2], [2, 1]]), w), ((3, 2),),
           torch_fn=lambda w: TF.embedding(_t([[0, 2], [2, 1]]), w)),
    OpCase("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (2, 3)), ((2, 2, 5, 4),),
           torch_fn=lambda x: TF.adaptive_avg_pool2d(x, (2, 3))),
    OpCase("conv2d (padding='same', unbatched)",
           lambda x, w: F.conv2d(x, w, padding="same"), ((2, 5, 4), (3, 2, 2, 3)),
           torch_fn=lambda x, w: TF.conv2d(x, w, padding="same")),
    OpCase("max_pool2d (dilation, ceil_mode)",
           lambda x: F.max_pool2d(x, 2, 2, 1, dilation=2, ceil_mode=True), ((1, 2, 6, 5),),
           torch_fn=lambda x: TF.max_pool2d(x, 2, 2, 1, dilation=2, ceil_mode=True)),
    OpCase("avg_pool2d (ceil_mode, count_include_pad=False)",
           lambda x: F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False),
           ((1, 2, 6, 5),),
           torch_fn=lambda x: TF.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False)),
    # nnx21's functions (nn/instance_norm.py, activations_extra.py, losses_extra.py,
    # tensor_methods/statistics.py): composites of the ops above
    OpCase("instance_norm / prelu",
           lambda x, g, b, a: F.instance_norm(x, weight=g, bias=b) + F.prelu(x, a),
           ((2, 3, 4), (3,), (3,), (3,)),
           torch_fn=lambda x, g, b, a: TF.instance_norm(x, weight=g, bias=b) + TF.prelu(x, a)),
    OpCase("soft_margin / poisson_nll / gaussian_nll losses",
           lambda x, y, v: F.soft_margin_loss(x, np.sign(y.data)) + F.poisson_nll_loss(x, v) +
           F.gaussian_nll_loss(x, y, v), ((3, 4), (3, 4), (3, 4)), ("real", "real", "positive"),
           torch_fn=lambda x, y, v: TF.soft_margin_loss(x, y.detach().sign()) +
           TF.poisson_nll_loss(x, v) + TF.gaussian_nll_loss(x, y, v)),
    OpCase("nansum", lambda x: x.masked_fill(x.data > 0, float("nan")).nansum(1), ((3, 4),),
           torch_fn=lambda x: x.masked_fill(x.detach() > 0, float("nan")).nansum(1)),
    OpCase("quantile / nanmean", lambda x: x.quantile(0.3, dim=1) + x.nanmean(0)[:3],
           ((3, 4),), torch_fn=lambda x: x.quantile(0.3, dim=1) + x.nanmean(0)[:3]),
    # issue 22: elementwise math (ops/special.py and tensor_methods/math.py)
    OpCase("log1p", Tensor.log1p, ((3, 4),), ("positive",),
           torch_fn=lambda x: x.log1p()),
    OpCase("expm1", Tensor.expm1, ((3, 4),),
           torch_fn=lambda x: x.expm1()),
    OpCase("log2", Tensor.log2, ((3, 4),), ("positive",),
           torch_fn=lambda x: x.log2()),
    OpCase("log10", Tensor.log10, ((3, 4),), ("positive",),
           torch_fn=lambda x: x.log10()),
    OpCase("exp2", Tensor.exp2, ((3, 4),),
           torch_fn=lambda x: x.exp2()),
    OpCase("tan", Tensor.tan, ((3, 4),),
           torch_fn=lambda x: x.tan()),
    OpCase("asin", lambda x: (x * 0.6).asin(), ((3, 4),),
           torch_fn=lambda x: (x * 0.6).asin()),
    OpCase("acos", lambda x: (x * 0.6).acos(), ((3, 4),),
           torch_fn=lambda x: (x * 0.6).acos()),
    OpCase("atan", Tensor.atan, ((3, 4),),
           torch_fn=lambda x: x.atan()),
    OpCase("sinh", Tensor.sinh, ((3, 4),),
           torch_fn=lambda x: x.sinh()),
    OpCase("cosh", Tensor.cosh, ((3, 4),),
           torch_fn=lambda x: x.cosh()),
    OpCase("asinh", Tensor.asinh, ((3, 4),),
           torch_fn=lambda x: x.asinh()),
    OpCase("acosh", lambda x: (x + 1).acosh(), ((3, 4),), ("positive",),
           torch_fn=lambda x: (x + 1).acosh()),
    OpCase("atanh", lambda x: (x * 0.6).atanh(), ((3, 4),),
           torch_fn=lambda x: (x * 0.6).atanh()),
    OpCase("atan2", Tensor.atan2, ((3, 4), (4,)),
           torch_fn=lambda x, y: x.atan2(y)),
    OpCase("hypot", Tensor.hypot, ((3, 4), (3, 1)),
           torch_fn=lambda x, y: x.hypot(y)),
    OpCase("logaddexp", Tensor.logaddexp, ((3, 4), (4,)),
           torch_fn=lambda x, y: x.logaddexp(y)),
    OpCase("xlogy", Tensor.xlogy, ((3, 4), (3, 4)), ("real", "positive"),
           torch_fn=lambda x, y: x.xlogy(y)),
    OpCase("logit", lambda x: (x * 0.4).sigmoid().logit(), ((3, 4),),
           torch_fn=lambda x: (x * 0.4).sigmoid().logit()),
    OpCase("floor/ceil/round/trunc (gradient 0)",
           lambda x: x * (x * 3.3).floor() + (x * 3.3).ceil() + (x * 3.3).round() +
           (x * 3.3).trunc(), ((3, 4),),
           torch_fn=lambda x: x * (x * 3.3).floor() + (x * 3.3).ceil() + (x * 3.3).round() +
           (x * 3.3).trunc()),
    OpCase("frac", lambda x: (x * 3.3).frac(), ((3, 4),),
           torch_fn=lambda x: (x * 3.3).frac()),
    OpCase("remainder / fmod", lambda x, y: x.remainder(y) + x.fmod(y * 0.3),
           ((3, 4), (3, 4)), ("real", "positive"),
           torch_fn=lambda x, y: x.remainder(y) + x.fmod(y * 0.3)),
    OpCase("div (rounding_mode) + x y",
           lambda x, y: x.div(y, rounding_mode="trunc") + x.div(y, rounding_mode="floor") +
           x * y, ((3, 4), (3, 4)), ("real", "positive"),
           torch_fn=lambda x, y: x.div(y, rounding_mode="trunc") +
           x.div(y, rounding_mode="floor") + x * y),
    OpCase("reciprocal / rsqrt / square", lambda x: x.reciprocal() + x.rsqrt() + x.square(),
           ((3, 4),), ("positive",),
           torch_fn=lambda x: x.reciprocal() + x.rsqrt() + x.square()),
    OpCase("copysign", Tensor.copysign, ((3, 4), (3, 4)),
           torch_fn=lambda x, y: x.copysign(y)),
    OpCase("lerp", lambda a, b, w: a.lerp(b, w), ((3, 4), (3, 4), (4,)),
           torch_fn=lambda a, b, w: a.lerp(b, w)),
    # products, sorting, selecting, placing (tensor_methods/linalg.py, indexing.py)
    OpCase("mm / mv / outer", lambda a, b, v: a.mm(b).sum() + a.mv(v).sum() + v.outer(v),
           ((3, 4), (4, 2), (4,)),
           torch_fn=lambda a, b, v: a.mm(b).sum() + a.mv(v).sum() + v.outer(v)),
    OpCase("bmm / baddbmm", lambda c, a, b: c.baddbmm(a, b, beta=0.5, alpha=2.0),
           ((2, 2, 2), (2, 2, 3), (2, 3, 2)),
           torch_fn=lambda c, a, b: c.baddbmm(a, b, beta=0.5, alpha=2.0)),
    OpCase("addmm", lambda c, a, b: c.addmm(a, b, alpha=0.5), ((3, 2), (3, 4), (4, 2)),
           torch_fn=lambda c, a, b: c.addmm(a, b, alpha=0.5)),
    OpCase("inner", Tensor.inner, ((2, 3), (4, 3)),
           torch_fn=lambda x, y: x.inner(y)),
    OpCase("sort / topk / kthvalue", lambda x: x.sort(1).values * x.topk(2, 0).values.sum()
           + x.kthvalue(2, 1).values.sum(), ((3, 4),),
           torch_fn=lambda x: x.sort(1).values * x.topk(2, 0).values.sum() +
           x.kthvalue(2, 1).values.sum()),
    OpCase("index_select / take / masked_select",
           lambda x: x.index_select(1, np.array([2, 0, 2])).sum() + x.take(np.array([0, 11]))
           .sum() + x.masked_select(x.data > 0).sum(), ((3, 4),),
           torch_fn=lambda x: x.index_select(1, _t([2, 0, 2])).sum() +
           x.take(_t([0, 11])).sum() + x.masked_select(x > 0).sum()),
    OpCase("scatter / scatter_add / index_add",
           lambda x, s: x.scatter(0, np.array([[2, 0, 1, 1]]), s[:1]) +
           x.scatter_add(0, np.array([[1, 1, 0, 2]]), s[1:]) +
           x.index_add(0, np.array([2, 2]), s), ((3, 4), (2, 4)),
           torch_fn=lambda x, s: x.scatter(0, _t([[2, 0, 1, 1]]), s[:1]) +
           x.scatter_add(0, _t([[1, 1, 0, 2]]), s[1:]) + x.index_add(0, _t([2, 2]), s)),
    OpCase("tril / triu / diagonal / diag / trace",
           lambda x: x.tril(1) + x.triu(-1) + x.diagonal(1).sum() + x.trace() +
           x[:, 0].diag()[:, :4].sum(), ((3, 4),),
           torch_fn=lambda x: x.tril(1) + x.triu(-1) + x.diagonal(1).sum() + x.trace() +
           x[:, 0].diag()[:, :4].sum()),
    OpCase("roll / repeat_interleave / tile / diff",
           lambda x: x.roll((1, -2), (0, 1)).sum() + x.repeat_interleave(2, 0).sum(1).sum()
           + x.tile((2, 1)).sum() + x.diff(dim=1).sum(), ((3, 4),),
           torch_fn=lambda x: x.roll((1, -2), (0, 1)).sum() +
           x.repeat_interleave(2, 0).sum(1).sum() + x.tile((2, 1)).sum() + x.diff(dim=1).sum()),
    OpCase("cummax / cummin / logcumsumexp",
           lambda x: x.cummax(1).values + x.cummin(0).values + x.logcumsumexp(1), ((3, 4),),
           torch_fn=lambda x: x.cummax(1).values + x.cummin(0).values + x.logcumsumexp(1)),
    OpCase("normalize / cosine_similarity / pairwise_distance",
           lambda a, b: F.normalize(a).sum() + F.cosine_similarity(a, b) +
           F.pairwise_distance(a, b, 3.0), ((3, 4), (3, 4)),
           torch_fn=lambda a, b: TF.normalize(a).sum() + TF.cosine_similarity(a, b) +
           TF.pairwise_distance(a, b, 3.0)),
    OpCase("smooth_l1 / huber / kl_div",
           lambda a, b: F.smooth_l1_loss(a, b * 0.1, beta=0.05) +
           F.huber_loss(a, b * 0.1, delta=0.05) + F.kl_div(a, b.abs(), reduction="batchmean"),
           ((3, 4), (3, 4)),
           torch_fn=lambda a, b: TF.smooth_l1_loss(a, b * 0.1, beta=0.05) +
           TF.huber_loss(a, b * 0.1, delta=0.05) + TF.kl_div(a, b.abs(), reduction="batchmean")),
    # issue 22: layers' functions (nn/)
    OpCase("conv1d", lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2,
                                               groups=2), ((2, 4, 9), (6, 2, 3), (6,)),
           torch_fn=lambda x, w, b: TF.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2)),
    OpCase("conv3d", lambda x, w: F.conv3d(x, w, stride=(2, 1, 1), padding=1),
           ((1, 2, 3, 4, 3), (2, 2, 2, 2, 2)),
           torch_fn=lambda x, w: TF.conv3d(x, w, stride=(2, 1, 1), padding=1)),
    OpCase("conv_transpose1d", lambda x, w: F.conv_transpose1d(x, w, stride=2, padding=1,
                                                               output_padding=1),
           ((2, 2, 4), (2, 3, 3)),
           torch_fn=lambda x, w: TF.conv_transpose1d(x, w, stride=2, padding=1, output_padding=1)),
    OpCase("conv_transpose2d", lambda x, w, b: F.conv_transpose2d(x, w, b, stride=2, groups=2),
           ((1, 4, 3, 2), (4, 1, 2, 3), (2,)),
           torch_fn=lambda x, w, b: TF.conv_transpose2d(x, w, b, stride=2, groups=2)),
    OpCase("pad (reflect, replicate, circular)",
           lambda x: F.pad(x, (2, 1), "reflect").sum() + F.pad(x[None], (1, 2, 0, 1),
                                                                 "replicate").sum()
           + F.pad(x, (3, 1), "circular"), ((2, 4),),
           # as torch's: 4 widths pad a 3-d or 4-d input, so the 2-d x gets a batch axis
           torch_fn=lambda x: TF.pad(x, (2, 1), "reflect").sum() +
           TF.pad(x[None], (1, 2, 0, 1), "replicate").sum() + TF.pad(x, (3, 1), "circular")),
    OpCase("interpolate (bilinear, nearest)",
           lambda x: F.interpolate(x, scale_factor=1.7, mode="bilinear").sum() +
           F.interpolate(x, size=(3, 5)), ((1, 1, 2, 3),),
           torch_fn=lambda x: TF.interpolate(x, scale_factor=1.7, mode="bilinear").sum() +
           TF.interpolate(x, size=(3, 5))),
    OpCase("pixel_shuffle / bilinear", lambda x, a, b, w: F.pixel_shuffle(x, 2).sum() +
           F.bilinear(a, b, w), ((1, 4, 2, 1), (2, 3), (2, 2), (2, 3, 2)),
           torch_fn=lambda x, a, b, w: TF.pixel_shuffle(x, 2).sum() + TF.bilinear(a, b, w)),
    OpCase("max_pool1d / avg_pool1d / adaptive pools",
           lambda x: F.max_pool1d(x, 3, 2, 1).sum() + F.avg_pool1d(x, 2, 1).sum() +
           F.adaptive_avg_pool1d(x, 3).sum() + F.adaptive_max_pool1d(x, 2).sum() +
           F.adaptive_max_pool2d(x.unsqueeze(0), (1, 2)).sum(), ((2, 3, 5),),
           torch_fn=lambda x: TF.max_pool1d(x, 3, 2, 1).sum() + TF.avg_pool1d(x, 2, 1).sum() +
           TF.adaptive_avg_pool1d(x, 3).sum() + TF.adaptive_max_pool1d(x, 2).sum() +
           TF.adaptive_max_pool2d(x.unsqueeze(0), (1, 2)).sum()),
    OpCase("LSTMCell", lambda x, h, c: sum(_lstm_cell()(x, (h, c))),
           ((2, 3), (2, 4), (2, 4)),
           torch_fn=lambda x, h, c: sum(_twin(_lstm_cell(), torch.nn.LSTMCell(3, 4))(x, (h, c)))),
    OpCase("scaled_dot_product_attention (causal)",
           lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
           ((2, 3, 4), (2, 3, 4), (2, 3, 2)),
           torch_fn=lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True)),
    OpCase("MultiheadAttention", lambda q, k: _attention()(q, k, k)[0], ((3, 1, 4), (2, 1, 4)),
           torch_fn=lambda q, k: _twin(_attention(), torch.nn.MultiheadAttention(4, 2))(
               q, k, k)[0]),
    # ops no case above reaches (docs/op-coverage.md lists what is still missing)
    OpCase("cumprod", lambda x: x.cumprod(dim=1), ((3, 4),),
           torch_fn=lambda x: x.cumprod(dim=1)),
    OpCase("setitem (on a clone)", lambda x, v: _setitem(x, v), ((3, 4), (2,)),
           torch_fn=lambda x, v: _setitem(x, v)),
    # no torch twin: torch has no longdouble
    OpCase("astype (longdouble and back)",
           lambda x: (x.astype(np.longdouble) * 2).astype(np.float64), ((3, 4),)),
    OpCase("checkpoint", lambda x, y: checkpoint(lambda a, b: (a * b).tanh(), x, y),
           ((3, 4), (4,)), torch_fn=lambda x, y: (x * y).tanh()),
    OpCase("linalg.det / slogdet", lambda a: linalg.det(a) + linalg.slogdet(a).logabsdet,
           ((2, 3, 3),),
           torch_fn=lambda a: torch.linalg.det(a) + torch.linalg.slogdet(a).logabsdet),
    OpCase("linalg.inv / solve", lambda a, b: linalg.inv(a).sum() + linalg.solve(a, b),
           ((3, 3), (3, 2)),
           torch_fn=lambda a, b: torch.linalg.inv(a).sum() + torch.linalg.solve(a, b)),
    OpCase("linalg.eigh (sign-free) / svdvals",
           lambda a: _eigh_sign_free(linalg.eigh(a + a.T)) + linalg.svdvals(a).sum(),
           ((3, 3),),
           torch_fn=lambda a: _eigh_sign_free(torch.linalg.eigh(a + a.T)) +
           torch.linalg.svdvals(a).sum()),
    # issue 22 (fn22): the error functions, softmax methods, in-place twins, unfold / fold
    OpCase("erf / erfc / erfinv", lambda x: x.erf() * x.erfc() + (x * 0.7).erfinv(),
           ((3, 4),), torch_fn=lambda x: x.erf() * x.erfc() + (x * 0.7).erfinv()),
    # surface29: the gamma and Bessel families (ops/gamma.py), nextafter; no digamma in the
    # twin: its gradient is PyTorch's trigamma, off by ~3e-10 relative on [0.5, 2] (ours
    # agrees with mpmath to 2e-16: tests/test_special_functions.py)
    OpCase("lgamma / polygamma / i0 / i1 / nextafter",
           lambda x: x.lgamma() * x.polygamma(2) + x.i0() + special.i1(x) +
           x.nextafter(x * 2), ((3, 4),), ("positive",),
           torch_fn=lambda x: x.lgamma() * x.polygamma(2) + x.i0() + torch.special.i1(x) +
           x.nextafter(x * 2)),
    # surface31: the scaled Bessel functions and erfc (ops/gamma.py, ops/special.py)
    OpCase("special.i0e / i1e / erfcx",
           lambda x: special.i0e(x) * special.i1e(x * 3) + special.erfcx(x),
           ((3, 4),), ("real",),
           torch_fn=lambda x: torch.special.i0e(x) * torch.special.i1e(x * 3) +
           torch.special.erfcx(x)),
    # session 34: the incomplete gamma functions and Hurwitz zeta (ops/incomplete_gamma.py),
    # differentiable in their second argument only (the first is a constant here)
    OpCase("special.gammainc / gammaincc / zeta",
           lambda x: special.gammainc(x.detach() * 0 + 1.7, x) *
           special.gammaincc(x.detach() * 0 + 0.6, x * 2) + special.zeta(x.detach() * 0 + 2.5, x),
           ((3, 4),), ("positive",),
           torch_fn=lambda x: torch.special.gammainc(x.detach() * 0 + 1.7, x) *
           torch.special.gammaincc(x.detach() * 0 + 0.6, x * 2) +
           torch.special.zeta(x.detach() * 0 + 2.5, x)),
    OpCase("softmax / log_softmax (methods)", lambda x: x.softmax(0) + x.log_softmax(dim=1),
           ((3, 4),), torch_fn=lambda x: x.softmax(0) + x.log_softmax(dim=1)),
    OpCase("in place: erfinv_ / logit_ / hypot_ / lerp_",
           lambda x, y: (x * 0.6).erfinv_() + (x * 1).lerp_(y, 0.3).hypot_(y) +
           (y * 0.3).logit_(), ((3, 4), (3, 4)), ("real", "positive"),
           torch_fn=lambda x, y: (x * 0.6).erfinv_() + (x * 1).lerp_(y, 0.3).hypot_(y) +
           (y * 0.3).logit_()),
    OpCase("addcmul / addcdiv / float_power / ldexp / deg2rad / clamp_min",
           lambda x, y: x.addcmul(x, y, value=0.5) + x.addcdiv(x, y, value=-2.0) +
           y.float_power(x) + x.ldexp(Tensor(np.array(2))) + x.deg2rad().sin() +
           x.clamp_min(-5.0), ((3, 4), (3, 4)), ("real", "positive"),
           torch_fn=lambda x, y: x.addcmul(x, y, value=0.5) + x.addcdiv(x, y, value=-2.0) +
           y.float_power(x) + x.ldexp(_t(2)) + x.deg2rad().sin() + x.clamp_min(-5.0)),
    OpCase("unfold / fold", lambda x: F.unfold(x, (2, 3), dilation=(1, 2), padding=1,
                                               stride=(2, 1)).sum(1) +
           F.fold(F.unfold(x, 2), (4, 5), 2).sum(), ((2, 2, 4, 5),),
           torch_fn=lambda x: TF.unfold(x, (2, 3), dilation=(1, 2), padding=1,
                                        stride=(2, 1)).sum(1) +
           TF.fold(TF.unfold(x, 2), (4, 5), 2).sum()),
    # issue 22's reductions, scans, indexing, shapes and norms (tests/test_surface_ops22.py,
    # tests/test_linalg.py)
    OpCase("cumprod (with a zero)", lambda x: (x * _zero_at_1()).cumprod(1), ((3, 4),),
           torch_fn=lambda x: (x * _t(_zero_at_1())).cumprod(1)),
    OpCase("scatter_reduce (sum prod mean amax amin)",
           lambda x, s: stack([x.scatter_reduce(0, _scatter_index(), s, r,
                                                include_self=r in ("prod", "amax"))
                               for r in _REDUCTIONS]), ((3, 4), (3, 4)),
           torch_fn=lambda x, s: torch.stack([x.scatter_reduce(
               0, _t(_scatter_index()), s, r, include_self=r in ("prod", "amax"))
               for r in _REDUCTIONS])),
    OpCase("median / mode / aminmax", _order_statistics, ((3, 4),), torch_fn=_order_statistics),
    OpCase("index_copy / masked_scatter",
           lambda x, s: x.index_copy(1, np.array([3, 0]), s[:, :2]) *
           x.masked_scatter(_scatter_index() > 0, s), ((3, 4), (3, 4)),
           torch_fn=lambda x, s: x.index_copy(1, _t([3, 0]), s[:, :2]) *
           x.masked_scatter(_t(_scatter_index() > 0), s)),
    OpCase("rot90 / diag_embed / einsum (diagonal)",
           lambda x: _flat(concatenate, x.rot90(1, (1, 2)), x.diag_embed(1) * 2,
                           einsum("bii->bi", x[:, :3, :3]) ** 2), ((2, 3, 4),),
           torch_fn=lambda x: _flat(torch.cat, x.rot90(1, (1, 2)), x.diag_embed(1) * 2,
                                    torch.einsum("bii->bi", x[:, :3, :3]) ** 2)),
    OpCase("block_diag / cartesian_prod / meshgrid",
           lambda a, v: _flat(concatenate, block_diag(a, v) * 2, cartesian_prod(v, v),
                              meshgrid(v, v[:2], indexing="xy")[0] ** 2), ((2, 3), (3,)),
           torch_fn=lambda a, v: _flat(torch.cat, torch.block_diag(a, v) * 2,
                                       torch.cartesian_prod(v, v),
                                       torch.meshgrid(v, v[:2], indexing="xy")[0] ** 2)),
    OpCase("norms (vector p, matrix 1 inf 2 nuc fro)", lambda a: _norms(linalg, stack, a),
           ((3, 3),), torch_fn=lambda a: _norms(torch.linalg, torch.stack, a)),
    OpCase("cross / vecdot", lambda a, b: linalg.cross(a, b) * linalg.vecdot(a, b).unsqueeze(1),
           ((2, 3), (2, 3)),
           torch_fn=lambda a, b: torch.linalg.cross(a, b) *
           torch.linalg.vecdot(a, b).unsqueeze(1)),
    # the factorizations and solvers (ops/decompositions.py, tests/test_linalg_decompositions.py)
    OpCase("linalg.cholesky / solve_triangular",
           lambda a, b: _factor_solve(linalg, a, b), ((3, 3), (3, 2)),
           torch_fn=lambda a, b: _factor_solve(torch.linalg, a, b)),
    OpCase("linalg.qr (Q, R)", lambda a: _qr_parts(linalg, a), ((4, 3),),
           torch_fn=lambda a: _qr_parts(torch.linalg, a)),
    OpCase("linalg.svd (sign-free U, Vh) / pinv", lambda a: _svd_parts(linalg, a), ((4, 3),),
           torch_fn=lambda a: _svd_parts(torch.linalg, a)),
    OpCase("linalg.lu (L, U)", lambda a: _lu_parts(linalg, a), ((3, 3),),
           torch_fn=lambda a: _lu_parts(torch.linalg, a)),
    # complex tensors and torch.fft on the real layout (complex_tensors/, fft/)
    OpCase("fftn / ifft / rfft / irfft (squared)", lambda a, x: _spectra(_TG, concatenate, a, x),
           ((3, 4, 2), (3, 4)), torch_fn=lambda a, x: _spectra(torch, torch.cat, a, x)),
    OpCase("complex abs / angle", lambda a: _abs_angle(_TG, a), ((3, 2),),
           torch_fn=lambda a: _abs_angle(torch, a)),
]


class _TG:
    """tg's complex functions and tg.fft under torch's names, for the shared twins below."""

    view_as_complex = staticmethod(complex_tensors.view_as_complex)
    view_as_real = staticmethod(complex_tensors.view_as_real)
    fft = fft


def _spectra(lib: Any, cat: Callable, a: Any, x: Any) -> Any:
    """The FFTs both ways over two dims, rfft of a padded real signal and irfft of a cropped
    half spectrum (every transform op and its adjoint), squared: a second derivative."""
    z = lib.view_as_complex(a)
    both_ways = lib.fft.ifft(lib.fft.fftn(z, dim=(0, 1), norm="ortho"), n=5)
    parts = [lib.view_as_real(both_ways), lib.view_as_real(lib.fft.rfft(x, n=6)),
             lib.fft.irfft(z, n=5)]
    return cat([(p * p).reshape(-1) for p in parts])


def _abs_angle(lib: Any, a: Any) -> Any:
    z = lib.view_as_complex(a)
    return z.abs() ** 2 + z.angle()


def _lu_parts(la: Any, a: Any) -> Any:
    _, l, u = la.lu(_spread(a))
    return l * 2 + u


def _spread(a: Any) -> Any:
    """a plus diag(3, 2, 1) on its top block: singular values (and pivots) apart."""
    offset = np.zeros(a.shape)
    offset[range(3), range(3)] = [3.0, 2.0, 1.0]
    return a + (Tensor(offset) if isinstance(a, Tensor) else _t(offset))


def _factor_solve(la: Any, a: Any, b: Any) -> Any:
    """cholesky of a positive-definite matrix from a, then a triangular solve with it."""
    spd = a @ a.mT + _spread(a * 0)
    return la.solve_triangular(la.cholesky(spd), b, upper=False) + \
        la.cholesky(spd, upper=True).sum()


def _qr_parts(la: Any, a: Any) -> Any:
    q, r = la.qr(_spread(a))
    return q.sum(0) * r


def _svd_parts(la: Any, a: Any) -> Any:
    u, s, vh = la.svd(_spread(a), full_matrices=False)
    return (u ** 2).sum(0) * s + (vh ** 2).sum(0) + la.pinv(_spread(a)).sum(1)



def _setitem(x: Any, v: Any) -> Any:
    """x with x[1, 1:3] = v, written into a clone (ours or torch's: the same code)."""
    y = x.clone()
    y[1, 1:3] = v
    return y


def _eigh_sign_free(eigh: Any) -> Any:
    """Eigenvalues plus squared eigenvectors: each eigenvector's sign is arbitrary."""
    return eigh.eigenvalues.sum() + eigh.eigenvectors ** 2


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


def inputs(case: OpCase, seed: int = 0) -> list[Tensor]:
    """The case's float64 inputs, requiring grad, drawn from `seed` by its domains."""
    rng = np.random.default_rng(seed)
    tensors = []
    for k, shape in enumerate(case.shapes):
        if (case.domain[k] if k < len(case.domain) else "real") == "positive":
            values = rng.uniform(0.5, 2.0, shape)
        else:  # |x| in [0.2, 1.2): clear of the kinks at 0 of relu, abs, max, clip
            values = rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 1.2, shape)
        tensors.append(Tensor(values, requires_grad=True))
    return tensors
