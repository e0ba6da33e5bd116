"""The Transformer encoder (Vaswani et al. 2017) with PyTorch's submodule names, so state
dicts move between the two: TransformerEncoderLayer is self-attention then a two-layer
feed-forward network, each wrapped in a residual connection and layer norm,

    post-norm (default):  x = norm1(x + sa(x));        x = norm2(x + ff(x))
    pre-norm (norm_first): x = x + sa(norm1(x));        x = x + ff(norm2(x))
    sa(x) = dropout1(self_attn(x, x, x)),  ff(x) = dropout2(linear2(dropout(act(linear1(x)))))

and TransformerEncoder stacks num_layers deep copies of one layer, with an optional final
norm.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from ..errors import ArgumentError, ArgumentTypeError
from ..tensor import Tensor
from .activations import gelu, relu
from .arguments import factory_dtype, positive_ints
from .attention import MultiheadAttention
from .containers import ModuleList
from .layers import Dropout, Linear
from .module import Module
from .norm_layers import LayerNorm

_ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {"relu": relu, "gelu": gelu}


class TransformerEncoderLayer(Module):
    """One encoder block; forward(src, src_mask=None, src_key_padding_mask=None,
    is_causal=False). activation: "relu", "gelu" or a callable."""

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: str | Callable[[Tensor], Tensor] = relu,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        positive_ints("TransformerEncoderLayer", d_model=d_model, nhead=nhead,
                      dim_feedforward=dim_feedforward)
        factory = {"dtype": factory_dtype("TransformerEncoderLayer", device, dtype)}
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                            batch_first=batch_first, **factory)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **factory)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **factory)
        self.norm_first = bool(norm_first)
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **factory)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ArgumentError(f"TransformerEncoderLayer: activation must be 'relu', "
                                    f"'gelu' or a callable, got {activation!r}")
            activation = _ACTIVATIONS[activation]
        elif not callable(activation):
            raise ArgumentTypeError(f"TransformerEncoderLayer: activation must be 'relu', "
                                    f"'gelu' or a callable, got {type(activation).__name__}")
        self.activation = activation

    def _sa_block(self, x: Tensor, mask: Any, padding_mask: Any, is_causal: bool) -> Tensor:
        out = self.self_attn(x, x, x, attn_mask=mask, key_padding_mask=padding_mask,
                             need_weights=False, is_causal=is_causal)[0]
        return self.dropout1(out)

    def _ff_block(self, x: Tensor) -> Tensor:
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src: Any, src_mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool = False) -> Tensor:
        x = src if isinstance(src, Tensor) else Tensor(src)
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            return x + self._ff_block(self.norm2(x))
        x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
        return self.norm2(x + self._ff_block(x))


class TransformerEncoder(Module):
    """num_layers copies of `encoder_layer` (parameters copied, not shared) as `layers`,
    then `norm` if given; forward(src, mask=None, src_key_padding_mask=None,
    is_causal=None). enable_nested_tensor and mask_check select PyTorch's fast inference
    paths and change nothing here."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int,
                 norm: Module | None = None, enable_nested_tensor: bool = True,
                 mask_check: bool = True) -> None:
        super().__init__()
        if not isinstance(encoder_layer, Module):
            raise ArgumentTypeError(f"TransformerEncoder: encoder_layer must be a Module, got "
                                    f"{type(encoder_layer).__name__}")
        positive_ints("TransformerEncoder", num_layers=num_layers)
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = int(num_layers)
        self.norm = norm
        self.enable_nested_tensor, self.mask_check = enable_nested_tensor, mask_check

    def forward(self, src: Any, mask: Any = None, src_key_padding_mask: Any = None,
                is_causal: bool | None = None) -> Tensor:
        x = src
        for layer in self.layers:
            x = layer(x, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                      is_causal=bool(is_causal))
        return x if self.norm is None else self.norm(x)
