"""PyTorch's F.multi_head_attention_forward (the function nn.MultiheadAttention calls), and
`attend`, the multi-head attention both it and nn/attention.py's module run.

For query (L, N, E), key (S, N, E_k) and value (S, N, E_v) (or unbatched (L, E), ...):

    Q = query W_q^T + b_q,  K = key W_k^T + b_k,  V = value W_v^T + b_v
    (W_q, W_k, W_v the thirds of in_proj_weight, or q/k/v_proj_weight when
    use_separate_proj_weight; b_q, b_k, b_v the thirds of in_proj_bias),
    per head h (E split into num_heads parts of E / num_heads = d):
    A_h = softmax(Q_h K_h^T / sqrt(d) + M),  out = concat_h(A_h V_h) W_o^T + b_o,

M the attention mask plus the key-padding mask (boolean masks: True = not attended, -inf;
float masks added as they are). bias_k / bias_v append one learned key and value (the
masks grow by a column of zeros), add_zero_attn one zero key and value; static_k /
static_v (N * num_heads, S, d) replace the projected keys and values. The weights
returned (need_weights) are A averaged over the heads (average_attn_weights) or per head.
A composite of Tensor ops: its gradients and second derivatives follow from theirs.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor, as_tensor, concatenate
from . import functional as F  # partly initialised while functional.py imports this: used
from .activations import softmax  # at call time only

__all__ = ["attend", "multi_head_attention_forward"]


def _in_projection(q: Tensor, k: Tensor, v: Tensor, e: int, in_proj_weight: Any,
                   in_proj_bias: Any, separate: tuple[Any, Any, Any] | None
                   ) -> tuple[Tensor, Tensor, Tensor]:
    """Q, K, V: the packed (3E, E) in_proj_weight's thirds, or the separate weights."""
    b = in_proj_bias
    bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
    if separate is None:
        w = in_proj_weight
        wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
    else:
        wq, wk, wv = separate
    return F.linear(q, wq, bq), F.linear(k, wk, bk), F.linear(v, wv, bv)


