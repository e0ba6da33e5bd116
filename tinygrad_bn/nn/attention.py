"""`MultiheadAttention` with PyTorch's arguments, mask conventions, parameter names and
initialisation, composed of Tensor ops: its forward is `attend` (attention_functional.py),
which F.multi_head_attention_forward runs too. Its boolean masks follow PyTorch's
convention for this module: True marks a position that may NOT be attended (the opposite
of F.scaled_dot_product_attention's); a row whose every position is masked gives NaN.

Multi-head attention (Vaswani et al. 2017) projects query, key and value with W_q, W_k,
W_v (stacked as in_proj_weight (3E, E) when key and value have E features, else three
separate q/k/v_proj_weight), splits E into num_heads heads of E/num_heads, attends in each
head, concatenates the heads and projects with out_proj.
"""

from __future__ import annotations

from typing import Any

from ..allocation import empty
from ..errors import ArgumentError, ShapeError
from ..tensor import Tensor, as_tensor
from . import init
from .arguments import factory_dtype, positive_ints, probability
from .attention_functional import attend
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

    def forward(self, query: Any, key: Any, value: Any, key_padding_mask: Any = None,
                need_weights: bool = True, attn_mask: Any = None,
                average_attn_weights: bool = True, is_causal: bool = False
                ) -> tuple[Tensor, Tensor | None]:
        q, k, v, unbatched = self._sequences(query, key, value)
        separate = None if self._qkv_same_embed_dim else (
            self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        out, weights = attend(repr(self), q, k, v, self.num_heads, self.in_proj_weight,
                              self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn,
                              self.dropout if self.training else 0.0, self.out_proj.weight,
                              self.out_proj.bias, key_padding_mask, need_weights, attn_mask,
                              separate, None, None, average_attn_weights, is_causal, unbatched)
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        return out, (weights.squeeze(0) if unbatched and weights is not None else weights)
