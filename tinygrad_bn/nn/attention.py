"""`MultiheadAttention` with PyTorch's arguments, mask conventions, parameter names and
initialisation, composed of Tensor ops (scaled dot-product attention itself, and the masks:
`F.scaled_dot_product_attention` in functional.py). Its boolean masks follow PyTorch's
convention for this module: True marks a position that may NOT be attended (the opposite
of F.scaled_dot_product_attention's); a row whose every position is masked gives NaN.

Multi-head attention (Vaswani et al. 2017) projects query, key and value with W_q, W_k,
W_v (stacked as in_proj_weight (3E, E) when key and value have E features, else three
separate q/k/v_proj_weight), splits E into num_heads heads of E/num_heads, attends in each
head, concatenates the heads and projects with out_proj.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..allocation import empty
from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor, as_tensor, concatenate
from . import functional as F
from . import init
from .activations import softmax
from .arguments import factory_dtype, positive_ints, probability
from .functional import additive_mask
from .layers import Linear
from .module import Module, Parameter


class NonDynamicallyQuantizableLinear(Linear):
    """A Linear under PyTorch's name for MultiheadAttention's out_proj (so that a printed
    model reads as PyTorch's)."""


class MultiheadAttention(Module):
    """Multi-head attention with PyTorch's parameters (in_proj_weight or q/k/v_proj_weight,
    in_proj_bias, out_proj, bias_k/bias_v) and forward(query, key, value, key_padding_mask,
    need_weights, attn_mask, average_attn_weights, is_causal) -> (output, weights or None).
    Sequences are (L, N, E), or (N, L, E) with batch_first, or unbatched (L, E)."""

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None,
                 batch_first: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        positive_ints("MultiheadAttention", embed_dim=embed_dim, num_heads=num_heads)
        dtype = factory_dtype("MultiheadAttention", device, dtype)
        kdim = embed_dim if kdim is None else kdim
        vdim = embed_dim if vdim is None else vdim
        positive_ints("MultiheadAttention", kdim=kdim, vdim=vdim)
        if embed_dim % num_heads:
            raise ArgumentError(f"MultiheadAttention: embed_dim {embed_dim} must be divisible "
                                f"by num_heads {num_heads}")
        self.embed_dim, self.num_heads, self.kdim, self.vdim = embed_dim, num_heads, kdim, vdim
        self.head_dim = embed_dim // num_heads
        self.dropout = probability("MultiheadAttention", dropout)
        self.batch_first, self.add_zero_attn = bool(batch_first), bool(add_zero_attn)
        self._qkv_same_embed_dim = kdim == embed_dim and vdim == embed_dim

        def param(name: str, shape: tuple[int, ...]) -> Parameter:
            return Parameter(empty(f"MultiheadAttention {name}", shape, dtype))

        if self._qkv_same_embed_dim:
            self.in_proj_weight = param("in_proj_weight", (3 * embed_dim, embed_dim))
            for name in ("q_proj_weight", "k_proj_weight", "v_proj_weight"):
                self.register_parameter(name, None)
        else:
            self.q_proj_weight = param("q_proj_weight", (embed_dim, embed_dim))
            self.k_proj_weight = param("k_proj_weight", (embed_dim, kdim))
            self.v_proj_weight = param("v_proj_weight", (embed_dim, vdim))
            self.register_parameter("in_proj_weight", None)
        self.register_parameter("in_proj_bias",
                                param("in_proj_bias", (3 * embed_dim,)) if bias else None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        dtype=dtype)
        if add_bias_kv:
            self.bias_k = param("bias_k", (1, 1, embed_dim))
            self.bias_v = param("bias_v", (1, 1, embed_dim))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        """PyTorch's: Glorot-uniform projections, zero biases, Glorot-normal bias_k/bias_v;
        out_proj.weight keeps Linear's initialisation."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for w in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(w)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
            init.xavier_normal_(self.bias_v)

    def _sequences(self, query: Any, key: Any, value: Any) -> tuple[Tensor, Tensor, Tensor,
                                                                    bool]:
        q, k, v = as_tensor(query), as_tensor(key), as_tensor(value)
        dims = (self.embed_dim, self.kdim, self.vdim)
        unbatched = q.ndim == 2
        rank = 2 if unbatched else 3
        if any(t.ndim != rank or t.shape[-1] != d for t, d in zip((q, k, v), dims)) \
                or k.shape[:-1] != v.shape[:-1] or (not unbatched and q.shape[0 if
                                                    self.batch_first else 1] != k.shape[
                                                    0 if self.batch_first else 1]):
            layout = "(N, L, E)" if self.batch_first else "(L, N, E)"
            raise ShapeError(f"{self!r}: expected query, key and value of shape {layout} or "
                             f"(L, E), with E = {dims} and key and value of one length, got "
                             f"{q.shape}, {k.shape}, {v.shape}")
        if unbatched:
            return q.unsqueeze(1), k.unsqueeze(1), v.unsqueeze(1), True
        if self.batch_first:
            return q.transpose(0, 1), k.transpose(0, 1), v.transpose(0, 1), False
        return q, k, v, False

    def _project(self, q: Tensor, k: Tensor, v: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        e = self.embed_dim
        b = self.in_proj_bias
        bq, bk, bv = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            w = self.in_proj_weight
            wq, wk, wv = w[:e], w[e:2 * e], w[2 * e:]
        else:
            wq, wk, wv = self.q_proj_weight, self.k_proj_weight, self.v_proj_weight
        return F.linear(q, wq, bq), F.linear(k, wk, bk), F.linear(v, wv, bv)

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True, is_causal: bool = False
                ) -> tuple[Tensor, Tensor | None]:
        q, k, v, unbatched = self._sequences(query, key, value)
        length, batch, e = q.shape
        heads, hd = self.num_heads, self.head_dim
        if is_causal and attn_mask is None:
            raise ArgumentError(f"{self!r}: is_causal=True is a hint that attn_mask is the "
                                f"causal mask; give attn_mask too")
        q, k, v = self._project(q, k, v)
        dtype = q.dtype
        mask = additive_mask("MultiheadAttention", attn_mask, dtype, "masked")
        pad = additive_mask("MultiheadAttention", key_padding_mask, dtype, "masked")
        if mask is not None:
            if mask.ndim == 2:
                mask = mask.unsqueeze(0)
            if mask.ndim != 3 or mask.shape[1:] != (length, k.shape[0]) \
                    or mask.shape[0] not in (1, batch * heads):
                raise ShapeError(f"{self!r}: attn_mask must be ({length}, {k.shape[0]}) or "
                                 f"({batch * heads}, {length}, {k.shape[0]}), got "
                                 f"{as_tensor(attn_mask).shape}")
        if pad is not None:
            if unbatched and pad.ndim == 1:
                pad = pad.unsqueeze(0)
            if pad.shape != (batch, k.shape[0]):
                raise ShapeError(f"{self!r}: key_padding_mask must be ({batch}, {k.shape[0]}) "
                                 f"(or ({k.shape[0]},) unbatched), got "
                                 f"{as_tensor(key_padding_mask).shape}")
        if self.bias_k is not None:  # one more key and value, learned
            k = concatenate([k, self.bias_k.expand(1, batch, e)], 0)
            v = concatenate([v, self.bias_v.expand(1, batch, e)], 0)
            mask = None if mask is None else mask.pad(((0, 0), (0, 0), (0, 1)))
            pad = None if pad is None else pad.pad(((0, 0), (0, 1)))
        # heads: (L, N, E) -> (N heads, L, head_dim)
        q = q.reshape(length, batch * heads, hd).transpose(0, 1)
        k = k.reshape(k.shape[0], batch * heads, hd).transpose(0, 1)
        v = v.reshape(v.shape[0], batch * heads, hd).transpose(0, 1)
        if self.add_zero_attn:  # one more key and value, zero
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
        if self.dropout and self.training:
            weights = F.dropout(weights, self.dropout, True)
        out = (weights @ v).transpose(0, 1).reshape(length * batch, e)
        out = F.linear(out, self.out_proj.weight, self.out_proj.bias).reshape(length, batch, e)
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        weights = weights.reshape(batch, heads, length, source)
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights.squeeze(0) if unbatched else weights)