def attend(op: str, q: Tensor, k: Tensor, v: Tensor, num_heads: int, in_proj_weight: Any,
           in_proj_bias: Any, bias_k: Any, bias_v: Any, add_zero_attn: bool,
           dropout_p: float, out_proj_weight: Tensor, out_proj_bias: Any,
           key_padding_mask: Any = None, need_weights: bool = True, attn_mask: Any = None,
           separate: tuple[Any, Any, Any] | None = None, static_k: Any = None,
           static_v: Any = None, average_attn_weights: bool = True, is_causal: bool = False,
           unbatched: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention of batched (L, N, E) query and (S, N, *) key and value (see the
    module docstring); dropout_p applies as given (0 outside training). Returns (out of
    (L, N, E), the weights (N, L, S') or (N, heads, L, S'), or None)."""
    length, batch, e = q.shape
    heads, hd = num_heads, e // num_heads
    if is_causal and attn_mask is None:
        raise ArgumentError(f"{op}: is_causal=True is a hint that attn_mask is the causal "
                            f"mask; give attn_mask too")
    keys = k.shape[0]
    q, k, v = _in_projection(q, k, v, e, in_proj_weight, in_proj_bias, separate)
    dtype = q.dtype
    mask = F.additive_mask(op, attn_mask, dtype, "masked")
    pad = F.additive_mask(op, key_padding_mask, dtype, "masked")
    if mask is not None:
        if mask.ndim == 2:
            mask = mask.unsqueeze(0)
        if mask.ndim != 3 or mask.shape[1:] != (length, keys) \
                or mask.shape[0] not in (1, batch * heads):
            raise ShapeError(f"{op}: attn_mask must be ({length}, {keys}) or "
                             f"({batch * heads}, {length}, {keys}), got "
                             f"{as_tensor(attn_mask).shape}")
    if pad is not None:
        if unbatched and pad.ndim == 1:
            pad = pad.unsqueeze(0)
        if pad.shape != (batch, keys):
            raise ShapeError(f"{op}: key_padding_mask must be ({batch}, {keys}) (or "
                             f"({keys},) unbatched), got {as_tensor(key_padding_mask).shape}")
    if bias_k is not None and bias_v is not None:  # one more key and value, learned
        if static_k is not None or static_v is not None:
            raise ArgumentError(f"{op}: bias_k / bias_v cannot be added to static_k / "
                                f"static_v")
        k = concatenate([k, bias_k.expand(1, batch, e)], 0)
        v = concatenate([v, bias_v.expand(1, batch, e)], 0)
        mask = None if mask is None else mask.pad(((0, 0), (0, 0), (0, 1)))
        pad = None if pad is None else pad.pad(((0, 0), (0, 1)))
    elif (bias_k is None) != (bias_v is None):
        raise ArgumentError(f"{op}: bias_k and bias_v must be given together")
    # heads: (L, N, E) -> (N heads, L, head_dim)
    q = q.reshape(length, batch * heads, hd).transpose(0, 1)
    k = _static(op, "static_k", static_k, batch * heads, hd) if static_k is not None else \
        k.reshape(k.shape[0], batch * heads, hd).transpose(0, 1)
    v = _static(op, "static_v", static_v, batch * heads, hd) if static_v is not None else \
        v.reshape(v.shape[0], batch * heads, hd).transpose(0, 1)
    if add_zero_attn:  # one more key and value, zero
        zeros = Tensor(np.zeros((batch * heads, 1, hd), dtype=dtype))
        k, v = concatenate([k, zeros], 1), concatenate([v, zeros], 1)
        mask = None if mask is None else mask.pad(((0, 0), (0, 0), (0, 1)))
        pad = None if pad is None else pad.pad(((0, 0), (0, 1)))
    source = k.shape[1]
    if pad is not None:
        pad = pad.reshape(batch, 1, 1, source).expand(batch, heads, 1, source) \
            .reshape(batch * heads, 1, source)
        mask = pad if mask is None else mask + pad
    scores = (q * math.sqrt(1.0 / hd)) @ k.transpose(1, 2)
    if mask is not None:
        scores = scores + mask
    weights = softmax(scores, -1)
    if dropout_p:
        weights = F.dropout(weights, dropout_p, True)
    out = (weights @ v).transpose(0, 1).reshape(length * batch, e)
    out = F.linear(out, out_proj_weight, out_proj_bias).reshape(length, batch, e)
    if not need_weights:
        return out, None
    weights = weights.reshape(batch, heads, length, source)
    return out, weights.mean(1) if average_attn_weights else weights


def _static(op: str, name: str, value: Any, rows: int, hd: int) -> Tensor:
    t = as_tensor(value)
    if t.ndim != 3 or t.shape[0] != rows or t.shape[2] != hd:
        raise ShapeError(f"{op}: expected {name} of shape ({rows}, S, {hd}) (batch * "
                         f"num_heads, S, head_dim), got {t.shape}")
    return t


def multi_head_attention_forward(
        query: Any, key: Any, value: Any, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
        out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Any = None, need_weights: bool = True, attn_mask: Any = None,
        use_separate_proj_weight: bool = False, q_proj_weight: Tensor | None = None,
        k_proj_weight: Tensor | None = None, v_proj_weight: Tensor | None = None,
        static_k: Tensor | None = None, static_v: Tensor | None = None,
        average_attn_weights: bool = True, is_causal: bool = False
) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention of query (L, N, E), key (S, N, E_k), value (S, N, E_v), or
    unbatched (L, E), (S, E_k), (S, E_v), with the given weights (see the module
    docstring): (output (L, N, E) or (L, E), weights (N, L, S) averaged or
    (N, num_heads, L, S), unbatched without N, or None)."""
    op = "multi_head_attention_forward"
    q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
    unbatched = q.ndim == 2
    rank = 2 if unbatched else 3
    if q.ndim not in (2, 3) or k.ndim != rank or v.ndim != rank:
        raise ShapeError(f"{op}: expected query, key and value of 3 dims (L, N, E) or 2 dims "
                         f"(L, E) alike, got {q.shape}, {k.shape}, {v.shape}")
    if q.shape[-1] != embed_dim_to_check:
        raise ShapeError(f"{op}: was expecting embedding dimension of {embed_dim_to_check}, "
                         f"but got {q.shape[-1]} (query shape {q.shape})")
    if num_heads < 1 or embed_dim_to_check % num_heads:
        raise ArgumentError(f"{op}: embed_dim {embed_dim_to_check} not divisible by "
                            f"num_heads {num_heads}")
    if k.shape[:-1] != v.shape[:-1] or (not use_separate_proj_weight and k.shape != v.shape) \
            or (not unbatched and k.shape[1] != q.shape[1]):
        raise ShapeError(f"{op}: key {k.shape} and value {v.shape} must have one length and "
                         f"batch (and one shape without use_separate_proj_weight), with the "
                         f"query's batch ({q.shape})")
    if use_separate_proj_weight:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise ArgumentError(f"{op}: use_separate_proj_weight is True but q_proj_weight, "
                                f"k_proj_weight or v_proj_weight is None")
        separate = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        if in_proj_weight is None:
            raise ArgumentError(f"{op}: use_separate_proj_weight is False but "
                                f"in_proj_weight is None")
        separate = None
    if unbatched:
        q, k, v = q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1)
    out, weights = attend(op, q, k, v, num_heads, in_proj_weight, in_proj_bias, bias_k,
                          bias_v, add_zero_attn, dropout_p if training else 0.0,
                          out_proj_weight, out_proj_bias, key_padding_mask, need_weights,
                          attn_mask, separate, static_k, static_v, average_attn_weights,
                          is_causal, unbatched)
    if unbatched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights
